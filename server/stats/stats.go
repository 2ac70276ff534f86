// Package stats is the enforcement statistics the department reports upward (issue 8; PRODUCT.md
// guarantee 10; docs/statistics.md defines every figure): a summary of a month, quarter or year by
// sector, administrative unit as it was on the event's day, team, inspector and campaign kind, with
// organisations and individuals apart; frozen months, whose figures are stored as canonical JSON with
// their SHA-256 so that a report once sent is reproduced byte for byte, and later data shows as a
// revision against them; and the CSV and XLSX writers, among them the inspectorate's specialised
// inspection results form (../shared/domain/reporting.yaml).
//
// Nothing here touches storage: the Store computes the figures with a few set-based statements;
// Service checks who may read and freeze, and compares a frozen month with its current figures.
package stats

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// PeriodKind is the length of a reporting period.
type PeriodKind string

// The period kinds.
const (
	Month   PeriodKind = "month"
	Quarter PeriodKind = "quarter"
	Year    PeriodKind = "year"
)

// Period is a calendar month, quarter or year in Vietnam (Asia/Ho_Chi_Minh). Number is the month
// (1–12) or the quarter (1–4); 0 for a year. Written 2024-03, 2024-Q1 and 2024.
type Period struct {
	Kind   PeriodKind
	Year   int
	Number int
}

// ParsePeriod reads a period written 2024-03 (a month), 2024-Q1 (a quarter) or 2024 (a year).
func ParsePeriod(s string) (Period, error) {
	bad := errs.E(errs.Op("stats.ParsePeriod"), errs.Invalid, errs.CodeStatsPeriodInvalid, fmt.Sprintf("period %q: want 2024-03, 2024-Q1 or 2024", s))
	y, rest, _ := strings.Cut(s, "-")
	year, err := strconv.Atoi(y)
	if err != nil || len(y) != 4 || year < 2000 || year > 2100 {
		return Period{}, bad
	}
	switch {
	case rest == "" && !strings.Contains(s, "-"):
		return Period{Kind: Year, Year: year}, nil
	case len(rest) == 2 && rest[0] == 'Q':
		q, err := strconv.Atoi(rest[1:])
		if err != nil || q < 1 || q > 4 {
			return Period{}, bad
		}
		return Period{Kind: Quarter, Year: year, Number: q}, nil
	case len(rest) == 2:
		m, err := strconv.Atoi(rest)
		if err != nil || m < 1 || m > 12 {
			return Period{}, bad
		}
		return Period{Kind: Month, Year: year, Number: m}, nil
	}
	return Period{}, bad
}

// MonthOf is the month in which the instant t falls in Vietnam.
func MonthOf(t time.Time) Period {
	d := legal.DateOf(t)
	return Period{Kind: Month, Year: d.Year(), Number: int(t.In(legal.Zone).Month())}
}

// String writes the period as ParsePeriod reads it.
func (p Period) String() string {
	switch p.Kind {
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.Number)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.Number)
	}
	return fmt.Sprintf("%04d", p.Year)
}

// First is the period's first day.
func (p Period) First() legal.Date {
	switch p.Kind {
	case Month:
		return legal.NewDate(p.Year, time.Month(p.Number), 1)
	case Quarter:
		return legal.NewDate(p.Year, time.Month(3*p.Number-2), 1)
	}
	return legal.NewDate(p.Year, time.January, 1)
}

// Last is the period's last day.
func (p Period) Last() legal.Date {
	switch p.Kind {
	case Month:
		return p.First().AddMonths(1).AddDays(-1)
	case Quarter:
		return p.First().AddMonths(3).AddDays(-1)
	}
	return legal.NewDate(p.Year, time.December, 31)
}

// Start is the instant the period begins: 00:00 of its first day in Vietnam.
func (p Period) Start() time.Time { return p.First().Start() }

// End is the instant the period ends (exclusive): 00:00 in Vietnam of the day after its last day. An
// act at 23:59 local time on the 31st is before End; one at 00:00 on the 1st is not.
func (p Period) End() time.Time { return p.Last().AddDays(1).Start() }

// Breakdown is how a summary's rows are split.
type Breakdown string

// The breakdowns. Not every figure has every breakdown: docs/statistics.md lists which.
const (
	ByTotal     Breakdown = "total"           // the whole scope: one row per figure (key "")
	BySector    Breakdown = "sector"          // fuel, market, radiation, other: the type of the site
	ByUnit      Breakdown = "unit"            // the site's administrative unit on the event's day (key: the unit version's ID)
	ByTeam      Breakdown = "team"            // the campaign's team (đoàn; key: the campaign's ID)
	ByInspector Breakdown = "inspector"       // the person who led the visit or drew up the record (key: person ID)
	ByKind      Breakdown = "campaign_kind"   // inspection (thanh tra chuyên ngành) or check (kiểm tra)
	ByOrigin    Breakdown = "campaign_origin" // planned (theo kế hoạch) or surprise (đột xuất)
	ByItem      Breakdown = "item"            // the checklist item that failed (key: checklist code/item)
	ByViolation Breakdown = "violation"       // the catalogue code the record cites
	ByPlan      Breakdown = "plan"            // the yearly plan target (key: sector/metric)
)

// Breakdowns lists the breakdowns in their report order.
var Breakdowns = []Breakdown{ByTotal, BySector, ByUnit, ByTeam, ByInspector, ByKind, ByOrigin, ByItem, ByViolation, ByPlan}

// Figure names what a row counts or sums. docs/statistics.md defines each one and the date it is
// counted by (visit, record, decision, payment).
type Figure string

// The figures.
const (
	CampaignsHeld      Figure = "campaigns_held"      // campaigns with a visit carried out in the period (visit day)
	CampaignsConcluded Figure = "campaigns_concluded" // campaigns whose conclusion (kết luận) is dated in the period
	SubjectsCovered    Figure = "subjects_covered"    // distinct subjects whose sites were visited (visit day)
	SitesVisited       Figure = "sites_visited"       // distinct sites visited (visit day)
	Visits             Figure = "visits"              // visits carried out (visit day)
	InstrumentsChecked Figure = "instruments_checked" // instruments answered in a visit's repeated section (visit day)
	ItemsFailed        Figure = "items_failed"        // failed checklist answers (visit day)
	Records            Figure = "records"             // violation records (biên bản) in force (record's drawing-up day)
	SubjectsViolating  Figure = "subjects_violating"  // distinct subjects with a record (record day)
	Violations         Figure = "violations"          // catalogue violations cited by records (record day)
	Decisions          Figure = "decisions"           // penalty decisions issued (decision day)
	SubjectsFined      Figure = "subjects_fined"      // distinct subjects with a decision issued (decision day)
	AmountImposed      Figure = "amount_imposed"      // fines of the decisions issued, đồng (decision day)
	AmountCollected    Figure = "amount_collected"    // payments received, đồng (payment day)
	AmountOutstanding  Figure = "amount_outstanding"  // fines still unpaid at the period's end, đồng
	AmountOverdue      Figure = "amount_overdue"      // of those, on decisions marked overdue by the period's end, đồng
	CasesForwarded     Figure = "cases_forwarded"     // cases forwarded to the competent authority (forwarding day)
	PlanTarget         Figure = "plan_target"         // the year's plan target
	PlanActual         Figure = "plan_actual"         // achieved from 1 January to the period's end
	PlanPercent        Figure = "plan_percent"        // achieved as a percentage of the target, rounded half up
)

// Figures lists the figures in their report order.
var Figures = []Figure{CampaignsHeld, CampaignsConcluded, SubjectsCovered, SitesVisited, Visits, InstrumentsChecked, ItemsFailed,
	Records, SubjectsViolating, Violations, Decisions, SubjectsFined, AmountImposed, AmountCollected, AmountOutstanding,
	AmountOverdue, CasesForwarded, PlanTarget, PlanActual, PlanPercent}

// SubjectKind is whose figure a row is: everyone, organisations, or individuals (household businesses
// count as individuals, D25).
type SubjectKind string

// The subject kinds of a row.
const (
	AllSubjects   SubjectKind = "all"
	Organisations SubjectKind = "organisation"
	Individuals   SubjectKind = "individual"
)

// SubjectKinds lists the subject kinds in their report order.
var SubjectKinds = []SubjectKind{AllSubjects, Organisations, Individuals}

// Row is one number of a summary: a figure, for one key of one breakdown, for one kind of subject.
// Label is the key as people read it (the unit's name as it was, the person's name); it is part of
// the frozen figures, so that an abolished unit keeps the name it had.
type Row struct {
	Breakdown Breakdown
	Key       string
	Label     string
	Figure    Figure
	Subjects  SubjectKind
	Value     int64
}

// id is what identifies a row in a summary (Label is not part of it).
func (r Row) id() string {
	return string(r.Breakdown) + "\x00" + r.Key + "\x00" + string(r.Figure) + "\x00" + string(r.Subjects)
}

func index[T comparable](list []T, v T) int {
	if i := slices.Index(list, v); i >= 0 {
		return i
	}
	return len(list)
}

// CompareRows orders rows as every output lists them: breakdown, key, figure, subject kind, each in
// its report order (keys as text).
func CompareRows(a, b Row) int {
	return cmp.Or(
		cmp.Compare(index(Breakdowns, a.Breakdown), index(Breakdowns, b.Breakdown)),
		strings.Compare(string(a.Breakdown), string(b.Breakdown)),
		strings.Compare(a.Key, b.Key),
		cmp.Compare(index(Figures, a.Figure), index(Figures, b.Figure)),
		strings.Compare(string(a.Figure), string(b.Figure)),
		cmp.Compare(index(SubjectKinds, a.Subjects), index(SubjectKinds, b.Subjects)),
	)
}

// Scope is whose figures a summary counts: one organisation, or every organisation (a national view,
// for a system administrator).
type Scope struct {
	OrgID    string // the organisation; "" with National
	National bool
}

// String names the scope in file names and frozen records.
func (s Scope) String() string {
	if s.National {
		return "national"
	}
	return s.OrgID
}

// Query is what the Store computes: the scope and the period, with its edges.
type Query struct {
	Scope  Scope
	Period Period
	First  legal.Date // the period's first day
	Last   legal.Date // the period's last day
	Start  time.Time  // 00:00 of First in Vietnam
	End    time.Time  // 00:00 in Vietnam of the day after Last (exclusive)
}

// QueryOf is the query of a period in a scope.
func QueryOf(s Scope, p Period) Query {
	return Query{Scope: s, Period: p, First: p.First(), Last: p.Last(), Start: p.Start(), End: p.End()}
}

// Summary is the figures of a period in a scope, rows sorted by CompareRows. Zero values are left out
// (a figure with no row is 0), except the total rows, which are always present.
type Summary struct {
	Scope  Scope
	Period Period
	First  legal.Date
	Last   legal.Date
	Rows   []Row
}

// Value returns the value of one row (0 when absent).
func (s Summary) Value(b Breakdown, key string, f Figure, k SubjectKind) int64 {
	want := Row{Breakdown: b, Key: key, Figure: f, Subjects: k}.id()
	for _, r := range s.Rows {
		if r.id() == want {
			return r.Value
		}
	}
	return 0
}

// Total returns a figure's total for a kind of subject.
func (s Summary) Total(f Figure, k SubjectKind) int64 { return s.Value(ByTotal, "", f, k) }

// totalFigures have a row in every summary, 0 or not, and which subject kinds they are split by.
var totalFigures = []struct {
	Figure Figure
	Kinds  []SubjectKind
}{
	{CampaignsHeld, []SubjectKind{AllSubjects}},
	{CampaignsConcluded, []SubjectKind{AllSubjects}},
	{SubjectsCovered, SubjectKinds},
	{SitesVisited, SubjectKinds},
	{Visits, SubjectKinds},
	{InstrumentsChecked, []SubjectKind{AllSubjects}},
	{ItemsFailed, []SubjectKind{AllSubjects}},
	{Records, SubjectKinds},
	{SubjectsViolating, SubjectKinds},
	{Violations, SubjectKinds},
	{Decisions, SubjectKinds},
	{SubjectsFined, SubjectKinds},
	{AmountImposed, SubjectKinds},
	{AmountCollected, SubjectKinds},
	{AmountOutstanding, SubjectKinds},
	{AmountOverdue, SubjectKinds},
	{CasesForwarded, SubjectKinds},
}

// Normalise returns the rows of a summary as every output and the frozen form have them: zero rows
// dropped except the totals (all present), plan percentages derived from targets and actuals, sorted
// by CompareRows, duplicates refused as a bug.
func Normalise(rows []Row) ([]Row, error) {
	seen := make(map[string]int, len(rows))
	var out []Row
	add := func(r Row) error {
		if i, ok := seen[r.id()]; ok {
			if out[i].Value != r.Value || out[i].Label != r.Label {
				return fmt.Errorf("stats: row %s/%s/%s/%s given twice", r.Breakdown, r.Key, r.Figure, r.Subjects)
			}
			return nil
		}
		seen[r.id()] = len(out)
		out = append(out, r)
		return nil
	}
	for _, r := range rows {
		if r.Figure == PlanPercent || (r.Value == 0 && r.Breakdown != ByTotal && r.Breakdown != ByPlan) {
			continue
		}
		if err := add(r); err != nil {
			return nil, err
		}
	}
	for _, t := range totalFigures {
		for _, k := range t.Kinds {
			if _, ok := seen[Row{Breakdown: ByTotal, Figure: t.Figure, Subjects: k}.id()]; !ok {
				if err := add(Row{Breakdown: ByTotal, Figure: t.Figure, Subjects: k}); err != nil {
					return nil, err
				}
			}
		}
	}
	targets := map[string]Row{}
	actuals := map[string]int64{}
	for _, r := range out {
		if r.Breakdown == ByPlan && r.Figure == PlanTarget {
			targets[r.Key] = r
		}
		if r.Breakdown == ByPlan && r.Figure == PlanActual {
			actuals[r.Key] = r.Value
		}
	}
	for key, t := range targets {
		if t.Value > 0 {
			pct := (actuals[key]*200 + t.Value) / (2 * t.Value) // half up
			if err := add(Row{Breakdown: ByPlan, Key: key, Label: t.Label, Figure: PlanPercent, Subjects: AllSubjects, Value: pct}); err != nil {
				return nil, err
			}
		}
	}
	slices.SortStableFunc(out, CompareRows)
	return out, nil
}

// Store computes and keeps the statistics. Every method is scoped by organisation (D1).
type Store interface {
	// StatsRows computes the figures of q (not normalised; Normalise sorts them) with a few set-based
	// statements over the period's rows: never a row-by-row pass over visits. Labels carry the names
	// as they were on the event's day.
	StatsRows(ctx context.Context, q Query) ([]Row, error)
	// FrozenMonth reads the frozen figures of a month in a scope; ok is false when the month is not
	// frozen.
	FrozenMonth(ctx context.Context, scope Scope, month Period) (f Frozen, ok bool, err error)
	// FreezeMonth stores a month's frozen figures with the audit entry of the act, in one transaction.
	// A month already frozen is errs.Conflict, CodeStatsMonthFrozen.
	FreezeMonth(ctx context.Context, f Frozen) error
	// FrozenMonths lists the frozen months of a scope, the latest first, without their figures.
	FrozenMonths(ctx context.Context, scope Scope) ([]Frozen, error)
}
