// Package campaign models inspection work the way the law organises it: a campaign (cuộc thanh tra /
// cuộc kiểm tra) decided by a numbered plan or decision, with its own team (đoàn) and leader (D3), the
// subjects and sites it covers, the assignment of sites to inspectors, the visits made on site, and
// the conclusion document (kết luận) that closes it (D17). Also the department's yearly plan targets,
// against which results are reported ("1940/1268 đạt 153%").
package campaign

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Kind is the legal kind of a campaign.
type Kind string

// The kinds.
const (
	Inspection Kind = "inspection" // thanh tra chuyên ngành, by the inspectorate
	Check      Kind = "check"      // kiểm tra nhà nước, a state check
)

// Origin says whether a campaign was in the yearly plan or not; the official results form counts
// them apart.
type Origin string

// The origins.
const (
	Planned  Origin = "planned"  // theo kế hoạch
	Surprise Origin = "surprise" // đột xuất
)

// Sector is a field of the department's enforcement work.
type Sector string

// The sectors.
const (
	Fuel      Sector = "fuel"      // đo lường, chất lượng xăng dầu
	Market    Sector = "market"    // đo lường trong thương mại, hàng đóng gói sẵn
	Radiation Sector = "radiation" // an toàn bức xạ, X-quang chẩn đoán y tế
	Other     Sector = "other"
)

// Sectors lists every sector in a stable order.
var Sectors = []Sector{Fuel, Market, Radiation, Other}

// Status is where a campaign is.
type Status string

// The statuses. A campaign is open from its decision until its conclusion document is recorded.
const (
	Open      Status = "open"
	Concluded Status = "concluded"
)

// TeamRole is a member's place in a campaign's team.
type TeamRole string

// The team roles.
const (
	Leader     TeamRole = "leader" // trưởng đoàn
	TeamMember TeamRole = "member" // thành viên đoàn
)

// Member is one person of a campaign's team.
type Member struct {
	PersonID string
	Role     TeamRole
}

// Assignment gives a site of the campaign to an inspector of its team.
type Assignment struct {
	SiteID   string
	PersonID string
}

// Conclusion is the document that closes a campaign (kết luận thanh tra / thông báo kết quả kiểm tra).
type Conclusion struct {
	Number  string // e.g. "45/KL-TTr"
	Date    time.Time
	Summary string
}

// Campaign is a cuộc thanh tra or cuộc kiểm tra.
type Campaign struct {
	ID           string
	OrgID        string
	Number       string    // of the plan or decision, e.g. "277/KH-SKHCN"
	DecisionDate time.Time // e.g. 20/02/2023
	Title        string
	Kind         Kind
	Origin       Origin
	Sectors      []Sector
	PeriodFrom   time.Time // first day of the campaign
	PeriodTo     time.Time // last day
	Team         []Member
	SubjectIDs   []string
	SiteIDs      []string
	Assignments  []Assignment
	Conclusion   *Conclusion
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Status derives the campaign's status from its conclusion.
func (c Campaign) Status() Status {
	if c.Conclusion != nil {
		return Concluded
	}
	return Open
}

// LeaderID returns the person who leads the team, or "".
func (c Campaign) LeaderID() string {
	for _, m := range c.Team {
		if m.Role == Leader {
			return m.PersonID
		}
	}
	return ""
}

// InTeam reports whether the person belongs to the campaign's team.
func (c Campaign) InTeam(personID string) bool {
	return slices.ContainsFunc(c.Team, func(m Member) bool { return m.PersonID == personID })
}

// Covers reports whether the campaign covers the site.
func (c Campaign) Covers(siteID string) bool { return slices.Contains(c.SiteIDs, siteID) }

// Title of the plan or decision in the department's own words, e.g. "Kế hoạch số 277/KH-SKHCN ngày
// 20/02/2023".
func (c Campaign) Reference() string {
	doc := "Quyết định"
	if strings.Contains(strings.ToUpper(c.Number), "/KH") {
		doc = "Kế hoạch"
	}
	return doc + " số " + c.Number + " ngày " + c.DecisionDate.Format("02/01/2006")
}

// SiteOwner tells which subject owns a site; the campaign rules need it to check that every site
// belongs to a covered subject. The registry provides it.
type SiteOwner func(siteID string) (subjectID string, ok bool)

// Validate checks a campaign's own rules and reports every problem with the field it concerns.
// owner resolves the sites' subjects (a site the registry does not know is an error on that site).
func (c Campaign) Validate(owner SiteOwner) error {
	var f fields
	f.text("number", c.Number, 100)
	f.text("title", c.Title, 500)
	if c.DecisionDate.IsZero() {
		f.add("decision_date", errs.CodeRequired)
	}
	switch c.Kind {
	case Inspection, Check:
	case "":
		f.add("kind", errs.CodeRequired)
	default:
		f.add("kind", errs.CodeInvalidValue)
	}
	switch c.Origin {
	case Planned, Surprise:
	case "":
		f.add("origin", errs.CodeRequired)
	default:
		f.add("origin", errs.CodeInvalidValue)
	}
	if len(c.Sectors) == 0 {
		f.add("sectors", errs.CodeRequired)
	}
	for i, s := range c.Sectors {
		if !slices.Contains(Sectors, s) || slices.Contains(c.Sectors[:i], s) {
			f.add("sectors["+strconv.Itoa(i)+"]", errs.CodeInvalidValue)
		}
	}
	switch {
	case c.PeriodFrom.IsZero():
		f.add("period_from", errs.CodeRequired)
	case c.PeriodTo.IsZero():
		f.add("period_to", errs.CodeRequired)
	case c.PeriodTo.Before(c.PeriodFrom):
		f.add("period_to", errs.CodePeriodReversed)
	}
	leaders := 0
	for i, m := range c.Team {
		switch {
		case m.PersonID == "":
			f.add("team["+strconv.Itoa(i)+"].person_id", errs.CodeRequired)
		case slices.ContainsFunc(c.Team[:i], func(o Member) bool { return o.PersonID == m.PersonID }):
			f.add("team["+strconv.Itoa(i)+"].person_id", errs.CodeInvalidValue)
		}
		switch m.Role {
		case Leader:
			leaders++
		case TeamMember:
		default:
			f.add("team["+strconv.Itoa(i)+"].role", errs.CodeInvalidValue)
		}
	}
	if leaders != 1 {
		f.add("team", errs.CodeOneLeader)
	}
	if len(c.SubjectIDs) == 0 {
		f.add("subject_ids", errs.CodeNoSubjects)
	}
	for i, s := range c.SiteIDs {
		subject, ok := owner(s)
		switch {
		case !ok:
			f.add("site_ids["+strconv.Itoa(i)+"]", errs.CodeUnknownSite)
		case !slices.Contains(c.SubjectIDs, subject):
			f.add("site_ids["+strconv.Itoa(i)+"]", errs.CodeSiteNotOfSubject)
		case slices.Contains(c.SiteIDs[:i], s):
			f.add("site_ids["+strconv.Itoa(i)+"]", errs.CodeInvalidValue)
		}
	}
	for i, a := range c.Assignments {
		p := "assignments[" + strconv.Itoa(i) + "]"
		if !c.Covers(a.SiteID) {
			f.add(p+".site_id", errs.CodeSiteNotInCampaign)
		}
		if !c.InTeam(a.PersonID) {
			f.add(p+".person_id", errs.CodeNotInTeam)
		}
	}
	c.checkConclusion(&f)
	return f.err(errs.Op("campaign.Validate"))
}

// ValidateConclusion checks the conclusion document alone (the rest was checked when the campaign
// was saved).
func (c Campaign) ValidateConclusion() error {
	var f fields
	if c.Conclusion == nil {
		f.add("conclusion", errs.CodeRequired)
	}
	c.checkConclusion(&f)
	return f.err(errs.Op("campaign.ValidateConclusion"))
}

func (c Campaign) checkConclusion(f *fields) {
	if c.Conclusion == nil {
		return
	}
	f.text("conclusion.number", c.Conclusion.Number, 100)
	if c.Conclusion.Date.IsZero() {
		f.add("conclusion.date", errs.CodeRequired)
	} else if !c.PeriodFrom.IsZero() && c.Conclusion.Date.Before(c.PeriodFrom) {
		f.add("conclusion.date", errs.CodeConclusionBeforeStart)
	}
}

// fields collects field errors.
type fields []errs.FieldError

func (f *fields) add(field string, code errs.Code) {
	*f = append(*f, errs.FieldError{Field: field, Code: code})
}

func (f *fields) text(field, v string, max int) {
	switch {
	case strings.TrimSpace(v) == "":
		f.add(field, errs.CodeRequired)
	case utf8.RuneCountInString(v) > max:
		f.add(field, errs.CodeTooLong)
	}
}

func (f fields) err(op errs.Op) error {
	if len(f) == 0 {
		return nil
	}
	return errs.E(op, errs.Invalid, errs.CodeValidation, []errs.FieldError(f))
}
