package checklist

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Answer is a visit's answer to one item (for one instance, in a repeated section). Answers are keyed
// by item ID ("F1.2") or, in a repeated section, by item ID and instance ID ("F2.7@<dispenser ID>").
type Answer struct {
	// Value is the answer, of the Go type the item's answer type takes (see AnswerType): what
	// encoding/json decodes from the phone's JSON (bool, float64 or json.Number, string, a
	// map[string]any for GPS) is accepted as it is. Nil means not answered. Photo and signature items
	// take no value.
	Value any
	// None is the answer "none": there is no such document (no certificate at all). Only date items
	// that allow it take it, and then without a Value.
	None bool
	// Evidence holds the IDs of the photos (or, for a signature item, the signature image) attached
	// to the answer. The same ID twice counts once.
	Evidence []string
}

// GPS is a position answer.
type GPS struct {
	Lat       float64
	Lon       float64
	AccuracyM float64 // 0 when unknown
}

// FailReason says why an answer is a finding.
type FailReason string

// The reasons.
const (
	FailAnswer           FailReason = "answer"            // a yes/no or choice answer that fail_when names
	FailBeforeVisitDate  FailReason = "before_visit_date" // a date (an expiry) earlier than the visit's date
	FailNone             FailReason = "none"              // the answer "none": no such document
	FailOutsideTolerance FailReason = "outside_tolerance" // a measurement outside the tolerance's bounds
)

// Finding is an answer that the template marks as failing: not an input error but what the
// inspection found. It suggests catalogue violations; the inspector decides whether to record one.
type Finding struct {
	Item     string // the item ID
	Instance string // the instance ID in a repeated section, else empty
	// Value is the failing answer, normalised: bool, float64, or string (a date "YYYY-MM-DD" or an
	// option ID); nil for None.
	Value          any
	Reason         FailReason
	ViolationCodes []string // the item's suggested codes (may be empty: non-compliance with no catalogued fine)
	// Confirmed is the item's confirmed flag: false means the check itself was not seen in a source
	// and the finding must be shown as unverified.
	Confirmed bool
	// BoundsUnconfirmed is true for a measurement found outside bounds that were not seen in a
	// source (tolerance.confirmed false): the finding rests on an unverified limit.
	BoundsUnconfirmed bool
}

// Key returns the answer key of the finding: "F2.7" or "F2.7@<instance>".
func (f Finding) Key() string { return answerKey(f.Item, f.Instance) }

func answerKey(item, instance string) string {
	if instance == "" {
		return item
	}
	return item + "@" + instance
}

// instancePattern is what an instance ID may be: the ID of an instrument or device of the site's
// registry, or a UUID the phone made for one it found on site.
var instancePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`)

// maxTextRunes bounds a text answer.
const maxTextRunes = 4000

// Validate checks a visit's answers against the template version the visit used, and returns the
// findings in template order (instances in ID order).
//
// Input errors are refused together as errs.Invalid with code validation_failed and one field error
// per problem, the field being the answer key: unknown_item (no such item), instance_required and
// instance_not_allowed (the key's @instance does not fit the section), invalid_value (a malformed
// instance ID, date, count, position or evidence ID, or None where the item does not allow it),
// answer_wrong_type (a number where yes/no was expected …), answer_required (a required item that
// is shown has no answer), not_an_option, too_long (a text over 4000 characters), photos_missing.
//
// Repeated sections: the instances of a section are the instance IDs its answers name; every
// required item is required for each of them. Whether every dispenser of the site was inspected is
// the visit's question, not the template's.
//
// Hidden items (visible_when not met, or met by an answer that is itself hidden or invalid): their
// answers are ignored, neither checked nor turned into findings, and a required hidden item needs
// no answer. An answer to a hidden item is not an error because phones work offline and sync
// answers one by one (D5): an inspector who changes the controlling answer may leave, or later
// receive, an answer to an item that is now hidden, and that must not block the visit; the answer
// counts again if the controlling answer changes back.
//
// visitDate's calendar date, in its own location (pass it in Asia/Ho_Chi_Minh), is the date that
// expiry dates are compared with: a certificate that expires on the visit's date is still valid.
func Validate(tpl *Template, answers map[string]Answer, visitDate time.Time) ([]Finding, error) {
	return validate(tpl, answers, visitDate, false)
}

// ValidatePartial is Validate for a visit still in progress: answers are recorded one by one, so a
// required item without an answer, or an answer whose photos are not attached yet, is not an error.
// Everything else is checked as Validate does; a visit is completed only when Validate passes.
func ValidatePartial(tpl *Template, answers map[string]Answer, visitDate time.Time) ([]Finding, error) {
	return validate(tpl, answers, visitDate, true)
}

func validate(tpl *Template, answers map[string]Answer, visitDate time.Time, partial bool) ([]Finding, error) {
	const op = errs.Op("checklist.Validate")
	if tpl == nil || visitDate.IsZero() {
		return nil, errs.E(op, "no template or no visit date")
	}
	v := validation{tpl: tpl, answers: map[string]Answer{}, instances: map[*Section][]string{}, values: map[string]any{}, partial: partial}
	y, m, d := visitDate.Date()
	v.visitDay = civilDay(y, int(m), d)

	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v.admit(k, answers[k])
	}
	for si := range tpl.Sections {
		s := &tpl.Sections[si]
		instances := []string{""}
		if s.Repeated() {
			instances = v.instances[s]
			slices.Sort(instances)
		}
		for ii := range s.Items {
			for _, inst := range instances {
				v.check(s, &s.Items[ii], inst)
			}
		}
	}
	if len(v.fields) > 0 {
		return nil, errs.E(op, errs.Invalid, errs.CodeValidation, v.fields)
	}
	return v.findings, nil
}

type validation struct {
	partial   bool // a visit in progress: missing answers and photos are not errors yet
	tpl       *Template
	visitDay  int
	answers   map[string]Answer     // admitted answers by key
	instances map[*Section][]string // instance IDs named by the answers of each repeated section
	values    map[string]any        // the valid answers of shown items so far, normalised, for visible_when
	fields    []errs.FieldError
	findings  []Finding
}

func (v *validation) fail(key string, code errs.Code) {
	v.fields = append(v.fields, errs.FieldError{Field: key, Code: code})
}

// admit checks an answer's key and keeps the answer under it.
func (v *validation) admit(key string, a Answer) {
	id, inst, hasInst := strings.Cut(key, "@")
	_, s, ok := v.tpl.Item(id)
	switch {
	case !ok:
		v.fail(key, errs.CodeUnknownItem)
		return
	case s.Repeated() && !hasInst:
		v.fail(key, errs.CodeInstanceRequired)
		return
	case !s.Repeated() && hasInst:
		v.fail(key, errs.CodeInstanceNotAllowed)
		return
	case hasInst && !instancePattern.MatchString(inst):
		v.fail(key, errs.CodeInvalidValue)
		return
	}
	v.answers[key] = a
	if hasInst && !slices.Contains(v.instances[s], inst) {
		v.instances[s] = append(v.instances[s], inst)
	}
}

// visible reports whether the item is shown for the instance.
func (v *validation) visible(s *Section, it *Item, inst string) bool {
	c := it.VisibleWhen
	if c == nil {
		return true
	}
	_, cs, _ := v.tpl.Item(c.Item)
	key := c.Item
	if cs == s && s.Repeated() {
		key = answerKey(c.Item, inst)
	}
	val, ok := v.values[key]
	if !ok { // not answered, hidden or invalid
		return false
	}
	switch {
	case c.Answer != nil:
		b, _ := val.(bool)
		return b == *c.Answer
	default:
		o, _ := val.(string)
		return slices.Contains(c.Choices, o)
	}
}

func (v *validation) check(s *Section, it *Item, inst string) {
	key := answerKey(it.ID, inst)
	if !v.visible(s, it, inst) {
		return
	}
	a, given := v.answers[key]
	evidenceOnly := it.Answer.Type == AnswerPhoto || it.Answer.Type == AnswerSignature
	answered := given && (a.Value != nil || a.None || (evidenceOnly && len(a.Evidence) > 0))
	if text, ok := a.Value.(string); ok && it.Answer.Type == AnswerText && strings.TrimSpace(text) == "" {
		answered = false
	}
	if !answered {
		if it.Required && !v.partial {
			v.fail(key, errs.CodeAnswerRequired)
		}
		return
	}
	value, code := normalise(it, a)
	if code != "" {
		v.fail(key, code)
		return
	}
	if code := checkEvidence(it, a.Evidence); code != "" && !(v.partial && code == errs.CodePhotosMissing) {
		v.fail(key, code)
		return
	}
	v.values[key] = value
	if reason, ok := v.failing(it, a, value); ok {
		f := Finding{Item: it.ID, Instance: inst, Value: value, Reason: reason,
			ViolationCodes: slices.Clone(it.ViolationCodes), Confirmed: it.Confirmed}
		if reason == FailOutsideTolerance {
			f.BoundsUnconfirmed = !it.Answer.Tolerance.Confirmed
		}
		v.findings = append(v.findings, f)
	}
}

// normalise checks an answered item's value against its answer type and returns it normalised (see
// Finding.Value), or the code of what is wrong.
func normalise(it *Item, a Answer) (any, errs.Code) {
	spec := it.Answer
	if a.None {
		if spec.Type != AnswerDate || !spec.NoneAllowed || a.Value != nil {
			return nil, errs.CodeInvalidValue
		}
		return nil, ""
	}
	switch spec.Type {
	case AnswerYesNo:
		b, ok := a.Value.(bool)
		if !ok {
			return nil, errs.CodeAnswerWrongType
		}
		return b, ""
	case AnswerNumber:
		f, ok := number(a.Value)
		switch {
		case !ok:
			return nil, errs.CodeAnswerWrongType
		case math.IsNaN(f) || math.IsInf(f, 0):
			return nil, errs.CodeInvalidValue
		case spec.Count && (f < 0 || f != math.Trunc(f)):
			return nil, errs.CodeInvalidValue
		}
		return f, ""
	case AnswerChoice:
		s, ok := a.Value.(string)
		if !ok {
			return nil, errs.CodeAnswerWrongType
		}
		if !slices.ContainsFunc(spec.Options, func(o Option) bool { return o.ID == s }) {
			return nil, errs.CodeNotAnOption
		}
		return s, ""
	case AnswerText:
		s, ok := a.Value.(string)
		if !ok {
			return nil, errs.CodeAnswerWrongType
		}
		if utf8.RuneCountInString(s) > maxTextRunes {
			return nil, errs.CodeTooLong
		}
		return s, ""
	case AnswerDate:
		s, ok := a.Value.(string)
		if !ok {
			return nil, errs.CodeAnswerWrongType
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return nil, errs.CodeInvalidValue
		}
		return s, ""
	case AnswerGPS:
		g, code := position(a.Value)
		if code != "" {
			return nil, code
		}
		return g, ""
	case AnswerPhoto, AnswerSignature:
		if a.Value != nil {
			return nil, errs.CodeAnswerWrongType
		}
		return nil, ""
	}
	return nil, errs.CodeAnswerWrongType
}

// number accepts what encoding/json decodes a number to, and Go's numeric types.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case int32:
		return float64(n), true
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	}
	return 0, false
}

func position(v any) (GPS, errs.Code) {
	var g GPS
	switch p := v.(type) {
	case GPS:
		g = p
	case *GPS:
		if p == nil {
			return g, errs.CodeAnswerWrongType
		}
		g = *p
	case map[string]any:
		var okLat, okLon bool
		for k, x := range p {
			f, ok := number(x)
			if !ok {
				return g, errs.CodeInvalidValue
			}
			switch k {
			case "lat":
				g.Lat, okLat = f, true
			case "lon":
				g.Lon, okLon = f, true
			case "accuracy_m":
				g.AccuracyM = f
			default:
				return g, errs.CodeInvalidValue
			}
		}
		if !okLat || !okLon {
			return g, errs.CodeInvalidValue
		}
	default:
		return g, errs.CodeAnswerWrongType
	}
	if !(g.Lat >= -90 && g.Lat <= 90 && g.Lon >= -180 && g.Lon <= 180 && g.AccuracyM >= 0) {
		return g, errs.CodeInvalidValue
	}
	return g, ""
}

// checkEvidence checks the photos an answer carries against what the item requires.
func checkEvidence(it *Item, evidence []string) errs.Code {
	var distinct []string
	for _, id := range evidence {
		if strings.TrimSpace(id) == "" || len(id) > 128 {
			return errs.CodeInvalidValue
		}
		if !slices.Contains(distinct, id) {
			distinct = append(distinct, id)
		}
	}
	need := it.PhotosRequired
	if (it.Answer.Type == AnswerPhoto || it.Answer.Type == AnswerSignature) && need < 1 {
		need = 1
	}
	if len(distinct) < need {
		return errs.CodePhotosMissing
	}
	return ""
}

// failing reports whether a valid answer is a finding, and why.
func (v *validation) failing(it *Item, a Answer, value any) (FailReason, bool) {
	f := it.FailWhen
	if f == nil {
		return "", false
	}
	switch it.Answer.Type {
	case AnswerYesNo:
		if f.Answer != nil && value.(bool) == *f.Answer {
			return FailAnswer, true
		}
	case AnswerChoice:
		if slices.Contains(f.Choices, value.(string)) {
			return FailAnswer, true
		}
	case AnswerDate:
		if a.None {
			return FailNone, f.None
		}
		d, _ := time.Parse(time.DateOnly, value.(string))
		if f.DateBeforeVisit && civilDay(d.Year(), int(d.Month()), d.Day()) < v.visitDay {
			return FailBeforeVisitDate, true
		}
	case AnswerNumber:
		if f.OutsideTolerance && !it.Answer.Tolerance.Within(value.(float64)) {
			return FailOutsideTolerance, true
		}
	}
	return "", false
}

// civilDay orders calendar dates.
func civilDay(y, m, d int) int { return y*10000 + m*100 + d }

// String renders a finding for logs and test failures.
func (f Finding) String() string {
	return fmt.Sprintf("%s %s=%v %v confirmed=%t", f.Key(), f.Reason, f.Value, f.ViolationCodes, f.Confirmed)
}
