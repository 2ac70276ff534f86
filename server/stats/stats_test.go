package stats_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

func TestParsePeriod(t *testing.T) {
	for _, c := range []struct {
		in          string
		first, last string
		ok          bool
	}{
		{"2024-03", "2024-03-01", "2024-03-31", true},
		{"2024-02", "2024-02-01", "2024-02-29", true}, // leap year
		{"2023-02", "2023-02-01", "2023-02-28", true},
		{"2024-12", "2024-12-01", "2024-12-31", true},
		{"2024-Q1", "2024-01-01", "2024-03-31", true},
		{"2024-Q4", "2024-10-01", "2024-12-31", true},
		{"2024", "2024-01-01", "2024-12-31", true},
		{"2024-13", "", "", false},
		{"2024-00", "", "", false},
		{"2024-Q5", "", "", false},
		{"2024-3", "", "", false},
		{"24-03", "", "", false},
		{"", "", "", false},
		{"2024-03-01", "", "", false},
		{"1999", "", "", false},
	} {
		p, err := stats.ParsePeriod(c.in)
		if !c.ok {
			if errs.CodeOf(err) != errs.CodeStatsPeriodInvalid {
				t.Errorf("%q: %v, want %s", c.in, err, errs.CodeStatsPeriodInvalid)
			}
			continue
		}
		if err != nil || p.First().String() != c.first || p.Last().String() != c.last || p.String() != c.in {
			t.Errorf("%q: %v %s..%s %q, want %s..%s", c.in, err, p.First(), p.Last(), p, c.first, c.last)
		}
	}
}

// TestMonthEdges: the edges are midnight in Vietnam (UTC+7): 23:59 local time on the 31st belongs to
// the month, 00:00 on the 1st to the next.
func TestMonthEdges(t *testing.T) {
	march := stats.Period{Kind: stats.Month, Year: 2024, Number: 3}
	lastMinute := time.Date(2024, 3, 31, 16, 59, 0, 0, time.UTC) // 23:59 on 31 March in Vietnam
	midnight := time.Date(2024, 3, 31, 17, 0, 0, 0, time.UTC)    // 00:00 on 1 April in Vietnam
	if !march.Start().Equal(time.Date(2024, 2, 29, 17, 0, 0, 0, time.UTC)) || !march.End().Equal(midnight) {
		t.Fatalf("March runs %s – %s", march.Start().UTC(), march.End().UTC())
	}
	if !lastMinute.Before(march.End()) || midnight.Before(march.End()) {
		t.Fatal("23:59 must be inside March and 00:00 on 1 April outside")
	}
	if got := stats.MonthOf(lastMinute); got != march {
		t.Errorf("MonthOf(23:59 on 31 March) = %s", got)
	}
	if got := stats.MonthOf(midnight); got.String() != "2024-04" {
		t.Errorf("MonthOf(00:00 on 1 April) = %s", got)
	}
	if got := stats.MonthOf(time.Date(2024, 12, 31, 17, 0, 0, 0, time.UTC)); got.String() != "2025-01" {
		t.Errorf("MonthOf(00:00 on 1 January 2025) = %s", got)
	}
}

func sample() stats.Summary {
	rows, err := stats.Normalise([]stats.Row{
		{Breakdown: stats.ByUnit, Key: "u-ha", Label: "Huyện Hòa An", Figure: stats.Visits, Subjects: stats.AllSubjects, Value: 3},
		{Breakdown: stats.ByUnit, Key: "u-ha", Label: "Huyện Hòa An", Figure: stats.Visits, Subjects: stats.Individuals, Value: 2},
		{Breakdown: stats.ByUnit, Key: "u-ha", Label: "Huyện Hòa An", Figure: stats.Visits, Subjects: stats.Organisations, Value: 1},
		{Breakdown: stats.BySector, Key: "fuel", Figure: stats.Visits, Subjects: stats.AllSubjects, Value: 0}, // dropped
		{Breakdown: stats.ByTotal, Figure: stats.Visits, Subjects: stats.AllSubjects, Value: 3},
		{Breakdown: stats.ByTotal, Figure: stats.SubjectsCovered, Subjects: stats.Organisations, Value: 1},
		{Breakdown: stats.ByTotal, Figure: stats.AmountImposed, Subjects: stats.Organisations, Value: 30_000_000},
		{Breakdown: stats.ByTotal, Figure: stats.Decisions, Subjects: stats.Individuals, Value: 1},
		{Breakdown: stats.ByOrigin, Key: "planned", Figure: stats.CampaignsHeld, Subjects: stats.AllSubjects, Value: 1},
		{Breakdown: stats.ByPlan, Key: "fuel/instruments_checked", Figure: stats.PlanTarget, Subjects: stats.AllSubjects, Value: 1268},
		{Breakdown: stats.ByPlan, Key: "fuel/instruments_checked", Figure: stats.PlanActual, Subjects: stats.AllSubjects, Value: 1940},
	})
	if err != nil {
		panic(err)
	}
	p := stats.Period{Kind: stats.Month, Year: 2024, Number: 3}
	return stats.Summary{Scope: stats.Scope{OrgID: "org-a"}, Period: p, First: p.First(), Last: p.Last(), Rows: rows}
}

func TestNormalise(t *testing.T) {
	s := sample()
	if got := s.Value(stats.ByPlan, "fuel/instruments_checked", stats.PlanPercent, stats.AllSubjects); got != 153 { // "1940/1268 đạt 153 %"
		t.Errorf("plan percent %d, want 153", got)
	}
	if got := s.Value(stats.BySector, "fuel", stats.Visits, stats.AllSubjects); got != 0 {
		t.Errorf("fuel visits %d", got)
	}
	for _, r := range s.Rows {
		if r.Breakdown == stats.BySector {
			t.Errorf("a zero row was kept: %+v", r)
		}
	}
	// Every total row is present, 0 or not: 4 figures with everyone only, 13 split three ways.
	totals := 0
	for _, r := range s.Rows {
		if r.Breakdown == stats.ByTotal {
			totals++
		}
	}
	if totals != 4+13*3 {
		t.Errorf("%d total rows, want %d", totals, 4+13*3)
	}
	for i := 1; i < len(s.Rows); i++ {
		if stats.CompareRows(s.Rows[i-1], s.Rows[i]) >= 0 {
			t.Fatalf("rows out of order at %d: %+v, %+v", i, s.Rows[i-1], s.Rows[i])
		}
	}
	if _, err := stats.Normalise([]stats.Row{{Breakdown: stats.ByTotal, Figure: stats.Visits, Subjects: stats.AllSubjects, Value: 1},
		{Breakdown: stats.ByTotal, Figure: stats.Visits, Subjects: stats.AllSubjects, Value: 2}}); err == nil {
		t.Error("two values for one row were accepted")
	}
}

func TestCanonicalRoundTrip(t *testing.T) {
	s := sample()
	b, sum, err := stats.Canonical(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte(`{"format":1,"scope":"org-a","period":"2024-03","first":"2024-03-01","last":"2024-03-31","rows":[`)) ||
		!bytes.HasSuffix(b, []byte("}\n")) || !bytes.Contains(b, []byte(`"label":"Huyện Hòa An"`)) || len(sum) != 64 {
		t.Fatalf("canonical form %s %s", b, sum)
	}
	back, err := stats.FromCanonical(b)
	if err != nil {
		t.Fatal(err)
	}
	again, sum2, err := stats.Canonical(back)
	if err != nil || !bytes.Equal(again, b) || sum2 != sum {
		t.Fatalf("round trip changed the bytes:\n%s\n%s", b, again)
	}
	if _, err := stats.FromCanonical(bytes.Replace(b, []byte(`"format":1`), []byte(`"format":2`), 1)); err == nil {
		t.Error("an unknown format was read")
	}
}

func TestDiff(t *testing.T) {
	frozen := sample().Rows
	current := append([]stats.Row(nil), frozen...)
	for i, r := range current {
		if r.Breakdown == stats.ByTotal && r.Figure == stats.Visits && r.Subjects == stats.AllSubjects {
			current[i].Value = 4
		}
		if r.Breakdown == stats.ByUnit && r.Subjects == stats.AllSubjects {
			current[i].Label = "Xã Hòa An" // a label alone is no change
		}
	}
	current = append(current, stats.Row{Breakdown: stats.BySector, Key: "fuel", Figure: stats.Visits, Subjects: stats.AllSubjects, Value: 1})
	got := stats.Diff(frozen, current)
	if len(got) != 2 || got[0].Breakdown != stats.ByTotal || got[0].Frozen != 3 || got[0].Current != 4 ||
		got[1].Breakdown != stats.BySector || got[1].Frozen != 0 || got[1].Current != 1 {
		t.Fatalf("diff %+v", got)
	}
}

func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := stats.WriteCSV(&b, stats.Report{Summary: sample()}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"\uFEFFky,pham_vi,phan_to,ten_phan_to,ma,ten,chi_tieu,ten_chi_tieu,tong_so,to_chuc,ca_nhan\r\n",
		"2024-03,org-a,total,Tổng hợp,,,visits,Số lượt kiểm tra tại cơ sở,3,0,0\r\n",
		"2024-03,org-a,total,Tổng hợp,,,campaigns_held,\"Số cuộc thanh tra, kiểm tra\",0,,\r\n",
		"2024-03,org-a,unit,Theo đơn vị hành chính,u-ha,Huyện Hòa An,visits,Số lượt kiểm tra tại cơ sở,3,1,2\r\n",
		"2024-03,org-a,campaign_origin,Theo kế hoạch / đột xuất,planned,Theo kế hoạch,campaigns_held,\"Số cuộc thanh tra, kiểm tra\",1,,\r\n",
		"2024-03,org-a,plan,Kết quả so với kế hoạch năm,fuel/instruments_checked,Xăng dầu: phương tiện đo được kiểm tra,plan_percent,Tỷ lệ đạt (%),153,,\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the CSV lacks %q", want)
		}
	}
	if strings.Index(out, ",total,") > strings.Index(out, ",unit,") || strings.Index(out, ",unit,") > strings.Index(out, ",campaign_origin,") {
		t.Error("breakdowns out of order")
	}
	var again bytes.Buffer
	if err := stats.WriteCSV(&again, stats.Report{Summary: sample(), ComputedAt: time.Now()}); err != nil || again.String() != out {
		t.Error("the CSV depends on more than the figures")
	}
}

func TestWriteXLSX(t *testing.T) {
	var b bytes.Buffer
	if err := stats.WriteXLSX(&b, stats.Report{Summary: sample(), ComputedAt: time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC),
		Revision: &stats.Revision{SHA256: strings.Repeat("0", 64), Changes: []stats.Change{{Breakdown: stats.ByTotal, Figure: stats.Visits,
			Subjects: stats.AllSubjects, Frozen: 3, Current: 4}}}}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	want := []string{"Biểu kết quả TTCN", "Tổng hợp", "Lĩnh vực", "Đơn vị hành chính", "Đoàn", "Thanh tra viên", "Hình thức",
		"Kế hoạch - đột xuất", "Nội dung không đạt", "Hành vi vi phạm", "Kế hoạch năm", "Điều chỉnh"}
	if strings.Join(sheets, "|") != strings.Join(want, "|") {
		t.Fatalf("sheets %v, want %v", sheets, want)
	}
	rows, err := f.GetRows("Biểu kết quả TTCN")
	if err != nil {
		t.Fatal(err)
	}
	// Rows 8–13: column numbers, headings, units, values, notes, verification.
	byNumber := map[string][2]string{}
	for i, n := range rows[7][1:] {
		value, _ := excelize.CoordinatesToCellName(i+2, 11)
		check, _ := excelize.CoordinatesToCellName(i+2, 13)
		v, err1 := f.GetCellValue("Biểu kết quả TTCN", value)
		c, err2 := f.GetCellValue("Biểu kết quả TTCN", check)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		byNumber[n] = [2]string{v, c}
	}
	for n, v := range map[string]string{"(2)": "1", "(3)": "0", "(5)": "1", "(6)": "0", "(19)": "1", "(21)": "30", "(22)": "0", "(14)": ""} {
		if byNumber[n][0] != v || byNumber[n][1] != "chưa đối chiếu" {
			t.Errorf("form column %s = %q (%q), want %q, unverified", n, byNumber[n][0], byNumber[n][1], v)
		}
	}
	units, err := f.GetRows("Đơn vị hành chính")
	if err != nil {
		t.Fatal(err)
	}
	if last := units[len(units)-1]; strings.Join(last, "|") != "u-ha|Huyện Hòa An|visits|Số lượt kiểm tra tại cơ sở|3|1|2" {
		t.Errorf("unit sheet's last row %q", last)
	}
}
