package gormstore_test

// Published checklist versions (national reference data, D24) on both engines: publishing, the
// immutability of a published version, idempotent re-publishing, listings, the latest version per
// facility type, the start-up seed, and the audit chain of each code.

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// checklistDoc is a small template document; question varies its content.
func checklistDoc(code string, version int, question string, types ...string) []byte {
	doc := map[string]any{
		"code": code, "version": version, "facility_types": types,
		"title":       map[string]any{"vi": "Phiếu kiểm tra " + code, "en": "Checklist " + code},
		"legal_basis": "TT 15/2015/TT-BKHCN",
		"sections": []any{map[string]any{
			"id": "A", "title": map[string]any{"vi": "Hồ sơ", "en": "Documents"},
			"items": []any{map[string]any{
				"id": "A.1", "question": map[string]any{"vi": question, "en": "Question"},
				"answer": map[string]any{"type": "yes_no"}, "required": true, "legal_basis": "",
				"violation_codes": []string{"FUEL-99-COND"}, "fail_when": map[string]any{"answer": "no"}, "confirmed": true,
			}},
		}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err)
	}
	return b
}

func parseChecklist(t testing.TB, doc []byte) *checklist.Template {
	t.Helper()
	tpl, err := checklist.Parse(doc)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return tpl
}

// publishChecklist publishes doc as the system would for the account "admin" at the clock's time.
func publishChecklist(t testing.TB, s *gormstore.Store, now time.Time, doc []byte) (checklist.Version, bool, error) {
	t.Helper()
	tpl := parseChecklist(t, doc)
	e := audit.Entry{Chain: checklist.Chain(tpl.Code), Action: "checklist.publish", ActorAccountID: "admin", At: now,
		Data: map[string]any{"version": tpl.Version, "hash": tpl.Hash()}}
	return s.PublishChecklist(context.Background(), checklist.NewPublication(tpl, "admin", now), e)
}

func chainEvents(t testing.TB, s *gormstore.Store, chain string) []audit.Event {
	t.Helper()
	var out []audit.Event
	for _, ev := range allEvents(t, s) {
		if ev.Chain == chain {
			out = append(out, ev)
		}
	}
	return out
}

func TestPublishChecklist(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)
	doc := checklistDoc("fuel-station", 1, "Giấy chứng nhận còn hiệu lực?", "fuel_station")
	tpl := parseChecklist(t, doc)

	v, created, err := publishChecklist(t, s, c.Now(), doc)
	if err != nil || !created {
		t.Fatalf("first publish = %v, created %t; want created", err, created)
	}
	want := checklist.Version{Code: "fuel-station", Number: 1, FacilityTypes: []checklist.FacilityType{checklist.FuelStation},
		Title: checklist.Text{VI: "Phiếu kiểm tra fuel-station", EN: "Checklist fuel-station"}, Hash: tpl.Hash(),
		PublishedAt: c.Now().UTC().Truncate(time.Microsecond), PublishedBy: "admin"}
	assertVersion(t, "PublishChecklist", v, want)

	got, err := s.ChecklistVersion(ctx, "fuel-station", 1)
	if err != nil {
		t.Fatal(err)
	}
	assertVersion(t, "ChecklistVersion", got.Version, want)
	if string(got.Template.Canonical()) != string(tpl.Canonical()) || got.Template.Hash() != tpl.Hash() {
		t.Errorf("the stored template differs from the published one")
	}
	if it, _, ok := got.Template.Item("A.1"); !ok || it.Question.VI != "Giấy chứng nhận còn hiệu lực?" {
		t.Errorf("the stored template lost its item A.1: %+v", it)
	}
	if evs := chainEvents(t, s, "checklist/fuel-station"); len(evs) != 1 || evs[0].Action != "checklist.publish" || evs[0].OrgID != "" {
		t.Errorf("audit chain checklist/fuel-station = %+v, want one national checklist.publish event", evs)
	}
}

func assertVersion(t testing.TB, what string, got, want checklist.Version) {
	t.Helper()
	if got.Code != want.Code || got.Number != want.Number || !slices.Equal(got.FacilityTypes, want.FacilityTypes) ||
		got.Title != want.Title || got.Hash != want.Hash || !got.PublishedAt.Equal(want.PublishedAt) || got.PublishedBy != want.PublishedBy {
		t.Errorf("%s = %+v, want %+v", what, got, want)
	}
}

// TestPublishedChecklistNeverChanges: the same content again (even laid out differently) is a no-op
// that leaves no audit event; other content under the same code and version is a conflict that
// changes nothing.
func TestPublishedChecklistNeverChanges(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)
	doc := checklistDoc("market", 1, "Cân có tem kiểm định?", "market", "shop")
	first, _, err := publishChecklist(t, s, c.Now(), doc)
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Hour)

	var generic any
	if err := json.Unmarshal(doc, &generic); err != nil {
		t.Fatal(err)
	}
	relaid, _ := json.Marshal(generic) // the same content with its members in another order and no layout
	t.Run("same content again", func(t *testing.T) {
		v, created, err := publishChecklist(t, s, c.Now(), relaid)
		if err != nil || created {
			t.Fatalf("re-publish = %v, created %t; want no error and nothing created", err, created)
		}
		assertVersion(t, "re-publish", v, first)
	})
	t.Run("other content, same version", func(t *testing.T) {
		_, created, err := publishChecklist(t, s, c.Now(), checklistDoc("market", 1, "Cân có tem kiểm định còn hạn?", "market", "shop"))
		wantError(t, err, errs.Conflict, errs.CodeChecklistVersionPublished)
		if created {
			t.Error("created is true on a conflict")
		}
	})
	t.Run("other facility types, same version", func(t *testing.T) {
		_, _, err := publishChecklist(t, s, c.Now(), checklistDoc("market", 1, "Cân có tem kiểm định?", "market"))
		wantError(t, err, errs.Conflict, errs.CodeChecklistVersionPublished)
	})
	got, err := s.ChecklistVersion(ctx, "market", 1)
	if err != nil {
		t.Fatal(err)
	}
	assertVersion(t, "after the refusals", got.Version, first)
	if it, _, _ := got.Template.Item("A.1"); it.Question.VI != "Cân có tem kiểm định?" {
		t.Errorf("the published question became %q", it.Question.VI)
	}
	if evs := chainEvents(t, s, "checklist/market"); len(evs) != 1 {
		t.Errorf("audit chain checklist/market has %d events, want 1 (no-ops and refusals leave none)", len(evs))
	}
}

func TestChecklistVersionsAndLatest(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)
	publish := func(doc []byte) {
		t.Helper()
		if _, created, err := publishChecklist(t, s, c.Now(), doc); err != nil || !created {
			t.Fatalf("publish: %v, created %t", err, created)
		}
		c.Advance(time.Minute)
	}
	publish(checklistDoc("fuel-station", 1, "Câu hỏi 1", "fuel_station"))
	publish(checklistDoc("fuel-station", 2, "Câu hỏi 2", "fuel_station"))
	publish(checklistDoc("market", 1, "Câu hỏi chợ", "market", "shop"))
	publish(checklistDoc("shop-lite", 3, "Câu hỏi cửa hàng", "shop"))
	// A lower version published after a higher one (an old file seeded late) is not the latest.
	publish(checklistDoc("xray-facility", 2, "Câu hỏi X-quang 2", "xray_facility"))
	publish(checklistDoc("xray-facility", 1, "Câu hỏi X-quang 1", "xray_facility"))

	versions, err := s.ChecklistVersions(ctx, "fuel-station")
	if err != nil {
		t.Fatal(err)
	}
	if len(versions) != 2 || versions[0].Number != 1 || versions[1].Number != 2 {
		t.Fatalf("ChecklistVersions(fuel-station) = %+v, want versions 1 and 2, oldest first", versions)
	}
	for _, v := range versions {
		if !slices.Equal(v.FacilityTypes, []checklist.FacilityType{checklist.FuelStation}) || v.Hash == "" {
			t.Errorf("version %d = %+v, want its facility type and hash", v.Number, v)
		}
	}
	// The older version stays available for the visits made with it.
	if old, err := s.ChecklistVersion(ctx, "fuel-station", 1); err != nil || old.Hash != versions[0].Hash {
		t.Errorf("ChecklistVersion(fuel-station, 1) = %+v, %v", old.Version, err)
	}

	tests := []struct {
		facility    checklist.FacilityType
		wantCode    string
		wantVersion int
	}{
		{checklist.FuelStation, "fuel-station", 2},
		{checklist.Market, "market", 1},
		{checklist.Shop, "shop-lite", 3}, // two codes serve shops: the one published last
		{checklist.XRayFacility, "xray-facility", 2},
	}
	for _, tt := range tests {
		t.Run(string(tt.facility), func(t *testing.T) {
			p, err := s.LatestChecklist(ctx, tt.facility)
			if err != nil {
				t.Fatal(err)
			}
			if p.Code != tt.wantCode || p.Number != tt.wantVersion || p.Template == nil || p.Template.Version != tt.wantVersion {
				t.Errorf("LatestChecklist = %s v%d, want %s v%d", p.Code, p.Number, tt.wantCode, tt.wantVersion)
			}
		})
	}

	t.Run("not found", func(t *testing.T) {
		_, err := s.LatestChecklist(ctx, checklist.OtherFacility)
		wantError(t, err, errs.NotFound, errs.CodeChecklistNotFound)
		_, err = s.ChecklistVersion(ctx, "fuel-station", 3)
		wantError(t, err, errs.NotFound, errs.CodeChecklistNotFound)
		_, err = s.ChecklistVersions(ctx, "no-such-code")
		wantError(t, err, errs.NotFound, errs.CodeChecklistNotFound)
	})

	rep := verify(t, s)
	if !rep.OK() || rep.Events != 6 {
		t.Errorf("audit.Verify = %+v, want 6 events and no problem", rep)
	}
	if _, wrote := anchor(t, s); !wrote {
		t.Error("AnchorAudit wrote no anchor over the checklist chains")
	}
	if rep := verify(t, s); !rep.OK() || rep.Anchors != 1 {
		t.Errorf("audit.Verify after the anchor = %+v", rep)
	}
	if evs := chainEvents(t, s, "checklist/xray-facility"); len(evs) != 2 || evs[0].Seq != 1 || evs[1].Seq != 2 {
		t.Errorf("chain checklist/xray-facility = %+v, want two events in sequence", evs)
	}
}

// TestTamperedChecklistNotServed: a stored template edited behind the store's back no longer
// matches its hash and is refused as an internal error rather than served to phones.
func TestTamperedChecklistNotServed(t *testing.T) {
	ctx := context.Background()
	s, o, c := auditStore(t)
	doc := checklistDoc("fuel-station", 1, "Câu hỏi gốc", "fuel_station")
	if _, _, err := publishChecklist(t, s, c.Now(), doc); err != nil {
		t.Fatal(err)
	}
	edited := parseChecklist(t, checklistDoc("fuel-station", 1, "Câu hỏi đã sửa", "fuel_station"))
	tamper(t, o, "UPDATE checklist_versions SET template = ? WHERE code = ? AND version = ?", string(edited.Canonical()), "fuel-station", 1)
	_, err := s.ChecklistVersion(ctx, "fuel-station", 1)
	if err == nil || errs.KindOf(err) != errs.Internal {
		t.Fatalf("ChecklistVersion of a tampered row = %v, want an internal error", err)
	}
	_, err = s.LatestChecklist(ctx, checklist.FuelStation)
	if err == nil || errs.KindOf(err) != errs.Internal {
		t.Fatalf("LatestChecklist of a tampered row = %v, want an internal error", err)
	}
}

// TestConcurrentPublishOfOneVersion: replicas that publish the same version at once (the start-up
// seed on several replicas) publish it once, and none fails.
func TestConcurrentPublishOfOneVersion(t *testing.T) {
	s, _, c := auditStore(t)
	doc := checklistDoc("fuel-station", 1, "Câu hỏi", "fuel_station")
	const n = 6
	var wg sync.WaitGroup
	created := make([]bool, n)
	errc := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, created[i], errc[i] = publishChecklist(t, s, c.Now(), doc)
		}()
	}
	wg.Wait()
	count := 0
	for i := range n {
		if errc[i] != nil {
			t.Errorf("publisher %d: %v", i, errc[i])
		}
		if created[i] {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d publishers created the version, want exactly 1", count)
	}
	if evs := chainEvents(t, s, "checklist/fuel-station"); len(evs) != 1 {
		t.Errorf("%d audit events, want 1", len(evs))
	}
}

// TestSeedChecklists: the embedded checklists are published at start when missing, once.
func TestSeedChecklists(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)
	svc := &checklist.Service{Store: s, Clock: c}
	first, err := svc.Seed(ctx)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	var codes []string
	for _, v := range first {
		codes = append(codes, fmt.Sprintf("%s.v%d", v.Code, v.Number))
		if v.PublishedBy != checklist.SeedActor {
			t.Errorf("%s published by %q, want %q", v.Code, v.PublishedBy, checklist.SeedActor)
		}
	}
	if want := []string{"fuel-station.v1", "market.v1", "xray-facility.v1"}; !slices.Equal(codes, want) {
		t.Fatalf("Seed published %v, want %v", codes, want)
	}
	c.Advance(time.Hour)
	again, err := svc.Seed(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second Seed = %v, %v; want nothing published", again, err)
	}
	for f, want := range map[checklist.FacilityType]string{checklist.FuelStation: "fuel-station", checklist.Market: "market",
		checklist.Shop: "market", checklist.XRayFacility: "xray-facility"} {
		p, err := s.LatestChecklist(ctx, f)
		if err != nil || p.Code != want {
			t.Errorf("LatestChecklist(%s) = %s, %v; want %s", f, p.Code, err, want)
		}
	}
	evs := allEvents(t, s)
	if len(evs) != 3 {
		t.Errorf("%d audit events, want one per seeded checklist", len(evs))
	}
	for _, ev := range evs {
		if ev.Action != "checklist.publish" || ev.ActorAccountID != "" || !strings.Contains(ev.DataJSON, `"source":"embedded"`) {
			t.Errorf("audit event %+v, want checklist.publish by the system from the embedded files", ev)
		}
	}
	if rep := verify(t, s); !rep.OK() {
		t.Errorf("audit.Verify: %v", rep.Problems)
	}
}

// TestSeedRefusesChangedEmbeddedChecklist: when the store holds a version of an embedded code with
// other content, the seed says so instead of ignoring it (a released file must never change).
func TestSeedRefusesChangedEmbeddedChecklist(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)
	if _, _, err := publishChecklist(t, s, c.Now(), checklistDoc("market", 1, "Một phiên bản khác", "market")); err != nil {
		t.Fatal(err)
	}
	_, err := (&checklist.Service{Store: s, Clock: c}).Seed(ctx)
	wantError(t, err, errs.Conflict, errs.CodeChecklistVersionPublished)
}

// TestPublishNeedsSystemAdmin: national reference data is edited by a system administrator only (D24).
func TestPublishNeedsSystemAdmin(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)
	svc := &checklist.Service{Store: s, Clock: c}
	doc := checklistDoc("fuel-station", 1, "Câu hỏi", "fuel_station")
	orgAdmin := identity.Principal{AccountID: "a1", PersonID: "p1", OrgID: "org", Roles: []identity.Role{identity.RoleOrgAdmin}}
	_, _, err := svc.Publish(ctx, orgAdmin, doc)
	wantError(t, err, errs.Forbidden, errs.CodeRoleRequired)

	sysAdmin := identity.Principal{AccountID: "a2", PersonID: "p2", Roles: []identity.Role{identity.RoleSystemAdmin}}
	v, created, err := svc.Publish(ctx, sysAdmin, doc)
	if err != nil || !created || v.PublishedBy != "a2" {
		t.Fatalf("Publish by a system administrator = %+v, %t, %v", v, created, err)
	}
	evs := chainEvents(t, s, "checklist/fuel-station")
	if len(evs) != 1 || evs[0].ActorAccountID != "a2" || evs[0].ActorPersonID != "p2" {
		t.Errorf("audit = %+v, want one event by a2/p2", evs)
	}
	_, _, err = svc.Publish(ctx, sysAdmin, []byte(`{"code": "fuel-station"}`))
	wantError(t, err, errs.Invalid, errs.CodeChecklistInvalid)
}
