package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

// The runner is tested against the real store on the engine storetest selects. Time that matters
// (run times, backoff, leases, periodic slots) comes from a Manual clock; the tests wait only for
// conditions, with a deadline that guards against hangs and never decides a result.

var epoch = time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC)

func newStore(t *testing.T) (*gormstore.Store, *clock.Manual) {
	t.Helper()
	c := clock.NewManual(epoch)
	return storetest.NewDBWith(t, storetest.Options{Clock: c}), c
}

func newRunner(t *testing.T, q jobs.Queue, c clock.Clock, id string, mod ...func(*jobs.Options)) *jobs.Runner {
	t.Helper()
	o := jobs.Options{ID: id, Workers: 2, PollInterval: 5 * time.Millisecond, Clock: c,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil))}
	for _, m := range mod {
		m(&o)
	}
	return jobs.NewRunner(q, o)
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// start runs r in the background and returns stop, which cancels Run and waits for it to return.
// The test's cleanup stops it too.
func start(t *testing.T, r *jobs.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run(%s) = %v", r.ID(), err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("Run(%s) did not return after cancel", r.ID())
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds; the deadline only guards against a hang.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func getJob(t *testing.T, q jobs.Queue, id string) jobs.Job {
	t.Helper()
	j, err := q.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

func waitForState(t *testing.T, q jobs.Queue, id string, want jobs.State) jobs.Job {
	t.Helper()
	var j jobs.Job
	waitFor(t, fmt.Sprintf("job %s to be %s", id, want), func() bool {
		j = getJob(t, q, id)
		return j.State == want
	})
	return j
}

func TestJobRunsOnce(t *testing.T) {
	s, c := newStore(t)
	r := newRunner(t, s, c, "r")
	var runs atomic.Int32
	seen := make(chan jobs.Job, 10)
	r.Register("greet", func(ctx context.Context, j jobs.Job) error {
		runs.Add(1)
		seen <- j
		return nil
	})
	stop := start(t, r)

	ctx := context.Background()
	if _, _, err := r.Enqueue(ctx, jobs.Job{Kind: "gret"}); !errs.Is(errs.Invalid, err) {
		t.Errorf("Enqueue of a kind without a handler: err = %v, want invalid", err)
	}
	j, created, err := r.Enqueue(ctx, jobs.Job{Kind: "greet", OrgID: "org1", Payload: []byte(`{"name":"Nông Văn Dền"}`)})
	if err != nil || !created {
		t.Fatalf("Enqueue = created %v, %v", created, err)
	}
	done := waitForState(t, s, j.ID, jobs.Succeeded)
	stop()

	if n := runs.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
	got := <-seen
	if got.ID != j.ID || got.OrgID != "org1" || got.Attempt != 1 || got.State != jobs.Running ||
		string(got.Payload) != `{"name":"Nông Văn Dền"}` {
		t.Errorf("handler got %+v", got)
	}
	if done.Attempt != 1 || done.FinishedAt == nil || !done.FinishedAt.Equal(epoch) || done.LastError != "" {
		t.Errorf("finished job = %+v", done)
	}
}

func TestFailingJobRetriesWithBackoffThenDies(t *testing.T) {
	s, c := newStore(t)
	r := newRunner(t, s, c, "r")
	var runs atomic.Int32
	var healthy atomic.Bool
	r.Register("lab.import", func(ctx context.Context, j jobs.Job) error {
		n := runs.Add(1)
		if healthy.Load() {
			return nil
		}
		return fmt.Errorf("laboratory server refused attempt %d", n)
	})
	start(t, r)
	ctx := context.Background()
	j, _, err := r.Enqueue(ctx, jobs.Job{Kind: "lab.import", MaxAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}

	for attempt := 1; attempt < 3; attempt++ {
		var got jobs.Job
		waitFor(t, fmt.Sprintf("attempt %d to fail", attempt), func() bool {
			got = getJob(t, s, j.ID)
			return got.State == jobs.Retrying && got.Attempt == attempt
		})
		// 10 s · 2^(attempt-1), jittered over its upper half.
		upper := 10 * time.Second << (attempt - 1)
		if wait := got.RunAt.Sub(c.Now()); wait < upper/2 || wait > upper {
			t.Errorf("after attempt %d the job waits %s, want between %s and %s", attempt, wait, upper/2, upper)
		}
		if want := fmt.Sprintf("laboratory server refused attempt %d", attempt); got.LastError != want {
			t.Errorf("last error %q, want %q", got.LastError, want)
		}
		c.Set(got.RunAt)
	}
	waitForState(t, s, j.ID, jobs.Dead)
	dead, err := s.ListJobs(ctx, jobs.Filter{State: jobs.Dead})
	if err != nil || len(dead) != 1 {
		t.Fatalf("ListJobs(dead) = %+v, %v", dead, err)
	}
	if d := dead[0]; d.ID != j.ID || d.Attempt != 3 || d.LastError != "laboratory server refused attempt 3" || d.FinishedAt == nil {
		t.Errorf("dead job = %+v", d)
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("handler ran %d times, want 3", n)
	}

	// An administrator retries the dead job once the laboratory is back.
	healthy.Store(true)
	if err := s.RetryJob(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	if done := waitForState(t, s, j.ID, jobs.Succeeded); done.Attempt != 1 {
		t.Errorf("retried job finished at attempt %d, want 1", done.Attempt)
	}
	if n := runs.Load(); n != 4 {
		t.Errorf("handler ran %d times, want 4", n)
	}
}

func TestFailuresAreRecorded(t *testing.T) {
	s, c := newStore(t)
	r := newRunner(t, s, c, "r", func(o *jobs.Options) { o.JobTimeout = 20 * time.Millisecond })
	var ok atomic.Int32
	r.Register("error", func(ctx context.Context, j jobs.Job) error { return errors.New("payload lacks a campaign") })
	r.Register("panic", func(ctx context.Context, j jobs.Job) error { panic("thumbnail: nil image") })
	r.Register("slow", func(ctx context.Context, j jobs.Job) error { <-ctx.Done(); return ctx.Err() })
	r.Register("ok", func(ctx context.Context, j jobs.Job) error { ok.Add(1); return nil })
	start(t, r)
	ctx := context.Background()

	for _, tc := range []struct {
		kind, wantErr string
	}{
		{"error", "payload lacks a campaign"},
		{"panic", "panic: thumbnail: nil image"},
		{"slow", "job timeout 20ms: context deadline exceeded"},
		{"unknown", `no handler registered for kind "unknown" on runner r`},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			// Through the queue, not the runner, which refuses a kind it has no handler for.
			j, _, err := s.EnqueueJob(ctx, jobs.Job{Kind: tc.kind, MaxAttempts: 1})
			if err != nil {
				t.Fatal(err)
			}
			if got := waitForState(t, s, j.ID, jobs.Dead); got.LastError != tc.wantErr {
				t.Errorf("last error %q, want %q", got.LastError, tc.wantErr)
			}
		})
	}

	// The runner survived all of it.
	j, _, err := r.Enqueue(ctx, jobs.Job{Kind: "ok"})
	if err != nil {
		t.Fatal(err)
	}
	waitForState(t, s, j.ID, jobs.Succeeded)
}

func TestExpiredLeaseIsReclaimed(t *testing.T) {
	s, c := newStore(t)
	ctx := context.Background()
	j, _, err := s.EnqueueJob(ctx, jobs.Job{Kind: "pdf"})
	if err != nil {
		t.Fatal(err)
	}
	// A replica claims the job and dies without a word.
	if _, ok, err := s.ClaimJob(ctx, "dead-replica/0", time.Minute); !ok || err != nil {
		t.Fatalf("ClaimJob = %v, %v", ok, err)
	}
	c.Advance(time.Minute + time.Second)

	r := newRunner(t, s, c, "r")
	var runs atomic.Int32
	r.Register("pdf", func(ctx context.Context, j jobs.Job) error { runs.Add(1); return nil })
	stop := start(t, r)
	done := waitForState(t, s, j.ID, jobs.Succeeded)
	stop()
	if done.Attempt != 2 || !strings.Contains(done.LastError, "lease of worker dead-replica/0 expired") {
		t.Errorf("reclaimed job = %+v, want attempt 2 with the expiry noted", done)
	}
	if n := runs.Load(); n != 1 {
		t.Errorf("handler ran %d times, want 1", n)
	}
}

func TestTwoRunnersNeverRunAJobTwice(t *testing.T) {
	s, c := newStore(t)
	const n = 120
	var counts [n]atomic.Int32
	var total atomic.Int32
	handler := func(ctx context.Context, j jobs.Job) error {
		var p struct{ N int }
		if err := json.Unmarshal(j.Payload, &p); err != nil {
			return err
		}
		counts[p.N].Add(1)
		total.Add(1)
		return nil
	}
	replicas := []*jobs.Runner{
		newRunner(t, s, c, "replica-a", func(o *jobs.Options) { o.Workers = 3 }),
		newRunner(t, s, c, "replica-b", func(o *jobs.Options) { o.Workers = 3 }),
	}
	var stops []func()
	for _, r := range replicas {
		r.Register("thumbnail", handler)
		stops = append(stops, start(t, r))
	}

	ctx := context.Background()
	for i := range n {
		payload := fmt.Appendf(nil, `{"N":%d}`, i)
		if _, _, err := replicas[i%2].Enqueue(ctx, jobs.Job{Kind: "thumbnail", Payload: payload}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every job to run", func() bool { return total.Load() >= n })
	for _, stop := range stops {
		stop() // Run returns only after its handlers finished: the counts are final
	}

	for i := range counts {
		if got := counts[i].Load(); got != 1 {
			t.Errorf("job %d ran %d times", i, got)
		}
	}
	all, err := s.ListJobs(ctx, jobs.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		if j.State != jobs.Succeeded || j.Attempt != 1 {
			t.Errorf("job %s is %s after %d attempts", j.ID, j.State, j.Attempt)
		}
	}
	if len(all) != n {
		t.Errorf("%d jobs stored, want %d", len(all), n)
	}
}

// countingQueue records, for one replica, which unique keys it tried to enqueue.
type countingQueue struct {
	jobs.Queue
	mu      sync.Mutex
	tried   map[string]int
	created int
}

func (q *countingQueue) EnqueueJob(ctx context.Context, j jobs.Job) (jobs.Job, bool, error) {
	stored, created, err := q.Queue.EnqueueJob(ctx, j)
	if err == nil {
		q.mu.Lock()
		q.tried[j.UniqueKey]++
		if created {
			q.created++
		}
		q.mu.Unlock()
	}
	return stored, created, err
}

func (q *countingQueue) triedKey(key string) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.tried[key] > 0
}

func TestEveryEnqueuesOncePerIntervalAcrossReplicas(t *testing.T) {
	s, c := newStore(t)
	var runs atomic.Int32
	var queues []*countingQueue
	var stops []func()
	for _, id := range []string{"replica-a", "replica-b"} {
		q := &countingQueue{Queue: s, tried: map[string]int{}}
		r := newRunner(t, q, c, id)
		r.Register("audit.anchor", func(ctx context.Context, j jobs.Job) error { runs.Add(1); return nil })
		r.Every("audit.anchor", time.Hour)
		queues = append(queues, q)
		stops = append(stops, start(t, r))
	}
	// Each slot: both replicas have tried to enqueue it, and its job has finished. (Moving the clock
	// on before the job's success is recorded would expire its lease and legitimately run it again.)
	slotDone := func(key string) func() bool {
		return func() bool {
			if !queues[0].triedKey(key) || !queues[1].triedKey(key) {
				return false
			}
			done, err := s.ListJobs(context.Background(), jobs.Filter{State: jobs.Succeeded})
			return err == nil && len(done) > 0 && done[0].UniqueKey == key
		}
	}
	waitFor(t, "the 09:00 slot", slotDone("audit.anchor@2025-03-10T09:00:00Z"))
	c.Advance(time.Hour)
	waitFor(t, "the 10:00 slot", slotDone("audit.anchor@2025-03-10T10:00:00Z"))
	for _, stop := range stops {
		stop()
	}

	if n := runs.Load(); n != 2 {
		t.Errorf("the periodic job ran %d times in two intervals, want 2", n)
	}
	if created := queues[0].created + queues[1].created; created != 2 {
		t.Errorf("%d periodic jobs created, want 2", created)
	}
	all, err := s.ListJobs(context.Background(), jobs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, j := range all {
		keys = append(keys, j.UniqueKey+" "+string(j.State))
	}
	want := []string{"audit.anchor@2025-03-10T10:00:00Z succeeded", "audit.anchor@2025-03-10T09:00:00Z succeeded"}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Errorf("stored jobs %v, want %v", keys, want)
	}
}

func TestRunReturnsAfterCancelWithHandlersFinished(t *testing.T) {
	s, c := newStore(t)
	r := newRunner(t, s, c, "r")
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	var handlerCtxErr atomic.Value
	r.Register("export", func(ctx context.Context, j jobs.Job) error {
		close(started)
		<-release
		handlerCtxErr.Store(fmt.Sprint(ctx.Err()))
		finished.Store(true)
		return nil
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()

	j, _, err := r.Enqueue(context.Background(), jobs.Job{Kind: "export"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the handler to start", func() bool {
		select {
		case <-started:
			return true
		default:
			return false
		}
	})
	cancel()
	select {
	case err := <-done:
		t.Fatalf("Run returned (%v) while a handler was running", err)
	default:
	}
	close(release)
	waitFor(t, "Run to return", func() bool {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
			return true
		default:
			return false
		}
	})
	if !finished.Load() {
		t.Error("Run returned before its handler finished")
	}
	if got := handlerCtxErr.Load(); got != "<nil>" {
		t.Errorf("the handler's context was cancelled by the stop: %v", got)
	}
	if got := getJob(t, s, j.ID); got.State != jobs.Succeeded {
		t.Errorf("the job finished during the stop is %s, want its success recorded", got.State)
	}
}

func TestRunRefusesBadSetup(t *testing.T) {
	s, c := newStore(t)
	r := newRunner(t, s, c, "r")
	r.Every("deadline.check", 24*time.Hour)
	if err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), `"deadline.check" is scheduled but has no handler`) {
		t.Errorf("Run with a scheduled kind without handler = %v", err)
	}

	r.Register("deadline.check", func(ctx context.Context, j jobs.Job) error { return nil })
	start(t, r)
	waitFor(t, "the first run to start", func() bool {
		all, err := s.ListJobs(context.Background(), jobs.Filter{})
		return err == nil && len(all) == 1 // the periodic job: the runner is up
	})
	if err := r.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Errorf("a second Run = %v, want already running", err)
	}
}
