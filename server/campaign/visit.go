package campaign

import (
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// VisitStatus is where a visit is. A visit that sent a sample to a laboratory waits for the result
// before it can be completed (D17); the result may turn into a finding.
type VisitStatus string

// The visit statuses.
const (
	VisitPlanned    VisitStatus = "planned"
	VisitInProgress VisitStatus = "in_progress"
	VisitWaitingLab VisitStatus = "waiting_lab" // chờ kết quả thử nghiệm mẫu
	VisitCompleted  VisitStatus = "completed"
	VisitCancelled  VisitStatus = "cancelled"
)

// visitMoves are the allowed status changes.
var visitMoves = map[VisitStatus][]VisitStatus{
	VisitPlanned:    {VisitInProgress, VisitCancelled},
	VisitInProgress: {VisitWaitingLab, VisitCompleted, VisitCancelled},
	VisitWaitingLab: {VisitCompleted},
}

// CanMove reports whether a visit may go from one status to another.
func CanMove(from, to VisitStatus) bool {
	for _, s := range visitMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// GPS is a position as the phone measured it.
type GPS struct {
	Lat, Lon float64
	Accuracy float64 // metres
}

// Visit is one team at one site on one day, with one published checklist version.
type Visit struct {
	ID               string // made on the phone (UUIDv7) or by the server
	OrgID            string
	CampaignID       string
	SiteID           string
	Date             time.Time // the day of the visit, Asia/Ho_Chi_Minh
	LeaderPersonID   string
	ChecklistCode    string
	ChecklistVersion int
	Status           VisitStatus
	GPS              *GPS
	UnitCode         string // the site's administrative unit on the visit date, resolved when stored
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ValidateVisit checks a new visit against its campaign: the campaign is open, covers the site, the
// date falls in its period, and the leader is in its team.
func ValidateVisit(v Visit, c Campaign) error {
	var f fields
	if c.Status() == Concluded {
		return errs.E(errs.Op("campaign.ValidateVisit"), errs.Conflict, errs.CodeCampaignConcluded)
	}
	if v.SiteID == "" {
		f.add("site_id", errs.CodeRequired)
	} else if !c.Covers(v.SiteID) {
		f.add("site_id", errs.CodeSiteNotInCampaign)
	}
	switch {
	case v.Date.IsZero():
		f.add("date", errs.CodeRequired)
	case v.Date.Before(day(c.PeriodFrom)) || v.Date.After(day(c.PeriodTo)):
		f.add("date", errs.CodeVisitOutsidePeriod)
	}
	if v.LeaderPersonID != "" && !c.InTeam(v.LeaderPersonID) {
		f.add("leader_person_id", errs.CodeNotInTeam)
	}
	if v.ChecklistCode == "" {
		f.add("checklist_code", errs.CodeRequired)
	}
	if v.ChecklistVersion <= 0 {
		f.add("checklist_version", errs.CodeRequired)
	}
	if v.GPS != nil && (v.GPS.Lat < -90 || v.GPS.Lat > 90 || v.GPS.Lon < -180 || v.GPS.Lon > 180) {
		f.add("gps", errs.CodeInvalidValue)
	}
	return f.err(errs.Op("campaign.ValidateVisit"))
}

func day(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location())
}

// Metric is what a yearly plan target counts.
type Metric string

// The metrics the system records and the department plans.
const (
	MetricCampaigns          Metric = "campaigns"           // cuộc thanh tra, kiểm tra
	MetricSitesInspected     Metric = "sites_inspected"     // cơ sở được kiểm tra
	MetricInstrumentsChecked Metric = "instruments_checked" // phương tiện đo được kiểm tra (e.g. cột đo)
)

// Target is one yearly plan figure: e.g. 1268 instruments checked in 2023 for the market sector.
type Target struct {
	OrgID  string
	Year   int
	Sector Sector
	Metric Metric
	Value  int
}

// Validate checks a target.
func (t Target) Validate() error {
	var f fields
	if t.Year < 2000 || t.Year > 2100 {
		f.add("year", errs.CodeInvalidValue)
	}
	found := false
	for _, s := range Sectors {
		found = found || s == t.Sector
	}
	if !found {
		f.add("sector", errs.CodeInvalidValue)
	}
	switch t.Metric {
	case MetricCampaigns, MetricSitesInspected, MetricInstrumentsChecked:
	default:
		f.add("metric", errs.CodeInvalidValue)
	}
	if t.Value < 0 {
		f.add("value", errs.CodeInvalidValue)
	}
	return f.err(errs.Op("campaign.Target.Validate"))
}

// Achievement is a result against its target, in the department's words: "1940/1268 đạt 153%".
func Achievement(done, target int) string {
	if target <= 0 {
		return ""
	}
	pct := (done*100 + target/2) / target
	return strconv.Itoa(done) + "/" + strconv.Itoa(target) + " đạt " + strconv.Itoa(pct) + "%"
}
