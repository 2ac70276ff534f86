package schemas_test

import (
	"io/fs"
	"testing"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
)

// TestChecklistsMatchSchema validates every embedded checklist template against
// checklist-template.schema.json. (server/checklist parses them with the server's own rules too.)
func TestChecklistsMatchSchema(t *testing.T) {
	files, err := fs.Glob(schemas.Checklists, "checklists/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 3 {
		t.Fatalf("embedded checklists %v, want at least fuel-station, market and xray-facility", files)
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			b, err := fs.ReadFile(schemas.Checklists, f)
			if err != nil {
				t.Fatal(err)
			}
			schematest.Validate(t, "checklist-template.schema.json", b)
		})
	}
}
