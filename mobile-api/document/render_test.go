package document

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
)

// requireTool returns the path of a poppler tool, skipping the test when it is missing — unless
// TEST_REQUIRE_PDFTOPPM=1 (CI), when a missing tool fails it.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("TEST_REQUIRE_PDFTOPPM") == "1" {
			t.Fatalf("%s is required (TEST_REQUIRE_PDFTOPPM=1): install poppler-utils", name)
		}
		t.Skipf("%s not installed (package poppler-utils); skipping", name)
	}
	return path
}

// rendered caches each fixture's PDF: rendering is the slow part of these tests.
var rendered sync.Map // fixture name → []byte

func renderFixture(t *testing.T, name string) []byte {
	t.Helper()
	if pdf, ok := rendered.Load(name); ok {
		return pdf.([]byte)
	}
	pdf, err := RenderRecordPDF(parseFixture(t, name))
	if err != nil {
		t.Fatal(err)
	}
	rendered.Store(name, pdf)
	return pdf
}

// TestRenderDeterministic: the same content gives the same bytes, whether it arrives as a struct or
// as JSON (TestCanonicalJSONEquivalence shows that key order, zones and Unicode forms do not change
// the normalised record the renderer starts from), and the PDF's dates come from the content.
func TestRenderDeterministic(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			a := renderFixture(t, name)
			b, err := RenderRecordPDFFromJSON(readFixture(t, name))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Fatalf("renderings of the same content differ (%d and %d bytes)", len(a), len(b))
			}
			created := "/CreationDate (D:" + parseFixture(t, name).DrawnUpAt.UTC().Format("20060102150405") + ")"
			if !bytes.Contains(a, []byte(created)) {
				t.Errorf("the PDF lacks %s", created)
			}
			if sum, _ := parseFixture(t, name).SHA256(); !bytes.Contains(a, []byte("sha256="+sum)) {
				t.Errorf("the PDF's keywords lack its content's SHA-256 %s", sum)
			}
		})
	}
	t.Run("other content", func(t *testing.T) {
		r := parseFixture(t, "individual")
		r.Statements = append(r.Statements, Statement{Role: RoleWitness, Name: "Bế Văn Tú", Text: "Thêm một ý kiến."})
		d, err := RenderRecordPDF(r)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Equal(renderFixture(t, "individual"), d) {
			t.Errorf("other content rendered the same bytes")
		}
	})
}

// TestRenderRefusesInvalid: the renderer validates what it is given.
func TestRenderRefusesInvalid(t *testing.T) {
	r := parseFixture(t, "individual")
	r.Violator.Kind = "robot"
	if _, err := RenderRecordPDF(r); err == nil {
		t.Fatal("rendered a record with an invalid violator kind")
	}
}

// rasterize renders each page of pdf to a grey PNG at 60 dpi with pdftoppm, in page order.
func rasterize(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	tool := requireTool(t, "pdftoppm")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-r", "60", "-gray", "-png", in, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	files, err := filepath.Glob(filepath.Join(dir, "page-*.png"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files) // pdftoppm pads page numbers to the same width
	var pages [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, b)
	}
	return pages
}

// Tolerances of the image comparison: a pixel differs when its grey level moves by more than
// pixelDelta, and a page differs when more than maxDiffRatio of its pixels do (about 70 at 60 dpi).
// Small anti-aliasing differences of another poppler build stay under these; a layout change does
// not: moving everything down by 0.1 mm changes about 5,000 pixels a page, moving the 40-mm rule
// under the title by 1 mm 188 (docs/documents.md).
const (
	pixelDelta   = 64
	maxDiffRatio = 0.0002
)

// diffPages counts the pixels of two page images that differ by more than pixelDelta in grey level.
func diffPages(a, b []byte) (diff, total int, err error) {
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		return 0, 0, err
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return 0, 0, err
	}
	if ia.Bounds() != ib.Bounds() {
		return -1, 0, fmt.Errorf("page sizes differ: %v and %v", ia.Bounds(), ib.Bounds())
	}
	ga, gb := greyPixels(ia), greyPixels(ib)
	for i := range ga {
		if d := int(ga[i]) - int(gb[i]); d > pixelDelta || d < -pixelDelta {
			diff++
		}
	}
	return diff, len(ga), nil
}

// greyPixels returns the image's grey levels row by row, reading the pixel buffers of the types
// pdftoppm's and the goldens' PNGs decode to directly (image.At is slow under the race detector).
func greyPixels(img image.Image) []uint8 {
	b := img.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy())
	switch m := img.(type) {
	case *image.Gray:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			i := m.PixOffset(b.Min.X, y)
			out = append(out, m.Pix[i:i+b.Dx()]...)
		}
	case *image.RGBA:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for i := m.PixOffset(b.Min.X, y); i < m.PixOffset(b.Max.X, y); i += 4 {
				out = append(out, uint8((int(m.Pix[i])+int(m.Pix[i+1])+int(m.Pix[i+2]))/3))
			}
		}
	default:
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				out = append(out, uint8(grey(img, x, y)))
			}
		}
	}
	return out
}

func grey(img image.Image, x, y int) int {
	r, g, b, _ := img.At(x, y).RGBA()
	return int((r + g + b) / 3 >> 8)
}

// TestRenderGoldenImages renders each fixture's pages and compares them with the golden PNGs in
// testdata/golden (-update rewrites them after a deliberate change of layout). A page that differs
// is written next to the test's temporary files and its path logged.
func TestRenderGoldenImages(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pages := rasterize(t, renderFixture(t, name))
			golden, _ := filepath.Glob(filepath.Join("testdata", "golden", name+"-page*.png"))
			if *update {
				for _, g := range golden {
					os.Remove(g)
				}
				for i, p := range pages {
					checkGolden(t, goldenPage(name, i+1), greyPNG(t, p))
				}
				return
			}
			if len(pages) != len(golden) {
				t.Fatalf("%d pages, the golden images have %d", len(pages), len(golden))
			}
			for i, p := range pages {
				want, err := os.ReadFile(goldenPage(name, i+1))
				if err != nil {
					t.Fatal(err)
				}
				diff, total, err := diffPages(p, want)
				if err != nil || float64(diff) > maxDiffRatio*float64(total) {
					kept := filepath.Join(os.TempDir(), fmt.Sprintf("document-%s-page%d.png", name, i+1))
					os.WriteFile(kept, p, 0o644)
					t.Errorf("page %d: %d of %d pixels differ (%v); the rendering is kept at %s", i+1, diff, total, err, kept)
				}
			}
		})
	}
	if !*update {
		// The fixtures cover one page and more: the long record must flow onto further pages.
		if n, _ := filepath.Glob(filepath.Join("testdata", "golden", "long-page*.png")); len(n) < 2 {
			t.Errorf("the long record has %d golden pages, want at least 2", len(n))
		}
	}
}

// greyPNG re-encodes a page as an 8-bit grey PNG at the best compression, to keep the golden files
// small; the comparison decodes pixels, so the encoding does not matter.
func greyPNG(t *testing.T, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	g := image.NewGray(img.Bounds())
	copy(g.Pix, greyPixels(img))
	var out bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestCompression}).Encode(&out, g); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func goldenPage(name string, n int) string {
	return filepath.Join("testdata", "golden", fmt.Sprintf("%s-page%d.png", name, n))
}

// TestRenderText extracts the text with pdftotext: the Vietnamese strings come out exactly, which
// proves the glyphs and the ToUnicode maps are right, and the page numbers say "Trang x/y".
func TestRenderText(t *testing.T) {
	tool := requireTool(t, "pdftotext")
	cases := map[string][]string{
		"individual": {"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "UBND TỈNH CAO BẰNG",
			"THANH TRA SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Số: 07/BB-VPHC", "BIÊN BẢN VI PHẠM HÀNH CHÍNH", "Nguyễn Thị Hương",
			"Phường Sông Hiến", "hồi 09 giờ 30 phút, ngày 10 tháng 3 năm 2025", "Ngày, tháng, năm sinh: 04/11/1982",
			"điểm a khoản 2 Điều 9 Nghị định số 119/2017/NĐ-CP (được sửa đổi, bổ sung bởi Nghị định số 126/2021/NĐ-CP)",
			"Mã danh mục: MEAS-119-09-2A", "Bế Thị Thúy", "gồm 02 trang", "Trang 1/2", "Trang 2/2",
			"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
		"organisation-refusal": {"Công ty TNHH Xăng dầu Bắc Việt", "ĐẠI DIỆN TỔ CHỨC VI PHẠM", "Mã số doanh nghiệp: 4800912345",
			"Người đại diện theo pháp luật: Phạm Quốc Việt", "Lý do ông (bà) Phạm Quốc Việt (đại diện tổ chức vi phạm) không ký biên bản: Không đồng ý với kết quả đo của đoàn kiểm tra.",
			"(Từ chối ký)", "Trong thời hạn 02 ngày làm việc", "ngày 05 tháng 02 năm 2025", "Đàm Thị Ngọc Ánh", "Nông Văn Khải"},
		"long": {"Sửa đổi, bổ sung Biên bản số 23/BB-VPHC năm 2025", "Hoàng Thị Mến", "Lý Văn Sình",
			"Không được đọc lại bản dịch trước khi ký", "Mẫu xăng E5 RON 92-II lấy tại bể số 1", "Trang 1/", "Trang 2/"},
	}
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			in := filepath.Join(dir, "doc.pdf")
			if err := os.WriteFile(in, renderFixture(t, name), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			sum, _ := parseFixture(t, name).SHA256()
			for _, want := range append(cases[name], sum) {
				if !strings.Contains(text, want) {
					t.Errorf("the text lacks %q", want)
				}
			}
		})
	}
}
