package stats

import (
	"context"
	"fmt"
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
	// CachedSummary returns the stored canonical JSON of a period's figures when it is current.
	CachedSummary(ctx context.Context, scope Scope, period Period) (canonical []byte, ok bool, err error)
	// WantSummary asks the refresh to compute a period (a no-op when it is already stored or asked).
	WantSummary(ctx context.Context, scope Scope, period Period, at time.Time) error
	// RefreshSummaries invalidates the stored periods that written data may have changed, then computes
	// the invalidated and asked-for periods, at most limit of them, each at one snapshot of the data.
	RefreshSummaries(ctx context.Context, at time.Time, limit int) (Refreshed, error)
}

// Refreshed is what one refresh did.
type Refreshed struct {
	Marks       int // marks of written data read
	Invalidated int // stored periods those marks invalidated
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
	sum, err := FromCanonical(data)
	if err != nil {
		return Summary{}, false
	}
	return sum, true
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
