// Package export makes long exports in the background: a period's evidence as a ZIP with a manifest
// of hashes, and the statistics as CSV, XLSX or the PDF report (issue 8; docs/exports.md).
//
// An export is a Run: created by a request (which answers at once with the run's ID), made by a job
// of the runner in server/jobs, streamed into the object store while it is written — never held
// whole in memory — and downloaded once done. A run shows its progress (items done of the total,
// bytes written). A job that runs again after its worker crashed starts the run over from nothing:
// the object store makes an object visible only when its Put completes, so a half-written export is
// never seen. Results are removed after the retention period by a daily job.
//
// This package is the domain side; it imports neither gorm, echo nor minio-go. The storage side is in
// server/gormstore (export*.go), the HTTP side in server/consolehttp (export_*.go).
package export

import (
	"context"
	"fmt"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// Kind is what a run exports.
type Kind string

// The kinds.
const (
	// EvidenceZIP is every stored evidence object of the organisation's visits whose date falls in
	// [From, To), with manifest.csv (path, SHA-256, size, visit, site, capture time, record number).
	EvidenceZIP Kind = "evidence_zip"
	// StatsCSV, StatsXLSX and StatsPDF are the statistics summary of a period as CSV, as XLSX (one
	// sheet per breakdown and the results form) and as the PDF report with charts.
	StatsCSV  Kind = "stats_csv"
	StatsXLSX Kind = "stats_xlsx"
	StatsPDF  Kind = "stats_pdf"
)

// Kinds lists every kind in a stable order.
var Kinds = []Kind{EvidenceZIP, StatsCSV, StatsXLSX, StatsPDF}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// ContentType is the media type of a kind's result.
func (k Kind) ContentType() string {
	switch k {
	case EvidenceZIP:
		return "application/zip"
	case StatsCSV:
		return "text/csv; charset=utf-8"
	case StatsXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case StatsPDF:
		return "application/pdf"
	}
	return "application/octet-stream"
}

// Extension is the file name extension of a kind's result, with its dot.
func (k Kind) Extension() string {
	switch k {
	case EvidenceZIP:
		return ".zip"
	case StatsCSV:
		return ".csv"
	case StatsXLSX:
		return ".xlsx"
	case StatsPDF:
		return ".pdf"
	}
	return ".bin"
}

// State is where a run is in its life.
type State string

// The states. A run is queued until a worker starts it, running while it is made (and again from
// nothing when a retry follows a crash), then done with a result to download or failed with a reason;
// a done run whose result was removed after the retention period is expired.
const (
	Queued  State = "queued"
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
	Expired State = "expired"
)

// Run is one export.
type Run struct {
	ID    string
	OrgID string
	Kind  Kind
	// From and To are the period, calendar days (YYYY-MM-DD) in Asia/Ho_Chi_Minh, From included and
	// To excluded. Evidence is selected by its visit's date.
	From, To string
	// Period names the statistics period for the statistics kinds (as the statistics service spells
	// it, e.g. "2026-03", "2026-Q1", "2026"); empty for evidence.
	Period string
	State  State
	// Attempt is the job attempt that made (or is making) the run; a worker of an older attempt can no
	// longer write the run.
	Attempt int
	// ItemsDone of ItemsTotal is the progress: evidence objects for a ZIP, steps for the statistics.
	ItemsDone, ItemsTotal int64
	// Bytes is how much of the result has been written so far; once done, its size.
	Bytes int64
	// ObjectKey and SHA256 name the result in the object store once done.
	ObjectKey string
	SHA256    string
	// FailureCode and Failure say why a failed run failed (an errs code, and a message naming the
	// object at fault where there is one).
	FailureCode errs.Code
	Failure     string
	// CreatedBy is the account and person who asked for it.
	CreatedByAccount, CreatedByPerson string
	CreatedAt                         time.Time
	StartedAt, FinishedAt, ExpiresAt  *time.Time
}

// Progress is how far a run has come.
type Progress struct {
	ItemsDone, ItemsTotal, Bytes int64
}

// Result is a finished run's object.
type Result struct {
	ObjectKey string
	SHA256    string
	Size      int64
	ExpiresAt time.Time
}

// Store keeps runs. gormstore implements it. Methods that change a run of an attempt (progress,
// finish, fail) change nothing and return errs.Conflict when another attempt has started the run
// since, so that a worker that lost its lease cannot overwrite a newer attempt's state.
type Store interface {
	// CreateExportRun stores a new run in state queued, the job that makes it (kind JobKind, payload
	// JobPayload) and the audit event, in one transaction.
	CreateExportRun(ctx context.Context, r Run, jobPayload []byte, maxAttempts int, e audit.Entry) error
	// ExportRun returns the organisation's run, or errs.NotFound (CodeExportNotFound).
	ExportRun(ctx context.Context, orgID, id string) (Run, error)
	// ExportRuns lists the organisation's runs, the newest first, with their total.
	ExportRuns(ctx context.Context, orgID string, page paging.Page) ([]Run, int, error)
	// StartExportRun sets a queued, running or failed run running under attempt with its progress
	// cleared; a done or expired run is errs.Conflict (a job that runs again after the run finished
	// has nothing to do).
	StartExportRun(ctx context.Context, orgID, id string, attempt int, at time.Time) (Run, error)
	// SetExportProgress records the progress of the run's attempt.
	SetExportProgress(ctx context.Context, id string, attempt int, p Progress) error
	// FinishExportRun marks the run of attempt done with its result.
	FinishExportRun(ctx context.Context, id string, attempt int, res Result, at time.Time) error
	// FailExportRun marks the run of attempt failed with the reason.
	FailExportRun(ctx context.Context, id string, attempt int, code errs.Code, message string, at time.Time) error
	// ExportRunsExpiring lists up to limit done runs (of every organisation) whose result expires at
	// or before now.
	ExportRunsExpiring(ctx context.Context, now time.Time, limit int) ([]Run, error)
	// ExpireExportRun marks a done run expired and forgets its object key; a run in another state is
	// left alone.
	ExpireExportRun(ctx context.Context, id string, at time.Time) error
}

// JobKind is the kind of the background job that makes a run; its payload is JobPayload.
const JobKind = "export.run"

// ExpireKind is the kind of the daily job that removes expired results; ExpireEvery is how often it
// runs.
const (
	ExpireKind  = "export.expire"
	ExpireEvery = 24 * time.Hour
)

// JobPayload is the payload of a JobKind job.
type JobPayload struct {
	OrgID string `json:"org_id"`
	RunID string `json:"run_id"`
}

// ObjectKey is where one attempt of a run stores its result. Each attempt has its own key: a worker
// that lost its lease and finishes late writes beside the newer attempt's result, never over the
// object whose SHA-256 the run records.
func ObjectKey(orgID, runID string, attempt int, k Kind) string {
	return fmt.Sprintf("exports/%s/%s-%d%s", orgID, runID, attempt, k.Extension())
}
