// Package consolehttp is the back-office API under /api/v1: what the inspection chief, the director,
// clerks and administrators use from the web console. Its contract is openapi.yaml in this directory,
// with bodies described by the JSON Schemas in schemas/. The phone API is a separate package
// (mobilehttp) so that each wire format can evolve on its own.
package consolehttp

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/stats"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

// OpenAPI is the contract of this API, served at /api/v1/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// API holds what the handlers need.
type API struct {
	Auth       *auth.Service
	Identity   *identity.Service
	Guard      *httpcore.LoginGuard
	Audit      audit.Source
	Units      *adminunit.Service
	Registry   *registry.Service
	Legal      *legal.Service
	Checklists *checklist.Service
	Campaigns  *campaign.Service
	// Titles stores people's legal titles.
	Titles identity.TitleStore
	// Quarantine is the push quarantine the chief works through.
	Quarantine *syncsvc.Quarantine
	// Evidence tells which evidence of a visit has arrived (evidence_routes.go).
	Evidence *evidence.Service
	// EvidenceView shows one piece of evidence, its bytes and its thumbnail (evidence_view.go).
	EvidenceView *evidenceview.Service
	// RecordDocuments finds the stored documents of violation records (record_documents.go).
	RecordDocuments *RecordDocuments
	// Penalties runs penalty cases (penalty_routes.go).
	Penalties *penalty.Service
	// Exports makes long exports in the background and serves their results (export_routes.go).
	Exports *Exports
	// Stats computes and freezes the enforcement statistics (stats_routes.go).
	Stats *stats.Service
}

// Routes is the whole back-office API: method, path, who may call it, handler. Each area keeps its
// table in its own file.
func (a *API) Routes() []httpcore.Route {
	var all []httpcore.Route
	for _, area := range [][]httpcore.Route{a.identityRoutes(), a.registryRoutes(), a.referenceRoutes(), a.campaignRoutes(), a.syncRoutes(), a.evidenceRoutes(),
		a.recordDocumentRoutes(), a.evidenceViewRoutes(), a.penaltyRoutes(), a.statsRoutes(), a.exportRoutes()} {
		all = append(all, area...)
	}
	return all
}

// identityRoutes: logging in, the caller, organisations, people, accounts, devices and the audit log.
func (a *API) identityRoutes() []httpcore.Route {
	admins := httpcore.Roles(identity.RoleOrgAdmin, identity.RoleSystemAdmin)
	sysadmin := httpcore.Roles(identity.RoleSystemAdmin)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/openapi.yaml", Access: httpcore.Public, Handler: serveOpenAPI},
		{Method: http.MethodPost, Path: "/auth/login", Access: httpcore.Public, Handler: a.login},
		{Method: http.MethodPost, Path: "/auth/refresh", Access: httpcore.Public, Handler: a.refresh},
		{Method: http.MethodGet, Path: "/me", Access: httpcore.Authenticated, Handler: a.me},

		{Method: http.MethodGet, Path: "/organisations", Access: sysadmin, Handler: a.listOrganisations},
		{Method: http.MethodPost, Path: "/organisations", Access: sysadmin, Handler: a.createOrganisation},

		{Method: http.MethodGet, Path: "/persons", Access: httpcore.Roles(identity.RoleOrgAdmin, identity.RoleSystemAdmin, identity.RoleDirector), Handler: a.listPersons},
		{Method: http.MethodGet, Path: "/accounts", Access: admins, Handler: a.listAccounts},
		{Method: http.MethodPost, Path: "/accounts", Access: admins, Handler: a.createAccount},
		{Method: http.MethodPost, Path: "/accounts/:id/disable", Access: admins, Handler: a.disableAccount},
		{Method: http.MethodPost, Path: "/accounts/:id/enable", Access: admins, Handler: a.enableAccount},
		{Method: http.MethodPost, Path: "/accounts/:id/password", Access: admins, Handler: a.resetPassword},
		{Method: http.MethodGet, Path: "/devices", Access: admins, Handler: a.listDevices},
		{Method: http.MethodPost, Path: "/devices/:id/revoke", Access: admins, Handler: a.revokeDevice},

		{Method: http.MethodGet, Path: "/audit/verify", Access: sysadmin, Handler: a.verifyAudit},
	}
}

// Mount registers the API under Prefix.
func (a *API) Mount(e *echo.Echo, authn httpcore.Authenticator, maxBody int64) {
	httpcore.Mount(e.Group(Prefix), a.Routes(), authn, maxBody)
}

func serveOpenAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", OpenAPI)
}

// orgParam is the organisation a request is about: the caller's own, or for a system administrator
// the one named by ?org=.
func orgParam(c echo.Context) string {
	p := httpcore.PrincipalOf(c)
	if org := c.QueryParam("org"); org != "" && p.Has(identity.RoleSystemAdmin) {
		return org
	}
	return p.OrgID
}
