package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// The intake of submitted records into penalty cases. When a push sets a violation record's status to
// submitted, the push transaction enqueues a JobPenaltyIntake job (the same transaction: a submitted
// record always has its job, and the push costs one insert more); the job runs penalty.Service.Intake,
// which opens the case (or submits the returned case the record corrects) in transactions of its own.
// A failure of the penalty side therefore never refuses the phone's record: the job is retried and
// stays visible in the jobs list. Migration 0019 enqueued the job for the records submitted before it.

// JobPenaltyIntake is the kind of the intake job; server/app registers a handler that decodes it
// with PenaltyIntakeOf and calls penalty.Service.Intake.
const JobPenaltyIntake = "penalty.intake"

// penaltyIntakeAttempts is how often the job tries (the backoff doubles from 10 s to 1 h).
const penaltyIntakeAttempts = 8

// penaltyIntakeJob is the payload of a JobPenaltyIntake job: the record at the version the push
// submitted, and who pushed it.
type penaltyIntakeJob struct {
	OrgID     string `json:"org_id"`
	RecordID  string `json:"record_id"`
	Version   int64  `json:"version"`
	PersonID  string `json:"person_id"`
	AccountID string `json:"account_id"`
}

// PenaltyIntakeOf decodes a JobPenaltyIntake job: the organisation, the record and the person whose
// push submitted it.
func PenaltyIntakeOf(j jobs.Job) (orgID, recordID string, by penalty.Actor, err error) {
	var p penaltyIntakeJob
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.OrgID == "" || p.RecordID == "" {
		return "", "", penalty.Actor{}, errs.E(errs.Op("gormstore.PenaltyIntakeOf"), errs.Invalid, fmt.Sprintf("job %s: payload %s", j.ID, j.Payload))
	}
	return p.OrgID, p.RecordID, penalty.Actor{PersonID: p.PersonID, AccountID: p.AccountID}, nil
}

// enqueuePenaltyIntake enqueues, in the push transaction, the intake job of a record the push has
// just submitted (its status was something else before: drawn up, signed, or returned by the chief).
// The unique key is the record at its version: replaying the push adds nothing.
func (s *Store) enqueuePenaltyIntake(tx *gorm.DB, by syncpush.Pusher, r violationRecordRow, before string, now time.Time) error {
	if r.Status != recordSubmitted || before == recordSubmitted {
		return nil
	}
	payload, err := json.Marshal(penaltyIntakeJob{OrgID: r.OrgID, RecordID: r.ID, Version: r.Version, PersonID: by.PersonID, AccountID: by.AccountID})
	if err != nil {
		return err
	}
	key := fmt.Sprintf("%s/%s/%d", JobPenaltyIntake, r.ID, r.Version)
	at := jobTime(now)
	row := jobRow{ID: s.ids.NewID(), OrgID: r.OrgID, Kind: JobPenaltyIntake, Payload: string(payload), State: string(jobs.Queued),
		MaxAttempts: penaltyIntakeAttempts, RunAt: at, CreatedAt: at, UniqueKey: &key}
	return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "unique_key"}}, DoNothing: true}).Create(&row).Error
}

// SubmittedRecord reads one of the organisation's violation records as a submission for decision
// (penalty.RecordSource): ok is false unless its status is submitted. Each violation it cites is a
// charge detected on the day the record was drawn up (the record is made on site, at detection); a
// declared quantity is rounded to the đồng. The subject's kind and name come from the registry.
func (s *Store) SubmittedRecord(ctx context.Context, orgID, recordID string) (penalty.Submission, bool, error) {
	const op = "gormstore.SubmittedRecord"
	db := s.read(ctx)
	var r violationRecordRow
	if err := db.Where("org_id = ? AND id = ?", orgID, recordID).Take(&r).Error; err != nil {
		return penalty.Submission{}, false, wrap(op, err, errs.CodeRecordNotFound)
	}
	if r.Status != recordSubmitted {
		return penalty.Submission{}, false, nil
	}
	var c recordContent
	if err := json.Unmarshal([]byte(r.Data), &c); err != nil {
		return penalty.Submission{}, false, errs.E(errs.Op(op), fmt.Errorf("record %s: stored content: %w", r.ID, err))
	}
	var subj subjectRow
	if err := db.Where("org_id = ? AND id = ?", orgID, r.SubjectID).Take(&subj).Error; err != nil {
		return penalty.Submission{}, false, wrap(op, err, errs.CodeSubjectNotFound)
	}
	detected := legal.DateOf(r.DrawnUpAt)
	sub := penalty.Submission{CampaignID: r.CampaignID,
		Record: penalty.Record{ID: r.ID, IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, DrawnUpAt: r.DrawnUpAt.UTC(),
			DrawnUpBy: r.DrawnUpBy, Corrects: c.Corrects, EvidenceIDs: c.EvidenceIDs},
		Subject: penalty.Subject{ID: subj.ID, Kind: legal.SubjectKind(subj.Kind), Name: subj.Name}}
	codes, err := siteUnitCodes(db, orgID, r.SiteID, recordDay(r.DrawnUpAt))
	if err != nil {
		return penalty.Submission{}, false, wrap(op, err, "")
	}
	sub.UnitCodes = codes
	for _, v := range c.Violations {
		ch := penalty.Charge{Code: v.Code, Detected: detected, Description: v.Description}
		if v.Quantity != nil {
			q := int64(math.Round(*v.Quantity))
			ch.Quantity = &q
		}
		sub.Charges = append(sub.Charges, ch)
	}
	return sub, true, nil
}

// siteUnitCodes are the codes of the site's administrative unit in force on day (YYYY-MM-DD) and of
// the units above it, nearest first; none when the site has no unit that day.
func siteUnitCodes(db *gorm.DB, orgID, siteID, day string) ([]string, error) {
	var su []siteUnitRow
	if err := db.Where("org_id = ? AND site_id = ? AND (valid_from IS NULL OR valid_from <= ?) AND (valid_to IS NULL OR valid_to >= ?)",
		orgID, siteID, day, day).Order("seq").Limit(1).Find(&su).Error; err != nil {
		return nil, err
	}
	var codes []string
	next := ""
	if len(su) > 0 {
		next = su[0].UnitID
	}
	for depth := 0; next != "" && depth < 8; depth++ {
		var u adminUnitRow
		if err := db.Where("org_id = ? AND id = ?", orgID, next).Take(&u).Error; err != nil {
			return nil, err
		}
		codes = append(codes, u.Code)
		next = ""
		if u.ParentID != nil {
			next = *u.ParentID
		}
	}
	return codes, nil
}
