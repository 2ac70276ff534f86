package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime/debug"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Handler does the work of one job. It should return when ctx is done (the job timeout). A returned
// error or a panic is a failed attempt. Because a job may run again after its worker crashed, a
// handler must be idempotent.
type Handler func(ctx context.Context, j Job) error

// Options configure a Runner. Zero values take the defaults.
type Options struct {
	// ID names this runner (one per process) in the jobs' locked_by column; its workers are ID/0,
	// ID/1 …. The default is the host name and a random suffix.
	ID           string
	Workers      int           // concurrent handlers; default 2
	PollInterval time.Duration // how often an idle worker looks for due jobs; default 1 s
	// JobTimeout bounds one attempt; default 10 min. A job's lease lasts JobTimeout plus one minute,
	// so a live worker never loses the lease of a handler that respects its context.
	JobTimeout  time.Duration
	BaseBackoff time.Duration // the wait after the first failed attempt, doubling after each; default 10 s
	MaxBackoff  time.Duration // the cap on that wait; default 1 h
	Clock       clock.Clock   // for leases, backoff and periodic slots; default the real clock
	Logger      *slog.Logger  // default discards
}

// Runner claims due jobs from a Queue and runs their handlers on a few workers. Several runners, one
// per replica, may share a Queue: a job's lease keeps it to one worker at a time.
type Runner struct {
	q       Queue
	id      string
	workers int
	poll    time.Duration
	timeout time.Duration
	lease   time.Duration
	base    time.Duration
	max     time.Duration
	clock   clock.Clock
	log     *slog.Logger
	wake    chan struct{}

	mu        sync.Mutex
	handlers  map[string]Handler
	schedules map[string]time.Duration // kind → interval
	running   bool
}

// leaseMargin is how much longer than the job timeout a lease lasts: time to record the outcome.
const leaseMargin = time.Minute

// recordTimeout bounds the write that records an attempt's outcome.
const recordTimeout = 30 * time.Second

// maxErrorLen bounds the error text kept on a job for administrators, in bytes.
const maxErrorLen = 4000

// NewRunner returns a runner over q. Register handlers and schedule periodic jobs, then call Run.
func NewRunner(q Queue, o Options) *Runner {
	if o.ID == "" {
		host, _ := os.Hostname()
		o.ID = fmt.Sprintf("%s-%08x", host, rand.Uint32())
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.JobTimeout <= 0 {
		o.JobTimeout = 10 * time.Minute
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = 10 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = time.Hour
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		q: q, id: o.ID, workers: o.Workers, poll: o.PollInterval,
		timeout: o.JobTimeout, lease: o.JobTimeout + leaseMargin,
		base: o.BaseBackoff, max: o.MaxBackoff, clock: o.Clock, log: o.Logger,
		wake:      make(chan struct{}, o.Workers),
		handlers:  map[string]Handler{},
		schedules: map[string]time.Duration{},
	}
}

// ID returns the runner's name, the prefix of its workers' names.
func (r *Runner) ID() string { return r.id }

// Register sets the handler of a kind of job. Registering a kind twice, an empty kind or a nil
// handler is a programming error and panics.
func (r *Runner) Register(kind string, h Handler) {
	if kind == "" || h == nil {
		panic("jobs.Register: empty kind or nil handler")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.handlers[kind]; dup {
		panic(fmt.Sprintf("jobs.Register: kind %q registered twice", kind))
	}
	r.handlers[kind] = h
}

func (r *Runner) handler(kind string) (Handler, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.handlers[kind]
	return h, ok
}

// Every schedules a job of kind (with an empty payload) once per interval, in the slot that starts
// at the clock's time truncated to the interval (for a day: midnight UTC). Each replica enqueues the
// slot's job under the unique key kind@slot, so however many replicas run, the slot gets one job. A
// slot missed while no replica ran is skipped. Scheduling a kind twice or a non-positive interval
// panics; a kind without a handler makes Run fail.
func (r *Runner) Every(kind string, interval time.Duration) {
	if kind == "" || interval <= 0 {
		panic("jobs.Every: empty kind or non-positive interval")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.schedules[kind]; dup {
		panic(fmt.Sprintf("jobs.Every: kind %q scheduled twice", kind))
	}
	r.schedules[kind] = interval
}

// Enqueue stores a job through the runner's queue (see Queue.EnqueueJob) and wakes an idle worker of
// this runner when the job is due. A kind this runner has no handler for is errs.Invalid, so that a
// misspelt kind fails where it is enqueued rather than in the background.
func (r *Runner) Enqueue(ctx context.Context, j Job) (Job, bool, error) {
	const op = errs.Op("jobs.Enqueue")
	if _, ok := r.handler(j.Kind); !ok {
		return Job{}, false, errs.E(op, errs.Invalid, errs.CodeValidation,
			errs.FieldError{Field: "kind", Code: errs.CodeInvalidValue},
			fmt.Sprintf("no handler registered for kind %q", j.Kind))
	}
	stored, created, err := r.q.EnqueueJob(ctx, j)
	if err != nil {
		return Job{}, false, errs.E(op, err)
	}
	if created && !stored.RunAt.After(r.clock.Now()) {
		select {
		case r.wake <- struct{}{}:
		default: // enough wake-ups are pending
		}
	}
	return stored, created, nil
}

// Run works until ctx is cancelled, then stops claiming and waits for the handlers already running
// to finish (each within the job timeout) and for their outcomes to be recorded. It returns nil
// after such a stop, and an error at once when the runner is already running or a scheduled kind
// has no handler.
func (r *Runner) Run(ctx context.Context) error {
	const op = errs.Op("jobs.Run")
	r.mu.Lock()
	if r.running {
		r.mu.Unlock()
		return errs.E(op, "the runner is already running")
	}
	kinds := make([]string, 0, len(r.schedules))
	for kind := range r.schedules {
		if _, ok := r.handlers[kind]; !ok {
			r.mu.Unlock()
			return errs.E(op, fmt.Sprintf("kind %q is scheduled but has no handler", kind))
		}
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	r.running = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.running = false
		r.mu.Unlock()
	}()

	r.log.Info("jobs: runner started", "runner", r.id, "workers", r.workers, "periodic", kinds)
	var wg sync.WaitGroup
	for i := range r.workers {
		worker := fmt.Sprintf("%s/%d", r.id, i)
		wg.Go(func() { r.work(ctx, worker) })
	}
	wg.Go(func() { r.schedule(ctx) })
	wg.Wait()
	r.log.Info("jobs: runner stopped", "runner", r.id)
	return nil
}

// work is one worker: it claims and runs due jobs until ctx is cancelled.
func (r *Runner) work(ctx context.Context, worker string) {
	for ctx.Err() == nil {
		j, ok, err := r.q.ClaimJob(ctx, worker, r.lease)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("jobs: claim", "worker", worker, "err", err)
		}
		if ok {
			r.execute(ctx, worker, j)
			continue // there may be more due: look again at once
		}
		r.wait(ctx, true)
	}
}

// wait pauses for one poll interval, or less when ctx is done or (if wakeable) a job is enqueued.
func (r *Runner) wait(ctx context.Context, wakeable bool) {
	t := time.NewTimer(r.poll)
	defer t.Stop()
	var wake <-chan struct{}
	if wakeable {
		wake = r.wake
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

// execute runs one claimed job and records the outcome. The handler and the record are detached
// from ctx: a job that has started finishes and is recorded even when Run is being stopped.
func (r *Runner) execute(ctx context.Context, worker string, j Job) {
	log := r.log.With("job", j.ID, "kind", j.Kind, "attempt", j.Attempt, "worker", worker)
	detached := context.WithoutCancel(ctx)
	err := r.call(detached, log, j)

	rctx, cancel := context.WithTimeout(detached, recordTimeout)
	defer cancel()
	if err == nil {
		if err := r.q.CompleteJob(rctx, j.ID, worker); err != nil {
			log.Error("jobs: record success (the job will run again when its lease expires)", "err", err)
		}
		return
	}
	var retryAt time.Time
	if j.Attempt < j.MaxAttempts {
		retryAt = r.clock.Now().Add(r.backoff(j.Attempt))
	}
	if ferr := r.q.FailJob(rctx, j.ID, worker, truncateError(err.Error()), retryAt); ferr != nil {
		log.Error("jobs: record failure (the job will run again when its lease expires)", "err", ferr, "job_err", err)
		return
	}
	if retryAt.IsZero() {
		log.Error("jobs: job is dead", "max_attempts", j.MaxAttempts, "err", err)
	} else {
		log.Warn("jobs: attempt failed", "retry_at", retryAt, "err", err)
	}
}

// call runs the handler of j within the job timeout and turns a panic into an error.
func (r *Runner) call(ctx context.Context, log *slog.Logger, j Job) (err error) {
	h, ok := r.handler(j.Kind)
	if !ok {
		// Retried like any failure: during a rolling deploy a newer replica may know the kind.
		return fmt.Errorf("no handler registered for kind %q on runner %s", j.Kind, r.id)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			log.Error("jobs: handler panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	err = h(ctx, j)
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("job timeout %s: %w", r.timeout, err)
	}
	return err
}

// backoff is the wait after failed attempt number attempt (1, 2 …): BaseBackoff·2^(attempt-1),
// capped at MaxBackoff, with jitter that spreads it over its upper half so that jobs which failed
// together do not all come back together.
func (r *Runner) backoff(attempt int) time.Duration {
	d := r.base
	for i := 1; i < attempt && d < r.max; i++ {
		d *= 2
	}
	d = min(d, r.max)
	half := d / 2
	return d - half + rand.N(half+1)
}

// schedule enqueues the current slot's job of every periodic kind, once per slot, until ctx is
// cancelled.
func (r *Runner) schedule(ctx context.Context) {
	done := map[string]time.Time{} // kind → the last slot enqueued (or found taken)
	for ctx.Err() == nil {
		r.mu.Lock()
		kinds := make([]string, 0, len(r.schedules))
		for kind := range r.schedules {
			kinds = append(kinds, kind)
		}
		sort.Strings(kinds)
		intervals := make([]time.Duration, len(kinds))
		for i, kind := range kinds {
			intervals[i] = r.schedules[kind]
		}
		r.mu.Unlock()

		for i, kind := range kinds {
			slot := r.clock.Now().UTC().Truncate(intervals[i])
			if done[kind].Equal(slot) {
				continue
			}
			key := kind + "@" + slot.Format(time.RFC3339)
			_, created, err := r.Enqueue(ctx, Job{Kind: kind, RunAt: slot, UniqueKey: key})
			if err != nil {
				if ctx.Err() == nil {
					r.log.Warn("jobs: schedule", "kind", kind, "slot", slot, "err", err)
				}
				continue
			}
			if created {
				r.log.Info("jobs: periodic job enqueued", "kind", kind, "slot", slot)
			}
			done[kind] = slot
		}
		r.wait(ctx, false)
	}
}

// truncateError keeps the start of a long error message, on a UTF-8 boundary.
func truncateError(s string) string {
	if len(s) <= maxErrorLen {
		return s
	}
	cut := maxErrorLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " …"
}
