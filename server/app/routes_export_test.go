package app_test

import (
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The export routes as TestEveryRouteWithEveryRole expects them (D28): the chief and the director
// export their organisation's data. A POST creates a run for an empty period (202); the run named by
// the other paths does not exist (404).
func init() {
	const nobody = "01930c2e-7a4b-7c1d-9e2f-0000000000fd"
	exporters := access{roles: []identity.Role{identity.RoleChief, identity.RoleDirector}}
	expectedRoutes["POST /api/v1/exports"] = exporters
	routeBodies["POST /api/v1/exports"] = map[string]any{"kind": "evidence_zip", "from": "2020-01-01", "to": "2020-01-02"}
	expectedRoutes["GET /api/v1/exports"] = exporters
	expectedRoutes["GET /api/v1/exports/:id"] = exporters
	routePaths["/api/v1/exports/:id"] = "/api/v1/exports/" + nobody
	expectedRoutes["GET /api/v1/exports/:id/download"] = exporters
	routePaths["/api/v1/exports/:id/download"] = "/api/v1/exports/" + nobody + "/download"
}
