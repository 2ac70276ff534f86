package consolehttp

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Wire types of campaigns, visits, plan targets and people's legal titles. Calendar days travel as
// "YYYY-MM-DD" (Asia/Ho_Chi_Minh), instants as RFC 3339 in UTC; an optional field the domain leaves
// empty is left out. Request fields carry the names the domain gives its field errors.

// civilDay reads an optional calendar day of a request body, noting field as invalid_date when it is
// not YYYY-MM-DD; "" is the zero time, which the domain reports as required where it is.
func civilDay(k *[]errs.FieldError, field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	d, err := adminunit.ParseDay(s)
	if err != nil {
		*k = append(*k, errs.FieldError{Field: field, Code: errs.CodeInvalidDate})
	}
	return d
}

func invalidFields(fields []errs.FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return errs.E(errs.Invalid, errs.CodeValidation, fields)
}

// teamMember and assignment are parts of schemas/campaign.schema.json and campaign-request.
type (
	teamMember struct {
		PersonID string `json:"person_id"`
		Role     string `json:"role"`
	}
	assignment struct {
		SiteID   string `json:"site_id"`
		PersonID string `json:"person_id"`
	}
	conclusion struct {
		Number  string `json:"number"`
		Date    string `json:"date"`
		Summary string `json:"summary"`
	}
)

// campaignResponse is schemas/campaign.schema.json.
type campaignResponse struct {
	ID             string       `json:"id"`
	OrganisationID string       `json:"organisation_id"`
	Number         string       `json:"number"`
	DecisionDate   string       `json:"decision_date"`
	Reference      string       `json:"reference"`
	Title          string       `json:"title"`
	Kind           string       `json:"kind"`
	Origin         string       `json:"origin"`
	Sectors        []string     `json:"sectors"`
	PeriodFrom     string       `json:"period_from"`
	PeriodTo       string       `json:"period_to"`
	Team           []teamMember `json:"team"`
	SubjectIDs     []string     `json:"subject_ids"`
	SiteIDs        []string     `json:"site_ids"`
	Assignments    []assignment `json:"assignments"`
	Status         string       `json:"status"`
	Conclusion     *conclusion  `json:"conclusion,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
}

// campaignList is schemas/campaign-list.schema.json.
type campaignList struct {
	Items  []campaignResponse `json:"items"`
	Total  int                `json:"total"`
	Limit  int                `json:"limit"`
	Offset int                `json:"offset"`
}

func toCampaign(c campaign.Campaign) campaignResponse {
	out := campaignResponse{ID: c.ID, OrganisationID: c.OrgID, Number: c.Number, DecisionDate: adminunit.FormatDay(c.DecisionDate),
		Reference: c.Reference(), Title: c.Title, Kind: string(c.Kind), Origin: string(c.Origin), Sectors: make([]string, len(c.Sectors)),
		PeriodFrom: adminunit.FormatDay(c.PeriodFrom), PeriodTo: adminunit.FormatDay(c.PeriodTo), Team: make([]teamMember, len(c.Team)),
		SubjectIDs: emptyIfNil(c.SubjectIDs), SiteIDs: emptyIfNil(c.SiteIDs), Assignments: make([]assignment, len(c.Assignments)),
		Status: string(c.Status()), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
	for i, s := range c.Sectors {
		out.Sectors[i] = string(s)
	}
	for i, m := range c.Team {
		out.Team[i] = teamMember{PersonID: m.PersonID, Role: string(m.Role)}
	}
	for i, x := range c.Assignments {
		out.Assignments[i] = assignment(x)
	}
	if k := c.Conclusion; k != nil {
		out.Conclusion = &conclusion{Number: k.Number, Date: adminunit.FormatDay(k.Date), Summary: k.Summary}
	}
	return out
}

// campaignRequest is schemas/campaign-request.schema.json: a new campaign, or the whole of an open
// one.
type campaignRequest struct {
	Number       string       `json:"number"`
	DecisionDate string       `json:"decision_date"`
	Title        string       `json:"title"`
	Kind         string       `json:"kind"`
	Origin       string       `json:"origin"`
	Sectors      []string     `json:"sectors"`
	PeriodFrom   string       `json:"period_from"`
	PeriodTo     string       `json:"period_to"`
	Team         []teamMember `json:"team"`
	SubjectIDs   []string     `json:"subject_ids"`
	SiteIDs      []string     `json:"site_ids,omitempty"`
	Assignments  []assignment `json:"assignments,omitempty"`
}

func (r campaignRequest) domain(orgID, id string) (campaign.Campaign, error) {
	var k []errs.FieldError
	c := campaign.Campaign{ID: id, OrgID: orgID, Number: r.Number, DecisionDate: civilDay(&k, "decision_date", r.DecisionDate),
		Title: r.Title, Kind: campaign.Kind(r.Kind), Origin: campaign.Origin(r.Origin), PeriodFrom: civilDay(&k, "period_from", r.PeriodFrom),
		PeriodTo: civilDay(&k, "period_to", r.PeriodTo), SubjectIDs: r.SubjectIDs, SiteIDs: r.SiteIDs}
	for _, s := range r.Sectors {
		c.Sectors = append(c.Sectors, campaign.Sector(s))
	}
	for _, m := range r.Team {
		c.Team = append(c.Team, campaign.Member{PersonID: m.PersonID, Role: campaign.TeamRole(m.Role)})
	}
	for _, x := range r.Assignments {
		c.Assignments = append(c.Assignments, campaign.Assignment(x))
	}
	return c, invalidFields(k)
}

// conclusionRequest is schemas/campaign-conclusion-request.schema.json.
type conclusionRequest struct {
	Conclusion conclusionInput `json:"conclusion"`
}

type conclusionInput struct {
	Number  string `json:"number"`
	Date    string `json:"date"`
	Summary string `json:"summary,omitempty"`
}

func (r conclusionRequest) domain() (campaign.Conclusion, error) {
	var k []errs.FieldError
	out := campaign.Conclusion{Number: r.Conclusion.Number, Date: civilDay(&k, "conclusion.date", r.Conclusion.Date), Summary: r.Conclusion.Summary}
	return out, invalidFields(k)
}

// position is a GPS position of schemas/visit.schema.json and visit-request.
type position struct {
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	AccuracyM float64 `json:"accuracy_m"`
}

// visitResponse is schemas/visit.schema.json.
type visitResponse struct {
	ID               string    `json:"id"`
	OrganisationID   string    `json:"organisation_id"`
	CampaignID       string    `json:"campaign_id"`
	SiteID           string    `json:"site_id"`
	Date             string    `json:"date"`
	LeaderPersonID   string    `json:"leader_person_id,omitempty"`
	ChecklistCode    string    `json:"checklist_code"`
	ChecklistVersion int       `json:"checklist_version"`
	Status           string    `json:"status"`
	GPS              *position `json:"gps,omitempty"`
	UnitCode         string    `json:"unit_code"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// visitList is schemas/visit-list.schema.json.
type visitList struct {
	Items  []visitResponse `json:"items"`
	Total  int             `json:"total"`
	Limit  int             `json:"limit"`
	Offset int             `json:"offset"`
}

func toVisit(v campaign.Visit) visitResponse {
	out := visitResponse{ID: v.ID, OrganisationID: v.OrgID, CampaignID: v.CampaignID, SiteID: v.SiteID, Date: adminunit.FormatDay(v.Date),
		LeaderPersonID: v.LeaderPersonID, ChecklistCode: v.ChecklistCode, ChecklistVersion: v.ChecklistVersion, Status: string(v.Status),
		UnitCode: v.UnitCode, CreatedAt: v.CreatedAt.UTC(), UpdatedAt: v.UpdatedAt.UTC()}
	if v.GPS != nil {
		out.GPS = &position{Lat: v.GPS.Lat, Lon: v.GPS.Lon, AccuracyM: v.GPS.Accuracy}
	}
	return out
}

// visitRequest is schemas/visit-request.schema.json: a visit of a site of the campaign the path names.
type visitRequest struct {
	SiteID           string    `json:"site_id"`
	Date             string    `json:"date"`
	LeaderPersonID   string    `json:"leader_person_id,omitempty"`
	ChecklistCode    string    `json:"checklist_code"`
	ChecklistVersion int       `json:"checklist_version"`
	GPS              *position `json:"gps,omitempty"`
}

func (r visitRequest) domain(orgID, campaignID string) (campaign.Visit, error) {
	var k []errs.FieldError
	v := campaign.Visit{OrgID: orgID, CampaignID: campaignID, SiteID: r.SiteID, Date: civilDay(&k, "date", r.Date),
		LeaderPersonID: r.LeaderPersonID, ChecklistCode: r.ChecklistCode, ChecklistVersion: r.ChecklistVersion}
	if r.GPS != nil {
		v.GPS = &campaign.GPS{Lat: r.GPS.Lat, Lon: r.GPS.Lon, Accuracy: r.GPS.AccuracyM}
	}
	return v, invalidFields(k)
}

// visitStatusRequest is schemas/visit-status-request.schema.json.
type visitStatusRequest struct {
	Status string `json:"status"`
}

// planTarget is an item of schemas/campaign-target-list.schema.json. Done and Achievement come with
// the results ("1940/1268 đạt 153%"), which the statistics count; until then they are left out.
type planTarget struct {
	Sector      string `json:"sector"`
	Metric      string `json:"metric"`
	Value       int    `json:"value"`
	Done        *int   `json:"done,omitempty"`
	Achievement string `json:"achievement,omitempty"`
}

// targetList is schemas/campaign-target-list.schema.json.
type targetList struct {
	Year  int          `json:"year"`
	Items []planTarget `json:"items"`
}

func toTargetList(year int, ts []campaign.Target) targetList {
	out := targetList{Year: year, Items: make([]planTarget, len(ts))}
	for i, t := range ts {
		out.Items[i] = planTarget{Sector: string(t.Sector), Metric: string(t.Metric), Value: t.Value}
	}
	return out
}

// targetRequest is schemas/campaign-target-request.schema.json.
type targetRequest struct {
	Year   int    `json:"year"`
	Sector string `json:"sector"`
	Metric string `json:"metric"`
	Value  int    `json:"value"`
}

// personTitle is schemas/person-title.schema.json.
type personTitle struct {
	ID             string    `json:"id"`
	OrganisationID string    `json:"organisation_id"`
	PersonID       string    `json:"person_id"`
	Code           string    `json:"code"`
	ValidFrom      string    `json:"valid_from"`
	ValidTo        string    `json:"valid_to,omitempty"`
	CampaignID     string    `json:"campaign_id,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// personTitleList is schemas/person-title-list.schema.json.
type personTitleList struct {
	Items []personTitle `json:"items"`
}

func toPersonTitle(t identity.Title) personTitle {
	return personTitle{ID: t.ID, OrganisationID: t.OrgID, PersonID: t.PersonID, Code: t.Code, ValidFrom: adminunit.FormatDay(t.ValidFrom),
		ValidTo: adminunit.FormatDay(t.ValidTo), CampaignID: t.CampaignID, CreatedAt: t.CreatedAt.UTC()}
}

// titleRequest is schemas/person-title-request.schema.json.
type titleRequest struct {
	Code       string `json:"code"`
	ValidFrom  string `json:"valid_from"`
	ValidTo    string `json:"valid_to,omitempty"`
	CampaignID string `json:"campaign_id,omitempty"`
}

func (r titleRequest) domain(orgID, personID string) (identity.Title, error) {
	var k []errs.FieldError
	t := identity.Title{OrgID: orgID, PersonID: personID, Code: r.Code, ValidFrom: civilDay(&k, "valid_from", r.ValidFrom),
		ValidTo: civilDay(&k, "valid_to", r.ValidTo), CampaignID: r.CampaignID}
	return t, invalidFields(k)
}

// visitAnswersRequest is schemas/visit-answers-request.schema.json.
type visitAnswersRequest struct {
	Answers map[string]answer `json:"answers"`
}

// visitAnswersResponse is schemas/visit-answers.schema.json.
type visitAnswersResponse struct {
	Answers  map[string]answer `json:"answers"`
	Findings []finding         `json:"findings"`
}
