package gormstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

// Violation records as documents (issue 5; DECISIONS D10, D11). When a pushed record's content
// freezes (signed or submitted), the push transaction enqueues a JobRecordDocument job; the job builds
// the record's MBB01 content from the stored record and the data it cites (issuing unit, subject,
// site, catalogue entries, decrees, evidence references), stores its canonical JSON and its PDF —
// both from the renderer the phone uses, mobile-api/document — and records them in record_documents
// (migration 0017) with an audit event on the record's chain.

// JobRecordDocument is the kind of the job that makes a signed record's document; server/app
// registers MakeRecordDocument for it.
const JobRecordDocument = "record.document"

// recordDocumentAttempts is how often the job tries: it waits for the evidence references the
// record cites, which a phone may push after the record (the backoff doubles from 10 s to 1 h).
const recordDocumentAttempts = 12

// recordDocumentRow is a record's stored document (migration 0017).
type recordDocumentRow struct {
	RecordID    string `gorm:"primaryKey"`
	Version     int64  `gorm:"primaryKey"`
	OrgID       string
	JSONKey     string `gorm:"column:json_key"`
	JSONSHA256  string `gorm:"column:json_sha256"`
	PDFKey      string `gorm:"column:pdf_key"`
	PDFSHA256   string `gorm:"column:pdf_sha256"`
	PhoneSHA256 string `gorm:"column:phone_sha256"`
	MadeAt      time.Time
}

func (recordDocumentRow) TableName() string { return "record_documents" }

// recordDocumentJob is the payload of a JobRecordDocument job.
type recordDocumentJob struct {
	OrgID    string `json:"org_id"`
	RecordID string `json:"record_id"`
	Version  int64  `json:"version"`
}

// recordDocumentKey is where a record's document is stored, without its extension (.json, .pdf).
func recordDocumentKey(orgID, recordID string, version int64) string {
	return "records/" + orgID + "/" + recordID + "/v" + strconv.FormatInt(version, 10)
}

// enqueueRecordDocument enqueues, in the push transaction, the job that makes the record's document
// when the phone has set its status to signed or submitted. The job's unique key is the record: the
// first change that freezes the content enqueues it, at that version, and later ones (submitted after
// signed, resubmitted after the chief returned it) add nothing, since the content no longer changes.
func (s *Store) enqueueRecordDocument(tx *gorm.DB, r violationRecordRow, phoneStatus string, now time.Time) error {
	if phoneStatus != recordSigned && phoneStatus != recordSubmitted {
		return nil
	}
	payload, err := json.Marshal(recordDocumentJob{OrgID: r.OrgID, RecordID: r.ID, Version: r.Version})
	if err != nil {
		return err
	}
	key := JobRecordDocument + "/" + r.ID
	at := jobTime(now)
	row := jobRow{ID: s.ids.NewID(), OrgID: r.OrgID, Kind: JobRecordDocument, Payload: string(payload), State: string(jobs.Queued),
		MaxAttempts: recordDocumentAttempts, RunAt: at, CreatedAt: at, UniqueKey: &key}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "unique_key"}}, DoNothing: true}).Create(&row).Error
}

// MakeRecordDocument does a JobRecordDocument job: it builds the record's document content, stores
// the canonical JSON and the PDF in blobs under records/<org_id>/<record_id>/v<version>.json and
// .pdf, and records them with an audit event. It is idempotent: a document already recorded stops
// it, and objects written before a crash are written again with the same bytes.
//
// Errors: a record that is gone is errs.NotFound; content the form cannot take is errs.Invalid
// (CodeRecordDocumentInvalid, with the fields); evidence references the record cites that have not
// arrived yet are errs.Unavailable — the job runner retries all of them.
func (s *Store) MakeRecordDocument(ctx context.Context, blobs blob.Store, j jobs.Job) error {
	const op = errs.Op("gormstore.MakeRecordDocument")
	var p recordDocumentJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.OrgID == "" || p.RecordID == "" || p.Version < 1 {
		return errs.E(op, errs.Invalid, fmt.Sprintf("job %s: payload %s", j.ID, j.Payload))
	}
	var n int64
	if err := s.read(ctx).Model(&recordDocumentRow{}).Where("record_id = ? AND version = ?", p.RecordID, p.Version).Count(&n).Error; err != nil {
		return errs.E(op, translate(err, ""))
	}
	if n > 0 {
		return nil
	}
	doc, phoneSum, err := s.recordDocumentContent(ctx, p.OrgID, p.RecordID)
	if err != nil {
		return errs.E(op, "record "+p.RecordID, err)
	}
	canon, err := doc.CanonicalJSON()
	if err != nil {
		return errs.E(op, "record "+p.RecordID, documentError(err))
	}
	pdf, err := document.RenderRecordPDF(doc)
	if err != nil {
		return errs.E(op, "record "+p.RecordID, documentError(err))
	}
	base := recordDocumentKey(p.OrgID, p.RecordID, p.Version)
	row := recordDocumentRow{RecordID: p.RecordID, Version: p.Version, OrgID: p.OrgID, JSONKey: base + ".json",
		JSONSHA256: document.SHA256Hex(canon), PDFKey: base + ".pdf", PDFSHA256: document.SHA256Hex(pdf), PhoneSHA256: phoneSum,
		MadeAt: stamp(s.clock.Now())}
	for _, o := range []struct {
		key, sum, contentType string
		body                  []byte
	}{{row.JSONKey, row.JSONSHA256, "application/json", canon}, {row.PDFKey, row.PDFSHA256, "application/pdf", pdf}} {
		if _, err := blobs.Put(ctx, o.key, bytes.NewReader(o.body), int64(len(o.body)),
			blob.PutOptions{ContentType: o.contentType, SHA256: o.sum}); err != nil {
			return errs.E(op, "record "+p.RecordID, err)
		}
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error // another attempt recorded it first: its audit event stands
		}
		data := map[string]any{"version": row.Version, "json_key": row.JSONKey, "json_sha256": row.JSONSHA256,
			"pdf_key": row.PDFKey, "pdf_sha256": row.PDFSHA256}
		if phoneSum != "" {
			data["phone_sha256"] = phoneSum
		}
		return s.appendAudit(tx, audit.Entry{Chain: "record/" + row.RecordID, OrgID: row.OrgID, Action: "record.document", At: row.MadeAt, Data: data})
	})
	if err != nil {
		return errs.E(op, "record "+p.RecordID, translate(err, ""))
	}
	if phoneSum != "" && phoneSum != row.JSONSHA256 {
		// Not an error: the server's copy is made from what it holds. The difference is kept
		// (phone_sha256) for whoever compares the violator's copy with the stored one.
		s.log.Warn("record document differs from the phone's", "record_id", row.RecordID, "phone_sha256", phoneSum,
			"server_sha256", row.JSONSHA256)
	}
	return nil
}

// documentError maps the renderer's validation error to the store's kind and code.
func documentError(err error) error {
	var ve *document.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	fields := make([]errs.FieldError, len(ve.Fields))
	for i, f := range ve.Fields {
		code := errs.CodeInvalidValue
		switch f.Problem {
		case document.ProblemRequired:
			code = errs.CodeRequired
		case document.ProblemTooLong:
			code = errs.CodeTooLong
		}
		fields[i] = errs.FieldError{Field: f.Field, Code: code}
	}
	return errs.E(errs.Invalid, errs.CodeRecordDocumentInvalid, fields, err)
}

// RecordDocumentObject returns the object key and SHA-256 of the stored document of a record of the
// organisation in format "json" or "pdf": the given version, or the latest when version is 0, and
// the version returned. A record not in the organisation is errs.NotFound (CodeRecordNotFound); one
// without such a document is errs.NotFound (CodeRecordDocumentNotFound).
func (s *Store) RecordDocumentObject(ctx context.Context, orgID, recordID, format string, version int64) (string, string, int64, error) {
	const op = errs.Op("gormstore.RecordDocumentObject")
	if format != "json" && format != "pdf" {
		return "", "", 0, errs.E(op, errs.Invalid, errs.CodeInvalidValue, "format "+format)
	}
	var n int64
	if err := s.read(ctx).Model(&violationRecordRow{}).Where("org_id = ? AND id = ?", orgID, recordID).Count(&n).Error; err != nil {
		return "", "", 0, errs.E(op, translate(err, ""))
	}
	if n == 0 {
		return "", "", 0, errs.E(op, errs.NotFound, errs.CodeRecordNotFound, "record "+recordID)
	}
	q := s.read(ctx).Where("org_id = ? AND record_id = ?", orgID, recordID)
	if version > 0 {
		q = q.Where("version = ?", version)
	}
	var rows []recordDocumentRow
	if err := q.Order("version DESC").Limit(1).Find(&rows).Error; err != nil {
		return "", "", 0, errs.E(op, translate(err, ""))
	}
	if len(rows) == 0 {
		return "", "", 0, errs.E(op, errs.NotFound, errs.CodeRecordDocumentNotFound, "record "+recordID)
	}
	r := rows[0]
	if format == "json" {
		return r.JSONKey, r.JSONSHA256, r.Version, nil
	}
	return r.PDFKey, r.PDFSHA256, r.Version, nil
}

// recordSources is what a record's document content is made from.
type recordSources struct {
	Record      violationRecordRow
	Content     recordContent
	OrgName     string
	UnitName    string
	Subject     subjectRow
	Site        siteRow
	Corrects    *violationRecordRow
	Entries     map[string]legalViolationRow // by code, the version in force on the record's day
	Decrees     map[string]legalDecreeRow    // by number
	Evidence    map[string]evidenceSource    // by evidence reference ID
	MissingRefs []string                     // evidence references cited but not (yet) announced
}

// evidenceSource is what the document says of an evidence reference.
type evidenceSource struct {
	ID         string
	SHA256     string `gorm:"column:sha256"`
	Purpose    string
	CapturedAt time.Time
}

// recordDay is the record's calendar day in Vietnam, the day its catalogue entries are read on.
func recordDay(t time.Time) string { return document.RecordDay(t) }

// recordDocumentContent reads what the record cites and builds its document content; it also returns
// the SHA-256 the phone said it had signed.
func (s *Store) recordDocumentContent(ctx context.Context, orgID, recordID string) (document.Record, string, error) {
	db := s.read(ctx)
	var src recordSources
	if err := db.Where("org_id = ? AND id = ?", orgID, recordID).Take(&src.Record).Error; err != nil {
		return document.Record{}, "", translate(err, errs.CodeRecordNotFound)
	}
	if err := json.Unmarshal([]byte(src.Record.Data), &src.Content); err != nil {
		return document.Record{}, "", fmt.Errorf("stored content: %w", err)
	}
	var org organisationRow
	if err := db.Where("id = ?", orgID).Take(&org).Error; err != nil {
		return document.Record{}, "", translate(err, "")
	}
	src.OrgName = org.Name
	var unit issuingUnitRow
	if err := db.Where("org_id = ? AND id = ?", orgID, src.Record.IssuingUnitID).Take(&unit).Error; err != nil {
		return document.Record{}, "", translate(err, "")
	}
	src.UnitName = unit.Name
	if err := db.Where("org_id = ? AND id = ?", orgID, src.Record.SubjectID).Take(&src.Subject).Error; err != nil {
		return document.Record{}, "", translate(err, "")
	}
	if err := db.Where("org_id = ? AND id = ?", orgID, src.Record.SiteID).Take(&src.Site).Error; err != nil {
		return document.Record{}, "", translate(err, "")
	}
	if c := src.Content.Corrects; c != "" {
		var old violationRecordRow
		if err := db.Where("org_id = ? AND id = ?", orgID, c).Take(&old).Error; err != nil {
			return document.Record{}, "", translate(err, errs.CodeRecordNotFound)
		}
		src.Corrects = &old
	}
	day := recordDay(src.Record.DrawnUpAt)
	src.Entries, src.Decrees = map[string]legalViolationRow{}, map[string]legalDecreeRow{}
	for _, v := range src.Content.Violations {
		if _, ok := src.Entries[v.Code]; ok {
			continue
		}
		// The version in force on the record's day; failing that, the latest one.
		var rows []legalViolationRow
		if err := db.Where("code = ?", v.Code).Order("valid_from DESC").Find(&rows).Error; err != nil {
			return document.Record{}, "", translate(err, "")
		}
		i := slices.IndexFunc(rows, func(r legalViolationRow) bool {
			return r.ValidFrom <= day && (r.ValidTo == nil || day < *r.ValidTo)
		})
		if i < 0 && len(rows) > 0 {
			i = 0
		}
		if i < 0 {
			continue
		}
		e := rows[i]
		src.Entries[v.Code] = e
		if e.Decree != nil {
			if _, ok := src.Decrees[*e.Decree]; !ok {
				var d legalDecreeRow
				if err := db.Where("number = ?", *e.Decree).Take(&d).Error; err != nil {
					return document.Record{}, "", translate(err, "")
				}
				src.Decrees[d.Number] = d
			}
		}
	}
	var refIDs []string
	refIDs = append(refIDs, src.Content.EvidenceIDs...)
	for _, pe := range src.Content.Persons {
		if pe.EvidenceID != "" {
			refIDs = append(refIDs, pe.EvidenceID)
		}
	}
	src.Evidence = map[string]evidenceSource{}
	if len(refIDs) > 0 {
		var refs []evidenceSource
		if err := db.Table("evidence_refs").Select("id, sha256, purpose, captured_at").Where("org_id = ? AND id IN ?", orgID, refIDs).
			Find(&refs).Error; err != nil {
			return document.Record{}, "", translate(err, "")
		}
		for _, r := range refs {
			src.Evidence[r.ID] = r
		}
		for _, id := range refIDs {
			if _, ok := src.Evidence[id]; !ok && !slices.Contains(src.MissingRefs, id) {
				src.MissingRefs = append(src.MissingRefs, id)
			}
		}
	}
	if len(src.MissingRefs) > 0 {
		return document.Record{}, "", errs.E(errs.Unavailable, fmt.Sprintf("waiting for the evidence references %v the record cites", src.MissingRefs))
	}
	return buildRecordDocument(src), src.Content.DocumentSHA256, nil
}

// buildRecordDocument makes the document content from the record and what it cites, by the rules
// the phone follows too (document.BuildRecord, docs/documents.md): this only reads the rows into the
// shared sources.
func buildRecordDocument(src recordSources) document.Record {
	c, rec := src.Content, src.Record
	in := document.RecordSources{RecordID: rec.ID, Number: rec.Number, Year: rec.Year, DrawnUpAt: rec.DrawnUpAt,
		Record: pushedRecord(c), OrganisationName: src.OrgName, IssuingUnitName: src.UnitName,
		Subject: document.Subject{Kind: src.Subject.Kind, Name: src.Subject.Name, Address: src.Subject.Address,
			TaxCode: legalStr(src.Subject.TaxCode), IDNumber: legalStr(src.Subject.IDNumber), LegalRepresentative: src.Subject.LegalRepresentative},
		Site:    document.Site{Name: src.Site.Name, Address: src.Site.Address},
		Entries: make(map[string]document.CatalogueEntry, len(src.Entries)), Decrees: make(map[string]document.Decree, len(src.Decrees)),
		Evidence: make(map[string]document.EvidenceFact, len(src.Evidence))}
	if src.Corrects != nil {
		in.Corrects = &document.RecordRef{RecordID: src.Corrects.ID, Number: src.Corrects.Number, Year: src.Corrects.Year}
	}
	for code, e := range src.Entries {
		in.Entries[code] = catalogueEntry(e)
	}
	for n, d := range src.Decrees {
		in.Decrees[n] = decreeSource(d)
	}
	for id, e := range src.Evidence {
		in.Evidence[id] = document.EvidenceFact{SHA256: e.SHA256, Purpose: e.Purpose, CapturedAt: e.CapturedAt}
	}
	return document.BuildRecord(in)
}

// pushedRecord is the stored content as the document reads it.
func pushedRecord(c recordContent) document.PushedRecord {
	p := document.PushedRecord{EvidenceIDs: c.EvidenceIDs, Corrects: c.Corrects, Place: c.Place, Matter: c.Matter,
		LegalBases: c.LegalBases, ExplanationDays: c.ExplanationDays, ExplanationTo: c.ExplanationTo, Measures: c.Measures,
		ResolutionPlace: c.ResolutionPlace, ResolutionAt: c.ResolutionAt, CompletedAt: c.CompletedAt, Copies: c.Copies}
	for _, v := range c.Violations {
		p.Violations = append(p.Violations, document.CitedViolation{Code: v.Code, Quantity: v.Quantity, Description: v.Description})
	}
	for _, pe := range c.Persons {
		p.Persons = append(p.Persons, document.PersonPresent{Role: pe.Role, Name: pe.Name, Signed: pe.Signed, Refused: pe.Refused,
			EvidenceID: pe.EvidenceID, Title: pe.Title, Unit: pe.Unit, Address: pe.Address, Occupation: pe.Occupation,
			IDNumber: pe.IDNumber, RefusalReason: pe.RefusalReason})
	}
	if o := c.Violator; o != nil {
		p.Violator = &document.Violator{Name: o.Name, Gender: o.Gender, DateOfBirth: o.DateOfBirth, Nationality: o.Nationality,
			Occupation: o.Occupation, Address: o.Address, IDNumber: o.IDNumber, IDIssuedOn: o.IDIssuedOn, IDIssuedBy: o.IDIssuedBy,
			EnterpriseCode: o.EnterpriseCode, Registration: o.Registration, RegistrationIssuedOn: o.RegistrationIssuedOn,
			RegistrationIssuedBy: o.RegistrationIssuedBy, Representative: o.Representative, RepresentativeGender: o.RepresentativeGender,
			RepresentativeTitle: o.RepresentativeTitle}
	}
	for _, st := range c.Statements {
		p.Statements = append(p.Statements, document.PushedStatement{Role: st.Role, Name: st.Name, Text: st.Text})
	}
	for _, d := range c.DamagedParties {
		p.DamagedParties = append(p.DamagedParties, document.Party{Name: d.Name, Address: d.Address})
	}
	for _, it := range c.SeizedItems {
		p.SeizedItems = append(p.SeizedItems, document.SeizedItem{Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Note: it.Note})
	}
	return p
}

// catalogueEntry is a catalogue entry's row as the document reads it.
func catalogueEntry(e legalViolationRow) document.CatalogueEntry {
	return document.CatalogueEntry{Code: e.Code, Decree: legalStr(e.Decree), Article: e.Article, Clause: e.Clause, Point: e.Point,
		Text: e.DescriptionVI, ValidFrom: e.ValidFrom, ValidTo: legalStr(e.ValidTo)}
}

// decreeSource is a decree's row as the document reads it; amendments that cannot be read are left
// out.
func decreeSource(d legalDecreeRow) document.Decree {
	out := document.Decree{Number: d.Number, Title: d.Title, Issued: legalStr(d.Issued)}
	var list []legalAmendmentJSON
	if json.Unmarshal([]byte(d.AmendedBy), &list) == nil {
		for _, a := range list {
			out.AmendedBy = append(out.AmendedBy, document.Amendment{Number: a.Number, InForceFrom: a.InForceFrom})
		}
	}
	return out
}

// amendedBy lists the decrees that amended d and were in force on day, as the provision cites them.
func amendedBy(d legalDecreeRow, day string) []string { return decreeSource(d).AmendmentsInForce(day) }
