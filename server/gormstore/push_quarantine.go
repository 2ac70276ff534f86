package gormstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

var _ syncsvc.QuarantineStore = (*Store)(nil)

// quarantineChain is the audit chain of one quarantined item.
func quarantineChain(id int64) string { return "sync-quarantine/" + strconv.FormatInt(id, 10) }

// ResolveQuarantine marks an open quarantined item resolved (syncsvc.QuarantineStore): resolved_at,
// the note and the person (migration 0013), with an audit event on the item's chain, in one
// transaction. The row is read locked first, so two chiefs resolving at once get one success and one
// quarantine_resolved.
func (s *Store) ResolveQuarantine(ctx context.Context, orgID string, id int64, note, byPersonID string, at time.Time) error {
	const op = "gormstore.ResolveQuarantine"
	at = at.UTC()
	err := s.write(ctx, func(tx *gorm.DB) error {
		var row pushQuarantineRow
		if err := s.lockForUpdate(tx).Where("org_id = ? AND id = ?", orgID, id).Take(&row).Error; err != nil {
			return err
		}
		if row.ResolvedAt != nil {
			return errs.E(errs.Conflict, errs.CodeQuarantineResolved, fmt.Sprintf("resolved at %s", row.ResolvedAt.UTC().Format(time.RFC3339)))
		}
		res := tx.Exec("UPDATE push_quarantine SET resolved_at = ?, resolution_note = ?, resolved_by = ? WHERE org_id = ? AND id = ? AND resolved_at IS NULL",
			at, note, byPersonID, orgID, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errs.E(errs.Conflict, errs.CodeQuarantineResolved)
		}
		return s.appendAudit(tx, audit.Entry{Chain: quarantineChain(id), OrgID: orgID, Action: "sync.quarantine.resolve",
			ActorPersonID: byPersonID, At: at, Reason: note, Data: map[string]any{
				"change_id": row.ChangeID, "device_id": row.DeviceID, "entity_type": row.EntityType,
				"entity_id": row.EntityID, "code": row.Code}})
	})
	return wrap(op, err, errs.CodeQuarantineNotFound)
}

// quarantineResolution is the part of a push_quarantine row that ResolveQuarantine sets.
type quarantineResolution struct {
	ID             int64
	ResolutionNote string
	ResolvedBy     string
}

// QuarantineResolutions returns the resolutions of those of the items that are resolved, by ID
// (syncsvc.QuarantineStore).
func (s *Store) QuarantineResolutions(ctx context.Context, orgID string, ids []int64) (map[int64]syncsvc.Resolution, error) {
	const op = "gormstore.QuarantineResolutions"
	out := make(map[int64]syncsvc.Resolution, len(ids))
	for chunk := range slices.Chunk(ids, 500) {
		var rows []quarantineResolution
		err := s.read(ctx).Table("push_quarantine").Select("id, resolution_note, resolved_by").
			Where("org_id = ? AND id IN ? AND resolved_at IS NOT NULL", orgID, chunk).Scan(&rows).Error
		if err != nil {
			return nil, wrap(op, err, "")
		}
		for _, r := range rows {
			out[r.ID] = syncsvc.Resolution{Note: r.ResolutionNote, ByPersonID: r.ResolvedBy}
		}
	}
	return out, nil
}
