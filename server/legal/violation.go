package legal

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Decree is a sanctioning decree (nghị định) or another legal document the catalogue cites, with the
// dates it was issued and took effect and what amended or replaced it. Decrees are identified by their
// number, e.g. "119/2017/NĐ-CP".
type Decree struct {
	Number       string
	Title        string
	Issued       Date // zero when not known
	InForceFrom  Date
	InForceTo    Date // the day its replacement took effect; zero while in force
	AmendedBy    []Amendment
	ReplacedBy   string // the number of the document that replaced it
	Consolidated string // the consolidated text (văn bản hợp nhất) to check clauses against
	Note         string
	Confirmed    bool
	Source       string
}

// Amendment names a document that amended a decree and the day the amendment took effect.
type Amendment struct {
	Number      string
	InForceFrom Date
}

// Violation is one version of a catalogue entry: an administrative violation (hành vi vi phạm hành
// chính) as a provision of a decree describes it, with its fine model and measures. Versions of one
// Code never overlap in time; a version that has been in force is never changed in place, it is
// closed (ValidTo) and linked to the version that replaced it (ReplacedBy).
type Violation struct {
	ID                  string
	Code                string // e.g. "MEAS-119-09-2A"
	Decree              string // the decree's number; "" when not known
	Article             string // điều, e.g. "9"; "" when not known
	Clause              string // khoản
	Point               string // điểm, e.g. "a", "đ"
	LegalBasis          string // the provision as cited, with what is not yet confirmed
	DescriptionVI       string
	DescriptionEN       string
	Sector              Sector
	Subjects            []SubjectKind // Individual and/or Organisation: whom the provision addresses
	Fine                FineModel
	WarningAllowed      bool // a warning (cảnh cáo) may be imposed instead of a fine
	AdditionalPenalties []Measure
	RemedialMeasures    []Measure
	Aliases             []string // other codes that name this entry (e.g. the tiers of an article listed one by one)
	Corrects            []string // codes of entries whose act this one covers in part or whole (a second pass of the sources)
	Note                string
	Confirmed           bool
	Source              string
	Validity
	ReplacedBy string // the ID of the version that replaced this one
}

// AppliesTo reports whether the provision is addressed to subjects of kind k (a household business
// counts as an individual).
func (v Violation) AppliesTo(k SubjectKind) bool {
	as, ok := k.asSubjects()
	return ok && slices.Contains(v.Subjects, as)
}

var (
	codePattern   = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)
	decreePattern = regexp.MustCompile(`^[0-9]+/[0-9]{4}/[^\s/]+$`)
)

// ValidCode reports whether s is a well-formed catalogue code.
func ValidCode(s string) bool { return len(s) <= 64 && codePattern.MatchString(s) }

// Validate checks a version on its own (not against other versions or the decrees) and returns the
// fields that are wrong, named as in schemas/legal-violations.schema.json.
func (v Violation) Validate() []errs.FieldError {
	var f []errs.FieldError
	add := func(field string, code errs.Code) { f = append(f, errs.FieldError{Field: field, Code: code}) }
	if !ValidCode(v.Code) {
		add("code", errs.CodeInvalidValue)
	}
	if v.Decree != "" && !decreePattern.MatchString(v.Decree) {
		add("decree", errs.CodeInvalidValue)
	}
	for field, s := range map[string]string{"article": v.Article, "clause": v.Clause, "point": v.Point} {
		if utf8.RuneCountInString(s) > 16 {
			add(field, errs.CodeTooLong)
		}
	}
	f = append(f, text("legal_basis", v.LegalBasis, 500, false)...)
	f = append(f, text("description_vi", v.DescriptionVI, 2000, true)...)
	f = append(f, text("description_en", v.DescriptionEN, 2000, false)...)
	f = append(f, text("note", v.Note, 2000, false)...)
	f = append(f, text("source", v.Source, 1000, true)...)
	if !slices.Contains(Sectors, v.Sector) {
		add("sector", errs.CodeInvalidValue)
	}
	if len(v.Subjects) == 0 {
		add("subjects", errs.CodeRequired)
	}
	for i, k := range v.Subjects {
		if (k != Individual && k != Organisation) || slices.Index(v.Subjects, k) != i {
			add(fmt.Sprintf("subjects[%d]", i), errs.CodeInvalidValue)
		}
	}
	f = append(f, validateFine("fine", v.Fine)...)
	for name, list := range map[string][]Measure{"additional_penalties": v.AdditionalPenalties, "remedial_measures": v.RemedialMeasures} {
		for i, m := range list {
			f = append(f, text(fmt.Sprintf("%s[%d].text", name, i), m.Text, 500, true)...)
		}
	}
	for name, list := range map[string][]string{"aliases": v.Aliases, "corrects": v.Corrects} {
		for i, c := range list {
			if !ValidCode(c) || c == v.Code || slices.Index(list, c) != i {
				add(fmt.Sprintf("%s[%d]", name, i), errs.CodeInvalidValue)
			}
		}
	}
	if v.ValidFrom.IsZero() {
		add("valid_from", errs.CodeRequired)
	}
	if !v.ValidTo.IsZero() && !v.ValidTo.After(v.ValidFrom) {
		add("valid_to", errs.CodeInvalidValue)
	}
	slices.SortStableFunc(f, func(a, b errs.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return f
}

// text checks a free-text field: required or not, and at most max characters.
func text(field, s string, max int, required bool) []errs.FieldError {
	switch {
	case required && strings.TrimSpace(s) == "":
		return []errs.FieldError{{Field: field, Code: errs.CodeRequired}}
	case utf8.RuneCountInString(s) > max:
		return []errs.FieldError{{Field: field, Code: errs.CodeTooLong}}
	}
	return nil
}

// validateRange checks that a range is either unknown or 0 ≤ min ≤ max, never half known.
func validateRange(field string, r FixedRange) []errs.FieldError {
	switch {
	case r.Min == nil && r.Max == nil:
		return nil
	case r.Min == nil:
		return []errs.FieldError{{Field: field + ".min", Code: errs.CodeRequired}}
	case r.Max == nil:
		return []errs.FieldError{{Field: field + ".max", Code: errs.CodeRequired}}
	case *r.Min < 0 || *r.Max <= 0 || *r.Min > *r.Max:
		return []errs.FieldError{{Field: field + ".max", Code: errs.CodeInvalidValue}}
	}
	return nil
}

func validateFine(field string, m FineModel) []errs.FieldError {
	var f []errs.FieldError
	switch m := m.(type) {
	case FixedRange:
		f = validateRange(field, m)
	case Tiers:
		if !slices.Contains(Quantities, m.Quantity) {
			f = append(f, errs.FieldError{Field: field + ".quantity", Code: errs.CodeInvalidValue})
		}
		for i, t := range m.Tiers {
			at := fmt.Sprintf("%s.tiers[%d]", field, i)
			f = append(f, validateRange(at, t.Range)...)
			f = append(f, text(at+".legal_basis", t.LegalBasis, 500, true)...)
			f = append(f, text(at+".source", t.Source, 1000, true)...)
			var prevUpTo *int64
			if i > 0 {
				prevUpTo = m.Tiers[i-1].UpTo
			}
			contiguous := (i == 0 && t.Over == nil) || (i > 0 && prevUpTo != nil && t.Over != nil && *t.Over == *prevUpTo)
			if !contiguous {
				f = append(f, errs.FieldError{Field: at + ".over", Code: errs.CodeInvalidValue})
			}
			last := i == len(m.Tiers)-1
			if (t.UpTo == nil && !last) || (t.UpTo != nil && (*t.UpTo <= 0 || (t.Over != nil && *t.UpTo <= *t.Over))) {
				f = append(f, errs.FieldError{Field: at + ".up_to", Code: errs.CodeInvalidValue})
			}
		}
	case Multiple:
		if !slices.Contains(Quantities, m.Of) {
			f = append(f, errs.FieldError{Field: field + ".quantity", Code: errs.CodeInvalidValue})
		}
		switch {
		case (m.MinTimes == nil) != (m.MaxTimes == nil):
			f = append(f, errs.FieldError{Field: field + ".max_times", Code: errs.CodeRequired})
		case m.MinTimes != nil && (*m.MinTimes <= 0 || *m.MinTimes > *m.MaxTimes):
			f = append(f, errs.FieldError{Field: field + ".max_times", Code: errs.CodeInvalidValue})
		}
	default:
		f = append(f, errs.FieldError{Field: field, Code: errs.CodeRequired})
	}
	return f
}

// Revision says how a new version joins the versions of its code already stored, as decided by
// ReviseViolation.
type Revision struct {
	Action   RevisionAction
	Previous *Violation // ActionReplace: the version closed, as it must be stored now (ValidTo, ReplacedBy)
	Next     Violation  // the version to insert (ActionCreate, ActionReplace) or to rewrite (ActionRevise)
}

// RevisionAction is what a revision does.
type RevisionAction string

// The revision actions.
const (
	ActionCreate  RevisionAction = "create"  // the first version of a new code
	ActionReplace RevisionAction = "replace" // a new version from a later day; the current one is closed and linked
	ActionRevise  RevisionAction = "revise"  // the latest version had not yet come into force: rewritten in place
)

// ReviseViolation decides how version next of a catalogue entry joins the versions already stored for
// its code (in any order), today being the day in Vietnam. A version that has been in force is never
// changed in place:
//   - no version yet: next is created;
//   - next starts after the latest version: the latest is closed on next's first day (unless it
//     already ended earlier) and linked to next, which is inserted;
//   - next starts on the latest version's day and that day is still in the future: the latest is
//     rewritten in place, keeping its ID (nobody can have relied on it);
//   - otherwise: errs.Conflict, CodeLegalVersionInForce (same day, already in force) or
//     CodeLegalVersionOrder (next would start before the latest version).
//
// next must have its ID set; next.ReplacedBy is ignored.
func ReviseViolation(existing []Violation, next Violation, today Date) (Revision, error) {
	const op = errs.Op("legal.ReviseViolation")
	next.ReplacedBy = ""
	if len(existing) == 0 {
		return Revision{Action: ActionCreate, Next: next}, nil
	}
	latest := existing[0]
	for _, v := range existing[1:] {
		if v.ValidFrom.After(latest.ValidFrom) {
			latest = v
		}
	}
	switch c := next.ValidFrom.Compare(latest.ValidFrom); {
	case c > 0:
		prev := latest
		if prev.ValidTo.IsZero() || prev.ValidTo.After(next.ValidFrom) {
			prev.ValidTo = next.ValidFrom
		}
		prev.ReplacedBy = next.ID
		return Revision{Action: ActionReplace, Previous: &prev, Next: next}, nil
	case c == 0 && latest.ValidFrom.After(today):
		next.ID = latest.ID
		return Revision{Action: ActionRevise, Next: next}, nil
	case c == 0:
		return Revision{}, errs.E(op, errs.Conflict, errs.CodeLegalVersionInForce,
			fmt.Sprintf("%s: the version from %s has been in force since then; add a version from a later day", next.Code, latest.ValidFrom))
	default:
		return Revision{}, errs.E(op, errs.Conflict, errs.CodeLegalVersionOrder,
			fmt.Sprintf("%s: a new version must start after %s, the first day of the latest version", next.Code, latest.ValidFrom))
	}
}

// FillRange returns version v with a fine range that no source had given until now: the fixed range
// when tier is nil, or the range of tier *tier of a tiered fine. It is the one change allowed in place
// on a version that has been in force, because it does not change what the law said, only what we
// know of it; source says where the amounts were read. A range already known is errs.Conflict with
// CodeFineRangePresent (a change of amount is a new version).
func FillRange(v Violation, tier *int, r FixedRange, confirmed bool, source string) (Violation, error) {
	const op = errs.Op("legal.FillRange")
	var fields []errs.FieldError
	if !r.Known() {
		fields = append(fields, errs.FieldError{Field: "max", Code: errs.CodeRequired})
	} else if f := validateRange("", r); len(f) > 0 {
		fields = append(fields, errs.FieldError{Field: "max", Code: errs.CodeInvalidValue})
	}
	fields = append(fields, text("source", source, 1000, true)...)
	if len(fields) > 0 {
		return Violation{}, errs.E(op, errs.Invalid, errs.CodeValidation, fields)
	}
	present := errs.E(op, errs.Conflict, errs.CodeFineRangePresent, v.Code)
	switch m := v.Fine.(type) {
	case FixedRange:
		if tier != nil {
			return Violation{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "tier", Code: errs.CodeInvalidValue})
		}
		if m.Min != nil || m.Max != nil {
			return Violation{}, present
		}
		v.Fine = r
		v.Confirmed = confirmed
		v.Source = joinSource(v.Source, source)
	case Tiers:
		if tier == nil || *tier < 0 || *tier >= len(m.Tiers) {
			return Violation{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "tier", Code: errs.CodeInvalidValue})
		}
		t := m.Tiers[*tier]
		if t.Range.Min != nil || t.Range.Max != nil {
			return Violation{}, present
		}
		tiers := slices.Clone(m.Tiers)
		t.Range, t.Confirmed, t.Source = r, confirmed, joinSource(t.Source, source)
		tiers[*tier] = t
		v.Fine = Tiers{Quantity: m.Quantity, Tiers: tiers}
	default:
		return Violation{}, errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "tier", Code: errs.CodeInvalidValue})
	}
	return v, nil
}

func joinSource(old, added string) string {
	if strings.TrimSpace(old) == "" {
		return added
	}
	return old + "; khung phạt: " + added
}
