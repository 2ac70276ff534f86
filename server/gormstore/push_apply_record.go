package gormstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// violationRecordRow is a violation record (biên bản vi phạm hành chính) drawn up on site (migration
// 0012). Data holds its content as the server normalised it (recordContent), with the status the
// phone last set; Status is its current status, which the chief's acts set too.
type violationRecordRow struct {
	ID            string `gorm:"primaryKey"`
	OrgID         string
	VisitID       string
	CampaignID    string
	SiteID        string
	SubjectID     string
	IssuingUnitID string
	Year          int
	Number        int
	Status        string
	Version       int64
	LockedVersion int64
	ChiefComment  string
	DrawnUpAt     time.Time
	DrawnUpBy     string
	DeviceID      string
	Data          string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (violationRecordRow) TableName() string { return "violation_records" }

// The statuses of a record. Phones set the first three; the chief the others (ChiefAct).
const (
	recordDraft     = "draft"
	recordSigned    = "signed"
	recordSubmitted = "submitted"
	recordReturned  = "returned"
	recordApproved  = "approved"
	recordRejected  = "rejected"
)

// recordPayload is schemas/sync-push-record.schema.json: the whole record as the phone holds it.
type recordPayload struct {
	VisitID       *string           `json:"visit_id"`
	IssuingUnitID *string           `json:"issuing_unit_id"`
	Year          *int              `json:"year"`
	Number        *int              `json:"number"`
	DrawnUpAt     *time.Time        `json:"drawn_up_at"`
	SubjectID     *string           `json:"subject_id"`
	Violations    []recordViolation `json:"violations"`
	Persons       []recordPerson    `json:"persons"`
	EvidenceIDs   []string          `json:"evidence_ids"`
	Status        *string           `json:"status"`
	Corrects      *string           `json:"corrects"`
	recordForm                      // the optional fields of form MBB01 (record_document_payload.go)
}

// recordViolation is a catalogue violation cited by a record.
type recordViolation struct {
	Code        string   `json:"code"`
	Quantity    *float64 `json:"quantity,omitempty"`
	Description string   `json:"description"`
}

// recordPerson is a person present at the drawing up, with their signature or refusal to sign.
type recordPerson struct {
	Role       string `json:"role"`
	Name       string `json:"name"`
	Signed     bool   `json:"signed"`
	Refused    bool   `json:"refused"`
	EvidenceID string `json:"evidence_id,omitempty"`
	personForm        // the optional fields of form MBB01 (record_document_payload.go)
}

var recordRoles = []string{"inspector", "violator", "representative", "witness", "local_government", "interpreter", "damaged"}

// recordContent is a record's content as stored (violation_records.data): the payload normalised,
// with the subject defaulted to the site's and the status the phone set.
type recordContent struct {
	VisitID       string            `json:"visit_id"`
	IssuingUnitID string            `json:"issuing_unit_id"`
	Year          int               `json:"year"`
	Number        int               `json:"number"`
	DrawnUpAt     time.Time         `json:"drawn_up_at"`
	SubjectID     string            `json:"subject_id"`
	Violations    []recordViolation `json:"violations"`
	Persons       []recordPerson    `json:"persons"`
	EvidenceIDs   []string          `json:"evidence_ids"`
	Corrects      string            `json:"corrects,omitempty"`
	Status        string            `json:"status"`
	recordForm
}

// check validates the payload's own shape and returns it normalised.
func (p recordPayload) check(recordID string) (recordContent, error) {
	var f fieldList
	f.id("visit_id", p.VisitID)
	f.id("issuing_unit_id", p.IssuingUnitID)
	if p.Year == nil {
		f.add("year", errs.CodeRequired)
	} else if *p.Year < 2000 || *p.Year > 2100 {
		f.add("year", errs.CodeInvalidValue)
	}
	if p.Number == nil {
		f.add("number", errs.CodeRequired)
	} else if *p.Number < 1 {
		f.add("number", errs.CodeInvalidValue)
	}
	if p.DrawnUpAt == nil {
		f.add("drawn_up_at", errs.CodeRequired)
	}
	f.optionalID("subject_id", p.SubjectID)
	f.optionalID("corrects", p.Corrects)
	if p.Corrects != nil && *p.Corrects == recordID {
		f.add("corrects", errs.CodeInvalidValue)
	}
	status := recordDraft
	if p.Status != nil {
		status = *p.Status
	}
	if status != recordDraft && status != recordSigned && status != recordSubmitted {
		f.add("status", errs.CodeInvalidValue)
	}
	for i, v := range p.Violations {
		at := "violations[" + strconv.Itoa(i) + "]"
		f.text(at+".code", v.Code, true, 64)
		f.text(at+".description", v.Description, false, 4000)
		if v.Quantity != nil && *v.Quantity < 0 {
			f.add(at+".quantity", errs.CodeInvalidValue)
		}
	}
	inspectorSigned := false
	for i, pe := range p.Persons {
		at := "persons[" + strconv.Itoa(i) + "]"
		if !slices.Contains(recordRoles, pe.Role) {
			f.add(at+".role", errs.CodeInvalidValue)
		}
		f.text(at+".name", pe.Name, true, 200)
		if pe.Signed && pe.Refused {
			f.add(at+".refused", errs.CodeInvalidValue)
		}
		if pe.EvidenceID != "" && len(pe.EvidenceID) > 128 {
			f.add(at+".evidence_id", errs.CodeInvalidValue)
		}
		pe.personForm.check(&f, at, pe.Refused)
		inspectorSigned = inspectorSigned || pe.Role == "inspector" && pe.Signed
	}
	p.recordForm.check(&f)
	f.refs("evidence_ids", p.EvidenceIDs)
	// A record is signed by the inspector who drew it up, and cites what was violated.
	if status != recordDraft {
		if len(p.Violations) == 0 {
			f.add("violations", errs.CodeRequired)
		}
		if !inspectorSigned {
			f.add("persons", errs.CodeRequired)
		}
	}
	if err := f.err(); err != nil {
		return recordContent{}, err
	}
	c := recordContent{VisitID: *p.VisitID, IssuingUnitID: *p.IssuingUnitID, Year: *p.Year, Number: *p.Number,
		DrawnUpAt: stamp(*p.DrawnUpAt), Violations: orEmpty(p.Violations), Persons: orEmpty(p.Persons),
		EvidenceIDs: orEmpty(p.EvidenceIDs), Status: status, recordForm: p.recordForm.normalised()}
	if p.SubjectID != nil {
		c.SubjectID = *p.SubjectID
	}
	if p.Corrects != nil {
		c.Corrects = *p.Corrects
	}
	return c, nil
}

// sameContent tells whether two records say the same, whatever their statuses.
func (c recordContent) sameContent(o recordContent) bool {
	c.Status, o.Status = "", ""
	a, _ := json.Marshal(c)
	b, _ := json.Marshal(o)
	return bytes.Equal(a, b)
}

// frozen tells whether a record's content can no longer change (D11): it was signed (a returned
// record too: its correction is a new record that corrects it), or the chief decided it.
func frozen(status, phoneStatus string) bool {
	return status == recordApproved || status == recordRejected || phoneStatus == recordSigned || phoneStatus == recordSubmitted
}

// phoneMove tells whether a phone may set a record in status from to status to.
func phoneMove(from, to string, isFrozen bool) bool {
	switch from {
	case recordDraft:
		return true
	case recordSigned:
		return to == recordSigned || to == recordSubmitted
	case recordSubmitted:
		return to == recordSubmitted
	case recordReturned: // the chief returned it: the phone resubmits it, or edits it first if it was never signed
		return to != recordDraft || !isFrozen
	}
	return false
}

// recordScope is what a record is checked against: its visit and whether the pusher is in the team.
type recordScope struct {
	CampaignID  string
	SiteID      string
	VisitStatus string
	SiteSubject string
	Member      int64
	Deleted     bool
}

// record applies a pushed violation record: drawn up (base version 0, its number marked used for it
// from the device's block, D9), edited while a draft, signed, submitted, or resubmitted after the
// chief returned it.
func (a *pushAppliers) record(ctx context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error) {
	s := a.s
	if err := checkEntityID(it); err != nil {
		return 0, err
	}
	var p recordPayload
	if err := decodePayload(it.Payload, &p); err != nil {
		return 0, err
	}
	c, err := p.check(it.EntityID)
	if err != nil {
		return 0, err
	}
	var cur []violationRecordRow
	if err := s.lockForUpdate(db.Where("id = ?", it.EntityID)).Limit(1).Find(&cur).Error; err != nil {
		return 0, err
	}
	switch {
	case it.BaseVersion == 0 && len(cur) > 0:
		return 0, entityExists()
	case len(cur) > 0 && cur[0].OrgID != by.OrgID:
		return 0, outOfScope("record " + it.EntityID)
	case it.BaseVersion > 0 && len(cur) == 0:
		return 0, errs.E(errs.NotFound, errs.CodeRecordNotFound, "record "+it.EntityID)
	}
	var sc []recordScope
	err = db.Raw(`SELECT v.campaign_id, v.site_id, v.status AS visit_status, st.subject_id AS site_subject,
		(SELECT COUNT(*) FROM campaign_members m WHERE m.org_id = v.org_id AND m.campaign_id = v.campaign_id AND m.person_id = ?) AS member,
		v.deleted_at IS NOT NULL AS deleted
		FROM visits v JOIN sites st ON st.org_id = v.org_id AND st.id = v.site_id WHERE v.org_id = ? AND v.id = ?`,
		by.PersonID, by.OrgID, c.VisitID).Scan(&sc).Error
	switch {
	case err != nil:
		return 0, err
	case len(sc) == 0:
		return 0, errs.E(errs.NotFound, errs.CodeVisitNotFound, errs.FieldError{Field: "payload.visit_id", Code: errs.CodeVisitNotFound})
	case sc[0].Member == 0:
		return 0, outOfScope("visit " + c.VisitID + " is not the team's")
	case sc[0].Deleted:
		return 0, errs.E(errs.Conflict, errs.CodeEntityDeleted, "visit "+c.VisitID+" was deleted")
	}
	v := sc[0]
	now := stamp(s.clock.Now())
	var row violationRecordRow
	if len(cur) == 0 {
		if row, err = a.newRecord(db, by, it, c, v, now); err != nil {
			return 0, err
		}
	} else {
		if row, err = a.changeRecord(db, it, c, cur[0], now); err != nil {
			return 0, err
		}
	}
	if err := s.recordRecordChange(db, row); err != nil {
		return 0, err
	}
	if err := s.enqueueRecordDocument(db, row, c.Status, now); err != nil { // its document, once signed (record_document.go)
		return 0, err
	}
	before := ""
	if len(cur) > 0 {
		before = cur[0].Status
	}
	if err := s.enqueuePenaltyIntake(db, by, row, before, now); err != nil { // its penalty case, once submitted (penalty_intake.go)
		return 0, err
	}
	if inHistory(v.VisitStatus) {
		if err := s.recordSiteHistory(db, row.OrgID, row.SiteID); err != nil {
			return 0, err
		}
	}
	return row.Version, nil
}

func (a *pushAppliers) newRecord(db *gorm.DB, by syncpush.Pusher, it syncpush.Item, c recordContent, v recordScope, now time.Time) (violationRecordRow, error) {
	s := a.s
	if c.SubjectID == "" {
		c.SubjectID = v.SiteSubject
	} else if c.SubjectID != v.SiteSubject {
		var n int64
		if err := db.Model(&subjectRow{}).Where("org_id = ? AND id = ?", by.OrgID, c.SubjectID).Count(&n).Error; err != nil {
			return violationRecordRow{}, err
		}
		if n == 0 {
			return violationRecordRow{}, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.subject_id", Code: errs.CodeSubjectNotFound})
		}
	}
	if c.Corrects != "" {
		var n int64
		// The record it corrects is one of the same campaign: a team corrects its own records.
		if err := db.Model(&violationRecordRow{}).Where("org_id = ? AND id = ? AND campaign_id = ?", by.OrgID, c.Corrects, v.CampaignID).
			Count(&n).Error; err != nil {
			return violationRecordRow{}, err
		}
		if n == 0 {
			return violationRecordRow{}, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.corrects", Code: errs.CodeRecordNotFound})
		}
	}
	m := numbering.Mark{Series: numbering.Series{OrgID: by.OrgID, IssuingUnitID: c.IssuingUnitID, Year: c.Year}, Number: c.Number,
		DeviceID: by.DeviceID, State: numbering.Used, EntityID: it.EntityID, At: now}
	if err := s.pushMark(db, by, m, now); err != nil {
		return violationRecordRow{}, err
	}
	data, err := json.Marshal(c)
	if err != nil {
		return violationRecordRow{}, err
	}
	row := violationRecordRow{ID: it.EntityID, OrgID: by.OrgID, VisitID: c.VisitID, CampaignID: v.CampaignID, SiteID: v.SiteID,
		SubjectID: c.SubjectID, IssuingUnitID: c.IssuingUnitID, Year: c.Year, Number: c.Number, Status: c.Status, Version: 1,
		DrawnUpAt: c.DrawnUpAt, DrawnUpBy: by.PersonID, DeviceID: by.DeviceID, Data: string(data), CreatedAt: now, UpdatedAt: now}
	return row, db.Create(&row).Error
}

func (a *pushAppliers) changeRecord(db *gorm.DB, it syncpush.Item, c recordContent, row violationRecordRow, now time.Time) (violationRecordRow, error) {
	if err := checkBase(it, row.Version, row.LockedVersion); err != nil {
		return row, err
	}
	var f fieldList
	for _, x := range []struct {
		name      string
		got, want any
	}{{"visit_id", c.VisitID, row.VisitID}, {"issuing_unit_id", c.IssuingUnitID, row.IssuingUnitID}, {"year", c.Year, row.Year},
		{"number", c.Number, row.Number}} {
		if x.got != x.want {
			f.add(x.name, errs.CodeInvalidValue)
		}
	}
	if err := f.err(); err != nil {
		return row, err
	}
	var old recordContent
	if err := json.Unmarshal([]byte(row.Data), &old); err != nil {
		return row, errs.E(errs.Op("gormstore.changeRecord"), fmt.Errorf("record %s: stored content: %w", row.ID, err))
	}
	if c.SubjectID == "" {
		c.SubjectID = old.SubjectID
	}
	isFrozen := frozen(row.Status, old.Status)
	if !isFrozen && c.SubjectID != old.SubjectID {
		var n int64
		if err := db.Model(&subjectRow{}).Where("org_id = ? AND id = ?", row.OrgID, c.SubjectID).Count(&n).Error; err != nil {
			return row, err
		}
		if n == 0 {
			return row, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.subject_id", Code: errs.CodeSubjectNotFound})
		}
	}
	if isFrozen && !c.sameContent(old) {
		return row, errs.E(errs.Conflict, errs.CodeEntityImmutable, "record "+row.ID+" was signed or decided: draw up a record that corrects it")
	}
	if !phoneMove(row.Status, c.Status, isFrozen) {
		return row, errs.E(errs.Conflict, errs.CodeRecordStatus, row.Status+" → "+c.Status)
	}
	data, err := json.Marshal(c)
	if err != nil {
		return row, err
	}
	version := row.Version + 1
	res := db.Model(&violationRecordRow{}).Where("id = ? AND version = ?", row.ID, row.Version).Updates(map[string]any{
		"status": c.Status, "version": version, "subject_id": c.SubjectID, "drawn_up_at": c.DrawnUpAt, "data": string(data), "updated_at": now})
	if res.Error != nil {
		return row, res.Error
	}
	if res.RowsAffected != 1 {
		return row, errs.E(errs.Op("gormstore.changeRecord"), "record "+row.ID+" changed under its lock")
	}
	row.Status, row.Version, row.SubjectID, row.DrawnUpAt, row.Data, row.UpdatedAt = c.Status, version, c.SubjectID, c.DrawnUpAt, string(data), now
	return row, nil
}

// pushMark marks a number for the pushing device with the register's own rules (numbering.CheckMark)
// and its audit entry, in the push transaction. The same mark again changes nothing.
func (s *Store) pushMark(db *gorm.DB, by syncpush.Pusher, m numbering.Mark, now time.Time) error {
	e := audit.Entry{Chain: "numbers/" + m.Series.IssuingUnitID + "/" + strconv.Itoa(m.Series.Year), OrgID: m.Series.OrgID,
		Action: "numbers." + string(m.State), ActorAccountID: by.AccountID, ActorPersonID: by.PersonID, At: now, Reason: m.Reason,
		Data: map[string]any{"number": m.Number, "device_id": m.DeviceID, "entity_id": m.EntityID}}
	_, err := s.markNumberTx(db, m, func(blocks []numbering.Block, marks []numbering.Mark) (bool, error) {
		return numbering.CheckMark(m, blocks, marks)
	}, e)
	if errs.Is(errs.Invalid, err) && len(errs.FieldsOf(err)) == 0 {
		// number_not_held: the number the payload names.
		return errs.E(errs.Invalid, errs.CodeOf(err), errs.FieldError{Field: "payload.number", Code: errs.CodeOf(err)}, err)
	}
	return err
}

// recordData is schemas/sync-record.schema.json: a violation record of the team as the server holds
// it, in the visits dataset (scope campaign/<id>).
type recordData struct {
	ID            string            `json:"id"`
	VisitID       string            `json:"visit_id"`
	CampaignID    string            `json:"campaign_id"`
	SiteID        string            `json:"site_id"`
	SubjectID     string            `json:"subject_id"`
	IssuingUnitID string            `json:"issuing_unit_id"`
	Year          int               `json:"year"`
	Number        int               `json:"number"`
	Status        string            `json:"status"`
	Version       int64             `json:"version"`
	ChiefComment  string            `json:"chief_comment"`
	DrawnUpAt     time.Time         `json:"drawn_up_at"`
	DrawnUpBy     string            `json:"drawn_up_by"`
	Violations    []recordViolation `json:"violations"`
	Persons       []recordPerson    `json:"persons"`
	EvidenceIDs   []string          `json:"evidence_ids"`
	Corrects      string            `json:"corrects,omitempty"`
}

// recordRecordChange records a violation record for the phones of its campaign's team, at its
// version.
func (s *Store) recordRecordChange(db *gorm.DB, r violationRecordRow) error {
	const op = errs.Op("gormstore.recordRecordChange")
	var c recordContent
	if err := json.Unmarshal([]byte(r.Data), &c); err != nil {
		return errs.E(op, fmt.Errorf("record %s: %w", r.ID, err))
	}
	d := recordData{ID: r.ID, VisitID: r.VisitID, CampaignID: r.CampaignID, SiteID: r.SiteID, SubjectID: r.SubjectID,
		IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, Status: r.Status, Version: r.Version,
		ChiefComment: r.ChiefComment, DrawnUpAt: r.DrawnUpAt.UTC(), DrawnUpBy: r.DrawnUpBy, Violations: orEmpty(c.Violations),
		Persons: orEmpty(c.Persons), EvidenceIDs: orEmpty(c.EvidenceIDs), Corrects: c.Corrects}
	b, err := json.Marshal(d)
	if err != nil {
		return errs.E(op, err)
	}
	return s.recordChange(db, syncfeed.Change{Dataset: syncfeed.Visits, EntityType: syncfeed.EntityRecord, EntityID: r.ID,
		OrgID: r.OrgID, Scope: syncfeed.CampaignScope(r.CampaignID), Op: syncfeed.OpUpsert, Version: r.Version, Data: b})
}

// numberVoidPayload is schemas/sync-push-number-void.schema.json.
type numberVoidPayload struct {
	IssuingUnitID *string `json:"issuing_unit_id"`
	Year          *int    `json:"year"`
	Number        *int    `json:"number"`
	Reason        *string `json:"reason"`
}

// numberVoid voids a number of the device's blocks with a reason (D9). The entity ID is
// "<issuing unit ID>/<year>/<number>"; voiding it again the same way changes nothing. A number has no
// versions: the result's version is 1.
func (a *pushAppliers) numberVoid(_ context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error) {
	var p numberVoidPayload
	if err := decodePayload(it.Payload, &p); err != nil {
		return 0, err
	}
	var f fieldList
	f.id("issuing_unit_id", p.IssuingUnitID)
	if p.Year == nil || *p.Year < 2000 || *p.Year > 2100 {
		f.add("year", errs.CodeInvalidValue)
	}
	if p.Number == nil || *p.Number < 1 {
		f.add("number", errs.CodeInvalidValue)
	}
	if p.Reason == nil {
		f.add("reason", errs.CodeRequired)
	} else {
		f.text("reason", *p.Reason, true, 1000)
	}
	if err := f.err(); err != nil {
		return 0, err
	}
	if want := *p.IssuingUnitID + "/" + strconv.Itoa(*p.Year) + "/" + strconv.Itoa(*p.Number); it.EntityID != want {
		return 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "entity_id", Code: errs.CodeInvalidValue}, "entity ID must be "+want)
	}
	now := stamp(a.s.clock.Now())
	m := numbering.Mark{Series: numbering.Series{OrgID: by.OrgID, IssuingUnitID: *p.IssuingUnitID, Year: *p.Year}, Number: *p.Number,
		DeviceID: by.DeviceID, State: numbering.Voided, Reason: *p.Reason, At: now}
	if err := a.s.pushMark(db, by, m, now); err != nil {
		return 0, err
	}
	return 1, nil
}
