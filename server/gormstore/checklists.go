package gormstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
)

var _ checklist.Store = (*Store)(nil)

type checklistVersionRow struct {
	Code        string `gorm:"primaryKey"`
	Version     int    `gorm:"primaryKey"`
	TitleVI     string `gorm:"column:title_vi"`
	TitleEN     string `gorm:"column:title_en"`
	Template    string // canonical JSON
	Hash        string
	PublishedAt time.Time
	PublishedBy string
}

func (checklistVersionRow) TableName() string { return "checklist_versions" }

type checklistFacilityTypeRow struct {
	Code         string `gorm:"primaryKey"`
	Version      int    `gorm:"primaryKey"`
	FacilityType string `gorm:"primaryKey"`
}

func (checklistFacilityTypeRow) TableName() string { return "checklist_facility_types" }

func (r checklistVersionRow) version(types []checklist.FacilityType) checklist.Version {
	return checklist.Version{Code: r.Code, Number: r.Version, FacilityTypes: types,
		Title: checklist.Text{VI: r.TitleVI, EN: r.TitleEN}, Hash: r.Hash, PublishedAt: r.PublishedAt.UTC(),
		PublishedBy: r.PublishedBy}
}

// published parses the stored template and checks it against its hash: a version that changed in
// the database behind the store's back is an internal error, never served.
func (r checklistVersionRow) published(types []checklist.FacilityType) (checklist.Published, error) {
	tpl, err := checklist.Parse([]byte(r.Template))
	if err != nil {
		return checklist.Published{}, fmt.Errorf("stored checklist %s version %d no longer parses: %w", r.Code, r.Version, err)
	}
	if tpl.Hash() != r.Hash || tpl.Code != r.Code || tpl.Version != r.Version {
		return checklist.Published{}, fmt.Errorf("stored checklist %s version %d does not match its hash or key", r.Code, r.Version)
	}
	return checklist.Published{Version: r.version(types), Template: tpl}, nil
}

// PublishChecklist stores a checklist version with its audit event and its change for phones
// (checklist.Store). The insert
// does nothing when the code and version exist, which is then compared by hash: on PostgreSQL a
// concurrent publisher of the same version waits for the first to commit and then sees its row, so
// the same content published twice at once is still a no-op.
func (s *Store) PublishChecklist(ctx context.Context, p checklist.Published, e audit.Entry) (checklist.Version, bool, error) {
	const op = "gormstore.PublishChecklist"
	if p.Template == nil || p.Template.Hash() != p.Hash || p.Template.Code != p.Code || p.Template.Version != p.Number {
		return checklist.Version{}, false, errs.E(errs.Op(op), "the publication does not match its template")
	}
	// What the version is comes from its template; only who published it and when from p.
	tpl := p.Template
	row := checklistVersionRow{Code: tpl.Code, Version: tpl.Version, TitleVI: tpl.Title.VI, TitleEN: tpl.Title.EN,
		Template: string(tpl.Canonical()), Hash: tpl.Hash(), PublishedAt: p.PublishedAt.UTC().Truncate(time.Microsecond),
		PublishedBy: p.PublishedBy}
	types := slices.Sorted(slices.Values(tpl.FacilityTypes))
	stored, created := row, false
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			stored = checklistVersionRow{}
			if err := tx.Where("code = ? AND version = ?", row.Code, row.Version).Take(&stored).Error; err != nil {
				return err
			}
			if stored.Hash != row.Hash {
				return errs.E(errs.Conflict, errs.CodeChecklistVersionPublished,
					fmt.Sprintf("%s version %d is published with hash %s; this content has %s", row.Code, row.Version, stored.Hash, row.Hash))
			}
			// Recorded again (a no-op when the log has it): a version published before phones
			// pulled checklists reaches them at the next start, when the server publishes its own.
			return s.recordChecklist(tx, stored, tpl, types)
		}
		created = true
		for _, f := range types {
			if err := tx.Create(&checklistFacilityTypeRow{Code: row.Code, Version: row.Version, FacilityType: string(f)}).Error; err != nil {
				return err
			}
		}
		if err := s.recordChecklist(tx, row, tpl, types); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if err != nil {
		return checklist.Version{}, false, wrap(op, err, "")
	}
	if !created {
		if types, err = s.checklistFacilityTypes(ctx, p.Code, p.Number); err != nil {
			return checklist.Version{}, false, wrap(op, err, "")
		}
	}
	return stored.version(types), created, nil
}

// recordChecklist records the published version r, whose template is tpl, for the phones (dataset
// checklists, national).
func (s *Store) recordChecklist(tx *gorm.DB, r checklistVersionRow, tpl *checklist.Template, types []checklist.FacilityType) error {
	change, err := syncdata.ChecklistChange(checklist.Published{Version: r.version(types), Template: tpl})
	if err != nil {
		return err
	}
	return s.recordChange(tx, change)
}

// checklistFacilityTypes returns the facility types of one version, sorted.
func (s *Store) checklistFacilityTypes(ctx context.Context, code string, version int) ([]checklist.FacilityType, error) {
	all, err := s.checklistTypesOf(ctx, code)
	if err != nil {
		return nil, err
	}
	return all[version], nil
}

// checklistTypesOf returns the facility types of every version of a code, sorted.
func (s *Store) checklistTypesOf(ctx context.Context, code string) (map[int][]checklist.FacilityType, error) {
	var rows []checklistFacilityTypeRow
	if err := s.read(ctx).Where("code = ?", code).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := map[int][]checklist.FacilityType{}
	for _, r := range rows {
		out[r.Version] = append(out[r.Version], checklist.FacilityType(r.FacilityType))
	}
	for _, types := range out {
		slices.Sort(types) // in Go: PostgreSQL's collation may not sort by bytes
	}
	return out, nil
}

// ChecklistVersion returns one published version with its template (checklist.Store).
func (s *Store) ChecklistVersion(ctx context.Context, code string, version int) (checklist.Published, error) {
	const op = "gormstore.ChecklistVersion"
	var r checklistVersionRow
	if err := s.read(ctx).Where("code = ? AND version = ?", code, version).Take(&r).Error; err != nil {
		return checklist.Published{}, wrap(op, err, errs.CodeChecklistNotFound)
	}
	types, err := s.checklistFacilityTypes(ctx, code, version)
	if err != nil {
		return checklist.Published{}, wrap(op, err, "")
	}
	p, err := r.published(types)
	if err != nil {
		return checklist.Published{}, errs.E(errs.Op(op), err)
	}
	return p, nil
}

// ChecklistVersions lists every version of a code, oldest first, without templates (checklist.Store).
func (s *Store) ChecklistVersions(ctx context.Context, code string) ([]checklist.Version, error) {
	const op = "gormstore.ChecklistVersions"
	var rows []checklistVersionRow
	if err := s.read(ctx).Omit("template").Where("code = ?", code).Order("version").Find(&rows).Error; err != nil {
		return nil, wrap(op, err, "")
	}
	if len(rows) == 0 {
		return nil, errs.E(errs.Op(op), errs.NotFound, errs.CodeChecklistNotFound, "code "+code)
	}
	types, err := s.checklistTypesOf(ctx, code)
	if err != nil {
		return nil, wrap(op, err, "")
	}
	out := make([]checklist.Version, len(rows))
	for i, r := range rows {
		out[i] = r.version(types[r.Version])
	}
	return out, nil
}

// LatestChecklist returns the version new visits to sites of the facility type use (checklist.Store):
// the highest version of the code serving the type, and among several codes the one whose highest
// version was published last. The candidates are few (a handful of codes per type), so they are
// compared here rather than in dialect-specific SQL.
func (s *Store) LatestChecklist(ctx context.Context, f checklist.FacilityType) (checklist.Published, error) {
	const op = "gormstore.LatestChecklist"
	type candidate struct {
		Code        string
		Version     int
		PublishedAt time.Time
	}
	var cands []candidate
	err := s.read(ctx).Table("checklist_versions AS v").
		Select("v.code, v.version, v.published_at").
		Joins("JOIN checklist_facility_types AS f ON f.code = v.code AND f.version = v.version").
		Where("f.facility_type = ?", string(f)).Find(&cands).Error
	if err != nil {
		return checklist.Published{}, wrap(op, err, "")
	}
	if len(cands) == 0 {
		return checklist.Published{}, errs.E(errs.Op(op), errs.NotFound, errs.CodeChecklistNotFound, "facility type "+string(f))
	}
	highest := map[string]candidate{}
	for _, c := range cands {
		if h, ok := highest[c.Code]; !ok || c.Version > h.Version {
			highest[c.Code] = c
		}
	}
	best := slices.SortedFunc(maps.Values(highest), func(a, b candidate) int {
		if c := b.PublishedAt.Compare(a.PublishedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})[0]
	return s.ChecklistVersion(ctx, best.Code, best.Version)
}
