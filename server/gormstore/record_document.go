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
func recordDay(t time.Time) string {
	return t.In(time.FixedZone("ICT", 7*3600)).Format(time.DateOnly)
}

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

// The record's roles as the document names them.
var documentRoles = map[string]string{
	"inspector": document.RoleOfficial, "violator": document.RoleViolator, "representative": document.RoleViolator,
	"witness": document.RoleWitness, "local_government": document.RoleLocalGovernment, "interpreter": document.RoleInterpreter,
	"damaged": document.RoleDamaged,
}

// buildRecordDocument makes the document content from the record and what it cites. The rules, which
// a phone must follow to make the same content, are in docs/documents.md: the form fields the phone
// pushed win; otherwise the registry's subject and site, the issuing unit, and the catalogue entries
// and decrees in force on the record's day fill them.
func buildRecordDocument(src recordSources) document.Record {
	c, rec := src.Content, src.Record
	d := document.Record{
		Form: document.RecordForm, Layout: document.RecordLayout, RecordID: rec.ID,
		IssuingBody: document.IssuingBody{Parent: src.OrgName, Name: src.UnitName},
		Number:      rec.Number, Year: rec.Year, DrawnUpAt: rec.DrawnUpAt.UTC(),
		Matter: c.Matter, Place: c.Place, LegalBases: slices.Clone(c.LegalBases),
		ExplanationDays: c.ExplanationDays, ExplanationTo: c.ExplanationTo, Measures: slices.Clone(c.Measures),
		ResolutionPlace: c.ResolutionPlace, ResolutionAt: c.ResolutionAt, CompletedAt: c.CompletedAt, Copies: c.Copies,
	}
	if src.Corrects != nil {
		d.Corrects = &document.RecordRef{RecordID: src.Corrects.ID, Number: src.Corrects.Number, Year: src.Corrects.Year}
	}
	if d.Place == "" {
		d.Place = src.Site.Name
		if src.Site.Address != "" {
			d.Place += ", " + src.Site.Address
		}
	}
	day := recordDay(rec.DrawnUpAt)
	var decrees []string
	for _, v := range c.Violations {
		x := document.Violation{Code: v.Code, Act: v.Description}
		if v.Quantity != nil {
			x.Quantity = strconv.FormatFloat(*v.Quantity, 'f', -1, 64)
		}
		if e, ok := src.Entries[v.Code]; ok {
			x.CatalogueText, x.Point, x.Clause, x.Article = e.DescriptionVI, e.Point, e.Clause, e.Article
			if e.Decree != nil {
				x.Decree = *e.Decree
				x.AmendedBy = amendedBy(src.Decrees[*e.Decree], day)
				if !slices.Contains(decrees, x.Decree) {
					decrees = append(decrees, x.Decree)
				}
			}
		}
		if x.Act == "" && x.CatalogueText == "" {
			x.Act = v.Code // a code the catalogue lacks, without a description: the code is all there is to print
		}
		d.Violations = append(d.Violations, x)
	}
	if d.Matter == "" && len(decrees) > 0 {
		d.Matter = document.MatterFromDecreeTitle(src.Decrees[decrees[0]].Title)
	}
	if len(d.LegalBases) == 0 {
		d.LegalBases = []string{document.LawLegalBasis}
		for _, n := range decrees {
			dec := src.Decrees[n]
			issued := ""
			if dec.Issued != nil {
				issued = *dec.Issued
			}
			d.LegalBases = append(d.LegalBases, document.DecreeLegalBasis(n, issued, dec.Title))
		}
	}
	// The violator: the registry's subject, with what the phone pushed in its place.
	sub := src.Subject
	v := document.Violator{Kind: document.Individual, Name: sub.Name, Address: sub.Address}
	if sub.Kind == "organisation" {
		v.Kind = document.Organisation
		v.Representative = sub.LegalRepresentative
		if sub.TaxCode != nil {
			v.EnterpriseCode = *sub.TaxCode
		}
	} else if sub.IDNumber != nil {
		v.IDNumber = *sub.IDNumber
	}
	if o := c.Violator; o != nil {
		for _, f := range []struct {
			dst *string
			src string
		}{{&v.Name, o.Name}, {&v.Gender, o.Gender}, {&v.DateOfBirth, o.DateOfBirth}, {&v.Nationality, o.Nationality},
			{&v.Occupation, o.Occupation}, {&v.Address, o.Address}, {&v.IDNumber, o.IDNumber}, {&v.IDIssuedOn, o.IDIssuedOn},
			{&v.IDIssuedBy, o.IDIssuedBy}, {&v.EnterpriseCode, o.EnterpriseCode}, {&v.Registration, o.Registration},
			{&v.RegistrationIssuedOn, o.RegistrationIssuedOn}, {&v.RegistrationIssuedBy, o.RegistrationIssuedBy},
			{&v.Representative, o.Representative}, {&v.RepresentativeGender, o.RepresentativeGender},
			{&v.RepresentativeTitle, o.RepresentativeTitle}} {
			if f.src != "" {
				*f.dst = f.src
			}
		}
	}
	for _, pe := range c.Persons {
		if pe.Role == "representative" && v.Kind == document.Organisation {
			if v.Representative == "" {
				v.Representative = pe.Name
			}
			if v.RepresentativeTitle == "" {
				v.RepresentativeTitle = pe.Title
			}
		}
	}
	d.Violator = v
	for _, pe := range c.Persons {
		role := documentRoles[pe.Role]
		switch role {
		case document.RoleOfficial:
			unit := pe.Unit
			if unit == "" {
				unit = src.UnitName
			}
			d.Officials = append(d.Officials, document.Official{Name: pe.Name, Title: pe.Title, Unit: unit})
		case document.RoleWitness, document.RoleLocalGovernment, document.RoleInterpreter:
			d.Witnesses = append(d.Witnesses, document.Witness{Role: role, Name: pe.Name, Title: pe.Title, Unit: pe.Unit,
				Address: pe.Address, IDNumber: pe.IDNumber, Occupation: pe.Occupation})
		}
		sig := document.Signature{Role: role, Name: pe.Name, Title: pe.Title, Signed: pe.Signed, Refused: pe.Refused,
			RefusalReason: pe.RefusalReason}
		if pe.EvidenceID != "" {
			sig.ImageSHA256 = src.Evidence[pe.EvidenceID].SHA256
		}
		d.Signatures = append(d.Signatures, sig)
	}
	for _, st := range c.Statements {
		d.Statements = append(d.Statements, document.Statement{Role: documentRoles[st.Role], Name: st.Name, Text: st.Text})
	}
	for _, p := range c.DamagedParties {
		d.DamagedParties = append(d.DamagedParties, document.Party{Name: p.Name, Address: p.Address})
	}
	for _, it := range c.SeizedItems {
		d.SeizedItems = append(d.SeizedItems, document.SeizedItem{Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Note: it.Note})
	}
	for _, id := range c.EvidenceIDs {
		e := src.Evidence[id]
		kind := document.EvidenceDocument
		switch e.Purpose {
		case "signature":
			continue // signatures appear with their signers
		case "photo":
			kind = document.EvidencePhoto
		}
		at := e.CapturedAt.UTC()
		d.Evidence = append(d.Evidence, document.Evidence{ID: e.ID, SHA256: e.SHA256, Kind: kind, CapturedAt: &at})
	}
	return d.Normalize()
}

// amendedBy lists the decrees that amended d and were in force on day, as the provision cites them.
func amendedBy(d legalDecreeRow, day string) []string {
	var list []struct {
		Number      string `json:"number"`
		InForceFrom string `json:"in_force_from"`
	}
	if json.Unmarshal([]byte(d.AmendedBy), &list) != nil {
		return nil
	}
	var out []string
	for _, a := range list {
		if a.Number != "" && (a.InForceFrom == "" || a.InForceFrom <= day) {
			out = append(out, a.Number)
		}
	}
	return out
}
