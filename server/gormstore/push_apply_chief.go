package gormstore

import (
	"context"
	"slices"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// chiefRecordStatuses are the statuses the chief sets on a violation record.
var chiefRecordStatuses = []string{recordReturned, recordApproved, recordRejected}

// ChiefAct records the chief's act on a violation record (entity type "record": status returned,
// approved or rejected, with a comment) or on a visit (entity type "visit": a comment; status must be
// empty): the entity's version goes up, and the new version becomes the one a phone's change must be
// based on to be accepted (a change based on an earlier version is refused chief_decision_protected,
// so the chief's act is never overwritten from a phone). The comment is stored, the change recorded
// for the team's phones and an audit entry appended, in one transaction. It returns the new version.
//
// Who may act is the caller's to check (the chief's workflow). Errors: errs.Invalid for an unknown
// entity type (unknown_entity_type) or status, or a comment over 4000 characters; errs.NotFound
// (record_not_found, visit_not_found).
func (s *Store) ChiefAct(ctx context.Context, orgID, entityType, entityID, status, comment, byPersonID string) (int64, error) {
	const op = errs.Op("gormstore.ChiefAct")
	var f fieldList
	switch entityType {
	case syncfeed.EntityRecord:
		if !slices.Contains(chiefRecordStatuses, status) {
			f = append(f, errs.FieldError{Field: "status", Code: errs.CodeInvalidValue})
		}
	case syncfeed.EntityVisit:
		if status != "" {
			f = append(f, errs.FieldError{Field: "status", Code: errs.CodeInvalidValue})
		}
	default:
		return 0, errs.E(op, errs.Invalid, errs.CodeUnknownEntityType, errs.FieldError{Field: "entity_type", Code: errs.CodeUnknownEntityType})
	}
	if utf8.RuneCountInString(comment) > 4000 {
		f = append(f, errs.FieldError{Field: "comment", Code: errs.CodeTooLong})
	}
	if err := f.err(); err != nil {
		return 0, errs.E(op, err)
	}
	now := stamp(s.clock.Now())
	var version int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		e := audit.Entry{Chain: entityType + "/" + entityID, OrgID: orgID, ActorPersonID: byPersonID, At: now, Reason: comment}
		if entityType == syncfeed.EntityRecord {
			var err error
			version, err = s.chiefRecordAct(tx, orgID, entityID, status, comment, byPersonID, now)
			return err
		}
		var v visitSyncRow
		if err := s.lockForUpdate(tx.Where("org_id = ? AND id = ?", orgID, entityID)).Take(&v).Error; err != nil {
			return translate(err, errs.CodeVisitNotFound)
		}
		version = v.Version + 1
		if err := tx.Model(&visitSyncRow{}).Where("org_id = ? AND id = ?", orgID, entityID).Updates(map[string]any{
			"version": version, "locked_version": version, "chief_comment": comment, "updated_at": now}).Error; err != nil {
			return err
		}
		if _, err := s.recordVisit(tx, orgID, entityID, false); err != nil {
			return err
		}
		e.Action, e.Data = "visit.chief_comment", map[string]any{"version": version}
		return s.appendAudit(tx, e)
	})
	if err != nil {
		return 0, wrap(string(op), err, "")
	}
	return version, nil
}

// chiefRecordAct is ChiefAct on a violation record inside the caller's write transaction (the
// penalty case's acts run it in theirs): the status and comment are stored, the version goes up and
// locks out phones' changes based on earlier versions, the change is recorded for the team's phones
// (and the site's history) and the audit entry appended to the record's chain.
func (s *Store) chiefRecordAct(tx *gorm.DB, orgID, recordID, status, comment, byPersonID string, now time.Time) (int64, error) {
	var r violationRecordRow
	if err := s.lockForUpdate(tx.Where("org_id = ? AND id = ?", orgID, recordID)).Take(&r).Error; err != nil {
		return 0, translate(err, errs.CodeRecordNotFound)
	}
	version := r.Version + 1
	if err := tx.Model(&violationRecordRow{}).Where("org_id = ? AND id = ?", orgID, recordID).Updates(map[string]any{
		"status": status, "version": version, "locked_version": version, "chief_comment": comment, "updated_at": now}).Error; err != nil {
		return 0, err
	}
	r.Status, r.Version, r.LockedVersion, r.ChiefComment, r.UpdatedAt = status, version, version, comment, now
	if err := s.recordRecordChange(tx, r); err != nil {
		return 0, err
	}
	var visitStatus []string
	if err := tx.Model(&visitSyncRow{}).Where("org_id = ? AND id = ?", orgID, r.VisitID).Pluck("status", &visitStatus).Error; err != nil {
		return 0, err
	}
	if len(visitStatus) == 1 && inHistory(visitStatus[0]) {
		if err := s.recordSiteHistory(tx, orgID, r.SiteID); err != nil {
			return 0, err
		}
	}
	return version, s.appendAudit(tx, audit.Entry{Chain: syncfeed.EntityRecord + "/" + recordID, OrgID: orgID, ActorPersonID: byPersonID, At: now,
		Reason: comment, Action: "record.chief_decision", Data: map[string]any{"status": status, "version": version}})
}
