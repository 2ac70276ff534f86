package penalty_test

import (
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// TestRanges: the range is the catalogue version's in force on the violation date, the tier chosen by
// the declared quantity (D14), doubled for organisations only (D25); a missing range is never
// invented.
func TestRanges(t *testing.T) {
	r := rules(t)
	d := day(2025, 6, 10)
	cases := []struct {
		name       string
		kind       legal.SubjectKind
		ch         penalty.Charge
		min, max   int64
		doubled    bool
		unverified bool
		code       errs.Code // when no range
	}{
		{"fixed range, individual", legal.Individual, charge("RAD-107-13-2B", d), 2_000_000, 5_000_000, false, false, ""},
		{"fixed range, household business as an individual (D25)", legal.HouseholdBusiness, charge("RAD-107-13-2B", d), 2_000_000, 5_000_000, false, false, ""},
		{"fixed range, organisation doubled", legal.Organisation, charge("RAD-107-13-2B", d), 4_000_000, 10_000_000, true, false, ""},
		{"tier by illegal gain: up to 10M", legal.Individual, penalty.Charge{Code: "MEAS-119-14-2", Detected: d, Quantity: ptr[int64](10_000_000)}, 5_000_000, 10_000_000, false, false, ""},
		{"tier by illegal gain: just over 10M", legal.Individual, penalty.Charge{Code: "MEAS-119-14-2", Detected: d, Quantity: ptr[int64](10_000_001)}, 10_000_000, 20_000_000, false, false, ""},
		{"tier by illegal gain, organisation", legal.Organisation, penalty.Charge{Code: "MEAS-119-14-2", Detected: d, Quantity: ptr[int64](60_000_000)}, 40_000_000, 80_000_000, true, false, ""},
		{"tier named by its old alias", legal.Individual, penalty.Charge{Code: "MEAS-119-14-2B", Detected: d, Quantity: ptr[int64](30_000_000)}, 10_000_000, 20_000_000, false, false, ""},
		{"top tier not known", legal.Individual, penalty.Charge{Code: "MEAS-119-14-2", Detected: d, Quantity: ptr[int64](150_000_000)}, 0, 0, false, false, errs.CodeFineRangeMissing},
		{"tier without its quantity", legal.Individual, charge("MEAS-119-14-2", d), 0, 0, false, false, errs.CodeFineQuantityRequired},
		{"range missing in every source", legal.Organisation, charge("RAD-107-06-XRAY", d), 0, 0, false, false, errs.CodeFineRangeMissing},
		{"provision addressed to organisations only", legal.Individual, charge("RAD-107-27-2D", d), 0, 0, false, false, errs.CodeViolationNotApplicable},
		{"no version on the violation date", legal.Individual, charge("FUEL-119-29-1", day(2021, 12, 31)), 0, 0, false, false, errs.CodeViolationNotFound},
		{"the version in force from its first day", legal.Individual, charge("FUEL-119-29-1", day(2022, 1, 1)), 40_000_000, 60_000_000, false, false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t, r, tc.kind, at(2025, 6, 10, 9, 0), tc.ch)
			a := penalty.Assess(r, c, d)[0]
			if tc.code != "" {
				wantCode(t, a.RangeErr, tc.code, "")
				if a.Range != nil || a.Fineable() {
					t.Fatalf("range %v invented", a.Range)
				}
				return
			}
			if a.RangeErr != nil {
				t.Fatal(a.RangeErr)
			}
			if a.Range.Min != tc.min || a.Range.Max != tc.max || a.Range.Doubled != tc.doubled || a.Unverified != tc.unverified {
				t.Fatalf("range %+v unverified %v, want %d–%d doubled %v unverified %v", *a.Range, a.Unverified, tc.min, tc.max, tc.doubled, tc.unverified)
			}
		})
	}
}

// TestPropose: the middle of the range moved by net circumstances, one half-step each with two steps
// to the bound, never outside the range.
func TestPropose(t *testing.T) {
	rg := legal.FineRange{Min: 2_000_000, Max: 5_000_000}
	org := legal.FineRange{Min: 4_000_000, Max: 10_000_000, Doubled: true}
	p := penalty.ProposalPolicy{StepsToBound: 2}
	cases := []struct {
		name        string
		rg          legal.FineRange
		mit, agg    int
		policy      penalty.ProposalPolicy
		want        int64
		lower, uppr int64
	}{
		{"no circumstance: the middle", rg, 0, 0, p, 3_500_000, 3_500_000, 3_500_000},
		{"one mitigating: half-way down", rg, 1, 0, p, 2_750_000, 2_000_000, 3_500_000},
		{"two mitigating: the minimum", rg, 2, 0, p, 2_000_000, 2_000_000, 3_500_000},
		{"five mitigating: still the minimum", rg, 5, 0, p, 2_000_000, 2_000_000, 3_500_000},
		{"one aggravating: half-way up", rg, 0, 1, p, 4_250_000, 3_500_000, 5_000_000},
		{"three aggravating: the maximum", rg, 0, 3, p, 5_000_000, 3_500_000, 5_000_000},
		{"one of each: the middle", rg, 1, 1, p, 3_500_000, 2_000_000, 5_000_000},
		{"organisation: the middle of the doubled range", org, 0, 0, p, 7_000_000, 7_000_000, 7_000_000},
		{"organisation, one aggravating", org, 0, 1, p, 8_500_000, 7_000_000, 10_000_000},
		{"policy without steps goes to the bound", rg, 0, 1, penalty.ProposalPolicy{}, 5_000_000, 3_500_000, 5_000_000},
		{"odd range: whole đồng", legal.FineRange{Min: 500_000, Max: 1_000_001}, 0, 1, p, 875_000, 750_000, 1_000_001},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := penalty.Propose(tc.rg, tc.mit, tc.agg, tc.policy)
			lo, hi := penalty.Bounds(tc.rg, tc.mit, tc.agg)
			if got != tc.want || lo != tc.lower || hi != tc.uppr {
				t.Fatalf("Propose = %d, Bounds = %d–%d; want %d, %d–%d", got, lo, hi, tc.want, tc.lower, tc.uppr)
			}
			if !tc.rg.Contains(got) || got < lo || got > hi {
				t.Fatalf("%d outside %+v or %d–%d", got, tc.rg, lo, hi)
			}
		})
	}
}

// TestCheckAmount: an amount must lie in the range for the subject's kind, below the middle only
// with a mitigating and above it only with an aggravating circumstance.
func TestCheckAmount(t *testing.T) {
	r := rules(t)
	d := day(2025, 6, 10)
	mit := penalty.Circumstance{Kind: penalty.Mitigating, Text: "Tự nguyện khắc phục"}
	agg := penalty.Circumstance{Kind: penalty.Aggravating, Text: "Vi phạm nhiều lần"}
	cases := []struct {
		name   string
		kind   legal.SubjectKind
		cs     []penalty.Circumstance
		amount int64
		code   errs.Code
	}{
		{"the middle", legal.Individual, nil, 3_500_000, ""},
		{"below the middle without mitigating", legal.Individual, nil, 3_000_000, errs.CodeFineNotJustified},
		{"above the middle without aggravating", legal.Individual, nil, 4_000_000, errs.CodeFineNotJustified},
		{"the minimum with mitigating", legal.Individual, []penalty.Circumstance{mit}, 2_000_000, ""},
		{"under the minimum even with mitigating", legal.Individual, []penalty.Circumstance{mit}, 1_999_999, errs.CodeFineOutsideRange},
		{"the maximum with aggravating", legal.Individual, []penalty.Circumstance{agg}, 5_000_000, ""},
		{"over the maximum even with aggravating", legal.Individual, []penalty.Circumstance{agg}, 5_000_001, errs.CodeFineOutsideRange},
		{"an organisation's doubled maximum", legal.Organisation, []penalty.Circumstance{agg}, 10_000_000, ""},
		{"an individual's range for an organisation", legal.Organisation, []penalty.Circumstance{mit}, 3_500_000, errs.CodeFineOutsideRange},
		{"an organisation's amount for a household business", legal.HouseholdBusiness, []penalty.Circumstance{agg}, 7_000_000, errs.CodeFineOutsideRange},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ch := charge("RAD-107-13-2B", d)
			ch.Circumstances = tc.cs
			a := penalty.Assess(r, openCase(t, r, tc.kind, at(2025, 6, 10, 9, 0), ch), d)[0]
			err := penalty.CheckAmount(a, tc.amount)
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, tc.code, errs.Invalid)
			if len(errs.FieldsOf(err)) != 1 || errs.FieldsOf(err)[0].Field != "fines[0].amount" {
				t.Fatalf("fields %v", errs.FieldsOf(err))
			}
		})
	}
}

// TestCompetence: competence is measured by the maximum of each charge's range (doubled with the cap
// for organisations), under the titles the person holds on the day — not by account, not by the
// proposed amount.
func TestCompetence(t *testing.T) {
	r := rules(t)
	d := day(2026, 3, 2)
	cases := []struct {
		name     string
		person   string
		campaign string
		kind     legal.SubjectKind
		charges  []penalty.Charge
		covered  bool
		title    legal.Title
		exceeded []string // codes not covered
	}{
		{"chief, individual, 35M under a 50M cap", "p-chief", "camp-1", legal.Individual, []penalty.Charge{charge("RAD-107-06-6A", d)}, true, "chanh_thanh_tra_so", nil},
		{"chief, organisation, 70M under the doubled 100M cap", "p-chief", "camp-1", legal.Organisation, []penalty.Charge{charge("RAD-107-06-6A", d)}, true, "chanh_thanh_tra_so", nil},
		{"chief, organisation, exactly the doubled cap", "p-chief", "camp-1", legal.Organisation, []penalty.Charge{charge("FUEL-99-21-2", d)}, true, "chanh_thanh_tra_so", nil},
		{"chief, organisation, 120M over the doubled cap", "p-chief", "camp-1", legal.Organisation, []penalty.Charge{charge("FUEL-119-29-1", d)}, false, "chanh_thanh_tra_so", []string{"FUEL-119-29-1"}},
		{"chief, individual, 60M over the 50M cap", "p-chief", "camp-1", legal.Individual, []penalty.Charge{charge("FUEL-119-29-1", d)}, false, "chanh_thanh_tra_so", []string{"FUEL-119-29-1"}},
		{"one charge over the cap sends the whole case", "p-chief", "camp-1", legal.Individual,
			[]penalty.Charge{charge("RAD-107-13-2B", d), charge("FUEL-119-29-1", d)}, false, "chanh_thanh_tra_so", []string{"FUEL-119-29-1"}},
		{"inspector: a 1M maximum over the 500k cap, though the proposal is 750k", "p-insp", "camp-1", legal.Individual, []penalty.Charge{charge("RAD-107-13-1", d)}, false, "thanh_tra_vien", []string{"RAD-107-13-1"}},
		{"team leader of this campaign", "p-lead", "camp-1", legal.Individual, []penalty.Charge{charge("RAD-107-06-6A", d)}, true, "truong_doan", nil},
		{"team leader of another campaign holds no title here", "p-lead", "camp-2", legal.Individual, []penalty.Charge{charge("RAD-107-06-6A", d)}, false, "", nil},
		{"a title that ended before the day", "p-former", "camp-1", legal.Individual, []penalty.Charge{charge("RAD-107-13-2B", d)}, false, "", nil},
		{"a cap whose amount is not known", "p-tdc", "camp-1", legal.Individual, []penalty.Charge{charge("MEAS-119-09-2A", d)}, false, "chi_cuc_truong_tdc", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t, r, tc.kind, at(2026, 3, 2, 9, 0), tc.charges...)
			c.CampaignID = tc.campaign
			comp := penalty.CompetenceOf(r, c, penalty.Assess(r, c, d), titles[tc.person], d)
			if comp.Covered != tc.covered || comp.Title != tc.title {
				t.Fatalf("covered %v title %q, want %v %q (%+v)", comp.Covered, comp.Title, tc.covered, tc.title, comp)
			}
			var exceeded []string
			for _, chk := range comp.Checks {
				if !chk.Covered && !chk.Unknown {
					exceeded = append(exceeded, chk.Code)
				}
			}
			if tc.title != "" && strings.Join(exceeded, ",") != strings.Join(tc.exceeded, ",") {
				t.Fatalf("exceeded %v, want %v (%+v)", exceeded, tc.exceeded, comp.Checks)
			}
			if tc.covered && (comp.CapID == "" || comp.TitleName == "" || comp.CapBasis == "") {
				t.Fatalf("competence without its cap: %+v", comp)
			}
		})
	}
}

// TestLimitation: 1 year for measurement and quality (Decree 119), 2 years for atomic energy (Decree
// 107), from the day the act ended or, while it went on, from detection; the last day still counts.
func TestLimitation(t *testing.T) {
	r := rules(t)
	cases := []struct {
		name    string
		ch      penalty.Charge
		on      legal.Date
		last    legal.Date
		expired bool
	}{
		{"2 years (Decree 107), ended act: last day", penalty.Charge{Code: "RAD-107-13-2B", Detected: day(2025, 3, 20), Ended: day(2025, 3, 10)}, day(2027, 3, 10), day(2027, 3, 10), false},
		{"2 years (Decree 107), ended act: the day after", penalty.Charge{Code: "RAD-107-13-2B", Detected: day(2025, 3, 20), Ended: day(2025, 3, 10)}, day(2027, 3, 11), day(2027, 3, 10), true},
		{"1 year (Decree 119), ongoing act, from detection: last day", charge("MEAS-119-09-2A", day(2025, 3, 10)), day(2026, 3, 10), day(2026, 3, 10), false},
		{"1 year, ongoing act, the day after", charge("MEAS-119-09-2A", day(2025, 3, 10)), day(2026, 3, 11), day(2026, 3, 10), true},
		{"29 February + 1 year", charge("MEAS-119-09-2A", day(2024, 2, 29)), day(2025, 3, 1), day(2025, 2, 28), true},
		{"2 years for petroleum trade (Decree 99)", charge("FUEL-99-21-1", day(2024, 7, 1)), day(2026, 7, 1), day(2026, 7, 1), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t, r, legal.Individual, at(2025, 3, 20, 9, 0), tc.ch)
			l := penalty.Assess(r, c, tc.on)[0].Limitation
			if l.Err != nil || !l.Last.Equal(tc.last) || l.Expired != tc.expired || l.Confirmed {
				t.Fatalf("limitation %+v, want last %s expired %v (unconfirmed)", l, tc.last, tc.expired)
			}
		})
	}
	t.Run("no limitation known for the decree", func(t *testing.T) {
		c := openCase(t, r, legal.Individual, at(2025, 3, 20, 9, 0), charge("GEN-OBSTRUCT", day(2025, 3, 20)))
		wantCode(t, penalty.Assess(r, c, day(2025, 3, 21))[0].Limitation.Err, errs.CodeLimitationNotFound, errs.NotFound)
	})
}

// TestRepeatCandidates: earlier decisions against the subject within the window of Art. 7 on the
// violation date are shown; only those for the same act are a repeat offence.
func TestRepeatCandidates(t *testing.T) {
	r := rules(t)
	prior := func(id string, issued, executed legal.Date, warning bool, codes ...string) penalty.PriorDecision {
		return penalty.PriorDecision{CaseID: id, Number: 3, Year: issued.Year(), IssuedOn: issued, ExecutedOn: executed, Warning: warning, Codes: codes}
	}
	cases := []struct {
		name   string
		ch     penalty.Charge
		prior  penalty.PriorDecision
		listed bool
		same   bool
		ends   legal.Date
	}{
		{"same act, executed 11 months before", charge("MEAS-119-14-1A", day(2026, 2, 20)), prior("old", day(2025, 2, 1), day(2025, 3, 1), false, "MEAS-119-14-1A"), true, true, day(2026, 3, 1)},
		{"same act, on the window's last day", charge("MEAS-119-14-1A", day(2026, 3, 1)), prior("old", day(2025, 2, 1), day(2025, 3, 1), false, "MEAS-119-14-1A"), true, true, day(2026, 3, 1)},
		{"same act, the day after the window", charge("MEAS-119-14-1A", day(2026, 3, 2)), prior("old", day(2025, 2, 1), day(2025, 3, 1), false, "MEAS-119-14-1A"), false, false, legal.Date{}},
		{"after a warning the window is 6 months", charge("MEAS-119-14-1A", day(2025, 9, 2)), prior("old", day(2025, 2, 1), day(2025, 3, 1), true, "MEAS-119-14-1A"), false, false, legal.Date{}},
		{"a warning within its 6 months", charge("MEAS-119-14-1A", day(2025, 9, 1)), prior("old", day(2025, 2, 1), day(2025, 3, 1), true, "MEAS-119-14-1A"), true, true, day(2025, 9, 1)},
		{"not executed yet: always within", charge("MEAS-119-14-1A", day(2026, 6, 1)), prior("old", day(2024, 2, 1), legal.Date{}, false, "MEAS-119-14-1A"), true, true, legal.Date{}},
		{"another act: shown, not a repeat", charge("MEAS-119-14-1A", day(2026, 2, 20)), prior("old", day(2025, 2, 1), day(2025, 3, 1), false, "MEAS-119-09-2A"), true, false, day(2026, 3, 1)},
		{"the same entry by its alias", penalty.Charge{Code: "MEAS-119-14-2A", Detected: day(2026, 2, 20), Quantity: ptr[int64](1)}, prior("old", day(2025, 2, 1), day(2025, 3, 1), false, "MEAS-119-14-2"), true, true, day(2026, 3, 1)},
		{"a decision after the act is no repeat", charge("MEAS-119-14-1A", day(2026, 2, 20)), prior("old", day(2026, 2, 20), legal.Date{}, false, "MEAS-119-14-1A"), false, false, legal.Date{}},
		{"the case itself", charge("MEAS-119-14-1A", day(2026, 2, 20)), prior("case-1", day(2025, 2, 1), legal.Date{}, false, "MEAS-119-14-1A"), false, false, legal.Date{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t, r, legal.Individual, at(2026, 2, 20, 9, 0), tc.ch)
			got, err := penalty.RepeatCandidates(r, c, []penalty.PriorDecision{tc.prior})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != map[bool]int{true: 1, false: 0}[tc.listed] {
				t.Fatalf("candidates %+v, listed %v", got, tc.listed)
			}
			if tc.listed && (got[0].SameAct != tc.same || !got[0].WindowEnds.Equal(tc.ends) || got[0].Prior.CaseID != tc.prior.CaseID) {
				t.Fatalf("candidate %+v, want same %v ends %s", got[0], tc.same, tc.ends)
			}
		})
	}
}

// TestExplanationRight: the subject may explain when a range's maximum reaches 15M for an individual
// or 30M for an organisation (Art. 61, unconfirmed), or when a range is unknown.
func TestExplanationRight(t *testing.T) {
	r := rules(t)
	d := day(2025, 6, 10)
	cases := []struct {
		name  string
		kind  legal.SubjectKind
		ch    penalty.Charge
		right bool
	}{
		{"individual, 5M maximum", legal.Individual, charge("RAD-107-13-2B", d), false},
		{"individual, 35M maximum", legal.Individual, charge("RAD-107-06-6A", d), true},
		{"organisation, 10M doubled to 20M", legal.Organisation, charge("MEAS-119-14-1A", d), false},
		{"organisation, 15M tier doubled to 30M", legal.Organisation, penalty.Charge{Code: "MEAS-119-14-2", Detected: d, Quantity: ptr[int64](20_000_000)}, true},
		{"individual, 20M tier", legal.Individual, penalty.Charge{Code: "MEAS-119-14-2", Detected: d, Quantity: ptr[int64](20_000_000)}, true},
		{"unknown range: granted", legal.Individual, charge("RAD-107-06-XRAY", d), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := openCase(t, r, tc.kind, at(2025, 6, 10, 9, 0), tc.ch)
			got, err := penalty.ExplanationRight(r, c)
			if err != nil || got != tc.right || c.Explanation.Right != tc.right {
				t.Fatalf("right %v (case %v) %v, want %v", got, c.Explanation.Right, err, tc.right)
			}
			if (c.Dues.Explanation != nil) != tc.right {
				t.Fatalf("explanation period %+v", c.Dues.Explanation)
			}
		})
	}
	t.Run("no rule: granted, never denied for want of data", func(t *testing.T) {
		r := rules(t)
		r.ExplanationRights = nil
		c := openCase(t, r, legal.Individual, at(2025, 6, 10, 9, 0), charge("RAD-107-13-2B", d))
		_, err := penalty.ExplanationRight(r, c)
		wantCode(t, err, errs.CodeExplanationRuleNotFound, errs.NotFound)
		if !c.Explanation.Right {
			t.Fatal("right denied")
		}
	})
}
