package gormstore_test

import (
	"bytes"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// TestStatsCacheFollowsEveryWrite checks the stored figures (stats_cache, migration 0023) against the
// figures computed from the rows after each kind of write a figure can see — a late visit, a status,
// an answer, a finding, a record and its correction, a case, a late payment, a campaign, a site's
// sector, a subject's kind, a unit's and a person's name, a unit history, a plan target — for a
// month, its quarter, its year, the next month and the national month: a reader with the cache gets
// exactly what a reader without it gets, at every step; the refresh stores every period again; and a
// write on a later day leaves the earlier periods stored.
func TestStatsCacheFollowsEveryWrite(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewManual(time.Date(2024, 6, 2, 3, 0, 0, 0, time.UTC))
	s := storetest.NewDBWith(t, storetest.Options{Clock: clk})
	statsMonth(t, s)
	live := &stats.Service{Store: s, Clock: clk}
	cached := &stats.Service{Store: s, Clock: clk, Cache: s}
	org := stats.Scope{OrgID: "org-a"}
	type read struct {
		scope  stats.Scope
		period stats.Period
	}
	reads := []read{
		{org, stats.Period{Kind: stats.Month, Year: 2024, Number: 3}},
		{org, stats.Period{Kind: stats.Quarter, Year: 2024, Number: 1}},
		{org, stats.Period{Kind: stats.Year, Year: 2024}},
		{org, stats.Period{Kind: stats.Month, Year: 2024, Number: 4}},
		{stats.Scope{National: true}, stats.Period{Kind: stats.Month, Year: 2024, Number: 3}},
	}
	canonical := func(svc *stats.Service, r read) []byte {
		t.Helper()
		sum, err := svc.Compute(ctx, r.scope, r.period)
		if err != nil {
			t.Fatal(err)
		}
		data, _, err := stats.Canonical(sum)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	// same checks that a reader with the cache gets the figures from the rows, and returns them.
	same := func(step string) map[read][]byte {
		t.Helper()
		out := map[read][]byte{}
		for _, r := range reads {
			want := canonical(live, r)
			if got := canonical(cached, r); !bytes.Equal(got, want) {
				t.Fatalf("%s: %s %s through the cache:\n%s\nfrom the rows:\n%s", step, r.scope, r.period, got, want)
			}
			out[r] = want
		}
		return out
	}
	stored := func(r read) bool {
		t.Helper()
		_, ok, err := s.CachedSummary(ctx, r.scope, r.period)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	refresh := func(step string) {
		t.Helper()
		res, err := cached.Refresh(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if res.Pending != 0 {
			t.Fatalf("%s: %d periods left after a refresh", step, res.Pending)
		}
		for _, r := range reads {
			if !stored(r) {
				t.Fatalf("%s: %s %s not stored after a refresh (%+v)", step, r.scope, r.period, res)
			}
			data, _, _ := s.CachedSummary(ctx, r.scope, r.period)
			got, err := stats.DecodeRows(data)
			if err != nil {
				t.Fatal(err)
			}
			want, err := live.Compute(ctx, r.scope, r.period)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want.Rows) {
				t.Fatalf("%s: %s %s stored as\n%s\nfrom the rows:\n%+v", step, r.scope, r.period, data, want.Rows)
			}
		}
	}

	// Read once (from the rows, asking for them), then stored by the refresh.
	same("first read")
	for _, r := range reads {
		if stored(r) {
			t.Fatalf("%s %s stored before any refresh", r.scope, r.period)
		}
	}
	refresh("first refresh")
	before := same("stored")

	ex := func(sql string, args ...any) { gormstore.StatsExec(t, s, sql, args...) }
	at := time.Date(2024, 5, 20, 2, 0, 0, 0, time.UTC) // written in May, about March
	for _, w := range []struct {
		name string
		do   func()
	}{
		{"late visit and payment", func() { statsLateArrivals(t, s) }},
		{"visit cancelled", func() { ex(`UPDATE visits SET status = 'cancelled', updated_at = ? WHERE id = 'v3'`, at) }},
		{"answer with an instance", func() {
			ex(`INSERT INTO visit_answers (org_id, visit_id, answer_key, value, recorded_at, recorded_by) VALUES ('org-a', 'v2', 'F2.1@D9', 'true', ?, 'p1')`, at)
		}},
		{"finding", func() {
			ex(`INSERT INTO visit_findings (org_id, visit_id, answer_key, item, instance, reason, confirmed, bounds_unconfirmed)
				VALUES ('org-a', 'v2', 'F1.9', 'F1.9', '', 'failed', ?, ?)`, true, false)
		}},
		{"record withdrawn to draft", func() { ex(`UPDATE violation_records SET status = 'draft', updated_at = ? WHERE id = 'r1'`, at) }},
		{"correction taken back", func() {
			ex(`UPDATE violation_records SET data = '{"visit_id":"v3","violations":[{"code":"V-X-01","description":""}],"status":"submitted"}', updated_at = ? WHERE id = 'r4'`, at)
		}},
		{"case total", func() { ex(`UPDATE penalty_cases SET total = 31000000, updated_at = ? WHERE id = 'pc1'`, at) }},
		{"campaign kind", func() { ex(`UPDATE campaigns SET kind = 'inspection', updated_at = ? WHERE id = 'c2'`, at) }},
		{"site sector", func() { ex(`UPDATE sites SET type = 'shop', updated_at = ? WHERE id = 'st1'`, at) }},
		{"subject kind", func() { ex(`UPDATE subjects SET kind = 'organisation', updated_at = ? WHERE id = 'sInd1'`, at) }},
		{"unit renamed", func() { ex(`UPDATE admin_units SET name = 'Huyện Hoà An', updated_at = ? WHERE id = 'u-ha'`, at) }},
		{"inspector renamed", func() { ex(`UPDATE persons SET full_name = 'Nguyễn Văn Ân' WHERE id = 'p1'`) }},
		{"unit history", func() { ex(`UPDATE site_units SET unit_id = 'u-tp' WHERE site_id = 'st4'`) }},
		{"plan target", func() {
			ex(`UPDATE plan_targets SET value = 12 WHERE org_id = 'org-a' AND sector = 'fuel' AND metric = 'sites_inspected'`)
		}},
	} {
		w.do()
		after := same(w.name)
		if !slices.ContainsFunc(reads, func(r read) bool { return !bytes.Equal(before[r], after[r]) }) {
			t.Fatalf("%s: no figure of any period changed: the write tests nothing", w.name)
		}
		refresh(w.name)
		before = same(w.name + ", refreshed")
	}

	// A write about a later day leaves the earlier periods stored; the next month's is read from the
	// rows until the refresh.
	ex(`INSERT INTO visits (id, org_id, campaign_id, site_id, visit_date, leader_person_id, checklist_code, checklist_version,
		status, unit_code, created_at, updated_at) VALUES ('v20', 'org-a', 'c2', 'st4', '2024-04-08', 'p2', 'market', 1, 'completed', '', ?, ?)`, at, at)
	for _, r := range reads {
		april := r.period.Kind == stats.Month && r.period.Number == 4 || r.period.Kind == stats.Year
		if got := stored(r); got == april {
			t.Errorf("after a visit of 8 April, %s %s stored = %v", r.scope, r.period, got)
		}
	}
	same("April visit")
	// Another organisation's write leaves org-a's periods stored, not the national view.
	refresh("April visit")
	ex(`UPDATE visits SET status = 'cancelled' WHERE id = 'vB'`)
	for _, r := range reads {
		if got := stored(r); got == r.scope.National {
			t.Errorf("after org-b's write, %s %s stored = %v", r.scope, r.period, got)
		}
	}
	same("org-b")
}

// TestStatsCacheMarksEveryTable checks that every table the figures' statements read has the triggers
// that mark its changes (migration 0023): a statement that starts reading a new table fails here
// until the table marks its writes.
func TestStatsCacheMarksEveryTable(t *testing.T) {
	s := storetest.NewDB(t)
	tables := gormstore.StatsCacheTables(s)
	if len(tables) < 10 {
		t.Fatalf("the statements read only %v", tables)
	}
	marked := gormstore.StatsMarkTriggers(t, s)
	for _, table := range tables {
		if !marked[table] && table != "organisations" {
			t.Errorf("the figures read %s, which marks none of its changes", table)
		}
	}
}
