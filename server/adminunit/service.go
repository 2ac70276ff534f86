package adminunit

import (
	"context"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Store persists an organisation's administrative units.
type Store interface {
	// AdminUnits returns every unit version and succession of the organisation.
	AdminUnits(ctx context.Context, orgID string) ([]Unit, []Succession, error)
	// SeedAdminUnits loads a seed into the organisation in one transaction: it reads the stored
	// units, plans with PlanSeed (audit entries take their actor and time from by) and writes the plan.
	// Loading the same seed twice changes nothing. A seed that does not fit the stored units is
	// errs.Invalid with the fields named.
	SeedAdminUnits(ctx context.Context, orgID string, seed Seed, by audit.Entry) (SeedResult, error)
}

// Service applies who may read and change an organisation's units: every member of the
// organisation reads them (phones need them offline); its administrator or a system administrator
// loads them (D24: units belong to the organisation).
type Service struct {
	Store Store
	Clock clock.Clock
}

// Seed loads a seed into the organisation.
func (s *Service) Seed(ctx context.Context, p identity.Principal, orgID string, seed Seed) (SeedResult, error) {
	const op = errs.Op("adminunit.Seed")
	if !p.CanAdminister(orgID) {
		return SeedResult{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	by := audit.Entry{ActorAccountID: p.AccountID, ActorPersonID: p.PersonID, At: s.Clock.Now()}
	res, err := s.Store.SeedAdminUnits(ctx, orgID, seed, by)
	if err != nil {
		return SeedResult{}, errs.E(op, err)
	}
	return res, nil
}

// Units returns the organisation's unit versions and successions.
func (s *Service) Units(ctx context.Context, p identity.Principal, orgID string) ([]Unit, []Succession, error) {
	const op = errs.Op("adminunit.Units")
	if p.OrgID != orgID && !p.Has(identity.RoleSystemAdmin) {
		return nil, nil, errs.E(op, errs.Forbidden, errs.CodeWrongOrganisation)
	}
	units, succ, err := s.Store.AdminUnits(ctx, orgID)
	if err != nil {
		return nil, nil, errs.E(op, err)
	}
	return units, succ, nil
}

// Resolve returns the organisation's unit with the code in force on the calendar day of t (Day).
func (s *Service) Resolve(ctx context.Context, p identity.Principal, orgID, code string, t time.Time) (Unit, error) {
	units, _, err := s.Units(ctx, p, orgID)
	if err != nil {
		return Unit{}, err
	}
	return Resolve(units, code, Day(t))
}
