package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// JobMarkOverdue is the kind of the job that marks overdue the delivered penalty decisions whose
// payment period has ended (penalty.Service.MarkOverdue), for every organisation.
const JobMarkOverdue = "penalty.mark_overdue"

// markOverdueEvery is how often it runs. The law's unit is the day; the job runs every hour so that
// a slot missed while no replica ran (the runner skips missed slots) costs an hour, not a day. A run
// that finds nothing to mark writes nothing.
const markOverdueEvery = time.Hour

// wirePenalties builds the penalty service and registers its jobs: the intake of submitted records
// (enqueued by the push that submits one, gormstore/penalty_intake.go) and the overdue marking.
func (a *App) wirePenalties(log *slog.Logger, ids clock.IDs) {
	a.Penalties = &penalty.Service{Store: a.Store, Clock: a.clock, IDs: ids}
	a.Jobs.Register(gormstore.JobPenaltyIntake, func(ctx context.Context, j jobs.Job) error {
		orgID, recordID, by, err := gormstore.PenaltyIntakeOf(j)
		if err != nil {
			return err
		}
		c, err := a.Penalties.Intake(ctx, orgID, recordID, by)
		if err == nil && c.ID != "" {
			log.Info("penalty case taken in", "case", c.ID, "record", recordID, "state", string(c.State), "version", c.Version)
		}
		return err
	})
	// An issued decision's document (MQĐ02, JSON and PDF), enqueued by the issuing transaction; locked
	// in the object store for the evidence retention when that is on (docs/evidence-storage.md).
	a.Jobs.Register(gormstore.JobDecisionDocument, func(ctx context.Context, j jobs.Job) error {
		var until time.Time
		if a.Config.EvidenceRetention > 0 {
			until = a.clock.Now().Add(a.Config.EvidenceRetention)
		}
		return a.Store.MakeDecisionDocument(ctx, a.Blobs, until, j)
	})
	a.Jobs.Register(JobMarkOverdue, func(ctx context.Context, _ jobs.Job) error {
		orgs, err := a.Store.Organisations(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			n, err := a.Penalties.MarkOverdue(ctx, o.ID)
			if n > 0 {
				log.Info("penalty decisions marked overdue", "organisation", o.ID, "cases", n)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	a.Jobs.Every(JobMarkOverdue, markOverdueEvery)
}
