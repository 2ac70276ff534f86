package app_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The record-document routes as TestEveryRouteWithEveryRole expects them; the record named by the
// path does not exist, so the roles allowed get 404.
func init() {
	readers := access{roles: []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleInspector}}
	for _, f := range []string{"pdf", "json"} {
		route := "/api/v1/records/:id/document." + f
		expectedRoutes["GET "+route] = readers
		routePaths[route] = "/api/v1/records/01930c2e-7a4b-7c1d-9e2f-0000000000ff/document." + f
	}
}

// TestRecordDocumentOverHTTP: a phone pushes a signed record with a refusal to sign; the server's job
// stores its document; the console downloads the PDF and the canonical JSON, checked against the
// contract, and the PDF is the shared renderer's rendering of that JSON.
func TestRecordDocumentOverHTTP(t *testing.T) {
	w := newSyncWorld(t)
	doc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	out := w.run(`phone an
pull an
push an c1 visit V1 base=0 at=08:30 {"campaign_id":"$C1","site_id":"$S1","date":"2026-03-02","checklist_code":"fuel-station","checklist_version":1,"status":"in_progress"}
push an c2 record R1 base=0 at=09:00 {"visit_id":"$V1","issuing_unit_id":"$TTr","year":2026,"number":$number1,"drawn_up_at":"2026-03-02T09:00:00+07:00","violations":[{"code":"FUEL-99-COND","description":"Không có hợp đồng đại lý với thương nhân phân phối"}],"persons":[{"role":"inspector","name":"Cán bộ an","title":"Thanh tra viên","signed":true,"refused":false},{"role":"representative","name":"Nguyễn Văn Bảo","signed":false,"refused":true,"refusal_reason":"Không đồng ý với kết luận"}],"place":"Cửa hàng xăng dầu số 1, phường Sông Hiến","status":"signed"}
send an`)
	if strings.Count(out, ": applied") != 2 {
		t.Fatalf("the pushes were not applied:\n%s", out)
	}
	recordID := w.ids["R1"]
	chief, inspector := w.chief, w.srv.Login(t, "sc-an")
	w.srv.CreateAccount(t, "van-thu", identity.RoleClerk)
	clerk := w.srv.Login(t, "van-thu")
	path := "/api/v1/records/" + recordID + "/document."
	get := func(token, format string, header ...string) (status int, body []byte, h http.Header) {
		t.Helper()
		r := w.srv.Do(t, http.MethodGet, path+format, token, nil, header...)
		if r.Status != http.StatusNotModified {
			doc.CheckResponse(t, http.MethodGet, path+format, r.Status, r.Body)
		}
		return r.Status, r.Body, r.Header
	}

	// The job runs in the background: wait for the document (the deadline only guards a hang).
	var status int
	var pdf []byte
	var h http.Header
	for deadline := time.Now().Add(30 * time.Second); ; {
		status, pdf, h = get(chief, "pdf")
		if status != http.StatusNotFound || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	sum := sha256.Sum256(pdf)
	if status != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) || h.Get("Content-Type") != "application/pdf" ||
		h.Get("ETag") != strconv.Quote(hex.EncodeToString(sum[:])) || h.Get("Content-Length") != strconv.Itoa(len(pdf)) {
		t.Fatalf("GET document.pdf: %d %s ETag %s, %d bytes", status, h.Get("Content-Type"), h.Get("ETag"), len(pdf))
	}
	status, canon, jh := get(inspector, "json")
	if status != http.StatusOK || jh.Get("X-Document-Version") != h.Get("X-Document-Version") {
		t.Fatalf("GET document.json: %d %s", status, canon)
	}
	rec, err := document.ParseRecord(canon)
	if err != nil {
		t.Fatal(err)
	}
	if rendered, err := document.RenderRecordPDF(rec); err != nil || !bytes.Equal(rendered, pdf) {
		t.Errorf("the stored PDF is not the renderer's rendering of the stored content (%v)", err)
	}
	if rec.RecordID != recordID || rec.Violator.Name != "Công ty Xăng dầu Cao Bằng" || rec.IssuingBody.Name != "Thanh tra Sở Khoa học và Công nghệ" ||
		len(rec.Signatures) != 2 || !rec.Signatures[1].Refused || rec.Signatures[1].RefusalReason != "Không đồng ý với kết luận" {
		t.Errorf("content %s", canon)
	}
	sumJSON, _ := rec.SHA256()
	if !bytes.Contains(pdf, []byte(sumJSON)) {
		t.Errorf("the PDF does not name its content's SHA-256 %s", sumJSON)
	}

	if status, _, _ := get(chief, "pdf", "If-None-Match", h.Get("ETag")); status != http.StatusNotModified {
		t.Errorf("If-None-Match with the ETag: %d, want 304", status)
	}
	if status, _, _ := get(chief, "pdf", "If-None-Match", `"other"`); status != http.StatusOK {
		t.Errorf("If-None-Match with another ETag: %d, want 200", status)
	}
	for _, c := range []struct {
		token, path string
		status      int
		code        string
	}{
		{clerk, path + "pdf", http.StatusForbidden, "role_required"},
		{chief, "/api/v1/records/01930c2e-7a4b-7c1d-9e2f-0000000000ff/document.pdf", http.StatusNotFound, "record_not_found"},
		{chief, path + "pdf?version=99", http.StatusNotFound, "record_document_not_found"},
		{chief, path + "json?version=x", http.StatusBadRequest, "validation_failed"},
	} {
		r := w.srv.Do(t, http.MethodGet, c.path, c.token, nil)
		doc.CheckResponse(t, http.MethodGet, c.path, r.Status, r.Body)
		if r.Status != c.status || r.ErrorCode() != c.code {
			t.Errorf("GET %s: %d %s, want %d %s", c.path, r.Status, r.ErrorCode(), c.status, c.code)
		}
	}
	rep, err := w.srv.App.VerifyAudit(t.Context())
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %+v %v", rep, err)
	}
}
