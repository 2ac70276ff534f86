package consolehttp

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// opsRoutes are the operational endpoints that server/app mounts at the root; this document describes
// them because the console is where operators read about the server.
var opsRoutes = []schematest.Route{
	{Method: http.MethodGet, Path: "/healthz", Public: true},
	{Method: http.MethodGet, Path: "/readyz", Public: true},
	{Method: http.MethodGet, Path: "/metrics", Public: true},
	{Method: http.MethodGet, Path: "/schemas/{file}", Public: true},
}

func routesOf(prefix string, rs []httpcore.Route) []schematest.Route {
	out := make([]schematest.Route, len(rs))
	for i, r := range rs {
		out[i] = schematest.Route{Method: r.Method, Path: prefix + schematest.TemplatePath(r.Path), Public: r.Access.IsPublic()}
		for _, role := range r.Access.AllowedRoles() {
			out[i].Roles = append(out[i].Roles, string(role))
		}
	}
	return out
}

// TestOpenAPIDescribesRoutes checks openapi.yaml against Routes() and the ops routes: the same
// operations, x-roles and security as each route's access, and the statuses each kind of route gives.
func TestOpenAPIDescribesRoutes(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	doc.CheckRoutes(t, append(routesOf(Prefix, (&API{}).Routes()), opsRoutes...))
}

// TestOpenAPIRequestBodies checks that each operation documents the request schema its handler binds
// (and none for the routes that take no body), and that the schema matches the wire struct.
func TestOpenAPIRequestBodies(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	bodies := map[string]struct {
		schema string
		sample any // a typical body, which the schema must accept
	}{
		"POST /auth/login":             {"console-login-request.schema.json", loginRequest{Login: "NguyenVanAn ", Password: "mật khẩu", SessionID: "4f1c9f0e-2b8a-4c61-9a53-0d5e7b0c2a11"}},
		"POST /auth/refresh":           {"refresh-request.schema.json", refreshRequest{RefreshToken: "rt1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}},
		"POST /organisations":          {"create-organisation-request.schema.json", createOrganisationRequest{Code: "caobang", Name: "Sở Khoa học và Công nghệ tỉnh Cao Bằng"}},
		"POST /accounts":               {"create-account-request.schema.json", createAccountRequest{Login: "nguyenvanan", Password: "mật-khẩu-đủ-dài", Roles: []string{"inspector", "chief"}, FullName: "Nguyễn Văn An"}},
		"POST /accounts/{id}/disable":  {"reason-request.schema.json", reasonRequest{Reason: "Cán bộ đã chuyển công tác"}},
		"POST /accounts/{id}/password": {"password-request.schema.json", passwordRequest{Password: "mật-khẩu-mới-đủ-dài"}},
		"POST /devices/{id}/revoke":    {"reason-request.schema.json", reasonRequest{Reason: "Điện thoại bị mất"}},
	}
	for k, v := range registryRequestBodies {
		bodies[k] = v
	}
	for k, v := range referenceAndCampaignRequestBodies {
		bodies[k] = v
	}
	for k, v := range syncRequestBodies {
		bodies[k] = v
	}
	for k, v := range penaltyRequestBodies {
		bodies[k] = v
	}
	for k, v := range exportRequestBodies {
		bodies[k] = v
	}
	for _, r := range (&API{}).Routes() {
		path := schematest.TemplatePath(r.Path)
		key := r.Method + " " + path
		want, ok := bodies[key]
		if got := doc.RequestSchema(t, r.Method, Prefix+replaceParams(path)); got != want.schema {
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

// replaceParams puts a concrete ID in place of each path parameter.
func replaceParams(path string) string {
	out := []byte{}
	for i := 0; i < len(path); i++ {
		if path[i] == '{' {
			for i < len(path) && path[i] != '}' {
				i++
			}
			out = append(out, "01930c2e-0000-7000-8000-000000000001"...)
			continue
		}
		out = append(out, path[i])
	}
	return string(out)
}

// TestWireStructsMatchSchemas checks each response struct field by field against its schema file:
// names, which are required, JSON types and date-times.
func TestWireStructsMatchSchemas(t *testing.T) {
	for _, tc := range []struct {
		schema string
		wire   any
	}{
		{"token-pair.schema.json", tokenPair{}},
		{"organisation.schema.json", organisation{}},
		{"organisation-list.schema.json", organisationList{}},
		{"person.schema.json", person{}},
		{"person-list.schema.json", personList{}},
		{"account.schema.json", account{}},
		{"account-list.schema.json", accountList{}},
		{"device.schema.json", device{}},
		{"device-list.schema.json", deviceList{}},
		{"me.schema.json", meResponse{}},
		{"audit-report.schema.json", auditReport{}},
	} {
		t.Run(tc.schema, func(t *testing.T) { schematest.CheckStruct(t, tc.schema, tc.wire, schematest.Response) })
	}
}

// TestWireBodiesMatchOpenAPI renders typical answers with the handlers' own mapping functions and
// checks each against the response the document gives for its route and status.
func TestWireBodiesMatchOpenAPI(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	const (
		orgID    = "01930c2e-7a4b-7c1d-9e2f-000000000001"
		personID = "01930c2e-7a4b-7c1d-9e2f-000000000002"
		acctID   = "01930c2e-7a4b-7c1d-9e2f-000000000003"
		devID    = "01930c2e-7a4b-7c1d-9e2f-000000000004"
	)
	hcm := time.FixedZone("ICT", 7*3600)
	created := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	disabledAt := time.Date(2026, 3, 5, 14, 30, 0, 123456789, hcm)
	org := identity.Organisation{ID: orgID, Code: "caobang", Name: "Sở Khoa học và Công nghệ tỉnh Cao Bằng", CreatedAt: created}
	per := identity.Person{ID: personID, OrgID: orgID, FullName: "Nguyễn Văn An", CreatedAt: created}
	acct := identity.Account{ID: acctID, OrgID: orgID, PersonID: personID, Login: "nguyenvanan",
		Roles: []identity.Role{identity.RoleInspector, identity.RoleChief}, PasswordChangedAt: created, CreatedAt: created}
	disabled := acct
	disabled.DisabledAt = &disabledAt
	dev := identity.Device{ID: devID, OrgID: orgID, AccountID: acctID, ClientID: "4f1c9f0e-2b8a-4c61-9a53-0d5e7b0c2a11",
		Name: "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", Platform: "web", CreatedAt: created, LastSeenAt: created}
	revoked := dev
	revoked.RevokedAt = &disabledAt
	pair := auth.Pair{AccessToken: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", AccessExpiresAt: created.Add(10 * time.Minute),
		ExpiresIn: 10 * time.Minute, RefreshToken: "rt1_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", RefreshExpiresAt: created.Add(60 * 24 * time.Hour),
		Principal: identity.Principal{AccountID: acctID, PersonID: personID, OrgID: orgID, DeviceID: devID, Roles: acct.Roles}}
	errorBody := func(kind, code string) any {
		return map[string]any{"error": map[string]any{"kind": kind, "code": code, "message": "Thông báo", "request_id": "0123456789abcdef"}}
	}
	retry := 42
	rateLimited := map[string]any{"error": map[string]any{"kind": "rate_limited", "code": "too_many_attempts",
		"message": "Đăng nhập sai quá nhiều lần.", "request_id": "0123456789abcdef", "retry_after_seconds": retry}}
	invalid := map[string]any{"error": map[string]any{"kind": "invalid", "code": "validation_failed", "message": "…",
		"request_id": "0123456789abcdef", "fields": []map[string]string{{"field": "reason", "code": "required", "message": "Trường này là bắt buộc."}}}}

	for _, tc := range []struct {
		name, method, path string
		status             int
		body               any
	}{
		{"login", "POST", "/api/v1/auth/login", 200, toTokenPair(pair)},
		{"login rate-limited", "POST", "/api/v1/auth/login", 429, rateLimited},
		{"login refused", "POST", "/api/v1/auth/login", 401, errorBody("unauthenticated", "bad_credentials")},
		{"refresh", "POST", "/api/v1/auth/refresh", 200, toTokenPair(pair)},
		{"refresh reused", "POST", "/api/v1/auth/refresh", 401, errorBody("unauthenticated", "refresh_reused")},
		{"me", "GET", "/api/v1/me", 200, meResponse{Account: toAccount(acct), Person: toPerson(per), Organisation: toOrganisation(org), DeviceID: devID}},
		{"organisations", "GET", "/api/v1/organisations", 200, organisationList{Items: []organisation{toOrganisation(org)}}},
		{"no organisations", "GET", "/api/v1/organisations", 200, organisationList{Items: []organisation{}}},
		{"create organisation", "POST", "/api/v1/organisations", 201, toOrganisation(org)},
		{"organisation taken", "POST", "/api/v1/organisations", 409, errorBody("conflict", "organisation_taken")},
		{"persons", "GET", "/api/v1/persons?org=" + orgID, 200, personList{Items: []person{toPerson(per)}}},
		{"accounts", "GET", "/api/v1/accounts", 200, accountList{Items: []account{toAccount(acct), toAccount(disabled)}}},
		{"create account", "POST", "/api/v1/accounts", 201, toAccount(acct)},
		{"create account invalid", "POST", "/api/v1/accounts", 400, invalid},
		{"disable", "POST", "/api/v1/accounts/" + acctID + "/disable", 200, toAccount(disabled)},
		{"disable unknown", "POST", "/api/v1/accounts/" + acctID + "/disable", 404, errorBody("not_found", "account_not_found")},
		{"enable", "POST", "/api/v1/accounts/" + acctID + "/enable", 200, toAccount(acct)},
		{"password", "POST", "/api/v1/accounts/" + acctID + "/password", 204, nil},
		{"password forbidden", "POST", "/api/v1/accounts/" + acctID + "/password", 403, errorBody("forbidden", "role_required")},
		{"devices", "GET", "/api/v1/devices", 200, deviceList{Items: []device{toDevice(dev), toDevice(revoked)}}},
		{"revoke", "POST", "/api/v1/devices/" + devID + "/revoke", 200, toDevice(revoked)},
		{"audit ok", "GET", "/api/v1/audit/verify", 200, auditReport{OK: true, Chains: 3, Events: 12, Anchors: 1, Problems: []string{}}},
		{"audit broken", "GET", "/api/v1/audit/verify", 200, auditReport{Chains: 3, Events: 12, Problems: []string{"chain account/x: event 4 hash mismatch"}}},
		{"healthz", "GET", "/healthz", 200, map[string]string{"status": "ok"}},
		{"readyz", "GET", "/readyz", 200, map[string]string{"status": "ok", "database": "ok", "objects": "ok"}},
		{"readyz down", "GET", "/readyz", 503, map[string]string{"status": "unavailable", "database": "ok", "objects": "unavailable"}},
		{"schema file", "GET", "/schemas/account.schema.json", 200, map[string]string{"$id": "account.schema.json"}},
		{"no schema file", "GET", "/schemas/nothing.json", 404, errorBody("not_found", "route_not_found")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != nil {
				var err error
				if body, err = json.Marshal(tc.body); err != nil {
					t.Fatal(err)
				}
			}
			doc.CheckResponse(t, tc.method, tc.path, tc.status, body)
		})
	}
}
