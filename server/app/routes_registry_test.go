package app_test

import (
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The registry routes: who may call each, and what TestEveryRouteWithEveryRole sends. IDs are
// well-formed but name nothing, so that a caller who is let in gets 404; create bodies are valid (the
// second administrator to send one gets 409, the natural key being taken).
func init() {
	readers := access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief, identity.RoleDirector, identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
	for route, a := range map[string]access{
		"GET /api/v1/admin-units": authenticated,

		"GET /api/v1/subjects":     readers,
		"GET /api/v1/subjects/:id": readers,
		"POST /api/v1/subjects":    admins,
		"PUT /api/v1/subjects/:id": admins,

		"GET /api/v1/sites":     readers,
		"GET /api/v1/sites/:id": readers,
		"POST /api/v1/sites":    admins,
		"PUT /api/v1/sites/:id": admins,

		"GET /api/v1/instruments":     readers,
		"GET /api/v1/instruments/:id": readers,
		"POST /api/v1/instruments":    admins,
		"PUT /api/v1/instruments/:id": admins,

		"GET /api/v1/licences":     readers,
		"GET /api/v1/licences/:id": readers,
		"POST /api/v1/licences":    admins,
		"PUT /api/v1/licences/:id": admins,

		"GET /api/v1/issuing-units":     authenticated,
		"GET /api/v1/issuing-units/:id": authenticated,
		"POST /api/v1/issuing-units":    admins,
		"PUT /api/v1/issuing-units/:id": admins,

		"POST /api/v1/registry/import": admins,
	} {
		expectedRoutes[route] = a
	}

	const nobody = "01930c2e-7a4b-7c1d-9e2f-00000000dead"
	subject := map[string]any{"kind": "organisation", "name": "Công ty TNHH Xăng dầu Bắc Sơn", "tax_code": "4800123456"}
	site := map[string]any{"subject_id": nobody, "type": "fuel_station", "name": "Cửa hàng xăng dầu số 1", "address": "Số 12, phố Kim Đồng"}
	instrument := map[string]any{"site_id": nobody, "kind": "scale", "serial": "C-2020-117"}
	licence := map[string]any{"kind": "station_eligibility_certificate", "number": "12/GCN-SCT", "site_id": nobody, "expiry": "2028-05-09"}
	issuingUnit := map[string]any{"code": "TTS", "name": "Thanh tra Sở"}
	for route, body := range map[string]any{
		"POST /api/v1/subjects":         subject,
		"PUT /api/v1/subjects/:id":      subject,
		"POST /api/v1/sites":            site,
		"PUT /api/v1/sites/:id":         site,
		"POST /api/v1/instruments":      instrument,
		"PUT /api/v1/instruments/:id":   instrument,
		"POST /api/v1/licences":         licence,
		"PUT /api/v1/licences/:id":      licence,
		"POST /api/v1/issuing-units":    issuingUnit,
		"PUT /api/v1/issuing-units/:id": issuingUnit,
		// Sent as JSON, the file is refused as unsupported_format; registry_http_test.go imports a real one.
		"POST /api/v1/registry/import": []byte("subject_kind,subject_name\n"),
	} {
		routeBodies[route] = body
	}
	for pattern, path := range map[string]string{
		"/api/v1/subjects/:id":      "/api/v1/subjects/" + nobody,
		"/api/v1/sites/:id":         "/api/v1/sites/" + nobody,
		"/api/v1/instruments/:id":   "/api/v1/instruments/" + nobody,
		"/api/v1/licences/:id":      "/api/v1/licences/" + nobody,
		"/api/v1/issuing-units/:id": "/api/v1/issuing-units/" + nobody,
		"/api/v1/registry/import":   "/api/v1/registry/import?dry_run=true",
	} {
		routePaths[pattern] = path
	}
}
