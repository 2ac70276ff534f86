package mobilehttp

import (
	"encoding/json"
	"testing"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
)

// TestEvidenceWire checks the upload's answer against its schema, field by field and as rendered,
// and against the document for each route that gives it.
func TestEvidenceWire(t *testing.T) {
	schematest.CheckStruct(t, "evidence-upload-status.schema.json", uploadStatus{}, schematest.Response)
	doc := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
	st := evidence.Status{ID: "01930c2e-7a4b-7c1d-9e2f-000000000010", State: evidence.StateAnnounced, Offset: 65536, Size: 204800}
	b, err := json.Marshal(uploadStatus{ID: st.ID, State: st.State, Offset: st.Offset, Size: st.Size})
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"PUT", "GET", "PATCH"} {
		doc.CheckResponse(t, method, contract.Prefix+"/evidence/"+st.ID+"/upload", 200, b)
	}
}
