package app_test

import "github.com/skhcn-caobang/thanhtra/server/identity"

// The evidence intake's routes as TestEveryRouteWithEveryRole expects them. The evidence and the
// visit named do not exist: the roles allowed get 404 (evidence_unknown, visit_not_found) or, for the
// PATCH sent without Upload-Offset, 400. The phone's routes let any account in and the service keeps
// to an inspector's or a chief's phone (403 role_required else).
func init() {
	phones := access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief}}
	const nobody = "01900000-0000-7000-8000-0000000000e1"
	for route, a := range map[string]access{
		"PUT /mobile/v1/evidence/:id/upload":   phones,
		"GET /mobile/v1/evidence/:id/upload":   phones,
		"PATCH /mobile/v1/evidence/:id/upload": phones,
		"GET /api/v1/visits/:id/evidence":      {roles: []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleInspector}},
	} {
		expectedRoutes[route] = a
	}
	for _, r := range []string{"PUT", "GET", "PATCH"} {
		phoneRoutes[r+" /mobile/v1/evidence/:id/upload"] = true
	}
	routePaths["/mobile/v1/evidence/:id/upload"] = "/mobile/v1/evidence/" + nobody + "/upload"
	routePaths["/api/v1/visits/:id/evidence"] = "/api/v1/visits/" + nobody + "/evidence"
	routeBodies["PUT /mobile/v1/evidence/:id/upload"] = map[string]any{"visit_id": nobody,
		"sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "size": 1000, "content_type": "image/jpeg",
		"purpose": "photo", "captured_at": "2026-03-02T09:00:00+07:00"}
	routeBodies["PATCH /mobile/v1/evidence/:id/upload"] = []byte("\xff\xd8\xff")
}
