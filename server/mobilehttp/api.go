// Package mobilehttp is the phone API under /mobile/v1, described by mobile-api/openapi.yaml. Phones
// run app versions months old, so this wire format changes only by addition; it is kept apart from
// the back-office API (consolehttp) so that a console change can never break a phone.
package mobilehttp

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

// API holds what the handlers need.
type API struct {
	Auth     *auth.Service
	Identity *identity.Service
	Guard    *httpcore.LoginGuard
	Sync     *syncsvc.Service
	// Messages gives the people-facing message of each error code, for the push results.
	Messages *httpcore.Messages
	// Evidence is the upload of evidence bytes (evidence.go).
	Evidence *evidence.Service
	// EvidenceView streams evidence and thumbnails to the team's phones (evidence_view.go).
	EvidenceView *evidenceview.Service
}

// Routes is the whole phone API: method, path under contract.Prefix, who may call it, handler.
func (a *API) Routes() []httpcore.Route {
	return append([]httpcore.Route{
		{Method: http.MethodPost, Path: "/auth/login", Access: httpcore.Public, Handler: a.login},
		{Method: http.MethodPost, Path: "/auth/refresh", Access: httpcore.Public, Handler: a.refresh},
		{Method: http.MethodGet, Path: "/me", Access: httpcore.Authenticated, Handler: a.me},

		// Sync: the service lets in a phone's token (one with a device) of an inspector or a chief.
		{Method: http.MethodPost, Path: "/sync/pull", Access: httpcore.Authenticated, Handler: a.pull},
		{Method: http.MethodPost, Path: "/sync/push", Access: httpcore.Authenticated, Handler: a.push,
			MaxBody: int64(syncpush.DefaultLimits.MaxBatchBytes)},
	}, append(a.evidenceRoutes(), a.evidenceViewRoutes()...)...)
}

// Mount registers the API under contract.Prefix and its document at contract.DocumentPath.
func (a *API) Mount(e *echo.Echo, authn httpcore.Authenticator, maxBody int64) {
	httpcore.Mount(e.Group(contract.Prefix), a.Routes(), authn, maxBody)
	httpcore.Mount(e.Group(""), []httpcore.Route{
		{Method: http.MethodGet, Path: contract.DocumentPath, Access: httpcore.Public, Handler: func(c echo.Context) error {
			return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", contract.OpenAPI)
		}},
	}, authn, maxBody)
}

// loginRequest is schemas/mobile-login-request.schema.json.
type loginRequest struct {
	Login    string     `json:"login"`
	Password string     `json:"password"`
	Device   deviceInfo `json:"device"`
}

type deviceInfo struct {
	ID         string `json:"id"` // made by the app once at install and kept
	Name       string `json:"name"`
	Platform   string `json:"platform"`
	AppVersion string `json:"app_version"`
}

// refreshRequest is schemas/refresh-request.schema.json.
type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
}

// tokenPair is schemas/token-pair.schema.json.
type tokenPair struct {
	AccessToken      string    `json:"access_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int       `json:"expires_in"`
	AccessExpiresAt  time.Time `json:"access_expires_at"`
	RefreshToken     string    `json:"refresh_token"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	AccountID        string    `json:"account_id"`
	OrganisationID   string    `json:"organisation_id"`
	DeviceID         string    `json:"device_id"`
	Roles            []string  `json:"roles"`
}

// meResponse is schemas/mobile-me.schema.json.
type meResponse struct {
	AccountID        string   `json:"account_id"`
	Login            string   `json:"login"`
	PersonID         string   `json:"person_id"`
	FullName         string   `json:"full_name"`
	OrganisationID   string   `json:"organisation_id"`
	OrganisationName string   `json:"organisation_name"`
	DeviceID         string   `json:"device_id"`
	Roles            []string `json:"roles"`
}

func toTokenPair(p auth.Pair) tokenPair {
	return tokenPair{AccessToken: p.AccessToken, TokenType: "Bearer", ExpiresIn: int(p.ExpiresIn.Seconds()),
		AccessExpiresAt: p.AccessExpiresAt.UTC(), RefreshToken: p.RefreshToken, RefreshExpiresAt: p.RefreshExpiresAt.UTC(),
		AccountID: p.Principal.AccountID, OrganisationID: p.Principal.OrgID, DeviceID: p.Principal.DeviceID, Roles: roleStrings(p.Principal.Roles)}
}

func (a *API) login(c echo.Context) error {
	var in loginRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("login", in.Login).Required("password", in.Password).
		Required("device.id", in.Device.ID).MaxLen("device.id", in.Device.ID, 100).
		MaxLen("device.name", in.Device.Name, 200).MaxLen("device.platform", in.Device.Platform, 50).Err(); err != nil {
		return err
	}
	platform := in.Device.Platform
	if platform == "" {
		platform = "android"
	}
	login := identity.NormaliseLogin(in.Login)
	var pair auth.Pair
	err := a.Guard.Attempt(c, login, func() (err error) {
		pair, err = a.Auth.Login(c.Request().Context(), login, in.Password,
			auth.DeviceInfo{ClientID: in.Device.ID, Name: in.Device.Name, Platform: platform})
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
	return c.JSON(http.StatusOK, meResponse{AccountID: acct.ID, Login: acct.Login, PersonID: person.ID, FullName: person.FullName,
		OrganisationID: org.ID, OrganisationName: org.Name, DeviceID: p.DeviceID, Roles: roleStrings(acct.Roles)})
}

func roleStrings(rs []identity.Role) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r)
	}
	return out
}
