package app

import (
	"context"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/export"
	"github.com/skhcn-caobang/thanhtra/server/stats"
	"github.com/skhcn-caobang/thanhtra/server/statsreport"
)

// The statistics exports: CSV and XLSX by the statistics package's writers, the PDF report by
// statsreport from the summary mapped below. Each reads the report of the run's period as the
// console shows it — a frozen month's frozen figures, with its revision — for the run's organisation.

// statsExportWriters returns the makers of the statistics kinds; none without the statistics service.
func (a *App) statsExportWriters() map[export.Kind]export.Writer {
	if a.Stats == nil {
		return nil
	}
	report := func(ctx context.Context, r export.Run) (stats.Report, error) {
		p, err := stats.ParsePeriod(r.Period)
		if err != nil {
			return stats.Report{}, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "period", Code: errs.CodeInvalidValue}, err)
		}
		return a.Stats.Report(ctx, stats.Scope{OrgID: r.OrgID}, p)
	}
	write := func(fn func(io.Writer, stats.Report) error) export.Writer {
		return func(ctx context.Context, r export.Run, w io.Writer, progress func(export.Progress) error) error {
			rep, err := report(ctx, r)
			if err != nil {
				return err
			}
			if err := progress(export.Progress{ItemsDone: 1, ItemsTotal: 2}); err != nil {
				return err
			}
			if err := fn(w, rep); err != nil {
				return err
			}
			return progress(export.Progress{ItemsDone: 2, ItemsTotal: 2})
		}
	}
	return map[export.Kind]export.Writer{
		export.StatsCSV:  write(stats.WriteCSV),
		export.StatsXLSX: write(stats.WriteXLSX),
		export.StatsPDF: func(ctx context.Context, r export.Run, w io.Writer, progress func(export.Progress) error) error {
			rep, err := report(ctx, r)
			if err != nil {
				return err
			}
			months, err := a.monthlyAmounts(ctx, r.OrgID, rep.Summary.Period)
			if err != nil {
				return err
			}
			if err := progress(export.Progress{ItemsDone: 1, ItemsTotal: 2}); err != nil {
				return err
			}
			org, err := a.Store.Organisation(ctx, r.OrgID)
			if err != nil {
				return err
			}
			doc := reportOf(rep, org.Name, months)
			doc.IssuedOn = r.CreatedAt.In(clock.Vietnam) // the run's: a retry renders the same bytes
			if err := statsreport.Render(w, doc); err != nil {
				return err
			}
			return progress(export.Progress{ItemsDone: 2, ItemsTotal: 2})
		},
	}
}

// monthlyAmounts are the amounts imposed and collected in each month of the period's year up to the
// period's end (for a month, the year so far): the chart of amounts by month. A frozen month gives its
// frozen figures.
func (a *App) monthlyAmounts(ctx context.Context, orgID string, p stats.Period) ([]statsreport.MonthRow, error) {
	var out []statsreport.MonthRow
	for m := 1; m <= int(p.Last().Start().Month()); m++ {
		mp := stats.Period{Kind: stats.Month, Year: p.Year, Number: m}
		rep, err := a.Stats.Report(ctx, stats.Scope{OrgID: orgID}, mp)
		if err != nil {
			return nil, err
		}
		s := rep.Summary
		out = append(out, statsreport.MonthRow{Label: "T" + strconv.Itoa(m) + "/" + strconv.Itoa(p.Year),
			Imposed: s.Total(stats.AmountImposed, stats.AllSubjects), Collected: s.Total(stats.AmountCollected, stats.AllSubjects)})
	}
	return out, nil
}

// chartSectors are the sectors in the order and the short names of the chart.
var chartSectors = []struct{ key, name string }{
	{"fuel", "Xăng dầu"}, {"market", "Đo lường, chất lượng"}, {"radiation", "Bức xạ, X-quang"}, {"other", "Khác"},
}

// maxChartUnits is how many units the chart by unit shows; the rest are summed as one bar.
const maxChartUnits = 15

// reportOf maps a statistics report to what the PDF prints.
func reportOf(rep stats.Report, orgName string, months []statsreport.MonthRow) statsreport.Report {
	s := rep.Summary
	total := func(f stats.Figure) int { return int(s.Total(f, stats.AllSubjects)) }
	split := func(f stats.Figure) statsreport.Split {
		return statsreport.Split{Organisations: int(s.Total(f, stats.Organisations)), Individuals: int(s.Total(f, stats.Individuals))}
	}
	amounts := func(f stats.Figure) statsreport.Amounts {
		return statsreport.Amounts{Organisations: s.Total(f, stats.Organisations), Individuals: s.Total(f, stats.Individuals)}
	}
	value := func(b stats.Breakdown, key string, f stats.Figure) int {
		return int(s.Value(b, key, f, stats.AllSubjects))
	}
	first, last := s.First.Start(), s.Last.Start()
	parent, unit, place := bodiesOf(orgName)
	out := statsreport.Report{
		Parent: parent, Unit: unit, Place: place, Actor: "Thanh tra Sở", PeriodLabel: periodLabel(s.Period), From: first, To: last,
		Figures: statsreport.Figures{
			Campaigns: total(stats.CampaignsHeld), Planned: value(stats.ByOrigin, "planned", stats.CampaignsHeld),
			Surprise: value(stats.ByOrigin, "surprise", stats.CampaignsHeld), Inspections: value(stats.ByKind, "inspection", stats.CampaignsHeld),
			Checks: value(stats.ByKind, "check", stats.CampaignsHeld), Concluded: total(stats.CampaignsConcluded),
			Subjects: split(stats.SubjectsCovered), Sites: total(stats.SitesVisited), Visits: total(stats.Visits),
			InstrumentsChecked: total(stats.InstrumentsChecked), Violating: split(stats.SubjectsViolating), Records: total(stats.Records),
			Violations: total(stats.Violations), Decisions: split(stats.Decisions), Imposed: amounts(stats.AmountImposed),
			Collected: amounts(stats.AmountCollected), Outstanding: s.Total(stats.AmountOutstanding, stats.AllSubjects),
			Overdue: s.Total(stats.AmountOverdue, stats.AllSubjects), Forwarded: total(stats.CasesForwarded),
		},
		ByMonth: months,
	}
	if rep.Frozen != nil {
		out.FiguresSHA256 = rep.Frozen.SHA256
		out.Revised = rep.Revision != nil && len(rep.Revision.Changes) > 0
	}
	for _, r := range s.Rows { // the first plan target of the period's year
		if r.Breakdown == stats.ByPlan && r.Figure == stats.PlanTarget && r.Subjects == stats.AllSubjects && r.Value > 0 {
			out.Figures.PlanTarget = int(r.Value)
			out.Figures.PlanAchieved = int(s.Value(stats.ByPlan, r.Key, stats.PlanActual, stats.AllSubjects))
			_, metric, _ := strings.Cut(r.Key, "/")
			out.Figures.PlanMetric = planMetricName(metric)
			break
		}
	}
	for _, sec := range chartSectors {
		out.BySector = append(out.BySector, statsreport.SectorRow{Name: sec.name, Violations: value(stats.BySector, sec.key, stats.Violations),
			Records: value(stats.BySector, sec.key, stats.Records)})
	}
	units := map[string]*statsreport.UnitRow{}
	var keys []string
	for _, r := range s.Rows {
		if r.Breakdown != stats.ByUnit || r.Subjects != stats.AllSubjects || (r.Figure != stats.Visits && r.Figure != stats.Violations) {
			continue
		}
		u, ok := units[r.Key]
		if !ok {
			u = &statsreport.UnitRow{Name: stats.KeyName(r)}
			units[r.Key] = u
			keys = append(keys, r.Key)
		}
		if r.Figure == stats.Visits {
			u.Visits = int(r.Value)
		} else {
			u.Violations = int(r.Value)
		}
	}
	// The busiest units first; names break ties, so that the order never depends on the map.
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := units[keys[i]], units[keys[j]]
		if a.Visits != b.Visits {
			return a.Visits > b.Visits
		}
		return a.Name < b.Name
	})
	for i, k := range keys {
		if i < maxChartUnits-1 || len(keys) == maxChartUnits {
			out.ByUnit = append(out.ByUnit, *units[k])
			continue
		}
		if i == maxChartUnits-1 {
			out.ByUnit = append(out.ByUnit, statsreport.UnitRow{Name: "Các đơn vị khác"})
		}
		rest := &out.ByUnit[len(out.ByUnit)-1]
		rest.Visits += units[k].Visits
		rest.Violations += units[k].Violations
	}
	return out
}

// bodiesOf splits an organisation's name the way an official document's head names it: "Sở Khoa học
// và Công nghệ tỉnh Cao Bằng" is the unit "Sở Khoa học và Công nghệ" under "UBND tỉnh Cao Bằng", at
// the place "Cao Bằng". A name without a province or city is the unit alone.
func bodiesOf(name string) (parent, unit, place string) {
	for _, level := range []string{"tỉnh", "Tỉnh", "thành phố", "Thành phố"} {
		if i := strings.LastIndex(name, " "+level+" "); i > 0 {
			place = strings.TrimSpace(name[i+len(level)+2:])
			return "UBND " + strings.ToLower(level[:1]) + level[1:] + " " + place, strings.TrimSpace(name[:i]), place
		}
	}
	return "", name, ""
}

// planMetricName is a plan metric's unit as the report writes it.
func planMetricName(metric string) string {
	switch metric {
	case "campaigns":
		return "cuộc"
	case "sites_inspected":
		return "cơ sở"
	case "instruments_checked":
		return "PTĐ"
	}
	return metric
}

// periodLabel names a period in words: "tháng 3 năm 2026", "quý I năm 2026", "năm 2026".
func periodLabel(p stats.Period) string {
	switch p.Kind {
	case stats.Month:
		return "tháng " + strconv.Itoa(p.Number) + " năm " + strconv.Itoa(p.Year)
	case stats.Quarter:
		return "quý " + []string{"", "I", "II", "III", "IV"}[p.Number] + " năm " + strconv.Itoa(p.Year)
	}
	return "năm " + strconv.Itoa(p.Year)
}
