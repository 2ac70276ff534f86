package document

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// The form a Decision is drawn up on, and the version of its layout that this package renders. The
// layout follows the best-known field list of form MQĐ02 (quyết định xử phạt vi phạm hành chính, with
// a record; annex to Decree 118/2021/NĐ-CP); the official annex has not been checked, so the layout is
// UNCONFIRMED (docs/documents.md, "Decisions").
const (
	DecisionForm   = "MQĐ02"
	DecisionLayout = 1
)

// DecisionNumberSuffix is the symbol that follows a decision's number: "Số: 03/QĐ-XPHC".
const DecisionNumberSuffix = "QĐ-XPHC"

// Decision is the content of a penalty decision (quyết định xử phạt vi phạm hành chính, form MQĐ02),
// as issued: it never changes once issued. Amounts are whole đồng; times are instants, shown in
// Vietnam's time.
type Decision struct {
	Form   string `json:"form"`   // DecisionForm
	Layout int    `json:"layout"` // DecisionLayout
	CaseID string `json:"case_id"`

	IssuingBody IssuingBody `json:"issuing_body"`
	Number      int         `json:"number"` // from the issuing unit's register of the year (DECISIONS D9)
	Year        int         `json:"year"`
	// Place is the place name the date line starts with ("Cao Bằng, ngày …").
	Place    string    `json:"place"`
	IssuedAt time.Time `json:"issued_at"`
	// Matter is the field, printed under the title ("Xử phạt vi phạm hành chính trong lĩnh vực …").
	Matter     string   `json:"matter"`
	LegalBases []string `json:"legal_bases"`

	Signer   DecisionSigner `json:"signer"`
	Violator Violator       `json:"violator"`
	// Record is the violation record the decision is made on.
	Record DecisionRecord `json:"record"`

	Violations []DecisionViolation `json:"violations"`
	Total      int64               `json:"total"` // the sum of the fines

	AdditionalPenalties []string `json:"additional_penalties"` // hình thức xử phạt bổ sung
	RemedialMeasures    []string `json:"remedial_measures"`    // biện pháp khắc phục hậu quả

	// PaymentDays is the period to pay, in days from receiving the decision (10 by law unless the
	// decision sets a longer one); PaymentPlace where to pay (a treasury, a bank account).
	PaymentDays  int    `json:"payment_days"`
	PaymentPlace string `json:"payment_place"`
	// Collector is the body sent the decision to collect the fine; Executor the one sent it to carry
	// it out. Empty: the form's blank.
	Collector string `json:"collector"`
	Executor  string `json:"executor"`
}

// DecisionSigner is the person who decides: name, title (chức vụ, the title whose cap covered the
// case) and unit.
type DecisionSigner struct {
	Name  string `json:"name"`
	Title string `json:"title"`
	Unit  string `json:"unit"`
}

// DecisionRecord names the violation record a decision is made on.
type DecisionRecord struct {
	RecordID  string    `json:"record_id"`
	Number    int       `json:"number"`
	Year      int       `json:"year"`
	DrawnUpAt time.Time `json:"drawn_up_at"`
}

// DecisionViolation is one violation and its fine: the act, the provision, the circumstances and the
// amount, with the range it was chosen in.
type DecisionViolation struct {
	Code          string   `json:"code"`
	Act           string   `json:"act"`
	Point         string   `json:"point"`
	Clause        string   `json:"clause"`
	Article       string   `json:"article"`
	Decree        string   `json:"decree"`
	AmendedBy     []string `json:"amended_by"`
	Mitigating    []string `json:"mitigating"`  // tình tiết giảm nhẹ
	Aggravating   []string `json:"aggravating"` // tình tiết tăng nặng
	Fine          int64    `json:"fine"`
	RangeMin      int64    `json:"range_min"`
	RangeMax      int64    `json:"range_max"`
	RangeVerified bool     `json:"range_verified"`
}

// Normalize returns the decision in its canonical form (see Record.Normalize).
func (d Decision) Normalize() Decision {
	if d.Form == "" {
		d.Form = DecisionForm
	}
	if d.Layout == 0 {
		d.Layout = DecisionLayout
	}
	t := func(s *string) { *s = strings.TrimSpace(norm.NFC.String(*s)) }
	for _, s := range []*string{&d.CaseID, &d.IssuingBody.Parent, &d.IssuingBody.Name, &d.Place, &d.Matter, &d.Signer.Name,
		&d.Signer.Title, &d.Signer.Unit, &d.Record.RecordID, &d.PaymentPlace, &d.Collector, &d.Executor} {
		t(s)
	}
	d.IssuedAt = instant(d.IssuedAt)
	d.Record.DrawnUpAt = instant(d.Record.DrawnUpAt)
	d.LegalBases = mapList(d.LegalBases, func(s string) string { t(&s); return s })
	d.AdditionalPenalties = mapList(d.AdditionalPenalties, func(s string) string { t(&s); return s })
	d.RemedialMeasures = mapList(d.RemedialMeasures, func(s string) string { t(&s); return s })
	d.Violator = Record{Violator: d.Violator}.Normalize().Violator
	d.Violations = mapList(d.Violations, func(x DecisionViolation) DecisionViolation {
		for _, s := range []*string{&x.Code, &x.Act, &x.Point, &x.Clause, &x.Article, &x.Decree} {
			t(s)
		}
		x.AmendedBy = mapList(x.AmendedBy, func(s string) string { t(&s); return s })
		x.Mitigating = mapList(x.Mitigating, func(s string) string { t(&s); return s })
		x.Aggravating = mapList(x.Aggravating, func(s string) string { t(&s); return s })
		return x
	})
	return d
}

// Validate checks a normalised decision: what the form cannot do without, the amounts (each fine
// within its range, the total their sum), the formats and the limits on size. It returns a
// *ValidationError listing every problem at once.
func (d Decision) Validate() error {
	var v validator
	if d.Form != DecisionForm {
		v.add("form", ProblemInvalid)
	}
	if d.Layout != DecisionLayout {
		v.add("layout", ProblemInvalid)
	}
	v.required("case_id", d.CaseID, 128)
	v.text("issuing_body.parent", d.IssuingBody.Parent)
	v.required("issuing_body.name", d.IssuingBody.Name, maxText)
	v.numbered("", d.Number, d.Year)
	v.text("place", d.Place)
	if d.IssuedAt.IsZero() {
		v.add("issued_at", ProblemRequired)
	}
	v.text("matter", d.Matter)
	v.list("legal_bases", len(d.LegalBases))
	for i, s := range d.LegalBases {
		v.required(at("legal_bases", i, ""), s, maxText)
	}
	v.required("signer.name", d.Signer.Name, 200)
	v.required("signer.title", d.Signer.Title, 400)
	v.text("signer.unit", d.Signer.Unit)
	// The violator, checked as a record checks it.
	if ve, ok := (Record{Violator: d.Violator}).Validate().(*ValidationError); ok {
		for _, f := range ve.Fields {
			if strings.HasPrefix(f.Field, "violator.") {
				v.add(f.Field, f.Problem)
			}
		}
	}
	v.required("record.record_id", d.Record.RecordID, 128)
	v.numbered("record", d.Record.Number, d.Record.Year)
	if d.Record.DrawnUpAt.IsZero() {
		v.add("record.drawn_up_at", ProblemRequired)
	}
	if len(d.Violations) == 0 {
		v.add("violations", ProblemRequired)
	}
	v.list("violations", len(d.Violations))
	var sum int64
	for i, x := range d.Violations {
		v.required(at("violations", i, "code"), x.Code, 64)
		v.required(at("violations", i, "act"), x.Act, maxText)
		for _, f := range []struct{ name, val string }{{"point", x.Point}, {"clause", x.Clause}, {"article", x.Article}, {"decree", x.Decree}} {
			v.short(at("violations", i, f.name), f.val)
		}
		for _, l := range []struct {
			name string
			list []string
		}{{"amended_by", x.AmendedBy}, {"mitigating", x.Mitigating}, {"aggravating", x.Aggravating}} {
			v.list(at("violations", i, l.name), len(l.list))
			for j, s := range l.list {
				v.required(fmt.Sprintf("%s[%d]", at("violations", i, l.name), j), s, maxText)
			}
		}
		if x.RangeMin < 0 || x.RangeMax < x.RangeMin {
			v.add(at("violations", i, "range_max"), ProblemInvalid)
		}
		if x.Fine < x.RangeMin || x.Fine > x.RangeMax || x.Fine <= 0 {
			v.add(at("violations", i, "fine"), ProblemInvalid)
		}
		sum += x.Fine
	}
	if d.Total != sum {
		v.add("total", ProblemInvalid)
	}
	for _, l := range []struct {
		name string
		list []string
	}{{"additional_penalties", d.AdditionalPenalties}, {"remedial_measures", d.RemedialMeasures}} {
		v.list(l.name, len(l.list))
		for i, s := range l.list {
			v.required(at(l.name, i, ""), s, maxText)
		}
	}
	if d.PaymentDays < 0 || d.PaymentDays > 999 {
		v.add("payment_days", ProblemInvalid)
	}
	v.text("payment_place", d.PaymentPlace)
	v.text("collector", d.Collector)
	v.text("executor", d.Executor)
	if len(v.fields) > 0 {
		return &ValidationError{Fields: v.fields}
	}
	return nil
}

// CanonicalJSON returns the decision's canonical encoding (see Record.CanonicalJSON). The decision
// must pass Validate.
func (d Decision) CanonicalJSON() ([]byte, error) {
	n := d.Normalize()
	if err := n.Validate(); err != nil {
		return nil, err
	}
	return canonicalize(n)
}

// SHA256 returns the lower-case hex SHA-256 of the decision's canonical encoding.
func (d Decision) SHA256() (string, error) {
	b, err := d.CanonicalJSON()
	if err != nil {
		return "", err
	}
	return SHA256Hex(b), nil
}

// ParseDecision reads a decision from JSON, refusing unknown fields; the result is normalised and
// validated.
func ParseDecision(b []byte) (Decision, error) {
	var d Decision
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Decision{}, fmt.Errorf("document: reading decision content: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Decision{}, fmt.Errorf("document: reading decision content: data after the JSON value")
	}
	d = d.Normalize()
	if err := d.Validate(); err != nil {
		return Decision{}, err
	}
	return d, nil
}

// RenderDecisionPDFFromJSON renders a decision given as JSON (see RenderDecisionPDF); for the phone
// client's gomobile surface.
func RenderDecisionPDFFromJSON(decisionJSON []byte) ([]byte, error) {
	d, err := ParseDecision(decisionJSON)
	if err != nil {
		return nil, err
	}
	return RenderDecisionPDF(d)
}
