package penalty_test

import (
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// TestDeadlines counts the statutory periods from the dated rules of the seed catalogue on its
// calendar (Asia/Ho_Chi_Minh; public holidays and compensating working days as data). The expected
// days are counted by hand on the 2025–2026 calendars.
func TestDeadlines(t *testing.T) {
	r := rules(t)
	cases := []struct {
		name        string
		event       legal.Event
		from        time.Time
		mountain    bool
		last        legal.Date
		provisional bool
	}{
		{"decision, 7 working days over a month's end", legal.EventDecision, at(2025, 7, 24, 14, 0), false, day(2025, 8, 4), false},
		{"decision, 7 working days over Tết Bính Ngọ and into March", legal.EventDecision, at(2026, 2, 12, 10, 0), false, day(2026, 3, 2), false},
		{"decision, counting the compensating Saturday 10/01/2026", legal.EventDecision, at(2026, 1, 5, 9, 0), false, day(2026, 1, 13), false},
		{"decision, a record at 06:30 in Vietnam is 23:30 UTC the day before", legal.EventDecision, time.Date(2026, 1, 4, 23, 30, 0, 0, time.UTC), false, day(2026, 1, 13), false},
		{"decision, file transferred: 10 working days", legal.EventDecisionTransferred, at(2026, 1, 5, 9, 0), false, day(2026, 1, 16), false},
		{"decision with explanation: 1 month, to the end of February", legal.EventDecisionExplained, at(2025, 1, 31, 9, 0), false, day(2025, 2, 28), false},
		{"decision with explanation: 1 month ending in Tết moves to the next working day", legal.EventDecisionExplained, at(2026, 1, 16, 9, 0), false, day(2026, 2, 23), false},
		{"complex case: 2 months ending on a Saturday", legal.EventDecisionComplex, at(2025, 12, 31, 9, 0), false, day(2026, 3, 2), false},
		{"national database, mountain area: 4 working days with the compensating Saturday", legal.EventNationalDatabase, at(2026, 1, 9, 16, 0), true, day(2026, 1, 14), false},
		{"national database, elsewhere: 2 working days", legal.EventNationalDatabase, at(2026, 1, 9, 16, 0), false, day(2026, 1, 12), false},
		{"national database, 2 working days ending on the compensating Saturday 26/04/2025", legal.EventNationalDatabase, at(2025, 4, 24, 10, 0), false, day(2025, 4, 26), false},
		{"national database, mountain area, over 30/4–1/5/2025", legal.EventNationalDatabase, at(2025, 4, 24, 10, 0), true, day(2025, 4, 29), false},
		{"payment, 10 days ending on a Tết holiday", legal.EventPayment, at(2026, 2, 10, 8, 30), false, day(2026, 2, 23), false},
		{"payment, 10 days on an ordinary Thursday", legal.EventPayment, at(2025, 3, 3, 8, 30), false, day(2025, 3, 13), false},
		{"payment, 10 days ending on New Year's Day, then the swapped Friday", legal.EventPayment, at(2025, 12, 22, 8, 30), false, day(2026, 1, 5), false},
		{"written explanation: the 2013 rule, 5 calendar days", legal.EventExplainWritten, at(2021, 12, 27, 9, 0), false, day(2022, 1, 3), true},
		{"written explanation: the 2022 rule, 5 working days", legal.EventExplainWritten, at(2022, 1, 4, 9, 0), false, day(2022, 1, 11), true},
		{"decision into a year without holiday data: provisional", legal.EventDecision, at(2026, 12, 29, 9, 0), false, day(2027, 1, 7), true},
		{"enforcement limitation: 12 months", legal.EventEnforcementLimitation, at(2025, 3, 5, 9, 0), false, day(2026, 3, 5), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := penalty.DueFor(r, tc.event, tc.from, tc.mountain)
			if d.Missing || !d.Last.Equal(tc.last) || d.Provisional != tc.provisional || d.RuleID == "" || d.Basis == "" {
				t.Fatalf("due %+v, want last %s provisional %v", d, tc.last, tc.provisional)
			}
			if want := tc.last.AddDays(1).Start(); !d.Ends.Equal(want) {
				t.Fatalf("ends %s, want %s (the end of the last day in Vietnam)", d.Ends, want)
			}
		})
	}
	t.Run("no rule in force: missing, never a constant", func(t *testing.T) {
		d := penalty.DueFor(r, legal.EventNationalDatabase, at(2016, 1, 4, 9, 0), false) // TT 13/2016 took effect on 15/02/2017
		if !d.Missing || !d.Last.IsZero() {
			t.Fatalf("due %+v", d)
		}
	})
}

// TestCaseDeadlines: the case counts its decision period by its track from the first record, and its
// report period by its area.
func TestCaseDeadlines(t *testing.T) {
	r := rules(t)
	c := openCase(t, r, legal.Individual, at(2026, 1, 5, 9, 0), charge("RAD-107-13-2B", day(2026, 1, 5)))
	if !c.Dues.Decision.Last.Equal(day(2026, 1, 13)) || c.Dues.Decision.Event != legal.EventDecision {
		t.Fatalf("decision due %+v", c.Dues.Decision)
	}
	tracks := map[penalty.Track]legal.Date{
		penalty.TrackTransferred: day(2026, 1, 16),
		penalty.TrackExplained:   day(2026, 2, 5),
		penalty.TrackComplex:     day(2026, 3, 5),
		penalty.TrackStandard:    day(2026, 1, 13),
	}
	for track, want := range tracks {
		n, e, err := penalty.SetTrack(r, c, act(c, chief, at(2026, 1, 6, 9, 0), "Vụ việc nhiều tình tiết, đã báo cáo thủ trưởng"), track)
		if err != nil || !n.Dues.Decision.Last.Equal(want) || e.Data["track"] != string(track) {
			t.Errorf("%s: %v, due %+v, want %s", track, err, n.Dues.Decision, want)
		}
	}
	_, _, err := penalty.SetTrack(r, c, act(c, chief, at(2026, 1, 6, 9, 0), ""), penalty.TrackComplex)
	wantCode(t, err, errs.CodeReasonRequired, errs.Invalid)

	// Duties: at the end of the last day the decision is overdue; the explanation and enforcement
	// periods are never the department's duty.
	late := penalty.Duties(c, at(2026, 1, 14, 0, 0))
	onTime := penalty.Duties(c, at(2026, 1, 13, 23, 59))
	if len(late) != 1 || late[0].Name != "decision" || !late[0].Overdue || onTime[0].Overdue {
		t.Fatalf("duties %+v / %+v", late, onTime)
	}
	states := inState(t, r)
	issued := states[penalty.Issued]
	duties := penalty.Duties(issued, at(2026, 2, 12, 0, 0))
	overdue := map[string]bool{}
	for _, d := range duties {
		overdue[d.Name] = d.Overdue
	}
	// Issued on Thursday 5/2: send within 2 working days (Monday 9/2), report within 4 in a mountain
	// area (Wednesday 11/2); the enforcement limitation runs a year.
	if len(duties) != 3 || !overdue["send"] || !overdue["national_report"] || overdue["enforcement_limit"] {
		t.Fatalf("duties %+v", duties)
	}
	reported := step(t, issued, func() (penalty.Case, penalty.Event, error) {
		return penalty.ReportNational(r, issued, act(issued, clerk, at(2026, 2, 11, 15, 0), ""), "CSDL/2026/000123")
	})
	if reported.Dues.NationalReport != nil || reported.NationalReport.Reference != "CSDL/2026/000123" {
		t.Fatalf("report %+v dues %+v", reported.NationalReport, reported.Dues)
	}
	_, _, err = penalty.ReportNational(r, reported, act(reported, clerk, tLater, ""), "again")
	wantCode(t, err, errs.CodeCaseStateInvalid, errs.Conflict)
}

// TestBalance: late-payment interest accrues for each day after the payment period on the part of
// the fine unpaid at the start of the day, at the rate in force that day; payments go to the fine
// first. Figures by hand: 0.05 % of 10,000,000 đ is 5,000 đ a day.
func TestBalance(t *testing.T) {
	r := rules(t)
	delivered := func(total int64, paymentDays int, payments ...penalty.Payment) penalty.Case {
		return penalty.Case{State: penalty.Delivered, Decision: &penalty.Decision{Total: total, IssuedAt: at(2026, 2, 5, 15, 0), PaymentDays: paymentDays},
			Delivery: &penalty.Delivery{ReceivedAt: at(2026, 2, 10, 8, 30)}, Payments: payments}
	}
	paid := func(amount int64, on legal.Date) penalty.Payment {
		return penalty.Payment{Receipt: on.String(), Amount: amount, PaidOn: on}
	}
	twoRates := rules(t)
	twoRates.LateInterest = []penalty.InterestRule{
		{ID: "a", PerMillion: 500, Validity: legal.Validity{ValidFrom: day(2013, 7, 1), ValidTo: day(2026, 3, 1)}},
		{ID: "b", PerMillion: 1000, Validity: legal.Validity{ValidFrom: day(2026, 3, 1)}},
	}
	cases := []struct {
		name                  string
		r                     penalty.Rules
		c                     penalty.Case
		asOf                  legal.Date
		interest, outstanding int64
		days                  int
	}{
		{"on the last day of the period: nothing accrues", r, delivered(10_000_000, 0), day(2026, 2, 23), 0, 10_000_000, 0},
		{"7 days late (24/02–02/03)", r, delivered(10_000_000, 0), day(2026, 3, 2), 35_000, 10_035_000, 7},
		{"part paid late: interest follows the unpaid part", r,
			delivered(10_000_000, 0, paid(4_000_000, day(2026, 2, 26)), paid(6_027_000, day(2026, 3, 2))), day(2026, 3, 2), 27_000, 0, 7},
		{"the rest of the fine paid, the interest not", r,
			delivered(10_000_000, 0, paid(4_000_000, day(2026, 2, 26)), paid(6_000_000, day(2026, 3, 2))), day(2026, 3, 10), 27_000, 27_000, 7},
		{"paid in time: nothing, ever", r, delivered(10_000_000, 0, paid(10_000_000, day(2026, 2, 20))), day(2026, 6, 1), 0, 0, 0},
		{"the rate in force each day", twoRates, delivered(10_000_000, 0), day(2026, 3, 2), 45_000, 10_045_000, 7},
		{"rounded half up to the đồng", r, delivered(3_333_333, 0), day(2026, 2, 24), 1_667, 3_335_000, 1},
		{"a longer period set by the decision (30 days: to 12/03)", r, delivered(10_000_000, 30), day(2026, 3, 13), 5_000, 10_005_000, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := penalty.BalanceOf(tc.r, tc.c, tc.asOf)
			if err != nil {
				t.Fatal(err)
			}
			if b.Interest != tc.interest || b.Outstanding != tc.outstanding || b.DaysLate != tc.days || b.Fine != tc.c.Decision.Total {
				t.Fatalf("balance %+v, want interest %d outstanding %d days %d", b, tc.interest, tc.outstanding, tc.days)
			}
		})
	}
	t.Run("no interest rule in force", func(t *testing.T) {
		none := rules(t)
		none.LateInterest = nil
		_, err := penalty.BalanceOf(none, delivered(10_000_000, 0), day(2026, 3, 2))
		wantCode(t, err, errs.CodeInterestRuleNotFound, errs.NotFound)
		if _, err := penalty.BalanceOf(none, delivered(10_000_000, 0), day(2026, 2, 23)); err != nil {
			t.Fatalf("not late, no rule needed: %v", err)
		}
	})
}

// TestMountainAreas: a site under the province of Cao Bằng (code 04) is in a mountain area from
// 15/02/2017, so its decision is reported within 4 working days instead of 2; a site elsewhere, or a
// day before the rule, is not.
func TestMountainAreas(t *testing.T) {
	r := penalty.Rules{MountainAreas: penalty.ProvisionalMountainAreas}
	cases := []struct {
		name  string
		codes []string
		day   legal.Date
		want  bool
	}{
		{"district of Cao Bằng", []string{"042", "04"}, legal.NewDate(2024, 5, 2), true},
		{"commune after the reform", []string{"local-xa-bao-lam", "04"}, legal.NewDate(2025, 7, 2), true},
		{"another province", []string{"001", "01"}, legal.NewDate(2024, 5, 2), false},
		{"no unit", nil, legal.NewDate(2024, 5, 2), false},
		{"before the rule", []string{"04"}, legal.NewDate(2017, 2, 14), false},
		{"the first day", []string{"04"}, legal.NewDate(2017, 2, 15), true},
	}
	for _, c := range cases {
		if got := r.MountainOn(c.codes, c.day); got != c.want {
			t.Errorf("%s: MountainOn = %v, want %v", c.name, got, c.want)
		}
	}
}
