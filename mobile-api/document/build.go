package document

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// Building a record's content (DECISIONS D10). The server builds it from what it stores, the phone
// from what it pulled; both read their data into RecordSources and call BuildRecord, so the rules
// that decide the content live in one place and the two copies are the same bytes. The rules are
// described in docs/documents.md ("What makes the two copies the same content").

// PushedRecord is a violation record's content as the phone pushes it (schemas/
// sync-push-record.schema.json, the fields a document reads): the JSON of a pushed record, or of the
// record as the server stores it, decodes into it. Fields of the push that the document does not
// read (visit, status …) are not here.
type PushedRecord struct {
	Violations  []CitedViolation `json:"violations"`
	Persons     []PersonPresent  `json:"persons"`
	EvidenceIDs []string         `json:"evidence_ids"`
	Corrects    string           `json:"corrects,omitempty"`

	// The optional form fields: a field set here wins over the default the sources give.
	Place      string   `json:"place,omitempty"`
	Matter     string   `json:"matter,omitempty"`
	LegalBases []string `json:"legal_bases,omitempty"`
	// Violator holds the violator's fields the phone pushed, each replacing the registry's (its
	// Kind is not read: the subject decides it).
	Violator        *Violator         `json:"violator,omitempty"`
	Statements      []PushedStatement `json:"statements,omitempty"`
	DamagedParties  []Party           `json:"damaged_parties,omitempty"`
	ExplanationDays int               `json:"explanation_days,omitempty"`
	ExplanationTo   string            `json:"explanation_to,omitempty"`
	Measures        []string          `json:"measures,omitempty"`
	SeizedItems     []SeizedItem      `json:"seized_items,omitempty"`
	ResolutionPlace string            `json:"resolution_place,omitempty"`
	ResolutionAt    *time.Time        `json:"resolution_at,omitempty"`
	CompletedAt     *time.Time        `json:"completed_at,omitempty"`
	Copies          int               `json:"copies,omitempty"`
}

// CitedViolation is a catalogue violation a record cites: the code, the act as the inspector
// describes it, and the declared quantity the fine depends on.
type CitedViolation struct {
	Code        string   `json:"code"`
	Quantity    *float64 `json:"quantity,omitempty"`
	Description string   `json:"description"`
}

// PersonPresent is a person present at the drawing up, as pushed: a role of the push ("inspector",
// "violator", "representative", "witness", "local_government", "interpreter", "damaged"), the
// signature or the refusal to sign, and the form's fields.
type PersonPresent struct {
	Role          string `json:"role"`
	Name          string `json:"name"`
	Signed        bool   `json:"signed"`
	Refused       bool   `json:"refused"`
	EvidenceID    string `json:"evidence_id,omitempty"` // the signature image
	Title         string `json:"title,omitempty"`
	Unit          string `json:"unit,omitempty"`
	Address       string `json:"address,omitempty"`
	Occupation    string `json:"occupation,omitempty"`
	IDNumber      string `json:"id_number,omitempty"`
	RefusalReason string `json:"refusal_reason,omitempty"`
}

// PushedStatement is what a person present said, with the push's role.
type PushedStatement struct {
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
	Text string `json:"text"`
}

// Subject is the registry's subject a record is against (đối tượng): Kind "organisation",
// "individual" or "household" (a household business is sanctioned as an individual, D25).
type Subject struct {
	Kind                string
	Name                string
	Address             string
	TaxCode             string
	IDNumber            string
	LegalRepresentative string
}

// Site is where the record is drawn up, when the record names no place.
type Site struct {
	Name    string
	Address string
}

// CatalogueEntry is one version of a catalogue entry (the legal catalogue of violations): the
// provision it cites and its wording, valid from ValidFrom to before ValidTo ("YYYY-MM-DD", ValidTo
// empty while in force).
type CatalogueEntry struct {
	Code      string
	Decree    string // "" when the entry cites no decree
	Article   string
	Clause    string
	Point     string
	Text      string // the catalogue's Vietnamese wording
	ValidFrom string
	ValidTo   string
}

// EntryInForce picks, among the versions of one catalogue entry, the one in force on day
// ("YYYY-MM-DD"); failing that, the latest one (the greatest ValidFrom). It reports false when
// versions is empty.
func EntryInForce(versions []CatalogueEntry, day string) (CatalogueEntry, bool) {
	if len(versions) == 0 {
		return CatalogueEntry{}, false
	}
	sorted := slices.Clone(versions)
	slices.SortStableFunc(sorted, func(a, b CatalogueEntry) int { return cmp.Compare(b.ValidFrom, a.ValidFrom) })
	for _, e := range sorted {
		if e.ValidFrom <= day && (e.ValidTo == "" || day < e.ValidTo) {
			return e, true
		}
	}
	return sorted[0], true
}

// Decree is a decree a catalogue entry cites: its number, title, issue date ("YYYY-MM-DD", "" when
// not known) and the documents that amended it.
type Decree struct {
	Number    string
	Title     string
	Issued    string
	AmendedBy []Amendment
}

// Amendment names a document that amended a decree and the day it took effect ("YYYY-MM-DD", ""
// when not known).
type Amendment struct {
	Number      string
	InForceFrom string
}

// AmendmentsInForce lists, in order, the numbers of the documents that amended d and were in force
// on day ("YYYY-MM-DD"), as a provision of d is cited on that day. An amendment of unknown date
// counts.
func (d Decree) AmendmentsInForce(day string) []string {
	var out []string
	for _, a := range d.AmendedBy {
		if a.Number != "" && (a.InForceFrom == "" || a.InForceFrom <= day) {
			out = append(out, a.Number)
		}
	}
	return out
}

// EvidenceFact is what a record's document says of an evidence reference: its SHA-256, its purpose
// as pushed ("photo", "signature", "document") and its capture time.
type EvidenceFact struct {
	SHA256     string
	Purpose    string
	CapturedAt time.Time
}

// RecordSources is everything a record's content is made from.
type RecordSources struct {
	RecordID  string
	Number    int
	Year      int
	DrawnUpAt time.Time
	Record    PushedRecord
	// OrganisationName and IssuingUnitName make the issuing body: the organisation over its unit.
	OrganisationName string
	IssuingUnitName  string
	Subject          Subject
	Site             Site
	// Corrects is the record this one corrects (its number and year), when Record.Corrects names one.
	Corrects *RecordRef
	// Entries holds, by code, the version of each cited catalogue entry in force on the record's day
	// (EntryInForce); a code missing is printed with the act alone.
	Entries map[string]CatalogueEntry
	// Decrees holds, by number, the decrees the entries cite.
	Decrees map[string]Decree
	// Evidence holds, by evidence reference ID, the facts of each reference the record cites.
	Evidence map[string]EvidenceFact
}

// RecordDay is the calendar day of an instant in Vietnam ("YYYY-MM-DD"), the day a record's
// catalogue entries and amendments are read on.
func RecordDay(t time.Time) string {
	return t.In(vietnam).Format(time.DateOnly)
}

// pushRoles maps the push's roles to the document's.
var pushRoles = map[string]string{
	"inspector": RoleOfficial, "violator": RoleViolator, "representative": RoleViolator,
	"witness": RoleWitness, "local_government": RoleLocalGovernment, "interpreter": RoleInterpreter,
	"damaged": RoleDamaged,
}

// BuildRecord makes a record's content from its sources, normalised (Normalize). The form fields
// the phone pushed win; otherwise the registry's subject and site, the issuing unit, and the
// catalogue entries and decrees in force on the record's day fill them. It does not validate: call
// Validate, CanonicalJSON or RenderRecordPDF for that.
func BuildRecord(src RecordSources) Record {
	c := src.Record
	d := Record{
		Form: RecordForm, Layout: RecordLayout, RecordID: src.RecordID,
		IssuingBody: IssuingBody{Parent: src.OrganisationName, Name: src.IssuingUnitName},
		Number:      src.Number, Year: src.Year, DrawnUpAt: src.DrawnUpAt.UTC(),
		Matter: c.Matter, Place: c.Place, LegalBases: slices.Clone(c.LegalBases),
		ExplanationDays: c.ExplanationDays, ExplanationTo: c.ExplanationTo, Measures: slices.Clone(c.Measures),
		ResolutionPlace: c.ResolutionPlace, ResolutionAt: c.ResolutionAt, CompletedAt: c.CompletedAt, Copies: c.Copies,
	}
	if src.Corrects != nil {
		ref := *src.Corrects
		d.Corrects = &ref
	}
	if d.Place == "" {
		d.Place = src.Site.Name
		if src.Site.Address != "" {
			d.Place += ", " + src.Site.Address
		}
	}
	day := RecordDay(src.DrawnUpAt)
	var decrees []string
	for _, v := range c.Violations {
		x := Violation{Code: v.Code, Act: v.Description}
		if v.Quantity != nil {
			x.Quantity = strconv.FormatFloat(*v.Quantity, 'f', -1, 64)
		}
		if e, ok := src.Entries[v.Code]; ok {
			x.CatalogueText, x.Point, x.Clause, x.Article = e.Text, e.Point, e.Clause, e.Article
			if e.Decree != "" {
				x.Decree = e.Decree
				x.AmendedBy = src.Decrees[e.Decree].AmendmentsInForce(day)
				if !slices.Contains(decrees, x.Decree) {
					decrees = append(decrees, x.Decree)
				}
			}
		}
		if x.Act == "" && x.CatalogueText == "" {
			x.Act = v.Code // a code the catalogue lacks, without a description: the code is all there is to print
		}
		d.Violations = append(d.Violations, x)
	}
	if d.Matter == "" && len(decrees) > 0 {
		d.Matter = MatterFromDecreeTitle(src.Decrees[decrees[0]].Title)
	}
	if len(d.LegalBases) == 0 {
		d.LegalBases = []string{LawLegalBasis}
		for _, n := range decrees {
			dec := src.Decrees[n]
			d.LegalBases = append(d.LegalBases, DecreeLegalBasis(n, dec.Issued, dec.Title))
		}
	}
	d.Violator = buildViolator(src.Subject, c)
	for _, pe := range c.Persons {
		role := pushRoles[pe.Role]
		switch role {
		case RoleOfficial:
			unit := pe.Unit
			if unit == "" {
				unit = src.IssuingUnitName
			}
			d.Officials = append(d.Officials, Official{Name: pe.Name, Title: pe.Title, Unit: unit})
		case RoleWitness, RoleLocalGovernment, RoleInterpreter:
			d.Witnesses = append(d.Witnesses, Witness{Role: role, Name: pe.Name, Title: pe.Title, Unit: pe.Unit,
				Address: pe.Address, IDNumber: pe.IDNumber, Occupation: pe.Occupation})
		}
		sig := Signature{Role: role, Name: pe.Name, Title: pe.Title, Signed: pe.Signed, Refused: pe.Refused,
			RefusalReason: pe.RefusalReason}
		if pe.EvidenceID != "" {
			sig.ImageSHA256 = src.Evidence[pe.EvidenceID].SHA256
		}
		d.Signatures = append(d.Signatures, sig)
	}
	for _, st := range c.Statements {
		d.Statements = append(d.Statements, Statement{Role: pushRoles[st.Role], Name: st.Name, Text: st.Text})
	}
	for _, p := range c.DamagedParties {
		d.DamagedParties = append(d.DamagedParties, Party{Name: p.Name, Address: p.Address})
	}
	for _, it := range c.SeizedItems {
		d.SeizedItems = append(d.SeizedItems, SeizedItem{Name: it.Name, Quantity: it.Quantity, Unit: it.Unit, Note: it.Note})
	}
	for _, id := range c.EvidenceIDs {
		e := src.Evidence[id]
		kind := EvidenceDocument
		switch e.Purpose {
		case "signature":
			continue // signatures appear with their signers
		case "photo":
			kind = EvidencePhoto
		}
		at := e.CapturedAt.UTC()
		d.Evidence = append(d.Evidence, Evidence{ID: id, SHA256: e.SHA256, Kind: kind, CapturedAt: &at})
	}
	return d.Normalize()
}

// buildViolator is the violator: the registry's subject, with what the phone pushed in its place; an
// organisation's representative and title default to the person present of role "representative".
func buildViolator(sub Subject, c PushedRecord) Violator {
	v := Violator{Kind: Individual, Name: sub.Name, Address: sub.Address}
	if sub.Kind == "organisation" {
		v.Kind = Organisation
		v.Representative = sub.LegalRepresentative
		v.EnterpriseCode = sub.TaxCode
	} else {
		v.IDNumber = sub.IDNumber
	}
	if o := c.Violator; o != nil {
		for _, f := range []struct {
			dst *string
			src string
		}{{&v.Name, o.Name}, {&v.Gender, o.Gender}, {&v.DateOfBirth, o.DateOfBirth}, {&v.Nationality, o.Nationality},
			{&v.Occupation, o.Occupation}, {&v.Address, o.Address}, {&v.IDNumber, o.IDNumber}, {&v.IDIssuedOn, o.IDIssuedOn},
			{&v.IDIssuedBy, o.IDIssuedBy}, {&v.EnterpriseCode, o.EnterpriseCode}, {&v.Registration, o.Registration},
			{&v.RegistrationIssuedOn, o.RegistrationIssuedOn}, {&v.RegistrationIssuedBy, o.RegistrationIssuedBy},
			{&v.Representative, o.Representative}, {&v.RepresentativeGender, o.RepresentativeGender},
			{&v.RepresentativeTitle, o.RepresentativeTitle}} {
			if f.src != "" {
				*f.dst = f.src
			}
		}
	}
	for _, pe := range c.Persons {
		if pe.Role == "representative" && v.Kind == Organisation {
			if v.Representative == "" {
				v.Representative = pe.Name
			}
			if v.RepresentativeTitle == "" {
				v.RepresentativeTitle = pe.Title
			}
		}
	}
	return v
}
