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
