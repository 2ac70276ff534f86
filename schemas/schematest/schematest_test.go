package schematest

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a testing.TB that notes failures instead of failing, so that the helpers' own
// failures can be tested.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// run calls check with a recorder in its own goroutine (Fatalf ends it) and returns the failures.
func run(t *testing.T, check func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return r.failed
}

func expect(t *testing.T, failures []string, wantFail bool, mention string) {
	t.Helper()
	switch {
	case wantFail && len(failures) == 0:
		t.Errorf("the check passed, want a failure mentioning %q", mention)
	case !wantFail && len(failures) > 0:
		t.Errorf("the check failed: %s", strings.Join(failures, "\n"))
	case wantFail && !strings.Contains(strings.Join(failures, "\n"), mention):
		t.Errorf("the failure does not mention %q:\n%s", mention, strings.Join(failures, "\n"))
	}
}

const org = `{"id":"01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f","code":"caobang","name":"Sở KH&CN tỉnh Cao Bằng","created_at":"2026-03-02T08:00:00Z"}`

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name, schema, body string
		wantFail           bool
		mention            string
	}{
		{"valid", "organisation.schema.json", org, false, ""},
		{"missing field", "organisation.schema.json", `{"id":"01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f","code":"caobang","name":"x"}`, true, "created_at"},
		{"extra field", "organisation.schema.json", strings.Replace(org, `"code"`, `"slug":1,"code"`, 1), true, "slug"},
		{"bad date-time", "organisation.schema.json", strings.Replace(org, "2026-03-02T08:00:00Z", "2 March 2026", 1), true, "date-time"},
		{"bad id", "organisation.schema.json", strings.Replace(org, "01930c2e-7a4b", "org-1", 1), true, "/id"},
		{"through a reference", "organisation-list.schema.json", `{"items":[{"id":"x"}]}`, true, "/items/0"},
		{"not JSON", "organisation.schema.json", `{"id":`, true, "not JSON"},
		{"no such schema", "nothing.schema.json", `{}`, true, "nothing.schema.json"},
		{"disabled without disabled_at", "account.schema.json", `{"id":"01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f","organisation_id":"01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f","person_id":"01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f","login":"an","roles":["inspector"],"disabled":true,"password_changed_at":"2026-03-02T08:00:00Z","created_at":"2026-03-02T08:00:00Z"}`, true, "disabled_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, run(t, func(tb testing.TB) { Validate(tb, tc.schema, []byte(tc.body)) }), tc.wantFail, tc.mention)
		})
	}
}

func TestValidateConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, f := range []string{"organisation.schema.json", "organisation-list.schema.json", "me.schema.json"} {
				Compile(t, f)
			}
			Validate(t, "organisation.schema.json", []byte(org))
		})
	}
	wg.Wait()
}

const doc = `openapi: 3.1.0
servers: [{url: /api/v1}]
security: [{bearerAuth: []}]
paths:
  /organisations/{id}:
    get:
      summary: One organisation
      x-roles: [system_admin]
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '../../schemas/organisation.schema.json'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Error'}
        '404': {$ref: '#/components/responses/Error'}
  /organisations/current:
    get:
      summary: The caller's organisation
      x-roles: [authenticated]
      responses:
        '204': {description: nothing}
        '401': {$ref: '#/components/responses/Error'}
  /healthz:
    servers: [{url: /}]
    get:
      summary: Liveness
      security: []
      x-roles: [public]
      responses:
        '200':
          content:
            application/json:
              schema: {$ref: '../../schemas/health.schema.json'}
components:
  responses:
    Error:
      content:
        application/json:
          schema: {$ref: '../../schemas/error.schema.json'}
`

func TestCheckResponse(t *testing.T) {
	d := LoadOpenAPI(t, []byte(doc), "/api/v1")
	want := []string{"GET /api/v1/organisations/current", "GET /api/v1/organisations/{id}", "GET /healthz"}
	if got := d.Operations(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("Operations() = %v, want %v", got, want)
	}
	errBody := `{"error":{"kind":"not_found","code":"organisation_not_found","message":"Không tìm thấy đơn vị.","request_id":"abc"}}`
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               string
		wantFail           bool
		mention            string
	}{
		{"template", "GET", "/api/v1/organisations/01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f?x=1", 200, org, false, ""},
		{"literal beats template", "GET", "/api/v1/organisations/current", 204, "", false, ""},
		{"error through components", "GET", "/api/v1/organisations/x", 404, errBody, false, ""},
		{"path-level server", "GET", "/healthz", 200, `{"status":"ok"}`, false, ""},
		{"wrong body", "GET", "/api/v1/organisations/x", 200, `{"id":"x"}`, true, "organisation.schema.json"},
		{"error body that is not an error", "GET", "/api/v1/organisations/x", 404, org, true, "error.schema.json"},
		{"undocumented status", "GET", "/api/v1/organisations/x", 409, errBody, true, "409"},
		{"undocumented path", "GET", "/api/v1/persons", 200, `{}`, true, "no operation"},
		{"undocumented method", "POST", "/api/v1/organisations/x", 200, org, true, "no operation"},
		{"body where none is documented", "GET", "/api/v1/organisations/current", 204, `{}`, true, "without a body"},
		{"prefix missing", "GET", "/organisations/x", 200, org, true, "no operation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := run(t, func(tb testing.TB) { d.CheckResponse(tb, tc.method, tc.path, tc.status, []byte(tc.body)) })
			expect(t, f, tc.wantFail, tc.mention)
		})
	}
}

func TestCheckRoutes(t *testing.T) {
	d := LoadOpenAPI(t, []byte(doc), "/api/v1")
	good := []Route{
		{Method: "GET", Path: "/api/v1/organisations/{id}", Roles: []string{"system_admin"}},
		{Method: "GET", Path: "/api/v1/organisations/current"},
		{Method: "GET", Path: "/healthz", Public: true},
	}
	for _, tc := range []struct {
		name     string
		routes   []Route
		wantFail bool
		mention  string
	}{
		{"matching", good, false, ""},
		{"undocumented route", append(slicesClone(good), Route{Method: "GET", Path: "/api/v1/persons"}), true, "not in the OpenAPI document"},
		{"documented operation without a route", good[:2], true, "not a route"},
		{"other roles", []Route{{Method: "GET", Path: "/api/v1/organisations/{id}", Roles: []string{"org_admin"}}, good[1], good[2]}, true, "x-roles"},
		{"public in the table, bearer in the document", []Route{good[0], {Method: "GET", Path: "/api/v1/organisations/current", Public: true}, good[2]}, true, "public"},
		{"roles but no 403", []Route{good[0], {Method: "GET", Path: "/api/v1/organisations/current", Roles: []string{"chief"}}, good[2]}, true, "403"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, run(t, func(tb testing.TB) { d.CheckRoutes(tb, tc.routes) }), tc.wantFail, tc.mention)
		})
	}
}

func slicesClone(r []Route) []Route { return append([]Route(nil), r...) }

func TestLoadOpenAPIChecksPrefix(t *testing.T) {
	f := run(t, func(tb testing.TB) { LoadOpenAPI(tb, []byte(doc), "/mobile/v1") })
	expect(t, f, true, "/mobile/v1")
}

func TestTemplatePath(t *testing.T) {
	if got := TemplatePath("/accounts/:id/disable"); got != "/accounts/{id}/disable" {
		t.Errorf("TemplatePath = %q", got)
	}
}

type wireOrganisation struct {
	ID        string    `json:"id"`
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

func TestCheckStruct(t *testing.T) {
	type extraField struct {
		wireOrganisation
		Slug string `json:"slug"`
	}
	type missingField struct {
		ID   string `json:"id"`
		Code string `json:"code"`
		Name string `json:"name"`
	}
	type optionalTime struct {
		ID        string     `json:"id"`
		Code      string     `json:"code"`
		Name      string     `json:"name"`
		CreatedAt *time.Time `json:"created_at,omitempty"`
	}
	type wrongType struct {
		ID        string    `json:"id"`
		Code      int       `json:"code"`
		Name      string    `json:"name"`
		CreatedAt time.Time `json:"created_at"`
	}
	type list struct {
		Items []missingField `json:"items"`
	}
	type request struct {
		Code string `json:"code"`
		Name string `json:"name"`
	}
	type requestExtra struct {
		Code  string `json:"code"`
		Name  string `json:"name"`
		Notes string `json:"notes,omitempty"`
	}
	for _, tc := range []struct {
		name     string
		schema   string
		v        any
		dir      Direction
		wantFail bool
		mention  string
	}{
		{"matching", "organisation.schema.json", wireOrganisation{}, Response, false, ""},
		{"pointer", "organisation.schema.json", &wireOrganisation{}, Response, false, ""},
		{"extra field", "organisation.schema.json", extraField{}, Response, true, "slug"},
		{"missing field", "organisation.schema.json", missingField{}, Response, true, "created_at"},
		{"omitempty but required", "organisation.schema.json", optionalTime{}, Response, true, "omitempty"},
		{"wrong type", "organisation.schema.json", wrongType{}, Response, true, "code"},
		{"through items and $ref", "organisation-list.schema.json", list{}, Response, true, "created_at"},
		{"request", "create-organisation-request.schema.json", request{}, Request, false, ""},
		{"request with a field the schema lacks", "create-organisation-request.schema.json", requestExtra{}, Request, true, "notes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, run(t, func(tb testing.TB) { CheckStruct(tb, tc.schema, tc.v, tc.dir) }), tc.wantFail, tc.mention)
		})
	}
}
