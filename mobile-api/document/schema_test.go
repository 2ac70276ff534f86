package document

import (
	"testing"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
)

// TestSchema: schemas/record-document.schema.json describes Record field for field, and every
// fixture's canonical encoding is valid against it.
func TestSchema(t *testing.T) {
	schematest.CheckStruct(t, "record-document.schema.json", Record{}, schematest.Response)
	for _, name := range fixtures {
		b, err := parseFixture(t, name).CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		schematest.Validate(t, "record-document.schema.json", b)
	}
}
