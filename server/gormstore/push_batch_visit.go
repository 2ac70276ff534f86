package gormstore

// The set-based path of a push: the new visits of a batch — the common case, a phone sending the
// visits of a day — checked together and written with one statement per table and hundred rows for
// the whole group (visits, answers, findings, change log), instead of about ten statements per visit. syncpush.Apply
// hands runs of consecutive groupable items to ApplyGroup in a savepoint of their own; when the group
// fails it rolls the savepoint back and applies the items one by one, so every item gets what it would
// have had alone (push_batch_test.go compares both paths).

import (
	"context"
	"encoding/json"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

const opApplyVisit = "gormstore.applyVisit"

// insertRows is how many rows one INSERT of a group writes. On SQLite (the pure-Go driver) an
// answer costs about 1.4 times as much in a statement of 250 rows as in one of 100, and three times
// as much in one of 1,000; on PostgreSQL statements of 50 to 1,000 rows cost about the same.
const insertRows = 100

// visitApplier is the applier of visit changes: one by one through Applier, and new visits also as
// a group (syncpush.GroupApplier).
type visitApplier struct {
	syncpush.Applier
	a *pushAppliers
}

var _ syncpush.GroupApplier = visitApplier{}

// Groupable tells a new visit (base version 0) that does not enter its site's history: applying it
// reads the campaign's scope and the visit's own ID, and writes the visit, its answers, its findings
// and its own change, none of which another new visit reads or writes. A visit that enters the
// history (completed, waiting for a laboratory) rewrites its site's history, which other items read
// and write: it goes item by item. The payload is only peeked at here; ApplyGroup checks it in full.
func (v visitApplier) Groupable(it syncpush.Item) bool {
	if it.BaseVersion != 0 {
		return false
	}
	var peek struct {
		Status *string `json:"status"`
	}
	if err := json.Unmarshal(it.Payload, &peek); err != nil {
		return false
	}
	return peek.Status == nil || !inHistory(*peek.Status)
}

// ApplyGroup applies new visits together (syncpush.GroupApplier): each is decoded and checked alone,
// their scopes are read at once (visitCreateScopes), and those that pass are written together
// (writeNewVisits). A refused visit gets the error the applier gives it alone and writes nothing.
func (v visitApplier) ApplyGroup(ctx context.Context, tx syncpush.Tx, by syncpush.Pusher, items []syncpush.Item) ([]syncpush.GroupResult, error) {
	const op = errs.Op("gormstore.visitApplier.ApplyGroup")
	a := v.a
	db, err := pushDB(tx)
	if err != nil {
		return nil, err
	}
	db = db.WithContext(ctx)
	out := make([]syncpush.GroupResult, len(items))
	type pending struct {
		i       int
		visit   campaign.Visit
		answers map[string]*checklist.Answer
	}
	var todo []pending
	var visits []campaign.Visit
	for i, it := range items {
		if it.EntityType != syncfeed.EntityVisit || it.BaseVersion != 0 {
			return nil, errs.E(op, errs.Internal, "not a new visit: "+it.EntityType+" "+it.EntityID)
		}
		p, answers, err := decodeVisit(it)
		if err != nil {
			out[i].Err = applierError(opApplyVisit, it, err)
			continue
		}
		nv := newVisitOf(by, it, p)
		if inHistory(string(nv.Status)) {
			return nil, errs.E(op, errs.Internal, "visit "+it.EntityID+" enters its site's history")
		}
		todo = append(todo, pending{i: i, visit: nv, answers: answers})
		visits = append(visits, nv)
	}
	scopes, err := a.s.visitCreateScopes(db, by, visits)
	if err != nil {
		return nil, errs.E(op, err)
	}
	made := make([]newVisit, 0, len(todo))
	for _, t := range todo {
		sc, found := scopes[t.visit.ID]
		nv, err := a.planVisit(ctx, by, items[t.i], t.visit, sc, found, t.answers)
		if err != nil {
			out[t.i].Err = applierError(opApplyVisit, items[t.i], err)
			continue
		}
		out[t.i].Version = nv.row.Version
		made = append(made, nv)
	}
	if err := a.s.writeNewVisits(db, made); err != nil {
		return nil, errs.E(op, translate(err, ""))
	}
	return out, nil
}

// recordNewChanges logs the changes of entities that the log cannot hold yet: new visits, whose IDs
// the transaction has just found unused (a visit is logged only with its row, and visit rows are
// never deleted). It is recordChanges without the look-up of the entities' earlier entries — which
// PostgreSQL answers, for many entities of one scope, by scanning the whole scope — with the same
// per-entity locks, taken for all of cs in one statement. Were an entry there after all, the unique
// index changes_entity would refuse the new one: the item or group fails and nothing is lost.
func (s *Store) recordNewChanges(tx *gorm.DB, cs []syncfeed.Change) error {
	const op = errs.Op("gormstore.recordNewChanges")
	now := s.clock.Now().UTC()
	rows := make([]changeRow, len(cs))
	for i, c := range cs {
		if err := c.Validate(); err != nil {
			return errs.E(op, err)
		}
		if c.Op != syncfeed.OpUpsert {
			return errs.E(op, errs.Internal, "a new entity's first change is an upsert")
		}
		d := string(c.Data)
		rows[i] = changeRow{OrgID: c.OrgID, Dataset: c.Dataset, Scope: c.Scope, EntityType: c.EntityType, EntityID: c.EntityID,
			Op: string(c.Op), Version: c.Version, Data: &d, Checksum: int64(syncfeed.EntryChecksum(c.EntityType, c.EntityID, c.Version, c.Data)),
			RecordedAt: now}
	}
	if err := s.lockChanges(tx, cs); err != nil {
		return errs.E(op, translate(err, ""))
	}
	if err := tx.CreateInBatches(rows, insertRows).Error; err != nil {
		return errs.E(op, translate(err, ""))
	}
	return nil
}
