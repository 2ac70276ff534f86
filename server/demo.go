package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// demoAccounts are the people of demo mode. Their passwords are public: demo mode is for trying the
// system on a laptop, never for production.
var demoAccounts = []struct {
	login, name, password string
	roles                 []identity.Role
}{
	{"admin", "Quản trị hệ thống (demo)", "demo-admin-2026", []identity.Role{identity.RoleOrgAdmin, identity.RoleSystemAdmin}},
	{"inspector1", "Nông Văn Minh (demo)", "demo-inspector-1", []identity.Role{identity.RoleInspector}},
	{"inspector2", "Hoàng Thị Lan (demo)", "demo-inspector-2", []identity.Role{identity.RoleInspector}},
	{"chief", "Lương Văn Hùng (demo)", "demo-chief-2026", []identity.Role{identity.RoleChief}},
	{"director", "Bế Thị Hoa (demo)", "demo-director-2026", []identity.Role{identity.RoleDirector}},
}

const demoWarning = `
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
!!  DEMO MODE — NOT FOR PRODUCTION. The accounts below have public passwords.  !!
!!  CHẾ ĐỘ DEMO — KHÔNG DÙNG CHO HỆ THỐNG THẬT. Mật khẩu dưới đây là công khai. !!
!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
`

// seedDemo creates the demo organisation and accounts when they are missing, and prints the logins.
// Running it again changes nothing.
func seedDemo(ctx context.Context, a *app.App, out io.Writer) error {
	svc, st := a.Identity, a.Store
	org, err := st.OrganisationByCode(ctx, "caobang")
	if errs.Is(errs.NotFound, err) {
		org, err = svc.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở Khoa học và Công nghệ tỉnh Cao Bằng"})
	}
	if err != nil {
		return err
	}
	for _, a := range demoAccounts {
		if _, err := st.AccountByLogin(ctx, a.login); err == nil {
			continue
		} else if !errs.Is(errs.NotFound, err) {
			return err
		}
		if _, err := svc.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: org.ID, FullName: a.name,
			Login: a.login, Password: a.password, Roles: a.roles}); err != nil {
			return err
		}
	}
	if err := seedDemoDomain(ctx, a, org, out); err != nil {
		return err
	}
	fmt.Fprint(out, demoWarning)
	fmt.Fprintf(out, "organisation: %s (%s)\n", org.Name, org.Code)
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "LOGIN\tPASSWORD\tROLES")
	for _, a := range demoAccounts {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", a.login, a.password, joinRoles(a.roles))
	}
	tw.Flush()
	fmt.Fprintln(out)
	return nil
}
