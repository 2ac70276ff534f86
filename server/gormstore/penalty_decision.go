package gormstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/integrity"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// Issued decisions as documents (form MQĐ02) and their national database reports (migration 0020).
// The transaction that issues a decision also builds the decision's document content from the case
// and what it cites (issuing unit, subject, the record's violator fields, the catalogue), writes it
// to penalty_decision_documents, prepares the national database report in penalty_national_reports,
// and enqueues a JobDecisionDocument job — so the content is fixed with the decision, and a content
// the form cannot take refuses the issue. The job renders the PDF with mobile-api/document and
// stores the JSON and the PDF at decisions/<org>/<case>/<number>-<year>.json and .pdf, locked when
// object lock is on.

// JobDecisionDocument is the kind of the job that stores an issued decision's document; server/app
// registers MakeDecisionDocument for it.
const JobDecisionDocument = "penalty.decision_document"

// decisionDocumentAttempts is how often the job tries (backoff doubling from 10 s to 1 h).
const decisionDocumentAttempts = 12

// penaltyDecisionDocumentRow is an issued decision's document (penalty_decision_documents).
type penaltyDecisionDocumentRow struct {
	OrgID         string `gorm:"primaryKey"`
	CaseID        string `gorm:"primaryKey"`
	Number        int
	Year          int
	Content       string
	ContentSHA256 string  `gorm:"column:content_sha256"`
	JSONKey       string  `gorm:"column:json_key"`
	PDFKey        string  `gorm:"column:pdf_key"`
	PDFSHA256     *string `gorm:"column:pdf_sha256"`
	MadeAt        *time.Time
	CreatedAt     time.Time
}

func (penaltyDecisionDocumentRow) TableName() string { return "penalty_decision_documents" }

// penaltyNationalReportRow is a decision's report to the national database (penalty_national_reports).
type penaltyNationalReportRow struct {
	OrgID          string `gorm:"primaryKey"`
	CaseID         string `gorm:"primaryKey"`
	IssuingUnitID  string
	DecisionYear   int
	DecisionNumber int
	IssuedAt       time.Time
	DueAt          *time.Time
	Mountain       bool
	Data           string
	ReportedAt     *time.Time
	Reference      string
	ReportedBy     string
}

func (penaltyNationalReportRow) TableName() string { return "penalty_national_reports" }

// decisionDocumentJob is the payload of a JobDecisionDocument job.
type decisionDocumentJob struct {
	OrgID  string `json:"org_id"`
	CaseID string `json:"case_id"`
}

// decisionDocumentKey is where a decision's document is stored, without its extension.
func decisionDocumentKey(orgID, caseID string, number, year int) string {
	return "decisions/" + orgID + "/" + caseID + "/" + strconv.Itoa(number) + "-" + strconv.Itoa(year)
}

// issuedDecision runs in the transaction that issued c's decision: it builds and stores the document
// content, prepares the national database report and enqueues the job that stores the document.
func (s *Store) issuedDecision(tx *gorm.DB, c penalty.Case, now time.Time) error {
	doc, err := s.decisionContent(tx, c)
	if err != nil {
		return err
	}
	canon, err := doc.CanonicalJSON()
	if err != nil {
		return decisionDocumentError(err)
	}
	d := c.Decision
	base := decisionDocumentKey(c.OrgID, c.ID, d.Number, d.Year)
	row := penaltyDecisionDocumentRow{OrgID: c.OrgID, CaseID: c.ID, Number: d.Number, Year: d.Year, Content: string(canon),
		ContentSHA256: document.SHA256Hex(canon), JSONKey: base + ".json", PDFKey: base + ".pdf", CreatedAt: stamp(now)}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	report, err := json.Marshal(nationalReportOf(doc, c))
	if err != nil {
		return err
	}
	nr := penaltyNationalReportRow{OrgID: c.OrgID, CaseID: c.ID, IssuingUnitID: d.IssuingUnitID, DecisionYear: d.Year, DecisionNumber: d.Number,
		IssuedAt: pdTime(d.IssuedAt), Mountain: c.Mountain, Data: string(report)}
	if nd := c.Dues.NationalReport; nd != nil && !nd.Missing {
		nr.DueAt = pdTimePtr(nd.Ends)
	}
	if err := tx.Create(&nr).Error; err != nil {
		return err
	}
	payload, err := json.Marshal(decisionDocumentJob{OrgID: c.OrgID, CaseID: c.ID})
	if err != nil {
		return err
	}
	key := JobDecisionDocument + "/" + c.ID
	at := jobTime(now)
	job := jobRow{ID: s.ids.NewID(), OrgID: c.OrgID, Kind: JobDecisionDocument, Payload: string(payload), State: string(jobs.Queued),
		MaxAttempts: decisionDocumentAttempts, RunAt: at, CreatedAt: at, UniqueKey: &key}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "unique_key"}}, DoNothing: true}).Create(&job).Error
}

// decisionDocumentError is the renderer's validation error as the refusal: the fields the
// decision's content cannot fill (decision_document_invalid).
func decisionDocumentError(err error) error {
	var e *errs.Error
	if errors.As(documentError(err), &e) && e.Code == errs.CodeRecordDocumentInvalid {
		e.Code = errs.CodeDecisionDocumentInvalid
		return e
	}
	return err
}

// decisionContent builds the decision's document content: the decision as issued, the issuing body
// (organisation over issuing unit), the violator as the record's document states it (the registry's
// subject with the fields the phone pushed in their place), and each fine with its act, provision,
// range and circumstances.
func (s *Store) decisionContent(tx *gorm.DB, c penalty.Case) (document.Decision, error) {
	d := c.Decision
	var src recordSources
	if err := tx.Where("org_id = ? AND id = ?", c.OrgID, c.Record.ID).Take(&src.Record).Error; err != nil {
		return document.Decision{}, translate(err, errs.CodeRecordNotFound)
	}
	if err := json.Unmarshal([]byte(src.Record.Data), &src.Content); err != nil {
		return document.Decision{}, fmt.Errorf("record %s: stored content: %w", src.Record.ID, err)
	}
	var org organisationRow
	if err := tx.Where("id = ?", c.OrgID).Take(&org).Error; err != nil {
		return document.Decision{}, translate(err, "")
	}
	var unit issuingUnitRow
	if err := tx.Where("org_id = ? AND id = ?", c.OrgID, d.IssuingUnitID).Take(&unit).Error; err != nil {
		return document.Decision{}, translate(err, errs.CodeIssuingUnitNotFound)
	}
	src.OrgName, src.UnitName = org.Name, unit.Name
	if err := tx.Where("org_id = ? AND id = ?", c.OrgID, src.Record.SubjectID).Take(&src.Subject).Error; err != nil {
		return document.Decision{}, translate(err, errs.CodeSubjectNotFound)
	}
	src.Entries, src.Decrees, src.Evidence = map[string]legalViolationRow{}, map[string]legalDecreeRow{}, map[string]evidenceSource{}
	rec := buildRecordDocument(src) // the violator as the record states it
	doc := document.Decision{Form: document.DecisionForm, Layout: document.DecisionLayout, CaseID: c.ID,
		IssuingBody: document.IssuingBody{Parent: org.Name, Name: unit.Name}, Number: d.Number, Year: d.Year,
		IssuedAt: d.IssuedAt.UTC(), Matter: src.Content.Matter, LegalBases: decisionBases(d.LegalBases),
		Signer:   document.DecisionSigner{Name: d.Signer.Name, Title: d.TitleName, Unit: unit.Name},
		Violator: rec.Violator,
		Record: document.DecisionRecord{RecordID: c.Record.ID, Number: c.Record.Number, Year: c.Record.Year,
			DrawnUpAt: c.Record.DrawnUpAt.UTC()},
		Total: d.Total, AdditionalPenalties: slices.Clone(d.AdditionalPenalties), RemedialMeasures: slices.Clone(d.RemedialMeasures),
		PaymentDays: d.PaymentDays, PaymentPlace: d.PaymentPlace, Collector: d.PaymentPlace, Executor: unit.Name}
	if doc.Signer.Title == "" {
		doc.Signer.Title = string(d.Title)
	}
	// The place name of the date line: the province of the organisation, as its name ends ("… tỉnh
	// Cao Bằng"), else left blank for the form's dots.
	doc.Place = placeName(org.Name)
	var decree string
	for _, f := range d.Fines {
		x := document.DecisionViolation{Code: f.Code, Fine: f.Amount, RangeMin: f.Range.Min, RangeMax: f.Range.Max, RangeVerified: !f.Unverified,
			Decree: f.Decree}
		if f.Charge >= 0 && f.Charge < len(c.Charges) {
			x.Act = c.Charges[f.Charge].Description
		}
		var e legalViolationRow
		err := tx.Where("id = ?", f.VersionID).Take(&e).Error
		switch {
		case err == nil:
			x.Point, x.Clause, x.Article = e.Point, e.Clause, e.Article
			if x.Act == "" {
				x.Act = e.DescriptionVI
			}
		case !errs.Is(errs.NotFound, translate(err, "")):
			return document.Decision{}, translate(err, "")
		}
		if f.Decree != "" {
			var dec legalDecreeRow
			if err := tx.Where("number = ?", f.Decree).Take(&dec).Error; err == nil {
				day := legal.DateOf(c.Record.DrawnUpAt).String()
				if f.Charge >= 0 && f.Charge < len(c.Charges) {
					day = c.Charges[f.Charge].Date().String()
				}
				x.AmendedBy = amendedBy(dec, day)
				if decree == "" {
					decree = dec.Title
				}
			}
		}
		if x.Act == "" {
			x.Act = f.Code
		}
		for _, ci := range f.Circumstances {
			text := ci.Text
			if ci.Basis != "" {
				text += " (" + ci.Basis + ")"
			}
			if ci.Kind == penalty.Mitigating {
				x.Mitigating = append(x.Mitigating, text)
			} else {
				x.Aggravating = append(x.Aggravating, text)
			}
		}
		doc.Violations = append(doc.Violations, x)
	}
	if doc.Matter == "" {
		doc.Matter = document.MatterFromDecreeTitle(decree)
	}
	return doc.Normalize(), nil
}

// decisionBases are the decision's legal bases as the document prints them: the record is printed
// with its number in the form's own line, so the domain's line for it is left out.
func decisionBases(bases []string) []string {
	var out []string
	for _, b := range bases {
		if !strings.HasPrefix(b, "Biên bản vi phạm hành chính số ") {
			out = append(out, b)
		}
	}
	return out
}

// placeName is the province's name at the end of an organisation's name: "Sở Khoa học và Công nghệ
// tỉnh Cao Bằng" gives "Cao Bằng"; "" when the name names no province.
func placeName(org string) string {
	for _, marker := range []string{"tỉnh ", "Tỉnh ", "thành phố ", "Thành phố "} {
		if i := strings.LastIndex(org, marker); i >= 0 {
			return org[i+len(marker):]
		}
	}
	return ""
}

// MakeDecisionDocument does a JobDecisionDocument job: it renders the stored content of an issued
// decision, stores the JSON and the PDF with their SHA-256 checked by the store (locked until
// retainUntil when it is not zero), and records the PDF's hash with an audit event on the case's
// chain. It is idempotent: a document already made stops it, and objects written before a crash are
// written again with the same bytes.
func (s *Store) MakeDecisionDocument(ctx context.Context, blobs blob.Store, retainUntil time.Time, j jobs.Job) error {
	const op = errs.Op("gormstore.MakeDecisionDocument")
	var p decisionDocumentJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.OrgID == "" || p.CaseID == "" {
		return errs.E(op, errs.Invalid, fmt.Sprintf("job %s: payload %s", j.ID, j.Payload))
	}
	var row penaltyDecisionDocumentRow
	if err := s.read(ctx).Where("org_id = ? AND case_id = ?", p.OrgID, p.CaseID).Take(&row).Error; err != nil {
		return errs.E(op, translate(err, errs.CodeDecisionDocumentNotFound))
	}
	if row.MadeAt != nil {
		return nil
	}
	doc, err := document.ParseDecision([]byte(row.Content))
	if err != nil {
		return errs.E(op, "case "+p.CaseID, decisionDocumentError(err))
	}
	pdf, err := document.RenderDecisionPDF(doc)
	if err != nil {
		return errs.E(op, "case "+p.CaseID, decisionDocumentError(err))
	}
	pdfSum := document.SHA256Hex(pdf)
	for _, o := range []struct {
		key, sum, contentType string
		body                  []byte
	}{{row.JSONKey, row.ContentSHA256, "application/json", []byte(row.Content)}, {row.PDFKey, pdfSum, "application/pdf", pdf}} {
		if _, err := blobs.Put(ctx, o.key, bytes.NewReader(o.body), int64(len(o.body)),
			blob.PutOptions{ContentType: o.contentType, SHA256: o.sum, RetainUntil: retainUntil}); err != nil {
			return errs.E(op, "case "+p.CaseID, err)
		}
	}
	now := stamp(s.clock.Now())
	err = s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&penaltyDecisionDocumentRow{}).Where("org_id = ? AND case_id = ? AND made_at IS NULL", p.OrgID, p.CaseID).
			Updates(map[string]any{"pdf_sha256": pdfSum, "made_at": now})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // another attempt recorded it first: its audit event stands
		}
		return s.appendAudit(tx, audit.Entry{Chain: penalty.Chain(p.CaseID), OrgID: p.OrgID, Action: "penalty.decision_document", At: now,
			Data: map[string]any{"number": row.Number, "year": row.Year, "json_key": row.JSONKey, "json_sha256": row.ContentSHA256,
				"pdf_key": row.PDFKey, "pdf_sha256": pdfSum, "locked_until": lockedText(retainUntil)}})
	})
	if err != nil {
		return errs.E(op, "case "+p.CaseID, translate(err, ""))
	}
	return nil
}

func lockedText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// DecisionDocumentObject returns the object key and SHA-256 of the stored document of one of the
// organisation's decisions, in format "json" or "pdf". A case without an issued decision, or whose
// PDF is not made yet, is errs.NotFound (CodeDecisionDocumentNotFound).
func (s *Store) DecisionDocumentObject(ctx context.Context, orgID, caseID, format string) (key, sum string, err error) {
	const op = errs.Op("gormstore.DecisionDocumentObject")
	if format != "json" && format != "pdf" {
		return "", "", errs.E(op, errs.Invalid, errs.CodeInvalidValue, "format "+format)
	}
	if _, err := s.Case(ctx, orgID, caseID); err != nil {
		return "", "", errs.E(op, err)
	}
	var row penaltyDecisionDocumentRow
	if err := s.read(ctx).Where("org_id = ? AND case_id = ?", orgID, caseID).Take(&row).Error; err != nil {
		return "", "", errs.E(op, translate(err, errs.CodeDecisionDocumentNotFound))
	}
	if row.MadeAt == nil || row.PDFSHA256 == nil {
		return "", "", errs.E(op, errs.NotFound, errs.CodeDecisionDocumentNotFound, "case "+caseID+": the document is being made")
	}
	if format == "json" {
		return row.JSONKey, row.ContentSHA256, nil
	}
	return row.PDFKey, *row.PDFSHA256, nil
}

// decisionObjectCount is how many decision document objects storedDecisionObjects lists.
func (s *Store) decisionObjectCount(ctx context.Context) (int64, error) {
	var n int64
	err := s.read(ctx).Model(&penaltyDecisionDocumentRow{}).Where("made_at IS NOT NULL").Count(&n).Error
	return 2 * n, wrap("gormstore.decisionObjectCount", err, "")
}

// storedDecisionObjects calls fn for the JSON and the PDF of every stored decision document
// (integrity.Source, after the record documents), a page at a time by key, with no transaction open
// while fn runs.
func (s *Store) storedDecisionObjects(ctx context.Context, fn func(integrity.Expected) error) error {
	afterOrg, afterCase := "", ""
	for {
		var rows []penaltyDecisionDocumentRow
		err := s.read(ctx).Select("org_id", "case_id", "json_key", "content_sha256", "pdf_key", "pdf_sha256").
			Where("made_at IS NOT NULL AND (org_id > ? OR (org_id = ? AND case_id > ?))", afterOrg, afterOrg, afterCase).
			Order("org_id, case_id").Limit(verifyPage).Find(&rows).Error
		if err != nil {
			return wrap("gormstore.StoredObjects", err, "")
		}
		for _, r := range rows {
			if err := fn(integrity.Expected{Kind: integrity.KindDecision, OrgID: r.OrgID, Key: r.JSONKey, SHA256: r.ContentSHA256, Size: -1}); err != nil {
				return err
			}
			if r.PDFSHA256 != nil {
				if err := fn(integrity.Expected{Kind: integrity.KindDecision, OrgID: r.OrgID, Key: r.PDFKey, SHA256: *r.PDFSHA256, Size: -1}); err != nil {
					return err
				}
			}
		}
		if len(rows) < verifyPage {
			return nil
		}
		afterOrg, afterCase = rows[len(rows)-1].OrgID, rows[len(rows)-1].CaseID
	}
}
