package gormstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// quarantineSome pushes items of an entity type no applier takes, so that each is rejected and
// quarantined for org; it returns their quarantine IDs in order.
func quarantineSome(t *testing.T, s *Store, org string, n int) []int64 {
	t.Helper()
	by := syncpush.Pusher{OrgID: org, DeviceID: "dev-" + org, AccountID: "acct", PersonID: "person"}
	items := make([]syncpush.Item, n)
	for i := range items {
		items[i] = syncpush.Item{ChangeID: uuid.NewString(), EntityType: "gadget", EntityID: "g", CapturedAt: time.Now(), Payload: []byte(`{"n":1}`)}
	}
	rs, err := syncpush.Apply(context.Background(), s, by, items, syncpush.DefaultLimits, syncpush.Appliers{})
	if err != nil || len(rs) != n {
		t.Fatalf("push: %v %v", rs, err)
	}
	q, _, err := s.ListQuarantine(context.Background(), org, false, paging.Page{Limit: paging.Max})
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, it := range q {
		for _, x := range items {
			if it.ChangeID == x.ChangeID {
				ids = append(ids, it.ID)
			}
		}
	}
	if len(ids) != n {
		t.Fatalf("quarantined %d of %d", len(ids), n)
	}
	return ids
}

func TestResolveQuarantine(t *testing.T) {
	s, _ := migratedStore(t)
	ctx := context.Background()
	ids := quarantineSome(t, s, "org-a", 2)
	other := quarantineSome(t, s, "org-b", 1)
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, time.FixedZone("ICT", 7*3600))
	const note = "Đã nhập lại trên máy tính & báo thanh tra viên."

	// Another organisation's item, or none at all, is not found.
	for _, id := range []int64{other[0], 999999} {
		if err := s.ResolveQuarantine(ctx, "org-a", id, note, "person-1", at); errs.KindOf(err) != errs.NotFound || errs.CodeOf(err) != errs.CodeQuarantineNotFound {
			t.Fatalf("resolve %d of another organisation: %v, want not_found quarantine_not_found", id, err)
		}
	}
	if err := s.ResolveQuarantine(ctx, "org-a", ids[0], note, "person-1", at); err != nil {
		t.Fatal(err)
	}
	if err := s.ResolveQuarantine(ctx, "org-a", ids[0], "again", "person-2", at.Add(time.Hour)); errs.KindOf(err) != errs.Conflict || errs.CodeOf(err) != errs.CodeQuarantineResolved {
		t.Fatalf("resolving twice: %v, want conflict quarantine_resolved", err)
	}

	open, total, err := s.ListQuarantine(ctx, "org-a", true, paging.Page{})
	if err != nil || total != 1 || len(open) != 1 || open[0].ID != ids[1] {
		t.Fatalf("open items %+v (%d), %v; want only %d", open, total, err, ids[1])
	}
	all, total, err := s.ListQuarantine(ctx, "org-a", false, paging.Page{})
	if err != nil || total != 2 {
		t.Fatalf("all items: %d, %v", total, err)
	}
	for _, it := range all {
		if it.ID == ids[0] && (it.ResolvedAt == nil || !it.ResolvedAt.Equal(at)) {
			t.Errorf("resolved_at %v, want %v", it.ResolvedAt, at)
		}
	}
	res, err := s.QuarantineResolutions(ctx, "org-a", append(ids, other...))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[ids[0]].Note != note || res[ids[0]].ByPersonID != "person-1" {
		t.Fatalf("resolutions %+v, want the first item's only (the open one has none, the other organisation's is not read)", res)
	}
	if _, otherOpen, _ := s.ListQuarantine(ctx, "org-b", true, paging.Page{}); otherOpen != 1 {
		t.Fatalf("the other organisation's item was touched")
	}

	// One audit event, on the item's chain, with the note and the person.
	var events []audit.Event
	if err := s.AuditEvents(ctx, func(e audit.Event) error {
		if e.Action == "sync.quarantine.resolve" {
			events = append(events, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Chain != quarantineChain(ids[0]) || events[0].OrgID != "org-a" ||
		events[0].Reason != note || events[0].ActorPersonID != "person-1" || !events[0].At.Equal(at) || !strings.Contains(events[0].DataJSON, `"code":"unknown_entity_type"`) {
		t.Fatalf("audit events %+v", events)
	}
}

// TestResolveQuarantineConcurrently: two chiefs resolving one item at once get one success and one
// quarantine_resolved, and the first note stands.
func TestResolveQuarantineConcurrently(t *testing.T) {
	s, _ := migratedStore(t)
	id := quarantineSome(t, s, "org-a", 1)[0]
	at := time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)
	const n = 4
	errc := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errc[i] = s.ResolveQuarantine(context.Background(), "org-a", id, "note", "person", at) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errc {
		switch {
		case err == nil:
			ok++
		case errs.CodeOf(err) != errs.CodeQuarantineResolved:
			t.Errorf("unexpected error %v", err)
		}
	}
	if ok != 1 {
		t.Fatalf("%d resolutions succeeded, want 1: %v", ok, errc)
	}
}
