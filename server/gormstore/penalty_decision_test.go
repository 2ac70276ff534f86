package gormstore

import (
	"bytes"
	"context"
	"testing"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// TestPenaltyDecisionDocument issues a decision: its document content (MQĐ02) and its national
// database report are written by the issuing transaction, the job renders and stores the PDF once
// (a second run changes nothing), the download names the stored objects, the content never changes
// beneath the store, and a batch report marks the prepared report.
func TestPenaltyDecisionDocument(t *testing.T) {
	w := newPenaltyWorld(t)
	ctx := context.Background()
	c := w.approve(t, w.openCase(t))
	if _, _, err := w.s.DecisionDocumentObject(ctx, w.org.ID, c.ID, "pdf"); errs.CodeOf(err) != errs.CodeDecisionDocumentNotFound {
		t.Fatalf("a document before the issue: %v", err)
	}
	c, err := w.svc.IssueWith(ctx, w.chief, c.ID, c.Version, penalty.IssueInput{PaymentPlace: "Kho bạc Nhà nước Cao Bằng",
		RemedialMeasures: []string{"Buộc kiểm định cột đo trước khi sử dụng"}})
	if err != nil {
		t.Fatal(err)
	}
	var row penaltyDecisionDocumentRow
	if err := w.s.w.Where("org_id = ? AND case_id = ?", w.org.ID, c.ID).Take(&row).Error; err != nil {
		t.Fatalf("the issue wrote no document: %v", err)
	}
	doc, err := document.ParseDecision([]byte(row.Content))
	if err != nil {
		t.Fatal(err)
	}
	if doc.Number != c.Decision.Number || doc.Total != c.Decision.Total || doc.Signer.Name == "" || doc.PaymentPlace != "Kho bạc Nhà nước Cao Bằng" ||
		len(doc.RemedialMeasures) != 1 || len(doc.Violations) != len(c.Decision.Fines) || doc.Violations[0].Article != "9" {
		t.Fatalf("document content: %+v", doc)
	}
	if _, _, err := w.s.DecisionDocumentObject(ctx, w.org.ID, c.ID, "pdf"); errs.CodeOf(err) != errs.CodeDecisionDocumentNotFound {
		t.Fatalf("a PDF before the job ran: %v", err)
	}
	var job jobRow
	if err := w.s.w.Where("kind = ? AND unique_key = ?", JobDecisionDocument, JobDecisionDocument+"/"+c.ID).Take(&job).Error; err != nil {
		t.Fatalf("no job: %v", err)
	}
	blobs, err := localblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	j := jobs.Job{ID: job.ID, Kind: job.Kind, Payload: []byte(job.Payload)}
	for range 2 {
		if err := w.s.MakeDecisionDocument(ctx, blobs, w.clock.Now().AddDate(10, 0, 0), j); err != nil {
			t.Fatal(err)
		}
	}
	key, sum, err := w.s.DecisionDocumentObject(ctx, w.org.ID, c.ID, "pdf")
	if err != nil {
		t.Fatal(err)
	}
	pdf := readObject(t, blobs, key, sum)
	want, err := document.RenderDecisionPDF(doc)
	if err != nil || !bytes.Equal(pdf, want) {
		t.Fatalf("the stored PDF is not the rendering of the stored content (%v)", err)
	}
	// Stored write-once: locked until the retention the job was given, so it cannot be deleted.
	if info, err := blobs.Stat(ctx, key); err != nil || info.RetainUntil.IsZero() {
		t.Errorf("the PDF is not locked: %+v %v", info, err)
	}
	if err := blobs.Delete(ctx, key); errs.CodeOf(err) != errs.CodeObjectLocked {
		t.Errorf("deleting the stored PDF: %v, want %s", err, errs.CodeObjectLocked)
	}
	jkey, jsum, err := w.s.DecisionDocumentObject(ctx, w.org.ID, c.ID, "json")
	if err != nil || !bytes.Equal(readObject(t, blobs, jkey, jsum), []byte(row.Content)) {
		t.Fatalf("the stored JSON: %v", err)
	}
	var made int64
	w.s.w.Table("audit_events").Where("chain = ? AND action = ?", penalty.Chain(c.ID), "penalty.decision_document").Count(&made)
	if made != 1 {
		t.Errorf("%d audit events of the document, want 1", made)
	}
	if err := w.s.w.Model(&penaltyDecisionDocumentRow{}).Where("case_id = ?", c.ID).Update("content", "{}").Error; err == nil {
		t.Error("the database let the decision's content change")
	}
	// The national database report was prepared at issue, unreported, with its deadline.
	no := false
	list, err := w.svc.NationalReportList(ctx, w.chief, penalty.NationalReportFilter{Reported: &no}, 100)
	if err != nil || len(list) != 1 || list[0].CaseID != c.ID || list[0].DueAt.IsZero() || list[0].Record.DecisionNumber != c.Decision.Number ||
		list[0].Record.Total != c.Decision.Total || list[0].Record.SignerTitle == "" || len(list[0].Record.Violations) != 1 {
		t.Fatalf("unreported list: %+v %v", list, err)
	}
	if _, err := w.svc.ReportNationalBatch(ctx, w.chief, []string{c.ID}, "CSDL-2026-07"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ReportNationalBatch(ctx, w.chief, []string{c.ID}, "CSDL-2026-08"); errs.CodeOf(err) != errs.CodeNationalReportReported {
		t.Fatalf("reporting twice under another reference: %v", err)
	}
	// The same batch sent again (its answer was lost, or it stopped half-way) is done, unchanged.
	if again, err := w.svc.ReportNationalBatch(ctx, w.chief, []string{c.ID}, "CSDL-2026-07"); err != nil || len(again) != 1 ||
		again[0].NationalReport == nil || again[0].NationalReport.Reference != "CSDL-2026-07" {
		t.Fatalf("the same batch again: %+v %v", again, err)
	}
	if list, err = w.svc.NationalReportList(ctx, w.chief, penalty.NationalReportFilter{Reported: &no}, 100); err != nil || len(list) != 0 {
		t.Fatalf("unreported after the batch: %+v %v", list, err)
	}
	yes := true
	if list, err = w.svc.NationalReportList(ctx, w.chief, penalty.NationalReportFilter{Reported: &yes}, 100); err != nil || len(list) != 1 ||
		list[0].Reference != "CSDL-2026-07" || list[0].ReportedAt.IsZero() || list[0].State != penalty.Issued {
		t.Fatalf("reported list: %+v %v", list, err)
	}
}
