package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
)

var _ numbering.Store = (*Store)(nil)

type numberCounterRow struct {
	OrgID         string `gorm:"primaryKey"`
	IssuingUnitID string `gorm:"primaryKey"`
	Year          int    `gorm:"primaryKey"`
	NextNumber    int
}

func (numberCounterRow) TableName() string { return "number_counters" }

type numberBlockRow struct {
	ID            string `gorm:"primaryKey"`
	OrgID         string
	IssuingUnitID string
	Year          int
	DeviceID      string
	FirstNumber   int
	LastNumber    int
	ReservedAt    time.Time
}

func (numberBlockRow) TableName() string { return "number_blocks" }

type numberMarkRow struct {
	OrgID         string `gorm:"primaryKey"`
	IssuingUnitID string `gorm:"primaryKey"`
	Year          int    `gorm:"primaryKey"`
	Number        int    `gorm:"primaryKey"`
	DeviceID      string
	State         string
	EntityID      string
	Reason        string
	At            time.Time
}

func (numberMarkRow) TableName() string { return "number_marks" }

func (r numberBlockRow) domain() numbering.Block {
	return numbering.Block{ID: r.ID, Series: numbering.Series{OrgID: r.OrgID, IssuingUnitID: r.IssuingUnitID, Year: r.Year},
		DeviceID: r.DeviceID, First: r.FirstNumber, Last: r.LastNumber, ReservedAt: r.ReservedAt.UTC()}
}

func (r numberMarkRow) domain() numbering.Mark {
	return numbering.Mark{Series: numbering.Series{OrgID: r.OrgID, IssuingUnitID: r.IssuingUnitID, Year: r.Year}, Number: r.Number,
		DeviceID: r.DeviceID, State: numbering.State(r.State), EntityID: r.EntityID, Reason: r.Reason, At: r.At.UTC()}
}

func seriesWhere(db *gorm.DB, s numbering.Series) *gorm.DB {
	return db.Where("org_id = ? AND issuing_unit_id = ? AND year = ?", s.OrgID, s.IssuingUnitID, s.Year)
}

// ReserveBlock reserves the next size numbers of a series to a device (numbering.Store), and records
// the block for the device to pull. Concurrent reservations serialise on the series' counter, so
// blocks never overlap.
func (s *Store) ReserveBlock(ctx context.Context, b numbering.Block, size int, need func([]numbering.Block, []numbering.Mark) bool, e audit.Entry) (numbering.Block, bool, error) {
	reserved := false
	err := s.write(ctx, func(tx *gorm.DB) error {
		c := numberCounterRow{OrgID: b.Series.OrgID, IssuingUnitID: b.Series.IssuingUnitID, Year: b.Series.Year, NextNumber: 1}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error; err != nil {
			return err
		}
		if err := s.lockForUpdate(seriesWhere(tx, b.Series)).Take(&c).Error; err != nil {
			return err
		}
		blocks, marks, err := s.numberState(tx, b.Series, b.DeviceID)
		if err != nil {
			return err
		}
		if !need(blocks, marks) {
			return nil
		}
		reserved = true
		b.First, b.Last = c.NextNumber, c.NextNumber+size-1
		if err := seriesWhere(tx.Model(&numberCounterRow{}), b.Series).Update("next_number", b.Last+1).Error; err != nil {
			return err
		}
		row := numberBlockRow{ID: b.ID, OrgID: b.Series.OrgID, IssuingUnitID: b.Series.IssuingUnitID, Year: b.Series.Year,
			DeviceID: b.DeviceID, FirstNumber: b.First, LastNumber: b.Last, ReservedAt: b.ReservedAt}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		body, err := blockIssuingBody(tx, b.Series)
		if err != nil {
			return err
		}
		change, err := syncdata.NumberBlockChange(row.domain(), nil, body)
		if err != nil {
			return err
		}
		if err := s.recordChange(tx, change); err != nil {
			return err
		}
		e.Data = map[string]any{"device_id": b.DeviceID, "first": b.First, "last": b.Last, "year": b.Series.Year}
		return s.appendAudit(tx, e)
	})
	if errs.Is(errs.Invalid, translate(err, "")) {
		return numbering.Block{}, false, errs.E(errs.Op("gormstore.ReserveBlock"), errs.NotFound, errs.CodeIssuingUnitNotFound, err)
	}
	return b, reserved, wrap("gormstore.ReserveBlock", err, "")
}

// NumberState returns the blocks of a series and the marks made on it; with deviceID set, only that
// device's blocks and the marks on their numbers (numbering.Store).
func (s *Store) NumberState(ctx context.Context, series numbering.Series, deviceID string) ([]numbering.Block, []numbering.Mark, error) {
	return s.numberState(s.read(ctx), series, deviceID)
}

func (s *Store) numberState(db *gorm.DB, series numbering.Series, deviceID string) ([]numbering.Block, []numbering.Mark, error) {
	const op = "gormstore.NumberState"
	q := seriesWhere(db, series)
	if deviceID != "" {
		q = q.Where("device_id = ?", deviceID)
	}
	var brows []numberBlockRow
	if err := q.Order("first_number").Find(&brows).Error; err != nil {
		return nil, nil, wrap(op, err, "")
	}
	var mrows []numberMarkRow
	mq := seriesWhere(db, series)
	if deviceID != "" {
		// The marks within the device's blocks only, by range over the marks' key: the series holds
		// every device's marks of the year, and a pull asks for them every time.
		if len(brows) == 0 {
			return nil, nil, nil
		}
		mq = db.Table("number_marks AS m").Select("m.*").
			Joins("JOIN number_blocks AS b ON m.org_id = b.org_id AND m.issuing_unit_id = b.issuing_unit_id AND m.year = b.year AND m.number BETWEEN b.first_number AND b.last_number").
			Where("b.org_id = ? AND b.issuing_unit_id = ? AND b.year = ? AND b.device_id = ?", series.OrgID, series.IssuingUnitID, series.Year, deviceID)
	}
	if err := mq.Order("number").Find(&mrows).Error; err != nil {
		return nil, nil, wrap(op, err, "")
	}
	blocks := make([]numbering.Block, len(brows))
	for i, r := range brows {
		blocks[i] = r.domain()
	}
	var marks []numbering.Mark
	for _, r := range mrows {
		m := r.domain()
		for _, b := range blocks {
			if b.Contains(m.Number) {
				marks = append(marks, m)
				break
			}
		}
	}
	return blocks, marks, nil
}

// MarkNumber records that a device used or voided a number, after check has accepted it against the
// device's blocks and the marks already made, all in one transaction (numbering.Store), and records
// the block of the number again for the device to pull. It reports whether the mark repeats one
// already made (nothing written).
func (s *Store) MarkNumber(ctx context.Context, m numbering.Mark, check func([]numbering.Block, []numbering.Mark) (bool, error), e audit.Entry) (bool, error) {
	var repeat bool
	err := s.write(ctx, func(tx *gorm.DB) error {
		var err error
		repeat, err = s.markNumberTx(tx, m, check, e)
		return err
	})
	if errs.Is(errs.Conflict, translate(err, "")) && !errs.Is(errs.Conflict, err) {
		return false, errs.E(errs.Op("gormstore.MarkNumber"), errs.Conflict, errs.CodeNumberTaken, err)
	}
	return repeat, wrap("gormstore.MarkNumber", err, "")
}

// markNumberTx is MarkNumber inside the caller's write transaction tx: the console's marks and the
// numbers pushed by phones (push_apply_record.go) go through it. A number marked meanwhile by another
// transaction is errs.Conflict with code number_taken.
func (s *Store) markNumberTx(tx *gorm.DB, m numbering.Mark, check func([]numbering.Block, []numbering.Mark) (bool, error), e audit.Entry) (bool, error) {
	// Lock the series so that two marks of one number cannot both pass the check.
	if err := s.lockForUpdate(seriesWhere(tx.Model(&numberCounterRow{}), m.Series)).Find(&[]numberCounterRow{}).Error; err != nil {
		return false, err
	}
	blocks, marks, err := s.numberState(tx, m.Series, m.DeviceID)
	if err != nil {
		return false, err
	}
	if repeat, err := check(blocks, marks); err != nil || repeat {
		return repeat, err
	}
	row := numberMarkRow{OrgID: m.Series.OrgID, IssuingUnitID: m.Series.IssuingUnitID, Year: m.Series.Year, Number: m.Number,
		DeviceID: m.DeviceID, State: string(m.State), EntityID: m.EntityID, Reason: m.Reason, At: m.At}
	if err := tx.Create(&row).Error; err != nil {
		if errs.Is(errs.Conflict, translate(err, "")) {
			return false, errs.E(errs.Conflict, errs.CodeNumberTaken, err)
		}
		return false, err
	}
	// The block the number is in goes to its device again, with this mark.
	for _, b := range blocks {
		if b.Contains(m.Number) {
			body, err := blockIssuingBody(tx, b.Series)
			if err != nil {
				return false, err
			}
			change, err := syncdata.NumberBlockChange(b, append(marks, row.domain()), body)
			if err != nil {
				return false, err
			}
			if err := s.recordChange(tx, change); err != nil {
				return false, err
			}
		}
	}
	return false, s.appendAudit(tx, e)
}

// blockIssuingBody reads the names a series' records print as their issuing body: the organisation's
// and the issuing unit's.
func blockIssuingBody(db *gorm.DB, series numbering.Series) (syncdata.IssuingBody, error) {
	var names struct {
		Organisation string
		Unit         string
	}
	err := db.Table("issuing_units AS u").Select("o.name AS organisation, u.name AS unit").
		Joins("JOIN organisations AS o ON o.id = u.org_id").
		Where("u.org_id = ? AND u.id = ?", series.OrgID, series.IssuingUnitID).Take(&names).Error
	return syncdata.IssuingBody{Organisation: names.Organisation, Unit: names.Unit}, err
}

// recordUnitBlocks records again every number block of an issuing unit (with the marks on their
// numbers and the unit's current name): UpdateIssuingUnit calls it when the unit is renamed, so that
// phones print the new name on their next records.
func (s *Store) recordUnitBlocks(tx *gorm.DB, orgID, unitID string) error {
	var ids []string
	if err := tx.Model(&numberBlockRow{}).Where("org_id = ? AND issuing_unit_id = ?", orgID, unitID).Order("id").Pluck("id", &ids).Error; err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return s.recordNumberBlocks(tx, orgID, ids)
}
