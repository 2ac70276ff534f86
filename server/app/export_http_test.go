package app_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

type exportRunWire struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	SHA256   string `json:"sha256"`
	Size     int64  `json:"size"`
	Download string `json:"download"`
	Failure  string `json:"failure"`
	Progress struct {
		ItemsDone  int64 `json:"items_done"`
		ItemsTotal int64 `json:"items_total"`
	} `json:"progress"`
}

// TestExportsOverHTTP: the chief asks for exports — the evidence of a period and the statistics of a
// month as CSV, XLSX and the PDF report — and gets 202 at once; the runs are made in the background;
// the director downloads them whole and by range, with their SHA-256 as the ETag; an inspector may
// not; each answer is checked against the contract.
func TestExportsOverHTTP(t *testing.T) {
	srv := apptest.Start(t, apptest.Config(t), clock.Real{})
	doc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	srv.CreateAccount(t, "chanh-thanh-tra", identity.RoleChief)
	srv.CreateAccount(t, "giam-doc", identity.RoleDirector)
	srv.CreateAccount(t, "thanh-tra-vien", identity.RoleInspector)
	chief, director, inspector := srv.Login(t, "chanh-thanh-tra"), srv.Login(t, "giam-doc"), srv.Login(t, "thanh-tra-vien")
	do := func(method, path, token string, body any, header ...string) apptest.Response {
		t.Helper()
		r := srv.Do(t, method, path, token, body, header...)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			doc.CheckResponse(t, method, path, r.Status, r.Body)
		}
		return r
	}
	create := func(body map[string]any) exportRunWire {
		t.Helper()
		r := do(http.MethodPost, "/api/v1/exports", chief, body)
		var run exportRunWire
		if r.Status != http.StatusAccepted || json.Unmarshal(r.Body, &run) != nil || run.ID == "" || r.Header.Get("Location") != "/api/v1/exports/"+run.ID {
			t.Fatalf("POST %v: %d %s", body, r.Status, r.Body)
		}
		return run
	}
	wait := func(id string) exportRunWire {
		t.Helper()
		var run exportRunWire
		// The job runs in the background: wait for it (the deadline only guards a hang).
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			r := do(http.MethodGet, "/api/v1/exports/"+id, director, nil)
			if err := json.Unmarshal(r.Body, &run); err != nil || r.Status != http.StatusOK {
				t.Fatalf("GET run: %d %s", r.Status, r.Body)
			}
			if run.State == "done" || run.State == "failed" || time.Now().After(deadline) {
				break
			}
		}
		if run.State != "done" {
			t.Fatalf("run %s: %+v", id, run)
		}
		return run
	}
	download := func(run exportRunWire, wantType string) []byte {
		t.Helper()
		r := do(http.MethodGet, run.Download, director, nil)
		sum := sha256.Sum256(r.Body)
		if r.Status != http.StatusOK || hex.EncodeToString(sum[:]) != run.SHA256 || int64(len(r.Body)) != run.Size ||
			r.Header.Get("ETag") != strconv.Quote(run.SHA256) || !strings.HasPrefix(r.Header.Get("Content-Type"), wantType) ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment; filename=") {
			t.Fatalf("download %s: %d %v, %d bytes", run.Download, r.Status, r.Header, len(r.Body))
		}
		return r.Body
	}

	zipRun := create(map[string]any{"kind": "evidence_zip", "from": "2026-03-01", "to": "2026-04-01"})
	if zipRun.State != "queued" {
		t.Errorf("a new run is %s", zipRun.State)
	}
	pdfRun := create(map[string]any{"kind": "stats_pdf", "period": "2026-03"})
	csvRun := create(map[string]any{"kind": "stats_csv", "period": "2026-Q1"})
	xlsxRun := create(map[string]any{"kind": "stats_xlsx", "period": "2026"})

	zipDone := wait(zipRun.ID)
	b := download(zipDone, "application/zip")
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != "manifest.csv" {
		t.Fatalf("the ZIP of a period without evidence: %v", err)
	}
	part := do(http.MethodGet, zipDone.Download, director, nil, "Range", "bytes=10-19")
	if part.Status != http.StatusPartialContent || !bytes.Equal(part.Body, b[10:20]) {
		t.Errorf("a range: %d %q", part.Status, part.Body)
	}
	if pdf := download(wait(pdfRun.ID), "application/pdf"); !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the report is no PDF")
	}
	if csv := download(wait(csvRun.ID), "text/csv"); len(csv) == 0 {
		t.Errorf("an empty CSV")
	}
	if xlsx := download(wait(xlsxRun.ID), "application/vnd.openxmlformats"); !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Errorf("the XLSX is no ZIP")
	}

	list := do(http.MethodGet, "/api/v1/exports?limit=2", director, nil)
	var page struct {
		Items []exportRunWire `json:"items"`
		Total int             `json:"total"`
	}
	if err := json.Unmarshal(list.Body, &page); err != nil || list.Status != http.StatusOK || page.Total != 4 || len(page.Items) != 2 {
		t.Errorf("list: %d %s", list.Status, list.Body)
	}
	for _, c := range []struct {
		method, path, token string
		body                any
		status              int
		code                string
	}{
		{http.MethodGet, "/api/v1/exports/" + zipRun.ID, inspector, nil, http.StatusForbidden, "role_required"},
		{http.MethodGet, "/api/v1/exports/01930c2e-7a4b-7c1d-9e2f-0000000000fd", chief, nil, http.StatusNotFound, "export_not_found"},
		{http.MethodPost, "/api/v1/exports", chief, map[string]any{"kind": "evidence_zip", "from": "2026-04-01", "to": "2026-03-01"}, http.StatusBadRequest, "validation_failed"},
		{http.MethodPost, "/api/v1/exports", chief, map[string]any{"kind": "stats_pdf", "period": "2026-13"}, http.StatusBadRequest, "validation_failed"},
		{http.MethodPost, "/api/v1/exports", chief, map[string]any{"kind": "evidence_zip", "from": "2026-03-01", "to": "2026-04-01", "extra": 1}, http.StatusBadRequest, "validation_failed"},
	} {
		r := do(c.method, c.path, c.token, c.body)
		if r.Status != c.status || r.ErrorCode() != c.code {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, r.Status, r.ErrorCode(), c.status, c.code)
		}
	}
	rep, err := srv.App.VerifyAudit(t.Context())
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %+v %v", rep, err)
	}
}
