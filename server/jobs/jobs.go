// Package jobs runs background work — imports, thumbnails, PDFs, exports, the daily deadline checks
// and the periodic audit anchor — on either database engine, with retries and a list that
// administrators can read (DECISIONS D21).
//
// Jobs live in the database (D18), so any replica may run any job and nothing is lost on restart.
// A worker claims a due job under a lease; a worker that dies leaves its lease to expire, after which
// another worker claims the job again. Delivery is therefore at least once: a handler must be
// idempotent, because a job whose worker crashed after the work was done runs again.
//
// This package holds the domain side (Job, the Queue a storage adapter implements, the Runner); it
// imports neither gorm, echo nor minio-go. The storage side is in server/gormstore.
package jobs

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// State is where a job is in its life.
type State string

// The states. A job starts queued, is running while a worker holds its lease, and ends succeeded or
// dead; between failed attempts it is retrying.
const (
	Queued    State = "queued"    // waiting for its run time
	Running   State = "running"   // leased by a worker
	Succeeded State = "succeeded" // done
	Retrying  State = "retrying"  // an attempt failed; due again at RunAt
	Dead      State = "dead"      // gave up after MaxAttempts; an administrator may retry it
)

// DefaultMaxAttempts is the number of attempts a job gets when it does not say.
const DefaultMaxAttempts = 5

// Job is one unit of background work.
type Job struct {
	ID          string
	OrgID       string // the organisation the work is for; empty for system work (anchors, deadline checks)
	Kind        string // selects the handler, e.g. "evidence.thumbnail"
	Payload     []byte // JSON; empty is stored as {}
	State       State
	Attempt     int // attempts started so far; while running, the number of the current attempt
	MaxAttempts int
	RunAt       time.Time // when the job is due (again)
	LastError   string    // the error of the last failed attempt, for administrators
	CreatedAt   time.Time
	FinishedAt  *time.Time // when it succeeded or died
	// UniqueKey, when set, makes the job unique for ever: enqueuing another job with the same key
	// adds nothing and returns the job already there.
	UniqueKey string
	// Priority orders the due jobs: the lowest first, then the earliest due. 0 (the default) is work
	// someone waits for; Background is work nobody waits for.
	Priority int
}

// Background is the priority of work nobody waits for (thumbnails): due jobs of priority 0 run first.
const Background = 10

// Validate checks the fields a caller sets when enqueuing.
func (j Job) Validate() error {
	var fields []errs.FieldError
	if strings.TrimSpace(j.Kind) == "" {
		fields = append(fields, errs.FieldError{Field: "kind", Code: errs.CodeRequired})
	}
	if len(j.Payload) > 0 && !json.Valid(j.Payload) {
		fields = append(fields, errs.FieldError{Field: "payload", Code: errs.CodeInvalidValue})
	}
	if j.MaxAttempts < 0 {
		fields = append(fields, errs.FieldError{Field: "max_attempts", Code: errs.CodeInvalidValue})
	}
	if len(fields) > 0 {
		return errs.E(errs.Invalid, errs.CodeValidation, fields)
	}
	return nil
}

// Filter selects jobs for ListJobs.
type Filter struct {
	State State // empty: every state
	// OrgID restricts the list to one organisation's jobs. Empty lists every organisation's jobs and
	// the system's: only for system administrators.
	OrgID string
	Limit int // 0 means 100; at most 1000
}

// Queue stores jobs. The storage adapter implements it; the Runner and the administration API use it.
// Every method is safe for concurrent use by several workers and several replicas.
type Queue interface {
	// EnqueueJob stores a new job from the fields a caller sets (OrgID, Kind, Payload, RunAt, which
	// defaults to now, MaxAttempts, which defaults to DefaultMaxAttempts, and UniqueKey) and returns
	// it with created true. When UniqueKey is taken it stores nothing and returns the job that holds
	// the key with created false. A job that fails Validate is errs.Invalid.
	EnqueueJob(ctx context.Context, j Job) (stored Job, created bool, err error)

	// ClaimJob leases the next due job to worker for the duration lease and returns it running, with
	// Attempt counting this attempt; ok is false when nothing is due. A due job is a queued or
	// retrying one whose RunAt has come, or a running one whose lease has expired (its worker
	// stopped). An expired job that has used all its attempts becomes dead instead of being returned.
	ClaimJob(ctx context.Context, worker string, lease time.Duration) (j Job, ok bool, err error)

	// CompleteJob marks a job that worker holds as succeeded. It is errs.NotFound (CodeJobNotFound)
	// for an unknown ID and errs.Conflict when the job is no longer running under worker's lease
	// (the lease expired and another worker claimed it).
	CompleteJob(ctx context.Context, id, worker string) error

	// FailJob records a failed attempt of a job that worker holds: it becomes retrying, due at
	// retryAt, or dead when retryAt is zero. Errors as for CompleteJob.
	FailJob(ctx context.Context, id, worker, message string, retryAt time.Time) error

	// ListJobs returns the jobs f selects, the latest RunAt first, for administrators. Callers
	// scope f.OrgID to what the caller may see.
	ListJobs(ctx context.Context, f Filter) ([]Job, error)

	// Job returns one job, or errs.NotFound (CodeJobNotFound). Callers check its OrgID against
	// what the caller may see.
	Job(ctx context.Context, id string) (Job, error)

	// RetryJob requeues a dead job, due now with a fresh set of attempts; it keeps LastError.
	// It is errs.NotFound (CodeJobNotFound) for an unknown ID and errs.Conflict for a job that is
	// not dead.
	RetryJob(ctx context.Context, id string) error
}
