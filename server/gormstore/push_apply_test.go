package gormstore

// The appliers' tests are internal: they look at the tables the appliers write (the answers'
// history, the number marks) as well as at what phones pull. They drive the appliers the way the sync
// service does, through syncpush.Apply with the store as the ledger.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// applyWorld is an organisation with a campaign whose team is a leader and a member, an inspector
// outside the team, each with a phone holding a block of record numbers, a fuel station of a subject,
// an issuing unit and the published checklists.
type applyWorld struct {
	s                        *Store
	clock                    *clock.Manual
	org                      identity.Organisation
	leader, member, outsider syncpush.Pusher
	subject                  registry.Subject
	site                     registry.Site
	unit                     registry.IssuingUnit
	camp                     campaign.Campaign
	appliers                 syncpush.Appliers
}

// The visits of the tests are made on this day, in the campaign's period.
const applyDay = "2026-03-02"

func newApplyWorld(t testing.TB) *applyWorld {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	o := freshOptions(t)
	o.Clock = c
	s := openStore(t, o)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	w := &applyWorld{s: s, clock: c, appliers: s.Appliers()}
	ids := &identity.Service{Store: s, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	var err error
	if w.org, err = ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở KH&CN Cao Bằng"}); err != nil {
		t.Fatal(err)
	}
	admin := identity.Principal{AccountID: "admin", OrgID: w.org.ID, Roles: []identity.Role{identity.RoleOrgAdmin, identity.RoleChief}}
	b, _ := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&adminunit.Service{Store: s, Clock: c}).Seed(ctx, admin, w.org.ID, seed); err != nil {
		t.Fatal(err)
	}
	reg := &registry.Service{Store: s, Clock: c, IDs: clock.UUIDv7{}}
	if w.subject, err = reg.CreateSubject(ctx, admin, registry.Subject{OrgID: w.org.ID, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu Cao Bằng", TaxCode: "4800100001", Address: "Phường Hợp Giang"}); err != nil {
		t.Fatal(err)
	}
	if w.site, err = reg.CreateSite(ctx, admin, registry.Site{OrgID: w.org.ID, SubjectID: w.subject.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu số 1", Address: "Tổ 5, phường Sông Hiến",
		Units: []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}}); err != nil {
		t.Fatal(err)
	}
	if w.unit, err = reg.CreateIssuingUnit(ctx, admin, registry.IssuingUnit{OrgID: w.org.ID, Code: "TTR", Name: "Thanh tra Sở"}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&checklist.Service{Store: s, Clock: c}).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	numbers := &numbering.Service{Store: s, Clock: c, IDs: clock.UUIDv7{}}
	phone := func(login string) syncpush.Pusher {
		acct, err := ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: w.org.ID, FullName: "Cán bộ " + login, Login: login,
			Password: "long-enough-pw", Roles: []identity.Role{identity.RoleInspector}})
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.RegisterDevice(ctx, identity.Device{ID: clock.UUIDv7{}.NewID(), OrgID: w.org.ID, AccountID: acct.ID, ClientID: login,
			Platform: "android", CreatedAt: c.Now(), LastSeenAt: c.Now()})
		if err != nil {
			t.Fatal(err)
		}
		p := identity.Principal{AccountID: acct.ID, PersonID: acct.PersonID, OrgID: w.org.ID, DeviceID: d.ID, Roles: acct.Roles}
		if _, _, err := numbers.TopUp(ctx, p, numbering.Series{OrgID: w.org.ID, IssuingUnitID: w.unit.ID, Year: 2026}); err != nil {
			t.Fatal(err)
		}
		return syncpush.Pusher{OrgID: w.org.ID, DeviceID: d.ID, AccountID: acct.ID, PersonID: acct.PersonID}
	}
	w.leader, w.member, w.outsider = phone("leader"), phone("member"), phone("outsider")
	svc := &campaign.Service{Store: s, Registry: s, Checklists: s, Clock: c, IDs: clock.UUIDv7{}}
	if w.camp, err = svc.SaveCampaign(ctx, admin, campaign.Campaign{OrgID: w.org.ID, Number: "277/KH-SKHCN", DecisionDate: adminunit.Date(2026, 2, 20),
		Title: "Thanh tra xăng dầu", Kind: campaign.Inspection, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel},
		PeriodFrom: adminunit.Date(2026, 3, 1), PeriodTo: adminunit.Date(2026, 12, 31),
		Team:       []campaign.Member{{PersonID: w.leader.PersonID, Role: campaign.Leader}, {PersonID: w.member.PersonID, Role: campaign.TeamMember}},
		SubjectIDs: []string{w.subject.ID}, SiteIDs: []string{w.site.ID}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// applyItem makes a push item with a fresh change ID; payload is marshalled unless it is already JSON.
func applyItem(entityType, entityID string, base int64, at time.Time, payload any) syncpush.Item {
	b, ok := payload.([]byte)
	if !ok {
		var err error
		if b, err = json.Marshal(payload); err != nil {
			panic(err)
		}
	}
	return syncpush.Item{ChangeID: clock.UUIDv7{}.NewID(), EntityType: entityType, EntityID: entityID, BaseVersion: base,
		CapturedAt: at, Payload: b}
}

// atHour is a capture time on the day of the visits.
func atHour(hh, mm int) time.Time { return time.Date(2026, 3, 2, hh, mm, 0, 0, time.UTC) }

func (w *applyWorld) push(t *testing.T, by syncpush.Pusher, items ...syncpush.Item) []syncpush.Result {
	t.Helper()
	rs, err := syncpush.Apply(context.Background(), w.s, by, items, syncpush.DefaultLimits, w.appliers)
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	return rs
}

// pushOne pushes one item and checks its outcome: "applied" (then returns its version) or
// "rejected/<code>".
func (w *applyWorld) pushOne(t *testing.T, by syncpush.Pusher, it syncpush.Item, want string) int64 {
	t.Helper()
	r := w.push(t, by, it)[0]
	got := string(r.Outcome)
	if r.Code != "" {
		got += "/" + string(r.Code)
	}
	if got != want {
		t.Fatalf("%s %s: %s (%s), want %s", it.EntityType, it.EntityID, got, r.Reason, want)
	}
	return r.Version
}

// newVisit is the payload of a visit of the world's campaign and site.
func (w *applyWorld) newVisit(extra map[string]any) map[string]any {
	p := map[string]any{"campaign_id": w.camp.ID, "site_id": w.site.ID, "date": applyDay, "checklist_code": "fuel-station",
		"checklist_version": 1, "status": "in_progress"}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

// createVisit creates a visit from the leader's phone and returns its ID.
func (w *applyWorld) createVisit(t *testing.T, extra map[string]any) string {
	t.Helper()
	id := clock.UUIDv7{}.NewID()
	if v := w.pushOne(t, w.leader, applyItem("visit", id, 0, atHour(8, 0), w.newVisit(extra)), "applied"); v != 1 {
		t.Fatalf("a new visit is version %d", v)
	}
	return id
}

// pulled returns what phones pull of an entity of the visits dataset (or of the site's history).
func (w *applyWorld) pulled(t *testing.T, dataset, scope, entityType, id string) (syncfeed.Entry, bool) {
	t.Helper()
	// On PostgreSQL other tests' transactions on the cluster may hold changes back for a moment
	// (the page is then incomplete): pull on, as a phone does.
	settle(t, w.s)
	var found syncfeed.Entry
	ok := false
	var cur syncfeed.Cursor
	for range 1000 {
		p, err := w.s.Since(context.Background(), w.org.ID, dataset, []string{scope}, cur, syncfeed.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Changes {
			if e.EntityType == entityType && e.EntityID == id {
				found, ok = e, e.Op == syncfeed.OpUpsert
			}
		}
		if p.Complete {
			return found, ok
		}
		if len(p.Changes) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cur = p.Next
	}
	t.Fatal("the pull never completes")
	return found, ok
}

// pulledVisit returns the visit as phones pull it, checked against its schema.
func (w *applyWorld) pulledVisit(t *testing.T, id string) (visitData, int64) {
	t.Helper()
	e, ok := w.pulled(t, syncfeed.Visits, syncfeed.CampaignScope(w.camp.ID), syncfeed.EntityVisit, id)
	if !ok {
		t.Fatalf("visit %s not in the visits dataset", id)
	}
	schematest.Validate(t, "sync-visit.schema.json", e.Data)
	var d visitData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != e.Version {
		t.Fatalf("the data says version %d, the change %d", d.Version, e.Version)
	}
	return d, e.Version
}

func answerValue(t *testing.T, d visitData, key string) string {
	t.Helper()
	a, ok := d.Answers[key]
	if !ok {
		return "<none>"
	}
	return string(a.Value)
}

// history returns the answers' history of a visit, oldest first.
func (w *applyWorld) history(t *testing.T, visitID string) []visitAnswerHistoryRow {
	t.Helper()
	var rows []visitAnswerHistoryRow
	if err := w.s.read(context.Background()).Where("visit_id = ?", visitID).Order("id").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return rows
}

// completeAnswers answers every required item of the fuel-station checklist (no dispensers), with
// the photos the items require.
func completeAnswers() map[string]any {
	yes := func(photo bool) map[string]any {
		a := map[string]any{"value": true}
		if photo {
			a["evidence"] = []string{"photo-" + fmt.Sprint(time.Now().UnixNano())}
		}
		return a
	}
	return map[string]any{
		"F1.1": yes(true), "F1.2": map[string]any{"value": "2030-01-01", "evidence": []string{"p-f12"}}, "F1.3": yes(true), "F1.4": yes(true),
		"F3.1": yes(true), "F4.1": yes(true), "F4.4": yes(true), "F5.1": yes(true), "F5.2": yes(false), "F5.3": yes(false),
		"F6.1": map[string]any{"evidence": []string{"p-f61"}},
	}
}

func TestApplyVisitCreateAndAnswer(t *testing.T) {
	w := newApplyWorld(t)
	payload := w.newVisit(map[string]any{"gps": map[string]any{"lat": 22.66, "lon": 106.25, "accuracy_m": 8},
		"answers": map[string]any{"F1.1": map[string]any{"value": false, "evidence": []string{"ph-1"}}, "F1.3": map[string]any{"value": true}}})
	raw, _ := json.Marshal(payload)
	schematest.Validate(t, "sync-push-visit.schema.json", raw)
	id := clock.UUIDv7{}.NewID()
	if v := w.pushOne(t, w.member, applyItem("visit", id, 0, atHour(8, 0), raw), "applied"); v != 1 {
		t.Fatalf("version %d", v)
	}
	d, version := w.pulledVisit(t, id)
	if version != 1 || d.Status != "in_progress" || d.UnitCode != "local-phuong-thuc-phan" || d.GPS == nil || d.GPS.AccuracyM != 8 ||
		answerValue(t, d, "F1.1") != "false" || answerValue(t, d, "F1.3") != "true" || !d.Answers["F1.1"].CapturedAt.Equal(atHour(8, 0)) {
		t.Fatalf("pulled %+v", d)
	}
	if len(d.Findings) != 1 || d.Findings[0].Key != "F1.1" || d.Findings[0].Reason != "answer" {
		t.Fatalf("findings %+v", d.Findings)
	}

	// An answer changed and one cleared: the findings follow, the version goes up by one.
	upd := map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true, "evidence": []string{"ph-1"}}, "F1.3": nil}}
	if v := w.pushOne(t, w.member, applyItem("visit", id, 1, atHour(8, 30), upd), "applied"); v != 2 {
		t.Fatalf("version %d", v)
	}
	d, version = w.pulledVisit(t, id)
	if version != 2 || len(d.Findings) != 0 || answerValue(t, d, "F1.1") != "true" || answerValue(t, d, "F1.3") != "<none>" {
		t.Fatalf("after the change: %+v", d)
	}
	// Both replaced values are kept, not as conflicts: the phone had seen them.
	h := w.history(t, id)
	if len(h) != 2 || h[0].Concurrent || h[1].Concurrent {
		t.Fatalf("history %+v", h)
	}
	answers, findings, err := w.s.VisitAnswers(context.Background(), w.org.ID, id)
	if err != nil || answers["F1.1"].Value != true || answers["F1.3"].Value != nil || len(findings) != 0 {
		t.Fatalf("console view: %v %v %v", answers, findings, err)
	}

	t.Run("an invalid answer refuses the change, naming it", func(t *testing.T) {
		bad := map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": "maybe"}, "X9": map[string]any{"value": true}}}
		r := w.push(t, w.member, applyItem("visit", id, 2, atHour(9, 0), bad))[0]
		if r.Outcome != syncpush.OutcomeRejected || r.Code != errs.CodeValidation ||
			!strings.Contains(r.Reason, "payload.answers.F1.1: answer_wrong_type") || !strings.Contains(r.Reason, "payload.answers.X9: unknown_item") {
			t.Fatalf("%+v", r)
		}
		if _, v := w.pulledVisit(t, id); v != 2 {
			t.Fatalf("a refused change moved the version to %d", v)
		}
	})
	t.Run("invalid payloads name their fields", func(t *testing.T) {
		for _, tc := range []struct {
			name    string
			id      string
			base    int64
			payload string
			want    string
		}{
			{"unknown field", clock.UUIDv7{}.NewID(), 0, `{"campaign_idd": "x"}`, "payload.campaign_idd: unknown_field"},
			{"wrong type", clock.UUIDv7{}.NewID(), 0, `{"checklist_version": "one"}`, "payload.checklist_version: wrong_type"},
			{"missing on create", clock.UUIDv7{}.NewID(), 0, `{"status": "planned"}`, "payload.campaign_id: required"},
			{"bad date", clock.UUIDv7{}.NewID(), 0, `{"campaign_id": "` + w.camp.ID + `", "site_id": "` + w.site.ID + `", "date": "2/3/2026", "checklist_code": "fuel-station", "checklist_version": 1}`, "payload.date: invalid_value"},
			{"no UUID", "visit-1", 0, `{}`, "entity_id: invalid_value"},
			{"outside the period", clock.UUIDv7{}.NewID(), 0, `{"campaign_id": "` + w.camp.ID + `", "site_id": "` + w.site.ID + `", "date": "2027-01-05", "checklist_code": "fuel-station", "checklist_version": 1}`, "payload.date: visit_outside_period"},
			{"unpublished checklist", clock.UUIDv7{}.NewID(), 0, `{"campaign_id": "` + w.camp.ID + `", "site_id": "` + w.site.ID + `", "date": "2026-03-02", "checklist_code": "fuel-station", "checklist_version": 9}`, "payload.checklist_version: checklist_not_found"},
			{"the site never changes", id, 2, `{"site_id": "` + clock.UUIDv7{}.NewID() + `"}`, "payload.site_id: invalid_value"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := w.push(t, w.member, applyItem("visit", tc.id, tc.base, atHour(9, 0), []byte(tc.payload)))[0]
				if r.Outcome != syncpush.OutcomeRejected || !strings.Contains(r.Reason, tc.want) {
					t.Fatalf("%+v, want %s", r, tc.want)
				}
			})
		}
	})
}

func TestApplyVisitCompletion(t *testing.T) {
	w := newApplyWorld(t)
	id := w.createVisit(t, map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true, "evidence": []string{"p"}}}})
	r := w.push(t, w.leader, applyItem("visit", id, 1, atHour(9, 0), map[string]any{"status": "completed"}))[0]
	if r.Outcome != syncpush.OutcomeRejected || r.Code != errs.CodeValidation || !strings.Contains(r.Reason, "payload.answers.F6.1: answer_required") {
		t.Fatalf("completing with required answers missing: %+v", r)
	}
	if d, _ := w.pulledVisit(t, id); d.Status != "in_progress" {
		t.Fatalf("status %s", d.Status)
	}
	payload := map[string]any{"status": "completed", "answers": completeAnswers()}
	raw, _ := json.Marshal(payload)
	schematest.Validate(t, "sync-push-visit.schema.json", raw)
	if v := w.pushOne(t, w.leader, applyItem("visit", id, 1, atHour(9, 5), raw), "applied"); v != 2 {
		t.Fatalf("version %d", v)
	}
	if d, _ := w.pulledVisit(t, id); d.Status != "completed" {
		t.Fatalf("status %s", d.Status)
	}
	// A completed visit takes no more answers, and moves nowhere.
	w.pushOne(t, w.leader, applyItem("visit", id, 2, atHour(9, 10), map[string]any{"answers": map[string]any{"F1.5": map[string]any{"value": true}}}),
		"rejected/visit_status_invalid")
	w.pushOne(t, w.leader, applyItem("visit", id, 2, atHour(9, 10), map[string]any{"status": "in_progress"}), "rejected/visit_status_invalid")

	// The site's history now shows the visit.
	e, ok := w.pulled(t, syncfeed.Sites, syncfeed.SiteScope(w.site.ID), syncfeed.EntitySiteHistory, w.site.ID)
	if !ok {
		t.Fatal("no site history after the visit was completed")
	}
	schematest.Validate(t, "sync-site-history.schema.json", e.Data)
	var h siteHistoryData
	if err := json.Unmarshal(e.Data, &h); err != nil {
		t.Fatal(err)
	}
	if len(h.Visits) != 1 || h.Visits[0].VisitID != id || h.Visits[0].Status != "completed" || h.Visits[0].CampaignNumber != "277/KH-SKHCN" ||
		h.Visits[0].Date != applyDay {
		t.Fatalf("history %s", e.Data)
	}
}

func TestApplyVisitMergesTeamAnswers(t *testing.T) {
	w := newApplyWorld(t)
	id := w.createVisit(t, nil)
	// Both phones work from version 1, on different items: both stand, nothing to review.
	w.pushOne(t, w.leader, applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}), "applied")
	w.pushOne(t, w.member, applyItem("visit", id, 1, atHour(8, 55), map[string]any{"answers": map[string]any{"F1.3": map[string]any{"value": false}}}), "applied")
	d, v := w.pulledVisit(t, id)
	if v != 3 || answerValue(t, d, "F1.1") != "true" || answerValue(t, d, "F1.3") != "false" || d.NeedsReview || len(w.history(t, id)) != 0 {
		t.Fatalf("merged %+v (version %d)", d, v)
	}
	if len(d.Findings) != 1 || d.Findings[0].Key != "F1.3" {
		t.Fatalf("the findings come from the merged answers: %+v", d.Findings)
	}
}

func TestApplyVisitSameAnswerLaterCaptureWins(t *testing.T) {
	for _, order := range []string{"later arrives first", "earlier arrives first"} {
		t.Run(order, func(t *testing.T) {
			w := newApplyWorld(t)
			id := w.createVisit(t, nil)
			later := applyItem("visit", id, 1, atHour(10, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": false}}})
			earlier := applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}})
			first, second := w.leader, w.member
			a, b := later, earlier
			if order == "earlier arrives first" {
				a, b = earlier, later
				first, second = w.member, w.leader
			}
			w.pushOne(t, first, a, "applied")
			w.pushOne(t, second, b, "applied")
			d, _ := w.pulledVisit(t, id)
			if answerValue(t, d, "F1.1") != "false" || !d.Answers["F1.1"].CapturedAt.Equal(atHour(10, 0)) {
				t.Fatalf("the later capture must win: %+v", d.Answers)
			}
			if !d.NeedsReview {
				t.Fatal("two phones answered the same item on the same version: the leader must review")
			}
			h := w.history(t, id)
			if len(h) != 1 || h[0].AnswerKey != "F1.1" || h[0].Value == nil || *h[0].Value != "true" || !h[0].Concurrent ||
				h[0].DeviceID != w.member.DeviceID || !h[0].CapturedAt.Equal(atHour(9, 0)) {
				t.Fatalf("the losing value in the history: %+v", h)
			}
		})
	}
	t.Run("a change made after seeing the answer is no conflict", func(t *testing.T) {
		w := newApplyWorld(t)
		id := w.createVisit(t, nil)
		v := w.pushOne(t, w.leader, applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}), "applied")
		w.pushOne(t, w.member, applyItem("visit", id, v, atHour(9, 30), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": false}}}), "applied")
		d, _ := w.pulledVisit(t, id)
		h := w.history(t, id)
		if answerValue(t, d, "F1.1") != "false" || d.NeedsReview || len(h) != 1 || h[0].Concurrent {
			t.Fatalf("%+v %+v", d, h)
		}
	})
	t.Run("the same phone's queue is no conflict", func(t *testing.T) {
		w := newApplyWorld(t)
		id := w.createVisit(t, nil)
		w.push(t, w.member,
			applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}),
			applyItem("visit", id, 1, atHour(9, 5), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": false}}}))
		if d, v := w.pulledVisit(t, id); v != 3 || d.NeedsReview || answerValue(t, d, "F1.1") != "false" {
			t.Fatalf("%+v %d", d, v)
		}
	})
	t.Run("same capture time: the greater change ID wins", func(t *testing.T) {
		w := newApplyWorld(t)
		id := w.createVisit(t, nil)
		lo := applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}})
		hi := applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": false}}})
		lo.ChangeID, hi.ChangeID = "00000000-0000-7000-8000-000000000001", "00000000-0000-7000-8000-000000000002"
		w.pushOne(t, w.leader, hi, "applied")
		w.pushOne(t, w.member, lo, "applied")
		if d, _ := w.pulledVisit(t, id); answerValue(t, d, "F1.1") != "false" {
			t.Fatalf("%+v", d.Answers)
		}
	})
}

func TestApplyVisitScope(t *testing.T) {
	w := newApplyWorld(t)
	id := w.createVisit(t, nil)
	ctx := context.Background()
	// The outsider's batch: a new visit in a campaign that is not theirs, a change of the team's visit,
	// an unknown entity type, and a number of their own voided: only the last is applied.
	rs := w.push(t, w.outsider,
		applyItem("visit", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), w.newVisit(nil)),
		applyItem("visit", id, 1, atHour(9, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}),
		applyItem("penalty", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), map[string]any{}),
		applyItem("number_void", w.unit.ID+"/2026/41", 0, atHour(9, 0), map[string]any{"issuing_unit_id": w.unit.ID, "year": 2026, "number": 41, "reason": "Hỏng"}),
	)
	if got := outcomes(rs); !slices.Equal(got, []string{"rejected/out_of_scope", "rejected/out_of_scope", "rejected/unknown_entity_type", "applied"}) {
		t.Fatalf("outcomes %v", got)
	}
	q, total, err := w.s.ListQuarantine(ctx, w.org.ID, true, paging.Page{})
	if err != nil || total != 3 || q[0].Code != errs.CodeOutOfScope || q[0].DeviceID != w.outsider.DeviceID {
		t.Fatalf("quarantine %+v %d %v", q, total, err)
	}
	if d, v := w.pulledVisit(t, id); v != 1 || len(d.Answers) != 0 {
		t.Fatal("the outsider's change was applied")
	}
	t.Run("a visit ID already used", func(t *testing.T) {
		w.pushOne(t, w.member, applyItem("visit", id, 0, atHour(9, 0), w.newVisit(nil)), "rejected/entity_exists")
	})
	t.Run("another organisation's phone", func(t *testing.T) {
		other := w.member
		other.OrgID = "another-org"
		w.pushOne(t, other, applyItem("visit", id, 1, atHour(9, 0), map[string]any{"status": "cancelled"}), "rejected/out_of_scope")
		// Its campaign is none of theirs either: nothing says the visit exists.
		w.pushOne(t, other, applyItem("visit", id, 0, atHour(9, 0), w.newVisit(nil)), "rejected/out_of_scope")
	})
	t.Run("a visit that does not exist", func(t *testing.T) {
		w.pushOne(t, w.member, applyItem("visit", clock.UUIDv7{}.NewID(), 3, atHour(9, 0), map[string]any{"status": "cancelled"}), "rejected/visit_not_found")
	})
	t.Run("a base version from the future", func(t *testing.T) {
		w.pushOne(t, w.member, applyItem("visit", id, 5, atHour(9, 0), map[string]any{"status": "cancelled"}), "rejected/base_version_future")
	})
	t.Run("a leader outside the team", func(t *testing.T) {
		w.pushOne(t, w.member, applyItem("visit", clock.UUIDv7{}.NewID(), 0, atHour(9, 0), w.newVisit(map[string]any{"leader_person_id": w.outsider.PersonID})),
			"rejected/validation_failed")
	})
}

// TestVisitConsolePathsRecordChanges: the console's writes of visits reach the phones too, each at the
// visit's next version.
func TestVisitConsolePathsRecordChanges(t *testing.T) {
	w := newApplyWorld(t)
	ctx := context.Background()
	svc := &campaign.Service{Store: w.s, Registry: w.s, Checklists: w.s, Clock: w.clock, IDs: clock.UUIDv7{}}
	lead := identity.Principal{AccountID: w.leader.AccountID, PersonID: w.leader.PersonID, OrgID: w.org.ID, Roles: []identity.Role{identity.RoleInspector}}
	v, err := svc.CreateVisit(ctx, lead, campaign.Visit{OrgID: w.org.ID, CampaignID: w.camp.ID, SiteID: w.site.ID, Date: adminunit.Date(2026, 3, 2),
		ChecklistCode: "fuel-station", ChecklistVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d, version := w.pulledVisit(t, v.ID); version != 1 || d.Status != "planned" {
		t.Fatalf("created: %+v %d", d, version)
	}
	if _, err := svc.MoveVisit(ctx, lead, w.org.ID, v.ID, campaign.VisitInProgress); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.RecordAnswers(ctx, lead, w.org.ID, v.ID, map[string]checklist.Answer{"F1.1": {Value: false}}); err != nil {
		t.Fatal(err)
	}
	d, version := w.pulledVisit(t, v.ID)
	if version != 3 || d.Status != "in_progress" || answerValue(t, d, "F1.1") != "false" || len(d.Findings) != 1 {
		t.Fatalf("after the console's changes: %+v %d", d, version)
	}
	// A phone works on from there; the console's answer was seen (base 3), so replacing it is no conflict.
	w.pushOne(t, w.member, applyItem("visit", v.ID, 3, atHour(10, 0), map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true}}}), "applied")
	// The console's answer wins over a phone's whatever the clocks say.
	w.clock.Set(time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)) // earlier than the phone's capture
	if _, err := svc.RecordAnswers(ctx, lead, w.org.ID, v.ID, map[string]checklist.Answer{"F1.1": {Value: false}}); err != nil {
		t.Fatal(err)
	}
	if d, version := w.pulledVisit(t, v.ID); version != 5 || answerValue(t, d, "F1.1") != "false" || d.NeedsReview {
		t.Fatalf("console answer: %+v %d", d, version)
	}
	if h := w.history(t, v.ID); len(h) != 2 {
		t.Fatalf("history %+v", h)
	}
	err = w.s.MoveVisit(ctx, w.org.ID, v.ID, campaign.VisitPlanned, campaign.VisitCancelled, w.clock.Now(), audit.Entry{Chain: "x", Action: "x"})
	if errs.CodeOf(err) != errs.CodeVisitStatus {
		t.Fatalf("a stale move: %v", err)
	}
	if _, version := w.pulledVisit(t, v.ID); version != 5 {
		t.Fatal("a refused move changed the version")
	}
}

// TestApplyVisitConcurrentPushes: phones pushing to one visit at once (on PostgreSQL, in transactions
// that really overlap) each get their own version, and no answer is lost.
func TestApplyVisitConcurrentPushes(t *testing.T) {
	w := newApplyWorld(t)
	id := w.createVisit(t, nil)
	keys := []string{"F1.1", "F1.3", "F1.4", "F1.5", "F3.1", "F3.2", "F4.1", "F4.3"}
	versions := make(chan int64, len(keys))
	errc := make(chan error, len(keys))
	for i, k := range keys {
		by := w.leader
		if i%2 == 1 {
			by = w.member
		}
		go func() {
			it := applyItem("visit", id, 1, atHour(9, i), map[string]any{"answers": map[string]any{k: map[string]any{"value": true}}})
			rs, err := syncpush.Apply(context.Background(), w.s, by, []syncpush.Item{it}, syncpush.DefaultLimits, w.appliers)
			if err == nil && rs[0].Outcome != syncpush.OutcomeApplied {
				err = fmt.Errorf("%+v", rs[0])
			}
			if err == nil {
				versions <- rs[0].Version // before errc: the test closes versions once every errc came
			}
			errc <- err
		}()
	}
	for range keys {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	close(versions)
	var got []int64
	for v := range versions {
		got = append(got, v)
	}
	slices.Sort(got)
	for i, v := range got {
		if v != int64(i+2) {
			t.Fatalf("versions %v: each change must get its own", got)
		}
	}
	d, v := w.pulledVisit(t, id)
	if v != int64(len(keys)+1) || len(d.Answers) != len(keys) || d.NeedsReview {
		t.Fatalf("version %d, answers %v", v, d.Answers)
	}
}
