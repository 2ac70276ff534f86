package statsreport

import (
	"bytes"
	"flag"
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
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden page images")

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

var rendered sync.Map // fixture name → []byte

func renderFixture(t *testing.T, name string) []byte {
	t.Helper()
	if b, ok := rendered.Load(name); ok {
		return b.([]byte)
	}
	b, err := RenderBytes(fixtures[name]())
	if err != nil {
		t.Fatal(err)
	}
	rendered.Store(name, b)
	return b
}

func fixtureNames() []string {
	var names []string
	for n := range fixtures {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestRenderDeterministic: the same report gives the same bytes, with the creation date of the
// report, never of the clock; other figures give other bytes.
func TestRenderDeterministic(t *testing.T) {
	for _, name := range fixtureNames() {
		a := renderFixture(t, name)
		b, err := RenderBytes(fixtures[name]())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two renderings differ (%d and %d bytes)", name, len(a), len(b))
		}
		if !bytes.Contains(a, []byte("/CreationDate (D:20260405")) {
			t.Errorf("%s: the creation date is not the report's", name)
		}
	}
	r := march2026()
	r.Figures.Imposed.Individuals++
	if b, _ := RenderBytes(r); bytes.Equal(b, renderFixture(t, "march-2026")) {
		t.Errorf("another amount rendered the same bytes")
	}
}

// rasterize renders each page of pdf to a grey PNG at 60 dpi with pdftoppm, in page order.
func rasterize(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	tool := requireTool(t, "pdftoppm")
	dir := t.TempDir()
	in := filepath.Join(dir, "report.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(tool, "-r", "60", "-gray", "-png", in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page-*.png"))
	sort.Strings(files)
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

// Tolerances of the image comparison, as for the record's document (mobile-api/document): a pixel
// differs when its grey level moves by more than pixelDelta, a page when more than maxDiffRatio of
// its pixels do. A bar one unit taller, or a figure changed in the table, moves more.
const (
	pixelDelta   = 64
	maxDiffRatio = 0.0002
)

func greyPixels(img image.Image) []uint8 {
	b := img.Bounds()
	out := make([]uint8, 0, b.Dx()*b.Dy())
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			out = append(out, uint8((r+g+bl)/3>>8))
		}
	}
	return out
}

func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// diffPages counts the pixels of two page images that differ by more than pixelDelta.
func diffPages(t *testing.T, a, b []byte) (diff, total int) {
	ia, ib := decode(t, a), decode(t, b)
	if ia.Bounds() != ib.Bounds() {
		return -1, 0
	}
	ga, gb := greyPixels(ia), greyPixels(ib)
	for i := range ga {
		if d := int(ga[i]) - int(gb[i]); d > pixelDelta || d < -pixelDelta {
			diff++
		}
	}
	return diff, len(ga)
}

func greyPNG(t *testing.T, b []byte) []byte {
	t.Helper()
	img := decode(t, b)
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

// TestRenderGoldenImages compares each fixture's pages with the golden PNGs in testdata/golden
// (-update rewrites them after a deliberate change of layout). A page that differs is kept in the
// temporary directory and its path logged.
func TestRenderGoldenImages(t *testing.T) {
	for _, name := range fixtureNames() {
		t.Run(name, func(t *testing.T) {
			pages := rasterize(t, renderFixture(t, name))
			golden, _ := filepath.Glob(filepath.Join("testdata", "golden", name+"-page*.png"))
			if *update {
				for _, g := range golden {
					os.Remove(g)
				}
				for i, p := range pages {
					if err := os.WriteFile(goldenPage(name, i+1), greyPNG(t, p), 0o644); err != nil {
						t.Fatal(err)
					}
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
				if diff, total := diffPages(t, p, want); diff < 0 || float64(diff) > maxDiffRatio*float64(total) {
					kept := filepath.Join(os.TempDir(), fmt.Sprintf("statsreport-%s-page%d.png", name, i+1))
					os.WriteFile(kept, p, 0o644)
					t.Errorf("page %d: %d of %d pixels differ; the rendering is kept at %s", i+1, diff, total, kept)
				}
			}
		})
	}
}

// TestRenderGoldenCatchesChanges: the comparison is sharp enough to see one bar of the sector chart
// grow by one violation, and a sentence of the narrative go. (A single digit changed in the table moves
// fewer pixels than the tolerance at 60 dpi: the figures are checked as text by TestRenderText.)
func TestRenderGoldenCatchesChanges(t *testing.T) {
	base := rasterize(t, renderFixture(t, "march-2026"))
	for name, change := range map[string]func(*Report){
		"a bar":      func(r *Report) { r.BySector[1].Violations++ },
		"a sentence": func(r *Report) { r.Figures.Forwarded = 0 },
	} {
		r := march2026()
		change(&r)
		b, err := RenderBytes(r)
		if err != nil {
			t.Fatal(err)
		}
		pages := rasterize(t, b)
		changed := false
		for i := range min(len(pages), len(base)) {
			if diff, total := diffPages(t, pages[i], base[i]); diff < 0 || float64(diff) > maxDiffRatio*float64(total) {
				changed = true
			}
		}
		if !changed {
			t.Errorf("%s: no page differs beyond the tolerance", name)
		}
	}
}

// TestRenderText extracts the text with pdftotext: the Vietnamese narrative comes out exactly (the
// glyphs and their Unicode maps are right), in the department's way of writing numbers and amounts.
func TestRenderText(t *testing.T) {
	tool := requireTool(t, "pdftotext")
	cases := map[string][]string{
		"march-2026": {"UBND TỈNH CAO BẰNG", "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
			"Cao Bằng, ngày 05 tháng 4 năm 2026", "BÁO CÁO KẾT QUẢ THANH TRA, KIỂM TRA CHUYÊN NGÀNH",
			"Kỳ báo cáo: tháng 3 năm 2026 (từ ngày 01/03/2026 đến ngày 31/03/2026)",
			"Trong tháng 3 năm 2026, Thanh tra Sở tổ chức thực hiện 05 cuộc thanh tra, kiểm tra (03 cuộc theo kế hoạch, 02 cuộc đột xuất) đối với 40 tổ chức, cá nhân (12 tổ chức, 28 cá nhân) tại 52 cơ sở, với 60 lượt kiểm tra; kiểm tra 44 phương tiện đo.",
			"Qua thanh tra, kiểm tra phát hiện 07 tổ chức, cá nhân vi phạm (03 tổ chức, 04 cá nhân); lập 08 biên bản vi phạm hành chính và ban hành 06 quyết định xử phạt vi phạm hành chính với tổng số tiền phạt 45.500.000 đồng (tổ chức 30.000.000 đồng, cá nhân 15.500.000 đồng).",
			"Đã thu nộp ngân sách nhà nước 30.000.000 đồng; còn phải thu 15.500.000 đồng, trong đó quá hạn 5.000.000 đồng.",
			"Chuyển 01 vụ việc đến cơ quan có thẩm quyền xử lý.", "Kết quả so với kế hoạch năm: 1.940/1.268 PTĐ đạt 153 %.",
			"Biểu đồ 1. Số hành vi vi phạm theo lĩnh vực", "Xăng dầu", "Bức xạ, X-quang",
			"Biểu đồ 2. Số tiền phạt và số tiền đã thu theo tháng (triệu đồng)", "T3/2026",
			"Biểu đồ 3. Số lượt kiểm tra và số hành vi vi phạm theo đơn vị hành chính", "Trùng Khánh", "Nguyên Bình",
			"Trang 1/3", "Trang 3/3", "5f2b8e1c9a0d4f7e3b6a1c8d2e9f0a7b4c3d6e5f8a1b2c9d0e7f4a3b6c5d8e1f"},
		"quiet": {"Trong tháng 2 năm 2026, Thanh tra Sở tổ chức thực hiện 01 cuộc kiểm tra (01 cuộc theo kế hoạch) đối với 03 tổ chức, cá nhân (02 tổ chức, 01 cá nhân) tại 03 cơ sở, với 03 lượt kiểm tra.",
			"Qua thanh tra, kiểm tra chưa phát hiện tổ chức, cá nhân vi phạm.", "(Số liệu có điều chỉnh so với số liệu đã chốt do dữ liệu đến muộn)",
			"Trang 2/2"},
	}
	for _, name := range fixtureNames() {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			in := filepath.Join(dir, "report.pdf")
			if err := os.WriteFile(in, renderFixture(t, name), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			text := strings.Join(strings.Fields(string(out)), " ")
			for _, want := range cases[name] {
				if !strings.Contains(text, want) {
					t.Errorf("the text lacks %q", want)
				}
			}
			if name == "quiet" && (strings.Contains(text, "Đã thu nộp") || strings.Contains(text, "Chuyển ")) {
				t.Errorf("a month without decisions or forwarded cases speaks of them")
			}
		})
	}
}

// TestNumbers: counts, amounts and percentages as the department writes them.
func TestNumbers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{Count(0), "00"}, {Count(5), "05"}, {Count(10), "10"}, {Count(1923), "1.923"}, {Count(1234567), "1.234.567"},
		{Money(15_000_000), "15.000.000 đồng"}, {Money(500), "500 đồng"}, {Thousands(-1500), "-1.500"},
		{Percent(1940, 1268), "153 %"}, {Percent(1, 3), "33 %"}, {Percent(2, 3), "67 %"}, {Percent(5, 0), ""},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// TestNarrativeWithoutInspections: a period without campaigns says so, and still reports the
// decisions and payments dated in it (they are counted by their own dates).
func TestNarrativeWithoutInspections(t *testing.T) {
	r := Report{PeriodLabel: "tháng 1 năm 2026", Actor: "Thanh tra Sở"}
	if got := strings.Join(Narrative(r), " "); got != "Trong tháng 1 năm 2026, Thanh tra Sở không tiến hành cuộc thanh tra, kiểm tra nào." {
		t.Errorf("an idle month: %q", got)
	}
	r.Figures = Figures{Decisions: Split{Individuals: 1}, Imposed: Amounts{Individuals: 2_000_000}, Collected: Amounts{Individuals: 2_000_000}}
	got := strings.Join(Narrative(r), " ")
	for _, want := range []string{"không tiến hành cuộc thanh tra", "ban hành 01 quyết định xử phạt vi phạm hành chính với tổng số tiền phạt 2.000.000 đồng",
		"Đã thu nộp ngân sách nhà nước 2.000.000 đồng; còn phải thu 0 đồng."} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if got := DateLine("", time.Date(2026, 1, 9, 0, 0, 0, 0, time.UTC)); got != "Ngày 09 tháng 01 năm 2026" {
		t.Errorf("a date line without a place: %q", got)
	}
}
