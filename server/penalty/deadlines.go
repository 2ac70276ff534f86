package penalty

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// Due is when one statutory period of a case ends, with the rule it was counted by (D16: never a
// constant in code). Missing means no rule was in force for the event on its starting day: the
// period cannot be counted until an administrator enters the rule.
type Due struct {
	Event     legal.Event
	RuleID    string
	Basis     string
	Confirmed bool
	Missing   bool
	legal.Deadline
}

// Dues are the periods running on a case, recounted by every transition; nil when a period does not
// apply (yet, or any more).
type Dues struct {
	Decision         *Due // the decision (Art. 66(1)), by the case's track, from the record; until decided
	Explanation      *Due // the written explanation (Art. 61), from the record; while the right is open
	Send             *Due // sending the decision to the subject (Art. 70), from the decision; until delivered
	NationalReport   *Due // reporting the decision to the national database (TT 13/2016/TT-BTP); until reported
	Payment          *Due // paying the fine (Art. 73), from delivery; until paid
	EnforcementLimit *Due // the limitation for enforcing the decision (Art. 74), from the decision; until settled
}

// DueFor counts the period of the rule for event in force on the day of from, for an event at
// instant from, in a mountain area or not, on the catalogue's calendar of working days (public
// holidays and compensating working days as data; legal.Calendar.Due).
func DueFor(r Rules, event legal.Event, from time.Time, mountain bool) Due {
	return *due(r, event, from, mountain)
}

func due(r Rules, event legal.Event, from time.Time, mountain bool) *Due {
	d := &Due{Event: event}
	rule, err := r.Catalogue.RuleAt(event, legal.DateOf(from))
	if err != nil {
		d.Missing = true
		return d
	}
	d.RuleID, d.Basis, d.Confirmed = rule.ID, rule.Basis, rule.Confirmed
	dl, err := r.workingCalendar().Due(rule, from, mountain)
	if err != nil {
		d.Missing = true
		return d
	}
	d.Deadline = dl
	return d
}

// paymentDue counts the payment period from the delivery: the statutory rule, or the longer period
// the decision set (Art. 73(1)), as calendar days ending on a working day.
func paymentDue(r Rules, c Case) *Due {
	d := due(r, legal.EventPayment, c.Delivery.ReceivedAt, false)
	if c.Decision.PaymentDays == 0 || d.Missing {
		return d
	}
	rule, _ := r.Catalogue.RuleAt(legal.EventPayment, legal.DateOf(c.Delivery.ReceivedAt))
	if rule.Unit == legal.CalendarDays && c.Decision.PaymentDays > rule.Amount {
		rule.Amount = c.Decision.PaymentDays
		if dl, err := r.workingCalendar().Due(rule, c.Delivery.ReceivedAt, false); err == nil {
			d.Deadline = dl
		}
	}
	return d
}

// DuesOf counts the periods that apply to the case in its state.
func DuesOf(r Rules, c Case) Dues {
	var ds Dues
	switch c.State {
	case Recorded, Submitted, Returned, Approved:
		ds.Decision = due(r, c.Track.decisionEvent(), c.firstRecord().DrawnUpAt, false)
		if c.Explanation.Right && c.Explanation.Received == nil {
			ds.Explanation = due(r, legal.EventExplainWritten, c.firstRecord().DrawnUpAt, false)
		}
	}
	if c.Decision == nil {
		return ds
	}
	if c.Delivery == nil {
		ds.Send = due(r, legal.EventDecisionSend, c.Decision.IssuedAt, false)
	}
	if c.NationalReport == nil {
		ds.NationalReport = due(r, legal.EventNationalDatabase, c.Decision.IssuedAt, c.Mountain)
	}
	if c.Delivery != nil && c.State != Paid && c.State != Closed {
		ds.Payment = paymentDue(r, c)
	}
	if c.State != Paid && c.State != Closed {
		ds.EnforcementLimit = due(r, legal.EventEnforcementLimitation, c.Decision.IssuedAt, false)
	}
	return ds
}

// Duty is one period of a case as the chief's overdue list shows it.
type Duty struct {
	Name    string // "decision", "explanation", "send", "national_report", "payment", "enforcement_limit"
	Due     Due
	Overdue bool // the period ended before now
}

// Duties lists the periods running on the case at instant now, overdue ones marked. The explanation
// period and the enforcement limitation are not duties of the department and are never overdue;
// they are listed for their dates.
func Duties(c Case, now time.Time) []Duty {
	var out []Duty
	add := func(name string, d *Due, duty bool) {
		if d == nil {
			return
		}
		out = append(out, Duty{Name: name, Due: *d, Overdue: duty && !d.Missing && !now.Before(d.Ends)})
	}
	add("decision", c.Dues.Decision, true)
	add("explanation", c.Dues.Explanation, false)
	add("send", c.Dues.Send, true)
	add("national_report", c.Dues.NationalReport, true)
	add("payment", c.Dues.Payment, true)
	add("enforcement_limit", c.Dues.EnforcementLimit, false)
	return out
}

// Balance is what the subject owes on a day: the fine, the late-payment interest accrued on the
// unpaid part of it (Art. 78), and what the payments covered (applied to the fine first).
type Balance struct {
	Fine         int64
	FinePaid     int64
	Interest     int64
	InterestPaid int64
	Outstanding  int64 // fine and interest still owed
	DaysLate     int   // days on which interest accrued
}

// BalanceOf computes the balance of an issued, delivered case on day asOf with the payments recorded
// (payments after asOf are ignored). For each day after the last day of the payment period up to
// asOf, while part of the fine is unpaid at the start of that day, interest accrues on that part at
// the rate in force that day; payments go to the fine first, then to the interest. Interest is
// summed exactly and rounded half up to the đồng.
func BalanceOf(r Rules, c Case, asOf legal.Date) (Balance, error) {
	const op = errs.Op("penalty.BalanceOf")
	if c.Decision == nil {
		return Balance{}, errs.E(op, errs.Conflict, errs.CodeCaseStateInvalid, "no decision")
	}
	b := Balance{Fine: c.Decision.Total}
	var paid int64
	for _, p := range c.Payments {
		if !p.PaidOn.After(asOf) {
			paid += p.Amount
		}
	}
	pd := c.Dues.Payment
	if c.Delivery != nil && pd == nil {
		pd = paymentDue(r, c)
	}
	if c.Delivery != nil && pd != nil && !pd.Missing {
		var micro int64 // interest in millionths of a đồng
		for d := pd.Last.AddDays(1); !d.After(asOf); d = d.AddDays(1) {
			var before int64
			for _, p := range c.Payments {
				if p.PaidOn.Before(d) {
					before += p.Amount
				}
			}
			unpaid := b.Fine - before
			if unpaid <= 0 {
				break
			}
			rule, err := r.interestOn(d)
			if err != nil {
				return Balance{}, errs.E(op, err)
			}
			micro += unpaid * rule.PerMillion
			b.DaysLate++
		}
		b.Interest = (micro + 500_000) / 1_000_000
	}
	b.FinePaid = min(paid, b.Fine)
	b.InterestPaid = min(paid-b.FinePaid, b.Interest)
	b.Outstanding = b.Fine + b.Interest - b.FinePaid - b.InterestPaid
	return b, nil
}
