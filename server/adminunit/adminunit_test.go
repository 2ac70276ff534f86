package adminunit_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

func caoBang(t testing.TB) adminunit.Seed {
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

// TestCaoBangSeed checks the seed written from shared/domain/admin-units-caobang.yaml: one province,
// the city and nine districts of 2020-03-01 … 2025-06-30 with their confirmed codes, and commune-level
// units from 2025-07-01, unconfirmed, with local codes derived from their names.
func TestCaoBangSeed(t *testing.T) {
	seed := caoBang(t)
	if fields := adminunit.Check(seed.Units, seed.Successions); len(fields) > 0 {
		t.Fatalf("the seed does not check: %v", fields)
	}
	var districts, communes []string
	for _, u := range seed.Units {
		switch u.Level {
		case adminunit.Province:
			if u.Code != "04" || !u.Confirmed || !u.ValidFrom.IsZero() || !u.ValidTo.IsZero() {
				t.Errorf("province %+v", u)
			}
		case adminunit.District:
			districts = append(districts, u.Code)
			if !u.Confirmed || !u.ValidFrom.Equal(adminunit.Date(2020, 3, 1)) || !u.ValidTo.Equal(adminunit.Date(2025, 6, 30)) || u.ParentCode != "04" {
				t.Errorf("district %+v", u)
			}
		case adminunit.Commune:
			communes = append(communes, u.Code)
			if u.Confirmed || !u.ValidFrom.Equal(adminunit.Date(2025, 7, 1)) || !u.ValidTo.IsZero() || u.ParentCode != "04" {
				t.Errorf("commune %+v", u)
			}
			if u.Code != adminunit.LocalCode(u.Name) {
				t.Errorf("commune %q has code %q, want the local code %q", u.Name, u.Code, adminunit.LocalCode(u.Name))
			}
		}
	}
	if got := strings.Join(districts, " "); got != "040 042 043 045 047 048 049 051 052 053" {
		t.Errorf("districts %s", got)
	}
	if len(communes) != 41 {
		t.Errorf("%d communes, want the 41 names of the partial list", len(communes))
	}
}

func TestResolve(t *testing.T) {
	seed := caoBang(t)
	renamed := append(append([]adminunit.Unit(nil), seed.Units...),
		adminunit.Unit{Code: "999", Name: "Huyện Cũ", Level: adminunit.District, ParentCode: "04", ValidFrom: adminunit.Date(2020, 3, 1), ValidTo: adminunit.Date(2022, 12, 31)},
		adminunit.Unit{Code: "999", Name: "Huyện Mới", Level: adminunit.District, ParentCode: "04", ValidFrom: adminunit.Date(2023, 1, 1), ValidTo: adminunit.Date(2025, 6, 30)})
	cases := []struct {
		name     string
		code     string
		day      time.Time
		wantName string
		wantCode errs.Code
	}{
		{"district on its first day", "049", adminunit.Date(2020, 3, 1), "Huyện Quảng Hòa", ""},
		{"district on its last day", "049", adminunit.Date(2025, 6, 30), "Huyện Quảng Hòa", ""},
		{"district after the reform", "049", adminunit.Date(2025, 7, 1), "", errs.CodeUnitNotInForce},
		{"district before the records", "049", adminunit.Date(2019, 12, 31), "", errs.CodeUnitNotInForce},
		{"commune before the reform", "local-phuong-thuc-phan", adminunit.Date(2025, 6, 30), "", errs.CodeUnitNotInForce},
		{"commune after the reform", "local-phuong-thuc-phan", adminunit.Date(2025, 7, 1), "Phường Thục Phán", ""},
		{"province any day", "04", adminunit.Date(1999, 1, 1), "Tỉnh Cao Bằng", ""},
		{"unknown code", "777", adminunit.Date(2024, 1, 1), "", errs.CodeUnknownUnit},
		{"first version of a renamed unit", "999", adminunit.Date(2022, 12, 31), "Huyện Cũ", ""},
		{"second version of a renamed unit", "999", adminunit.Date(2023, 1, 1), "Huyện Mới", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u, err := adminunit.Resolve(renamed, tc.code, tc.day)
			if tc.wantCode != "" {
				if errs.CodeOf(err) != tc.wantCode || errs.KindOf(err) != errs.Invalid {
					t.Fatalf("got %+v, %v; want %s", u, err, tc.wantCode)
				}
				return
			}
			if err != nil || u.Name != tc.wantName {
				t.Fatalf("got %q, %v; want %q", u.Name, err, tc.wantName)
			}
		})
	}
}

func TestDay(t *testing.T) {
	cases := []struct {
		name string
		at   time.Time
		want time.Time
	}{
		{"late evening UTC is the next day in Vietnam", time.Date(2025, 6, 30, 17, 30, 0, 0, time.UTC), adminunit.Date(2025, 7, 1)},
		{"just before midnight in Vietnam", time.Date(2025, 6, 30, 16, 59, 59, 0, time.UTC), adminunit.Date(2025, 6, 30)},
		{"a local time", time.Date(2025, 7, 1, 0, 5, 0, 0, adminunit.Vietnam), adminunit.Date(2025, 7, 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := adminunit.Day(tc.at); !got.Equal(tc.want) {
				t.Fatalf("Day(%v) = %v, want %v", tc.at, got, tc.want)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	prov := adminunit.Unit{Code: "04", Name: "Tỉnh Cao Bằng", Level: adminunit.Province}
	dist := func(mod func(*adminunit.Unit)) adminunit.Unit {
		u := adminunit.Unit{Code: "049", Name: "Huyện Quảng Hòa", Level: adminunit.District, ParentCode: "04",
			ValidFrom: adminunit.Date(2020, 3, 1), ValidTo: adminunit.Date(2025, 6, 30)}
		if mod != nil {
			mod(&u)
		}
		return u
	}
	commune := adminunit.Unit{Code: "local-xa-phuc-hoa", Name: "Xã Phục Hòa", Level: adminunit.Commune, ParentCode: "04", ValidFrom: adminunit.Date(2025, 7, 1)}
	cases := []struct {
		name  string
		units []adminunit.Unit
		succ  []adminunit.Succession
		want  string // the fields, "field:code" joined by spaces
	}{
		{"valid", []adminunit.Unit{prov, dist(nil), commune},
			[]adminunit.Succession{{FromCode: "049", ToCode: "local-xa-phuc-hoa", On: adminunit.Date(2025, 7, 1)}}, ""},
		{"period ends before it begins", []adminunit.Unit{prov, dist(func(u *adminunit.Unit) { u.ValidTo = adminunit.Date(2019, 1, 1) })}, nil,
			"units[1].valid_to:period_reversed"},
		{"overlapping versions", []adminunit.Unit{prov, dist(nil), dist(func(u *adminunit.Unit) { u.ValidFrom = adminunit.Date(2025, 1, 1); u.ValidTo = time.Time{} })}, nil,
			"units[2].valid_from:periods_overlap"},
		{"unknown parent", []adminunit.Unit{prov, dist(func(u *adminunit.Unit) { u.ParentCode = "05" })}, nil, "units[1].parent:unknown_unit"},
		{"parent at the same level", []adminunit.Unit{prov, dist(nil), dist(func(u *adminunit.Unit) { u.Code = "050"; u.ParentCode = "049" })}, nil,
			"units[2].parent:invalid_value"},
		{"parent not in force for the whole period", []adminunit.Unit{prov, dist(nil),
			{Code: "x1", Name: "Xã X", Level: adminunit.Commune, ParentCode: "049", ValidFrom: adminunit.Date(2024, 1, 1)}}, nil,
			"units[2].parent:unit_not_in_force"},
		{"province with a parent", []adminunit.Unit{{Code: "04", Name: "T", Level: adminunit.Province, ParentCode: "01"}}, nil, "units[0].parent:field_not_applicable"},
		{"bad code and level", []adminunit.Unit{prov, dist(func(u *adminunit.Unit) { u.Code = "0 49"; u.Level = "ward" })}, nil,
			"units[1].code:unit_code_invalid units[1].level:unknown_level"},
		{"succession from a unit not in force the day before", []adminunit.Unit{prov, dist(nil), commune},
			[]adminunit.Succession{{FromCode: "local-xa-phuc-hoa", ToCode: "049", On: adminunit.Date(2025, 7, 1)}},
			"successions[0].from:unit_not_in_force successions[0].to:unit_not_in_force"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range adminunit.Check(tc.units, tc.succ) {
				got = append(got, f.Field+":"+string(f.Code))
			}
			if g := strings.Join(got, " "); g != tc.want {
				t.Fatalf("got %q, want %q", g, tc.want)
			}
		})
	}
}

type seqIDs struct{ n int }

func (s *seqIDs) NewID() string { s.n++; return fmt.Sprintf("id-%04d", s.n) }

// TestPlanSeedIdempotent plans the Cao Bằng seed on an empty organisation, then again as if the first
// plan had been written: the second plan is empty.
func TestPlanSeedIdempotent(t *testing.T) {
	seed := caoBang(t)
	seed.Successions = []adminunit.Succession{{FromCode: "049", ToCode: "local-xa-phuc-hoa", On: adminunit.Date(2025, 7, 1)}}
	by := audit.Entry{ActorAccountID: "admin", At: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	first, err := adminunit.PlanSeed("org", nil, nil, seed, &seqIDs{}, by)
	if err != nil {
		t.Fatal(err)
	}
	if first.Result.Created != 52 || len(first.Create) != 52 || first.Result.SuccessionsCreated != 1 || len(first.Audit) != 53 {
		t.Fatalf("first plan %+v", first.Result)
	}
	if first.Create[0].Level != adminunit.Province {
		t.Errorf("the province must be created before its children, got %+v first", first.Create[0])
	}
	for _, u := range first.Create[1:] {
		if u.ParentID != first.Create[0].ID {
			t.Errorf("%s has parent ID %q, want the province's %q", u.Code, u.ParentID, first.Create[0].ID)
		}
	}
	second, err := adminunit.PlanSeed("org", first.Create, first.CreateSuccessions, seed, &seqIDs{n: 1000}, by)
	if err != nil {
		t.Fatal(err)
	}
	if second.Result != (adminunit.SeedResult{Unchanged: 52}) || len(second.Audit) != 0 {
		t.Fatalf("second plan %+v with %d audit entries, want everything unchanged", second.Result, len(second.Audit))
	}
	seed.Units[3].Name += " (tên mới)"
	third, err := adminunit.PlanSeed("org", first.Create, first.CreateSuccessions, seed, &seqIDs{n: 2000}, by)
	if err != nil {
		t.Fatal(err)
	}
	if third.Result.Updated != 1 || len(third.Update) != 1 || third.Update[0].ID != first.Create[3].ID {
		t.Fatalf("third plan %+v", third.Result)
	}
}
