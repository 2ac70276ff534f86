package legal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Catalogue is the whole of the legal reference data, every version of every entry. Lookups answer
// with the version in force on a day. It is small (a few hundred entries), so lookups scan.
type Catalogue struct {
	Decrees     []Decree
	Violations  []Violation
	Caps        []AuthorityCap
	Rules       []DeadlineRule
	Limitations []Limitation
	Holidays    []Holiday
}

// Decree returns the decree with the given number (errs.NotFound, CodeDecreeNotFound).
func (c Catalogue) Decree(number string) (Decree, error) {
	for _, d := range c.Decrees {
		if d.Number == number {
			return d, nil
		}
	}
	return Decree{}, errs.E(errs.Op("legal.Decree"), errs.NotFound, errs.CodeDecreeNotFound, number)
}

// CanonicalCode returns the code an entry is stored under: code itself, or the entry's code when code
// is one of its aliases (the tiers of Decree 119 Art. 10 and Art. 14(2) were listed one by one in the
// first pass of the sources, and checklists still name them so). An unknown code is returned as is.
func (c Catalogue) CanonicalCode(code string) string {
	for _, v := range c.Violations {
		if v.Code == code {
			return code
		}
	}
	for _, v := range c.Violations {
		if slices.Contains(v.Aliases, code) {
			return v.Code
		}
	}
	return code
}

// Versions returns every version of the entry code (or of the entry it is an alias of), oldest first.
func (c Catalogue) Versions(code string) []Violation {
	code = c.CanonicalCode(code)
	var out []Violation
	for _, v := range c.Violations {
		if v.Code == code {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Violation) int { return a.ValidFrom.Compare(b.ValidFrom) })
	return out
}

// ViolationAt returns the version of the entry code (or of the entry it is an alias of) in force on
// day d: errs.NotFound with CodeViolationNotFound when the code is unknown or had no version then.
func (c Catalogue) ViolationAt(code string, d Date) (Violation, error) {
	for _, v := range c.Versions(code) {
		if v.InForce(d) {
			return v, nil
		}
	}
	return Violation{}, errs.E(errs.Op("legal.ViolationAt"), errs.NotFound, errs.CodeViolationNotFound, fmt.Sprintf("%s on %s", code, d))
}

// CorrectedBy returns the codes of the entries that correct code (cover its act in part or whole).
func (c Catalogue) CorrectedBy(code string) []string {
	var out []string
	for _, v := range c.Violations {
		if slices.Contains(v.Corrects, code) && !slices.Contains(out, v.Code) {
			out = append(out, v.Code)
		}
	}
	return out
}

// CapAt returns the cap of title under decree in force on day d: the decree's own article on
// sanctioning power when the catalogue has it, else the general rule of the Law (Decree ""). Caps
// differ by decree (an inspector's cap under Decree 107 is not a chairman's under Decree 99), so the
// decree is part of the question. errs.NotFound with CodeAuthorityCapNotFound when neither applies.
func (c Catalogue) CapAt(title Title, decree string, d Date) (AuthorityCap, error) {
	for _, scope := range []string{decree, ""} {
		for _, a := range c.Caps {
			if a.Title == title && a.Decree == scope && a.InForce(d) {
				return a, nil
			}
		}
		if decree == "" {
			break
		}
	}
	return AuthorityCap{}, errs.E(errs.Op("legal.CapAt"), errs.NotFound, errs.CodeAuthorityCapNotFound,
		fmt.Sprintf("%s under %q on %s", title, decree, d))
}

// RuleAt returns the deadline rule for event in force on day d (errs.NotFound, CodeDeadlineRuleNotFound).
func (c Catalogue) RuleAt(event Event, d Date) (DeadlineRule, error) {
	for _, r := range c.Rules {
		if r.Event == event && r.InForce(d) {
			return r, nil
		}
	}
	return DeadlineRule{}, errs.E(errs.Op("legal.RuleAt"), errs.NotFound, errs.CodeDeadlineRuleNotFound, fmt.Sprintf("%s on %s", event, d))
}

// LimitationAt returns the statute of limitations of field in force on day d (errs.NotFound,
// CodeLimitationNotFound).
func (c Catalogue) LimitationAt(field string, d Date) (Limitation, error) {
	for _, l := range c.Limitations {
		if l.Field == field && l.InForce(d) {
			return l, nil
		}
	}
	return Limitation{}, errs.E(errs.Op("legal.LimitationAt"), errs.NotFound, errs.CodeLimitationNotFound, fmt.Sprintf("%s on %s", field, d))
}

// Calendar is the working calendar of the catalogue's holidays.
func (c Catalogue) Calendar() Calendar { return NewCalendar(c.Holidays) }

// Due returns when the period of the rule for event, in force on the day of from, ends for an event
// at instant from (see Calendar.Due); mountain selects the longer period of mountain areas.
func (c Catalogue) Due(event Event, from time.Time, mountain bool) (Deadline, error) {
	rule, err := c.RuleAt(event, DateOf(from))
	if err != nil {
		return Deadline{}, err
	}
	return c.Calendar().Due(rule, from, mountain)
}

// Check verifies the catalogue as a whole: every entry valid on its own, no two versions of one entry
// overlapping in time, every alias unique and no code's alias, every decree cited present, every
// holiday listed once. It returns errs.Invalid with every problem in the detail.
func (c Catalogue) Check() error {
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	decrees := map[string]bool{}
	for _, d := range c.Decrees {
		if decrees[d.Number] {
			bad("decree %s listed twice", d.Number)
		}
		decrees[d.Number] = true
		if !decreePattern.MatchString(d.Number) || strings.TrimSpace(d.Title) == "" || d.InForceFrom.IsZero() {
			bad("decree %q: number, title and in_force_from are required", d.Number)
		}
		if !d.InForceTo.IsZero() && !d.InForceTo.After(d.InForceFrom) {
			bad("decree %s ends before it begins", d.Number)
		}
	}
	cite := func(what, number string) {
		if number != "" && !decrees[number] {
			bad("%s cites decree %s, which the catalogue does not list", what, number)
		}
	}
	for _, d := range c.Decrees {
		for _, a := range d.AmendedBy {
			cite("decree "+d.Number, a.Number)
		}
		cite("decree "+d.Number, d.ReplacedBy)
	}
	codes, aliases := map[string]bool{}, map[string]string{}
	for _, v := range c.Violations {
		codes[v.Code] = true
	}
	for i, v := range c.Violations {
		for _, f := range v.Validate() {
			bad("violation %s from %s: %s %s", v.Code, v.ValidFrom, f.Field, f.Code)
		}
		cite("violation "+v.Code, v.Decree)
		for _, a := range v.Aliases {
			if codes[a] {
				bad("violation %s: alias %s is the code of another entry", v.Code, a)
			}
			if other, ok := aliases[a]; ok && other != v.Code {
				bad("alias %s names both %s and %s", a, other, v.Code)
			}
			aliases[a] = v.Code
		}
		for _, o := range c.Violations[i+1:] {
			if o.Code == v.Code && v.overlaps(o.Validity) {
				bad("violation %s: versions from %s and %s overlap", v.Code, v.ValidFrom, o.ValidFrom)
			}
		}
	}
	for i, a := range c.Caps {
		cite("cap "+string(a.Title), a.Decree)
		if a.ValidFrom.IsZero() || (a.MaxFine != nil && *a.MaxFine <= 0) || (a.MaxFine != nil && a.Unlimited) {
			bad("cap %s under %q: valid_from required, and either a positive max_fine, unlimited, or neither (unknown)", a.Title, a.Decree)
		}
		for _, o := range c.Caps[i+1:] {
			if o.Title == a.Title && o.Decree == a.Decree && a.overlaps(o.Validity) {
				bad("cap %s under %q: versions from %s and %s overlap", a.Title, a.Decree, a.ValidFrom, o.ValidFrom)
			}
		}
	}
	for i, r := range c.Rules {
		if r.Amount <= 0 || (r.MountainAmount != nil && *r.MountainAmount <= 0) || r.ValidFrom.IsZero() {
			bad("rule %s from %s: amount and valid_from required", r.Event, r.ValidFrom)
		}
		for _, o := range c.Rules[i+1:] {
			if o.Event == r.Event && r.overlaps(o.Validity) {
				bad("rule %s: versions from %s and %s overlap", r.Event, r.ValidFrom, o.ValidFrom)
			}
		}
	}
	for i, l := range c.Limitations {
		for _, d := range l.Decrees {
			cite("limitation "+l.Field, d)
		}
		for _, o := range c.Limitations[i+1:] {
			if o.Field == l.Field && l.overlaps(o.Validity) {
				bad("limitation %s: versions from %s and %s overlap", l.Field, l.ValidFrom, o.ValidFrom)
			}
		}
	}
	days := map[int64]bool{}
	for _, h := range c.Holidays {
		if days[h.Date.key()] {
			bad("holiday %s listed twice", h.Date)
		}
		days[h.Date.key()] = true
		wd := h.Date.Weekday()
		if h.Working && wd != time.Saturday && wd != time.Sunday {
			bad("holiday %s: a compensating working day on a weekday changes nothing", h.Date)
		}
	}
	if len(problems) > 0 {
		return errs.E(errs.Op("legal.Catalogue.Check"), errs.Invalid, strings.Join(problems, "; "))
	}
	return nil
}
