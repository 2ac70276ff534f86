package statsreport

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
)

// Page geometry in millimetres: A4 with the margins of official documents (Decree 30/2020/NĐ-CP).
const (
	pageW   = 210.0
	pageH   = 297.0
	marginL = 30.0
	marginR = 20.0
	marginT = 20.0
	marginB = 20.0
	textW   = pageW - marginL - marginR
	family  = "LiberationSerif"
	body    = 13.0 // points
	lineH   = 6.2
)

// The chart colours: dark blue for the first series, orange for the second, grey lines.
var (
	colourA = [3]int{31, 78, 121}
	colourB = [3]int{230, 126, 34}
	grid    = [3]int{200, 200, 200}
)

// Render writes the report's PDF to w.
func Render(w io.Writer, r Report) error {
	f := newPDF(r)
	header(f, r)
	paragraphs(f, r)
	figureTable(f, r)
	// The charts are placed by hand: a chart that does not fit the rest of the page starts the next.
	f.AddPage()
	f.SetAutoPageBreak(false, marginB+6)
	heading(f, "II. BIỂU ĐỒ")
	sectorChart(f, r.BySector)
	monthChart(f, r.ByMonth)
	if f.GetY()+unitChartHeight(len(r.ByUnit)) > pageH-marginB-6 {
		f.AddPage()
	}
	unitChart(f, r.ByUnit)
	if err := f.Error(); err != nil {
		return fmt.Errorf("statsreport.Render: %w", err)
	}
	return f.Output(w)
}

// RenderBytes returns the report's PDF.
func RenderBytes(r Report) ([]byte, error) {
	var b bytes.Buffer
	if err := Render(&b, r); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// newPDF is an empty A4 document with the fonts loaded and every setting that affects its bytes
// fixed: the dates from the report, resources in sorted order, compression on.
func newPDF(r Report) *fpdf.Fpdf {
	f := fpdf.New("P", "mm", "A4", "")
	f.SetCatalogSort(true)
	f.SetCompression(true)
	f.SetCreationDate(r.IssuedOn)
	f.SetModificationDate(r.IssuedOn)
	f.SetTitle(titleOf(r)+" "+r.PeriodLabel, true)
	f.SetAuthor(r.Unit, true)
	f.SetCreator("thanhtra", false)
	if r.FiguresSHA256 != "" {
		f.SetKeywords("figures-sha256="+r.FiguresSHA256, false)
	}
	f.SetMargins(marginL, marginT, marginR)
	f.SetAutoPageBreak(true, marginB+6)
	regular, bold, italic := document.SerifFonts()
	f.AddUTF8FontFromBytes(family, "", regular)
	f.AddUTF8FontFromBytes(family, "B", bold)
	f.AddUTF8FontFromBytes(family, "I", italic)
	f.AliasNbPages("{nb}")
	f.SetFooterFunc(func() {
		f.SetY(pageH - marginB)
		f.SetFont(family, "I", 9)
		f.SetTextColor(90, 90, 90)
		text := "Trang " + strconv.Itoa(f.PageNo()) + "/{nb}"
		if r.FiguresSHA256 != "" {
			text = "Số liệu đã chốt, SHA-256: " + r.FiguresSHA256 + " — " + text
		}
		f.CellFormat(textW, 4, text, "", 0, "C", false, 0, "")
		f.SetTextColor(0, 0, 0)
	})
	f.AddPage()
	return f
}

func titleOf(r Report) string {
	if r.Title != "" {
		return r.Title
	}
	return "BÁO CÁO KẾT QUẢ THANH TRA, KIỂM TRA CHUYÊN NGÀNH"
}

// header draws the two columns of an official document's head — the bodies on the left (a long name
// wraps within its column), the national motto on the right — then the place and date, the title and
// the period.
func header(f *fpdf.Fpdf, r Report) {
	leftW, rightW := 70.0, textW-70.0
	y := marginT
	var left []string
	f.SetFont(family, "", 12)
	if r.Parent != "" {
		left = append(left, f.SplitText(strings.ToUpper(r.Parent), leftW)...)
	}
	parentLines := len(left)
	f.SetFont(family, "B", 12)
	left = append(left, f.SplitText(strings.ToUpper(r.Unit), leftW)...)
	for i, line := range left {
		style := "B"
		if i < parentLines {
			style = ""
		}
		f.SetFont(family, style, 12)
		f.SetXY(marginL, y+5.5*float64(i))
		f.CellFormat(leftW, 5.5, line, "", 0, "C", false, 0, "")
	}
	// A short rule under the unit, a full one under the motto, as official documents have them.
	f.SetLineWidth(0.3)
	f.SetFont(family, "B", 12)
	lastW := math.Min(f.GetStringWidth(left[len(left)-1]), leftW) / 2
	ruleY := y + 5.5*float64(len(left)) + 0.5
	f.Line(marginL+(leftW-lastW)/2, ruleY, marginL+(leftW+lastW)/2, ruleY)

	f.SetFont(family, "B", 12)
	f.SetXY(marginL+leftW, y)
	f.CellFormat(rightW, 5.5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", 0, "C", false, 0, "")
	f.SetFont(family, "B", 13)
	f.SetXY(marginL+leftW, y+5.5)
	motto := "Độc lập - Tự do - Hạnh phúc"
	f.CellFormat(rightW, 5.5, motto, "", 0, "C", false, 0, "")
	mw := f.GetStringWidth(motto)
	f.Line(marginL+leftW+(rightW-mw)/2, y+11.5, marginL+leftW+(rightW+mw)/2, y+11.5)
	dateY := math.Max(y+14, ruleY+2.5)
	f.SetFont(family, "I", 13)
	f.SetXY(marginL+leftW, dateY)
	f.CellFormat(rightW, 6, DateLine(r.Place, r.IssuedOn), "", 0, "C", false, 0, "")

	f.SetXY(marginL, dateY+14)
	f.SetFont(family, "B", 14)
	f.MultiCell(textW, 7, titleOf(r), "", "C", false)
	f.SetFont(family, "B", 13)
	f.CellFormat(textW, 6.5, "Kỳ báo cáo: "+r.PeriodLabel+" (từ ngày "+r.From.Format("02/01/2006")+" đến ngày "+
		r.To.Format("02/01/2006")+")", "", 1, "C", false, 0, "")
	if r.Revised {
		f.SetFont(family, "I", 12)
		f.CellFormat(textW, 6, "(Số liệu có điều chỉnh so với số liệu đã chốt do dữ liệu đến muộn)", "", 1, "C", false, 0, "")
	}
	f.Ln(4)
}

func heading(f *fpdf.Fpdf, text string) {
	f.SetFont(family, "B", body)
	f.SetX(marginL)
	f.CellFormat(textW, 7, text, "", 1, "L", false, 0, "")
}

// paragraphs prints the narrative, justified with a first-line indent.
func paragraphs(f *fpdf.Fpdf, r Report) {
	heading(f, "I. KẾT QUẢ THỰC HIỆN")
	f.SetFont(family, "", body)
	for _, p := range Narrative(r) {
		f.SetX(marginL)
		f.MultiCell(textW, lineH, "        "+p, "", "J", false)
		f.Ln(1)
	}
	f.Ln(2)
}

// figureTable prints the figures with organisations and individuals apart.
func figureTable(f *fpdf.Fpdf, r Report) {
	fg := r.Figures
	type row struct {
		label                string
		total, orgs, persons string
	}
	split := func(label string, s Split) row {
		return row{label, Count(s.Total()), Count(s.Organisations), Count(s.Individuals)}
	}
	money := func(label string, a Amounts) row {
		return row{label, Thousands(a.Total()), Thousands(a.Organisations), Thousands(a.Individuals)}
	}
	one := func(label string, n int) row { return row{label, Count(n), "", ""} }
	rows := []row{
		one("Số cuộc thanh tra, kiểm tra", fg.Campaigns),
		one("   - Theo kế hoạch", fg.Planned),
		one("   - Đột xuất", fg.Surprise),
		one("   - Đã ban hành kết luận", fg.Concluded),
		split("Số tổ chức, cá nhân được thanh tra, kiểm tra", fg.Subjects),
		one("Số cơ sở được kiểm tra", fg.Sites),
		one("Số lượt kiểm tra", fg.Visits),
		one("Số phương tiện đo được kiểm tra", fg.InstrumentsChecked),
		split("Số tổ chức, cá nhân vi phạm", fg.Violating),
		one("Số biên bản vi phạm hành chính", fg.Records),
		one("Số hành vi vi phạm", fg.Violations),
		split("Số quyết định xử phạt", fg.Decisions),
		money("Số tiền phạt (đồng)", fg.Imposed),
		money("Số tiền đã thu (đồng)", fg.Collected),
		{"Số tiền còn phải thu (đồng)", Thousands(fg.Outstanding), "", ""},
		{"   - Trong đó quá hạn (đồng)", Thousands(fg.Overdue), "", ""},
		one("Số vụ việc chuyển cơ quan có thẩm quyền", fg.Forwarded),
	}
	if fg.PlanTarget > 0 {
		rows = append(rows, row{"Kết quả so với kế hoạch năm (" + fg.PlanMetric + ")",
			Thousands(int64(fg.PlanAchieved)) + "/" + Thousands(int64(fg.PlanTarget)) + " (" + Percent(fg.PlanAchieved, fg.PlanTarget) + ")", "", ""})
	}
	widths := []float64{80, 36, 22, 22}
	f.SetFont(family, "B", 11)
	f.SetFillColor(230, 236, 242)
	f.SetX(marginL)
	for i, h := range []string{"Chỉ tiêu", "Tổng số", "Tổ chức", "Cá nhân"} {
		f.CellFormat(widths[i], 7, h, "1", 0, "C", true, 0, "")
	}
	f.Ln(-1)
	f.SetFont(family, "", 11)
	for _, rw := range rows {
		f.SetX(marginL)
		f.CellFormat(widths[0], 6.2, rw.label, "1", 0, "L", false, 0, "")
		f.CellFormat(widths[1], 6.2, rw.total, "1", 0, "R", false, 0, "")
		f.CellFormat(widths[2], 6.2, rw.orgs, "1", 0, "R", false, 0, "")
		f.CellFormat(widths[3], 6.2, rw.persons, "1", 0, "R", false, 0, "")
		f.Ln(-1)
	}
}

// niceMax is the axis maximum above v: 1, 2 or 5 times a power of ten.
func niceMax(v float64) float64 {
	if v <= 0 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// countMax is the axis maximum of counts: at least 5, so that the five grid steps are whole numbers.
func countMax(v float64) float64 { return math.Max(5, niceMax(v)) }

func setFill(f *fpdf.Fpdf, c [3]int) { f.SetFillColor(c[0], c[1], c[2]) }
func setDraw(f *fpdf.Fpdf, c [3]int) { f.SetDrawColor(c[0], c[1], c[2]) }

// chartTitle prints a chart's title and returns the top of its plot.
func chartTitle(f *fpdf.Fpdf, title string) float64 {
	f.Ln(3)
	f.SetFont(family, "B", 12)
	f.SetX(marginL)
	f.CellFormat(textW, 6, title, "", 1, "C", false, 0, "")
	return f.GetY() + 2
}

// axis draws the horizontal grid lines of a vertical-bar plot with their labels and returns the
// scale (mm per unit).
func axis(f *fpdf.Fpdf, x, y, w, h, max float64, label func(float64) string) float64 {
	f.SetFont(family, "", 8)
	f.SetLineWidth(0.1)
	for i := 0; i <= 5; i++ {
		v := max * float64(i) / 5
		gy := y + h - h*float64(i)/5
		setDraw(f, grid)
		f.Line(x, gy, x+w, gy)
		f.SetXY(x-22, gy-2)
		f.CellFormat(20, 4, label(v), "", 0, "R", false, 0, "")
	}
	f.SetDrawColor(0, 0, 0)
	f.SetLineWidth(0.3)
	f.Line(x, y, x, y+h)
	f.Line(x, y+h, x+w, y+h)
	return h / max
}

// sectorChart: violations by sector, vertical bars with their values.
func sectorChart(f *fpdf.Fpdf, rows []SectorRow) {
	top := chartTitle(f, "Biểu đồ 1. Số hành vi vi phạm theo lĩnh vực")
	x, w, h := marginL+22, textW-24, 55.0
	var maxV float64
	for _, r := range rows {
		maxV = math.Max(maxV, float64(r.Violations))
	}
	max := countMax(maxV)
	scale := axis(f, x, top, w, h, max, func(v float64) string { return Thousands(int64(math.Round(v))) })
	if len(rows) > 0 {
		slot := w / float64(len(rows))
		bw := math.Min(slot*0.55, 22)
		for i, r := range rows {
			bx := x + slot*float64(i) + (slot-bw)/2
			bh := float64(r.Violations) * scale
			setFill(f, colourA)
			if bh > 0 {
				f.Rect(bx, top+h-bh, bw, bh, "F")
			}
			f.SetFont(family, "B", 9)
			f.SetXY(bx-5, top+h-bh-5)
			f.CellFormat(bw+10, 4, Count(r.Violations), "", 0, "C", false, 0, "")
			f.SetFont(family, "", 9)
			f.SetXY(x+slot*float64(i), top+h+1.5)
			f.MultiCell(slot, 4, r.Name, "", "C", false)
		}
	}
	f.SetY(top + h + 11)
}

// monthChart: amounts imposed and collected by month, two bars a month, in millions of đồng.
func monthChart(f *fpdf.Fpdf, rows []MonthRow) {
	top := chartTitle(f, "Biểu đồ 2. Số tiền phạt và số tiền đã thu theo tháng (triệu đồng)")
	x, w, h := marginL+22, textW-24, 55.0
	var maxV float64
	for _, r := range rows {
		maxV = math.Max(maxV, math.Max(float64(r.Imposed), float64(r.Collected)))
	}
	max := niceMax(maxV / 1e6)
	scale := axis(f, x, top, w, h, max, millions)
	if len(rows) > 0 {
		slot := w / float64(len(rows))
		bw := math.Min(slot*0.35, 12)
		for i, r := range rows {
			sx := x + slot*float64(i) + slot/2 - bw
			for j, v := range []int64{r.Imposed, r.Collected} {
				bh := float64(v) / 1e6 * scale
				setFill(f, []([3]int){colourA, colourB}[j])
				if bh > 0 {
					f.Rect(sx+bw*float64(j), top+h-bh, bw, bh, "F")
				}
			}
			f.SetFont(family, "", 8)
			f.SetXY(x+slot*float64(i), top+h+1.5)
			f.CellFormat(slot, 4, r.Label, "", 0, "C", false, 0, "")
		}
	}
	legend(f, x, top+h+7, []string{"Số tiền phạt", "Số tiền đã thu"})
	f.SetY(top + h + 13)
}

// millions writes an axis value in millions of đồng, with a decimal comma where needed.
func millions(v float64) string {
	if v == math.Trunc(v) {
		return Thousands(int64(v))
	}
	return strings.Replace(strconv.FormatFloat(v, 'f', 1, 64), ".", ",", 1)
}

// legend draws the series' colour boxes and names on one line from x.
func legend(f *fpdf.Fpdf, x, y float64, names []string) {
	f.SetFont(family, "", 9)
	for i, n := range names {
		setFill(f, []([3]int){colourA, colourB}[i])
		f.Rect(x, y+0.8, 3.5, 3.5, "F")
		f.SetXY(x+5, y)
		nw := f.GetStringWidth(n)
		f.CellFormat(nw+2, 5, n, "", 0, "L", false, 0, "")
		x += nw + 14
	}
}

// The bars of the unit chart: two bars of unitBarH a unit, unitGap between units.
const (
	unitBarH = 3.2
	unitGap  = 2.6
)

// unitChartHeight is the height of the unit chart with its title and legend.
func unitChartHeight(units int) float64 {
	return float64(units)*(2*unitBarH+unitGap) + unitGap + 26
}

// unitChart: visits and violations by administrative unit, horizontal bars.
func unitChart(f *fpdf.Fpdf, rows []UnitRow) {
	top := chartTitle(f, "Biểu đồ 3. Số lượt kiểm tra và số hành vi vi phạm theo đơn vị hành chính")
	labelW := 45.0
	x, w := marginL+labelW, textW-labelW-12
	barH, gap := unitBarH, unitGap
	h := float64(len(rows))*(2*barH+gap) + gap
	var maxV float64
	for _, r := range rows {
		maxV = math.Max(maxV, math.Max(float64(r.Visits), float64(r.Violations)))
	}
	max := countMax(maxV)
	scale := w / max
	f.SetFont(family, "", 8)
	f.SetLineWidth(0.1)
	for i := 0; i <= 5; i++ {
		gx := x + w*float64(i)/5
		setDraw(f, grid)
		f.Line(gx, top, gx, top+h)
		f.SetXY(gx-10, top+h+0.5)
		f.CellFormat(20, 4, Thousands(int64(math.Round(max*float64(i)/5))), "", 0, "C", false, 0, "")
	}
	f.SetDrawColor(0, 0, 0)
	f.SetLineWidth(0.3)
	f.Line(x, top, x, top+h)
	for i, r := range rows {
		y := top + gap + float64(i)*(2*barH+gap)
		f.SetFont(family, "", 9)
		f.SetXY(marginL, y)
		f.CellFormat(labelW-2, 2*barH, fit(f, r.Name, labelW-2), "", 0, "R", false, 0, "")
		for j, v := range []int{r.Visits, r.Violations} {
			bw := float64(v) * scale
			setFill(f, []([3]int){colourA, colourB}[j])
			if bw > 0 {
				f.Rect(x, y+barH*float64(j), bw, barH, "F")
			}
			f.SetFont(family, "", 7)
			f.SetXY(x+bw+1, y+barH*float64(j)-0.4)
			f.CellFormat(10, barH+0.8, Count(v), "", 0, "L", false, 0, "")
		}
	}
	legend(f, x, top+h+6, []string{"Số lượt kiểm tra", "Số hành vi vi phạm"})
	f.SetY(top + h + 12)
}

// fit shortens s with an ellipsis until it fits width w in the current font.
func fit(f *fpdf.Fpdf, s string, w float64) string {
	if f.GetStringWidth(s) <= w {
		return s
	}
	rs := []rune(s)
	for len(rs) > 1 && f.GetStringWidth(string(rs)+"…") > w {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}
