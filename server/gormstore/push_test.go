package gormstore

// The push ledger's tests are internal: the fake applier is storage code, like the real appliers will
// be, and writes through the push transaction into a test-only table, so that a double application or
// a write that survived a rejection shows as a row.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// fakeApplier inserts one row per application into push_test_applied, in the push transaction. An
// entity ID listed in fail makes it write a row and then fail with that error (the row must vanish).
type fakeApplier struct {
	calls atomic.Int64
	fail  map[string]error
}

func (a *fakeApplier) Apply(ctx context.Context, tx syncpush.Tx, by syncpush.Pusher, it syncpush.Item) (int64, error) {
	a.calls.Add(1)
	orgID := by.OrgID
	db, err := pushDB(tx)
	if err != nil {
		return 0, err
	}
	if err := db.Exec("INSERT INTO push_test_applied (org_id, change_id, entity_id) VALUES (?, ?, ?)", orgID, it.ChangeID, it.EntityID).Error; err != nil {
		return 0, err
	}
	if err := a.fail[it.EntityID]; err != nil {
		return 0, err
	}
	var n int64
	err = db.Raw("SELECT COUNT(*) FROM push_test_applied WHERE org_id = ? AND entity_id = ?", orgID, it.EntityID).Scan(&n).Error
	return n, err
}

func pushStore(t *testing.T) *Store {
	t.Helper()
	s, _ := migratedStore(t)
	err := s.write(context.Background(), func(tx *gorm.DB) error {
		return tx.Exec("CREATE TABLE push_test_applied (org_id TEXT NOT NULL, change_id TEXT NOT NULL, entity_id TEXT NOT NULL)").Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// applied returns how many times each change ID was applied (committed rows).
func applied(t *testing.T, s *Store) map[string]int {
	t.Helper()
	var rows []struct {
		ChangeID string
		N        int
	}
	err := s.read(context.Background()).Raw("SELECT change_id, COUNT(*) AS n FROM push_test_applied GROUP BY change_id").Scan(&rows).Error
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.ChangeID] = r.N
	}
	return out
}

// devOne is the pushing device of most tests.
var devOne = syncpush.Pusher{OrgID: "org-a", DeviceID: "dev-1", PersonID: "person-1"}

func pushItem(n int, entityID, payload string) syncpush.Item {
	return syncpush.Item{ChangeID: fmt.Sprintf("00000000-0000-7000-8000-%012d", n), EntityType: "answer", EntityID: entityID,
		BaseVersion: 0, CapturedAt: time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC), Payload: []byte(payload)}
}

func outcomes(rs []syncpush.Result) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = string(r.Outcome)
		if r.Code != "" {
			out[i] += "/" + string(r.Code)
		}
	}
	return out
}

func push(t *testing.T, s *Store, a syncpush.Applier, items ...syncpush.Item) []syncpush.Result {
	t.Helper()
	rs, err := syncpush.Apply(context.Background(), s, devOne, items, syncpush.DefaultLimits, a)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return rs
}

func wantOutcomes(t *testing.T, rs []syncpush.Result, want ...string) {
	t.Helper()
	if got := outcomes(rs); !slices.Equal(got, want) {
		t.Fatalf("outcomes = %v, want %v", got, want)
	}
}

func TestPushReplayIsDuplicate(t *testing.T) {
	s := pushStore(t)
	a := &fakeApplier{}
	batch := []syncpush.Item{pushItem(1, "e1", `{"a":1}`), pushItem(2, "e1", `{"a":2}`), pushItem(3, "e2", `{"b":[1,2]}`)}
	rs := push(t, s, a, batch...)
	wantOutcomes(t, rs, "applied", "applied", "applied")
	if rs[1].Version != 2 || rs[2].Version != 1 {
		t.Errorf("versions = %d, %d; want 2, 1", rs[1].Version, rs[2].Version)
	}
	// The same batch again, with other whitespace and key order in one payload: nothing is applied.
	batch[2].Payload = []byte("{ \"b\" : [1, 2]\n}")
	rs2 := push(t, s, a, batch...)
	wantOutcomes(t, rs2, "duplicate", "duplicate", "duplicate")
	for i := range rs2 {
		if rs2[i].Version != rs[i].Version || !rs2[i].Replayed {
			t.Errorf("replay %d = %+v, want version %d, replayed", i, rs2[i], rs[i].Version)
		}
	}
	if a.calls.Load() != 3 {
		t.Errorf("applier called %d times, want 3", a.calls.Load())
	}
	if got := applied(t, s); len(got) != 3 || got[batch[0].ChangeID] != 1 || got[batch[1].ChangeID] != 1 || got[batch[2].ChangeID] != 1 {
		t.Errorf("applied = %v, want each change once", got)
	}
}

// TestPushSameChangeTwiceInBatch: a change repeated inside one batch is applied once; the repeat is
// a duplicate, or a conflict when its content differs.
func TestPushSameChangeTwiceInBatch(t *testing.T) {
	s := pushStore(t)
	a := &fakeApplier{}
	it := pushItem(1, "e1", `{"a":1}`)
	other := pushItem(1, "e1", `{"a":2}`)
	rs := push(t, s, a, it, it, other)
	wantOutcomes(t, rs, "applied", "duplicate", "conflict/change_id_reused")
	if got := applied(t, s); got[it.ChangeID] != 1 {
		t.Errorf("applied = %v, want once", got)
	}
}

func TestPushChangeIDReused(t *testing.T) {
	s := pushStore(t)
	a := &fakeApplier{}
	push(t, s, a, pushItem(1, "e1", `{"a":1}`))
	reused := pushItem(1, "e1", `{"a":99}`)
	rs := push(t, s, a, reused, pushItem(2, "e2", `{}`))
	wantOutcomes(t, rs, "conflict/change_id_reused", "applied")
	// The conflict is answered the same way again, and its content is kept once in the quarantine.
	rs = push(t, s, a, reused)
	wantOutcomes(t, rs, "conflict/change_id_reused")
	if got := applied(t, s); got[reused.ChangeID] != 1 {
		t.Errorf("applied = %v, want the first content once", got)
	}
	q, total, err := s.ListQuarantine(context.Background(), "org-a", true, paging.Page{})
	if err != nil || total != 1 || len(q) != 1 || string(q[0].Payload) != `{"a":99}` || q[0].Code != errs.CodeChangeIDReused {
		t.Fatalf("quarantine = %+v, %d, %v; want the reused content once", q, total, err)
	}
}

func TestPushRejectedIsQuarantined(t *testing.T) {
	s := pushStore(t)
	refusal := errs.E(errs.Invalid, errs.CodeInvalidValue, "answer out of range")
	a := &fakeApplier{fail: map[string]error{"bad": refusal, "gone": errs.E(errs.Forbidden)}}
	const payload = "{\"answer\":  \"x\" }"
	batch := []syncpush.Item{pushItem(1, "e1", `{}`), pushItem(2, "bad", payload), pushItem(3, "gone", `{}`), pushItem(4, "e2", `{}`)}
	rs := push(t, s, a, batch...)
	wantOutcomes(t, rs, "applied", "rejected/invalid_value", "rejected/forbidden", "applied")
	rs2 := push(t, s, a, batch...)
	wantOutcomes(t, rs2, "duplicate", "rejected/invalid_value", "rejected/forbidden", "duplicate")
	if rs2[1].Reason != rs[1].Reason || !rs2[1].Replayed {
		t.Errorf("replayed rejection = %+v, want the first one %+v", rs2[1], rs[1])
	}
	if a.calls.Load() != 4 {
		t.Errorf("applier called %d times, want 4", a.calls.Load())
	}
	got := applied(t, s)
	if got[batch[1].ChangeID] != 0 || got[batch[2].ChangeID] != 0 || got[batch[0].ChangeID] != 1 || got[batch[3].ChangeID] != 1 {
		t.Errorf("applied = %v: a rejected item's writes must be undone", got)
	}
	q, total, err := s.ListQuarantine(context.Background(), "org-a", false, paging.Page{Limit: 1})
	if err != nil || total != 2 || len(q) != 1 {
		t.Fatalf("quarantine page = %+v, %d, %v; want 1 of 2", q, total, err)
	}
	if string(q[0].Payload) != payload || q[0].ChangeID != batch[1].ChangeID || q[0].DeviceID != "dev-1" || q[0].ResolvedAt != nil {
		t.Errorf("quarantined = %+v, want the original payload of %s", q[0], batch[1].ChangeID)
	}
	if other, n, _ := s.ListQuarantine(context.Background(), "org-b", false, paging.Page{}); n != 0 || len(other) != 0 {
		t.Errorf("another organisation sees %d quarantined items", n)
	}
}

// TestPushInternalErrorRollsBackBatch: an error that does not blame the item acknowledges nothing:
// the whole batch is rolled back, and the phone's resend applies it.
func TestPushInternalErrorRollsBackBatch(t *testing.T) {
	s := pushStore(t)
	a := &fakeApplier{fail: map[string]error{"boom": errors.New("disk on fire")}}
	batch := []syncpush.Item{pushItem(1, "e1", `{}`), pushItem(2, "boom", `{}`), pushItem(3, "e3", `{}`)}
	rs, err := syncpush.Apply(context.Background(), s, devOne, batch, syncpush.DefaultLimits, a)
	if errs.KindOf(err) != errs.Internal {
		t.Fatalf("Apply error = %v, want internal", err)
	}
	if len(rs) != 0 {
		t.Fatalf("results %v for a batch that was rolled back", outcomes(rs))
	}
	if got := applied(t, s); len(got) != 0 {
		t.Errorf("applied = %v, want nothing", got)
	}
	// Once the cause is gone, the phone resends everything, and everything applies once.
	delete(a.fail, "boom")
	rs = push(t, s, a, batch...)
	wantOutcomes(t, rs, "applied", "applied", "applied")
	if _, n, _ := s.ListQuarantine(context.Background(), "org-a", false, paging.Page{}); n != 0 {
		t.Errorf("%d items quarantined for a transient error", n)
	}
}

func TestPushLimits(t *testing.T) {
	s := pushStore(t)
	a := &fakeApplier{}
	lim := syncpush.Limits{MaxItems: 2, MaxPayloadBytes: 8, MaxBatchBytes: 1 << 10}
	cases := []struct {
		name  string
		items []syncpush.Item
		kind  errs.Kind
		code  errs.Code
	}{
		{"too many items", []syncpush.Item{pushItem(1, "e", `1`), pushItem(2, "e", `2`), pushItem(3, "e", `3`)}, errs.TooLarge, errs.CodePushBatchTooLarge},
		{"payload too large", []syncpush.Item{pushItem(1, "e", `"123456789"`)}, errs.TooLarge, errs.CodePushItemTooLarge},
		{"invalid item", []syncpush.Item{pushItem(1, "", `1`)}, errs.Invalid, errs.CodeValidation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := syncpush.Apply(context.Background(), s, devOne, c.items, lim, a)
			if errs.KindOf(err) != c.kind || errs.CodeOf(err) != c.code || len(rs) != 0 {
				t.Fatalf("Apply = %v, %v; want %s/%s and no results", rs, err, c.kind, c.code)
			}
		})
	}
	if a.calls.Load() != 0 {
		t.Errorf("applier called %d times for refused batches", a.calls.Load())
	}
}

func TestPushConcurrentSameBatch(t *testing.T) {
	s := pushStore(t)
	a := &fakeApplier{}
	var batch []syncpush.Item
	for i := range 30 {
		batch = append(batch, pushItem(i+1, fmt.Sprintf("e%d", i%5), fmt.Sprintf(`{"n":%d}`, i)))
	}
	const pushers = 4
	results := make([][]syncpush.Result, pushers)
	var wg sync.WaitGroup
	for p := range pushers {
		wg.Go(func() {
			rs, err := syncpush.Apply(context.Background(), s, syncpush.Pusher{OrgID: "org-a", DeviceID: fmt.Sprintf("dev-%d", p)}, batch, syncpush.DefaultLimits, a)
			if err != nil {
				t.Errorf("pusher %d: %v", p, err)
			}
			results[p] = rs
		})
	}
	wg.Wait()
	if a.calls.Load() != int64(len(batch)) {
		t.Errorf("applier called %d times, want %d", a.calls.Load(), len(batch))
	}
	got := applied(t, s)
	for i, it := range batch {
		if got[it.ChangeID] != 1 {
			t.Errorf("change %s applied %d times", it.ChangeID, got[it.ChangeID])
		}
		nApplied := 0
		for p := range pushers {
			if len(results[p]) != len(batch) {
				t.Fatalf("pusher %d got %d results", p, len(results[p]))
			}
			switch results[p][i].Outcome {
			case syncpush.OutcomeApplied:
				nApplied++
			case syncpush.OutcomeDuplicate:
			default:
				t.Errorf("pusher %d item %d: %+v", p, i, results[p][i])
			}
		}
		if nApplied != 1 {
			t.Errorf("item %d answered applied %d times, want once", i, nApplied)
		}
	}
}
