package consolehttp

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
)

// TestEvidenceWire checks the chief's view of a visit's evidence against its schema, field by field
// and as rendered from the domain by toVisitEvidenceWire, and against the document.
func TestEvidenceWire(t *testing.T) {
	schematest.CheckStruct(t, "evidence-visit.schema.json", visitEvidenceWire{}, schematest.Response)
	lat, lon, acc, d := 22.6660, 106.2525, 6.0, 41.3
	w, h := 4000, 3000
	at := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	v := evidence.VisitEvidence{VisitID: "01930c2e-7a4b-7c1d-9e2f-000000000001",
		Items: []evidence.Item{
			{Ref: evidence.Ref{ID: "01930c2e-7a4b-7c1d-9e2f-000000000002", RecordID: "01930c2e-7a4b-7c1d-9e2f-000000000009",
				SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Size: 204800, ContentType: "image/jpeg",
				Purpose: "photo", CapturedAt: at, GPSLat: &lat, GPSLon: &lon, GPSAccuracy: &acc, DeviceID: "phone-1", State: "stored",
				StoredAt: &at, DistanceM: &d},
				Object: &evidence.Object{ContentType: "image/jpeg", Size: 204800, Meta: evidence.Meta{TakenAt: &at, Lat: &lat, Lon: &lon, Width: &w, Height: &h}}},
			{Ref: evidence.Ref{ID: "01930c2e-7a4b-7c1d-9e2f-000000000003", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a09",
				Size: 3000, ContentType: "image/png", Purpose: "signature", CapturedAt: at, DeviceID: "phone-1", State: "announced"}},
		},
		Records: []evidence.RecordEvidence{{ID: "01930c2e-7a4b-7c1d-9e2f-000000000009", Number: 12, Year: 2026, Status: "signed",
			EvidenceIDs: []string{"01930c2e-7a4b-7c1d-9e2f-000000000002", "01930c2e-7a4b-7c1d-9e2f-000000000003"},
			Missing:     []string{"01930c2e-7a4b-7c1d-9e2f-000000000003"}}},
		Missing: []string{"01930c2e-7a4b-7c1d-9e2f-000000000003"}}
	b, err := json.Marshal(toVisitEvidenceWire(v))
	if err != nil {
		t.Fatal(err)
	}
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	doc.CheckResponse(t, "GET", Prefix+"/visits/"+v.VisitID+"/evidence", 200, b)
	var got visitEvidenceWire
	json.Unmarshal(b, &got)
	if got.Complete || got.Records[0].Complete || len(got.Records[0].MissingIDs) != 1 {
		t.Errorf("a record missing a signature shows as complete: %s", b)
	}
	empty, _ := json.Marshal(toVisitEvidenceWire(evidence.VisitEvidence{VisitID: v.VisitID}))
	doc.CheckResponse(t, "GET", Prefix+"/visits/"+v.VisitID+"/evidence", 200, empty)
}
