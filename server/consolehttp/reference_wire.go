package consolehttp

import (
	"bytes"
	"encoding/json"
	"math"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
)

// Wire types of the national reference data: the legal catalogue and the published checklists. The
// legal entries keep the format of the data files in schemas/legal/ (legal-*.schema.json): days as
// "YYYY-MM-DD", null for what is not known, amounts in đồng for individuals.

// nullString is s, or null when s is empty (a data-file field that is null when unknown).
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nullDay is the day, or null for the zero Date (an open end).
func nullDay(d legal.Date) *string { return nullString(d.String()) }

// emptyIfNil turns a nil slice into an empty one, so that it is sent as [] and never as null.
func emptyIfNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// The fine models and measures have one wire form, syncdata's: the console and the phones show the
// catalogue in the shape of legal-violations.schema.json#/$defs.

// fineInput keeps a request's fine as JSON until its kind is known; each kind is then decoded
// strictly into its own struct.
type fineInput struct{ raw json.RawMessage }

func (f *fineInput) UnmarshalJSON(b []byte) error {
	f.raw = append(f.raw[:0], b...)
	return nil
}

func (f fineInput) MarshalJSON() ([]byte, error) {
	if len(f.raw) == 0 {
		return []byte("null"), nil
	}
	return f.raw, nil
}

// model reads the fine. A missing fine is a nil model, which the domain reports as required; what
// does not fit the kind's format is noted on fine (or fine.kind, fine.min_times …).
func (f fineInput) model(k *[]errs.FieldError) legal.FineModel {
	if len(f.raw) == 0 || bytes.Equal(f.raw, []byte("null")) {
		return nil
	}
	bad := func(field string) legal.FineModel {
		*k = append(*k, errs.FieldError{Field: field, Code: errs.CodeInvalidValue})
		return nil
	}
	var head struct {
		Kind string `json:"kind"`
	}
	if json.Unmarshal(f.raw, &head) != nil {
		return bad("fine")
	}
	strict := func(into any) bool {
		dec := json.NewDecoder(bytes.NewReader(f.raw))
		dec.DisallowUnknownFields()
		return dec.Decode(into) == nil
	}
	switch head.Kind {
	case "fixed":
		var x syncdata.FixedFine
		if !strict(&x) {
			return bad("fine")
		}
		return legal.FixedRange{Min: x.Min, Max: x.Max}
	case "tiers":
		var x syncdata.TieredFine
		if !strict(&x) {
			return bad("fine")
		}
		out := legal.Tiers{Quantity: legal.Quantity(x.Quantity), Tiers: make([]legal.Tier, len(x.Tiers))}
		for i, t := range x.Tiers {
			note := ""
			if t.Note != nil {
				note = *t.Note
			}
			out.Tiers[i] = legal.Tier{Over: t.Over, UpTo: t.UpTo, Range: legal.FixedRange{Min: t.Min, Max: t.Max},
				LegalBasis: t.LegalBasis, Confirmed: t.Confirmed, Source: t.Source, Note: note}
		}
		return out
	case "multiple":
		var x syncdata.MultipleFine
		if !strict(&x) {
			return bad("fine")
		}
		factor := func(field string, v *float64) *legal.Factor {
			if v == nil {
				return nil
			}
			f := legal.FactorOf(*v)
			if math.Abs(f.Float()-*v) > 1e-9 {
				bad(field) // more than three decimals
			}
			return &f
		}
		return legal.Multiple{Of: legal.Quantity(x.Quantity), MinTimes: factor("fine.min_times", x.MinTimes),
			MaxTimes: factor("fine.max_times", x.MaxTimes)}
	}
	return bad("fine.kind")
}

// violationVersion is schemas/legal-violation.schema.json: one version of a catalogue entry, as in the
// data file, with its ID (which setting a missing range names), the version that replaced it, and
// whether some amount of its fine is not known.
type violationVersion struct {
	ID                  string             `json:"id"`
	Code                string             `json:"code"`
	Decree              *string            `json:"decree"`
	Article             string             `json:"article"`
	Clause              string             `json:"clause"`
	Point               string             `json:"point"`
	LegalBasis          string             `json:"legal_basis"`
	DescriptionVI       string             `json:"description_vi"`
	DescriptionEN       string             `json:"description_en"`
	Sector              string             `json:"sector"`
	Subjects            []string           `json:"subjects"`
	Fine                any                `json:"fine"` // syncdata.FixedFine, TieredFine or MultipleFine
	WarningAllowed      bool               `json:"warning_allowed"`
	AdditionalPenalties []syncdata.Measure `json:"additional_penalties"`
	RemedialMeasures    []syncdata.Measure `json:"remedial_measures"`
	Aliases             []string           `json:"aliases"`
	Corrects            []string           `json:"corrects"`
	Note                *string            `json:"note"`
	Confirmed           bool               `json:"confirmed"`
	Source              string             `json:"source"`
	ValidFrom           string             `json:"valid_from"`
	ValidTo             *string            `json:"valid_to"`
	ReplacedBy          *string            `json:"replaced_by"`
	RangeMissing        bool               `json:"range_missing"`
}

func toViolationVersion(v legal.Violation) violationVersion {
	subjects := make([]string, len(v.Subjects))
	for i, s := range v.Subjects {
		subjects[i] = string(s)
	}
	return violationVersion{ID: v.ID, Code: v.Code, Decree: nullString(v.Decree), Article: v.Article, Clause: v.Clause,
		Point: v.Point, LegalBasis: v.LegalBasis, DescriptionVI: v.DescriptionVI, DescriptionEN: v.DescriptionEN,
		Sector: string(v.Sector), Subjects: subjects, Fine: syncdata.FineOf(v.Fine), WarningAllowed: v.WarningAllowed,
		AdditionalPenalties: syncdata.Measures(v.AdditionalPenalties), RemedialMeasures: syncdata.Measures(v.RemedialMeasures),
		Aliases: emptyIfNil(v.Aliases), Corrects: emptyIfNil(v.Corrects), Note: nullString(v.Note), Confirmed: v.Confirmed,
		Source: v.Source, ValidFrom: v.ValidFrom.String(), ValidTo: nullDay(v.ValidTo), ReplacedBy: nullString(v.ReplacedBy),
		RangeMissing: v.RangeMissing()}
}

// violationList is schemas/legal-violation-list.schema.json: the versions in force on a day.
type violationList struct {
	Date   string             `json:"date"`
	Items  []violationVersion `json:"items"`
	Total  int                `json:"total"`
	Limit  int                `json:"limit"`
	Offset int                `json:"offset"`
}

// violationRevision is schemas/legal-violation-revision.schema.json.
type violationRevision struct {
	Action   string            `json:"action"`
	Previous *violationVersion `json:"previous,omitempty"`
	Next     violationVersion  `json:"next"`
}

func toViolationRevision(r legal.Revision) violationRevision {
	out := violationRevision{Action: string(r.Action), Next: toViolationVersion(r.Next)}
	if r.Previous != nil {
		prev := toViolationVersion(*r.Previous)
		out.Previous = &prev
	}
	return out
}

// violationRequest is schemas/legal-violation-request.schema.json: a version of a catalogue entry in
// the format of the data file.
type violationRequest struct {
	Code                string             `json:"code"`
	Decree              *string            `json:"decree,omitempty"`
	Article             string             `json:"article,omitempty"`
	Clause              string             `json:"clause,omitempty"`
	Point               string             `json:"point,omitempty"`
	LegalBasis          string             `json:"legal_basis,omitempty"`
	DescriptionVI       string             `json:"description_vi"`
	DescriptionEN       string             `json:"description_en,omitempty"`
	Sector              string             `json:"sector"`
	Subjects            []string           `json:"subjects"`
	Fine                fineInput          `json:"fine"`
	WarningAllowed      bool               `json:"warning_allowed,omitempty"`
	AdditionalPenalties []syncdata.Measure `json:"additional_penalties,omitempty"`
	RemedialMeasures    []syncdata.Measure `json:"remedial_measures,omitempty"`
	Aliases             []string           `json:"aliases,omitempty"`
	Corrects            []string           `json:"corrects,omitempty"`
	Note                *string            `json:"note,omitempty"`
	Confirmed           bool               `json:"confirmed,omitempty"`
	Source              string             `json:"source"`
	ValidFrom           string             `json:"valid_from"`
	ValidTo             *string            `json:"valid_to,omitempty"`
}

// domain maps the request to a version; what cannot be read (a day, the fine) is noted in k with the
// field named as the domain names it.
func (r violationRequest) domain(k *[]errs.FieldError) legal.Violation {
	str := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	date := func(field, s string) legal.Date {
		d, err := legal.ParseDate(s)
		if err != nil {
			*k = append(*k, errs.FieldError{Field: field, Code: errs.CodeInvalidDate})
		}
		return d
	}
	measures := func(ms []syncdata.Measure) []legal.Measure {
		var out []legal.Measure
		for _, m := range ms {
			out = append(out, legal.Measure(m))
		}
		return out
	}
	v := legal.Violation{Code: r.Code, Decree: str(r.Decree), Article: r.Article, Clause: r.Clause, Point: r.Point,
		LegalBasis: r.LegalBasis, DescriptionVI: r.DescriptionVI, DescriptionEN: r.DescriptionEN, Sector: legal.Sector(r.Sector),
		Fine: r.Fine.model(k), WarningAllowed: r.WarningAllowed, AdditionalPenalties: measures(r.AdditionalPenalties),
		RemedialMeasures: measures(r.RemedialMeasures), Aliases: r.Aliases, Corrects: r.Corrects, Note: str(r.Note),
		Confirmed: r.Confirmed, Source: r.Source,
		Validity: legal.Validity{ValidFrom: date("valid_from", r.ValidFrom), ValidTo: date("valid_to", str(r.ValidTo))}}
	for _, s := range r.Subjects {
		v.Subjects = append(v.Subjects, legal.SubjectKind(s))
	}
	return v
}

// rangeRequest is schemas/legal-range-request.schema.json: a fine range that no source had given,
// for one version (and one tier of a tiered fine).
type rangeRequest struct {
	VersionID string `json:"version_id"`
	Tier      *int   `json:"tier,omitempty"`
	Min       int64  `json:"min"`
	Max       int64  `json:"max"`
	Confirmed bool   `json:"confirmed"`
	Source    string `json:"source"`
}

// decree is legal-decrees.schema.json#/$defs/decree.
type decree struct {
	Number       string      `json:"number"`
	Title        string      `json:"title"`
	Issued       *string     `json:"issued"`
	InForceFrom  string      `json:"in_force_from"`
	InForceTo    *string     `json:"in_force_to"`
	AmendedBy    []amendment `json:"amended_by"`
	ReplacedBy   *string     `json:"replaced_by"`
	Consolidated *string     `json:"consolidated"`
	Note         *string     `json:"note"`
	Confirmed    bool        `json:"confirmed"`
	Source       string      `json:"source"`
}

type amendment struct {
	Number      string `json:"number"`
	InForceFrom string `json:"in_force_from"`
}

// decreeList is schemas/legal-decree-list.schema.json.
type decreeList struct {
	Items []decree `json:"items"`
}

func toDecree(d legal.Decree) decree {
	out := decree{Number: d.Number, Title: d.Title, Issued: nullDay(d.Issued), InForceFrom: d.InForceFrom.String(),
		InForceTo: nullDay(d.InForceTo), AmendedBy: make([]amendment, len(d.AmendedBy)), ReplacedBy: nullString(d.ReplacedBy),
		Consolidated: nullString(d.Consolidated), Note: nullString(d.Note), Confirmed: d.Confirmed, Source: d.Source}
	for i, a := range d.AmendedBy {
		out.AmendedBy[i] = amendment{Number: a.Number, InForceFrom: a.InForceFrom.String()}
	}
	return out
}

// authorityCap is legal-authority-caps.schema.json#/$defs/cap.
type authorityCap struct {
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

// authorityCapList is schemas/legal-authority-cap-list.schema.json: the caps in force on a day.
type authorityCapList struct {
	Date  string         `json:"date"`
	Items []authorityCap `json:"items"`
}

func toAuthorityCap(a legal.AuthorityCap) authorityCap {
	return authorityCap{Title: string(a.Title), Decree: nullString(a.Decree), Name: a.Name, MaxFine: a.MaxFine, Unlimited: a.Unlimited,
		Powers: emptyIfNil(a.Powers), Basis: a.Basis, Note: nullString(a.Note), Confirmed: a.Confirmed, Source: a.Source,
		ValidFrom: a.ValidFrom.String(), ValidTo: nullDay(a.ValidTo)}
}

// deadlineRule is legal-deadline-rules.schema.json#/$defs/rule.
type deadlineRule struct {
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

// deadlineRuleList is schemas/legal-deadline-rule-list.schema.json: the rules in force on a day.
type deadlineRuleList struct {
	Date  string         `json:"date"`
	Items []deadlineRule `json:"items"`
}

func toDeadlineRule(r legal.DeadlineRule) deadlineRule {
	return deadlineRule{Event: string(r.Event), Description: r.Description, Amount: r.Amount, Unit: string(r.Unit),
		MountainAmount: r.MountainAmount, Extension: r.Extension, From: string(r.From), Basis: r.Basis, Note: nullString(r.Note),
		Confirmed: r.Confirmed, Source: r.Source, ValidFrom: r.ValidFrom.String(), ValidTo: nullDay(r.ValidTo)}
}

// holiday is legal-holidays.schema.json#/$defs/holiday.
type holiday struct {
	Date      string `json:"date"`
	Name      string `json:"name"`
	Working   bool   `json:"working"`
	Confirmed bool   `json:"confirmed"`
	Source    string `json:"source"`
}

// holidayList is schemas/legal-holiday-list.schema.json: a year's holidays and compensating working
// days; covered is false for a year without any, whose deadlines are counted with weekends only.
type holidayList struct {
	Year    int       `json:"year"`
	Covered bool      `json:"covered"`
	Items   []holiday `json:"items"`
}

func toHoliday(h legal.Holiday) holiday {
	return holiday{Date: h.Date.String(), Name: h.Name, Working: h.Working, Confirmed: h.Confirmed, Source: h.Source}
}

// checklistVersion is schemas/checklist-version.schema.json: a published version without its
// template.
type checklistVersion struct {
	Code          string        `json:"code"`
	Version       int           `json:"version"`
	Title         checklistText `json:"title"`
	FacilityTypes []string      `json:"facility_types"`
	Hash          string        `json:"hash"`
	PublishedAt   time.Time     `json:"published_at"`
	PublishedBy   string        `json:"published_by"`
}

type checklistText struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// checklistVersionList is schemas/checklist-version-list.schema.json.
type checklistVersionList struct {
	Items []checklistVersion `json:"items"`
}

func toChecklistVersion(v checklist.Version) checklistVersion {
	types := make([]string, len(v.FacilityTypes))
	for i, f := range v.FacilityTypes {
		types[i] = string(f)
	}
	return checklistVersion{Code: v.Code, Version: v.Number, Title: checklistText{VI: v.Title.VI, EN: v.Title.EN},
		FacilityTypes: types, Hash: v.Hash, PublishedAt: v.PublishedAt.UTC(), PublishedBy: v.PublishedBy}
}

// answersRequest is schemas/checklist-answers-request.schema.json: answers to check against a
// version, keyed like a visit's ("F1.2", "F2.7@<instance>").
type answersRequest struct {
	VisitDate string            `json:"visit_date"`
	Answers   map[string]answer `json:"answers"`
}

type answer struct {
	Value    any      `json:"value,omitempty"` // as the item's answer type takes it; absent = not answered
	None     bool     `json:"none,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

func (r answersRequest) domain() map[string]checklist.Answer {
	out := make(map[string]checklist.Answer, len(r.Answers))
	for k, a := range r.Answers {
		out[k] = checklist.Answer{Value: a.Value, None: a.None, Evidence: a.Evidence}
	}
	return out
}

// findingList is schemas/checklist-findings.schema.json.
type findingList struct {
	Findings []finding `json:"findings"`
}

type finding struct {
	Key               string   `json:"key"`
	Item              string   `json:"item"`
	Instance          string   `json:"instance,omitempty"`
	Value             any      `json:"value"`
	Reason            string   `json:"reason"`
	ViolationCodes    []string `json:"violation_codes"`
	Confirmed         bool     `json:"confirmed"`
	BoundsUnconfirmed bool     `json:"bounds_unconfirmed"`
}

func toFinding(f checklist.Finding) finding {
	return finding{Key: f.Key(), Item: f.Item, Instance: f.Instance, Value: f.Value, Reason: string(f.Reason),
		ViolationCodes: emptyIfNil(f.ViolationCodes), Confirmed: f.Confirmed, BoundsUnconfirmed: f.BoundsUnconfirmed}
}
