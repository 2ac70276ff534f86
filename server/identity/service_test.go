package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

func TestAdministrationRules(t *testing.T) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	svc := &identity.Service{Store: storetest.NewDBWith(t, storetest.Options{Clock: c}), Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	orgA, err := svc.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	orgB, err := svc.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "langson", Name: "Lạng Sơn"})
	if err != nil {
		t.Fatal(err)
	}
	adminA := identity.Principal{AccountID: "admin-a", OrgID: orgA.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	chiefA := identity.Principal{AccountID: "chief-a", OrgID: orgA.ID, Roles: []identity.Role{identity.RoleChief}}
	valid := func(org string, login string, roles ...identity.Role) identity.NewAccount {
		return identity.NewAccount{OrgID: org, FullName: "Nông Thị Mai", Login: login, Password: "long-enough-pw", Roles: roles}
	}
	cases := []struct {
		name string
		p    identity.Principal
		in   identity.NewAccount
		kind errs.Kind
		code errs.Code
	}{
		{name: "org admin in own organisation", p: adminA, in: valid(orgA.ID, "mai", identity.RoleInspector)},
		{name: "org admin in another organisation", p: adminA, in: valid(orgB.ID, "mai2", identity.RoleInspector), kind: errs.Forbidden, code: errs.CodeRoleRequired},
		{name: "chief may not administer", p: chiefA, in: valid(orgA.ID, "mai3", identity.RoleInspector), kind: errs.Forbidden, code: errs.CodeRoleRequired},
		{name: "org admin may not grant system_admin", p: adminA, in: valid(orgA.ID, "mai4", identity.RoleSystemAdmin), kind: errs.Forbidden, code: errs.CodeRoleRequired},
		{name: "system admin anywhere", p: identity.Operator, in: valid(orgB.ID, "mai5", identity.RoleSystemAdmin)},
		{name: "login taken across organisations", p: identity.Operator, in: valid(orgB.ID, "MAI", identity.RoleInspector), kind: errs.Conflict, code: errs.CodeLoginTaken},
		{name: "unknown role", p: adminA, in: valid(orgA.ID, "mai6", "emperor"), kind: errs.Invalid, code: errs.CodeValidation},
		{name: "repeated role", p: adminA, in: valid(orgA.ID, "mai7", identity.RoleInspector, identity.RoleInspector), kind: errs.Invalid, code: errs.CodeValidation},
		{name: "no roles", p: adminA, in: valid(orgA.ID, "mai8"), kind: errs.Invalid, code: errs.CodeValidation},
		{name: "short password", p: adminA, in: identity.NewAccount{OrgID: orgA.ID, FullName: "X", Login: "mai9", Password: "short", Roles: []identity.Role{identity.RoleClerk}}, kind: errs.Invalid, code: errs.CodeValidation},
		{name: "bad login", p: adminA, in: valid(orgA.ID, "a b", identity.RoleClerk), kind: errs.Invalid, code: errs.CodeValidation},
		{name: "person of another organisation", p: identity.Operator, in: identity.NewAccount{OrgID: orgB.ID, PersonID: "no-such-person", Login: "mai10", Password: "long-enough-pw", Roles: []identity.Role{identity.RoleClerk}}, kind: errs.NotFound, code: errs.CodePersonNotFound},
		{name: "unknown organisation", p: identity.Operator, in: valid("no-such-org", "mai11", identity.RoleClerk), kind: errs.NotFound, code: errs.CodeOrganisationNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, err := svc.CreateAccount(ctx, tc.p, tc.in)
			if tc.kind == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if a.Login != strings.ToLower(tc.in.Login) || a.PasswordHash == "" || strings.Contains(a.PasswordHash, tc.in.Password) {
					t.Fatalf("account %+v", a)
				}
				return
			}
			if errs.KindOf(err) != tc.kind || errs.CodeOf(err) != tc.code {
				t.Fatalf("got %s/%s (%v), want %s/%s", errs.KindOf(err), errs.CodeOf(err), err, tc.kind, tc.code)
			}
		})
	}
	t.Run("an administrator cannot disable their own account", func(t *testing.T) {
		me, err := svc.CreateAccount(ctx, identity.Operator, valid(orgA.ID, "self", identity.RoleOrgAdmin))
		if err != nil {
			t.Fatal(err)
		}
		p := identity.Principal{AccountID: me.ID, OrgID: orgA.ID, Roles: me.Roles}
		if err := svc.SetDisabled(ctx, p, orgA.ID, me.ID, true, "oops"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("an organisation administrator cannot act on a system administrator", func(t *testing.T) {
		sys, err := svc.CreateAccount(ctx, identity.Operator, valid(orgA.ID, "sysadmin", identity.RoleSystemAdmin, identity.RoleOrgAdmin))
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ResetPassword(ctx, adminA, orgA.ID, sys.ID, "taken-over-pw"); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("password reset: %v", err)
		}
		if err := svc.SetDisabled(ctx, adminA, orgA.ID, sys.ID, true, "x"); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("disable: %v", err)
		}
		if err := svc.ResetPassword(ctx, identity.Operator, orgA.ID, sys.ID, "new-long-password"); err != nil {
			t.Fatalf("a system administrator may: %v", err)
		}
	})
	t.Run("only system administrators create organisations", func(t *testing.T) {
		_, err := svc.CreateOrganisation(ctx, adminA, identity.NewOrganisation{Code: "hagiang", Name: "Hà Giang"})
		if errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("got %v", err)
		}
		_, err = svc.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "again"})
		if errs.CodeOf(err) != errs.CodeOrganisationTaken {
			t.Fatalf("got %v", err)
		}
	})
}

func TestPasswordHash(t *testing.T) {
	h := identity.Hasher{Memory: 64, Time: 1, Threads: 1}
	hash, err := h.Hash("mật khẩu đủ dài")
	if err != nil {
		t.Fatal(err)
	}
	if !h.Verify(hash, "mật khẩu đủ dài") || h.Verify(hash, "mật khẩu đủ dàI") {
		t.Fatal("verify")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "$bcrypt$x", strings.Replace(hash, "argon2id", "argon2i", 1)} {
		if h.Verify(bad, "mật khẩu đủ dài") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
}

func TestLanguageIndependentLoginNormalisation(t *testing.T) {
	if identity.NormaliseLogin("  Inspector1 ") != "inspector1" {
		t.Fatal("logins compare case-insensitively and without surrounding spaces")
	}
}
