package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

var _ jobs.Queue = (*Store)(nil)

type jobRow struct {
	ID          string `gorm:"primaryKey"`
	OrgID       string
	Kind        string
	Payload     string
	State       string
	Attempt     int
	MaxAttempts int
	RunAt       time.Time
	LeaseUntil  *time.Time
	LockedBy    string
	LastError   string
	UniqueKey   *string // NULL for ordinary jobs: the UNIQUE constraint ignores NULLs on both engines
	CreatedAt   time.Time
	FinishedAt  *time.Time
	Priority    int
}

func (jobRow) TableName() string { return "jobs" }

func (r jobRow) domain() jobs.Job {
	j := jobs.Job{ID: r.ID, OrgID: r.OrgID, Kind: r.Kind, Payload: []byte(r.Payload), State: jobs.State(r.State),
		Attempt: r.Attempt, MaxAttempts: r.MaxAttempts, RunAt: r.RunAt.UTC(), LastError: r.LastError,
		CreatedAt: r.CreatedAt.UTC(), Priority: r.Priority}
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		j.FinishedAt = &t
	}
	if r.UniqueKey != nil {
		j.UniqueKey = *r.UniqueKey
	}
	return j
}

// jobTime normalises a time to UTC microseconds: both engines keep that precision, and on SQLite,
// where times are text, one zone keeps the text in time order.
func jobTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// jobsDue selects the jobs a worker may claim at now: due ones, and running ones whose lease expired.
func jobsDue(db *gorm.DB, now time.Time) *gorm.DB {
	return db.Model(&jobRow{}).Where("((state IN (?, ?) AND run_at <= ?) OR (state = ? AND lease_until <= ?))",
		string(jobs.Queued), string(jobs.Retrying), now, string(jobs.Running), now)
}

// EnqueueJob stores a new job (jobs.Queue). A duplicate unique key is not an error: the job that
// holds the key is returned with created false.
func (s *Store) EnqueueJob(ctx context.Context, j jobs.Job) (jobs.Job, bool, error) {
	const op = errs.Op("gormstore.EnqueueJob")
	if err := j.Validate(); err != nil {
		return jobs.Job{}, false, errs.E(op, err)
	}
	now := jobTime(s.clock.Now())
	row := jobRow{ID: s.ids.NewID(), OrgID: j.OrgID, Kind: j.Kind, Payload: string(j.Payload),
		State: string(jobs.Queued), MaxAttempts: j.MaxAttempts, RunAt: jobTime(j.RunAt), CreatedAt: now, Priority: j.Priority}
	if row.Payload == "" {
		row.Payload = "{}"
	}
	if row.MaxAttempts == 0 {
		row.MaxAttempts = jobs.DefaultMaxAttempts
	}
	if j.RunAt.IsZero() {
		row.RunAt = now
	}
	if j.UniqueKey != "" {
		key := j.UniqueKey
		row.UniqueKey = &key
	}
	stored, created := row, true
	err := s.write(ctx, func(tx *gorm.DB) error {
		if row.UniqueKey == nil {
			return tx.Create(&row).Error
		}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "unique_key"}}, DoNothing: true}).Create(&row)
		if res.Error != nil || res.RowsAffected == 1 {
			return res.Error
		}
		created, stored = false, jobRow{} // Take would add a non-zero primary key to its condition
		return tx.Where("unique_key = ?", *row.UniqueKey).Take(&stored).Error
	})
	if err != nil {
		return jobs.Job{}, false, errs.E(op, "kind "+j.Kind, translate(err, errs.CodeJobNotFound))
	}
	return stored.domain(), created, nil
}

// ClaimJob leases the next due job to worker (jobs.Queue). On PostgreSQL the candidate row is
// locked with FOR UPDATE SKIP LOCKED, so concurrent claimers on any replica take different jobs
// without waiting for each other; on SQLite the single writer serialises claims.
func (s *Store) ClaimJob(ctx context.Context, worker string, lease time.Duration) (jobs.Job, bool, error) {
	const op = errs.Op("gormstore.ClaimJob")
	// Look on the readers first, so that an idle poll never takes the write lock.
	var due []string
	if err := jobsDue(s.read(ctx), jobTime(s.clock.Now())).Limit(1).Pluck("id", &due).Error; err != nil {
		return jobs.Job{}, false, errs.E(op, translate(err, ""))
	}
	if len(due) == 0 {
		return jobs.Job{}, false, nil
	}
	var claimed jobRow
	var ok bool
	err := s.write(ctx, func(tx *gorm.DB) error {
		now := jobTime(s.clock.Now())
		// Each pass either claims a job or buries one whose last lease expired; a few passes are
		// plenty, and what is left waits for the next poll.
		for range 10 {
			q := jobsDue(tx, now).Order("priority, run_at, id").Limit(1)
			if s.dialect == Postgres {
				q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate, Options: clause.LockingOptionsSkipLocked})
			}
			var rows []jobRow
			if err := q.Find(&rows).Error; err != nil {
				return err
			}
			if len(rows) == 0 {
				return nil
			}
			r := rows[0]
			set := map[string]any{}
			if r.State == string(jobs.Running) {
				msg := fmt.Sprintf("attempt %d: the lease of worker %s expired (the worker stopped, or the attempt outlived its lease)",
					r.Attempt, r.LockedBy)
				if r.Attempt >= r.MaxAttempts {
					if err := tx.Model(&jobRow{}).Where("id = ?", r.ID).Updates(map[string]any{
						"state": string(jobs.Dead), "lease_until": nil, "last_error": msg, "finished_at": now}).Error; err != nil {
						return err
					}
					s.log.Warn("job is dead: its last lease expired", "job", r.ID, "kind", r.Kind, "attempt", r.Attempt, "worker", r.LockedBy)
					continue
				}
				set["last_error"] = msg
				r.LastError = msg
			}
			leaseUntil := now.Add(lease)
			set["state"], set["attempt"], set["locked_by"], set["lease_until"] = string(jobs.Running), r.Attempt+1, worker, leaseUntil
			if err := tx.Model(&jobRow{}).Where("id = ?", r.ID).Updates(set).Error; err != nil {
				return err
			}
			r.State, r.Attempt, r.LockedBy, r.LeaseUntil = string(jobs.Running), r.Attempt+1, worker, &leaseUntil
			claimed, ok = r, true
			return nil
		}
		return nil
	})
	if err != nil {
		return jobs.Job{}, false, errs.E(op, "worker "+worker, translate(err, ""))
	}
	if !ok {
		return jobs.Job{}, false, nil
	}
	return claimed.domain(), true, nil
}

// CompleteJob marks a job that worker holds as succeeded (jobs.Queue).
func (s *Store) CompleteJob(ctx context.Context, id, worker string) error {
	now := jobTime(s.clock.Now())
	return s.settleJob(ctx, "gormstore.CompleteJob", id, worker, map[string]any{
		"state": string(jobs.Succeeded), "lease_until": nil, "finished_at": now})
}

// FailJob records a failed attempt of a job that worker holds (jobs.Queue): retrying at retryAt, or
// dead when retryAt is zero.
func (s *Store) FailJob(ctx context.Context, id, worker, message string, retryAt time.Time) error {
	set := map[string]any{"state": string(jobs.Retrying), "lease_until": nil, "last_error": message, "run_at": jobTime(retryAt)}
	if retryAt.IsZero() {
		set = map[string]any{"state": string(jobs.Dead), "lease_until": nil, "last_error": message, "finished_at": jobTime(s.clock.Now())}
	}
	return s.settleJob(ctx, "gormstore.FailJob", id, worker, set)
}

// settleJob applies set to a job that is running under worker's lease.
func (s *Store) settleJob(ctx context.Context, op errs.Op, id, worker string, set map[string]any) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		var r jobRow
		if err := s.lockForUpdate(tx).Where("id = ?", id).Take(&r).Error; err != nil {
			return err
		}
		if r.State != string(jobs.Running) || r.LockedBy != worker {
			return errs.E(errs.Conflict, fmt.Sprintf("the job is %s under worker %q, not running under %q", r.State, r.LockedBy, worker))
		}
		return tx.Model(&jobRow{}).Where("id = ?", id).Updates(set).Error
	})
	if err != nil {
		return errs.E(op, "job "+id, translate(err, errs.CodeJobNotFound))
	}
	return nil
}

// ListJobs returns the jobs f selects, the latest run time first (jobs.Queue).
func (s *Store) ListJobs(ctx context.Context, f jobs.Filter) ([]jobs.Job, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	q := s.read(ctx).Order("run_at DESC, id DESC").Limit(limit)
	if f.State != "" {
		q = q.Where("state = ?", string(f.State))
	}
	if f.OrgID != "" {
		q = q.Where("org_id = ?", f.OrgID)
	}
	var rows []jobRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, errs.E(errs.Op("gormstore.ListJobs"), translate(err, ""))
	}
	out := make([]jobs.Job, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Job returns one job (jobs.Queue).
func (s *Store) Job(ctx context.Context, id string) (jobs.Job, error) {
	var r jobRow
	if err := s.read(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return jobs.Job{}, errs.E(errs.Op("gormstore.Job"), "job "+id, translate(err, errs.CodeJobNotFound))
	}
	return r.domain(), nil
}

// RetryJob requeues a dead job with a fresh set of attempts (jobs.Queue).
func (s *Store) RetryJob(ctx context.Context, id string) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		var r jobRow
		if err := s.lockForUpdate(tx).Where("id = ?", id).Take(&r).Error; err != nil {
			return err
		}
		if r.State != string(jobs.Dead) {
			return errs.E(errs.Conflict, fmt.Sprintf("the job is %s; only a dead job can be retried", r.State))
		}
		return tx.Model(&jobRow{}).Where("id = ?", id).Updates(map[string]any{
			"state": string(jobs.Queued), "attempt": 0, "run_at": jobTime(s.clock.Now()), "lease_until": nil, "finished_at": nil}).Error
	})
	if err != nil {
		return errs.E(errs.Op("gormstore.RetryJob"), "job "+id, translate(err, errs.CodeJobNotFound))
	}
	return nil
}
