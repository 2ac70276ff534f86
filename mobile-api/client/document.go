package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
)

// A violation record's document on the phone (DECISIONS D10): the content of form MBB01 built from
// the local copy with the server's own rules (document.BuildRecord) — the issuing body from the
// number block, the subject and site from the sites dataset, the catalogue entries and decrees in
// force on the record's day from the catalogue dataset, the evidence as captured — rendered by the
// server's renderer. When a record is first queued signed or submitted, its content is frozen in
// local_records and its SHA-256 goes up with it as document_sha256; the server builds its own copy
// from what it holds and keeps the phone's hash beside it.
//
// What the local copy lacks is filled as the server fills what it lacks, and listed in Missing: a
// code the catalogue copy does not hold prints the act alone; a decree it does not hold prints its
// number without title, date or amendments; a number block without the issuing body's names (a copy
// pulled before the numbers dataset's version 2) leaves the issuing body blank. The document is then
// still made, shown and pushed — it is what the people present signed — and the server's copy, built
// from complete data, differs: the server keeps both hashes and logs the difference. The app should
// warn before signing when Missing is not empty, and sync first when it can. An evidence reference
// the record cites that the phone holds neither as captured nor as pulled makes no document at all
// (CodeDocumentIncomplete): its SHA-256 is part of the content.

// Record statuses whose content is frozen (D11).
const (
	recordSigned    = "signed"
	recordSubmitted = "submitted"
)

// RecordDocument is a violation record's document as the phone builds it.
type RecordDocument struct {
	// SHA256 is the lower-case hex SHA-256 of Content: what the people present sign, pushed with the
	// record as document_sha256 once Frozen.
	SHA256 string
	// Content is the canonical JSON of the content (schemas/record-document.schema.json).
	Content string
	// Frozen tells whether the content was frozen when the record was queued signed or submitted;
	// otherwise it is built afresh from the record and the local copy at each call (a preview).
	Frozen bool
	// Missing is a JSON array of what the local copy lacked: "violation:<code>", "decree:<number>",
	// "issuing_body", "subject:<id>", "site:<id>", "record:<id>" ([] when nothing).
	Missing string
}

// RecordDocument returns the document of a record made on this phone: the frozen one, or else one
// built now from the record as saved. Errors: CodeNotFound; CodeDocumentIncomplete when the record
// cites evidence the phone does not hold, or its content cannot fill the form (the message says
// which fields).
func (c *Client) RecordDocument(recordID string) (*RecordDocument, error) {
	d, err := c.recordDocument(c.ctx, c.store.r, recordID)
	if err != nil {
		return nil, err
	}
	return &RecordDocument{SHA256: d.sum, Content: string(d.canon), Frozen: d.frozen, Missing: d.missing}, nil
}

// RecordPDF renders a record's document (RecordDocument) as the PDF of form MBB01: the same bytes
// the server stores for the same content. The violator gets it on site, shown or printed.
func (c *Client) RecordPDF(recordID string) ([]byte, error) {
	d, err := c.recordDocument(c.ctx, c.store.r, recordID)
	if err != nil {
		return nil, err
	}
	pdf, err := document.RenderRecordPDFFromJSON(d.canon)
	if err != nil {
		return nil, errorf(CodeDocumentIncomplete, "record %s: %v", recordID, err)
	}
	return pdf, nil
}

// WriteRecordPDF writes RecordPDF to the file path (replaced whole: written beside it, then renamed).
func (c *Client) WriteRecordPDF(recordID, path string) error {
	pdf, err := c.RecordPDF(recordID)
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pdf, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// builtDocument is a record's document content: canonical JSON, its SHA-256 and what was missing.
type builtDocument struct {
	canon   []byte
	sum     string
	missing string
	frozen  bool
}

// recordDocument reads a local record and returns its frozen document or builds one.
func (c *Client) recordDocument(ctx context.Context, q queryer, recordID string) (builtDocument, error) {
	var r localRecord
	var d builtDocument
	err := q.QueryRowContext(ctx, `SELECT visit_id, issuing_unit_id, year, number, body, document, document_sha256, document_missing
		FROM local_records WHERE id = ?`, recordID).Scan(&r.visitID, &r.unit, &r.year, &r.number, &r.body, &d.canon, &d.sum, &d.missing)
	if err == sql.ErrNoRows {
		return builtDocument{}, errorf(CodeNotFound, "no record %s on this phone", recordID)
	}
	if err != nil {
		return builtDocument{}, err
	}
	if d.sum != "" {
		d.frozen = true
		return d, nil
	}
	r.id = recordID
	return buildDocument(ctx, q, r)
}

// localRecord is what identifies a record made on the phone, with its body as saved.
type localRecord struct {
	id, visitID, unit string
	year, number      int
	body              []byte
}

// sealRecord gives the body a record is queued with its document_sha256. A record queued signed or
// submitted has its document frozen: built now, or kept as frozen before (frozen.sum set), and the
// body carries its hash. Other records go as they are. It returns the body and the frozen document.
// A document that cannot be built (CodeDocumentIncomplete) leaves the body without a hash.
func sealRecord(ctx context.Context, q queryer, r localRecord, status string, queued bool, frozen builtDocument) ([]byte, builtDocument, error) {
	if !queued || (status != recordSigned && status != recordSubmitted) {
		return r.body, frozen, nil
	}
	if frozen.sum == "" {
		d, err := buildDocument(ctx, q, r)
		if ErrorCode(err) == CodeDocumentIncomplete {
			return r.body, frozen, nil
		}
		if err != nil {
			return nil, frozen, err
		}
		frozen = d
	}
	body, err := setField(r.body, "document_sha256", frozen.sum)
	return body, frozen, err
}

// setField sets one field of a JSON object, replacing what the app may have put there.
func setField(object []byte, key string, v any) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(object, &m); err != nil {
		return nil, err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m[key] = b
	return json.Marshal(m)
}

// buildDocument builds a record's document content from its body and the local copy.
func buildDocument(ctx context.Context, q queryer, r localRecord) (builtDocument, error) {
	var body struct {
		document.PushedRecord
		DrawnUpAt time.Time `json:"drawn_up_at"`
		SubjectID string    `json:"subject_id"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil {
		return builtDocument{}, errorf(CodeDocumentIncomplete, "record %s: %v", r.id, err)
	}
	src := document.RecordSources{RecordID: r.id, Number: r.number, Year: r.year, DrawnUpAt: body.DrawnUpAt, Record: body.PushedRecord,
		Entries: map[string]document.CatalogueEntry{}, Decrees: map[string]document.Decree{}, Evidence: map[string]document.EvidenceFact{}}
	missing := []string{}
	lack := func(what string) {
		if !slices.Contains(missing, what) {
			missing = append(missing, what)
		}
	}
	ref := func(typ, id string, v any) (bool, error) {
		var data []byte
		err := q.QueryRowContext(ctx, `SELECT data FROM ref_entities WHERE type = ? AND id = ? ORDER BY dataset LIMIT 1`, typ, id).Scan(&data)
		if err == sql.ErrNoRows {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return json.Unmarshal(data, v) == nil, nil
	}

	// The issuing body: the names on the device's block of the record's number (any block of the unit
	// when that one is gone).
	body0, err := issuingBody(ctx, q, r.unit, r.year, r.number)
	if err != nil {
		return builtDocument{}, err
	}
	if body0 == nil {
		lack("issuing_body")
	} else {
		src.OrganisationName, src.IssuingUnitName = body0.OrganisationName, body0.IssuingUnitName
	}

	// The site: the visit's; the subject: the record's, else the site's.
	var visit struct {
		SiteID   string          `json:"site_id"`
		Evidence []visitEvidence `json:"evidence"`
	}
	if _, err := ref("visit", r.visitID, &visit); err != nil {
		return builtDocument{}, err
	}
	var localSite string
	if err := q.QueryRowContext(ctx, `SELECT site_id FROM local_visits WHERE id = ?`, r.visitID).Scan(&localSite); err != nil && err != sql.ErrNoRows {
		return builtDocument{}, err
	}
	if localSite != "" {
		visit.SiteID = localSite
	}
	var site struct {
		SubjectID string `json:"subject_id"`
		Name      string `json:"name"`
		Address   string `json:"address"`
	}
	if ok, err := ref("site", visit.SiteID, &site); err != nil {
		return builtDocument{}, err
	} else if !ok {
		lack("site:" + visit.SiteID)
	}
	src.Site = document.Site{Name: site.Name, Address: site.Address}
	subjectID := body.SubjectID
	if subjectID == "" {
		subjectID = site.SubjectID
	}
	var subject struct {
		Kind                string `json:"kind"`
		Name                string `json:"name"`
		Address             string `json:"address"`
		TaxCode             string `json:"tax_code"`
		IDNumber            string `json:"id_number"`
		LegalRepresentative string `json:"legal_representative"`
	}
	if ok, err := ref("subject", subjectID, &subject); err != nil {
		return builtDocument{}, err
	} else if !ok {
		lack("subject:" + subjectID)
	}
	src.Subject = document.Subject(subject)

	// The record it corrects: made on this phone, or pulled.
	if id := body.Corrects; id != "" {
		var old struct {
			Number int `json:"number"`
			Year   int `json:"year"`
		}
		err := q.QueryRowContext(ctx, `SELECT number, year FROM local_records WHERE id = ?`, id).Scan(&old.Number, &old.Year)
		if err == sql.ErrNoRows {
			var ok bool
			if ok, err = ref("record", id, &old); err == nil && !ok {
				lack("record:" + id)
			}
		}
		if err != nil {
			return builtDocument{}, err
		}
		src.Corrects = &document.RecordRef{RecordID: id, Number: old.Number, Year: old.Year}
	}

	// The catalogue entries in force on the record's day, and their decrees.
	day := document.RecordDay(body.DrawnUpAt)
	for _, v := range body.Violations {
		if _, ok := src.Entries[v.Code]; ok {
			continue
		}
		var entry struct {
			Versions []struct {
				Decree        *string `json:"decree"`
				Article       string  `json:"article"`
				Clause        string  `json:"clause"`
				Point         string  `json:"point"`
				DescriptionVI string  `json:"description_vi"`
				ValidFrom     string  `json:"valid_from"`
				ValidTo       *string `json:"valid_to"`
			} `json:"versions"`
		}
		ok, err := ref("violation", v.Code, &entry)
		if err != nil {
			return builtDocument{}, err
		}
		var versions []document.CatalogueEntry
		for _, e := range entry.Versions {
			versions = append(versions, document.CatalogueEntry{Code: v.Code, Decree: str(e.Decree), Article: e.Article, Clause: e.Clause,
				Point: e.Point, Text: e.DescriptionVI, ValidFrom: e.ValidFrom, ValidTo: str(e.ValidTo)})
		}
		e, found := document.EntryInForce(versions, day)
		if !ok || !found {
			lack("violation:" + v.Code)
			continue
		}
		src.Entries[v.Code] = e
		if e.Decree == "" {
			continue
		}
		if _, ok := src.Decrees[e.Decree]; ok {
			continue
		}
		var dec struct {
			Title     string  `json:"title"`
			Issued    *string `json:"issued"`
			AmendedBy []struct {
				Number      string `json:"number"`
				InForceFrom string `json:"in_force_from"`
			} `json:"amended_by"`
		}
		ok, err = ref("decree", e.Decree, &dec)
		if err != nil {
			return builtDocument{}, err
		}
		if !ok {
			lack("decree:" + e.Decree)
			continue
		}
		d := document.Decree{Number: e.Decree, Title: dec.Title, Issued: str(dec.Issued)}
		for _, a := range dec.AmendedBy {
			d.AmendedBy = append(d.AmendedBy, document.Amendment{Number: a.Number, InForceFrom: a.InForceFrom})
		}
		src.Decrees[e.Decree] = d
	}

	// The evidence: as captured on this phone, else as pulled with the visit.
	ids := slices.Clone(body.EvidenceIDs)
	for _, p := range body.Persons {
		if p.EvidenceID != "" {
			ids = append(ids, p.EvidenceID)
		}
	}
	for _, id := range ids {
		if _, ok := src.Evidence[id]; ok {
			continue
		}
		var f document.EvidenceFact
		var at int64
		err := q.QueryRowContext(ctx, `SELECT sha256, purpose, captured_at FROM local_evidence WHERE id = ?`, id).Scan(&f.SHA256, &f.Purpose, &at)
		switch {
		case err == nil:
			f.CapturedAt = time.UnixMilli(at).UTC()
		case err == sql.ErrNoRows:
			i := slices.IndexFunc(visit.Evidence, func(e visitEvidence) bool { return e.ID == id })
			if i < 0 {
				return builtDocument{}, errorf(CodeDocumentIncomplete, "record %s cites evidence %s, which this phone does not hold", r.id, id)
			}
			e := visit.Evidence[i]
			f = document.EvidenceFact{SHA256: e.SHA256, Purpose: e.Purpose, CapturedAt: e.CapturedAt}
		default:
			return builtDocument{}, err
		}
		src.Evidence[id] = f
	}

	canon, err := document.BuildRecord(src).CanonicalJSON()
	if err != nil {
		var ve *document.ValidationError
		if errors.As(err, &ve) {
			return builtDocument{}, errorf(CodeDocumentIncomplete, "record %s: %v", r.id, err)
		}
		return builtDocument{}, err
	}
	m, err := json.Marshal(missing)
	if err != nil {
		return builtDocument{}, err
	}
	return builtDocument{canon: canon, sum: document.SHA256Hex(canon), missing: string(m)}, nil
}

// visitEvidence is an evidence reference of a pulled visit (sync-visit.schema.json).
type visitEvidence struct {
	ID         string    `json:"id"`
	SHA256     string    `json:"sha256"`
	Purpose    string    `json:"purpose"`
	CapturedAt time.Time `json:"captured_at"`
}

// blockNames is what a number block says of its issuing body.
type blockNames struct {
	IssuingUnitID    string `json:"issuing_unit_id"`
	IssuingUnitName  string `json:"issuing_unit_name"`
	OrganisationName string `json:"organisation_name"`
	Year             int    `json:"year"`
	First            int    `json:"first"`
	Last             int    `json:"last"`
}

// issuingBody returns the names on the device's block that holds the number (else on any block of
// the unit), or nil when no block of the unit carries them.
func issuingBody(ctx context.Context, q queryer, unit string, year, number int) (*blockNames, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM ref_entities WHERE dataset = 'numbers' AND type = 'number_block' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found *blockNames
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		var b blockNames
		if json.Unmarshal(data, &b) != nil || b.IssuingUnitID != unit || strings.TrimSpace(b.IssuingUnitName+b.OrganisationName) == "" {
			continue
		}
		if b.Year == year && b.First <= number && number <= b.Last {
			return &b, rows.Err()
		}
		if found == nil {
			found = &b
		}
	}
	return found, rows.Err()
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// orEmptyBytes keeps a NOT NULL blob column from receiving NULL.
func orEmptyBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
