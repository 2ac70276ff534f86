package syncpush_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// memLedger keeps receipts and the quarantine in memory; its savepoints undo nothing (the fake
// applier writes nothing).
type memLedger struct {
	receipts    map[string]syncpush.Receipt
	quarantined []string
}

func (l *memLedger) WithinBatch(_ context.Context, _ string, _ []string, fn func(syncpush.Tx) error) error {
	return fn(nil)
}

func (l *memLedger) Receipts(_ context.Context, _ syncpush.Tx, _ string, ids []string) (map[string]syncpush.Receipt, error) {
	out := map[string]syncpush.Receipt{}
	for _, id := range ids {
		if r, ok := l.receipts[id]; ok {
			out[id] = r
		}
	}
	return out, nil
}

func (l *memLedger) Attempt(_ context.Context, tx syncpush.Tx, fn func(syncpush.Tx) error) error {
	return fn(tx)
}

func (l *memLedger) SaveReceipts(_ context.Context, _ syncpush.Tx, rs []syncpush.Receipt) error {
	for _, r := range rs {
		l.receipts[r.ChangeID] = r
	}
	return nil
}

func (l *memLedger) Quarantine(_ context.Context, _ syncpush.Tx, q syncpush.Quarantined) error {
	l.quarantined = append(l.quarantined, q.EntityID)
	return nil
}

// logApplier logs how it is called: "one <entity>" or "group <entity>,<entity>…". New entities
// (base version 0) are groupable unless their payload says "solo"; a payload "bad" is refused.
type logApplier struct {
	log  []string
	fail bool // every group fails
}

func (a *logApplier) refusal(it syncpush.Item) error {
	if strings.Contains(string(it.Payload), "bad") {
		return errs.E(errs.Invalid, errs.CodeValidation, "bad "+it.EntityID)
	}
	return nil
}

func (a *logApplier) Apply(_ context.Context, _ syncpush.Tx, _ syncpush.Pusher, it syncpush.Item) (int64, error) {
	a.log = append(a.log, "one "+it.EntityID)
	return it.BaseVersion + 1, a.refusal(it)
}

func (a *logApplier) Groupable(it syncpush.Item) bool {
	return it.BaseVersion == 0 && !strings.Contains(string(it.Payload), "solo")
}

func (a *logApplier) ApplyGroup(_ context.Context, _ syncpush.Tx, _ syncpush.Pusher, items []syncpush.Item) ([]syncpush.GroupResult, error) {
	ids := make([]string, len(items))
	out := make([]syncpush.GroupResult, len(items))
	for i, it := range items {
		ids[i] = it.EntityID
		out[i] = syncpush.GroupResult{Version: 1, Err: a.refusal(it)}
	}
	a.log = append(a.log, "group "+strings.Join(ids, ","))
	if a.fail {
		return nil, errors.New("the group's write failed")
	}
	return out, nil
}

// TestApplyGroupsRuns: runs of groupable items are applied as groups; a run stops before a change ID
// already answered or repeated, an entity repeated, another entity type or an item that is not
// groupable, so that the order of the batch holds; the results are those of item by item.
func TestApplyGroupsRuns(t *testing.T) {
	n := 0
	item := func(typ, entity string, base int64, payload string) syncpush.Item {
		n++
		return syncpush.Item{ChangeID: fmt.Sprintf("00000000-0000-7000-8000-%012d", n), EntityType: typ, EntityID: entity,
			BaseVersion: base, CapturedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), Payload: []byte(payload)}
	}
	a1, a2, a3 := item("visit", "a1", 0, `{}`), item("visit", "a2", 0, `{}`), item("visit", "a3", 0, `"bad"`)
	items := []syncpush.Item{
		a1, a2, a3,
		a2,                                // the same change again: a duplicate, answered from the run's receipt
		item("visit", "b1", 0, `{}`),      // a new run
		item("visit", "a1", 0, `{}`),      // …that may hold an entity of an earlier run
		item("visit", "b1", 0, `{}`),      // but not one of its own: a new run starts
		item("visit", "c1", 0, `"solo"`),  // not groupable
		item("visit", "c2", 0, `{}`),      // alone between two that are not: item by item
		item("visit", "c2", 1, `{}`),      // not new
		item("finding", "d1", 0, `{}`),    // another entity type, in a run of its own
		item("finding", "d2", 0, `"bad"`), //
		item("visit", "e1", 0, `{}`),
	}
	by := syncpush.Pusher{OrgID: "org", DeviceID: "dev"}
	run := func(a syncpush.Applier) ([]string, *memLedger) {
		l := &memLedger{receipts: map[string]syncpush.Receipt{}}
		rs, err := syncpush.Apply(context.Background(), l, by, items, syncpush.DefaultLimits, a)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(rs))
		for i, r := range rs {
			out[i] = fmt.Sprintf("%s %s v%d %s %v", r.ChangeID, r.Outcome, r.Version, r.Code, r.Replayed)
		}
		return out, l
	}

	one := &logApplier{}
	want, wantLedger := run(syncpush.ApplierFunc(one.Apply))
	for _, tc := range []struct {
		name    string
		fail    bool
		wantLog []string
	}{
		{"groups", false, []string{"group a1,a2,a3", "group b1,a1", "one b1", "one c1", "one c2", "one c2", "group d1,d2", "one e1"}},
		{"groups that fail", true, []string{"group a1,a2,a3", "one a1", "one a2", "one a3", "group b1,a1", "one b1", "one a1",
			"one b1", "one c1", "one c2", "one c2", "group d1,d2", "one d1", "one d2", "one e1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &logApplier{fail: tc.fail}
			got, l := run(a)
			if !slices.Equal(a.log, tc.wantLog) {
				t.Errorf("calls %q, want %q", a.log, tc.wantLog)
			}
			if !slices.Equal(got, want) {
				t.Errorf("results\n%s\nwant (item by item)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if !slices.Equal(l.quarantined, wantLedger.quarantined) || len(l.receipts) != len(wantLedger.receipts) {
				t.Errorf("quarantine %v, %d receipts; want %v, %d", l.quarantined, len(l.receipts), wantLedger.quarantined, len(wantLedger.receipts))
			}
		})
	}
}
