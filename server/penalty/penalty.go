// Package penalty is the penalty case (hồ sơ xử phạt vi phạm hành chính): from the violation record
// through the chief's decision to the numbered penalty decision, its delivery, payment, enforcement
// and closure (issue 7; PRODUCT.md guarantees 8 and 9; DECISIONS D2, D9–D11, D14, D16, D25).
//
// A Case is a state machine (docs/penalties.md draws it). Every transition is a pure function: it
// takes the case, the Act (who, when, why, and the version of the case the actor saw) and what its
// rules need, and returns the new case and an Event ready for the audit log, or an error that names
// the rule and its legal basis. The rules read dated legal data (server/legal) in force on the day the
// law names: the fine range on the violation date, the authority cap on the decision date, the
// deadline rule on the day its period starts. Nothing here touches storage: Service wires the
// transitions to a Store, which writes a case only at the version the transition started from.
package penalty

import (
	"slices"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// State is where a case stands.
type State string

// The states. Rejected, Forwarded and Closed are final.
const (
	Recorded  State = "recorded"  // the record (biên bản) is drawn up; not yet submitted for decision
	Submitted State = "submitted" // waiting for the decision of a person with sanctioning power
	Returned  State = "returned"  // returned to the inspector with comments; a new record version is expected (D11)
	Approved  State = "approved"  // the fines are approved, as proposed or changed; the decision is not yet numbered
	Rejected  State = "rejected"  // no penalty, with the reason
	Forwarded State = "forwarded" // beyond the approver's competence: sent to the competent authority
	Issued    State = "issued"    // the decision (quyết định xử phạt) is numbered and signed; it never changes again
	Delivered State = "delivered" // the subject received the decision; the payment period runs
	Overdue   State = "overdue"   // the payment period ended without full payment
	Enforced  State = "enforced"  // enforcement (cưỡng chế) was decided
	Paid      State = "paid"      // fine and late-payment interest paid in full; the money may still be held
	Closed    State = "closed"    // paid and transferred to the state budget, or no longer enforceable
)

// Track is which decision period of Luật XLVPHC Art. 66(1) applies to a case (D16).
type Track string

// The tracks.
const (
	TrackStandard    Track = "standard"    // 7 working days from the record (point a)
	TrackTransferred Track = "transferred" // 10 working days: the file was transferred to the competent person (point a)
	TrackExplained   Track = "explained"   // 1 month: the subject explained, or circumstances had to be verified (point b)
	TrackComplex     Track = "complex"     // 2 months in all: especially serious or complex (point c)
)

// Tracks lists the tracks.
var Tracks = []Track{TrackStandard, TrackTransferred, TrackExplained, TrackComplex}

// decisionEvent is the deadline rule that times the decision on the track.
func (t Track) decisionEvent() legal.Event {
	switch t {
	case TrackTransferred:
		return legal.EventDecisionTransferred
	case TrackExplained:
		return legal.EventDecisionExplained
	case TrackComplex:
		return legal.EventDecisionComplex
	}
	return legal.EventDecision
}

// Actor is who acts: the person (D2: rules compare persons, never accounts), the account they used,
// and the person's name as it will be printed. A system act (the daily deadline job) has no person.
type Actor struct {
	PersonID  string
	AccountID string
	Name      string
}

// Act is one act on a case: by whom, when (the server's clock), why, and the version of the case the
// actor saw. A transition refuses an act whose Expected version is not the case's version
// (CodeCaseVersionConflict), so two chiefs deciding one case at once cannot both win.
type Act struct {
	By       Actor
	At       time.Time
	Reason   string
	Expected int64
}

// Record is one version of the violation record (biên bản vi phạm hành chính) a case decides. A signed
// record never changes (D11): a corrected or supplementary record is a new version that names the one
// it corrects.
type Record struct {
	ID            string
	IssuingUnitID string
	Year          int
	Number        int
	DrawnUpAt     time.Time
	DrawnUpBy     string   // the person who drew it up (the maker)
	Corrects      string   // the record this one corrects; "" for the first
	EvidenceIDs   []string // the evidence the record lists (photos, signatures), whose arrival the chief checks
}

// Subject is who is sanctioned (đối tượng): its kind decides whether ranges double (D25).
type Subject struct {
	ID   string
	Kind legal.SubjectKind
	Name string
}

// CircumstanceKind is whether a circumstance lowers or raises the fine.
type CircumstanceKind string

// The kinds of circumstance (Luật XLVPHC Art. 9 and 10).
const (
	Mitigating  CircumstanceKind = "mitigating"  // tình tiết giảm nhẹ
	Aggravating CircumstanceKind = "aggravating" // tình tiết tăng nặng
)

// Circumstance is a declared mitigating or aggravating circumstance of one charge. PriorCaseID names
// the earlier decision when the circumstance is a repeat offence (tái phạm).
type Circumstance struct {
	Kind        CircumstanceKind
	Text        string
	Basis       string // e.g. "Luật XLVPHC Điều 10 khoản 1 điểm …"; "" when not given
	PriorCaseID string
}

// Charge is one violation the record cites: a catalogue entry, when it happened, the declared quantity
// its fine model needs (D14), and its circumstances.
type Charge struct {
	Code          string
	Detected      legal.Date // the day the act was detected (phát hiện)
	Ended         legal.Date // the day the act ended; zero when it was still going on at detection
	Quantity      *int64     // in đồng: value of instruments, illegal gain or value of goods
	Description   string
	Circumstances []Circumstance
}

// Date is the violation date: the day the act ended, or the day it was detected when it was still
// going on (Luật XLVPHC Art. 6(1)(b)). The range and the statute of limitations in force on it apply.
func (ch Charge) Date() legal.Date {
	if !ch.Ended.IsZero() {
		return ch.Ended
	}
	return ch.Detected
}

// count returns how many circumstances of kind k the charge declares.
func (ch Charge) count(k CircumstanceKind) int {
	n := 0
	for _, c := range ch.Circumstances {
		if c.Kind == k {
			n++
		}
	}
	return n
}

// Comment is what the chief wrote when returning a case to the inspector.
type Comment struct {
	By       Actor
	At       time.Time
	Text     string
	RecordID string // the record version returned
}

// Explanation is the subject's right to explain (quyền giải trình, Luật XLVPHC Art. 61) and what
// became of it.
type Explanation struct {
	Right           bool // the law grants it for this case (see ExplanationRight)
	DirectRequested bool // the subject asked to explain in person; the decision waits for the hearing
	RequestedAt     time.Time
	Received        *ExplanationReceipt
}

// ExplanationForm is how the subject explained, or that they declined.
type ExplanationForm string

// The forms of explanation.
const (
	ExplainedInWriting ExplanationForm = "written"  // giải trình bằng văn bản
	ExplainedInPerson  ExplanationForm = "direct"   // giải trình trực tiếp, at a hearing
	ExplanationWaived  ExplanationForm = "declined" // the subject declined in writing to explain
)

// ExplanationReceipt records an explanation received (or declined).
type ExplanationReceipt struct {
	Form    ExplanationForm
	On      time.Time
	Summary string
	By      Actor
	At      time.Time
}

// Fine is the fine of one charge as approved: the catalogue version in force on the violation date,
// the range for this subject, the default the rules proposed, the amount, and the circumstances
// (repeat offences applied included).
type Fine struct {
	Charge        int // index in Case.Charges
	Code          string
	VersionID     string
	Decree        string
	LegalBasis    string
	Range         legal.FineRange
	Unverified    bool // the range was not confirmed by a source: the approver saw it flagged
	Default       int64
	Amount        int64
	Circumstances []Circumstance
}

// Approval is the decision of the person with sanctioning power, before the decision is numbered.
type Approval struct {
	By        Actor
	At        time.Time
	Title     legal.Title // the title whose cap covered the case on the approval day
	TitleName string      // as the law names it (printed on the decision)
	CapID     string
	CapBasis  string
	Fines     []Fine
	Total     int64
	Changed   bool   // an amount differs from the proposal, or a repeat offence was applied
	Reason    string // required when Changed
}

// Rejection records why a case was rejected.
type Rejection struct {
	By     Actor
	At     time.Time
	Reason string
}

// Forwarding records where a case beyond the approver's competence was sent.
type Forwarding struct {
	By        Actor
	At        time.Time
	Authority string // the competent person or body, e.g. "Chủ tịch UBND tỉnh Cao Bằng"
	Address   string // where the file was sent
	Reason    string
	Exceeded  []CapCheck // the charges the approver's caps did not cover, when known
}

// Decision is the numbered penalty decision (quyết định xử phạt, form MQĐ02). Once issued it never
// changes: only delivery, payment, enforcement and reporting are added to the case.
type Decision struct {
	IssuingUnitID string
	Year          int
	Number        int // from the issuing unit's register of the year (DecisionRegister)
	IssuedAt      time.Time
	Signer        Actor
	Title         legal.Title
	TitleName     string
	LegalBases    []string
	Fines         []Fine
	Total         int64
	PaymentDays   int // a longer payment period set by the decision (Art. 73(1)); 0: the statutory one
	// PaymentPlace is where the fine is paid (a treasury, a bank account), as the decision says.
	PaymentPlace string
	// AdditionalPenalties and RemedialMeasures are the additional penalties (hình thức xử phạt bổ
	// sung) and remedial measures (biện pháp khắc phục hậu quả) the decision imposes, as written.
	AdditionalPenalties []string
	RemedialMeasures    []string
}

// Delivery records that the subject received the decision.
type Delivery struct {
	ReceivedAt time.Time // when the subject received it; the payment period counts from this day
	Method     string    // e.g. "trực tiếp", "bưu điện", or a refusal recorded in a record
	By         Actor
	At         time.Time
}

// Payment is money paid against the decision: first held in the collecting account, then transferred
// to the state budget (the department's report describes both steps).
type Payment struct {
	Receipt       string // the receipt number (biên lai); unique in the case
	Amount        int64
	PaidOn        legal.Date
	By            Actor
	At            time.Time
	TransferredOn legal.Date // zero while the money is held
	TransferRef   string
}

// Enforcement records the enforcement decision (quyết định cưỡng chế).
type Enforcement struct {
	Reference string // its number and date as written
	Measure   string // e.g. "khấu trừ tiền từ tài khoản"
	By        Actor
	At        time.Time
}

// NationalReport records that the decision was reported to the national database on administrative
// violations (CSDL quốc gia về XLVPHC).
type NationalReport struct {
	Reference string
	By        Actor
	At        time.Time
}

// Outcome is how a case was closed.
type Outcome string

// The outcomes.
const (
	OutcomePaid       Outcome = "paid"        // paid in full and transferred
	OutcomeTimeBarred Outcome = "time_barred" // the decision can no longer be enforced (Art. 74)
)

// Closure records the closing of a case.
type Closure struct {
	Outcome Outcome
	By      Actor
	At      time.Time
	Reason  string
}

// Case is a penalty case: one violation record (in its versions) against one subject.
type Case struct {
	ID         string
	OrgID      string
	CampaignID string
	Record     Record   // the current version
	Records    []Record // earlier versions, oldest first
	Subject    Subject
	Mountain   bool // in a remote or mountain area (Cao Bằng): longer reporting periods where the law gives them
	Charges    []Charge
	Track      Track
	State      State
	Version    int64 // 1 when opened; +1 with every event
	OpenedAt   time.Time

	Comments       []Comment
	Explanation    Explanation
	Approval       *Approval
	Rejection      *Rejection
	Forwarding     *Forwarding
	Decision       *Decision
	Delivery       *Delivery
	Payments       []Payment
	Enforcement    *Enforcement
	NationalReport *NationalReport
	Closure        *Closure
	Dues           Dues
}

// Makers are the persons who drew up any version of the record: none of them may decide the case (D2).
func (c Case) Makers() []string {
	var out []string
	for _, r := range append(slices.Clone(c.Records), c.Record) {
		if r.DrawnUpBy != "" && !slices.Contains(out, r.DrawnUpBy) {
			out = append(out, r.DrawnUpBy)
		}
	}
	return out
}

// clone copies the case deeply enough that a transition never changes its input.
func (c Case) clone() Case {
	c.Records = slices.Clone(c.Records)
	c.Charges = slices.Clone(c.Charges)
	for i := range c.Charges {
		c.Charges[i].Circumstances = slices.Clone(c.Charges[i].Circumstances)
	}
	c.Comments = slices.Clone(c.Comments)
	c.Payments = slices.Clone(c.Payments)
	if c.Explanation.Received != nil {
		r := *c.Explanation.Received
		c.Explanation.Received = &r
	}
	return c
}

// Action names an event.
type Action string

// The actions, as the audit log records them.
const (
	ActionOpen          Action = "penalty.open"
	ActionSubmit        Action = "penalty.submit"
	ActionCircumstances Action = "penalty.circumstances"
	ActionTrack         Action = "penalty.track"
	ActionExplanation   Action = "penalty.explanation"
	ActionReturn        Action = "penalty.return"
	ActionApprove       Action = "penalty.approve"
	ActionReject        Action = "penalty.reject"
	ActionForward       Action = "penalty.forward"
	ActionIssue         Action = "penalty.issue"
	ActionReport        Action = "penalty.national_report"
	ActionDeliver       Action = "penalty.deliver"
	ActionPay           Action = "penalty.payment"
	ActionTransfer      Action = "penalty.transfer"
	ActionOverdue       Action = "penalty.overdue"
	ActionEnforce       Action = "penalty.enforce"
	ActionClose         Action = "penalty.close"
)

// Event is what a transition did, ready for the audit log: who, when, why, from which state to which,
// and the case's version after it.
type Event struct {
	CaseID  string
	OrgID   string
	Version int64
	Action  Action
	From    State
	To      State
	By      Actor
	At      time.Time
	Reason  string
	Data    map[string]any
}

// Chain is the audit chain of a case (D13: one chain per aggregate).
func Chain(caseID string) string { return "penalty/" + caseID }

// AuditEntry is the event as the audit log records it.
func (e Event) AuditEntry() audit.Entry {
	data := map[string]any{"version": e.Version, "from": string(e.From), "to": string(e.To)}
	for k, v := range e.Data {
		data[k] = v
	}
	return audit.Entry{Chain: Chain(e.CaseID), OrgID: e.OrgID, Action: string(e.Action), ActorAccountID: e.By.AccountID,
		ActorPersonID: e.By.PersonID, At: e.At, Reason: e.Reason, Data: data}
}

// InterestRule is one version of the late-payment interest (tiền chậm nộp phạt, Luật XLVPHC Art. 78):
// for each day late, PerMillion millionths of the fine still unpaid. 0.05 % a day is 500.
type InterestRule struct {
	ID         string
	PerMillion int64
	Basis      string
	Confirmed  bool
	Source     string
	legal.Validity
}

// ExplanationRule is one version of when the subject may explain (Luật XLVPHC Art. 61): when the
// maximum of a charge's range for an individual reaches IndividualMax (an organisation's, double it),
// or when a licence is withdrawn or an activity suspended (not modelled yet).
type ExplanationRule struct {
	ID            string
	IndividualMax int64
	Basis         string
	Confirmed     bool
	Source        string
	legal.Validity
}

// ProposalPolicy is the department's convention for moving the default fine from the middle of the
// range: StepsToBound net circumstances (aggravating minus mitigating) reach the bound; fewer move it
// proportionally. The law says only that circumstances move the fine within the range (Art. 23(4),
// unconfirmed); the step is a product convention, not law.
type ProposalPolicy struct {
	StepsToBound int
}

// Rules is what the penalty rules read besides the case: the legal reference data (dated; D24), the
// dated rules the catalogue does not hold yet, and the proposal convention.
type Rules struct {
	Catalogue         legal.Catalogue
	LateInterest      []InterestRule
	ExplanationRights []ExplanationRule
	Proposal          ProposalPolicy
	// MountainAreas are the units in remote or mountain areas, dated (MountainOn).
	MountainAreas []MountainArea

	calendar *legal.Calendar // built once by Prepare; nil: built from the catalogue at each use
}

// Prepare returns the rules with the working calendar built once from the catalogue's holidays. A
// store that serves many cases from one version of the catalogue should prepare its rules once:
// building the calendar is most of the cost of counting a period. Change the catalogue's holidays
// only before preparing.
func (r Rules) Prepare() Rules {
	cal := r.Catalogue.Calendar()
	r.calendar = &cal
	return r
}

// workingCalendar is the calendar of working days the periods are counted on.
func (r Rules) workingCalendar() legal.Calendar {
	if r.calendar != nil {
		return *r.calendar
	}
	return r.Catalogue.Calendar()
}

// interestOn returns the interest rule in force on day d.
func (r Rules) interestOn(d legal.Date) (InterestRule, error) {
	for _, x := range r.LateInterest {
		if x.InForce(d) {
			return x, nil
		}
	}
	return InterestRule{}, errs.E(errs.Op("penalty.interestOn"), errs.NotFound, errs.CodeInterestRuleNotFound, d.String())
}

// explanationOn returns the explanation rule in force on day d.
func (r Rules) explanationOn(d legal.Date) (ExplanationRule, error) {
	for _, x := range r.ExplanationRights {
		if x.InForce(d) {
			return x, nil
		}
	}
	return ExplanationRule{}, errs.E(errs.Op("penalty.explanationOn"), errs.NotFound, errs.CodeExplanationRuleNotFound, d.String())
}
