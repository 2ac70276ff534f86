package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Evidence states (the column local_evidence.state). Evidence is queued when captured; uploading
// from the first byte sent (or the first announce answered) until the server says stored — its bytes
// arrived and hashed to the SHA-256 taken at capture; rejected when the server refused it for good
// (its reference was set aside, or the bytes can never be taken: wrong type, too large, out of
// scope), with the server's code and message. A rejected upload is kept and retried only on
// RetryEvidence.
const (
	StateUploading = "uploading"
	StateStored    = "stored"
)

// Purposes and content types of evidence (schemas/sync-push-evidence.schema.json).
const (
	PurposePhoto     = "photo"
	PurposeSignature = "signature"
	PurposeDocument  = "document"
)

// NewEvidence is a photo, signature or document taken on site. The app gives the bytes either as a
// file (FilePath, which the client copies into its own directory: the app may delete its file once
// CaptureEvidence returns) or in memory (Bytes).
type NewEvidence struct {
	VisitID   string
	RecordID  string // the violation record it belongs to, if any
	FindingID string // the manual finding it belongs to, if any
	// ContentType is image/jpeg, image/png or application/pdf; empty: taken from the bytes.
	ContentType string
	Purpose     string // photo (default), signature or document
	FilePath    string
	Bytes       []byte
	// CapturedAtMilli is when it was taken (Unix milliseconds by the phone's clock; 0: now).
	CapturedAtMilli int64
	// GPS where it was taken, when HasGPS (AccuracyM 0: unknown).
	HasGPS              bool
	Lat, Lon, AccuracyM float64
}

// sniffType names the content type of the first bytes of a file, "" when it is none the server takes.
func sniffType(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return "image/jpeg"
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "application/pdf"
	}
	return ""
}

// openEvidenceDir makes the evidence directory and removes what a killed capture left behind: a
// temporary file, or a file whose capture transaction never committed (no row names it).
func (c *Client) openEvidenceDir() error {
	dir := c.cfg.evidenceDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	held := map[string]bool{}
	rows, err := c.store.r.QueryContext(c.ctx, `SELECT file FROM local_evidence WHERE pruned_at = 0`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return err
		}
		held[name] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && !held[name] {
			os.Remove(filepath.Join(dir, name))
		}
	}
	return nil
}

// CaptureEvidence keeps a photo, signature or document of a visit and queues its reference: the
// bytes are copied into the client's directory and fsynced, their SHA-256 taken as they are written;
// then the evidence row and its outbox item (entity type evidence) are written in ONE transaction. It
// returns the evidence's ID (a UUIDv7 made here), to cite in answers (evidence), findings and records
// (evidence_ids). The upload follows the reference by itself in Sync (docs/client.md).
func (c *Client) CaptureEvidence(e *NewEvidence) (string, error) {
	if e == nil || e.VisitID == "" {
		return "", newError(CodeInvalid, "evidence needs a visit")
	}
	if (e.FilePath == "") == (e.Bytes == nil) {
		return "", newError(CodeInvalid, "evidence needs either a file or bytes")
	}
	purpose := e.Purpose
	if purpose == "" {
		purpose = PurposePhoto
	}
	if purpose != PurposePhoto && purpose != PurposeSignature && purpose != PurposeDocument {
		return "", errorf(CodeInvalid, "unknown purpose %q", purpose)
	}
	var src io.Reader
	if e.FilePath != "" {
		f, err := os.Open(e.FilePath)
		if err != nil {
			return "", errorf(CodeInvalid, "evidence file: %v", err)
		}
		defer f.Close()
		src = f
	} else {
		src = bytes.NewReader(e.Bytes)
	}
	now := c.now()
	id := newUUIDv7(now)
	name, sum, size, head, err := c.keepFile(id, src)
	if err != nil {
		return "", err
	}
	drop := func() { os.Remove(filepath.Join(c.cfg.evidenceDir, name)) }
	sniffed := sniffType(head)
	ct := e.ContentType
	switch {
	case size == 0:
		drop()
		return "", newError(CodeInvalid, "the evidence is empty")
	case sniffed == "":
		drop()
		return "", newError(CodeInvalid, "the evidence is not a JPEG, PNG or PDF file")
	case ct == "":
		ct = sniffed
	case ct != sniffed:
		drop()
		return "", errorf(CodeInvalid, "the evidence is %s, not %s", sniffed, ct)
	}
	if ct == "application/pdf" && purpose != PurposeDocument {
		drop()
		return "", newError(CodeInvalid, "a PDF is evidence only as a document")
	}
	captured := e.CapturedAtMilli
	if captured <= 0 {
		captured = now
	}
	p := map[string]any{"visit_id": e.VisitID, "sha256": sum, "size": size, "content_type": ct, "purpose": purpose,
		"captured_at": rfc3339Milli(captured)}
	if e.RecordID != "" {
		p["record_id"] = e.RecordID
	}
	if e.FindingID != "" {
		p["finding_id"] = e.FindingID
	}
	if e.HasGPS {
		g := map[string]float64{"lat": e.Lat, "lon": e.Lon}
		if e.AccuracyM > 0 {
			g["accuracy_m"] = e.AccuracyM
		}
		p["gps"] = g
	}
	payload, err := json.Marshal(p)
	if err != nil {
		drop()
		return "", err
	}
	err = c.edit(func(ctx context.Context, tx *sql.Tx) error {
		changeID, err := c.enqueue(ctx, tx, change{entityType: "evidence", entityID: id, payload: payload})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO local_evidence (id, change_id, visit_id, record_id, finding_id, content_type, purpose,
			sha256, size, file, payload, state, captured_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)`,
			id, changeID, e.VisitID, e.RecordID, e.FindingID, ct, purpose, sum, size, name, payload, captured, now)
		return err
	})
	if err != nil {
		drop()
		return "", err
	}
	return id, nil
}

// keepFile copies src into the evidence directory as the file named id, hashing it on the way:
// written to a temporary name, fsynced, renamed, and the directory fsynced, so that the file the
// capture transaction names is whole on disk before that transaction commits.
func (c *Client) keepFile(id string, src io.Reader) (name, sum string, size int64, head []byte, err error) {
	dir := c.cfg.evidenceDir
	tmp := filepath.Join(dir, id+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", "", 0, nil, err
	}
	h := sha256.New()
	hw := &headWriter{limit: 16}
	size, err = io.Copy(io.MultiWriter(f, h, hw), src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, id))
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		os.Remove(tmp)
		os.Remove(filepath.Join(dir, id))
		return "", "", 0, nil, err
	}
	return id, hex.EncodeToString(h.Sum(nil)), size, hw.b, nil
}

// headWriter keeps the first bytes written (to sniff the type).
type headWriter struct {
	b     []byte
	limit int
}

func (w *headWriter) Write(p []byte) (int, error) {
	if room := w.limit - len(w.b); room > 0 {
		w.b = append(w.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// syncDir fsyncs a directory, so that a rename in it survives a power cut.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// EvidenceInfo is where one evidence stands, for the app's screens.
type EvidenceInfo struct {
	ID, VisitID, RecordID, FindingID string
	ContentType, Purpose, SHA256     string
	Size                             int64
	State                            string // queued, uploading, stored or rejected
	Uploaded                         int64  // bytes the server last said it holds
	Code, Message                    string // why it was rejected
	ReferenceState                   string // the state of its reference outbox item
	Pruned                           bool   // the file was let go (stored, and the visit's work all acknowledged)
}

// Evidence returns where an evidence stands.
func (c *Client) Evidence(evidenceID string) (*EvidenceInfo, error) {
	var e EvidenceInfo
	var pruned int64
	err := c.store.r.QueryRowContext(c.ctx, `SELECT e.id, e.visit_id, e.record_id, e.finding_id, e.content_type, e.purpose, e.sha256,
		e.size, e.state, e.uploaded, e.code, e.message, COALESCE(o.state, ''), e.pruned_at
		FROM local_evidence e LEFT JOIN outbox o ON o.change_id = e.change_id WHERE e.id = ?`, evidenceID).
		Scan(&e.ID, &e.VisitID, &e.RecordID, &e.FindingID, &e.ContentType, &e.Purpose, &e.SHA256, &e.Size, &e.State, &e.Uploaded,
			&e.Code, &e.Message, &e.ReferenceState, &pruned)
	if err == sql.ErrNoRows {
		return nil, errorf(CodeNotFound, "no evidence %s on this phone", evidenceID)
	}
	if err != nil {
		return nil, err
	}
	e.Pruned = pruned > 0
	return &e, nil
}

// EvidenceList lists (JSON array of EvidenceInfo-shaped objects, in capture order) the evidence in
// the given comma-separated states ("" for all).
func (c *Client) EvidenceList(states string) (string, error) {
	q := `SELECT e.id, e.visit_id, e.record_id, e.finding_id, e.content_type, e.purpose, e.sha256, e.size, e.state, e.uploaded,
		e.code, e.message, COALESCE(o.state, ''), e.pruned_at FROM local_evidence e LEFT JOIN outbox o ON o.change_id = e.change_id`
	var args []any
	if states = strings.TrimSpace(states); states != "" {
		parts := strings.Split(states, ",")
		q += ` WHERE e.state IN (?` + strings.Repeat(", ?", len(parts)-1) + `)`
		for _, p := range parts {
			args = append(args, strings.TrimSpace(p))
		}
	}
	rows, err := c.store.r.QueryContext(c.ctx, q+` ORDER BY e.seq`, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	type item struct {
		ID             string `json:"id"`
		VisitID        string `json:"visit_id"`
		RecordID       string `json:"record_id,omitempty"`
		FindingID      string `json:"finding_id,omitempty"`
		ContentType    string `json:"content_type"`
		Purpose        string `json:"purpose"`
		SHA256         string `json:"sha256"`
		Size           int64  `json:"size"`
		State          string `json:"state"`
		Uploaded       int64  `json:"uploaded"`
		Code           string `json:"code,omitempty"`
		Message        string `json:"message,omitempty"`
		ReferenceState string `json:"reference_state"`
		Pruned         bool   `json:"pruned"`
	}
	out := []item{}
	for rows.Next() {
		var it item
		var pruned int64
		if err := rows.Scan(&it.ID, &it.VisitID, &it.RecordID, &it.FindingID, &it.ContentType, &it.Purpose, &it.SHA256, &it.Size,
			&it.State, &it.Uploaded, &it.Code, &it.Message, &it.ReferenceState, &pruned); err != nil {
			return "", err
		}
		it.Pruned = pruned > 0
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// RetryEvidence puts a rejected upload back in the queue (after what the server refused was fixed,
// e.g. the visit is back in the team's scope). A reference that was set aside is not pushed again
// under its change ID: the upload announces it with PUT, which the server judges afresh.
func (c *Client) RetryEvidence(evidenceID string) error {
	return c.store.tx(c.ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(c.ctx, `UPDATE local_evidence SET state = 'queued', code = '', message = '', attempts = 0,
			mismatches = 0, updated_at = ? WHERE id = ? AND state = 'rejected'`, c.now(), evidenceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errorf(CodeNotFound, "no rejected evidence %s", evidenceID)
		}
		return nil
	})
}
