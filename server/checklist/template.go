// Package checklist holds checklist templates (phiếu kiểm tra) as versioned data, and checks the
// answers of a visit against the template version the visit used.
//
// A template is a JSON document in the format of schemas/checklist-template.schema.json. Parse reads
// one strictly and checks the rules a JSON Schema cannot express; its canonical form and SHA-256 are
// the identity of its content, so that a published version can be shown never to have changed.
// Templates are national reference data (DECISIONS D24): published once by a system administrator or
// seeded from the files the binary embeds, never edited; a change is a new version, and visits made
// with an older version stay valid against that version.
//
// Validate tells input errors (an unknown item, an answer of the wrong type, a missing required
// answer, too few photos …), which are refused with field-level errors, from findings (a measurement
// outside its tolerance, an expired certificate, a failing yes/no), which are what an inspection is
// for and become suggestions of catalogue violations.
package checklist

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
)

// FacilityType is the kind of site a checklist is for.
type FacilityType string

// The facility types.
const (
	FuelStation   FacilityType = "fuel_station"  // cửa hàng bán lẻ xăng dầu
	Market        FacilityType = "market"        // chợ
	Shop          FacilityType = "shop"          // cửa hàng, siêu thị
	XRayFacility  FacilityType = "xray_facility" // cơ sở X-quang chẩn đoán y tế
	OtherFacility FacilityType = "other"
)

// FacilityTypes lists every facility type, in a stable order.
var FacilityTypes = []FacilityType{FuelStation, Market, Shop, XRayFacility, OtherFacility}

// Valid reports whether f is one of FacilityTypes.
func (f FacilityType) Valid() bool { return slices.Contains(FacilityTypes, f) }

// RepeatKind names what a repeated section is answered once for.
type RepeatKind string

// The kinds of repetition.
const (
	PerDispenser       RepeatKind = "dispenser"        // each fuel dispenser (cột đo xăng dầu) or nozzle
	PerScale           RepeatKind = "scale"            // each scale or other Group-2 instrument used in trade (cân)
	PerXRayDevice      RepeatKind = "xray_device"      // each X-ray device
	PerRadiationWorker RepeatKind = "radiation_worker" // each radiation worker (nhân viên bức xạ)
)

var repeatKinds = []RepeatKind{PerDispenser, PerScale, PerXRayDevice, PerRadiationWorker}

// AnswerType is the kind of answer an item takes.
type AnswerType string

// The answer types, with the Go type of Answer.Value each takes.
const (
	AnswerYesNo     AnswerType = "yes_no"    // bool
	AnswerNumber    AnswerType = "number"    // a number (float64, an integer type or json.Number)
	AnswerChoice    AnswerType = "choice"    // string: an option's ID
	AnswerText      AnswerType = "text"      // string
	AnswerDate      AnswerType = "date"      // string "YYYY-MM-DD", or Answer.None where the item allows it
	AnswerPhoto     AnswerType = "photo"     // no value: Answer.Evidence only
	AnswerSignature AnswerType = "signature" // no value: Answer.Evidence holds the signature image
	AnswerGPS       AnswerType = "gps"       // GPS, or a JSON object {"lat": …, "lon": …, "accuracy_m": …}
)

var answerTypes = []AnswerType{AnswerYesNo, AnswerNumber, AnswerChoice, AnswerText, AnswerDate, AnswerPhoto,
	AnswerSignature, AnswerGPS}

// Text is a text for people in Vietnamese (shown first, D20) and English.
type Text struct {
	VI string
	EN string
}

// Template is one parsed version of a checklist. It is immutable once parsed: treat every field as
// read-only.
type Template struct {
	Code          string // stable across versions, e.g. "fuel-station"
	Version       int    // 1, 2, 3 … within the code
	FacilityTypes []FacilityType
	Title         Text
	LegalBasis    string
	Notes         string
	Sections      []Section

	canonical []byte
	hash      string
	index     map[string]itemRef
}

type itemRef struct{ section, item int }

// Section is a group of items. A section with RepeatPer set is answered once per instance (each
// dispenser, scale, device or worker), and its answers are keyed "<item ID>@<instance ID>".
type Section struct {
	ID        string
	Title     Text
	RepeatPer RepeatKind // empty when the section is answered once
	Notes     string
	Items     []Item
}

// Repeated reports whether the section is answered once per instance.
func (s *Section) Repeated() bool { return s.RepeatPer != "" }

// Item is one question of a checklist.
type Item struct {
	ID             string // unique in the template, starting with the section's ID and a dot: "F2.7"
	Question       Text
	Answer         AnswerSpec
	Required       bool       // must be answered whenever it is shown (per instance in a repeated section)
	PhotosRequired int        // the fewest photos an answer must carry
	VisibleWhen    *Condition // nil: always shown
	LegalBasis     string
	ViolationCodes []string  // catalogue codes a failing answer suggests
	FailWhen       *FailRule // nil: no answer of this item is a finding
	Confirmed      bool      // the item was seen in a named source; false ones are shown as unverified
	Notes          string
}

// AnswerSpec says what an answer must be.
type AnswerSpec struct {
	Type        AnswerType
	Unit        string     // number: the unit, e.g. "%", "g", "mSv"
	Count       bool       // number: a whole number, zero or more
	Tolerance   *Tolerance // number: what the measurement may be
	Options     []Option   // choice
	NoneAllowed bool       // date: the inspector may answer None (no such document) instead of a date
}

// Option is one option of a choice item.
type Option struct {
	ID    string
	Label Text
}

// Tolerance is what a measurement may be. Rule is the rule as the source states it, for people; Min
// and Max (a range) or AbsMax (|value| ≤ AbsMax) are the bounds the server checks, inclusive. A
// tolerance without bounds is shown to the inspector but produces no finding.
type Tolerance struct {
	Rule      string
	Min       *float64
	Max       *float64
	AbsMax    *float64
	Confirmed bool // the bounds were seen in a source
}

// HasBounds reports whether the tolerance has bounds the server can check.
func (t *Tolerance) HasBounds() bool {
	return t != nil && (t.Min != nil || t.Max != nil || t.AbsMax != nil)
}

// Within reports whether v is within the bounds (inclusive). Without bounds everything is within.
func (t *Tolerance) Within(v float64) bool {
	switch {
	case t == nil:
		return true
	case t.AbsMax != nil && (v > *t.AbsMax || v < -*t.AbsMax):
		return false
	case t.Min != nil && v < *t.Min:
		return false
	case t.Max != nil && v > *t.Max:
		return false
	}
	return true
}

// Condition shows an item only when an earlier yes/no item has the answer Answer, or an earlier
// choice item one of Choices. When the condition's item is in the same repeated section as the item
// it controls, it is read for the same instance.
type Condition struct {
	Item    string
	Answer  *bool    // for a yes/no item
	Choices []string // for a choice item
}

// FailRule says which answers of an item are findings.
type FailRule struct {
	Answer           *bool    // yes/no: this answer fails
	Choices          []string // choice: these options fail
	DateBeforeVisit  bool     // date: a date earlier than the visit's date fails (an expired certificate)
	None             bool     // date: the answer None fails (no such document at all)
	OutsideTolerance bool     // number: a value outside the tolerance's bounds fails
}

// Item returns the item with the given ID and its section.
func (t *Template) Item(id string) (*Item, *Section, bool) {
	ref, ok := t.index[id]
	if !ok {
		return nil, nil, false
	}
	s := &t.Sections[ref.section]
	return &s.Items[ref.item], s, true
}

// Canonical returns the template's canonical JSON (see Parse): what is stored and hashed.
func (t *Template) Canonical() []byte { return slices.Clone(t.canonical) }

// Hash returns the SHA-256 of the canonical JSON, in hex: the identity of the template's content.
func (t *Template) Hash() string { return t.hash }

func hashOf(canonical []byte) string {
	sum := sha256.Sum256(canonical)
	return hex.EncodeToString(sum[:])
}

var (
	codePattern      = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	sectionPattern   = regexp.MustCompile(`^[A-Z][A-Z0-9]*$`)
	itemPattern      = regexp.MustCompile(`^[A-Z][A-Z0-9]*(\.[A-Za-z0-9]+)+$`)
	optionPattern    = regexp.MustCompile(`^[a-z0-9][a-z0-9_]*$`)
	violationPattern = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$`)
)

// The limits of the template format, as in the schema.
const (
	maxCodeLen      = 40
	maxVersion      = 1000000
	maxSectionIDLen = 16
	maxItemIDLen    = 32
	maxOptionIDLen  = 40
	maxPhotos       = 20
)
