// Package syncfeed is the change log that phones pull from: which entity of which dataset changed, in
// which scope, in commit order, behind an opaque cursor. It holds the rules; the storage adapter
// (server/gormstore) implements Log. It is the core of the pull protocol; the HTTP API comes later.
//
// Guarantees of every Log (PRODUCT.md, "What must always hold", sync 3; DECISIONS D6, D7):
//
//   - Commit order. Changes are served in the order their transactions committed, as far as a reader
//     can observe it: a change is served only once every change that may precede it is final.
//   - Nothing is skipped. A change recorded by a transaction that commits late, after changes of
//     transactions that began after it, is never passed over by a cursor. On PostgreSQL a change is
//     served only when its transaction is below the reader's snapshot xmin, so every transaction that
//     could still sort before the cursor has finished; on SQLite the single writer makes the row ID the
//     commit order. A long write transaction therefore stalls pulls (it never breaks them): keep write
//     transactions short.
//   - Exactly once. Pulling a→b and then b→c returns what a→c returns, each change once.
//   - A page is a consistent snapshot: it is read by one statement and applied whole by the phone.
//   - Scope. A change is returned only to a pull of its own organisation, dataset and one of the
//     pull's scopes; nothing of another organisation or scope is ever returned.
//   - Resets are per dataset (D7). A cursor of another dataset, of an older cursor format or dataset
//     schema, issued for another set of scopes (the phone's scope changed), or one the log cannot place
//     (from a database restored from backup) is answered with an error of kind errs.Stale and code
//     errs.CodeCursorReset: the phone starts that dataset over from the empty cursor. A cursor that is
//     not a cursor at all is errs.Invalid with errs.CodeCursorInvalid.
//   - The log is compacted: it keeps the latest change of each entity in each scope (a newer change
//     replaces the row of the older one and takes a new position). A pull from the start therefore
//     returns the current state of the dataset, not its history, and leaves tombstones out; an
//     incremental pull returns each entity changed since the cursor once, in its latest state.
//   - Checksums. A complete page carries the checksum of everything the phone should then hold for
//     the dataset: the sum modulo 2^32 of EntryChecksum over the live entities in its scopes.
package syncfeed

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Op is what happened to the entity.
type Op string

// The operations. A delete is a tombstone: it is also sent when the entity leaves the phone's scope.
const (
	OpUpsert Op = "upsert"
	OpDelete Op = "delete"
)

// Change is one change of one entity, recorded by the storage in the transaction that made it.
type Change struct {
	Dataset    string // e.g. "sites", "assignments", "catalogue", "own-visits": resets are per dataset
	EntityType string // e.g. "site", "visit"
	EntityID   string
	OrgID      string
	Scope      string // who may see it: ScopeAll, "campaign/<id>", "site/<id>", "subject/<id>", "device/<id>"
	Op         Op
	Version    int64  // the entity's server version after the change; 0 for entities phones do not edit
	Data       []byte // the entity as phones receive it (compact JSON); nil for a delete
}

// Validate checks that the change can be recorded: every field set, a known op, a dataset name that
// fits a cursor.
func (c Change) Validate() error {
	const op = errs.Op("syncfeed.Change.Validate")
	var fields []errs.FieldError
	for _, f := range []struct{ name, value string }{
		{"dataset", c.Dataset}, {"entity_type", c.EntityType}, {"entity_id", c.EntityID},
		{"org_id", c.OrgID}, {"scope", c.Scope},
	} {
		if f.value == "" {
			fields = append(fields, errs.FieldError{Field: f.name, Code: errs.CodeRequired})
		}
	}
	if c.Dataset != "" && !validDataset(c.Dataset) {
		fields = append(fields, errs.FieldError{Field: "dataset", Code: errs.CodeInvalidValue})
	}
	if c.Op != OpUpsert && c.Op != OpDelete {
		fields = append(fields, errs.FieldError{Field: "op", Code: errs.CodeInvalidValue})
	}
	if c.Version < 0 {
		fields = append(fields, errs.FieldError{Field: "version", Code: errs.CodeInvalidValue})
	}
	if c.Op == OpUpsert && len(c.Data) == 0 {
		fields = append(fields, errs.FieldError{Field: "data", Code: errs.CodeRequired})
	}
	if len(fields) > 0 {
		return errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	return nil
}

// validDataset allows lower-case letters, digits, '-' and '_': names that need no escaping in a cursor.
func validDataset(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// Entry is a change as the log serves it.
type Entry struct {
	Change
	RecordedAt time.Time // the server's clock when the change was recorded; for people, not for ordering
}

// EntryChecksum is the checksum of one live entity as a phone holds it: the first four bytes of the
// SHA-256 of its type, ID, version and data, each followed by a zero byte. A phone computes it from
// what it received and stored; a dataset's checksum is the sum of its entities' checksums modulo 2^32.
func EntryChecksum(entityType, entityID string, version int64, data []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(entityType))
	h.Write([]byte{0})
	h.Write([]byte(entityID))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(version, 10)))
	h.Write([]byte{0})
	h.Write(data)
	h.Write([]byte{0})
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return binary.BigEndian.Uint32(sum[:4])
}

// Page is one answer to a pull.
type Page struct {
	Changes []Entry
	// Next is the cursor to pull from next: past the last change of the page, or the cursor that was
	// given when the page is empty.
	Next Cursor
	// Complete tells that nothing more can be served now: pull again later, not at once. A page that is
	// not complete yet holds no changes waits for a transaction still running (PostgreSQL holds back
	// changes committed after an older transaction that has not finished): pull again after a pause.
	Complete bool
	// Checksum, when set, is what the phone's copy of the dataset must sum to once this page is
	// applied (see EntryChecksum). It is set on complete pages that carry changes, when no change of
	// the dataset is held back by a transaction still running.
	Checksum *uint32
}

// Page sizes: a pull asks for at most MaxLimit changes; zero or less means DefaultLimit.
const (
	DefaultLimit = 500
	MaxLimit     = 1000
)

// NormalLimit returns limit defaulted and capped.
func NormalLimit(limit int) int {
	switch {
	case limit <= 0:
		return DefaultLimit
	case limit > MaxLimit:
		return MaxLimit
	}
	return limit
}

// Log is the change log. Recording a change is storage-internal: it happens inside the write
// transaction of the change itself, so that a change is logged if and only if it is committed.
type Log interface {
	// Since returns the changes of dataset in the given scopes after cursor (the empty cursor is the
	// start), of the organisation and of the national data (OrgShared), at most limit of them (see
	// NormalLimit), in commit order. Errors: errs.Invalid/CodeCursorInvalid for a cursor that cannot
	// be read; errs.Stale/CodeCursorReset when the phone must start the dataset over (also when the
	// cursor was issued for other scopes); errs.Unavailable when the database cannot be reached.
	Since(ctx context.Context, orgID, dataset string, scopes []string, cursor Cursor, limit int) (Page, error)
	// ChangedSince tells, for each dataset, whether anything of the organisation or of the national
	// data was logged past the position, in any scope: a dataset reported unchanged has nothing new
	// for any phone whose cursor is at that position. It lets an empty incremental pull cost one query.
	ChangedSince(ctx context.Context, orgID string, positions map[string]Position) (map[string]bool, error)
}

// Cursor is a position in the log, opaque to phones: they store it and send it back.
//
// Format: base64url (no padding) of "<format>:<dataset>:<scopes>:<xid>:<id>", where format is
// CursorFormat, scopes the Fingerprint of the dataset's schema and the scopes the cursor was issued
// for, xid the transaction of the last change served (its pg_current_xact_id on PostgreSQL, 0 on
// SQLite) and id its row ID. The empty cursor is the start of the dataset.
type Cursor string

// CursorFormat is the version of the cursor encoding. Raising it makes every earlier cursor a reset.
const CursorFormat = 2

// Position is a decoded cursor: the (transaction, row) of the last change served. The zero Position is
// the start.
type Position struct {
	Xid int64
	ID  int64
}

// IsStart tells whether p is the start of the log.
func (p Position) IsStart() bool { return p == Position{} }

// Fingerprint names a dataset's schema version and a set of scopes (in any order) in a cursor: 16 hex
// digits of a SHA-256. A cursor issued for one set of scopes is a reset for another, because the phone
// has not received the earlier changes of the scopes it gained, and holds entities of those it lost.
func Fingerprint(dataset string, scopes []string) string {
	sorted := slices.Clone(scopes)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00", dataset, SchemaVersion(dataset))
	for _, s := range sorted {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// EncodeCursor returns the cursor of position p in dataset for the scopes of fingerprint.
func EncodeCursor(dataset, fingerprint string, p Position) Cursor {
	if p.IsStart() {
		return ""
	}
	raw := fmt.Sprintf("%d:%s:%s:%d:%d", CursorFormat, dataset, fingerprint, p.Xid, p.ID)
	return Cursor(base64.RawURLEncoding.EncodeToString([]byte(raw)))
}

// Decode reads the cursor for a pull of dataset with the scopes of fingerprint. A cursor that is not
// one is errs.Invalid with CodeCursorInvalid; a cursor of another format, dataset, schema or set of
// scopes is errs.Stale with CodeCursorReset.
func (c Cursor) Decode(dataset, fingerprint string) (Position, error) {
	const op = errs.Op("syncfeed.Cursor.Decode")
	if c == "" {
		return Position{}, nil
	}
	invalid := func(why string) (Position, error) {
		return Position{}, errs.E(op, errs.Invalid, errs.CodeCursorInvalid, why)
	}
	if len(c) > 256 {
		return invalid("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(string(c))
	if err != nil {
		return invalid("not base64url")
	}
	parts := strings.Split(string(b), ":")
	format, err := strconv.Atoi(parts[0])
	if err != nil {
		return invalid("format not a number")
	}
	if format != CursorFormat {
		return Position{}, errs.E(op, errs.Stale, errs.CodeCursorReset, fmt.Sprintf("cursor format %d, server format %d", format, CursorFormat))
	}
	if len(parts) != 5 {
		return invalid("not five fields")
	}
	xid, err1 := strconv.ParseInt(parts[3], 10, 64)
	id, err2 := strconv.ParseInt(parts[4], 10, 64)
	if err1 != nil || err2 != nil || xid < 0 || id <= 0 || !validDataset(parts[1]) {
		return invalid("bad position")
	}
	if parts[1] != dataset {
		return Position{}, errs.E(op, errs.Stale, errs.CodeCursorReset, fmt.Sprintf("cursor of dataset %q used for %q", parts[1], dataset))
	}
	if parts[2] != fingerprint {
		return Position{}, errs.E(op, errs.Stale, errs.CodeCursorReset, "scope or dataset schema changed")
	}
	return Position{Xid: xid, ID: id}, nil
}
