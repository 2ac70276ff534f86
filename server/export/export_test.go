package export

import "testing"

// TestPeriodDays: the statistics periods as days in Asia/Ho_Chi_Minh, the end excluded.
func TestPeriodDays(t *testing.T) {
	for _, c := range []struct{ period, from, to string }{
		{"2026", "2026-01-01", "2027-01-01"},
		{"2026-Q1", "2026-01-01", "2026-04-01"},
		{"2026-Q4", "2026-10-01", "2027-01-01"},
		{"2026-02", "2026-02-01", "2026-03-01"},
		{"2024-12", "2024-12-01", "2025-01-01"},
	} {
		from, to, err := PeriodDays(c.period)
		if err != nil || from != c.from || to != c.to {
			t.Errorf("%s: %s %s %v, want %s %s", c.period, from, to, err, c.from, c.to)
		}
	}
	for _, bad := range []string{"", "2026-13", "2026-00", "2026-Q5", "26-03", "1999", "2026-3", "2026-03-01"} {
		if _, _, err := PeriodDays(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestKinds: every kind has its media type and extension, and its key is under exports/.
func TestKinds(t *testing.T) {
	for _, k := range Kinds {
		if !k.Valid() || k.ContentType() == "application/octet-stream" || k.Extension() == ".bin" {
			t.Errorf("%s: %s %s", k, k.ContentType(), k.Extension())
		}
	}
	if Kind("tar").Valid() {
		t.Errorf("an unknown kind is valid")
	}
	if got := ObjectKey("org", "run", 2, EvidenceZIP); got != "exports/org/run-2.zip" {
		t.Errorf("key %s", got)
	}
}
