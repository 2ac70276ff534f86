package gormstore

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// The statistics benchmarks read a database filled by the data generator (`gendata`, gen.go; see
// docs/benchmarks.md "Statistics") and named by STATS_BENCH_DATABASE_URL: a postgres:// URL or the
// path of a SQLite file. They are skipped when it is unset, so they stay out of CI. Opening the
// database applies pending migrations (on ten million visits the first open builds the indexes of
// 0021 and 0022 for some minutes). Each iteration computes a whole summary through stats.Service, as
// the console does; the periods turn through the twelve months (or the quarters) of the year, so
// that December, which also counts the year to date against the plan targets, is one in twelve. Each
// benchmark reports p50 and p95 in milliseconds besides ns/op.
//
//	STATS_BENCH_DATABASE_URL='postgres://postgres@127.0.0.1:5432/statsbench?sslmode=disable' \
//	  go test -run '^$' -bench 'BenchmarkStats' -benchtime 60x ./server/gormstore/
//	STATS_BENCH_DATABASE_URL=/tmp/h4/sqlite1m/thanhtra.db go test -run '^$' -bench 'BenchmarkStatsProvinceYear' -benchtime 10x ./server/gormstore/
//
// STATS_BENCH_ORG names the organisation by code (default: the first generated one, Cao Bằng);
// STATS_BENCH_YEAR the year (default: the year of the latest visit).

// BenchmarkStatsProvinceMonth is one organisation's month (target: p95 ≤ 50 ms on PostgreSQL with
// ten million visits).
func BenchmarkStatsProvinceMonth(b *testing.B) {
	benchStats(b, false, false, func(y int, i int) string { return fmt.Sprintf("%04d-%02d", y, 1+i%12) })
}

// BenchmarkStatsProvinceMonthStored is the same months read again once the refresh has stored them
// (stats_cache, migration 0023), as a reader gets them while no late data for them waits.
func BenchmarkStatsProvinceMonthStored(b *testing.B) {
	benchStats(b, false, true, func(y int, i int) string { return fmt.Sprintf("%04d-%02d", y, 1+i%12) })
}

// BenchmarkStatsNationalYearStored is the national year read again once stored.
func BenchmarkStatsNationalYearStored(b *testing.B) {
	benchStats(b, true, true, func(y int, _ int) string { return fmt.Sprint(y) })
}

// BenchmarkStatsProvinceQuarter is one organisation's quarter.
func BenchmarkStatsProvinceQuarter(b *testing.B) {
	benchStats(b, false, false, func(y int, i int) string { return fmt.Sprintf("%04d-Q%d", y, 1+i%4) })
}

// BenchmarkStatsProvinceYear is one organisation's year (the SQLite benchmark: 1M visits).
func BenchmarkStatsProvinceYear(b *testing.B) {
	benchStats(b, false, false, func(y int, _ int) string { return fmt.Sprint(y) })
}

// BenchmarkStatsNationalMonth is every organisation's month.
func BenchmarkStatsNationalMonth(b *testing.B) {
	benchStats(b, true, false, func(y int, i int) string { return fmt.Sprintf("%04d-%02d", y, 1+i%12) })
}

// BenchmarkStatsNationalYear is every organisation's year (a million visits).
func BenchmarkStatsNationalYear(b *testing.B) {
	benchStats(b, true, false, func(y int, _ int) string { return fmt.Sprint(y) })
}

func benchStats(b *testing.B, national, stored bool, period func(year, i int) string) {
	url := os.Getenv("STATS_BENCH_DATABASE_URL")
	if url == "" {
		b.Skip("STATS_BENCH_DATABASE_URL is not set (a database filled by `gendata`; docs/benchmarks.md)")
	}
	ctx := context.Background()
	o := Options{URL: url}
	if !strings.HasPrefix(url, "postgres") {
		o = Options{SQLitePath: url}
	}
	s, err := Open(ctx, o)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	var org struct{ ID, Code string }
	q := s.r.WithContext(ctx).Table("organisations").Select("id, code").Order("code")
	if c := os.Getenv("STATS_BENCH_ORG"); c != "" {
		q = q.Where("code = ?", c)
	} else {
		q = q.Where("code LIKE 'G%'")
	}
	if err := q.Limit(1).Scan(&org).Error; err != nil || org.ID == "" {
		b.Fatalf("no generated organisation (%v): fill the database with gendata first", err)
	}
	year := 0
	if y := os.Getenv("STATS_BENCH_YEAR"); y != "" {
		fmt.Sscan(y, &year)
	} else {
		var last string
		if err := s.r.WithContext(ctx).Raw("SELECT CAST(MAX(visit_date) AS TEXT) FROM visits").Scan(&last).Error; err != nil || len(last) < 4 {
			b.Fatalf("no visits: %v", err)
		}
		fmt.Sscan(last[:4], &year)
	}
	scope := stats.Scope{OrgID: org.ID}
	if national {
		scope = stats.Scope{National: true}
	}
	svc := &stats.Service{Store: s, Clock: clock.Real{}}
	if stored {
		// Every period of the run asked for and stored by a refresh first, as the job would have.
		svc.Cache = s
		for i := 0; i < min(b.N, 12); i++ {
			p, err := stats.ParsePeriod(period(year, i))
			if err != nil {
				b.Fatal(err)
			}
			if err := s.WantSummary(ctx, scope, p, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		t0 := time.Now()
		r, err := svc.Refresh(ctx, 1000)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("refresh: %+v in %s", r, time.Since(t0).Round(time.Millisecond))
	}
	var visits int64
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := stats.ParsePeriod(period(year, i))
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		sum, err := svc.Compute(ctx, scope, p)
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		visits += sum.Total(stats.Visits, stats.AllSubjects)
	}
	b.StopTimer()
	if visits == 0 {
		b.Fatalf("%s %d: the summaries counted no visits", org.Code, year)
	}
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(float64(visits)/float64(b.N), "visits/op")
}
