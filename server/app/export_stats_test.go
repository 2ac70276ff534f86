package app

import (
	"strconv"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/stats"
	"github.com/skhcn-caobang/thanhtra/server/statsreport"
)

// TestReportOf maps a hand-made summary to the PDF's figures: every figure from its row, the
// organisations and individuals apart, the sectors in the chart's order, the busiest units first with
// the rest summed into one bar, the plan target, the frozen hash and the revision; and the heads of
// an official document from the organisation's name.
func TestReportOf(t *testing.T) {
	all, org, ind := stats.AllSubjects, stats.Organisations, stats.Individuals
	row := func(b stats.Breakdown, key string, f stats.Figure, k stats.SubjectKind, v int64) stats.Row {
		return stats.Row{Breakdown: b, Key: key, Label: key, Figure: f, Subjects: k, Value: v}
	}
	rows := []stats.Row{
		row(stats.ByTotal, "", stats.CampaignsHeld, all, 5), row(stats.ByOrigin, "planned", stats.CampaignsHeld, all, 3),
		row(stats.ByOrigin, "surprise", stats.CampaignsHeld, all, 2), row(stats.ByKind, "inspection", stats.CampaignsHeld, all, 1),
		row(stats.ByKind, "check", stats.CampaignsHeld, all, 4), row(stats.ByTotal, "", stats.CampaignsConcluded, all, 2),
		row(stats.ByTotal, "", stats.SubjectsCovered, org, 12), row(stats.ByTotal, "", stats.SubjectsCovered, ind, 28),
		row(stats.ByTotal, "", stats.SitesVisited, all, 52), row(stats.ByTotal, "", stats.Visits, all, 60),
		row(stats.ByTotal, "", stats.InstrumentsChecked, all, 44), row(stats.ByTotal, "", stats.SubjectsViolating, org, 3),
		row(stats.ByTotal, "", stats.SubjectsViolating, ind, 4), row(stats.ByTotal, "", stats.Records, all, 8),
		row(stats.ByTotal, "", stats.Violations, all, 11), row(stats.ByTotal, "", stats.Decisions, org, 2),
		row(stats.ByTotal, "", stats.Decisions, ind, 4), row(stats.ByTotal, "", stats.AmountImposed, org, 30_000_000),
		row(stats.ByTotal, "", stats.AmountImposed, ind, 15_500_000), row(stats.ByTotal, "", stats.AmountCollected, org, 20_000_000),
		row(stats.ByTotal, "", stats.AmountCollected, ind, 10_000_000), row(stats.ByTotal, "", stats.AmountOutstanding, all, 15_500_000),
		row(stats.ByTotal, "", stats.AmountOverdue, all, 5_000_000), row(stats.ByTotal, "", stats.CasesForwarded, all, 1),
		row(stats.BySector, "fuel", stats.Violations, all, 6), row(stats.BySector, "radiation", stats.Violations, all, 2),
		row(stats.BySector, "fuel", stats.Records, all, 4),
		row(stats.ByPlan, "metrology/instruments_checked", stats.PlanTarget, all, 1268),
		row(stats.ByPlan, "metrology/instruments_checked", stats.PlanActual, all, 1940),
	}
	for i := range 16 { // unit u00 has 1 visit … u15 has 16
		key := "u" + strconv.Itoa(100 + i)[1:]
		rows = append(rows, row(stats.ByUnit, key, stats.Visits, all, int64(i+1)), row(stats.ByUnit, key, stats.Violations, all, 1))
	}
	p := stats.Period{Kind: stats.Month, Year: 2026, Number: 3}
	rep := stats.Report{Summary: stats.Summary{Period: p, First: legal.NewDate(2026, 3, 1), Last: legal.NewDate(2026, 3, 31), Rows: rows},
		Frozen: &stats.Frozen{SHA256: "abc"}, Revision: &stats.Revision{Changes: []stats.Change{{}}}}
	got := reportOf(rep, "Sở Khoa học và Công nghệ tỉnh Cao Bằng", nil)

	want := statsreport.Figures{Campaigns: 5, Planned: 3, Surprise: 2, Inspections: 1, Checks: 4, Concluded: 2,
		Subjects: statsreport.Split{Organisations: 12, Individuals: 28}, Sites: 52, Visits: 60, InstrumentsChecked: 44,
		Violating: statsreport.Split{Organisations: 3, Individuals: 4}, Records: 8, Violations: 11,
		Decisions:   statsreport.Split{Organisations: 2, Individuals: 4},
		Imposed:     statsreport.Amounts{Organisations: 30_000_000, Individuals: 15_500_000},
		Collected:   statsreport.Amounts{Organisations: 20_000_000, Individuals: 10_000_000},
		Outstanding: 15_500_000, Overdue: 5_000_000, Forwarded: 1, PlanTarget: 1268, PlanAchieved: 1940, PlanMetric: "PTĐ"}
	if got.Figures != want {
		t.Errorf("figures\n got %+v\nwant %+v", got.Figures, want)
	}
	if got.Parent != "UBND tỉnh Cao Bằng" || got.Unit != "Sở Khoa học và Công nghệ" || got.Place != "Cao Bằng" ||
		got.PeriodLabel != "tháng 3 năm 2026" || got.From.Format("02/01/2006") != "01/03/2026" || got.To.Format("02/01/2006") != "31/03/2026" {
		t.Errorf("head: %q %q %q %q %v %v", got.Parent, got.Unit, got.Place, got.PeriodLabel, got.From, got.To)
	}
	if got.FiguresSHA256 != "abc" || !got.Revised {
		t.Errorf("frozen %q revised %v", got.FiguresSHA256, got.Revised)
	}
	wantSectors := []statsreport.SectorRow{{Name: "Xăng dầu", Violations: 6, Records: 4}, {Name: "Đo lường, chất lượng"}, {Name: "Bức xạ, X-quang", Violations: 2}, {Name: "Khác"}}
	for i, s := range wantSectors {
		if i >= len(got.BySector) || got.BySector[i] != s {
			t.Errorf("sectors %+v, want %+v", got.BySector, wantSectors)
			break
		}
	}
	if len(got.ByUnit) != maxChartUnits || got.ByUnit[0] != (statsreport.UnitRow{Name: "u15", Visits: 16, Violations: 1}) ||
		got.ByUnit[maxChartUnits-1] != (statsreport.UnitRow{Name: "Các đơn vị khác", Visits: 1 + 2, Violations: 2}) {
		t.Errorf("units %+v", got.ByUnit)
	}
	for _, c := range []struct{ name, parent, unit, place string }{
		{"Sở KH&CN thành phố Hà Nội", "UBND thành phố Hà Nội", "Sở KH&CN", "Hà Nội"},
		{"Thanh tra Bộ", "", "Thanh tra Bộ", ""},
	} {
		if p, u, pl := bodiesOf(c.name); p != c.parent || u != c.unit || pl != c.place {
			t.Errorf("bodiesOf(%q) = %q %q %q", c.name, p, u, pl)
		}
	}
	if periodLabel(stats.Period{Kind: stats.Quarter, Year: 2026, Number: 2}) != "quý II năm 2026" || periodLabel(stats.Period{Kind: stats.Year, Year: 2025}) != "năm 2025" {
		t.Errorf("period labels")
	}
}
