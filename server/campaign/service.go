package campaign

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Store persists campaigns, visits and targets. Every change comes with its audit event and is
// written in one transaction with it. Reads are scoped to one organisation.
type Store interface {
	SaveCampaign(ctx context.Context, c Campaign, e audit.Entry) error
	Campaign(ctx context.Context, orgID, id string) (Campaign, error)
	CreateVisit(ctx context.Context, v Visit, e audit.Entry) error
	Visit(ctx context.Context, orgID, id string) (Visit, error)
	MoveVisit(ctx context.Context, orgID, id string, from, to VisitStatus, at time.Time, e audit.Entry) error
	SetTarget(ctx context.Context, t Target, e audit.Entry) error
	VisitAnswers(ctx context.Context, orgID, visitID string) (map[string]checklist.Answer, []checklist.Finding, error)
	RecordAnswers(ctx context.Context, v Visit, answers map[string]checklist.Answer, findings []checklist.Finding, by string, e audit.Entry) error
}

// Registry answers what the campaign rules need to know about sites.
type Registry interface {
	// SiteSubjects returns the subject that owns each of the sites, by site ID; a site that is no site
	// of the organisation is absent from the map.
	SiteSubjects(ctx context.Context, orgID string, siteIDs []string) (map[string]string, error)
	// MissingSubjects returns those of ids that are no subject of the organisation.
	MissingSubjects(ctx context.Context, orgID string, ids []string) ([]string, error)
	// MissingPersons returns those of ids that are no person of the organisation.
	MissingPersons(ctx context.Context, orgID string, ids []string) ([]string, error)
	// SiteUnitOn returns the code of the administrative unit a site belonged to on a day; a site whose
	// unit did not exist on that day is errs.Invalid.
	SiteUnitOn(ctx context.Context, orgID, siteID string, day time.Time) (string, error)
}

// Checklists says whether a published checklist version exists.
type Checklists interface {
	ChecklistVersion(ctx context.Context, code string, version int) (checklist.Published, error)
}

// Service applies the campaign rules and who may do what: the inspection chief and the organisation's
// administrator plan campaigns and conclude them; the team records visits; the director and the
// administrator set the yearly plan.
type Service struct {
	Store      Store
	Registry   Registry
	Checklists Checklists
	Reader     Reader // the lists (reads.go)
	Clock      clock.Clock
	IDs        clock.IDs
}

func entry(p identity.Principal, chain, orgID, action string, at time.Time, data map[string]any) audit.Entry {
	return audit.Entry{Chain: chain, OrgID: orgID, Action: action, ActorAccountID: p.AccountID, ActorPersonID: p.PersonID, At: at, Data: data}
}

func canPlan(p identity.Principal, orgID string) bool {
	return p.Has(identity.RoleSystemAdmin) || (p.OrgID == orgID && p.Has(identity.RoleChief, identity.RoleOrgAdmin))
}

// SaveCampaign creates a campaign (empty ID) or replaces an open one.
func (s *Service) SaveCampaign(ctx context.Context, p identity.Principal, c Campaign) (Campaign, error) {
	const op = errs.Op("campaign.SaveCampaign")
	if !canPlan(p, c.OrgID) {
		return Campaign{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	now := s.Clock.Now().UTC()
	action := "campaign.update"
	if c.ID == "" {
		c.ID, c.CreatedAt, action = s.IDs.NewID(), now, "campaign.create"
	} else {
		old, err := s.Store.Campaign(ctx, c.OrgID, c.ID)
		if err != nil {
			return Campaign{}, errs.E(op, err)
		}
		if old.Status() == Concluded {
			return Campaign{}, errs.E(op, errs.Conflict, errs.CodeCampaignConcluded)
		}
		c.CreatedAt = old.CreatedAt
		c.Conclusion = old.Conclusion
	}
	c.UpdatedAt = now
	owners, err := s.Registry.SiteSubjects(ctx, c.OrgID, c.SiteIDs)
	if err != nil {
		return Campaign{}, errs.E(op, err)
	}
	if err := c.Validate(func(site string) (string, bool) { sub, ok := owners[site]; return sub, ok }); err != nil {
		return Campaign{}, errs.E(op, err)
	}
	if err := s.checkKnown(ctx, c); err != nil {
		return Campaign{}, errs.E(op, err)
	}
	e := entry(p, "campaign/"+c.ID, c.OrgID, action, now, map[string]any{"number": c.Number, "subjects": len(c.SubjectIDs),
		"sites": len(c.SiteIDs), "team": len(c.Team)})
	if err := s.Store.SaveCampaign(ctx, c, e); err != nil {
		return Campaign{}, errs.E(op, err)
	}
	return c, nil
}

// checkKnown names each subject and team member that is no subject or person of the organisation,
// so that a wrong ID is a field error rather than a refused foreign key.
func (s *Service) checkKnown(ctx context.Context, c Campaign) error {
	missingSubjects, err := s.Registry.MissingSubjects(ctx, c.OrgID, c.SubjectIDs)
	if err != nil {
		return err
	}
	people := make([]string, len(c.Team))
	for i, m := range c.Team {
		people[i] = m.PersonID
	}
	missingPeople, err := s.Registry.MissingPersons(ctx, c.OrgID, people)
	if err != nil {
		return err
	}
	var f fields
	for i, id := range c.SubjectIDs {
		if slices.Contains(missingSubjects, id) {
			f.add("subject_ids["+strconv.Itoa(i)+"]", errs.CodeSubjectNotFound)
		}
	}
	for i, id := range people {
		if slices.Contains(missingPeople, id) {
			f.add("team["+strconv.Itoa(i)+"].person_id", errs.CodePersonNotFound)
		}
	}
	return f.err(errs.Op("campaign.checkKnown"))
}

// Conclude records the conclusion document that closes a campaign. A concluded campaign takes no new
// visits and no changes.
func (s *Service) Conclude(ctx context.Context, p identity.Principal, orgID, id string, k Conclusion) (Campaign, error) {
	const op = errs.Op("campaign.Conclude")
	if !canPlan(p, orgID) {
		return Campaign{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	c, err := s.Store.Campaign(ctx, orgID, id)
	if err != nil {
		return Campaign{}, errs.E(op, err)
	}
	if c.Status() == Concluded {
		return Campaign{}, errs.E(op, errs.Conflict, errs.CodeCampaignConcluded)
	}
	c.Conclusion = &k
	c.UpdatedAt = s.Clock.Now().UTC()
	if err := c.ValidateConclusion(); err != nil {
		return Campaign{}, errs.E(op, err)
	}
	e := entry(p, "campaign/"+c.ID, orgID, "campaign.conclude", c.UpdatedAt, map[string]any{"number": k.Number, "date": k.Date.Format("2006-01-02")})
	if err := s.Store.SaveCampaign(ctx, c, e); err != nil {
		return Campaign{}, errs.E(op, err)
	}
	return c, nil
}

// CreateVisit records a visit of a site of an open campaign by its team. The site's administrative
// unit is resolved as of the visit date (D15); a site in a unit that did not exist then is refused.
func (s *Service) CreateVisit(ctx context.Context, p identity.Principal, v Visit) (Visit, error) {
	const op = errs.Op("campaign.CreateVisit")
	c, err := s.Store.Campaign(ctx, v.OrgID, v.CampaignID)
	if err != nil {
		return Visit{}, errs.E(op, err)
	}
	if !canPlan(p, v.OrgID) && !(p.OrgID == v.OrgID && c.InTeam(p.PersonID)) {
		return Visit{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if v.Status == "" {
		v.Status = VisitPlanned
	}
	if err := ValidateVisit(v, c); err != nil {
		return Visit{}, errs.E(op, err)
	}
	if _, err := s.Checklists.ChecklistVersion(ctx, v.ChecklistCode, v.ChecklistVersion); err != nil {
		return Visit{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "checklist_version", Code: errs.CodeOf(err)}, err)
	}
	if v.UnitCode, err = s.Registry.SiteUnitOn(ctx, v.OrgID, v.SiteID, v.Date); err != nil {
		return Visit{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "site_id", Code: errs.CodeOf(err)}, err)
	}
	now := s.Clock.Now().UTC()
	if v.ID == "" {
		v.ID = s.IDs.NewID()
	}
	v.CreatedAt, v.UpdatedAt = now, now
	e := entry(p, "visit/"+v.ID, v.OrgID, "visit.create", now, map[string]any{"campaign_id": v.CampaignID, "site_id": v.SiteID,
		"date": v.Date.Format("2006-01-02"), "checklist": v.ChecklistCode, "version": v.ChecklistVersion})
	if err := s.Store.CreateVisit(ctx, v, e); err != nil {
		return Visit{}, errs.E(op, err)
	}
	return v, nil
}

// MoveVisit changes a visit's status along the allowed moves.
func (s *Service) MoveVisit(ctx context.Context, p identity.Principal, orgID, id string, to VisitStatus) (Visit, error) {
	const op = errs.Op("campaign.MoveVisit")
	v, err := s.Store.Visit(ctx, orgID, id)
	if err != nil {
		return Visit{}, errs.E(op, err)
	}
	c, err := s.Store.Campaign(ctx, orgID, v.CampaignID)
	if err != nil {
		return Visit{}, errs.E(op, err)
	}
	if !canPlan(p, orgID) && !(p.OrgID == orgID && c.InTeam(p.PersonID)) {
		return Visit{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if !CanMove(v.Status, to) {
		return Visit{}, errs.E(op, errs.Conflict, errs.CodeVisitStatus, string(v.Status)+" → "+string(to))
	}
	now := s.Clock.Now().UTC()
	e := entry(p, "visit/"+v.ID, orgID, "visit.status", now, map[string]any{"from": string(v.Status), "to": string(to)})
	if err := s.Store.MoveVisit(ctx, orgID, id, v.Status, to, now, e); err != nil {
		return Visit{}, errs.E(op, err)
	}
	v.Status, v.UpdatedAt = to, now
	return v, nil
}

// SetTarget sets a yearly plan target.
func (s *Service) SetTarget(ctx context.Context, p identity.Principal, t Target) error {
	const op = errs.Op("campaign.SetTarget")
	if !p.Has(identity.RoleSystemAdmin) && !(p.OrgID == t.OrgID && p.Has(identity.RoleOrgAdmin, identity.RoleDirector)) {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if err := t.Validate(); err != nil {
		return errs.E(op, err)
	}
	e := entry(p, "plan/"+t.OrgID, t.OrgID, "plan.target", s.Clock.Now().UTC(), map[string]any{"year": t.Year,
		"sector": string(t.Sector), "metric": string(t.Metric), "value": t.Value})
	if err := s.Store.SetTarget(ctx, t, e); err != nil {
		return errs.E(op, err)
	}
	return nil
}

// RecordAnswers records answers of a visit (by key: item, or item@instance in a repeated section)
// and returns the visit's findings. The answers, together with those already recorded, are checked
// against the visit's own checklist version: an input error (an unknown item, a wrong answer type …)
// refuses them all, naming each key; a failing answer or a measurement outside tolerance is a finding.
// A completed or cancelled visit takes no more answers; one waiting for lab results still does (D17).
func (s *Service) RecordAnswers(ctx context.Context, p identity.Principal, orgID, visitID string, answers map[string]checklist.Answer) ([]checklist.Finding, error) {
	const op = errs.Op("campaign.RecordAnswers")
	v, err := s.Store.Visit(ctx, orgID, visitID)
	if err != nil {
		return nil, errs.E(op, err)
	}
	c, err := s.Store.Campaign(ctx, orgID, v.CampaignID)
	if err != nil {
		return nil, errs.E(op, err)
	}
	if !canPlan(p, orgID) && !(p.OrgID == orgID && c.InTeam(p.PersonID)) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if v.Status == VisitCompleted || v.Status == VisitCancelled {
		return nil, errs.E(op, errs.Conflict, errs.CodeVisitStatus, "the visit is "+string(v.Status))
	}
	if len(answers) == 0 {
		return nil, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "answers", Code: errs.CodeRequired})
	}
	pub, err := s.Checklists.ChecklistVersion(ctx, v.ChecklistCode, v.ChecklistVersion)
	if err != nil {
		return nil, errs.E(op, err)
	}
	merged, _, err := s.Store.VisitAnswers(ctx, orgID, visitID)
	if err != nil {
		return nil, errs.E(op, err)
	}
	for k, a := range answers {
		merged[k] = a
	}
	findings, err := checklist.ValidatePartial(pub.Template, merged, v.Date)
	if err != nil {
		return nil, errs.E(op, err)
	}
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e := entry(p, "visit/"+v.ID, orgID, "visit.answers", s.Clock.Now().UTC(), map[string]any{"keys": keys, "findings": len(findings)})
	if err := s.Store.RecordAnswers(ctx, v, answers, findings, p.AccountID, e); err != nil {
		return nil, errs.E(op, err)
	}
	return findings, nil
}

// Answers returns a visit's recorded answers and findings.
func (s *Service) Answers(ctx context.Context, p identity.Principal, orgID, visitID string) (map[string]checklist.Answer, []checklist.Finding, error) {
	const op = errs.Op("campaign.Answers")
	if !CanRead(p, orgID) {
		return nil, nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if _, err := s.Store.Visit(ctx, orgID, visitID); err != nil {
		return nil, nil, errs.E(op, err)
	}
	a, f, err := s.Store.VisitAnswers(ctx, orgID, visitID)
	if err != nil {
		return nil, nil, errs.E(op, err)
	}
	return a, f, nil
}
