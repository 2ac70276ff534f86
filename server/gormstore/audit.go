package gormstore

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

type auditEventRow struct {
	Chain          string `gorm:"primaryKey"`
	Seq            int64  `gorm:"primaryKey"`
	OrgID          string
	At             time.Time
	ActorAccountID string
	ActorPersonID  string
	Action         string
	Reason         string
	Data           string
	PrevHash       string
	Hash           string
}

func (auditEventRow) TableName() string { return "audit_events" }

type auditHeadRow struct {
	Chain       string `gorm:"primaryKey"`
	Seq         int64
	Hash        string
	AnchoredSeq int64
}

func (auditHeadRow) TableName() string { return "audit_heads" }

type auditAnchorRow struct {
	Seq       int64 `gorm:"primaryKey"`
	At        time.Time
	Heads     string
	HeadsHash string
	PrevHash  string
	Hash      string
}

func (auditAnchorRow) TableName() string { return "audit_anchors" }

// lockForUpdate adds FOR UPDATE on PostgreSQL; SQLite's single writer already serialises.
func (s *Store) lockForUpdate(tx *gorm.DB) *gorm.DB {
	if s.dialect == Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// appendAudit appends e to its chain inside the caller's write transaction, so that the action and
// its audit event commit together or not at all.
func (s *Store) appendAudit(tx *gorm.DB, e audit.Entry) error {
	if e.At.IsZero() {
		e.At = s.clock.Now()
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&auditHeadRow{Chain: e.Chain}).Error; err != nil {
		return err
	}
	var head auditHeadRow
	if err := s.lockForUpdate(tx).Where("chain = ?", e.Chain).Take(&head).Error; err != nil {
		return err
	}
	ev, err := audit.Seal(e, head.Seq, head.Hash)
	if err != nil {
		return err
	}
	row := auditEventRow{Chain: ev.Chain, Seq: ev.Seq, OrgID: ev.OrgID, At: ev.At, ActorAccountID: ev.ActorAccountID,
		ActorPersonID: ev.ActorPersonID, Action: ev.Action, Reason: ev.Reason, Data: ev.DataJSON, PrevHash: ev.PrevHash, Hash: ev.Hash}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	return tx.Model(&auditHeadRow{}).Where("chain = ?", e.Chain).Updates(map[string]any{"seq": ev.Seq, "hash": ev.Hash}).Error
}

// appendAuditBatch appends entries (in order) inside the caller's transaction, like appendAudit, with
// a few statements for many entries: the heads of the chains that have one are read and locked in
// one query, the events inserted in batches. A chain without a head is one that no event has reached,
// which for the registry means an entity created in this very transaction: its head is inserted.
func (s *Store) appendAuditBatch(tx *gorm.DB, entries []audit.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	var chains []string
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e.Chain] {
			seen[e.Chain] = true
			chains = append(chains, e.Chain)
		}
	}
	heads := map[string]auditHeadRow{}
	existed := map[string]bool{}
	for start := 0; start < len(chains); start += 500 {
		var rows []auditHeadRow
		end := min(start+500, len(chains))
		if err := s.lockForUpdate(tx).Where("chain IN ?", chains[start:end]).Find(&rows).Error; err != nil {
			return err
		}
		for _, h := range rows {
			heads[h.Chain], existed[h.Chain] = h, true
		}
	}
	events := make([]auditEventRow, 0, len(entries))
	for _, e := range entries {
		if e.At.IsZero() {
			e.At = s.clock.Now()
		}
		h := heads[e.Chain]
		ev, err := audit.Seal(e, h.Seq, h.Hash)
		if err != nil {
			return err
		}
		events = append(events, auditEventRow{Chain: ev.Chain, Seq: ev.Seq, OrgID: ev.OrgID, At: ev.At, ActorAccountID: ev.ActorAccountID,
			ActorPersonID: ev.ActorPersonID, Action: ev.Action, Reason: ev.Reason, Data: ev.DataJSON, PrevHash: ev.PrevHash, Hash: ev.Hash})
		h.Chain, h.Seq, h.Hash = e.Chain, ev.Seq, ev.Hash
		heads[e.Chain] = h
	}
	if err := tx.CreateInBatches(events, batchRows).Error; err != nil {
		return err
	}
	var fresh []auditHeadRow
	for _, c := range chains {
		h := heads[c]
		if !existed[c] {
			fresh = append(fresh, h)
			continue
		}
		if err := tx.Model(&auditHeadRow{}).Where("chain = ?", c).Updates(map[string]any{"seq": h.Seq, "hash": h.Hash}).Error; err != nil {
			return err
		}
	}
	if len(fresh) > 0 {
		return tx.CreateInBatches(fresh, batchRows).Error
	}
	return nil
}

// AppendAudit records an event that goes with no other write (for example a failed login worth
// keeping, or an export).
func (s *Store) AppendAudit(ctx context.Context, e audit.Entry) error {
	if err := s.write(ctx, func(tx *gorm.DB) error { return s.appendAudit(tx, e) }); err != nil {
		return errs.E(errs.Op("gormstore.AppendAudit"), translate(err, ""))
	}
	return nil
}

// AnchorAudit commits to every chain head that moved since the last anchor. It returns false when
// nothing moved (no anchor is written).
func (s *Store) AnchorAudit(ctx context.Context) (audit.Anchor, bool, error) {
	var out audit.Anchor
	var wrote bool
	err := s.write(ctx, func(tx *gorm.DB) error {
		if s.dialect == Postgres {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(7310002)").Error; err != nil {
				return err
			}
		}
		var moved []auditHeadRow
		if err := s.lockForUpdate(tx).Where("seq > anchored_seq").Order("chain").Find(&moved).Error; err != nil {
			return err
		}
		if len(moved) == 0 {
			return nil
		}
		var last []auditAnchorRow
		if err := tx.Order("seq DESC").Limit(1).Find(&last).Error; err != nil {
			return err
		}
		var prev *audit.Anchor
		if len(last) == 1 {
			p := audit.Anchor{Seq: last[0].Seq, Hash: last[0].Hash}
			prev = &p
		}
		heads := make([]audit.Head, len(moved))
		for i, h := range moved {
			heads[i] = audit.Head{Chain: h.Chain, Seq: h.Seq, Hash: h.Hash}
		}
		out = audit.NewAnchor(prev, s.clock.Now(), heads)
		hj, _ := json.Marshal(out.Heads)
		if err := tx.Create(&auditAnchorRow{Seq: out.Seq, At: out.At, Heads: string(hj), HeadsHash: out.HeadsHash,
			PrevHash: out.PrevHash, Hash: out.Hash}).Error; err != nil {
			return err
		}
		for _, h := range moved {
			if err := tx.Model(&auditHeadRow{}).Where("chain = ?", h.Chain).Update("anchored_seq", h.Seq).Error; err != nil {
				return err
			}
		}
		wrote = true
		return nil
	})
	if err != nil {
		return audit.Anchor{}, false, errs.E(errs.Op("gormstore.AnchorAudit"), translate(err, ""))
	}
	return out, wrote, nil
}

// AuditEvents streams every event in chain and sequence order (audit.Source).
func (s *Store) AuditEvents(ctx context.Context, fn func(audit.Event) error) error {
	const batch = 1000
	var after auditEventRow
	for {
		var rows []auditEventRow
		q := s.read(ctx).Order("chain, seq").Limit(batch)
		if after.Chain != "" {
			q = q.Where("chain > ? OR (chain = ? AND seq > ?)", after.Chain, after.Chain, after.Seq)
		}
		if err := q.Find(&rows).Error; err != nil {
			return errs.E(errs.Op("gormstore.AuditEvents"), translate(err, ""))
		}
		for _, r := range rows {
			ev := audit.Event{Entry: audit.Entry{Chain: r.Chain, OrgID: r.OrgID, Action: r.Action, ActorAccountID: r.ActorAccountID,
				ActorPersonID: r.ActorPersonID, At: r.At.UTC(), Reason: r.Reason}, Seq: r.Seq, DataJSON: r.Data, PrevHash: r.PrevHash, Hash: r.Hash}
			if err := fn(ev); err != nil {
				return err
			}
		}
		if len(rows) < batch {
			return nil
		}
		after = rows[len(rows)-1]
	}
}

// AuditAnchors streams every anchor in order (audit.Source).
func (s *Store) AuditAnchors(ctx context.Context, fn func(audit.Anchor) error) error {
	rows, err := s.read(ctx).Model(&auditAnchorRow{}).Order("seq").Rows()
	if err != nil {
		return errs.E(errs.Op("gormstore.AuditAnchors"), translate(err, ""))
	}
	defer rows.Close()
	for rows.Next() {
		var r auditAnchorRow
		if err := s.r.ScanRows(rows, &r); err != nil {
			return errs.E(errs.Op("gormstore.AuditAnchors"), translate(err, ""))
		}
		a := audit.Anchor{Seq: r.Seq, At: r.At.UTC(), HeadsHash: r.HeadsHash, PrevHash: r.PrevHash, Hash: r.Hash}
		if err := json.Unmarshal([]byte(r.Heads), &a.Heads); err != nil {
			return errs.E(errs.Op("gormstore.AuditAnchors"), err)
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}
