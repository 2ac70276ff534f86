package gormstore_test

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// statsMonth builds March 2024 of organisation org-a by hand, as phones, the console and the penalty
// service would have left it, with rows just outside the month on every side (the day before, the
// day after, 23:59 and 00:00 local time, cancelled and planned visits, a draft record, a corrected
// record, another organisation) and a district abolished on 1 July 2025. stats_test.go's
// expectations below are worked out from these rows by hand.
func statsMonth(t *testing.T, s *gormstore.Store) {
	t.Helper()
	ex := func(sql string, args ...any) { gormstore.StatsExec(t, s, sql, args...) }
	ts := func(v string) time.Time {
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	now := ts("2024-01-01T00:00:00Z")
	for _, o := range []string{"org-a", "org-b"} {
		ex(`INSERT INTO organisations (id, code, name, created_at) VALUES (?, ?, ?, ?)`, o, o, "Sở KH&CN "+o, now)
	}
	for _, p := range [][2]string{{"p1", "Nguyễn Văn An"}, {"p2", "Trần Thị Bình"}, {"p3", "Hoàng Văn Chánh"}} {
		ex(`INSERT INTO persons (id, org_id, full_name, created_at) VALUES (?, 'org-a', ?, ?)`, p[0], p[1], now)
	}
	ex(`INSERT INTO persons (id, org_id, full_name, created_at) VALUES ('pb', 'org-b', 'Lê Văn B', ?)`, now)
	unit := func(org, id, code, name, level string, from, to any) {
		ex(`INSERT INTO admin_units (id, org_id, code, name, level, valid_from, valid_to, confirmed, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, org, code, name, level, from, to, true, now, now)
	}
	unit("org-a", "u-ha", "HA", "Huyện Hòa An", "district", nil, "2025-06-30") // abolished on 1 July 2025
	unit("org-a", "u-tp", "TP", "Thành phố Cao Bằng", "district", nil, "2025-06-30")
	unit("org-a", "u-x1", "X1", "Xã Hòa An", "commune", "2025-07-01", nil)
	unit("org-b", "u-b", "B1", "Huyện B", "district", nil, nil)
	subject := func(org, id, kind, name string) {
		ex(`INSERT INTO subjects (id, org_id, kind, name, sort_name, search_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			id, org, kind, name, name, name, now, now)
	}
	subject("org-a", "sOrg1", "organisation", "Công ty Xăng dầu Cao Bằng")
	subject("org-a", "sOrg2", "organisation", "Công ty TNHH Y tế Hòa An")
	subject("org-a", "sInd1", "household_business", "Hộ kinh doanh Lý Thị Mai") // an individual (D25)
	subject("org-a", "sInd2", "individual", "Bế Văn Tư")
	subject("org-b", "sB", "organisation", "Công ty B")
	site := func(org, id, subject, typ string, units ...[3]any) {
		ex(`INSERT INTO sites (id, org_id, subject_id, type, name, address, address_key, sort_name, search_key, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, org, subject, typ, id, id, id, id, id, now, now)
		for i, u := range units {
			ex(`INSERT INTO site_units (org_id, site_id, seq, unit_id, valid_from, valid_to) VALUES (?, ?, ?, ?, ?, ?)`, org, id, i, u[0], u[1], u[2])
		}
	}
	site("org-a", "st1", "sOrg1", "fuel_station", [3]any{"u-ha", nil, "2025-06-30"}, [3]any{"u-x1", "2025-07-01", nil})
	site("org-a", "st2", "sOrg1", "fuel_station", [3]any{"u-tp", nil, nil})
	site("org-a", "st3", "sOrg2", "xray_facility", [3]any{"u-tp", nil, nil})
	site("org-a", "st4", "sInd1", "market", [3]any{"u-ha", nil, nil})
	site("org-a", "st5", "sInd2", "shop", [3]any{"u-ha", nil, nil})
	site("org-b", "stB", "sB", "fuel_station", [3]any{"u-b", nil, nil})
	campaign := func(org, id, number, kind, origin, from, to string, conclusion ...string) {
		var num, day any
		if len(conclusion) == 2 {
			num, day = conclusion[0], conclusion[1]
		}
		ex(`INSERT INTO campaigns (id, org_id, number, decision_date, title, kind, origin, sectors, period_from, period_to,
			conclusion_number, conclusion_date, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'fuel', ?, ?, ?, ?, ?, ?)`,
			id, org, number, from, "Cuộc "+number, kind, origin, from, to, num, day, now, now)
	}
	campaign("org-a", "c1", "01/KH-TTr", "inspection", "planned", "2024-03-01", "2024-03-31", "01/KL-TTr", "2024-03-29")
	campaign("org-a", "c2", "02/QĐ-TTr", "check", "surprise", "2024-02-20", "2024-04-10")
	campaign("org-a", "c3", "03/KH-TTr", "check", "planned", "2024-03-01", "2024-04-01", "03/KL-TTr", "2024-04-02")
	campaign("org-a", "c4", "04/KH-TTr", "check", "planned", "2025-08-01", "2025-08-31")
	campaign("org-b", "cB", "01/KH-B", "check", "planned", "2024-03-01", "2024-03-31")
	ex(`INSERT INTO campaign_members (org_id, campaign_id, person_id, role) VALUES ('org-a', 'c1', 'p1', 'leader'), ('org-a', 'c1', 'p2', 'member'),
		('org-a', 'c2', 'p2', 'leader')`)
	visit := func(org, id, campaign, site, day, status, leader, checklist string) {
		ex(`INSERT INTO visits (id, org_id, campaign_id, site_id, visit_date, leader_person_id, checklist_code, checklist_version, status,
			unit_code, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, '', ?, ?)`, id, org, campaign, site, day, leader, checklist, status, now, now)
	}
	visit("org-a", "v1", "c1", "st1", "2024-03-05", "completed", "p1", "fuel-station")
	visit("org-a", "v2", "c1", "st2", "2024-03-31", "completed", "p1", "fuel-station") // the month's last day
	visit("org-a", "v3", "c2", "st3", "2024-03-12", "completed", "p2", "xray-facility")
	visit("org-a", "v4", "c2", "st4", "2024-03-20", "waiting_lab", "p2", "market")
	visit("org-a", "v5", "c2", "st5", "2024-03-01", "in_progress", "p2", "market") // the month's first day
	visit("org-a", "v6", "c2", "st4", "2024-04-01", "completed", "p2", "market")   // the next month
	visit("org-a", "v7", "c2", "st5", "2024-02-29", "completed", "p2", "market")   // the month before
	visit("org-a", "v8", "c1", "st1", "2024-03-10", "cancelled", "p1", "fuel-station")
	visit("org-a", "v9", "c2", "st4", "2024-03-25", "planned", "p2", "market")
	visit("org-a", "v11", "c4", "st1", "2025-08-10", "completed", "p1", "fuel-station") // after the district was abolished
	visit("org-b", "vB", "cB", "stB", "2024-03-15", "completed", "pb", "fuel-station")
	answer := func(org, visit, key string) {
		ex(`INSERT INTO visit_answers (org_id, visit_id, answer_key, value, recorded_at, recorded_by) VALUES (?, ?, ?, 'true', ?, 'p1')`, org, visit, key, now)
	}
	for _, a := range [][2]string{{"v1", "F1.1"}, {"v1", "F2.1@D1"}, {"v1", "F2.2@D1"}, {"v1", "F2.1@D2"}, {"v2", "F2.1@D3"}, {"v4", "M1.1@S1"},
		{"v6", "M1.1@S1"}, {"v8", "F2.1@D1"}} {
		answer("org-a", a[0], a[1])
	}
	answer("org-b", "vB", "F2.1@DB")
	finding := func(visit, key, item, instance string) {
		ex(`INSERT INTO visit_findings (org_id, visit_id, answer_key, item, instance, reason, confirmed, bounds_unconfirmed)
			VALUES ('org-a', ?, ?, ?, ?, 'failed', ?, ?)`, visit, key, item, instance, true, false)
	}
	finding("v1", "F2.3@D1", "F2.3", "D1")
	finding("v1", "F2.3@D2", "F2.3", "D2")
	finding("v2", "F1.4", "F1.4", "")
	finding("v4", "M2.1", "M2.1", "")
	finding("v6", "M2.1", "M2.1", "")
	record := func(id, visit, campaign, site, subject string, number int, status, at, by, corrects string, codes ...string) {
		var vs []string
		for _, c := range codes {
			vs = append(vs, fmt.Sprintf(`{"code":%q,"description":""}`, c))
		}
		data := fmt.Sprintf(`{"visit_id":%q,"violations":[%s],"status":%q`, visit, strings.Join(vs, ","), status)
		if corrects != "" {
			data += fmt.Sprintf(`,"corrects":%q`, corrects)
		}
		data += "}"
		ex(`INSERT INTO violation_records (id, org_id, visit_id, campaign_id, site_id, subject_id, issuing_unit_id, year, number, status, version,
			drawn_up_at, drawn_up_by, device_id, data, created_at, updated_at) VALUES (?, 'org-a', ?, ?, ?, ?, 'iu', 2024, ?, ?, 1, ?, ?, 'dev', ?, ?, ?)`,
			id, visit, campaign, site, subject, number, status, ts(at), by, data, now, now)
	}
	record("r0", "v7", "c2", "st5", "sInd2", 1, "approved", "2024-02-29T03:00:00Z", "p2", "", "V-M-01")
	record("r1", "v1", "c1", "st1", "sOrg1", 2, "approved", "2024-03-05T03:00:00Z", "p1", "", "V-F-01", "V-F-02")
	record("r2", "v4", "c2", "st4", "sInd1", 3, "submitted", "2024-03-31T16:59:00Z", "p2", "", "V-M-01") // 23:59 on 31 March in Vietnam
	record("r3", "v3", "c2", "st3", "sOrg2", 4, "returned", "2024-03-12T03:00:00Z", "p2", "", "V-X-01")  // corrected by r4
	record("r4", "v3", "c2", "st3", "sOrg2", 5, "submitted", "2024-03-13T03:00:00Z", "p2", "r3", "V-X-01", "V-X-02")
	record("r5", "v5", "c2", "st5", "sInd2", 6, "draft", "2024-03-01T03:00:00Z", "p2", "", "V-M-01")
	record("r6", "v2", "c1", "st2", "sOrg1", 7, "signed", "2024-03-31T17:00:00Z", "p1", "", "V-F-01") // 00:00 on 1 April in Vietnam
	pcase := func(id, record, subject, kind, state string, total int64, issued string, updated string) {
		var at any
		if issued != "" {
			at = ts(issued)
		}
		ex(`INSERT INTO penalty_cases (id, org_id, campaign_id, record_id, record_issuing_unit_id, record_year, record_number, record_drawn_up_at,
			subject_id, subject_kind, state, track, version, opened_at, total, decision_issued_at, decision, data, created_at, updated_at)
			VALUES (?, 'org-a', '', ?, 'iu', 2024, 1, ?, ?, ?, ?, 'standard', 1, ?, ?, ?, '', '{}', ?, ?)`,
			id, record, now, subject, kind, state, now, total, at, now, ts(updated))
	}
	event := func(caseID string, version int, action, at, data string) {
		ex(`INSERT INTO penalty_events (org_id, case_id, version, action, to_state, at, data) VALUES ('org-a', ?, ?, ?, 'x', ?, ?)`,
			caseID, version, action, ts(at), data)
	}
	pcase("pc1", "r1", "sOrg1", "organisation", "delivered", 30_000_000, "2024-03-20T02:00:00Z", "2024-03-25T02:00:00Z")
	event("pc1", 5, "penalty.payment", "2024-03-25T02:00:00Z", `{"receipt":"BL-1","amount":10000000,"paid_on":"2024-03-25"}`)
	pcase("pc2", "r2", "sInd1", "household_business", "issued", 2_000_000, "2024-03-31T16:30:00Z", "2024-03-31T16:30:00Z") // 23:30 local
	pcase("pc3", "r0", "sInd2", "individual", "paid", 1_500_000, "2024-02-29T08:00:00Z", "2024-04-03T02:00:00Z")
	event("pc3", 6, "penalty.overdue", "2024-03-15T01:00:00Z", `{"due":"2024-03-14","outstanding":1500000}`)
	event("pc3", 7, "penalty.payment", "2024-04-03T02:00:00Z", `{"receipt":"BL-3","amount":1500000,"paid_on":"2024-04-03"}`)
	pcase("pc4", "r4", "sOrg2", "organisation", "forwarded", 0, "", "2024-03-20T04:00:00Z")
	event("pc4", 3, "penalty.forward", "2024-03-20T04:00:00Z", `{"authority":"Chủ tịch UBND tỉnh"}`)
	pcase("pc5", "r5", "sInd2", "individual", "closed", 5_000_000, "2023-11-01T02:00:00Z", "2023-12-01T02:00:00Z") // settled long ago
	event("pc5", 5, "penalty.payment", "2023-11-10T02:00:00Z", `{"receipt":"BL-5","amount":5000000,"paid_on":"2023-11-10"}`)
	event("pc5", 6, "penalty.close", "2023-12-01T02:00:00Z", `{"outcome":"paid"}`)
	pcase("pc6", "r6", "sOrg1", "organisation", "issued", 700_000, "2024-03-31T17:30:00Z", "2024-03-31T17:30:00Z") // 00:30 on 1 April
	ex(`INSERT INTO plan_targets (org_id, year, sector, metric, value) VALUES ('org-a', 2024, 'fuel', 'sites_inspected', 10),
		('org-a', 2024, 'fuel', 'instruments_checked', 4), ('org-a', 2024, 'radiation', 'campaigns', 2)`)
}

// statsLateArrivals is what arrives after March 2024 was frozen: a payment made on 28 March but
// recorded on 5 April, and a visit of 15 March pushed by a phone that was offline.
func statsLateArrivals(t *testing.T, s *gormstore.Store) {
	t.Helper()
	at := time.Date(2024, 4, 5, 2, 0, 0, 0, time.UTC)
	gormstore.StatsExec(t, s, `INSERT INTO penalty_events (org_id, case_id, version, action, to_state, at, data)
		VALUES ('org-a', 'pc1', 6, 'penalty.payment', 'delivered', ?, '{"receipt":"BL-2","amount":5000000,"paid_on":"2024-03-28"}')`, at)
	gormstore.StatsExec(t, s, `INSERT INTO visits (id, org_id, campaign_id, site_id, visit_date, leader_person_id, checklist_code, checklist_version,
		status, unit_code, created_at, updated_at) VALUES ('v12', 'org-a', 'c2', 'st3', '2024-03-15', 'p2', 'xray-facility', 1, 'completed', '', ?, ?)`, at, at)
}

// statsMarch is every non-zero figure of March 2024 for org-a, worked out by hand from statsMonth:
// "breakdown key figure subjects value". A figure not listed is 0 (and the total rows are present).
const statsMarch = `
total - visits all 5
total - visits organisation 3
total - visits individual 2
total - sites_visited all 5
total - sites_visited organisation 3
total - sites_visited individual 2
total - subjects_covered all 4
total - subjects_covered organisation 2
total - subjects_covered individual 2
total - campaigns_held all 2
total - instruments_checked all 4
total - items_failed all 4
total - campaigns_concluded all 1
total - records all 3
total - records organisation 2
total - records individual 1
total - subjects_violating all 3
total - subjects_violating organisation 2
total - subjects_violating individual 1
total - violations all 5
total - violations organisation 4
total - violations individual 1
total - decisions all 2
total - decisions organisation 1
total - decisions individual 1
total - subjects_fined all 2
total - subjects_fined organisation 1
total - subjects_fined individual 1
total - amount_imposed all 32000000
total - amount_imposed organisation 30000000
total - amount_imposed individual 2000000
total - amount_collected all 10000000
total - amount_collected organisation 10000000
total - amount_outstanding all 23500000
total - amount_outstanding organisation 20000000
total - amount_outstanding individual 3500000
total - amount_overdue all 1500000
total - amount_overdue individual 1500000
total - cases_forwarded all 1
total - cases_forwarded organisation 1

sector fuel visits all 2
sector fuel visits organisation 2
sector fuel sites_visited all 2
sector fuel sites_visited organisation 2
sector fuel subjects_covered all 1
sector fuel subjects_covered organisation 1
sector fuel campaigns_held all 1
sector fuel instruments_checked all 3
sector fuel items_failed all 3
sector fuel records all 1
sector fuel records organisation 1
sector fuel subjects_violating all 1
sector fuel subjects_violating organisation 1
sector fuel violations all 2
sector fuel violations organisation 2
sector fuel decisions all 1
sector fuel decisions organisation 1
sector fuel subjects_fined all 1
sector fuel subjects_fined organisation 1
sector fuel amount_imposed all 30000000
sector fuel amount_imposed organisation 30000000
sector fuel amount_collected all 10000000
sector fuel amount_collected organisation 10000000
sector fuel amount_outstanding all 20000000
sector fuel amount_outstanding organisation 20000000
sector market visits all 2
sector market visits individual 2
sector market sites_visited all 2
sector market sites_visited individual 2
sector market subjects_covered all 2
sector market subjects_covered individual 2
sector market campaigns_held all 1
sector market instruments_checked all 1
sector market items_failed all 1
sector market records all 1
sector market records individual 1
sector market subjects_violating all 1
sector market subjects_violating individual 1
sector market violations all 1
sector market violations individual 1
sector market decisions all 1
sector market decisions individual 1
sector market subjects_fined all 1
sector market subjects_fined individual 1
sector market amount_imposed all 2000000
sector market amount_imposed individual 2000000
sector market amount_outstanding all 3500000
sector market amount_outstanding individual 3500000
sector market amount_overdue all 1500000
sector market amount_overdue individual 1500000
sector radiation visits all 1
sector radiation visits organisation 1
sector radiation sites_visited all 1
sector radiation sites_visited organisation 1
sector radiation subjects_covered all 1
sector radiation subjects_covered organisation 1
sector radiation campaigns_held all 1
sector radiation records all 1
sector radiation records organisation 1
sector radiation subjects_violating all 1
sector radiation subjects_violating organisation 1
sector radiation violations all 2
sector radiation violations organisation 2
sector radiation cases_forwarded all 1
sector radiation cases_forwarded organisation 1

unit u-ha visits all 3
unit u-ha visits organisation 1
unit u-ha visits individual 2
unit u-ha sites_visited all 3
unit u-ha sites_visited organisation 1
unit u-ha sites_visited individual 2
unit u-ha subjects_covered all 3
unit u-ha subjects_covered organisation 1
unit u-ha subjects_covered individual 2
unit u-ha campaigns_held all 2
unit u-ha instruments_checked all 3
unit u-ha records all 2
unit u-ha records organisation 1
unit u-ha records individual 1
unit u-ha subjects_violating all 2
unit u-ha subjects_violating organisation 1
unit u-ha subjects_violating individual 1
unit u-ha violations all 3
unit u-ha violations organisation 2
unit u-ha violations individual 1
unit u-ha decisions all 2
unit u-ha decisions organisation 1
unit u-ha decisions individual 1
unit u-ha subjects_fined all 2
unit u-ha subjects_fined organisation 1
unit u-ha subjects_fined individual 1
unit u-ha amount_imposed all 32000000
unit u-ha amount_imposed organisation 30000000
unit u-ha amount_imposed individual 2000000
unit u-ha amount_collected all 10000000
unit u-ha amount_collected organisation 10000000
unit u-ha amount_outstanding all 23500000
unit u-ha amount_outstanding organisation 20000000
unit u-ha amount_outstanding individual 3500000
unit u-ha amount_overdue all 1500000
unit u-ha amount_overdue individual 1500000
unit u-tp visits all 2
unit u-tp visits organisation 2
unit u-tp sites_visited all 2
unit u-tp sites_visited organisation 2
unit u-tp subjects_covered all 2
unit u-tp subjects_covered organisation 2
unit u-tp campaigns_held all 2
unit u-tp instruments_checked all 1
unit u-tp records all 1
unit u-tp records organisation 1
unit u-tp subjects_violating all 1
unit u-tp subjects_violating organisation 1
unit u-tp violations all 2
unit u-tp violations organisation 2
unit u-tp cases_forwarded all 1
unit u-tp cases_forwarded organisation 1

team c1 visits all 2
team c1 visits organisation 2
team c1 sites_visited all 2
team c1 sites_visited organisation 2
team c1 subjects_covered all 1
team c1 subjects_covered organisation 1
team c1 campaigns_held all 1
team c1 instruments_checked all 3
team c1 campaigns_concluded all 1
team c1 records all 1
team c1 records organisation 1
team c1 subjects_violating all 1
team c1 subjects_violating organisation 1
team c1 violations all 2
team c1 violations organisation 2
team c1 decisions all 1
team c1 decisions organisation 1
team c1 subjects_fined all 1
team c1 subjects_fined organisation 1
team c1 amount_imposed all 30000000
team c1 amount_imposed organisation 30000000
team c1 amount_collected all 10000000
team c1 amount_collected organisation 10000000
team c1 amount_outstanding all 20000000
team c1 amount_outstanding organisation 20000000
team c2 visits all 3
team c2 visits organisation 1
team c2 visits individual 2
team c2 sites_visited all 3
team c2 sites_visited organisation 1
team c2 sites_visited individual 2
team c2 subjects_covered all 3
team c2 subjects_covered organisation 1
team c2 subjects_covered individual 2
team c2 campaigns_held all 1
team c2 instruments_checked all 1
team c2 records all 2
team c2 records organisation 1
team c2 records individual 1
team c2 subjects_violating all 2
team c2 subjects_violating organisation 1
team c2 subjects_violating individual 1
team c2 violations all 3
team c2 violations organisation 2
team c2 violations individual 1
team c2 decisions all 1
team c2 decisions individual 1
team c2 subjects_fined all 1
team c2 subjects_fined individual 1
team c2 amount_imposed all 2000000
team c2 amount_imposed individual 2000000
team c2 amount_outstanding all 3500000
team c2 amount_outstanding individual 3500000
team c2 amount_overdue all 1500000
team c2 amount_overdue individual 1500000
team c2 cases_forwarded all 1
team c2 cases_forwarded organisation 1

inspector p1 visits all 2
inspector p1 visits organisation 2
inspector p1 sites_visited all 2
inspector p1 sites_visited organisation 2
inspector p1 subjects_covered all 1
inspector p1 subjects_covered organisation 1
inspector p1 campaigns_held all 1
inspector p1 instruments_checked all 3
inspector p1 records all 1
inspector p1 records organisation 1
inspector p1 subjects_violating all 1
inspector p1 subjects_violating organisation 1
inspector p1 violations all 2
inspector p1 violations organisation 2
inspector p2 visits all 3
inspector p2 visits organisation 1
inspector p2 visits individual 2
inspector p2 sites_visited all 3
inspector p2 sites_visited organisation 1
inspector p2 sites_visited individual 2
inspector p2 subjects_covered all 3
inspector p2 subjects_covered organisation 1
inspector p2 subjects_covered individual 2
inspector p2 campaigns_held all 1
inspector p2 instruments_checked all 1
inspector p2 records all 2
inspector p2 records organisation 1
inspector p2 records individual 1
inspector p2 subjects_violating all 2
inspector p2 subjects_violating organisation 1
inspector p2 subjects_violating individual 1
inspector p2 violations all 3
inspector p2 violations organisation 2
inspector p2 violations individual 1

item fuel-station/F1.4 items_failed all 1
item fuel-station/F2.3 items_failed all 2
item market/M2.1 items_failed all 1

violation V-F-01 violations all 1
violation V-F-01 violations organisation 1
violation V-F-02 violations all 1
violation V-F-02 violations organisation 1
violation V-M-01 violations all 1
violation V-M-01 violations individual 1
violation V-X-01 violations all 1
violation V-X-01 violations organisation 1
violation V-X-02 violations all 1
violation V-X-02 violations organisation 1

plan fuel/instruments_checked plan_target all 4
plan fuel/instruments_checked plan_actual all 3
plan fuel/instruments_checked plan_percent all 75
plan fuel/sites_inspected plan_target all 10
plan fuel/sites_inspected plan_actual all 2
plan fuel/sites_inspected plan_percent all 20
plan radiation/campaigns plan_target all 2
plan radiation/campaigns plan_actual all 1
plan radiation/campaigns plan_percent all 50
`

// statsCampaignMarch is what the campaign kinds and origins add: c1 is the only inspection and the
// only planned campaign with visits in March, c2 the only check and the only surprise one, so each
// has exactly its team's figures.
var statsCampaignKeys = map[string]string{"c1": "inspection planned", "c2": "check surprise"}

// parseExpected reads statsMarch, with each team's rows repeated under its campaign's kind and origin.
func statsExpected(t *testing.T, text string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, line := range strings.Split(text, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 5 {
			t.Fatalf("bad expectation %q", line)
		}
		v, err := strconv.ParseInt(f[4], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if f[1] == "-" {
			f[1] = ""
		}
		id := func(b, k string) string { return b + "|" + k + "|" + f[2] + "|" + f[3] }
		out[id(f[0], f[1])] = v
		if f[0] == "team" {
			kinds := strings.Fields(statsCampaignKeys[f[1]])
			out[id("campaign_kind", kinds[0])] = v
			out[id("campaign_origin", kinds[1])] = v
		}
	}
	return out
}

// checkEvery compares every row of a summary with the expectations: each row's value is the expected
// one (0 when not listed), every listed figure has its row, and every total row is present.
func statsCheckEvery(t *testing.T, sum stats.Summary, want map[string]int64) {
	t.Helper()
	got := map[string]int64{}
	for _, r := range sum.Rows {
		id := string(r.Breakdown) + "|" + r.Key + "|" + string(r.Figure) + "|" + string(r.Subjects)
		if _, dup := got[id]; dup {
			t.Errorf("row %s twice", id)
		}
		got[id] = r.Value
	}
	var bad []string
	for id, v := range got {
		if want[id] != v {
			bad = append(bad, fmt.Sprintf("%s = %d, want %d", id, v, want[id]))
		}
	}
	for id, v := range want {
		if _, ok := got[id]; !ok {
			bad = append(bad, fmt.Sprintf("%s missing, want %d", id, v))
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error(b)
	}
	for _, f := range []stats.Figure{stats.CampaignsHeld, stats.Visits, stats.Records, stats.Decisions, stats.AmountOverdue, stats.CasesForwarded} {
		if _, ok := got["total||"+string(f)+"|all"]; !ok {
			t.Errorf("total row of %s missing", f)
		}
	}
}

// statsMarchForm is every column of the results form for March 2024, worked out by hand: the
// campaigns with visits by origin, concluded campaigns, subjects inspected and violating, decisions
// and their amounts (in millions on the sheet) by kind of subject; the columns the system does not
// record are blank.
var statsMarchForm = map[string]string{
	"(2)": "1", "(3)": "1", "(4)": "1", "(5)": "2", "(6)": "2", "(8)": "2", "(9)": "1",
	"(11)": "", "(12)": "", "(14)": "", "(15)": "", "(18)": "1", "(19)": "1", "(21)": "30", "(22)": "2",
	"(24)": "", "(25)": "", "(26)": "", "(27)": "",
}

// statsCheckForm checks every column of the results form, as computed and as the XLSX sheet shows it.
func statsCheckForm(t *testing.T, rep stats.Report) {
	t.Helper()
	cols := stats.ResultsForm(rep.Summary)
	if len(cols) != len(statsMarchForm) {
		t.Errorf("%d form columns, want %d", len(cols), len(statsMarchForm))
	}
	for _, c := range cols {
		got := ""
		if c.Recorded {
			got = strconv.FormatInt(c.Value, 10)
			if c.Amount {
				got = strconv.FormatInt(c.Value/1_000_000, 10)
			}
		}
		if want, ok := statsMarchForm[c.Number]; !ok || got != want || c.Verified {
			t.Errorf("form column %s = %q (verified %v), want %q, unverified", c.Number, got, c.Verified, want)
		}
	}
	var b bytes.Buffer
	if err := stats.WriteXLSX(&b, rep); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "Biểu kết quả TTCN"
	for col := 2; ; col++ {
		numberCell, _ := excelize.CoordinatesToCellName(col, 8)
		valueCell, _ := excelize.CoordinatesToCellName(col, 11)
		number, _ := f.GetCellValue(sheet, numberCell)
		if number == "" {
			if col-2 != len(statsMarchForm) {
				t.Errorf("the sheet has %d form columns, want %d", col-2, len(statsMarchForm))
			}
			break
		}
		value, _ := f.GetCellValue(sheet, valueCell)
		if want := statsMarchForm[number]; value != want {
			t.Errorf("sheet column %s = %q, want %q", number, value, want)
		}
	}
}

func statsChief() identity.Principal {
	return identity.Principal{AccountID: "acc-chief", PersonID: "p3", OrgID: "org-a", Roles: []identity.Role{identity.RoleChief}}
}

// TestStatsHandBuiltMonth checks every figure of March 2024 against the hand-worked expectations, on
// the engine the environment selects (the same expectations on SQLite and PostgreSQL), then freezes
// the month, lets data arrive late, and checks that the frozen figures come back byte for byte with
// the late data as a revision.
func TestStatsHandBuiltMonth(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2024, 4, 2, 3, 0, 0, 0, time.UTC))
	s := storetest.NewDBWith(t, storetest.Options{Clock: clk})
	statsMonth(t, s)
	svc := &stats.Service{Store: s, Clock: clk}
	org := stats.Scope{OrgID: "org-a"}
	march := stats.Period{Kind: stats.Month, Year: 2024, Number: 3}

	rep, err := svc.Summary(ctx, statsChief(), org, march)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Frozen != nil || rep.Revision != nil {
		t.Fatalf("March is not frozen yet: %+v %+v", rep.Frozen, rep.Revision)
	}
	statsCheckEvery(t, rep.Summary, statsExpected(t, statsMarch))
	labels := map[string]string{"unit|u-ha": "Huyện Hòa An", "unit|u-tp": "Thành phố Cao Bằng", "team|c1": "01/KH-TTr", "team|c2": "02/QĐ-TTr",
		"inspector|p1": "Nguyễn Văn An", "inspector|p2": "Trần Thị Bình"}
	for _, r := range rep.Summary.Rows {
		if want, ok := labels[string(r.Breakdown)+"|"+r.Key]; ok && r.Label != want {
			t.Errorf("%s %s labelled %q, want %q", r.Breakdown, r.Key, r.Label, want)
		}
	}

	statsCheckForm(t, rep)

	// Freezing: an open month is refused; March is frozen with its canonical JSON and hash.
	if _, err := svc.Freeze(ctx, statsChief(), org, stats.Period{Kind: stats.Month, Year: 2024, Number: 4}); errs.CodeOf(err) != errs.CodeStatsMonthOpen {
		t.Fatalf("freezing April on 2 April: %v, want %s", err, errs.CodeStatsMonthOpen)
	}
	director := statsChief()
	director.Roles = []identity.Role{identity.RoleDirector}
	if _, err := svc.Freeze(ctx, director, org, march); !errs.Is(errs.Forbidden, err) {
		t.Fatalf("the director froze March: %v", err)
	}
	frozen, err := svc.Freeze(ctx, statsChief(), org, march)
	if err != nil {
		t.Fatal(err)
	}
	sent, sum, err := stats.Canonical(rep.Summary)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(frozen.Frozen.Canonical, sent) || frozen.Frozen.SHA256 != sum {
		t.Fatalf("frozen figures differ from the computed ones")
	}
	if _, err := svc.Freeze(ctx, statsChief(), org, march); errs.CodeOf(err) != errs.CodeStatsMonthFrozen {
		t.Fatalf("freezing March twice: %v, want %s", err, errs.CodeStatsMonthFrozen)
	}
	var csvSent bytes.Buffer
	before, err := svc.Summary(ctx, statsChief(), org, march)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Revision.Changes) != 0 {
		t.Fatalf("revision right after freezing: %+v", before.Revision.Changes)
	}
	if err := stats.WriteCSV(&csvSent, before); err != nil {
		t.Fatal(err)
	}

	// Late arrivals: the frozen figures come back unchanged, byte for byte; the revision lists the
	// differences.
	statsLateArrivals(t, s)
	clk.Set(time.Date(2024, 4, 6, 3, 0, 0, 0, time.UTC))
	after, err := svc.Summary(ctx, statsChief(), org, march)
	if err != nil {
		t.Fatal(err)
	}
	again, againSum, err := stats.Canonical(after.Summary)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, sent) || againSum != sum || after.Frozen.SHA256 != sum {
		t.Fatalf("the frozen month changed:\n%s\nwant\n%s", again, sent)
	}
	statsCheckEvery(t, after.Summary, statsExpected(t, statsMarch))
	var csvAgain bytes.Buffer
	if err := stats.WriteCSV(&csvAgain, after); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(csvAgain.Bytes(), csvSent.Bytes()) {
		t.Fatalf("the CSV of the frozen month changed")
	}
	if after.Revision == nil || after.Revision.SHA256 == sum {
		t.Fatalf("no revision after late data: %+v", after.Revision)
	}
	changes := map[string][2]int64{}
	for _, c := range after.Revision.Changes {
		changes[string(c.Breakdown)+"|"+c.Key+"|"+string(c.Figure)+"|"+string(c.Subjects)] = [2]int64{c.Frozen, c.Current}
	}
	for id, want := range map[string][2]int64{
		"total||visits|all":                                        {5, 6},
		"total||visits|organisation":                               {3, 4},
		"sector|radiation|visits|all":                              {1, 2},
		"unit|u-tp|visits|organisation":                            {2, 3},
		"inspector|p2|visits|organisation":                         {1, 2},
		"campaign_origin|surprise|visits|all":                      {3, 4},
		"total||amount_collected|all":                              {10_000_000, 15_000_000},
		"unit|u-ha|amount_collected|organisation":                  {10_000_000, 15_000_000},
		"total||amount_outstanding|all":                            {23_500_000, 18_500_000},
		"campaign_kind|inspection|amount_outstanding|organisation": {20_000_000, 15_000_000},
	} {
		if changes[id] != want {
			t.Errorf("revision of %s = %v, want %v", id, changes[id], want)
		}
	}
	// Visits: total, sector, unit, team, inspector, kind, origin (all and organisations) = 14;
	// collected and outstanding: total, fuel, Hòa An, c1, inspection, planned (all and organisations) = 12 each.
	if len(after.Revision.Changes) != 38 {
		t.Errorf("%d changes in the revision, want 38: %+v", len(after.Revision.Changes), after.Revision.Changes)
	}
	var audited []audit.Event
	if err := s.AuditEvents(ctx, func(e audit.Event) error {
		if e.Chain == stats.Chain(org) {
			audited = append(audited, e)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(audited) != 1 || audited[0].Action != "stats.freeze" || audited[0].ActorPersonID != "p3" || !strings.Contains(audited[0].DataJSON, `"sha256":"`+sum+`"`) {
		t.Errorf("audit of the freeze: %+v", audited)
	}
	months, err := svc.FrozenMonths(ctx, statsChief(), org)
	if err != nil || len(months) != 1 || months[0].Month != march || months[0].SHA256 != sum || months[0].ByPerson != "p3" {
		t.Fatalf("frozen months: %+v, %v", months, err)
	}
}

// TestStatsAbolishedUnit checks that a district abolished on 1 July 2025 keeps its 2024 figures
// under its old name, while the same site's visits of August 2025 count under the commune.
func TestStatsAbolishedUnit(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC))
	s := storetest.NewDBWith(t, storetest.Options{Clock: clk})
	statsMonth(t, s)
	svc := &stats.Service{Store: s, Clock: clk}
	org := stats.Scope{OrgID: "org-a"}
	for _, c := range []struct {
		period     string
		unit, name string
		visits     int64
	}{
		{"2024-03", "u-ha", "Huyện Hòa An", 3},
		{"2024-Q1", "u-ha", "Huyện Hòa An", 4}, // with 29 February
		{"2025-08", "u-x1", "Xã Hòa An", 1},
	} {
		p, err := stats.ParsePeriod(c.period)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := svc.Summary(ctx, statsChief(), org, p)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range rep.Summary.Rows {
			if r.Breakdown != stats.ByUnit || r.Figure != stats.Visits {
				continue // amounts outstanding are a stock: older decisions stay under the unit of their day
			}
			if r.Key == c.unit && r.Figure == stats.Visits && r.Subjects == stats.AllSubjects {
				found = true
				if r.Value != c.visits || r.Label != c.name {
					t.Errorf("%s: %s %q has %d visits, want %q %d", c.period, r.Key, r.Label, r.Value, c.name, c.visits)
				}
			}
			if r.Key != "u-ha" && r.Key != "u-tp" && r.Key != "u-x1" {
				t.Errorf("%s: unexpected unit %q", c.period, r.Key)
			}
			if c.period == "2025-08" && r.Key != "u-x1" || c.period != "2025-08" && r.Key == "u-x1" {
				t.Errorf("%s: unit %s %q counted", c.period, r.Key, r.Label)
			}
		}
		if !found {
			t.Errorf("%s: no visits under %s", c.period, c.unit)
		}
	}
}

// TestStatsScopes checks tenancy and the national view: org-b's visit counts only for org-b and the
// nation; readers outside the organisation or without a reading role are refused.
func TestStatsScopes(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2024, 4, 2, 0, 0, 0, 0, time.UTC))
	s := storetest.NewDBWith(t, storetest.Options{Clock: clk})
	statsMonth(t, s)
	svc := &stats.Service{Store: s, Clock: clk}
	march := stats.Period{Kind: stats.Month, Year: 2024, Number: 3}
	sysadmin := identity.Principal{AccountID: "sys", Roles: []identity.Role{identity.RoleSystemAdmin}}
	for _, c := range []struct {
		scope  stats.Scope
		visits int64
	}{{stats.Scope{OrgID: "org-a"}, 5}, {stats.Scope{OrgID: "org-b"}, 1}, {stats.Scope{National: true}, 6}} {
		rep, err := svc.Summary(ctx, sysadmin, c.scope, march)
		if err != nil {
			t.Fatal(err)
		}
		if got := rep.Summary.Total(stats.Visits, stats.AllSubjects); got != c.visits {
			t.Errorf("%s: %d visits, want %d", c.scope, got, c.visits)
		}
	}
	inspector := statsChief()
	inspector.Roles = []identity.Role{identity.RoleInspector}
	for name, c := range map[string]struct {
		p     identity.Principal
		scope stats.Scope
	}{
		"inspector":          {inspector, stats.Scope{OrgID: "org-a"}},
		"other organisation": {statsChief(), stats.Scope{OrgID: "org-b"}},
		"national":           {statsChief(), stats.Scope{National: true}},
	} {
		if _, err := svc.Summary(ctx, c.p, c.scope, march); !errs.Is(errs.Forbidden, err) {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
}
