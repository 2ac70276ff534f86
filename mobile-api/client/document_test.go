package client_test

// A violation record's document built on the phone (DECISIONS D10): the phone's content and PDF are
// the server's, byte for byte.

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/client"
	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
)

// TestRecordDocumentSameOnPhoneAndServer: a phone pulls, makes a visit with photos and a violation
// record citing two catalogue codes of two amended decrees, with two signature images and a refusal
// to sign, freezes its document when it queues the record signed, and pushes it with its hash. The
// server's job builds its own copy from what it stores: the canonical content hashes to the phone's
// document_sha256, and the stored PDF is the phone's rendering byte for byte.
func TestRecordDocumentSameOnPhoneAndServer(t *testing.T) {
	w := newWorld(t)
	c, err := client.Open(&client.Config{StorePath: w.store, ServerURL: w.srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, visitID := fieldVisit(t, c)
	rng := rand.New(rand.NewPCG(7, 8))
	capture := func(recordID, purpose string, b []byte, at time.Time) string {
		t.Helper()
		id, err := c.CaptureEvidence(&client.NewEvidence{VisitID: visitID, RecordID: recordID, Purpose: purpose, Bytes: b,
			CapturedAtMilli: at.UnixMilli()})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	photo1 := capture("", client.PurposePhoto, noiseJPEG(t, rng, 120, 90), day.Add(5*time.Minute+123*time.Millisecond))
	photo2 := capture("", client.PurposePhoto, noiseJPEG(t, rng, 90, 120), day.Add(7*time.Minute))

	unit, year := numberSeries(c)
	// record is the record's JSON: a draft without signatures, or signed with the two images.
	record := func(status, sig1, sig2 string) string {
		inspector := map[string]any{"role": "inspector", "name": "Cán bộ an", "title": "Thanh tra viên", "signed": sig1 != ""}
		witness := map[string]any{"role": "witness", "name": "Bế Văn Tú", "signed": sig2 != "", "address": "Phường Sông Hiến"}
		evidence := []string{photo1, photo2}
		if sig1 != "" {
			inspector["evidence_id"], witness["evidence_id"] = sig1, sig2
			evidence = append(evidence, sig1) // a signature cited as evidence is printed with its signer only
		}
		b, err := json.Marshal(map[string]any{"drawn_up_at": "2026-03-02T09:20:00+07:00",
			"violations": []any{
				map[string]any{"code": "MEAS-119-SEAL", "description": "Kẹp chì bị phá trên 2 cột đo", "quantity": 2},
				map[string]any{"code": "FUEL-99-COND", "description": ""}},
			"persons": []any{inspector,
				map[string]any{"role": "representative", "name": "Hoàng Thị Lan", "title": "Cửa hàng trưởng", "signed": false, "refused": true,
					"refusal_reason": "Không đồng ý với kết quả kiểm tra"},
				witness},
			"evidence_ids": evidence,
			"statements":   []any{map[string]any{"role": "representative", "name": "Hoàng Thị Lan", "text": "Tôi không đồng ý."}},
			"violator":     map[string]any{"representative_gender": "Nữ"},
			"completed_at": "2026-03-02T10:05:00+07:00", "copies": 2, "status": status})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	rec, err := c.CreateRecord(visitID, unit, year, record("draft", "", ""), false)
	if err != nil {
		t.Fatal(err)
	}
	// Before signing: a preview, built afresh, nothing missing from the local copy.
	preview, err := c.RecordDocument(rec.ID)
	if err != nil || preview.Frozen || preview.Missing != "[]" {
		t.Fatalf("preview %+v %v", preview, err)
	}
	sig1 := capture(rec.ID, client.PurposeSignature, noiseJPEG(t, rng, 60, 30), day.Add(19*time.Minute))
	sig2 := capture(rec.ID, client.PurposeSignature, noiseJPEG(t, rng, 60, 30), day.Add(19*time.Minute+30*time.Second))
	if err := c.UpdateRecord(rec.ID, record("signed", sig1, sig2), true); err != nil {
		t.Fatal(err)
	}
	phone, err := c.RecordDocument(rec.ID)
	if err != nil || !phone.Frozen || phone.Missing != "[]" || phone.SHA256 == preview.SHA256 {
		t.Fatalf("signed document %+v %v (preview %s)", phone, err, preview.SHA256)
	}
	if document.SHA256Hex([]byte(phone.Content)) != phone.SHA256 {
		t.Fatalf("the document's hash %s is not its content's", phone.SHA256)
	}
	// The content cites what the local copy gave: the issuing body, the decrees with their
	// amendments in force on the day, the signatures' images.
	doc, err := document.ParseRecord([]byte(phone.Content))
	if err != nil {
		t.Fatal(err)
	}
	if doc.IssuingBody != (document.IssuingBody{Parent: "Sở Khoa học và Công nghệ tỉnh Cao Bằng", Name: "Thanh tra Sở Khoa học và Công nghệ"}) ||
		doc.Violations[0].Decree != "119/2017/NĐ-CP" || strings.Join(doc.Violations[0].AmendedBy, ",") != "126/2021/NĐ-CP" ||
		doc.Violations[1].Decree != "99/2020/NĐ-CP" || strings.Join(doc.Violations[1].AmendedBy, ",") != "17/2022/NĐ-CP" ||
		doc.Violations[0].CatalogueText == "" || doc.Violations[0].Quantity != "2" || len(doc.LegalBases) != 3 || doc.Matter == "" ||
		len(doc.Evidence) != 2 || doc.Signatures[0].ImageSHA256 == "" || doc.Signatures[2].ImageSHA256 == "" ||
		doc.Violator.Representative != "Hoàng Thị Lan" || !strings.HasSuffix(doc.Place, ", phường Sông Hiến") {
		t.Errorf("the phone's content %s", phone.Content)
	}
	pdfPath := filepath.Join(t.TempDir(), "record.pdf")
	if err := c.WriteRecordPDF(rec.ID, pdfPath); err != nil {
		t.Fatal(err)
	}
	phonePDF, err := os.ReadFile(pdfPath)
	if err != nil || !bytes.HasPrefix(phonePDF, []byte("%PDF-")) || !bytes.Contains(phonePDF, []byte(phone.SHA256)) {
		t.Fatalf("the phone's PDF (%d bytes, %v) does not name its content's hash", len(phonePDF), err)
	}
	// The record goes up with the hash.
	out, err := c.Outbox("")
	if err != nil {
		t.Fatal(err)
	}
	var items []struct {
		EntityType string          `json:"entity_type"`
		EntityID   string          `json:"entity_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal([]byte(out), &items); err != nil {
		t.Fatal(err)
	}
	pushed := ""
	for _, it := range items {
		if it.EntityType == "record" && it.EntityID == rec.ID {
			var p struct {
				DocumentSHA256 string `json:"document_sha256"`
			}
			json.Unmarshal(it.Payload, &p)
			pushed = p.DocumentSHA256
		}
	}
	if pushed != phone.SHA256 {
		t.Fatalf("the record was queued with document_sha256 %q, want %s", pushed, phone.SHA256)
	}

	for i := 0; ; i++ {
		rep, err := c.Sync()
		if err != nil {
			t.Fatal(err)
		}
		if rep.Push.SetAside != 0 {
			t.Fatalf("the server set changes aside: %s", must(c.Outbox("rejected")))
		}
		if rep.Upload.Pending == 0 {
			break
		}
		if i == 5 {
			t.Fatalf("the visit did not go up: %+v %+v", rep.Push, rep.Upload)
		}
	}

	// The server's job builds and stores its copy in the background (the deadline guards a hang).
	chief := w.srv.Login(t, "ct-chief")
	path := "/api/v1/records/" + rec.ID + "/document."
	var canon []byte
	for deadline := time.Now().Add(60 * time.Second); ; {
		r := w.srv.Do(t, http.MethodGet, path+"json", chief, nil)
		if r.Status == http.StatusOK {
			canon = r.Body
			break
		}
		if r.Status != http.StatusNotFound || time.Now().After(deadline) {
			t.Fatalf("GET document.json: %d %s", r.Status, r.Body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := document.SHA256Hex(canon); got != phone.SHA256 {
		t.Errorf("the server's content hashes to %s, the phone's to %s\nserver: %s\nphone:  %s", got, phone.SHA256, canon, phone.Content)
	}
	r := w.srv.Do(t, http.MethodGet, path+"pdf", chief, nil)
	if r.Status != http.StatusOK || !bytes.Equal(r.Body, phonePDF) {
		t.Errorf("the server's PDF (%d, %d bytes) is not the phone's (%d bytes)", r.Status, len(r.Body), len(phonePDF))
	}
}

func must(s string, err error) string {
	if err != nil {
		return err.Error()
	}
	return s
}
