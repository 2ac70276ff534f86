package gormstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

var _ syncpush.Ledger = (*Store)(nil)

// pushReceiptRow is the receipt of one change ID (migration 0011).
type pushReceiptRow struct {
	OrgID      string `gorm:"primaryKey"`
	ChangeID   string `gorm:"primaryKey"`
	DeviceID   string
	EntityType string
	EntityID   string
	Hash       string
	Result     string
	Code       string
	Fields     string // JSON [{field, code}] of a rejection (migration 0013)
	Reason     string
	Version    int64
	ReceivedAt time.Time
}

func (pushReceiptRow) TableName() string { return "push_receipts" }

// pushQuarantineRow is an item that can never be accepted, kept for the chief (migration 0011).
type pushQuarantineRow struct {
	ID         int64 `gorm:"primaryKey;autoIncrement"`
	OrgID      string
	DeviceID   string
	ChangeID   string
	EntityType string
	EntityID   string
	Hash       string
	Payload    string
	Code       string
	Reason     string
	ReceivedAt time.Time
	ResolvedAt *time.Time
}

func (pushQuarantineRow) TableName() string { return "push_quarantine" }

func (r pushQuarantineRow) domain() syncpush.Quarantined {
	q := syncpush.Quarantined{ID: r.ID, OrgID: r.OrgID, DeviceID: r.DeviceID, ChangeID: r.ChangeID,
		EntityType: r.EntityType, EntityID: r.EntityID, Hash: r.Hash, Payload: []byte(r.Payload),
		Code: errs.Code(r.Code), Reason: r.Reason, ReceivedAt: r.ReceivedAt.UTC()}
	if r.ResolvedAt != nil {
		t := r.ResolvedAt.UTC()
		q.ResolvedAt = &t
	}
	return q
}

// pushTx is the store's syncpush.Tx: the write transaction of one pushed batch. Appliers (storage
// code in this package) get their *gorm.DB back with pushDB.
type pushTx struct{ db *gorm.DB }

// pushDB returns the transaction inside a syncpush.Tx handed out by WithinBatch. Anything else is a
// programming error, reported as an internal error rather than a panic.
func pushDB(tx syncpush.Tx) (*gorm.DB, error) {
	if t, ok := tx.(pushTx); ok && t.db != nil {
		return t.db, nil
	}
	return nil, errs.E(errs.Op("gormstore.pushDB"), errs.Internal, "not a push transaction of this store")
}

// WithinBatch runs fn in one write transaction (syncpush.Ledger). On SQLite the single writer with
// BEGIN IMMEDIATE serialises every push; on PostgreSQL transaction-scoped advisory locks on
// (organisation, change ID), taken in one statement in a fixed order so that two batches cannot
// deadlock, make concurrent pushes of the same changes wait for each other, so the second one finds
// the first one's receipts (READ COMMITTED: each statement sees what has committed).
func (s *Store) WithinBatch(ctx context.Context, orgID string, changeIDs []string, fn func(tx syncpush.Tx) error) error {
	const op = "gormstore.WithinBatch"
	err := s.write(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres && len(changeIDs) > 0 {
			err := tx.Exec(`SELECT pg_advisory_xact_lock(k) FROM (
				SELECT DISTINCT hashtextextended('push:' || ? || ':' || x, 0) AS k FROM unnest(?::text[]) AS x ORDER BY k) AS l`,
				orgID, textArray(changeIDs)).Error
			if err != nil {
				return err
			}
		}
		return fn(pushTx{db: tx})
	})
	return wrap(op, err, "")
}

// textArrayEscaper escapes an element of a PostgreSQL text[] literal (built once: a pull's scopes
// hold hundreds of elements).
var textArrayEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// textArray spells strings as a PostgreSQL array literal (gorm would expand a slice into a list). The
// strings are quoted and their quotes and backslashes escaped.
func textArray(ss []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, v := range ss {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		textArrayEscaper.WriteString(&b, v)
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

// Receipts returns the receipts of those change IDs that have one (syncpush.Ledger).
func (s *Store) Receipts(ctx context.Context, tx syncpush.Tx, orgID string, changeIDs []string) (map[string]syncpush.Receipt, error) {
	const op = "gormstore.Receipts"
	db, err := pushDB(tx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]syncpush.Receipt)
	for chunk := range slices.Chunk(changeIDs, 500) {
		var rows []pushReceiptRow
		if err := db.WithContext(ctx).Where("org_id = ? AND change_id IN ?", orgID, chunk).Find(&rows).Error; err != nil {
			return nil, wrap(op, err, "")
		}
		for _, r := range rows {
			rc := syncpush.Receipt{OrgID: r.OrgID, ChangeID: r.ChangeID, DeviceID: r.DeviceID, EntityType: r.EntityType,
				EntityID: r.EntityID, Hash: r.Hash, Outcome: syncpush.Outcome(r.Result), Code: errs.Code(r.Code),
				Reason: r.Reason, Version: r.Version, ReceivedAt: r.ReceivedAt.UTC()}
			if r.Fields != "" && r.Fields != "[]" {
				if err := json.Unmarshal([]byte(r.Fields), &rc.Fields); err != nil {
					return nil, wrap(op, err, "")
				}
			}
			out[r.ChangeID] = rc
		}
	}
	return out, nil
}

// Attempt runs fn in a savepoint of the push transaction (syncpush.Ledger): gorm's nested
// Transaction rolls back to the savepoint when fn fails, and the outer transaction goes on.
func (s *Store) Attempt(ctx context.Context, tx syncpush.Tx, fn func(tx syncpush.Tx) error) error {
	db, err := pushDB(tx)
	if err != nil {
		return err
	}
	return db.WithContext(ctx).Transaction(func(sp *gorm.DB) error { return fn(pushTx{db: sp}) })
}

// SaveReceipts writes the receipts of change IDs seen for the first time (syncpush.Ledger), in one
// statement per hundred. A receipt that already exists is a conflict: WithinBatch serialises pushes
// of one change, so it means a bug or a race the phone's retry settles, never a silent overwrite.
func (s *Store) SaveReceipts(ctx context.Context, tx syncpush.Tx, rs []syncpush.Receipt) error {
	const op = "gormstore.SaveReceipts"
	db, err := pushDB(tx)
	if err != nil {
		return err
	}
	if len(rs) == 0 {
		return nil
	}
	now := s.clock.Now().UTC()
	rows := make([]pushReceiptRow, len(rs))
	for i, r := range rs {
		rows[i] = pushReceiptRow{OrgID: r.OrgID, ChangeID: r.ChangeID, DeviceID: r.DeviceID, EntityType: storableText(r.EntityType),
			EntityID: storableText(r.EntityID), Hash: r.Hash, Result: string(r.Outcome), Code: string(r.Code), Fields: "[]", Reason: storableText(r.Reason),
			Version: r.Version, ReceivedAt: now}
		if len(r.Fields) > 0 {
			b, err := json.Marshal(r.Fields)
			if err != nil {
				return wrap(op, err, "")
			}
			rows[i].Fields = string(b)
		}
	}
	return wrap(op, db.WithContext(ctx).CreateInBatches(rows, 100).Error, "")
}

// Quarantine keeps an item that can never be accepted (syncpush.Ledger); the same (organisation,
// change ID, hash) is kept once.
func (s *Store) Quarantine(ctx context.Context, tx syncpush.Tx, q syncpush.Quarantined) error {
	const op = "gormstore.Quarantine"
	db, err := pushDB(tx)
	if err != nil {
		return err
	}
	row := pushQuarantineRow{OrgID: q.OrgID, DeviceID: q.DeviceID, ChangeID: q.ChangeID, EntityType: storableText(q.EntityType),
		EntityID: storableText(q.EntityID), Hash: q.Hash, Payload: string(q.Payload), Code: string(q.Code), Reason: storableText(q.Reason),
		ReceivedAt: s.clock.Now().UTC()}
	err = db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "org_id"}, {Name: "change_id"}, {Name: "hash"}}, DoNothing: true,
	}).Create(&row).Error
	return wrap(op, err, "")
}

// storableText is a phone's text as the ledger keeps it: PostgreSQL refuses the NUL character in a
// text column (a valid "\u0000" in JSON), and such an item must be rejected on its own, never fail the
// batch. NUL becomes U+FFFD; the payload itself is JSON text, where NUL is always escaped.
func storableText(s string) string { return strings.ReplaceAll(s, "\x00", "\uFFFD") }

// ListQuarantine returns the organisation's quarantined items, oldest first, and their total; with
// openOnly, only those not yet resolved. For the chief's console.
func (s *Store) ListQuarantine(ctx context.Context, orgID string, openOnly bool, p paging.Page) ([]syncpush.Quarantined, int, error) {
	const op = "gormstore.ListQuarantine"
	p = p.Normal()
	q := s.read(ctx).Model(&pushQuarantineRow{}).Where("org_id = ?", orgID)
	if openOnly {
		q = q.Where("resolved_at IS NULL")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	var rows []pushQuarantineRow
	if err := q.Order("received_at, id").Limit(p.Limit).Offset(p.Offset).Find(&rows).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	out := make([]syncpush.Quarantined, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, int(total), nil
}
