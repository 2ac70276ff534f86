package gormstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// manualFindingRow is a finding noted on site outside the checklist (migration 0012); Data holds its
// content (findingContent).
type manualFindingRow struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	VisitID    string
	Version    int64
	Data       string
	CapturedAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (manualFindingRow) TableName() string { return "manual_findings" }

// evidenceRefRow is the reference of a photo, signature or document announced by a phone before its
// bytes arrive (migration 0012). Hash is the SHA-256 of the canonical payload it was announced with:
// a reference never changes.
type evidenceRefRow struct {
	ID          string `gorm:"primaryKey"`
	OrgID       string
	VisitID     string
	RecordID    string
	FindingID   string
	SHA256      string `gorm:"column:sha256"`
	Size        int64
	ContentType string
	Purpose     string
	CapturedAt  time.Time
	GPSLat      *float64 `gorm:"column:gps_lat"`
	GPSLon      *float64 `gorm:"column:gps_lon"`
	GPSAccuracy *float64 `gorm:"column:gps_accuracy"`
	DeviceID    string
	State       string
	Hash        string
	CreatedAt   time.Time
	StoredAt    *time.Time // when its bytes arrived and were verified (migration 0016)
	DistanceM   *float64   `gorm:"column:distance_m"` // from the site's coordinates (migration 0016)
}

func (evidenceRefRow) TableName() string { return "evidence_refs" }

// findingPayload is schemas/sync-push-finding.schema.json.
type findingPayload struct {
	VisitID        *string  `json:"visit_id"`
	Description    *string  `json:"description"`
	AnswerKey      *string  `json:"answer_key"`
	ViolationCodes []string `json:"violation_codes"`
	EvidenceIDs    []string `json:"evidence_ids"`
}

// findingContent is a manual finding's content as stored.
type findingContent struct {
	Description    string   `json:"description"`
	AnswerKey      string   `json:"answer_key,omitempty"`
	ViolationCodes []string `json:"violation_codes"`
	EvidenceIDs    []string `json:"evidence_ids"`
}

// manualFindingData is a manual finding in a visit's data (schemas/sync-visit.schema.json).
type manualFindingData struct {
	ID             string    `json:"id"`
	Version        int64     `json:"version"`
	Description    string    `json:"description"`
	AnswerKey      string    `json:"answer_key,omitempty"`
	ViolationCodes []string  `json:"violation_codes"`
	EvidenceIDs    []string  `json:"evidence_ids"`
	CapturedAt     time.Time `json:"captured_at"`
}

func (r manualFindingRow) data() manualFindingData {
	var c findingContent
	_ = json.Unmarshal([]byte(r.Data), &c)
	return manualFindingData{ID: r.ID, Version: r.Version, Description: c.Description, AnswerKey: c.AnswerKey,
		ViolationCodes: orEmpty(c.ViolationCodes), EvidenceIDs: orEmpty(c.EvidenceIDs), CapturedAt: r.CapturedAt.UTC()}
}

// evidenceData is an evidence reference in a visit's data (schemas/sync-visit.schema.json).
type evidenceData struct {
	ID          string    `json:"id"`
	RecordID    string    `json:"record_id,omitempty"`
	FindingID   string    `json:"finding_id,omitempty"`
	SHA256      string    `json:"sha256"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	Purpose     string    `json:"purpose"`
	CapturedAt  time.Time `json:"captured_at"`
	GPS         *gpsData  `json:"gps,omitempty"`
	State       string    `json:"state"`
}

func (r evidenceRefRow) data() evidenceData {
	return evidenceData{ID: r.ID, RecordID: r.RecordID, FindingID: r.FindingID, SHA256: r.SHA256, Size: r.Size,
		ContentType: r.ContentType, Purpose: r.Purpose, CapturedAt: r.CapturedAt.UTC(), GPS: gpsOf(r.GPSLat, r.GPSLon, r.GPSAccuracy),
		State: r.State}
}

// finding applies a pushed manual finding: noted (base version 0) or changed. Of two changes of one
// finding, the one captured later stands; an earlier one arriving late is accepted and changes
// nothing. The visit's version goes up with its data.
func (a *pushAppliers) finding(_ context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error) {
	s := a.s
	if err := checkEntityID(it); err != nil {
		return 0, err
	}
	var p findingPayload
	if err := decodePayload(it.Payload, &p); err != nil {
		return 0, err
	}
	var f fieldList
	f.id("visit_id", p.VisitID)
	if p.Description == nil {
		f.add("description", errs.CodeRequired)
	} else {
		f.text("description", *p.Description, true, 4000)
	}
	if p.AnswerKey != nil && (*p.AnswerKey == "" || len(*p.AnswerKey) > 100) {
		f.add("answer_key", errs.CodeInvalidValue)
	}
	f.refs("violation_codes", p.ViolationCodes)
	f.refs("evidence_ids", p.EvidenceIDs)
	if err := f.err(); err != nil {
		return 0, err
	}
	c := findingContent{Description: *p.Description, ViolationCodes: orEmpty(p.ViolationCodes), EvidenceIDs: orEmpty(p.EvidenceIDs)}
	if p.AnswerKey != nil {
		c.AnswerKey = *p.AnswerKey
	}
	var cur []manualFindingRow
	if err := s.lockForUpdate(db.Where("id = ?", it.EntityID)).Limit(1).Find(&cur).Error; err != nil {
		return 0, err
	}
	switch {
	case it.BaseVersion == 0 && len(cur) > 0:
		return 0, entityExists()
	case len(cur) > 0 && cur[0].OrgID != by.OrgID:
		return 0, outOfScope("finding " + it.EntityID)
	case it.BaseVersion > 0 && len(cur) == 0:
		return 0, errs.E(errs.NotFound, errs.CodeFindingNotFound, "finding "+it.EntityID)
	case len(cur) > 0 && cur[0].VisitID != *p.VisitID:
		return 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.visit_id", Code: errs.CodeInvalidValue})
	}
	v, err := s.scopedVisit(db, by, *p.VisitID)
	if err != nil {
		return 0, err
	}
	now := stamp(s.clock.Now())
	captured := stamp(it.CapturedAt)
	data, err := json.Marshal(c)
	if err != nil {
		return 0, err
	}
	row := manualFindingRow{ID: it.EntityID, OrgID: by.OrgID, VisitID: v.Visit.ID, Version: 1, Data: string(data), CapturedAt: captured,
		CreatedAt: now, UpdatedAt: now}
	if len(cur) > 0 {
		old := cur[0]
		if err := checkBase(it, old.Version, 0); err != nil {
			return 0, err
		}
		if captured.Before(old.CapturedAt.UTC()) || old.Data == row.Data {
			return old.Version, nil // a later capture stands, or nothing changes
		}
		row.Version, row.CreatedAt = old.Version+1, old.CreatedAt
		res := db.Model(&manualFindingRow{}).Where("id = ? AND version = ?", row.ID, old.Version).
			Updates(map[string]any{"version": row.Version, "data": row.Data, "captured_at": row.CapturedAt, "updated_at": now})
		if res.Error != nil {
			return 0, res.Error
		}
	} else if err := db.Create(&row).Error; err != nil {
		return 0, err
	}
	if err := s.visitPartChanged(db, v, now); err != nil {
		return 0, err
	}
	return row.Version, nil
}

// visitPartChanged raises the visit's version after a change of a manual finding or an evidence
// reference and records the visit, and its site's history when it is part of it.
func (s *Store) visitPartChanged(db *gorm.DB, v visitSyncRow, now time.Time) error {
	v, err := s.bumpVisit(db, v, now)
	if err != nil {
		return err
	}
	var p visitParts
	if p.answers, err = mapValuesErr(s.answerRows(db, v.Visit.OrgID, v.Visit.ID)); err != nil {
		return err
	}
	if p.findings, err = s.findingRowsOf(db, v.Visit.OrgID, v.Visit.ID); err != nil {
		return err
	}
	if p.manual, p.evidence, err = s.visitAttachments(db, v.Visit.OrgID, v.Visit.ID); err != nil {
		return err
	}
	if err := s.recordVisitChange(db, v, p); err != nil {
		return err
	}
	if inHistory(v.Visit.Status) {
		return s.recordSiteHistory(db, v.Visit.OrgID, v.Visit.SiteID)
	}
	return nil
}

func mapValuesErr[K comparable, V any](m map[K]V, err error) ([]V, error) {
	if err != nil {
		return nil, err
	}
	return mapValues(m), nil
}

// evidencePayload is schemas/sync-push-evidence.schema.json.
type evidencePayload struct {
	VisitID     *string     `json:"visit_id"`
	RecordID    *string     `json:"record_id"`
	FindingID   *string     `json:"finding_id"`
	SHA256      *string     `json:"sha256"`
	Size        *int64      `json:"size"`
	ContentType *string     `json:"content_type"`
	Purpose     *string     `json:"purpose"`
	CapturedAt  *time.Time  `json:"captured_at"`
	GPS         *gpsPayload `json:"gps"`
}

var (
	evidenceTypes    = []string{"image/jpeg", "image/png", "application/pdf"}
	evidencePurposes = []string{"photo", "signature", "document"}
)

// evidence applies a pushed evidence reference: announced once (state announced; the bytes come
// through the upload API), never changed. The same reference again is accepted and changes nothing;
// the same ID with other content is refused (entity_immutable). The visit's version goes up with its
// data.
func (a *pushAppliers) evidence(_ context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error) {
	s := a.s
	if err := checkEntityID(it); err != nil {
		return 0, err
	}
	var p evidencePayload
	if err := decodePayload(it.Payload, &p); err != nil {
		return 0, err
	}
	var f fieldList
	f.id("visit_id", p.VisitID)
	f.optionalID("record_id", p.RecordID)
	f.optionalID("finding_id", p.FindingID)
	switch {
	case p.SHA256 == nil:
		f.add("sha256", errs.CodeRequired)
	case !sha256Hex.MatchString(*p.SHA256):
		f.add("sha256", errs.CodeInvalidValue)
	}
	switch {
	case p.Size == nil:
		f.add("size", errs.CodeRequired)
	case *p.Size < 1:
		f.add("size", errs.CodeInvalidValue)
	}
	oneOf := func(name string, v *string, allowed []string) {
		switch {
		case v == nil:
			f.add(name, errs.CodeRequired)
		case !slices.Contains(allowed, *v):
			f.add(name, errs.CodeInvalidValue)
		}
	}
	oneOf("content_type", p.ContentType, evidenceTypes)
	oneOf("purpose", p.Purpose, evidencePurposes)
	if p.CapturedAt == nil {
		f.add("captured_at", errs.CodeRequired)
	}
	f.gps("gps", p.GPS)
	if err := f.err(); err != nil {
		return 0, err
	}
	canonical, err := syncpush.Canonical(it.Payload)
	if err != nil {
		return 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload", Code: errs.CodeInvalidValue}, err)
	}
	sum := sha256.Sum256(canonical)
	hash := hex.EncodeToString(sum[:])
	var cur []evidenceRefRow
	if err := db.Where("id = ?", it.EntityID).Limit(1).Find(&cur).Error; err != nil {
		return 0, err
	}
	if len(cur) > 0 {
		switch {
		case cur[0].OrgID != by.OrgID:
			return 0, outOfScope("evidence " + it.EntityID)
		case cur[0].Hash != hash:
			return 0, errs.E(errs.Conflict, errs.CodeEntityImmutable, "evidence "+it.EntityID+" was announced with other content")
		}
		return 1, nil
	}
	if it.BaseVersion != 0 {
		return 0, errs.E(errs.Invalid, errs.CodeBaseVersionFuture, "no evidence "+it.EntityID+" yet")
	}
	v, err := s.scopedVisit(db, by, *p.VisitID)
	if err != nil {
		return 0, err
	}
	// The record or finding it belongs to, when already pushed, is one of the same visit; one pushed
	// later may name it (the photo may travel first).
	for _, ref := range []struct {
		name  string
		id    *string
		table string
	}{{"record_id", p.RecordID, "violation_records"}, {"finding_id", p.FindingID, "manual_findings"}} {
		if ref.id == nil || *ref.id == "" {
			continue
		}
		var owners []struct{ OrgID, VisitID string }
		if err := db.Table(ref.table).Select("org_id", "visit_id").Where("id = ?", *ref.id).Limit(1).Scan(&owners).Error; err != nil {
			return 0, err
		}
		if len(owners) > 0 && (owners[0].OrgID != by.OrgID || owners[0].VisitID != v.Visit.ID) {
			return 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload." + ref.name, Code: errs.CodeInvalidValue})
		}
	}
	now := stamp(s.clock.Now())
	row := evidenceRefRow{ID: it.EntityID, OrgID: by.OrgID, VisitID: v.Visit.ID, SHA256: *p.SHA256, Size: *p.Size, ContentType: *p.ContentType,
		Purpose: *p.Purpose, CapturedAt: stamp(*p.CapturedAt), DeviceID: by.DeviceID, State: "announced", Hash: hash, CreatedAt: now}
	if p.RecordID != nil {
		row.RecordID = *p.RecordID
	}
	if p.FindingID != nil {
		row.FindingID = *p.FindingID
	}
	if g := p.GPS; g != nil {
		row.GPSLat, row.GPSLon, row.GPSAccuracy = g.Lat, g.Lon, g.AccuracyM
	}
	// Content the organisation already holds is stored at once (evidence.go).
	if err := s.storeIfHeld(db, by, v, &row, now); err != nil {
		return 0, err
	}
	if err := db.Create(&row).Error; err != nil {
		return 0, err
	}
	if err := s.visitPartChanged(db, v, now); err != nil {
		return 0, err
	}
	return 1, nil
}
