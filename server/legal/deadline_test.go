package legal_test

import (
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

func day(y int, m time.Month, d int) legal.Date { return legal.NewDate(y, m, d) }

// at is an instant in Vietnam.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, legal.Zone)
}

func seed(t testing.TB) legal.Catalogue {
	t.Helper()
	c, err := legal.Seed()
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	return c
}

func TestWorkingDays(t *testing.T) {
	cal := seed(t).Calendar()
	cases := []struct {
		name    string
		day     legal.Date
		working bool
	}{
		{"an ordinary Monday", day(2025, 3, 10), true},
		{"a Saturday", day(2025, 3, 15), false},
		{"a Sunday", day(2025, 3, 16), false},
		{"Tết Ất Tỵ (mùng 1)", day(2025, 1, 29), false},
		{"the compensating Saturday of 30/4/2025", day(2025, 4, 26), true},
		{"the Friday swapped off for it", day(2025, 5, 2), false},
		{"the compensating Saturday of 30/4/2024", day(2024, 5, 4), true},
		{"a weekday in lieu of a Sunday holiday (Giỗ Tổ 2026)", day(2026, 4, 27), false},
		{"Tết Dương lịch 2026, swapped Friday", day(2026, 1, 2), false},
		{"and its compensating Saturday", day(2026, 1, 10), true},
	}
	for _, tc := range cases {
		if got := cal.IsWorkingDay(tc.day); got != tc.working {
			t.Errorf("%s: IsWorkingDay(%s) = %v, want %v", tc.name, tc.day, got, tc.working)
		}
	}
	// The free function counts on the same calendar.
	if got := legal.AddWorkingDays(day(2025, 1, 24), 7, seed(t).Holidays); !got.Equal(day(2025, 2, 11)) {
		t.Errorf("AddWorkingDays over Tết 2025 = %s, want 2025-02-11", got)
	}
	if got := legal.AddWorkingDays(day(2025, 3, 14), 0, nil); !got.Equal(day(2025, 3, 14)) {
		t.Errorf("AddWorkingDays(…, 0) = %s, want the day itself", got)
	}
}

func TestDue(t *testing.T) {
	c := seed(t)
	cases := []struct {
		name        string
		event       legal.Event
		from        time.Time
		mountain    bool
		last        legal.Date
		provisional bool
	}{
		{name: "decision, 7 working days over two weekends", event: legal.EventDecision, from: at(2023, 6, 15, 9, 0), last: day(2023, 6, 26)},
		{name: "decision, 7 working days across Tết Ất Tỵ", event: legal.EventDecision, from: at(2025, 1, 24, 15, 0), last: day(2025, 2, 11)},
		{name: "decision, the day of the record is not counted even at 23:59", event: legal.EventDecision, from: at(2025, 3, 10, 23, 59), last: day(2025, 3, 19)},
		{name: "an act at 23:30 UTC counts from the next day in Vietnam", event: legal.EventDecision, from: time.Date(2025, 3, 9, 23, 30, 0, 0, time.UTC), last: day(2025, 3, 19)},
		{name: "national database, 2 working days, holidays then a compensating Saturday", event: legal.EventNationalDatabase, from: at(2024, 4, 26, 10, 0), last: day(2024, 5, 3)},
		{name: "national database, mountain area: 4 working days, the compensating Saturday counts", event: legal.EventNationalDatabase, from: at(2024, 4, 26, 10, 0), mountain: true, last: day(2024, 5, 6)},
		{name: "national database counts a compensating Saturday first", event: legal.EventNationalDatabase, from: at(2025, 4, 25, 10, 0), last: day(2025, 4, 28)},
		{name: "national database, mountain, across 30/4–1/5/2025", event: legal.EventNationalDatabase, from: at(2025, 4, 25, 10, 0), mountain: true, last: day(2025, 5, 5)},
		{name: "a rule without a mountain variant ignores mountain", event: legal.EventDecision, from: at(2023, 6, 15, 9, 0), mountain: true, last: day(2023, 6, 26)},
		{name: "payment, 10 days ending in Tết: moves to the next working day", event: legal.EventPayment, from: at(2025, 1, 17, 9, 0), last: day(2025, 2, 3)},
		{name: "payment, 10 days ending on a working day", event: legal.EventPayment, from: at(2025, 3, 3, 9, 0), last: day(2025, 3, 13)},
		{name: "one month from 31 January ends on 29 February", event: legal.EventDecisionExplained, from: at(2024, 1, 31, 9, 0), last: day(2024, 2, 29)},
		{name: "one month ending on a Tết Saturday moves past Tết", event: legal.EventDecisionExplained, from: at(2026, 1, 14, 9, 0), last: day(2026, 2, 23)},
		{name: "two months in all for complex cases", event: legal.EventDecisionComplex, from: at(2025, 3, 3, 9, 0), last: day(2025, 5, 5)},
		{name: "a period reaching a year without holiday data is provisional", event: legal.EventDecision, from: at(2026, 12, 28, 9, 0), last: day(2027, 1, 6), provisional: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dl, err := c.Due(tc.event, tc.from, tc.mountain)
			if err != nil {
				t.Fatal(err)
			}
			if !dl.Last.Equal(tc.last) || dl.Provisional != tc.provisional {
				t.Fatalf("due %s (provisional %v), want %s (provisional %v)", dl.Last, dl.Provisional, tc.last, tc.provisional)
			}
			if want := tc.last.AddDays(1).Start(); !dl.Ends.Equal(want) {
				t.Fatalf("ends at %s, want %s (the end of the last day in Vietnam)", dl.Ends, want)
			}
		})
	}
	t.Run("hours: 24 hours after the record", func(t *testing.T) {
		from := at(2025, 1, 28, 10, 30)
		dl, err := c.Due(legal.EventRecordTransfer, from, false)
		if err != nil {
			t.Fatal(err)
		}
		if !dl.Ends.Equal(from.Add(24*time.Hour)) || !dl.Last.IsZero() {
			t.Fatalf("got %+v", dl)
		}
	})
	t.Run("no rule in force on the day", func(t *testing.T) {
		// The 7-working-day rule comes from Law 67/2020, in force on 1 January 2022.
		if _, err := c.Due(legal.EventDecision, at(2021, 12, 31, 9, 0), false); errs.CodeOf(err) != errs.CodeDeadlineRuleNotFound {
			t.Fatalf("got %v, want %s", err, errs.CodeDeadlineRuleNotFound)
		}
	})
}

func TestDateArithmetic(t *testing.T) {
	cases := []struct {
		from   legal.Date
		months int
		want   legal.Date
	}{
		{day(2024, 1, 31), 1, day(2024, 2, 29)},
		{day(2025, 1, 31), 1, day(2025, 2, 28)},
		{day(2025, 3, 31), 1, day(2025, 4, 30)},
		{day(2025, 11, 30), 2, day(2026, 1, 30)},
		{day(2025, 12, 31), 12, day(2026, 12, 31)},
	}
	for _, tc := range cases {
		if got := tc.from.AddMonths(tc.months); !got.Equal(tc.want) {
			t.Errorf("%s + %d months = %s, want %s", tc.from, tc.months, got, tc.want)
		}
	}
	if d, err := legal.ParseDate("2025-02-30"); err == nil {
		t.Errorf("ParseDate accepted 2025-02-30 as %s", d)
	}
	if d, err := legal.ParseDate(""); err != nil || !d.IsZero() || d.String() != "" {
		t.Errorf("ParseDate(\"\") = %v, %v; want the zero date", d, err)
	}
	if got := legal.DateOf(time.Date(2025, 6, 30, 17, 0, 0, 0, time.UTC)); !got.Equal(day(2025, 7, 1)) {
		t.Errorf("17:00 UTC on 30 June is %s in Vietnam, want 2025-07-01", got)
	}
}
