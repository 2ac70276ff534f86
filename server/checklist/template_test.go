package checklist_test

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

func embedded(t testing.TB, code string) *checklist.Template {
	t.Helper()
	tpls, err := checklist.Embedded()
	if err != nil {
		t.Fatalf("Embedded: %v", err)
	}
	for _, tpl := range tpls {
		if tpl.Code == code {
			return tpl
		}
	}
	t.Fatalf("no embedded checklist %s", code)
	return nil
}

// TestEmbeddedChecklists checks the three checklists against what domain/findings.md counts for the
// YAML they were written from (fuel 24 items of which 18 confirmed, market 16/6, X-ray 22/6), and
// against the choices this package documents.
func TestEmbeddedChecklists(t *testing.T) {
	tests := []struct {
		code        string
		types       []checklist.FacilityType
		items       int
		confirmed   int
		repeated    map[string]checklist.RepeatKind
		optional    []string
		withBounds  []string
		vietnamese  string // a question as the YAML spells it
		questionOf  string
		codesOfItem map[string][]string
	}{
		{
			code: "fuel-station", types: []checklist.FacilityType{checklist.FuelStation}, items: 24, confirmed: 18,
			repeated:   map[string]checklist.RepeatKind{"F2": checklist.PerDispenser},
			optional:   []string{"F1.5", "F2.8", "F3.2", "F4.2", "F4.3", "F6.2"},
			withBounds: []string{"F2.7"},
			questionOf: "F2.3", vietnamese: "Tem kiểm định, niêm phong, kẹp chì còn nguyên vẹn, đúng vị trí?",
			codesOfItem: map[string][]string{"F2.7": {"MEAS-119-14-1B", "MEAS-119-14-2A", "MEAS-119-14-2B", "MEAS-119-14-2C"}, "F1.1": {}},
		},
		{
			code: "market", types: []checklist.FacilityType{checklist.Market, checklist.Shop}, items: 16, confirmed: 6,
			repeated:   map[string]checklist.RepeatKind{"M1": checklist.PerScale},
			optional:   []string{"M1.2", "M1.6", "M2.2", "M2.3", "M3.1", "M3.2", "M3.3", "M3.4", "M4.2", "M4.3"},
			questionOf: "M2.1", vietnamese: "Người bán có để người mua quan sát số chỉ của cân / không che khuất?",
			codesOfItem: map[string][]string{"M1.4": {"MEAS-119-10-T1", "MEAS-119-09-2B"}},
		},
		{
			code: "xray-facility", types: []checklist.FacilityType{checklist.XRayFacility}, items: 22, confirmed: 6,
			repeated:   map[string]checklist.RepeatKind{"X5": checklist.PerXRayDevice},
			optional:   []string{"X3.3", "X4.3", "X4.4"},
			withBounds: []string{"X3.3"},
			questionOf: "X3.1", vietnamese: "Tất cả nhân viên làm việc trong khu vực kiểm soát/giám sát được trang bị liều kế cá nhân?",
			codesOfItem: map[string][]string{"X1.1": {"RAD-107-06-XRAY", "RAD-107-06-EXPIRED"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			tpl := embedded(t, tt.code)
			if tpl.Version != 1 || !slices.Equal(tpl.FacilityTypes, tt.types) {
				t.Errorf("version %d, facility types %v; want 1, %v", tpl.Version, tpl.FacilityTypes, tt.types)
			}
			if len(tpl.Hash()) != 64 {
				t.Errorf("hash %q", tpl.Hash())
			}
			items, confirmed := 0, 0
			var optional, withBounds []string
			for _, s := range tpl.Sections {
				if s.RepeatPer != tt.repeated[s.ID] {
					t.Errorf("section %s repeats per %q, want %q", s.ID, s.RepeatPer, tt.repeated[s.ID])
				}
				for _, it := range s.Items {
					items++
					if it.Confirmed {
						confirmed++
					}
					if !it.Required {
						optional = append(optional, it.ID)
					}
					if it.Answer.Tolerance.HasBounds() {
						withBounds = append(withBounds, it.ID)
						if it.Answer.Tolerance.Confirmed {
							t.Errorf("%s: bounds marked confirmed, but every tolerance in the YAML is UNCONFIRMED", it.ID)
						}
					}
					if it.FailWhen == nil && len(it.ViolationCodes) > 0 && it.Answer.Type == checklist.AnswerYesNo {
						t.Logf("%s: yes/no item with violation codes %v but no failing answer", it.ID, it.ViolationCodes)
					}
				}
			}
			if items != tt.items || confirmed != tt.confirmed {
				t.Errorf("%d items of which %d confirmed, want %d and %d", items, confirmed, tt.items, tt.confirmed)
			}
			if !slices.Equal(optional, tt.optional) {
				t.Errorf("optional items %v, want %v", optional, tt.optional)
			}
			if !slices.Equal(withBounds, tt.withBounds) {
				t.Errorf("items with machine bounds %v, want %v", withBounds, tt.withBounds)
			}
			if it, _, ok := tpl.Item(tt.questionOf); !ok || it.Question.VI != tt.vietnamese {
				t.Errorf("%s asks %q, want %q", tt.questionOf, it.Question.VI, tt.vietnamese)
			}
			for id, want := range tt.codesOfItem {
				if it, _, ok := tpl.Item(id); !ok || !slices.Equal(it.ViolationCodes, want) {
					t.Errorf("%s suggests %v, want %v", id, it.ViolationCodes, want)
				}
			}
		})
	}
}

// mutate applies change to a copy of the test template's generic JSON and returns the document.
func mutate(t testing.TB, change func(doc map[string]any)) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/visit-template.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	change(doc)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// item returns item i of section s of a generic template document.
func item(doc map[string]any, s, i int) map[string]any {
	return section(doc, s)["items"].([]any)[i].(map[string]any)
}

func section(doc map[string]any, s int) map[string]any {
	return doc["sections"].([]any)[s].(map[string]any)
}

// badTemplates are documents Parse must refuse, each with the field error it must report. schema
// tells whether the JSON Schema refuses it too (TestSchemaAgreesWithParse); the others break rules
// only the server checks.
var badTemplates = []struct {
	name   string
	doc    func(t testing.TB) []byte
	field  string
	code   errs.Code
	schema bool
}{
	{"not JSON", raw(`{"code": "x",`), "", "", true},
	{"trailing data", edit(func(f string) string { return f + "{}" }), "", "", true},
	{"invalid UTF-8", edit(func(f string) string { return strings.Replace(f, "Phiếu thử nghiệm", "Phi\xff", 1) }), "", "", false},
	{"duplicate member", edit(func(f string) string { return strings.Replace(f, "{", `{"code": "other-code", `, 1) }), "", "", false},
	{"unknown member", set(func(d map[string]any) { d["colour"] = "red" }), "colour", errs.CodeUnknownField, true},
	{"unknown member of an item", set(func(d map[string]any) { item(d, 0, 0)["hint"] = "x" }), "hint", errs.CodeUnknownField, true},
	{"version as text", set(func(d map[string]any) { d["version"] = "1" }), "version", errs.CodeWrongType, true},
	{"missing version", set(func(d map[string]any) { delete(d, "version") }), "version", errs.CodeRequired, true},
	{"version zero", set(func(d map[string]any) { d["version"] = 0 }), "version", errs.CodeInvalidValue, true},
	{"code with capitals", set(func(d map[string]any) { d["code"] = "Fuel-Station" }), "code", errs.CodeInvalidValue, true},
	{"no facility type", set(func(d map[string]any) { d["facility_types"] = []any{} }), "facility_types", errs.CodeRequired, true},
	{"unknown facility type", set(func(d map[string]any) { d["facility_types"] = []any{"garage"} }), "facility_types[0]", errs.CodeInvalidValue, true},
	{"facility type twice", set(func(d map[string]any) { d["facility_types"] = []any{"other", "other"} }), "facility_types[1]", errs.CodeInvalidValue, true},
	{"blank Vietnamese title", set(func(d map[string]any) { d["title"] = map[string]any{"vi": " ", "en": "T"} }), "title.vi", errs.CodeRequired, true},
	{"missing legal basis", set(func(d map[string]any) { delete(d, "legal_basis") }), "legal_basis", errs.CodeRequired, true},
	{"no sections", set(func(d map[string]any) { d["sections"] = []any{} }), "sections", errs.CodeRequired, true},
	{"section twice", set(func(d map[string]any) { section(d, 1)["id"] = "G" }), "sections[1].id", errs.CodeInvalidValue, false},
	{"unknown repetition", set(func(d map[string]any) { section(d, 1)["repeat_per"] = "nozzle" }), "sections[1].repeat_per", errs.CodeInvalidValue, true},
	{"item outside its section's prefix", set(func(d map[string]any) { item(d, 0, 3)["id"] = "D.9" }), "sections[0].items[3].id", errs.CodeInvalidValue, false},
	{"item twice", set(func(d map[string]any) { item(d, 0, 3)["id"] = "G.1" }), "sections[0].items[3].id", errs.CodeInvalidValue, false},
	{"item ID with @", set(func(d map[string]any) { item(d, 0, 3)["id"] = "G.4@x" }), "sections[0].items[3].id", errs.CodeInvalidValue, true},
	{"missing required flag", set(func(d map[string]any) { delete(item(d, 0, 0), "required") }), "sections[0].items[0].required", errs.CodeRequired, true},
	{"missing confirmed flag", set(func(d map[string]any) { delete(item(d, 0, 0), "confirmed") }), "sections[0].items[0].confirmed", errs.CodeRequired, true},
	{"missing violation codes", set(func(d map[string]any) { delete(item(d, 0, 0), "violation_codes") }), "sections[0].items[0].violation_codes", errs.CodeRequired, true},
	{"malformed violation code", set(func(d map[string]any) { item(d, 0, 0)["violation_codes"] = []any{"meas-119"} }), "sections[0].items[0].violation_codes[0]", errs.CodeInvalidValue, true},
	{"negative photo count", set(func(d map[string]any) { item(d, 0, 0)["photos_required"] = -1 }), "sections[0].items[0].photos_required", errs.CodeInvalidValue, true},
	{"unknown answer type", set(func(d map[string]any) { item(d, 0, 0)["answer"] = map[string]any{"type": "slider"} }), "sections[0].items[0].answer.type", errs.CodeInvalidValue, true},
	{"number without unit", set(func(d map[string]any) { delete(item(d, 0, 4)["answer"].(map[string]any), "unit") }), "sections[0].items[4].answer.unit", errs.CodeRequired, true},
	{"unit on a yes/no item", set(func(d map[string]any) { item(d, 0, 0)["answer"].(map[string]any)["unit"] = "g" }), "sections[0].items[0].answer.unit", errs.CodeUnknownField, true},
	{"choice with one option", set(func(d map[string]any) {
		a := item(d, 0, 2)["answer"].(map[string]any)
		a["options"] = a["options"].([]any)[:1]
		item(d, 0, 2)["fail_when"] = map[string]any{"choices": []any{"ok"}}
		delete(item(d, 0, 11), "visible_when")
	}), "sections[0].items[2].answer.options", errs.CodeRequired, true},
	{"tolerance with abs_max and min", set(func(d map[string]any) {
		item(d, 0, 4)["answer"].(map[string]any)["tolerance"].(map[string]any)["abs_max"] = 3
	}), "sections[0].items[4].answer.tolerance.abs_max", errs.CodeInvalidValue, true},
	{"tolerance min above max", set(func(d map[string]any) {
		item(d, 0, 4)["answer"].(map[string]any)["tolerance"].(map[string]any)["min"] = 6
	}), "sections[0].items[4].answer.tolerance.min", errs.CodeInvalidValue, false},
	{"tolerance without confirmed", set(func(d map[string]any) {
		delete(item(d, 0, 4)["answer"].(map[string]any)["tolerance"].(map[string]any), "confirmed")
	}), "sections[0].items[4].answer.tolerance.confirmed", errs.CodeRequired, true},
	{"outside_tolerance without bounds", set(func(d map[string]any) {
		item(d, 0, 4)["answer"].(map[string]any)["tolerance"] = map[string]any{"rule": "theo ĐLVN", "confirmed": false}
	}), "sections[0].items[4].fail_when.outside_tolerance", errs.CodeInvalidValue, true},
	{"none failing where none is not allowed", set(func(d map[string]any) {
		delete(item(d, 0, 1)["answer"].(map[string]any), "none_allowed")
	}), "sections[0].items[1].fail_when.none", errs.CodeInvalidValue, true},
	{"yes/no fail rule on a date item", set(func(d map[string]any) { item(d, 0, 1)["fail_when"] = map[string]any{"answer": "no"} }), "sections[0].items[1].fail_when.answer", errs.CodeUnknownField, true},
	{"fail rule on a text item", set(func(d map[string]any) { item(d, 0, 3)["fail_when"] = map[string]any{"answer": "no"} }), "sections[0].items[3].fail_when.answer", errs.CodeUnknownField, true},
	{"yes/no fail answer neither yes nor no", set(func(d map[string]any) { item(d, 0, 0)["fail_when"] = map[string]any{"answer": "maybe"} }), "sections[0].items[0].fail_when.answer", errs.CodeInvalidValue, true},
	{"empty fail rule", set(func(d map[string]any) { item(d, 0, 0)["fail_when"] = map[string]any{} }), "sections[0].items[0].fail_when", errs.CodeRequired, true},
	{"failing choice that is no option", set(func(d map[string]any) { item(d, 0, 2)["fail_when"] = map[string]any{"choices": []any{"awful"}} }), "sections[0].items[2].fail_when.choices[0]", errs.CodeInvalidValue, false},
	{"visible_when names a later item", set(func(d map[string]any) {
		item(d, 0, 10)["visible_when"] = map[string]any{"item": "G.12", "answer": "yes"}
	}), "sections[0].items[10].visible_when.item", errs.CodeInvalidValue, false},
	{"visible_when names the item itself", set(func(d map[string]any) {
		item(d, 0, 10)["visible_when"] = map[string]any{"item": "G.11", "answer": "yes"}
	}), "sections[0].items[10].visible_when.item", errs.CodeInvalidValue, false},
	{"visible_when names a number item", set(func(d map[string]any) {
		item(d, 0, 10)["visible_when"] = map[string]any{"item": "G.5", "answer": "yes"}
	}), "sections[0].items[10].visible_when.item", errs.CodeInvalidValue, false},
	{"visible_when answers a choice item", set(func(d map[string]any) {
		item(d, 0, 11)["visible_when"] = map[string]any{"item": "G.3", "answer": "yes"}
	}), "sections[0].items[11].visible_when.answer", errs.CodeInvalidValue, false},
	{"visible_when with an unknown option", set(func(d map[string]any) {
		item(d, 0, 11)["visible_when"] = map[string]any{"item": "G.3", "choices": []any{"bad"}}
	}), "sections[0].items[11].visible_when.choices[0]", errs.CodeInvalidValue, false},
	{"visible_when with both answer and choices", set(func(d map[string]any) {
		item(d, 0, 11)["visible_when"] = map[string]any{"item": "G.3", "choices": []any{"minor"}, "answer": "yes"}
	}), "sections[0].items[11].visible_when", errs.CodeInvalidValue, true},
	{"visible_when reaching into a repeated section", set(func(d map[string]any) {
		d["sections"] = append(d["sections"].([]any), map[string]any{"id": "Z", "title": map[string]any{"vi": "Khác", "en": "Other"},
			"items": []any{map[string]any{"id": "Z.1", "question": map[string]any{"vi": "Ghi chú?", "en": "Notes?"}, "answer": map[string]any{"type": "text"},
				"required": false, "legal_basis": "", "violation_codes": []any{}, "confirmed": true,
				"visible_when": map[string]any{"item": "D.1", "answer": "yes"}}}})
	}), "sections[2].items[0].visible_when.item", errs.CodeInvalidValue, false},
}

func raw(s string) func(testing.TB) []byte { return func(testing.TB) []byte { return []byte(s) } }

// edit changes the test template's file as text.
func edit(change func(string) string) func(testing.TB) []byte {
	return func(t testing.TB) []byte {
		b, err := os.ReadFile("testdata/visit-template.json")
		if err != nil {
			t.Fatal(err)
		}
		return []byte(change(string(b)))
	}
}

func set(change func(map[string]any)) func(testing.TB) []byte {
	return func(t testing.TB) []byte { return mutate(t, change) }
}

func TestParseRefusesBadTemplates(t *testing.T) {
	if _, err := checklist.Parse(mutate(t, func(map[string]any) {})); err != nil {
		t.Fatalf("the unchanged test template: %v", err)
	}
	for _, tt := range badTemplates {
		t.Run(tt.name, func(t *testing.T) {
			_, err := checklist.Parse(tt.doc(t))
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeChecklistInvalid {
				t.Errorf("error %s/%s (%v), want invalid/checklist_invalid", errs.KindOf(err), errs.CodeOf(err), err)
			}
			if tt.code == "" {
				return
			}
			want := errs.FieldError{Field: tt.field, Code: tt.code}
			if fields := errs.FieldsOf(err); !slices.Contains(fields, want) {
				t.Errorf("fields %v, want %v among them (%v)", fields, want, err)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("the message %q does not name %s", err, tt.field)
			}
		})
	}
}

// TestParseReportsEveryProblem: an author sees all the problems of a document at once.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := checklist.Parse(mutate(t, func(d map[string]any) {
		d["code"] = "X"
		delete(item(d, 0, 0), "required")
		item(d, 1, 1)["violation_codes"] = []any{"bad"}
	}))
	want := []errs.FieldError{{Field: "code", Code: errs.CodeInvalidValue}, {Field: "sections[0].items[0].required", Code: errs.CodeRequired},
		{Field: "sections[1].items[1].violation_codes[0]", Code: errs.CodeInvalidValue}}
	if got := errs.FieldsOf(err); !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}

// TestContentHash: the hash is of the canonical JSON, so layout, member order and number spelling do
// not change it, and any change of content does.
func TestContentHash(t *testing.T) {
	base, err := checklist.Parse(mutate(t, func(map[string]any) {}))
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("testdata/visit-template.json")
	if err != nil {
		t.Fatal(err)
	}
	sameContent := map[string][]byte{
		"as laid out in the file": file,
		"indented differently":    []byte(strings.ReplaceAll(string(file), "\n", "\n\t  ")),
		"numbers spelled otherwise": []byte(strings.Replace(strings.Replace(string(file), `"abs_max": 0.75`, `"abs_max": 7.50e-1`, 1),
			`"max": 10`, `"max": 10.0`, 1)),
		"a character escaped": []byte(strings.Replace(string(file), `"Phiếu thử nghiệm"`, `"Phi\u1ebfu th\u1eed nghi\u1ec7m"`, 1)),
	}
	for name, doc := range sameContent {
		tpl, err := checklist.Parse(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tpl.Hash() != base.Hash() || string(tpl.Canonical()) != string(base.Canonical()) {
			t.Errorf("%s: hash %s, want %s", name, tpl.Hash(), base.Hash())
		}
	}
	otherContent := map[string][]byte{
		"a question changed": mutate(t, func(d map[string]any) { item(d, 0, 0)["question"].(map[string]any)["vi"] = "Giấy phép?" }),
		"a bound changed": mutate(t, func(d map[string]any) {
			item(d, 1, 1)["answer"].(map[string]any)["tolerance"].(map[string]any)["abs_max"] = 0.76
		}),
		"a flag changed": mutate(t, func(d map[string]any) { item(d, 0, 0)["confirmed"] = false }),
		"notes added":    mutate(t, func(d map[string]any) { item(d, 0, 0)["notes"] = "ghi chú" }),
	}
	for name, doc := range otherContent {
		tpl, err := checklist.Parse(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tpl.Hash() == base.Hash() {
			t.Errorf("%s: the hash did not change", name)
		}
	}
	// The canonical form is itself a template with the same hash (what the store keeps and re-reads).
	again, err := checklist.Parse(base.Canonical())
	if err != nil || again.Hash() != base.Hash() {
		t.Errorf("re-parsing the canonical form: %v, hash %s want %s", err, again.Hash(), base.Hash())
	}
	if c := string(base.Canonical()); !strings.HasPrefix(c, `{"code":"test-visit","facility_types":["other"],`) || !strings.Contains(c, `"abs_max":0.75,`) ||
		!strings.Contains(c, "≤ 0,75%") {
		t.Errorf("canonical form %.200s…", c)
	}
}
