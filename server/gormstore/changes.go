package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

var _ syncfeed.Log = (*Store)(nil)

// changeRow is one row of the change log (migration 0009). ID and Xid are assigned by the database:
// the identity or AUTOINCREMENT column, and on PostgreSQL the writing transaction's
// pg_current_xact_id() (always 0 on SQLite).
type changeRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	Xid        int64 `gorm:"->"`
	OrgID      string
	Dataset    string
	Scope      string
	EntityType string
	EntityID   string
	Op         string
	Version    int64
	RecordedAt time.Time
}

func (changeRow) TableName() string { return "changes" }

func (r changeRow) entry() syncfeed.Entry {
	return syncfeed.Entry{
		Change: syncfeed.Change{Dataset: r.Dataset, EntityType: r.EntityType, EntityID: r.EntityID,
			OrgID: r.OrgID, Scope: r.Scope, Op: syncfeed.Op(r.Op), Version: r.Version},
		RecordedAt: r.RecordedAt.UTC(),
	}
}

// recordChange logs c in the write transaction tx of the change itself, so that the change is in the
// log if and only if it commits. Other store methods call it from inside s.write; it must not be called
// on a connection outside a transaction, or the row's xid would not be the change's transaction.
func (s *Store) recordChange(tx *gorm.DB, c syncfeed.Change) error {
	const op = errs.Op("gormstore.recordChange")
	if err := c.Validate(); err != nil {
		return errs.E(op, err)
	}
	row := changeRow{OrgID: c.OrgID, Dataset: c.Dataset, Scope: c.Scope, EntityType: c.EntityType,
		EntityID: c.EntityID, Op: string(c.Op), Version: c.Version, RecordedAt: s.clock.Now().UTC()}
	if err := tx.Create(&row).Error; err != nil {
		return errs.E(op, translate(err, ""))
	}
	return nil
}

// Since returns the organisation's changes of dataset in scopes after cursor, in commit order (see
// package syncfeed for the guarantees).
//
// The page is one SELECT, hence one snapshot. On PostgreSQL it serves only rows whose transaction ID
// is below that snapshot's xmin: every transaction below xmin has finished, and every transaction that
// has not yet written will get an ID at or above it, so no row can later appear at a position before
// the last one served. Rows of transactions still running (or committed after an older one that is
// still running) wait for the next pull. On SQLite the single writer commits transactions one after
// another, so the row ID alone is the commit order.
func (s *Store) Since(ctx context.Context, orgID, dataset string, scopes []string, cursor syncfeed.Cursor, limit int) (syncfeed.Page, error) {
	const op = errs.Op("gormstore.Since")
	pos, err := cursor.Decode(dataset)
	if err != nil {
		return syncfeed.Page{}, errs.E(op, err)
	}
	limit = syncfeed.NormalLimit(limit)
	page := syncfeed.Page{Next: cursor, Complete: true}
	if !pos.IsStart() {
		// A position the log does not hold was never served by this database: pruned, another
		// organisation's, or from before a restore. Going on from it could skip changes.
		var n int64
		err := s.read(ctx).Model(&changeRow{}).
			Where("id = ? AND xid = ? AND org_id = ? AND dataset = ?", pos.ID, pos.Xid, orgID, dataset).
			Count(&n).Error
		if err != nil {
			return syncfeed.Page{}, errs.E(op, translate(err, ""))
		}
		if n == 0 {
			return syncfeed.Page{}, errs.E(op, errs.Stale, errs.CodeCursorReset, "cursor position not in the log")
		}
	}
	if len(scopes) == 0 {
		return page, nil
	}
	q := s.read(ctx).Where("org_id = ? AND dataset = ? AND scope IN ?", orgID, dataset, scopes)
	if s.dialect == Postgres {
		q = q.Where("(xid, id) > (?, ?) AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint", pos.Xid, pos.ID)
	} else {
		// xid is always 0 here; spelt out so that SQLite searches the index by id (it would range over
		// xid alone with the row-value comparison).
		q = q.Where("xid = 0 AND id > ?", pos.ID)
	}
	var rows []changeRow
	// One row more than the page tells whether the page is the last one for now.
	if err := q.Order("xid, id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return syncfeed.Page{}, errs.E(op, translate(err, ""))
	}
	page.Complete = len(rows) <= limit
	rows = rows[:min(len(rows), limit)]
	page.Changes = make([]syncfeed.Entry, len(rows))
	for i, r := range rows {
		page.Changes[i] = r.entry()
	}
	if len(rows) > 0 {
		last := rows[len(rows)-1]
		page.Next = syncfeed.EncodeCursor(dataset, syncfeed.Position{Xid: last.Xid, ID: last.ID})
	}
	return page, nil
}
