package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/mobile-api/document"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/export"
)

// The listing of a period's evidence for the evidence ZIP (export.EvidenceSource): the stored
// evidence references of the organisation's visits dated in [from, to), each with the object that
// holds its bytes, its site and the violation record it belongs to. References whose bytes arrived
// after the cutoff (the run's creation) are left out, so that the two readings of one run — the
// objects, then the manifest — and a retried run list the same items.

// evidenceExportRow is one row of the listing.
type evidenceExportRow struct {
	EvidenceID  string
	VisitID     string
	VisitDate   string
	SiteID      string
	SiteName    string
	CapturedAt  time.Time
	SHA256      string `gorm:"column:sha256"`
	Size        int64
	ContentType string
	ObjectKey   string
	RecordNum   *int
	RecordYear  *int
	RecordUnit  *string
}

// evidenceExportBase joins what the listing needs and selects the period; the caller adds the order
// and the page.
func (s *Store) evidenceExportBase(db *gorm.DB, orgID, from, to string, cutoff time.Time) *gorm.DB {
	return db.Table("evidence_refs AS r").
		Joins("JOIN visits AS v ON v.org_id = r.org_id AND v.id = r.visit_id").
		Joins("JOIN evidence_objects AS o ON o.org_id = r.org_id AND o.sha256 = r.sha256").
		Where("r.org_id = ? AND r.state = ? AND r.stored_at <= ? AND v.visit_date >= ? AND v.visit_date < ?",
			orgID, "stored", stamp(cutoff), from, to)
}

// EvidenceExportTotals counts the listing's items and their bytes (export.EvidenceSource).
func (s *Store) EvidenceExportTotals(ctx context.Context, orgID, from, to string, cutoff time.Time) (int64, int64, error) {
	var out struct {
		Items int64
		Bytes int64
	}
	err := s.evidenceExportBase(s.read(ctx), orgID, from, to, cutoff).
		Select("COUNT(*) AS items, COALESCE(SUM(r.size), 0) AS bytes").Scan(&out).Error
	if err != nil {
		return 0, 0, errs.E(errs.Op("gormstore.EvidenceExportTotals"), translate(err, ""))
	}
	return out.Items, out.Bytes, nil
}

// EvidenceExportPage returns a page of the listing after the cursor, in the order (visit date,
// visit, evidence) (export.EvidenceSource).
func (s *Store) EvidenceExportPage(ctx context.Context, orgID, from, to string, cutoff time.Time, after export.EvidenceCursor, limit int) ([]export.EvidenceItem, error) {
	const op = errs.Op("gormstore.EvidenceExportPage")
	q := s.evidenceExportBase(s.read(ctx), orgID, from, to, cutoff).
		Joins("JOIN sites AS s ON s.org_id = v.org_id AND s.id = v.site_id").
		Joins("LEFT JOIN violation_records AS vr ON r.record_id <> '' AND vr.org_id = r.org_id AND vr.id = r.record_id").
		Joins("LEFT JOIN issuing_units AS iu ON iu.org_id = vr.org_id AND iu.id = vr.issuing_unit_id").
		Select("r.id AS evidence_id, r.visit_id, " + s.dayText("v.visit_date") + " AS visit_date, v.site_id, s.name AS site_name, " +
			"r.captured_at, r.sha256, r.size, o.content_type, o.object_key, vr.number AS record_num, vr.year AS record_year, iu.code AS record_unit")
	if after.VisitID != "" {
		q = q.Where("(v.visit_date > ? OR (v.visit_date = ? AND (r.visit_id > ? OR (r.visit_id = ? AND r.id > ?))))",
			after.VisitDate, after.VisitDate, after.VisitID, after.VisitID, after.EvidenceID)
	}
	var rows []evidenceExportRow
	if err := q.Order("v.visit_date, r.visit_id, r.id").Limit(limit).Scan(&rows).Error; err != nil {
		return nil, errs.E(op, translate(err, ""))
	}
	out := make([]export.EvidenceItem, len(rows))
	for i, r := range rows {
		it := export.EvidenceItem{EvidenceID: r.EvidenceID, VisitID: r.VisitID, VisitDate: r.VisitDate, SiteID: r.SiteID, SiteName: r.SiteName,
			CapturedAt: r.CapturedAt.UTC(), SHA256: r.SHA256, Size: r.Size, ContentType: r.ContentType, ObjectKey: r.ObjectKey}
		if r.RecordNum != nil {
			it.RecordNumber = fmt.Sprintf("%02d/%s", *r.RecordNum, document.NumberSuffix)
			if r.RecordYear != nil {
				it.RecordYear = *r.RecordYear
			}
			if r.RecordUnit != nil {
				it.RecordUnit = *r.RecordUnit
			}
		}
		out[i] = it
	}
	return out, nil
}

// dayText is a DATE column as YYYY-MM-DD text on both engines.
func (s *Store) dayText(col string) string {
	if s.dialect == Postgres {
		return "to_char(" + col + ", 'YYYY-MM-DD')"
	}
	return "substr(CAST(" + col + " AS TEXT), 1, 10)" // a bare column of type DATE would be read as a time
}
