package blob

import (
	"context"
	"io"
	"strings"
	"time"
)

// Retaining is a Store that locks what is written under Prefix for Period (PutOptions.RetainUntil =
// now + Period), unless the Put asks for a date of its own. The application wraps its store with it so
// that evidence content (evidence/…) is locked wherever it is written from, while upload chunks and
// thumbnails, under other prefixes, stay deletable. Every other method is the wrapped store's.
type Retaining struct {
	Store
	Prefix string
	Period time.Duration // zero or less: nothing is locked
	Now    func() time.Time
}

// Put implements Store.Put.
func (r *Retaining) Put(ctx context.Context, key string, rd io.Reader, size int64, opts PutOptions) (Info, error) {
	if r.Period > 0 && opts.RetainUntil.IsZero() && strings.HasPrefix(key, r.Prefix) {
		opts.RetainUntil = r.Now().Add(r.Period)
	}
	return r.Store.Put(ctx, key, rd, size, opts)
}
