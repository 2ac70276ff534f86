package gormstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// documentJobs returns the record-document jobs in the store.
func documentJobs(t *testing.T, s *Store) []jobRow {
	t.Helper()
	var rows []jobRow
	if err := s.read(context.Background()).Where("kind = ?", JobRecordDocument).Order("created_at").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// pushEvidenceRef announces an evidence reference of the visit from the leader's phone.
func (w *applyWorld) pushEvidenceRef(t *testing.T, visitID, purpose, content string) (id, sum string) {
	t.Helper()
	h := sha256.Sum256([]byte(content))
	id, sum = clock.UUIDv7{}.NewID(), hex.EncodeToString(h[:])
	w.pushOne(t, w.leader, applyItem("evidence", id, 0, atHour(9, 20), map[string]any{"visit_id": visitID, "sha256": sum,
		"size": len(content), "content_type": "image/jpeg", "purpose": purpose, "captured_at": "2026-03-02T09:20:00+07:00"}), "applied")
	return id, sum
}

// TestRecordDocument follows a record from draft to stored document: the job is enqueued once, when
// the content freezes; it waits for the evidence references the record cites; it stores the canonical
// JSON and the PDF under records/<org>/<record>/v<version> and records them with an audit event; run
// again, it does nothing; and the console finds the objects by record.
func TestRecordDocument(t *testing.T) {
	w := newApplyWorld(t)
	ctx := context.Background()
	cat, err := legal.Seed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.LoadLegalSeed(ctx, cat); err != nil {
		t.Fatal(err)
	}
	blobs, err := localblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	visitID := w.createVisit(t, nil)
	photoID, photoSum := w.pushEvidenceRef(t, visitID, "photo", "ảnh cột đo")
	sigID := clock.UUIDv7{}.NewID() // the signature's reference arrives after the record

	id := clock.UUIDv7{}.NewID()
	p := w.recordPayloadOf(visitID, 6, "draft")
	p["evidence_ids"] = []string{photoID}
	v := w.pushOne(t, w.leader, applyItem("record", id, 0, atHour(9, 30), p), "applied")
	if jobs := documentJobs(t, w.s); len(jobs) != 0 {
		t.Fatalf("a draft enqueued %d document jobs", len(jobs))
	}

	p = w.recordPayloadOf(visitID, 6, "signed")
	p["evidence_ids"] = []string{photoID}
	p["persons"] = []any{
		map[string]any{"role": "inspector", "name": "Nông Văn Minh", "signed": true, "refused": false, "title": "Thanh tra viên", "evidence_id": sigID},
		map[string]any{"role": "representative", "name": "Hoàng Thị Lan", "signed": false, "refused": true, "title": "Cửa hàng trưởng",
			"refusal_reason": "Không đồng ý với kết quả kiểm tra"},
		map[string]any{"role": "local_government", "name": "Bế Văn Tú", "signed": true, "refused": false, "title": "Phó Chủ tịch UBND phường",
			"unit": "UBND phường Thục Phán"},
	}
	p["place"] = "Cửa hàng xăng dầu số 1, Phường Sông Hiến"
	p["violator"] = map[string]any{"representative_gender": "Nữ", "registration": "4800100001"}
	p["statements"] = []any{map[string]any{"role": "representative", "name": "Hoàng Thị Lan", "text": "Tôi không đồng ý."}}
	p["measures"] = []string{"Niêm phong cột đo số 2"}
	p["seized_items"] = []any{map[string]any{"name": "Tem kiểm định", "quantity": "2", "unit": "chiếc"}}
	p["explanation_days"], p["explanation_to"] = 2, "Chánh Thanh tra Sở"
	p["resolution_place"], p["resolution_at"] = "Thanh tra Sở", "2026-03-09T08:00:00+07:00"
	p["completed_at"], p["copies"] = "2026-03-02T10:10:00+07:00", 2
	p["document_sha256"] = strings.Repeat("ab", 32)
	payload, _ := json.Marshal(p)
	schematest.Validate(t, "sync-push-record.schema.json", payload)
	v = w.pushOne(t, w.leader, applyItem("record", id, v, atHour(9, 50), payload), "applied")
	signedAt := v
	if d, _ := w.pulledRecord(t, id); d.Persons[1].RefusalReason != "Không đồng ý với kết quả kiểm tra" || d.Persons[0].Title != "Thanh tra viên" {
		t.Fatalf("the pulled record lost the persons' form fields: %+v", d.Persons)
	}
	submitted := payload
	submitted = bytes.Replace(submitted, []byte(`"status":"signed"`), []byte(`"status":"submitted"`), 1)
	w.pushOne(t, w.leader, applyItem("record", id, v, atHour(10, 0), submitted), "applied")
	queued := documentJobs(t, w.s)
	if len(queued) != 1 {
		t.Fatalf("%d document jobs after signing and submitting, want 1", len(queued))
	}
	job := queued[0].domain()
	var jp recordDocumentJob
	if err := json.Unmarshal(job.Payload, &jp); err != nil || jp.RecordID != id || jp.OrgID != w.org.ID || jp.Version != signedAt {
		t.Fatalf("job payload %s, want record %s at version %d", job.Payload, id, signedAt)
	}

	// The signature's reference has not arrived: the job waits (a retried failure).
	if err := w.s.MakeRecordDocument(ctx, blobs, job); !errs.Is(errs.Unavailable, err) || !strings.Contains(err.Error(), sigID) {
		t.Fatalf("without the signature's reference: %v, want unavailable naming it", err)
	}
	h := sha256.Sum256([]byte("chữ ký"))
	sigSum := hex.EncodeToString(h[:])
	w.pushOne(t, w.leader, applyItem("evidence", sigID, 0, atHour(9, 49), map[string]any{"visit_id": visitID, "record_id": id, "sha256": sigSum,
		"size": 9, "content_type": "image/png", "purpose": "signature", "captured_at": "2026-03-02T09:49:00+07:00"}), "applied")
	if err := w.s.MakeRecordDocument(ctx, blobs, job); err != nil {
		t.Fatalf("MakeRecordDocument: %v", err)
	}

	base := "records/" + w.org.ID + "/" + id + "/v" + itoa(signedAt)
	jsonKey, jsonSum, version, err := w.s.RecordDocumentObject(ctx, w.org.ID, id, "json", 0)
	if err != nil || jsonKey != base+".json" || version != signedAt {
		t.Fatalf("RecordDocumentObject json: %s %d %v, want %s.json", jsonKey, version, err, base)
	}
	pdfKey, pdfSum, _, err := w.s.RecordDocumentObject(ctx, w.org.ID, id, "pdf", signedAt)
	if err != nil || pdfKey != base+".pdf" {
		t.Fatalf("RecordDocumentObject pdf: %s %v", pdfKey, err)
	}
	canon := readObject(t, blobs, jsonKey, jsonSum)
	pdf := readObject(t, blobs, pdfKey, pdfSum)
	schematest.Validate(t, "record-document.schema.json", canon)
	doc, err := document.ParseRecord(canon)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := doc.CanonicalJSON(); !bytes.Equal(again, canon) {
		t.Errorf("the stored JSON is not canonical")
	}
	if rendered, err := document.RenderRecordPDF(doc); err != nil || !bytes.Equal(rendered, pdf) {
		t.Errorf("the stored PDF is not the rendering of the stored content (%v)", err)
	}
	for _, check := range []struct {
		what      string
		got, want any
	}{
		{"issuing body", doc.IssuingBody, document.IssuingBody{Parent: "Sở KH&CN Cao Bằng", Name: "Thanh tra Sở"}},
		{"number", doc.Number, 6},
		{"place (pushed)", doc.Place, "Cửa hàng xăng dầu số 1, Phường Sông Hiến"},
		{"violator (the subject)", doc.Violator.Name, "Công ty Xăng dầu Cao Bằng"},
		{"violator kind", doc.Violator.Kind, document.Organisation},
		{"enterprise code (tax code)", doc.Violator.EnterpriseCode, "4800100001"},
		{"representative (the person present)", doc.Violator.Representative + "/" + doc.Violator.RepresentativeTitle, "Hoàng Thị Lan/Cửa hàng trưởng"},
		{"representative gender (pushed)", doc.Violator.RepresentativeGender, "Nữ"},
		{"official", doc.Officials, []document.Official{{Name: "Nông Văn Minh", Title: "Thanh tra viên", Unit: "Thanh tra Sở"}}},
		{"local government", doc.Witnesses[0].Role + "/" + doc.Witnesses[0].Unit, "local_government/UBND phường Thục Phán"},
		{"violation code", doc.Violations[0].Code, "MEAS-119-SEAL"},
		{"violation act", doc.Violations[0].Act, "Kẹp chì bị phá trên 2 cột đo"},
		{"quantity", doc.Violations[0].Quantity, "2"},
		{"legal bases (defaults)", doc.LegalBases[0], document.LawLegalBasis},
		{"signature roles", doc.Signatures[0].Role + "," + doc.Signatures[1].Role + "," + doc.Signatures[2].Role, "official,violator,local_government"},
		{"signature image", doc.Signatures[0].ImageSHA256, sigSum},
		{"refusal", doc.Signatures[1].RefusalReason, "Không đồng ý với kết quả kiểm tra"},
		{"statement role", doc.Statements[0].Role, document.RoleViolator},
		{"evidence", len(doc.Evidence), 1},
		{"evidence hash", doc.Evidence[0].SHA256, photoSum},
		{"explanation", doc.ExplanationDays, 2},
		{"copies", doc.Copies, 2},
	} {
		if a, _ := json.Marshal(check.got); string(a) != mustJSON(check.want) {
			t.Errorf("%s: %s, want %s", check.what, a, mustJSON(check.want))
		}
	}
	if e := cat.Violations; len(e) > 0 && doc.Violations[0].CatalogueText == "" {
		t.Errorf("the catalogue's text of MEAS-119-SEAL is missing: %+v", doc.Violations[0])
	}

	var row recordDocumentRow
	if err := w.s.read(ctx).Where("record_id = ?", id).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.PhoneSHA256 != strings.Repeat("ab", 32) || row.OrgID != w.org.ID {
		t.Errorf("row %+v", row)
	}
	events := func() []auditEventRow {
		var evs []auditEventRow
		if err := w.s.read(ctx).Where("chain = ? AND action = ?", "record/"+id, "record.document").Find(&evs).Error; err != nil {
			t.Fatal(err)
		}
		return evs
	}
	if evs := events(); len(evs) != 1 || !strings.Contains(evs[0].Data, pdfSum) || !strings.Contains(evs[0].Data, jsonSum) {
		t.Fatalf("audit events %+v", evs)
	}

	// Run again (a retry after a crash that came after the commit): nothing changes.
	if err := w.s.MakeRecordDocument(ctx, blobs, job); err != nil {
		t.Fatal(err)
	}
	if evs := events(); len(evs) != 1 {
		t.Fatalf("a second run added audit events: %d", len(evs))
	}
	// A crash between the objects and the row: the next attempt writes the same bytes and the row.
	if err := w.s.w.Where("record_id = ?", id).Delete(&recordDocumentRow{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.s.MakeRecordDocument(ctx, blobs, job); err != nil {
		t.Fatal(err)
	}
	if _, again, _, err := w.s.RecordDocumentObject(ctx, w.org.ID, id, "pdf", 0); err != nil || again != pdfSum {
		t.Fatalf("after the retry: %s %v, want the same PDF %s", again, err, pdfSum)
	}

	t.Run("not found", func(t *testing.T) {
		if _, _, _, err := w.s.RecordDocumentObject(ctx, "other-org", id, "pdf", 0); errs.CodeOf(err) != errs.CodeRecordNotFound {
			t.Errorf("another organisation: %v", err)
		}
		if _, _, _, err := w.s.RecordDocumentObject(ctx, w.org.ID, id, "pdf", signedAt+5); errs.CodeOf(err) != errs.CodeRecordDocumentNotFound {
			t.Errorf("a version without a document: %v", err)
		}
		draft := clock.UUIDv7{}.NewID()
		w.pushOne(t, w.leader, applyItem("record", draft, 0, atHour(11, 0), w.recordPayloadOf(visitID, 7, "draft")), "applied")
		if _, _, _, err := w.s.RecordDocumentObject(ctx, w.org.ID, draft, "json", 0); errs.CodeOf(err) != errs.CodeRecordDocumentNotFound {
			t.Errorf("a draft: %v", err)
		}
	})
	t.Run("content the form cannot take", func(t *testing.T) {
		bad := jobs.Job{ID: "j", Kind: JobRecordDocument, Payload: []byte(`{"org_id":"` + w.org.ID + `","record_id":"` + id + `"}`)}
		if err := w.s.MakeRecordDocument(ctx, blobs, bad); !errs.Is(errs.Invalid, err) {
			t.Errorf("a payload without a version: %v", err)
		}
	})
}

// TestRecordPayloadFormFields: the optional MBB01 fields are checked at push time, each error at
// its field.
func TestRecordPayloadFormFields(t *testing.T) {
	w := newApplyWorld(t)
	visitID := w.createVisit(t, nil)
	p := w.recordPayloadOf(visitID, 8, "draft")
	p["violator"] = map[string]any{"date_of_birth": "04/11/1982"}
	p["statements"] = []any{map[string]any{"role": "chief", "text": "x"}}
	p["seized_items"] = []any{map[string]any{"name": "Tem", "quantity": "hai"}}
	p["copies"] = 100
	p["document_sha256"] = "ABC"
	p["persons"] = []any{map[string]any{"role": "witness", "name": "Bế Văn Tú", "signed": true, "refused": false, "refusal_reason": "bận"}}
	r := w.push(t, w.leader, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 30), p))[0]
	if r.Code != errs.CodeValidation {
		t.Fatalf("%+v", r)
	}
	for _, field := range []string{"payload.violator.date_of_birth", "payload.statements[0].role", "payload.seized_items[0].quantity",
		"payload.copies", "payload.document_sha256", "payload.persons[0].refusal_reason"} {
		if !strings.Contains(r.Reason, field) {
			t.Errorf("the refusal does not name %s: %s", field, r.Reason)
		}
	}
}

func readObject(t *testing.T, blobs blob.Store, key, sum string) []byte {
	t.Helper()
	rc, info, err := blobs.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	if got := hex.EncodeToString(h[:]); got != sum || (info.SHA256 != "" && info.SHA256 != sum) {
		t.Fatalf("%s hashes %s (store says %s), recorded %s", key, got, info.SHA256, sum)
	}
	return b
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }
