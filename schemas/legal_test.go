package schemas_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
)

// legalFiles maps each legal data file to its schema and the key of its one array.
var legalFiles = []struct{ file, schema, key string }{
	{"legal/decrees.json", "legal-decrees.schema.json", "decrees"},
	{"legal/violations.json", "legal-violations.schema.json", "violations"},
	{"legal/authority-caps.json", "legal-authority-caps.schema.json", "authority_caps"},
	{"legal/deadline-rules.json", "legal-deadline-rules.schema.json", "deadline_rules"},
	{"legal/limitations.json", "legal-limitations.schema.json", "limitations"},
	{"legal/holidays.json", "legal-holidays.schema.json", "holidays"},
}

// TestLegalDataFiles validates every embedded legal data file against its schema, and the files
// together, as one catalogue, against legal-catalogue.schema.json. No other file may sit in legal/.
func TestLegalDataFiles(t *testing.T) {
	whole := map[string]json.RawMessage{}
	for _, f := range legalFiles {
		b, err := fs.ReadFile(schemas.Legal, f.file)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f.file, func(t *testing.T) { schematest.Validate(t, f.schema, b) })
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f.file, err)
		}
		whole[f.key] = doc[f.key]
	}
	b, err := json.Marshal(whole)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the whole catalogue", func(t *testing.T) { schematest.Validate(t, "legal-catalogue.schema.json", b) })
	names, err := fs.Glob(schemas.Legal, "legal/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != len(legalFiles) {
		t.Errorf("legal/ holds %v; each file needs a schema and a place in legalFiles", names)
	}
}

// TestLegalSchemasRefuse makes sure the schemas are not vacuous: each change below to a valid file
// must be refused.
func TestLegalSchemasRefuse(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(fsLoader{})
	cases := []struct {
		name, file, schema, from, to string
	}{
		{"an unknown field", "legal/violations.json", "legal-violations.schema.json", `"warning_allowed": false,`, `"warning_allowed": false, "severity": 3,`},
		{"an amount as text", "legal/violations.json", "legal-violations.schema.json", `"min": 1000000,`, `"min": "1000000",`},
		{"an unknown sector", "legal/violations.json", "legal-violations.schema.json", `"sector": "radiation"`, `"sector": "xray"`},
		{"a day that does not exist", "legal/holidays.json", "legal-holidays.schema.json", `"date": "2024-01-01"`, `"date": "2024-02-30"`},
		{"a missing source", "legal/authority-caps.json", "legal-authority-caps.schema.json", `"source": "procedure.yaml (hiểu biết chung)"`, `"source": ""`},
		{"an unknown unit", "legal/deadline-rules.json", "legal-deadline-rules.schema.json", `"unit": "hours"`, `"unit": "minutes"`},
		{"a decree without its number's year", "legal/decrees.json", "legal-decrees.schema.json", `"number": "20/2016/NĐ-CP"`, `"number": "20/NĐ-CP"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := fs.ReadFile(schemas.Legal, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(b, []byte(tc.from)) {
				t.Fatalf("%s no longer contains %s: update the case", tc.file, tc.from)
			}
			changed := bytes.Replace(b, []byte(tc.from), []byte(tc.to), 1)
			s, err := c.Compile(legalBase + tc.schema)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(changed))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(doc); err == nil {
				t.Fatalf("%s accepted %s", tc.schema, tc.to)
			}
		})
	}
}

const legalBase = "https://thanhtra.invalid/schemas/"

// fsLoader serves the schema files from schemas.FS to the compiler.
type fsLoader struct{}

func (fsLoader) Load(url string) (any, error) {
	name, ok := strings.CutPrefix(url, legalBase)
	if !ok || path.Base(name) != name {
		return nil, fmt.Errorf("not a schema file: %s", url)
	}
	b, err := fs.ReadFile(schemas.FS, name)
	if err != nil {
		return nil, err
	}
	return jsonschema.UnmarshalJSON(bytes.NewReader(b))
}
