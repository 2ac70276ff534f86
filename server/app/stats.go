package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// JobStatsRefresh is the kind of the job that brings the stored figures of the periods people read
// up to date (stats.Service.Refresh; docs/statistics.md "How it stays fast").
const JobStatsRefresh = "stats.refresh"

// statsRefreshEvery is how often it runs; statsRefreshLimit how many periods one run computes at
// most. Until a period is refreshed its readers compute it from the rows: slower, never different.
const (
	statsRefreshEvery = 5 * time.Minute
	statsRefreshLimit = 500
)

// wireStats builds the statistics service over the store (docs/statistics.md): figures computed from
// the period's rows, kept for the periods read until data that could change them is written; frozen
// months read back from their stored bytes.
func (a *App) wireStats(log *slog.Logger) {
	a.Stats = &stats.Service{Store: a.Store, Clock: a.clock, Cache: a.Store}
	a.Jobs.Register(JobStatsRefresh, func(ctx context.Context, _ jobs.Job) error {
		start := time.Now()
		r, err := a.Stats.Refresh(ctx, statsRefreshLimit)
		if r.Computed > 0 || r.Invalidated > 0 || err != nil {
			log.Info("statistics refreshed", "marks", r.Marks, "invalidated", r.Invalidated, "computed", r.Computed,
				"pending", r.Pending, "took", time.Since(start).Round(time.Millisecond), "error", err)
		}
		return err
	})
	a.Jobs.Every(JobStatsRefresh, statsRefreshEvery)
}
