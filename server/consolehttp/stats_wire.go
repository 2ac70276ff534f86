package consolehttp

import (
	"time"

	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// The wire shapes of the statistics (schemas/stats-summary.schema.json, stats-frozen-month-list.schema.json).

type (
	statsRowDTO struct {
		Breakdown string `json:"breakdown"`
		Key       string `json:"key"`
		Label     string `json:"label"`
		Name      string `json:"name"`
		Figure    string `json:"figure"`
		Subjects  string `json:"subjects"`
		Value     int64  `json:"value"`
	}
	statsFrozenDTO struct {
		Month     string    `json:"month"`
		SHA256    string    `json:"sha256"`
		FrozenAt  time.Time `json:"frozen_at"`
		ByPerson  string    `json:"frozen_by_person_id"`
		ByAccount string    `json:"frozen_by_account_id"`
	}
	statsFrozenListDTO struct {
		Items []statsFrozenDTO `json:"items"`
	}
	statsChangeDTO struct {
		Breakdown string `json:"breakdown"`
		Key       string `json:"key"`
		Label     string `json:"label"`
		Figure    string `json:"figure"`
		Subjects  string `json:"subjects"`
		Frozen    int64  `json:"frozen"`
		Current   int64  `json:"current"`
	}
	statsRevisionDTO struct {
		SHA256  string           `json:"sha256"`
		Changes []statsChangeDTO `json:"changes"`
	}
	statsFormColumnDTO struct {
		Number   string `json:"number"`
		Label    string `json:"label"`
		Unit     string `json:"unit"`
		Amount   bool   `json:"amount"`
		Recorded bool   `json:"recorded"`
		Verified bool   `json:"verified"`
		Value    *int64 `json:"value"`
		Note     string `json:"note"`
	}
	statsReportDTO struct {
		Scope       string               `json:"scope"`
		Period      string               `json:"period"`
		First       string               `json:"first"`
		Last        string               `json:"last"`
		ComputedAt  time.Time            `json:"computed_at"`
		Frozen      *statsFrozenDTO      `json:"frozen"`
		Revision    *statsRevisionDTO    `json:"revision"`
		Rows        []statsRowDTO        `json:"rows"`
		ResultsForm []statsFormColumnDTO `json:"results_form"`
	}
)

func statsFrozenOf(f stats.Frozen) statsFrozenDTO {
	return statsFrozenDTO{Month: f.Month.String(), SHA256: f.SHA256, FrozenAt: f.FrozenAt.UTC(), ByPerson: f.ByPerson, ByAccount: f.ByAccount}
}

func statsReportOf(r stats.Report) statsReportDTO {
	s := r.Summary
	out := statsReportDTO{Scope: s.Scope.String(), Period: s.Period.String(), First: s.First.String(), Last: s.Last.String(),
		ComputedAt: r.ComputedAt.UTC(), Rows: make([]statsRowDTO, len(s.Rows))}
	for i, row := range s.Rows {
		out.Rows[i] = statsRowDTO{Breakdown: string(row.Breakdown), Key: row.Key, Label: row.Label, Name: stats.KeyName(row),
			Figure: string(row.Figure), Subjects: string(row.Subjects), Value: row.Value}
	}
	if r.Frozen != nil {
		f := statsFrozenOf(*r.Frozen)
		out.Frozen = &f
	}
	if r.Revision != nil {
		rev := &statsRevisionDTO{SHA256: r.Revision.SHA256, Changes: make([]statsChangeDTO, len(r.Revision.Changes))}
		for i, c := range r.Revision.Changes {
			rev.Changes[i] = statsChangeDTO{Breakdown: string(c.Breakdown), Key: c.Key, Label: c.Label, Figure: string(c.Figure),
				Subjects: string(c.Subjects), Frozen: c.Frozen, Current: c.Current}
		}
		out.Revision = rev
	}
	for _, c := range stats.ResultsForm(s) {
		col := statsFormColumnDTO{Number: c.Number, Label: c.Label, Unit: c.Unit, Amount: c.Amount, Recorded: c.Recorded, Verified: c.Verified, Note: c.Note}
		if c.Recorded {
			v := c.Value
			col.Value = &v
		}
		out.ResultsForm = append(out.ResultsForm, col)
	}
	return out
}
