package identity

import (
	"context"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Accounts lists an organisation's accounts for one who administers it.
func (s *Service) Accounts(ctx context.Context, p Principal, orgID string) ([]Account, error) {
	if !p.CanAdminister(orgID) {
		return nil, errs.E(errs.Op("identity.Accounts"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return s.Store.Accounts(ctx, orgID)
}

// Devices lists an organisation's devices for one who administers it.
func (s *Service) Devices(ctx context.Context, p Principal, orgID string) ([]Device, error) {
	if !p.CanAdminister(orgID) {
		return nil, errs.E(errs.Op("identity.Devices"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return s.Store.Devices(ctx, orgID, "")
}

// Persons lists an organisation's people for one who administers it or directs it.
func (s *Service) Persons(ctx context.Context, p Principal, orgID string) ([]Person, error) {
	if !p.CanAdminister(orgID) && !(p.Has(RoleDirector) && p.OrgID == orgID) {
		return nil, errs.E(errs.Op("identity.Persons"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return s.Store.Persons(ctx, orgID)
}

// Organisations lists every organisation, for a system administrator.
func (s *Service) Organisations(ctx context.Context, p Principal) ([]Organisation, error) {
	if !p.Has(RoleSystemAdmin) {
		return nil, errs.E(errs.Op("identity.Organisations"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return s.Store.Organisations(ctx)
}

// Me returns the caller's own account, person and organisation.
func (s *Service) Me(ctx context.Context, p Principal) (Account, Person, Organisation, error) {
	const op = errs.Op("identity.Me")
	a, err := s.Store.Account(ctx, p.OrgID, p.AccountID)
	if err != nil {
		return Account{}, Person{}, Organisation{}, errs.E(op, err)
	}
	per, err := s.Store.Person(ctx, p.OrgID, a.PersonID)
	if err != nil {
		return Account{}, Person{}, Organisation{}, errs.E(op, err)
	}
	o, err := s.Store.Organisation(ctx, p.OrgID)
	if err != nil {
		return Account{}, Person{}, Organisation{}, errs.E(op, err)
	}
	return a, per, o, nil
}
