package legal_test

import (
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// amended is a catalogue in which Decree 126/2021 changed an entry's range from 1 January 2022.
func amended() legal.Catalogue {
	v1 := violation(legal.FixedRange{Min: vnd(1_000_000), Max: vnd(2_000_000)}, func(v *legal.Violation) {
		v.ID, v.ValidTo, v.ReplacedBy = "v1", day(2022, 1, 1), "v2"
		v.Aliases = []string{"TEST-1-OLD"}
	})
	v2 := violation(legal.FixedRange{Min: vnd(3_000_000), Max: vnd(5_000_000)}, func(v *legal.Violation) {
		v.ID, v.ValidFrom = "v2", day(2022, 1, 1)
		v.Aliases = []string{"TEST-1-OLD"}
	})
	return legal.Catalogue{
		Decrees: []legal.Decree{
			{Number: "119/2017/NĐ-CP", Title: "NĐ 119", InForceFrom: day(2017, 12, 15), AmendedBy: []legal.Amendment{{Number: "126/2021/NĐ-CP", InForceFrom: day(2022, 1, 1)}}},
			{Number: "126/2021/NĐ-CP", Title: "NĐ 126", InForceFrom: day(2022, 1, 1)},
		},
		Violations: []legal.Violation{v2, v1},
	}
}

func TestViolationAt(t *testing.T) {
	c := amended()
	cases := []struct {
		name string
		code string
		on   legal.Date
		id   string // "" when none applies
	}{
		{"the day the decree took effect", "TEST-1", day(2017, 12, 15), "v1"},
		{"the day before", "TEST-1", day(2017, 12, 14), ""},
		{"the last day of the old version", "TEST-1", day(2021, 12, 31), "v1"},
		{"the day the amendment took effect", "TEST-1", day(2022, 1, 1), "v2"},
		{"long after, still in force", "TEST-1", day(2026, 11, 25), "v2"},
		{"by an alias", "TEST-1-OLD", day(2021, 6, 1), "v1"},
		{"an unknown code", "TEST-2", day(2022, 1, 1), ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := c.ViolationAt(tc.code, tc.on)
			if tc.id == "" {
				if errs.KindOf(err) != errs.NotFound || errs.CodeOf(err) != errs.CodeViolationNotFound {
					t.Fatalf("got %s, %v; want not found", v.ID, err)
				}
				return
			}
			if err != nil || v.ID != tc.id {
				t.Fatalf("got %q, %v; want %s", v.ID, err, tc.id)
			}
		})
	}
	if got := c.Versions("TEST-1-OLD"); len(got) != 2 || got[0].ID != "v1" || got[1].ID != "v2" {
		t.Errorf("Versions by alias = %v, want v1 then v2", got)
	}
	if err := c.Check(); err != nil {
		t.Errorf("Check: %v", err)
	}
}

func TestSeedLookups(t *testing.T) {
	c := seed(t)
	t.Run("checklist codes of the first pass find their merged entries", func(t *testing.T) {
		for alias, code := range map[string]string{"MEAS-119-10-T4": "MEAS-119-10", "MEAS-119-14-2C": "MEAS-119-14-2"} {
			v, err := c.ViolationAt(alias, day(2024, 5, 1))
			if err != nil || v.Code != code {
				t.Errorf("ViolationAt(%s) = %s, %v; want %s", alias, v.Code, err, code)
			}
		}
	})
	t.Run("blending fuel: the amended article from 1 January 2022 only", func(t *testing.T) {
		if _, err := c.ViolationAt("FUEL-119-29-1", day(2021, 12, 31)); errs.KindOf(err) != errs.NotFound {
			t.Errorf("found before Decree 126 took effect: %v", err)
		}
		v, err := c.ViolationAt("FUEL-119-29-1", day(2022, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.Range(legal.Organisation, nil)
		if err != nil || r.Min != 80_000_000 || r.Max != 120_000_000 {
			t.Errorf("organisation range %+v, %v; want 80–120 M", r, err)
		}
	})
	t.Run("diagnostic X-ray without a licence cannot be fined yet", func(t *testing.T) {
		v, err := c.ViolationAt("RAD-107-06-XRAY", day(2025, 5, 1))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Range(legal.Organisation, nil); errs.CodeOf(err) != errs.CodeFineRangeMissing {
			t.Errorf("got %v, want %s", err, errs.CodeFineRangeMissing)
		}
	})
	t.Run("dose records are corrected by the record-keeping clause", func(t *testing.T) {
		if got := c.CorrectedBy("RAD-107-DOSERECORD"); len(got) != 1 || got[0] != "RAD-107-DOSSIER-2" {
			t.Errorf("CorrectedBy = %v", got)
		}
	})
	t.Run("caps: the decree's own article first, then the Law's general rule", func(t *testing.T) {
		a, err := c.CapAt(legal.TitleInspector, "107/2013/NĐ-CP", day(2024, 1, 1))
		if err != nil || a.Decree != "107/2013/NĐ-CP" || !a.Confirmed || *a.MaxFine != 500_000 {
			t.Errorf("inspector under 107: %+v, %v", a, err)
		}
		a, err = c.CapAt(legal.TitleInspector, "119/2017/NĐ-CP", day(2024, 1, 1))
		if err != nil || a.Decree != "" || a.Confirmed {
			t.Errorf("inspector under 119 should fall back to the unconfirmed general rule: %+v, %v", a, err)
		}
		a, err = c.CapAt(legal.TitleSubDepartmentHead, "119/2017/NĐ-CP", day(2024, 1, 1))
		if err != nil || a.MaxFine != nil {
			t.Errorf("sub-department head under 119: %+v, %v; want the entry with no amount", a, err)
		}
		if _, err := legal.Covers(a, legal.FineRange{Min: 1, Max: 2}); errs.CodeOf(err) != errs.CodeAuthorityCapMissing {
			t.Errorf("Covers with an unknown cap: %v", err)
		}
	})
	t.Run("the district level ends on 1 July 2025", func(t *testing.T) {
		if _, err := c.CapAt(legal.TitleDistrictChairman, "99/2020/NĐ-CP", day(2025, 6, 30)); err != nil {
			t.Errorf("30 June 2025: %v", err)
		}
		if _, err := c.CapAt(legal.TitleDistrictChairman, "99/2020/NĐ-CP", day(2025, 7, 1)); errs.CodeOf(err) != errs.CodeAuthorityCapNotFound {
			t.Errorf("1 July 2025: %v, want %s", err, errs.CodeAuthorityCapNotFound)
		}
	})
	t.Run("written explanation: calendar days until 2022, working days after", func(t *testing.T) {
		old, err := c.RuleAt(legal.EventExplainWritten, day(2021, 12, 31))
		if err != nil || old.Unit != legal.CalendarDays {
			t.Fatalf("31 December 2021: %+v, %v", old, err)
		}
		cur, err := c.RuleAt(legal.EventExplainWritten, day(2022, 1, 1))
		if err != nil || cur.Unit != legal.WorkingDays {
			t.Fatalf("1 January 2022: %+v, %v", cur, err)
		}
	})
	t.Run("limitations", func(t *testing.T) {
		l, err := c.LimitationAt("atomic_energy", day(2024, 1, 1))
		if err != nil || l.Years != 2 {
			t.Errorf("atomic energy: %+v, %v", l, err)
		}
		if _, err := c.LimitationAt("fisheries", day(2024, 1, 1)); errs.CodeOf(err) != errs.CodeLimitationNotFound {
			t.Errorf("unknown field: %v", err)
		}
	})
	t.Run("decrees", func(t *testing.T) {
		d, err := c.Decree("107/2013/NĐ-CP")
		if err != nil || !d.InForceFrom.Equal(day(2013, 11, 15)) || len(d.AmendedBy) != 1 || d.AmendedBy[0].Number != "126/2021/NĐ-CP" {
			t.Errorf("107/2013: %+v, %v", d, err)
		}
		if _, err := c.Decree("1/2000/NĐ-CP"); errs.CodeOf(err) != errs.CodeDecreeNotFound {
			t.Errorf("unknown decree: %v", err)
		}
	})
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name   string
		change func(c *legal.Catalogue)
		want   string
	}{
		{"overlapping versions", func(c *legal.Catalogue) { c.Violations[1].ValidTo = day(2023, 1, 1) }, "overlap"},
		{"an unknown decree", func(c *legal.Catalogue) { c.Violations[0].Decree = "1/2000/NĐ-CP" }, "does not list"},
		{"an alias that is another entry's code", func(c *legal.Catalogue) {
			c.Violations = append(c.Violations, violation(legal.FixedRange{}, func(v *legal.Violation) { v.Code = "TEST-1-OLD" }))
		}, "is the code of another entry"},
		{"a holiday twice", func(c *legal.Catalogue) {
			c.Holidays = []legal.Holiday{{Date: day(2025, 1, 1), Name: "a"}, {Date: day(2025, 1, 1), Name: "b"}}
		}, "listed twice"},
		{"a compensating working day on a weekday", func(c *legal.Catalogue) {
			c.Holidays = []legal.Holiday{{Date: day(2025, 1, 2), Name: "a", Working: true}}
		}, "changes nothing"},
		{"an invalid entry", func(c *legal.Catalogue) { c.Violations[0].Sector = "weather" }, "sector"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := amended()
			tc.change(&c)
			err := c.Check()
			if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Check = %v, want a problem containing %q", err, tc.want)
			}
		})
	}
}

func TestReviseViolation(t *testing.T) {
	today := day(2026, 3, 2)
	current := violation(legal.FixedRange{Min: vnd(1), Max: vnd(2)}, func(v *legal.Violation) { v.ID = "cur" })
	future := violation(legal.FixedRange{Min: vnd(1), Max: vnd(2)}, func(v *legal.Violation) { v.ID = "fut"; v.ValidFrom = day(2026, 7, 1) })
	next := func(from legal.Date) legal.Violation {
		return violation(legal.FixedRange{Min: vnd(3), Max: vnd(4)}, func(v *legal.Violation) { v.ID = "new"; v.ValidFrom = from })
	}
	cases := []struct {
		name     string
		existing []legal.Violation
		next     legal.Violation
		action   legal.RevisionAction
		closedTo legal.Date // for a replacement
		id       string     // the ID Next ends up with
		code     errs.Code
	}{
		{name: "a new code", next: next(day(2017, 12, 15)), action: legal.ActionCreate, id: "new"},
		{name: "a later version closes the current one", existing: []legal.Violation{current}, next: next(day(2026, 7, 1)), action: legal.ActionReplace, closedTo: day(2026, 7, 1), id: "new"},
		{name: "a later version in the past (a retroactive correction) too", existing: []legal.Violation{current}, next: next(day(2022, 1, 1)), action: legal.ActionReplace, closedTo: day(2022, 1, 1), id: "new"},
		{name: "the same day, in force: refused", existing: []legal.Violation{current}, next: next(day(2017, 12, 15)), code: errs.CodeLegalVersionInForce},
		{name: "an earlier day: refused", existing: []legal.Violation{current}, next: next(day(2010, 1, 1)), code: errs.CodeLegalVersionOrder},
		{name: "the same day, not yet in force: rewritten in place", existing: []legal.Violation{current, future}, next: next(day(2026, 7, 1)), action: legal.ActionRevise, id: "fut"},
		{name: "after a future version: it is closed in turn", existing: []legal.Violation{future, current}, next: next(day(2027, 1, 1)), action: legal.ActionReplace, closedTo: day(2027, 1, 1), id: "new"},
		{name: "between the current and a future version: refused", existing: []legal.Violation{current, future}, next: next(day(2026, 5, 1)), code: errs.CodeLegalVersionOrder},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rev, err := legal.ReviseViolation(tc.existing, tc.next, today)
			if tc.code != "" {
				if errs.KindOf(err) != errs.Conflict || errs.CodeOf(err) != tc.code {
					t.Fatalf("got %+v, %v; want conflict/%s", rev, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rev.Action != tc.action || rev.Next.ID != tc.id {
				t.Fatalf("got %s with ID %s, want %s with ID %s", rev.Action, rev.Next.ID, tc.action, tc.id)
			}
			if tc.action == legal.ActionReplace {
				p := rev.Previous
				if p == nil || !p.ValidTo.Equal(tc.closedTo) || p.ReplacedBy != "new" {
					t.Fatalf("closed version %+v, want valid to %s and replaced by new", p, tc.closedTo)
				}
			} else if rev.Previous != nil {
				t.Fatalf("%s closed %+v", rev.Action, rev.Previous)
			}
		})
	}
}

func TestFillRange(t *testing.T) {
	tier := func(i int) *int { return &i }
	unknown := violation(legal.FixedRange{}, func(v *legal.Violation) { v.Confirmed = false; v.Source = "UNCONFIRMED" })
	known := violation(legal.FixedRange{Min: vnd(1), Max: vnd(2)})
	r := legal.FixedRange{Min: vnd(10_000_000), Max: vnd(20_000_000)}
	t.Run("a fixed range", func(t *testing.T) {
		v, err := legal.FillRange(unknown, nil, r, true, "VBHN 04/VBHN-BKHCN")
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.Range(legal.Individual, nil)
		if err != nil || got.Min != 10_000_000 || !got.Confirmed || !strings.Contains(v.Source, "VBHN 04") {
			t.Fatalf("%+v, %v, source %q", got, err, v.Source)
		}
	})
	t.Run("a tier", func(t *testing.T) {
		v, err := legal.FillRange(violation(gainTiers), tier(3), legal.FixedRange{Min: vnd(40_000_000), Max: vnd(80_000_000)}, true, "VBHN 02")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := v.Range(legal.Individual, vnd(200_000_000)); err != nil || got.Max != 80_000_000 {
			t.Fatalf("%+v, %v", got, err)
		}
		if _, err := legal.FillRange(violation(gainTiers), tier(0), r, true, "x"); errs.CodeOf(err) != errs.CodeFineRangePresent {
			t.Fatalf("a known tier: %v", err)
		}
		if _, err := legal.FillRange(violation(gainTiers), tier(9), r, true, "x"); errs.CodeOf(err) != errs.CodeValidation {
			t.Fatalf("no such tier: %v", err)
		}
	})
	t.Run("a known range is a new version, not a fill", func(t *testing.T) {
		if _, err := legal.FillRange(known, nil, r, true, "x"); errs.KindOf(err) != errs.Conflict || errs.CodeOf(err) != errs.CodeFineRangePresent {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the source is required", func(t *testing.T) {
		if _, err := legal.FillRange(unknown, nil, r, true, " "); errs.CodeOf(err) != errs.CodeValidation {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a reversed range", func(t *testing.T) {
		if _, err := legal.FillRange(unknown, nil, legal.FixedRange{Min: vnd(2), Max: vnd(1)}, true, "x"); errs.CodeOf(err) != errs.CodeValidation {
			t.Fatalf("got %v", err)
		}
	})
}
