package penalty

import (
	"context"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// Store persists penalty cases. Every method is scoped by organisation (D1); an unknown case is
// errs.NotFound with CodePenaltyCaseNotFound.
type Store interface {
	// PenaltyRules reads the rules: the legal catalogue (legal.Store.LegalCatalogue), the dated rules
	// the catalogue does not hold yet (late-payment interest, the right to explain) and the proposal
	// convention.
	PenaltyRules(ctx context.Context) (Rules, error)
	// Case reads one case.
	Case(ctx context.Context, orgID, id string) (Case, error)
	// CreateCase stores a new case and its event (audit entry: Event.AuditEntry) in one transaction.
	// A case already open for the same record is errs.Conflict, CodePenaltyCaseExists.
	CreateCase(ctx context.Context, c Case, e Event) error
	// UpdateCase reads the case in a write transaction (locked: SELECT … FOR UPDATE on PostgreSQL, the
	// single writer on SQLite), calls fn with it and the register of decision numbers of that same
	// transaction, and writes the case fn returns with its event only if the stored version is still
	// the version fn was given (otherwise errs.Conflict, CodeCaseVersionConflict). An error from fn
	// rolls everything back, a decision number taken included, so the register has no gaps.
	UpdateCase(ctx context.Context, orgID, id string, fn func(c Case, reg DecisionRegister) (Case, Event, error)) (Case, error)
	// SubjectDecisions lists the issued decisions against a subject (Case.Prior of each case).
	SubjectDecisions(ctx context.Context, orgID, subjectID string) ([]PriorDecision, error)
	// PersonTitles lists a person's legal titles, every period (identity.TitleStore).
	PersonTitles(ctx context.Context, orgID, personID string) ([]identity.Title, error)
	// Person reads a person (identity.Store).
	Person(ctx context.Context, orgID, id string) (identity.Person, error)
	// DeliveredPaymentEnded lists the IDs of the delivered cases whose payment period ended at or
	// before t (Dues.Payment.Ends ≤ t): the candidates for MarkOverdue.
	DeliveredPaymentEnded(ctx context.Context, orgID string, t time.Time) ([]string, error)
}

// DecisionRegister numbers decisions: one sequence per issuing unit and year (D9: decisions are
// numbered by the server when issued).
type DecisionRegister interface {
	// NextDecisionNumber takes the next number of the issuing unit's decisions of the year: 1, 2, 3 …
	// It is taken in the transaction that issues the decision, so a number is never lost.
	NextDecisionNumber(issuingUnitID string, year int) (int, error)
}

// Service applies who may act on a case (D28) and runs the transitions against the Store with the
// rules in force and the clock.
type Service struct {
	Store Store
	Clock clock.Clock
	IDs   clock.IDs
}

// The roles of the acts (D28).
var (
	deciders = []identity.Role{identity.RoleChief}
	makers   = []identity.Role{identity.RoleInspector, identity.RoleChief}
	clerks   = []identity.Role{identity.RoleClerk, identity.RoleChief}
	readers  = []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleClerk}
)

// actor is the principal as an actor, with the person's name as printed.
func (s *Service) actor(ctx context.Context, p identity.Principal) (Actor, error) {
	a := Actor{PersonID: p.PersonID, AccountID: p.AccountID}
	if p.PersonID == "" {
		return a, nil
	}
	per, err := s.Store.Person(ctx, p.OrgID, p.PersonID)
	if err != nil {
		return Actor{}, err
	}
	a.Name = per.FullName
	return a, nil
}

// transition is one act of p on case id, based on version expected: the roles are checked, the
// rules and the actor read, and step run inside the store's transaction.
func (s *Service) transition(ctx context.Context, op errs.Op, p identity.Principal, roles []identity.Role, id string, expected int64,
	reason string, step func(r Rules, c Case, act Act, reg DecisionRegister) (Case, Event, error)) (Case, error) {
	if !p.Has(roles...) {
		return Case{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	r, err := s.Store.PenaltyRules(ctx)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	by, err := s.actor(ctx, p)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	act := Act{By: by, At: s.Clock.Now(), Reason: reason, Expected: expected}
	c, err := s.Store.UpdateCase(ctx, p.OrgID, id, func(c Case, reg DecisionRegister) (Case, Event, error) {
		return step(r, c, act, reg)
	})
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	return c, nil
}

// Open opens a case for a record of p's organisation (the intake of a submitted record). in.ID is
// made when empty.
func (s *Service) Open(ctx context.Context, p identity.Principal, in OpenInput) (Case, error) {
	const op = errs.Op("penalty.Service.Open")
	if !p.Has(makers...) {
		return Case{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	r, err := s.Store.PenaltyRules(ctx)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	by, err := s.actor(ctx, p)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	if in.ID == "" {
		in.ID = s.IDs.NewID()
	}
	in.OrgID = p.OrgID
	c, e, err := Open(r, in, Act{By: by, At: s.Clock.Now()})
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	if err := s.Store.CreateCase(ctx, c, e); err != nil {
		return Case{}, errs.E(op, err)
	}
	return c, nil
}

// Submit submits a case for decision (see Submit).
func (s *Service) Submit(ctx context.Context, p identity.Principal, id string, expected int64, in SubmitInput) (Case, error) {
	return s.transition(ctx, "penalty.Service.Submit", p, makers, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Submit(r, c, act, in)
	})
}

// DeclareCircumstances declares a charge's circumstances (see DeclareCircumstances).
//
// An inspector declares them while the record is still theirs (drawn up or returned); once it is
// submitted, the proposal it moves is the chief's to change, so only the chief declares them.
func (s *Service) DeclareCircumstances(ctx context.Context, p identity.Principal, id string, expected int64, charge int, cs []Circumstance, reason string) (Case, error) {
	chief := p.Has(deciders...)
	return s.transition(ctx, "penalty.Service.DeclareCircumstances", p, makers, id, expected, reason, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		if !chief && c.State == Submitted {
			return Case{}, Event{}, errs.E(errs.Op("penalty.DeclareCircumstances"), errs.Conflict, errs.CodeCaseStateInvalid,
				"the case is submitted: only the chief declares circumstances now")
		}
		return DeclareCircumstances(r, c, act, charge, cs)
	})
}

// SetTrack changes the decision period of a case (see SetTrack).
func (s *Service) SetTrack(ctx context.Context, p identity.Principal, id string, expected int64, t Track, reason string) (Case, error) {
	return s.transition(ctx, "penalty.Service.SetTrack", p, deciders, id, expected, reason, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return SetTrack(r, c, act, t)
	})
}

// RecordExplanation records the subject's explanation or request for a hearing (see RecordExplanation).
func (s *Service) RecordExplanation(ctx context.Context, p identity.Principal, id string, expected int64, in ExplanationInput) (Case, error) {
	return s.transition(ctx, "penalty.Service.RecordExplanation", p, deciders, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return RecordExplanation(r, c, act, in)
	})
}

// Return returns a case to the inspector with comments (see Return).
func (s *Service) Return(ctx context.Context, p identity.Principal, id string, expected int64, comments string) (Case, error) {
	return s.transition(ctx, "penalty.Service.Return", p, deciders, id, expected, comments, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Return(r, c, act)
	})
}

// Reject rejects a case (see Reject).
func (s *Service) Reject(ctx context.Context, p identity.Principal, id string, expected int64, reason string) (Case, error) {
	return s.transition(ctx, "penalty.Service.Reject", p, deciders, id, expected, reason, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Reject(r, c, act)
	})
}

// Forward sends a case to the competent authority (see Forward); the caps the caller's titles
// exceeded are recorded with it.
func (s *Service) Forward(ctx context.Context, p identity.Principal, id string, expected int64, authority, address, reason string) (Case, error) {
	const op = errs.Op("penalty.Service.Forward")
	titles, err := s.Store.PersonTitles(ctx, p.OrgID, p.PersonID)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	return s.transition(ctx, op, p, deciders, id, expected, reason, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		day := legal.DateOf(act.At)
		comp := CompetenceOf(r, c, Assess(r, c, day), titles, day)
		var exceeded []CapCheck
		for _, chk := range comp.Checks {
			if !chk.Covered {
				exceeded = append(exceeded, chk)
			}
		}
		return Forward(r, c, act, ForwardInput{Authority: authority, Address: address, Exceeded: exceeded})
	})
}

// Approve approves a case's fines (see Approve): fines nil approves as proposed; reason is required
// when anything changes. The caller's titles and the subject's history are read from the store.
func (s *Service) Approve(ctx context.Context, p identity.Principal, id string, expected int64, fines []FineChoice, reason string) (Case, error) {
	const op = errs.Op("penalty.Service.Approve")
	if !p.Has(deciders...) {
		return Case{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	cur, err := s.Store.Case(ctx, p.OrgID, id)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	priors, err := s.Store.SubjectDecisions(ctx, p.OrgID, cur.Subject.ID)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	titles, err := s.Store.PersonTitles(ctx, p.OrgID, p.PersonID)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	return s.transition(ctx, op, p, deciders, id, expected, reason, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Approve(r, c, act, ApproveInput{Titles: titles, Priors: priors, Fines: fines})
	})
}

// Issue numbers and issues the decision of an approved case from the issuing unit's register (see
// Issue), with the statutory payment period or the longer one paymentDays sets.
func (s *Service) Issue(ctx context.Context, p identity.Principal, id string, expected int64, paymentDays int) (Case, error) {
	return s.IssueWith(ctx, p, id, expected, IssueInput{PaymentDays: paymentDays})
}

// IssueWith is Issue with what the decision states besides the approval: the payment period and
// place, the additional penalties and the remedial measures. in.Number and in.Titles are the
// service's to fill.
func (s *Service) IssueWith(ctx context.Context, p identity.Principal, id string, expected int64, in IssueInput) (Case, error) {
	const op = errs.Op("penalty.Service.Issue")
	if !p.Has(deciders...) {
		return Case{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	cur, err := s.Store.Case(ctx, p.OrgID, id)
	if err != nil {
		return Case{}, errs.E(op, err)
	}
	var titles []identity.Title
	if cur.Approval != nil {
		if titles, err = s.Store.PersonTitles(ctx, p.OrgID, cur.Approval.By.PersonID); err != nil {
			return Case{}, errs.E(op, err)
		}
	}
	return s.transition(ctx, op, p, deciders, id, expected, "", func(r Rules, c Case, act Act, reg DecisionRegister) (Case, Event, error) {
		if c.State != Approved || c.Version != act.Expected {
			return Issue(r, c, act, IssueInput{Number: 1}) // refused by the state or version check, before a number is taken
		}
		if f := validateIssue(in); len(f) > 0 {
			return Case{}, Event{}, errs.E(errs.Invalid, errs.CodeValidation, f) // refused before a number is taken
		}
		unit, year := c.DecisionSeries(act.At)
		n, err := reg.NextDecisionNumber(unit, year)
		if err != nil {
			return Case{}, Event{}, err
		}
		full := in
		full.Number, full.Titles = n, titles
		return Issue(r, c, act, full)
	})
}

// ReportNational records the report to the national database (see ReportNational).
func (s *Service) ReportNational(ctx context.Context, p identity.Principal, id string, expected int64, reference string) (Case, error) {
	return s.transition(ctx, "penalty.Service.ReportNational", p, clerks, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return ReportNational(r, c, act, reference)
	})
}

// Deliver records the delivery of the decision (see Deliver).
func (s *Service) Deliver(ctx context.Context, p identity.Principal, id string, expected int64, receivedAt time.Time, method string) (Case, error) {
	return s.transition(ctx, "penalty.Service.Deliver", p, clerks, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Deliver(r, c, act, receivedAt, method)
	})
}

// Pay records a payment (see Pay).
func (s *Service) Pay(ctx context.Context, p identity.Principal, id string, expected int64, in PaymentInput) (Case, error) {
	return s.transition(ctx, "penalty.Service.Pay", p, clerks, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Pay(r, c, act, in)
	})
}

// Transfer records the transfer of a payment to the state budget (see Transfer).
func (s *Service) Transfer(ctx context.Context, p identity.Principal, id string, expected int64, receipt string, on legal.Date, reference string) (Case, error) {
	return s.transition(ctx, "penalty.Service.Transfer", p, clerks, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Transfer(r, c, act, receipt, on, reference)
	})
}

// Enforce records the enforcement decision (see Enforce).
func (s *Service) Enforce(ctx context.Context, p identity.Principal, id string, expected int64, reference, measure string) (Case, error) {
	return s.transition(ctx, "penalty.Service.Enforce", p, deciders, id, expected, "", func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Enforce(r, c, act, reference, measure)
	})
}

// Close closes a settled case (see Close).
func (s *Service) Close(ctx context.Context, p identity.Principal, id string, expected int64, reason string) (Case, error) {
	return s.transition(ctx, "penalty.Service.Close", p, clerks, id, expected, reason, func(r Rules, c Case, act Act, _ DecisionRegister) (Case, Event, error) {
		return Close(r, c, act)
	})
}

// MarkOverdue is the daily job: it marks overdue every delivered case of the organisation whose
// payment period has ended with money owed, as the system, and returns how many it marked. A case
// that changed meanwhile (paid, or marked by another replica) is skipped.
func (s *Service) MarkOverdue(ctx context.Context, orgID string) (int, error) {
	const op = errs.Op("penalty.Service.MarkOverdue")
	r, err := s.Store.PenaltyRules(ctx)
	if err != nil {
		return 0, errs.E(op, err)
	}
	now := s.Clock.Now()
	ids, err := s.Store.DeliveredPaymentEnded(ctx, orgID, now)
	if err != nil {
		return 0, errs.E(op, err)
	}
	marked := 0
	for _, id := range ids {
		_, err := s.Store.UpdateCase(ctx, orgID, id, func(c Case, _ DecisionRegister) (Case, Event, error) {
			return MarkOverdue(r, c, Act{At: now, Expected: c.Version, Reason: "hết thời hạn nộp phạt"})
		})
		switch {
		case err == nil:
			marked++
		case errs.Is(errs.Conflict, err):
		default:
			return marked, errs.E(op, err)
		}
	}
	return marked, nil
}

// View is a case as the chief sees it: the assessment of each charge on the day (ranges, unverified
// flags, proposals, limitation), the caller's competence, the subject's earlier decisions within the
// repeat window, the periods with overdue ones marked, and the balance once a decision is delivered.
type View struct {
	Case        Case
	Assessments []Assessment
	Competence  Competence
	Repeats     []RepeatCandidate
	Duties      []Duty
	Balance     *Balance
	History     []PriorDecision // the subject's other issued decisions, whatever their age
	Evidence    *Evidence       // of the current record; nil when the store cannot tell (EvidenceReader)
}

// View reads a case for the chief, the director or a clerk.
func (s *Service) View(ctx context.Context, p identity.Principal, id string) (View, error) {
	const op = errs.Op("penalty.Service.View")
	if !p.Has(readers...) {
		return View{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	r, err := s.Store.PenaltyRules(ctx)
	if err != nil {
		return View{}, errs.E(op, err)
	}
	c, err := s.Store.Case(ctx, p.OrgID, id)
	if err != nil {
		return View{}, errs.E(op, err)
	}
	priors, err := s.Store.SubjectDecisions(ctx, p.OrgID, c.Subject.ID)
	if err != nil {
		return View{}, errs.E(op, err)
	}
	titles, err := s.Store.PersonTitles(ctx, p.OrgID, p.PersonID)
	if err != nil {
		return View{}, errs.E(op, err)
	}
	now := s.Clock.Now()
	day := legal.DateOf(now)
	v := View{Case: c, Assessments: Assess(r, c, day), Duties: Duties(c, now)}
	v.Competence = CompetenceOf(r, c, v.Assessments, titles, day)
	if v.Repeats, err = RepeatCandidates(r, c, priors); err != nil {
		return View{}, errs.E(op, err)
	}
	if c.Delivery != nil {
		b, err := BalanceOf(r, c, day)
		if err != nil {
			return View{}, errs.E(op, err)
		}
		v.Balance = &b
	}
	for _, pd := range priors {
		if pd.CaseID != c.ID {
			v.History = append(v.History, pd)
		}
	}
	if er, ok := s.Store.(EvidenceReader); ok {
		arrived, err := er.ArrivedEvidence(ctx, p.OrgID, c.Record.EvidenceIDs)
		if err != nil {
			return View{}, errs.E(op, err)
		}
		e := EvidenceOf(c.Record.EvidenceIDs, arrived)
		v.Evidence = &e
	}
	return v, nil
}
