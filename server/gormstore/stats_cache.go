package gormstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// The stored figures of the periods people read (stats.Cache; migration 0023, docs/statistics.md
// "How it stays fast"). Every table a figure reads marks, by trigger in the writing transaction, the
// earliest day a change can affect (stats_marks). A stored period is used only while no mark of its
// scope at or before its last day waits; the refresh turns waiting marks into invalidated periods and
// recomputes them. The invariant: a stored period's figures are those of one snapshot S of the data,
// and every change committed after S has either left a mark that is still waiting (readers then
// compute from the rows) or bumped the period's gen (after which the figures of S are never written,
// or were written and are now NULL).

// statsCacheRow is a row of stats_cache.
type statsCacheRow struct {
	OrgID      string `gorm:"primaryKey"`
	Period     string `gorm:"primaryKey"`
	LastDay    string
	Gen        int64
	Rows       *string `gorm:"column:figures_rows"`
	Figures    string
	WantedAt   time.Time
	ComputedAt *time.Time
}

func (statsCacheRow) TableName() string { return "stats_cache" }

// cacheOrg is the scope's key in stats_cache and stats_marks: the organisation, or ” for the nation.
func cacheOrg(sc stats.Scope) string {
	if sc.National {
		return ""
	}
	return sc.OrgID
}

// cacheScope is the scope of a stats_cache key.
func cacheScope(org string) stats.Scope {
	if org == "" {
		return stats.Scope{National: true}
	}
	return stats.Scope{OrgID: org}
}

var (
	figuresOnce    sync.Once
	figuresVersion = map[Dialect]string{}
)

// statsFigures is the version of the figures this code computes on the store's engine: stats.FiguresVersion
// and a hash of the text of every statement (statsStatements), so that figures stored by a build whose
// statements differ are never used. What Go does with the rows (stats.Normalise, the families'
// allOnly) is covered by stats.FiguresVersion alone.
func (s *Store) statsFigures() string {
	figuresOnce.Do(func() {
		for _, d := range []Dialect{SQLite, Postgres} {
			h := sha256.New()
			fmt.Fprintln(h, stats.FiguresVersion)
			for _, st := range (&Store{dialect: d}).statsStatements() {
				fmt.Fprintln(h, st)
			}
			figuresVersion[d] = stats.FiguresVersion + "-" + hex.EncodeToString(h.Sum(nil))[:16]
		}
	})
	return figuresVersion[s.dialect]
}

// statsStatements is the text of every statement the figures of a period run, for one organisation.
func (s *Store) statsStatements() []string {
	q := stats.QueryOf(stats.Scope{OrgID: "o"}, stats.Period{Kind: stats.Month, Year: 2024, Number: 1})
	org, _ := orgIs("t", q.Scope, nil)
	out := []string{statsPlanTargetsSQL(org)}
	org, _ = orgIs("v", q.Scope, nil)
	out = append(out, statsPlanYearSQL(s.statsPlanInstruments(), org))
	for _, f := range s.statsFamilies(q) {
		out = append(out, f.sql(s.dialect))
	}
	return out
}

// marksWaiting is the condition, on stats_cache c, that a mark of c's scope at or before its last day
// waits: any organisation's for the national view, the organisation's or everyone's otherwise.
const marksWaiting = `(EXISTS (SELECT 1 FROM stats_marks m WHERE m.org_id = c.org_id AND m.day <= c.last_day)
	OR EXISTS (SELECT 1 FROM stats_marks m WHERE m.org_id = '' AND m.day <= c.last_day)
	OR (c.org_id = '' AND EXISTS (SELECT 1 FROM stats_marks m WHERE m.day <= c.last_day)))`

// CachedSummary returns a period's stored rows when they are current (stats.Cache): computed by this
// version of the figures, and no mark that could change them waiting. One statement, so the check
// and the figures are of one snapshot.
func (s *Store) CachedSummary(ctx context.Context, sc stats.Scope, p stats.Period) ([]byte, bool, error) {
	var rows []struct{ FiguresRows string }
	err := s.read(ctx).Raw(`SELECT c.figures_rows FROM stats_cache c
		WHERE c.org_id = ? AND c.period = ? AND c.figures_rows IS NOT NULL AND c.figures = ? AND NOT `+marksWaiting,
		cacheOrg(sc), p.String(), s.statsFigures()).Scan(&rows).Error
	if err != nil {
		return nil, false, errs.E(errs.Op("gormstore.CachedSummary"), translate(err, ""))
	}
	if len(rows) == 0 {
		return nil, false, nil
	}
	return []byte(rows[0].FiguresRows), true, nil
}

// WantSummary asks the refresh to compute a period (stats.Cache). A period already asked for (the
// current month, read from the rows while phones push) is found on a reader: no write, and on SQLite
// no wait for the one writer, on every such read.
func (s *Store) WantSummary(ctx context.Context, sc stats.Scope, p stats.Period, at time.Time) error {
	row := statsCacheRow{OrgID: cacheOrg(sc), Period: p.String(), LastDay: p.Last().String(), WantedAt: at.UTC()}
	var asked int64
	if err := s.read(ctx).Model(&statsCacheRow{}).Where("org_id = ? AND period = ?", row.OrgID, row.Period).Count(&asked).Error; err != nil {
		return errs.E(errs.Op("gormstore.WantSummary"), translate(err, ""))
	}
	if asked > 0 {
		return nil
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error
	})
	if err != nil {
		return errs.E(errs.Op("gormstore.WantSummary"), translate(err, ""))
	}
	return nil
}

// RefreshSummaries invalidates what the waiting marks may have changed, then computes up to limit
// invalidated or asked-for periods (stats.Cache).
func (s *Store) RefreshSummaries(ctx context.Context, at time.Time, limit int) (stats.Refreshed, error) {
	const op = errs.Op("gormstore.RefreshSummaries")
	var r stats.Refreshed
	if err := s.invalidateSummaries(ctx, &r); err != nil {
		return r, errs.E(op, translate(err, ""))
	}
	var todo []statsCacheRow
	if err := s.read(ctx).Select("org_id, period, gen").Where("figures_rows IS NULL OR figures <> ?", s.statsFigures()).
		Order("wanted_at, org_id, period").Find(&todo).Error; err != nil {
		return r, errs.E(op, translate(err, ""))
	}
	// A period that fails (a national year past the job's timeout) does not hold back the others: its
	// readers compute it from the rows meanwhile, and the run reports the failures.
	var failed []error
	for i, c := range todo {
		if i >= limit || ctx.Err() != nil {
			r.Pending = len(todo) - i
			break
		}
		stored, err := s.computeSummary(ctx, c, at)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		if stored {
			r.Computed++
		}
	}
	if len(failed) > 0 {
		return r, errs.E(op, fmt.Sprintf("%d of the periods failed", len(failed)), errors.Join(failed...))
	}
	return r, nil
}

// invalidateSummaries turns the waiting marks into invalidated periods, in one transaction that sees
// one snapshot of the marks (REPEATABLE READ on PostgreSQL; SQLite's writer is alone): every stored
// period a mark may affect gets gen + 1 and no figures, then exactly the marks read are deleted
// (on PostgreSQL, marks committed after the snapshot are not visible to the DELETE and stay).
func (s *Store) invalidateSummaries(ctx context.Context, r *stats.Refreshed) error {
	var opts []*sql.TxOptions
	if s.dialect == Postgres {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	}
	return s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var marks []struct {
			OrgID string
			Day   string
			N     int
			Top   int64
		}
		day := "MIN(day)"
		if s.dialect == Postgres {
			day = "to_char(MIN(day), 'YYYY-MM-DD')"
		}
		if err := tx.Raw(`SELECT org_id, ` + day + ` AS day, COUNT(*) AS n, MAX(id) AS top FROM stats_marks GROUP BY org_id`).Scan(&marks).Error; err != nil {
			return err
		}
		var top int64
		for _, m := range marks {
			r.Marks += m.N
			top = max(top, m.Top)
			q := tx.Model(&statsCacheRow{}).Where("last_day >= ?", m.Day)
			if m.OrgID != "" {
				q = q.Where("org_id IN ?", []string{m.OrgID, ""})
			}
			res := q.Updates(map[string]any{"gen": gorm.Expr("gen + 1"), "figures_rows": nil})
			if res.Error != nil {
				return res.Error
			}
			r.Invalidated += int(res.RowsAffected)
		}
		if len(marks) == 0 {
			return nil
		}
		return tx.Exec(`DELETE FROM stats_marks WHERE id <= ?`, top).Error
	}, opts...)
}

// computeSummary computes one period at one snapshot and stores it unless its gen moved meanwhile
// (a mark processed since the snapshot: the figures may be stale, and the next refresh computes it).
func (s *Store) computeSummary(ctx context.Context, c statsCacheRow, at time.Time) (bool, error) {
	p, err := stats.ParsePeriod(c.Period)
	if err != nil {
		return false, err
	}
	sc := cacheScope(c.OrgID)
	var gen int64
	var data []byte
	err = s.r.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT gen FROM stats_cache WHERE org_id = ? AND period = ?`, c.OrgID, c.Period).Row().Scan(&gen); err != nil {
			return err
		}
		rows, err := s.statsRowsOn(tx, stats.QueryOf(sc, p))
		if err != nil {
			return err
		}
		summary, err := stats.Build(sc, p, rows)
		if err != nil {
			return err
		}
		data = stats.EncodeRows(summary.Rows)
		return nil
	}, s.snapshotTx())
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", sc, p, translate(err, ""))
	}
	var stored bool
	err = s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&statsCacheRow{}).Where("org_id = ? AND period = ? AND gen = ?", c.OrgID, c.Period, gen).
			Updates(map[string]any{"figures_rows": string(data), "figures": s.statsFigures(), "computed_at": at.UTC()})
		stored = res.RowsAffected == 1
		return res.Error
	})
	if err != nil {
		return false, fmt.Errorf("%s %s: %w", sc, p, translate(err, ""))
	}
	return stored, nil
}

// statsCacheTables lists the tables the figures' statements read, for the test that each has its
// mark triggers: every FROM and JOIN of every statement.
func (s *Store) statsCacheTables() []string {
	seen := map[string]bool{}
	var out []string
	fields := strings.Fields(strings.Join(s.statsStatements(), " "))
	for i, w := range fields[:len(fields)-1] {
		if w != "FROM" && w != "JOIN" {
			continue
		}
		t := strings.Trim(fields[i+1], "(),")
		if t == "" || t == "f" || t == "pv" || t == "pr" || t == "pd" || t == "pe" || t == "pf" || t == "po" || t == "pev" ||
			strings.HasPrefix(t, "json") || strings.ToUpper(t) == t || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}
