package gormstore

// Review tests of the push appliers and the ledger: items whose content the database cannot store
// as such (a NUL character) must be refused per item, never fail the whole batch.

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// A NUL character is valid JSON ("\u0000") but PostgreSQL refuses it in a text column. An item that
// carries one where the ledger stores it (entity type and ID in the receipt and the quarantine, an
// answer key in the reason) must be rejected on its own; the rest of the batch is applied.
func TestPushNULCharactersRejectedPerItem(t *testing.T) {
	w := newApplyWorld(t)
	visitID := w.createVisit(t, nil)
	cases := map[string]syncpush.Item{
		"unknown entity type": applyItem("visit\x00", "x\x00y", 0, atHour(9, 0), map[string]any{"a": 1}),
		"answer key":          applyItem("visit", visitID, 1, atHour(9, 0), []byte(`{"answers": {"F1.1\u0000": {"value": true}}}`)),
		"checklist code":      applyItem("visit", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), w.newVisit(map[string]any{"checklist_code": "fuel-station\x00"})),
		"void reason": applyItem("number_void", w.unit.ID+"/2026/22", 0, atHour(9, 0),
			[]byte(`{"issuing_unit_id": "`+w.unit.ID+`", "year": 2026, "number": 22, "reason": "Vi\u0000t hỏng"}`)),
	}
	for name, bad := range cases {
		t.Run(name, func(t *testing.T) {
			good := applyItem("visit", clock.UUIDv7{}.NewID(), 0, atHour(9, 1), w.newVisit(nil))
			rs := w.push(t, w.member, bad, good)
			if rs[0].Outcome != "rejected" || rs[1].Outcome != "applied" {
				t.Fatalf("results %+v", rs)
			}
		})
	}
}

// Two phones sign two records of one visit that is part of its site's history, at the same time:
// both pushes rewrite the site's history in the change log. The second must wait for the first and
// be applied, never be refused for good (entity_exists) because of the other phone's push.
func TestPushConcurrentSiteHistoryNotRejected(t *testing.T) {
	w := newApplyWorld(t)
	id := w.createVisit(t, map[string]any{"status": "in_progress", "answers": completeAnswers()})
	w.pushOne(t, w.leader, applyItem("visit", id, 1, atHour(9, 0), map[string]any{"status": "waiting_lab"}), "applied")
	recA, recB := clock.UUIDv7{}.NewID(), clock.UUIDv7{}.NewID()
	w.pushOne(t, w.leader, applyItem("record", recA, 0, atHour(9, 30), w.recordPayloadOf(id, 7, "draft")), "applied")
	w.pushOne(t, w.member, applyItem("record", recB, 0, atHour(9, 31), w.recordPayloadOf(id, 22, "draft")), "applied")

	// The leader's push stops after its applier, its transaction open, until released.
	inside, release := make(chan struct{}), make(chan struct{})
	held := syncpush.Appliers{}
	for k, v := range w.appliers {
		held[k] = v
	}
	inner := w.appliers["record"]
	held["record"] = syncpush.ApplierFunc(func(ctx context.Context, tx syncpush.Tx, by syncpush.Pusher, it syncpush.Item) (int64, error) {
		v, err := inner.Apply(ctx, tx, by, it)
		close(inside)
		<-release
		return v, err
	})
	type answer struct {
		rs  []syncpush.Result
		err error
	}
	first, second := make(chan answer, 1), make(chan answer, 1)
	ctx := context.Background()
	go func() {
		rs, err := syncpush.Apply(ctx, w.s, w.leader, []syncpush.Item{applyItem("record", recA, 1, atHour(10, 0), w.recordPayloadOf(id, 7, "signed"))},
			syncpush.DefaultLimits, held)
		first <- answer{rs, err}
	}()
	<-inside
	go func() {
		rs, err := syncpush.Apply(ctx, w.s, w.member, []syncpush.Item{applyItem("record", recB, 1, atHour(10, 1), w.recordPayloadOf(id, 22, "signed"))},
			syncpush.DefaultLimits, w.appliers)
		second <- answer{rs, err}
	}()
	time.Sleep(300 * time.Millisecond) // the member's push reaches the site's history and waits
	close(release)
	for _, c := range []chan answer{first, second} {
		a := <-c
		if a.err != nil {
			t.Fatalf("push: %v", a.err)
		}
		if r := a.rs[0]; r.Outcome != syncpush.OutcomeApplied {
			t.Fatalf("%s %s: %s", r.Outcome, r.Code, r.Reason)
		}
	}
	e, ok := w.pulled(t, syncfeed.Sites, syncfeed.SiteScope(w.site.ID), syncfeed.EntitySiteHistory, w.site.ID)
	if !ok {
		t.Fatal("no history")
	}
	var h siteHistoryData
	if err := json.Unmarshal(e.Data, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Visits) != 1 || len(h.Visits[0].Records) != 2 || h.Visits[0].Records[0].Status != "signed" || h.Visits[0].Records[1].Status != "signed" {
		t.Fatalf("history %s", e.Data)
	}
}

// otherCampaign makes a second campaign of the organisation at the world's site, whose team is the
// outsider alone, with a visit and a signed record of the outsider's: another team's work.
func (w *applyWorld) otherCampaign(t *testing.T) (visitID, recordID string) {
	t.Helper()
	ctx := context.Background()
	admin := identity.Principal{AccountID: "admin", OrgID: w.org.ID, Roles: []identity.Role{identity.RoleOrgAdmin, identity.RoleChief}}
	svc := &campaign.Service{Store: w.s, Registry: w.s, Checklists: w.s, Clock: w.clock, IDs: clock.UUIDv7{}}
	camp, err := svc.SaveCampaign(ctx, admin, campaign.Campaign{OrgID: w.org.ID, Number: "301/KH-SKHCN", DecisionDate: adminunit.Date(2026, 2, 21),
		Title: "Kiểm tra đo lường", Kind: campaign.Inspection, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel},
		PeriodFrom: adminunit.Date(2026, 3, 1), PeriodTo: adminunit.Date(2026, 12, 31),
		Team:       []campaign.Member{{PersonID: w.outsider.PersonID, Role: campaign.Leader}},
		SubjectIDs: []string{w.subject.ID}, SiteIDs: []string{w.site.ID}})
	if err != nil {
		t.Fatal(err)
	}
	visitID, recordID = clock.UUIDv7{}.NewID(), clock.UUIDv7{}.NewID()
	p := w.newVisit(nil)
	p["campaign_id"] = camp.ID
	w.pushOne(t, w.outsider, applyItem("visit", visitID, 0, atHour(8, 0), p), "applied")
	w.pushOne(t, w.outsider, applyItem("record", recordID, 0, atHour(9, 0), w.recordPayloadOf(visitID, 41, "signed")), "applied")
	return visitID, recordID
}

// A record or an evidence reference of one team cannot point at another team's record: a correction
// replaces a record of the same campaign, and a photo belongs to a record of its own visit.
func TestPushReferencesStayInTheTeam(t *testing.T) {
	w := newApplyWorld(t)
	_, foreign := w.otherCampaign(t)
	visitID := w.createVisit(t, nil)

	correction := w.recordPayloadOf(visitID, 22, "draft")
	correction["corrects"] = foreign
	w.pushOne(t, w.member, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), correction), "rejected/validation_failed")

	ep := map[string]any{"visit_id": visitID, "record_id": foreign, "sha256": strings.Repeat("ab", 32), "size": 1234,
		"content_type": "image/jpeg", "purpose": "photo", "captured_at": "2026-03-02T09:01:00Z"}
	w.pushOne(t, w.member, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 1), ep), "rejected/validation_failed")

	// Its own record is fine, and so is one not pushed yet (the photo may travel first).
	own := clock.UUIDv7{}.NewID()
	w.pushOne(t, w.member, applyItem("record", own, 0, atHour(9, 2), w.recordPayloadOf(visitID, 23, "draft")), "applied")
	ep["record_id"] = own
	w.pushOne(t, w.member, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 3), ep), "applied")
	ep["record_id"] = clock.UUIDv7{}.NewID()
	w.pushOne(t, w.member, applyItem("evidence", clock.UUIDv7{}.NewID(), 0, atHour(9, 4), ep), "applied")
}

// A visit deleted as drafted by mistake takes no violation record afterwards: phones hold its
// tombstone, and deleteVisit refuses a visit with records.
func TestPushRecordOnDeletedVisitRejected(t *testing.T) {
	w := newApplyWorld(t)
	visitID := w.createVisit(t, nil)
	w.pushOne(t, w.leader, applyItem("visit", visitID, 1, atHour(9, 0), map[string]any{"deleted": true}), "applied")
	w.pushOne(t, w.member, applyItem("record", clock.UUIDv7{}.NewID(), 0, atHour(9, 1), w.recordPayloadOf(visitID, 22, "draft")), "rejected/entity_deleted")
}
