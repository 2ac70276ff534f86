package gormstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// syncSchemas names the schema of each entity type's data.
var syncSchemas = map[string]string{
	syncfeed.EntityCampaign: "sync-campaign.schema.json", syncfeed.EntitySite: "sync-site.schema.json",
	syncfeed.EntitySubject: "sync-subject.schema.json", syncfeed.EntityChecklist: "sync-checklist.schema.json",
	syncfeed.EntityViolation: "sync-violation.schema.json", syncfeed.EntityNumberBlock: "sync-number-block.schema.json",
	syncfeed.EntityDecree: "sync-decree.schema.json",
}

// pull pulls a dataset after cursor, page after page until nothing more can be served, as a phone of
// org with scopes would, and returns the entries by entity ID with the cursor to go on from. Every
// entry's data must match its schema.
func pull(t testing.TB, st *gormstore.Store, org, dataset string, scopes []string, cursor syncfeed.Cursor) (map[string]syncfeed.Entry, syncfeed.Cursor) {
	t.Helper()
	gormstore.WaitForChanges(t, st)
	out := map[string]syncfeed.Entry{}
	for {
		page, err := st.Since(context.Background(), org, dataset, scopes, cursor, 0)
		if err != nil {
			t.Fatalf("pull %s of %s with %v: %v", dataset, org, scopes, err)
		}
		for _, e := range page.Changes {
			if e.Dataset != dataset || (e.OrgID != org && e.OrgID != syncfeed.OrgShared) || !slices.Contains(scopes, e.Scope) {
				t.Errorf("pull %s of %s with %v returned %+v", dataset, org, scopes, e.Change)
			}
			if e.Op == syncfeed.OpUpsert {
				schematest.Validate(t, syncSchemas[e.EntityType], e.Data)
			}
			out[e.EntityID] = e
		}
		cursor = page.Next
		if page.Complete {
			return out, cursor
		}
	}
}

func keys(m map[string]syncfeed.Entry) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedStrings(s ...string) []string {
	slices.Sort(s)
	return s
}

// sameData fails unless the entry carries the data that the builder makes of the store's own reads.
func sameData(t testing.TB, what string, e syncfeed.Entry, want []byte, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(e.Data, want) {
		t.Errorf("%s: the log holds\n%s\nthe store reads\n%s", what, e.Data, want)
	}
}

// siteData is the data of a site as the store reads it back.
func siteData(t testing.TB, st *gormstore.Store, orgID, siteID string) []byte {
	t.Helper()
	ctx := context.Background()
	snap, err := st.ReadRegistry(ctx, orgID, registry.Lookup{SiteIDs: []string{siteID}})
	if err != nil || len(snap.Sites) != 1 {
		t.Fatalf("read site %s: %v", siteID, err)
	}
	ins, err := st.ListInstruments(ctx, orgID, registry.InstrumentFilter{ListOptions: registry.ListOptions{Sort: "serial"}, SiteID: siteID})
	if err != nil {
		t.Fatal(err)
	}
	lics, err := st.ListLicences(ctx, orgID, registry.LicenceFilter{ListOptions: registry.ListOptions{Sort: "number"}, SiteID: siteID})
	if err != nil {
		t.Fatal(err)
	}
	b, err := syncdata.SiteData(snap.Sites[0], ins.Items, lics.Items)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSyncCampaignsAndPhoneScopes(t *testing.T) {
	ctx := context.Background()
	w := newCampaignWorld(t)
	chief := identity.Principal{AccountID: "chief", PersonID: w.leader.ID, OrgID: w.org.ID, Roles: []identity.Role{identity.RoleChief}}
	c, err := w.svc.SaveCampaign(ctx, chief, w.plan(adminunit.Date(2023, 3, 1), adminunit.Date(2026, 12, 31)))
	if err != nil {
		t.Fatal(err)
	}
	const device = "0193a000-0000-7000-8000-000000000001"
	scopes, err := w.st.PhoneScopes(ctx, w.org.ID, w.insp.ID, device)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		syncfeed.Assignments: {syncfeed.CampaignScope(c.ID)},
		syncfeed.Visits:      {syncfeed.CampaignScope(c.ID)},
		syncfeed.Sites:       sortedStrings(syncfeed.SiteScope(w.station.ID), syncfeed.SiteScope(w.former.ID), syncfeed.SubjectScope(w.subject.ID)),
		syncfeed.Checklists:  {syncfeed.ScopeAll},
		syncfeed.Catalogue:   {syncfeed.ScopeAll},
		syncfeed.Numbers:     {syncfeed.DeviceScope(device)},
	}
	if !reflect.DeepEqual(scopes, want) {
		t.Fatalf("scopes of a team member:\n%v\nwant\n%v", scopes, want)
	}

	assignments, assignCursor := pull(t, w.st, w.org.ID, syncfeed.Assignments, scopes[syncfeed.Assignments], "")
	if got := keys(assignments); !slices.Equal(got, []string{c.ID}) {
		t.Fatalf("assignments %v, want the campaign", got)
	}
	stored, err := w.st.Campaign(ctx, w.org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	b, err := syncdata.CampaignData(stored)
	sameData(t, "campaign", assignments[c.ID], b, err)
	var got syncdata.Campaign
	if err := json.Unmarshal(assignments[c.ID].Data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "open" || len(got.Team) != 2 || len(got.Sites) != 2 || !slices.Equal(got.SubjectIDs, []string{w.subject.ID}) {
		t.Errorf("campaign data %s", assignments[c.ID].Data)
	}
	for _, s := range got.Sites {
		if (s.SiteID == w.station.ID) != (s.AssigneePersonID == w.insp.ID) {
			t.Errorf("site %s assigned to %q; only the station is the inspector's", s.SiteID, s.AssigneePersonID)
		}
	}

	sites, sitesCursor := pull(t, w.st, w.org.ID, syncfeed.Sites, scopes[syncfeed.Sites], "")
	if got, want := keys(sites), sortedStrings(w.station.ID, w.former.ID, w.subject.ID); !slices.Equal(got, want) {
		t.Fatalf("sites dataset %v, want both sites and their subject %v", got, want)
	}
	sameData(t, "station", sites[w.station.ID], siteData(t, w.st, w.org.ID, w.station.ID), nil)
	b, err = syncdata.SubjectData(w.subject)
	sameData(t, "subject", sites[w.subject.ID], b, err)

	t.Run("a person outside the team sees neither the campaign nor its sites", func(t *testing.T) {
		outsider := identity.Person{ID: clock.UUIDv7{}.NewID(), OrgID: w.org.ID, FullName: "Người ngoài đoàn", CreatedAt: time.Now()}
		if err := w.st.CreatePerson(ctx, outsider, audit.Entry{Chain: "person/" + outsider.ID, OrgID: w.org.ID, Action: "person.create", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
		theirs, err := w.st.PhoneScopes(ctx, w.org.ID, outsider.ID, device)
		if err != nil {
			t.Fatal(err)
		}
		if len(theirs[syncfeed.Assignments]) != 0 || len(theirs[syncfeed.Visits]) != 0 || len(theirs[syncfeed.Sites]) != 0 ||
			!slices.Equal(theirs[syncfeed.Catalogue], []string{syncfeed.ScopeAll}) {
			t.Fatalf("scopes of a person in no team: %v", theirs)
		}
		// Their own campaign covers the former station only; the first campaign's leader is in it too.
		plan := w.plan(adminunit.Date(2023, 5, 1), adminunit.Date(2023, 5, 31))
		plan.Number, plan.SiteIDs, plan.Assignments = "12/QĐ-TTr", []string{w.former.ID}, nil
		plan.Team = []campaign.Member{{PersonID: outsider.ID, Role: campaign.Leader}, {PersonID: w.leader.ID, Role: campaign.TeamMember}}
		other, err := w.svc.SaveCampaign(ctx, chief, plan)
		if err != nil {
			t.Fatal(err)
		}
		both, err := w.st.PhoneScopes(ctx, w.org.ID, w.leader.ID, device)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := both[syncfeed.Assignments], sortedStrings(syncfeed.CampaignScope(c.ID), syncfeed.CampaignScope(other.ID)); !slices.Equal(got, want) {
			t.Errorf("a member of two teams: assignments %v, want %v", got, want)
		}
		if got := both[syncfeed.Sites]; !slices.Equal(got, scopes[syncfeed.Sites]) {
			t.Errorf("a member of two teams: sites %v, want each site and subject once %v", got, scopes[syncfeed.Sites])
		}
		if theirs, err = w.st.PhoneScopes(ctx, w.org.ID, outsider.ID, device); err != nil {
			t.Fatal(err)
		}
		if got := theirs[syncfeed.Assignments]; !slices.Equal(got, []string{syncfeed.CampaignScope(other.ID)}) {
			t.Fatalf("assignment scopes %v", got)
		}
		a, _ := pull(t, w.st, w.org.ID, syncfeed.Assignments, theirs[syncfeed.Assignments], "")
		s, _ := pull(t, w.st, w.org.ID, syncfeed.Sites, theirs[syncfeed.Sites], "")
		if got := keys(a); !slices.Equal(got, []string{other.ID}) {
			t.Errorf("their assignments %v, want only their campaign %s", got, other.ID)
		}
		if got, want := keys(s), sortedStrings(w.former.ID, w.subject.ID); !slices.Equal(got, want) {
			t.Errorf("their sites %v, want %v (never the station %s)", got, want, w.station.ID)
		}
		mine, _ := pull(t, w.st, w.org.ID, syncfeed.Assignments, scopes[syncfeed.Assignments], "")
		if got := keys(mine); !slices.Equal(got, []string{c.ID}) {
			t.Errorf("the inspector's assignments %v include a campaign of another team", got)
		}
	})

	t.Run("a site added to the campaign resets the sites cursor and re-sends the campaign", func(t *testing.T) {
		reg := &registry.Service{Store: w.st, Clock: clock.Real{}, IDs: clock.UUIDv7{}}
		third, err := reg.CreateSite(ctx, w.admin, registry.Site{OrgID: w.org.ID, SubjectID: w.subject.ID, Type: registry.FuelStation,
			Name: "Cửa hàng xăng dầu số 3", Address: "Xã Chu Trinh", Units: []registry.SiteUnit{{UnitCode: "040"}}})
		if err != nil {
			t.Fatal(err)
		}
		// The new site is in the log, but not in the inspector's scopes yet.
		if s, _ := pull(t, w.st, w.org.ID, syncfeed.Sites, scopes[syncfeed.Sites], sitesCursor); len(s) != 0 {
			t.Fatalf("a site outside the campaigns reached the inspector: %v", keys(s))
		}
		current, err := w.st.Campaign(ctx, w.org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		current.SiteIDs = append(current.SiteIDs, third.ID)
		if _, err := w.svc.SaveCampaign(ctx, chief, current); err != nil {
			t.Fatal(err)
		}
		now, err := w.st.PhoneScopes(ctx, w.org.ID, w.insp.ID, device)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(now[syncfeed.Sites], syncfeed.SiteScope(third.ID)) {
			t.Fatalf("sites scopes %v lack the new site", now[syncfeed.Sites])
		}
		gormstore.WaitForChanges(t, w.st)
		_, err = w.st.Since(ctx, w.org.ID, syncfeed.Sites, now[syncfeed.Sites], sitesCursor, 0)
		if errs.KindOf(err) != errs.Stale || errs.CodeOf(err) != errs.CodeCursorReset {
			t.Fatalf("the old sites cursor with the new scopes: %v, want stale/%s", err, errs.CodeCursorReset)
		}
		s, _ := pull(t, w.st, w.org.ID, syncfeed.Sites, now[syncfeed.Sites], "")
		if _, ok := s[third.ID]; !ok || len(s) != 4 {
			t.Errorf("sites from the start %v, want the three sites and the subject", keys(s))
		}
		a, next := pull(t, w.st, w.org.ID, syncfeed.Assignments, now[syncfeed.Assignments], assignCursor)
		if got := keys(a); !slices.Equal(got, []string{c.ID}) || !bytes.Contains(a[c.ID].Data, []byte(`"site_id":"`+third.ID+`"`)) {
			t.Fatalf("the campaign was not sent again with its new site: %v", keys(a))
		}
		assignCursor = next
	})

	t.Run("saving the campaign unchanged sends nothing", func(t *testing.T) {
		current, err := w.st.Campaign(ctx, w.org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		slices.Reverse(current.Team) // the order of the team is not content
		if _, err := w.svc.SaveCampaign(ctx, chief, current); err != nil {
			t.Fatal(err)
		}
		if a, _ := pull(t, w.st, w.org.ID, syncfeed.Assignments, scopes[syncfeed.Assignments], assignCursor); len(a) != 0 {
			t.Errorf("an unchanged campaign was sent again: %s", a[c.ID].Data)
		}
	})

	t.Run("the conclusion reaches the team", func(t *testing.T) {
		if _, err := w.svc.Conclude(ctx, chief, w.org.ID, c.ID, campaign.Conclusion{Number: "45/KL-TTr", Date: adminunit.Date(2023, 4, 20), Summary: "Kết luận"}); err != nil {
			t.Fatal(err)
		}
		a, _ := pull(t, w.st, w.org.ID, syncfeed.Assignments, scopes[syncfeed.Assignments], assignCursor)
		var got syncdata.Campaign
		if e, ok := a[c.ID]; !ok || json.Unmarshal(e.Data, &got) != nil || got.Status != "concluded" || got.Conclusion == nil ||
			got.Conclusion.Number != "45/KL-TTr" || got.Conclusion.Date != "2023-04-20" {
			t.Fatalf("after the conclusion: %v %+v", keys(a), got)
		}
		if still, _ := w.st.PhoneScopes(ctx, w.org.ID, w.insp.ID, device); !slices.Contains(still[syncfeed.Assignments], syncfeed.CampaignScope(c.ID)) {
			t.Error("a concluded campaign left the team's scopes")
		}
	})

	t.Run("another organisation never gets this one's data", func(t *testing.T) {
		ids := &identity.Service{Store: w.st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: clock.Real{}, IDs: clock.UUIDv7{}}
		org2, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "bacninh", Name: "Sở KH&CN Bắc Ninh"})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := w.st.PhoneScopes(ctx, org2.ID, w.insp.ID, device)
		if err != nil {
			t.Fatal(err)
		}
		if len(theirs[syncfeed.Assignments]) != 0 || len(theirs[syncfeed.Sites]) != 0 {
			t.Errorf("scopes in another organisation: %v", theirs)
		}
		for _, d := range []string{syncfeed.Assignments, syncfeed.Sites} {
			if got, _ := pull(t, w.st, org2.ID, d, scopes[d], ""); len(got) != 0 {
				t.Errorf("%s of another organisation with this one's scopes: %v", d, keys(got))
			}
		}
	})
}

func TestSyncRegistrySendsWholeSites(t *testing.T) {
	ctx := context.Background()
	w := newCampaignWorld(t)
	reg := &registry.Service{Store: w.st, Clock: clock.Real{}, IDs: clock.UUIDv7{}}
	scopes := []string{syncfeed.SiteScope(w.station.ID), syncfeed.SiteScope(w.former.ID), syncfeed.SubjectScope(w.subject.ID)}
	all, cursor := pull(t, w.st, w.org.ID, syncfeed.Sites, scopes, "")
	if len(all) != 3 {
		t.Fatalf("registry after creation: %v", keys(all))
	}
	// step pulls what changed since the last step and checks it is exactly the entities named, each as
	// the store reads it back.
	step := func(t *testing.T, wantIDs ...string) map[string]syncfeed.Entry {
		t.Helper()
		got, next := pull(t, w.st, w.org.ID, syncfeed.Sites, scopes, cursor)
		cursor = next
		if !slices.Equal(keys(got), sortedStrings(wantIDs...)) {
			t.Fatalf("changed %v, want %v", keys(got), sortedStrings(wantIDs...))
		}
		for id, e := range got {
			if e.EntityType == syncfeed.EntitySite {
				sameData(t, "site "+id, e, siteData(t, w.st, w.org.ID, id), nil)
			}
		}
		return got
	}

	var dispenser registry.Instrument
	t.Run("an instrument sends its site", func(t *testing.T) {
		var err error
		dispenser, err = reg.CreateInstrument(ctx, w.admin, registry.Instrument{OrgID: w.org.ID, SiteID: w.station.ID, Kind: registry.FuelDispenser,
			Serial: "cd-001", SealState: registry.SealIntact, VerificationExpiry: adminunit.Date(2026, 1, 31)})
		if err != nil {
			t.Fatal(err)
		}
		got := step(t, w.station.ID)
		if !bytes.Contains(got[w.station.ID].Data, []byte(`"serial":"CD-001"`)) {
			t.Errorf("station %s", got[w.station.ID].Data)
		}
	})
	t.Run("a licence sends its site", func(t *testing.T) {
		if _, err := reg.CreateLicence(ctx, w.admin, registry.Licence{OrgID: w.org.ID, SiteID: w.station.ID,
			Kind: registry.StationEligibilityCertificate, Number: "15/GCN-SCT", Issued: adminunit.Date(2021, 5, 4)}); err != nil {
			t.Fatal(err)
		}
		got := step(t, w.station.ID)
		if !bytes.Contains(got[w.station.ID].Data, []byte(`"number":"15/GCN-SCT"`)) || !bytes.Contains(got[w.station.ID].Data, []byte("CD-001")) {
			t.Errorf("station %s", got[w.station.ID].Data)
		}
	})
	t.Run("an instrument that moves sends both sites", func(t *testing.T) {
		moved := dispenser
		moved.SiteID = w.former.ID
		if _, err := reg.UpdateInstrument(ctx, w.admin, moved); err != nil {
			t.Fatal(err)
		}
		got := step(t, w.station.ID, w.former.ID)
		if bytes.Contains(got[w.station.ID].Data, []byte("CD-001")) || !bytes.Contains(got[w.former.ID].Data, []byte("CD-001")) {
			t.Errorf("after the move: station %s, former %s", got[w.station.ID].Data, got[w.former.ID].Data)
		}
	})
	t.Run("a subject sends itself only", func(t *testing.T) {
		s := w.subject
		s.Phone = "0206 3852 123"
		updated, err := reg.UpdateSubject(ctx, w.admin, s)
		if err != nil {
			t.Fatal(err)
		}
		got := step(t, w.subject.ID)
		b, err := syncdata.SubjectData(updated)
		sameData(t, "subject", got[w.subject.ID], b, err)
	})
	t.Run("a site sends itself with its instruments and licences", func(t *testing.T) {
		s := w.station
		s.Name = "Cửa hàng xăng dầu số 1 (đổi tên)"
		if _, err := reg.UpdateSite(ctx, w.admin, s); err != nil {
			t.Fatal(err)
		}
		got := step(t, w.station.ID)
		if !bytes.Contains(got[w.station.ID].Data, []byte("15/GCN-SCT")) {
			t.Errorf("the renamed station lost its licence: %s", got[w.station.ID].Data)
		}
	})
	t.Run("a site of another campaign's scope is not sent here", func(t *testing.T) {
		if _, err := reg.CreateSite(ctx, w.admin, registry.Site{OrgID: w.org.ID, SubjectID: w.subject.ID, Type: registry.Market,
			Name: "Chợ Xanh", Address: "Phường Hợp Giang"}); err != nil {
			t.Fatal(err)
		}
		step(t)
	})
}

func TestSyncChecklistsRecordedOnce(t *testing.T) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	svc := &checklist.Service{Store: st, Clock: c}
	if _, err := svc.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	all := []string{syncfeed.ScopeAll}
	got, cursor := pull(t, st, "any-organisation", syncfeed.Checklists, all, "")
	if want := []string{"fuel-station@1", "market@1", "xray-facility@1"}; !slices.Equal(keys(got), want) {
		t.Fatalf("checklists %v, want %v", keys(got), want)
	}
	for id, e := range got {
		p, err := st.ChecklistVersion(ctx, e.EntityID[:len(e.EntityID)-2], 1)
		if err != nil {
			t.Fatal(err)
		}
		b, err := syncdata.ChecklistData(p)
		sameData(t, id, e, b, err)
		if e.OrgID != syncfeed.OrgShared || e.Scope != syncfeed.ScopeAll {
			t.Errorf("%s recorded for %s in %s", id, e.OrgID, e.Scope)
		}
	}

	c.Advance(time.Hour)
	if _, err := svc.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if again, _ := pull(t, st, "any-organisation", syncfeed.Checklists, all, cursor); len(again) != 0 {
		t.Fatalf("the second start sent %v again", keys(again))
	}
	doc := checklistDoc("test-code", 1, "Có giấy chứng nhận?", "fuel_station")
	if _, created, err := publishChecklist(t, st, c.Now(), doc); err != nil || !created {
		t.Fatalf("publish: %v", err)
	}
	got, cursor = pull(t, st, "another-organisation", syncfeed.Checklists, all, cursor)
	if !slices.Equal(keys(got), []string{"test-code@1"}) {
		t.Fatalf("after publishing: %v", keys(got))
	}
	if _, created, err := publishChecklist(t, st, c.Now().Add(time.Hour), doc); err != nil || created {
		t.Fatalf("republish: %v %v", created, err)
	}
	if again, _ := pull(t, st, "any-organisation", syncfeed.Checklists, all, cursor); len(again) != 0 {
		t.Fatalf("republishing sent %v again", keys(again))
	}
}

func TestSyncCatalogue(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	all := []string{syncfeed.ScopeAll}
	// catalogueData is the data of an entry as the store reads it back.
	catalogueData := func(code string) []byte {
		b, err := syncdata.ViolationData(code, f.catalogue(t).Versions(code))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	got, cursor := pull(t, f.store, "any-organisation", syncfeed.Catalogue, all, "")
	codes := map[string]bool{}
	for _, v := range f.seed.Violations {
		codes[v.Code] = true
	}
	// The decrees the entries cite come with them (a record's document prints them).
	decrees := map[string]legal.Decree{}
	for _, d := range f.seed.Decrees {
		decrees[d.Number] = d
	}
	if len(got) != len(codes)+len(decrees) || len(codes) == 0 || len(decrees) == 0 {
		t.Fatalf("%d entries, want the seed's %d codes and %d decrees", len(got), len(codes), len(decrees))
	}
	for id, e := range got {
		if e.OrgID != syncfeed.OrgShared {
			t.Errorf("entry %s of %s", id, e.OrgID)
		}
		switch e.EntityType {
		case syncfeed.EntityViolation:
			if !codes[id] {
				t.Errorf("entry %s is not of the seed", id)
			}
			sameData(t, id, e, catalogueData(id), nil)
		case syncfeed.EntityDecree:
			d, ok := decrees[id]
			if !ok {
				t.Errorf("decree %s is not of the seed", id)
			}
			b, err := syncdata.DecreeData(d)
			sameData(t, id, e, b, err)
		default:
			t.Errorf("%s %s in the catalogue", e.EntityType, id)
		}
	}

	t.Run("loading the seed again at the next start sends nothing", func(t *testing.T) {
		f.clock.Advance(24 * time.Hour)
		if _, err := f.store.LoadLegalSeed(ctx, f.seed); err != nil {
			t.Fatal(err)
		}
		if again, _ := pull(t, f.store, "any-organisation", syncfeed.Catalogue, all, cursor); len(again) != 0 {
			t.Fatalf("the reseed sent %v", keys(again))
		}
	})
	t.Run("a new version sends the entry with both versions", func(t *testing.T) {
		code := "MEAS-119-09-2A"
		if _, err := f.svc.UpsertViolation(ctx, legalAdmin, legalReplacement(t, f.catalogue(t), legal.NewDate(2026, 7, 1), 3_000_000, 6_000_000)); err != nil {
			t.Fatal(err)
		}
		var got map[string]syncfeed.Entry
		got, cursor = pull(t, f.store, "any-organisation", syncfeed.Catalogue, all, cursor)
		if !slices.Equal(keys(got), []string{code}) {
			t.Fatalf("changed %v", keys(got))
		}
		sameData(t, code, got[code], catalogueData(code), nil)
		var v syncdata.Violation
		if err := json.Unmarshal(got[code].Data, &v); err != nil || len(v.Versions) != 2 || v.Versions[0].ValidTo == nil ||
			*v.Versions[0].ValidTo != "2026-07-01" || v.Versions[0].ReplacedBy == nil || *v.Versions[0].ReplacedBy != v.Versions[1].ID {
			t.Errorf("entry %s", got[code].Data)
		}
		if _, err := f.store.LoadLegalSeed(ctx, f.seed); err != nil {
			t.Fatal(err)
		}
		if again, _ := pull(t, f.store, "any-organisation", syncfeed.Catalogue, all, cursor); len(again) != 0 {
			t.Fatalf("the reseed after an edit sent %v", keys(again))
		}
	})
	t.Run("a missing range entered sends the entry with it, confirmed", func(t *testing.T) {
		code := "RAD-107-06-XRAY"
		xray, err := f.catalogue(t).ViolationAt(code, legal.NewDate(2026, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(catalogueData(code), []byte(`"range_missing":true`)) {
			t.Fatalf("%s has its range already: the test needs another entry", code)
		}
		if _, err := f.svc.SetMissingRange(ctx, legalAdmin, legal.RangeInput{VersionID: xray.ID, Min: 10_000_000, Max: 20_000_000,
			Confirmed: true, Source: "kiểm thử"}); err != nil {
			t.Fatal(err)
		}
		got, _ := pull(t, f.store, "another-organisation", syncfeed.Catalogue, all, cursor)
		if !slices.Equal(keys(got), []string{code}) {
			t.Fatalf("changed %v", keys(got))
		}
		sameData(t, code, got[code], catalogueData(code), nil)
		if d := got[code].Data; !bytes.Contains(d, []byte(`"min":10000000,"max":20000000`)) || !bytes.Contains(d, []byte(`"range_missing":false`)) ||
			!bytes.Contains(d, []byte(`"confirmed":true`)) {
			t.Errorf("entry %s", d)
		}
	})
}

func TestSyncNumberBlocks(t *testing.T) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	org, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	admin := identity.Principal{AccountID: "admin", OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	reg := &registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	unit, err := reg.CreateIssuingUnit(ctx, admin, registry.IssuingUnit{OrgID: org.ID, Code: "TTR", Name: "Thanh tra Sở"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.CreateIssuingUnit(ctx, admin, registry.IssuingUnit{OrgID: org.ID, Code: "CCTDC", Name: "Chi cục (giải thể)",
		ValidTo: adminunit.Date(2025, 12, 31)}); err != nil {
		t.Fatal(err)
	}
	if units, err := st.IssuingUnitIDs(ctx, org.ID); err != nil || !slices.Equal(units, []string{unit.ID}) {
		t.Fatalf("issuing units in force %v, %v; want only %s", units, err, unit.ID)
	}
	acct, err := ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: org.ID, FullName: "Nông Văn Minh", Login: "inspector1",
		Password: "long-enough-pw", Roles: []identity.Role{identity.RoleInspector}})
	if err != nil {
		t.Fatal(err)
	}
	phone := func(name string) identity.Principal {
		d, err := st.RegisterDevice(ctx, identity.Device{ID: clock.UUIDv7{}.NewID(), OrgID: org.ID, AccountID: acct.ID, ClientID: name,
			Platform: "android", CreatedAt: c.Now(), LastSeenAt: c.Now()})
		if err != nil {
			t.Fatal(err)
		}
		return identity.Principal{AccountID: acct.ID, PersonID: acct.PersonID, OrgID: org.ID, DeviceID: d.ID, Roles: acct.Roles}
	}
	a, b := phone("phone-a"), phone("phone-b")
	scopesOf := func(p identity.Principal) []string {
		s, err := st.PhoneScopes(ctx, org.ID, p.PersonID, p.DeviceID)
		if err != nil {
			t.Fatal(err)
		}
		return s[syncfeed.Numbers]
	}
	svc := &numbering.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	series := numbering.Series{OrgID: org.ID, IssuingUnitID: unit.ID, Year: 2026}
	blocks, _, err := svc.TopUp(ctx, a, series)
	if err != nil || len(blocks) != 1 {
		t.Fatalf("top-up: %v %v", blocks, err)
	}
	got, cursor := pull(t, st, org.ID, syncfeed.Numbers, scopesOf(a), "")
	if !slices.Equal(keys(got), []string{blocks[0].ID}) {
		t.Fatalf("phone A's blocks %v, want %s", keys(got), blocks[0].ID)
	}
	want := `{"issuing_unit_id":"` + unit.ID + `","issuing_unit_name":"Thanh tra Sở","organisation_name":"Cao Bằng","year":2026,"first":1,"last":20,"reserved_at":"2026-03-02T01:00:00Z","marks":[]}`
	if string(got[blocks[0].ID].Data) != want {
		t.Errorf("block %s, want %s", got[blocks[0].ID].Data, want)
	}
	if other, _ := pull(t, st, org.ID, syncfeed.Numbers, scopesOf(b), ""); len(other) != 0 {
		t.Errorf("phone B got phone A's blocks: %v", keys(other))
	}

	if err := svc.Mark(ctx, a, numbering.Mark{Series: series, Number: 2, State: numbering.Voided, Reason: "viết hỏng"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Mark(ctx, a, numbering.Mark{Series: series, Number: 1, State: numbering.Used, EntityID: "record-1"}); err != nil {
		t.Fatal(err)
	}
	got, cursor = pull(t, st, org.ID, syncfeed.Numbers, scopesOf(a), cursor)
	if want := `"marks":[{"number":1,"state":"used","entity_id":"record-1"},{"number":2,"state":"voided","reason":"viết hỏng"}]`; len(got) != 1 ||
		!bytes.Contains(got[blocks[0].ID].Data, []byte(want)) {
		t.Fatalf("after marking: %v %s", keys(got), got[blocks[0].ID].Data)
	}
	if err := svc.Mark(ctx, a, numbering.Mark{Series: series, Number: 1, State: numbering.Used, EntityID: "record-1"}); err != nil {
		t.Fatalf("a retried mark: %v", err)
	}
	if again, _ := pull(t, st, org.ID, syncfeed.Numbers, scopesOf(a), cursor); len(again) != 0 {
		t.Errorf("a retried mark sent the block again")
	}
	if theirs, _ := pull(t, st, "another-organisation", syncfeed.Numbers, scopesOf(a), ""); len(theirs) != 0 {
		t.Errorf("another organisation got the blocks: %v", keys(theirs))
	}

	// A renamed unit's blocks go to their phones again with the new name; an update that keeps the
	// name sends nothing.
	unit.Name = "Thanh tra Sở Khoa học và Công nghệ"
	if unit, err = reg.UpdateIssuingUnit(ctx, admin, unit); err != nil {
		t.Fatal(err)
	}
	got, cursor = pull(t, st, org.ID, syncfeed.Numbers, scopesOf(a), cursor)
	if len(got) != 1 || !bytes.Contains(got[blocks[0].ID].Data, []byte(`"issuing_unit_name":"Thanh tra Sở Khoa học và Công nghệ"`)) {
		t.Fatalf("after renaming the unit: %v %s", keys(got), got[blocks[0].ID].Data)
	}
	if _, err := reg.UpdateIssuingUnit(ctx, admin, unit); err != nil {
		t.Fatal(err)
	}
	if again, _ := pull(t, st, org.ID, syncfeed.Numbers, scopesOf(a), cursor); len(again) != 0 {
		t.Errorf("an update without a new name sent %v", keys(again))
	}
}

// BenchmarkPhoneScopes measures the scope look-up every pull makes, for an inspector in 10 of an
// organisation's 40 campaigns of 8 sites each (go test -bench PhoneScopes ./server/gormstore/).
func BenchmarkPhoneScopes(b *testing.B) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(b, storetest.Options{Clock: c})
	idsvc := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	org, err := idsvc.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Cao Bằng"})
	if err != nil {
		b.Fatal(err)
	}
	admin := identity.Principal{AccountID: "admin", OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	people := make([]identity.Person, 8)
	for i := range people {
		people[i] = identity.Person{ID: clock.UUIDv7{}.NewID(), OrgID: org.ID, FullName: "Cán bộ", CreatedAt: c.Now()}
		if err := st.CreatePerson(ctx, people[i], audit.Entry{Chain: "person/" + people[i].ID, OrgID: org.ID, Action: "person.create", At: c.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	reg := &registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	svc := &campaign.Service{Store: st, Registry: st, Checklists: st, Clock: c, IDs: clock.UUIDv7{}}
	for i := range 40 {
		subject, err := reg.CreateSubject(ctx, admin, registry.Subject{OrgID: org.ID, Kind: registry.Individual, Name: "Hộ kinh doanh",
			IDNumber: "0012340000" + string(rune('0'+i/10)) + string(rune('0'+i%10))})
		if err != nil {
			b.Fatal(err)
		}
		var sites []string
		for j := range 8 {
			s, err := reg.CreateSite(ctx, admin, registry.Site{OrgID: org.ID, SubjectID: subject.ID, Type: registry.Shop, Name: "Cửa hàng",
				Address: "Số " + string(rune('A'+j)) + " chợ " + subject.ID})
			if err != nil {
				b.Fatal(err)
			}
			sites = append(sites, s.ID)
		}
		team := []campaign.Member{{PersonID: people[i%4].ID, Role: campaign.Leader}, {PersonID: people[4+i%4].ID, Role: campaign.TeamMember}}
		if _, err := svc.SaveCampaign(ctx, admin, campaign.Campaign{OrgID: org.ID, Number: "KH-" + subject.ID, DecisionDate: adminunit.Date(2026, 1, 5),
			Title: "Kiểm tra", Kind: campaign.Check, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Market},
			PeriodFrom: adminunit.Date(2026, 2, 1), PeriodTo: adminunit.Date(2026, 12, 31), Team: team,
			SubjectIDs: []string{subject.ID}, SiteIDs: sites}); err != nil {
			b.Fatal(err)
		}
	}
	scopes, err := st.PhoneScopes(ctx, org.ID, people[4].ID, "device")
	if err != nil || len(scopes[syncfeed.Assignments]) != 10 || len(scopes[syncfeed.Sites]) != 90 {
		b.Fatalf("scopes: %d campaigns, %d sites and subjects, %v", len(scopes[syncfeed.Assignments]), len(scopes[syncfeed.Sites]), err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := st.PhoneScopes(ctx, org.ID, people[4].ID, "device"); err != nil {
			b.Fatal(err)
		}
	}
}
