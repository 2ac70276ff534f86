package identity

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Store persists identities. Every method that changes something takes the audit entry that records
// it and writes both in one transaction. Methods scoped to an organisation never return another
// organisation's rows: a foreign ID is errs.NotFound.
type Store interface {
	CreateOrganisation(ctx context.Context, o Organisation, e audit.Entry) error
	Organisation(ctx context.Context, id string) (Organisation, error)
	OrganisationByCode(ctx context.Context, code string) (Organisation, error)
	Organisations(ctx context.Context) ([]Organisation, error)
	CreatePerson(ctx context.Context, p Person, e audit.Entry) error
	Person(ctx context.Context, orgID, id string) (Person, error)
	Persons(ctx context.Context, orgID string) ([]Person, error)
	CreateAccount(ctx context.Context, newPerson *Person, a Account, e audit.Entry) error
	Account(ctx context.Context, orgID, id string) (Account, error)
	AccountByLogin(ctx context.Context, login string) (Account, error)
	Accounts(ctx context.Context, orgID string) ([]Account, error)
	SetAccountDisabled(ctx context.Context, orgID, id string, at *time.Time, e audit.Entry) error
	SetPassword(ctx context.Context, orgID, id, hash string, at time.Time, e audit.Entry) error
	Devices(ctx context.Context, orgID, accountID string) ([]Device, error)
	Device(ctx context.Context, orgID, id string) (Device, error)
	RevokeDevice(ctx context.Context, orgID, id string, at time.Time, e audit.Entry) error
}

// Service applies the rules of administration: who may do what, what a valid account is, and the audit
// event each action leaves. The HTTP handlers and the command line both go through it.
type Service struct {
	Store  Store
	Hasher Hasher
	Clock  clock.Clock
	IDs    clock.IDs
}

// Operator is the principal of the command line: a person at the server's console, who may do
// everything a system administrator may. Its audit events carry the actor "cli".
var Operator = Principal{AccountID: "cli", Roles: []Role{RoleSystemAdmin}}

func (s *Service) entry(p Principal, chain, orgID, action string, data map[string]any) audit.Entry {
	return audit.Entry{Chain: chain, OrgID: orgID, Action: action, ActorAccountID: p.AccountID,
		ActorPersonID: p.PersonID, At: s.Clock.Now(), Data: data}
}

var orgCode = regexp.MustCompile(`^[a-z][a-z0-9-]{1,31}$`)
var loginPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{2,63}$`)

// NewOrganisation is the input of CreateOrganisation.
type NewOrganisation struct {
	Code string
	Name string
}

// CreateOrganisation creates a tenant. Only a system administrator may (D24).
func (s *Service) CreateOrganisation(ctx context.Context, p Principal, in NewOrganisation) (Organisation, error) {
	const op = errs.Op("identity.CreateOrganisation")
	if !p.Has(RoleSystemAdmin) {
		return Organisation{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	var fields []errs.FieldError
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	in.Name = strings.TrimSpace(in.Name)
	if !orgCode.MatchString(in.Code) {
		fields = append(fields, errs.FieldError{Field: "code", Code: errs.CodeInvalidValue})
	}
	fields = append(fields, requireText("name", in.Name, 200)...)
	if len(fields) > 0 {
		return Organisation{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	o := Organisation{ID: s.IDs.NewID(), Code: in.Code, Name: in.Name, CreatedAt: s.Clock.Now().UTC()}
	e := s.entry(p, "organisation/"+o.ID, o.ID, "organisation.create", map[string]any{"code": o.Code, "name": o.Name})
	if err := s.Store.CreateOrganisation(ctx, o, e); err != nil {
		return Organisation{}, errs.E(op, err)
	}
	return o, nil
}

// NewAccount is the input of CreateAccount. Either PersonID names an existing person of the
// organisation, or FullName creates a new person with the account.
type NewAccount struct {
	OrgID    string
	PersonID string
	FullName string
	Login    string
	Password string
	Roles    []Role
}

// CreateAccount creates an account in an organisation the principal administers. Only a system
// administrator may grant the system administrator role.
func (s *Service) CreateAccount(ctx context.Context, p Principal, in NewAccount) (Account, error) {
	const op = errs.Op("identity.CreateAccount")
	if !p.CanAdminister(in.OrgID) {
		return Account{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	in.Login = NormaliseLogin(in.Login)
	in.FullName = strings.TrimSpace(in.FullName)
	var fields []errs.FieldError
	if !loginPattern.MatchString(in.Login) {
		fields = append(fields, errs.FieldError{Field: "login", Code: errs.CodeInvalidValue})
	}
	if f := checkPassword("password", in.Password); f != nil {
		fields = append(fields, *f)
	}
	if len(in.Roles) == 0 {
		fields = append(fields, errs.FieldError{Field: "roles", Code: errs.CodeRequired})
	}
	for i, r := range in.Roles {
		switch {
		case !r.Valid():
			fields = append(fields, errs.FieldError{Field: "roles[" + strconv.Itoa(i) + "]", Code: errs.CodeUnknownRole})
		case slices.Contains(in.Roles[:i], r):
			fields = append(fields, errs.FieldError{Field: "roles[" + strconv.Itoa(i) + "]", Code: errs.CodeInvalidValue})
		}
	}
	if in.PersonID == "" {
		fields = append(fields, requireText("full_name", in.FullName, 200)...)
	}
	if len(fields) > 0 {
		return Account{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	for _, r := range in.Roles {
		if r == RoleSystemAdmin && !p.Has(RoleSystemAdmin) {
			return Account{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired, "only a system administrator grants system_admin")
		}
	}
	if _, err := s.Store.Organisation(ctx, in.OrgID); err != nil {
		return Account{}, errs.E(op, err)
	}
	now := s.Clock.Now().UTC()
	var newPerson *Person
	if in.PersonID == "" {
		newPerson = &Person{ID: s.IDs.NewID(), OrgID: in.OrgID, FullName: in.FullName, CreatedAt: now}
		in.PersonID = newPerson.ID
	}
	hash, err := s.Hasher.Hash(in.Password)
	if err != nil {
		return Account{}, errs.E(op, err)
	}
	a := Account{ID: s.IDs.NewID(), OrgID: in.OrgID, PersonID: in.PersonID, Login: in.Login, Roles: in.Roles,
		PasswordHash: hash, PasswordChangedAt: now, CreatedAt: now}
	e := s.entry(p, "account/"+a.ID, a.OrgID, "account.create",
		map[string]any{"login": a.Login, "person_id": a.PersonID, "roles": rolesStrings(a.Roles)})
	if err := s.Store.CreateAccount(ctx, newPerson, a, e); err != nil {
		return Account{}, errs.E(op, err)
	}
	return a, nil
}

// SetDisabled disables or re-enables an account. An administrator cannot disable their own account
// (so an organisation cannot lock itself out by mistake).
func (s *Service) SetDisabled(ctx context.Context, p Principal, orgID, accountID string, disabled bool, reason string) error {
	const op = errs.Op("identity.SetDisabled")
	if !p.CanAdminister(orgID) {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if disabled && accountID == p.AccountID {
		return errs.E(op, errs.Invalid, errs.CodeInvalidValue, "cannot disable one's own account")
	}
	if err := s.guardSystemAdmin(ctx, p, orgID, accountID); err != nil {
		return errs.E(op, err)
	}
	var at *time.Time
	action := "account.enable"
	if disabled {
		now := s.Clock.Now().UTC()
		at, action = &now, "account.disable"
	}
	e := s.entry(p, "account/"+accountID, orgID, action, nil)
	e.Reason = reason
	return wrap(op, s.Store.SetAccountDisabled(ctx, orgID, accountID, at, e))
}

// ResetPassword sets a new password for an account and logs out all its devices.
func (s *Service) ResetPassword(ctx context.Context, p Principal, orgID, accountID, password string) error {
	const op = errs.Op("identity.ResetPassword")
	if !p.CanAdminister(orgID) && p.AccountID != accountID {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if f := checkPassword("password", password); f != nil {
		return errs.E(op, errs.Invalid, errs.CodeWeakPassword, *f)
	}
	if p.AccountID != accountID {
		if err := s.guardSystemAdmin(ctx, p, orgID, accountID); err != nil {
			return errs.E(op, err)
		}
	}
	hash, err := s.Hasher.Hash(password)
	if err != nil {
		return errs.E(op, err)
	}
	e := s.entry(p, "account/"+accountID, orgID, "account.password_reset", nil)
	return wrap(op, s.Store.SetPassword(ctx, orgID, accountID, hash, s.Clock.Now().UTC(), e))
}

// RevokeDevice revokes a device: its refresh tokens die and its next refresh fails.
func (s *Service) RevokeDevice(ctx context.Context, p Principal, orgID, deviceID, reason string) error {
	const op = errs.Op("identity.RevokeDevice")
	if !p.CanAdminister(orgID) {
		return errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	d, err := s.Store.Device(ctx, orgID, deviceID)
	if err != nil {
		return errs.E(op, err)
	}
	if err := s.guardSystemAdmin(ctx, p, orgID, d.AccountID); err != nil {
		return errs.E(op, err)
	}
	e := s.entry(p, "device/"+deviceID, orgID, "device.revoke", nil)
	e.Reason = reason
	return wrap(op, s.Store.RevokeDevice(ctx, orgID, deviceID, s.Clock.Now().UTC(), e))
}

// guardSystemAdmin refuses an organisation administrator acting on a system administrator's account:
// a system administrator reaches every organisation, so only another one may reset, disable or
// revoke it.
func (s *Service) guardSystemAdmin(ctx context.Context, p Principal, orgID, accountID string) error {
	if p.Has(RoleSystemAdmin) {
		return nil
	}
	target, err := s.Store.Account(ctx, orgID, accountID)
	if err != nil {
		return err
	}
	if (Principal{Roles: target.Roles}).Has(RoleSystemAdmin) {
		return errs.E(errs.Forbidden, errs.CodeRoleRequired, "only a system administrator acts on a system administrator's account")
	}
	return nil
}

// NormaliseLogin lower-cases and trims a login name, so that logins compare case-insensitively.
func NormaliseLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

func checkPassword(field, pw string) *errs.FieldError {
	switch {
	case pw == "":
		return &errs.FieldError{Field: field, Code: errs.CodeRequired}
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		return &errs.FieldError{Field: field, Code: errs.CodeTooShort}
	case len(pw) > 256:
		return &errs.FieldError{Field: field, Code: errs.CodeTooLong}
	}
	return nil
}

func requireText(field, v string, max int) []errs.FieldError {
	switch {
	case v == "":
		return []errs.FieldError{{Field: field, Code: errs.CodeRequired}}
	case utf8.RuneCountInString(v) > max:
		return []errs.FieldError{{Field: field, Code: errs.CodeTooLong}}
	}
	return nil
}

// wrap names the operation on a non-nil error.
func wrap(op errs.Op, err error) error {
	if err == nil {
		return nil
	}
	return errs.E(op, err)
}

func rolesStrings(rs []Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}

// AddTitle gives a person of the organisation a legal title for a period.
func (s *Service) AddTitle(ctx context.Context, p Principal, store TitleStore, t Title) (Title, error) {
	const op = errs.Op("identity.AddTitle")
	if !p.CanAdminister(t.OrgID) {
		return Title{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if err := ValidateTitle(t); err != nil {
		return Title{}, errs.E(op, err)
	}
	if _, err := s.Store.Person(ctx, t.OrgID, t.PersonID); err != nil {
		return Title{}, errs.E(op, err)
	}
	t.ID, t.CreatedAt = s.IDs.NewID(), s.Clock.Now().UTC()
	e := s.entry(p, "person/"+t.PersonID, t.OrgID, "person.title_add", map[string]any{"title": t.Code,
		"valid_from": t.ValidFrom.Format("2006-01-02"), "campaign_id": t.CampaignID})
	if err := store.AddPersonTitle(ctx, t, e); err != nil {
		return Title{}, errs.E(op, err)
	}
	return t, nil
}
