package checklist

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The template document as it is written: the format of schemas/checklist-template.schema.json.
// Pointers tell a member that is missing from one given its zero value.
type (
	docTemplate struct {
		Code          string       `json:"code"`
		Version       *int         `json:"version"`
		FacilityTypes []string     `json:"facility_types"`
		Title         *docText     `json:"title"`
		LegalBasis    *string      `json:"legal_basis"`
		Notes         string       `json:"notes"`
		Sections      []docSection `json:"sections"`
	}
	docText struct {
		VI string `json:"vi"`
		EN string `json:"en"`
	}
	docSection struct {
		ID        string    `json:"id"`
		Title     *docText  `json:"title"`
		RepeatPer *string   `json:"repeat_per"`
		Notes     string    `json:"notes"`
		Items     []docItem `json:"items"`
	}
	docItem struct {
		ID             string        `json:"id"`
		Question       *docText      `json:"question"`
		Answer         *docAnswer    `json:"answer"`
		Required       *bool         `json:"required"`
		PhotosRequired int           `json:"photos_required"`
		VisibleWhen    *docCondition `json:"visible_when"`
		LegalBasis     *string       `json:"legal_basis"`
		ViolationCodes []string      `json:"violation_codes"`
		FailWhen       *docFailWhen  `json:"fail_when"`
		Confirmed      *bool         `json:"confirmed"`
		Notes          string        `json:"notes"`
	}
	docAnswer struct {
		Type        string        `json:"type"`
		Unit        *string       `json:"unit"`
		Count       *bool         `json:"count"`
		Tolerance   *docTolerance `json:"tolerance"`
		Options     []docOption   `json:"options"`
		NoneAllowed *bool         `json:"none_allowed"`
	}
	docTolerance struct {
		Rule      *string  `json:"rule"`
		Min       *float64 `json:"min"`
		Max       *float64 `json:"max"`
		AbsMax    *float64 `json:"abs_max"`
		Confirmed *bool    `json:"confirmed"`
	}
	docOption struct {
		ID    string   `json:"id"`
		Label *docText `json:"label"`
	}
	docCondition struct {
		Item    string   `json:"item"`
		Answer  *string  `json:"answer"`
		Choices []string `json:"choices"`
	}
	docFailWhen struct {
		Answer           *string  `json:"answer"`
		Choices          []string `json:"choices"`
		Date             *string  `json:"date"`
		None             *bool    `json:"none"`
		OutsideTolerance *bool    `json:"outside_tolerance"`
	}
)

// Parse reads a template document. It refuses, as errs.Invalid with code checklist_invalid and one
// field error per problem (the field is the JSON path, e.g. "sections[1].items[6].fail_when"), a
// document that is not strict JSON in the template format or that breaks a rule of the format: IDs
// unique, an item ID starting with its section's ID and a dot, visible_when naming an earlier yes/no
// or choice item, fail_when fitting the answer type, outside_tolerance only with bounds. The error's
// text, for logs and developers, says what is wrong at each path.
func Parse(doc []byte) (*Template, error) {
	const op = errs.Op("checklist.Parse")
	canonical, err := canonicalJSON(doc)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, errs.CodeChecklistInvalid, "not a JSON document", err)
	}
	var d docTemplate
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, errs.E(op, errs.Invalid, errs.CodeChecklistInvalid, decodeProblem(err), err)
	}
	c := &checker{}
	t := c.template(&d)
	if len(c.problems) > 0 {
		fields := make([]errs.FieldError, len(c.problems))
		msgs := make([]string, len(c.problems))
		for i, p := range c.problems {
			fields[i] = errs.FieldError{Field: p.field, Code: p.code}
			msgs[i] = p.field + ": " + p.msg
		}
		return nil, errs.E(op, errs.Invalid, errs.CodeChecklistInvalid, fields, strings.Join(msgs, "; "))
	}
	t.canonical = canonical
	t.hash = hashOf(canonical)
	return t, nil
}

// decodeProblem turns a decoding error into a field error with the member it names, where it names one.
func decodeProblem(err error) errs.FieldError {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		return errs.FieldError{Field: typeErr.Field, Code: errs.CodeWrongType}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return errs.FieldError{Field: strings.Trim(name, `"`), Code: errs.CodeUnknownField}
	}
	return errs.FieldError{Field: "", Code: errs.CodeInvalidValue}
}

type problem struct {
	field string
	code  errs.Code
	msg   string
}

// checker collects every problem of a document, so that an author fixes them in one pass.
type checker struct {
	problems []problem
	items    map[string]*Item // the items seen so far, in document order
	sections map[string]*Section
	itemSec  map[string]*Section
}

func (c *checker) add(field string, code errs.Code, format string, a ...any) {
	c.problems = append(c.problems, problem{field, code, fmt.Sprintf(format, a...)})
}

func (c *checker) text(path string, t *docText) Text {
	if t == nil {
		c.add(path, errs.CodeRequired, "missing")
		return Text{}
	}
	if strings.TrimSpace(t.VI) == "" {
		c.add(path+".vi", errs.CodeRequired, "the Vietnamese text is empty")
	}
	if strings.TrimSpace(t.EN) == "" {
		c.add(path+".en", errs.CodeRequired, "the English text is empty")
	}
	return Text{VI: t.VI, EN: t.EN}
}

func (c *checker) template(d *docTemplate) *Template {
	t := &Template{Code: d.Code, Notes: d.Notes, index: map[string]itemRef{}}
	c.items, c.sections, c.itemSec = map[string]*Item{}, map[string]*Section{}, map[string]*Section{}
	if !codePattern.MatchString(d.Code) || len(d.Code) > maxCodeLen {
		c.add("code", errs.CodeInvalidValue, "%q is not a code of lower-case letters, digits and single hyphens (at most %d)", d.Code, maxCodeLen)
	}
	switch {
	case d.Version == nil:
		c.add("version", errs.CodeRequired, "missing")
	case *d.Version < 1 || *d.Version > maxVersion:
		c.add("version", errs.CodeInvalidValue, "%d is not a version number from 1 to %d", *d.Version, maxVersion)
	default:
		t.Version = *d.Version
	}
	if len(d.FacilityTypes) == 0 {
		c.add("facility_types", errs.CodeRequired, "at least one facility type")
	}
	for i, f := range d.FacilityTypes {
		ft := FacilityType(f)
		switch {
		case !ft.Valid():
			c.add(fmt.Sprintf("facility_types[%d]", i), errs.CodeInvalidValue, "%q is not one of %v", f, FacilityTypes)
		case slices.Contains(t.FacilityTypes, ft):
			c.add(fmt.Sprintf("facility_types[%d]", i), errs.CodeInvalidValue, "%q is listed twice", f)
		default:
			t.FacilityTypes = append(t.FacilityTypes, ft)
		}
	}
	t.Title = c.text("title", d.Title)
	if d.LegalBasis == nil {
		c.add("legal_basis", errs.CodeRequired, "missing (it may be empty)")
	} else {
		t.LegalBasis = *d.LegalBasis
	}
	if len(d.Sections) == 0 {
		c.add("sections", errs.CodeRequired, "at least one section")
	}
	t.Sections = make([]Section, len(d.Sections))
	for si := range d.Sections {
		c.section(fmt.Sprintf("sections[%d]", si), &d.Sections[si], &t.Sections[si])
		for ii := range t.Sections[si].Items {
			if id := t.Sections[si].Items[ii].ID; id != "" {
				if _, dup := t.index[id]; !dup {
					t.index[id] = itemRef{si, ii}
				}
			}
		}
	}
	return t
}

func (c *checker) section(path string, d *docSection, s *Section) {
	s.ID, s.Notes = d.ID, d.Notes
	switch {
	case !sectionPattern.MatchString(d.ID) || len(d.ID) > maxSectionIDLen:
		c.add(path+".id", errs.CodeInvalidValue, "%q is not a section ID (upper-case letters and digits, at most %d)", d.ID, maxSectionIDLen)
	case c.sections[d.ID] != nil:
		c.add(path+".id", errs.CodeInvalidValue, "section %s appears twice", d.ID)
	default:
		c.sections[d.ID] = s
	}
	s.Title = c.text(path+".title", d.Title)
	if d.RepeatPer != nil {
		if k := RepeatKind(*d.RepeatPer); slices.Contains(repeatKinds, k) {
			s.RepeatPer = k
		} else {
			c.add(path+".repeat_per", errs.CodeInvalidValue, "%q is not one of %v", *d.RepeatPer, repeatKinds)
		}
	}
	if len(d.Items) == 0 {
		c.add(path+".items", errs.CodeRequired, "at least one item")
	}
	s.Items = make([]Item, len(d.Items))
	for i := range d.Items {
		c.item(fmt.Sprintf("%s.items[%d]", path, i), &d.Items[i], s, &s.Items[i])
	}
}

func (c *checker) item(path string, d *docItem, s *Section, it *Item) {
	it.ID, it.Notes, it.PhotosRequired = d.ID, d.Notes, d.PhotosRequired
	switch {
	case !itemPattern.MatchString(d.ID) || len(d.ID) > maxItemIDLen:
		c.add(path+".id", errs.CodeInvalidValue, "%q is not an item ID such as F2.7 (at most %d characters)", d.ID, maxItemIDLen)
	case !strings.HasPrefix(d.ID, s.ID+"."):
		c.add(path+".id", errs.CodeInvalidValue, "item %s does not start with its section's ID %s and a dot", d.ID, s.ID)
	case c.items[d.ID] != nil:
		c.add(path+".id", errs.CodeInvalidValue, "item %s appears twice", d.ID)
	}
	it.Question = c.text(path+".question", d.Question)
	if d.Answer == nil {
		c.add(path+".answer", errs.CodeRequired, "missing")
	} else {
		it.Answer = c.answer(path+".answer", d.Answer)
	}
	if d.Required == nil {
		c.add(path+".required", errs.CodeRequired, "missing: say whether the item must be answered")
	} else {
		it.Required = *d.Required
	}
	if d.PhotosRequired < 0 || d.PhotosRequired > maxPhotos {
		c.add(path+".photos_required", errs.CodeInvalidValue, "%d is not from 0 to %d", d.PhotosRequired, maxPhotos)
	}
	if d.LegalBasis == nil {
		c.add(path+".legal_basis", errs.CodeRequired, "missing (it may be empty)")
	} else {
		it.LegalBasis = *d.LegalBasis
	}
	if d.ViolationCodes == nil {
		c.add(path+".violation_codes", errs.CodeRequired, "missing (it may be empty)")
	}
	for i, code := range d.ViolationCodes {
		switch {
		case !violationPattern.MatchString(code):
			c.add(fmt.Sprintf("%s.violation_codes[%d]", path, i), errs.CodeInvalidValue, "%q is not a catalogue code such as MEAS-119-14-1B", code)
		case slices.Contains(it.ViolationCodes, code):
			c.add(fmt.Sprintf("%s.violation_codes[%d]", path, i), errs.CodeInvalidValue, "%q is listed twice", code)
		default:
			it.ViolationCodes = append(it.ViolationCodes, code)
		}
	}
	if d.Confirmed == nil {
		c.add(path+".confirmed", errs.CodeRequired, "missing: say whether the item was seen in a source")
	} else {
		it.Confirmed = *d.Confirmed
	}
	if d.VisibleWhen != nil {
		it.VisibleWhen = c.condition(path+".visible_when", d.VisibleWhen, s)
	}
	if d.FailWhen != nil && d.Answer != nil {
		it.FailWhen = c.failWhen(path+".fail_when", d.FailWhen, &it.Answer)
	}
	// Registered last, so that visible_when cannot name the item itself.
	if it.ID != "" && c.items[it.ID] == nil {
		c.items[it.ID], c.itemSec[it.ID] = it, s
	}
}

func (c *checker) answer(path string, d *docAnswer) AnswerSpec {
	a := AnswerSpec{Type: AnswerType(d.Type)}
	if !slices.Contains(answerTypes, a.Type) {
		c.add(path+".type", errs.CodeInvalidValue, "%q is not one of %v", d.Type, answerTypes)
		return a
	}
	notFor := func(name string, present bool) {
		if present {
			c.add(path+"."+name, errs.CodeUnknownField, "%s does not apply to a %s answer", name, a.Type)
		}
	}
	notFor("unit", d.Unit != nil && a.Type != AnswerNumber)
	notFor("count", d.Count != nil && a.Type != AnswerNumber)
	notFor("tolerance", d.Tolerance != nil && a.Type != AnswerNumber)
	notFor("options", d.Options != nil && a.Type != AnswerChoice)
	notFor("none_allowed", d.NoneAllowed != nil && a.Type != AnswerDate)
	switch a.Type {
	case AnswerNumber:
		if d.Unit == nil || strings.TrimSpace(*d.Unit) == "" {
			c.add(path+".unit", errs.CodeRequired, "a number needs its unit")
		} else {
			a.Unit = *d.Unit
		}
		a.Count = d.Count != nil && *d.Count
		if d.Tolerance != nil {
			a.Tolerance = c.tolerance(path+".tolerance", d.Tolerance)
		}
	case AnswerChoice:
		if len(d.Options) < 2 {
			c.add(path+".options", errs.CodeRequired, "a choice needs at least two options")
		}
		for i, o := range d.Options {
			p := fmt.Sprintf("%s.options[%d]", path, i)
			switch {
			case !optionPattern.MatchString(o.ID) || len(o.ID) > maxOptionIDLen:
				c.add(p+".id", errs.CodeInvalidValue, "%q is not an option ID (lower-case letters, digits, underscores)", o.ID)
			case slices.ContainsFunc(a.Options, func(x Option) bool { return x.ID == o.ID }):
				c.add(p+".id", errs.CodeInvalidValue, "option %q appears twice", o.ID)
			}
			a.Options = append(a.Options, Option{ID: o.ID, Label: c.text(p+".label", o.Label)})
		}
	case AnswerDate:
		a.NoneAllowed = d.NoneAllowed != nil && *d.NoneAllowed
	}
	return a
}

func (c *checker) tolerance(path string, d *docTolerance) *Tolerance {
	t := &Tolerance{Min: d.Min, Max: d.Max, AbsMax: d.AbsMax}
	if d.Confirmed == nil {
		c.add(path+".confirmed", errs.CodeRequired, "missing: say whether the bounds were seen in a source")
	} else {
		t.Confirmed = *d.Confirmed
	}
	if d.Rule != nil {
		if strings.TrimSpace(*d.Rule) == "" {
			c.add(path+".rule", errs.CodeInvalidValue, "empty")
		}
		t.Rule = *d.Rule
	}
	if d.Rule == nil && !t.HasBounds() {
		c.add(path, errs.CodeRequired, "a tolerance needs a rule, bounds, or both")
	}
	if t.AbsMax != nil && (t.Min != nil || t.Max != nil) {
		c.add(path+".abs_max", errs.CodeInvalidValue, "abs_max excludes min and max")
	}
	if t.AbsMax != nil && *t.AbsMax < 0 {
		c.add(path+".abs_max", errs.CodeInvalidValue, "negative")
	}
	if t.Min != nil && t.Max != nil && *t.Min > *t.Max {
		c.add(path+".min", errs.CodeInvalidValue, "min %v is above max %v", *t.Min, *t.Max)
	}
	for _, b := range []*float64{t.Min, t.Max, t.AbsMax} {
		if b != nil && (math.IsNaN(*b) || math.IsInf(*b, 0)) {
			c.add(path, errs.CodeInvalidValue, "a bound is not a finite number")
		}
	}
	return t
}

func yesNo(path string, c *checker, s *string) *bool {
	switch {
	case s == nil:
		return nil
	case *s == "yes":
		b := true
		return &b
	case *s == "no":
		b := false
		return &b
	}
	c.add(path, errs.CodeInvalidValue, "%q is neither \"yes\" nor \"no\"", *s)
	return nil
}

func (c *checker) condition(path string, d *docCondition, s *Section) *Condition {
	cond := &Condition{Item: d.Item}
	ctrl, ok := c.items[d.Item]
	if !ok {
		c.add(path+".item", errs.CodeInvalidValue, "%q is not an item earlier in the template", d.Item)
		return cond
	}
	if sec := c.itemSec[d.Item]; sec.Repeated() && sec != s {
		c.add(path+".item", errs.CodeInvalidValue, "%s is in the repeated section %s: only items of that section may depend on it", d.Item, sec.ID)
	}
	if (d.Answer == nil) == (d.Choices == nil) {
		c.add(path, errs.CodeInvalidValue, "give either answer (for a yes/no item) or choices (for a choice item)")
		return cond
	}
	switch ctrl.Answer.Type {
	case AnswerYesNo:
		if d.Answer == nil {
			c.add(path+".choices", errs.CodeInvalidValue, "%s is a yes/no item: use answer", d.Item)
		}
		cond.Answer = yesNo(path+".answer", c, d.Answer)
	case AnswerChoice:
		if d.Choices == nil {
			c.add(path+".answer", errs.CodeInvalidValue, "%s is a choice item: use choices", d.Item)
		}
		cond.Choices = c.choices(path+".choices", d.Choices, ctrl.Answer.Options)
	default:
		c.add(path+".item", errs.CodeInvalidValue, "%s is a %s item: only yes/no and choice items control visibility", d.Item, ctrl.Answer.Type)
	}
	return cond
}

func (c *checker) choices(path string, ids []string, options []Option) []string {
	if ids != nil && len(ids) == 0 {
		c.add(path, errs.CodeRequired, "at least one option")
	}
	var out []string
	for i, id := range ids {
		switch {
		case !slices.ContainsFunc(options, func(o Option) bool { return o.ID == id }):
			c.add(fmt.Sprintf("%s[%d]", path, i), errs.CodeInvalidValue, "%q is not an option of the item", id)
		case slices.Contains(out, id):
			c.add(fmt.Sprintf("%s[%d]", path, i), errs.CodeInvalidValue, "%q is listed twice", id)
		default:
			out = append(out, id)
		}
	}
	return out
}

func (c *checker) failWhen(path string, d *docFailWhen, a *AnswerSpec) *FailRule {
	f := &FailRule{}
	allowed := map[AnswerType][]string{
		AnswerYesNo:  {"answer"},
		AnswerChoice: {"choices"},
		AnswerDate:   {"date", "none"},
		AnswerNumber: {"outside_tolerance"},
	}[a.Type]
	present := map[string]bool{"answer": d.Answer != nil, "choices": d.Choices != nil, "date": d.Date != nil,
		"none": d.None != nil, "outside_tolerance": d.OutsideTolerance != nil}
	named := false
	for _, name := range []string{"answer", "choices", "date", "none", "outside_tolerance"} {
		if !present[name] {
			continue
		}
		named = true
		if !slices.Contains(allowed, name) {
			c.add(path+"."+name, errs.CodeUnknownField, "%s does not apply to a %s item", name, a.Type)
		}
	}
	if !named {
		c.add(path, errs.CodeRequired, "fail_when names no failing answer")
		return f
	}
	switch a.Type {
	case AnswerYesNo:
		f.Answer = yesNo(path+".answer", c, d.Answer)
		if d.Answer == nil {
			c.add(path+".answer", errs.CodeRequired, "a yes/no item fails on answer \"yes\" or \"no\"")
		}
	case AnswerChoice:
		f.Choices = c.choices(path+".choices", d.Choices, a.Options)
	case AnswerDate:
		if d.Date != nil {
			if *d.Date != "before_visit_date" {
				c.add(path+".date", errs.CodeInvalidValue, "%q is not \"before_visit_date\"", *d.Date)
			}
			f.DateBeforeVisit = true
		}
		if d.None != nil {
			switch {
			case !*d.None:
				c.add(path+".none", errs.CodeInvalidValue, "none is true or absent")
			case !a.NoneAllowed:
				c.add(path+".none", errs.CodeInvalidValue, "the answer does not allow none (answer.none_allowed)")
			}
			f.None = *d.None
		}
	case AnswerNumber:
		if d.OutsideTolerance != nil {
			switch {
			case !*d.OutsideTolerance:
				c.add(path+".outside_tolerance", errs.CodeInvalidValue, "outside_tolerance is true or absent")
			case !a.Tolerance.HasBounds():
				c.add(path+".outside_tolerance", errs.CodeInvalidValue, "the tolerance has no bounds (min, max or abs_max) to check")
			}
			f.OutsideTolerance = *d.OutsideTolerance
		}
	}
	return f
}
