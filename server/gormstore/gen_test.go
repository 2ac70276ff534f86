package gormstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// TestGenerate runs the data generator small (2,000 visits of two organisations over two years, the
// second the year of the 2025 reform) and checks what the benchmarks rely on: every reference points
// at a row of the same organisation (PostgreSQL writes without the foreign-key triggers), every
// visit's unit is its site's unit on the visit's day, the same seed gives the same rows, a database
// with visits is refused without Append and a seed used already is refused with it, and the summary
// the statistics compute from the rows has every kind of figure.
func TestGenerate(t *testing.T) {
	ctx := context.Background()
	o := GenOptions{Visits: 2000, Years: 2, Orgs: 2, Seed: 7}
	s, _ := migratedStore(t)
	rep, err := s.Generate(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Visits != 2000 || rep.Rows["visits"] != 2000 || rep.Rows["violation_records"] == 0 || rep.Rows["visit_answers"] == 0 {
		t.Fatalf("report: %+v", rep)
	}
	count := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := s.r.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	// The statistics' stored periods cannot outlive generated rows: every day of every organisation
	// is marked (PostgreSQL writes without triggers and marks each COPY itself; SQLite's triggers
	// mark each row).
	if n := count(`SELECT COUNT(*) FROM stats_marks WHERE org_id = '' AND day <= '0001-12-31'`); n == 0 && s.dialect == Postgres {
		t.Errorf("no mark of every day after generating without triggers")
	}
	if n := count(`SELECT COUNT(*) FROM stats_marks`); n == 0 {
		t.Errorf("generating wrote no statistics marks")
	}
	for _, c := range []struct{ child, parent, on string }{
		{"visits", "campaigns", "p.org_id = c.org_id AND p.id = c.campaign_id"},
		{"visits", "sites", "p.org_id = c.org_id AND p.id = c.site_id"},
		{"visits", "persons", "p.org_id = c.org_id AND p.id = c.leader_person_id"},
		{"visit_answers", "visits", "p.org_id = c.org_id AND p.id = c.visit_id"},
		{"visit_findings", "visits", "p.org_id = c.org_id AND p.id = c.visit_id"},
		{"violation_records", "visits", "p.org_id = c.org_id AND p.id = c.visit_id AND p.campaign_id = c.campaign_id AND p.site_id = c.site_id"},
		{"violation_records", "subjects", "p.org_id = c.org_id AND p.id = c.subject_id"},
		{"penalty_cases", "violation_records", "p.org_id = c.org_id AND p.id = c.record_id AND p.subject_id = c.subject_id"},
		{"penalty_case_records", "penalty_cases", "p.org_id = c.org_id AND p.id = c.case_id"},
		{"penalty_events", "penalty_cases", "p.org_id = c.org_id AND p.id = c.case_id"},
		{"campaign_sites", "sites", "p.org_id = c.org_id AND p.id = c.site_id"},
		{"campaign_subjects", "subjects", "p.org_id = c.org_id AND p.id = c.subject_id"},
		{"campaign_members", "persons", "p.org_id = c.org_id AND p.id = c.person_id"},
		{"site_units", "admin_units", "p.org_id = c.org_id AND p.id = c.unit_id"},
		{"sites", "subjects", "p.org_id = c.org_id AND p.id = c.subject_id"},
		{"instruments", "sites", "p.org_id = c.org_id AND p.id = c.site_id"},
	} {
		if n := count(fmt.Sprintf("SELECT COUNT(*) FROM %s c WHERE NOT EXISTS (SELECT 1 FROM %s p WHERE %s)", c.child, c.parent, c.on)); n != 0 {
			t.Errorf("%d %s without their %s", n, c.child, c.parent)
		}
	}
	// A visit's unit is the one its site was in on the visit's day; the reform year has both levels.
	if n := count(`SELECT COUNT(*) FROM visits v WHERE NOT EXISTS (SELECT 1 FROM site_units su JOIN admin_units au ON au.org_id = su.org_id AND au.id = su.unit_id
		WHERE su.org_id = v.org_id AND su.site_id = v.site_id AND au.code = v.unit_code
		AND (su.valid_from IS NULL OR su.valid_from <= v.visit_date) AND (su.valid_to IS NULL OR su.valid_to >= v.visit_date))`); n != 0 {
		t.Errorf("%d visits whose unit is not their site's on the day", n)
	}
	if n := count(`SELECT COUNT(DISTINCT au.level) FROM visits v JOIN admin_units au ON au.org_id = v.org_id AND au.code = v.unit_code
		WHERE v.visit_date >= ? AND au.level IN ('district', 'commune')`, "2025-01-01"); n != 2 {
		t.Errorf("visits of 2025 in %d unit levels, want districts before July and communes after", n)
	}

	// The same seed, the same rows.
	fingerprint := func(st *Store) string {
		var ids []string
		if err := st.r.Raw("SELECT id || visit_date || unit_code || status FROM (SELECT id, CAST(visit_date AS TEXT) AS visit_date, unit_code, status FROM visits) v ORDER BY 1").Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for _, id := range ids {
			h.Write([]byte(id))
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	again, _ := migratedStore(t)
	if _, err := again.Generate(ctx, o); err != nil {
		t.Fatal(err)
	}
	if a, b := fingerprint(s), fingerprint(again); a != b {
		t.Errorf("seed %d gave different visits: %s, %s", o.Seed, a, b)
	}

	// Refusals, then an append with another seed.
	if _, err := s.Generate(ctx, o); !errs.Is(errs.Conflict, err) {
		t.Errorf("into a database with visits: %v, want conflict", err)
	}
	o.Append = true
	if _, err := s.Generate(ctx, o); !errs.Is(errs.Conflict, err) {
		t.Errorf("append with the same seed: %v, want conflict", err)
	}
	o.Seed = 8
	if _, err := s.Generate(ctx, o); err != nil {
		t.Fatalf("append with another seed: %v", err)
	}
	if n := count("SELECT COUNT(*) FROM visits"); n != 4000 {
		t.Errorf("%d visits after the append, want 4000", n)
	}

	// The statistics find every kind of figure in a generated year.
	var org string
	if err := s.r.Raw("SELECT id FROM organisations WHERE code = ?", "G7-01").Scan(&org).Error; err != nil || org == "" {
		t.Fatalf("organisation G7-01: %v", err)
	}
	p, err := stats.ParsePeriod("2024")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := (&stats.Service{Store: s, Clock: clock.Real{}}).Compute(ctx, stats.Scope{OrgID: org}, p)
	if err != nil {
		t.Fatal(err)
	}
	done := count("SELECT COUNT(*) FROM visits WHERE org_id = ? AND visit_date >= ? AND visit_date <= ? AND status <> 'cancelled'", org, "2024-01-01", "2024-12-31")
	if got := sum.Total(stats.Visits, stats.AllSubjects); got != done || done == 0 {
		t.Errorf("visits counted %d, carried out %d", got, done)
	}
	for _, f := range []stats.Figure{stats.CampaignsHeld, stats.CampaignsConcluded, stats.SubjectsCovered, stats.SitesVisited, stats.InstrumentsChecked,
		stats.ItemsFailed, stats.Records, stats.Violations, stats.Decisions, stats.AmountImposed, stats.AmountCollected, stats.AmountOutstanding,
		stats.AmountOverdue, stats.CasesForwarded} {
		if sum.Total(f, stats.AllSubjects) <= 0 {
			t.Errorf("%s: %d in a generated year", f, sum.Total(f, stats.AllSubjects))
		}
	}
	for _, k := range []stats.SubjectKind{stats.Organisations, stats.Individuals} {
		if sum.Total(stats.Decisions, k) <= 0 {
			t.Errorf("no decisions against %s", k)
		}
	}
}
