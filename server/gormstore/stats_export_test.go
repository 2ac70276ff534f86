package gormstore

import "testing"

func init() { rowStructs = append(rowStructs, statsFrozenMonthRow{}) }

// StatsExec runs one statement on the writer for the statistics tests (stats_test.go), which build a
// month by hand row by row, as the phones, the console and the penalty service would have left it.
func StatsExec(t testing.TB, s *Store, sql string, args ...any) {
	t.Helper()
	if err := s.w.Exec(sql, args...).Error; err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// StatsCacheTables lists the tables the figures' statements read (stats_cache_test.go).
func StatsCacheTables(s *Store) []string { return s.statsCacheTables() }

// StatsMarkTriggers lists the tables that have a stats_mark trigger.
func StatsMarkTriggers(t testing.TB, s *Store) map[string]bool {
	t.Helper()
	q := `SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'stats_mark%'`
	if s.dialect == Postgres {
		q = `SELECT DISTINCT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE 'stats_mark%'`
	}
	var names []string
	if err := s.r.Raw(q).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, n := range names {
		out[n] = true
	}
	return out
}
