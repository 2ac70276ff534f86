package legal

import (
	"testing"
)

func TestReadsInForce(t *testing.T) {
	c, err := Seed()
	if err != nil {
		t.Fatal(err)
	}
	day := NewDate(2024, 5, 2)
	vs := c.ViolationsInForce(day, SectorFuel)
	if len(vs) == 0 {
		t.Fatal("no fuel violation in force in 2024")
	}
	for i, v := range vs {
		if v.Sector != SectorFuel || !v.InForce(day) || (i > 0 && vs[i-1].Code >= v.Code) {
			t.Fatalf("%d: %s %s from %s", i, v.Code, v.Sector, v.ValidFrom)
		}
	}
	if before := c.ViolationsInForce(NewDate(2010, 1, 1), ""); len(before) != 0 {
		t.Fatalf("%d versions in force in 2010, before any decree of the catalogue", len(before))
	}
	for _, h := range c.HolidaysIn(2025) {
		if h.Date.Year() != 2025 {
			t.Fatalf("holiday %s listed for 2025", h.Date)
		}
	}
	for _, a := range c.CapsInForce(day) {
		if !a.InForce(day) {
			t.Fatalf("cap %s not in force", a.Title)
		}
	}
	for _, r := range c.RulesInForce(day) {
		if !r.InForce(day) {
			t.Fatalf("rule %s not in force", r.Event)
		}
	}
}

func TestVersionOf(t *testing.T) {
	v1 := Violation{ID: "v1", Code: "GEN-X", Aliases: []string{"GEN-X-OLD"}, Validity: Validity{ValidFrom: NewDate(2020, 1, 1)}}
	c := Catalogue{Violations: []Violation{v1}}
	for _, tc := range []struct {
		name, code, id string
		found          bool
	}{
		{"by code", "GEN-X", "v1", true},
		{"by alias", "GEN-X-OLD", "v1", true},
		{"another entry's code", "GEN-Y", "v1", false},
		{"unknown version", "GEN-X", "v2", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.VersionOf(tc.code, tc.id)
			if (err == nil) != tc.found {
				t.Fatalf("VersionOf(%s, %s): %v", tc.code, tc.id, err)
			}
		})
	}
}

func TestRangeMissing(t *testing.T) {
	n := func(x int64) *int64 { return &x }
	f := func(x float64) *Factor { y := FactorOf(x); return &y }
	for _, tc := range []struct {
		name string
		fine FineModel
		want bool
	}{
		{"fixed known", FixedRange{Min: n(1), Max: n(2)}, false},
		{"fixed unknown", FixedRange{}, true},
		{"tiers all known", Tiers{Quantity: InstrumentValue, Tiers: []Tier{{UpTo: n(5), Range: FixedRange{Min: n(1), Max: n(2)}}, {Over: n(5), Range: FixedRange{Min: n(2), Max: n(3)}}}}, false},
		{"one tier unknown", Tiers{Quantity: InstrumentValue, Tiers: []Tier{{UpTo: n(5), Range: FixedRange{Min: n(1), Max: n(2)}}, {Over: n(5)}}}, true},
		{"no tiers", Tiers{Quantity: IllegalGain}, true},
		{"multiple known", Multiple{Of: GoodsValue, MinTimes: f(1), MaxTimes: f(3)}, false},
		{"multiple unknown", Multiple{Of: GoodsValue}, true},
		{"no model", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Violation{Fine: tc.fine}).RangeMissing(); got != tc.want {
				t.Fatalf("RangeMissing = %t, want %t", got, tc.want)
			}
		})
	}
}
