package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// The back-fill of the change log: a database that held campaigns, sites, visits and the rest before
// migration 0012 has no rows for them in the log, so phones would receive them only at their next
// change. The back-fill records each entity the log lacks, through the same producers as the writes
// (sync_producers.go, campaigns.go, push_apply_visit.go, push_apply_record.go,
// push_apply_history.go, numbering.go), so that it sends exactly what a write would have sent.

// syncBackfillRow marks a back-fill done (migration 0014).
type syncBackfillRow struct {
	Name   string `gorm:"primaryKey"`
	DoneAt time.Time
}

func (syncBackfillRow) TableName() string { return "sync_backfills" }

const (
	// syncBackfillV1 names the back-fill of the data written before migration 0012.
	syncBackfillV1 = "v1"
	// syncBackfillNumbersV2 names the recording again of every number block in the shape of version 2
	// of the numbers dataset (with its issuing body's names; syncfeed.SchemaVersion): the phones'
	// older cursors are resets, and the reset must send the new shape.
	syncBackfillNumbersV2 = "numbers-v2"
	// syncBackfillLock is the PostgreSQL advisory lock that lets one replica back-fill at a time.
	syncBackfillLock = 7310004
	// backfillChunk is how many entities one write transaction records (D6: keep them short).
	backfillChunk = 200
	// backfillAttempts bounds the retries of a chunk that met a concurrent write of one of its
	// entities (see backfillChunkOnce).
	backfillAttempts = 5
)

// syncBackfills are the back-fills of the change log, each done once per database, in order.
func (s *Store) syncBackfills() []struct {
	name string
	run  func(context.Context) (int, error)
} {
	return []struct {
		name string
		run  func(context.Context) (int, error)
	}{
		{syncBackfillV1, s.BackfillSyncLog},
		{syncBackfillNumbersV2, s.RerecordNumberBlocks},
	}
}

// RunSyncBackfillOnce runs each back-fill of the change log (BackfillSyncLog, then
// RerecordNumberBlocks) unless it was done already in this database, and marks it done. It reports
// whether any ran and how many changes they recorded. The application calls it at every start, after
// the migrations.
//
// On PostgreSQL, replicas starting together take turns on an advisory lock, held by a transaction
// that only reads until it inserts the marks at the very end: the first back-fills, the others wait
// for it and then find the marks. The lock's transaction has no transaction ID while it waits or the
// back-fill runs, so it holds back no pull (D6), which inserting a mark first would do for the
// whole back-fill. The back-fill itself writes in short transactions on other connections of the
// pool. Should the lock's session end early, a second back-fill running meanwhile records nothing
// twice: it is idempotent, and concurrent writes of one entity are retried (backfillChunkOnce).
func (s *Store) RunSyncBackfillOnce(ctx context.Context) (ran bool, n int, err error) {
	const op = "gormstore.RunSyncBackfillOnce"
	once := func(db *gorm.DB, mark func(syncBackfillRow) error) error {
		for _, b := range s.syncBackfills() {
			var done int64
			if err := db.Model(&syncBackfillRow{}).Where("name = ?", b.name).Count(&done).Error; err != nil {
				return err
			}
			if done > 0 {
				continue
			}
			m, err := b.run(ctx)
			n += m
			if err != nil {
				return err
			}
			ran = true
			if err := mark(syncBackfillRow{Name: b.name, DoneAt: stamp(s.clock.Now())}); err != nil {
				return err
			}
		}
		return nil
	}
	if s.dialect == Postgres {
		err = s.w.WithContext(ctx).Transaction(func(lock *gorm.DB) error {
			if err := lock.Exec("SELECT pg_advisory_xact_lock(?)", syncBackfillLock).Error; err != nil {
				return err
			}
			return once(lock, func(r syncBackfillRow) error { return lock.Create(&r).Error })
		})
	} else {
		// One process writes an SQLite database; two calls at once would both back-fill, harmlessly.
		err = once(s.read(ctx), func(r syncBackfillRow) error {
			return s.write(ctx, func(tx *gorm.DB) error { return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error })
		})
	}
	if err != nil {
		return false, 0, wrap(op, err, "")
	}
	return ran, n, nil
}

// RerecordNumberBlocks records every number block of every organisation again, in its current shape
// (recordNumberBlocks), and returns how many rows it added to the log; a block whose row is already
// in that shape is left alone. It writes in transactions of a few hundred blocks.
func (s *Store) RerecordNumberBlocks(ctx context.Context) (int, error) {
	const op = errs.Op("gormstore.RerecordNumberBlocks")
	var orgs []string
	if err := s.read(ctx).Model(&organisationRow{}).Order("id").Pluck("id", &orgs).Error; err != nil {
		return 0, errs.E(op, translate(err, ""))
	}
	set := backfillSet{dataset: syncfeed.Numbers, entityType: syncfeed.EntityNumberBlock, table: "number_blocks", column: "id",
		again: true, record: s.backfillNumberBlocks}
	total := 0
	for _, org := range orgs {
		n, err := s.backfillSet(ctx, org, set, backfillChunk)
		total += n
		if err != nil {
			return total, errs.E(op, "organisation "+org, err)
		}
	}
	return total, nil
}

// BackfillSyncLog records in the change log, for every organisation, the current state of each
// campaign, subject, site, visit (not deleted ones), violation record, site history and number block
// that has no row in the log yet, and returns how many changes it recorded. Run again, it records
// nothing. It writes in transactions of a few hundred entities.
//
// An entity that has a row was recorded by a write since migration 0012, with its whole state, and
// is left alone: re-recording it from a read could replace a newer row that a concurrent write just
// committed.
func (s *Store) BackfillSyncLog(ctx context.Context) (int, error) {
	return s.backfillSyncLog(ctx, backfillChunk)
}

func (s *Store) backfillSyncLog(ctx context.Context, chunk int) (int, error) {
	const op = errs.Op("gormstore.BackfillSyncLog")
	var orgs []string
	if err := s.read(ctx).Model(&organisationRow{}).Order("id").Pluck("id", &orgs).Error; err != nil {
		return 0, errs.E(op, translate(err, ""))
	}
	total := 0
	for _, org := range orgs {
		for _, set := range s.backfillSets() {
			n, err := s.backfillSet(ctx, org, set, chunk)
			total += n
			if err != nil {
				return total, errs.E(op, fmt.Sprintf("%s of organisation %s", set.entityType, org), err)
			}
		}
	}
	return total, nil
}

// backfillSet is one kind of entity to back-fill: where its IDs are (column of table, with the
// extra condition where) and how a write transaction records those of an organisation. again records
// every entity, also those the log has (in a new shape: recordChanges skips an identical row).
type backfillSet struct {
	dataset, entityType string
	table, column       string
	where               string
	args                []any
	again               bool
	record              func(ctx context.Context, tx *gorm.DB, orgID string, ids []string) error
}

func (s *Store) backfillSets() []backfillSet {
	history := []string{string(campaign.VisitWaitingLab), string(campaign.VisitCompleted)}
	return []backfillSet{
		{dataset: syncfeed.Assignments, entityType: syncfeed.EntityCampaign, table: "campaigns", column: "id", record: s.backfillCampaigns},
		{dataset: syncfeed.Sites, entityType: syncfeed.EntitySubject, table: "subjects", column: "id", record: s.backfillSubjects},
		{dataset: syncfeed.Sites, entityType: syncfeed.EntitySite, table: "sites", column: "id", record: s.backfillSites},
		{dataset: syncfeed.Visits, entityType: syncfeed.EntityVisit, table: "visits", column: "id", where: "deleted_at IS NULL",
			record: s.backfillVisits},
		{dataset: syncfeed.Visits, entityType: syncfeed.EntityRecord, table: "violation_records", column: "id", record: s.backfillRecords},
		// The sites whose history has a visit: one whose visits all left it was recorded when they did.
		{dataset: syncfeed.Sites, entityType: syncfeed.EntitySiteHistory, table: "visits", column: "site_id",
			where: "status IN ? AND deleted_at IS NULL", args: []any{history}, record: s.backfillSiteHistories},
		{dataset: syncfeed.Numbers, entityType: syncfeed.EntityNumberBlock, table: "number_blocks", column: "id", record: s.backfillNumberBlocks},
	}
}

// backfillSet back-fills one kind of entity of an organisation, chunk entities at a time, in the
// order of their IDs.
func (s *Store) backfillSet(ctx context.Context, orgID string, set backfillSet, chunk int) (int, error) {
	total := 0
	after := ""
	for {
		q := s.read(ctx).Table(set.table).Where("org_id = ? AND "+set.column+" > ?", orgID, after)
		if set.where != "" {
			q = q.Where(set.where, set.args...)
		}
		var ids []string
		if err := q.Distinct(set.column).Order(set.column).Limit(chunk).Pluck(set.column, &ids).Error; err != nil {
			return total, translate(err, "")
		}
		if len(ids) == 0 {
			return total, nil
		}
		n, err := s.backfillChunk(ctx, orgID, set, ids)
		total += n
		if err != nil {
			return total, err
		}
		if len(ids) < chunk {
			return total, nil
		}
		after = ids[len(ids)-1]
	}
}

// backfillChunk records the entities of ids that the log lacks, in one write transaction, retried
// when a concurrent write of one of them got in first (see backfillChunkOnce).
func (s *Store) backfillChunk(ctx context.Context, orgID string, set backfillSet, ids []string) (int, error) {
	for attempt := 1; ; attempt++ {
		n, err := s.backfillChunkOnce(ctx, orgID, set, ids)
		if err == nil || attempt == backfillAttempts || !concurrentWrite(err) || ctx.Err() != nil {
			return n, err
		}
	}
}

// backfillChunkOnce is one attempt of backfillChunk. It returns how many rows it added to the log.
//
// On PostgreSQL the transaction is REPEATABLE READ, so that the entities it finds missing from the log
// and the rows the producers compare with (recordChanges) are read from one snapshot. A concurrent
// write of one of the entities either committed before that snapshot (its row is seen: the entity is
// not missing), or commits after it: then the row this transaction inserts for the entity collides
// with the write's row on the log's unique index, the transaction fails and is retried, and the retry
// finds the entity recorded. So the back-fill never replaces a newer row with the state it read, and
// what it read of an entity it does record (even outside the snapshot) is the entity's state as no
// write has recorded it. On SQLite the single writer runs the whole transaction alone.
func (s *Store) backfillChunkOnce(ctx context.Context, orgID string, set backfillSet, ids []string) (int, error) {
	var n int64
	var opts []*sql.TxOptions
	if s.dialect == Postgres {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		logged := func() *gorm.DB {
			return tx.Model(&changeRow{}).Where("org_id = ? AND dataset = ? AND entity_type = ? AND entity_id IN ?",
				orgID, set.dataset, set.entityType, ids)
		}
		var have []string
		if err := logged().Pluck("entity_id", &have).Error; err != nil {
			return err
		}
		var top int64
		if err := logged().Select("COALESCE(MAX(id), 0)").Scan(&top).Error; err != nil {
			return err
		}
		missing := ids
		if !set.again {
			missing = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return slices.Contains(have, id) })
		}
		if len(missing) == 0 {
			return nil
		}
		if err := set.record(ctx, tx, orgID, missing); err != nil {
			return err
		}
		// The rows past the ones it saw first are those it recorded itself (on PostgreSQL, its
		// snapshot shows no other transaction's).
		return logged().Where("id > ?", top).Count(&n).Error
	}, opts...)
	if err != nil {
		return 0, translate(err, "")
	}
	return int(n), nil
}

// concurrentWrite tells the errors of a back-fill chunk that a concurrent write causes and that a
// retry resolves: a row of the log that a write committed meanwhile (unique violation), a
// serialization failure or a deadlock.
func concurrentWrite(err error) bool {
	var state interface{ SQLState() string }
	if errors.As(err, &state) {
		switch state.SQLState() {
		case "23505", "40001", "40P01":
			return true
		}
	}
	return errs.Is(errs.Conflict, err)
}

// backfillCampaigns records campaigns with their teams, subjects, sites and assignments, as
// SaveCampaign does.
func (s *Store) backfillCampaigns(ctx context.Context, tx *gorm.DB, orgID string, ids []string) error {
	var rows []campaignRow
	if err := tx.Where("org_id = ? AND id IN ?", orgID, ids).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	cs := make([]campaign.Campaign, len(rows))
	for i, r := range rows {
		cs[i] = r.domain()
	}
	if err := s.loadCampaignChildren(ctx, orgID, cs); err != nil {
		return err
	}
	changes := make([]syncfeed.Change, len(cs))
	for i, c := range cs {
		var err error
		if changes[i], err = syncdata.CampaignChange(c); err != nil {
			return err
		}
	}
	return s.recordChanges(tx, changes)
}

// backfillSubjects records subjects, as the registry's writes do (recordRegistryChanges).
func (s *Store) backfillSubjects(_ context.Context, tx *gorm.DB, orgID string, ids []string) error {
	var rows []subjectRow
	if err := tx.Where("org_id = ? AND id IN ?", orgID, ids).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	changes := make([]syncfeed.Change, len(rows))
	for i, r := range rows {
		var err error
		if changes[i], err = syncdata.SubjectChange(r.domain()); err != nil {
			return err
		}
	}
	return s.recordChanges(tx, changes)
}

// backfillSites records sites with their units, instruments and licences (recordSites).
func (s *Store) backfillSites(_ context.Context, tx *gorm.DB, orgID string, ids []string) error {
	return s.recordSites(tx, orgID, ids)
}

// backfillVisits records visits with their answers, findings, manual findings and evidence, as
// recordVisit does, their parts read in four queries for the chunk.
func (s *Store) backfillVisits(_ context.Context, tx *gorm.DB, orgID string, ids []string) error {
	var visits []visitSyncRow
	if err := tx.Where("org_id = ? AND id IN ? AND deleted_at IS NULL", orgID, ids).Order("id").Find(&visits).Error; err != nil {
		return err
	}
	parts := make(map[string]*visitParts, len(visits))
	for _, v := range visits {
		parts[v.Visit.ID] = &visitParts{}
	}
	of := func(model any) error {
		return tx.Where("org_id = ? AND visit_id IN ?", orgID, ids).Find(model).Error
	}
	var answers []visitAnswerSyncRow
	var findings []visitFindingRow
	var manual []manualFindingRow
	var evidence []evidenceRefRow
	for _, model := range []any{&answers, &findings, &manual, &evidence} {
		if err := of(model); err != nil {
			return err
		}
	}
	for _, a := range answers {
		if p := parts[a.Answer.VisitID]; p != nil {
			p.answers = append(p.answers, a)
		}
	}
	for _, f := range findings {
		if p := parts[f.VisitID]; p != nil {
			p.findings = append(p.findings, f)
		}
	}
	for _, m := range manual {
		if p := parts[m.VisitID]; p != nil {
			p.manual = append(p.manual, m)
		}
	}
	for _, e := range evidence {
		if p := parts[e.VisitID]; p != nil {
			p.evidence = append(p.evidence, e)
		}
	}
	for _, v := range visits {
		if err := s.recordVisitChange(tx, v, *parts[v.Visit.ID]); err != nil {
			return err
		}
	}
	return nil
}

// backfillRecords records violation records, as a push of one does (recordRecordChange).
func (s *Store) backfillRecords(_ context.Context, tx *gorm.DB, orgID string, ids []string) error {
	var rows []violationRecordRow
	if err := tx.Where("org_id = ? AND id IN ?", orgID, ids).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if err := s.recordRecordChange(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// backfillSiteHistories records the histories of the sites ids (recordSiteHistory).
func (s *Store) backfillSiteHistories(_ context.Context, tx *gorm.DB, orgID string, ids []string) error {
	for _, id := range ids {
		if err := s.recordSiteHistory(tx, orgID, id); err != nil {
			return err
		}
	}
	return nil
}

// backfillNumberBlocks records number blocks with the marks on their numbers, as ReserveBlock and
// MarkNumber do (recordNumberBlocks).
func (s *Store) backfillNumberBlocks(_ context.Context, tx *gorm.DB, orgID string, ids []string) error {
	return s.recordNumberBlocks(tx, orgID, ids)
}

// recordNumberBlocks records the number blocks ids of an organisation with the marks on their numbers
// and their issuing body, as ReserveBlock and MarkNumber do; the marks are read in one query per
// series, the names in one per issuing unit.
func (s *Store) recordNumberBlocks(tx *gorm.DB, orgID string, ids []string) error {
	var rows []numberBlockRow
	if err := tx.Where("org_id = ? AND id IN ?", orgID, ids).Order("id").Find(&rows).Error; err != nil {
		return err
	}
	type span struct{ first, last int }
	series := map[numbering.Series]span{}
	for _, r := range rows {
		k := numbering.Series{OrgID: r.OrgID, IssuingUnitID: r.IssuingUnitID, Year: r.Year}
		sp, ok := series[k]
		if !ok {
			sp = span{r.FirstNumber, r.LastNumber}
		}
		series[k] = span{min(sp.first, r.FirstNumber), max(sp.last, r.LastNumber)}
	}
	marks := map[numbering.Series][]numbering.Mark{}
	bodies := map[string]syncdata.IssuingBody{}
	for k, sp := range series {
		var mrows []numberMarkRow
		if err := seriesWhere(tx, k).Where("number BETWEEN ? AND ?", sp.first, sp.last).Find(&mrows).Error; err != nil {
			return err
		}
		for _, m := range mrows {
			marks[k] = append(marks[k], m.domain())
		}
		if _, ok := bodies[k.IssuingUnitID]; !ok {
			body, err := blockIssuingBody(tx, k)
			if err != nil {
				return err
			}
			bodies[k.IssuingUnitID] = body
		}
	}
	changes := make([]syncfeed.Change, len(rows))
	for i, r := range rows {
		b := r.domain()
		var err error
		if changes[i], err = syncdata.NumberBlockChange(b, marks[b.Series], bodies[b.Series.IssuingUnitID]); err != nil {
			return err
		}
	}
	return s.recordChanges(tx, changes)
}
