package statsreport

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
)

// march2026 is a month like the department's: campaigns of both kinds, planned and surprise,
// organisations and individuals, decisions, payments, a forwarded case, and the ten units of 2024.
func march2026() Report {
	return Report{
		Parent: "UBND tỉnh Cao Bằng", Unit: "Sở Khoa học và Công nghệ", Actor: "Thanh tra Sở",
		Place: "Cao Bằng", IssuedOn: time.Date(2026, 4, 5, 9, 0, 0, 0, clock.Vietnam),
		PeriodLabel: "tháng 3 năm 2026",
		From:        time.Date(2026, 3, 1, 0, 0, 0, 0, clock.Vietnam), To: time.Date(2026, 3, 31, 0, 0, 0, 0, clock.Vietnam),
		FiguresSHA256: "5f2b8e1c9a0d4f7e3b6a1c8d2e9f0a7b4c3d6e5f8a1b2c9d0e7f4a3b6c5d8e1f",
		Figures: Figures{
			Campaigns: 5, Planned: 3, Surprise: 2, Inspections: 1, Checks: 4, Concluded: 2,
			Subjects: Split{Organisations: 12, Individuals: 28}, Sites: 52, Visits: 60, InstrumentsChecked: 44,
			Violating: Split{Organisations: 3, Individuals: 4}, Records: 8, Violations: 11,
			Decisions:   Split{Organisations: 2, Individuals: 4},
			Imposed:     Amounts{Organisations: 30_000_000, Individuals: 15_500_000},
			Collected:   Amounts{Organisations: 20_000_000, Individuals: 10_000_000},
			Outstanding: 15_500_000, Overdue: 5_000_000, Forwarded: 1,
			PlanTarget: 1268, PlanAchieved: 1940, PlanMetric: "PTĐ",
		},
		BySector: []SectorRow{{"Xăng dầu", 6, 4}, {"Đo lường, chất lượng", 3, 2}, {"Bức xạ, X-quang", 2, 2}, {"Khác", 0, 0}},
		ByMonth:  []MonthRow{{"T1/2026", 12_000_000, 12_000_000}, {"T2/2026", 0, 3_000_000}, {"T3/2026", 45_500_000, 30_000_000}},
		ByUnit: []UnitRow{{"TP Cao Bằng", 14, 3}, {"Bảo Lâm", 4, 0}, {"Bảo Lạc", 5, 1}, {"Hà Quảng", 6, 2}, {"Trùng Khánh", 7, 1},
			{"Hạ Lang", 3, 0}, {"Quảng Hòa", 6, 2}, {"Hòa An", 8, 1}, {"Nguyên Bình", 4, 1}, {"Thạch An", 3, 0}},
	}
}

// quiet is a month without violations: the narrative says none were found, the charts are empty.
func quiet() Report {
	r := march2026()
	r.PeriodLabel, r.FiguresSHA256, r.Revised = "tháng 2 năm 2026", "", true
	r.From, r.To = time.Date(2026, 2, 1, 0, 0, 0, 0, clock.Vietnam), time.Date(2026, 2, 28, 0, 0, 0, 0, clock.Vietnam)
	r.Figures = Figures{Campaigns: 1, Planned: 1, Checks: 1, Subjects: Split{Organisations: 2, Individuals: 1}, Sites: 3, Visits: 3}
	r.BySector = []SectorRow{{"Xăng dầu", 0, 0}, {"Đo lường, chất lượng", 0, 0}, {"Bức xạ, X-quang", 0, 0}, {"Khác", 0, 0}}
	r.ByMonth = []MonthRow{{"T2/2026", 0, 0}}
	r.ByUnit = []UnitRow{{"TP Cao Bằng", 3, 0}}
	return r
}

var fixtures = map[string]func() Report{"march-2026": march2026, "quiet": quiet}
