package consolehttp

import (
	"net/http"

	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// statsRoutes: the enforcement statistics (issue 8; docs/statistics.md). Roles as D28 gives them and
// stats.Service checks them again: the chief, the director and clerks read their organisation's
// figures (a system administrator any organisation's, or the national view); the chief freezes a
// closed month of the organisation, a system administrator one of the national view.
func (a *API) statsRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleChief, identity.RoleDirector, identity.RoleClerk, identity.RoleSystemAdmin)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/stats/summary", Access: readers, Handler: a.statsSummary},
		{Method: http.MethodGet, Path: "/stats/months", Access: readers, Handler: a.statsFrozenMonths},
		{Method: http.MethodPost, Path: "/stats/months/:period/freeze", Access: httpcore.Roles(identity.RoleChief, identity.RoleSystemAdmin), Handler: a.statsFreeze},
	}
}
