package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// The examples the contract gives (mobile-api/openapi.yaml, "Checksum"), and agreement with the
// server's own implementation on data with escapes, non-ASCII text and large versions.
func TestEntryChecksum(t *testing.T) {
	for _, tc := range []struct {
		name, typ, id string
		version       int64
		data          string
		want          uint32
	}{
		{"contract number block", "number_block", "b1", 0, `{"first":1,"last":50}`, 1325204078},
		{"contract visit", "visit", "v1", 3, `{"status":"completed"}`, 1717682521},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := entryChecksum(tc.typ, tc.id, tc.version, []byte(tc.data)); got != tc.want {
				t.Errorf("checksum %d, want %d", got, tc.want)
			}
		})
	}
	if sum := entryChecksum("number_block", "b1", 0, []byte(`{"first":1,"last":50}`)) +
		entryChecksum("visit", "v1", 3, []byte(`{"status":"completed"}`)); sum != 3042886599 {
		t.Errorf("the contract's copy sums to %d, want 3042886599", sum)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 200 {
		data := `{"name":"Cửa hàng xăng dầu số ` + strings.Repeat("\\u00e9", i%5) + `","n":` + string(rune('0'+i%10)) + `}`
		typ, id, version := []string{"site", "visit", "x"}[i%3], newUUIDv7(int64(i)), rng.Int64N(1<<40)
		if got, want := entryChecksum(typ, id, version, []byte(data)), syncfeed.EntryChecksum(typ, id, version, []byte(data)); got != want {
			t.Fatalf("%s %s v%d %s: client %d, server %d", typ, id, version, data, got, want)
		}
	}
}

func TestUUIDv7(t *testing.T) {
	canonical := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := newUUIDv7(1_764_000_000_000)
		if !canonical.MatchString(id) || seen[id] {
			t.Fatalf("bad or repeated UUIDv7 %q", id)
		}
		seen[id] = true
	}
	if a, b := newUUIDv7(1000), newUUIDv7(2000); a[:13] >= b[:13] {
		t.Errorf("time prefix does not order: %s, %s", a, b)
	}
}

type fixedRandom struct{ frac float64 }

func (r fixedRandom) Int63n(n int64) int64 { return int64(float64(n-1) * r.frac) }

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		name       string
		attempt    int
		frac       float64
		retryAfter int64
		want       int64
	}{
		{"first, top of the jitter", 0, 1, 0, 500},
		{"third, top", 2, 1, 0, 2000},
		{"capped", 20, 1, 0, 60_000},
		{"bottom of the jitter", 3, 0, 0, 0},
		{"retry-after wins over a short jitter", 1, 0, 7000, 7000},
		{"jitter wins over a short retry-after", 6, 1, 1000, 32_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := backoff(fixedRandom{tc.frac}, 500, 60_000, tc.attempt, tc.retryAfter); got != tc.want {
				t.Errorf("backoff = %d, want %d", got, tc.want)
			}
		})
	}
}

// A store written by a newer client is refused; reopening an up-to-date store changes nothing.
func TestStoreMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "phone.db")
	s, err := openStore(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	var mode string
	var sync int
	s.w.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	s.w.QueryRow(`PRAGMA synchronous`).Scan(&sync)
	if mode != "wal" || sync != 2 {
		t.Errorf("journal_mode %q synchronous %d, want wal and 2 (FULL)", mode, sync)
	}
	s.close()
	if s, err = openStore(ctx, path); err != nil {
		t.Fatalf("reopen: %v", err)
	}
	ms, _ := migrations()
	if _, err := s.w.Exec(`INSERT INTO schema_migrations (version, name) VALUES (?, 'from_the_future')`, len(ms)+1); err != nil {
		t.Fatal(err)
	}
	s.close()
	if _, err := openStore(ctx, path); ErrorCode(err) != CodeStoreNewer {
		t.Fatalf("a newer store opened: %v", err)
	}
}

// Numbers are taken in order from the blocks, skipping what the server marked and what the phone took.
func TestFreeNumbers(t *testing.T) {
	ctx := context.Background()
	s, err := openStore(ctx, filepath.Join(t.TempDir(), "phone.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	block := func(id string, first, last int, marks ...int) {
		var m []map[string]any
		for _, n := range marks {
			m = append(m, map[string]any{"number": n, "state": "used"})
		}
		data, _ := json.Marshal(map[string]any{"issuing_unit_id": "u", "year": 2026, "first": first, "last": last, "marks": m})
		s.w.Exec(`INSERT INTO ref_entities (dataset, type, id, version, data, checksum) VALUES ('numbers', 'number_block', ?, 0, ?, 0)`, id, data)
	}
	block("b2", 21, 23)
	block("b1", 1, 4, 1, 3)
	s.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO number_takes (issuing_unit_id, year, number, state, taken_at) VALUES ('u', 2026, 2, 'voided', 0)`)
		return err
	})
	got, err := freeNumbers(ctx, s.r, "u", 2026, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{4, 21, 22, 23}; !equalInts(got, want) {
		t.Errorf("free %v, want %v", got, want)
	}
	if got, _ := freeNumbers(ctx, s.r, "u", 2025, 0); len(got) != 0 {
		t.Errorf("another year: %v", got)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
