package stats

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// FiguresVersion names how the figures are computed. The stored figures of a period (Cache) are used
// only when they were computed by the same version: change it with any change to what a figure counts
// (the store adds a hash of its statements' text, so a changed statement needs no change here).
const FiguresVersion = "1"

// Cache keeps the figures of the periods people read (docs/statistics.md, "How it stays fast"). The
// figures it returns are always the current ones: a stored period is used only when no data that
// could change it has been written since it was computed; otherwise the reader computes them.
type Cache interface {
	// CachedSummary returns the stored rows of a period's figures (EncodeRows) when they are current.
	CachedSummary(ctx context.Context, scope Scope, period Period) (rows []byte, ok bool, err error)
	// WantSummary asks the refresh to compute a period (a no-op when it is already stored or asked).
	WantSummary(ctx context.Context, scope Scope, period Period, at time.Time) error
	// RefreshSummaries invalidates the stored periods that written data may have changed, then computes
	// the invalidated and asked-for periods, at most limit of them, each at one snapshot of the data.
	RefreshSummaries(ctx context.Context, at time.Time, limit int) (Refreshed, error)
}

// Refreshed is what one refresh did.
type Refreshed struct {
	Marks       int // marks of written data read
	Invalidated int // stored periods those marks invalidated (once per organisation whose marks reach it)
	Computed    int // periods computed and stored
	Pending     int // periods still to compute (over the limit)
}

// Build makes the summary of a period from the rows a Store computed (normalised).
func Build(scope Scope, period Period, rows []Row) (Summary, error) {
	q := QueryOf(scope, period)
	rows, err := Normalise(rows)
	if err != nil {
		return Summary{}, fmt.Errorf("stats.Build: %w", err)
	}
	return Summary{Scope: scope, Period: period, First: q.First, Last: q.Last, Rows: rows}, nil
}

// cached returns the stored figures of a period when the service has a cache and they are current.
func (s *Service) cached(ctx context.Context, scope Scope, period Period) (Summary, bool) {
	if s.Cache == nil {
		return Summary{}, false
	}
	data, ok, err := s.Cache.CachedSummary(ctx, scope, period)
	if err != nil || !ok {
		return Summary{}, false // computed from the rows instead: the cache only saves time
	}
	rows, err := DecodeRows(data)
	if err != nil {
		return Summary{}, false
	}
	q := QueryOf(scope, period)
	return Summary{Scope: scope, Period: period, First: q.First, Last: q.Last, Rows: rows}, true
}

// EncodeRows writes a summary's rows (normalised) for the stored figures: a line a row, its
// breakdown, key, label, figure, subject kind and value separated by tabs; a backslash, tab or line
// break in a key or label is escaped (\\, \t, \n). A province's month of national-scale data has
// some 16,000 rows (every campaign with a case still owing counts under "team"): read back, this is
// several times faster than JSON.
func EncodeRows(rows []Row) []byte {
	var b bytes.Buffer
	esc := strings.NewReplacer("\\", "\\\\", "\t", "\\t", "\n", "\\n")
	for _, r := range rows {
		b.WriteString(string(r.Breakdown))
		b.WriteByte('\t')
		esc.WriteString(&b, r.Key)
		b.WriteByte('\t')
		esc.WriteString(&b, r.Label)
		b.WriteByte('\t')
		b.WriteString(string(r.Figure))
		b.WriteByte('\t')
		b.WriteString(string(r.Subjects))
		b.WriteByte('\t')
		b.WriteString(strconv.FormatInt(r.Value, 10))
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// DecodeRows reads rows written by EncodeRows.
func DecodeRows(data []byte) ([]Row, error) {
	text := string(data)
	rows := make([]Row, 0, strings.Count(text, "\n"))
	unesc := strings.NewReplacer("\\\\", "\\", "\\t", "\t", "\\n", "\n")
	for line := range strings.Lines(text) {
		var f [6]string
		rest := strings.TrimSuffix(line, "\n")
		for i := range 5 {
			var ok bool
			if f[i], rest, ok = strings.Cut(rest, "\t"); !ok {
				return nil, fmt.Errorf("stats.DecodeRows: line %q has %d fields, want 6", line, i+1)
			}
		}
		f[5] = rest
		v, err := strconv.ParseInt(f[5], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("stats.DecodeRows: line %q: %w", line, err)
		}
		for _, i := range []int{1, 2} {
			if strings.IndexByte(f[i], '\\') >= 0 {
				f[i] = unesc.Replace(f[i])
			}
		}
		rows = append(rows, Row{Breakdown: Breakdown(f[0]), Key: f[1], Label: f[2], Figure: Figure(f[3]), Subjects: SubjectKind(f[4]), Value: v})
	}
	return rows, nil
}

// Refresh brings the stored figures up to date (the job stats.refresh): at most limit periods are
// computed; the rest wait for the next run, read from the rows meanwhile.
func (s *Service) Refresh(ctx context.Context, limit int) (Refreshed, error) {
	if s.Cache == nil {
		return Refreshed{}, nil
	}
	r, err := s.Cache.RefreshSummaries(ctx, s.Clock.Now(), limit)
	if err != nil {
		return r, errs.E(errs.Op("stats.Refresh"), err)
	}
	return r, nil
}
