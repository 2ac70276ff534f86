package schematest

import "testing"

const uploadDoc = `openapi: 3.1.0
servers: [{url: /api/v1}]
security: [{bearerAuth: []}]
paths:
  /import:
    post:
      summary: Import a file
      x-roles: [authenticated]
      requestBody:
        required: true
        content:
          text/csv: {schema: {type: string}}
          application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: {}
      responses:
        '200': {description: done}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '413': {$ref: '#/components/responses/Error'}
  /mixed:
    post:
      summary: JSON without a schema file beside a file
      x-roles: [authenticated]
      requestBody:
        required: true
        content:
          text/csv: {schema: {type: string}}
          application/json: {schema: {type: object}}
      responses:
        '200': {description: done}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '413': {$ref: '#/components/responses/Error'}
  /bare:
    post:
      summary: An upload that forgets 413
      x-roles: [authenticated]
      requestBody:
        required: true
        content:
          text/csv: {schema: {type: string}}
      responses:
        '200': {description: done}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
components:
  responses:
    Error:
      content:
        application/json:
          schema: {$ref: '../../schemas/error.schema.json'}
`

// TestCheckRoutesUploads: a body in non-JSON media types only is an upload and needs no schema
// file, but still the 400 and 413 of a body; a JSON body always needs its schema file.
func TestCheckRoutesUploads(t *testing.T) {
	d := LoadOpenAPI(t, []byte(uploadDoc), "/api/v1")
	route := func(p string) Route { return Route{Method: "POST", Path: "/api/v1" + p} }
	failures := run(t, func(tb testing.TB) { d.CheckRoutes(tb, []Route{route("/import"), route("/mixed"), route("/bare")}) })
	for _, tc := range []struct {
		op       string
		wantFail bool
		mention  string
	}{
		{"POST /api/v1/import", false, ""},
		{"POST /api/v1/mixed", true, "application/json content referencing a schema file"},
		{"POST /api/v1/bare", true, "413"},
	} {
		var mine []string
		for _, f := range failures {
			if len(f) > len(tc.op) && f[:len(tc.op)+1] == tc.op+":" {
				mine = append(mine, f)
			}
		}
		expect(t, mine, tc.wantFail, tc.mention)
	}
	if got := d.RequestSchema(t, "POST", "/api/v1/import"); got != "" {
		t.Errorf("an upload has no request schema file, got %q", got)
	}
}
