package main

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// gendataUsage is the usage line of the gendata command.
const gendataUsage = "gendata -size 1m|10m [-orgs 34] [-years N] [-last-year 2025] [-seed S] [-append]"

// cmdGendata fills the configured database with generated national-scale data for the statistics
// benchmarks (gormstore.Generate; docs/statistics.md "Generating data"). Not for a production
// database: the rows have no audit chains and phones never see them. Progress goes to stderr, the
// rows written by table to stdout.
func cmdGendata(ctx context.Context, env *cli, args []string) error {
	fs := flags("gendata", env)
	size := fs.String("size", "1m", "visits in all: 1m (one year) or 10m (ten years), or a number")
	orgs := fs.Int("orgs", 34, "organisations (provinces); the first is Cao Bằng with its real units")
	years := fs.Int("years", 0, "calendar years (default: 1 for 1m, 10 for 10m)")
	lastYear := fs.Int("last-year", 2025, "the last year generated")
	seed := fs.Uint64("seed", 1, "the seed: the same seed gives the same rows")
	appendTo := fs.Bool("append", false, "write into a database that holds visits already (with another -seed)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o := gormstore.GenOptions{Orgs: *orgs, Years: *years, LastYear: *lastYear, Seed: *seed, Append: *appendTo}
	switch *size {
	case "1m":
		o.Visits = 1_000_000
	case "10m":
		o.Visits = 10_000_000
	default:
		if _, err := fmt.Sscanf(*size, "%d", &o.Visits); err != nil || o.Visits <= 0 {
			return fmt.Errorf("-size must be 1m, 10m or a number of visits; usage: %s", gendataUsage)
		}
	}
	if o.Years == 0 {
		o.Years = max(1, o.Visits/1_000_000)
	}
	_, st, err := env.admin(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	// The national reference data the figures name (catalogue, checklists), as a server start loads it.
	cat, err := legal.Seed()
	if err != nil {
		return err
	}
	if _, err := st.LoadLegalSeed(ctx, cat); err != nil {
		return err
	}
	if _, err := (&checklist.Service{Store: st, Lister: st, Clock: clock.Real{}}).Seed(ctx); err != nil {
		return err
	}
	o.Progress = func(p gormstore.GenProgress) {
		secs := p.Elapsed.Seconds()
		line := fmt.Sprintf("gendata: %s: %d rows, %d of %d visits, %.0f rows/s, %s", p.Phase, p.Rows, p.Visits, p.TotalVisits,
			float64(p.Rows)/max(secs, 0.001), p.Elapsed.Round(time.Second))
		if p.Visits > 0 && p.Visits < p.TotalVisits {
			eta := time.Duration(float64(p.Elapsed) * float64(p.TotalVisits-p.Visits) / float64(p.Visits))
			line += fmt.Sprintf(", about %s left", eta.Round(time.Second))
		}
		fmt.Fprintln(env.stderr, line)
	}
	fmt.Fprintf(env.stderr, "gendata: %d visits over %d year(s) to %d, %d organisations, seed %d, %s\n", o.Visits, o.Years, o.LastYear, o.Orgs, o.Seed, st.Dialect())
	rep, err := st.Generate(ctx, o)
	tables := make([]string, 0, len(rep.Rows))
	var total int64
	for t, n := range rep.Rows {
		tables = append(tables, t)
		total += n
	}
	sort.Strings(tables)
	for _, t := range tables {
		fmt.Fprintf(env.stdout, "%-28s %12d\n", t, rep.Rows[t])
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%-28s %12d rows in %s (%.0f rows/s)\n", "total", total, rep.Elapsed.Round(time.Second), float64(total)/rep.Elapsed.Seconds())
	fmt.Fprintln(env.stdout, "run ANALYZE (PostgreSQL) or PRAGMA optimize (SQLite) before measuring")
	return nil
}
