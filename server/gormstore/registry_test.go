package gormstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

func caoBangSeed(t testing.TB) adminunit.Seed {
	t.Helper()
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	return seed
}

type registryFixture struct {
	st     *gormstore.Store
	svc    *registry.Service
	orgA   string
	orgB   string
	adminA identity.Principal
}

func newRegistryFixture(t *testing.T) *registryFixture {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: testHasher, Clock: c, IDs: clock.UUIDv7{}}
	f := &registryFixture{st: st, svc: &registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}}
	for i, code := range []string{"caobang", "backan"} {
		org, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: code, Name: code})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.SeedAdminUnits(ctx, org.ID, caoBangSeed(t), audit.Entry{ActorAccountID: "cli", At: c.Now()}); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			f.orgA = org.ID
		} else {
			f.orgB = org.ID
		}
	}
	f.adminA = identity.Principal{AccountID: "admin", OrgID: f.orgA, Roles: []identity.Role{identity.RoleOrgAdmin}}
	return f
}

func TestSeedAdminUnits(t *testing.T) {
	ctx := context.Background()
	st := storetest.NewDB(t)
	org := identity.Organisation{ID: "org-1", Code: "caobang", Name: "Cao Bằng", CreatedAt: time.Now()}
	if err := st.CreateOrganisation(ctx, org, audit.Entry{Chain: "organisation/org-1", Action: "organisation.create", At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	seed := caoBangSeed(t)
	seed.Successions = []adminunit.Succession{{FromCode: "049", ToCode: "local-xa-phuc-hoa", On: adminunit.Date(2025, 7, 1)}}
	by := audit.Entry{ActorAccountID: "cli", At: time.Now()}
	first, err := st.SeedAdminUnits(ctx, org.ID, seed, by)
	if err != nil {
		t.Fatal(err)
	}
	if first != (adminunit.SeedResult{Created: 52, SuccessionsCreated: 1}) {
		t.Fatalf("first seeding %+v", first)
	}
	second, err := st.SeedAdminUnits(ctx, org.ID, seed, by)
	if err != nil {
		t.Fatal(err)
	}
	if second != (adminunit.SeedResult{Unchanged: 52}) {
		t.Fatalf("second seeding %+v, want everything unchanged", second)
	}
	units, succ, err := st.AdminUnits(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := adminunit.Resolve(units, "049", adminunit.Date(2025, 6, 30))
	if err != nil || u.ParentCode != "04" || !u.Confirmed || !u.ValidTo.Equal(adminunit.Date(2025, 6, 30)) {
		t.Fatalf("049 on 2025-06-30: %+v, %v", u, err)
	}
	if _, err := adminunit.Resolve(units, "049", adminunit.Date(2025, 7, 1)); errs.CodeOf(err) != errs.CodeUnitNotInForce {
		t.Fatalf("049 on 2025-07-01: %v", err)
	}
	if s := adminunit.Successors(succ, "049"); len(s) != 1 || s[0].ToCode != "local-xa-phuc-hoa" || !s[0].On.Equal(adminunit.Date(2025, 7, 1)) {
		t.Fatalf("successors of 049: %+v", s)
	}
	if p := adminunit.Predecessors(succ, "local-xa-phuc-hoa"); len(p) != 1 || p[0].FromCode != "049" {
		t.Fatalf("predecessors of Phục Hòa: %+v", p)
	}
	if _, err := st.SeedAdminUnits(ctx, "no-such-org", seed, by); errs.CodeOf(err) != errs.CodeOrganisationNotFound {
		t.Fatalf("seeding an unknown organisation: %v", err)
	}
	bad := caoBangSeed(t)
	bad.Units[1].ValidTo = adminunit.Date(2030, 1, 1) // 040 would overlap nothing, but its parent …
	bad.Units[1].ParentCode = "local-xa-phuc-hoa"     // … must be a level above
	if _, err := st.SeedAdminUnits(ctx, org.ID, bad, by); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("a bad seed: %v", err)
	}
	rep, err := audit.Verify(ctx, st)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %+v, %v", rep, err)
	}
}

// TestRegistryForeignKeysStayInOrganisation writes, past the service's checks, a site of
// organisation B that names organisation A's subject: the composite foreign key refuses it.
func TestRegistryForeignKeysStayInOrganisation(t *testing.T) {
	f := newRegistryFixture(t)
	ctx := context.Background()
	a, err := f.svc.CreateSubject(ctx, f.adminA, registry.Subject{OrgID: f.orgA, Kind: registry.Organisation, Name: "Công ty A", TaxCode: "4800123456"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = f.st.ChangeRegistry(ctx, f.orgB, registry.Lookup{}, func(registry.Snapshot) (registry.Changes, error) {
		return registry.Changes{CreateSites: []registry.Site{{ID: "x", OrgID: f.orgB, SubjectID: a.ID, Type: registry.Shop, Name: "X",
			Address: "Y", CreatedAt: now, UpdatedAt: now}}}, nil
	})
	if err == nil {
		t.Fatal("a site of B referring to A's subject was stored")
	}
	err = f.st.ChangeRegistry(ctx, f.orgB, registry.Lookup{}, func(registry.Snapshot) (registry.Changes, error) {
		a.Name = "Đã đổi"
		return registry.Changes{UpdateSubjects: []registry.Subject{a}}, nil
	})
	if errs.KindOf(err) != errs.NotFound {
		t.Fatalf("B updating A's subject: %v", err)
	}
	got, _ := f.svc.Subject(ctx, f.adminA, f.orgA, a.ID)
	if got.Name != "Công ty A" {
		t.Fatalf("A's subject became %+v", got)
	}
}

func TestListSites(t *testing.T) {
	f := newRegistryFixture(t)
	ctx := context.Background()
	subj, err := f.svc.CreateSubject(ctx, f.adminA, registry.Subject{OrgID: f.orgA, Kind: registry.Organisation, Name: "Công ty A", TaxCode: "4800123456"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.svc.CreateSubject(ctx, f.adminA, registry.Subject{OrgID: f.orgA, Kind: registry.Individual, Name: "Nông Thị Hoa", IDNumber: "004191000001"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(subjectID string, typ registry.SiteType, name, address string, units ...registry.SiteUnit) {
		t.Helper()
		if _, err := f.svc.CreateSite(ctx, f.adminA, registry.Site{OrgID: f.orgA, SubjectID: subjectID, Type: typ, Name: name, Address: address, Units: units}); err != nil {
			t.Fatal(err)
		}
	}
	code := func(c string) registry.SiteUnit { return registry.SiteUnit{UnitCode: c} }
	mk(subj.ID, registry.FuelStation, "Cửa hàng xăng dầu Đề Thám", "Số 1, phường Đề Thám", code("040"), code("local-phuong-tan-giang"))
	mk(subj.ID, registry.FuelStation, "Cửa hàng xăng dầu Phục Hòa", "Km 3, thị trấn Hòa Thuận", code("049"), code("local-xa-phuc-hoa"))
	mk(subj.ID, registry.Market, "Chợ Xanh", "Phường Hợp Giang", code("040"), code("local-phuong-thuc-phan"))
	// Moved from the city to Quảng Hòa on 2023-06-01, then into the commune at the reform.
	mk(other.ID, registry.Shop, "Tạp hóa Hoa", "Tổ 2, Bế Văn Đàn",
		registry.SiteUnit{UnitCode: "040", ValidFrom: adminunit.Date(2021, 1, 1), ValidTo: adminunit.Date(2023, 5, 31)},
		registry.SiteUnit{UnitCode: "049", ValidFrom: adminunit.Date(2023, 6, 1)}, code("local-xa-phuc-hoa"))
	for i := range 12 {
		mk(other.ID, registry.Shop, fmt.Sprintf("Quầy %02d", i), fmt.Sprintf("Ki-ốt %d, chợ Sông Bằng", i), code("040"))
	}
	names := func(p registry.Page[registry.Site]) string {
		var out []string
		for _, s := range p.Items {
			out = append(out, s.Name)
		}
		return strings.Join(out, " | ")
	}
	cases := []struct {
		name      string
		f         registry.SiteFilter
		wantTotal int
		want      string
	}{
		{"type", registry.SiteFilter{Type: registry.FuelStation}, 2, "Cửa hàng xăng dầu Đề Thám | Cửa hàng xăng dầu Phục Hòa"},
		{"text without diacritics", registry.SiteFilter{Text: "phuc hoa"}, 1, "Cửa hàng xăng dầu Phục Hòa"},
		{"text in the address", registry.SiteFilter{Text: "HỢP GIANG"}, 1, "Chợ Xanh"},
		{"subject and name descending", registry.SiteFilter{SubjectID: subj.ID, ListOptions: registry.ListOptions{Sort: "-name"}}, 3,
			"Cửa hàng xăng dầu Phục Hòa | Cửa hàng xăng dầu Đề Thám | Chợ Xanh"}, // folded: "cua…phuc" > "cua…de" > "cho"
		{"a district on a day before the reform", registry.SiteFilter{UnitCode: "049", On: adminunit.Date(2024, 1, 1)}, 2,
			"Cửa hàng xăng dầu Phục Hòa | Tạp hóa Hoa"},
		{"the same district before the site moved into it", registry.SiteFilter{UnitCode: "049", On: adminunit.Date(2022, 1, 1), Type: registry.Shop}, 0, ""},
		{"the city before the move", registry.SiteFilter{UnitCode: "040", On: adminunit.Date(2022, 1, 1), Text: "hoa"}, 1, "Tạp hóa Hoa"},
		{"a district after the reform", registry.SiteFilter{UnitCode: "049", On: adminunit.Date(2025, 7, 1)}, 0, ""},
		{"the province after the reform, its communes included", registry.SiteFilter{UnitCode: "04", On: adminunit.Date(2025, 7, 1), Type: registry.FuelStation}, 2,
			"Cửa hàng xăng dầu Đề Thám | Cửa hàng xăng dầu Phục Hòa"},
		{"a commune on any day", registry.SiteFilter{UnitCode: "local-xa-phuc-hoa"}, 2, "Cửa hàng xăng dầu Phục Hòa | Tạp hóa Hoa"},
		{"second page", registry.SiteFilter{Text: "cho song bang", ListOptions: registry.ListOptions{Page: paging.Page{Limit: 5, Offset: 5}}}, 12,
			"Quầy 05 | Quầy 06 | Quầy 07 | Quầy 08 | Quầy 09"},
		{"last page", registry.SiteFilter{Text: "cho song bang", ListOptions: registry.ListOptions{Page: paging.Page{Limit: 5, Offset: 10}}}, 12,
			"Quầy 10 | Quầy 11"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := f.svc.Sites(ctx, f.adminA, f.orgA, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tc.wantTotal || names(p) != tc.want {
				t.Fatalf("got %d: %s\nwant %d: %s", p.Total, names(p), tc.wantTotal, tc.want)
			}
		})
	}
	t.Run("page size defaulted and capped", func(t *testing.T) {
		p, err := f.svc.Sites(ctx, f.adminA, f.orgA, registry.SiteFilter{ListOptions: registry.ListOptions{Page: paging.Page{Limit: 100000}}})
		if err != nil || p.Limit != paging.Max || p.Total != 16 || len(p.Items) != 16 {
			t.Fatalf("%d items of %d, limit %d, %v", len(p.Items), p.Total, p.Limit, err)
		}
		p, _ = f.svc.Sites(ctx, f.adminA, f.orgA, registry.SiteFilter{})
		if p.Limit != paging.Default {
			t.Fatalf("limit %d", p.Limit)
		}
	})
	t.Run("unknown sort and unit", func(t *testing.T) {
		_, err := f.svc.Sites(ctx, f.adminA, f.orgA, registry.SiteFilter{ListOptions: registry.ListOptions{Sort: "lat"}})
		if errs.KindOf(err) != errs.Invalid || !slices.ContainsFunc(errs.FieldsOf(err), func(fe errs.FieldError) bool { return fe.Code == errs.CodeInvalidSort }) {
			t.Fatalf("sort by lat: %v", err)
		}
		_, err = f.svc.Sites(ctx, f.adminA, f.orgA, registry.SiteFilter{UnitCode: "999"})
		if errs.KindOf(err) != errs.Invalid || !slices.ContainsFunc(errs.FieldsOf(err), func(fe errs.FieldError) bool { return fe.Code == errs.CodeUnknownUnit }) {
			t.Fatalf("unit 999: %v", err)
		}
	})
	t.Run("another organisation sees none of them", func(t *testing.T) {
		p, err := f.st.ListSites(ctx, f.orgB, registry.SiteFilter{ListOptions: registry.ListOptions{Sort: "name"}})
		if err != nil || p.Total != 0 {
			t.Fatalf("%+v, %v", p, err)
		}
	})
}

func TestListInstrumentsAndLicences(t *testing.T) {
	f := newRegistryFixture(t)
	ctx := context.Background()
	subj, err := f.svc.CreateSubject(ctx, f.adminA, registry.Subject{OrgID: f.orgA, Kind: registry.Organisation, Name: "Bệnh viện", TaxCode: "4800100999"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := f.svc.CreateSite(ctx, f.adminA, registry.Site{OrgID: f.orgA, SubjectID: subj.ID, Type: registry.XRayFacility, Name: "Khoa CĐHA",
		Address: "Phường Đề Thám", Units: []registry.SiteUnit{{UnitCode: "040"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i, exp := range []time.Time{adminunit.Date(2026, 4, 1), {}, adminunit.Date(2025, 12, 31)} {
		if _, err := f.svc.CreateInstrument(ctx, f.adminA, registry.Instrument{OrgID: f.orgA, SiteID: site.ID, Kind: registry.Scale,
			Serial: fmt.Sprintf("C-%d", i), Manufacturer: "Nhơn Hòa", VerificationExpiry: exp}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateLicence(ctx, f.adminA, registry.Licence{OrgID: f.orgA, SiteID: site.ID, Kind: registry.RadiationWorkerCertificate,
			Number: fmt.Sprintf("CC-%d", i), HolderName: "Đàm Thị Hương", Expiry: exp}); err != nil {
			t.Fatal(err)
		}
	}
	serials := func(p registry.Page[registry.Instrument]) string {
		var out []string
		for _, x := range p.Items {
			out = append(out, x.Serial)
		}
		return strings.Join(out, " ")
	}
	numbers := func(p registry.Page[registry.Licence]) string {
		var out []string
		for _, x := range p.Items {
			out = append(out, x.Number)
		}
		return strings.Join(out, " ")
	}
	ins, err := f.svc.Instruments(ctx, f.adminA, f.orgA, registry.InstrumentFilter{ListOptions: registry.ListOptions{Sort: "verification_expiry"}})
	if err != nil || serials(ins) != "C-2 C-0 C-1" {
		t.Fatalf("by verification expiry (no expiry last): %s, %v", serials(ins), err)
	}
	ins, err = f.svc.Instruments(ctx, f.adminA, f.orgA, registry.InstrumentFilter{VerificationExpiresBefore: adminunit.Date(2026, 3, 2), Text: "nhon hoa"})
	if err != nil || serials(ins) != "C-2" {
		t.Fatalf("expired before today: %s, %v", serials(ins), err)
	}
	lic, err := f.svc.Licences(ctx, f.adminA, f.orgA, registry.LicenceFilter{ListOptions: registry.ListOptions{Sort: "-expiry"}})
	if err != nil || numbers(lic) != "CC-0 CC-2 CC-1" {
		t.Fatalf("by expiry descending (no expiry last): %s, %v", numbers(lic), err)
	}
	lic, err = f.svc.Licences(ctx, f.adminA, f.orgA, registry.LicenceFilter{ExpiresBefore: adminunit.Date(2026, 5, 1), SiteID: site.ID, Text: "huong"})
	if err != nil || numbers(lic) != "CC-2 CC-0" {
		t.Fatalf("expiring before May: %s, %v", numbers(lic), err)
	}
}
