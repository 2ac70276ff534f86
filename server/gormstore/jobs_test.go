package gormstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

var jobEpoch = time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC)

func newJobStore(t *testing.T) (*gormstore.Store, *clock.Manual) {
	t.Helper()
	c := clock.NewManual(jobEpoch)
	return storetest.NewDBWith(t, storetest.Options{Clock: c}), c
}

func enqueue(t *testing.T, s *gormstore.Store, j jobs.Job) jobs.Job {
	t.Helper()
	stored, created, err := s.EnqueueJob(context.Background(), j)
	if err != nil || !created {
		t.Fatalf("EnqueueJob(%+v) = created %v, %v", j, created, err)
	}
	return stored
}

func claim(t *testing.T, s *gormstore.Store, worker string) (jobs.Job, bool) {
	t.Helper()
	j, ok, err := s.ClaimJob(context.Background(), worker, time.Minute)
	if err != nil {
		t.Fatalf("ClaimJob(%s): %v", worker, err)
	}
	return j, ok
}

func getJob(t *testing.T, s *gormstore.Store, id string) jobs.Job {
	t.Helper()
	j, err := s.Job(context.Background(), id)
	if err != nil {
		t.Fatalf("Job(%s): %v", id, err)
	}
	return j
}

func TestEnqueueJob(t *testing.T) {
	s, _ := newJobStore(t)
	ctx := context.Background()

	j := enqueue(t, s, jobs.Job{Kind: "export", OrgID: "org1", Payload: []byte(`{"campaign":"c1"}`)})
	got := getJob(t, s, j.ID)
	if got.State != jobs.Queued || got.Attempt != 0 || got.MaxAttempts != jobs.DefaultMaxAttempts ||
		!got.RunAt.Equal(jobEpoch) || !got.CreatedAt.Equal(jobEpoch) || got.FinishedAt != nil ||
		got.OrgID != "org1" || string(got.Payload) != `{"campaign":"c1"}` || got.UniqueKey != "" {
		t.Errorf("stored job = %+v", got)
	}
	if got := getJob(t, s, enqueue(t, s, jobs.Job{Kind: "noop"}).ID); string(got.Payload) != "{}" {
		t.Errorf("empty payload stored as %q, want {}", got.Payload)
	}

	for _, tc := range []struct {
		name  string
		job   jobs.Job
		field string
	}{
		{"no kind", jobs.Job{Kind: " "}, "kind"},
		{"payload not JSON", jobs.Job{Kind: "x", Payload: []byte("{")}, "payload"},
		{"negative attempts", jobs.Job{Kind: "x", MaxAttempts: -1}, "max_attempts"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.EnqueueJob(ctx, tc.job)
			if !errs.Is(errs.Invalid, err) {
				t.Fatalf("err = %v, want invalid", err)
			}
			if f := errs.FieldsOf(err); len(f) != 1 || f[0].Field != tc.field {
				t.Errorf("fields = %v, want %s", f, tc.field)
			}
		})
	}
}

func TestEnqueueJobUniqueKey(t *testing.T) {
	s, _ := newJobStore(t)
	first := enqueue(t, s, jobs.Job{Kind: "anchor", UniqueKey: "anchor@1"})
	again, created, err := s.EnqueueJob(context.Background(), jobs.Job{Kind: "anchor", UniqueKey: "anchor@1"})
	if err != nil || created || again.ID != first.ID || again.UniqueKey != "anchor@1" {
		t.Fatalf("second enqueue = %+v, created %v, %v; want the first job, not created", again, created, err)
	}
	enqueue(t, s, jobs.Job{Kind: "anchor", UniqueKey: "anchor@2"})
	enqueue(t, s, jobs.Job{Kind: "anchor"}) // no key: never a duplicate
	enqueue(t, s, jobs.Job{Kind: "anchor"})
	all, err := s.ListJobs(context.Background(), jobs.Filter{})
	if err != nil || len(all) != 4 {
		t.Fatalf("ListJobs = %d jobs, %v; want 4", len(all), err)
	}
}

func TestClaimJobOrderAndDue(t *testing.T) {
	s, c := newJobStore(t)
	later := enqueue(t, s, jobs.Job{Kind: "k", RunAt: jobEpoch.Add(time.Hour)})
	second := enqueue(t, s, jobs.Job{Kind: "k", RunAt: jobEpoch.Add(-time.Minute)})
	first := enqueue(t, s, jobs.Job{Kind: "k", RunAt: jobEpoch.Add(-time.Hour)})

	for _, want := range []jobs.Job{first, second} {
		j, ok := claim(t, s, "w1")
		if !ok || j.ID != want.ID || j.State != jobs.Running || j.Attempt != 1 {
			t.Fatalf("claimed %+v (ok %v), want %s running at attempt 1", j, ok, want.ID)
		}
		if err := s.CompleteJob(context.Background(), j.ID, "w1"); err != nil {
			t.Fatal(err)
		}
	}
	if j, ok := claim(t, s, "w1"); ok {
		t.Fatalf("claimed %s before it was due", j.ID)
	}
	c.Advance(time.Hour)
	if j, ok := claim(t, s, "w1"); !ok || j.ID != later.ID {
		t.Fatalf("claimed %+v (ok %v), want %s once due", j, ok, later.ID)
	}
}

// TestClaimJobPriority checks that due work someone waits for is claimed before background work due
// earlier, and that background work still runs once nothing else is due.
func TestClaimJobPriority(t *testing.T) {
	s, _ := newJobStore(t)
	thumbs := enqueue(t, s, jobs.Job{Kind: "thumb", RunAt: jobEpoch.Add(-time.Hour), Priority: jobs.Background})
	if thumbs.Priority != jobs.Background {
		t.Fatalf("stored priority %d, want %d", thumbs.Priority, jobs.Background)
	}
	document := enqueue(t, s, jobs.Job{Kind: "document", RunAt: jobEpoch.Add(-time.Minute)})
	for _, want := range []jobs.Job{document, thumbs} {
		j, ok := claim(t, s, "w1")
		if !ok || j.ID != want.ID {
			t.Fatalf("claimed %+v (ok %v), want %s (%s)", j, ok, want.ID, want.Kind)
		}
		if err := s.CompleteJob(context.Background(), j.ID, "w1"); err != nil {
			t.Fatal(err)
		}
	}
}

func TestJobLease(t *testing.T) {
	s, c := newJobStore(t)
	ctx := context.Background()
	j := enqueue(t, s, jobs.Job{Kind: "k"})

	if got, ok := claim(t, s, "a"); !ok || got.ID != j.ID {
		t.Fatalf("a claimed %+v (ok %v)", got, ok)
	}
	if got, ok := claim(t, s, "b"); ok {
		t.Fatalf("b claimed %s under a's lease", got.ID)
	}
	c.Advance(59 * time.Second)
	if got, ok := claim(t, s, "b"); ok {
		t.Fatalf("b claimed %s before a's lease expired", got.ID)
	}
	if err := s.CompleteJob(ctx, j.ID, "b"); !errs.Is(errs.Conflict, err) {
		t.Fatalf("b completing a's job: err = %v, want conflict", err)
	}

	c.Advance(2 * time.Second) // a's lease has expired: a stopped
	got, ok := claim(t, s, "b")
	if !ok || got.ID != j.ID || got.Attempt != 2 || !strings.Contains(got.LastError, "lease of worker a expired") {
		t.Fatalf("b reclaimed %+v (ok %v), want attempt 2 with the expiry noted", got, ok)
	}
	if err := s.CompleteJob(ctx, j.ID, "a"); !errs.Is(errs.Conflict, err) {
		t.Fatalf("a completing after losing its lease: err = %v, want conflict", err)
	}
	if err := s.CompleteJob(ctx, j.ID, "b"); err != nil {
		t.Fatalf("CompleteJob(b): %v", err)
	}
	done := getJob(t, s, j.ID)
	if done.State != jobs.Succeeded || done.FinishedAt == nil || !done.FinishedAt.Equal(c.Now()) {
		t.Errorf("completed job = %+v", done)
	}
	if err := s.CompleteJob(ctx, j.ID, "b"); !errs.Is(errs.Conflict, err) {
		t.Errorf("completing twice: err = %v, want conflict", err)
	}
}

func TestExpiredLeaseOfLastAttemptBuriesJob(t *testing.T) {
	s, c := newJobStore(t)
	j := enqueue(t, s, jobs.Job{Kind: "k", MaxAttempts: 1})
	claim(t, s, "a")
	c.Advance(2 * time.Minute)
	if got, ok := claim(t, s, "b"); ok {
		t.Fatalf("b claimed %+v after its last attempt", got)
	}
	got := getJob(t, s, j.ID)
	if got.State != jobs.Dead || got.FinishedAt == nil || !strings.Contains(got.LastError, "lease of worker a expired") {
		t.Errorf("job = %+v, want dead with the expiry noted", got)
	}
}

func TestFailAndRetryJob(t *testing.T) {
	s, c := newJobStore(t)
	ctx := context.Background()
	j := enqueue(t, s, jobs.Job{Kind: "k", MaxAttempts: 2})

	claim(t, s, "w")
	if err := s.FailJob(ctx, j.ID, "w", "boom 1", c.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := getJob(t, s, j.ID); got.State != jobs.Retrying || got.LastError != "boom 1" || !got.RunAt.Equal(c.Now().Add(time.Minute)) {
		t.Fatalf("after a failure: %+v", got)
	}
	if _, ok := claim(t, s, "w"); ok {
		t.Fatal("claimed a retrying job before its retry time")
	}
	if err := s.RetryJob(ctx, j.ID); !errs.Is(errs.Conflict, err) {
		t.Fatalf("RetryJob of a retrying job: err = %v, want conflict", err)
	}
	c.Advance(time.Minute)
	if got, ok := claim(t, s, "w"); !ok || got.Attempt != 2 {
		t.Fatalf("claimed %+v (ok %v), want attempt 2", got, ok)
	}
	if err := s.FailJob(ctx, j.ID, "w", "boom 2", time.Time{}); err != nil {
		t.Fatal(err)
	}
	dead, err := s.ListJobs(ctx, jobs.Filter{State: jobs.Dead})
	if err != nil || len(dead) != 1 || dead[0].ID != j.ID || dead[0].LastError != "boom 2" || dead[0].FinishedAt == nil {
		t.Fatalf("ListJobs(dead) = %+v, %v", dead, err)
	}

	c.Advance(time.Hour)
	if err := s.RetryJob(ctx, j.ID); err != nil {
		t.Fatal(err)
	}
	got := getJob(t, s, j.ID)
	if got.State != jobs.Queued || got.Attempt != 0 || !got.RunAt.Equal(c.Now()) || got.FinishedAt != nil || got.LastError != "boom 2" {
		t.Fatalf("after RetryJob: %+v", got)
	}
	if got, ok := claim(t, s, "w"); !ok || got.Attempt != 1 {
		t.Fatalf("claimed %+v (ok %v) after RetryJob, want attempt 1", got, ok)
	}

	for name, err := range map[string]error{
		"Job":         func() error { _, err := s.Job(ctx, "nope"); return err }(),
		"RetryJob":    s.RetryJob(ctx, "nope"),
		"CompleteJob": s.CompleteJob(ctx, "nope", "w"),
		"FailJob":     s.FailJob(ctx, "nope", "w", "x", time.Time{}),
	} {
		if !errs.Is(errs.NotFound, err) || errs.CodeOf(err) != errs.CodeJobNotFound {
			t.Errorf("%s of an unknown job: err = %v, want not_found/%s", name, err, errs.CodeJobNotFound)
		}
	}
}

func TestListJobsFilter(t *testing.T) {
	s, c := newJobStore(t)
	ctx := context.Background()
	var ids []string
	for i, org := range []string{"org1", "org2", "org1", ""} {
		ids = append(ids, enqueue(t, s, jobs.Job{Kind: "k", OrgID: org, RunAt: jobEpoch.Add(time.Duration(i) * time.Minute)}).ID)
	}
	c.Advance(time.Hour)
	claim(t, s, "w") // the earliest: ids[0]

	for _, tc := range []struct {
		name string
		f    jobs.Filter
		want []string
	}{
		{"all, latest first", jobs.Filter{}, []string{ids[3], ids[2], ids[1], ids[0]}},
		{"limit", jobs.Filter{Limit: 2}, []string{ids[3], ids[2]}},
		{"one organisation", jobs.Filter{OrgID: "org1"}, []string{ids[2], ids[0]}},
		{"state", jobs.Filter{State: jobs.Running}, []string{ids[0]}},
		{"organisation and state", jobs.Filter{OrgID: "org1", State: jobs.Queued}, []string{ids[2]}},
		{"none", jobs.Filter{State: jobs.Dead}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, err := s.ListJobs(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, j := range list {
				got = append(got, j.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestClaimJobConcurrently has many workers claim from one store at once: each job goes to exactly
// one of them. On PostgreSQL this exercises FOR UPDATE SKIP LOCKED.
func TestClaimJobConcurrently(t *testing.T) {
	s, _ := newJobStore(t)
	ctx := context.Background()
	const n, workers = 60, 8
	for range n {
		enqueue(t, s, jobs.Job{Kind: "k"})
	}
	var mu sync.Mutex
	claimedBy := map[string]string{}
	var problems []string
	var wg sync.WaitGroup
	for w := range workers {
		worker := fmt.Sprintf("w%d", w)
		wg.Go(func() {
			for {
				j, ok, err := s.ClaimJob(ctx, worker, time.Minute)
				mu.Lock()
				if err != nil {
					problems = append(problems, err.Error())
				} else if prev, dup := claimedBy[j.ID]; ok && dup {
					problems = append(problems, fmt.Sprintf("job %s claimed by %s and %s", j.ID, prev, worker))
				} else if ok {
					claimedBy[j.ID] = worker
				}
				mu.Unlock()
				if err != nil || !ok {
					return
				}
			}
		})
	}
	wg.Wait()
	for _, p := range problems {
		t.Error(p)
	}
	if len(claimedBy) != n {
		t.Errorf("%d jobs claimed, want %d", len(claimedBy), n)
	}
}
