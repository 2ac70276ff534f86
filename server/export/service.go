package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// DefaultRetention is how long a result stays downloadable after its run finished. Exports are
// copies of data the system keeps anyway; a week is enough to download one and keeps the object store
// from filling with multi-gigabyte ZIPs.
const DefaultRetention = 7 * 24 * time.Hour

// MaxAttempts is how often the job that makes a run tries before the run is failed.
const MaxAttempts = 3

// MaxEvidenceDays is the longest period of an evidence export.
const MaxEvidenceDays = 366

// ProgressEvery is how many items pass between two writes of a run's progress.
const ProgressEvery = 25

// Writer writes the result of a run of a statistics kind to w. It may report progress.
type Writer func(ctx context.Context, r Run, w io.Writer, progress func(Progress) error) error

// Service creates runs, makes them in the background and removes expired results.
type Service struct {
	Store    Store
	Evidence EvidenceSource // nil: no evidence exports
	Blobs    blob.Store
	Clock    clock.Clock
	IDs      clock.IDs
	// Writers make the statistics kinds; a kind without a writer is refused at creation.
	Writers   map[Kind]Writer
	Retention time.Duration // zero: DefaultRetention
	// ProgressEvery overrides ProgressEvery (tests set 1).
	ProgressEvery int
	// EvidencePage overrides EvidencePage, the page of the evidence listing (tests set it small).
	EvidencePage int
	Log          *slog.Logger
}

// NewRun is what a caller asks for.
type NewRun struct {
	Kind     Kind
	From, To string // the evidence kinds: days, To excluded
	Period   string // the statistics kinds: "2026", "2026-Q1" or "2026-03"
}

// mayExport reports whether p may create and read the organisation's exports: the chief and the
// director (D28), who read everything the exports hold.
func mayExport(p identity.Principal) bool {
	return p.Has(identity.RoleChief, identity.RoleDirector)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Available reports whether this service makes runs of kind k.
func (s *Service) Available(k Kind) bool {
	if k == EvidenceZIP {
		return s.Evidence != nil
	}
	return s.Writers[k] != nil
}

// Create validates the request, stores the run (queued), its job and the audit event in one
// transaction, and returns the run. Errors: errs.Forbidden for a caller who may not export;
// errs.Invalid (CodeValidation with the fields) for a bad period; errs.Invalid
// (CodeExportKindUnavailable) for a kind this server does not make.
func (s *Service) Create(ctx context.Context, p identity.Principal, n NewRun) (Run, error) {
	const op = errs.Op("export.Create")
	if !mayExport(p) {
		return Run{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	r := Run{ID: s.IDs.NewID(), OrgID: p.OrgID, Kind: n.Kind, State: Queued, CreatedByAccount: p.AccountID,
		CreatedByPerson: p.PersonID, CreatedAt: s.Clock.Now().UTC().Truncate(time.Microsecond)}
	if err := r.setPeriod(n); err != nil {
		return Run{}, errs.E(op, err)
	}
	if !s.Available(n.Kind) {
		return Run{}, errs.E(op, errs.Invalid, errs.CodeExportKindUnavailable, fmt.Sprintf("kind %q", n.Kind))
	}
	payload, err := json.Marshal(JobPayload{OrgID: r.OrgID, RunID: r.ID})
	if err != nil {
		return Run{}, errs.E(op, err)
	}
	data := map[string]any{"kind": string(r.Kind), "from": r.From, "to": r.To}
	if r.Period != "" {
		data["period"] = r.Period
	}
	e := audit.Entry{Chain: "export/" + r.ID, OrgID: r.OrgID, Action: "export.create", ActorAccountID: p.AccountID,
		ActorPersonID: p.PersonID, At: r.CreatedAt, Data: data}
	if err := s.Store.CreateExportRun(ctx, r, payload, MaxAttempts, e); err != nil {
		return Run{}, errs.E(op, err)
	}
	return r, nil
}

var periodPattern = regexp.MustCompile(`^([0-9]{4})(?:-(?:Q([1-4])|([0-9]{2})))?$`)

// setPeriod checks the period of n and sets the run's From, To and Period.
func (r *Run) setPeriod(n NewRun) error {
	if !n.Kind.Valid() {
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "kind", Code: errs.CodeInvalidValue})
	}
	if n.Kind == EvidenceZIP {
		var fields []errs.FieldError
		from, ferr := adminunit.ParseDay(n.From)
		if ferr != nil {
			fields = append(fields, errs.FieldError{Field: "from", Code: errs.CodeInvalidDate})
		}
		to, terr := adminunit.ParseDay(n.To)
		if terr != nil {
			fields = append(fields, errs.FieldError{Field: "to", Code: errs.CodeInvalidDate})
		}
		if ferr == nil && terr == nil && (!to.After(from) || to.Sub(from) > MaxEvidenceDays*24*time.Hour) {
			fields = append(fields, errs.FieldError{Field: "to", Code: errs.CodeInvalidValue})
		}
		if n.Period != "" {
			fields = append(fields, errs.FieldError{Field: "period", Code: errs.CodeInvalidValue})
		}
		if len(fields) > 0 {
			return errs.E(errs.Invalid, errs.CodeValidation, fields)
		}
		r.From, r.To = n.From, n.To
		return nil
	}
	from, to, err := PeriodDays(n.Period)
	if err != nil || n.From != "" || n.To != "" {
		f := "period"
		if err == nil {
			f = "from"
		}
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: f, Code: errs.CodeInvalidValue})
	}
	r.Period, r.From, r.To = n.Period, from, to
	return nil
}

// PeriodDays returns the first day of a statistics period ("2026", "2026-Q1", "2026-03") and the
// first day after it.
func PeriodDays(period string) (from, to string, err error) {
	m := periodPattern.FindStringSubmatch(period)
	if m == nil {
		return "", "", fmt.Errorf("period %q is not YYYY, YYYY-Qn or YYYY-MM", period)
	}
	year, _ := strconv.Atoi(m[1])
	start, months := time.Date(year, 1, 1, 0, 0, 0, 0, clock.Vietnam), 12
	switch {
	case m[2] != "":
		q, _ := strconv.Atoi(m[2])
		start, months = start.AddDate(0, 3*(q-1), 0), 3
	case m[3] != "":
		mo, _ := strconv.Atoi(m[3])
		if mo < 1 || mo > 12 {
			return "", "", fmt.Errorf("period %q: no month %d", period, mo)
		}
		start, months = start.AddDate(0, mo-1, 0), 1
	}
	if year < 2000 || year > 2100 {
		return "", "", fmt.Errorf("period %q: year out of range", period)
	}
	return start.Format(time.DateOnly), start.AddDate(0, months, 0).Format(time.DateOnly), nil
}

// Get returns one of the caller's organisation's runs.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (Run, error) {
	if !mayExport(p) {
		return Run{}, errs.E(errs.Op("export.Get"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return s.Store.ExportRun(ctx, p.OrgID, id)
}

// List returns the caller's organisation's runs, the newest first.
func (s *Service) List(ctx context.Context, p identity.Principal, page paging.Page) ([]Run, int, error) {
	if !mayExport(p) {
		return nil, 0, errs.E(errs.Op("export.List"), errs.Forbidden, errs.CodeRoleRequired)
	}
	return s.Store.ExportRuns(ctx, p.OrgID, page.Normal())
}

// Downloadable returns a done run of the caller's organisation, whose ObjectKey the caller streams.
// A run not done is errs.Conflict (CodeExportNotReady); an expired one errs.NotFound
// (CodeExportExpired).
func (s *Service) Downloadable(ctx context.Context, p identity.Principal, id string) (Run, error) {
	const op = errs.Op("export.Downloadable")
	r, err := s.Get(ctx, p, id)
	if err != nil {
		return Run{}, errs.E(op, err)
	}
	switch r.State {
	case Done:
		return r, nil
	case Expired:
		return Run{}, errs.E(op, errs.NotFound, errs.CodeExportExpired, "run "+id)
	}
	return Run{}, errs.E(op, errs.Conflict, errs.CodeExportNotReady, fmt.Sprintf("run %s is %s", id, r.State))
}

// permanent reports whether a failure will not go away by trying again.
func permanent(err error) bool {
	switch errs.CodeOf(err) {
	case errs.CodeExportHashMismatch, errs.CodeExportObjectMissing:
		return true
	}
	return errs.KindOf(err) == errs.Invalid
}

// JobAttempt is what Handle needs of the job that runs it.
type JobAttempt struct {
	Payload          []byte
	Attempt, Maximum int
}

// Handle makes the run a job names: it starts the run under the job's attempt (clearing the
// progress of any earlier attempt), streams the result into the object store and records it. A
// failure that another attempt cannot mend (a hash mismatch, a missing object, an invalid run) fails
// the run at once and the job succeeds; another failure is returned for the runner to retry, and on
// the last attempt fails the run too. A run already done makes the job succeed with nothing to do.
func (s *Service) Handle(ctx context.Context, j JobAttempt) error {
	const op = errs.Op("export.Handle")
	var p JobPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.OrgID == "" || p.RunID == "" {
		return errs.E(op, errs.Invalid, fmt.Sprintf("payload %s", j.Payload))
	}
	r, err := s.Store.StartExportRun(ctx, p.OrgID, p.RunID, j.Attempt, s.now())
	if errs.KindOf(err) == errs.Conflict {
		return nil
	}
	if err != nil {
		return errs.E(op, err)
	}
	res, err := s.make(ctx, r)
	if err == nil {
		err = s.Store.FinishExportRun(ctx, r.ID, r.Attempt, res, s.now())
		if err == nil {
			s.log().Info("export done", "run", r.ID, "kind", string(r.Kind), "bytes", res.Size, "attempt", r.Attempt)
			return nil
		}
	}
	if permanent(err) || j.Attempt >= j.Maximum {
		code := errs.CodeOf(err)
		if code == "" {
			code = errs.Code(errs.KindOf(err))
		}
		s.log().Warn("export failed", "run", r.ID, "kind", string(r.Kind), "attempt", r.Attempt, "err", err)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if ferr := s.Store.FailExportRun(fctx, r.ID, r.Attempt, code, err.Error(), s.now()); ferr != nil {
			return errs.E(op, ferr)
		}
		if permanent(err) {
			return nil
		}
	}
	return errs.E(op, "run "+r.ID, err)
}

func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Microsecond) }

// errPutEnded stops a writer whose Put has returned.
var errPutEnded = errors.New("export: the object store stopped reading")

// make streams the run's result into the object store through a pipe: the writer fills it on its own
// goroutine while Put reads it with an unknown size, so no more than the store's part buffer is held.
func (s *Service) make(ctx context.Context, r Run) (Result, error) {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	key := ObjectKey(r.OrgID, r.ID, r.Attempt, r.Kind)
	pr, pw := io.Pipe()
	cw := &countingWriter{w: pw}
	prog := &progressRecorder{s: s, run: r, count: cw}
	var werr error
	var wg sync.WaitGroup
	wg.Go(func() {
		werr = s.write(wctx, r, cw, prog)
		pw.CloseWithError(werr) // nil: the reader sees the end
	})
	info, perr := s.Blobs.Put(wctx, key, pr, -1, blob.PutOptions{ContentType: r.Kind.ContentType(),
		Metadata: map[string]string{"export-run": r.ID, "export-kind": string(r.Kind)}})
	pr.CloseWithError(errPutEnded)
	cancel()
	wg.Wait()
	switch {
	case werr != nil && !errors.Is(werr, errPutEnded):
		return Result{}, werr
	case perr != nil:
		return Result{}, perr
	case werr != nil:
		return Result{}, werr
	}
	if err := prog.flush(ctx); err != nil {
		return Result{}, err
	}
	return Result{ObjectKey: key, SHA256: info.SHA256, Size: info.Size, ExpiresAt: s.now().Add(s.retention())}, nil
}

func (s *Service) retention() time.Duration {
	if s.Retention > 0 {
		return s.Retention
	}
	return DefaultRetention
}

// write writes the run's result to w.
func (s *Service) write(ctx context.Context, r Run, w io.Writer, prog *progressRecorder) error {
	if r.Kind == EvidenceZIP {
		if s.Evidence == nil {
			return errs.E(errs.Invalid, errs.CodeExportKindUnavailable, "no evidence source")
		}
		cutoff := r.CreatedAt
		total, _, err := s.Evidence.EvidenceExportTotals(ctx, r.OrgID, r.From, r.To, cutoff)
		if err != nil {
			return err
		}
		if err := prog.set(ctx, Progress{ItemsTotal: total}, true); err != nil {
			return err
		}
		return WriteEvidenceZIP(ctx, w, s.Evidence, s.Blobs, r.OrgID, r.From, r.To, cutoff, s.EvidencePage, func(done, _ int64) error {
			return prog.set(ctx, Progress{ItemsDone: done, ItemsTotal: total}, false)
		})
	}
	wr := s.Writers[r.Kind]
	if wr == nil {
		return errs.E(errs.Invalid, errs.CodeExportKindUnavailable, fmt.Sprintf("kind %q", r.Kind))
	}
	return wr(ctx, r, w, func(p Progress) error { return prog.set(ctx, p, false) })
}

// progressRecorder writes a run's progress every ProgressEvery items, with the bytes written so far.
type progressRecorder struct {
	s       *Service
	run     Run
	count   *countingWriter
	last    Progress
	pending bool
}

func (p *progressRecorder) set(ctx context.Context, pr Progress, force bool) error {
	every := int64(p.s.ProgressEvery)
	if every <= 0 {
		every = ProgressEvery
	}
	pr.Bytes = p.count.n.Load()
	due := force || pr.ItemsDone-p.last.ItemsDone >= every || pr.ItemsDone == pr.ItemsTotal && pr.ItemsDone != p.last.ItemsDone
	p.pending = !due
	if !due {
		p.last.Bytes = pr.Bytes
		return nil
	}
	p.last = pr
	return p.s.Store.SetExportProgress(ctx, p.run.ID, p.run.Attempt, pr)
}

// flush records the final progress, with every byte counted.
func (p *progressRecorder) flush(ctx context.Context) error {
	pr := p.last
	pr.Bytes = p.count.n.Load()
	return p.s.Store.SetExportProgress(ctx, p.run.ID, p.run.Attempt, pr)
}

// Expire removes the results whose retention has ended and marks their runs expired; it returns how
// many. It is the handler of the daily ExpireKind job.
func (s *Service) Expire(ctx context.Context) (int, error) {
	const op = errs.Op("export.Expire")
	n := 0
	for {
		runs, err := s.Store.ExportRunsExpiring(ctx, s.now(), 100)
		if err != nil {
			return n, errs.E(op, err)
		}
		for _, r := range runs {
			if r.ObjectKey != "" {
				if err := s.Blobs.Delete(ctx, r.ObjectKey); err != nil {
					return n, errs.E(op, "run "+r.ID, err)
				}
			}
			if err := s.Store.ExpireExportRun(ctx, r.ID, s.now()); err != nil {
				return n, errs.E(op, "run "+r.ID, err)
			}
			n++
		}
		if len(runs) < 100 {
			return n, nil
		}
	}
}

// countingWriter counts the bytes of the result written so far.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
