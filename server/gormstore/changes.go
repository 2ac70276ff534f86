package gormstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"
	"strings"
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
	return s.recordChanges(tx, []syncfeed.Change{c})
}

// recordChanges is recordChange for many changes at once, in a few statements per hundred changes
// (imports and reloads record thousands). Changes later in cs win over earlier ones of the same entity.
func (s *Store) recordChanges(tx *gorm.DB, cs []syncfeed.Change) error {
	const op = errs.Op("gormstore.recordChanges")
	type key struct{ org, dataset, scope, typ, id string }
	keyOf := func(c syncfeed.Change) key { return key{c.OrgID, c.Dataset, c.Scope, c.EntityType, c.EntityID} }
	now := s.clock.Now().UTC()
	latest := make(map[key]int, len(cs)) // the last change of each entity in cs
	for i, c := range cs {
		if err := c.Validate(); err != nil {
			return errs.E(op, err)
		}
		latest[keyOf(c)] = i
	}
	keep := make([]syncfeed.Change, 0, len(latest))
	for i, c := range cs {
		if latest[keyOf(c)] == i { // a later change of the same entity in cs replaces this one
			keep = append(keep, c)
		}
	}
	for chunk := range slices.Chunk(keep, 200) {
		rows := make([]changeRow, 0, len(chunk))
		byGroup := map[[4]string][]string{} // (org, dataset, scope, entity type) → entity IDs: the unique index's prefix
		for _, c := range chunk {
			row := changeRow{OrgID: c.OrgID, Dataset: c.Dataset, Scope: c.Scope, EntityType: c.EntityType,
				EntityID: c.EntityID, Op: string(c.Op), Version: c.Version, RecordedAt: now}
			if c.Op == syncfeed.OpUpsert {
				d := string(c.Data)
				row.Data = &d
				row.Checksum = int64(syncfeed.EntryChecksum(c.EntityType, c.EntityID, c.Version, c.Data))
			}
			rows = append(rows, row)
			g := [4]string{c.OrgID, c.Dataset, c.Scope, c.EntityType}
			byGroup[g] = append(byGroup[g], c.EntityID)
		}
		lockKeys := make([]syncfeed.Change, len(rows))
		for i, r := range rows {
			lockKeys[i] = syncfeed.Change{OrgID: r.OrgID, Dataset: r.Dataset, Scope: r.Scope, EntityType: r.EntityType, EntityID: r.EntityID}
		}
		if err := s.lockChanges(tx, lockKeys); err != nil {
			return errs.E(op, translate(err, ""))
		}
		old := map[key]changeRow{}
		for g, ids := range byGroup {
			var found []changeRow
			err := tx.Select("id", "org_id", "dataset", "scope", "entity_type", "entity_id", "op", "version", "checksum").
				Where("org_id = ? AND dataset = ? AND scope = ? AND entity_type = ? AND entity_id IN ?", g[0], g[1], g[2], g[3], ids).Find(&found).Error
			if err != nil {
				return errs.E(op, translate(err, ""))
			}
			for _, r := range found {
				old[key{r.OrgID, r.Dataset, r.Scope, r.EntityType, r.EntityID}] = r
			}
		}
		var stale []int64
		fresh := rows[:0]
		for _, r := range rows {
			o, had := old[key{r.OrgID, r.Dataset, r.Scope, r.EntityType, r.EntityID}]
			switch {
			case had && o.Op == r.Op && o.Version == r.Version && o.Checksum == r.Checksum:
				continue // identical: nothing new for phones
			case !had && r.Op == string(syncfeed.OpDelete):
				continue // a phone never had it
			case had:
				stale = append(stale, o.ID)
			}
			fresh = append(fresh, r)
		}
		if len(stale) > 0 {
			if err := tx.Where("id IN ?", stale).Delete(&changeRow{}).Error; err != nil {
				return errs.E(op, translate(err, ""))
			}
		}
		if len(fresh) > 0 {
			if err := tx.CreateInBatches(fresh, 100).Error; err != nil {
				return errs.E(op, translate(err, ""))
			}
		}
	}
	return nil
}

// lockChanges serialises, on PostgreSQL, the transactions that record the same entities (org, dataset,
// scope, entity type and ID of cs): a transaction-scoped advisory lock per entity, taken in one
// statement in a fixed order. Without it two transactions recording one entity (a site's history
// rewritten by two phones' pushes) would both read its old row and both insert a new one: the second
// would break the unique index changes_entity, which a push takes for the item's fault. A writer whose
// data is computed from rows that other transactions change (a site's history) takes the lock before
// reading them, so that it reads what the previous holder committed (READ COMMITTED). SQLite's single
// writer serialises everything already.
func (s *Store) lockChanges(tx *gorm.DB, cs []syncfeed.Change) error {
	if s.dialect != Postgres || len(cs) == 0 {
		return nil
	}
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = c.OrgID + "|" + c.Dataset + "|" + c.Scope + "|" + c.EntityType + "|" + c.EntityID
	}
	return tx.Exec(`SELECT pg_advisory_xact_lock(k) FROM (
		SELECT DISTINCT hashtextextended('change:' || x, 0) AS k FROM unnest(?::text[]) AS x ORDER BY k) AS l`, textArray(keys)).Error
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
		// The scopes go as one parameter (a phone with 500 sites has 600 scopes): parsing and binding
		// hundreds of parameters on every pull cost more than the query.
		scopeIn, scopeArg := "scope IN (SELECT value FROM json_each(?))", any(nil)
		if s.dialect == Postgres {
			scopeIn, scopeArg = "scope = ANY(?::text[])", textArray(scopes)
		} else {
			b, err := json.Marshal(scopes)
			if err != nil {
				return err
			}
			scopeArg = string(b)
		}
		inScope := func() *gorm.DB {
			return tx.Model(&changeRow{}).Where("org_id IN ? AND dataset = ? AND "+scopeIn, []string{orgID, syncfeed.OrgShared}, dataset, scopeArg)
		}
		q := inScope()
		if s.dialect == Postgres {
			q = q.Where("(xid, id) > (?, ?) AND xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint", pos.Xid, pos.ID)
		} else {
			// xid is always 0 here; spelt out so that SQLite searches the index by id (it would range
			// over xid alone with the row-value comparison).
			q = q.Where("xid = 0 AND id > ?", pos.ID)
		}
		var rows []changeRow
		// One row more than the page tells whether the page is the last one for now.
		if err := q.Order("xid, id").Limit(limit + 1).Find(&rows).Error; err != nil {
			return err
		}
		page.Complete = len(rows) <= limit
		rows = rows[:min(len(rows), limit)]
		page.Changes = make([]syncfeed.Entry, 0, len(rows))
		for _, r := range rows {
			// From the start the phone holds nothing: it gets the state, and the cursor passes the
			// tombstones without sending them.
			if pos.IsStart() && r.Op == string(syncfeed.OpDelete) {
				continue
			}
			page.Changes = append(page.Changes, r.entry())
		}
		last := pos
		if len(rows) > 0 {
			l := rows[len(rows)-1]
			last = syncfeed.Position{Xid: l.Xid, ID: l.ID}
			page.Next = syncfeed.EncodeCursor(dataset, fp, last)
		}
		if !page.Complete {
			return nil
		}
		if s.dialect == Postgres {
			// A committed row past the page that xmin holds back (an older transaction, of any
			// database of the cluster, is still running) is more to pull: the page is not complete,
			// and the phone's copy could not match a checksum yet. The phone pulls again shortly.
			var held int64
			if err := inScope().Where("(xid, id) > (?, ?)", last.Xid, last.ID).Limit(1).Count(&held).Error; err != nil {
				return err
			}
			if held > 0 {
				page.Complete = false
				return nil
			}
		}
		if len(rows) == 0 && !pos.IsStart() {
			return nil // nothing new: the phone already verified this state
		}
		if len(rows) == 0 {
			// Nothing in the phone's scopes yet: the cursor moves to the end of the log as this
			// snapshot sees it, so that the next pull is an incremental one (answered by ChangedSince)
			// rather than a pull from the start again. Everything up to there is final (xmin).
			top, err := s.logTop(tx)
			if err != nil {
				return err
			}
			if !top.IsStart() {
				page.Next = syncfeed.EncodeCursor(dataset, fp, top)
			}
		}
		var sum int64
		if pos.IsStart() && len(rows) > 0 {
			// From the start, a complete page holds every row in the scopes (the check above found
			// none past it): the checksum is theirs, without reading them again.
			for _, r := range rows {
				if r.Op == string(syncfeed.OpUpsert) {
					sum += r.Checksum
				}
			}
			c := uint32(sum)
			page.Checksum = &c
			return nil
		}
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

// ChangedSince tells, for each dataset, whether the log holds any row of the organisation or of the
// national data past the position, whatever its scope (syncfeed.Log). It is one statement for every
// dataset: an incremental pull that finds nothing new costs this and no more. A dataset it reports
// unchanged has nothing to serve; one it reports changed may still have nothing in the phone's scopes.
func (s *Store) ChangedSince(ctx context.Context, orgID string, positions map[string]syncfeed.Position) (map[string]bool, error) {
	const op = errs.Op("gormstore.ChangedSince")
	out := make(map[string]bool, len(positions))
	if len(positions) == 0 {
		return out, nil
	}
	names := make([]string, 0, len(positions))
	for d := range positions {
		names = append(names, d)
	}
	slices.Sort(names)
	var parts []string
	var args []any
	for _, d := range names {
		p := positions[d]
		cond := "(xid, id) > (?, ?)"
		if s.dialect != Postgres {
			cond = "xid = 0 AND id > ? AND ? = 0" // xid is always 0: search the index by id
			args = append(args, d, orgID, syncfeed.OrgShared, d, p.ID, p.Xid)
		} else {
			args = append(args, d, orgID, syncfeed.OrgShared, d, p.Xid, p.ID)
		}
		parts = append(parts, "SELECT ? AS dataset WHERE EXISTS (SELECT 1 FROM changes WHERE org_id IN (?, ?) AND dataset = ? AND "+cond+")")
	}
	var changed []string
	if err := s.read(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&changed).Error; err != nil {
		return nil, errs.E(op, translate(err, ""))
	}
	for _, d := range changed {
		out[d] = true
	}
	return out, nil
}

// logTop is the last position of the log that a cursor may stand on, as tx sees it: the last row
// of the whole log (on PostgreSQL, the last one below the snapshot's xmin, since everything up to it
// is final); the zero Position for an empty log.
func (s *Store) logTop(tx *gorm.DB) (syncfeed.Position, error) {
	var top syncfeed.Position
	if s.dialect != Postgres {
		err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&top.ID).Error
		return top, err
	}
	var rows []changeRow
	err := tx.Model(&changeRow{}).Select("xid", "id").
		Where("xid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint").
		Order("xid DESC, id DESC").Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return top, err
	}
	return syncfeed.Position{Xid: rows[0].Xid, ID: rows[0].ID}, nil
}
