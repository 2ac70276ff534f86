package gormstore

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// TestStatsExplain prints, for each statement of a summary, its time and the buffers PostgreSQL
// touched (EXPLAIN ANALYZE, BUFFERS) — the figure to tune the statements and indexes by on a loaded
// machine, where times are noisy. It reads a database filled by the generator and is skipped unless
// STATS_EXPLAIN_URL names one (postgres:// only); STATS_EXPLAIN_PERIOD is the period (e.g. 2025-06),
// STATS_EXPLAIN_PLAN=1 prints the plans too. The first organisation by code is used.
//
//	STATS_EXPLAIN_URL='postgres://postgres@127.0.0.1:5432/statsbench?sslmode=disable' STATS_EXPLAIN_PERIOD=2025-06 \
//	  go test -run TestStatsExplain -v ./server/gormstore/
func TestStatsExplain(t *testing.T) {
	url := os.Getenv("STATS_EXPLAIN_URL")
	if url == "" {
		t.Skip()
	}
	ctx := context.Background()
	s, err := Open(ctx, Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var org string
	s.r.Raw("SELECT id FROM organisations ORDER BY code LIMIT 1").Scan(&org)
	p, err := stats.ParsePeriod(os.Getenv("STATS_EXPLAIN_PERIOD"))
	if err != nil {
		t.Fatal(err)
	}
	q := stats.QueryOf(stats.Scope{OrgID: org}, p)
	for _, f := range s.statsFamilies(q) {
		start := time.Now()
		var plan []string
		if err := s.r.Raw("EXPLAIN (ANALYZE, BUFFERS) "+f.sql(s.dialect), f.args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		exec, bufs := "", ""
		for _, l := range plan {
			if bufs == "" && strings.Contains(l, "Buffers: shared") {
				bufs = strings.TrimSpace(l)
			}
			if strings.HasPrefix(l, "Execution Time") || strings.HasPrefix(l, "Planning Time") {
				exec += l + " "
			}
		}
		t.Logf("%v %s | %s | %s", f.figures, time.Since(start), bufs, exec)
		if os.Getenv("STATS_EXPLAIN_PLAN") != "" {
			for _, l := range plan {
				t.Log(l)
			}
		}
	}
}

// TestStatsExplainMigrate applies pending migrations to the STATS_EXPLAIN_URL database (skipped unless
// it is set).
func TestStatsExplainMigrate(t *testing.T) {
	url := os.Getenv("STATS_EXPLAIN_URL")
	if url == "" {
		t.Skip()
	}
	s, err := Open(context.Background(), Options{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
}
