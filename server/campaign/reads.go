package campaign

import (
	"context"
	"slices"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// Filter selects campaigns. The zero Filter selects every campaign of the organisation.
type Filter struct {
	Year     int // campaigns whose period touches this year; 0 = any
	Kind     Kind
	Origin   Origin
	Sector   Sector
	PersonID string // campaigns whose team includes this person
	Open     *bool  // true: not concluded; false: concluded; nil: both
	Sort     string // one of CampaignSorts; empty = the first
}

// The orders the lists offer ("-" = descending); the first is the default.
var (
	CampaignSorts = []string{"-decision_date", "decision_date", "number", "-number", "period_from", "-period_from"}
	VisitSorts    = []string{"-date", "date", "status", "-status"}
)

// VisitFilter selects visits. The zero VisitFilter selects every visit of the organisation.
type VisitFilter struct {
	CampaignID string
	SiteID     string
	Status     VisitStatus
	From, To   time.Time // visit dates, inclusive; zero = open
	Sort       string    // one of VisitSorts; empty = the first
}

// Reader lists an organisation's campaigns, visits and plan targets. Lists come one page at a time
// with the number of items on all pages together.
type Reader interface {
	// ListCampaigns lists the campaigns f selects, the latest decision first.
	ListCampaigns(ctx context.Context, orgID string, f Filter, p paging.Page) ([]Campaign, int, error)
	// ListVisits lists the visits f selects, the latest first.
	ListVisits(ctx context.Context, orgID string, f VisitFilter, p paging.Page) ([]Visit, int, error)
	// Targets lists the plan targets of a year, by sector and metric.
	Targets(ctx context.Context, orgID string, year int) ([]Target, error)
}

// VisitStatuses lists every visit status, in the order a visit goes through them.
var VisitStatuses = []VisitStatus{VisitPlanned, VisitInProgress, VisitWaitingLab, VisitCompleted, VisitCancelled}

// Valid reports whether s is one of VisitStatuses.
func (s VisitStatus) Valid() bool { return slices.Contains(VisitStatuses, s) }

// CanRead reports whether p may read the organisation's campaigns, visits and plan: its chiefs,
// inspectors, director and administrator, and a system administrator. Which campaigns reach an
// inspector's phone is the sync rules' business, not this one's.
func CanRead(p identity.Principal, orgID string) bool {
	return p.Has(identity.RoleSystemAdmin) ||
		(p.OrgID == orgID && p.Has(identity.RoleChief, identity.RoleOrgAdmin, identity.RoleDirector, identity.RoleInspector))
}

// The reads below return errs.Forbidden (role_required) to a caller CanRead refuses, errs.NotFound
// (campaign_not_found, visit_not_found) for an ID of no campaign or visit of the organisation, and
// errs.Invalid (validation_failed) for a filter that names no kind, origin, sector or status.

// Campaign returns one campaign of the organisation.
func (s *Service) Campaign(ctx context.Context, p identity.Principal, orgID, id string) (Campaign, error) {
	const op = errs.Op("campaign.Campaign")
	if !CanRead(p, orgID) {
		return Campaign{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	c, err := s.Store.Campaign(ctx, orgID, id)
	if err != nil {
		return Campaign{}, errs.E(op, err)
	}
	return c, nil
}

// Campaigns lists the organisation's campaigns that f selects, one page of them with the total.
func (s *Service) Campaigns(ctx context.Context, p identity.Principal, orgID string, f Filter, page paging.Page) ([]Campaign, int, error) {
	const op = errs.Op("campaign.Campaigns")
	if !CanRead(p, orgID) {
		return nil, 0, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	var bad fields
	if f.Year != 0 && (f.Year < 2000 || f.Year > 2100) {
		bad.add("year", errs.CodeInvalidValue)
	}
	if f.Kind != "" && f.Kind != Inspection && f.Kind != Check {
		bad.add("kind", errs.CodeInvalidValue)
	}
	if f.Origin != "" && f.Origin != Planned && f.Origin != Surprise {
		bad.add("origin", errs.CodeInvalidValue)
	}
	if f.Sector != "" && !slices.Contains(Sectors, f.Sector) {
		bad.add("sector", errs.CodeInvalidValue)
	}
	if f.Sort != "" && !slices.Contains(CampaignSorts, f.Sort) {
		bad.add("sort", errs.CodeInvalidSort)
	}
	if err := bad.err(op); err != nil {
		return nil, 0, err
	}
	cs, total, err := s.Reader.ListCampaigns(ctx, orgID, f, page.Normal())
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	return cs, total, nil
}

// Visit returns one visit of the organisation.
func (s *Service) Visit(ctx context.Context, p identity.Principal, orgID, id string) (Visit, error) {
	const op = errs.Op("campaign.Visit")
	if !CanRead(p, orgID) {
		return Visit{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	v, err := s.Store.Visit(ctx, orgID, id)
	if err != nil {
		return Visit{}, errs.E(op, err)
	}
	return v, nil
}

// Visits lists the organisation's visits that f selects, one page of them with the total.
func (s *Service) Visits(ctx context.Context, p identity.Principal, orgID string, f VisitFilter, page paging.Page) ([]Visit, int, error) {
	const op = errs.Op("campaign.Visits")
	if !CanRead(p, orgID) {
		return nil, 0, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	var bad fields
	if f.Status != "" && !f.Status.Valid() {
		bad.add("status", errs.CodeInvalidValue)
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		bad.add("to", errs.CodePeriodReversed)
	}
	if f.Sort != "" && !slices.Contains(VisitSorts, f.Sort) {
		bad.add("sort", errs.CodeInvalidSort)
	}
	if err := bad.err(op); err != nil {
		return nil, 0, err
	}
	vs, total, err := s.Reader.ListVisits(ctx, orgID, f, page.Normal())
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	return vs, total, nil
}

// Targets lists the organisation's plan targets of a year, by sector and metric.
func (s *Service) Targets(ctx context.Context, p identity.Principal, orgID string, year int) ([]Target, error) {
	const op = errs.Op("campaign.Targets")
	if !CanRead(p, orgID) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if year < 2000 || year > 2100 {
		return nil, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "year", Code: errs.CodeInvalidValue})
	}
	ts, err := s.Reader.Targets(ctx, orgID, year)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return ts, nil
}
