package gormstore_test

// Tenancy (DECISIONS D1): two organisations in one database, and every organisation-scoped method of
// the store asked about the other's rows. A foreign ID is not found, never returned, never changed.

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// testHasher is cheap, so that tests spend their time in the database and not in argon2.
var testHasher = identity.Hasher{Memory: 64, Time: 1, Threads: 1}

const testPassword = "correct horse battery"

// tenant is one organisation with an administrator, an inspector and the inspector's phone.
type tenant struct {
	org       identity.Organisation
	admin     identity.Account
	inspector identity.Account
	person    identity.Person // the inspector's person
	device    identity.Device // the inspector's phone
	refresh   string          // the phone's current refresh token
}

// principal is the tenant's administrator as the caller of identity.Service.
func (tn tenant) principal() identity.Principal {
	return identity.Principal{AccountID: tn.admin.ID, PersonID: tn.admin.PersonID, OrgID: tn.org.ID,
		Roles: []identity.Role{identity.RoleOrgAdmin}}
}

type tenancyFixture struct {
	store *gormstore.Store
	ids   *identity.Service
	auth  *auth.Service
	a, b  *tenant
}

func newTenancyFixture(t testing.TB) *tenancyFixture {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	cfg := auth.DefaultConfig()
	cfg.Key = []byte(strings.Repeat("k", 32))
	as, err := auth.NewService(st, testHasher, c, clock.UUIDv7{}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	f := &tenancyFixture{store: st, ids: &identity.Service{Store: st, Hasher: testHasher, Clock: c, IDs: clock.UUIDv7{}}, auth: as}
	f.a = f.newTenant(t, "caobang", "Sở KH&CN Cao Bằng", "Nông Văn An")
	f.b = f.newTenant(t, "backan", "Sở KH&CN Bắc Kạn", "Hoàng Thị Bích")
	return f
}

func (f *tenancyFixture) newTenant(t testing.TB, code, name, inspectorName string) *tenant {
	t.Helper()
	ctx := context.Background()
	tn := &tenant{}
	var err error
	if tn.org, err = f.ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: code, Name: name}); err != nil {
		t.Fatal(err)
	}
	if tn.admin, err = f.ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: tn.org.ID, FullName: "Quản trị " + code,
		Login: "admin." + code, Password: testPassword, Roles: []identity.Role{identity.RoleOrgAdmin}}); err != nil {
		t.Fatal(err)
	}
	if tn.inspector, err = f.ids.CreateAccount(ctx, tn.principal(), identity.NewAccount{OrgID: tn.org.ID, FullName: inspectorName,
		Login: "inspector." + code, Password: testPassword, Roles: []identity.Role{identity.RoleInspector}}); err != nil {
		t.Fatal(err)
	}
	if tn.person, err = f.store.Person(ctx, tn.org.ID, tn.inspector.PersonID); err != nil {
		t.Fatal(err)
	}
	p, err := f.auth.Login(ctx, tn.inspector.Login, testPassword, auth.DeviceInfo{ClientID: "phone-" + code, Name: "phone", Platform: "android"})
	if err != nil {
		t.Fatal(err)
	}
	tn.refresh = p.RefreshToken
	if tn.device, err = f.store.Device(ctx, tn.org.ID, p.Principal.DeviceID); err != nil {
		t.Fatal(err)
	}
	return tn
}

// dbState is everything the organisation-scoped methods can see and change, and the audit log.
type dbState struct {
	Persons  map[string][]identity.Person
	Accounts map[string][]identity.Account
	Devices  map[string][]identity.Device
	Events   []audit.Event
}

func (f *tenancyFixture) state(t testing.TB) dbState {
	t.Helper()
	ctx := context.Background()
	st := dbState{Persons: map[string][]identity.Person{}, Accounts: map[string][]identity.Account{}, Devices: map[string][]identity.Device{}}
	for _, tn := range []*tenant{f.a, f.b} {
		var err error
		if st.Persons[tn.org.ID], err = f.store.Persons(ctx, tn.org.ID); err != nil {
			t.Fatal(err)
		}
		if st.Accounts[tn.org.ID], err = f.store.Accounts(ctx, tn.org.ID); err != nil {
			t.Fatal(err)
		}
		if st.Devices[tn.org.ID], err = f.store.Devices(ctx, tn.org.ID, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.store.AuditEvents(ctx, func(ev audit.Event) error { st.Events = append(st.Events, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return st
}

// assertUnchanged fails when anything visible differs between before and after.
func assertUnchanged(t testing.TB, before, after dbState) {
	t.Helper()
	if !reflect.DeepEqual(before.Persons, after.Persons) {
		t.Errorf("persons changed:\nbefore %+v\nafter  %+v", before.Persons, after.Persons)
	}
	if !reflect.DeepEqual(before.Accounts, after.Accounts) {
		t.Errorf("accounts changed:\nbefore %+v\nafter  %+v", before.Accounts, after.Accounts)
	}
	if !reflect.DeepEqual(before.Devices, after.Devices) {
		t.Errorf("devices changed:\nbefore %+v\nafter  %+v", before.Devices, after.Devices)
	}
	if len(after.Events) != len(before.Events) {
		t.Errorf("the audit log went from %d to %d events: a refused action left a trace", len(before.Events), len(after.Events))
	}
}

func wantError(t testing.TB, err error, kind errs.Kind, code errs.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s/%s", kind, code)
	}
	if errs.KindOf(err) != kind || errs.CodeOf(err) != code {
		t.Fatalf("got %s/%s (%v), want %s/%s", errs.KindOf(err), errs.CodeOf(err), err, kind, code)
	}
}

func TestTenancyReadOneByForeignID(t *testing.T) {
	ctx := context.Background()
	f := newTenancyFixture(t)
	s := f.store
	cases := []struct {
		name string
		get  func(orgID string, tn *tenant) error // reads tn's row under orgID
		code errs.Code
	}{
		{"Person", func(orgID string, tn *tenant) error { _, err := s.Person(ctx, orgID, tn.person.ID); return err }, errs.CodePersonNotFound},
		{"Account", func(orgID string, tn *tenant) error { _, err := s.Account(ctx, orgID, tn.inspector.ID); return err }, errs.CodeAccountNotFound},
		{"Device", func(orgID string, tn *tenant) error { _, err := s.Device(ctx, orgID, tn.device.ID); return err }, errs.CodeDeviceNotFound},
	}
	for _, c := range cases {
		for _, dir := range []struct{ asker, owner *tenant }{{f.a, f.b}, {f.b, f.a}} {
			t.Run(c.name+"/"+dir.asker.org.Code+" asks for "+dir.owner.org.Code+"'s", func(t *testing.T) {
				if err := c.get(dir.owner.org.ID, dir.owner); err != nil {
					t.Fatalf("the owner cannot read its own row: %v", err)
				}
				wantError(t, c.get(dir.asker.org.ID, dir.owner), errs.NotFound, c.code)
			})
		}
	}
}

func TestTenancyListsOnlyOwnRows(t *testing.T) {
	ctx := context.Background()
	f := newTenancyFixture(t)
	s := f.store
	// row is what a list must be checked on: the organisation of each row and its ID.
	type row struct{ org, id string }
	persons := func(ps []identity.Person, err error) ([]row, error) {
		var out []row
		for _, p := range ps {
			out = append(out, row{p.OrgID, p.ID})
		}
		return out, err
	}
	accounts := func(as []identity.Account, err error) ([]row, error) {
		var out []row
		for _, a := range as {
			out = append(out, row{a.OrgID, a.ID})
		}
		return out, err
	}
	devices := func(ds []identity.Device, err error) ([]row, error) {
		var out []row
		for _, d := range ds {
			out = append(out, row{d.OrgID, d.ID})
		}
		return out, err
	}
	cases := []struct {
		name string
		list func(asker, other *tenant) ([]row, error)
		want func(asker *tenant) []string // the IDs the asker must see, exactly
	}{
		{"Persons",
			func(asker, _ *tenant) ([]row, error) { return persons(s.Persons(ctx, asker.org.ID)) },
			func(asker *tenant) []string { return []string{asker.admin.PersonID, asker.person.ID} }},
		{"Accounts",
			func(asker, _ *tenant) ([]row, error) { return accounts(s.Accounts(ctx, asker.org.ID)) },
			func(asker *tenant) []string { return []string{asker.admin.ID, asker.inspector.ID} }},
		{"Devices",
			func(asker, _ *tenant) ([]row, error) { return devices(s.Devices(ctx, asker.org.ID, "")) },
			func(asker *tenant) []string { return []string{asker.device.ID} }},
		{"Devices of the other organisation's account",
			func(asker, other *tenant) ([]row, error) {
				return devices(s.Devices(ctx, asker.org.ID, other.inspector.ID))
			},
			func(*tenant) []string { return nil }},
	}
	for _, c := range cases {
		for _, dir := range []struct{ asker, other *tenant }{{f.a, f.b}, {f.b, f.a}} {
			t.Run(c.name+"/"+dir.asker.org.Code, func(t *testing.T) {
				rows, err := c.list(dir.asker, dir.other)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range rows {
					if r.org != dir.asker.org.ID {
						t.Errorf("row %s of organisation %s listed for %s", r.id, r.org, dir.asker.org.ID)
					}
					got = append(got, r.id)
				}
				want := c.want(dir.asker)
				slices.Sort(got)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("listed %v, want %v", got, want)
				}
			})
		}
	}
}

// TestTenancyForeignWrites has A's administrator name B's rows under A's organisation. The service
// lets an administrator act in their own organisation, so only the store's scoping stands between
// them and B's rows.
func TestTenancyForeignWrites(t *testing.T) {
	ctx := context.Background()
	f := newTenancyFixture(t)
	a, b := f.a, f.b
	cases := []struct {
		name string
		do   func() error
		kind errs.Kind
		code errs.Code
	}{
		{"disable B's account", func() error {
			return f.ids.SetDisabled(ctx, a.principal(), a.org.ID, b.inspector.ID, true, "thử")
		}, errs.NotFound, errs.CodeAccountNotFound},
		{"re-enable B's account", func() error {
			return f.ids.SetDisabled(ctx, a.principal(), a.org.ID, b.inspector.ID, false, "thử")
		}, errs.NotFound, errs.CodeAccountNotFound},
		{"reset the password of B's account", func() error {
			return f.ids.ResetPassword(ctx, a.principal(), a.org.ID, b.inspector.ID, "another long password")
		}, errs.NotFound, errs.CodeAccountNotFound},
		{"revoke B's device", func() error {
			return f.ids.RevokeDevice(ctx, a.principal(), a.org.ID, b.device.ID, "thử")
		}, errs.NotFound, errs.CodeDeviceNotFound},
		{"the system operator under A's organisation", func() error {
			return f.ids.RevokeDevice(ctx, identity.Operator, a.org.ID, b.device.ID, "thử")
		}, errs.NotFound, errs.CodeDeviceNotFound},
		{"A's administrator naming B's organisation", func() error {
			return f.ids.SetDisabled(ctx, a.principal(), b.org.ID, b.inspector.ID, true, "thử")
		}, errs.Forbidden, errs.CodeRoleRequired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.state(t)
			wantError(t, c.do(), c.kind, c.code)
			assertUnchanged(t, before, f.state(t))
			// B's phone is still logged in: its refresh tokens were not revoked either.
			p, err := f.auth.Refresh(ctx, b.refresh)
			if err != nil {
				t.Fatalf("B's phone can no longer refresh: %v", err)
			}
			b.refresh = p.RefreshToken
		})
	}
}

// TestTenancyCrossOrganisationReferences: the composite foreign keys refuse a row of one organisation
// that points at a row of another, and the refused transaction stores nothing.
func TestTenancyCrossOrganisationReferences(t *testing.T) {
	ctx := context.Background()
	f := newTenancyFixture(t)
	a, b := f.a, f.b
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	account := func(login, personID string) identity.Account {
		return identity.Account{ID: clock.UUIDv7{}.NewID(), OrgID: a.org.ID, PersonID: personID, Login: login,
			Roles: []identity.Role{identity.RoleInspector}, PasswordHash: "x", PasswordChangedAt: now, CreatedAt: now}
	}
	entry := audit.Entry{Chain: "account/intruder", OrgID: a.org.ID, Action: "account.create", At: now}
	cases := []struct {
		name  string
		login string // must not exist afterwards; empty for no account
		do    func(login string) error
		kind  errs.Kind
		code  errs.Code
	}{
		{"service: A's account for B's person", "intruder.service", func(login string) error {
			_, err := f.ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: a.org.ID, PersonID: b.person.ID,
				Login: login, Password: testPassword, Roles: []identity.Role{identity.RoleInspector}})
			return err
		}, errs.NotFound, errs.CodePersonNotFound},
		{"store: A's account for B's person", "intruder.store", func(login string) error {
			return f.store.CreateAccount(ctx, nil, account(login, b.person.ID), entry)
		}, errs.NotFound, errs.CodePersonNotFound},
		{"store: a new person of B with an account of A, in one transaction", "intruder.pair", func(login string) error {
			p := identity.Person{ID: clock.UUIDv7{}.NewID(), OrgID: b.org.ID, FullName: "Người lạ", CreatedAt: now}
			return f.store.CreateAccount(ctx, &p, account(login, p.ID), entry)
		}, errs.NotFound, errs.CodePersonNotFound},
		{"store: a device of A for B's account", "", func(string) error {
			_, err := f.store.RegisterDevice(ctx, identity.Device{ID: clock.UUIDv7{}.NewID(), OrgID: a.org.ID, AccountID: b.inspector.ID,
				ClientID: "stray-phone", Name: "phone", Platform: "android", CreatedAt: now, LastSeenAt: now})
			return err
		}, errs.Invalid, errs.Code(errs.Invalid)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.state(t)
			wantError(t, c.do(c.login), c.kind, c.code)
			assertUnchanged(t, before, f.state(t))
			if c.login != "" {
				if _, err := f.store.AccountByLogin(ctx, c.login); !errs.Is(errs.NotFound, err) {
					t.Errorf("AccountByLogin(%s) = %v, want not found", c.login, err)
				}
			}
		})
	}
}
