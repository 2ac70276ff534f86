package legal_test

import (
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

func vnd(n int64) *int64 { return &n }

func factor(f float64) *legal.Factor { x := legal.FactorOf(f); return &x }

// both is a provision addressed to individuals and organisations.
var both = []legal.SubjectKind{legal.Individual, legal.Organisation}

func violation(fine legal.FineModel, mods ...func(*legal.Violation)) legal.Violation {
	v := legal.Violation{Code: "TEST-1", Decree: "119/2017/NĐ-CP", DescriptionVI: "Hành vi thử", Sector: legal.SectorMarket,
		Subjects: both, Fine: fine, Confirmed: true, Source: "test",
		Validity: legal.Validity{ValidFrom: legal.NewDate(2017, 12, 15)}}
	for _, m := range mods {
		m(&v)
	}
	return v
}

// gainTiers is Decree 119 Art. 14(2) as the catalogue has it: three known tiers and an unknown top.
var gainTiers = legal.Tiers{Quantity: legal.IllegalGain, Tiers: []legal.Tier{
	{UpTo: vnd(10_000_000), Range: legal.FixedRange{Min: vnd(5_000_000), Max: vnd(10_000_000)}, LegalBasis: "k2 ≤10tr", Confirmed: true, Source: "s"},
	{Over: vnd(10_000_000), UpTo: vnd(50_000_000), Range: legal.FixedRange{Min: vnd(10_000_000), Max: vnd(20_000_000)}, LegalBasis: "k2 ≤50tr", Confirmed: true, Source: "s"},
	{Over: vnd(50_000_000), UpTo: vnd(100_000_000), Range: legal.FixedRange{Min: vnd(20_000_000), Max: vnd(40_000_000)}, LegalBasis: "k2 ≤100tr", Source: "s"},
	{Over: vnd(100_000_000), LegalBasis: "k2 >100tr", Source: "s"},
}}

func TestRange(t *testing.T) {
	fixed := violation(legal.FixedRange{Min: vnd(2_000_000), Max: vnd(5_000_000)})
	cases := []struct {
		name      string
		v         legal.Violation
		kind      legal.SubjectKind
		quantity  *int64
		min, max  int64
		def       int64
		doubled   bool
		confirmed bool
		code      errs.Code // the refusal expected, if any
	}{
		{name: "individual: the catalogue's amounts", v: fixed, kind: legal.Individual, min: 2_000_000, max: 5_000_000, def: 3_500_000, confirmed: true},
		{name: "organisation: doubled", v: fixed, kind: legal.Organisation, min: 4_000_000, max: 10_000_000, def: 7_000_000, doubled: true, confirmed: true},
		{name: "household business: as an individual (D25)", v: fixed, kind: legal.HouseholdBusiness, min: 2_000_000, max: 5_000_000, def: 3_500_000, confirmed: true},
		{name: "quantity ignored by a fixed range", v: fixed, kind: legal.Individual, quantity: vnd(123), min: 2_000_000, max: 5_000_000, def: 3_500_000, confirmed: true},
		{name: "unconfirmed entry stays unconfirmed", v: violation(legal.FixedRange{Min: vnd(500_000), Max: vnd(1_000_000)}, func(v *legal.Violation) { v.Confirmed = false }),
			kind: legal.Individual, min: 500_000, max: 1_000_000, def: 750_000},
		{name: "missing range: never invented", v: violation(legal.FixedRange{}), kind: legal.Individual, code: errs.CodeFineRangeMissing},
		{name: "no fine model at all", v: violation(nil), kind: legal.Individual, code: errs.CodeFineRangeMissing},
		{name: "half a range is still missing", v: violation(legal.FixedRange{Min: vnd(1_000_000)}), kind: legal.Organisation, code: errs.CodeFineRangeMissing},
		{name: "organisation-only clause, organisation", v: violation(legal.FixedRange{Min: vnd(2_000_000), Max: vnd(5_000_000)}, func(v *legal.Violation) { v.Subjects = []legal.SubjectKind{legal.Organisation} }),
			kind: legal.Organisation, min: 4_000_000, max: 10_000_000, def: 7_000_000, doubled: true, confirmed: true},
		{name: "organisation-only clause, individual", v: violation(legal.FixedRange{Min: vnd(2_000_000), Max: vnd(5_000_000)}, func(v *legal.Violation) { v.Subjects = []legal.SubjectKind{legal.Organisation} }),
			kind: legal.Individual, code: errs.CodeViolationNotApplicable},
		{name: "organisation-only clause, household business", v: violation(legal.FixedRange{Min: vnd(2_000_000), Max: vnd(5_000_000)}, func(v *legal.Violation) { v.Subjects = []legal.SubjectKind{legal.Organisation} }),
			kind: legal.HouseholdBusiness, code: errs.CodeViolationNotApplicable},
		{name: "unknown subject kind", v: fixed, kind: "cooperative", code: errs.CodeValidation},

		{name: "tiers: first tier, lower edge", v: violation(gainTiers), kind: legal.Individual, quantity: vnd(0), min: 5_000_000, max: 10_000_000, def: 7_500_000, confirmed: true},
		{name: "tiers: upper bound belongs to its tier", v: violation(gainTiers), kind: legal.Individual, quantity: vnd(10_000_000), min: 5_000_000, max: 10_000_000, def: 7_500_000, confirmed: true},
		{name: "tiers: one đồng over moves up", v: violation(gainTiers), kind: legal.Individual, quantity: vnd(10_000_001), min: 10_000_000, max: 20_000_000, def: 15_000_000, confirmed: true},
		{name: "tiers: doubled for an organisation", v: violation(gainTiers), kind: legal.Organisation, quantity: vnd(30_000_000), min: 20_000_000, max: 40_000_000, def: 30_000_000, doubled: true, confirmed: true},
		{name: "tiers: an unconfirmed tier is unconfirmed", v: violation(gainTiers), kind: legal.Individual, quantity: vnd(80_000_000), min: 20_000_000, max: 40_000_000, def: 30_000_000},
		{name: "tiers: a tier without amounts", v: violation(gainTiers), kind: legal.Individual, quantity: vnd(150_000_000), code: errs.CodeFineRangeMissing},
		{name: "tiers: quantity required", v: violation(gainTiers), kind: legal.Individual, code: errs.CodeFineQuantityRequired},
		{name: "tiers: negative quantity", v: violation(gainTiers), kind: legal.Individual, quantity: vnd(-1), code: errs.CodeValidation},
		{name: "tiers: none known (value of goods, bounds unknown)", v: violation(legal.Tiers{Quantity: legal.GoodsValue}), kind: legal.Organisation, quantity: vnd(200_000_000), code: errs.CodeFineRangeMissing},

		{name: "multiple of the declared value", v: violation(legal.Multiple{Of: legal.GoodsValue, MinTimes: factor(1), MaxTimes: factor(3)}), kind: legal.Individual,
			quantity: vnd(7_000_000), min: 7_000_000, max: 21_000_000, def: 14_000_000, confirmed: true},
		{name: "multiple, fractional, organisation", v: violation(legal.Multiple{Of: legal.GoodsValue, MinTimes: factor(0.5), MaxTimes: factor(1.5)}), kind: legal.Organisation,
			quantity: vnd(1_000_001), min: 1_000_002, max: 3_000_004, def: 2_000_003, doubled: true, confirmed: true},
		{name: "multiple: value required", v: violation(legal.Multiple{Of: legal.GoodsValue, MinTimes: factor(1), MaxTimes: factor(2)}), kind: legal.Individual, code: errs.CodeFineQuantityRequired},
		{name: "multiple: multipliers unknown", v: violation(legal.Multiple{Of: legal.GoodsValue}), kind: legal.Individual, quantity: vnd(1), code: errs.CodeFineRangeMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := tc.v.Range(tc.kind, tc.quantity)
			if tc.code != "" {
				if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != tc.code {
					t.Fatalf("got %+v, %v; want invalid/%s", r, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if r.Min != tc.min || r.Max != tc.max || r.Default() != tc.def || r.Doubled != tc.doubled || r.Confirmed != tc.confirmed {
				t.Fatalf("got %+v (default %d), want [%d, %d] default %d doubled %v confirmed %v", r, r.Default(), tc.min, tc.max, tc.def, tc.doubled, tc.confirmed)
			}
			if !r.Contains(tc.min) || !r.Contains(tc.max) || r.Contains(tc.max+1) || r.Contains(tc.min-1) {
				t.Fatalf("Contains is wrong at the bounds of %+v", r)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	chief := legal.AuthorityCap{Title: legal.TitleChiefInspector, MaxFine: vnd(50_000_000)}
	inspector := legal.AuthorityCap{Title: legal.TitleInspector, MaxFine: vnd(500_000)}
	province := legal.AuthorityCap{Title: legal.TitleProvincialChairman, Unlimited: true}
	unknown := legal.AuthorityCap{Title: legal.TitleSubDepartmentHead}
	rangeOf := func(t *testing.T, min, max int64, kind legal.SubjectKind) legal.FineRange {
		t.Helper()
		r, err := violation(legal.FixedRange{Min: vnd(min), Max: vnd(max)}).Range(kind, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	cases := []struct {
		name     string
		cap      legal.AuthorityCap
		min, max int64
		kind     legal.SubjectKind
		want     bool
		code     errs.Code
	}{
		{name: "maximum equal to the cap", cap: chief, min: 40_000_000, max: 50_000_000, kind: legal.Individual, want: true},
		{name: "maximum over the cap, though the middle is under it", cap: chief, min: 10_000_000, max: 60_000_000, kind: legal.Individual, want: false},
		{name: "organisation: range and cap both doubled", cap: chief, min: 40_000_000, max: 50_000_000, kind: legal.Organisation, want: true},
		{name: "organisation over the doubled cap", cap: chief, min: 40_000_000, max: 60_000_000, kind: legal.Organisation, want: false},
		{name: "household business measured as an individual", cap: inspector, min: 200_000, max: 500_000, kind: legal.HouseholdBusiness, want: true},
		{name: "inspector on duty cannot decide a 0.5–1 M range", cap: inspector, min: 500_000, max: 1_000_000, kind: legal.Individual, want: false},
		{name: "up to the field's maximum", cap: province, min: 500_000_000, max: 1_000_000_000, kind: legal.Organisation, want: true},
		{name: "unknown cap", cap: unknown, min: 1, max: 2, kind: legal.Individual, code: errs.CodeAuthorityCapMissing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := legal.Covers(tc.cap, rangeOf(t, tc.min, tc.max, tc.kind))
			if tc.code != "" {
				if errs.CodeOf(err) != tc.code {
					t.Fatalf("got %v, %v; want %s", got, err, tc.code)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Covers = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestValidateFine(t *testing.T) {
	cases := []struct {
		name  string
		fine  legal.FineModel
		field string // the first field expected wrong; "" for valid
	}{
		{name: "unknown range is valid", fine: legal.FixedRange{}},
		{name: "known range", fine: legal.FixedRange{Min: vnd(1), Max: vnd(2)}},
		{name: "half a range", fine: legal.FixedRange{Min: vnd(1)}, field: "fine.max"},
		{name: "reversed", fine: legal.FixedRange{Min: vnd(3), Max: vnd(2)}, field: "fine.max"},
		{name: "tiers in order", fine: gainTiers},
		{name: "tiers with a gap", fine: legal.Tiers{Quantity: legal.IllegalGain, Tiers: []legal.Tier{
			{UpTo: vnd(10), LegalBasis: "a", Source: "s"}, {Over: vnd(11), LegalBasis: "b", Source: "s"}}}, field: "fine.tiers[1].over"},
		{name: "open tier before the last", fine: legal.Tiers{Quantity: legal.IllegalGain, Tiers: []legal.Tier{
			{LegalBasis: "a", Source: "s"}, {Over: vnd(11), LegalBasis: "b", Source: "s"}}}, field: "fine.tiers[0].up_to"},
		{name: "first tier must start at zero", fine: legal.Tiers{Quantity: legal.IllegalGain, Tiers: []legal.Tier{
			{Over: vnd(5), LegalBasis: "a", Source: "s"}}}, field: "fine.tiers[0].over"},
		{name: "unknown quantity", fine: legal.Tiers{Quantity: "weight"}, field: "fine.quantity"},
		{name: "multiple", fine: legal.Multiple{Of: legal.GoodsValue, MinTimes: factor(1), MaxTimes: factor(2)}},
		{name: "multiple reversed", fine: legal.Multiple{Of: legal.GoodsValue, MinTimes: factor(3), MaxTimes: factor(2)}, field: "fine.max_times"},
		{name: "no model", fine: nil, field: "fine"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := violation(tc.fine).Validate()
			switch {
			case tc.field == "" && len(f) > 0:
				t.Fatalf("valid fine refused: %v", f)
			case tc.field != "" && (len(f) == 0 || f[0].Field != tc.field):
				t.Fatalf("got %v, want a problem with %s", f, tc.field)
			}
		})
	}
}
