package app

import (
	"context"
	"log/slog"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/export"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

// wireExports builds the export service (docs/exports.md) and registers its jobs: the one that makes
// a run, enqueued in the transaction that creates it, and the daily removal of results past the
// retention. The statistics kinds are made from the statistics service (export_stats.go). Call it
// after a.Jobs and a.Stats exist.
func (a *App) wireExports(log *slog.Logger, ids clock.IDs) {
	a.Exports = &export.Service{Store: a.Store, Evidence: a.Store, Blobs: a.Blobs, Clock: a.clock, IDs: ids, Log: log,
		Writers: a.statsExportWriters()}
	a.Jobs.Register(export.JobKind, func(ctx context.Context, j jobs.Job) error {
		return a.Exports.Handle(ctx, export.JobAttempt{Payload: j.Payload, Attempt: j.Attempt, Maximum: j.MaxAttempts})
	})
	a.Jobs.Register(export.ExpireKind, func(ctx context.Context, _ jobs.Job) error {
		n, err := a.Exports.Expire(ctx)
		if n > 0 {
			log.Info("expired exports removed", "runs", n)
		}
		return err
	})
	a.Jobs.Every(export.ExpireKind, export.ExpireEvery)
}
