// Package statsreport renders the statistics report of a period as a PDF in Vietnamese: the header of
// an official document, the title, the period and the reporting unit, a short narrative in the words
// the department's own reports use ("Tổ chức thực hiện 05 cuộc kiểm tra đối với 40 tổ chức, cá
// nhân…"), a table of the figures, and charts — violations by sector, amounts imposed and collected
// by month, visits and violations by administrative unit — drawn with the PDF library's own lines and
// rectangles (issue 8; docs/exports.md).
//
// The renderer takes its own input (Report), the figures the report prints, so that it is tested
// without the statistics service; server/app maps the statistics summary to it. The same Report
// gives the same bytes: the dates in the PDF come from the Report, never from the clock.
package statsreport

import (
	"strconv"
	"strings"
	"time"
)

// Report is what the report prints.
type Report struct {
	// Parent and Unit head the document's left column: the superior body ("UBND TỈNH CAO BẰNG") and
	// the reporting unit ("SỞ KHOA HỌC VÀ CÔNG NGHỆ").
	Parent, Unit string
	// Actor is who did the inspections, as the narrative names it ("Thanh tra Sở").
	Actor string
	// Place and IssuedOn make the line "Cao Bằng, ngày … tháng … năm …"; IssuedOn is also the PDF's
	// creation date.
	Place    string
	IssuedOn time.Time
	// Title is the report's title; empty: "BÁO CÁO KẾT QUẢ THANH TRA, KIỂM TRA CHUYÊN NGÀNH".
	Title string
	// PeriodLabel names the period in words ("tháng 3 năm 2026", "quý I năm 2026", "năm 2026"); From
	// and To are its first and last days.
	PeriodLabel string
	From, To    time.Time
	// FiguresSHA256, when set, is the hash of the frozen figures the report was made from; every page
	// prints it.
	FiguresSHA256 string
	// Revised says that data arrived after the month was frozen (the figures differ from the frozen
	// ones); the report says so under the title.
	Revised bool

	Figures  Figures
	BySector []SectorRow
	ByMonth  []MonthRow
	ByUnit   []UnitRow
}

// Split is a count of organisations and individuals apart (household businesses count as
// individuals, D25).
type Split struct {
	Organisations, Individuals int
}

// Total is both together.
func (s Split) Total() int { return s.Organisations + s.Individuals }

// Amounts are sums in đồng, by organisations and individuals.
type Amounts struct {
	Organisations, Individuals int64
}

// Total is both together.
func (a Amounts) Total() int64 { return a.Organisations + a.Individuals }

// Figures are the period's totals.
type Figures struct {
	Campaigns            int // cuộc thanh tra, kiểm tra held
	Planned, Surprise    int // of which planned (theo kế hoạch) and surprise (đột xuất)
	Inspections, Checks  int // of which specialised inspections (thanh tra) and state checks (kiểm tra)
	Concluded            int // campaigns with a conclusion document
	Subjects             Split
	Sites                int
	Visits               int
	Violating            Split // subjects found violating
	Records              int   // violation records (biên bản)
	Decisions            Split // penalty decisions issued (quyết định xử phạt), by the kind of the fined
	Imposed, Collected   Amounts
	Outstanding, Overdue int64
	Forwarded            int // cases forwarded to a competent authority
	InstrumentsChecked   int // instruments (dispensers, scales, X-ray devices) checked
	Violations           int // violations cited in the records
	// PlanTarget and PlanAchieved are the yearly plan's target and what was achieved, in PlanMetric
	// ("PTĐ", "cuộc"); zero when the period has no target.
	PlanTarget, PlanAchieved int
	PlanMetric               string
}

// SectorRow is one sector of the chart of violations by sector.
type SectorRow struct {
	Name       string // "Xăng dầu", "Đo lường, chất lượng", "Bức xạ, X-quang", "Khác"
	Violations int
	Records    int
}

// MonthRow is one month of the chart of amounts.
type MonthRow struct {
	Label              string // "T3/2026"
	Imposed, Collected int64
}

// UnitRow is one administrative unit (as it was on the date of the visits) of the chart by unit.
type UnitRow struct {
	Name       string
	Visits     int
	Violations int
}

// Count writes a count as the department does: two digits below ten ("05 cuộc"), dots between
// thousands from a thousand ("1.923").
func Count(n int) string {
	if n >= 0 && n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return Thousands(int64(n))
}

// Thousands writes n with dots between thousands: 45500000 → "45.500.000".
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Money writes an amount in đồng: "45.500.000 đồng".
func Money(n int64) string { return Thousands(n) + " đồng" }

// Percent writes achieved/target as the department does, rounded to a whole percent: 1940/1268 is
// "153 %".
func Percent(achieved, target int) string {
	if target <= 0 {
		return ""
	}
	return strconv.Itoa((achieved*200+target)/(2*target)) + " %"
}

// Narrative is the report's short text, in the department's words. Each sentence is a paragraph.
func Narrative(r Report) []string {
	f := r.Figures
	actor := r.Actor
	if actor == "" {
		actor = "Thanh tra Sở"
	}
	var out []string

	idle := f.Campaigns == 0 && f.Visits == 0
	var b strings.Builder
	if idle {
		b.WriteString("Trong " + r.PeriodLabel + ", " + actor + " không tiến hành cuộc thanh tra, kiểm tra nào.")
	} else {
		b.WriteString("Trong " + r.PeriodLabel + ", " + actor + " tổ chức thực hiện " + Count(f.Campaigns) + " cuộc " + campaignWord(f))
		var parts []string
		if f.Planned > 0 {
			parts = append(parts, Count(f.Planned)+" cuộc theo kế hoạch")
		}
		if f.Surprise > 0 {
			parts = append(parts, Count(f.Surprise)+" cuộc đột xuất")
		}
		if len(parts) > 0 && f.Campaigns > 0 {
			b.WriteString(" (" + strings.Join(parts, ", ") + ")")
		}
		b.WriteString(" đối với " + Count(f.Subjects.Total()) + " tổ chức, cá nhân")
		if f.Subjects.Total() > 0 {
			b.WriteString(" (" + Count(f.Subjects.Organisations) + " tổ chức, " + Count(f.Subjects.Individuals) + " cá nhân)")
		}
		b.WriteString(" tại " + Count(f.Sites) + " cơ sở, với " + Count(f.Visits) + " lượt kiểm tra")
		if f.InstrumentsChecked > 0 {
			b.WriteString("; kiểm tra " + Count(f.InstrumentsChecked) + " phương tiện đo")
		}
		b.WriteString(".")
	}
	out = append(out, b.String())

	// Records and decisions are counted by their own dates: a period without inspections may still
	// have the decisions of an earlier month's records.
	b.Reset()
	switch {
	case f.Violating.Total() == 0 && f.Records == 0 && f.Decisions.Total() == 0:
		if !idle {
			b.WriteString("Qua thanh tra, kiểm tra chưa phát hiện tổ chức, cá nhân vi phạm.")
		}
	default:
		b.WriteString("Qua thanh tra, kiểm tra phát hiện " + Count(f.Violating.Total()) + " tổ chức, cá nhân vi phạm (" +
			Count(f.Violating.Organisations) + " tổ chức, " + Count(f.Violating.Individuals) + " cá nhân); lập " +
			Count(f.Records) + " biên bản vi phạm hành chính")
		if f.Decisions.Total() > 0 {
			b.WriteString(" và ban hành " + Count(f.Decisions.Total()) + " quyết định xử phạt vi phạm hành chính với tổng số tiền phạt " +
				Money(f.Imposed.Total()))
			if f.Imposed.Organisations > 0 && f.Imposed.Individuals > 0 {
				b.WriteString(" (tổ chức " + Money(f.Imposed.Organisations) + ", cá nhân " + Money(f.Imposed.Individuals) + ")")
			}
		}
		b.WriteString(".")
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}

	if f.Decisions.Total() > 0 || f.Collected.Total() > 0 {
		s := "Đã thu nộp ngân sách nhà nước " + Money(f.Collected.Total()) + "; còn phải thu " + Money(f.Outstanding)
		if f.Overdue > 0 {
			s += ", trong đó quá hạn " + Money(f.Overdue)
		}
		out = append(out, s+".")
	}
	if f.Forwarded > 0 {
		out = append(out, "Chuyển "+Count(f.Forwarded)+" vụ việc đến cơ quan có thẩm quyền xử lý.")
	}
	if f.PlanTarget > 0 {
		metric := f.PlanMetric
		if metric == "" {
			metric = "cuộc"
		}
		out = append(out, "Kết quả so với kế hoạch năm: "+Thousands(int64(f.PlanAchieved))+"/"+Thousands(int64(f.PlanTarget))+" "+metric+
			" đạt "+Percent(f.PlanAchieved, f.PlanTarget)+".")
	}
	return out
}

// campaignWord names the campaigns by their kinds: thanh tra, kiểm tra, or both.
func campaignWord(f Figures) string {
	switch {
	case f.Inspections > 0 && f.Checks == 0:
		return "thanh tra"
	case f.Checks > 0 && f.Inspections == 0:
		return "kiểm tra"
	}
	return "thanh tra, kiểm tra"
}

// DateLine is "Cao Bằng, ngày 05 tháng 4 năm 2026": the day with two digits, the month as a number,
// as official documents write it.
func DateLine(place string, d time.Time) string {
	if place == "" {
		return "Ngày " + strings.TrimPrefix(DateLine(".", d), "., ngày ")
	}
	day := d.Day()
	month := strconv.Itoa(int(d.Month()))
	if d.Month() <= 2 {
		month = "0" + month // tháng 01, 02 (Decree 30/2020: months below 3 take a leading zero)
	}
	return place + ", ngày " + Count(day) + " tháng " + month + " năm " + strconv.Itoa(d.Year())
}
