package checklist_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/skhcn-caobang/thanhtra/schemas"
)

// The JSON Schema is the template format's documentation and what other tools check a template
// with; Parse is what the server checks with, so that the server binary carries no JSON Schema
// library (schemas_test.go keeps it out). These tests keep the two in step: both accept the good
// templates, and both refuse each bad one that a schema can describe.

func compileTemplateSchema(t testing.TB) *jsonschema.Schema {
	t.Helper()
	b, err := fs.ReadFile(schemas.FS, "checklist-template.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource("checklist-template.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("checklist-template.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func schemaAccepts(s *jsonschema.Schema, doc []byte) error {
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

func TestSchemaAgreesWithParse(t *testing.T) {
	s := compileTemplateSchema(t)
	good := map[string][]byte{}
	if b, err := os.ReadFile("testdata/visit-template.json"); err == nil {
		good["testdata/visit-template.json"] = b
	} else {
		t.Fatal(err)
	}
	files, _ := fs.Glob(schemas.Checklists, "checklists/*.json")
	for _, f := range files {
		b, _ := fs.ReadFile(schemas.Checklists, f)
		good[f] = b
	}
	for name, doc := range good {
		if err := schemaAccepts(s, doc); err != nil {
			t.Errorf("the schema refuses %s: %v", name, err)
		}
	}
	for _, tt := range badTemplates {
		t.Run(tt.name, func(t *testing.T) {
			err := schemaAccepts(s, tt.doc(t))
			var ve *jsonschema.ValidationError
			switch {
			case tt.schema && err == nil:
				t.Error("the schema accepts it, Parse refuses it")
			case !tt.schema && err != nil && errors.As(err, &ve):
				t.Errorf("the schema refuses it too: mark the case schema: true\n%v", err)
			}
		})
	}
}
