// Package document renders the inspectorate's official documents. It is shared by the server and
// the phone client (DECISIONS D10): the violator's copy shown or printed on site and the copy the
// server stores come from the same code, so for the same content they are the same bytes.
//
// A document has two forms. Its content (for a violation record, Record) is encoded as canonical
// JSON — keys in sorted order, times in UTC, text in Unicode NFC, no insignificant whitespace — and
// the SHA-256 of that encoding is what signatures are made over. Its rendering is a PDF in the layout
// of the official form (RenderRecordPDF), deterministic for the same content.
//
// The layout of the violation record follows the best-known field list of form MBB01 (biên bản vi
// phạm hành chính, annex to Decree 118/2021/NĐ-CP); the official annex has not been checked yet, so
// the layout is UNCONFIRMED (see docs/documents.md).
//
// The package imports nothing from the server and keeps a gomobile-friendly surface: besides the Go
// types, the functions in mobile.go take and return only []byte, string and error.
package document

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The form a Record is drawn up on, and the version of its layout that this package renders.
const (
	RecordForm   = "MBB01"
	RecordLayout = 1
)

// NumberSuffix is the symbol that follows a record's number: "Số: 12/BB-VPHC".
const NumberSuffix = "BB-VPHC"

// Kinds of violator. A household business is sanctioned as an individual (DECISIONS D25).
const (
	Individual   = "individual"
	Organisation = "organisation"
)

// Roles of the people named in a record, for witnesses, statements and signatures.
const (
	RoleViolator        = "violator"         // the individual, or the organisation's representative
	RoleOfficial        = "official"         // a person with authority who draws up the record
	RoleWitness         = "witness"          // người chứng kiến
	RoleLocalGovernment = "local_government" // đại diện chính quyền cấp xã
	RoleInterpreter     = "interpreter"      // người phiên dịch
	RoleDamaged         = "damaged"          // a damaged individual or the damaged organisation's representative
)

// Record is the content of a violation record (biên bản vi phạm hành chính, form MBB01): what the
// people present sign. Times are instants (the renderer shows them in Vietnam's time, UTC+7); dates
// without time (a date of birth) are "YYYY-MM-DD" text. Empty text is rendered as the form's blank.
type Record struct {
	Form     string `json:"form"`   // RecordForm
	Layout   int    `json:"layout"` // RecordLayout: the layout this content was rendered with
	RecordID string `json:"record_id"`
	// Corrects names the record this one supplements or corrects (DECISIONS D11).
	Corrects *RecordRef `json:"corrects,omitempty"`

	IssuingBody IssuingBody `json:"issuing_body"`
	Number      int         `json:"number"` // within the issuing unit and year (DECISIONS D9)
	Year        int         `json:"year"`
	// Matter is the field of the violation, printed under the title ("Về lĩnh vực …").
	Matter string `json:"matter"`

	DrawnUpAt  time.Time `json:"drawn_up_at"`
	Place      string    `json:"place"`
	LegalBases []string  `json:"legal_bases"`

	Officials []Official `json:"officials"` // the persons with authority who draw it up
	Witnesses []Witness  `json:"witnesses"` // witnesses, the local government's representative, the interpreter
	Violator  Violator   `json:"violator"`

	Violations     []Violation `json:"violations"`
	DamagedParties []Party     `json:"damaged_parties"`
	Statements     []Statement `json:"statements"`
	// ExplanationDays is the time, in working days from the drawing up, within which the violator may
	// ask to explain (0: the record does not state the right); ExplanationTo is whom to ask.
	ExplanationDays int    `json:"explanation_days"`
	ExplanationTo   string `json:"explanation_to"`

	Measures    []string     `json:"measures"`     // preventive measures (biện pháp ngăn chặn)
	SeizedItems []SeizedItem `json:"seized_items"` // exhibits, means, licences temporarily seized

	ResolutionPlace string     `json:"resolution_place"`
	ResolutionAt    *time.Time `json:"resolution_at,omitempty"`

	// Evidence lists the photos and documents attached to the record by their content hash.
	Evidence []Evidence `json:"evidence"`

	CompletedAt *time.Time  `json:"completed_at,omitempty"` // when the record was completed (lập xong)
	Copies      int         `json:"copies"`
	Signatures  []Signature `json:"signatures"`
}

// RecordRef identifies another record.
type RecordRef struct {
	RecordID string `json:"record_id"`
	Number   int    `json:"number"`
	Year     int    `json:"year"`
}

// IssuingBody is the body that draws up the record (top left of the form): its superior body, for
// example "UBND TỈNH CAO BẰNG", and its own name, for example "THANH TRA SỞ KHOA HỌC VÀ CÔNG NGHỆ".
type IssuingBody struct {
	Parent string `json:"parent"`
	Name   string `json:"name"`
}

// Official is a person with authority who draws up the record.
type Official struct {
	Name  string `json:"name"`
	Title string `json:"title"` // chức vụ
	Unit  string `json:"unit"`  // cơ quan
}

// Witness is a witness, the commune government's representative or the interpreter.
type Witness struct {
	Role       string `json:"role"` // RoleWitness, RoleLocalGovernment or RoleInterpreter
	Name       string `json:"name"`
	Title      string `json:"title"`      // position, or occupation for a private person
	Unit       string `json:"unit"`       // body, for a representative
	Address    string `json:"address"`    // residence, for a private person
	IDNumber   string `json:"id_number"`  // personal identification number
	Occupation string `json:"occupation"` // nghề nghiệp
}

// Violator is the individual or organisation the record is against.
type Violator struct {
	Kind   string `json:"kind"` // Individual or Organisation
	Name   string `json:"name"` // the individual's full name, or the organisation's name
	Gender string `json:"gender"`
	// DateOfBirth is "YYYY-MM-DD" or, when only the year is known, "YYYY".
	DateOfBirth string `json:"date_of_birth"`
	Nationality string `json:"nationality"`
	Occupation  string `json:"occupation"`
	// Address is the individual's residence or the organisation's head office.
	Address    string `json:"address"`
	IDNumber   string `json:"id_number"` // personal identification number, ID card or passport
	IDIssuedOn string `json:"id_issued_on"`
	IDIssuedBy string `json:"id_issued_by"`
	// For an organisation: its enterprise code, its registration certificate or licence, and its
	// legal representative.
	EnterpriseCode       string `json:"enterprise_code"`
	Registration         string `json:"registration"`
	RegistrationIssuedOn string `json:"registration_issued_on"`
	RegistrationIssuedBy string `json:"registration_issued_by"`
	Representative       string `json:"representative"`
	RepresentativeGender string `json:"representative_gender"`
	RepresentativeTitle  string `json:"representative_title"`
}

// Violation is one violation the record cites: the act as observed and the provision it breaks.
type Violation struct {
	Code string `json:"code"` // the catalogue entry
	// Act is the act as the inspector describes it; CatalogueText the catalogue's wording of the
	// violation (printed when Act is empty).
	Act           string `json:"act"`
	CatalogueText string `json:"catalogue_text"`
	Point         string `json:"point"`
	Clause        string `json:"clause"`
	Article       string `json:"article"`
	Decree        string `json:"decree"` // "119/2017/NĐ-CP"
	// AmendedBy lists the decrees that amended Decree, as the provision is cited.
	AmendedBy []string `json:"amended_by"`
	// Quantity is the declared quantity the fine depends on (value of goods …), as decimal text.
	Quantity string `json:"quantity"`
}

// Party is a damaged individual or organisation.
type Party struct {
	Name    string `json:"name"`
	Address string `json:"address"`
}

// Statement is what a person present said for the record.
type Statement struct {
	Role string `json:"role"` // RoleViolator, RoleWitness, RoleLocalGovernment or RoleDamaged
	Name string `json:"name"`
	Text string `json:"text"`
}

// SeizedItem is an exhibit, a means of violation, a licence or a document temporarily seized.
type SeizedItem struct {
	Name     string `json:"name"`
	Quantity string `json:"quantity"` // decimal text
	Unit     string `json:"unit"`
	Note     string `json:"note"` // condition, seals, where kept
}

// Evidence is a photo or document attached to the record, named by the SHA-256 of its bytes.
type Evidence struct {
	ID         string     `json:"id"`
	SHA256     string     `json:"sha256"`
	Kind       string     `json:"kind"` // EvidencePhoto or EvidenceDocument
	CapturedAt *time.Time `json:"captured_at,omitempty"`
	Caption    string     `json:"caption"` // optional; the kind and time are printed when empty
}

// Kinds of evidence attached to a record.
const (
	EvidencePhoto    = "photo"
	EvidenceDocument = "document"
)

// Signature is one person's signature of the record, or their refusal to sign with its reason.
// A person neither signed nor refused has not signed yet.
type Signature struct {
	Role          string `json:"role"`
	Name          string `json:"name"`
	Title         string `json:"title"`
	Signed        bool   `json:"signed"`
	Refused       bool   `json:"refused"`
	RefusalReason string `json:"refusal_reason"`
	// ImageSHA256 is the SHA-256 of the captured signature image, when there is one.
	ImageSHA256 string `json:"image_sha256"`
}

// Limits on the content, so that one record cannot make an unbounded document.
const (
	maxText  = 4000 // one text field, in characters
	maxItems = 100  // one list
)

var (
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
	isoDay    = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$`)
	decimal   = regexp.MustCompile(`^[0-9]+([.,][0-9]+)?$`)
)

var (
	witnessRoles   = []string{RoleWitness, RoleLocalGovernment, RoleInterpreter}
	statementRoles = []string{RoleViolator, RoleWitness, RoleLocalGovernment, RoleDamaged, RoleInterpreter}
	signatureRoles = []string{RoleViolator, RoleOfficial, RoleWitness, RoleLocalGovernment, RoleInterpreter, RoleDamaged}
)

// ValidationError lists the fields of a Record that are wrong, by their JSON path.
type ValidationError struct {
	Fields []FieldProblem
}

// FieldProblem is one wrong field: its JSON path (for example "violations[0].code") and what is
// wrong ("required", "invalid_value" or "too_long").
type FieldProblem struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Problem
	}
	return "document: invalid record content: " + strings.Join(parts, "; ")
}

// The problems a FieldProblem names.
const (
	ProblemRequired = "required"
	ProblemInvalid  = "invalid_value"
	ProblemTooLong  = "too_long"
)

// Normalize returns the record in its canonical form: text in Unicode NFC with surrounding space
// trimmed, times in UTC to the second, absent lists as empty lists, the form and layout filled in
// when empty. Two records that say the same normalise to the same value.
func (r Record) Normalize() Record {
	if r.Form == "" {
		r.Form = RecordForm
	}
	if r.Layout == 0 {
		r.Layout = RecordLayout
	}
	t := func(s *string) { *s = strings.TrimSpace(norm.NFC.String(*s)) }
	t(&r.RecordID)
	t(&r.IssuingBody.Parent)
	t(&r.IssuingBody.Name)
	t(&r.Matter)
	t(&r.Place)
	t(&r.ExplanationTo)
	t(&r.ResolutionPlace)
	if r.Corrects != nil {
		c := *r.Corrects
		t(&c.RecordID)
		r.Corrects = &c
	}
	r.DrawnUpAt = instant(r.DrawnUpAt)
	r.CompletedAt = optionalInstant(r.CompletedAt)
	r.ResolutionAt = optionalInstant(r.ResolutionAt)
	r.LegalBases = mapList(r.LegalBases, func(s string) string { t(&s); return s })
	r.Measures = mapList(r.Measures, func(s string) string { t(&s); return s })
	r.Officials = mapList(r.Officials, func(o Official) Official { t(&o.Name); t(&o.Title); t(&o.Unit); return o })
	r.Witnesses = mapList(r.Witnesses, func(w Witness) Witness {
		for _, s := range []*string{&w.Role, &w.Name, &w.Title, &w.Unit, &w.Address, &w.IDNumber, &w.Occupation} {
			t(s)
		}
		return w
	})
	v := &r.Violator
	for _, s := range []*string{&v.Kind, &v.Name, &v.Gender, &v.DateOfBirth, &v.Nationality, &v.Occupation, &v.Address, &v.IDNumber,
		&v.IDIssuedOn, &v.IDIssuedBy, &v.EnterpriseCode, &v.Registration, &v.RegistrationIssuedOn, &v.RegistrationIssuedBy,
		&v.Representative, &v.RepresentativeGender, &v.RepresentativeTitle} {
		t(s)
	}
	r.Violations = mapList(r.Violations, func(x Violation) Violation {
		for _, s := range []*string{&x.Code, &x.Act, &x.CatalogueText, &x.Point, &x.Clause, &x.Article, &x.Decree, &x.Quantity} {
			t(s)
		}
		x.AmendedBy = mapList(x.AmendedBy, func(s string) string { t(&s); return s })
		return x
	})
	r.DamagedParties = mapList(r.DamagedParties, func(p Party) Party { t(&p.Name); t(&p.Address); return p })
	r.Statements = mapList(r.Statements, func(s Statement) Statement { t(&s.Role); t(&s.Name); t(&s.Text); return s })
	r.SeizedItems = mapList(r.SeizedItems, func(i SeizedItem) SeizedItem {
		t(&i.Name)
		t(&i.Quantity)
		t(&i.Unit)
		t(&i.Note)
		return i
	})
	r.Evidence = mapList(r.Evidence, func(e Evidence) Evidence {
		t(&e.ID)
		t(&e.Kind)
		t(&e.Caption)
		e.CapturedAt = optionalInstant(e.CapturedAt)
		e.SHA256 = strings.ToLower(strings.TrimSpace(e.SHA256))
		return e
	})
	r.Signatures = mapList(r.Signatures, func(s Signature) Signature {
		t(&s.Role)
		t(&s.Name)
		t(&s.Title)
		t(&s.RefusalReason)
		s.ImageSHA256 = strings.ToLower(strings.TrimSpace(s.ImageSHA256))
		return s
	})
	return r
}

// instant is a time as the canonical form keeps it: UTC, whole seconds.
func instant(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC().Truncate(time.Second)
}

// optionalInstant is instant for an optional time; a zero time is absent.
func optionalInstant(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	at := instant(*t)
	return &at
}

// mapList applies f to each element of a copy of list; a nil list becomes an empty one.
func mapList[T any](list []T, f func(T) T) []T {
	out := make([]T, len(list))
	for i, x := range list {
		out[i] = f(x)
	}
	return out
}

// Validate checks a normalised record: the fields the form cannot do without, the closed sets of
// kinds and roles, the formats of dates, quantities and hashes, and the limits on size. It returns a
// *ValidationError listing every problem at once.
func (r Record) Validate() error {
	var v validator
	if r.Form != RecordForm {
		v.add("form", ProblemInvalid)
	}
	if r.Layout != RecordLayout {
		v.add("layout", ProblemInvalid)
	}
	v.required("record_id", r.RecordID, 128)
	if r.Corrects != nil {
		v.required("corrects.record_id", r.Corrects.RecordID, 128)
		if r.Corrects.RecordID == r.RecordID {
			v.add("corrects.record_id", ProblemInvalid)
		}
		v.numbered("corrects", r.Corrects.Number, r.Corrects.Year)
	}
	v.text("issuing_body.parent", r.IssuingBody.Parent)
	v.required("issuing_body.name", r.IssuingBody.Name, maxText)
	v.numbered("", r.Number, r.Year)
	v.text("matter", r.Matter)
	if r.DrawnUpAt.IsZero() {
		v.add("drawn_up_at", ProblemRequired)
	}
	v.text("place", r.Place)
	v.list("legal_bases", len(r.LegalBases))
	for i, s := range r.LegalBases {
		v.required(at("legal_bases", i, ""), s, maxText)
	}
	v.list("officials", len(r.Officials))
	for i, o := range r.Officials {
		v.required(at("officials", i, "name"), o.Name, 200)
		v.text(at("officials", i, "title"), o.Title)
		v.text(at("officials", i, "unit"), o.Unit)
	}
	v.list("witnesses", len(r.Witnesses))
	for i, w := range r.Witnesses {
		v.oneOf(at("witnesses", i, "role"), w.Role, witnessRoles)
		v.required(at("witnesses", i, "name"), w.Name, 200)
		for _, f := range []struct{ name, val string }{{"title", w.Title}, {"unit", w.Unit}, {"address", w.Address},
			{"id_number", w.IDNumber}, {"occupation", w.Occupation}} {
			v.text(at("witnesses", i, f.name), f.val)
		}
	}
	p := r.Violator
	v.oneOf("violator.kind", p.Kind, []string{Individual, Organisation})
	v.required("violator.name", p.Name, 400)
	for _, f := range []struct{ name, val string }{{"gender", p.Gender}, {"nationality", p.Nationality}, {"occupation", p.Occupation},
		{"address", p.Address}, {"id_number", p.IDNumber}, {"id_issued_by", p.IDIssuedBy}, {"enterprise_code", p.EnterpriseCode},
		{"registration", p.Registration}, {"registration_issued_by", p.RegistrationIssuedBy}, {"representative", p.Representative},
		{"representative_gender", p.RepresentativeGender}, {"representative_title", p.RepresentativeTitle}} {
		v.text("violator."+f.name, f.val)
	}
	v.day("violator.date_of_birth", p.DateOfBirth)
	v.day("violator.id_issued_on", p.IDIssuedOn)
	v.day("violator.registration_issued_on", p.RegistrationIssuedOn)
	v.list("violations", len(r.Violations))
	for i, x := range r.Violations {
		v.required(at("violations", i, "code"), x.Code, 64)
		v.text(at("violations", i, "act"), x.Act)
		v.text(at("violations", i, "catalogue_text"), x.CatalogueText)
		if x.Act == "" && x.CatalogueText == "" {
			v.add(at("violations", i, "act"), ProblemRequired)
		}
		for _, f := range []struct{ name, val string }{{"point", x.Point}, {"clause", x.Clause}, {"article", x.Article}, {"decree", x.Decree}} {
			v.short(at("violations", i, f.name), f.val)
		}
		v.list(at("violations", i, "amended_by"), len(x.AmendedBy))
		for j, d := range x.AmendedBy {
			v.required(at("violations", i, "amended_by")+"["+strconv.Itoa(j)+"]", d, 64)
		}
		v.quantity(at("violations", i, "quantity"), x.Quantity)
	}
	v.list("damaged_parties", len(r.DamagedParties))
	for i, d := range r.DamagedParties {
		v.required(at("damaged_parties", i, "name"), d.Name, 400)
		v.text(at("damaged_parties", i, "address"), d.Address)
	}
	v.list("statements", len(r.Statements))
	for i, s := range r.Statements {
		v.oneOf(at("statements", i, "role"), s.Role, statementRoles)
		v.text(at("statements", i, "name"), s.Name)
		v.required(at("statements", i, "text"), s.Text, maxText)
	}
	if r.ExplanationDays < 0 || r.ExplanationDays > 99 {
		v.add("explanation_days", ProblemInvalid)
	}
	v.text("explanation_to", r.ExplanationTo)
	v.list("measures", len(r.Measures))
	for i, s := range r.Measures {
		v.required(at("measures", i, ""), s, maxText)
	}
	v.list("seized_items", len(r.SeizedItems))
	for i, s := range r.SeizedItems {
		v.required(at("seized_items", i, "name"), s.Name, 400)
		v.quantity(at("seized_items", i, "quantity"), s.Quantity)
		v.short(at("seized_items", i, "unit"), s.Unit)
		v.text(at("seized_items", i, "note"), s.Note)
	}
	v.text("resolution_place", r.ResolutionPlace)
	v.list("evidence", len(r.Evidence))
	for i, e := range r.Evidence {
		v.required(at("evidence", i, "id"), e.ID, 128)
		v.oneOf(at("evidence", i, "kind"), e.Kind, []string{EvidencePhoto, EvidenceDocument})
		if !hexSHA256.MatchString(e.SHA256) {
			v.add(at("evidence", i, "sha256"), ProblemInvalid)
		}
		v.text(at("evidence", i, "caption"), e.Caption)
	}
	if r.Copies < 0 || r.Copies > 99 {
		v.add("copies", ProblemInvalid)
	}
	v.list("signatures", len(r.Signatures))
	for i, s := range r.Signatures {
		v.oneOf(at("signatures", i, "role"), s.Role, signatureRoles)
		v.required(at("signatures", i, "name"), s.Name, 200)
		v.text(at("signatures", i, "title"), s.Title)
		if s.Signed && s.Refused {
			v.add(at("signatures", i, "refused"), ProblemInvalid)
		}
		if s.RefusalReason != "" && !s.Refused {
			v.add(at("signatures", i, "refusal_reason"), ProblemInvalid)
		}
		v.text(at("signatures", i, "refusal_reason"), s.RefusalReason)
		if s.ImageSHA256 != "" && !hexSHA256.MatchString(s.ImageSHA256) {
			v.add(at("signatures", i, "image_sha256"), ProblemInvalid)
		}
	}
	if len(v.fields) > 0 {
		return &ValidationError{Fields: v.fields}
	}
	return nil
}

func at(list string, i int, field string) string {
	s := list + "[" + strconv.Itoa(i) + "]"
	if field != "" {
		s += "." + field
	}
	return s
}

type validator struct{ fields []FieldProblem }

func (v *validator) add(field, problem string) {
	v.fields = append(v.fields, FieldProblem{Field: field, Problem: problem})
}

func (v *validator) textMax(field, s string, max int) {
	switch {
	case !utf8.ValidString(s) || strings.ContainsRune(s, 0):
		v.add(field, ProblemInvalid)
	case utf8.RuneCountInString(s) > max:
		v.add(field, ProblemTooLong)
	}
}

func (v *validator) text(field, s string)  { v.textMax(field, s, maxText) }
func (v *validator) short(field, s string) { v.textMax(field, s, 64) }

func (v *validator) required(field, s string, max int) {
	if s == "" {
		v.add(field, ProblemRequired)
		return
	}
	v.textMax(field, s, max)
}

func (v *validator) oneOf(field, s string, set []string) {
	if s == "" {
		v.add(field, ProblemRequired)
	} else if !slices.Contains(set, s) {
		v.add(field, ProblemInvalid)
	}
}

func (v *validator) list(field string, n int) {
	if n > maxItems {
		v.add(field, ProblemTooLong)
	}
}

func (v *validator) day(field, s string) {
	if s == "" {
		return
	}
	if !isoDay.MatchString(s) {
		v.add(field, ProblemInvalid)
		return
	}
	if len(s) == 10 {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			v.add(field, ProblemInvalid)
		}
	}
}

func (v *validator) quantity(field, s string) {
	if s != "" && (len(s) > 32 || !decimal.MatchString(s)) {
		v.add(field, ProblemInvalid)
	}
}

func (v *validator) numbered(prefix string, number, year int) {
	p := prefix
	if p != "" {
		p += "."
	}
	if number < 1 || number > 9_999_999 {
		v.add(p+"number", ProblemInvalid)
	}
	if year < 2000 || year > 2100 {
		v.add(p+"year", ProblemInvalid)
	}
}

// ErrLayout is returned for content drawn up with a layout this package does not render.
var ErrLayout = errors.New("document: unknown form or layout")

func checkForm(r Record) error {
	if r.Form != RecordForm || r.Layout != RecordLayout {
		return fmt.Errorf("%w: %s layout %d (this renderer: %s layout %d)", ErrLayout, r.Form, r.Layout, RecordForm, RecordLayout)
	}
	return nil
}
