package registry_test

import (
	"context"
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
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

type fixture struct {
	store  *gormstore.Store
	svc    *registry.Service
	clock  *clock.Manual
	orgA   string
	orgB   string
	adminA identity.Principal
	adminB identity.Principal
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{store: st, clock: c, svc: &registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}}
	for _, code := range []string{"caobang", "backan"} {
		org, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: code, Name: "Sở KH&CN " + code})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := (&adminunit.Service{Store: st, Clock: c}).Seed(ctx, identity.Operator, org.ID, seed); err != nil {
			t.Fatal(err)
		}
		admin := identity.Principal{AccountID: "admin-" + code, OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
		if code == "caobang" {
			f.orgA, f.adminA = org.ID, admin
		} else {
			f.orgB, f.adminB = org.ID, admin
		}
	}
	return f
}

func (f *fixture) subject(t *testing.T, s registry.Subject) registry.Subject {
	t.Helper()
	s.OrgID = f.orgA
	out, err := f.svc.CreateSubject(context.Background(), f.adminA, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) site(t *testing.T, subjectID, address string, codes ...string) registry.Site {
	t.Helper()
	s := registry.Site{OrgID: f.orgA, SubjectID: subjectID, Type: registry.FuelStation, Name: "Cửa hàng " + address, Address: address}
	for _, c := range codes {
		s.Units = append(s.Units, registry.SiteUnit{UnitCode: c})
	}
	out, err := f.svc.CreateSite(context.Background(), f.adminA, s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func wantErr(t *testing.T, err error, kind errs.Kind, code errs.Code, field string) {
	t.Helper()
	if errs.KindOf(err) != kind || errs.CodeOf(err) != code {
		t.Fatalf("got %s/%s (%v), want %s/%s", errs.KindOf(err), errs.CodeOf(err), err, kind, code)
	}
	if field == "" {
		return
	}
	for _, f := range errs.FieldsOf(err) {
		if f.Field == field {
			return
		}
	}
	t.Fatalf("%v does not name the field %q", err, field)
}

// TestWhoMayReadAndChange calls a write and a read with every role of the organisation and with
// another organisation's administrator.
func TestWhoMayReadAndChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	role := func(r identity.Role) identity.Principal {
		return identity.Principal{AccountID: string(r), OrgID: f.orgA, Roles: []identity.Role{r}}
	}
	cases := []struct {
		name           string
		p              identity.Principal
		change, readOK bool
	}{
		{"organisation administrator", f.adminA, true, true},
		{"system administrator", identity.Principal{AccountID: "root", Roles: []identity.Role{identity.RoleSystemAdmin}}, true, true},
		{"chief", role(identity.RoleChief), false, true},
		{"director", role(identity.RoleDirector), false, true},
		{"inspector", role(identity.RoleInspector), false, true},
		{"clerk", role(identity.RoleClerk), false, false},
		{"another organisation's administrator", f.adminB, false, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateSubject(ctx, tc.p, registry.Subject{OrgID: f.orgA, Kind: registry.Individual, Name: "Nông Văn An",
				IDNumber: "00409100000" + string(rune('0'+i))})
			if tc.change && err != nil {
				t.Errorf("change refused: %v", err)
			}
			if !tc.change {
				wantErr(t, err, errs.Forbidden, errs.CodeRoleRequired, "")
			}
			_, err = f.svc.Subjects(ctx, tc.p, f.orgA, registry.SubjectFilter{})
			if tc.readOK && err != nil {
				t.Errorf("read refused: %v", err)
			}
			if !tc.readOK {
				wantErr(t, err, errs.Forbidden, errs.CodeRoleRequired, "")
			}
		})
	}
}

func TestNaturalKeysTaken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.subject(t, registry.Subject{Kind: registry.Organisation, Name: "Công ty A", TaxCode: "4800123456"})
	ind := f.subject(t, registry.Subject{Kind: registry.Individual, Name: "Nông Văn An", IDNumber: "004091001234"})
	siteA := f.site(t, a.ID, "Số 12, phố Kim Đồng", "040", "local-phuong-thuc-phan")
	siteB := f.site(t, a.ID, "Số 14, phố Kim Đồng", "040")
	if _, err := f.svc.CreateInstrument(ctx, f.adminA, registry.Instrument{OrgID: f.orgA, SiteID: siteA.ID, Kind: registry.FuelDispenser, Serial: "CD-001"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateLicence(ctx, f.adminA, registry.Licence{OrgID: f.orgA, SiteID: siteA.ID, Kind: registry.StationEligibilityCertificate, Number: "12/GCN"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateIssuingUnit(ctx, f.adminA, registry.IssuingUnit{OrgID: f.orgA, Code: "TTr", Name: "Thanh tra Sở"}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		do    func() error
		code  errs.Code
		field string
	}{
		{"tax code", func() error {
			_, err := f.svc.CreateSubject(ctx, f.adminA, registry.Subject{OrgID: f.orgA, Kind: registry.Organisation, Name: "Công ty B", TaxCode: "4800 123 456"})
			return err
		}, errs.CodeTaxCodeTaken, "tax_code"},
		{"ID number", func() error {
			_, err := f.svc.CreateSubject(ctx, f.adminA, registry.Subject{OrgID: f.orgA, Kind: registry.HouseholdBusiness, Name: "Hộ An", IDNumber: "004091001234"})
			return err
		}, errs.CodeIDNumberTaken, "id_number"},
		{"ID number by update", func() error {
			b := f.subject(t, registry.Subject{Kind: registry.Individual, Name: "Hoàng Thị Bích", IDNumber: "004191000002"})
			b.IDNumber = ind.IDNumber
			_, err := f.svc.UpdateSubject(ctx, f.adminA, b)
			return err
		}, errs.CodeIDNumberTaken, "id_number"},
		{"the same address spelt otherwise", func() error {
			_, err := f.svc.CreateSite(ctx, f.adminA, registry.Site{OrgID: f.orgA, SubjectID: a.ID, Type: registry.Shop, Name: "Kho",
				Address: "số 12 PHỐ KIM ĐỒNG", Units: []registry.SiteUnit{{UnitCode: "040"}}})
			return err
		}, errs.CodeSiteAddressTaken, "address"},
		{"a serial of another site", func() error {
			_, err := f.svc.CreateInstrument(ctx, f.adminA, registry.Instrument{OrgID: f.orgA, SiteID: siteB.ID, Kind: registry.FuelDispenser, Serial: "cd-001"})
			return err
		}, errs.CodeSerialTaken, "serial"},
		{"a licence number of another site", func() error {
			_, err := f.svc.CreateLicence(ctx, f.adminA, registry.Licence{OrgID: f.orgA, SiteID: siteB.ID, Kind: registry.StationEligibilityCertificate, Number: "12/GCN"})
			return err
		}, errs.CodeLicenceNumberTaken, "number"},
		{"an issuing unit code", func() error {
			_, err := f.svc.CreateIssuingUnit(ctx, f.adminA, registry.IssuingUnit{OrgID: f.orgA, Code: "TTr", Name: "Thanh tra"})
			return err
		}, errs.CodeIssuingUnitTaken, "code"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), errs.Conflict, tc.code, tc.field) })
	}
	t.Run("the same serial in another organisation", func(t *testing.T) {
		ctx := context.Background()
		b, err := f.svc.CreateSubject(ctx, f.adminB, registry.Subject{OrgID: f.orgB, Kind: registry.Organisation, Name: "Công ty A", TaxCode: "4800123456"})
		if err != nil {
			t.Fatal(err)
		}
		s, err := f.svc.CreateSite(ctx, f.adminB, registry.Site{OrgID: f.orgB, SubjectID: b.ID, Type: registry.FuelStation, Name: "Cửa hàng",
			Address: "Số 12, phố Kim Đồng", Units: []registry.SiteUnit{{UnitCode: "040"}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateInstrument(ctx, f.adminB, registry.Instrument{OrgID: f.orgB, SiteID: s.ID, Kind: registry.FuelDispenser, Serial: "CD-001"}); err != nil {
			t.Fatalf("natural keys are per organisation: %v", err)
		}
	})
}

// TestAnotherOrganisationsIDs uses organisation A's IDs from organisation B: not found, never changed.
func TestAnotherOrganisationsIDs(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.subject(t, registry.Subject{Kind: registry.Organisation, Name: "Công ty A", TaxCode: "4800123456"})
	site := f.site(t, a.ID, "Số 12, phố Kim Đồng", "040")
	cases := []struct {
		name string
		do   func() error
		code errs.Code
	}{
		{"read a subject", func() error { _, err := f.svc.Subject(ctx, f.adminB, f.orgB, a.ID); return err }, errs.CodeSubjectNotFound},
		{"update a subject", func() error {
			x := a
			x.OrgID, x.Name = f.orgB, "Đã đổi"
			_, err := f.svc.UpdateSubject(ctx, f.adminB, x)
			return err
		}, errs.CodeSubjectNotFound},
		{"a site for A's subject", func() error {
			_, err := f.svc.CreateSite(ctx, f.adminB, registry.Site{OrgID: f.orgB, SubjectID: a.ID, Type: registry.Shop, Name: "X", Address: "Y",
				Units: []registry.SiteUnit{{UnitCode: "040"}}})
			return err
		}, errs.CodeSubjectNotFound},
		{"an instrument at A's site", func() error {
			_, err := f.svc.CreateInstrument(ctx, f.adminB, registry.Instrument{OrgID: f.orgB, SiteID: site.ID, Kind: registry.Scale, Serial: "C-1"})
			return err
		}, errs.CodeSiteNotFound},
		{"read A's site", func() error { _, err := f.svc.Site(ctx, f.adminB, f.orgB, site.ID); return err }, errs.CodeSiteNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.do(), errs.NotFound, tc.code, "") })
	}
	got, err := f.svc.Subject(ctx, f.adminA, f.orgA, a.ID)
	if err != nil || got.Name != "Công ty A" {
		t.Fatalf("A's subject after B's attempts: %+v, %v", got, err)
	}
}

// TestUpdatesAreAudited updates a site twice, once with no change: one audit event for the creation,
// one for the change listing what changed, none for the no-op.
func TestUpdatesAreAudited(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := f.subject(t, registry.Subject{Kind: registry.Organisation, Name: "Công ty A", TaxCode: "4800123456"})
	site := f.site(t, a.ID, "Số 12, phố Kim Đồng", "040")
	f.clock.Advance(time.Hour)
	moved := site
	moved.Units = []registry.SiteUnit{{UnitCode: "049"}, {UnitCode: "local-xa-phuc-hoa"}}
	moved.Name = "Cửa hàng xăng dầu Phục Hòa"
	got, err := f.svc.UpdateSite(ctx, f.adminA, moved)
	if err != nil {
		t.Fatal(err)
	}
	if !got.UpdatedAt.After(got.CreatedAt) {
		t.Errorf("updated %v, created %v", got.UpdatedAt, got.CreatedAt)
	}
	if _, err := f.svc.UpdateSite(ctx, f.adminA, moved); err != nil {
		t.Fatal(err)
	}
	var events []audit.Event
	if err := f.store.AuditEvents(ctx, func(ev audit.Event) error {
		if ev.Chain == "site/"+site.ID {
			events = append(events, ev)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 || events[0].Action != registry.ActionSiteCreate || events[1].Action != registry.ActionSiteUpdate {
		t.Fatalf("events %+v", events)
	}
	if want := `"changed":["name","units"]`; !strings.Contains(events[1].DataJSON, want) {
		t.Errorf("update event %s does not say %s", events[1].DataJSON, want)
	}
	stored, err := f.svc.Site(ctx, f.adminA, f.orgA, site.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := stored.UnitOn(adminunit.Date(2025, 7, 1)); !ok || u.UnitCode != "local-xa-phuc-hoa" || u.UnitName != "Xã Phục Hòa" {
		t.Errorf("unit on 2025-07-01: %+v", u)
	}
}
