package app_test

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
)

// checkDecisionDocument waits for the issued decision's document (the job runs in the background),
// then checks it: the PDF is the rendering of the stored canonical JSON byte for byte, the content is
// the decision (number, total, signer, payment place, remedial measure), the amount is printed in
// figures and in Vietnamese words (pdftotext, when poppler is installed), and the ETag answers 304.
// Its layout is compared against golden page images in mobile-api/document (TestDecisionGoldenImages).
func checkDecisionDocument(t *testing.T, boss, clerk consoleClient, path string, total int64, violator string) {
	t.Helper()
	var pdf decisionDownload
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		r := boss.srv.Do(t, http.MethodGet, path+"/decision.pdf", boss.token, nil)
		if r.Status == http.StatusOK {
			pdf = decisionDownload{r.Body, r.Header.Get("ETag")}
			break
		}
		if r.Status != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("decision.pdf: %d %s", r.Status, r.Body)
		}
	}
	js := clerk.want(http.StatusOK, http.MethodGet, path+"/decision.json", nil, nil)
	d, err := document.ParseDecision(js.Body)
	if err != nil {
		t.Fatal(err)
	}
	if d.Number != 1 || d.Year != 2026 || d.Total != total || d.Signer.Name == "" || d.PaymentPlace != "Kho bạc Nhà nước Cao Bằng" ||
		len(d.RemedialMeasures) != 1 || d.Violator.Name != violator {
		t.Fatalf("the decision's content: %+v", d)
	}
	want, err := document.RenderDecisionPDF(d)
	if err != nil || !bytes.Equal(want, pdf.body) {
		t.Fatalf("the stored PDF is not the rendering of the stored content (%v)", err)
	}
	if r := boss.srv.Do(t, http.MethodGet, path+"/decision.pdf", boss.token, nil, "If-None-Match", pdf.etag); r.Status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r.Status)
	}
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("TEST_REQUIRE_PDFTOPPM") == "1" {
			t.Fatal("pdftotext is required (TEST_REQUIRE_PDFTOPPM=1)")
		}
		return
	}
	in := filepath.Join(t.TempDir(), "d.pdf")
	os.WriteFile(in, pdf.body, 0o644)
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, s := range []string{"QUYẾT ĐỊNH", "Số: 01/QĐ-XPHC", document.VNDFigures(total) + " (Bằng chữ: " + document.VNDWords(total) + ")",
		violator, "Kho bạc Nhà nước Cao Bằng"} {
		if !strings.Contains(text, s) {
			t.Errorf("the decision's text lacks %q", s)
		}
	}
}

type decisionDownload struct {
	body []byte
	etag string
}
