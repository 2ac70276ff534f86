package consolehttp

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// Wire types of penalty cases: schemas/penalty-case.schema.json (a case as the chief sees it),
// penalty-case-list.schema.json (the queue and the overdue list) and the penalty-*-request schemas.
// Amounts are whole đồng; calendar days are "YYYY-MM-DD" (Asia/Ho_Chi_Minh), instants RFC 3339 in
// UTC. A part of the case that has not happened yet (approval, decision …) is left out.

type (
	penaltyActor struct {
		PersonID  string `json:"person_id"`
		AccountID string `json:"account_id"`
		Name      string `json:"name"`
	}
	penaltyRecord struct {
		ID            string    `json:"id"`
		IssuingUnitID string    `json:"issuing_unit_id"`
		Year          int       `json:"year"`
		Number        int       `json:"number"`
		DrawnUpAt     time.Time `json:"drawn_up_at"`
		DrawnUpBy     string    `json:"drawn_up_by"`
		Corrects      string    `json:"corrects,omitempty"`
		EvidenceIDs   []string  `json:"evidence_ids"`
	}
	penaltySubject struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
		Name string `json:"name"`
	}
	penaltyCircumstance struct {
		Kind        string `json:"kind"`
		Text        string `json:"text"`
		Basis       string `json:"basis,omitempty"`
		PriorCaseID string `json:"prior_case_id,omitempty"`
	}
	penaltyCharge struct {
		Code          string                `json:"code"`
		Detected      string                `json:"detected"`
		Ended         string                `json:"ended,omitempty"`
		Quantity      *int64                `json:"quantity,omitempty"`
		Description   string                `json:"description"`
		Circumstances []penaltyCircumstance `json:"circumstances"`
	}
	penaltyRange struct {
		Min       int64 `json:"min"`
		Max       int64 `json:"max"`
		Doubled   bool  `json:"doubled"`
		Confirmed bool  `json:"confirmed"`
	}
	penaltyLimitation struct {
		Field     string `json:"field"`
		Years     int    `json:"years"`
		Basis     string `json:"basis"`
		Confirmed bool   `json:"confirmed"`
		Last      string `json:"last"`
		Expired   bool   `json:"expired"`
	}
	penaltyAssessment struct {
		Charge          int                `json:"charge"`
		Code            string             `json:"code"`
		VersionID       string             `json:"violation_version_id,omitempty"`
		Decree          string             `json:"decree,omitempty"`
		LegalBasis      string             `json:"legal_basis,omitempty"`
		Range           *penaltyRange      `json:"range,omitempty"`
		RangeError      string             `json:"range_error,omitempty"`
		Unverified      bool               `json:"unverified"`
		Default         int64              `json:"default"`
		Lower           int64              `json:"lower"`
		Upper           int64              `json:"upper"`
		Limitation      *penaltyLimitation `json:"limitation,omitempty"`
		LimitationError string             `json:"limitation_error,omitempty"`
	}
	penaltyCapCheck struct {
		Charge  int    `json:"charge"`
		Code    string `json:"code"`
		Max     int64  `json:"max"`
		Limit   int64  `json:"limit"`
		CapID   string `json:"cap_id,omitempty"`
		Covered bool   `json:"covered"`
		Unknown bool   `json:"unknown"`
	}
	penaltyCompetence struct {
		Covered   bool              `json:"covered"`
		Title     string            `json:"title,omitempty"`
		TitleName string            `json:"title_name,omitempty"`
		CapID     string            `json:"cap_id,omitempty"`
		CapBasis  string            `json:"cap_basis,omitempty"`
		Checks    []penaltyCapCheck `json:"checks"`
	}
	penaltyPrior struct {
		CaseID     string   `json:"case_id"`
		Number     int      `json:"number"`
		Year       int      `json:"year"`
		IssuedOn   string   `json:"issued_on"`
		Codes      []string `json:"codes"`
		Warning    bool     `json:"warning"`
		ExecutedOn string   `json:"executed_on,omitempty"`
	}
	penaltyRepeat struct {
		Charge     int          `json:"charge"`
		Prior      penaltyPrior `json:"prior"`
		SameAct    bool         `json:"same_act"`
		WindowEnds string       `json:"window_ends,omitempty"`
	}
	penaltyEvidence struct {
		IDs      []string `json:"ids"`
		Missing  []string `json:"missing"`
		Complete bool     `json:"complete"`
	}
	penaltyComment struct {
		By       penaltyActor `json:"by"`
		At       time.Time    `json:"at"`
		Text     string       `json:"text"`
		RecordID string       `json:"record_id"`
	}
	penaltyExplanationReceipt struct {
		Form    string       `json:"form"`
		On      time.Time    `json:"on"`
		Summary string       `json:"summary"`
		By      penaltyActor `json:"by"`
		At      time.Time    `json:"at"`
	}
	penaltyExplanation struct {
		Right           bool                       `json:"right"`
		DirectRequested bool                       `json:"direct_requested"`
		RequestedAt     *time.Time                 `json:"requested_at,omitempty"`
		Received        *penaltyExplanationReceipt `json:"received,omitempty"`
	}
	penaltyFine struct {
		Charge        int                   `json:"charge"`
		Code          string                `json:"code"`
		VersionID     string                `json:"violation_version_id"`
		Decree        string                `json:"decree"`
		LegalBasis    string                `json:"legal_basis"`
		Range         penaltyRange          `json:"range"`
		Unverified    bool                  `json:"unverified"`
		Default       int64                 `json:"default"`
		Amount        int64                 `json:"amount"`
		Circumstances []penaltyCircumstance `json:"circumstances"`
	}
	penaltyApproval struct {
		By        penaltyActor  `json:"by"`
		At        time.Time     `json:"at"`
		Title     string        `json:"title"`
		TitleName string        `json:"title_name"`
		CapID     string        `json:"cap_id"`
		CapBasis  string        `json:"cap_basis"`
		Fines     []penaltyFine `json:"fines"`
		Total     int64         `json:"total"`
		Changed   bool          `json:"changed"`
		Reason    string        `json:"reason,omitempty"`
	}
	penaltyRejection struct {
		By     penaltyActor `json:"by"`
		At     time.Time    `json:"at"`
		Reason string       `json:"reason"`
	}
	penaltyForwarding struct {
		By        penaltyActor      `json:"by"`
		At        time.Time         `json:"at"`
		Authority string            `json:"authority"`
		Address   string            `json:"address"`
		Reason    string            `json:"reason"`
		Exceeded  []penaltyCapCheck `json:"exceeded"`
	}
	penaltyDecision struct {
		IssuingUnitID string        `json:"issuing_unit_id"`
		Year          int           `json:"year"`
		Number        int           `json:"number"`
		IssuedAt      time.Time     `json:"issued_at"`
		Signer        penaltyActor  `json:"signer"`
		Title         string        `json:"title"`
		TitleName     string        `json:"title_name"`
		LegalBases    []string      `json:"legal_bases"`
		Fines         []penaltyFine `json:"fines"`
		Total         int64         `json:"total"`
		PaymentDays   int           `json:"payment_days"`
	}
	penaltyDelivery struct {
		ReceivedAt time.Time    `json:"received_at"`
		Method     string       `json:"method"`
		By         penaltyActor `json:"by"`
		At         time.Time    `json:"at"`
	}
	penaltyPayment struct {
		Receipt           string       `json:"receipt"`
		Amount            int64        `json:"amount"`
		PaidOn            string       `json:"paid_on"`
		By                penaltyActor `json:"by"`
		At                time.Time    `json:"at"`
		TransferredOn     string       `json:"transferred_on,omitempty"`
		TransferReference string       `json:"transfer_reference,omitempty"`
	}
	penaltyEnforcement struct {
		Reference string       `json:"reference"`
		Measure   string       `json:"measure"`
		By        penaltyActor `json:"by"`
		At        time.Time    `json:"at"`
	}
	penaltyNationalReport struct {
		Reference string       `json:"reference"`
		By        penaltyActor `json:"by"`
		At        time.Time    `json:"at"`
	}
	penaltyClosure struct {
		Outcome string       `json:"outcome"`
		By      penaltyActor `json:"by"`
		At      time.Time    `json:"at"`
		Reason  string       `json:"reason"`
	}
	penaltyDuty struct {
		Name        string     `json:"name"`
		Event       string     `json:"event"`
		RuleID      string     `json:"rule_id,omitempty"`
		Basis       string     `json:"basis,omitempty"`
		Confirmed   bool       `json:"confirmed"`
		Missing     bool       `json:"missing"`
		Last        string     `json:"last,omitempty"`
		Ends        *time.Time `json:"ends,omitempty"`
		Provisional bool       `json:"provisional"`
		Overdue     bool       `json:"overdue"`
	}
	penaltyBalance struct {
		Fine         int64 `json:"fine"`
		FinePaid     int64 `json:"fine_paid"`
		Interest     int64 `json:"interest"`
		InterestPaid int64 `json:"interest_paid"`
		Outstanding  int64 `json:"outstanding"`
		DaysLate     int   `json:"days_late"`
	}
)

// penaltyCaseResponse is schemas/penalty-case.schema.json.
type penaltyCaseResponse struct {
	ID             string                 `json:"id"`
	OrganisationID string                 `json:"organisation_id"`
	CampaignID     string                 `json:"campaign_id"`
	State          string                 `json:"state"`
	Track          string                 `json:"track"`
	Version        int64                  `json:"version"`
	OpenedAt       time.Time              `json:"opened_at"`
	Mountain       bool                   `json:"mountain"`
	Record         penaltyRecord          `json:"record"`
	EarlierRecords []penaltyRecord        `json:"earlier_records"`
	Subject        penaltySubject         `json:"subject"`
	Charges        []penaltyCharge        `json:"charges"`
	Assessments    []penaltyAssessment    `json:"assessments"`
	Competence     penaltyCompetence      `json:"competence"`
	Repeats        []penaltyRepeat        `json:"repeats"`
	History        []penaltyPrior         `json:"history"`
	Evidence       *penaltyEvidence       `json:"evidence,omitempty"`
	Comments       []penaltyComment       `json:"comments"`
	Explanation    penaltyExplanation     `json:"explanation"`
	Approval       *penaltyApproval       `json:"approval,omitempty"`
	Rejection      *penaltyRejection      `json:"rejection,omitempty"`
	Forwarding     *penaltyForwarding     `json:"forwarding,omitempty"`
	Decision       *penaltyDecision       `json:"decision,omitempty"`
	Delivery       *penaltyDelivery       `json:"delivery,omitempty"`
	Payments       []penaltyPayment       `json:"payments"`
	Enforcement    *penaltyEnforcement    `json:"enforcement,omitempty"`
	NationalReport *penaltyNationalReport `json:"national_report,omitempty"`
	Closure        *penaltyClosure        `json:"closure,omitempty"`
	Duties         []penaltyDuty          `json:"duties"`
	Balance        *penaltyBalance        `json:"balance,omitempty"`
}

// penaltySummary and penaltyList are schemas/penalty-case-list.schema.json.
type (
	penaltyRecordRef struct {
		ID            string    `json:"id"`
		IssuingUnitID string    `json:"issuing_unit_id"`
		Year          int       `json:"year"`
		Number        int       `json:"number"`
		DrawnUpAt     time.Time `json:"drawn_up_at"`
	}
	penaltyDecisionRef struct {
		IssuingUnitID string    `json:"issuing_unit_id"`
		Year          int       `json:"year"`
		Number        int       `json:"number"`
		IssuedAt      time.Time `json:"issued_at"`
	}
	penaltyDeadline struct {
		Name    string    `json:"name"`
		Ends    time.Time `json:"ends"`
		Overdue bool      `json:"overdue"`
	}
	penaltyEvidenceCount struct {
		Listed   int  `json:"listed"`
		Missing  int  `json:"missing"`
		Complete bool `json:"complete"`
	}
	penaltySummary struct {
		ID         string               `json:"id"`
		State      string               `json:"state"`
		Track      string               `json:"track"`
		Version    int64                `json:"version"`
		CampaignID string               `json:"campaign_id"`
		Record     penaltyRecordRef     `json:"record"`
		Subject    penaltySubject       `json:"subject"`
		OpenedAt   time.Time            `json:"opened_at"`
		Total      int64                `json:"total"`
		Decision   *penaltyDecisionRef  `json:"decision,omitempty"`
		Deadlines  []penaltyDeadline    `json:"deadlines"`
		Overdue    []string             `json:"overdue"`
		Evidence   penaltyEvidenceCount `json:"evidence"`
	}
	penaltyList struct {
		Items  []penaltySummary `json:"items"`
		Total  int              `json:"total"`
		Limit  int              `json:"limit"`
		Offset int              `json:"offset"`
	}
)

func toPenaltyActor(a penalty.Actor) penaltyActor {
	return penaltyActor{PersonID: a.PersonID, AccountID: a.AccountID, Name: a.Name}
}

func toPenaltyRecord(r penalty.Record) penaltyRecord {
	return penaltyRecord{ID: r.ID, IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, DrawnUpAt: r.DrawnUpAt.UTC(),
		DrawnUpBy: r.DrawnUpBy, Corrects: r.Corrects, EvidenceIDs: orEmpty(r.EvidenceIDs)}
}

func toPenaltyCircumstances(cs []penalty.Circumstance) []penaltyCircumstance {
	out := make([]penaltyCircumstance, len(cs))
	for i, c := range cs {
		out[i] = penaltyCircumstance{Kind: string(c.Kind), Text: c.Text, Basis: c.Basis, PriorCaseID: c.PriorCaseID}
	}
	return out
}

func toPenaltyRange(r legal.FineRange) penaltyRange {
	return penaltyRange{Min: r.Min, Max: r.Max, Doubled: r.Doubled, Confirmed: r.Confirmed}
}

func toPenaltyCapChecks(cs []penalty.CapCheck) []penaltyCapCheck {
	out := make([]penaltyCapCheck, len(cs))
	for i, c := range cs {
		out[i] = penaltyCapCheck{Charge: c.Charge, Code: c.Code, Max: c.Max, Limit: c.Limit, CapID: c.CapID, Covered: c.Covered, Unknown: c.Unknown}
	}
	return out
}

func toPenaltyPrior(p penalty.PriorDecision) penaltyPrior {
	return penaltyPrior{CaseID: p.CaseID, Number: p.Number, Year: p.Year, IssuedOn: p.IssuedOn.String(), Codes: orEmpty(p.Codes),
		Warning: p.Warning, ExecutedOn: p.ExecutedOn.String()}
}

func toPenaltyFines(fs []penalty.Fine) []penaltyFine {
	out := make([]penaltyFine, len(fs))
	for i, f := range fs {
		out[i] = penaltyFine{Charge: f.Charge, Code: f.Code, VersionID: f.VersionID, Decree: f.Decree, LegalBasis: f.LegalBasis,
			Range: toPenaltyRange(f.Range), Unverified: f.Unverified, Default: f.Default, Amount: f.Amount, Circumstances: toPenaltyCircumstances(f.Circumstances)}
	}
	return out
}

func utcPtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// toPenaltyCase renders a case as the chief sees it.
func toPenaltyCase(v penalty.View) penaltyCaseResponse {
	c := v.Case
	out := penaltyCaseResponse{ID: c.ID, OrganisationID: c.OrgID, CampaignID: c.CampaignID, State: string(c.State), Track: string(c.Track),
		Version: c.Version, OpenedAt: c.OpenedAt.UTC(), Mountain: c.Mountain, Record: toPenaltyRecord(c.Record), EarlierRecords: []penaltyRecord{},
		Subject: penaltySubject{ID: c.Subject.ID, Kind: string(c.Subject.Kind), Name: c.Subject.Name}, Charges: []penaltyCharge{},
		Assessments: []penaltyAssessment{}, Repeats: []penaltyRepeat{}, History: []penaltyPrior{}, Comments: []penaltyComment{},
		Payments: []penaltyPayment{}, Duties: []penaltyDuty{}}
	for _, r := range c.Records {
		out.EarlierRecords = append(out.EarlierRecords, toPenaltyRecord(r))
	}
	for _, ch := range c.Charges {
		out.Charges = append(out.Charges, penaltyCharge{Code: ch.Code, Detected: ch.Detected.String(), Ended: ch.Ended.String(), Quantity: ch.Quantity,
			Description: ch.Description, Circumstances: toPenaltyCircumstances(ch.Circumstances)})
	}
	for _, a := range v.Assessments {
		w := penaltyAssessment{Charge: a.Charge, Code: a.Code, VersionID: a.Version.ID, Decree: a.Version.Decree, LegalBasis: a.Version.LegalBasis,
			Unverified: a.Unverified, Default: a.Default, Lower: a.Lower, Upper: a.Upper}
		if a.Range != nil {
			r := toPenaltyRange(*a.Range)
			w.Range = &r
		}
		if a.RangeErr != nil {
			w.RangeError = string(codeOr(a.RangeErr))
		}
		if l := a.Limitation; l.Err != nil {
			w.LimitationError = string(codeOr(l.Err))
		} else if l.Years > 0 {
			w.Limitation = &penaltyLimitation{Field: l.Field, Years: l.Years, Basis: l.Basis, Confirmed: l.Confirmed, Last: l.Last.String(), Expired: l.Expired}
		}
		out.Assessments = append(out.Assessments, w)
	}
	comp := v.Competence
	out.Competence = penaltyCompetence{Covered: comp.Covered, Title: string(comp.Title), TitleName: comp.TitleName, CapID: comp.CapID,
		CapBasis: comp.CapBasis, Checks: toPenaltyCapChecks(comp.Checks)}
	for _, r := range v.Repeats {
		out.Repeats = append(out.Repeats, penaltyRepeat{Charge: r.Charge, Prior: toPenaltyPrior(r.Prior), SameAct: r.SameAct, WindowEnds: r.WindowEnds.String()})
	}
	for _, p := range v.History {
		out.History = append(out.History, toPenaltyPrior(p))
	}
	if e := v.Evidence; e != nil {
		out.Evidence = &penaltyEvidence{IDs: orEmpty(e.IDs), Missing: orEmpty(e.Missing), Complete: e.Complete()}
	}
	for _, x := range c.Comments {
		out.Comments = append(out.Comments, penaltyComment{By: toPenaltyActor(x.By), At: x.At.UTC(), Text: x.Text, RecordID: x.RecordID})
	}
	e := c.Explanation
	out.Explanation = penaltyExplanation{Right: e.Right, DirectRequested: e.DirectRequested, RequestedAt: utcPtr(e.RequestedAt)}
	if r := e.Received; r != nil {
		out.Explanation.Received = &penaltyExplanationReceipt{Form: string(r.Form), On: r.On.UTC(), Summary: r.Summary, By: toPenaltyActor(r.By), At: r.At.UTC()}
	}
	if a := c.Approval; a != nil {
		out.Approval = &penaltyApproval{By: toPenaltyActor(a.By), At: a.At.UTC(), Title: string(a.Title), TitleName: a.TitleName, CapID: a.CapID,
			CapBasis: a.CapBasis, Fines: toPenaltyFines(a.Fines), Total: a.Total, Changed: a.Changed, Reason: a.Reason}
	}
	if r := c.Rejection; r != nil {
		out.Rejection = &penaltyRejection{By: toPenaltyActor(r.By), At: r.At.UTC(), Reason: r.Reason}
	}
	if f := c.Forwarding; f != nil {
		out.Forwarding = &penaltyForwarding{By: toPenaltyActor(f.By), At: f.At.UTC(), Authority: f.Authority, Address: f.Address, Reason: f.Reason,
			Exceeded: toPenaltyCapChecks(f.Exceeded)}
	}
	if d := c.Decision; d != nil {
		out.Decision = &penaltyDecision{IssuingUnitID: d.IssuingUnitID, Year: d.Year, Number: d.Number, IssuedAt: d.IssuedAt.UTC(),
			Signer: toPenaltyActor(d.Signer), Title: string(d.Title), TitleName: d.TitleName, LegalBases: orEmpty(d.LegalBases),
			Fines: toPenaltyFines(d.Fines), Total: d.Total, PaymentDays: d.PaymentDays}
	}
	if d := c.Delivery; d != nil {
		out.Delivery = &penaltyDelivery{ReceivedAt: d.ReceivedAt.UTC(), Method: d.Method, By: toPenaltyActor(d.By), At: d.At.UTC()}
	}
	for _, p := range c.Payments {
		out.Payments = append(out.Payments, penaltyPayment{Receipt: p.Receipt, Amount: p.Amount, PaidOn: p.PaidOn.String(), By: toPenaltyActor(p.By),
			At: p.At.UTC(), TransferredOn: p.TransferredOn.String(), TransferReference: p.TransferRef})
	}
	if x := c.Enforcement; x != nil {
		out.Enforcement = &penaltyEnforcement{Reference: x.Reference, Measure: x.Measure, By: toPenaltyActor(x.By), At: x.At.UTC()}
	}
	if x := c.NationalReport; x != nil {
		out.NationalReport = &penaltyNationalReport{Reference: x.Reference, By: toPenaltyActor(x.By), At: x.At.UTC()}
	}
	if x := c.Closure; x != nil {
		out.Closure = &penaltyClosure{Outcome: string(x.Outcome), By: toPenaltyActor(x.By), At: x.At.UTC(), Reason: x.Reason}
	}
	for _, d := range v.Duties {
		out.Duties = append(out.Duties, penaltyDuty{Name: d.Name, Event: string(d.Due.Event), RuleID: d.Due.RuleID, Basis: d.Due.Basis,
			Confirmed: d.Due.Confirmed, Missing: d.Due.Missing, Last: d.Due.Last.String(), Ends: utcPtr(d.Due.Ends), Provisional: d.Due.Provisional,
			Overdue: d.Overdue})
	}
	if b := v.Balance; b != nil {
		out.Balance = &penaltyBalance{Fine: b.Fine, FinePaid: b.FinePaid, Interest: b.Interest, InterestPaid: b.InterestPaid,
			Outstanding: b.Outstanding, DaysLate: b.DaysLate}
	}
	return out
}

// codeOr is the code of an error the rules give as a reason (fine_range_missing …), or its kind.
func codeOr(err error) errs.Code {
	if c := errs.CodeOf(err); c != "" {
		return c
	}
	return errs.Code(errs.KindOf(err))
}

// toPenaltySummary renders a case of a list at instant now (for the overdue marks).
func toPenaltySummary(s penalty.Summary, now time.Time) penaltySummary {
	out := penaltySummary{ID: s.ID, State: string(s.State), Track: string(s.Track), Version: s.Version, CampaignID: s.CampaignID,
		Record: penaltyRecordRef{ID: s.Record.ID, IssuingUnitID: s.Record.IssuingUnitID, Year: s.Record.Year, Number: s.Record.Number,
			DrawnUpAt: s.Record.DrawnUpAt.UTC()},
		Subject:  penaltySubject{ID: s.Subject.ID, Kind: string(s.Subject.Kind), Name: s.Subject.Name},
		OpenedAt: s.OpenedAt.UTC(), Total: s.Total, Deadlines: []penaltyDeadline{}, Overdue: orEmpty(s.Deadlines.Overdue(now)),
		Evidence: penaltyEvidenceCount{Listed: len(s.Evidence.IDs), Missing: len(s.Evidence.Missing), Complete: s.Evidence.Complete()}}
	if d := s.Decision; d != nil {
		out.Decision = &penaltyDecisionRef{IssuingUnitID: d.IssuingUnitID, Year: d.Year, Number: d.Number, IssuedAt: d.IssuedAt.UTC()}
	}
	dl := s.Deadlines
	for _, x := range []struct {
		name string
		ends time.Time
		duty bool
	}{{"decision", dl.Decision, true}, {"explanation", dl.Explanation, false}, {"send", dl.Send, true},
		{"national_report", dl.NationalReport, true}, {"payment", dl.Payment, true}, {"enforcement_limit", dl.EnforcementLimit, false}} {
		if !x.ends.IsZero() {
			out.Deadlines = append(out.Deadlines, penaltyDeadline{Name: x.name, Ends: x.ends.UTC(), Overdue: x.duty && !now.Before(x.ends)})
		}
	}
	return out
}

// Request bodies. Every act names the version of the case the caller saw (version): an act based on
// an older one is refused with penalty_version_conflict.
type (
	// penaltyApproveRequest is schemas/penalty-approve-request.schema.json.
	penaltyApproveRequest struct {
		Version int64               `json:"version"`
		Fines   []penaltyFineChoice `json:"fines,omitempty"`
		Reason  string              `json:"reason,omitempty"`
	}
	penaltyFineChoice struct {
		Charge  int      `json:"charge"`
		Amount  *int64   `json:"amount,omitempty"`
		Repeats []string `json:"repeats,omitempty"`
	}
	// penaltyReturnRequest is schemas/penalty-return-request.schema.json.
	penaltyReturnRequest struct {
		Version  int64  `json:"version"`
		Comments string `json:"comments"`
	}
	// penaltyRejectRequest is schemas/penalty-reject-request.schema.json.
	penaltyRejectRequest struct {
		Version int64  `json:"version"`
		Reason  string `json:"reason"`
	}
	// penaltyCloseRequest is schemas/penalty-close-request.schema.json: a reason is needed to close a
	// decision that can no longer be enforced, not a paid one.
	penaltyCloseRequest struct {
		Version int64  `json:"version"`
		Reason  string `json:"reason,omitempty"`
	}
	// penaltyForwardRequest is schemas/penalty-forward-request.schema.json.
	penaltyForwardRequest struct {
		Version   int64  `json:"version"`
		Authority string `json:"authority"`
		Address   string `json:"address,omitempty"`
		Reason    string `json:"reason"`
	}
	// penaltyIssueRequest is schemas/penalty-issue-request.schema.json.
	penaltyIssueRequest struct {
		Version             int64    `json:"version"`
		PaymentDays         int      `json:"payment_days,omitempty"`
		PaymentPlace        string   `json:"payment_place,omitempty"`
		AdditionalPenalties []string `json:"additional_penalties,omitempty"`
		RemedialMeasures    []string `json:"remedial_measures,omitempty"`
	}
	// penaltyTrackRequest is schemas/penalty-track-request.schema.json.
	penaltyTrackRequest struct {
		Version int64  `json:"version"`
		Track   string `json:"track"`
		Reason  string `json:"reason"`
	}
	// penaltyExplanationRequest is schemas/penalty-explanation-request.schema.json.
	penaltyExplanationRequest struct {
		Version int64      `json:"version"`
		Form    string     `json:"form,omitempty"`
		On      *time.Time `json:"on,omitempty"`
		Summary string     `json:"summary,omitempty"`
		Request bool       `json:"request,omitempty"`
	}
	// penaltyEnforceRequest is schemas/penalty-enforce-request.schema.json.
	penaltyEnforceRequest struct {
		Version   int64  `json:"version"`
		Reference string `json:"reference"`
		Measure   string `json:"measure,omitempty"`
	}
	// penaltyDeliveryRequest is schemas/penalty-delivery-request.schema.json.
	penaltyDeliveryRequest struct {
		Version    int64     `json:"version"`
		ReceivedAt time.Time `json:"received_at"`
		Method     string    `json:"method,omitempty"`
	}
	// penaltyPaymentRequest is schemas/penalty-payment-request.schema.json.
	penaltyPaymentRequest struct {
		Version int64  `json:"version"`
		Receipt string `json:"receipt"`
		Amount  int64  `json:"amount"`
		PaidOn  string `json:"paid_on"`
	}
	// penaltyTransferRequest is schemas/penalty-transfer-request.schema.json.
	penaltyTransferRequest struct {
		Version       int64  `json:"version"`
		Receipt       string `json:"receipt"`
		TransferredOn string `json:"transferred_on"`
		Reference     string `json:"reference,omitempty"`
	}
	// penaltyReportRequest is schemas/penalty-national-report-request.schema.json.
	penaltyReportRequest struct {
		Version   int64  `json:"version"`
		Reference string `json:"reference"`
	}
)

// legalDay reads a calendar day of a request body, noting field as invalid_date when it is not
// YYYY-MM-DD; "" is the zero day, which the domain reports where it is required.
func legalDay(k *[]errs.FieldError, field, s string) legal.Date {
	d, err := legal.ParseDate(s)
	if err != nil {
		*k = append(*k, errs.FieldError{Field: field, Code: errs.CodeInvalidDate})
	}
	return d
}
