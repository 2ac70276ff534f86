package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/integrity"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// The viewing side of evidence (issue 5): the lookups behind the console's and the phone's evidence
// routes with their access rule, the thumbnail job's reads and writes (thumb_key, thumb_error of
// migration 0018), and the list of stored objects that `thanhtra verify` re-hashes.

var (
	_ evidenceview.Finder = (*Store)(nil)
	_ thumbnail.Store     = (*Store)(nil)
	_ integrity.Source    = (*Store)(nil)
)

// evidenceObjectView is an evidence_objects row with the column of the viewing side (0018), read
// with Table and Scan (it is no row struct of its own: evidenceObjectRow is).
type evidenceObjectView struct {
	OrgID       string `gorm:"column:org_id"`
	SHA256      string `gorm:"column:sha256"`
	Size        int64  `gorm:"column:size"`
	ContentType string `gorm:"column:content_type"`
	ObjectKey   string `gorm:"column:object_key"`
	StoredAt    time.Time
	ExifTakenAt *time.Time
	ExifLat     *float64
	ExifLon     *float64
	Width       *int
	Height      *int
	ThumbKey    string
	RetainUntil *time.Time
	ThumbError  string
}

func (o evidenceObjectView) domain() evidence.Object {
	return evidenceObjectRow{OrgID: o.OrgID, SHA256: o.SHA256, Size: o.Size, ContentType: o.ContentType, ObjectKey: o.ObjectKey,
		StoredAt: o.StoredAt, ExifTakenAt: o.ExifTakenAt, ExifLat: o.ExifLat, ExifLon: o.ExifLon, Width: o.Width, Height: o.Height}.domain()
}

// teamHoldsVisit restricts evidence_refs to those whose visit, not deleted, belongs to a campaign
// whose team includes the person: the rule of the phone's sync scope (sync_scopes.go, scopedVisit).
const teamHoldsVisit = `EXISTS (SELECT 1 FROM visits v JOIN campaign_members m ON m.org_id = v.org_id AND m.campaign_id = v.campaign_id
 WHERE v.org_id = evidence_refs.org_id AND v.id = evidence_refs.visit_id AND v.deleted_at IS NULL AND m.person_id = ?)`

// EvidenceInOrg implements evidenceview.Finder.
func (s *Store) EvidenceInOrg(ctx context.Context, orgID, id string) (evidenceview.Item, error) {
	return s.evidenceItem(ctx, "gormstore.EvidenceInOrg", s.read(ctx).Where("id = ? AND org_id = ?", id, orgID), id)
}

// EvidenceInTeam implements evidenceview.Finder.
func (s *Store) EvidenceInTeam(ctx context.Context, orgID, personID, id string) (evidenceview.Item, error) {
	return s.evidenceItem(ctx, "gormstore.EvidenceInTeam",
		s.read(ctx).Where("id = ? AND org_id = ?", id, orgID).Where(teamHoldsVisit, personID), id)
}

func (s *Store) evidenceItem(ctx context.Context, op string, q *gorm.DB, id string) (evidenceview.Item, error) {
	var refs []evidenceRefRow
	if err := q.Limit(1).Find(&refs).Error; err != nil {
		return evidenceview.Item{}, wrap(op, err, "")
	}
	if len(refs) == 0 {
		return evidenceview.Item{}, errs.E(errs.Op(op), errs.NotFound, errs.CodeEvidenceNotFound, "evidence "+id)
	}
	it := evidenceview.Item{Ref: refs[0].domain()}
	var objs []evidenceObjectView
	if err := s.read(ctx).Table("evidence_objects").Where("org_id = ? AND sha256 = ?", it.Ref.OrgID, it.Ref.SHA256).
		Limit(1).Scan(&objs).Error; err != nil {
		return evidenceview.Item{}, wrap(op, err, "")
	}
	if len(objs) == 1 {
		o := objs[0].domain()
		it.Object = &o
		it.ThumbKey, it.ThumbError = objs[0].ThumbKey, objs[0].ThumbError
		if r := objs[0].RetainUntil; r != nil {
			t := r.UTC()
			it.RetainUntil = &t
		}
	}
	return it, nil
}

// ThumbnailSource implements thumbnail.Store.
func (s *Store) ThumbnailSource(ctx context.Context, orgID, sha256 string) (thumbnail.Object, error) {
	const op = "gormstore.ThumbnailSource"
	var objs []evidenceObjectView
	if err := s.read(ctx).Table("evidence_objects").Where("org_id = ? AND sha256 = ?", orgID, sha256).Limit(1).Scan(&objs).Error; err != nil {
		return thumbnail.Object{}, wrap(op, err, "")
	}
	if len(objs) == 0 {
		return thumbnail.Object{}, errs.E(errs.Op(op), errs.NotFound, errs.CodeEvidenceNotFound, "object "+orgID+"/"+sha256)
	}
	return thumbObject(objs[0]), nil
}

func thumbObject(o evidenceObjectView) thumbnail.Object {
	return thumbnail.Object{OrgID: o.OrgID, SHA256: o.SHA256, ContentType: o.ContentType, Key: o.ObjectKey, ThumbKey: o.ThumbKey, ThumbError: o.ThumbError}
}

// SetThumbnail implements thumbnail.Store.
func (s *Store) SetThumbnail(ctx context.Context, orgID, sha256, key, failure string) error {
	if len(failure) > 500 {
		failure = failure[:500]
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		return tx.Table("evidence_objects").Where("org_id = ? AND sha256 = ?", orgID, sha256).
			Updates(map[string]any{"thumb_key": key, "thumb_error": failure}).Error
	})
	return wrap("gormstore.SetThumbnail", err, "")
}

// ObjectsWithoutThumbnail implements thumbnail.Store.
func (s *Store) ObjectsWithoutThumbnail(ctx context.Context, afterOrg, afterSHA string, limit int) ([]thumbnail.Object, error) {
	var objs []evidenceObjectView
	err := s.read(ctx).Table("evidence_objects").
		Where("thumb_key = '' AND thumb_error = '' AND content_type IN ?", []string{"image/jpeg", "image/png"}).
		Where("org_id > ? OR (org_id = ? AND sha256 > ?)", afterOrg, afterOrg, afterSHA).
		Order("org_id, sha256").Limit(limit).Scan(&objs).Error
	if err != nil {
		return nil, wrap("gormstore.ObjectsWithoutThumbnail", err, "")
	}
	out := make([]thumbnail.Object, len(objs))
	for i, o := range objs {
		out[i] = thumbObject(o)
	}
	return out, nil
}

// StoredObjectCount implements integrity.Source: the evidence objects and the record documents (two
// objects each).
func (s *Store) StoredObjectCount(ctx context.Context) (int64, error) {
	var n struct{ E, D int64 }
	err := s.read(ctx).Raw(`SELECT (SELECT COUNT(*) FROM evidence_objects) AS e, (SELECT COUNT(*) FROM record_documents) AS d`).Scan(&n).Error
	if err != nil {
		return 0, wrap("gormstore.StoredObjectCount", err, "")
	}
	dd, err := s.decisionObjectCount(ctx) // penalty_decision.go
	return n.E + 2*n.D + dd, err
}

// verifyPage is how many rows StoredObjects reads at a time.
const verifyPage = 500

// StoredObjects implements integrity.Source: every evidence object (its size and SHA-256 as recorded
// when it arrived), then every record document's JSON and PDF (their SHA-256s as recorded when they
// were made), a page at a time by key, with no transaction open while fn runs.
func (s *Store) StoredObjects(ctx context.Context, fn func(integrity.Expected) error) error {
	const op = "gormstore.StoredObjects"
	afterOrg, afterSHA := "", ""
	for {
		var objs []evidenceObjectRow
		err := s.read(ctx).Select("org_id", "sha256", "size", "object_key").
			Where("org_id > ? OR (org_id = ? AND sha256 > ?)", afterOrg, afterOrg, afterSHA).
			Order("org_id, sha256").Limit(verifyPage).Find(&objs).Error
		if err != nil {
			return wrap(op, err, "")
		}
		for _, o := range objs {
			if err := fn(integrity.Expected{Kind: integrity.KindEvidence, OrgID: o.OrgID, Key: o.ObjectKey, SHA256: o.SHA256, Size: o.Size}); err != nil {
				return err
			}
		}
		if len(objs) < verifyPage {
			break
		}
		afterOrg, afterSHA = objs[len(objs)-1].OrgID, objs[len(objs)-1].SHA256
	}
	afterRecord, afterVersion := "", int64(-1)
	for {
		var docs []struct {
			RecordID   string `gorm:"column:record_id"`
			Version    int64  `gorm:"column:version"`
			OrgID      string `gorm:"column:org_id"`
			JSONKey    string `gorm:"column:json_key"`
			JSONSHA256 string `gorm:"column:json_sha256"`
			PDFKey     string `gorm:"column:pdf_key"`
			PDFSHA256  string `gorm:"column:pdf_sha256"`
		}
		err := s.read(ctx).Raw(`SELECT record_id, version, org_id, json_key, json_sha256, pdf_key, pdf_sha256
 FROM record_documents WHERE record_id > ? OR (record_id = ? AND version > ?) ORDER BY record_id, version LIMIT ?`,
			afterRecord, afterRecord, afterVersion, verifyPage).Scan(&docs).Error
		if err != nil {
			return wrap(op, err, "")
		}
		for _, d := range docs {
			for _, e := range []integrity.Expected{
				{Kind: integrity.KindDocument, OrgID: d.OrgID, Key: d.JSONKey, SHA256: d.JSONSHA256, Size: -1},
				{Kind: integrity.KindDocument, OrgID: d.OrgID, Key: d.PDFKey, SHA256: d.PDFSHA256, Size: -1},
			} {
				if err := fn(e); err != nil {
					return err
				}
			}
		}
		if len(docs) < verifyPage {
			return s.storedDecisionObjects(ctx, fn) // penalty_decision.go
		}
		afterRecord, afterVersion = docs[len(docs)-1].RecordID, docs[len(docs)-1].Version
	}
}
