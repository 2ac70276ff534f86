package legal

import (
	"cmp"
	"slices"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The reads of the console: what was in force on a day, in a stable order. Anyone may read the
// catalogue (Service.Catalogue); these only select from it.

// Today is the day it is in Vietnam by the service's clock: the day lookups answer for when the
// caller names none.
func (s *Service) Today() Date { return DateOf(s.Clock.Now()) }

// ViolationsInForce returns the version of each entry in force on day d, of the sector (every sector
// when sector is ""), by code.
func (c Catalogue) ViolationsInForce(d Date, sector Sector) []Violation {
	var out []Violation
	for _, v := range c.Violations {
		if v.InForce(d) && (sector == "" || v.Sector == sector) {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Violation) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// VersionOf returns the version with the given ID of the entry code (or of the entry code is an alias
// of): errs.NotFound with CodeViolationNotFound when the entry has no such version.
func (c Catalogue) VersionOf(code, id string) (Violation, error) {
	for _, v := range c.Versions(code) {
		if v.ID == id {
			return v, nil
		}
	}
	return Violation{}, errs.E(errs.Op("legal.VersionOf"), errs.NotFound, errs.CodeViolationNotFound, code+" version "+id)
}

// CapsInForce returns the authority caps in force on day d, by title and then decree (the Law's
// general rule, decree "", first).
func (c Catalogue) CapsInForce(d Date) []AuthorityCap {
	var out []AuthorityCap
	for _, a := range c.Caps {
		if a.InForce(d) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b AuthorityCap) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), cmp.Compare(a.Decree, b.Decree))
	})
	return out
}

// RulesInForce returns the deadline rules in force on day d, by event.
func (c Catalogue) RulesInForce(d Date) []DeadlineRule {
	var out []DeadlineRule
	for _, r := range c.Rules {
		if r.InForce(d) {
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b DeadlineRule) int { return cmp.Compare(a.Event, b.Event) })
	return out
}

// HolidaysIn returns the holidays and compensating working days of a year, by date.
func (c Catalogue) HolidaysIn(year int) []Holiday {
	var out []Holiday
	for _, h := range c.Holidays {
		if h.Date.Year() == year {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b Holiday) int { return a.Date.Compare(b.Date) })
	return out
}

// RangeMissing reports whether some amount of the version's fine is unknown: a fixed range or a
// tier's range without its bounds, tiers not known at all, or a multiple without its factors. Such a
// version must be shown as missing its range; Range refuses the cases that fall on the unknown part.
func (v Violation) RangeMissing() bool {
	switch m := v.Fine.(type) {
	case FixedRange:
		return !m.Known()
	case Tiers:
		return len(m.Tiers) == 0 || slices.ContainsFunc(m.Tiers, func(t Tier) bool { return !t.Range.Known() })
	case Multiple:
		return m.MinTimes == nil || m.MaxTimes == nil
	}
	return true
}
