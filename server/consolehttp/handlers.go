package consolehttp

import (
	"net/http"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

func (a *API) login(c echo.Context) error {
	var in loginRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("login", in.Login).Required("password", in.Password).
		Required("session_id", in.SessionID).MaxLen("session_id", in.SessionID, 100).Err(); err != nil {
		return err
	}
	login := identity.NormaliseLogin(in.Login)
	var pair auth.Pair
	err := a.Guard.Attempt(c, login, func() (err error) {
		pair, err = a.Auth.Login(c.Request().Context(), login, in.Password,
			auth.DeviceInfo{ClientID: in.SessionID, Name: truncate(c.Request().UserAgent(), 200), Platform: "web"})
		return err
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTokenPair(pair))
}

func (a *API) refresh(c echo.Context) error {
	var in refreshRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("refresh_token", in.RefreshToken).Err(); err != nil {
		return err
	}
	pair, err := a.Auth.Refresh(c.Request().Context(), in.RefreshToken)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toTokenPair(pair))
}

func (a *API) me(c echo.Context) error {
	p := httpcore.PrincipalOf(c)
	acct, person, org, err := a.Identity.Me(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, meResponse{Account: toAccount(acct), Person: toPerson(person), Organisation: toOrganisation(org), DeviceID: p.DeviceID})
}

func (a *API) listOrganisations(c echo.Context) error {
	orgs, err := a.Identity.Organisations(c.Request().Context(), httpcore.PrincipalOf(c))
	if err != nil {
		return err
	}
	out := organisationList{Items: make([]organisation, len(orgs))}
	for i, o := range orgs {
		out.Items[i] = toOrganisation(o)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) createOrganisation(c echo.Context) error {
	var in createOrganisationRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	o, err := a.Identity.CreateOrganisation(c.Request().Context(), httpcore.PrincipalOf(c), identity.NewOrganisation{Code: in.Code, Name: in.Name})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toOrganisation(o))
}

func (a *API) listPersons(c echo.Context) error {
	ps, err := a.Identity.Persons(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c))
	if err != nil {
		return err
	}
	out := personList{Items: make([]person, len(ps))}
	for i, p := range ps {
		out.Items[i] = toPerson(p)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listAccounts(c echo.Context) error {
	as, err := a.Identity.Accounts(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c))
	if err != nil {
		return err
	}
	out := accountList{Items: make([]account, len(as))}
	for i, x := range as {
		out.Items[i] = toAccount(x)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) createAccount(c echo.Context) error {
	var in createAccountRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	roles := make([]identity.Role, len(in.Roles))
	for i, r := range in.Roles {
		roles[i] = identity.Role(r)
	}
	acct, err := a.Identity.CreateAccount(c.Request().Context(), httpcore.PrincipalOf(c), identity.NewAccount{
		OrgID: orgParam(c), PersonID: in.PersonID, FullName: in.FullName, Login: in.Login, Password: in.Password, Roles: roles})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAccount(acct))
}

func (a *API) disableAccount(c echo.Context) error {
	var in reasonRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("reason", in.Reason).MaxLen("reason", in.Reason, 500).Err(); err != nil {
		return err
	}
	return a.setDisabled(c, true, in.Reason)
}

func (a *API) enableAccount(c echo.Context) error { return a.setDisabled(c, false, "") }

func (a *API) setDisabled(c echo.Context, disabled bool, reason string) error {
	ctx, p, org := c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c)
	if err := a.Identity.SetDisabled(ctx, p, org, c.Param("id"), disabled, reason); err != nil {
		return err
	}
	acct, err := a.Identity.Store.Account(ctx, org, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAccount(acct))
}

func (a *API) resetPassword(c echo.Context) error {
	var in passwordRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("password", in.Password).Err(); err != nil {
		return err
	}
	if err := a.Identity.ResetPassword(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"), in.Password); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (a *API) listDevices(c echo.Context) error {
	ds, err := a.Identity.Devices(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c))
	if err != nil {
		return err
	}
	out := deviceList{Items: make([]device, len(ds))}
	for i, d := range ds {
		out.Items[i] = toDevice(d)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) revokeDevice(c echo.Context) error {
	var in reasonRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("reason", in.Reason).MaxLen("reason", in.Reason, 500).Err(); err != nil {
		return err
	}
	ctx, org := c.Request().Context(), orgParam(c)
	if err := a.Identity.RevokeDevice(ctx, httpcore.PrincipalOf(c), org, c.Param("id"), in.Reason); err != nil {
		return err
	}
	d, err := a.Identity.Store.Device(ctx, org, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toDevice(d))
}

func (a *API) verifyAudit(c echo.Context) error {
	rep, err := audit.Verify(c.Request().Context(), a.Audit)
	if err != nil {
		return err
	}
	out := auditReport{OK: rep.OK(), Chains: rep.Chains, Events: rep.Events, Anchors: rep.Anchors, Problems: rep.Problems}
	if out.Problems == nil {
		out.Problems = []string{}
	}
	return c.JSON(http.StatusOK, out)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
