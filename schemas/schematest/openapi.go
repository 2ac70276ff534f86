package schematest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Doc is an OpenAPI 3.1 document loaded for checking answers and route tables against it.
type Doc struct {
	ops       []*operation
	responses map[string]response // components/responses
}

// The parts of OpenAPI the checks read; everything else is ignored.
type (
	document struct {
		OpenAPI    string                 `yaml:"openapi"`
		Servers    []server               `yaml:"servers"`
		Security   *[]map[string][]string `yaml:"security"`
		Paths      map[string]pathItem    `yaml:"paths"`
		Components struct {
			Responses map[string]response `yaml:"responses"`
		} `yaml:"components"`
	}
	server struct {
		URL string `yaml:"url"`
	}
	pathItem struct {
		Servers []server  `yaml:"servers"`
		Get     *opObject `yaml:"get"`
		Put     *opObject `yaml:"put"`
		Post    *opObject `yaml:"post"`
		Delete  *opObject `yaml:"delete"`
		Patch   *opObject `yaml:"patch"`
		Head    *opObject `yaml:"head"`
		Options *opObject `yaml:"options"`
	}
	opObject struct {
		Summary     string                 `yaml:"summary"`
		Security    *[]map[string][]string `yaml:"security"`
		XRoles      []string               `yaml:"x-roles"`
		RequestBody *struct {
			Required bool                 `yaml:"required"`
			Content  map[string]mediaType `yaml:"content"`
		} `yaml:"requestBody"`
		Responses map[string]response `yaml:"responses"`
	}
	response struct {
		Ref     string               `yaml:"$ref"`
		Headers map[string]yaml.Node `yaml:"headers"`
		Content map[string]mediaType `yaml:"content"`
	}
	mediaType struct {
		Schema struct {
			Ref string `yaml:"$ref"`
		} `yaml:"schema"`
	}
)

// operation is one method on one path, with the path as the client sees it (server URL included).
type operation struct {
	method    string
	path      string   // e.g. /api/v1/accounts/{id}/disable
	segments  []string // path split at "/"
	summary   string
	security  *[]map[string][]string
	roles     []string
	hasBody   bool
	request   string // the schema file of the JSON request body
	optional  bool   // the request body may be left out
	upload    bool   // the request body is a file in non-JSON media types only (text/csv, XLSX …)
	responses map[string]response
}

func (o *operation) key() string { return o.method + " " + o.path }

// LoadOpenAPI parses an OpenAPI 3.1 document whose first server URL is prefix (such as "/api/v1").
// Paths are taken relative to that URL, or to the URL of their own path-level servers entry.
func LoadOpenAPI(t testing.TB, yamlBytes []byte, prefix string) *Doc {
	t.Helper()
	var doc document
	if err := yaml.Unmarshal(yamlBytes, &doc); err != nil {
		t.Fatalf("the OpenAPI document does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("the OpenAPI document says openapi: %q, want 3.1.x", doc.OpenAPI)
	}
	if len(doc.Servers) == 0 || doc.Servers[0].URL != prefix {
		t.Fatalf("the OpenAPI document's first server URL is not %q: %+v", prefix, doc.Servers)
	}
	d := &Doc{responses: doc.Components.Responses}
	for p, item := range doc.Paths {
		full := joinPath(prefix, p)
		if len(item.Servers) > 0 {
			full = joinPath(item.Servers[0].URL, p)
		}
		for _, m := range []struct {
			method string
			op     *opObject
		}{{http.MethodGet, item.Get}, {http.MethodPut, item.Put}, {http.MethodPost, item.Post}, {http.MethodDelete, item.Delete},
			{http.MethodPatch, item.Patch}, {http.MethodHead, item.Head}, {http.MethodOptions, item.Options}} {
			if m.op == nil {
				continue
			}
			sec := m.op.Security
			if sec == nil {
				sec = doc.Security
			}
			o := &operation{method: m.method, path: full, segments: strings.Split(full, "/"),
				summary: m.op.Summary, security: sec, roles: m.op.XRoles, responses: m.op.Responses}
			if rb := m.op.RequestBody; rb != nil {
				o.hasBody, o.optional = true, !rb.Required
				if ref := rb.Content["application/json"].Schema.Ref; ref != "" {
					o.request = fileOf(ref)
				}
				o.upload = len(rb.Content) > 0 && !slices.ContainsFunc(slices.Collect(maps.Keys(rb.Content)), isJSON)
			}
			d.ops = append(d.ops, o)
		}
	}
	sort.Slice(d.ops, func(i, j int) bool { return d.ops[i].key() < d.ops[j].key() })
	return d
}

// isJSON reports whether a media type is JSON (application/json, or a +json type).
func isJSON(mediaType string) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json")
}

func joinPath(serverURL, p string) string {
	return strings.TrimSuffix(serverURL, "/") + p
}

// Operations lists every documented operation as "METHOD /full/path/{template}", sorted.
func (d *Doc) Operations() []string {
	out := make([]string, len(d.ops))
	for i, o := range d.ops {
		out[i] = o.key()
	}
	return out
}

// find returns the operation whose path template matches the concrete path. A literal segment beats a
// parameter, so /accounts/me would win over /accounts/{id}.
func (d *Doc) find(method, fullPath string) *operation {
	fullPath, _, _ = strings.Cut(fullPath, "?")
	segs := strings.Split(fullPath, "/")
	var best *operation
	bestLiterals := -1
	for _, o := range d.ops {
		if o.method != method || len(o.segments) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, s := range o.segments {
			switch {
			case s == segs[i]:
				literals++
			case strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") && segs[i] != "":
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && literals > bestLiterals {
			best, bestLiterals = o, literals
		}
	}
	return best
}

// response returns the documented answer of op for status, falling back to "default", with a
// reference to components/responses followed.
func (d *Doc) response(o *operation, status int) (response, bool) {
	r, ok := o.responses[strconv.Itoa(status)]
	if !ok {
		r, ok = o.responses["default"]
	}
	if !ok {
		return response{}, false
	}
	return d.resolve(r)
}

// resolve follows a reference to components/responses.
func (d *Doc) resolve(r response) (response, bool) {
	if r.Ref == "" {
		return r, true
	}
	name, ok := strings.CutPrefix(r.Ref, "#/components/responses/")
	if !ok {
		return response{}, false
	}
	r, ok = d.responses[name]
	return r, ok && r.Ref == ""
}

// RequestSchema returns the schema file (such as "reason-request.schema.json") that the operation
// matching method and fullPath documents for its JSON request body, or "" when it documents none. It
// fails the test when no operation matches.
func (d *Doc) RequestSchema(t testing.TB, method, fullPath string) string {
	t.Helper()
	o := d.find(method, fullPath)
	if o == nil {
		t.Errorf("%s %s: no operation in the OpenAPI document matches", method, fullPath)
		return ""
	}
	return o.request
}

// CheckResponse fails the test unless the document describes the answer: an operation for method and
// the concrete fullPath (query ignored), a response for status (or default), and a body that matches
// the schema file its application/json content references. A response documented without content
// must have no body; JSON content with an inline schema is only checked to be JSON, and other media
// types (YAML, Prometheus text) are not checked.
func (d *Doc) CheckResponse(t testing.TB, method, fullPath string, status int, body []byte) {
	t.Helper()
	o := d.find(method, fullPath)
	if o == nil {
		t.Errorf("%s %s: no operation in the OpenAPI document matches", method, fullPath)
		return
	}
	r, ok := d.response(o, status)
	if !ok {
		t.Errorf("%s %s: status %d is not documented for %s (documented: %s)", method, fullPath, status, o.key(), strings.Join(o.statuses(), ", "))
		return
	}
	if len(r.Content) == 0 {
		if len(body) > 0 {
			t.Errorf("%s %s: status %d is documented without a body, got %s", method, fullPath, status, shorten(body))
		}
		return
	}
	mt, ok := r.Content["application/json"]
	if !ok {
		return
	}
	if mt.Schema.Ref == "" {
		// An inline schema (a served file of any shape): only that it is JSON is checked.
		if !json.Valid(body) {
			t.Errorf("%s %s → %d: the body is not JSON: %s", method, fullPath, status, shorten(body))
		}
		return
	}
	if err := validate(fileOf(mt.Schema.Ref), body); err != nil {
		t.Errorf("%s %s → %d: %v\nbody: %s", method, fullPath, status, err, shorten(body))
	}
}

func (o *operation) statuses() []string {
	out := make([]string, 0, len(o.responses))
	for s := range o.responses {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// Route is what the route-table check needs to know about one route.
type Route struct {
	Method string
	Path   string   // full path in OpenAPI form: /api/v1/accounts/{id}/disable
	Public bool     // no token needed
	Roles  []string // the roles allowed; empty with !Public means any authenticated account
}

// TemplatePath turns an echo path (/accounts/:id/disable) into an OpenAPI one (/accounts/{id}/disable).
func TemplatePath(echoPath string) string {
	segs := strings.Split(echoPath, "/")
	for i, s := range segs {
		if p, ok := strings.CutPrefix(s, ":"); ok {
			segs[i] = "{" + p + "}"
		}
	}
	return strings.Join(segs, "/")
}

// CheckRoutes fails the test unless the document and the route table describe the same API: every
// route is documented with its method and path and every operation is a route; each operation's
// security and x-roles say what the route's access says (x-roles is [public], [authenticated] or the
// allowed roles); and each operation documents the statuses its kind of route can give: 401 unless
// public, 403 when roles are restricted, 404 with a path parameter, 400 and 413 with a request body,
// and every error answer with schemas/error.schema.json. A request body is JSON described by a schema
// file, or an upload: a file in non-JSON media types only (text/csv, XLSX), taken as the raw body.
func (d *Doc) CheckRoutes(t testing.TB, routes []Route) {
	t.Helper()
	byKey := map[string]*operation{}
	for _, o := range d.ops {
		byKey[o.key()] = o
	}
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		o, ok := byKey[key]
		if !ok {
			t.Errorf("route %s is not in the OpenAPI document", key)
			continue
		}
		d.checkOperation(t, o, r)
	}
	for _, o := range d.ops {
		if !seen[o.key()] {
			t.Errorf("the OpenAPI document describes %s, which is not a route", o.key())
		}
	}
}

func (d *Doc) checkOperation(t testing.TB, o *operation, r Route) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("%s: %s", o.key(), fmt.Sprintf(format, args...))
	}
	if strings.TrimSpace(o.summary) == "" {
		fail("no summary")
	}
	wantRoles := slices.Sorted(slices.Values(r.Roles))
	switch {
	case r.Public:
		wantRoles = []string{"public"}
	case len(r.Roles) == 0:
		wantRoles = []string{"authenticated"}
	}
	if got := slices.Sorted(slices.Values(o.roles)); !slices.Equal(got, wantRoles) {
		fail("x-roles is %v, the route table allows %v", o.roles, wantRoles)
	}
	switch {
	case o.security == nil:
		fail("no security requirement (write security: [] for a public route)")
	case r.Public && len(*o.security) != 0:
		fail("the route is public but the document asks for %v", *o.security)
	case !r.Public && len(*o.security) == 0:
		fail("the route needs a bearer token but the document says security: []")
	}
	need := func(status int, why string) {
		t.Helper()
		if _, ok := d.response(o, status); !ok {
			fail("status %d is not documented (%s)", status, why)
		}
	}
	if !r.Public {
		need(http.StatusUnauthorized, "the route needs a token")
	}
	if len(r.Roles) > 0 {
		need(http.StatusForbidden, "the route allows only some roles")
	}
	if strings.Contains(o.path, "{") {
		need(http.StatusNotFound, "the path names something that may not exist")
	}
	if o.hasBody {
		need(http.StatusBadRequest, "the route takes a body")
		need(http.StatusRequestEntityTooLarge, "the route takes a body")
	}
	if o.hasBody && (o.method == http.MethodGet || o.method == http.MethodHead) {
		fail("a %s with a request body", o.method)
	}
	if o.hasBody && o.request == "" && !o.upload {
		fail("the request body has no application/json content referencing a schema file")
	}
	if o.hasBody && o.optional {
		// The handlers bind strictly: an empty body is malformed_json.
		fail("the request body is not marked required")
	}
	for _, status := range o.statuses() {
		rsp, ok := d.resolve(o.responses[status])
		if !ok {
			fail("the %s answer refers to %q, which components/responses does not have", status, o.responses[status].Ref)
			continue
		}
		n, err := strconv.Atoi(status)
		if err != nil || n < 400 {
			continue
		}
		ref := rsp.Content["application/json"].Schema.Ref
		switch {
		case n < 500 && fileOf(ref) != "error.schema.json":
			// Every refusal has the one error shape; only 5xx answers such as /readyz's 503 may differ.
			fail("the %d answer is not an error.schema.json body (schema %q)", n, ref)
		case ref == "":
			fail("the %d answer references no schema file", n)
		}
		if _, ok := rsp.Headers["Retry-After"]; n == http.StatusTooManyRequests && !ok {
			fail("the 429 answer does not document the Retry-After header")
		}
	}
}
