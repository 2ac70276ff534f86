package gormstore

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

var _ syncfeed.Log = (*Store)(nil)

// changeRow is one row of the change log (migrations 0009, 0012). ID and Xid are assigned by the
// database: the identity or AUTOINCREMENT column, and on PostgreSQL the writing transaction's
// pg_current_xact_id() (always 0 on SQLite). The log is compacted: one row per entity and scope.
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
	Data       *string
	Checksum   int64
	RecordedAt time.Time
}

func (changeRow) TableName() string { return "changes" }

func (r changeRow) entry() syncfeed.Entry {
	e := syncfeed.Entry{
		Change: syncfeed.Change{Dataset: r.Dataset, EntityType: r.EntityType, EntityID: r.EntityID,
			OrgID: r.OrgID, Scope: r.Scope, Op: syncfeed.Op(r.Op), Version: r.Version},
		RecordedAt: r.RecordedAt.UTC(),
	}
	if r.Data != nil {
		e.Data = []byte(*r.Data)
	}
	return e
}

// recordChange logs c in the write transaction tx of the change itself, so that the change is in the
// log if and only if it commits. Other store methods call it from inside s.write; it must not be called
// on a connection outside a transaction, or the row's xid would not be the change's transaction.
//
// The row replaces the entity's earlier row in the same scope (the log keeps the latest state), and
// takes a new position. A change identical to the entity's current row (same op, version and data) is
// not recorded again: reloading reference data at every start costs phones nothing.
func (s *Store) recordChange(tx *gorm.DB, c syncfeed.Change) error {
	const op = errs.Op("gormstore.recordChange")
	if err := c.Validate(); err != nil {
		return errs.E(op, err)
	}
	row := changeRow{OrgID: c.OrgID, Dataset: c.Dataset, Scope: c.Scope, EntityType: c.EntityType,
		EntityID: c.EntityID, Op: string(c.Op), Version: c.Version, RecordedAt: s.clock.Now().UTC()}
	if c.Op == syncfeed.OpUpsert {
		d := string(c.Data)
		row.Data = &d
		row.Checksum = int64(syncfeed.EntryChecksum(c.EntityType, c.EntityID, c.Version, c.Data))
	}
	key := tx.Where("org_id = ? AND dataset = ? AND scope = ? AND entity_type = ? AND entity_id = ?",
		c.OrgID, c.Dataset, c.Scope, c.EntityType, c.EntityID)
	var old []changeRow
	if err := key.Session(&gorm.Session{}).Select("id", "op", "version", "checksum").Limit(1).Find(&old).Error; err != nil {
		return errs.E(op, translate(err, ""))
	}
	if len(old) == 1 {
		if old[0].Op == row.Op && old[0].Version == row.Version && old[0].Checksum == row.Checksum {
			return nil
		}
		if err := tx.Delete(&changeRow{}, old[0].ID).Error; err != nil {
			return errs.E(op, translate(err, ""))
		}
	} else if c.Op == syncfeed.OpDelete {
		return nil // a phone never had it
	}
	if err := tx.Create(&row).Error; err != nil {
		return errs.E(op, translate(err, ""))
	}
	return nil
}

// Since returns the changes of dataset in scopes after cursor, of the organisation and of the national
// data, in commit order (see package syncfeed for the guarantees).
//
// The page is read in one read-only transaction, hence one snapshot, with its checksum. On PostgreSQL
// it serves only rows whose transaction ID is below that snapshot's xmin: every transaction below xmin
// has finished, and every transaction that has not yet written will get an ID at or above it, so no
// row can later appear at a position before the last one served. Rows of transactions still running
// (or committed after an older one that is still running) wait for the next pull. On SQLite the single
// writer commits transactions one after another, so the row ID alone is the commit order.
func (s *Store) Since(ctx context.Context, orgID, dataset string, scopes []string, cursor syncfeed.Cursor, limit int) (syncfeed.Page, error) {
	const op = errs.Op("gormstore.Since")
	fp := syncfeed.Fingerprint(dataset, scopes)
	pos, err := cursor.Decode(dataset, fp)
	if err != nil {
		return syncfeed.Page{}, errs.E(op, err)
	}
	limit = syncfeed.NormalLimit(limit)
	page := syncfeed.Page{Next: cursor, Complete: true}
	if len(scopes) == 0 {
		return page, nil
	}
	err = s.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if !pos.IsStart() {
			// A position beyond the end of the log was never served by this database: it comes from
			// before a restore from backup. Going on from it could skip changes.
			var top int64
			if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&top).Error; err != nil {
				return err
			}
			if pos.ID > top {
				return errs.E(errs.Stale, errs.CodeCursorReset, "cursor beyond the end of the log")
			}
		}
		inScope := func() *gorm.DB {
			return tx.Model(&changeRow{}).Where("org_id IN ? AND dataset = ? AND scope IN ?", []string{orgID, syncfeed.OrgShared}, dataset, scopes)
		}
		q := inScope()
		if s.dialect == Postgres {
			q = q.Where("(xid, id) > (?, ?) AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint", pos.Xid, pos.ID)
		} else {
			// xid is always 0 here; spelt out so that SQLite searches the index by id (it would range
			// over xid alone with the row-value comparison).
			q = q.Where("xid = 0 AND id > ?", pos.ID)
		}
		if pos.IsStart() {
			q = q.Where("op = ?", string(syncfeed.OpUpsert)) // from the start: the state, no tombstones
		}
		var rows []changeRow
		// One row more than the page tells whether the page is the last one for now.
		if err := q.Order("xid, id").Limit(limit + 1).Find(&rows).Error; err != nil {
			return err
		}
		page.Complete = len(rows) <= limit
		rows = rows[:min(len(rows), limit)]
		page.Changes = make([]syncfeed.Entry, len(rows))
		for i, r := range rows {
			page.Changes[i] = r.entry()
		}
		if len(rows) == 0 {
			return nil
		}
		last := rows[len(rows)-1]
		page.Next = syncfeed.EncodeCursor(dataset, fp, syncfeed.Position{Xid: last.Xid, ID: last.ID})
		if !page.Complete {
			return nil
		}
		if s.dialect == Postgres {
			// A visible row past the page is one held back by an older transaction still running:
			// the phone's copy cannot match a sum over everything yet.
			var held int64
			if err := inScope().Where("(xid, id) > (?, ?)", last.Xid, last.ID).Limit(1).Count(&held).Error; err != nil {
				return err
			}
			if held > 0 {
				return nil
			}
		}
		var sum int64
		total := "COALESCE(SUM(checksum), 0)"
		if s.dialect == Postgres {
			total += "::bigint" // SUM of bigint is numeric there
		}
		if err := inScope().Where("op = ?", string(syncfeed.OpUpsert)).Select(total).Scan(&sum).Error; err != nil {
			return err
		}
		c := uint32(sum) // the sum modulo 2^32
		page.Checksum = &c
		return nil
	}, s.snapshotTx())
	if err != nil {
		return syncfeed.Page{}, errs.E(op, translate(err, ""))
	}
	return page, nil
}

// snapshotTx are the options of a read transaction whose statements all see one snapshot: REPEATABLE
// READ on PostgreSQL; on SQLite (WAL) every read transaction keeps the snapshot of its first read.
func (s *Store) snapshotTx() *sql.TxOptions {
	if s.dialect == Postgres {
		return &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	return &sql.TxOptions{ReadOnly: true}
}
