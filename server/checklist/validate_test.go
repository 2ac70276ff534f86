package checklist_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// ict is Asia/Ho_Chi_Minh without needing the time zone database.
var ict = time.FixedZone("ICT", 7*60*60)

// visitDate is early on 10 March 2026 in Vietnam, still 9 March in UTC: the calendar date in the
// visit's own zone is the one expiry dates are compared with.
var visitDate = time.Date(2026, 3, 10, 6, 0, 0, 0, ict)

func loadTemplate(t testing.TB, file string) *checklist.Template {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := checklist.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return tpl
}

func yes(evidence ...string) checklist.Answer {
	return checklist.Answer{Value: true, Evidence: evidence}
}
func no(evidence ...string) checklist.Answer {
	return checklist.Answer{Value: false, Evidence: evidence}
}
func val(v any, evidence ...string) checklist.Answer {
	return checklist.Answer{Value: v, Evidence: evidence}
}
func photos(ids ...string) checklist.Answer { return checklist.Answer{Evidence: ids} }

// baseAnswers is a complete visit of testdata/visit-template.json with no finding: dispenser d1 in
// use and measured, dispenser d2 out of use (so D.2@d2 is hidden).
func baseAnswers() map[string]checklist.Answer {
	return map[string]checklist.Answer{
		"G.1":    yes("p1"),
		"G.2":    val("2027-01-01"),
		"G.3":    val("ok"),
		"G.8":    photos("p2", "p3"),
		"G.10":   no(),
		"D.1@d1": yes(),
		"D.2@d1": val(0.5, "p4"),
		"D.3@d1": val("2026-12-31"),
		"D.1@d2": no(),
		"D.3@d2": val("2026-12-31"),
	}
}

// del marks an answer to remove in a test case.
var del = checklist.Answer{Value: "delete me"}

func TestValidate(t *testing.T) {
	tpl := loadTemplate(t, "testdata/visit-template.json")
	tests := []struct {
		name         string
		change       map[string]checklist.Answer // answers to set; del removes one
		wantFields   []string                    // "key code", any order
		wantFindings []string                    // "key reason codes confirmed=… bounds_unconfirmed=…", in order
	}{
		{name: "complete visit without findings"},

		// Findings.
		{name: "failing yes/no", change: map[string]checklist.Answer{"G.1": no("p1"), "D.3@d1": del, "D.3@d2": del},
			wantFindings: []string{"G.1 answer [C-1] confirmed=true"}},
		{name: "expired certificate", change: map[string]checklist.Answer{"G.2": val("2026-03-09")},
			wantFindings: []string{"G.2 before_visit_date [C-2] confirmed=false"}},
		{name: "certificate expiring on the visit date is still valid", change: map[string]checklist.Answer{"G.2": val("2026-03-10")}},
		{name: "no certificate at all", change: map[string]checklist.Answer{"G.2": {None: true}},
			wantFindings: []string{"G.2 none [C-2] confirmed=false"}},
		{name: "failing choice", change: map[string]checklist.Answer{"G.3": val("major"), "G.12": yes()},
			wantFindings: []string{"G.3 answer [C-3] confirmed=true"}},
		{name: "measurement on the bound is within", change: map[string]checklist.Answer{"D.2@d1": val(-0.75, "p4"), "G.5": val(5.0)}},
		{name: "measurement outside unconfirmed bounds", change: map[string]checklist.Answer{"D.2@d1": val(-0.8, "p4")},
			wantFindings: []string{"D.2@d1 outside_tolerance [MEAS-119-14-1B] confirmed=true bounds_unconfirmed"}},
		{name: "measurement outside confirmed range", change: map[string]checklist.Answer{"G.5": val(5.01)},
			wantFindings: []string{"G.5 outside_tolerance [C-5] confirmed=true"}},
		{name: "measurement below range", change: map[string]checklist.Answer{"G.5": val(-7)},
			wantFindings: []string{"G.5 outside_tolerance [C-5] confirmed=true"}},
		{name: "numbers as encoding/json decodes them", change: map[string]checklist.Answer{"D.2@d1": val(json.Number("0.9"), "p4"), "G.6": val(float64(3))},
			wantFindings: []string{"D.2@d1 outside_tolerance [MEAS-119-14-1B] confirmed=true bounds_unconfirmed"}},
		{name: "findings in template order, instances by ID",
			change: map[string]checklist.Answer{"D.1@a0": yes(), "D.2@a0": val(2, "p5"), "D.3@a0": val("2025-01-01"), "G.2": val("2020-01-01"), "D.3@d2": val("2026-03-01")},
			wantFindings: []string{"G.2 before_visit_date [C-2] confirmed=false", "D.2@a0 outside_tolerance [MEAS-119-14-1B] confirmed=true bounds_unconfirmed",
				"D.3@a0 before_visit_date [MEAS-119-10-T4] confirmed=true", "D.3@d2 before_visit_date [MEAS-119-10-T4] confirmed=true"}},

		// Visibility.
		{name: "answers to hidden items are ignored, even malformed ones",
			change: map[string]checklist.Answer{"D.2@d2": val("not a number"), "G.11": val(999.0), "G.12": val(42)}},
		{name: "a shown conditional item is required", change: map[string]checklist.Answer{"G.10": yes()},
			wantFields: []string{"G.11 answer_required"}},
		{name: "a shown conditional item is checked", change: map[string]checklist.Answer{"G.10": yes(), "G.11": val(12)},
			wantFindings: []string{"G.11 outside_tolerance [C-11] confirmed=true bounds_unconfirmed"}},
		{name: "a choice shows its dependent", change: map[string]checklist.Answer{"G.3": val("minor")},
			wantFields: []string{"G.12 answer_required"}},
		{name: "a controller in another section hides items of every instance",
			change:       map[string]checklist.Answer{"G.1": no("p1"), "D.3@d1": val(true)},
			wantFindings: []string{"G.1 answer [C-1] confirmed=true"}},
		{name: "an invalid controller hides its dependents", change: map[string]checklist.Answer{"G.10": val("yes")},
			wantFields: []string{"G.10 answer_wrong_type"}},

		// Input errors.
		{name: "missing required answer", change: map[string]checklist.Answer{"G.1": del}, wantFields: []string{"G.1 answer_required"}},
		{name: "missing required answer of one instance", change: map[string]checklist.Answer{"D.1@d2": del},
			wantFields: []string{"D.1@d2 answer_required"}},
		{name: "an instance named by one answer needs all its required items", change: map[string]checklist.Answer{"D.2@d3": val(0.1, "p6")},
			wantFields: []string{"D.1@d3 answer_required", "D.3@d3 answer_required"}},
		{name: "blank text is no answer", change: map[string]checklist.Answer{"G.4": val("   ")}},
		{name: "text too long", change: map[string]checklist.Answer{"G.4": val(strings.Repeat("ạ", 4001))}, wantFields: []string{"G.4 too_long"}},
		{name: "unknown items", change: map[string]checklist.Answer{"G.99": yes(), "X.1": yes(), "": yes()},
			wantFields: []string{" unknown_item", "G.99 unknown_item", "X.1 unknown_item"}},
		{name: "repeated item without instance", change: map[string]checklist.Answer{"D.1": yes()}, wantFields: []string{"D.1 instance_required"}},
		{name: "plain item with instance", change: map[string]checklist.Answer{"G.4@x": val("ghi chú")}, wantFields: []string{"G.4@x instance_not_allowed"}},
		{name: "malformed instance IDs", change: map[string]checklist.Answer{"D.1@cột 1": yes(), "D.1@": yes()},
			wantFields: []string{"D.1@ invalid_value", "D.1@cột 1 invalid_value"}},
		{name: "number where yes/no was expected", change: map[string]checklist.Answer{"G.1": val(1, "p1")}, wantFields: []string{"G.1 answer_wrong_type"}},
		{name: "text where a number was expected", change: map[string]checklist.Answer{"D.2@d1": val("0.5", "p4")},
			wantFields: []string{"D.2@d1 answer_wrong_type"}},
		{name: "yes/no where a date was expected", change: map[string]checklist.Answer{"G.2": val(true)}, wantFields: []string{"G.2 answer_wrong_type"}},
		{name: "date not in YYYY-MM-DD", change: map[string]checklist.Answer{"G.2": val("10/03/2026")}, wantFields: []string{"G.2 invalid_value"}},
		{name: "impossible date", change: map[string]checklist.Answer{"G.2": val("2026-02-30")}, wantFields: []string{"G.2 invalid_value"}},
		{name: "none where the item does not allow it", change: map[string]checklist.Answer{"D.3@d1": {None: true}},
			wantFields: []string{"D.3@d1 invalid_value"}},
		{name: "none with a value", change: map[string]checklist.Answer{"G.2": {Value: "2027-01-01", None: true}},
			wantFields: []string{"G.2 invalid_value"}},
		{name: "none on a yes/no item", change: map[string]checklist.Answer{"G.10": {None: true}}, wantFields: []string{"G.10 invalid_value"}},
		{name: "choice outside the options", change: map[string]checklist.Answer{"G.3": val("excellent")}, wantFields: []string{"G.3 not_an_option"}},
		{name: "count with a fraction", change: map[string]checklist.Answer{"G.6": val(2.5)}, wantFields: []string{"G.6 invalid_value"}},
		{name: "negative count", change: map[string]checklist.Answer{"G.6": val(-1)}, wantFields: []string{"G.6 invalid_value"}},
		{name: "photo missing", change: map[string]checklist.Answer{"G.1": yes()}, wantFields: []string{"G.1 photos_missing"}},
		{name: "too few photos", change: map[string]checklist.Answer{"G.8": photos("p2")}, wantFields: []string{"G.8 photos_missing"}},
		{name: "the same photo twice counts once", change: map[string]checklist.Answer{"G.8": photos("p2", "p2")}, wantFields: []string{"G.8 photos_missing"}},
		{name: "blank evidence ID", change: map[string]checklist.Answer{"G.8": photos("p2", "")}, wantFields: []string{"G.8 invalid_value"}},
		{name: "photo item without photos", change: map[string]checklist.Answer{"G.8": {}}, wantFields: []string{"G.8 answer_required"}},
		{name: "value on a photo item", change: map[string]checklist.Answer{"G.8": val("ảnh", "p2", "p3")}, wantFields: []string{"G.8 answer_wrong_type"}},
		{name: "signature", change: map[string]checklist.Answer{"G.9": photos("sig-1")}},
		{name: "value on a signature item", change: map[string]checklist.Answer{"G.9": val(true, "sig-1")}, wantFields: []string{"G.9 answer_wrong_type"}},
		{name: "position as decoded JSON", change: map[string]checklist.Answer{"G.7": val(map[string]any{"lat": 22.666, "lon": 106.258, "accuracy_m": 8.0})}},
		{name: "position as a struct", change: map[string]checklist.Answer{"G.7": val(checklist.GPS{Lat: 22.666, Lon: 106.258})}},
		{name: "position out of range", change: map[string]checklist.Answer{"G.7": val(map[string]any{"lat": 95.0, "lon": 106.0})}, wantFields: []string{"G.7 invalid_value"}},
		{name: "position without longitude", change: map[string]checklist.Answer{"G.7": val(map[string]any{"lat": 22.6})}, wantFields: []string{"G.7 invalid_value"}},
		{name: "position with an unknown member", change: map[string]checklist.Answer{"G.7": val(map[string]any{"lat": 22.6, "lon": 106.2, "alt": 300.0})},
			wantFields: []string{"G.7 invalid_value"}},
		{name: "position as text", change: map[string]checklist.Answer{"G.7": val("22.6,106.2")}, wantFields: []string{"G.7 answer_wrong_type"}},
		{name: "every error at once, and no findings",
			change:     map[string]checklist.Answer{"G.1": no(), "G.2": val(20260310), "G.3": del, "Z.1": yes(), "D.2@d1": val(9.0)},
			wantFields: []string{"G.1 photos_missing", "G.2 answer_wrong_type", "G.3 answer_required", "Z.1 unknown_item", "D.2@d1 photos_missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answers := baseAnswers()
			for k, a := range tt.change {
				if a.Value == del.Value {
					delete(answers, k)
				} else {
					answers[k] = a
				}
			}
			findings, err := checklist.Validate(tpl, answers, visitDate)
			if len(tt.wantFields) > 0 {
				if err == nil {
					t.Fatalf("no error, want fields %v (findings %v)", tt.wantFields, findings)
				}
				if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeValidation {
					t.Errorf("error %s/%s, want invalid/validation_failed", errs.KindOf(err), errs.CodeOf(err))
				}
				var got []string
				for _, f := range errs.FieldsOf(err) {
					got = append(got, f.Field+" "+string(f.Code))
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tt.wantFields))
				if !slices.Equal(got, want) {
					t.Errorf("fields\n got %q\nwant %q", got, want)
				}
				if findings != nil {
					t.Errorf("findings %v returned with an input error", findings)
				}
				return
			}
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			var got []string
			for _, f := range findings {
				s := fmt.Sprintf("%s %s %v confirmed=%t", f.Key(), f.Reason, f.ViolationCodes, f.Confirmed)
				if f.BoundsUnconfirmed {
					s += " bounds_unconfirmed"
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tt.wantFindings) {
				t.Errorf("findings\n got %q\nwant %q", got, tt.wantFindings)
			}
		})
	}
}

func TestFindingValues(t *testing.T) {
	tpl := loadTemplate(t, "testdata/visit-template.json")
	answers := baseAnswers()
	answers["G.2"] = checklist.Answer{None: true}
	answers["D.2@d1"] = val(json.Number("1.25"), "p4")
	answers["G.3"] = val("major")
	answers["G.12"] = no()
	findings, err := checklist.Validate(tpl, answers, visitDate)
	if err != nil {
		t.Fatal(err)
	}
	want := []checklist.Finding{
		{Item: "G.2", Value: nil, Reason: checklist.FailNone, ViolationCodes: []string{"C-2"}},
		{Item: "G.3", Value: "major", Reason: checklist.FailAnswer, ViolationCodes: []string{"C-3"}, Confirmed: true},
		{Item: "G.12", Value: false, Reason: checklist.FailAnswer, ViolationCodes: []string{}, Confirmed: true},
		{Item: "D.2", Instance: "d1", Value: 1.25, Reason: checklist.FailOutsideTolerance, ViolationCodes: []string{"MEAS-119-14-1B"},
			Confirmed: true, BoundsUnconfirmed: true},
	}
	if len(findings) != len(want) {
		t.Fatalf("findings %v, want %v", findings, want)
	}
	for i := range want {
		g, w := findings[i], want[i]
		if g.Item != w.Item || g.Instance != w.Instance || g.Value != w.Value || g.Reason != w.Reason ||
			!slices.Equal(g.ViolationCodes, w.ViolationCodes) || g.Confirmed != w.Confirmed || g.BoundsUnconfirmed != w.BoundsUnconfirmed {
			t.Errorf("finding %d = %#v, want %#v", i, g, w)
		}
	}
	// The findings do not share the template's slices.
	findings[1].ViolationCodes[0] = "CHANGED"
	if it, _, _ := tpl.Item("G.3"); it.ViolationCodes[0] != "C-3" {
		t.Error("changing a finding changed the template")
	}
}

func TestValidateNeedsTemplateAndDate(t *testing.T) {
	tpl := loadTemplate(t, "testdata/visit-template.json")
	if _, err := checklist.Validate(tpl, baseAnswers(), time.Time{}); err == nil || errs.KindOf(err) != errs.Internal {
		t.Errorf("Validate without a visit date = %v, want an internal error", err)
	}
	if _, err := checklist.Validate(nil, baseAnswers(), visitDate); err == nil {
		t.Error("Validate without a template succeeded")
	}
}

// TestValidateFuelStationVisit answers the embedded fuel-station checklist as an inspector would at a
// station with two dispensers: every required item answered and passing, except an expired
// eligibility certificate and one dispenser delivering 0.9 % short.
func TestValidateFuelStationVisit(t *testing.T) {
	tpl := embedded(t, "fuel-station")
	answers := map[string]checklist.Answer{}
	for _, s := range tpl.Sections {
		instances := []string{""}
		if s.Repeated() {
			instances = []string{"cot-1", "cot-2"}
		}
		for _, it := range s.Items {
			if !it.Required {
				continue
			}
			for _, inst := range instances {
				key := it.ID
				if inst != "" {
					key += "@" + inst
				}
				var ev []string
				for i := range max(it.PhotosRequired, 1) {
					ev = append(ev, fmt.Sprintf("%s-photo-%d", key, i))
				}
				switch it.Answer.Type {
				case checklist.AnswerYesNo:
					answers[key] = yes(ev...)
				case checklist.AnswerDate:
					answers[key] = val("2027-06-30", ev...)
				case checklist.AnswerText:
					answers[key] = val("Cột đo Tatsuno, số hiệu 12345, QĐ PDM 123/QĐ-TĐC", ev...)
				case checklist.AnswerNumber:
					answers[key] = val(0.2, ev...)
				case checklist.AnswerPhoto:
					answers[key] = photos(ev...)
				default:
					t.Fatalf("no answer for %s %s", key, it.Answer.Type)
				}
			}
		}
	}
	answers["F1.2"] = val("2026-01-15", "F1.2-photo-0")
	answers["F2.7@cot-2"] = val(-0.9, "F2.7@cot-2-photo-0")
	answers["F6.2"] = val("Biên bản số 05/BB-VPHC")

	findings, err := checklist.Validate(tpl, answers, visitDate)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, f.String())
	}
	want := []string{
		"F1.2 before_visit_date=2026-01-15 [FUEL-99-COND] confirmed=true",
		"F2.7@cot-2 outside_tolerance=-0.9 [MEAS-119-14-1B MEAS-119-14-2A MEAS-119-14-2B MEAS-119-14-2C] confirmed=true",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings\n got %q\nwant %q", got, want)
	}
	if !findings[1].BoundsUnconfirmed {
		t.Error("the dispenser finding rests on the unconfirmed 0.75 % bound and must say so")
	}

	// The same visit without the second dispenser's measurement is incomplete.
	delete(answers, "F2.7@cot-2")
	_, err = checklist.Validate(tpl, answers, visitDate)
	if fields := errs.FieldsOf(err); len(fields) != 1 || fields[0] != (errs.FieldError{Field: "F2.7@cot-2", Code: errs.CodeAnswerRequired}) {
		t.Errorf("without F2.7@cot-2: %v", err)
	}
}
