package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixtures are the records in testdata/records: a record of an individual with Vietnamese names and
// diacritics everywhere, an organisation whose representative refused to sign, and a correction
// long enough for several pages.
var fixtures = []string{"individual", "organisation-refusal", "long"}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "records", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseFixture(t testing.TB, name string) Record {
	t.Helper()
	r, err := ParseRecord(readFixture(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return r
}

// checkGolden compares got with the golden file, or rewrites it under -update.
func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %s\nwant %s", path, got, want)
	}
}

// TestCanonicalJSONShape checks the encoding's rules on a fixture: compact, keys sorted at every
// level, times in UTC, no HTML escaping, text in NFC.
func TestCanonicalJSONShape(t *testing.T) {
	r := parseFixture(t, "organisation-refusal")
	r.Place = "Cửa hàng <A&B>"
	b, err := r.CanonicalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(compact.Bytes(), b) {
		t.Errorf("canonical JSON has insignificant whitespace")
	}
	checkSortedKeys(t, b)
	for _, want := range []string{`"drawn_up_at":"2025-02-05T07:10:00Z"`, `"resolution_at":"2025-02-12T01:30:00Z"`,
		`"place":"Cửa hàng <A&B>"`, `"form":"MBB01"`, `"layout":1`, `"number":23`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("canonical JSON lacks %s:\n%s", want, b)
		}
	}
	if !norm.NFC.IsNormal(b) {
		t.Errorf("canonical JSON is not NFC")
	}
}

func checkSortedKeys(t *testing.T, b []byte) {
	t.Helper()
	// Object keys appear in the bytes in sorted order: check with the token stream.
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		object  bool
		wantKey bool
		last    string
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if d, ok := tok.(json.Delim); ok {
			switch d {
			case '{':
				stack = append(stack, frame{object: true, wantKey: true})
				continue
			case '[':
				stack = append(stack, frame{})
				continue
			default:
				stack = stack[:len(stack)-1]
			}
		} else if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			k := tok.(string)
			if k <= stack[n-1].last && stack[n-1].last != "" {
				t.Errorf("key %q after %q: keys not sorted", k, stack[n-1].last)
			}
			stack[n-1].last, stack[n-1].wantKey = k, false
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}

// TestCanonicalJSONGolden pins the canonical bytes' hash of each fixture: the phone and the server
// must agree on them for ever, so a change to the encoding must be deliberate (-update).
func TestCanonicalJSONGolden(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			r := parseFixture(t, name)
			sum, err := r.SHA256()
			if err != nil {
				t.Fatal(err)
			}
			viaJSON, err := RecordSHA256(readFixture(t, name))
			if err != nil || viaJSON != sum {
				t.Errorf("RecordSHA256 = %s, %v; want %s", viaJSON, err, sum)
			}
			checkGolden(t, filepath.Join("testdata", "golden", name+".sha256"), []byte(sum+"\n"))
		})
	}
}

// TestCanonicalJSONEquivalence: what says the same hashes the same — another key order and
// indentation, times in another zone or with fractions of a second, decomposed (NFD) Vietnamese,
// surrounding spaces — and one letter changed hashes differently.
func TestCanonicalJSONEquivalence(t *testing.T) {
	base := parseFixture(t, "individual")
	want, err := base.SHA256()
	if err != nil {
		t.Fatal(err)
	}
	var loose map[string]any
	if err := json.Unmarshal(readFixture(t, "individual"), &loose); err != nil {
		t.Fatal(err)
	}
	reordered, err := json.MarshalIndent(loose, "", "\t") // map keys: a different order from the fixture's
	if err != nil {
		t.Fatal(err)
	}
	if got, err := RecordSHA256(reordered); err != nil || got != want {
		t.Errorf("reordered JSON: %s, %v; want %s", got, err, want)
	}

	same := base
	same.DrawnUpAt = base.DrawnUpAt.In(time.FixedZone("X", -5*3600)).Add(400 * time.Millisecond)
	same.Violator.Name = "  " + norm.NFD.String(base.Violator.Name) + " "
	same.Place = norm.NFD.String(base.Place)
	same.Signatures = append([]Signature(nil), base.Signatures...)
	same.Signatures[0].ImageSHA256 = strings.ToUpper(base.Signatures[0].ImageSHA256)
	if same.Violator.Name == base.Violator.Name {
		t.Fatal("the test's NFD name equals the NFC one")
	}
	if got, err := same.SHA256(); err != nil || got != want {
		t.Errorf("equivalent record: %s, %v; want %s", got, err, want)
	}

	changed := base
	changed.Violator.Name = "Nguyễn Thị Hường"
	if got, err := changed.SHA256(); err != nil || got == want {
		t.Errorf("a changed name hashes %s, %v: want a different hash", got, err)
	}
	if base.Violator.Name != "Nguyễn Thị Hương" {
		t.Errorf("hashing changed the record")
	}
}

// TestParseRecordRefuses lists what the content may not be; each case names the fields it expects.
func TestParseRecordRefuses(t *testing.T) {
	type obj = map[string]any
	edit := func(change func(r obj)) string {
		var r obj
		if err := json.Unmarshal(readFixture(t, "individual"), &r); err != nil {
			t.Fatal(err)
		}
		change(r)
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	item := func(r obj, list string, i int) obj { return r[list].([]any)[i].(obj) }
	good := edit(func(obj) {})
	for _, tc := range []struct {
		name   string
		json   string
		fields []string // nil: a decoding error, not a field list
	}{
		{"unknown field", edit(func(r obj) { r["colour"] = "red" }), nil},
		{"data after the record", good + `{}`, nil},
		{"number as text", edit(func(r obj) { r["number"] = "7" }), nil},
		{"layout of the future", edit(func(r obj) { r["layout"] = 2 }), []string{"layout"}},
		{"no number", edit(func(r obj) { r["number"] = 0 }), []string{"number"}},
		{"no violator name", edit(func(r obj) { r["violator"].(obj)["name"] = " " }), []string{"violator.name"}},
		{"household as a kind", edit(func(r obj) { r["violator"].(obj)["kind"] = "household_business" }), []string{"violator.kind"}},
		{"birth date", edit(func(r obj) { r["violator"].(obj)["date_of_birth"] = "04/11/1982" }), []string{"violator.date_of_birth"}},
		{"evidence hash", edit(func(r obj) { item(r, "evidence", 0)["sha256"] = "xx" }), []string{"evidence[0].sha256"}},
		{"evidence kind", edit(func(r obj) { item(r, "evidence", 0)["kind"] = "video" }), []string{"evidence[0].kind"}},
		{"signed and refused", edit(func(r obj) { item(r, "signatures", 0)["refused"] = true }), []string{"signatures[0].refused"}},
		{"reason without refusal", edit(func(r obj) { item(r, "signatures", 1)["refusal_reason"] = "bận" }), []string{"signatures[1].refusal_reason"}},
		{"witness role", edit(func(r obj) { item(r, "witnesses", 0)["role"] = "chief" }), []string{"witnesses[0].role"}},
		{"quantity", edit(func(r obj) { item(r, "violations", 0)["quantity"] = "1e9" }), []string{"violations[0].quantity"}},
		{"NUL in text", edit(func(r obj) { r["place"] = "Chợ\x00 Xanh" }), []string{"place"}},
		{"two problems at once", edit(func(r obj) { r["year"] = 1999; r["copies"] = -1 }), []string{"year", "copies"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tc.json))
			if err == nil {
				t.Fatal("accepted")
			}
			var ve *ValidationError
			if tc.fields == nil {
				if errors.As(err, &ve) {
					t.Fatalf("a field error %v, want a decoding error", err)
				}
				return
			}
			if !errors.As(err, &ve) {
				t.Fatalf("%v, want a *ValidationError", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Errorf("fields %v, want %v", got, tc.fields)
			}
		})
	}
	if _, err := ParseRecord([]byte(good)); err != nil {
		t.Fatalf("the unedited fixture: %v", err)
	}
}

func TestSourceHelpers(t *testing.T) {
	for _, tc := range []struct{ title, want string }{
		{"Nghị định quy định xử phạt vi phạm hành chính trong lĩnh vực năng lượng nguyên tử", "lĩnh vực năng lượng nguyên tử"},
		{"Nghị định quy định về xử phạt vi phạm hành chính trong lĩnh vực tiêu chuẩn, đo lường và chất lượng sản phẩm, hàng hóa.",
			"lĩnh vực tiêu chuẩn, đo lường và chất lượng sản phẩm, hàng hóa"},
		{"Luật Đo lường", ""},
	} {
		if got := MatterFromDecreeTitle(tc.title); got != tc.want {
			t.Errorf("MatterFromDecreeTitle(%q) = %q, want %q", tc.title, got, tc.want)
		}
	}
	got := DecreeLegalBasis("119/2017/NĐ-CP", "2017-11-01", "Nghị định quy định về xử phạt vi phạm hành chính trong lĩnh vực đo lường")
	if want := "Nghị định số 119/2017/NĐ-CP ngày 01 tháng 11 năm 2017 của Chính phủ quy định về xử phạt vi phạm hành chính trong lĩnh vực đo lường"; got != want {
		t.Errorf("DecreeLegalBasis = %q, want %q", got, want)
	}
	if got := DecreeLegalBasis("107/2013/NĐ-CP", "", ""); got != "Nghị định số 107/2013/NĐ-CP của Chính phủ" {
		t.Errorf("DecreeLegalBasis without date and title = %q", got)
	}
	if got := dateText(time.Date(2025, 2, 5, 23, 30, 0, 0, time.UTC)); got != "ngày 06 tháng 02 năm 2025" {
		t.Errorf("dateText of 23:30 UTC = %q: the date is Vietnam's", got)
	}
	if got := dateText(time.Date(2025, 11, 12, 1, 0, 0, 0, vietnam)); got != "ngày 12 tháng 11 năm 2025" {
		t.Errorf("dateText = %q", got)
	}
}
