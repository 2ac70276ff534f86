package consolehttp

import (
	"net/http"

	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// referenceRoutes: the national reference data — the legal catalogue and the published checklists.
// Every account reads it (the phone and the console judge cases by it); only a system administrator
// changes it (D24), as legal.Service and checklist.Service insist.
func (a *API) referenceRoutes() []httpcore.Route {
	sysadmin := httpcore.Roles(identity.RoleSystemAdmin)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/legal/violations", Access: httpcore.Authenticated, Handler: a.listViolations},
		{Method: http.MethodGet, Path: "/legal/violations/:code", Access: httpcore.Authenticated, Handler: a.getViolation},
		{Method: http.MethodPost, Path: "/legal/violations", Access: sysadmin, Handler: a.upsertViolation},
		{Method: http.MethodPost, Path: "/legal/violations/:code/range", Access: sysadmin, Handler: a.setViolationRange},
		{Method: http.MethodGet, Path: "/legal/decrees", Access: httpcore.Authenticated, Handler: a.listDecrees},
		{Method: http.MethodGet, Path: "/legal/authority-caps", Access: httpcore.Authenticated, Handler: a.listAuthorityCaps},
		{Method: http.MethodGet, Path: "/legal/deadline-rules", Access: httpcore.Authenticated, Handler: a.listDeadlineRules},
		{Method: http.MethodGet, Path: "/legal/holidays", Access: httpcore.Authenticated, Handler: a.listHolidays},

		{Method: http.MethodGet, Path: "/checklists", Access: httpcore.Authenticated, Handler: a.listChecklists},
		{Method: http.MethodPost, Path: "/checklists", Access: sysadmin, Handler: a.publishChecklist},
		{Method: http.MethodGet, Path: "/checklists/:code/versions/:version", Access: httpcore.Authenticated, Handler: a.getChecklist},
		{Method: http.MethodPost, Path: "/checklists/:code/versions/:version/validate", Access: httpcore.Authenticated, Handler: a.checkAnswers},
	}
}
