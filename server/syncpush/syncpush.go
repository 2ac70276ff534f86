// Package syncpush is the push ledger: how the changes that phones made offline are accepted exactly
// once. It holds the rules; the storage adapter (server/gormstore) implements Ledger, and the entity
// appliers (one per entity type, later) implement Applier. The HTTP API comes later.
//
// Guarantees (PRODUCT.md, "What must always hold", sync 1, 2 and 5; DECISIONS D4, D8):
//
//   - Exactly once. A batch is handled in ONE write transaction: the receipts of its change IDs are
//     looked up, each new item's applier runs in a savepoint of its own (or, for a run of new items
//     that a GroupApplier takes together, the run in one savepoint, item by item again if the group
//     fails), and the receipts are written, all committed together. An item is never half-applied,
//     and a replay after a crash (before or after the commit) is either a fresh apply or a
//     duplicate, never a second application. Pushes of the same change IDs are serialised by the
//     ledger, so two concurrent pushes of one batch apply each change once.
//   - Same ID, other content is a conflict. The receipt keeps the SHA-256 of the item's canonical form
//     (Hash); the same change ID with another hash is answered OutcomeConflict with
//     errs.CodeChangeIDReused, and the original is never overwritten. The conflicting item is kept in
//     the quarantine (once per distinct content).
//   - Results per item; nothing that can never be accepted blocks the queue. An applier error of a
//     kind that blames the item (invalid, forbidden, conflict, not_found, too_large) makes the item
//     OutcomeRejected: the applier's writes are undone (its savepoint), the original payload goes to
//     the quarantine for the chief, the receipt records the rejection (a replay answers the same
//     rejection), and the rest of the batch goes on.
//   - Only what is durable is acknowledged. Any other error (internal, unavailable, …) rolls the whole
//     batch back: Apply returns no results and the error, and the phone keeps and resends everything.
//     One transaction per batch, and groups written with a few statements for all their items, are
//     what make a push cost about what a batched insert costs.
//
// The transaction boundary. The domain must not see gorm, yet the applier must write in the ledger's
// transaction. The ledger therefore passes an opaque Tx through the domain: Ledger.WithinBatch opens
// the transaction and hands fn a Tx; Apply gives that Tx back to the ledger's methods and to the
// Applier. Appliers are storage code (they live in server/gormstore next to the tables they write),
// and they recover the transaction by type-asserting the Tx to the storage's own type. The domain only
// decides: lookup, compare, apply, classify, record.
package syncpush

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Item is one change a phone pushes.
type Item struct {
	ChangeID    string    // made on the phone (a UUID); identifies this change, not the entity (D4)
	EntityType  string    // e.g. "visit", "answer"
	EntityID    string    // made on the phone
	BaseVersion int64     // the server version of the entity the change was based on; 0 for a new entity
	CapturedAt  time.Time // the phone's clock as claimed (D5); not part of the hash
	Payload     []byte    // the change itself, a JSON value
}

// Outcome is what became of an item.
type Outcome string

// The outcomes.
const (
	OutcomeApplied   Outcome = "applied"   // applied now; Version is the entity's version after it
	OutcomeDuplicate Outcome = "duplicate" // applied by an earlier push of the same change; nothing done now
	OutcomeConflict  Outcome = "conflict"  // the change ID was already used with other content (CodeChangeIDReused)
	OutcomeRejected  Outcome = "rejected"  // can never be accepted; kept in the quarantine; Code and Reason say why
)

// Result is the answer for one item. Every result returned by Apply is durable.
type Result struct {
	ChangeID string
	Outcome  Outcome
	Version  int64     // the entity's server version after the change (applied and duplicate)
	Code     errs.Code // why (conflict and rejected)
	// Fields are the field errors of a rejection (e.g. payload.answers.F1.1 answer_wrong_type): codes
	// only, safe for phones.
	Fields []errs.FieldError
	Reason string // for the chief and the logs, not for phones: they show the message of Code
	// Replayed tells that the answer comes from the receipt of an earlier push: set for duplicates and
	// for rejections answered again.
	Replayed bool
}

// Receipt is what the ledger keeps for each change ID of an organisation that was applied or
// rejected: enough to answer a replay exactly as the first push was answered.
type Receipt struct {
	OrgID      string
	ChangeID   string
	DeviceID   string
	EntityType string
	EntityID   string
	Hash       string  // Hash of the item
	Outcome    Outcome // OutcomeApplied or OutcomeRejected
	Code       errs.Code
	Fields     []errs.FieldError
	Reason     string
	Version    int64
	ReceivedAt time.Time // set by the ledger
}

// Quarantined is an item that can never be accepted, kept with its original payload for the chief.
type Quarantined struct {
	ID         int64 // set by the ledger
	OrgID      string
	DeviceID   string
	ChangeID   string
	EntityType string
	EntityID   string
	Hash       string
	Payload    []byte
	Code       errs.Code
	Reason     string
	ReceivedAt time.Time  // set by the ledger
	ResolvedAt *time.Time // when the chief dealt with it; nil while open
}

// Tx is the ledger's write transaction, opaque to the domain: the ledger hands it out in WithinBatch and
// only the ledger and the appliers (storage code) look inside it.
type Tx any

// Ledger is the storage of receipts and the quarantine. Only Apply should call it.
type Ledger interface {
	// WithinBatch runs fn in one write transaction, serialised with every other WithinBatch of the
	// same organisation that holds any of the change IDs, and commits it durably when fn returns nil
	// (rolls back otherwise). Errors: those of fn, and errs.Unavailable when the database cannot be
	// reached.
	WithinBatch(ctx context.Context, orgID string, changeIDs []string, fn func(tx Tx) error) error
	// Receipts returns the receipts of those change IDs that have one.
	Receipts(ctx context.Context, tx Tx, orgID string, changeIDs []string) (map[string]Receipt, error)
	// Attempt runs fn inside tx so that, when fn fails, everything it wrote is undone and tx can go on
	// (a savepoint). It returns fn's error.
	Attempt(ctx context.Context, tx Tx, fn func(tx Tx) error) error
	// SaveReceipts writes the receipts of change IDs seen for the first time.
	SaveReceipts(ctx context.Context, tx Tx, rs []Receipt) error
	// Quarantine keeps an item that can never be accepted. The same content (org, change ID, hash) is
	// kept once: quarantining it again does nothing.
	Quarantine(ctx context.Context, tx Tx, q Quarantined) error
}

// Pusher is who pushes: the device and its account's person, in an organisation. Appliers check scope
// (the person's campaigns) and the device's number blocks with it.
type Pusher struct {
	OrgID     string
	DeviceID  string
	AccountID string
	PersonID  string
}

// Applier applies one item to its entity, inside the push transaction tx. It returns the entity's
// new server version. An error of kind invalid, forbidden, conflict, not_found or too_large rejects
// the item for good; any other error is taken as transient and rolls the batch back.
type Applier interface {
	Apply(ctx context.Context, tx Tx, by Pusher, it Item) (newVersion int64, err error)
}

// ApplierFunc adapts a function to Applier.
type ApplierFunc func(ctx context.Context, tx Tx, by Pusher, it Item) (int64, error)

// Apply calls f.
func (f ApplierFunc) Apply(ctx context.Context, tx Tx, by Pusher, it Item) (int64, error) {
	return f(ctx, tx, by, it)
}

// GroupApplier is an Applier that can also apply several items at once: the common case of a push —
// new entities that depend on nothing else in the batch — checked together and written with a few
// statements for the whole group instead of several per item. Apply uses it when the applier
// implements it, for runs of consecutive items that it calls groupable; the results and the data are
// those of applying the items one by one, in order.
type GroupApplier interface {
	Applier
	// Groupable tells, from the item alone and without I/O, whether it may be applied in a group. The
	// application of a groupable item must neither read nor write anything that another groupable item
	// of another entity writes, so that applying a run of them at once equals applying them in order.
	Groupable(it Item) bool
	// ApplyGroup applies items — groupable, of one entity type, each entity once, change IDs seen for
	// the first time — inside tx, a savepoint of the batch of their own. It returns one GroupResult
	// per item, in order: the entity's new version, or the error Apply would have returned for that
	// item alone, in which case the item wrote nothing. When ApplyGroup fails, or an item's error is
	// not a rejection, Apply rolls the savepoint back and applies the items one by one.
	ApplyGroup(ctx context.Context, tx Tx, by Pusher, items []Item) ([]GroupResult, error)
}

// GroupResult is what ApplyGroup did with one item.
type GroupResult struct {
	Version int64 // the entity's new version when Err is nil
	Err     error // why the item is refused (it wrote nothing)
}

// Appliers routes items to the applier of their entity type. An unknown type is rejected with
// errs.CodeUnknownEntityType (the rest of the batch goes on).
type Appliers map[string]Applier

// Apply calls the applier of the item's entity type.
func (as Appliers) Apply(ctx context.Context, tx Tx, by Pusher, it Item) (int64, error) {
	a, ok := as[it.EntityType]
	if !ok {
		return 0, errs.E(errs.Op("syncpush.Appliers.Apply"), errs.Invalid, errs.CodeUnknownEntityType,
			errs.FieldError{Field: "entity_type", Code: errs.CodeUnknownEntityType}, "entity type "+strconv.Quote(it.EntityType))
	}
	return a.Apply(ctx, tx, by, it)
}

// Groupable tells whether the applier of the item's entity type is a GroupApplier that can take it
// into a group.
func (as Appliers) Groupable(it Item) bool {
	g, ok := as[it.EntityType].(GroupApplier)
	return ok && g.Groupable(it)
}

// ApplyGroup calls ApplyGroup of the applier of the items' entity type (Apply groups items of one
// type only).
func (as Appliers) ApplyGroup(ctx context.Context, tx Tx, by Pusher, items []Item) ([]GroupResult, error) {
	const op = errs.Op("syncpush.Appliers.ApplyGroup")
	if len(items) == 0 {
		return nil, nil
	}
	g, ok := as[items[0].EntityType].(GroupApplier)
	if !ok {
		return nil, errs.E(op, errs.Internal, "entity type "+strconv.Quote(items[0].EntityType)+" cannot be grouped")
	}
	for _, it := range items {
		if it.EntityType != items[0].EntityType {
			return nil, errs.E(op, errs.Internal, "a group of several entity types")
		}
	}
	return g.ApplyGroup(ctx, tx, by, items)
}

// rejects tells whether an applier error blames the item (it can never be accepted) rather than the
// server (it may be accepted later).
func rejects(err error) bool {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.Forbidden, errs.Conflict, errs.NotFound, errs.TooLarge:
		return true
	}
	return false
}

// Apply handles a batch pushed by a device, item by item in order, in one transaction (see the
// package comment); when a implements GroupApplier, each run of consecutive items it can group is
// applied at once, with the results of item by item. It returns the result of every item, all
// durable; on an error it returns no results: nothing was acknowledged. A batch that breaks the limits or holds an invalid item is
// refused whole before anything is done (errs.TooLarge with CodePushBatchTooLarge or
// CodePushItemTooLarge; errs.Invalid with CodeValidation).
func Apply(ctx context.Context, l Ledger, by Pusher, items []Item, lim Limits, a Applier) ([]Result, error) {
	const op = errs.Op("syncpush.Apply")
	if err := lim.Check(items); err != nil {
		return nil, errs.E(op, err)
	}
	if by.OrgID == "" || by.DeviceID == "" {
		return nil, errs.E(op, errs.Invalid, "no organisation or device")
	}
	if len(items) == 0 {
		return []Result{}, nil
	}
	ids := make([]string, len(items))
	for i, it := range items {
		ids[i] = it.ChangeID
	}
	var results []Result
	err := l.WithinBatch(ctx, by.OrgID, ids, func(tx Tx) error {
		seen, err := l.Receipts(ctx, tx, by.OrgID, ids)
		if err != nil {
			return err
		}
		results = make([]Result, 0, len(items))
		var fresh []Receipt
		keep := func(r Result, rc *Receipt) {
			if rc != nil {
				fresh = append(fresh, *rc)
				seen[rc.ChangeID] = *rc // the same change twice in one batch is a duplicate
			}
			results = append(results, r)
		}
		one := func(it Item) error {
			r, rc, err := applyOne(ctx, l, tx, by, it, seen, a)
			if err != nil {
				return errs.E(fmt.Sprintf("change %s", it.ChangeID), err)
			}
			keep(r, rc)
			return nil
		}
		ga, _ := a.(GroupApplier)
		for i := 0; i < len(items); {
			if n := groupRun(ga, items[i:], seen); n >= minGroup {
				run := items[i : i+n]
				i += n
				rs, rcs := applyGroup(ctx, l, tx, by, run, ga)
				if rs == nil { // the group failed as a whole: item by item, as without groups
					for _, it := range run {
						if err := one(it); err != nil {
							return err
						}
					}
					continue
				}
				for k := range rs {
					keep(rs[k], rcs[k])
				}
				continue
			}
			if err := one(items[i]); err != nil {
				return err
			}
			i++
		}
		return l.SaveReceipts(ctx, tx, fresh)
	})
	if err != nil {
		return nil, errs.E(op, err)
	}
	return results, nil
}

// applyOne handles one item against the receipts seen so far. It returns the item's result and, for
// a change ID seen for the first time, the receipt to save.
func applyOne(ctx context.Context, l Ledger, tx Tx, by Pusher, it Item, seen map[string]Receipt, a Applier) (Result, *Receipt, error) {
	hash := Hash(it)
	res := Result{ChangeID: it.ChangeID}
	if rc, found := seen[it.ChangeID]; found {
		if rc.Hash != hash {
			res.Outcome, res.Code = OutcomeConflict, errs.CodeChangeIDReused
			res.Reason = fmt.Sprintf("change ID already used for %s %s with other content", rc.EntityType, rc.EntityID)
			return res, nil, l.Quarantine(ctx, tx, quarantined(by, it, hash, res))
		}
		res.Outcome, res.Version, res.Code, res.Fields, res.Reason, res.Replayed = rc.Outcome, rc.Version, rc.Code, rc.Fields, rc.Reason, true
		if rc.Outcome == OutcomeApplied {
			res.Outcome = OutcomeDuplicate
		}
		return res, nil, nil
	}
	var version int64
	aerr := l.Attempt(ctx, tx, func(tx Tx) error {
		var err error
		version, err = a.Apply(ctx, tx, by, it)
		return err
	})
	return decided(ctx, l, tx, by, it, hash, version, aerr)
}

// decided makes the result and the receipt of a fresh item that the applier applied (aerr nil: at
// version) or refused; a rejection is quarantined. Any other error is returned: it fails the batch.
func decided(ctx context.Context, l Ledger, tx Tx, by Pusher, it Item, hash string, version int64, aerr error) (Result, *Receipt, error) {
	res := Result{ChangeID: it.ChangeID}
	switch {
	case aerr == nil:
		res.Outcome, res.Version = OutcomeApplied, version
	case rejects(aerr):
		res.Outcome, res.Code, res.Fields, res.Reason = OutcomeRejected, errs.CodeOf(aerr), errs.FieldsOf(aerr), aerr.Error()
		if res.Code == "" {
			res.Code = errs.CodeRejected
		}
		if err := l.Quarantine(ctx, tx, quarantined(by, it, hash, res)); err != nil {
			return res, nil, err
		}
	default:
		return res, nil, aerr
	}
	return res, &Receipt{OrgID: by.OrgID, ChangeID: it.ChangeID, DeviceID: by.DeviceID, EntityType: it.EntityType,
		EntityID: it.EntityID, Hash: hash, Outcome: res.Outcome, Code: res.Code, Fields: res.Fields, Reason: res.Reason, Version: res.Version}, nil
}

// minGroup is the smallest run applied as a group: one item alone costs the same either way.
const minGroup = 2

// groupRun returns how many of the items, from the first, form a run that ga can apply as a group:
// consecutive groupable items of one entity type, each change ID new (not answered before, not
// earlier in the run) and each entity once. Stopping the run at anything else keeps the order of
// the batch: whatever an item outside the run reads or writes happens before or after the whole
// run, as it would item by item.
func groupRun(ga GroupApplier, items []Item, seen map[string]Receipt) int {
	if ga == nil || len(items) < minGroup {
		return 0
	}
	changes := make(map[string]bool, len(items))
	entities := make(map[string]bool, len(items))
	for n, it := range items {
		if _, answered := seen[it.ChangeID]; answered || changes[it.ChangeID] || entities[it.EntityID] ||
			it.EntityType != items[0].EntityType || !ga.Groupable(it) {
			return n
		}
		changes[it.ChangeID], entities[it.EntityID] = true, true
	}
	return len(items)
}

// applyGroup applies a run of fresh items as a group, in one savepoint: their results and receipts,
// in order, with the rejections quarantined. When the group fails (ApplyGroup's error, or an item
// error that is not a rejection) the savepoint is rolled back and it returns no results: the caller
// applies the items one by one, which gives each item exactly what it would have had without groups
// (and fails the batch on an error that is not the items' fault).
func applyGroup(ctx context.Context, l Ledger, tx Tx, by Pusher, items []Item, ga GroupApplier) ([]Result, []*Receipt) {
	var results []Result
	var receipts []*Receipt
	err := l.Attempt(ctx, tx, func(tx Tx) error {
		grs, err := ga.ApplyGroup(ctx, tx, by, items)
		if err != nil {
			return err
		}
		if len(grs) != len(items) {
			return errs.E(errs.Internal, fmt.Sprintf("%d results for %d items", len(grs), len(items)))
		}
		for _, g := range grs {
			if g.Err != nil && !rejects(g.Err) {
				return g.Err
			}
		}
		results, receipts = make([]Result, len(items)), make([]*Receipt, len(items))
		for i, it := range items {
			if results[i], receipts[i], err = decided(ctx, l, tx, by, it, Hash(it), grs[i].Version, grs[i].Err); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil
	}
	return results, receipts
}

func quarantined(by Pusher, it Item, hash string, r Result) Quarantined {
	return Quarantined{OrgID: by.OrgID, DeviceID: by.DeviceID, ChangeID: it.ChangeID, EntityType: it.EntityType,
		EntityID: it.EntityID, Hash: hash, Payload: it.Payload, Code: r.Code, Reason: r.Reason}
}

// Hash is the SHA-256 (hex) of the item's content: entity type, entity ID, base version and the
// payload in canonical JSON (object keys sorted, no insignificant whitespace; numbers are kept as
// written, so 1 and 1.0 differ). The change ID and the capture time are not part of it: the change ID
// is what the hash is compared under, and a phone that resends a change keeps its capture time anyway.
// A payload that is not JSON (Validate refuses it) is hashed as its raw bytes under another tag.
func Hash(it Item) string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte("syncpush.v1"))
	field([]byte(it.EntityType))
	field([]byte(it.EntityID))
	field(fmt.Appendf(nil, "%d", it.BaseVersion))
	if c, err := Canonical(it.Payload); err == nil {
		field([]byte("json"))
		field(c)
	} else {
		field([]byte("raw"))
		field(it.Payload)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Validate checks one item; path prefixes the field names (e.g. "items[3]").
func (it Item) Validate(path string) []errs.FieldError {
	var fields []errs.FieldError
	add := func(name string, code errs.Code) {
		fields = append(fields, errs.FieldError{Field: path + "." + name, Code: code})
	}
	switch {
	case it.ChangeID == "":
		add("change_id", errs.CodeRequired)
	case !isUUID(it.ChangeID):
		add("change_id", errs.CodeInvalidValue)
	}
	for _, f := range []struct{ name, value string }{{"entity_type", it.EntityType}, {"entity_id", it.EntityID}} {
		switch {
		case f.value == "":
			add(f.name, errs.CodeRequired)
		case len(f.value) > 128:
			add(f.name, errs.CodeInvalidValue)
		}
	}
	if it.BaseVersion < 0 {
		add("base_version", errs.CodeInvalidValue)
	}
	if it.CapturedAt.IsZero() {
		add("captured_at", errs.CodeRequired)
	}
	if len(it.Payload) == 0 {
		add("payload", errs.CodeRequired)
	} else if !json.Valid(it.Payload) || !utf8.Valid(it.Payload) { // what Canonical accepts, more cheaply
		add("payload", errs.CodeInvalidValue)
	}
	return fields
}

// isUUID accepts the canonical 36-character form only, so that one change has one spelling.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	u, err := uuid.Parse(s)
	return err == nil && u.String() == s
}
