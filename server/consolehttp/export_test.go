package consolehttp

import (
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/export"
)

// exportRequestBodies are the bodies of the export routes, for TestOpenAPIRequestBodies.
var exportRequestBodies = map[string]struct {
	schema string
	sample any
}{
	"POST /exports": {"export-create-request.schema.json", exportCreateRequest{Kind: "evidence_zip", From: "2026-03-01", To: "2026-04-01"}},
}

// TestExportWire: the run's wire struct matches its schema; a done run says where to download it
// and what it hashes to; a failure is shown only when it is the export's own (naming the object at
// fault), never an outage's text.
func TestExportWire(t *testing.T) {
	at := time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)
	schematest.CheckStruct(t, "export-run.schema.json", exportRun{}, schematest.Response)
	schematest.CheckStruct(t, "export-run-list.schema.json", exportRunList{}, schematest.Response)
	done := toExportRun(export.Run{ID: "01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f", Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01",
		State: export.Done, ItemsDone: 3, ItemsTotal: 3, Bytes: 1234, SHA256: "ab", CreatedAt: at, FinishedAt: &at, ExpiresAt: &at})
	if done.Size == nil || *done.Size != 1234 || done.Download != Prefix+"/exports/01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f/download" || done.ExpiresAt == nil {
		t.Errorf("done: %+v", done)
	}
	outage := toExportRun(export.Run{State: export.Failed, FailureCode: errs.Code(errs.Unavailable), Failure: "dial tcp 10.0.0.5:5432: refused", ExpiresAt: &at})
	if outage.Failure != "" || outage.Size != nil || outage.ExpiresAt != nil || outage.Download != "" {
		t.Errorf("an outage's failure: %+v", outage)
	}
	mismatch := toExportRun(export.Run{State: export.Failed, FailureCode: errs.CodeExportHashMismatch, Failure: "evidence e1: object k"})
	if mismatch.Failure == "" {
		t.Errorf("the export's own failure is hidden: %+v", mismatch)
	}
	for _, c := range []struct {
		run  export.Run
		want string
	}{
		{export.Run{Kind: export.EvidenceZIP, From: "2026-03-01", To: "2026-04-01"}, "chung-cu_2026-03-01_2026-04-01.zip"},
		{export.Run{Kind: export.StatsPDF, Period: "2026-Q1"}, "thong-ke_2026-Q1.pdf"},
		{export.Run{Kind: export.StatsXLSX, Period: "2026"}, "thong-ke_2026.xlsx"},
	} {
		if got := exportFileName(c.run); got != c.want {
			t.Errorf("file name %q, want %q", got, c.want)
		}
	}
}
