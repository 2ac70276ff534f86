package app_test

import (
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The statistics routes as TestEveryRouteWithEveryRole expects them (D28): the chief, the director,
// clerks and system administrators read; the chief freezes a closed month of the organisation, a system
// administrator one of the national view (January 2020 has ended whatever the clock, so both calls
// freeze it).
func init() {
	readers := access{roles: []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleClerk, identity.RoleSystemAdmin}}
	expectedRoutes["GET /api/v1/stats/summary"] = readers
	routePaths["/api/v1/stats/summary"] = "/api/v1/stats/summary?period=2020-01"
	expectedRoutes["GET /api/v1/stats/months"] = readers
	expectedRoutes["POST /api/v1/stats/months/:period/freeze"] = access{roles: []identity.Role{identity.RoleChief, identity.RoleSystemAdmin}}
	routePaths["/api/v1/stats/months/:period/freeze"] = "/api/v1/stats/months/2020-01/freeze?national=true"
}
