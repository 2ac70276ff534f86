package gormstore

import (
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The optional fields of form MBB01 that a phone may push with a record (schemas/
// sync-push-record.schema.json): what the form needs and the registry does not hold. They are
// embedded in recordPayload and recordContent, all omitted when empty, so that the content of a
// record pushed by an older phone is stored, compared and pulled exactly as before.

// recordForm is the record's own MBB01 fields.
type recordForm struct {
	Place           string             `json:"place,omitempty"`
	Matter          string             `json:"matter,omitempty"`
	LegalBases      []string           `json:"legal_bases,omitempty"`
	Violator        *recordViolator    `json:"violator,omitempty"`
	Statements      []recordStatement  `json:"statements,omitempty"`
	DamagedParties  []recordParty      `json:"damaged_parties,omitempty"`
	ExplanationDays int                `json:"explanation_days,omitempty"`
	ExplanationTo   string             `json:"explanation_to,omitempty"`
	Measures        []string           `json:"measures,omitempty"`
	SeizedItems     []recordSeizedItem `json:"seized_items,omitempty"`
	ResolutionPlace string             `json:"resolution_place,omitempty"`
	ResolutionAt    *time.Time         `json:"resolution_at,omitempty"`
	CompletedAt     *time.Time         `json:"completed_at,omitempty"`
	Copies          int                `json:"copies,omitempty"`
	// DocumentSHA256 is the SHA-256 of the document content the phone rendered and had signed.
	DocumentSHA256 string `json:"document_sha256,omitempty"`
}

// recordViolator is what the form asks of the violator beyond the registry's subject; a field set
// here takes the place of the subject's.
type recordViolator struct {
	Name                 string `json:"name,omitempty"`
	Gender               string `json:"gender,omitempty"`
	DateOfBirth          string `json:"date_of_birth,omitempty"`
	Nationality          string `json:"nationality,omitempty"`
	Occupation           string `json:"occupation,omitempty"`
	Address              string `json:"address,omitempty"`
	IDNumber             string `json:"id_number,omitempty"`
	IDIssuedOn           string `json:"id_issued_on,omitempty"`
	IDIssuedBy           string `json:"id_issued_by,omitempty"`
	EnterpriseCode       string `json:"enterprise_code,omitempty"`
	Registration         string `json:"registration,omitempty"`
	RegistrationIssuedOn string `json:"registration_issued_on,omitempty"`
	RegistrationIssuedBy string `json:"registration_issued_by,omitempty"`
	Representative       string `json:"representative,omitempty"`
	RepresentativeGender string `json:"representative_gender,omitempty"`
	RepresentativeTitle  string `json:"representative_title,omitempty"`
}

type recordStatement struct {
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
	Text string `json:"text"`
}

type recordParty struct {
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

type recordSeizedItem struct {
	Name     string `json:"name"`
	Quantity string `json:"quantity,omitempty"`
	Unit     string `json:"unit,omitempty"`
	Note     string `json:"note,omitempty"`
}

// personForm is what the form asks of a person present beyond the name and the signature.
type personForm struct {
	Title         string `json:"title,omitempty"`
	Unit          string `json:"unit,omitempty"`
	Address       string `json:"address,omitempty"`
	Occupation    string `json:"occupation,omitempty"`
	IDNumber      string `json:"id_number,omitempty"`
	RefusalReason string `json:"refusal_reason,omitempty"`
}

var (
	formDay      = regexp.MustCompile(`^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$`)
	formDecimal  = regexp.MustCompile(`^[0-9]+([.,][0-9]+)?$`)
	formSHA256   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	statementFor = []string{"violator", "representative", "witness", "local_government", "interpreter", "damaged"}
)

// formListMax bounds each list of the form.
const formListMax = 100

// check adds the form fields' errors to f.
func (r recordForm) check(f *fieldList) {
	f.text("place", r.Place, false, 1000)
	f.text("matter", r.Matter, false, 400)
	f.text("explanation_to", r.ExplanationTo, false, 1000)
	f.text("resolution_place", r.ResolutionPlace, false, 1000)
	list := func(name string, n int) {
		if n > formListMax {
			f.add(name, errs.CodeTooLong)
		}
	}
	list("legal_bases", len(r.LegalBases))
	for i, s := range r.LegalBases {
		f.text("legal_bases["+strconv.Itoa(i)+"]", s, true, 1000)
	}
	if v := r.Violator; v != nil {
		for _, x := range []struct{ name, val string }{{"name", v.Name}, {"gender", v.Gender}, {"nationality", v.Nationality},
			{"occupation", v.Occupation}, {"address", v.Address}, {"id_number", v.IDNumber}, {"id_issued_by", v.IDIssuedBy},
			{"enterprise_code", v.EnterpriseCode}, {"registration", v.Registration}, {"registration_issued_by", v.RegistrationIssuedBy},
			{"representative", v.Representative}, {"representative_gender", v.RepresentativeGender}, {"representative_title", v.RepresentativeTitle}} {
			f.text("violator."+x.name, x.val, false, 400)
		}
		for _, x := range []struct{ name, val string }{{"date_of_birth", v.DateOfBirth}, {"id_issued_on", v.IDIssuedOn},
			{"registration_issued_on", v.RegistrationIssuedOn}} {
			if x.val != "" && !validFormDay(x.val) {
				f.add("violator."+x.name, errs.CodeInvalidValue)
			}
		}
	}
	list("statements", len(r.Statements))
	for i, s := range r.Statements {
		at := "statements[" + strconv.Itoa(i) + "]"
		if !slices.Contains(statementFor, s.Role) {
			f.add(at+".role", errs.CodeInvalidValue)
		}
		f.text(at+".name", s.Name, false, 200)
		f.text(at+".text", s.Text, true, 4000)
	}
	list("damaged_parties", len(r.DamagedParties))
	for i, p := range r.DamagedParties {
		at := "damaged_parties[" + strconv.Itoa(i) + "]"
		f.text(at+".name", p.Name, true, 400)
		f.text(at+".address", p.Address, false, 1000)
	}
	if r.ExplanationDays < 0 || r.ExplanationDays > 99 {
		f.add("explanation_days", errs.CodeInvalidValue)
	}
	list("measures", len(r.Measures))
	for i, m := range r.Measures {
		f.text("measures["+strconv.Itoa(i)+"]", m, true, 4000)
	}
	list("seized_items", len(r.SeizedItems))
	for i, s := range r.SeizedItems {
		at := "seized_items[" + strconv.Itoa(i) + "]"
		f.text(at+".name", s.Name, true, 400)
		if s.Quantity != "" && (len(s.Quantity) > 32 || !formDecimal.MatchString(s.Quantity)) {
			f.add(at+".quantity", errs.CodeInvalidValue)
		}
		f.text(at+".unit", s.Unit, false, 64)
		f.text(at+".note", s.Note, false, 1000)
	}
	if r.Copies < 0 || r.Copies > 99 {
		f.add("copies", errs.CodeInvalidValue)
	}
	if r.DocumentSHA256 != "" && !formSHA256.MatchString(r.DocumentSHA256) {
		f.add("document_sha256", errs.CodeInvalidValue)
	}
}

// normalised is the form with its times as the store keeps them.
func (r recordForm) normalised() recordForm {
	if r.ResolutionAt != nil {
		t := stamp(*r.ResolutionAt)
		r.ResolutionAt = &t
	}
	if r.CompletedAt != nil {
		t := stamp(*r.CompletedAt)
		r.CompletedAt = &t
	}
	return r
}

// check adds a person's form fields' errors to f; at is the person's path.
func (p personForm) check(f *fieldList, at string, refused bool) {
	for _, x := range []struct{ name, val string }{{"title", p.Title}, {"unit", p.Unit}, {"address", p.Address},
		{"occupation", p.Occupation}, {"id_number", p.IDNumber}} {
		f.text(at+"."+x.name, x.val, false, 400)
	}
	f.text(at+".refusal_reason", p.RefusalReason, false, 1000)
	if p.RefusalReason != "" && !refused {
		f.add(at+".refusal_reason", errs.CodeInvalidValue)
	}
}

func validFormDay(s string) bool {
	if !formDay.MatchString(s) {
		return false
	}
	if len(s) == 10 {
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	}
	return true
}
