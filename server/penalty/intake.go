package penalty

import (
	"context"
	"fmt"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// Submission is a violation record a phone submitted for decision, as the case it opens (or goes back
// to) needs it: the record, the subject, the charges it cites and the campaign.
type Submission struct {
	CampaignID string
	Record     Record
	Subject    Subject
	Mountain   bool
	// UnitCodes are the codes of the site's administrative unit on the record's day and of the units
	// above it: the case is in a mountain area when Rules.MountainOn says so for them.
	UnitCodes []string
	Charges   []Charge
}

// RecordSource reads the submitted violation records cases are opened from. The store implements it
// beside Store; Intake asks for it by type assertion, as evidence.Service does for its readers.
type RecordSource interface {
	// SubmittedRecord reads one of the organisation's records as a submission. ok is false when the
	// record is not (or no longer) submitted; an unknown record is errs.NotFound (record_not_found).
	SubmittedRecord(ctx context.Context, orgID, recordID string) (sub Submission, ok bool, err error)
	// CaseOfRecord finds the case that holds the record as its current version or an earlier one;
	// ok is false when none does.
	CaseOfRecord(ctx context.Context, orgID, recordID string) (c Case, ok bool, err error)
}

// Intake takes a violation record the phone of person by submitted (the store's intake job calls it
// after the push that submitted the record has committed). It is idempotent, so the job may run it
// again:
//   - a record no case holds opens a case and submits it;
//   - a record that corrects the current record of a case returned to the inspector (D11) is
//     submitted on that case as its new version, with the charges it cites;
//   - a record its case holds already is submitted again when the case was returned (or opened but
//     not submitted, after a crash between the two steps), and otherwise left as it is.
//
// A correction of a record whose case is not waiting for one is refused with penalty_state_invalid:
// the chief returns the case first. Who may push records was checked by the push; the acts are the
// pushing person's (by).
func (s *Service) Intake(ctx context.Context, orgID, recordID string, by Actor) (Case, error) {
	const op = errs.Op("penalty.Service.Intake")
	src, ok := s.Store.(RecordSource)
	if !ok {
		return Case{}, errs.E(op, errs.Internal, "the store cannot read submitted records")
	}
	sub, submitted, err := src.SubmittedRecord(ctx, orgID, recordID)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	if !submitted {
		return Case{}, nil
	}
	if by.PersonID != "" && by.Name == "" {
		per, err := s.Store.Person(ctx, orgID, by.PersonID)
		if err != nil {
			return Case{}, errs.E(op, err)
		}
		by.Name = per.FullName
	}
	r, err := s.Store.PenaltyRules(ctx)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	c, held, err := src.CaseOfRecord(ctx, orgID, recordID)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	if !held && sub.Record.Corrects != "" {
		prev, found, err := src.CaseOfRecord(ctx, orgID, sub.Record.Corrects)
		if err != nil {
			return Case{}, errs.E(op, err)
		}
		if found {
			if prev.Record.ID != sub.Record.Corrects || (prev.State != Returned && prev.State != Recorded) {
				return Case{}, errs.E(op, errs.Conflict, errs.CodeCaseStateInvalid, fmt.Sprintf(
					"record %s corrects record %s of case %s, which is %s with record %s: return the case before a corrected record can be submitted on it",
					recordID, sub.Record.Corrects, prev.ID, prev.State, prev.Record.ID))
			}
			rec := sub.Record
			return s.intakeSubmit(ctx, op, r, prev, by, SubmitInput{Record: &rec, Charges: sub.Charges})
		}
	}
	if !held {
		in := OpenInput{ID: s.IDs.NewID(), OrgID: orgID, CampaignID: sub.CampaignID, Record: sub.Record, Subject: sub.Subject,
			Mountain: sub.Mountain || r.MountainOn(sub.UnitCodes, legal.DateOf(sub.Record.DrawnUpAt)), Charges: sub.Charges}
		opened, e, err := Open(r, in, Act{By: by, At: s.Clock.Now()})
		if err != nil {
			return Case{}, errs.E(op, err)
		}
		if err := s.Store.CreateCase(ctx, opened, e); err != nil {
			if !errs.Is(errs.Conflict, err) {
				return Case{}, errs.E(op, err)
			}
			// Another run opened it first: carry on from the case it made.
			if opened, held, err = src.CaseOfRecord(ctx, orgID, recordID); err != nil || !held {
				return Case{}, errs.E(op, errs.Conflict, errs.CodePenaltyCaseExists, err)
			}
		}
		c = opened
	}
	if c.Record.ID != recordID || (c.State != Recorded && c.State != Returned) {
		return c, nil // submitted already, or an earlier version of the case's record: nothing to do
	}
	return s.intakeSubmit(ctx, op, r, c, by, SubmitInput{})
}

// intakeSubmit submits case c as the intake's act, at the version just read. When another run of
// the intake submitted it first (the version moved on and the case is submitted with the same
// record), that case is the answer.
func (s *Service) intakeSubmit(ctx context.Context, op errs.Op, r Rules, c Case, by Actor, in SubmitInput) (Case, error) {
	act := Act{By: by, At: s.Clock.Now(), Expected: c.Version}
	recordID := c.Record.ID
	if in.Record != nil {
		recordID = in.Record.ID
	}
	n, err := s.Store.UpdateCase(ctx, c.OrgID, c.ID, func(cur Case, _ DecisionRegister) (Case, Event, error) {
		return Submit(r, cur, act, in)
	})
	if errs.CodeOf(err) == errs.CodeCaseVersionConflict {
		if cur, rerr := s.Store.Case(ctx, c.OrgID, c.ID); rerr == nil && cur.State == Submitted && cur.Record.ID == recordID {
			return cur, nil
		}
	}
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	return n, nil
}
