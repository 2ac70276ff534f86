package legal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"

	"github.com/skhcn-caobang/thanhtra/schemas"
)

// Seed reads the legal reference data embedded from schemas/legal/ (the first copy a database is
// loaded with) and checks it as a whole. The files follow schemas/legal-*.schema.json.
func Seed() (Catalogue, error) {
	return ReadSeed(schemas.Legal)
}

// ReadSeed reads the legal data files from fsys (legal/decrees.json, legal/violations.json …) and
// checks the result with Catalogue.Check. A field the format does not know is an error.
func ReadSeed(fsys fs.FS) (Catalogue, error) {
	var c Catalogue
	var (
		decrees    []decreeJSON
		violations []violationJSON
		caps       []capJSON
		rules      []ruleJSON
		lims       []limitationJSON
		holidays   []holidayJSON
	)
	files := []struct {
		name, key string
		into      any
	}{
		{"legal/decrees.json", "decrees", &decrees},
		{"legal/violations.json", "violations", &violations},
		{"legal/authority-caps.json", "authority_caps", &caps},
		{"legal/deadline-rules.json", "deadline_rules", &rules},
		{"legal/limitations.json", "limitations", &lims},
		{"legal/holidays.json", "holidays", &holidays},
	}
	for _, f := range files {
		if err := readFile(fsys, f.name, f.key, f.into); err != nil {
			return Catalogue{}, err
		}
	}
	p := parser{}
	for _, d := range decrees {
		c.Decrees = append(c.Decrees, p.decree(d))
	}
	for _, v := range violations {
		c.Violations = append(c.Violations, p.violation(v))
	}
	for _, a := range caps {
		c.Caps = append(c.Caps, p.cap(a))
	}
	for _, r := range rules {
		c.Rules = append(c.Rules, p.rule(r))
	}
	for _, l := range lims {
		c.Limitations = append(c.Limitations, p.limitation(l))
	}
	for _, h := range holidays {
		c.Holidays = append(c.Holidays, Holiday{Date: p.date(h.Date), Name: h.Name, Working: h.Working, Confirmed: h.Confirmed, Source: h.Source})
	}
	if p.err != nil {
		return Catalogue{}, fmt.Errorf("legal seed: %w", p.err)
	}
	if err := c.Check(); err != nil {
		return Catalogue{}, fmt.Errorf("legal seed: %w", err)
	}
	return c, nil
}

// readFile decodes the one array under key of a data file, refusing fields the format does not know.
func readFile(fsys fs.FS, name, key string, into any) error {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return fmt.Errorf("legal seed: %w", err)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("legal seed: %s: %w", name, err)
	}
	for k := range doc {
		if k != key && k != "description" {
			return fmt.Errorf("legal seed: %s: unknown key %q", name, k)
		}
	}
	dec := json.NewDecoder(bytes.NewReader(doc[key]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return fmt.Errorf("legal seed: %s: %w", name, err)
	}
	return nil
}

// The data files' format (schemas/legal-*.schema.json). Kept private: the domain types carry no tags.
type (
	decreeJSON struct {
		Number      string  `json:"number"`
		Title       string  `json:"title"`
		Issued      *string `json:"issued"`
		InForceFrom string  `json:"in_force_from"`
		InForceTo   *string `json:"in_force_to"`
		AmendedBy   []struct {
			Number      string `json:"number"`
			InForceFrom string `json:"in_force_from"`
		} `json:"amended_by"`
		ReplacedBy   *string `json:"replaced_by"`
		Consolidated *string `json:"consolidated"`
		Note         *string `json:"note"`
		Confirmed    bool    `json:"confirmed"`
		Source       string  `json:"source"`
	}
	measureJSON struct {
		Text      string `json:"text"`
		Confirmed bool   `json:"confirmed"`
	}
	tierJSON struct {
		Over       *int64  `json:"over"`
		UpTo       *int64  `json:"up_to"`
		Min        *int64  `json:"min"`
		Max        *int64  `json:"max"`
		LegalBasis string  `json:"legal_basis"`
		Confirmed  bool    `json:"confirmed"`
		Source     string  `json:"source"`
		Note       *string `json:"note"`
	}
	fineJSON struct {
		Kind     string     `json:"kind"`
		Min      *int64     `json:"min"`      // fixed
		Max      *int64     `json:"max"`      // fixed
		Quantity string     `json:"quantity"` // tiers, multiple
		Tiers    []tierJSON `json:"tiers"`
		MinTimes *float64   `json:"min_times"`
		MaxTimes *float64   `json:"max_times"`
	}
	violationJSON struct {
		Code                string        `json:"code"`
		Decree              *string       `json:"decree"`
		Article             string        `json:"article"`
		Clause              string        `json:"clause"`
		Point               string        `json:"point"`
		LegalBasis          string        `json:"legal_basis"`
		DescriptionVI       string        `json:"description_vi"`
		DescriptionEN       string        `json:"description_en"`
		Sector              string        `json:"sector"`
		Subjects            []string      `json:"subjects"`
		Fine                fineJSON      `json:"fine"`
		WarningAllowed      bool          `json:"warning_allowed"`
		AdditionalPenalties []measureJSON `json:"additional_penalties"`
		RemedialMeasures    []measureJSON `json:"remedial_measures"`
		Aliases             []string      `json:"aliases"`
		Corrects            []string      `json:"corrects"`
		Note                *string       `json:"note"`
		Confirmed           bool          `json:"confirmed"`
		Source              string        `json:"source"`
		ValidFrom           string        `json:"valid_from"`
		ValidTo             *string       `json:"valid_to"`
	}
	capJSON struct {
		Title     string   `json:"title"`
		Decree    *string  `json:"decree"`
		Name      string   `json:"name"`
		MaxFine   *int64   `json:"max_fine"`
		Unlimited bool     `json:"unlimited"`
		Powers    []string `json:"powers"`
		Basis     string   `json:"basis"`
		Note      *string  `json:"note"`
		Confirmed bool     `json:"confirmed"`
		Source    string   `json:"source"`
		ValidFrom string   `json:"valid_from"`
		ValidTo   *string  `json:"valid_to"`
	}
	ruleJSON struct {
		Event          string  `json:"event"`
		Description    string  `json:"description"`
		Amount         int     `json:"amount"`
		Unit           string  `json:"unit"`
		MountainAmount *int    `json:"mountain_amount"`
		Extension      *int    `json:"extension"`
		From           string  `json:"from"`
		Basis          string  `json:"basis"`
		Note           *string `json:"note"`
		Confirmed      bool    `json:"confirmed"`
		Source         string  `json:"source"`
		ValidFrom      string  `json:"valid_from"`
		ValidTo        *string `json:"valid_to"`
	}
	limitationJSON struct {
		Field     string   `json:"field"`
		Name      string   `json:"name"`
		Years     int      `json:"years"`
		Decrees   []string `json:"decrees"`
		Basis     string   `json:"basis"`
		Note      *string  `json:"note"`
		Confirmed bool     `json:"confirmed"`
		Source    string   `json:"source"`
		ValidFrom string   `json:"valid_from"`
		ValidTo   *string  `json:"valid_to"`
	}
	holidayJSON struct {
		Date      string `json:"date"`
		Name      string `json:"name"`
		Working   bool   `json:"working"`
		Confirmed bool   `json:"confirmed"`
		Source    string `json:"source"`
	}
)

// parser maps the file format to domain types, keeping the first error.
type parser struct{ err error }

func (p *parser) date(s string) Date {
	d, err := ParseDate(s)
	if err != nil && p.err == nil {
		p.err = err
	}
	return d
}

func (p *parser) datePtr(s *string) Date {
	if s == nil {
		return Date{}
	}
	return p.date(*s)
}

// nonEmpty returns nil for an empty list, so that a catalogue read from the files and one read from
// the database compare equal.
func nonEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (p *parser) decree(d decreeJSON) Decree {
	out := Decree{Number: d.Number, Title: d.Title, Issued: p.datePtr(d.Issued), InForceFrom: p.date(d.InForceFrom),
		InForceTo: p.datePtr(d.InForceTo), ReplacedBy: str(d.ReplacedBy), Consolidated: str(d.Consolidated),
		Note: str(d.Note), Confirmed: d.Confirmed, Source: d.Source}
	for _, a := range d.AmendedBy {
		out.AmendedBy = append(out.AmendedBy, Amendment{Number: a.Number, InForceFrom: p.date(a.InForceFrom)})
	}
	return out
}

func measures(in []measureJSON) []Measure {
	var out []Measure
	for _, m := range in {
		out = append(out, Measure(m))
	}
	return out
}

func (p *parser) fine(f fineJSON, code string) FineModel {
	switch f.Kind {
	case "fixed":
		return FixedRange{Min: f.Min, Max: f.Max}
	case "tiers":
		t := Tiers{Quantity: Quantity(f.Quantity)}
		for _, x := range f.Tiers {
			t.Tiers = append(t.Tiers, Tier{Over: x.Over, UpTo: x.UpTo, Range: FixedRange{Min: x.Min, Max: x.Max},
				LegalBasis: x.LegalBasis, Confirmed: x.Confirmed, Source: x.Source, Note: str(x.Note)})
		}
		return t
	case "multiple":
		return Multiple{Of: Quantity(f.Quantity), MinTimes: p.factor(f.MinTimes), MaxTimes: p.factor(f.MaxTimes)}
	}
	if p.err == nil {
		p.err = fmt.Errorf("violation %s: unknown fine kind %q", code, f.Kind)
	}
	return nil
}

func (p *parser) factor(f *float64) *Factor {
	if f == nil {
		return nil
	}
	x := FactorOf(*f)
	if math.Abs(x.Float()-*f) > 1e-9 && p.err == nil {
		p.err = fmt.Errorf("multiplier %v has more than three decimals", *f)
	}
	return &x
}

func (p *parser) violation(v violationJSON) Violation {
	out := Violation{Code: v.Code, Decree: str(v.Decree), Article: v.Article, Clause: v.Clause, Point: v.Point,
		LegalBasis: v.LegalBasis, DescriptionVI: v.DescriptionVI, DescriptionEN: v.DescriptionEN, Sector: Sector(v.Sector),
		Fine: p.fine(v.Fine, v.Code), WarningAllowed: v.WarningAllowed, AdditionalPenalties: measures(v.AdditionalPenalties),
		RemedialMeasures: measures(v.RemedialMeasures), Aliases: nonEmpty(v.Aliases), Corrects: nonEmpty(v.Corrects), Note: str(v.Note),
		Confirmed: v.Confirmed, Source: v.Source,
		Validity: Validity{ValidFrom: p.date(v.ValidFrom), ValidTo: p.datePtr(v.ValidTo)}}
	for _, s := range v.Subjects {
		out.Subjects = append(out.Subjects, SubjectKind(s))
	}
	return out
}

func (p *parser) cap(a capJSON) AuthorityCap {
	return AuthorityCap{Title: Title(a.Title), Decree: str(a.Decree), Name: a.Name, MaxFine: a.MaxFine, Unlimited: a.Unlimited,
		Powers: nonEmpty(a.Powers), Basis: a.Basis, Note: str(a.Note), Confirmed: a.Confirmed, Source: a.Source,
		Validity: Validity{ValidFrom: p.date(a.ValidFrom), ValidTo: p.datePtr(a.ValidTo)}}
}

func (p *parser) rule(r ruleJSON) DeadlineRule {
	return DeadlineRule{Event: Event(r.Event), Description: r.Description, Amount: r.Amount, Unit: Unit(r.Unit),
		MountainAmount: r.MountainAmount, Extension: r.Extension, From: Start(r.From), Basis: r.Basis, Note: str(r.Note),
		Confirmed: r.Confirmed, Source: r.Source, Validity: Validity{ValidFrom: p.date(r.ValidFrom), ValidTo: p.datePtr(r.ValidTo)}}
}

func (p *parser) limitation(l limitationJSON) Limitation {
	return Limitation{Field: l.Field, Name: l.Name, Years: l.Years, Decrees: nonEmpty(l.Decrees), Basis: l.Basis, Note: str(l.Note),
		Confirmed: l.Confirmed, Source: l.Source, Validity: Validity{ValidFrom: p.date(l.ValidFrom), ValidTo: p.datePtr(l.ValidTo)}}
}
