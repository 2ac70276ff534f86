package document

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
)

// decisionFixtures are the decisions in testdata/decisions: an individual fined for one violation,
// and an organisation fined for three (one range unverified, a repeat offence among the aggravating
// circumstances, additional penalties and remedial measures, a longer payment period).
var decisionFixtures = []string{"individual", "organisation"}

func parseDecisionFixture(t testing.TB, name string) Decision {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "decisions", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ParseDecision(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

var renderedDecisions sync.Map

func renderDecisionFixture(t *testing.T, name string) []byte {
	t.Helper()
	if pdf, ok := renderedDecisions.Load(name); ok {
		return pdf.([]byte)
	}
	pdf, err := RenderDecisionPDF(parseDecisionFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	renderedDecisions.Store(name, pdf)
	return pdf
}

// TestDecisionDeterministic: the same content renders the same bytes, from the struct or from JSON,
// with the date of issue as the PDF's date and the content hash in its keywords; other content
// renders other bytes.
func TestDecisionDeterministic(t *testing.T) {
	for _, name := range decisionFixtures {
		t.Run(name, func(t *testing.T) {
			a := renderDecisionFixture(t, name)
			raw, _ := os.ReadFile(filepath.Join("testdata", "decisions", name+".json"))
			b, err := RenderDecisionPDFFromJSON(raw)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("renderings of the same content differ (%d and %d bytes)", len(a), len(b))
			}
			d := parseDecisionFixture(t, name)
			if created := "/CreationDate (D:" + d.IssuedAt.UTC().Format("20060102150405") + ")"; !bytes.Contains(a, []byte(created)) {
				t.Errorf("the PDF lacks %s", created)
			}
			if sum, _ := d.SHA256(); !bytes.Contains(a, []byte("sha256="+sum)) {
				t.Errorf("the PDF's keywords lack the content's SHA-256 %s", sum)
			}
		})
	}
	d := parseDecisionFixture(t, "individual")
	d.Violations[0].Fine, d.Total = 3_000_000, 3_000_000
	other, err := RenderDecisionPDF(d)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(other, renderDecisionFixture(t, "individual")) {
		t.Error("another amount rendered the same bytes")
	}
}

// TestDecisionValidate: what the form cannot do without, and amounts that do not add up or leave
// their range, are refused with their fields.
func TestDecisionValidate(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Decision)
		field string
	}{
		{"fine above the range", func(d *Decision) { d.Violations[0].Fine, d.Total = 4_000_001, 4_000_001 }, "violations[0].fine"},
		{"fine below the range", func(d *Decision) { d.Violations[0].Fine, d.Total = 1_999_999, 1_999_999 }, "violations[0].fine"},
		{"total not the sum", func(d *Decision) { d.Total++ }, "total"},
		{"no violation", func(d *Decision) { d.Violations, d.Total = nil, 0 }, "violations"},
		{"no signer", func(d *Decision) { d.Signer.Name = " " }, "signer.name"},
		{"no signer title", func(d *Decision) { d.Signer.Title = "" }, "signer.title"},
		{"violator kind", func(d *Decision) { d.Violator.Kind = "robot" }, "violator.kind"},
		{"no number", func(d *Decision) { d.Number = 0 }, "number"},
		{"no record", func(d *Decision) { d.Record.RecordID = "" }, "record.record_id"},
		{"other form", func(d *Decision) { d.Form = RecordForm }, "form"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := parseDecisionFixture(t, "individual")
			c.edit(&d)
			_, err := d.CanonicalJSON()
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a validation error", err)
			}
			found := false
			for _, f := range ve.Fields {
				found = found || f.Field == c.field
			}
			if !found {
				t.Errorf("the error names %v, not %s", ve.Fields, c.field)
			}
			if _, err := RenderDecisionPDF(d); err == nil {
				t.Error("rendered invalid content")
			}
		})
	}
}

// TestDecisionGoldenImages compares each decision's pages with testdata/golden/decision-<name>-pageN.png
// (-update rewrites them), as TestRenderGoldenImages does for records.
func TestDecisionGoldenImages(t *testing.T) {
	for _, name := range decisionFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pages := rasterize(t, renderDecisionFixture(t, name))
			golden, _ := filepath.Glob(filepath.Join("testdata", "golden", "decision-"+name+"-page*.png"))
			if *update {
				for _, g := range golden {
					os.Remove(g)
				}
				for i, p := range pages {
					checkGolden(t, goldenPage("decision-"+name, i+1), greyPNG(t, p))
				}
				sum, _ := parseDecisionFixture(t, name).SHA256()
				checkGolden(t, filepath.Join("testdata", "golden", "decision-"+name+".sha256"), []byte(sum+"\n"))
				return
			}
			if len(pages) != len(golden) {
				t.Fatalf("%d pages, the golden images have %d", len(pages), len(golden))
			}
			for i, p := range pages {
				want, err := os.ReadFile(goldenPage("decision-"+name, i+1))
				if err != nil {
					t.Fatal(err)
				}
				diff, total, err := diffPages(p, want)
				if err != nil || float64(diff) > maxDiffRatio*float64(total) {
					kept := filepath.Join(os.TempDir(), fmt.Sprintf("document-decision-%s-page%d.png", name, i+1))
					os.WriteFile(kept, p, 0o644)
					t.Errorf("page %d: %d of %d pixels differ (%v); the rendering is kept at %s", i+1, diff, total, err, kept)
				}
			}
		})
	}
}

// TestDecisionContentHash pins each fixture's content hash: a change of the encoding fails here.
func TestDecisionContentHash(t *testing.T) {
	if *update {
		t.Skip("TestDecisionGoldenImages rewrites the hashes")
	}
	for _, name := range decisionFixtures {
		sum, err := parseDecisionFixture(t, name).SHA256()
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join("testdata", "golden", "decision-"+name+".sha256"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(string(want)) != sum {
			t.Errorf("%s: content hash %s, golden %s", name, sum, want)
		}
	}
}

// TestDecisionText extracts the text: the amounts in figures and in words, the form's sentences and
// the Vietnamese names come out exactly.
func TestDecisionText(t *testing.T) {
	tool := requireTool(t, "pdftotext")
	cases := map[string][]string{
		"individual": {"QUYẾT ĐỊNH", "Xử phạt vi phạm hành chính trong lĩnh vực tiêu chuẩn", "Số: 03/QĐ-XPHC",
			"Cao Bằng, ngày 14 tháng 3 năm 2025", "Căn cứ Biên bản vi phạm hành chính số 07/BB-VPHC lập ngày 10 tháng 3 năm 2025",
			"Tôi: Hoàng Văn Đức; Chức vụ: Chánh Thanh tra Sở Khoa học và Công nghệ", "Nguyễn Thị Hương",
			"Mức phạt: 2.500.000 đồng (Bằng chữ: Hai triệu năm trăm nghìn đồng)", "Hình thức xử phạt bổ sung: Không.",
			"Buộc nộp lại số lợi bất hợp pháp", "trong thời hạn 10 ngày", "Người vi phạm đã tự nguyện khắc phục hậu quả",
			"NGƯỜI RA QUYẾT ĐỊNH", "Trang 1/"},
		"organisation": {"Số: 12/QĐ-XPHC", "Công ty TNHH Xăng dầu Bắc Việt", "Mã số doanh nghiệp: 4800912345",
			"mức phạt 15.000.000 đồng (Bằng chữ: Mười lăm triệu đồng)", "Tổng số tiền phạt: 32.500.000 đồng (Bằng chữ: Ba mươi hai triệu năm trăm nghìn đồng)",
			"(khung phạt chưa được đối chiếu với văn bản gốc)", "(hành vi thứ 1) Tái phạm", "trong thời hạn 30 ngày",
			"Tịch thu 02 bảng mạch điện tử", "ngày 05 tháng 02 năm 2025"},
	}
	for _, name := range decisionFixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := filepath.Join(dir, "doc.pdf")
			if err := os.WriteFile(in, renderDecisionFixture(t, name), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			sum, _ := parseDecisionFixture(t, name).SHA256()
			for _, want := range append(cases[name], sum) {
				if !strings.Contains(text, want) {
					t.Errorf("the text lacks %q", want)
				}
			}
		})
	}
}

// TestDecisionSchema: schemas/penalty-decision-document.schema.json describes Decision field for
// field, and every fixture's canonical encoding is valid against it.
func TestDecisionSchema(t *testing.T) {
	schematest.CheckStruct(t, "penalty-decision-document.schema.json", Decision{}, schematest.Response)
	for _, name := range decisionFixtures {
		b, err := parseDecisionFixture(t, name).CanonicalJSON()
		if err != nil {
			t.Fatal(err)
		}
		schematest.Validate(t, "penalty-decision-document.schema.json", b)
	}
}
