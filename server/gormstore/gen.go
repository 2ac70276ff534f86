package gormstore

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The data generator fills a database at national scale for the statistics benchmarks (issue 8;
// docs/statistics.md "Generating data", docs/benchmarks.md "Statistics"): organisations (one per
// province) with their administrative units, people, subjects, sites and instruments, then year by
// year campaigns with their teams, subjects and sites, visits with their failed checklist items,
// violation records, penalty cases with their decisions, payments and events, and yearly plan
// targets, in the proportions docs/statistics.md gives. It writes rows directly and in bulk (COPY on
// PostgreSQL, multi-row INSERTs in one transaction per year on SQLite), never through the services:
// generated rows have no audit chains, no sync change log and no visit answers (only the findings the
// answers would give), which the statistics do not read. The same seed gives the same rows.

// GenOptions say what to generate.
type GenOptions struct {
	// Visits is the number of visits in all, spread evenly over the years (1,000,000 a year is the
	// national scale).
	Visits int
	// Years is the number of calendar years, ending with LastYear.
	Years int
	// LastYear is the last year generated (default 2025: the year the district level was abolished).
	LastYear int
	// Orgs is the number of organisations, one per province (default 34). The first is Cao Bằng
	// with its real administrative units.
	Orgs int
	// Seed makes the data: the same seed gives the same rows. Organisation codes carry it, so a
	// second run into the same database needs another seed.
	Seed uint64
	// Append allows writing into a database that already holds visits.
	Append bool
	// Progress, when set, is called from time to time while rows are written.
	Progress func(GenProgress)
}

// GenProgress is where a generation stands.
type GenProgress struct {
	Phase       string // "registry" or the year being written
	Rows        int64  // rows written so far, every table together
	Visits      int64  // visits written so far
	TotalVisits int64
	Elapsed     time.Duration
}

// GenReport is what a generation wrote.
type GenReport struct {
	Rows    map[string]int64 // by table
	Visits  int64
	Elapsed time.Duration
}

// Generate fills the database with generated data (see the comment at the top of gen.go). It refuses a
// database that holds visits already unless o.Append, and organisation codes that exist already.
func (s *Store) Generate(ctx context.Context, o GenOptions) (GenReport, error) {
	const op = errs.Op("gormstore.Generate")
	if o.Orgs <= 0 {
		o.Orgs = 34
	}
	if o.LastYear == 0 {
		o.LastYear = 2025
	}
	if o.Years <= 0 || o.Visits <= 0 || o.Orgs > 99 {
		return GenReport{}, errs.E(op, errs.Invalid, "need visits > 0, years > 0 and at most 99 organisations")
	}
	var visits int64
	if err := s.w.WithContext(ctx).Raw("SELECT count(*) FROM (SELECT 1 FROM visits LIMIT 1) v").Scan(&visits).Error; err != nil {
		return GenReport{}, errs.E(op, err)
	}
	if visits > 0 && !o.Append {
		return GenReport{}, errs.E(op, errs.Conflict, "the database holds visits already: generate into an empty database, or pass -append (with another -seed)")
	}
	g := newGenerator(o)
	var taken int64
	if err := s.w.WithContext(ctx).Raw("SELECT count(*) FROM organisations WHERE code IN ?", g.orgCodes()).Scan(&taken).Error; err != nil {
		return GenReport{}, errs.E(op, err)
	}
	if taken > 0 {
		return GenReport{}, errs.E(op, errs.Conflict, fmt.Sprintf("organisations generated with seed %d exist already: use another -seed", o.Seed))
	}
	w, err := s.genWriter(ctx)
	if err != nil {
		return GenReport{}, errs.E(op, err)
	}
	defer w.close()
	rep, err := g.run(ctx, w)
	if err != nil {
		return rep, errs.E(op, err)
	}
	return rep, nil
}

// genTable is a batch of rows for one table.
type genTable struct {
	name string
	cols []string
	rows [][]any
}

func (t *genTable) add(vals ...any) {
	if len(vals) != len(t.cols) {
		panic(fmt.Sprintf("gen: %s: %d values for %d columns", t.name, len(vals), len(t.cols)))
	}
	t.rows = append(t.rows, vals)
}

// genDay is a calendar day: DATE on PostgreSQL, 'YYYY-MM-DD' text on SQLite, as the row structs keep it.
type genDay time.Time

// genBatch is the rows of one step, in the order foreign keys need.
type genBatch struct {
	phase  string
	tables []*genTable
	byName map[string]*genTable
}

func newBatch(phase string) *genBatch { return &genBatch{phase: phase, byName: map[string]*genTable{}} }

// t returns the batch's table name, declared with its columns the first time.
func (b *genBatch) t(name string, cols ...string) *genTable {
	if t, ok := b.byName[name]; ok {
		return t
	}
	t := &genTable{name: name, cols: cols}
	b.byName[name] = t
	b.tables = append(b.tables, t)
	return t
}

// genWriter writes batches of rows.
type genWriter interface {
	write(ctx context.Context, b *genBatch, progress func(table string, n int)) error
	close()
}

// run generates the registry and then each year, writing each batch while the next is made.
func (g *generator) run(ctx context.Context, w genWriter) (GenReport, error) {
	start := time.Now()
	rep := GenReport{Rows: map[string]int64{}}
	var rows int64
	total := int64(g.o.Visits)
	last := time.Now()
	progress := func(phase string) func(string, int) {
		return func(table string, n int) {
			rows += int64(n)
			rep.Rows[table] += int64(n)
			if table == "visits" {
				rep.Visits += int64(n)
			}
			if g.o.Progress != nil && (time.Since(last) > 5*time.Second) {
				last = time.Now()
				g.o.Progress(GenProgress{Phase: phase, Rows: rows, Visits: rep.Visits, TotalVisits: total, Elapsed: time.Since(start)})
			}
		}
	}
	batches := make(chan *genBatch, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(batches)
		b := g.registry()
		select {
		case batches <- b:
		case <-ctx.Done():
			return
		}
		// The newest year first: a run stopped early (docs/benchmarks.md) leaves the latest years
		// complete, with as much history behind them as there was time for.
		for y := g.o.LastYear; y >= g.firstYear; y-- {
			b := g.year(y)
			if y == g.firstYear {
				g.counters(b)
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				return
			}
		}
	}()
	var err error
	for b := range batches {
		if err = w.write(ctx, b, progress(b.phase)); err != nil {
			cancel()
			break
		}
	}
	for range batches {
	}
	<-done
	rep.Elapsed = time.Since(start)
	if err == nil && g.o.Progress != nil {
		g.o.Progress(GenProgress{Phase: "done", Rows: rows, Visits: rep.Visits, TotalVisits: total, Elapsed: rep.Elapsed})
	}
	return rep, err
}

// sortRows orders a table's rows by the day-or-instant column at index col, then by the first column,
// so that rows are written in the order they would have arrived (every province's data interleaved
// by date, as in production) rather than province by province.
func genSortRows(t *genTable, col int) {
	key := func(v any) int64 {
		switch x := v.(type) {
		case genDay:
			return time.Time(x).UnixNano()
		case time.Time:
			return x.UnixNano()
		}
		return 0
	}
	sort.SliceStable(t.rows, func(i, j int) bool {
		a, b := key(t.rows[i][col]), key(t.rows[j][col])
		if a != b {
			return a < b
		}
		return t.rows[i][0].(string) < t.rows[j][0].(string)
	})
}
