package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/export"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

// Export runs (migration 0022; server/export, docs/exports.md).

var (
	_ export.Store          = (*Store)(nil)
	_ export.EvidenceSource = (*Store)(nil)
)

type exportRunRow struct {
	ID               string `gorm:"primaryKey"`
	OrgID            string
	Kind             string
	FromDay          string
	ToDay            string
	Period           string
	State            string
	Attempt          int
	ItemsDone        int64
	ItemsTotal       int64
	Bytes            int64
	ObjectKey        string
	SHA256           string `gorm:"column:sha256"`
	FailureCode      string
	Failure          string
	CreatedByAccount string
	CreatedByPerson  string
	CreatedAt        time.Time
	StartedAt        *time.Time
	FinishedAt       *time.Time
	ExpiresAt        *time.Time
}

func (exportRunRow) TableName() string { return "export_runs" }

func (r exportRunRow) domain() export.Run {
	return export.Run{ID: r.ID, OrgID: r.OrgID, Kind: export.Kind(r.Kind), From: r.FromDay, To: r.ToDay, Period: r.Period,
		State: export.State(r.State), Attempt: r.Attempt, ItemsDone: r.ItemsDone, ItemsTotal: r.ItemsTotal, Bytes: r.Bytes,
		ObjectKey: r.ObjectKey, SHA256: r.SHA256, FailureCode: errs.Code(r.FailureCode), Failure: r.Failure,
		CreatedByAccount: r.CreatedByAccount, CreatedByPerson: r.CreatedByPerson, CreatedAt: r.CreatedAt.UTC(),
		StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt), ExpiresAt: utcPtr(r.ExpiresAt)}
}

// maxFailureLen bounds the failure text kept on a run, in bytes.
const maxFailureLen = 2000

// CreateExportRun stores a queued run, the job that makes it and the audit event in one transaction
// (export.Store).
func (s *Store) CreateExportRun(ctx context.Context, r export.Run, jobPayload []byte, maxAttempts int, e audit.Entry) error {
	const op = errs.Op("gormstore.CreateExportRun")
	at := stamp(r.CreatedAt)
	row := exportRunRow{ID: r.ID, OrgID: r.OrgID, Kind: string(r.Kind), FromDay: r.From, ToDay: r.To, Period: r.Period,
		State: string(export.Queued), CreatedByAccount: r.CreatedByAccount, CreatedByPerson: r.CreatedByPerson, CreatedAt: at}
	job := jobRow{ID: s.ids.NewID(), OrgID: r.OrgID, Kind: export.JobKind, Payload: string(jobPayload), State: string(jobs.Queued),
		MaxAttempts: maxAttempts, RunAt: at, CreatedAt: at}
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Create(&job).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if err != nil {
		return errs.E(op, "run "+r.ID, translate(err, ""))
	}
	return nil
}

// ExportRun returns one run of the organisation (export.Store).
func (s *Store) ExportRun(ctx context.Context, orgID, id string) (export.Run, error) {
	var row exportRunRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&row).Error; err != nil {
		return export.Run{}, errs.E(errs.Op("gormstore.ExportRun"), "run "+id, translate(err, errs.CodeExportNotFound))
	}
	return row.domain(), nil
}

// ExportRuns lists the organisation's runs, the newest first (export.Store).
func (s *Store) ExportRuns(ctx context.Context, orgID string, page paging.Page) ([]export.Run, int, error) {
	const op = errs.Op("gormstore.ExportRuns")
	page = page.Normal()
	var total int64
	if err := s.read(ctx).Model(&exportRunRow{}).Where("org_id = ?", orgID).Count(&total).Error; err != nil {
		return nil, 0, errs.E(op, translate(err, ""))
	}
	var rows []exportRunRow
	if err := s.read(ctx).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").Limit(page.Limit).Offset(page.Offset).
		Find(&rows).Error; err != nil {
		return nil, 0, errs.E(op, translate(err, ""))
	}
	out := make([]export.Run, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, int(total), nil
}

// StartExportRun sets the run running under attempt with its progress and any earlier failure
// cleared (export.Store).
func (s *Store) StartExportRun(ctx context.Context, orgID, id string, attempt int, at time.Time) (export.Run, error) {
	const op = errs.Op("gormstore.StartExportRun")
	var row exportRunRow
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := s.lockForUpdate(tx).Where("org_id = ? AND id = ?", orgID, id).Take(&row).Error; err != nil {
			return translate(err, errs.CodeExportNotFound)
		}
		if row.State == string(export.Done) || row.State == string(export.Expired) {
			return errs.E(errs.Conflict, "run "+id+" is "+row.State)
		}
		now := stamp(at)
		set := map[string]any{"state": string(export.Running), "attempt": attempt, "items_done": 0, "items_total": 0, "bytes": 0,
			"failure_code": "", "failure": "", "started_at": now, "finished_at": nil}
		if err := tx.Model(&exportRunRow{}).Where("id = ?", id).Updates(set).Error; err != nil {
			return err
		}
		row.State, row.Attempt, row.ItemsDone, row.ItemsTotal, row.Bytes = string(export.Running), attempt, 0, 0, 0
		row.FailureCode, row.Failure, row.StartedAt, row.FinishedAt = "", "", &now, nil
		return nil
	})
	if err != nil {
		return export.Run{}, errs.E(op, "run "+id, translate(err, errs.CodeExportNotFound))
	}
	return row.domain(), nil
}

// updateAttempt changes a running run of attempt; another state or attempt is errs.Conflict.
func (s *Store) updateAttempt(ctx context.Context, op errs.Op, id string, attempt int, set map[string]any) error {
	res := s.w.WithContext(ctx).Model(&exportRunRow{}).Where("id = ? AND attempt = ? AND state = ?", id, attempt, string(export.Running)).Updates(set)
	if res.Error != nil {
		return errs.E(op, "run "+id, translate(res.Error, ""))
	}
	if res.RowsAffected == 0 {
		return errs.E(op, errs.Conflict, "run "+id+": no longer running under this attempt")
	}
	return nil
}

// SetExportProgress records the progress of the run's attempt (export.Store).
func (s *Store) SetExportProgress(ctx context.Context, id string, attempt int, p export.Progress) error {
	return s.updateAttempt(ctx, "gormstore.SetExportProgress", id, attempt,
		map[string]any{"items_done": p.ItemsDone, "items_total": p.ItemsTotal, "bytes": p.Bytes})
}

// FinishExportRun marks the run of attempt done with its result (export.Store).
func (s *Store) FinishExportRun(ctx context.Context, id string, attempt int, res export.Result, at time.Time) error {
	return s.updateAttempt(ctx, "gormstore.FinishExportRun", id, attempt, map[string]any{"state": string(export.Done),
		"object_key": res.ObjectKey, "sha256": res.SHA256, "bytes": res.Size, "finished_at": stamp(at), "expires_at": stamp(res.ExpiresAt)})
}

// FailExportRun marks the run of attempt failed (export.Store).
func (s *Store) FailExportRun(ctx context.Context, id string, attempt int, code errs.Code, message string, at time.Time) error {
	return s.updateAttempt(ctx, "gormstore.FailExportRun", id, attempt, map[string]any{"state": string(export.Failed),
		"failure_code": string(code), "failure": truncateExportText(message, maxFailureLen), "finished_at": stamp(at)})
}

// ExportRunsExpiring lists done runs whose result expires at or before now (export.Store).
func (s *Store) ExportRunsExpiring(ctx context.Context, now time.Time, limit int) ([]export.Run, error) {
	var rows []exportRunRow
	if err := s.read(ctx).Where("state = ? AND expires_at <= ?", string(export.Done), stamp(now)).Order("expires_at, id").
		Limit(limit).Find(&rows).Error; err != nil {
		return nil, errs.E(errs.Op("gormstore.ExportRunsExpiring"), translate(err, ""))
	}
	out := make([]export.Run, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ExpireExportRun marks a done run expired and forgets its object (export.Store).
func (s *Store) ExpireExportRun(ctx context.Context, id string, at time.Time) error {
	res := s.w.WithContext(ctx).Model(&exportRunRow{}).Where("id = ? AND state = ?", id, string(export.Done)).
		Updates(map[string]any{"state": string(export.Expired), "object_key": ""})
	if res.Error != nil {
		return errs.E(errs.Op("gormstore.ExpireExportRun"), "run "+id, translate(res.Error, ""))
	}
	return nil
}

// truncateExportText keeps the start of a long message, on a UTF-8 boundary.
func truncateExportText(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut] + " …"
}
