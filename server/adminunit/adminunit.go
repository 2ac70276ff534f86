// Package adminunit holds administrative units (đơn vị hành chính) as dated data that belong to an
// organisation (DECISIONS D24): each version of a unit has a code, a name, a level, a parent, and the
// first and last day it was in force; successions link the units that ceased to those that took over
// (the 2025 reform abolished the districts and split them into communes, D15).
//
// Every case is judged by the unit in force on its own date: Resolve finds the version of a code in
// force on a day, and a unit that did not exist that day is an error of its own
// (errs.CodeUnitNotInForce), distinct from a code nobody knows (errs.CodeUnknownUnit).
//
// Dates are calendar days, carried as time.Time at midnight in Vietnam (see Day), as elsewhere in the
// system; the comparisons here take any instant and use its calendar day in Vietnam. A zero ValidFrom
// means "in force since before the records begin" and a zero ValidTo "still in force".
package adminunit

import (
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/registry/vntext"
)

// Level is the tier of a unit.
type Level string

// The levels. Before 1 July 2025 Vietnam had three tiers below the centre (province, district,
// commune); since then two (province, commune).
const (
	Province Level = "province" // tỉnh, thành phố trực thuộc trung ương
	District Level = "district" // huyện, quận, thị xã, thành phố thuộc tỉnh
	Commune  Level = "commune"  // xã, phường, thị trấn (đặc khu after 2025)
)

// Valid reports whether l is one of the levels.
func (l Level) Valid() bool { return l == Province || l == District || l == Commune }

// rank orders the levels from the top: a parent's rank is lower than its child's.
func (l Level) rank() int {
	switch l {
	case Province:
		return 0
	case District:
		return 1
	case Commune:
		return 2
	}
	return 3
}

// Unit is one version of an administrative unit: the unit as it was between ValidFrom and ValidTo.
// A unit renamed without a new code has two versions of one code with periods that do not overlap.
type Unit struct {
	ID         string
	OrgID      string
	Code       string // the official code (GSO) where confirmed; a local code (LocalCode) otherwise
	Name       string // e.g. "Huyện Quảng Hòa"
	Level      Level
	ParentID   string // the version of the parent in force when this version began; empty for a province
	ParentCode string
	ValidFrom  time.Time // first day in force; zero: since before the records begin
	ValidTo    time.Time // last day in force; zero: still in force
	Confirmed  bool      // false when the name, code or dates come from an unconfirmed source
	Note       string
}

// InForce reports whether the unit was in force on the calendar day of t (see Day).
func (u Unit) InForce(t time.Time) bool { return InPeriod(t, u.ValidFrom, u.ValidTo) }

// InPeriod reports whether the calendar day of t lies in the period [from, to] of calendar days; a
// zero from is open towards the past, a zero to towards the future. The zero t is before every day.
func InPeriod(t, from, to time.Time) bool {
	if t.IsZero() {
		return from.IsZero()
	}
	day := Day(t)
	return (from.IsZero() || !day.Before(Day(from))) && (to.IsZero() || !day.After(Day(to)))
}

// Succession links a unit that ceased (or lost territory) to a unit that took it over from day On.
// A district split into several communes has one succession to each; a commune formed from parts of
// several districts has one from each. From is the version of FromCode in force the day before On, To
// the version of ToCode in force on On.
type Succession struct {
	FromID, ToID     string
	FromCode, ToCode string
	On               time.Time
	Confirmed        bool
	Note             string
}

// Vietnam is the time zone of every calendar day in the system (UTC+7, no daylight saving since
// 1975); a fixed zone needs no time zone database on the host.
var Vietnam = time.FixedZone("Asia/Ho_Chi_Minh", 7*60*60)

// Day returns the calendar day of t in Vietnam, as midnight in Vietnam: an event at 17:30 UTC on 30
// June 2025 happened on 1 July 2025 in Cao Bằng, and is judged by the units in force then.
func Day(t time.Time) time.Time {
	y, m, d := t.In(Vietnam).Date()
	return Date(y, m, d)
}

// Date returns the calendar day y-m-d as midnight in Vietnam.
func Date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Vietnam) }

// ParseDay reads a calendar day written YYYY-MM-DD.
func ParseDay(s string) (time.Time, error) { return time.ParseInLocation(time.DateOnly, s, Vietnam) }

// FormatDay formats the calendar day of t as YYYY-MM-DD, and the zero time as "".
func FormatDay(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Vietnam).Format(time.DateOnly)
}

// LocalCode is the code given to a unit whose official code is not yet known: "local-" and the
// folded name, e.g. "local-xa-quang-lam" for "Xã Quảng Lâm". It can never be mistaken for an official
// code (those are digits), it is stable (re-seeding finds the same unit), and an administrator
// replaces it by the official code with a new version once the code is confirmed.
func LocalCode(name string) string { return "local-" + vntext.Slug(name) }

var codePattern = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$`)

// ValidCode reports whether code is a well-formed unit code.
func ValidCode(code string) bool { return codePattern.MatchString(code) }

// Resolve returns the version of the unit code in force on day. A code that no unit has is
// errs.CodeUnknownUnit; a known code with no version in force that day is errs.CodeUnitNotInForce.
func Resolve(units []Unit, code string, day time.Time) (Unit, error) {
	const op = errs.Op("adminunit.Resolve")
	known := false
	for _, u := range units {
		if u.Code != code {
			continue
		}
		known = true
		if u.InForce(day) {
			return u, nil
		}
	}
	if !known {
		return Unit{}, errs.E(op, errs.Invalid, errs.CodeUnknownUnit, "unit "+strconv.Quote(code))
	}
	return Unit{}, errs.E(op, errs.Invalid, errs.CodeUnitNotInForce, "unit "+strconv.Quote(code)+" on "+FormatDay(day))
}

// Versions returns every version of code, earliest first.
func Versions(units []Unit, code string) []Unit {
	var out []Unit
	for _, u := range units {
		if u.Code == code {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ValidFrom.Before(out[j].ValidFrom) })
	return out
}

// Successors returns the successions out of the unit code, by date.
func Successors(succ []Succession, code string) []Succession {
	var out []Succession
	for _, s := range succ {
		if s.FromCode == code {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].On.Equal(out[j].On) {
			return out[i].On.Before(out[j].On)
		}
		return out[i].ToCode < out[j].ToCode
	})
	return out
}

// Predecessors returns the successions into the unit code, by date.
func Predecessors(succ []Succession, code string) []Succession {
	var out []Succession
	for _, s := range succ {
		if s.ToCode == code {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].On.Equal(out[j].On) {
			return out[i].On.Before(out[j].On)
		}
		return out[i].FromCode < out[j].FromCode
	})
	return out
}

// PeriodsOverlap reports whether the periods of calendar days [aFrom, aTo] and [bFrom, bTo] share a
// day; a zero start is open towards the past and a zero end towards the future.
func PeriodsOverlap(aFrom, aTo, bFrom, bTo time.Time) bool {
	aEndsBefore := !aTo.IsZero() && !bFrom.IsZero() && Day(aTo).Before(Day(bFrom))
	bEndsBefore := !bTo.IsZero() && !aFrom.IsZero() && Day(bTo).Before(Day(aFrom))
	return !aEndsBefore && !bEndsBefore
}

// PeriodWithin reports whether the period [from, to] lies inside [outerFrom, outerTo] (zero ends
// are open).
func PeriodWithin(from, to, outerFrom, outerTo time.Time) bool {
	startOK := outerFrom.IsZero() || (!from.IsZero() && !Day(from).Before(Day(outerFrom)))
	endOK := outerTo.IsZero() || (!to.IsZero() && !Day(to).After(Day(outerTo)))
	return startOK && endOK
}
