package penalty

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// The transitions of a case. Each is a pure function of the case, the Act and its input: it returns
// the new case (the input is never changed) and one Event, or an error naming the rule. Every
// transition checks, in this order: the version the actor saw (penalty_version_conflict: someone
// acted first), the state (penalty_state_invalid, or decision_immutable for an act that would change
// an issued decision), who acts (maker_cannot_decide for the checker's acts), the reason where one
// is required (reason_required), then its own rules. It recounts the case's periods (Dues).

// checkerActs are the acts that decide or change what will be decided: once a decision is issued
// they are refused with decision_immutable.
var checkerActs = []Action{ActionSubmit, ActionCircumstances, ActionTrack, ActionExplanation, ActionReturn,
	ActionApprove, ActionReject, ActionForward, ActionIssue}

// begin checks that the act may happen to the case and returns a copy to change.
func begin(op errs.Op, c Case, act Act, action Action, from ...State) (Case, error) {
	if act.Expected != c.Version {
		return Case{}, errs.E(op, errs.Conflict, errs.CodeCaseVersionConflict,
			fmt.Sprintf("case %s is at version %d, the act was based on %d", c.ID, c.Version, act.Expected))
	}
	if !slices.Contains(from, c.State) {
		if c.Decision != nil && slices.Contains(checkerActs, action) {
			return Case{}, errs.E(op, errs.Conflict, errs.CodeDecisionImmutable,
				fmt.Sprintf("case %s: decision %d/%d is issued; %s is not allowed (an issued decision never changes)", c.ID, c.Decision.Number, c.Decision.Year, action))
		}
		return Case{}, errs.E(op, errs.Conflict, errs.CodeCaseStateInvalid, fmt.Sprintf("case %s is %s: %s needs %v", c.ID, c.State, action, from))
	}
	if act.At.IsZero() {
		return Case{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "at", Code: errs.CodeRequired})
	}
	return c.clone(), nil
}

// finish numbers the new version, recounts the periods and builds the event. It refuses, as a bug,
// any change to an issued decision.
func finish(op errs.Op, r Rules, before, after Case, act Act, action Action, data map[string]any) (Case, Event, error) {
	if before.Decision != nil && (after.Decision == nil || !reflect.DeepEqual(*before.Decision, *after.Decision)) {
		return Case{}, Event{}, errs.E(op, errs.Internal, errs.CodeDecisionImmutable, "a transition changed an issued decision")
	}
	after.Version = before.Version + 1
	after.Dues = DuesOf(r, after)
	return after, Event{CaseID: after.ID, OrgID: after.OrgID, Version: after.Version, Action: action, From: before.State,
		To: after.State, By: act.By, At: act.At, Reason: act.Reason, Data: data}, nil
}

// person requires a person to act (D2: rules compare persons); system acts have none.
func person(op errs.Op, act Act) error {
	if act.By.PersonID == "" {
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "person_id", Code: errs.CodeRequired})
	}
	return nil
}

// checker requires the actor not to be a maker of the record: not the person who drew up any version
// of it, whatever account they use (D2; PRODUCT.md guarantee 8).
func checker(op errs.Op, c Case, act Act) error {
	if err := person(op, act); err != nil {
		return err
	}
	if slices.Contains(c.Makers(), act.By.PersonID) {
		return errs.E(op, errs.Forbidden, errs.CodeMakerCannotDecide,
			fmt.Sprintf("person %s drew up record %d of case %s and cannot decide it (maker-checker, D2)", act.By.PersonID, c.Record.Number, c.ID))
	}
	return nil
}

// reason requires a reason of at most 4000 characters.
func reason(op errs.Op, act Act) error {
	switch {
	case strings.TrimSpace(act.Reason) == "":
		return errs.E(op, errs.Invalid, errs.CodeReasonRequired, errs.FieldError{Field: "reason", Code: errs.CodeRequired})
	case utf8.RuneCountInString(act.Reason) > 4000:
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "reason", Code: errs.CodeTooLong})
	}
	return nil
}

// OpenInput is a violation record arriving for decision: the case is opened in state Recorded.
type OpenInput struct {
	ID         string
	OrgID      string
	CampaignID string
	Record     Record
	Subject    Subject
	Mountain   bool
	Charges    []Charge
	Track      Track // "" is TrackStandard
}

var subjectKinds = []legal.SubjectKind{legal.Individual, legal.Organisation, legal.HouseholdBusiness}

func validateCharges(charges []Charge) []errs.FieldError {
	var f []errs.FieldError
	add := func(field string, code errs.Code) { f = append(f, errs.FieldError{Field: field, Code: code}) }
	if len(charges) == 0 {
		add("charges", errs.CodeRequired)
	}
	for i, ch := range charges {
		at := "charges[" + strconv.Itoa(i) + "]"
		if ch.Code == "" {
			add(at+".code", errs.CodeRequired)
		}
		if ch.Detected.IsZero() {
			add(at+".detected", errs.CodeRequired)
		}
		if !ch.Ended.IsZero() && ch.Ended.After(ch.Detected) {
			add(at+".ended", errs.CodeInvalidValue)
		}
		if ch.Quantity != nil && *ch.Quantity < 0 {
			add(at+".quantity", errs.CodeInvalidValue)
		}
		f = append(f, validateCircumstances(at+".circumstances", ch.Circumstances)...)
	}
	return f
}

func validateCircumstances(at string, cs []Circumstance) []errs.FieldError {
	var f []errs.FieldError
	for j, c := range cs {
		field := at + "[" + strconv.Itoa(j) + "]"
		if c.Kind != Mitigating && c.Kind != Aggravating {
			f = append(f, errs.FieldError{Field: field + ".kind", Code: errs.CodeInvalidValue})
		}
		if strings.TrimSpace(c.Text) == "" {
			f = append(f, errs.FieldError{Field: field + ".text", Code: errs.CodeRequired})
		}
	}
	return f
}

// Open opens a case for a violation record, by act (the inspector whose phone sent it, or the
// system). The explanation right is decided here from the ranges in force (ExplanationRight); when
// the rule on it is missing the right is granted, so that no right is denied for want of data.
func Open(r Rules, in OpenInput, act Act) (Case, Event, error) {
	const op = errs.Op("penalty.Open")
	var f []errs.FieldError
	add := func(field string, code errs.Code) { f = append(f, errs.FieldError{Field: field, Code: code}) }
	for field, v := range map[string]string{"id": in.ID, "org_id": in.OrgID, "record.id": in.Record.ID,
		"record.issuing_unit_id": in.Record.IssuingUnitID, "record.drawn_up_by": in.Record.DrawnUpBy, "subject.id": in.Subject.ID} {
		if v == "" {
			add(field, errs.CodeRequired)
		}
	}
	if in.Record.Number < 1 {
		add("record.number", errs.CodeInvalidValue)
	}
	if in.Record.DrawnUpAt.IsZero() {
		add("record.drawn_up_at", errs.CodeRequired)
	}
	if !slices.Contains(subjectKinds, in.Subject.Kind) {
		add("subject.kind", errs.CodeInvalidValue)
	}
	if in.Track == "" {
		in.Track = TrackStandard
	}
	if !slices.Contains(Tracks, in.Track) {
		add("track", errs.CodeInvalidValue)
	}
	if act.At.IsZero() {
		add("at", errs.CodeRequired)
	}
	f = append(f, validateCharges(in.Charges)...)
	if len(f) > 0 {
		slices.SortFunc(f, func(a, b errs.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, f)
	}
	c := Case{ID: in.ID, OrgID: in.OrgID, CampaignID: in.CampaignID, Record: in.Record, Subject: in.Subject,
		Mountain: in.Mountain, Charges: slices.Clone(in.Charges), Track: in.Track, State: Recorded, OpenedAt: act.At}
	right, err := ExplanationRight(r, c)
	c.Explanation.Right = right || err != nil
	c.Version = 1
	c.Dues = DuesOf(r, c)
	codes := make([]string, len(c.Charges))
	for i, ch := range c.Charges {
		codes[i] = ch.Code
	}
	return c, Event{CaseID: c.ID, OrgID: c.OrgID, Version: 1, Action: ActionOpen, To: Recorded, By: act.By, At: act.At,
		Reason: act.Reason, Data: map[string]any{"record_id": c.Record.ID, "record_number": c.Record.Number, "subject_id": c.Subject.ID,
			"subject_kind": string(c.Subject.Kind), "codes": codes, "track": string(c.Track), "explanation_right": c.Explanation.Right}}, nil
}

// SubmitInput is what a submission may bring: a new version of the record (D11) with its charges,
// when the case was returned. Both nil: the record as it stands.
type SubmitInput struct {
	Record  *Record
	Charges []Charge
}

// Submit submits the case for decision: from Recorded, or from Returned with the corrected record. A
// new record version must correct the current one (record_version_invalid); the charges it brings
// replace the case's, and the explanation right is decided again. The decision period still counts
// from the first record.
func Submit(r Rules, c Case, act Act, in SubmitInput) (Case, Event, error) {
	const op = errs.Op("penalty.Submit")
	n, err := begin(op, c, act, ActionSubmit, Recorded, Returned)
	if err != nil {
		return Case{}, Event{}, err
	}
	data := map[string]any{"record_id": n.Record.ID}
	if in.Record != nil && in.Record.ID != n.Record.ID {
		rec := *in.Record
		if rec.Corrects != n.Record.ID || rec.DrawnUpBy == "" || rec.DrawnUpAt.IsZero() || rec.Number < 1 {
			return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeRecordVersionInvalid,
				fmt.Sprintf("record %s must correct %s and be drawn up, numbered and signed", rec.ID, n.Record.ID))
		}
		n.Records = append(n.Records, n.Record)
		n.Record = rec
		data["record_id"], data["corrects"] = rec.ID, rec.Corrects
	}
	if in.Charges != nil {
		if f := validateCharges(in.Charges); len(f) > 0 {
			return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, f)
		}
		n.Charges = slices.Clone(in.Charges)
		if n.Explanation.Received == nil {
			right, err := ExplanationRight(r, Case{Record: c.firstRecord(), Subject: n.Subject, Charges: n.Charges})
			n.Explanation.Right = right || err != nil
		}
	}
	n.State = Submitted
	return finish(op, r, c, n, act, ActionSubmit, data)
}

// firstRecord is the first version of the record: periods count from it.
func (c Case) firstRecord() Record {
	if len(c.Records) > 0 {
		return c.Records[0]
	}
	return c.Record
}

// DeclareCircumstances replaces the mitigating and aggravating circumstances declared for one charge,
// before the decision (repeat offences are applied by Approve).
func DeclareCircumstances(r Rules, c Case, act Act, charge int, cs []Circumstance) (Case, Event, error) {
	const op = errs.Op("penalty.DeclareCircumstances")
	n, err := begin(op, c, act, ActionCircumstances, Recorded, Submitted, Returned)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if charge < 0 || charge >= len(n.Charges) {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "charge", Code: errs.CodeInvalidValue})
	}
	f := validateCircumstances("circumstances", cs)
	for j, x := range cs {
		if x.PriorCaseID != "" { // a repeat offence is applied by Approve, against the subject's history
			f = append(f, errs.FieldError{Field: fmt.Sprintf("circumstances[%d].prior_case_id", j), Code: errs.CodeInvalidValue})
		}
	}
	if len(f) > 0 {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, f)
	}
	n.Charges[charge].Circumstances = slices.Clone(cs)
	return finish(op, r, c, n, act, ActionCircumstances, map[string]any{"charge": charge,
		"mitigating": n.Charges[charge].count(Mitigating), "aggravating": n.Charges[charge].count(Aggravating)})
}

// SetTrack changes which decision period applies (Art. 66(1)): transferred file, explanation or
// verification, or a complex case (which the law requires be reported to the head; the reason says
// so). A reason is required.
func SetTrack(r Rules, c Case, act Act, t Track) (Case, Event, error) {
	const op = errs.Op("penalty.SetTrack")
	n, err := begin(op, c, act, ActionTrack, Recorded, Submitted, Returned)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if err := reason(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if !slices.Contains(Tracks, t) {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "track", Code: errs.CodeInvalidValue})
	}
	n.Track = t
	return finish(op, r, c, n, act, ActionTrack, map[string]any{"track": string(t), "previous": string(c.Track)})
}

// ExplanationInput is an explanation received, a hearing requested, or the subject's declining.
type ExplanationInput struct {
	Form    ExplanationForm
	On      time.Time // when it was received (or declined)
	Summary string
	Request bool // the subject asked for a hearing (giải trình trực tiếp); Form and Summary are unused
}

// RecordExplanation records the subject's explanation (Art. 61). An explanation in writing or at a
// hearing puts the case on the one-month track (Art. 66(1)(b)) unless it is already complex; a
// request for a hearing holds the decision until the hearing is recorded; declining ends the period.
func RecordExplanation(r Rules, c Case, act Act, in ExplanationInput) (Case, Event, error) {
	const op = errs.Op("penalty.RecordExplanation")
	n, err := begin(op, c, act, ActionExplanation, Recorded, Submitted, Returned)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	data := map[string]any{}
	if in.Request {
		n.Explanation.DirectRequested, n.Explanation.RequestedAt = true, act.At
		data["request"] = "direct"
	} else {
		if !slices.Contains([]ExplanationForm{ExplainedInWriting, ExplainedInPerson, ExplanationWaived}, in.Form) {
			return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "form", Code: errs.CodeInvalidValue})
		}
		if in.On.IsZero() || in.On.After(act.At) {
			return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "on", Code: errs.CodeInvalidValue})
		}
		n.Explanation.Received = &ExplanationReceipt{Form: in.Form, On: in.On, Summary: in.Summary, By: act.By, At: act.At}
		data["form"] = string(in.Form)
	}
	if (in.Request || in.Form != ExplanationWaived) && n.Track != TrackComplex {
		n.Track = TrackExplained
	}
	data["track"] = string(n.Track)
	return finish(op, r, c, n, act, ActionExplanation, data)
}

// Return returns the case to the inspector with the chief's comments (act.Reason, required); the
// inspector draws up a corrected record (D11) and submits again.
func Return(r Rules, c Case, act Act) (Case, Event, error) {
	const op = errs.Op("penalty.Return")
	n, err := begin(op, c, act, ActionReturn, Submitted)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := checker(op, c, act); err != nil {
		return Case{}, Event{}, err
	}
	if err := reason(op, act); err != nil {
		return Case{}, Event{}, err
	}
	n.Comments = append(n.Comments, Comment{By: act.By, At: act.At, Text: act.Reason, RecordID: n.Record.ID})
	n.State = Returned
	return finish(op, r, c, n, act, ActionReturn, map[string]any{"record_id": n.Record.ID})
}

// Reject rejects the case: no penalty (a reason is required). It is final.
func Reject(r Rules, c Case, act Act) (Case, Event, error) {
	const op = errs.Op("penalty.Reject")
	n, err := begin(op, c, act, ActionReject, Submitted, Returned, Approved)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := checker(op, c, act); err != nil {
		return Case{}, Event{}, err
	}
	if err := reason(op, act); err != nil {
		return Case{}, Event{}, err
	}
	n.Rejection = &Rejection{By: act.By, At: act.At, Reason: act.Reason}
	n.Approval = nil
	n.State = Rejected
	return finish(op, r, c, n, act, ActionReject, nil)
}

// ForwardInput says where a case beyond the approver's competence goes.
type ForwardInput struct {
	Authority string
	Address   string
	Exceeded  []CapCheck // from CompetenceOf, to record why
}

// Forward sends the case to the competent authority (Art. 52(4)(b)), recording where and why
// (act.Reason, required). It is final for this organisation.
func Forward(r Rules, c Case, act Act, in ForwardInput) (Case, Event, error) {
	const op = errs.Op("penalty.Forward")
	n, err := begin(op, c, act, ActionForward, Submitted)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := checker(op, c, act); err != nil {
		return Case{}, Event{}, err
	}
	if err := reason(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if strings.TrimSpace(in.Authority) == "" {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "authority", Code: errs.CodeRequired})
	}
	n.Forwarding = &Forwarding{By: act.By, At: act.At, Authority: in.Authority, Address: in.Address, Reason: act.Reason, Exceeded: slices.Clone(in.Exceeded)}
	n.State = Forwarded
	exceeded := []map[string]any{}
	for _, x := range in.Exceeded {
		exceeded = append(exceeded, map[string]any{"code": x.Code, "max": x.Max, "limit": x.Limit, "unknown": x.Unknown})
	}
	return finish(op, r, c, n, act, ActionForward, map[string]any{"authority": in.Authority, "address": in.Address, "exceeded": exceeded})
}

// ApproveInput is the approver's decision on the fines.
type ApproveInput struct {
	Titles []identity.Title // the approver's titles (D2: caps attach to titles held by persons)
	Priors []PriorDecision  // the subject's earlier decisions, for repeat offences
	Fines  []FineChoice     // nil: as proposed
}

// FineChoice is the approver's choice for one charge.
type FineChoice struct {
	Charge  int
	Amount  *int64   // nil: the proposal (after the repeat offences applied)
	Repeats []string // earlier cases applied as repeat offence (tái phạm): an aggravating circumstance each
}

// repeatBasis is cited for a repeat offence applied as aggravating circumstance.
const repeatBasis = "Luật XLVPHC Điều 10 khoản 1 (tái phạm; chưa xác nhận điểm)"

// Approve approves the fines of a submitted case on the day of act.At, as proposed or with changes
// (act.Reason required). It refuses:
//   - the maker of the record (maker_cannot_decide, D2);
//   - while the subject may still explain (explanation_period_open, Art. 61);
//   - a charge whose range is unknown (fine_range_missing) or needs a quantity (fine_quantity_required);
//   - a charge whose statute of limitations has run out (limitation_expired, Art. 6);
//   - an amount outside the range (fine_outside_range) or not justified by circumstances
//     (fine_not_justified, Art. 23(4));
//   - a repeat offence that is not one (repeat_not_applicable);
//   - an approver with no sanctioning title that day (no_sanctioning_title) or whose cap does not cover
//     the maximum of some range (authority_exceeded: forward the case; authority_cap_missing when the
//     cap's amount is not known).
func Approve(r Rules, c Case, act Act, in ApproveInput) (Case, Event, error) {
	const op = errs.Op("penalty.Approve")
	n, err := begin(op, c, act, ActionApprove, Submitted)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := checker(op, c, act); err != nil {
		return Case{}, Event{}, err
	}
	if err := explanationClosed(op, r, c, act.At); err != nil {
		return Case{}, Event{}, err
	}
	day := legal.DateOf(act.At)
	choices := make([]FineChoice, len(n.Charges))
	for i := range choices {
		choices[i].Charge = -1
	}
	for _, fc := range in.Fines {
		if fc.Charge < 0 || fc.Charge >= len(n.Charges) || choices[fc.Charge].Charge >= 0 {
			return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "fines.charge", Code: errs.CodeInvalidValue})
		}
		choices[fc.Charge] = fc
	}
	changed := false
	var candidates []RepeatCandidate
	for i, fc := range choices {
		for j, id := range fc.Repeats {
			if slices.Contains(fc.Repeats[:j], id) {
				return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: fmt.Sprintf("fines[%d].repeats[%d]", i, j), Code: errs.CodeInvalidValue})
			}
			if candidates == nil {
				if candidates, err = RepeatCandidates(r, c, in.Priors); err != nil {
					return Case{}, Event{}, errs.E(op, err)
				}
			}
			k := slices.IndexFunc(candidates, func(rc RepeatCandidate) bool { return rc.Charge == i && rc.Prior.CaseID == id && rc.SameAct })
			if k < 0 {
				return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeRepeatNotApplicable,
					errs.FieldError{Field: fmt.Sprintf("fines[%d].repeats", i), Code: errs.CodeRepeatNotApplicable},
					fmt.Sprintf("case %s is not a decision for the same act within the window (Luật XLVPHC Điều 7)", id))
			}
			p := candidates[k].Prior
			n.Charges[i].Circumstances = append(n.Charges[i].Circumstances, Circumstance{Kind: Aggravating,
				Text: fmt.Sprintf("Tái phạm: quyết định xử phạt số %d/%d ngày %s", p.Number, p.Year, p.IssuedOn), Basis: repeatBasis, PriorCaseID: id})
			changed = true
		}
	}
	as := Assess(r, n, day)
	fines := make([]Fine, len(as))
	var total int64
	var unverified []string
	for i, a := range as {
		if a.RangeErr != nil {
			return Case{}, Event{}, errs.E(op, a.RangeErr, fmt.Sprintf("charge %d (%s)", i, a.Code))
		}
		if a.Limitation.Err != nil {
			return Case{}, Event{}, errs.E(op, a.Limitation.Err, fmt.Sprintf("charge %d (%s)", i, a.Code))
		}
		if a.Limitation.Expired {
			return Case{}, Event{}, limitationExpired(op, a)
		}
		amount := a.Default
		if fc := choices[i]; fc.Amount != nil {
			amount = *fc.Amount
			changed = changed || amount != a.Default
		}
		if err := CheckAmount(a, amount); err != nil {
			return Case{}, Event{}, errs.E(op, err)
		}
		if a.Unverified {
			unverified = append(unverified, a.Code)
		}
		fines[i] = Fine{Charge: i, Code: a.Code, VersionID: a.Version.ID, Decree: a.Version.Decree, LegalBasis: a.Version.LegalBasis,
			Range: *a.Range, Unverified: a.Unverified, Default: a.Default, Amount: amount, Circumstances: slices.Clone(n.Charges[i].Circumstances)}
		total += amount
	}
	if changed {
		if err := reason(op, act); err != nil {
			return Case{}, Event{}, err
		}
	}
	comp := CompetenceOf(r, n, as, in.Titles, day)
	if err := competent(op, comp); err != nil {
		return Case{}, Event{}, err
	}
	n.Approval = &Approval{By: act.By, At: act.At, Title: comp.Title, TitleName: comp.TitleName, CapID: comp.CapID, CapBasis: comp.CapBasis,
		Fines: fines, Total: total, Changed: changed, Reason: act.Reason}
	n.State = Approved
	amounts := make([]int64, len(fines))
	for i, f := range fines {
		amounts[i] = f.Amount
	}
	return finish(op, r, c, n, act, ActionApprove, map[string]any{"amounts": amounts, "total": total, "changed": changed,
		"title": string(comp.Title), "cap_id": comp.CapID, "unverified": unverified})
}

// competent turns a competence that does not cover the case into the refusal that names why.
func competent(op errs.Op, comp Competence) error {
	if comp.Covered {
		return nil
	}
	if comp.Title == "" {
		return errs.E(op, errs.Forbidden, errs.CodeNoSanctioningTitle, "the approver holds no title with sanctioning power over these charges on that day (Luật XLVPHC Điều 38–51)")
	}
	var over, unknown []string
	for _, chk := range comp.Checks {
		switch {
		case chk.Covered:
		case chk.Unknown:
			unknown = append(unknown, chk.Code)
		default:
			over = append(over, fmt.Sprintf("%s: maximum %d đ > cap %d đ", chk.Code, chk.Max, chk.Limit))
		}
	}
	if len(over) == 0 && len(unknown) > 0 {
		return errs.E(op, errs.Invalid, errs.CodeAuthorityCapMissing, fmt.Sprintf("the cap of %s is not known for %v", comp.Title, unknown))
	}
	return errs.E(op, errs.Forbidden, errs.CodeAuthorityExceeded,
		fmt.Sprintf("%s: %s; forward the case to the competent authority (Luật XLVPHC Điều 52)", comp.Title, strings.Join(over, "; ")))
}

func limitationExpired(op errs.Op, a Assessment) error {
	return errs.E(op, errs.Invalid, errs.CodeLimitationExpired,
		fmt.Sprintf("%s: the %d-year limitation of %s ended on %s (%s)", a.Code, a.Limitation.Years, a.Limitation.Field, a.Limitation.Last, a.Limitation.Basis))
}

// explanationClosed refuses a decision while the subject may still explain: the right applies, no
// explanation was received, and either a hearing was requested or the written period has not ended.
func explanationClosed(op errs.Op, r Rules, c Case, at time.Time) error {
	e := c.Explanation
	if !e.Right || e.Received != nil {
		return nil
	}
	if e.DirectRequested {
		return errs.E(op, errs.Invalid, errs.CodeExplanationPeriodOpen, "the subject asked to explain in person; record the hearing first (Luật XLVPHC Điều 61)")
	}
	d := due(r, legal.EventExplainWritten, c.firstRecord().DrawnUpAt, false)
	if d.Missing {
		return errs.E(op, errs.Invalid, errs.CodeExplanationPeriodOpen,
			"no rule on the written explanation period is in force on the record's day: the period cannot end until it is entered")
	}
	if at.Before(d.Ends) {
		return errs.E(op, errs.Invalid, errs.CodeExplanationPeriodOpen,
			fmt.Sprintf("the subject may explain in writing until %s (%s)", d.Last, d.Basis))
	}
	return nil
}

// IssueInput is what issuing the decision needs besides the approval.
type IssueInput struct {
	Number      int              // the next number of the issuing unit's register for the year (DecisionRegister)
	Titles      []identity.Title // the approver's titles on the day of issue
	PaymentDays int              // a longer payment period the decision sets; 0: the statutory one
	// PaymentPlace, AdditionalPenalties and RemedialMeasures are printed on the decision as given
	// (Decision); the catalogue's measures of each violation are what the law allows, not what the
	// decider imposed, so they are not copied.
	PaymentPlace        string
	AdditionalPenalties []string
	RemedialMeasures    []string
}

// maxDecisionText bounds a free text of the decision (the payment place, a measure).
const maxDecisionText = 2000

// validateIssue checks the free texts of an issue.
func validateIssue(in IssueInput) []errs.FieldError {
	var f []errs.FieldError
	if in.PaymentDays < 0 || in.PaymentDays > 365 {
		f = append(f, errs.FieldError{Field: "payment_days", Code: errs.CodeInvalidValue})
	}
	if utf8.RuneCountInString(in.PaymentPlace) > maxDecisionText {
		f = append(f, errs.FieldError{Field: "payment_place", Code: errs.CodeTooLong})
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"additional_penalties", in.AdditionalPenalties}, {"remedial_measures", in.RemedialMeasures}} {
		if len(l.list) > 20 {
			f = append(f, errs.FieldError{Field: l.name, Code: errs.CodeTooLong})
		}
		for i, s := range l.list {
			switch {
			case strings.TrimSpace(s) == "":
				f = append(f, errs.FieldError{Field: fmt.Sprintf("%s[%d]", l.name, i), Code: errs.CodeRequired})
			case utf8.RuneCountInString(s) > maxDecisionText:
				f = append(f, errs.FieldError{Field: fmt.Sprintf("%s[%d]", l.name, i), Code: errs.CodeTooLong})
			}
		}
	}
	return f
}

// trimmed is the list with each text trimmed.
func trimmed(list []string) []string {
	var out []string
	for _, s := range list {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// Issue numbers and signs the decision of an approved case (form MQĐ02): the approver signs with the
// title that covered the case, which they must still hold that day (authority_lapsed); the
// limitation must not have run out (limitation_expired). From here the decision never changes.
func Issue(r Rules, c Case, act Act, in IssueInput) (Case, Event, error) {
	const op = errs.Op("penalty.Issue")
	n, err := begin(op, c, act, ActionIssue, Approved)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if in.Number < 1 {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "number", Code: errs.CodeInvalidValue})
	}
	if f := validateIssue(in); len(f) > 0 {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, f)
	}
	ap := n.Approval
	day := legal.DateOf(act.At)
	if !slices.ContainsFunc(in.Titles, func(t identity.Title) bool { return legal.Title(t.Code) == ap.Title && heldOn(t, n, day) }) {
		return Case{}, Event{}, errs.E(op, errs.Forbidden, errs.CodeAuthorityLapsed,
			fmt.Sprintf("%s no longer holds %s on %s", ap.By.Name, ap.Title, day))
	}
	for _, a := range Assess(r, n, day) {
		if a.Limitation.Expired {
			return Case{}, Event{}, limitationExpired(op, a)
		}
	}
	unit, year := n.DecisionSeries(act.At)
	n.Decision = &Decision{IssuingUnitID: unit, Year: year, Number: in.Number, IssuedAt: act.At,
		Signer: ap.By, Title: ap.Title, TitleName: ap.TitleName, LegalBases: legalBases(r, n), Fines: slices.Clone(ap.Fines),
		Total: ap.Total, PaymentDays: in.PaymentDays, PaymentPlace: strings.TrimSpace(in.PaymentPlace),
		AdditionalPenalties: trimmed(in.AdditionalPenalties), RemedialMeasures: trimmed(in.RemedialMeasures)}
	n.State = Issued
	return finish(op, r, c, n, act, ActionIssue, map[string]any{"number": in.Number, "year": year,
		"issuing_unit_id": n.Decision.IssuingUnitID, "total": ap.Total, "signer_person_id": ap.By.PersonID, "title": string(ap.Title)})
}

// DecisionSeries is the register a decision issued at instant at is numbered from: the issuing unit
// of the record, and the year of the day of issue in Vietnam.
func (c Case) DecisionSeries(at time.Time) (issuingUnitID string, year int) {
	return c.Record.IssuingUnitID, legal.DateOf(at).Year()
}

// legalBases lists the decision's legal bases (căn cứ): the sanctioning power, the decrees and
// provisions of the fines, the record and the explanation.
func legalBases(r Rules, c Case) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, b := range strings.Split(c.Approval.CapBasis, "; ") {
		add(b)
	}
	issued := legal.DateOf(c.Approval.At)
	for _, f := range c.Approval.Fines {
		d, err := r.Catalogue.Decree(f.Decree)
		if err != nil {
			continue
		}
		s := "Nghị định số " + d.Number
		if !d.Issued.IsZero() {
			s += " ngày " + vnDate(d.Issued) + " của Chính phủ"
		}
		s += " " + strings.TrimPrefix(d.Title, "Nghị định ")
		var amended []string
		for _, a := range d.AmendedBy {
			if !a.InForceFrom.After(issued) {
				amended = append(amended, "Nghị định số "+a.Number)
			}
		}
		if len(amended) > 0 {
			s += ", được sửa đổi, bổ sung bởi " + strings.Join(amended, ", ")
		}
		add(s)
	}
	for _, f := range c.Approval.Fines {
		add(f.LegalBasis)
	}
	rec := c.Record
	add(fmt.Sprintf("Biên bản vi phạm hành chính số %d lập ngày %s", rec.Number, vnDate(legal.DateOf(rec.DrawnUpAt))))
	if e := c.Explanation.Received; e != nil && e.Form != ExplanationWaived {
		add(fmt.Sprintf("Giải trình của %s ngày %s", c.Subject.Name, vnDate(legal.DateOf(e.On))))
	}
	return out
}

// vnDate writes a day as Vietnamese documents do: 05/01/2026.
func vnDate(d legal.Date) string {
	s := d.String() // YYYY-MM-DD
	return s[8:10] + "/" + s[5:7] + "/" + s[0:4]
}

// ReportNational records that the decision was reported to the national database on administrative
// violations, with the reference the database gave.
func ReportNational(r Rules, c Case, act Act, reference string) (Case, Event, error) {
	const op = errs.Op("penalty.ReportNational")
	n, err := begin(op, c, act, ActionReport, Issued, Delivered, Overdue, Enforced, Paid, Closed)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if n.NationalReport != nil {
		return Case{}, Event{}, errs.E(op, errs.Conflict, errs.CodeCaseStateInvalid, "already reported")
	}
	n.NationalReport = &NationalReport{Reference: reference, By: act.By, At: act.At}
	return finish(op, r, c, n, act, ActionReport, map[string]any{"reference": reference})
}

// Deliver records that the subject received the decision at receivedAt: the payment period counts
// from that day.
func Deliver(r Rules, c Case, act Act, receivedAt time.Time, method string) (Case, Event, error) {
	const op = errs.Op("penalty.Deliver")
	n, err := begin(op, c, act, ActionDeliver, Issued)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if receivedAt.IsZero() || receivedAt.Before(n.Decision.IssuedAt) || receivedAt.After(act.At) {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "received_at", Code: errs.CodeInvalidValue})
	}
	n.Delivery = &Delivery{ReceivedAt: receivedAt, Method: method, By: act.By, At: act.At}
	n.State = Delivered
	return finish(op, r, c, n, act, ActionDeliver, map[string]any{"received_at": receivedAt.UTC().Format(time.RFC3339), "method": method})
}

// PaymentInput is a payment against the decision.
type PaymentInput struct {
	Receipt string
	Amount  int64
	PaidOn  legal.Date
}

// Pay records a payment (held in the collecting account until Transfer). The case is Paid once the
// fine and the late-payment interest accrued until the payment day are covered; a payment beyond
// what is owed is refused (payment_exceeds_outstanding).
func Pay(r Rules, c Case, act Act, in PaymentInput) (Case, Event, error) {
	const op = errs.Op("penalty.Pay")
	n, err := begin(op, c, act, ActionPay, Delivered, Overdue, Enforced)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	var f []errs.FieldError
	if strings.TrimSpace(in.Receipt) == "" {
		f = append(f, errs.FieldError{Field: "receipt", Code: errs.CodeRequired})
	}
	if in.Amount <= 0 {
		f = append(f, errs.FieldError{Field: "amount", Code: errs.CodeInvalidValue})
	}
	if in.PaidOn.IsZero() || in.PaidOn.Before(legal.DateOf(n.Decision.IssuedAt)) || in.PaidOn.After(legal.DateOf(act.At)) {
		f = append(f, errs.FieldError{Field: "paid_on", Code: errs.CodeInvalidValue})
	}
	if len(f) > 0 {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, f)
	}
	if slices.ContainsFunc(n.Payments, func(p Payment) bool { return p.Receipt == in.Receipt }) {
		return Case{}, Event{}, errs.E(op, errs.Conflict, errs.CodePaymentReceiptTaken, in.Receipt)
	}
	before, err := BalanceOf(r, n, in.PaidOn)
	if err != nil {
		return Case{}, Event{}, errs.E(op, err)
	}
	if in.Amount > before.Outstanding {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodePaymentExceedsOutstanding,
			fmt.Sprintf("%d đ paid, %d đ owed on %s", in.Amount, before.Outstanding, in.PaidOn))
	}
	n.Payments = append(n.Payments, Payment{Receipt: in.Receipt, Amount: in.Amount, PaidOn: in.PaidOn, By: act.By, At: act.At})
	after, err := BalanceOf(r, n, settledOn(n.Payments))
	if err != nil {
		return Case{}, Event{}, errs.E(op, err)
	}
	if after.Outstanding == 0 {
		n.State = Paid
	}
	return finish(op, r, c, n, act, ActionPay, map[string]any{"receipt": in.Receipt, "amount": in.Amount, "paid_on": in.PaidOn.String(),
		"interest": after.Interest, "outstanding": after.Outstanding})
}

// Transfer records that the money of a payment, held until now, was transferred to the state budget.
func Transfer(r Rules, c Case, act Act, receipt string, on legal.Date, reference string) (Case, Event, error) {
	const op = errs.Op("penalty.Transfer")
	n, err := begin(op, c, act, ActionTransfer, Delivered, Overdue, Enforced, Paid)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	i := slices.IndexFunc(n.Payments, func(p Payment) bool { return p.Receipt == receipt })
	switch {
	case i < 0:
		return Case{}, Event{}, errs.E(op, errs.NotFound, errs.CodePaymentNotFound, receipt)
	case !n.Payments[i].TransferredOn.IsZero():
		return Case{}, Event{}, errs.E(op, errs.Conflict, errs.CodeCaseStateInvalid, receipt+" is already transferred")
	case on.IsZero() || on.Before(n.Payments[i].PaidOn) || on.After(legal.DateOf(act.At)):
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "transferred_on", Code: errs.CodeInvalidValue})
	}
	n.Payments[i].TransferredOn, n.Payments[i].TransferRef = on, reference
	return finish(op, r, c, n, act, ActionTransfer, map[string]any{"receipt": receipt, "transferred_on": on.String(), "reference": reference})
}

// MarkOverdue marks a delivered case overdue once its payment period has ended with money still owed
// (the daily job; a system act). Otherwise payment_not_overdue.
func MarkOverdue(r Rules, c Case, act Act) (Case, Event, error) {
	const op = errs.Op("penalty.MarkOverdue")
	n, err := begin(op, c, act, ActionOverdue, Delivered)
	if err != nil {
		return Case{}, Event{}, err
	}
	d := paymentDue(r, n)
	b, err := BalanceOf(r, n, legal.DateOf(act.At))
	if err != nil {
		return Case{}, Event{}, errs.E(op, err)
	}
	if d.Missing || act.At.Before(d.Ends) || b.Outstanding == 0 {
		return Case{}, Event{}, errs.E(op, errs.Conflict, errs.CodePaymentNotOverdue, fmt.Sprintf("payment due %s, %d đ owed", d.Last, b.Outstanding))
	}
	n.State = Overdue
	return finish(op, r, c, n, act, ActionOverdue, map[string]any{"due": d.Last.String(), "outstanding": b.Outstanding})
}

// Enforce records the enforcement decision on an overdue case (reference required), while the
// decision may still be enforced (enforcement_time_barred, Art. 74).
func Enforce(r Rules, c Case, act Act, reference, measure string) (Case, Event, error) {
	const op = errs.Op("penalty.Enforce")
	n, err := begin(op, c, act, ActionEnforce, Overdue)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	if strings.TrimSpace(reference) == "" {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "reference", Code: errs.CodeRequired})
	}
	if d := due(r, legal.EventEnforcementLimitation, n.Decision.IssuedAt, false); !d.Missing && !act.At.Before(d.Ends) {
		return Case{}, Event{}, errs.E(op, errs.Invalid, errs.CodeEnforcementTimeBarred, fmt.Sprintf("enforceable until %s (%s)", d.Last, d.Basis))
	}
	n.Enforcement = &Enforcement{Reference: reference, Measure: measure, By: act.By, At: act.At}
	n.State = Enforced
	return finish(op, r, c, n, act, ActionEnforce, map[string]any{"reference": reference, "measure": measure})
}

// Close closes a settled case: paid with every payment transferred (payment_not_transferred while
// money is held), or, with a reason, a decision that can no longer be enforced (Art. 74). Otherwise
// case_not_settled.
func Close(r Rules, c Case, act Act) (Case, Event, error) {
	const op = errs.Op("penalty.Close")
	n, err := begin(op, c, act, ActionClose, Paid, Issued, Delivered, Overdue, Enforced)
	if err != nil {
		return Case{}, Event{}, err
	}
	if err := person(op, act); err != nil {
		return Case{}, Event{}, err
	}
	outcome := OutcomePaid
	if c.State == Paid {
		if slices.ContainsFunc(n.Payments, func(p Payment) bool { return p.TransferredOn.IsZero() }) {
			return Case{}, Event{}, errs.E(op, errs.Conflict, errs.CodePaymentNotTransferred, "money of the case is still held")
		}
	} else {
		d := due(r, legal.EventEnforcementLimitation, n.Decision.IssuedAt, false)
		if d.Missing || act.At.Before(d.Ends) {
			return Case{}, Event{}, errs.E(op, errs.Conflict, errs.CodeCaseNotSettled, fmt.Sprintf("not paid, and enforceable until %s", d.Last))
		}
		if err := reason(op, act); err != nil {
			return Case{}, Event{}, err
		}
		outcome = OutcomeTimeBarred
	}
	n.Closure = &Closure{Outcome: outcome, By: act.By, At: act.At, Reason: act.Reason}
	n.State = Closed
	return finish(op, r, c, n, act, ActionClose, map[string]any{"outcome": string(outcome)})
}
