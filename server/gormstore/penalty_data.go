package gormstore

import (
	"encoding/json"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The stored form of a penalty case (penalty_cases.data) and of its decision (penalty_cases.decision):
// the domain's types mirrored with JSON names of their own, so that renaming a field of the domain
// cannot silently change what is stored, and days (legal.Date) kept as YYYY-MM-DD. Instants are
// stored in UTC. pdFormat names this layout; a change that old rows cannot be read with needs a new
// format number and a reader for the old one.

const pdFormat = 1

type (
	pdActor struct {
		PersonID  string `json:"person_id,omitempty"`
		AccountID string `json:"account_id,omitempty"`
		Name      string `json:"name,omitempty"`
	}
	pdRecord struct {
		ID            string    `json:"id"`
		IssuingUnitID string    `json:"issuing_unit_id"`
		Year          int       `json:"year"`
		Number        int       `json:"number"`
		DrawnUpAt     time.Time `json:"drawn_up_at"`
		DrawnUpBy     string    `json:"drawn_up_by"`
		Corrects      string    `json:"corrects,omitempty"`
		EvidenceIDs   []string  `json:"evidence_ids,omitempty"`
	}
	pdSubject struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
		Name string `json:"name"`
	}
	pdCircumstance struct {
		Kind        string `json:"kind"`
		Text        string `json:"text"`
		Basis       string `json:"basis,omitempty"`
		PriorCaseID string `json:"prior_case_id,omitempty"`
	}
	pdCharge struct {
		Code          string           `json:"code"`
		Detected      string           `json:"detected"`
		Ended         string           `json:"ended,omitempty"`
		Quantity      *int64           `json:"quantity,omitempty"`
		Description   string           `json:"description,omitempty"`
		Circumstances []pdCircumstance `json:"circumstances,omitempty"`
	}
	pdComment struct {
		By       pdActor   `json:"by"`
		At       time.Time `json:"at"`
		Text     string    `json:"text"`
		RecordID string    `json:"record_id"`
	}
	pdReceipt struct {
		Form    string    `json:"form"`
		On      time.Time `json:"on"`
		Summary string    `json:"summary,omitempty"`
		By      pdActor   `json:"by"`
		At      time.Time `json:"at"`
	}
	pdExplanation struct {
		Right           bool       `json:"right"`
		DirectRequested bool       `json:"direct_requested,omitempty"`
		RequestedAt     *time.Time `json:"requested_at,omitempty"`
		Received        *pdReceipt `json:"received,omitempty"`
	}
	pdRange struct {
		Min       int64 `json:"min"`
		Max       int64 `json:"max"`
		Doubled   bool  `json:"doubled"`
		Confirmed bool  `json:"confirmed"`
	}
	pdFine struct {
		Charge        int              `json:"charge"`
		Code          string           `json:"code"`
		VersionID     string           `json:"version_id"`
		Decree        string           `json:"decree"`
		LegalBasis    string           `json:"legal_basis"`
		Range         pdRange          `json:"range"`
		Unverified    bool             `json:"unverified"`
		Default       int64            `json:"default"`
		Amount        int64            `json:"amount"`
		Circumstances []pdCircumstance `json:"circumstances,omitempty"`
	}
	pdApproval struct {
		By        pdActor   `json:"by"`
		At        time.Time `json:"at"`
		Title     string    `json:"title"`
		TitleName string    `json:"title_name"`
		CapID     string    `json:"cap_id"`
		CapBasis  string    `json:"cap_basis"`
		Fines     []pdFine  `json:"fines"`
		Total     int64     `json:"total"`
		Changed   bool      `json:"changed"`
		Reason    string    `json:"reason,omitempty"`
	}
	pdRejection struct {
		By     pdActor   `json:"by"`
		At     time.Time `json:"at"`
		Reason string    `json:"reason"`
	}
	pdCapCheck struct {
		Charge  int    `json:"charge"`
		Code    string `json:"code"`
		Max     int64  `json:"max"`
		Limit   int64  `json:"limit"`
		CapID   string `json:"cap_id,omitempty"`
		Covered bool   `json:"covered"`
		Unknown bool   `json:"unknown"`
	}
	pdForwarding struct {
		By        pdActor      `json:"by"`
		At        time.Time    `json:"at"`
		Authority string       `json:"authority"`
		Address   string       `json:"address,omitempty"`
		Reason    string       `json:"reason"`
		Exceeded  []pdCapCheck `json:"exceeded,omitempty"`
	}
	pdDecision struct {
		IssuingUnitID       string    `json:"issuing_unit_id"`
		Year                int       `json:"year"`
		Number              int       `json:"number"`
		IssuedAt            time.Time `json:"issued_at"`
		Signer              pdActor   `json:"signer"`
		Title               string    `json:"title"`
		TitleName           string    `json:"title_name"`
		LegalBases          []string  `json:"legal_bases"`
		Fines               []pdFine  `json:"fines"`
		Total               int64     `json:"total"`
		PaymentDays         int       `json:"payment_days,omitempty"`
		PaymentPlace        string    `json:"payment_place,omitempty"`
		AdditionalPenalties []string  `json:"additional_penalties,omitempty"`
		RemedialMeasures    []string  `json:"remedial_measures,omitempty"`
	}
	pdDelivery struct {
		ReceivedAt time.Time `json:"received_at"`
		Method     string    `json:"method,omitempty"`
		By         pdActor   `json:"by"`
		At         time.Time `json:"at"`
	}
	pdPayment struct {
		Receipt       string    `json:"receipt"`
		Amount        int64     `json:"amount"`
		PaidOn        string    `json:"paid_on"`
		By            pdActor   `json:"by"`
		At            time.Time `json:"at"`
		TransferredOn string    `json:"transferred_on,omitempty"`
		TransferRef   string    `json:"transfer_ref,omitempty"`
	}
	pdEnforcement struct {
		Reference string    `json:"reference"`
		Measure   string    `json:"measure,omitempty"`
		By        pdActor   `json:"by"`
		At        time.Time `json:"at"`
	}
	pdNationalReport struct {
		Reference string    `json:"reference"`
		By        pdActor   `json:"by"`
		At        time.Time `json:"at"`
	}
	pdClosure struct {
		Outcome string    `json:"outcome"`
		By      pdActor   `json:"by"`
		At      time.Time `json:"at"`
		Reason  string    `json:"reason,omitempty"`
	}
	pdDue struct {
		Event       string     `json:"event"`
		RuleID      string     `json:"rule_id,omitempty"`
		Basis       string     `json:"basis,omitempty"`
		Confirmed   bool       `json:"confirmed,omitempty"`
		Missing     bool       `json:"missing,omitempty"`
		Last        string     `json:"last,omitempty"`
		Ends        *time.Time `json:"ends,omitempty"`
		Provisional bool       `json:"provisional,omitempty"`
	}
	pdDues struct {
		Decision         *pdDue `json:"decision,omitempty"`
		Explanation      *pdDue `json:"explanation,omitempty"`
		Send             *pdDue `json:"send,omitempty"`
		NationalReport   *pdDue `json:"national_report,omitempty"`
		Payment          *pdDue `json:"payment,omitempty"`
		EnforcementLimit *pdDue `json:"enforcement_limit,omitempty"`
	}
	// pdCase is a whole case.
	pdCase struct {
		Format         int               `json:"format"`
		ID             string            `json:"id"`
		OrgID          string            `json:"org_id"`
		CampaignID     string            `json:"campaign_id,omitempty"`
		Record         pdRecord          `json:"record"`
		Records        []pdRecord        `json:"records,omitempty"`
		Subject        pdSubject         `json:"subject"`
		Mountain       bool              `json:"mountain,omitempty"`
		Charges        []pdCharge        `json:"charges"`
		Track          string            `json:"track"`
		State          string            `json:"state"`
		Version        int64             `json:"version"`
		OpenedAt       time.Time         `json:"opened_at"`
		Comments       []pdComment       `json:"comments,omitempty"`
		Explanation    pdExplanation     `json:"explanation"`
		Approval       *pdApproval       `json:"approval,omitempty"`
		Rejection      *pdRejection      `json:"rejection,omitempty"`
		Forwarding     *pdForwarding     `json:"forwarding,omitempty"`
		Decision       *pdDecision       `json:"decision,omitempty"`
		Delivery       *pdDelivery       `json:"delivery,omitempty"`
		Payments       []pdPayment       `json:"payments,omitempty"`
		Enforcement    *pdEnforcement    `json:"enforcement,omitempty"`
		NationalReport *pdNationalReport `json:"national_report,omitempty"`
		Closure        *pdClosure        `json:"closure,omitempty"`
		Dues           pdDues            `json:"dues"`
	}
)

// pdTime is an instant as stored: UTC, to the microsecond (what PostgreSQL keeps).
func pdTime(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Microsecond)
}

func pdTimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := pdTime(t)
	return &u
}

func pdDay(s string, err *error) legal.Date {
	d, e := legal.ParseDate(s)
	if e != nil && *err == nil {
		*err = e
	}
	return d
}

func toPDActor(a penalty.Actor) pdActor {
	return pdActor{PersonID: a.PersonID, AccountID: a.AccountID, Name: a.Name}
}

func (a pdActor) domain() penalty.Actor {
	return penalty.Actor{PersonID: a.PersonID, AccountID: a.AccountID, Name: a.Name}
}

func toPDRecord(r penalty.Record) pdRecord {
	return pdRecord{ID: r.ID, IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, DrawnUpAt: pdTime(r.DrawnUpAt),
		DrawnUpBy: r.DrawnUpBy, Corrects: r.Corrects, EvidenceIDs: r.EvidenceIDs}
}

func (r pdRecord) domain() penalty.Record {
	return penalty.Record{ID: r.ID, IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, DrawnUpAt: r.DrawnUpAt,
		DrawnUpBy: r.DrawnUpBy, Corrects: r.Corrects, EvidenceIDs: r.EvidenceIDs}
}

func toPDCircumstances(cs []penalty.Circumstance) []pdCircumstance {
	var out []pdCircumstance
	for _, c := range cs {
		out = append(out, pdCircumstance{Kind: string(c.Kind), Text: c.Text, Basis: c.Basis, PriorCaseID: c.PriorCaseID})
	}
	return out
}

func pdCircumstancesDomain(cs []pdCircumstance) []penalty.Circumstance {
	var out []penalty.Circumstance
	for _, c := range cs {
		out = append(out, penalty.Circumstance{Kind: penalty.CircumstanceKind(c.Kind), Text: c.Text, Basis: c.Basis, PriorCaseID: c.PriorCaseID})
	}
	return out
}

func toPDFines(fs []penalty.Fine) []pdFine {
	out := make([]pdFine, 0, len(fs))
	for _, f := range fs {
		out = append(out, pdFine{Charge: f.Charge, Code: f.Code, VersionID: f.VersionID, Decree: f.Decree, LegalBasis: f.LegalBasis,
			Range:      pdRange{Min: f.Range.Min, Max: f.Range.Max, Doubled: f.Range.Doubled, Confirmed: f.Range.Confirmed},
			Unverified: f.Unverified, Default: f.Default, Amount: f.Amount, Circumstances: toPDCircumstances(f.Circumstances)})
	}
	return out
}

func pdFinesDomain(fs []pdFine) []penalty.Fine {
	var out []penalty.Fine
	for _, f := range fs {
		out = append(out, penalty.Fine{Charge: f.Charge, Code: f.Code, VersionID: f.VersionID, Decree: f.Decree, LegalBasis: f.LegalBasis,
			Range:      legal.FineRange{Min: f.Range.Min, Max: f.Range.Max, Doubled: f.Range.Doubled, Confirmed: f.Range.Confirmed},
			Unverified: f.Unverified, Default: f.Default, Amount: f.Amount, Circumstances: pdCircumstancesDomain(f.Circumstances)})
	}
	return out
}

func toPDDecision(d *penalty.Decision) *pdDecision {
	if d == nil {
		return nil
	}
	return &pdDecision{IssuingUnitID: d.IssuingUnitID, Year: d.Year, Number: d.Number, IssuedAt: pdTime(d.IssuedAt), Signer: toPDActor(d.Signer),
		Title: string(d.Title), TitleName: d.TitleName, LegalBases: d.LegalBases, Fines: toPDFines(d.Fines), Total: d.Total, PaymentDays: d.PaymentDays,
		PaymentPlace: d.PaymentPlace, AdditionalPenalties: d.AdditionalPenalties, RemedialMeasures: d.RemedialMeasures}
}

func (d *pdDecision) domain() *penalty.Decision {
	if d == nil {
		return nil
	}
	return &penalty.Decision{IssuingUnitID: d.IssuingUnitID, Year: d.Year, Number: d.Number, IssuedAt: d.IssuedAt, Signer: d.Signer.domain(),
		Title: legal.Title(d.Title), TitleName: d.TitleName, LegalBases: d.LegalBases, Fines: pdFinesDomain(d.Fines), Total: d.Total, PaymentDays: d.PaymentDays,
		PaymentPlace: d.PaymentPlace, AdditionalPenalties: d.AdditionalPenalties, RemedialMeasures: d.RemedialMeasures}
}

// decisionJSON is the canonical stored form of a decision ("" before it is issued): what the store
// compares to keep an issued decision unchanged.
func decisionJSON(d *penalty.Decision) (string, error) {
	if d == nil {
		return "", nil
	}
	b, err := json.Marshal(toPDDecision(d))
	return string(b), err
}

func toPDDue(d *penalty.Due) *pdDue {
	if d == nil {
		return nil
	}
	return &pdDue{Event: string(d.Event), RuleID: d.RuleID, Basis: d.Basis, Confirmed: d.Confirmed, Missing: d.Missing,
		Last: d.Last.String(), Ends: pdTimePtr(d.Ends), Provisional: d.Provisional}
}

func (d *pdDue) domain(err *error) *penalty.Due {
	if d == nil {
		return nil
	}
	out := &penalty.Due{Event: legal.Event(d.Event), RuleID: d.RuleID, Basis: d.Basis, Confirmed: d.Confirmed, Missing: d.Missing}
	out.Last, out.Provisional = pdDay(d.Last, err), d.Provisional
	if d.Ends != nil {
		out.Ends = *d.Ends
	}
	return out
}

// toPDCase is the stored form of a case.
func toPDCase(c penalty.Case) pdCase {
	p := pdCase{Format: pdFormat, ID: c.ID, OrgID: c.OrgID, CampaignID: c.CampaignID, Record: toPDRecord(c.Record),
		Subject: pdSubject{ID: c.Subject.ID, Kind: string(c.Subject.Kind), Name: c.Subject.Name}, Mountain: c.Mountain,
		Charges: make([]pdCharge, 0, len(c.Charges)), Track: string(c.Track), State: string(c.State), Version: c.Version, OpenedAt: pdTime(c.OpenedAt),
		Decision: toPDDecision(c.Decision)}
	for _, r := range c.Records {
		p.Records = append(p.Records, toPDRecord(r))
	}
	for _, ch := range c.Charges {
		p.Charges = append(p.Charges, pdCharge{Code: ch.Code, Detected: ch.Detected.String(), Ended: ch.Ended.String(), Quantity: ch.Quantity,
			Description: ch.Description, Circumstances: toPDCircumstances(ch.Circumstances)})
	}
	for _, x := range c.Comments {
		p.Comments = append(p.Comments, pdComment{By: toPDActor(x.By), At: pdTime(x.At), Text: x.Text, RecordID: x.RecordID})
	}
	e := c.Explanation
	p.Explanation = pdExplanation{Right: e.Right, DirectRequested: e.DirectRequested, RequestedAt: pdTimePtr(e.RequestedAt)}
	if r := e.Received; r != nil {
		p.Explanation.Received = &pdReceipt{Form: string(r.Form), On: pdTime(r.On), Summary: r.Summary, By: toPDActor(r.By), At: pdTime(r.At)}
	}
	if a := c.Approval; a != nil {
		p.Approval = &pdApproval{By: toPDActor(a.By), At: pdTime(a.At), Title: string(a.Title), TitleName: a.TitleName, CapID: a.CapID,
			CapBasis: a.CapBasis, Fines: toPDFines(a.Fines), Total: a.Total, Changed: a.Changed, Reason: a.Reason}
	}
	if r := c.Rejection; r != nil {
		p.Rejection = &pdRejection{By: toPDActor(r.By), At: pdTime(r.At), Reason: r.Reason}
	}
	if f := c.Forwarding; f != nil {
		p.Forwarding = &pdForwarding{By: toPDActor(f.By), At: pdTime(f.At), Authority: f.Authority, Address: f.Address, Reason: f.Reason}
		for _, x := range f.Exceeded {
			p.Forwarding.Exceeded = append(p.Forwarding.Exceeded, pdCapCheck{Charge: x.Charge, Code: x.Code, Max: x.Max, Limit: x.Limit,
				CapID: x.CapID, Covered: x.Covered, Unknown: x.Unknown})
		}
	}
	if d := c.Delivery; d != nil {
		p.Delivery = &pdDelivery{ReceivedAt: pdTime(d.ReceivedAt), Method: d.Method, By: toPDActor(d.By), At: pdTime(d.At)}
	}
	for _, x := range c.Payments {
		p.Payments = append(p.Payments, pdPayment{Receipt: x.Receipt, Amount: x.Amount, PaidOn: x.PaidOn.String(), By: toPDActor(x.By),
			At: pdTime(x.At), TransferredOn: x.TransferredOn.String(), TransferRef: x.TransferRef})
	}
	if x := c.Enforcement; x != nil {
		p.Enforcement = &pdEnforcement{Reference: x.Reference, Measure: x.Measure, By: toPDActor(x.By), At: pdTime(x.At)}
	}
	if x := c.NationalReport; x != nil {
		p.NationalReport = &pdNationalReport{Reference: x.Reference, By: toPDActor(x.By), At: pdTime(x.At)}
	}
	if x := c.Closure; x != nil {
		p.Closure = &pdClosure{Outcome: string(x.Outcome), By: toPDActor(x.By), At: pdTime(x.At), Reason: x.Reason}
	}
	d := c.Dues
	p.Dues = pdDues{Decision: toPDDue(d.Decision), Explanation: toPDDue(d.Explanation), Send: toPDDue(d.Send),
		NationalReport: toPDDue(d.NationalReport), Payment: toPDDue(d.Payment), EnforcementLimit: toPDDue(d.EnforcementLimit)}
	return p
}

// domain is the case a stored form holds.
func (p pdCase) domain() (penalty.Case, error) {
	var err error
	c := penalty.Case{ID: p.ID, OrgID: p.OrgID, CampaignID: p.CampaignID, Record: p.Record.domain(),
		Subject: penalty.Subject{ID: p.Subject.ID, Kind: legal.SubjectKind(p.Subject.Kind), Name: p.Subject.Name}, Mountain: p.Mountain,
		Track: penalty.Track(p.Track), State: penalty.State(p.State), Version: p.Version, OpenedAt: p.OpenedAt, Decision: p.Decision.domain()}
	for _, r := range p.Records {
		c.Records = append(c.Records, r.domain())
	}
	for _, ch := range p.Charges {
		c.Charges = append(c.Charges, penalty.Charge{Code: ch.Code, Detected: pdDay(ch.Detected, &err), Ended: pdDay(ch.Ended, &err),
			Quantity: ch.Quantity, Description: ch.Description, Circumstances: pdCircumstancesDomain(ch.Circumstances)})
	}
	for _, x := range p.Comments {
		c.Comments = append(c.Comments, penalty.Comment{By: x.By.domain(), At: x.At, Text: x.Text, RecordID: x.RecordID})
	}
	e := p.Explanation
	c.Explanation = penalty.Explanation{Right: e.Right, DirectRequested: e.DirectRequested}
	if e.RequestedAt != nil {
		c.Explanation.RequestedAt = *e.RequestedAt
	}
	if r := e.Received; r != nil {
		c.Explanation.Received = &penalty.ExplanationReceipt{Form: penalty.ExplanationForm(r.Form), On: r.On, Summary: r.Summary, By: r.By.domain(), At: r.At}
	}
	if a := p.Approval; a != nil {
		c.Approval = &penalty.Approval{By: a.By.domain(), At: a.At, Title: legal.Title(a.Title), TitleName: a.TitleName, CapID: a.CapID,
			CapBasis: a.CapBasis, Fines: pdFinesDomain(a.Fines), Total: a.Total, Changed: a.Changed, Reason: a.Reason}
	}
	if r := p.Rejection; r != nil {
		c.Rejection = &penalty.Rejection{By: r.By.domain(), At: r.At, Reason: r.Reason}
	}
	if f := p.Forwarding; f != nil {
		c.Forwarding = &penalty.Forwarding{By: f.By.domain(), At: f.At, Authority: f.Authority, Address: f.Address, Reason: f.Reason}
		for _, x := range f.Exceeded {
			c.Forwarding.Exceeded = append(c.Forwarding.Exceeded, penalty.CapCheck{Charge: x.Charge, Code: x.Code, Max: x.Max, Limit: x.Limit,
				CapID: x.CapID, Covered: x.Covered, Unknown: x.Unknown})
		}
	}
	if d := p.Delivery; d != nil {
		c.Delivery = &penalty.Delivery{ReceivedAt: d.ReceivedAt, Method: d.Method, By: d.By.domain(), At: d.At}
	}
	for _, x := range p.Payments {
		c.Payments = append(c.Payments, penalty.Payment{Receipt: x.Receipt, Amount: x.Amount, PaidOn: pdDay(x.PaidOn, &err), By: x.By.domain(),
			At: x.At, TransferredOn: pdDay(x.TransferredOn, &err), TransferRef: x.TransferRef})
	}
	if x := p.Enforcement; x != nil {
		c.Enforcement = &penalty.Enforcement{Reference: x.Reference, Measure: x.Measure, By: x.By.domain(), At: x.At}
	}
	if x := p.NationalReport; x != nil {
		c.NationalReport = &penalty.NationalReport{Reference: x.Reference, By: x.By.domain(), At: x.At}
	}
	if x := p.Closure; x != nil {
		c.Closure = &penalty.Closure{Outcome: penalty.Outcome(x.Outcome), By: x.By.domain(), At: x.At, Reason: x.Reason}
	}
	d := p.Dues
	c.Dues = penalty.Dues{Decision: d.Decision.domain(&err), Explanation: d.Explanation.domain(&err), Send: d.Send.domain(&err),
		NationalReport: d.NationalReport.domain(&err), Payment: d.Payment.domain(&err), EnforcementLimit: d.EnforcementLimit.domain(&err)}
	return c, err
}
