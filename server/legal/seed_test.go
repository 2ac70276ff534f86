package legal_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// domainDir is shared/domain, beside the project root (shared/README.md): the sources the seed was
// derived from.
const domainDir = "../../../shared/domain"

type yamlViolation struct {
	Code      string   `yaml:"code"`
	Corrects  []string `yaml:"corrects"`
	Sector    string   `yaml:"sector"`
	Min       *int64   `yaml:"fine_min_vnd"`
	Max       *int64   `yaml:"fine_max_vnd"`
	AppliesTo []string `yaml:"applies_to"`
	Confirmed bool     `yaml:"confirmed"`
}

func readYAML(t *testing.T, name string, into any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(domainDir, name))
	if err != nil {
		t.Skipf("the domain sources are not at %s: %v", domainDir, err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestSeedFollowsTheSources checks the embedded catalogue against shared/domain/violations.yaml with
// violations-corrections.yaml applied (an entry that corrects itself replaces it; the others are
// added): every code is present (as a code or, for the tiers merged into one entry, as an alias in
// tier order), every amount is copied, every unknown amount stays unknown, every confirmed flag and
// every addressee is kept.
func TestSeedFollowsTheSources(t *testing.T) {
	var base, corr struct {
		Violations []yamlViolation `yaml:"violations"`
	}
	readYAML(t, "violations.yaml", &base)
	readYAML(t, "violations-corrections.yaml", &corr)
	if len(base.Violations) != 44 {
		t.Fatalf("violations.yaml has %d entries, the seed was derived from 44", len(base.Violations))
	}
	want := map[string]yamlViolation{}
	var order []string
	for _, v := range base.Violations {
		want[v.Code] = v
		order = append(order, v.Code)
	}
	for _, v := range corr.Violations {
		if _, ok := want[v.Code]; !ok {
			order = append(order, v.Code)
		}
		want[v.Code] = v // corrections take precedence
	}
	sectors := map[string]legal.Sector{"market": legal.SectorMarket, "fuel": legal.SectorFuel, "xray": legal.SectorRadiation, "general": legal.SectorOther}
	c := seed(t)
	for _, code := range order {
		y := want[code]
		t.Run(code, func(t *testing.T) {
			versions := c.Versions(code)
			if len(versions) != 1 {
				t.Fatalf("%d versions, want 1", len(versions))
			}
			v := versions[0]
			var got legal.FixedRange
			confirmed := v.Confirmed
			if v.Code == code {
				fixed, ok := v.Fine.(legal.FixedRange)
				if !ok {
					if tiers, isTiers := v.Fine.(legal.Tiers); isTiers && len(tiers.Tiers) == 0 && y.Min == nil && y.Max == nil {
						return // value-of-goods tiers, none known (FUEL-119-QUALITY)
					}
					t.Fatalf("fine model %T for an entry of the sources with a plain range", v.Fine)
				}
				got = fixed
				if sectors[y.Sector] != v.Sector {
					t.Errorf("sector %s, want %s (from %s)", v.Sector, sectors[y.Sector], y.Sector)
				}
			} else {
				i := slices.Index(v.Aliases, code)
				tiers, ok := v.Fine.(legal.Tiers)
				if !ok || i < 0 || i >= len(tiers.Tiers) {
					t.Fatalf("merged into %s, but not as its tier %d", v.Code, i)
				}
				got, confirmed = tiers.Tiers[i].Range, tiers.Tiers[i].Confirmed
			}
			if !samePtr(got.Min, y.Min) || !samePtr(got.Max, y.Max) {
				t.Errorf("range %s–%s, want %s–%s", show(got.Min), show(got.Max), show(y.Min), show(y.Max))
			}
			if confirmed != y.Confirmed {
				t.Errorf("confirmed %v, want %v", confirmed, y.Confirmed)
			}
			var subjects []legal.SubjectKind
			for _, a := range y.AppliesTo {
				subjects = append(subjects, map[string]legal.SubjectKind{"individual": legal.Individual, "organization": legal.Organisation}[a])
			}
			if !slices.Equal(v.Subjects, subjects) {
				t.Errorf("subjects %v, want %v", v.Subjects, subjects)
			}
			if len(y.Corrects) > 0 && !(len(y.Corrects) == 1 && y.Corrects[0] == code) && !slices.Equal(v.Corrects, y.Corrects) {
				t.Errorf("corrects %v, want %v", v.Corrects, y.Corrects)
			}
		})
	}
	t.Run("nothing else", func(t *testing.T) {
		for _, v := range c.Violations {
			if _, ok := want[v.Code]; !ok && len(v.Aliases) == 0 {
				t.Errorf("%s is in the seed but not in the sources", v.Code)
			}
		}
	})
}

// TestSeedProcedure checks the deadlines and caps that the corrections confirmed.
func TestSeedProcedure(t *testing.T) {
	c := seed(t)
	today := day(2026, 3, 2)
	rules := []struct {
		event    legal.Event
		amount   int
		unit     legal.Unit
		mountain int
	}{
		{legal.EventRecordCreate, 2, legal.WorkingDays, 0},
		{legal.EventRecordCreateComplex, 5, legal.WorkingDays, 0},
		{legal.EventDecision, 7, legal.WorkingDays, 0},
		{legal.EventDecisionTransferred, 10, legal.WorkingDays, 0},
		{legal.EventDecisionExplained, 1, legal.Months, 0},
		{legal.EventDecisionComplex, 2, legal.Months, 0},
		{legal.EventPayment, 10, legal.CalendarDays, 0},
		{legal.EventNationalDatabase, 2, legal.WorkingDays, 4},
	}
	for _, want := range rules {
		r, err := c.RuleAt(want.event, today)
		if err != nil {
			t.Errorf("%s: %v", want.event, err)
			continue
		}
		mountain := 0
		if r.MountainAmount != nil {
			mountain = *r.MountainAmount
		}
		if r.Amount != want.amount || r.Unit != want.unit || mountain != want.mountain || !r.Confirmed {
			t.Errorf("%s: %d %s (mountain %d, confirmed %v), want %d %s (mountain %d, confirmed)", want.event, r.Amount, r.Unit, mountain, r.Confirmed, want.amount, want.unit, want.mountain)
		}
	}
	caps := []struct {
		title  legal.Title
		decree string
		max    int64
	}{
		{legal.TitleInspector, "107/2013/NĐ-CP", 500_000},
		{legal.TitleChiefInspector, "107/2013/NĐ-CP", 50_000_000},
		{legal.TitleTeamLeader, "107/2013/NĐ-CP", 50_000_000},
		{legal.TitleMinistryTeamLeader, "107/2013/NĐ-CP", 250_000_000},
		{legal.TitleCommuneChairman, "99/2020/NĐ-CP", 5_000_000},
	}
	for _, want := range caps {
		a, err := c.CapAt(want.title, want.decree, today)
		if err != nil || a.MaxFine == nil || *a.MaxFine != want.max || a.Decree != want.decree || !a.Confirmed {
			t.Errorf("%s under %s: %+v, %v; want %d, confirmed", want.title, want.decree, a, err, want.max)
		}
	}
}

func samePtr(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func show(p *int64) string {
	if p == nil {
		return "null"
	}
	return strconv.FormatInt(*p, 10)
}
