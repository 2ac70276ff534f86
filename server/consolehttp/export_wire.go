package consolehttp

import (
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/export"
)

// exportCreateRequest is schemas/export-create-request.schema.json.
type exportCreateRequest struct {
	Kind   string `json:"kind"`
	From   string `json:"from,omitempty"`
	To     string `json:"to,omitempty"`
	Period string `json:"period,omitempty"`
}

// exportRun is schemas/export-run.schema.json.
type exportRun struct {
	ID          string         `json:"id"`
	Kind        string         `json:"kind"`
	From        string         `json:"from"`
	To          string         `json:"to"`
	Period      string         `json:"period,omitempty"`
	State       string         `json:"state"`
	Progress    exportProgress `json:"progress"`
	SHA256      string         `json:"sha256,omitempty"`
	Size        *int64         `json:"size,omitempty"`
	FailureCode string         `json:"failure_code,omitempty"`
	Failure     string         `json:"failure,omitempty"`
	CreatedBy   string         `json:"created_by"`
	CreatedAt   time.Time      `json:"created_at"`
	StartedAt   *time.Time     `json:"started_at,omitempty"`
	FinishedAt  *time.Time     `json:"finished_at,omitempty"`
	ExpiresAt   *time.Time     `json:"expires_at,omitempty"`
	Download    string         `json:"download,omitempty"`
}

type exportProgress struct {
	ItemsDone  int64 `json:"items_done"`
	ItemsTotal int64 `json:"items_total"`
	Bytes      int64 `json:"bytes"`
}

// exportRunList is schemas/export-run-list.schema.json.
type exportRunList struct {
	Items  []exportRun `json:"items"`
	Total  int         `json:"total"`
	Limit  int         `json:"limit"`
	Offset int         `json:"offset"`
}

func toExportRun(r export.Run) exportRun {
	out := exportRun{ID: r.ID, Kind: string(r.Kind), From: r.From, To: r.To, Period: r.Period, State: string(r.State),
		Progress:    exportProgress{ItemsDone: r.ItemsDone, ItemsTotal: r.ItemsTotal, Bytes: r.Bytes},
		FailureCode: string(r.FailureCode), Failure: r.Failure, CreatedBy: r.CreatedByAccount, CreatedAt: r.CreatedAt,
		StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, ExpiresAt: r.ExpiresAt}
	if r.State == export.Done {
		size := r.Bytes
		out.SHA256, out.Size, out.Download = r.SHA256, &size, Prefix+"/exports/"+r.ID+"/download"
	}
	if r.State != export.Done {
		out.ExpiresAt = nil
	}
	// Only the export's own refusals say more than their code: they name the evidence object at
	// fault. Another failure (a store or database outage) is logged, never shown.
	if !strings.HasPrefix(out.FailureCode, "export_") {
		out.Failure = ""
	}
	return out
}
