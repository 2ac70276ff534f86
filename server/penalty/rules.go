package penalty

import (
	"fmt"
	"slices"
	"strings"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// Assessment is what the rules say about one charge on a day: the catalogue version in force on the
// violation date, the range for the subject (or why there is none), the default proposal and the
// amounts the declared circumstances allow, and the statute of limitations. It is what the approver
// sees, unverified data flagged.
type Assessment struct {
	Charge     int
	Code       string
	Version    legal.Violation // zero when the code had no version on the violation date
	Range      *legal.FineRange
	RangeErr   error // why there is no range: fine_range_missing, fine_quantity_required, violation_not_found …
	Unverified bool  // the range (or its tier) was not confirmed by a source
	Default    int64 // the proposal: the middle moved by the circumstances (see Propose)
	Lower      int64 // the lowest amount the circumstances allow (the middle without mitigating ones)
	Upper      int64 // the highest (the middle without aggravating ones)
	Limitation Limitation
}

// Fineable reports whether a fine can be set: a range is known and the limitation has not run out.
func (a Assessment) Fineable() bool {
	return a.RangeErr == nil && a.Limitation.Err == nil && !a.Limitation.Expired
}

// Limitation is the statute of limitations for sanctioning one charge (thời hiệu xử phạt, Luật XLVPHC
// Art. 6): Years from the violation date (the day the act ended, or detection while it was going on);
// Last is the last day a decision may be made.
type Limitation struct {
	Field     string
	Years     int
	Basis     string
	Confirmed bool
	Last      legal.Date
	Expired   bool  // on the day assessed
	Err       error // no limitation known for the charge's decree (limitation_not_found)
}

// Assess assesses every charge of the case on day d.
func Assess(r Rules, c Case, d legal.Date) []Assessment {
	out := make([]Assessment, len(c.Charges))
	for i, ch := range c.Charges {
		out[i] = assess(r, c, i, ch, d)
	}
	return out
}

func assess(r Rules, c Case, i int, ch Charge, d legal.Date) Assessment {
	a := Assessment{Charge: i, Code: r.Catalogue.CanonicalCode(ch.Code)}
	v, err := r.Catalogue.ViolationAt(ch.Code, ch.Date())
	if err != nil {
		a.RangeErr = err
		a.Limitation.Err = err
		return a
	}
	a.Version = v
	a.Limitation = limitationOf(r, v, ch, d)
	rg, err := v.Range(c.Subject.Kind, ch.Quantity)
	if err != nil {
		a.RangeErr = err
		return a
	}
	a.Range = &rg
	a.Unverified = !rg.Confirmed
	a.Lower, a.Upper = Bounds(rg, ch.count(Mitigating), ch.count(Aggravating))
	a.Default = Propose(rg, ch.count(Mitigating), ch.count(Aggravating), r.Proposal)
	return a
}

// limitationOf finds the statute of limitations of the field the violation's decree belongs to, in
// force on the violation date, and whether it has run out by day d. The period in years ends on the
// same day of the month (Civil Code); it is not extended to the next working day.
func limitationOf(r Rules, v legal.Violation, ch Charge, d legal.Date) Limitation {
	for _, l := range r.Catalogue.Limitations {
		if v.Decree != "" && slices.Contains(l.Decrees, v.Decree) && l.InForce(ch.Date()) {
			last := ch.Date().AddMonths(12 * l.Years)
			return Limitation{Field: l.Field, Years: l.Years, Basis: l.Basis, Confirmed: l.Confirmed, Last: last, Expired: d.After(last)}
		}
	}
	return Limitation{Err: errs.E(errs.Op("penalty.limitation"), errs.NotFound, errs.CodeLimitationNotFound,
		fmt.Sprintf("no statute of limitations for decree %q on %s", v.Decree, ch.Date()))}
}

// Bounds returns the amounts the circumstances allow within range rg (Luật XLVPHC Art. 23(4)): the
// middle when there are none; down to the minimum only with a mitigating circumstance; up to the
// maximum only with an aggravating one.
func Bounds(rg legal.FineRange, mitigating, aggravating int) (lower, upper int64) {
	lower, upper = rg.Default(), rg.Default()
	if mitigating > 0 {
		lower = rg.Min
	}
	if aggravating > 0 {
		upper = rg.Max
	}
	return lower, upper
}

// Propose returns the default fine: the middle of the range, moved towards the maximum by each net
// aggravating circumstance and towards the minimum by each net mitigating one, by 1/StepsToBound of
// the half-range each, never outside the range. A policy without steps moves it straight to the
// bound.
func Propose(rg legal.FineRange, mitigating, aggravating int, p ProposalPolicy) int64 {
	mid := rg.Default()
	net := aggravating - mitigating
	steps := int64(max(p.StepsToBound, 1))
	n := min(int64(abs(net)), steps)
	switch {
	case net > 0:
		return mid + (rg.Max-mid)*n/steps
	case net < 0:
		return mid - (mid-rg.Min)*n/steps
	}
	return mid
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// CheckAmount checks a chosen amount against the assessment: within the range for the subject's kind
// (fine_outside_range) and on the side of the middle the circumstances allow (fine_not_justified).
func CheckAmount(a Assessment, amount int64) error {
	const op = errs.Op("penalty.CheckAmount")
	if a.Range == nil {
		return errs.E(op, a.RangeErr)
	}
	if !a.Range.Contains(amount) {
		return errs.E(op, errs.Invalid, errs.CodeFineOutsideRange, errs.FieldError{Field: fmt.Sprintf("fines[%d].amount", a.Charge), Code: errs.CodeFineOutsideRange},
			fmt.Sprintf("%s: %d đ is outside %d–%d đ (doubled: %v; Luật XLVPHC Điều 23, 24)", a.Code, amount, a.Range.Min, a.Range.Max, a.Range.Doubled))
	}
	if amount < a.Lower || amount > a.Upper {
		return errs.E(op, errs.Invalid, errs.CodeFineNotJustified, errs.FieldError{Field: fmt.Sprintf("fines[%d].amount", a.Charge), Code: errs.CodeFineNotJustified},
			fmt.Sprintf("%s: %d đ needs a %s circumstance (allowed %d–%d đ; Luật XLVPHC Điều 23 khoản 4)", a.Code, amount,
				map[bool]string{true: "mitigating", false: "aggravating"}[amount < a.Lower], a.Lower, a.Upper))
	}
	return nil
}

// CapCheck is one charge measured against one title's cap: competence is measured by the maximum of
// the range (doubled for an organisation, and so is the cap; Luật XLVPHC Art. 52).
type CapCheck struct {
	Charge  int
	Code    string
	Max     int64 // the maximum of the charge's range for the subject
	Limit   int64 // the cap for the subject (doubled for an organisation); 0 when unknown or unlimited
	CapID   string
	Covered bool
	Unknown bool // the cap's amount is not known (authority_cap_missing)
}

// Competence is whether a person may decide a case on a day, and under which title.
type Competence struct {
	Covered   bool
	Title     legal.Title
	TitleName string
	CapID     string
	CapBasis  string
	Checks    []CapCheck // for the title chosen, or for the best title tried when none covers
}

// heldOn reports whether a person's title counts for the case on day d: held that day, and, for a
// title held for one campaign only (trưởng đoàn), the case's campaign.
func heldOn(t identity.Title, c Case, d legal.Date) bool {
	if t.CampaignID != "" && t.CampaignID != c.CampaignID {
		return false
	}
	return !d.Before(legal.DateOf(t.ValidFrom)) && (t.ValidTo.IsZero() || !d.After(legal.DateOf(t.ValidTo)))
}

// CompetenceOf decides whether a person holding titles may decide the case on day d, given the
// assessments of its charges. Each charge must lie within the cap of the title — under the decree's
// own article on sanctioning power, or the Law's general rule — by the maximum of its range (Art.
// 52(3)–(4): when one charge exceeds the cap, the whole case goes to the competent authority). A
// charge without a range, or a cap whose amount is unknown, is not covered. The first title (in the
// order given) that covers every charge is chosen; when none does, the result shows the title that
// covered most, with its checks, for the approver to see why.
func CompetenceOf(r Rules, c Case, as []Assessment, titles []identity.Title, d legal.Date) Competence {
	var best Competence
	bestCovered := -1
	for _, t := range titles {
		if !heldOn(t, c, d) {
			continue
		}
		comp := Competence{Covered: len(as) > 0, Title: legal.Title(t.Code)}
		var bases []string
		found, covered := false, 0
		for _, a := range as {
			chk := CapCheck{Charge: a.Charge, Code: a.Code}
			if a.Range != nil {
				chk.Max = a.Range.Max
			}
			cp, err := r.Catalogue.CapAt(legal.Title(t.Code), a.Version.Decree, d)
			if err == nil {
				found = true
				chk.CapID = cp.ID
				if comp.TitleName == "" {
					comp.TitleName, comp.CapID = cp.Name, cp.ID
				}
				if !slices.Contains(bases, cp.Basis) {
					bases = append(bases, cp.Basis)
				}
				if a.Range != nil {
					ok, err := legal.Covers(cp, *a.Range)
					chk.Covered, chk.Unknown = ok, err != nil
					if cp.MaxFine != nil && !cp.Unlimited {
						chk.Limit = *cp.MaxFine
						if a.Range.Doubled {
							chk.Limit *= 2
						}
					}
				}
			}
			if chk.Covered {
				covered++
			}
			comp.Covered = comp.Covered && chk.Covered
			comp.Checks = append(comp.Checks, chk)
		}
		if !found {
			continue // no cap of this title applies to any charge: not a sanctioning title here
		}
		comp.CapBasis = strings.Join(bases, "; ")
		if comp.Covered {
			return comp
		}
		if covered > bestCovered {
			best, bestCovered = comp, covered
		}
	}
	return best
}

// RepeatCandidate is an earlier decision against the same subject within the window in which the
// subject is not yet "considered never sanctioned" (Luật XLVPHC Art. 7) on the charge's violation
// date. SameAct marks a decision for the same act: only those are a repeat offence (tái phạm, an
// aggravating circumstance, Art. 10); the others are shown for information.
type RepeatCandidate struct {
	Charge     int
	Prior      PriorDecision
	SameAct    bool
	WindowEnds legal.Date // the last day of the window; zero while the earlier decision is not executed
}

// PriorDecision is an earlier issued decision against a subject, as the subject's history shows it.
type PriorDecision struct {
	CaseID     string
	Number     int
	Year       int
	IssuedOn   legal.Date
	Codes      []string   // the catalogue codes it fined
	Warning    bool       // a warning (cảnh cáo) only: the shorter window
	ExecutedOn legal.Date // the day it was executed in full (or became unenforceable); zero while not
}

// Prior is the case as an earlier decision in a subject's history: false when it has no decision.
func (c Case) Prior() (PriorDecision, bool) {
	if c.Decision == nil {
		return PriorDecision{}, false
	}
	p := PriorDecision{CaseID: c.ID, Number: c.Decision.Number, Year: c.Decision.Year, IssuedOn: legal.DateOf(c.Decision.IssuedAt)}
	for _, f := range c.Decision.Fines {
		if !slices.Contains(p.Codes, f.Code) {
			p.Codes = append(p.Codes, f.Code)
		}
	}
	if c.Closure != nil {
		switch c.Closure.Outcome {
		case OutcomePaid:
			p.ExecutedOn = settledOn(c.Payments)
		case OutcomeTimeBarred:
			p.ExecutedOn = legal.DateOf(c.Closure.At)
		}
	} else if c.State == Paid {
		p.ExecutedOn = settledOn(c.Payments)
	}
	return p, true
}

// settledOn is the day of the last payment.
func settledOn(ps []Payment) legal.Date {
	var d legal.Date
	for _, p := range ps {
		if p.PaidOn.After(d) {
			d = p.PaidOn
		}
	}
	return d
}

// The deadline rules of the window after which a sanctioned subject is considered never sanctioned
// (Luật XLVPHC Art. 7), as schemas/legal/deadline-rules.json names them.
const (
	eventClearedAfterWarning legal.Event = "cleared_after_warning"
	eventClearedAfterOther   legal.Event = "cleared_after_other"
)

// RepeatCandidates lists, for each charge of the case, the subject's earlier decisions within the
// window on the charge's violation date: issued before it, and either not yet executed or executed no
// longer ago than the window of the rule in force on the day of execution (6 months after a warning,
// 1 year after another penalty). Decisions of the case itself are skipped.
func RepeatCandidates(r Rules, c Case, priors []PriorDecision) ([]RepeatCandidate, error) {
	var out []RepeatCandidate
	for i, ch := range c.Charges {
		code := r.Catalogue.CanonicalCode(ch.Code)
		for _, p := range priors {
			if p.CaseID == c.ID || !p.IssuedOn.Before(ch.Date()) {
				continue
			}
			var ends legal.Date
			if !p.ExecutedOn.IsZero() {
				event := eventClearedAfterOther
				if p.Warning {
					event = eventClearedAfterWarning
				}
				rule, err := r.Catalogue.RuleAt(event, p.ExecutedOn)
				if err != nil {
					return nil, errs.E(errs.Op("penalty.RepeatCandidates"), err)
				}
				ends = windowEnd(p.ExecutedOn, rule)
				if ch.Date().After(ends) {
					continue
				}
			}
			same := slices.ContainsFunc(p.Codes, func(pc string) bool { return r.Catalogue.CanonicalCode(pc) == code })
			out = append(out, RepeatCandidate{Charge: i, Prior: p, SameAct: same, WindowEnds: ends})
		}
	}
	return out, nil
}

// windowEnd is the last day of a window of the rule's length from day d: a window is not a period for
// doing something, so it is not moved to the next working day.
func windowEnd(d legal.Date, rule legal.DeadlineRule) legal.Date {
	if rule.Unit == legal.Months {
		return d.AddMonths(rule.Amount)
	}
	return d.AddDays(rule.Amount)
}

// ExplanationRight reports whether the law grants the subject the right to explain (Art. 61): some
// charge's range reaches the threshold in force on the record's day (doubled for an organisation).
// A charge whose range is not known counts as reaching it: the case waits rather than deny a right.
func ExplanationRight(r Rules, c Case) (bool, error) {
	rule, err := r.explanationOn(legal.DateOf(c.Record.DrawnUpAt))
	if err != nil {
		return false, errs.E(errs.Op("penalty.ExplanationRight"), err)
	}
	for _, a := range Assess(r, c, legal.DateOf(c.Record.DrawnUpAt)) {
		if a.Range == nil {
			return true, nil
		}
		limit := rule.IndividualMax
		if a.Range.Doubled {
			limit *= 2
		}
		if a.Range.Max >= limit {
			return true, nil
		}
	}
	return false, nil
}
