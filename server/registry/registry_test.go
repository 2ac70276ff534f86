package registry_test

import (
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

func fieldsString(fs []errs.FieldError) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Field+":"+string(f.Code))
	}
	return strings.Join(out, " ")
}

func TestValidateSubject(t *testing.T) {
	org := registry.Subject{Kind: registry.Organisation, Name: "Công ty TNHH Xăng dầu Bắc Sơn", TaxCode: "4800123456"}
	with := func(mod func(*registry.Subject)) registry.Subject {
		s := org
		mod(&s)
		return registry.NormaliseSubject(s)
	}
	cases := []struct {
		name string
		in   registry.Subject
		want string
	}{
		{"organisation with its tax code", org, ""},
		{"branch tax code", with(func(s *registry.Subject) { s.TaxCode = "4800123456-001" }), ""},
		{"tax code with spaces", with(func(s *registry.Subject) { s.TaxCode = " 4800 123 456 " }), ""},
		{"tax code with letters", with(func(s *registry.Subject) { s.TaxCode = "48001234AB" }), "tax_code:invalid_tax_code"},
		{"tax code too short", with(func(s *registry.Subject) { s.TaxCode = "480012345" }), "tax_code:invalid_tax_code"},
		{"organisation without tax code", with(func(s *registry.Subject) { s.TaxCode = "" }), "tax_code:required"},
		{"organisation with a personal ID", with(func(s *registry.Subject) { s.IDNumber = "004091001234" }), "id_number:field_not_applicable"},
		{"individual with an ID number", with(func(s *registry.Subject) {
			s.Kind, s.TaxCode, s.IDNumber = registry.Individual, "", "004091001234"
		}), ""},
		{"individual with the personal number as tax code", with(func(s *registry.Subject) { s.Kind, s.TaxCode = registry.Individual, "004091001234" }), ""},
		{"old ID card", with(func(s *registry.Subject) {
			s.Kind, s.TaxCode, s.IDNumber = registry.HouseholdBusiness, "", "085 123 456"
		}), ""},
		{"household business without identifier", with(func(s *registry.Subject) { s.Kind, s.TaxCode = registry.HouseholdBusiness, "" }),
			"tax_code:identifier_required"},
		{"bad ID number", with(func(s *registry.Subject) { s.Kind, s.IDNumber = registry.Individual, "12345" }), "id_number:invalid_id_number"},
		{"unknown kind", with(func(s *registry.Subject) { s.Kind = "company" }), "kind:unknown_subject_kind"},
		{"no kind", with(func(s *registry.Subject) { s.Kind = "" }), "kind:required"},
		{"no name", with(func(s *registry.Subject) { s.Name = "  " }), "name:required"},
		{"phone", with(func(s *registry.Subject) { s.Phone = "+84 206 385 2000" }), ""},
		{"bad phone", with(func(s *registry.Subject) { s.Phone = "gọi ông An" }), "phone:invalid_phone"},
		{"short phone", with(func(s *registry.Subject) { s.Phone = "385 200" }), "phone:invalid_phone"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldsString(registry.ValidateSubject(tc.in)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSanctionedAsOrganisation(t *testing.T) {
	cases := []struct {
		kind registry.SubjectKind
		want bool
	}{
		{registry.Organisation, true},
		{registry.Individual, false},
		{registry.HouseholdBusiness, false}, // D25: sanctioned as an individual
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			if got := (registry.Subject{Kind: tc.kind}).SanctionedAsOrganisation(); got != tc.want {
				t.Fatalf("got %v", got)
			}
		})
	}
}

func TestValidateSite(t *testing.T) {
	lat, lon, far := 22.6657, 106.2522, 122.0
	site := registry.Site{SubjectID: "s", Type: registry.FuelStation, Name: "Cửa hàng xăng dầu số 1", Address: "Số 12, phố Kim Đồng"}
	with := func(mod func(*registry.Site)) registry.Site {
		s := site
		mod(&s)
		return registry.NormaliseSite(s)
	}
	cases := []struct {
		name string
		in   registry.Site
		want string
	}{
		{"valid", site, ""},
		{"with coordinates", with(func(s *registry.Site) { s.Lat, s.Lon = &lat, &lon }), ""},
		{"latitude without longitude", with(func(s *registry.Site) { s.Lat = &lat }), "lon:invalid_coordinates"},
		{"latitude out of range", with(func(s *registry.Site) { s.Lat, s.Lon = &far, &lon }), "lat:invalid_coordinates"},
		{"unknown type", with(func(s *registry.Site) { s.Type = "gas_station" }), "type:unknown_site_type"},
		{"no address", with(func(s *registry.Site) { s.Address = "" }), "address:required"},
		{"address of punctuation only", with(func(s *registry.Site) { s.Address = "--" }), "address:invalid_value"},
		{"no subject", with(func(s *registry.Site) { s.SubjectID = "" }), "subject_id:required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldsString(registry.ValidateSite(tc.in)); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func caoBangUnits() []adminunit.Unit {
	d := adminunit.Date
	return []adminunit.Unit{
		{ID: "p", Code: "04", Name: "Tỉnh Cao Bằng", Level: adminunit.Province},
		{ID: "d49", Code: "049", Name: "Huyện Quảng Hòa", Level: adminunit.District, ParentCode: "04", ValidFrom: d(2020, 3, 1), ValidTo: d(2025, 6, 30)},
		{ID: "d40", Code: "040", Name: "Thành phố Cao Bằng", Level: adminunit.District, ParentCode: "04", ValidFrom: d(2020, 3, 1), ValidTo: d(2025, 6, 30)},
		{ID: "c1", Code: "local-xa-phuc-hoa", Name: "Xã Phục Hòa", Level: adminunit.Commune, ParentCode: "04", ValidFrom: d(2025, 7, 1)},
	}
}

func TestResolveSiteUnits(t *testing.T) {
	d := adminunit.Date
	cases := []struct {
		name       string
		in         []registry.SiteUnit
		want       string // unit IDs with their periods
		wantFields string
	}{
		{"district then commune, by code", []registry.SiteUnit{{UnitCode: "local-xa-phuc-hoa"}, {UnitCode: "049"}},
			"d49 2020-03-01..2025-06-30, c1 2025-07-01..", ""},
		{"a move on a day of its own", []registry.SiteUnit{
			{UnitCode: "040", ValidFrom: d(2021, 1, 1), ValidTo: d(2023, 5, 31)}, {UnitCode: "049", ValidFrom: d(2023, 6, 1)}},
			"d40 2021-01-01..2023-05-31, d49 2023-06-01..2025-06-30", ""},
		{"unknown code", []registry.SiteUnit{{UnitCode: "999"}}, "", "units[0]:unknown_unit"},
		{"a district after the reform", []registry.SiteUnit{{UnitCode: "049", ValidFrom: d(2025, 7, 1)}}, "", "units[0]:unit_not_in_force"},
		{"a period beyond the unit's", []registry.SiteUnit{{UnitCode: "049", ValidFrom: d(2024, 1, 1), ValidTo: d(2025, 12, 31)}}, "",
			"units[0]:unit_not_in_force"},
		{"reversed period", []registry.SiteUnit{{UnitCode: "049", ValidFrom: d(2024, 1, 1), ValidTo: d(2023, 1, 1)}}, "",
			"units[0]:period_reversed"},
		{"two units at once", []registry.SiteUnit{{UnitCode: "049"}, {UnitCode: "040"}}, "", "units:periods_overlap"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, fields := registry.ResolveSiteUnits(caoBangUnits(), tc.in)
			if f := fieldsString(fields); f != tc.wantFields {
				t.Fatalf("fields %q, want %q", f, tc.wantFields)
			}
			var parts []string
			for _, u := range got {
				parts = append(parts, u.UnitID+" "+adminunit.FormatDay(u.ValidFrom)+".."+adminunit.FormatDay(u.ValidTo))
			}
			if s := strings.Join(parts, ", "); s != tc.want {
				t.Fatalf("got %q, want %q", s, tc.want)
			}
		})
	}
}

func TestUnitOn(t *testing.T) {
	units, _ := registry.ResolveSiteUnits(caoBangUnits(), []registry.SiteUnit{{UnitCode: "049"}, {UnitCode: "local-xa-phuc-hoa"}})
	site := registry.Site{Units: units}
	cases := []struct {
		name string
		at   time.Time
		want string // unit code, "" for none
	}{
		{"the day before the reform", adminunit.Date(2025, 6, 30), "049"},
		{"the day of the reform", adminunit.Date(2025, 7, 1), "local-xa-phuc-hoa"},
		{"evening UTC of the last district day is the first commune day in Vietnam", time.Date(2025, 6, 30, 18, 0, 0, 0, time.UTC), "local-xa-phuc-hoa"},
		{"midnight UTC of the first commune day", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), "local-xa-phuc-hoa"},
		{"before the records", adminunit.Date(2019, 1, 1), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, ok := site.UnitOn(tc.at)
			if got := map[bool]string{true: u.UnitCode, false: ""}[ok]; got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLicenceExpiry(t *testing.T) {
	l := registry.Licence{Expiry: adminunit.Date(2026, 3, 31)}
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cases := []struct {
		name        string
		l           registry.Licence
		now         time.Time
		within      time.Duration
		wantWithin  bool
		wantExpired bool
	}{
		{"30 days ahead covers the last day", l, now, 30 * day, true, false},
		{"29 days ahead does not", l, now, 29 * day, false, false},
		{"on its last day it is valid and expiring", l, time.Date(2026, 3, 31, 16, 0, 0, 0, time.UTC), day, true, false},
		{"the next day in Vietnam it has expired", l, time.Date(2026, 3, 31, 17, 30, 0, 0, time.UTC), day, false, true},
		{"no expiry never expires", registry.Licence{}, now, 3650 * day, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.l.ExpiresWithin(tc.within, tc.now); got != tc.wantWithin {
				t.Errorf("ExpiresWithin = %v", got)
			}
			if got := tc.l.Expired(tc.now); got != tc.wantExpired {
				t.Errorf("Expired = %v", got)
			}
		})
	}
}

func TestValidateInstrumentAndLicence(t *testing.T) {
	exp := adminunit.Date(2027, 1, 1)
	instr := func(kind registry.InstrumentKind, mod func(*registry.Instrument)) registry.Instrument {
		in := registry.Instrument{SiteID: "s", Kind: kind, Serial: " sn  001 "}
		if mod != nil {
			mod(&in)
		}
		return registry.NormaliseInstrument(in)
	}
	cases := []struct {
		name string
		got  []errs.FieldError
		want string
	}{
		{"dispenser", registry.ValidateInstrument(instr(registry.FuelDispenser, nil)), ""},
		{"seal on a scale", registry.ValidateInstrument(instr(registry.Scale, func(i *registry.Instrument) { i.SealState = registry.SealIntact })),
			"seal_state:field_not_applicable"},
		{"unknown seal", registry.ValidateInstrument(instr(registry.FuelDispenser, func(i *registry.Instrument) { i.SealState = "glued" })),
			"seal_state:unknown_seal_state"},
		{"inspection expiry on a dispenser", registry.ValidateInstrument(instr(registry.FuelDispenser, func(i *registry.Instrument) { i.InspectionExpiry = exp })),
			"inspection_expiry:field_not_applicable"},
		{"inspection expiry on an X-ray device", registry.ValidateInstrument(instr(registry.XRayDevice, func(i *registry.Instrument) { i.InspectionExpiry = exp })), ""},
		{"no serial", registry.ValidateInstrument(instr(registry.Scale, func(i *registry.Instrument) { i.Serial = "" })), "serial:required"},
		{"unknown kind", registry.ValidateInstrument(instr("thermometer", nil)), "kind:unknown_instrument_kind"},
		{"worker certificate without holder", registry.ValidateLicence(registry.Licence{Kind: registry.RadiationWorkerCertificate, Number: "CC-1"}),
			"holder_name:required"},
		{"work licence without site", registry.ValidateLicence(registry.Licence{Kind: registry.RadiationWorkLicence, Number: "45/GP"}), "site_id:required"},
		{"expiry before issue", registry.ValidateLicence(registry.Licence{Kind: registry.RadiationWorkLicence, Number: "45/GP", SiteID: "s",
			Issued: exp, Expiry: adminunit.Date(2026, 1, 1)}), "expiry:period_reversed"},
		{"issuing unit", registry.ValidateIssuingUnit(registry.IssuingUnit{Code: "CCTĐC", Name: "Chi cục Tiêu chuẩn Đo lường Chất lượng"}), ""},
		{"issuing unit code with a space", registry.ValidateIssuingUnit(registry.IssuingUnit{Code: "TT S", Name: "Thanh tra Sở"}), "code:invalid_value"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldsString(tc.got); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
	if s := instr(registry.FuelDispenser, nil); s.Serial != "SN 001" || s.SealState != registry.SealUnknown {
		t.Errorf("normalised %+v", s)
	}
}

func TestIssuingUnitInForce(t *testing.T) {
	u := registry.IssuingUnit{Code: "CCTĐC", ValidTo: adminunit.Date(2025, 6, 30)}
	if !u.InForce(adminunit.Date(2020, 1, 1)) || !u.InForce(adminunit.Date(2025, 6, 30)) || u.InForce(adminunit.Date(2025, 7, 1)) {
		t.Fatal("an issuing unit open towards the past, ending 2025-06-30")
	}
}
