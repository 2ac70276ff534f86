package app_test

import "github.com/skhcn-caobang/thanhtra/server/identity"

// The evidence viewing routes as TestEveryRouteWithEveryRole expects them. The evidence named by the
// paths does not exist: the roles allowed get 404 evidence_not_found. The phone's routes let any
// account in and the service keeps to an inspector's or a chief's phone (403 role_required else).
func init() {
	readers := access{roles: []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleInspector}}
	phones := access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief}}
	const nobody = "01900000-0000-7000-8000-000000000000"
	for route, a := range map[string]access{
		"GET /api/v1/evidence/:id":              readers,
		"GET /api/v1/evidence/:id/content":      readers,
		"GET /api/v1/evidence/:id/thumbnail":    readers,
		"GET /mobile/v1/evidence/:id/content":   phones,
		"GET /mobile/v1/evidence/:id/thumbnail": phones,
	} {
		expectedRoutes[route] = a
	}
	phoneRoutes["GET /mobile/v1/evidence/:id/content"] = true
	phoneRoutes["GET /mobile/v1/evidence/:id/thumbnail"] = true
	for pattern, path := range map[string]string{
		"/api/v1/evidence/:id":              "/api/v1/evidence/" + nobody,
		"/api/v1/evidence/:id/content":      "/api/v1/evidence/" + nobody + "/content",
		"/api/v1/evidence/:id/thumbnail":    "/api/v1/evidence/" + nobody + "/thumbnail",
		"/mobile/v1/evidence/:id/content":   "/mobile/v1/evidence/" + nobody + "/content",
		"/mobile/v1/evidence/:id/thumbnail": "/mobile/v1/evidence/" + nobody + "/thumbnail",
	} {
		routePaths[pattern] = path
	}
}
