package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// statsFrozenMonthRow is a frozen month (migration 0021): the canonical JSON exactly as computed
// when the month was closed, its SHA-256, who froze it and when. Rows are never updated or deleted
// (a trigger refuses it on both engines).
type statsFrozenMonthRow struct {
	Scope           string `gorm:"primaryKey"`
	OrgID           *string
	Month           string `gorm:"primaryKey"`
	Canonical       string
	SHA256          string `gorm:"column:sha256"`
	FrozenAt        time.Time
	FrozenByPerson  string
	FrozenByAccount string
}

func (statsFrozenMonthRow) TableName() string { return "stats_frozen_months" }

func statsFrozenOf(r statsFrozenMonthRow) (stats.Frozen, error) {
	m, err := stats.ParsePeriod(r.Month)
	if err != nil {
		return stats.Frozen{}, err
	}
	sc := stats.Scope{National: true}
	if r.OrgID != nil {
		sc = stats.Scope{OrgID: *r.OrgID}
	}
	return stats.Frozen{Scope: sc, Month: m, Canonical: []byte(r.Canonical), SHA256: r.SHA256, FrozenAt: r.FrozenAt.UTC(),
		ByPerson: r.FrozenByPerson, ByAccount: r.FrozenByAccount}, nil
}

// FrozenMonth reads a frozen month (stats.Store).
func (s *Store) FrozenMonth(ctx context.Context, scope stats.Scope, month stats.Period) (stats.Frozen, bool, error) {
	const op = errs.Op("gormstore.FrozenMonth")
	var rows []statsFrozenMonthRow
	if err := s.read(ctx).Where("scope = ? AND month = ?", scope.String(), month.String()).Limit(1).Find(&rows).Error; err != nil {
		return stats.Frozen{}, false, errs.E(op, translate(err, ""))
	}
	if len(rows) == 0 {
		return stats.Frozen{}, false, nil
	}
	f, err := statsFrozenOf(rows[0])
	if err != nil {
		return stats.Frozen{}, false, errs.E(op, errs.Internal, err)
	}
	return f, true, nil
}

// FreezeMonth stores a frozen month and its audit entry in one transaction (stats.Store). A month
// already frozen is errs.Conflict, CodeStatsMonthFrozen.
func (s *Store) FreezeMonth(ctx context.Context, f stats.Frozen) error {
	const op = errs.Op("gormstore.FreezeMonth")
	r := statsFrozenMonthRow{Scope: f.Scope.String(), Month: f.Month.String(), Canonical: string(f.Canonical), SHA256: f.SHA256,
		FrozenAt: pdTime(f.FrozenAt), FrozenByPerson: f.ByPerson, FrozenByAccount: f.ByAccount}
	if !f.Scope.National {
		org := f.Scope.OrgID
		r.OrgID = &org
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&statsFrozenMonthRow{}).Where("scope = ? AND month = ?", r.Scope, r.Month).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errs.E(errs.Conflict, errs.CodeStatsMonthFrozen, r.Scope+" "+r.Month)
		}
		if err := tx.Create(&r).Error; err != nil {
			if err = translate(err, ""); errs.Is(errs.Conflict, err) {
				return errs.E(errs.Conflict, errs.CodeStatsMonthFrozen, r.Scope+" "+r.Month)
			}
			return err
		}
		return s.appendAudit(tx, f.Audit)
	})
	if err != nil {
		return errs.E(op, translate(err, ""))
	}
	return nil
}

// FrozenMonths lists a scope's frozen months, the latest first, without their figures (stats.Store).
func (s *Store) FrozenMonths(ctx context.Context, scope stats.Scope) ([]stats.Frozen, error) {
	const op = errs.Op("gormstore.FrozenMonths")
	var rows []statsFrozenMonthRow
	if err := s.read(ctx).Select("scope", "org_id", "month", "sha256", "frozen_at", "frozen_by_person", "frozen_by_account").
		Where("scope = ?", scope.String()).Order("month DESC").Find(&rows).Error; err != nil {
		return nil, errs.E(op, translate(err, ""))
	}
	out := make([]stats.Frozen, 0, len(rows))
	for _, r := range rows {
		f, err := statsFrozenOf(r)
		if err != nil {
			return nil, errs.E(op, errs.Internal, err)
		}
		out = append(out, f)
	}
	return out, nil
}
