// Package integrity re-hashes what the object store holds against what the database recorded when it
// was stored: every evidence object and every record document (DECISIONS D13, the object half of
// `thanhtra verify`; the audit chains are server/audit's half).
//
// Each object is streamed through SHA-256, never loaded whole, by a few workers at once. Every break
// is reported with its location — the organisation, the key, the recorded SHA-256 — and what is
// wrong: the object is missing, its size differs, or its bytes hash differently. A store that cannot
// be read for an object is reported too (unreadable): the object could not be vouched for.
//
// This package imports neither gorm, echo nor minio-go.
package integrity

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The kinds of object checked.
const (
	KindEvidence = "evidence"          // evidence content, evidence/<org>/<sha256>
	KindDocument = "record document"   // a record's canonical JSON or PDF, records/<org>/<record>/v<n>.{json,pdf}
	KindDecision = "decision document" // an issued decision's canonical JSON or PDF, decisions/<org>/<case>/<n>-<year>.{json,pdf}
)

// What is wrong with an object.
const (
	Missing      = "missing"
	SizeDiffers  = "size differs"
	HashDiffers  = "hash differs"
	Unreadable   = "unreadable"
	StoreHashBad = "store's recorded hash differs" // the store's own record (sidecar, metadata) disagrees
)

// Expected is an object the database says the store holds, with the SHA-256 (and size, when
// recorded) of its bytes.
type Expected struct {
	Kind   string
	OrgID  string
	Key    string
	SHA256 string
	Size   int64 // -1 when the database does not record it
}

// Source lists the objects to check (gormstore).
type Source interface {
	// StoredObjectCount returns how many objects StoredObjects lists, for progress.
	StoredObjectCount(ctx context.Context) (int64, error)
	// StoredObjects calls fn for every object the database records with its hash, until fn returns
	// an error (which it returns). It holds no transaction while fn runs.
	StoredObjects(ctx context.Context, fn func(Expected) error) error
}

// Problem is one break.
type Problem struct {
	Expected
	What   string // Missing, SizeDiffers, HashDiffers, Unreadable, StoreHashBad
	Detail string // the size or hash found, or the store's error
}

// String is the problem in one line for an operator.
func (p Problem) String() string {
	s := fmt.Sprintf("%s org=%s key=%s sha256=%s: %s", p.Kind, p.OrgID, p.Key, p.SHA256, p.What)
	if p.Detail != "" {
		s += " (" + p.Detail + ")"
	}
	return s
}

// Report is the outcome of Verify.
type Report struct {
	Objects  int64 // objects checked
	Bytes    int64 // bytes hashed
	ByKind   map[string]int64
	Problems []Problem // sorted by kind, organisation and key
}

// OK reports whether nothing was wrong.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Progress is how far a long run has come.
type Progress struct {
	Done, Total int64
	Bytes       int64
	Problems    int
	Elapsed     time.Duration
}

// Options tune Verify; zero values take the defaults.
type Options struct {
	Workers int // objects hashed at once; default 4
	// Progress, when set, is called every ProgressEvery objects and at the end (from one goroutine
	// at a time).
	Progress      func(Progress)
	ProgressEvery int64 // default 1000
}

// Verify re-hashes every object src lists in store. It returns an error only when src cannot be read
// or ctx ends; what is wrong with the objects is in the report.
func Verify(ctx context.Context, src Source, store blob.Store, o Options) (Report, error) {
	const op = errs.Op("integrity.Verify")
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 1000
	}
	total, err := src.StoredObjectCount(ctx)
	if err != nil {
		return Report{}, errs.E(op, err)
	}
	start := time.Now()
	rep := Report{ByKind: map[string]int64{}}
	var mu sync.Mutex // guards rep and progress calls
	work := make(chan Expected)
	var wg sync.WaitGroup
	for range o.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				n, p := check(ctx, store, e)
				mu.Lock()
				rep.Objects++
				rep.Bytes += n
				rep.ByKind[e.Kind]++
				if p != nil {
					rep.Problems = append(rep.Problems, *p)
				}
				if o.Progress != nil && rep.Objects%o.ProgressEvery == 0 {
					o.Progress(Progress{Done: rep.Objects, Total: max(total, rep.Objects), Bytes: rep.Bytes, Problems: len(rep.Problems), Elapsed: time.Since(start)})
				}
				mu.Unlock()
			}
		}()
	}
	err = src.StoredObjects(ctx, func(e Expected) error {
		select {
		case work <- e:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(work)
	wg.Wait()
	if err != nil {
		return rep, errs.E(op, err)
	}
	if err := ctx.Err(); err != nil {
		return rep, errs.E(op, err)
	}
	slices.SortFunc(rep.Problems, func(a, b Problem) int {
		return strings.Compare(a.Kind+"\x00"+a.OrgID+"\x00"+a.Key, b.Kind+"\x00"+b.OrgID+"\x00"+b.Key)
	})
	if o.Progress != nil {
		o.Progress(Progress{Done: rep.Objects, Total: max(total, rep.Objects), Bytes: rep.Bytes, Problems: len(rep.Problems), Elapsed: time.Since(start)})
	}
	return rep, nil
}

// check hashes one object and returns the bytes read and its problem, if any.
func check(ctx context.Context, store blob.Store, e Expected) (int64, *Problem) {
	problem := func(what, detail string) *Problem { return &Problem{Expected: e, What: what, Detail: detail} }
	rc, info, err := store.Get(ctx, e.Key)
	if errs.KindOf(err) == errs.NotFound {
		return 0, problem(Missing, "")
	}
	if err != nil {
		return 0, problem(Unreadable, err.Error())
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return n, problem(Unreadable, err.Error())
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch {
	case e.Size >= 0 && n != e.Size:
		return n, problem(SizeDiffers, fmt.Sprintf("%d bytes stored, %d recorded; they hash to %s", n, e.Size, sum))
	case sum != e.SHA256:
		return n, problem(HashDiffers, "the stored bytes hash to "+sum)
	case info.SHA256 != "" && info.SHA256 != e.SHA256:
		// The bytes are right but the store's own record of them is not: someone edited it.
		return n, problem(StoreHashBad, "the store records "+info.SHA256)
	}
	return n, nil
}
