package mobilehttp

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// TestOpenAPIDescribesRoutes checks mobile-api/openapi.yaml against Routes() and the document's own
// route (which Mount adds outside the prefix): the same operations, x-roles and security as each
// route's access, and the statuses each kind of route gives.
func TestOpenAPIDescribesRoutes(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
	routes := []schematest.Route{{Method: http.MethodGet, Path: contract.DocumentPath, Public: true}}
	for _, r := range (&API{}).Routes() {
		route := schematest.Route{Method: r.Method, Path: contract.Prefix + schematest.TemplatePath(r.Path), Public: r.Access.IsPublic()}
		for _, role := range r.Access.AllowedRoles() {
			route.Roles = append(route.Roles, string(role))
		}
		routes = append(routes, route)
	}
	doc.CheckRoutes(t, routes)
}

// TestOpenAPIRequestBodies checks that each operation documents the request schema its handler binds
// (and none for the routes that take no body), that the schema matches the wire struct field by
// field, and that it accepts a typical body.
func TestOpenAPIRequestBodies(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
	bodies := map[string]struct {
		schema string
		sample any
	}{
		"POST /auth/login": {"mobile-login-request.schema.json", loginRequest{Login: "nguyenvanan", Password: "mật khẩu",
			Device: deviceInfo{ID: "0f8e7c62-5d1a-4b3e-8c9d-2a1b3c4d5e6f", Name: "Samsung A15", Platform: "android", AppVersion: "1.0.0"}}},
		"POST /auth/refresh": {"refresh-request.schema.json", refreshRequest{RefreshToken: "rt1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		"POST /sync/pull":    {"sync-pull-request.schema.json", pullRequest{Datasets: map[string]string{"catalogue": "", "visits": "MjpWaXNpdHM6YWJjZGVmOjA6NDI"}, Limit: 200}},
		"POST /sync/push":    {"sync-push-request.schema.json", samplePush},
		"PUT /evidence/:id/upload": {"sync-push-evidence.schema.json", announceRequest{VisitID: "01930c2e-7a4b-7c1d-9e2f-000000000010",
			SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Size: 204800, ContentType: "image/jpeg", Purpose: "photo",
			CapturedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), GPS: &announceGPS{Lat: 22.6657, Lon: 106.2522}}},
	}
	for _, r := range (&API{}).Routes() {
		key := r.Method + " " + r.Path
		want, ok := bodies[key]
		if got := doc.RequestSchema(t, r.Method, contract.Prefix+r.Path); got != want.schema {
			t.Errorf("%s: the document's request schema is %q, the handler binds %q", key, got, want.schema)
		}
		if !ok {
			continue
		}
		schematest.CheckStruct(t, want.schema, want.sample, schematest.Request)
		b, err := json.Marshal(want.sample)
		if err != nil {
			t.Fatal(err)
		}
		schematest.Validate(t, want.schema, b)
	}
}

// TestWireStructsMatchSchemas checks each response struct field by field against its schema file.
// Old apps read these bodies: a field may be added to both, never removed from either.
func TestWireStructsMatchSchemas(t *testing.T) {
	for _, tc := range []struct {
		schema string
		wire   any
	}{
		{"token-pair.schema.json", tokenPair{}},
		{"mobile-me.schema.json", meResponse{}},
		{"sync-pull-response.schema.json", pullResponse{}}, // its changes' data (json.RawMessage) is checked by TestWireBodiesMatchOpenAPI
		{"sync-push-response.schema.json", pushResponse{}},
	} {
		t.Run(tc.schema, func(t *testing.T) { schematest.CheckStruct(t, tc.schema, tc.wire, schematest.Response) })
	}
}

// TestWireBodiesMatchOpenAPI renders typical answers with the handlers' own mapping functions and
// checks each against the response the document gives for its route and status.
func TestWireBodiesMatchOpenAPI(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
	const (
		orgID    = "01930c2e-7a4b-7c1d-9e2f-000000000001"
		personID = "01930c2e-7a4b-7c1d-9e2f-000000000002"
		acctID   = "01930c2e-7a4b-7c1d-9e2f-000000000003"
		devID    = "01930c2e-7a4b-7c1d-9e2f-000000000004"
	)
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	roles := []identity.Role{identity.RoleInspector}
	pair := auth.Pair{AccessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", AccessExpiresAt: now.Add(10 * time.Minute),
		ExpiresIn: 10 * time.Minute, RefreshToken: "rt1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", RefreshExpiresAt: now.Add(60 * 24 * time.Hour),
		Principal: identity.Principal{AccountID: acctID, PersonID: personID, OrgID: orgID, DeviceID: devID, Roles: roles}}
	me := meResponse{AccountID: acctID, Login: "nguyenvanan", PersonID: personID, FullName: "Nguyễn Văn An", OrganisationID: orgID,
		OrganisationName: "Sở Khoa học và Công nghệ tỉnh Cao Bằng", DeviceID: devID, Roles: roleStrings(roles)}
	errorBody := func(kind, code string) any {
		return map[string]any{"error": map[string]any{"kind": kind, "code": code, "message": "Thông báo", "request_id": "0123456789abcdef"}}
	}
	rateLimited := map[string]any{"error": map[string]any{"kind": "rate_limited", "code": "too_many_attempts",
		"message": "Đăng nhập sai quá nhiều lần.", "request_id": "0123456789abcdef", "retry_after_seconds": 42}}

	for _, tc := range []struct {
		name, method, path string
		status             int
		body               any
	}{
		{"login", "POST", "/mobile/v1/auth/login", 200, toTokenPair(pair)},
		{"login invalid", "POST", "/mobile/v1/auth/login", 400, errorBody("invalid", "validation_failed")},
		{"login refused", "POST", "/mobile/v1/auth/login", 401, errorBody("unauthenticated", "bad_credentials")},
		{"login rate-limited", "POST", "/mobile/v1/auth/login", 429, rateLimited},
		{"login too large", "POST", "/mobile/v1/auth/login", 413, errorBody("too_large", "body_too_large")},
		{"refresh", "POST", "/mobile/v1/auth/refresh", 200, toTokenPair(pair)},
		{"refresh reused", "POST", "/mobile/v1/auth/refresh", 401, errorBody("unauthenticated", "refresh_reused")},
		{"me", "GET", "/mobile/v1/me", 200, me},
		{"me without token", "GET", "/mobile/v1/me", 401, errorBody("unauthenticated", "token_missing")},
		{"me internal", "GET", "/mobile/v1/me", 500, errorBody("internal", "internal")},
		{"pull", "POST", "/mobile/v1/sync/pull", 200, samplePull()},
		{"pull nothing", "POST", "/mobile/v1/sync/pull", 200, toPullResponse(nil)},
		{"pull unknown dataset", "POST", "/mobile/v1/sync/pull", 400, errorBody("invalid", "validation_failed")},
		{"pull console token", "POST", "/mobile/v1/sync/pull", 403, errorBody("forbidden", "role_required")},
		{"push", "POST", "/mobile/v1/sync/push", 200, samplePushResults()},
		{"push malformed", "POST", "/mobile/v1/sync/push", 400, errorBody("invalid", "push_malformed")},
		{"push too many", "POST", "/mobile/v1/sync/push", 413, errorBody("too_large", "push_batch_too_large")},
		{"push unavailable", "POST", "/mobile/v1/sync/push", 503, errorBody("unavailable", "unavailable")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			doc.CheckResponse(t, tc.method, tc.path, tc.status, body)
		})
	}
}
