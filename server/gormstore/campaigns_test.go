package gormstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// campaignWorld is one organisation with its units, a subject with two stations, a team of two and
// the published checklists.
type campaignWorld struct {
	st              *gormstore.Store
	svc             *campaign.Service
	org             identity.Organisation
	leader, insp    identity.Person
	subject         registry.Subject
	station, former registry.Site // former: only in a district abolished on 1 July 2025
	admin           identity.Principal
}

func newCampaignWorld(t *testing.T) *campaignWorld {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2023, 2, 20, 8, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	w := &campaignWorld{st: st}
	var err error
	if w.org, err = ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở KH&CN Cao Bằng"}); err != nil {
		t.Fatal(err)
	}
	w.admin = identity.Principal{AccountID: "admin", OrgID: w.org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	for _, p := range []*identity.Person{&w.leader, &w.insp} {
		*p = identity.Person{ID: clock.UUIDv7{}.NewID(), OrgID: w.org.ID, FullName: "Cán bộ", CreatedAt: c.Now()}
		if err := st.CreatePerson(ctx, *p, audit.Entry{Chain: "person/" + p.ID, OrgID: w.org.ID, Action: "person.create", At: c.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&adminunit.Service{Store: st, Clock: c}).Seed(ctx, w.admin, w.org.ID, seed); err != nil {
		t.Fatal(err)
	}
	reg := &registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	if w.subject, err = reg.CreateSubject(ctx, w.admin, registry.Subject{OrgID: w.org.ID, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu Cao Bằng", TaxCode: "4800100001", Address: "Phường Hợp Giang, TP Cao Bằng"}); err != nil {
		t.Fatal(err)
	}
	if w.station, err = reg.CreateSite(ctx, w.admin, registry.Site{OrgID: w.org.ID, SubjectID: w.subject.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu số 1", Address: "Tổ 5, phường Sông Hiến",
		Units: []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}}); err != nil {
		t.Fatal(err)
	}
	if w.former, err = reg.CreateSite(ctx, w.admin, registry.Site{OrgID: w.org.ID, SubjectID: w.subject.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu Quảng Uyên", Address: "Thị trấn Quảng Uyên", Units: []registry.SiteUnit{{UnitCode: "049", ValidTo: adminunit.Date(2025, 6, 30)}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := (&checklist.Service{Store: st, Clock: c}).Seed(ctx); err != nil {
		t.Fatal(err)
	}
	w.svc = &campaign.Service{Store: st, Registry: st, Checklists: st, Clock: c, IDs: clock.UUIDv7{}}
	return w
}

func (w *campaignWorld) plan(from, to time.Time) campaign.Campaign {
	return campaign.Campaign{OrgID: w.org.ID, Number: "277/KH-SKHCN", DecisionDate: adminunit.Date(2023, 2, 20),
		Title: "Thanh tra chuyên ngành đo lường, chất lượng xăng dầu", Kind: campaign.Inspection, Origin: campaign.Planned,
		Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: from, PeriodTo: to,
		Team:       []campaign.Member{{PersonID: w.leader.ID, Role: campaign.Leader}, {PersonID: w.insp.ID, Role: campaign.TeamMember}},
		SubjectIDs: []string{w.subject.ID}, SiteIDs: []string{w.station.ID, w.former.ID},
		Assignments: []campaign.Assignment{{SiteID: w.station.ID, PersonID: w.insp.ID}}}
}

func TestCampaignsStored(t *testing.T) {
	ctx := context.Background()
	w := newCampaignWorld(t)
	chief := identity.Principal{AccountID: "chief", PersonID: w.leader.ID, OrgID: w.org.ID, Roles: []identity.Role{identity.RoleChief}}
	c, err := w.svc.SaveCampaign(ctx, chief, w.plan(adminunit.Date(2023, 3, 1), adminunit.Date(2026, 12, 31)))
	if err != nil {
		t.Fatal(err)
	}
	got, err := w.st.Campaign(ctx, w.org.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Number != c.Number || !got.DecisionDate.Equal(c.DecisionDate) || !got.PeriodTo.Equal(c.PeriodTo) || got.LeaderID() != w.leader.ID ||
		len(got.SiteIDs) != 2 || len(got.Assignments) != 1 || got.Assignments[0].PersonID != w.insp.ID || got.Sectors[0] != campaign.Fuel {
		t.Fatalf("read back %+v", got)
	}
	t.Run("another organisation cannot see it", func(t *testing.T) {
		if _, err := w.st.Campaign(ctx, "another-org", c.ID); errs.CodeOf(err) != errs.CodeCampaignNotFound {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("lists filter by person, year and sector", func(t *testing.T) {
		for _, tc := range []struct {
			f    campaign.Filter
			want int
		}{{campaign.Filter{PersonID: w.insp.ID}, 1}, {campaign.Filter{PersonID: "nobody"}, 0},
			{campaign.Filter{Year: 2023, Sector: campaign.Fuel}, 1}, {campaign.Filter{Year: 2022}, 0}, {campaign.Filter{Sector: campaign.Radiation}, 0}} {
			cs, total, err := w.st.ListCampaigns(ctx, w.org.ID, tc.f, paging.Page{})
			if err != nil || total != tc.want || len(cs) != tc.want {
				t.Errorf("%+v: %d/%d %v", tc.f, len(cs), total, err)
			}
		}
	})
	t.Run("visits resolve the unit as of their date", func(t *testing.T) {
		base := campaign.Visit{OrgID: w.org.ID, CampaignID: c.ID, LeaderPersonID: w.leader.ID, ChecklistCode: "fuel-station", ChecklistVersion: 1}
		v := base
		v.SiteID, v.Date = w.station.ID, adminunit.Date(2023, 3, 15)
		v, err := w.svc.CreateVisit(ctx, chief, v)
		if err != nil {
			t.Fatal(err)
		}
		if v.UnitCode != "040" {
			t.Fatalf("unit in 2023: %s", v.UnitCode)
		}
		after := base
		after.SiteID, after.Date = w.station.ID, adminunit.Date(2025, 9, 1)
		if after, err = w.svc.CreateVisit(ctx, chief, after); err != nil || after.UnitCode != "local-phuong-thuc-phan" {
			t.Fatalf("unit after the reform: %v %s", err, after.UnitCode)
		}
		gone := base
		gone.SiteID, gone.Date = w.former.ID, adminunit.Date(2026, 1, 5)
		_, err = w.svc.CreateVisit(ctx, chief, gone)
		if fields := errs.FieldsOf(err); len(fields) != 1 || fields[0].Field != "site_id" || fields[0].Code != errs.CodeUnitNotInForce {
			t.Fatalf("a site in a unit that no longer existed: %v", err)
		}
		unknown := base
		unknown.SiteID, unknown.Date, unknown.ChecklistVersion = w.station.ID, adminunit.Date(2023, 3, 16), 99
		if _, err := w.svc.CreateVisit(ctx, chief, unknown); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("an unpublished checklist version: %v", err)
		}
		if _, err := w.svc.MoveVisit(ctx, chief, w.org.ID, v.ID, campaign.VisitInProgress); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.MoveVisit(ctx, chief, w.org.ID, v.ID, campaign.VisitWaitingLab); err != nil {
			t.Fatal(err)
		}
		if _, err := w.svc.MoveVisit(ctx, chief, w.org.ID, v.ID, campaign.VisitPlanned); errs.CodeOf(err) != errs.CodeVisitStatus {
			t.Fatalf("illegal move: %v", err)
		}
		err = w.st.MoveVisit(ctx, w.org.ID, v.ID, campaign.VisitInProgress, campaign.VisitCompleted, time.Now(), audit.Entry{Chain: "x", Action: "x"})
		if errs.CodeOf(err) != errs.CodeVisitStatus {
			t.Fatalf("a stale status must not win: %v", err)
		}
		vs, total, err := w.st.ListVisits(ctx, w.org.ID, campaign.VisitFilter{CampaignID: c.ID, Status: campaign.VisitWaitingLab}, paging.Page{})
		if err != nil || total != 1 || vs[0].ID != v.ID {
			t.Fatalf("visits waiting for the lab: %v %d", err, total)
		}
	})
	t.Run("an outsider of the team cannot record a visit", func(t *testing.T) {
		outsider := identity.Principal{AccountID: "x", PersonID: "someone-else", OrgID: w.org.ID, Roles: []identity.Role{identity.RoleInspector}}
		v := campaign.Visit{OrgID: w.org.ID, CampaignID: c.ID, SiteID: w.station.ID, Date: adminunit.Date(2023, 4, 1), ChecklistCode: "fuel-station", ChecklistVersion: 1}
		if _, err := w.svc.CreateVisit(ctx, outsider, v); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("got %v", err)
		}
		member := identity.Principal{AccountID: "y", PersonID: w.insp.ID, OrgID: w.org.ID, Roles: []identity.Role{identity.RoleInspector}}
		if _, err := w.svc.CreateVisit(ctx, member, v); err != nil {
			t.Fatalf("a team member records visits: %v", err)
		}
	})
	t.Run("conclusion closes the campaign", func(t *testing.T) {
		done, err := w.svc.Conclude(ctx, chief, w.org.ID, c.ID, campaign.Conclusion{Number: "45/KL-TTr", Date: adminunit.Date(2023, 4, 20), Summary: "Kết luận"})
		if err != nil || done.Status() != campaign.Concluded {
			t.Fatalf("conclude: %v", err)
		}
		back, _ := w.st.Campaign(ctx, w.org.ID, c.ID)
		if back.Conclusion == nil || back.Conclusion.Number != "45/KL-TTr" || !back.Conclusion.Date.Equal(adminunit.Date(2023, 4, 20)) {
			t.Fatalf("conclusion read back: %+v", back.Conclusion)
		}
		if _, err := w.svc.SaveCampaign(ctx, chief, back); errs.CodeOf(err) != errs.CodeCampaignConcluded {
			t.Fatalf("a concluded campaign changed: %v", err)
		}
		open := false
		if cs, _, _ := w.st.ListCampaigns(ctx, w.org.ID, campaign.Filter{Open: &open}, paging.Page{}); len(cs) != 1 {
			t.Fatal("concluded filter")
		}
	})
	t.Run("targets and titles", func(t *testing.T) {
		director := identity.Principal{AccountID: "d", OrgID: w.org.ID, Roles: []identity.Role{identity.RoleDirector}}
		tg := campaign.Target{OrgID: w.org.ID, Year: 2023, Sector: campaign.Market, Metric: campaign.MetricInstrumentsChecked, Value: 1268}
		if err := w.svc.SetTarget(ctx, director, tg); err != nil {
			t.Fatal(err)
		}
		tg.Value = 1300
		if err := w.svc.SetTarget(ctx, director, tg); err != nil {
			t.Fatal(err)
		}
		if err := w.svc.SetTarget(ctx, chief, tg); errs.KindOf(err) != errs.Forbidden {
			t.Fatalf("a chief sets the plan: %v", err)
		}
		ts, err := w.st.Targets(ctx, w.org.ID, 2023)
		if err != nil || len(ts) != 1 || ts[0].Value != 1300 {
			t.Fatalf("targets %v %v", ts, err)
		}
		ids := &identity.Service{Store: w.st, Clock: clock.Real{}, IDs: clock.UUIDv7{}}
		if _, err := ids.AddTitle(ctx, w.admin, w.st, identity.Title{OrgID: w.org.ID, PersonID: w.leader.ID, Code: "chanh_thanh_tra_so", ValidFrom: adminunit.Date(2020, 1, 1), ValidTo: adminunit.Date(2025, 6, 30)}); err != nil {
			t.Fatal(err)
		}
		titles, err := w.st.PersonTitles(ctx, w.org.ID, w.leader.ID)
		if err != nil || len(identity.TitlesOn(titles, adminunit.Date(2024, 5, 1))) != 1 || len(identity.TitlesOn(titles, adminunit.Date(2025, 7, 1))) != 0 {
			t.Fatalf("titles %v %v", titles, err)
		}
	})
	rep, err := audit.Verify(ctx, w.st)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %v %v", err, rep.Problems)
	}
}

func TestCampaignNamesUnknownSubjectsAndPeople(t *testing.T) {
	ctx := context.Background()
	w := newCampaignWorld(t)
	c := w.plan(adminunit.Date(2023, 3, 1), adminunit.Date(2023, 3, 31))
	c.SubjectIDs = append(c.SubjectIDs, "0190a000-0000-7000-8000-000000000001")
	c.Team = append(c.Team, campaign.Member{PersonID: "0190a000-0000-7000-8000-000000000002", Role: campaign.TeamMember})
	_, err := w.svc.SaveCampaign(ctx, w.admin, c)
	got := map[string]errs.Code{}
	for _, f := range errs.FieldsOf(err) {
		got[f.Field] = f.Code
	}
	if got["subject_ids[1]"] != errs.CodeSubjectNotFound || got["team[2].person_id"] != errs.CodePersonNotFound || len(got) != 2 {
		t.Fatalf("got %v (%v)", got, err)
	}
}

func TestCampaignListOrder(t *testing.T) {
	ctx := context.Background()
	w := newCampaignWorld(t)
	for _, n := range []struct {
		number string
		day    int
	}{{"300/KH-SKHCN", 10}, {"100/KH-SKHCN", 20}, {"200/KH-SKHCN", 5}} {
		c := w.plan(adminunit.Date(2023, 3, 1), adminunit.Date(2023, 3, 31))
		c.Number, c.DecisionDate = n.number, adminunit.Date(2023, 2, n.day)
		if _, err := w.svc.SaveCampaign(ctx, w.admin, c); err != nil {
			t.Fatal(err)
		}
	}
	for sort, want := range map[string]string{"": "100,300,200", "decision_date": "200,300,100", "number": "100,200,300", "-number": "300,200,100"} {
		cs, _, err := w.st.ListCampaigns(ctx, w.org.ID, campaign.Filter{Sort: sort}, paging.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Number[:3])
		}
		if strings.Join(got, ",") != want {
			t.Errorf("sort %q: %v, want %s", sort, got, want)
		}
	}
}
