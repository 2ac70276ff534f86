package gormstore

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

var _ identity.Store = (*Store)(nil)

type organisationRow struct {
	ID        string `gorm:"primaryKey"`
	Code      string
	Name      string
	CreatedAt time.Time
}

func (organisationRow) TableName() string { return "organisations" }

type personRow struct {
	ID        string `gorm:"primaryKey"`
	OrgID     string
	FullName  string
	CreatedAt time.Time
}

func (personRow) TableName() string { return "persons" }

type accountRow struct {
	ID                string `gorm:"primaryKey"`
	OrgID             string
	PersonID          string
	Login             string
	Roles             string // comma-separated
	PasswordHash      string
	PasswordChangedAt time.Time
	DisabledAt        *time.Time
	CreatedAt         time.Time
}

func (accountRow) TableName() string { return "accounts" }

type deviceRow struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	AccountID  string
	ClientID   string
	Name       string
	Platform   string
	CreatedAt  time.Time
	LastSeenAt time.Time
	RevokedAt  *time.Time
}

func (deviceRow) TableName() string { return "devices" }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func (r organisationRow) domain() identity.Organisation {
	return identity.Organisation{ID: r.ID, Code: r.Code, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

func (r personRow) domain() identity.Person {
	return identity.Person{ID: r.ID, OrgID: r.OrgID, FullName: r.FullName, CreatedAt: r.CreatedAt.UTC()}
}

func (r accountRow) domain() identity.Account {
	var roles []identity.Role
	for _, s := range strings.Split(r.Roles, ",") {
		if s != "" {
			roles = append(roles, identity.Role(s))
		}
	}
	return identity.Account{ID: r.ID, OrgID: r.OrgID, PersonID: r.PersonID, Login: r.Login, Roles: roles,
		PasswordHash: r.PasswordHash, PasswordChangedAt: r.PasswordChangedAt.UTC(), DisabledAt: utcPtr(r.DisabledAt),
		CreatedAt: r.CreatedAt.UTC()}
}

func accountToRow(a identity.Account) accountRow {
	roles := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		roles[i] = string(r)
	}
	return accountRow{ID: a.ID, OrgID: a.OrgID, PersonID: a.PersonID, Login: a.Login, Roles: strings.Join(roles, ","),
		PasswordHash: a.PasswordHash, PasswordChangedAt: a.PasswordChangedAt, DisabledAt: a.DisabledAt, CreatedAt: a.CreatedAt}
}

func (r deviceRow) domain() identity.Device {
	return identity.Device{ID: r.ID, OrgID: r.OrgID, AccountID: r.AccountID, ClientID: r.ClientID, Name: r.Name,
		Platform: r.Platform, CreatedAt: r.CreatedAt.UTC(), LastSeenAt: r.LastSeenAt.UTC(), RevokedAt: utcPtr(r.RevokedAt)}
}

// CreateOrganisation stores a new organisation with its audit event.
func (s *Store) CreateOrganisation(ctx context.Context, o identity.Organisation, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&organisationRow{ID: o.ID, Code: o.Code, Name: o.Name, CreatedAt: o.CreatedAt}).Error; err != nil {
			return translate(err, "")
		}
		return s.appendAudit(tx, e)
	})
	if errs.Is(errs.Conflict, err) {
		return errs.E(errs.Op("gormstore.CreateOrganisation"), errs.Conflict, errs.CodeOrganisationTaken, err)
	}
	return wrap("gormstore.CreateOrganisation", err, "")
}

// Organisation returns one organisation.
func (s *Store) Organisation(ctx context.Context, id string) (identity.Organisation, error) {
	var r organisationRow
	if err := s.read(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return identity.Organisation{}, wrap("gormstore.Organisation", err, errs.CodeOrganisationNotFound)
	}
	return r.domain(), nil
}

// OrganisationByCode returns the organisation with the given code.
func (s *Store) OrganisationByCode(ctx context.Context, code string) (identity.Organisation, error) {
	var r organisationRow
	if err := s.read(ctx).Where("code = ?", code).Take(&r).Error; err != nil {
		return identity.Organisation{}, wrap("gormstore.OrganisationByCode", err, errs.CodeOrganisationNotFound)
	}
	return r.domain(), nil
}

// Organisations lists every organisation by code.
func (s *Store) Organisations(ctx context.Context) ([]identity.Organisation, error) {
	var rows []organisationRow
	if err := s.read(ctx).Order("code").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.Organisations", err, "")
	}
	out := make([]identity.Organisation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreatePerson stores a person of an organisation.
func (s *Store) CreatePerson(ctx context.Context, p identity.Person, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&personRow{ID: p.ID, OrgID: p.OrgID, FullName: p.FullName, CreatedAt: p.CreatedAt}).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.CreatePerson", err, "")
}

// Person returns one person of the organisation.
func (s *Store) Person(ctx context.Context, orgID, id string) (identity.Person, error) {
	var r personRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&r).Error; err != nil {
		return identity.Person{}, wrap("gormstore.Person", err, errs.CodePersonNotFound)
	}
	return r.domain(), nil
}

// Persons lists the organisation's people by name.
func (s *Store) Persons(ctx context.Context, orgID string) ([]identity.Person, error) {
	var rows []personRow
	if err := s.read(ctx).Where("org_id = ?", orgID).Order("full_name, id").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.Persons", err, "")
	}
	out := make([]identity.Person, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// CreateAccount stores an account, and its person too when newPerson is not nil, in one transaction.
func (s *Store) CreateAccount(ctx context.Context, newPerson *identity.Person, a identity.Account, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if newPerson != nil {
			p := newPerson
			if err := tx.Create(&personRow{ID: p.ID, OrgID: p.OrgID, FullName: p.FullName, CreatedAt: p.CreatedAt}).Error; err != nil {
				return err
			}
		}
		row := accountToRow(a)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if errs.Is(errs.Conflict, translate(err, "")) {
		return errs.E(errs.Op("gormstore.CreateAccount"), errs.Conflict, errs.CodeLoginTaken, err)
	}
	if errs.Is(errs.Invalid, translate(err, "")) {
		return errs.E(errs.Op("gormstore.CreateAccount"), errs.NotFound, errs.CodePersonNotFound, err)
	}
	return wrap("gormstore.CreateAccount", err, "")
}

// Account returns one account of the organisation.
func (s *Store) Account(ctx context.Context, orgID, id string) (identity.Account, error) {
	var r accountRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&r).Error; err != nil {
		return identity.Account{}, wrap("gormstore.Account", err, errs.CodeAccountNotFound)
	}
	return r.domain(), nil
}

// AccountByLogin finds an account by its login, across organisations (logins are unique), for login.
func (s *Store) AccountByLogin(ctx context.Context, login string) (identity.Account, error) {
	var r accountRow
	if err := s.read(ctx).Where("login = ?", login).Take(&r).Error; err != nil {
		return identity.Account{}, wrap("gormstore.AccountByLogin", err, errs.CodeAccountNotFound)
	}
	return r.domain(), nil
}

// Accounts lists the organisation's accounts by login.
func (s *Store) Accounts(ctx context.Context, orgID string) ([]identity.Account, error) {
	var rows []accountRow
	if err := s.read(ctx).Where("org_id = ?", orgID).Order("login").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.Accounts", err, "")
	}
	out := make([]identity.Account, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// SetAccountDisabled disables (at != nil) or re-enables (at == nil) an account of the organisation.
// Disabling also revokes every refresh token of the account, so the next refresh fails.
func (s *Store) SetAccountDisabled(ctx context.Context, orgID, id string, at *time.Time, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).Where("org_id = ? AND id = ?", orgID, id).Update("disabled_at", at)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.E(errs.NotFound, errs.CodeAccountNotFound)
		}
		if at != nil {
			if err := tx.Model(&refreshTokenRow{}).Where("org_id = ? AND account_id = ? AND revoked_at IS NULL", orgID, id).
				Update("revoked_at", *at).Error; err != nil {
				return err
			}
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.SetAccountDisabled", err, errs.CodeAccountNotFound)
}

// SetPassword replaces an account's password hash and revokes its refresh tokens, so every device
// must log in again with the new password.
func (s *Store) SetPassword(ctx context.Context, orgID, id, hash string, at time.Time, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&accountRow{}).Where("org_id = ? AND id = ?", orgID, id).
			Updates(map[string]any{"password_hash": hash, "password_changed_at": at})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return errs.E(errs.NotFound, errs.CodeAccountNotFound)
		}
		if err := tx.Model(&refreshTokenRow{}).Where("org_id = ? AND account_id = ? AND revoked_at IS NULL", orgID, id).
			Update("revoked_at", at).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.SetPassword", err, errs.CodeAccountNotFound)
}

// Devices lists the organisation's devices, most recently seen first; accountID filters when not empty.
func (s *Store) Devices(ctx context.Context, orgID, accountID string) ([]identity.Device, error) {
	q := s.read(ctx).Where("org_id = ?", orgID)
	if accountID != "" {
		q = q.Where("account_id = ?", accountID)
	}
	var rows []deviceRow
	if err := q.Order("last_seen_at DESC, id").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.Devices", err, "")
	}
	out := make([]identity.Device, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Device returns one device of the organisation.
func (s *Store) Device(ctx context.Context, orgID, id string) (identity.Device, error) {
	var r deviceRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&r).Error; err != nil {
		return identity.Device{}, wrap("gormstore.Device", err, errs.CodeDeviceNotFound)
	}
	return r.domain(), nil
}

// RevokeDevice marks a device revoked and revokes its refresh tokens: the next refresh fails.
func (s *Store) RevokeDevice(ctx context.Context, orgID, id string, at time.Time, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&deviceRow{}).Where("org_id = ? AND id = ? AND revoked_at IS NULL", orgID, id).Update("revoked_at", at)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&deviceRow{}).Where("org_id = ? AND id = ?", orgID, id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.NotFound, errs.CodeDeviceNotFound)
			}
			return nil // already revoked: nothing to record
		}
		if err := tx.Model(&refreshTokenRow{}).Where("org_id = ? AND device_id = ? AND revoked_at IS NULL", orgID, id).
			Update("revoked_at", at).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.RevokeDevice", err, errs.CodeDeviceNotFound)
}

// wrap translates err and names the operation; nil stays nil.
func wrap(op string, err error, notFound errs.Code) error {
	if err == nil {
		return nil
	}
	return errs.E(errs.Op(op), translate(err, notFound))
}
