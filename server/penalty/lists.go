package penalty

import (
	"context"
	"slices"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// QueueStates are the states of the cases waiting for the chief: a decision (submitted) or its
// issue (approved).
var QueueStates = []State{Submitted, Approved}

// Deadlines are the instants at which the running periods of a case end (Dues as the store indexes
// them). A zero instant: the period does not run, or its rule is missing (the case shows which).
type Deadlines struct {
	Decision         time.Time
	Explanation      time.Time
	Send             time.Time
	NationalReport   time.Time
	Payment          time.Time
	EnforcementLimit time.Time
}

// Deadlines are the instants the case's periods end.
func (d Dues) Deadlines() Deadlines {
	end := func(x *Due) time.Time {
		if x == nil || x.Missing {
			return time.Time{}
		}
		return x.Ends
	}
	return Deadlines{Decision: end(d.Decision), Explanation: end(d.Explanation), Send: end(d.Send),
		NationalReport: end(d.NationalReport), Payment: end(d.Payment), EnforcementLimit: end(d.EnforcementLimit)}
}

// duties are the periods that are the department's duties, by the names Duties gives them: these
// make a case overdue.
func (d Deadlines) duties() []struct {
	Name string
	Ends time.Time
} {
	return []struct {
		Name string
		Ends time.Time
	}{{"decision", d.Decision}, {"send", d.Send}, {"national_report", d.NationalReport}, {"payment", d.Payment}}
}

// Next is the earliest end among the department's duties (decision, sending the decision, the
// national database report, payment): where the overdue list places the case. Zero when none runs.
func (d Deadlines) Next() time.Time {
	var next time.Time
	for _, x := range d.duties() {
		if !x.Ends.IsZero() && (next.IsZero() || x.Ends.Before(next)) {
			next = x.Ends
		}
	}
	return next
}

// Overdue names the duties whose period ended at or before now.
func (d Deadlines) Overdue(now time.Time) []string {
	var out []string
	for _, x := range d.duties() {
		if !x.Ends.IsZero() && !now.Before(x.Ends) {
			out = append(out, x.Name)
		}
	}
	return out
}

// Evidence is the evidence a record lists and which of it has not arrived (stored and verified
// against its hash).
type Evidence struct {
	IDs     []string
	Missing []string
}

// Complete reports whether all the evidence the record lists has arrived.
func (e Evidence) Complete() bool { return len(e.Missing) == 0 }

// DecisionRef names an issued decision.
type DecisionRef struct {
	IssuingUnitID string
	Year          int
	Number        int
	IssuedAt      time.Time
}

// Summary is a case as the lists show it.
type Summary struct {
	ID         string
	CampaignID string
	State      State
	Track      Track
	Version    int64
	Record     Record // the current version
	Subject    Subject
	OpenedAt   time.Time
	Total      int64        // the approved total; 0 before approval
	Decision   *DecisionRef // once issued
	Deadlines  Deadlines
	Evidence   Evidence // of the current record
}

// Lister lists cases for the chief (the store implements it beside Store; the Service asks for it by
// type assertion).
type Lister interface {
	// CaseQueue lists the organisation's cases in one of states, one page with the total: for
	// QueueStates, by the end of their decision period (earliest first, unknown last); for any other
	// states, by when they opened.
	CaseQueue(ctx context.Context, orgID string, states []State, page paging.Page) ([]Summary, int, error)
	// OverdueCases lists the organisation's cases with a duty whose period ended at or before t
	// (Deadlines.Next ≤ t), the earliest first, one page with the total.
	OverdueCases(ctx context.Context, orgID string, t time.Time, page paging.Page) ([]Summary, int, error)
}

// EvidenceOf is the evidence a record lists, with the IDs not in arrived missing.
func EvidenceOf(ids []string, arrived map[string]bool) Evidence {
	e := Evidence{IDs: slices.Clone(ids)}
	for _, id := range ids {
		if !arrived[id] {
			e.Missing = append(e.Missing, id)
		}
	}
	return e
}

// EvidenceReader tells which evidence has arrived (the store implements it beside Store).
type EvidenceReader interface {
	// ArrivedEvidence returns which of the organisation's evidence IDs have arrived: stored and
	// verified against their hash.
	ArrivedEvidence(ctx context.Context, orgID string, ids []string) (map[string]bool, error)
}

func (s *Service) lister(op errs.Op, p identity.Principal) (Lister, error) {
	if !p.Has(readers...) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	l, ok := s.Store.(Lister)
	if !ok {
		return nil, errs.E(op, errs.Internal, "the store cannot list cases")
	}
	return l, nil
}

// Queue lists the cases waiting for the chief (states, or QueueStates when none is given) for the
// chief, the director or a clerk, the most urgent decision first.
func (s *Service) Queue(ctx context.Context, p identity.Principal, states []State, page paging.Page) ([]Summary, int, error) {
	const op = errs.Op("penalty.Service.Queue")
	l, err := s.lister(op, p)
	if err != nil {
		return nil, 0, err
	}
	if len(states) == 0 {
		states = QueueStates
	}
	for _, st := range states {
		if !slices.Contains(States, st) {
			return nil, 0, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "state", Code: errs.CodeInvalidValue})
		}
	}
	out, total, err := l.CaseQueue(ctx, p.OrgID, states, page.Normal())
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	return out, total, nil
}

// Overdue lists the cases with an overdue duty now, the longest overdue first (the chief's overdue
// list; PRODUCT.md guarantee 9).
func (s *Service) Overdue(ctx context.Context, p identity.Principal, page paging.Page) ([]Summary, int, error) {
	const op = errs.Op("penalty.Service.Overdue")
	l, err := s.lister(op, p)
	if err != nil {
		return nil, 0, err
	}
	out, total, err := l.OverdueCases(ctx, p.OrgID, s.Clock.Now(), page.Normal())
	if err != nil {
		return nil, 0, errs.E(op, err)
	}
	return out, total, nil
}

// States lists every state.
var States = []State{Recorded, Submitted, Returned, Approved, Rejected, Forwarded, Issued, Delivered, Overdue, Enforced, Paid, Closed}

// NationalRecord is what the national database on administrative violations records of a decision
// (CSDL quốc gia về xử lý VPHC; Decree 20/2016/NĐ-CP Art. 9, confirmed): the violator, the decision's
// number and date, the acts, the sanction and its amount, additional penalties and remedial
// measures, the sanctioning agency and the signer's title. It is prepared when the decision is issued
// and never changes; how the decision is executed is read from the case when the report is exported.
type NationalRecord struct {
	SubjectKind legal.SubjectKind
	// The individual: name, date of birth, personal identification number, gender. The organisation:
	// name, head-office address, enterprise code or registration number, legal representative.
	Name           string
	DateOfBirth    string
	IDNumber       string
	Gender         string
	Address        string
	EnterpriseCode string
	Registration   string
	Representative string

	DecisionNumber int
	DecisionSymbol string // "03/QĐ-XPHC"
	DecisionYear   int
	IssuedAt       time.Time

	Violations          []NationalViolation
	SanctionForm        string // "Phạt tiền"
	Total               int64
	AdditionalPenalties []string
	RemedialMeasures    []string

	Agency      string // the sanctioning agency: the issuing unit, under its organisation
	SignerName  string
	SignerTitle string
}

// NationalViolation is one act of a decision as reported: its catalogue code, the act, the provision
// and the fine.
type NationalViolation struct {
	Code      string
	Act       string
	Provision string
	Fine      int64
}

// NationalReportEntry is one decision in the national database report list: the prepared record,
// the reporting period's end (2 working days, 4 in mountain areas), whether and how it was reported,
// and the execution as the case stands (state, amount paid).
type NationalReportEntry struct {
	CaseID     string
	Record     NationalRecord
	DueAt      time.Time // zero when the period could not be counted (no rule)
	Mountain   bool
	ReportedAt time.Time // zero while unreported
	Reference  string
	State      State
	Paid       int64
}

// NationalReportFilter selects decisions issued in [From, To) (instants; zero: open) and, when
// Reported is set, only those reported (*Reported) or not.
type NationalReportFilter struct {
	From, To time.Time
	Reported *bool
}

// NationalReports is implemented by stores that keep the prepared national database reports.
type NationalReports interface {
	// NationalReportEntries lists the organisation's decisions matching f, by time of issue, at most
	// limit of them.
	NationalReportEntries(ctx context.Context, orgID string, f NationalReportFilter, limit int) ([]NationalReportEntry, error)
}

// NationalReportList lists the decisions to report to the national database (clerk, chief,
// director), for an export in batches.
func (s *Service) NationalReportList(ctx context.Context, p identity.Principal, f NationalReportFilter, limit int) ([]NationalReportEntry, error) {
	const op = errs.Op("penalty.Service.NationalReportList")
	if !p.Has(readers...) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	nr, ok := s.Store.(NationalReports)
	if !ok {
		return nil, errs.E(op, errs.Internal, "the store keeps no national reports")
	}
	out, err := nr.NationalReportEntries(ctx, p.OrgID, f, limit)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return out, nil
}

// ReportNationalBatch records that the decisions of cases ids were reported to the national database
// under one reference (a clerk's or the chief's act, each audited on its case). Every case must have
// an issued decision not yet reported; the cases are marked one by one at the version each is at
// (the report changes nothing of the decision), and the first refusal stops the batch with the
// cases marked before it returned. A case already reported under the same reference counts as done,
// so a batch that stopped half-way can be sent again as it was.
func (s *Service) ReportNationalBatch(ctx context.Context, p identity.Principal, ids []string, reference string) ([]Case, error) {
	const op = errs.Op("penalty.Service.ReportNationalBatch")
	if !p.Has(clerks...) {
		return nil, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	var out []Case
	for _, id := range ids {
		cur, err := s.Store.Case(ctx, p.OrgID, id)
		if err != nil {
			return out, errs.E(op, err)
		}
		if cur.NationalReport != nil {
			if cur.NationalReport.Reference == reference {
				out = append(out, cur)
				continue
			}
			return out, errs.E(op, errs.Conflict, errs.CodeNationalReportReported, "case "+id)
		}
		c, err := s.ReportNational(ctx, p, id, cur.Version, reference)
		if err != nil {
			return out, errs.E(op, err)
		}
		out = append(out, c)
	}
	return out, nil
}
