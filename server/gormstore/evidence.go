package gormstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// evidenceObjectRow is one stored evidence object of an organisation (migration 0016): the content
// with SHA-256 sha256 under object_key (evidence/<org_id>/<sha256>). Deduplication never crosses
// organisations (D1). ContentType is sniffed from the bytes; the EXIF fields are what a JPEG says
// about itself; ThumbKey and RetainUntil belong to the viewing side.
type evidenceObjectRow struct {
	OrgID       string `gorm:"primaryKey"`
	SHA256      string `gorm:"column:sha256;primaryKey"`
	Size        int64
	ContentType string
	ObjectKey   string
	StoredAt    time.Time
	ExifTakenAt *time.Time
	ExifLat     *float64
	ExifLon     *float64
	Width       *int
	Height      *int
	ThumbKey    string
	RetainUntil *time.Time
}

func (evidenceObjectRow) TableName() string { return "evidence_objects" }

// evidenceUploadRow is the state of one resumable upload (migration 0016): the bytes the server holds
// of the evidence (Received, the sum of its chunks) and the number the next chunk object takes. It
// lives in the database, never in process memory, so that any replica continues the upload (D12).
type evidenceUploadRow struct {
	EvidenceID string `gorm:"primaryKey"`
	OrgID      string
	DeviceID   string
	Size       int64
	Received   int64
	NextSeq    int
	HashState  string // base64 of the SHA-256 state over the bytes received (empty before the first)
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

func (evidenceUploadRow) TableName() string { return "evidence_uploads" }

// evidenceUploadChunkRow is one stored chunk of an upload: bytes [StartOffset, StartOffset+Size) of
// the evidence under ObjectKey (uploads/<evidence_id>/<seq>).
type evidenceUploadChunkRow struct {
	EvidenceID  string `gorm:"primaryKey"`
	Seq         int    `gorm:"primaryKey"`
	StartOffset int64
	Size        int64
	ObjectKey   string
	CreatedAt   time.Time
}

func (evidenceUploadChunkRow) TableName() string { return "evidence_upload_chunks" }

// evidenceDeviceUsageRow is the number of evidence bytes a device sent on one day (Asia/Ho_Chi_Minh,
// "YYYY-MM-DD"), for its daily quota.
type evidenceDeviceUsageRow struct {
	OrgID    string `gorm:"primaryKey"`
	DeviceID string `gorm:"primaryKey"`
	Day      string `gorm:"primaryKey"`
	Bytes    int64
}

func (evidenceDeviceUsageRow) TableName() string { return "evidence_device_usage" }

var _ evidence.Store = (*Store)(nil)

func (r evidenceRefRow) domain() evidence.Ref {
	ref := evidence.Ref{ID: r.ID, OrgID: r.OrgID, VisitID: r.VisitID, RecordID: r.RecordID, FindingID: r.FindingID, SHA256: r.SHA256,
		Size: r.Size, ContentType: r.ContentType, Purpose: r.Purpose, CapturedAt: r.CapturedAt.UTC(), GPSLat: r.GPSLat, GPSLon: r.GPSLon,
		GPSAccuracy: r.GPSAccuracy, DeviceID: r.DeviceID, State: r.State, DistanceM: r.DistanceM}
	if r.StoredAt != nil {
		t := r.StoredAt.UTC()
		ref.StoredAt = &t
	}
	return ref
}

func (r evidenceObjectRow) domain() evidence.Object {
	o := evidence.Object{OrgID: r.OrgID, SHA256: r.SHA256, Size: r.Size, ContentType: r.ContentType, Key: r.ObjectKey,
		StoredAt: r.StoredAt.UTC(), Meta: evidence.Meta{Lat: r.ExifLat, Lon: r.ExifLon, Width: r.Width, Height: r.Height}}
	if r.RetainUntil != nil {
		t := r.RetainUntil.UTC()
		o.RetainUntil = &t
	}
	if r.ExifTakenAt != nil {
		t := r.ExifTakenAt.UTC()
		o.Meta.TakenAt = &t
	}
	return o
}

func (r evidenceUploadRow) domain(chunks []evidenceUploadChunkRow) (evidence.Upload, error) {
	up := evidence.Upload{EvidenceID: r.EvidenceID, OrgID: r.OrgID, DeviceID: r.DeviceID, Size: r.Size, Received: r.Received,
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.HashState != "" {
		b, err := base64.StdEncoding.DecodeString(r.HashState)
		if err != nil {
			return up, errs.E(errs.Internal, "upload "+r.EvidenceID+": hash state", err)
		}
		up.HashState = b
	}
	for _, c := range chunks {
		up.Chunks = append(up.Chunks, evidence.Chunk{Seq: c.Seq, Offset: c.StartOffset, Size: c.Size, Key: c.ObjectKey})
	}
	return up, nil
}

// EvidenceApplier is the push applier of entity type evidence with the intake's limits: the
// applier of Appliers, after the checks of checkEvidenceLimits. The app puts it in place of the plain
// one, so that an announce through a push and one through the upload API are judged alike.
func (s *Store) EvidenceApplier(l evidence.Limits) syncpush.Applier {
	a := &pushAppliers{s: s}
	l = l.Normal()
	return a.applier("gormstore.applyEvidence", func(ctx context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error) {
		if err := s.checkEvidenceLimits(db, by, it, l); err != nil {
			return 0, err
		}
		return a.evidence(ctx, db, by, it)
	})
}

// checkEvidenceLimits refuses a new reference whose content type its purpose does not allow, which is
// larger than one object may be, or which would make its visit's evidence (each content counted once)
// larger than allowed. A
// reference already announced is left to the applier (the same content again changes nothing, even
// if the limits changed meanwhile); a malformed payload too, which reports it field by field.
func (s *Store) checkEvidenceLimits(db *gorm.DB, by syncpush.Pusher, it syncpush.Item, l evidence.Limits) error {
	var p evidencePayload
	if json.Unmarshal(it.Payload, &p) != nil {
		return nil
	}
	var n int64
	if err := db.Model(&evidenceRefRow{}).Where("id = ?", it.EntityID).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	if p.ContentType != nil && (!slices.Contains(evidenceTypes, *p.ContentType) ||
		p.Purpose != nil && slices.Contains(evidencePurposes, *p.Purpose) && !evidence.Allowed(*p.Purpose, *p.ContentType)) {
		return errs.E(errs.Invalid, errs.CodeEvidenceTypeNotAllowed, "content type "+*p.ContentType,
			errs.FieldError{Field: "payload.content_type", Code: errs.CodeEvidenceTypeNotAllowed})
	}
	if p.Size == nil {
		return nil
	}
	if *p.Size > l.MaxObjectBytes {
		return errs.E(errs.TooLarge, errs.CodeEvidenceTooLarge, fmt.Sprintf("%d bytes, at most %d", *p.Size, l.MaxObjectBytes),
			errs.FieldError{Field: "payload.size", Code: errs.CodeEvidenceTooLarge})
	}
	if p.VisitID == nil || !isID(*p.VisitID) {
		return nil
	}
	// The visit's contents, each counted once: the same photo twice takes no more room.
	var total struct {
		Total int64
		Same  int64
	}
	err := db.Raw(`SELECT COALESCE(SUM(size), 0) AS total, COALESCE(SUM(CASE WHEN sha256 = ? THEN 1 ELSE 0 END), 0) AS same
		FROM (SELECT DISTINCT sha256, size FROM evidence_refs WHERE org_id = ? AND visit_id = ?) AS c`, p.SHA256, by.OrgID, *p.VisitID).
		Scan(&total).Error
	if err != nil {
		return err
	}
	if total.Same == 0 && total.Total+*p.Size > l.MaxVisitBytes {
		return errs.E(errs.TooLarge, errs.CodeEvidenceVisitTooLarge,
			fmt.Sprintf("visit %s holds %d bytes of evidence; %d more would pass %d", *p.VisitID, total.Total, *p.Size, l.MaxVisitBytes),
			errs.FieldError{Field: "payload.size", Code: errs.CodeEvidenceVisitTooLarge})
	}
	return nil
}

// AnnounceEvidence implements evidence.Store: the push applier of evidence, with the limits, in a
// write transaction of its own. Field errors name the announce's fields (the push's "payload." is
// dropped: here the body is the payload).
func (s *Store) AnnounceEvidence(ctx context.Context, by syncpush.Pusher, id string, payload []byte, l evidence.Limits) (evidence.Ref, evidence.Upload, error) {
	const op = "gormstore.AnnounceEvidence"
	apply := s.EvidenceApplier(l)
	it := syncpush.Item{EntityType: pushEvidence, EntityID: id, Payload: payload, CapturedAt: s.clock.Now()}
	var ref evidence.Ref
	var up evidence.Upload
	err := s.write(ctx, func(tx *gorm.DB) error {
		if _, err := apply.Apply(ctx, pushTx{db: tx}, by, it); err != nil {
			return err
		}
		var err error
		ref, up, err = s.uploadOf(tx, by, id)
		return err
	})
	if err != nil {
		var e *errs.Error
		if errors.As(err, &e) && len(e.Fields) > 0 {
			fields := make([]errs.FieldError, len(e.Fields))
			for i, f := range e.Fields {
				f.Field = strings.TrimPrefix(f.Field, "payload.")
				if f.Field == "entity_id" {
					f.Field = "id"
				}
				fields[i] = f
			}
			return ref, up, errs.E(errs.Op(op+" "+id), e.Kind, e.Code, fields, err)
		}
		return ref, up, wrap(op+" "+id, err, "")
	}
	return ref, up, nil
}

// UploadOf implements evidence.Store. The device that announced the evidence may upload it, and so
// may any phone of the visit's team.
func (s *Store) UploadOf(ctx context.Context, by syncpush.Pusher, id string) (evidence.Ref, evidence.Upload, error) {
	ref, up, err := s.uploadOf(s.read(ctx), by, id)
	return ref, up, wrap("gormstore.UploadOf "+id, err, "")
}

func (s *Store) uploadOf(db *gorm.DB, by syncpush.Pusher, id string) (evidence.Ref, evidence.Upload, error) {
	var refs []evidenceRefRow
	if err := db.Where("id = ?", id).Limit(1).Find(&refs).Error; err != nil {
		return evidence.Ref{}, evidence.Upload{}, err
	}
	switch {
	case len(refs) == 0:
		return evidence.Ref{}, evidence.Upload{}, errs.E(errs.NotFound, errs.CodeEvidenceUnknown, "evidence "+id)
	case refs[0].OrgID != by.OrgID:
		return evidence.Ref{}, evidence.Upload{}, errs.E(errs.Forbidden, errs.CodeEvidenceOtherOrg, "evidence "+id)
	}
	r := refs[0]
	if r.DeviceID != by.DeviceID {
		var n int64
		err := db.Table("visits AS v").Joins("JOIN campaign_members m ON m.org_id = v.org_id AND m.campaign_id = v.campaign_id").
			Where("v.org_id = ? AND v.id = ? AND m.person_id = ?", r.OrgID, r.VisitID, by.PersonID).Count(&n).Error
		if err != nil {
			return evidence.Ref{}, evidence.Upload{}, err
		}
		if n == 0 {
			return evidence.Ref{}, evidence.Upload{}, errs.E(errs.Forbidden, errs.CodeEvidenceOutOfScope, "evidence "+id)
		}
	}
	var ups []evidenceUploadRow
	if err := db.Where("evidence_id = ?", id).Limit(1).Find(&ups).Error; err != nil {
		return evidence.Ref{}, evidence.Upload{}, err
	}
	if len(ups) == 0 {
		return r.domain(), evidence.Upload{}, nil
	}
	var chunks []evidenceUploadChunkRow
	if err := db.Where("evidence_id = ?", id).Order("start_offset").Find(&chunks).Error; err != nil {
		return evidence.Ref{}, evidence.Upload{}, err
	}
	up, err := ups[0].domain(chunks)
	return r.domain(), up, err
}

// HeldObject implements evidence.Store.
func (s *Store) HeldObject(ctx context.Context, orgID, sha string) (evidence.Object, bool, error) {
	var rows []evidenceObjectRow
	if err := s.read(ctx).Where("org_id = ? AND sha256 = ?", orgID, sha).Limit(1).Find(&rows).Error; err != nil {
		return evidence.Object{}, false, wrap("gormstore.HeldObject", err, "")
	}
	if len(rows) == 0 {
		return evidence.Object{}, false, nil
	}
	return rows[0].domain(), true, nil
}

// DeviceUsage implements evidence.Store.
func (s *Store) DeviceUsage(ctx context.Context, orgID, deviceID, day string) (int64, error) {
	var rows []evidenceDeviceUsageRow
	err := s.read(ctx).Where("org_id = ? AND device_id = ? AND day = ?", orgID, deviceID, day).Limit(1).Find(&rows).Error
	if err != nil || len(rows) == 0 {
		return 0, wrap("gormstore.DeviceUsage", err, "")
	}
	return rows[0].Bytes, nil
}

// lockedUpload reads an upload locked until the transaction ends (nil when there is none).
func (s *Store) lockedUpload(tx *gorm.DB, id string) (*evidenceUploadRow, error) {
	var rows []evidenceUploadRow
	if err := s.lockForUpdate(tx.Where("evidence_id = ?", id)).Limit(1).Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	return &rows[0], nil
}

// BeginChunk implements evidence.Store.
func (s *Store) BeginChunk(ctx context.Context, by syncpush.Pusher, ref evidence.Ref, offset int64) (int, []byte, error) {
	const op = "gormstore.BeginChunk"
	var seq int
	var state []byte
	err := s.write(ctx, func(tx *gorm.DB) error {
		now := stamp(s.clock.Now())
		if offset == 0 {
			err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&evidenceUploadRow{EvidenceID: ref.ID, OrgID: ref.OrgID,
				DeviceID: by.DeviceID, Size: ref.Size, CreatedAt: now, UpdatedAt: now}).Error
			if err != nil {
				return err
			}
		}
		up, err := s.lockedUpload(tx, ref.ID)
		switch {
		case err != nil:
			return err
		case up == nil:
			return evidence.OffsetMismatch(0)
		case up.Received != offset:
			return evidence.OffsetMismatch(up.Received)
		}
		seq = up.NextSeq
		if up.HashState != "" {
			if state, err = base64.StdEncoding.DecodeString(up.HashState); err != nil {
				return errs.E(errs.Internal, "hash state", err)
			}
		}
		return tx.Model(&evidenceUploadRow{}).Where("evidence_id = ?", ref.ID).
			Updates(map[string]any{"next_seq": seq + 1, "updated_at": now}).Error
	})
	return seq, state, wrap(op+" "+ref.ID, err, "")
}

// CommitChunk implements evidence.Store.
func (s *Store) CommitChunk(ctx context.Context, by syncpush.Pusher, id string, c evidence.Chunk, prev, next []byte, u evidence.Usage) (int64, error) {
	const op = "gormstore.CommitChunk"
	var received int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		now := stamp(s.clock.Now())
		up, err := s.lockedUpload(tx, id)
		switch {
		case err != nil:
			return err
		case up == nil:
			return evidence.OffsetMismatch(0)
		case up.Received != c.Offset || up.HashState != base64.StdEncoding.EncodeToString(prev):
			return evidence.OffsetMismatch(up.Received)
		}
		err = tx.Create(&evidenceUploadChunkRow{EvidenceID: id, Seq: c.Seq, StartOffset: c.Offset, Size: c.Size, ObjectKey: c.Key, CreatedAt: now}).Error
		if err != nil {
			return err
		}
		received = up.Received + c.Size
		err = tx.Model(&evidenceUploadRow{}).Where("evidence_id = ?", id).
			Updates(map[string]any{"received": received, "hash_state": base64.StdEncoding.EncodeToString(next), "updated_at": now}).Error
		if err != nil {
			return err
		}
		return s.countUsage(tx, by.OrgID, u)
	})
	return received, wrap(op+" "+id, err, "")
}

// countUsage adds u's bytes to the device's day.
func (s *Store) countUsage(tx *gorm.DB, orgID string, u evidence.Usage) error {
	if u.Bytes <= 0 {
		return nil
	}
	return tx.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "org_id"}, {Name: "device_id"}, {Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{"bytes": gorm.Expr("evidence_device_usage.bytes + ?", u.Bytes)}),
	}).Create(&evidenceDeviceUsageRow{OrgID: orgID, DeviceID: u.DeviceID, Day: u.Day, Bytes: u.Bytes}).Error
}

// ResetUpload implements evidence.Store.
func (s *Store) ResetUpload(ctx context.Context, orgID, id string) ([]evidence.Chunk, error) {
	var out []evidence.Chunk
	err := s.write(ctx, func(tx *gorm.DB) error {
		up, err := s.lockedUpload(tx, id)
		if err != nil || up == nil || up.OrgID != orgID {
			return err
		}
		var chunks []evidenceUploadChunkRow
		if err := tx.Where("evidence_id = ?", id).Order("start_offset").Find(&chunks).Error; err != nil {
			return err
		}
		for _, c := range chunks {
			out = append(out, evidence.Chunk{Seq: c.Seq, Offset: c.StartOffset, Size: c.Size, Key: c.ObjectKey})
		}
		if err := tx.Where("evidence_id = ?", id).Delete(&evidenceUploadChunkRow{}).Error; err != nil {
			return err
		}
		// Without its row the upload holds 0 bytes; the next chunk at 0 makes it again.
		return tx.Where("evidence_id = ?", id).Delete(&evidenceUploadRow{}).Error
	})
	return out, wrap("gormstore.ResetUpload "+id, err, "")
}

// MarkStored implements evidence.Store. The reference is locked first (only arrivals lock it, so
// two arrivals of one reference wait for each other), then its visit, as a push locks it; the
// visit's version goes up, the evidence's state being part of the visit's data that phones pull.
func (s *Store) MarkStored(ctx context.Context, by syncpush.Pusher, id string, obj evidence.Object, u evidence.Usage) (evidence.Ref, error) {
	const op = "gormstore.MarkStored"
	var out evidence.Ref
	err := s.write(ctx, func(tx *gorm.DB) error {
		var refs []evidenceRefRow
		if err := s.lockForUpdate(tx.Where("id = ? AND org_id = ?", id, by.OrgID)).Limit(1).Find(&refs).Error; err != nil {
			return err
		}
		if len(refs) == 0 {
			return errs.E(errs.NotFound, errs.CodeEvidenceUnknown, "evidence "+id)
		}
		ref := refs[0]
		if ref.State == evidence.StateStored {
			out = ref.domain()
			return nil
		}
		v, err := s.scopedVisit(tx, by, ref.VisitID)
		if err != nil {
			return err
		}
		now := stamp(s.clock.Now())
		row := evidenceObjectRow{OrgID: obj.OrgID, SHA256: obj.SHA256, Size: obj.Size, ContentType: obj.ContentType, ObjectKey: obj.Key,
			StoredAt: stamp(obj.StoredAt), ExifLat: obj.Meta.Lat, ExifLon: obj.Meta.Lon, Width: obj.Meta.Width, Height: obj.Meta.Height}
		if obj.Meta.TakenAt != nil {
			t := stamp(*obj.Meta.TakenAt)
			row.ExifTakenAt = &t
		}
		if obj.RetainUntil != nil {
			t := stamp(*obj.RetainUntil)
			row.RetainUntil = &t
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
		if err := s.arrived(tx, by, v, &ref, obj, now); err != nil {
			return err
		}
		err = tx.Model(&evidenceRefRow{}).Where("id = ?", id).
			Updates(map[string]any{"state": ref.State, "stored_at": ref.StoredAt, "distance_m": ref.DistanceM}).Error
		if err != nil {
			return err
		}
		// The upload is done; its chunks' rows go with it (ON DELETE CASCADE).
		if err := tx.Where("evidence_id = ?", id).Delete(&evidenceUploadRow{}).Error; err != nil {
			return err
		}
		if err := s.countUsage(tx, by.OrgID, u); err != nil {
			return err
		}
		out = ref.domain()
		return s.visitPartChanged(tx, v, now)
	})
	return out, wrap(op+" "+id, err, "")
}

// arrived marks ref as stored with obj's bytes (its row is written by the caller): its distance from
// the site (EXIF's position when the photo has one, else the one the phone claimed) and the audit event
// evidence.store on the evidence's chain, in the caller's transaction.
func (s *Store) arrived(tx *gorm.DB, by syncpush.Pusher, v visitSyncRow, ref *evidenceRefRow, obj evidence.Object, now time.Time) error {
	ref.State, ref.StoredAt, ref.DistanceM = evidence.StateStored, &now, nil
	lat, lon := ref.GPSLat, ref.GPSLon
	if obj.Meta.Lat != nil && obj.Meta.Lon != nil {
		lat, lon = obj.Meta.Lat, obj.Meta.Lon
	}
	if lat != nil && lon != nil {
		var sites []siteRow
		if err := tx.Select("lat", "lon").Where("org_id = ? AND id = ?", v.Visit.OrgID, v.Visit.SiteID).Limit(1).Find(&sites).Error; err != nil {
			return err
		}
		if len(sites) == 1 && sites[0].Lat != nil && sites[0].Lon != nil {
			d := math.Round(evidence.DistanceM(*sites[0].Lat, *sites[0].Lon, *lat, *lon)*10) / 10
			ref.DistanceM = &d
		}
	}
	return s.appendAudit(tx, audit.Entry{Chain: "evidence/" + ref.ID, OrgID: ref.OrgID, Action: "evidence.store",
		ActorAccountID: by.AccountID, ActorPersonID: by.PersonID, At: now,
		Data: map[string]any{"sha256": obj.SHA256, "size": obj.Size, "content_type": obj.ContentType, "object_key": obj.Key}})
}

// storeIfHeld marks a reference being announced as stored when its organisation already holds the
// content, in the announce's transaction (the push applier calls it before creating the row).
func (s *Store) storeIfHeld(tx *gorm.DB, by syncpush.Pusher, v visitSyncRow, ref *evidenceRefRow, now time.Time) error {
	var rows []evidenceObjectRow
	if err := tx.Where("org_id = ? AND sha256 = ?", ref.OrgID, ref.SHA256).Limit(1).Find(&rows).Error; err != nil || len(rows) == 0 {
		return err
	}
	return s.arrived(tx, by, v, ref, rows[0].domain(), now)
}

// AbandonedUploads implements evidence.Store.
func (s *Store) AbandonedUploads(ctx context.Context, before time.Time, limit int) ([]evidence.Upload, error) {
	var rows []evidenceUploadRow
	if err := s.read(ctx).Where("updated_at < ?", stamp(before)).Order("updated_at").Limit(limit).Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.AbandonedUploads", err, "")
	}
	out := make([]evidence.Upload, 0, len(rows))
	for _, r := range rows {
		up, err := r.domain(nil)
		if err != nil {
			return nil, err
		}
		out = append(out, up)
	}
	return out, nil
}

// DropUpload implements evidence.Store.
func (s *Store) DropUpload(ctx context.Context, orgID, id string, updatedAt time.Time) (bool, error) {
	var dropped bool
	err := s.write(ctx, func(tx *gorm.DB) error {
		up, err := s.lockedUpload(tx, id)
		if err != nil || up == nil || up.OrgID != orgID || up.UpdatedAt.After(stamp(updatedAt)) {
			return err
		}
		if err := tx.Where("evidence_id = ?", id).Delete(&evidenceUploadChunkRow{}).Error; err != nil {
			return err
		}
		if err := tx.Where("evidence_id = ?", id).Delete(&evidenceUploadRow{}).Error; err != nil {
			return err
		}
		dropped = true
		return nil
	})
	return dropped, wrap("gormstore.DropUpload "+id, err, "")
}

// UploadExists implements evidence.Store.
func (s *Store) UploadExists(ctx context.Context, evidenceID string) (bool, error) {
	var n int64
	err := s.read(ctx).Model(&evidenceUploadRow{}).Where("evidence_id = ?", evidenceID).Count(&n).Error
	return n > 0, wrap("gormstore.UploadExists", err, "")
}

var _ evidence.VisitReader = (*Store)(nil)

// VisitEvidence implements evidence.VisitReader.
func (s *Store) VisitEvidence(ctx context.Context, orgID, visitID string) (evidence.VisitEvidence, error) {
	const op = "gormstore.VisitEvidence"
	db := s.read(ctx)
	out := evidence.VisitEvidence{VisitID: visitID}
	var n int64
	if err := db.Model(&visitRow{}).Where("org_id = ? AND id = ?", orgID, visitID).Count(&n).Error; err != nil {
		return out, wrap(op, err, "")
	}
	if n == 0 {
		return out, errs.E(errs.Op(op), errs.NotFound, errs.CodeVisitNotFound, "visit "+visitID)
	}
	var refs []evidenceRefRow
	if err := db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Order("id").Find(&refs).Error; err != nil {
		return out, wrap(op, err, "")
	}
	shas := make([]string, 0, len(refs))
	for _, r := range refs {
		shas = append(shas, r.SHA256)
	}
	objects := map[string]evidenceObjectRow{}
	for chunk := range slices.Chunk(shas, 500) {
		var rows []evidenceObjectRow
		if err := db.Where("org_id = ? AND sha256 IN ?", orgID, chunk).Find(&rows).Error; err != nil {
			return out, wrap(op, err, "")
		}
		for _, o := range rows {
			objects[o.SHA256] = o
		}
	}
	stored := map[string]bool{}
	missing := map[string]bool{}
	for _, r := range refs {
		it := evidence.Item{Ref: r.domain()}
		if r.State == evidence.StateStored {
			stored[r.ID] = true
			if o, ok := objects[r.SHA256]; ok {
				obj := o.domain()
				it.Object = &obj
			}
		} else {
			missing[r.ID] = true
		}
		out.Items = append(out.Items, it)
	}
	listed := func(ids []string) {
		for _, id := range ids {
			if !stored[id] {
				missing[id] = true
			}
		}
	}
	var answers []visitAnswerRow
	if err := db.Select("evidence").Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&answers).Error; err != nil {
		return out, wrap(op, err, "")
	}
	for _, a := range answers {
		var ids []string
		if json.Unmarshal([]byte(a.Evidence), &ids) == nil {
			listed(ids)
		}
	}
	var findings []manualFindingRow
	if err := db.Select("data").Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&findings).Error; err != nil {
		return out, wrap(op, err, "")
	}
	for _, f := range findings {
		var c findingContent
		if json.Unmarshal([]byte(f.Data), &c) == nil {
			listed(c.EvidenceIDs)
		}
	}
	var records []violationRecordRow
	if err := db.Select("id", "number", "year", "status", "data").Where("org_id = ? AND visit_id = ?", orgID, visitID).
		Order("year, number").Find(&records).Error; err != nil {
		return out, wrap(op, err, "")
	}
	for _, r := range records {
		var d struct {
			EvidenceIDs []string `json:"evidence_ids"`
		}
		_ = json.Unmarshal([]byte(r.Data), &d)
		re := evidence.RecordEvidence{ID: r.ID, Number: r.Number, Year: r.Year, Status: r.Status, EvidenceIDs: orEmpty(d.EvidenceIDs), Missing: []string{}}
		for _, id := range re.EvidenceIDs {
			if !stored[id] {
				re.Missing = append(re.Missing, id)
			}
		}
		listed(re.EvidenceIDs)
		out.Records = append(out.Records, re)
	}
	out.Missing = slices.Sorted(mapKeys(missing))
	return out, nil
}
