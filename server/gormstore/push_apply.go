package gormstore

// The push appliers: how the changes phones made offline are applied to visits, violation records,
// number marks, manual findings and evidence references (docs/sync.md; DECISIONS D4, D5, D9, D11).
// syncpush.Apply runs each item's applier in a savepoint of the batch's one transaction (a run of new
// visits in one savepoint for the run, push_batch_visit.go); an applier validates and reads first and
// writes last, so a refused item leaves nothing behind, and it records the change phones pull (dataset
// visits, and the site's history in dataset sites) in the same transaction.
//
// Payloads are the JSON objects of schemas/sync-push-*.schema.json; unknown fields are refused, so
// that a newer phone's data is never dropped silently. The data phones pull back is
// schemas/sync-visit.schema.json, sync-record.schema.json and sync-site-history.schema.json.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// The entity types phones push besides syncfeed.EntityVisit and syncfeed.EntityRecord.
const (
	pushNumberVoid = "number_void" // a record number voided with a reason (D9); entity ID unit/year/number
	pushFinding    = "finding"     // a finding noted on site outside the checklist
	pushEvidence   = "evidence"    // the reference of a photo, signature or document; the bytes come later
)

// pushAppliers holds what the appliers share: the store, and the published checklist versions already
// parsed (immutable once published, so they are kept for the life of the appliers).
type pushAppliers struct {
	s         *Store
	mu        sync.RWMutex
	templates map[string]*checklist.Template
}

// Appliers returns the appliers of every entity type phones push, for syncpush.Apply: visit, record,
// number_void, finding and evidence. Each enforces the pusher's scope (the person must be in the team
// of the visit's campaign; numbers must be the device's), the entity's version (base_version_future,
// entity_exists, chief_decision_protected) and its own rules, and refuses with errs.Invalid (field
// errors named payload.<field>), errs.Forbidden (out_of_scope), errs.Conflict or errs.NotFound, which
// syncpush takes as a rejection of the item. The visit applier is also a syncpush.GroupApplier: the
// new visits of a batch are checked together and written with a statement per table and hundred rows
// (push_batch_visit.go). Call it once and keep the result: it caches the parsed checklist versions.
func (s *Store) Appliers() syncpush.Appliers {
	a := &pushAppliers{s: s, templates: map[string]*checklist.Template{}}
	return syncpush.Appliers{
		syncfeed.EntityVisit:  visitApplier{Applier: a.applier(opApplyVisit, a.visit), a: a},
		syncfeed.EntityRecord: a.applier("gormstore.applyRecord", a.record),
		pushNumberVoid:        a.applier("gormstore.applyNumberVoid", a.numberVoid),
		pushFinding:           a.applier("gormstore.applyFinding", a.finding),
		pushEvidence:          a.applier("gormstore.applyEvidence", a.evidence),
	}
}

type applyFunc func(ctx context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error)

// applier adapts f: it recovers the push transaction and translates driver errors (a key taken
// meanwhile is a conflict, a reference to a row of another organisation is invalid: both reject the
// item; anything else rolls the batch back).
func (a *pushAppliers) applier(op string, f applyFunc) syncpush.Applier {
	return syncpush.ApplierFunc(func(ctx context.Context, tx syncpush.Tx, by syncpush.Pusher, it syncpush.Item) (int64, error) {
		db, err := pushDB(tx)
		if err != nil {
			return 0, err
		}
		v, err := f(ctx, db.WithContext(ctx), by, it)
		if err != nil {
			return 0, applierError(op, it, err)
		}
		return v, nil
	})
}

// applierError is the error an applier returns for an item: the driver's error translated, a key
// taken meanwhile by another push (PostgreSQL) reported as the ID being used, and the operation with
// the entity ID in front. The appliers of groups (push_batch*.go) use it too, so that an item gets the
// same error, word for word, in a group as alone.
func applierError(op string, it syncpush.Item, err error) error {
	err = translate(err, "")
	if errs.Is(errs.Conflict, err) && errs.CodeOf(err) == errs.Code(errs.Conflict) {
		err = errs.E(errs.CodeEntityExists, err)
	}
	return errs.E(errs.Op(op+" "+it.EntityID), err)
}

// template returns a published checklist version's template, parsed once.
func (a *pushAppliers) template(ctx context.Context, code string, version int) (*checklist.Template, error) {
	key := code + "@" + strconv.Itoa(version)
	a.mu.RLock()
	tpl := a.templates[key]
	a.mu.RUnlock()
	if tpl != nil {
		return tpl, nil
	}
	p, err := a.s.ChecklistVersion(ctx, code, version)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.templates[key] = p.Template
	a.mu.Unlock()
	return p.Template, nil
}

// --- Payloads ---

// decodePayload reads a payload object into v strictly: an unknown field or a value of the wrong
// type is a field error under "payload.".
func decodePayload(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return nil
	}
	field, code := "payload", errs.CodeInvalidValue
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		code = errs.CodeWrongType
		if typeErr.Field != "" {
			field += "." + typeErr.Field
		}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		code = errs.CodeUnknownField
		if name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field ")); uerr == nil {
			field += "." + name
		}
	}
	return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: field, Code: code}, err)
}

// fieldList collects the field errors of a payload.
type fieldList []errs.FieldError

func (f *fieldList) add(name string, code errs.Code) {
	*f = append(*f, errs.FieldError{Field: "payload." + name, Code: code})
}

func (f fieldList) err() error {
	if len(f) == 0 {
		return nil
	}
	return errs.E(errs.Invalid, errs.CodeValidation, []errs.FieldError(f))
}

// id checks an identifier that must be present.
func (f *fieldList) id(name string, v *string) {
	switch {
	case v == nil || *v == "":
		f.add(name, errs.CodeRequired)
	case !isID(*v):
		f.add(name, errs.CodeInvalidValue)
	}
}

// optionalID checks an identifier that may be absent.
func (f *fieldList) optionalID(name string, v *string) {
	if v != nil && *v != "" && !isID(*v) {
		f.add(name, errs.CodeInvalidValue)
	}
}

// text checks a text of at most max characters; required texts must not be blank. A NUL character
// is refused: PostgreSQL cannot store it in a text column (the item would fail the whole batch).
func (f *fieldList) text(name string, v string, required bool, max int) {
	switch {
	case required && strings.TrimSpace(v) == "":
		f.add(name, errs.CodeRequired)
	case utf8.RuneCountInString(v) > max:
		f.add(name, errs.CodeTooLong)
	case strings.ContainsRune(v, 0):
		f.add(name, errs.CodeInvalidValue)
	}
}

// refs checks a list of references (evidence IDs, violation codes): each non-blank and short.
func (f *fieldList) refs(name string, vs []string) {
	for i, v := range vs {
		if strings.TrimSpace(v) == "" || len(v) > 128 {
			f.add(name+"["+strconv.Itoa(i)+"]", errs.CodeInvalidValue)
		}
	}
}

// prefixFields returns err with its field errors moved under prefix ("payload.", "payload.answers.").
func prefixFields(err error, prefix string) error {
	fields := errs.FieldsOf(err)
	if len(fields) == 0 {
		return err
	}
	out := make([]errs.FieldError, len(fields))
	for i, fe := range fields {
		out[i] = errs.FieldError{Field: prefix + fe.Field, Code: fe.Code}
	}
	return errs.E(errs.KindOf(err), errs.CodeOf(err), out, err)
}

// isID accepts the canonical lower-case form of a UUID: the entity IDs phones make (D4) and the
// server's own.
func isID(s string) bool {
	if len(s) != 36 {
		return false
	}
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}

// checkEntityID refuses an item whose entity ID is no UUID.
func checkEntityID(it syncpush.Item) error {
	if !isID(it.EntityID) {
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "entity_id", Code: errs.CodeInvalidValue})
	}
	return nil
}

// checkBase checks an item's base version against the entity's version and the version of the chief's
// last act on it: a version the server has not reached is invalid; a change made before the chief's
// act cannot overwrite it.
func checkBase(it syncpush.Item, version, locked int64) error {
	if it.BaseVersion > version {
		return errs.E(errs.Invalid, errs.CodeBaseVersionFuture, "base version "+strconv.FormatInt(it.BaseVersion, 10)+", server version "+strconv.FormatInt(version, 10))
	}
	if locked > it.BaseVersion {
		return errs.E(errs.Conflict, errs.CodeChiefDecisionProtected, "the chief acted at version "+strconv.FormatInt(locked, 10))
	}
	return nil
}

func outOfScope(what string) error { return errs.E(errs.Forbidden, errs.CodeOutOfScope, what) }

func entityExists() error {
	return errs.E(errs.Conflict, errs.CodeEntityExists, "base version 0 for an ID already used")
}

// stamp is a time as both engines keep it: UTC, microseconds.
func stamp(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// gpsPayload is a position as the phone measured it.
type gpsPayload struct {
	Lat       *float64 `json:"lat"`
	Lon       *float64 `json:"lon"`
	AccuracyM *float64 `json:"accuracy_m"`
}

func (f *fieldList) gps(name string, g *gpsPayload) {
	if g == nil {
		return
	}
	if g.Lat == nil || *g.Lat < -90 || *g.Lat > 90 {
		f.add(name+".lat", errs.CodeInvalidValue)
	}
	if g.Lon == nil || *g.Lon < -180 || *g.Lon > 180 {
		f.add(name+".lon", errs.CodeInvalidValue)
	}
	if g.AccuracyM != nil && *g.AccuracyM < 0 {
		f.add(name+".accuracy_m", errs.CodeInvalidValue)
	}
}

// gpsData is a position in the data phones pull (the visit schema's gps).
type gpsData struct {
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	AccuracyM float64 `json:"accuracy_m"`
}

func gpsOf(lat, lon, acc *float64) *gpsData {
	if lat == nil || lon == nil {
		return nil
	}
	g := &gpsData{Lat: *lat, Lon: *lon}
	if acc != nil {
		g.AccuracyM = *acc
	}
	return g
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// orEmpty turns a nil slice into an empty one, so that it is sent as [] and never as null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
