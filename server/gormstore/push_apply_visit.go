package gormstore

import (
	"cmp"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// visitSyncRow is a visit with the columns of the sync protocol (migration 0012): the server version
// (D4), the version at which the chief last acted on it, the team leader's review flag (D5), the
// chief's comment and the device that made it.
type visitSyncRow struct {
	Visit           visitRow `gorm:"embedded"`
	Version         int64
	LockedVersion   int64
	NeedsReview     bool
	ChiefComment    string
	CreatedByDevice string
	DeletedAt       *time.Time // a draft deleted from a phone (migration 0013): kept, never served again
}

func (visitSyncRow) TableName() string { return "visits" }

// visitAnswerSyncRow is an answer with what decides concurrent edits (D5): the phone's capture time,
// the change that set it, the visit version that change produced and the device.
type visitAnswerSyncRow struct {
	Answer     visitAnswerRow `gorm:"embedded"`
	CapturedAt *time.Time
	ChangeID   string
	SetVersion int64
	DeviceID   string
}

func (visitAnswerSyncRow) TableName() string { return "visit_answers" }

// visitAnswerHistoryRow is a value that lost to another or was replaced (migration 0012). Concurrent
// tells that the change that lost had not seen the one that won: the visit is then flagged for its
// team leader.
type visitAnswerHistoryRow struct {
	ID           int64 `gorm:"primaryKey;autoIncrement"`
	OrgID        string
	VisitID      string
	AnswerKey    string
	Value        *string
	None         bool
	Evidence     string
	CapturedAt   *time.Time
	ChangeID     string
	DeviceID     string
	RecordedBy   string
	Concurrent   bool
	SupersededAt time.Time
}

func (visitAnswerHistoryRow) TableName() string { return "visit_answer_history" }

// visitPayload is schemas/sync-push-visit.schema.json. Fields present are set; on a new visit (base
// version 0) the campaign, site, date and checklist version are required. An answer given as null
// clears it.
type visitPayload struct {
	CampaignID       *string                   `json:"campaign_id"`
	SiteID           *string                   `json:"site_id"`
	Date             *string                   `json:"date"`
	ChecklistCode    *string                   `json:"checklist_code"`
	ChecklistVersion *int                      `json:"checklist_version"`
	LeaderPersonID   *string                   `json:"leader_person_id"`
	GPS              *gpsPayload               `json:"gps"`
	Status           *string                   `json:"status"`
	Answers          map[string]*answerPayload `json:"answers"`
	// Deleted deletes a visit made by mistake: only a planned or in-progress visit without
	// violation records; the team's phones receive a tombstone. Nothing else may come with it.
	Deleted bool `json:"deleted"`
}

type answerPayload struct {
	Value    any      `json:"value"`
	None     bool     `json:"none"`
	Evidence []string `json:"evidence"`
}

var visitStatuses = []campaign.VisitStatus{campaign.VisitPlanned, campaign.VisitInProgress, campaign.VisitWaitingLab,
	campaign.VisitCompleted, campaign.VisitCancelled}

// check validates the payload's own shape and returns its answers by key (nil: cleared).
func (p visitPayload) check(create bool) (map[string]*checklist.Answer, error) {
	var f fieldList
	if create {
		f.id("campaign_id", p.CampaignID)
		f.id("site_id", p.SiteID)
		if p.Date == nil {
			f.add("date", errs.CodeRequired)
		}
		if p.ChecklistCode == nil || *p.ChecklistCode == "" {
			f.add("checklist_code", errs.CodeRequired)
		}
		if p.ChecklistVersion == nil {
			f.add("checklist_version", errs.CodeRequired)
		}
	} else {
		f.optionalID("campaign_id", p.CampaignID)
		f.optionalID("site_id", p.SiteID)
	}
	if p.Date != nil {
		if _, err := adminunit.ParseDay(*p.Date); err != nil {
			f.add("date", errs.CodeInvalidValue)
		}
	}
	if p.ChecklistCode != nil && (len(*p.ChecklistCode) > 100 || strings.ContainsRune(*p.ChecklistCode, 0)) {
		// Looked up before anything else: PostgreSQL refuses a NUL in a query's text, which would fail
		// the batch instead of this item.
		f.add("checklist_code", errs.CodeInvalidValue)
	}
	if p.ChecklistVersion != nil && *p.ChecklistVersion < 1 {
		f.add("checklist_version", errs.CodeInvalidValue)
	}
	f.optionalID("leader_person_id", p.LeaderPersonID)
	f.gps("gps", p.GPS)
	if p.Status != nil && !slices.Contains(visitStatuses, campaign.VisitStatus(*p.Status)) {
		f.add("status", errs.CodeInvalidValue)
	}
	answers := make(map[string]*checklist.Answer, len(p.Answers))
	for k, a := range p.Answers {
		if k == "" || len(k) > 100 {
			f.add("answers."+k, errs.CodeInvalidValue)
			continue
		}
		if a == nil {
			answers[k] = nil
			continue
		}
		f.refs("answers."+k+".evidence", a.Evidence)
		answers[k] = &checklist.Answer{Value: a.Value, None: a.None, Evidence: a.Evidence}
	}
	return answers, f.err()
}

// visit applies a pushed visit change: a new visit (base version 0) or a change of its status,
// answers, GPS position or leader. Answers merge per key (D5).
func (a *pushAppliers) visit(ctx context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item) (int64, error) {
	p, answers, err := decodeVisit(it)
	if err != nil {
		return 0, err
	}
	if it.BaseVersion == 0 {
		return a.createVisit(ctx, db, by, it, p, answers)
	}
	if p.Deleted {
		return a.deleteVisit(db, by, it, p)
	}
	return a.updateVisit(ctx, db, by, it, p, answers)
}

// decodeVisit reads and checks a visit change on its own (no I/O): its entity ID, its payload and
// the payload's answers by key.
func decodeVisit(it syncpush.Item) (visitPayload, map[string]*checklist.Answer, error) {
	var p visitPayload
	if err := checkEntityID(it); err != nil {
		return p, nil, err
	}
	if err := decodePayload(it.Payload, &p); err != nil {
		return p, nil, err
	}
	answers, err := p.check(it.BaseVersion == 0)
	if err != nil {
		return p, nil, err
	}
	if it.BaseVersion == 0 && p.Deleted {
		return p, nil, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.deleted", Code: errs.CodeInvalidValue})
	}
	return p, answers, nil
}

// deleteVisit deletes a visit made by mistake (a draft): the row stays, marked deleted, so that the ID
// can never be used again, and the team's phones receive a tombstone. A visit that went further than
// in progress, or that has a violation record, cannot be deleted: it is cancelled instead.
func (a *pushAppliers) deleteVisit(db *gorm.DB, by syncpush.Pusher, it syncpush.Item, p visitPayload) (int64, error) {
	s := a.s
	if p.Status != nil || len(p.Answers) > 0 || p.GPS != nil || p.LeaderPersonID != nil {
		return 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.deleted", Code: errs.CodeInvalidValue},
			"a deletion carries nothing else")
	}
	row, err := s.scopedVisit(db, by, it.EntityID)
	if err != nil {
		return 0, err
	}
	if err := checkBase(it, row.Version, row.LockedVersion); err != nil {
		return 0, err
	}
	switch campaign.VisitStatus(row.Visit.Status) {
	case campaign.VisitPlanned, campaign.VisitInProgress:
	default:
		return 0, errs.E(errs.Conflict, errs.CodeVisitStatus, "a "+row.Visit.Status+" visit is cancelled, not deleted")
	}
	var records int64
	if err := db.Table("violation_records").Where("org_id = ? AND visit_id = ?", row.Visit.OrgID, row.Visit.ID).Count(&records).Error; err != nil {
		return 0, err
	}
	if records > 0 {
		return 0, errs.E(errs.Conflict, errs.CodeEntityImmutable, "the visit has violation records")
	}
	now := stamp(s.clock.Now())
	version := row.Version + 1
	res := db.Model(&visitSyncRow{}).Where("org_id = ? AND id = ? AND version = ?", row.Visit.OrgID, row.Visit.ID, row.Version).
		Updates(map[string]any{"version": version, "deleted_at": now, "updated_at": now})
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected != 1 {
		return 0, errs.E(errs.Op("gormstore.deleteVisit"), "visit "+row.Visit.ID+" changed under its lock")
	}
	err = s.recordChange(db, syncfeed.Change{Dataset: syncfeed.Visits, EntityType: syncfeed.EntityVisit, EntityID: row.Visit.ID,
		OrgID: row.Visit.OrgID, Scope: syncfeed.CampaignScope(row.Visit.CampaignID), Op: syncfeed.OpDelete, Version: version})
	return version, err
}

// visitCreateScope is what a new visit is checked against (visitCreateScopes): its campaign's
// period and conclusion, whether the pusher and the leader are in the team, whether the campaign
// covers the site, the site's administrative unit on the visit date (D15), and the organisation of a
// visit that already has the ID.
type visitCreateScope struct {
	PeriodFrom       string
	PeriodTo         string
	ConclusionNumber *string
	PusherMember     int64
	LeaderMember     int64
	Covers           int64
	UnitCode         *string
	TakenBy          *string
}

// visitCreateScopes reads the scopes of new visits, by visit ID (distinct), in two statements however
// many visits there are (a push of fifty new visits reads them at once): one for the distinct
// (campaign, site, leader, day) of the visits — usually one — and one for the IDs already used. A
// visit whose campaign is not the organisation's has no scope.
func (s *Store) visitCreateScopes(db *gorm.DB, by syncpush.Pusher, vs []campaign.Visit) (map[string]visitCreateScope, error) {
	out := make(map[string]visitCreateScope, len(vs))
	if len(vs) == 0 {
		return out, nil
	}
	type place struct{ campaignID, siteID, leaderID, day string }
	placeOf := func(v campaign.Visit) place {
		return place{v.CampaignID, v.SiteID, v.LeaderPersonID, adminunit.FormatDay(v.Date)}
	}
	day := "r.day"
	if s.dialect == Postgres {
		day = "CAST(r.day AS DATE)" // the VALUES are text there; site_units' dates are dates
	}
	var b strings.Builder
	var args []any
	seen := map[place]bool{}
	b.WriteString("WITH r (campaign_id, site_id, leader_id, day) AS (VALUES ")
	for _, v := range vs {
		p := placeOf(v)
		if seen[p] {
			continue
		}
		if len(seen) > 0 {
			b.WriteString(", ")
		}
		seen[p] = true
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, p.campaignID, p.siteID, p.leaderID, p.day)
	}
	b.WriteString(`)
SELECT r.campaign_id, r.site_id, r.leader_id, r.day, c.period_from, c.period_to, c.conclusion_number,
	(SELECT COUNT(*) FROM campaign_members m WHERE m.org_id = c.org_id AND m.campaign_id = c.id AND m.person_id = ?) AS pusher_member,
	(SELECT COUNT(*) FROM campaign_members m WHERE m.org_id = c.org_id AND m.campaign_id = c.id AND m.person_id = r.leader_id) AS leader_member,
	(SELECT COUNT(*) FROM campaign_sites x WHERE x.org_id = c.org_id AND x.campaign_id = c.id AND x.site_id = r.site_id) AS covers,
	(SELECT u.code FROM site_units su JOIN admin_units u ON u.org_id = su.org_id AND u.id = su.unit_id
	  WHERE su.org_id = c.org_id AND su.site_id = r.site_id AND (su.valid_from IS NULL OR su.valid_from <= ` + day + `)
	  AND (su.valid_to IS NULL OR su.valid_to >= ` + day + `) ORDER BY su.seq LIMIT 1) AS unit_code
FROM r JOIN campaigns c ON c.org_id = ? AND c.id = r.campaign_id`)
	args = append(args, by.PersonID, by.OrgID)
	var rows []struct {
		CampaignID, SiteID, LeaderID, Day string
		Scope                             visitCreateScope `gorm:"embedded"`
	}
	if err := db.Raw(b.String(), args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	scopes := make(map[place]visitCreateScope, len(rows))
	for _, r := range rows {
		scopes[place{r.CampaignID, r.SiteID, r.LeaderID, r.Day}] = r.Scope
	}
	ids := make([]string, len(vs))
	for i, v := range vs {
		ids[i] = v.ID
	}
	taken := map[string]string{} // visit ID → its organisation
	for chunk := range slices.Chunk(ids, 500) {
		var used []struct{ ID, OrgID string }
		if err := db.Table("visits").Select("id", "org_id").Where("id IN ?", chunk).Scan(&used).Error; err != nil {
			return nil, err
		}
		for _, u := range used {
			taken[u.ID] = u.OrgID
		}
	}
	for _, v := range vs {
		sc, found := scopes[placeOf(v)]
		if !found {
			continue
		}
		if org, ok := taken[v.ID]; ok {
			sc.TakenBy = &org
		}
		out[v.ID] = sc
	}
	return out, nil
}

// newVisit is a new visit pushed by a phone, checked and ready to be written: its row, its answers,
// the findings they give, and what phones pull of it.
type newVisit struct {
	row    visitSyncRow
	parts  visitParts
	change syncfeed.Change
}

// newVisitOf is the visit a new visit's payload describes (checked by decodeVisit).
func newVisitOf(by syncpush.Pusher, it syncpush.Item, p visitPayload) campaign.Visit {
	day, _ := adminunit.ParseDay(*p.Date)
	v := campaign.Visit{ID: it.EntityID, OrgID: by.OrgID, CampaignID: *p.CampaignID, SiteID: *p.SiteID, Date: day,
		ChecklistCode: *p.ChecklistCode, ChecklistVersion: *p.ChecklistVersion, Status: campaign.VisitPlanned}
	if p.LeaderPersonID != nil {
		v.LeaderPersonID = *p.LeaderPersonID
	}
	if p.Status != nil {
		v.Status = campaign.VisitStatus(*p.Status)
	}
	if g := p.GPS; g != nil {
		v.GPS = &campaign.GPS{Lat: *g.Lat, Lon: *g.Lon}
		if g.AccuracyM != nil {
			v.GPS.Accuracy = *g.AccuracyM
		}
	}
	return v
}

// planVisit checks a new visit against its scope (sc; found false when its campaign is not the
// organisation's) and its checklist, and builds its rows. It writes nothing, so that new visits can
// be checked one by one and written together (push_batch_visit.go).
func (a *pushAppliers) planVisit(ctx context.Context, by syncpush.Pusher, it syncpush.Item, v campaign.Visit, sc visitCreateScope, found bool,
	answers map[string]*checklist.Answer) (newVisit, error) {
	switch {
	case found && sc.TakenBy != nil:
		return newVisit{}, entityExists()
	case !found || sc.PusherMember == 0:
		return newVisit{}, outOfScope("campaign " + v.CampaignID + " is not the team's")
	}
	// The campaign rules, on the part of the campaign that the visit touches.
	c := campaign.Campaign{ID: v.CampaignID, OrgID: v.OrgID, PeriodFrom: dayOf(&sc.PeriodFrom), PeriodTo: dayOf(&sc.PeriodTo),
		Team: []campaign.Member{{PersonID: by.PersonID}}}
	if sc.ConclusionNumber != nil {
		c.Conclusion = &campaign.Conclusion{Number: *sc.ConclusionNumber}
	}
	if v.LeaderPersonID != "" && sc.LeaderMember > 0 {
		c.Team = append(c.Team, campaign.Member{PersonID: v.LeaderPersonID})
	}
	if sc.Covers > 0 {
		c.SiteIDs = []string{v.SiteID}
	}
	if err := campaign.ValidateVisit(v, c); err != nil {
		return newVisit{}, prefixFields(err, "payload.")
	}
	if sc.UnitCode == nil {
		return newVisit{}, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.site_id", Code: errs.CodeUnitNotInForce})
	}
	v.UnitCode = *sc.UnitCode
	tpl, err := a.checklistOf(ctx, v.ChecklistCode, v.ChecklistVersion)
	if err != nil {
		return newVisit{}, err
	}
	now := stamp(a.s.clock.Now())
	v.CreatedAt, v.UpdatedAt = now, now
	row := visitSyncRow{Visit: visitToRow(v), Version: 1, CreatedByDevice: by.DeviceID}
	stored := map[string]visitAnswerSyncRow{}
	winners, _, _ := mergeAnswers(v.OrgID, v.ID, stored, answers, pushEdit(by, it, 1, now))
	findings, err := checkAnswers(tpl, stored, v.Date, v.Status == campaign.VisitCompleted)
	if err != nil {
		return newVisit{}, err
	}
	parts := visitParts{answers: winners, findings: findingRows(v.OrgID, v.ID, findings)}
	change, err := visitChange(row, parts)
	if err != nil {
		return newVisit{}, err
	}
	return newVisit{row: row, parts: parts, change: change}, nil
}

// writeNewVisits writes checked new visits: a few statements per table for all of them, and their
// first changes for phones.
func (s *Store) writeNewVisits(db *gorm.DB, vs []newVisit) error {
	if len(vs) == 0 {
		return nil
	}
	rows := make([]visitSyncRow, len(vs))
	changes := make([]syncfeed.Change, len(vs))
	var answers []visitAnswerSyncRow
	var findings []visitFindingRow
	for i, v := range vs {
		rows[i], changes[i] = v.row, v.change
		answers = append(answers, v.parts.answers...)
		findings = append(findings, v.parts.findings...)
	}
	if err := db.CreateInBatches(&rows, insertRows).Error; err != nil {
		return err
	}
	if len(answers) > 0 {
		if err := db.CreateInBatches(&answers, insertRows).Error; err != nil {
			return err
		}
	}
	if len(findings) > 0 {
		if err := db.CreateInBatches(&findings, insertRows).Error; err != nil {
			return err
		}
	}
	return s.recordNewChanges(db, changes)
}

func (a *pushAppliers) createVisit(ctx context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item, p visitPayload, answers map[string]*checklist.Answer) (int64, error) {
	s := a.s
	v := newVisitOf(by, it, p)
	scopes, err := s.visitCreateScopes(db, by, []campaign.Visit{v})
	if err != nil {
		return 0, err
	}
	sc, found := scopes[v.ID]
	nv, err := a.planVisit(ctx, by, it, v, sc, found, answers)
	if err != nil {
		return 0, err
	}
	if err := s.writeNewVisits(db, []newVisit{nv}); err != nil {
		return 0, err
	}
	if inHistory(nv.row.Visit.Status) {
		if err := s.recordSiteHistory(db, nv.row.Visit.OrgID, nv.row.Visit.SiteID); err != nil {
			return 0, err
		}
	}
	return nv.row.Version, nil
}

// visitInScope is a visit with whether the pusher's person is in its campaign's team.
type visitInScope struct {
	Row    visitSyncRow `gorm:"embedded"`
	Member int64
}

// scopedVisit reads a visit for a change by a phone, locked until the push commits, with the scope
// check: an unknown visit is errs.NotFound; one of another organisation, or of a campaign whose team
// the pusher is not in, is errs.Forbidden (out_of_scope), saying nothing about it.
func (s *Store) scopedVisit(db *gorm.DB, by syncpush.Pusher, visitID string) (visitSyncRow, error) {
	q := `SELECT v.*, (SELECT COUNT(*) FROM campaign_members m WHERE m.org_id = v.org_id AND m.campaign_id = v.campaign_id
	AND m.person_id = ?) AS member FROM visits v WHERE v.id = ?`
	if s.dialect == Postgres {
		q += " FOR UPDATE OF v"
	}
	var rows []visitInScope
	if err := db.Raw(q, by.PersonID, visitID).Scan(&rows).Error; err != nil {
		return visitSyncRow{}, err
	}
	switch {
	case len(rows) == 0:
		return visitSyncRow{}, errs.E(errs.NotFound, errs.CodeVisitNotFound, "visit "+visitID)
	case rows[0].Row.Visit.OrgID != by.OrgID || rows[0].Member == 0:
		return visitSyncRow{}, outOfScope("visit " + visitID + " is not the team's")
	case rows[0].Row.DeletedAt != nil:
		return visitSyncRow{}, errs.E(errs.Conflict, errs.CodeEntityDeleted, "visit "+visitID+" was deleted")
	}
	return rows[0].Row, nil
}

func (a *pushAppliers) updateVisit(ctx context.Context, db *gorm.DB, by syncpush.Pusher, it syncpush.Item, p visitPayload, answers map[string]*checklist.Answer) (int64, error) {
	s := a.s
	row, err := s.scopedVisit(db, by, it.EntityID)
	if err != nil {
		return 0, err
	}
	if err := checkBase(it, row.Version, row.LockedVersion); err != nil {
		return 0, err
	}
	// What a visit is (its campaign, site, day and checklist) never changes; a phone may send it again.
	var f fieldList
	if p.CampaignID != nil && *p.CampaignID != row.Visit.CampaignID {
		f.add("campaign_id", errs.CodeInvalidValue)
	}
	if p.SiteID != nil && *p.SiteID != row.Visit.SiteID {
		f.add("site_id", errs.CodeInvalidValue)
	}
	if p.Date != nil && *p.Date != adminunit.FormatDay(dayOf(&row.Visit.VisitDate)) {
		f.add("date", errs.CodeInvalidValue)
	}
	if p.ChecklistCode != nil && *p.ChecklistCode != row.Visit.ChecklistCode {
		f.add("checklist_code", errs.CodeInvalidValue)
	}
	if p.ChecklistVersion != nil && *p.ChecklistVersion != row.Visit.ChecklistVersion {
		f.add("checklist_version", errs.CodeInvalidValue)
	}
	if err := f.err(); err != nil {
		return 0, err
	}
	from := campaign.VisitStatus(row.Visit.Status)
	to := from
	if p.Status != nil {
		to = campaign.VisitStatus(*p.Status)
	}
	if to != from && !campaign.CanMove(from, to) {
		return 0, errs.E(errs.Conflict, errs.CodeVisitStatus, string(from)+" → "+string(to))
	}
	if len(answers) > 0 && (from == campaign.VisitCompleted || from == campaign.VisitCancelled) {
		return 0, errs.E(errs.Conflict, errs.CodeVisitStatus, "the visit is "+string(from))
	}
	if p.LeaderPersonID != nil && *p.LeaderPersonID != "" && (row.Visit.LeaderPersonID == nil || *p.LeaderPersonID != *row.Visit.LeaderPersonID) {
		var n int64
		if err := db.Model(&campaignMemberRow{}).Where("org_id = ? AND campaign_id = ? AND person_id = ?", row.Visit.OrgID, row.Visit.CampaignID,
			*p.LeaderPersonID).Count(&n).Error; err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.leader_person_id", Code: errs.CodeNotInTeam})
		}
	}

	now := stamp(s.clock.Now())
	version := row.Version + 1
	stored, err := s.answerRows(db, row.Visit.OrgID, row.Visit.ID)
	if err != nil {
		return 0, err
	}
	winners, history, concurrent := mergeAnswers(row.Visit.OrgID, row.Visit.ID, stored, answers, pushEdit(by, it, version, now))
	var parts visitParts
	recompute := len(winners) > 0 || (to == campaign.VisitCompleted && to != from)
	if recompute {
		tpl, err := a.checklistOf(ctx, row.Visit.ChecklistCode, row.Visit.ChecklistVersion)
		if err != nil {
			return 0, err
		}
		findings, err := checkAnswers(tpl, stored, dayOf(&row.Visit.VisitDate), to == campaign.VisitCompleted)
		if err != nil {
			return 0, err
		}
		parts.findings = findingRows(row.Visit.OrgID, row.Visit.ID, findings)
	} else if parts.findings, err = s.findingRowsOf(db, row.Visit.OrgID, row.Visit.ID); err != nil {
		return 0, err
	}
	if parts.manual, parts.evidence, err = s.visitAttachments(db, row.Visit.OrgID, row.Visit.ID); err != nil {
		return 0, err
	}
	parts.answers = mapValues(stored)

	old := row.Version
	row.Version, row.Visit.Status, row.Visit.UpdatedAt = version, string(to), now
	row.NeedsReview = row.NeedsReview || concurrent
	if g := p.GPS; g != nil {
		row.Visit.GPSLat, row.Visit.GPSLon, row.Visit.GPSAccuracy = g.Lat, g.Lon, g.AccuracyM
	}
	if p.LeaderPersonID != nil {
		row.Visit.LeaderPersonID = nullText(*p.LeaderPersonID)
	}
	res := db.Model(&visitSyncRow{}).Where("org_id = ? AND id = ? AND version = ?", row.Visit.OrgID, row.Visit.ID, old).Updates(map[string]any{
		"version": row.Version, "status": row.Visit.Status, "needs_review": row.NeedsReview, "leader_person_id": row.Visit.LeaderPersonID,
		"gps_lat": row.Visit.GPSLat, "gps_lon": row.Visit.GPSLon, "gps_accuracy": row.Visit.GPSAccuracy, "updated_at": row.Visit.UpdatedAt})
	if res.Error != nil {
		return 0, res.Error
	}
	if res.RowsAffected != 1 {
		return 0, errs.E(errs.Op("gormstore.updateVisit"), "visit "+row.Visit.ID+" changed under its lock")
	}
	if err := s.writeAnswers(db, winners, history); err != nil {
		return 0, err
	}
	if recompute {
		if err := s.replaceFindings(db, row.Visit.OrgID, row.Visit.ID, parts.findings); err != nil {
			return 0, err
		}
	}
	if err := s.recordVisitChange(db, row, parts); err != nil {
		return 0, err
	}
	if to != from && (inHistory(string(from)) || inHistory(string(to))) || inHistory(string(to)) && recompute {
		if err := s.recordSiteHistory(db, row.Visit.OrgID, row.Visit.SiteID); err != nil {
			return 0, err
		}
	}
	return row.Version, nil
}

// checklistOf returns the template of a published checklist version; one never published is a field
// error of the payload.
func (a *pushAppliers) checklistOf(ctx context.Context, code string, version int) (*checklist.Template, error) {
	tpl, err := a.template(ctx, code, version)
	if errs.Is(errs.NotFound, err) {
		return nil, errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "payload.checklist_version", Code: errs.CodeOf(err)}, err)
	}
	return tpl, err
}

// checkAnswers checks a visit's answers (the rows after the merge) against its checklist version and
// returns the findings: in full when the visit is being completed, else as for a visit in progress.
func checkAnswers(tpl *checklist.Template, rows map[string]visitAnswerSyncRow, day time.Time, complete bool) ([]checklist.Finding, error) {
	answers := make(map[string]checklist.Answer, len(rows))
	for k, r := range rows {
		answers[k] = r.answer()
	}
	validate := checklist.ValidatePartial
	if complete {
		validate = checklist.Validate
	}
	findings, err := validate(tpl, answers, day)
	if err != nil {
		return nil, prefixFields(err, "payload.answers.")
	}
	return findings, nil
}

// --- Concurrent answers (D5) ---

// answerEdit is one change of answers: when it was captured, by which change, device and account,
// the version it was based on and the visit version it makes. Force is the console's: it saw the
// visit's current answers, and its edit wins whatever the phones' clocks say.
type answerEdit struct {
	at       time.Time
	changeID string
	deviceID string
	by       string
	base     int64
	version  int64
	now      time.Time
	force    bool
}

func pushEdit(by syncpush.Pusher, it syncpush.Item, version int64, now time.Time) answerEdit {
	return answerEdit{at: stamp(it.CapturedAt), changeID: it.ChangeID, deviceID: by.DeviceID, by: by.AccountID,
		base: it.BaseVersion, version: version, now: now}
}

// mergeAnswers merges incoming answers (nil clears one) into stored, the visit's answer rows by key,
// which it updates in place to the merged state. Different keys never conflict. For one key the
// change captured later wins (ties: the greater change ID), whichever arrives first; the value that
// loses, incoming or stored, goes to the history, marked concurrent when the incoming change was
// based on a version before the stored answer was set (its phone had not seen it), which flags the
// visit for review. A value replaced by the same value leaves no history. It returns the rows to
// write, the history rows and whether any loss was concurrent.
func mergeAnswers(orgID, visitID string, stored map[string]visitAnswerSyncRow, incoming map[string]*checklist.Answer, e answerEdit) ([]visitAnswerSyncRow, []visitAnswerHistoryRow, bool) {
	var winners []visitAnswerSyncRow
	var history []visitAnswerHistoryRow
	concurrent := false
	for _, key := range slices.Sorted(mapKeys(incoming)) {
		in := newAnswerRow(orgID, visitID, key, incoming[key], e)
		old, had := stored[key]
		if !had {
			winners = append(winners, in)
			stored[key] = in
			continue
		}
		// The phone had not seen the stored value: another device set it after the version the change
		// was based on. Its own earlier change (a queue sent at once, all on one base) is no clash.
		clash := !e.force && e.base < old.SetVersion && old.DeviceID != e.deviceID
		wins := e.force || newer(e.at, e.changeID, old.capturedAt(), old.ChangeID)
		if !sameAnswer(in, old) {
			loser := old
			if !wins {
				loser = in
			}
			history = append(history, loser.history(e.now, clash))
			concurrent = concurrent || clash
		}
		if wins {
			winners = append(winners, in)
			stored[key] = in
		}
	}
	return winners, history, concurrent
}

// newer orders changes of one answer: by capture time, then by change ID.
func newer(at time.Time, changeID string, thanAt time.Time, thanID string) bool {
	if c := at.Compare(thanAt); c != 0 {
		return c > 0
	}
	return changeID > thanID
}

func newAnswerRow(orgID, visitID, key string, a *checklist.Answer, e answerEdit) visitAnswerSyncRow {
	at := e.at
	r := visitAnswerSyncRow{Answer: visitAnswerRow{OrgID: orgID, VisitID: visitID, AnswerKey: key, Evidence: "[]",
		RecordedAt: e.now, RecordedBy: e.by}, CapturedAt: &at, ChangeID: e.changeID, SetVersion: e.version, DeviceID: e.deviceID}
	if a != nil {
		ev, _ := json.Marshal(emptyStrings(a.Evidence))
		r.Answer.Value, r.Answer.None, r.Answer.Evidence = jsonText(a.Value), a.None, string(ev)
	}
	return r
}

// capturedAt is when the answer was captured; answers recorded before the sync protocol count from
// when they were recorded.
func (r visitAnswerSyncRow) capturedAt() time.Time {
	if r.CapturedAt != nil {
		return r.CapturedAt.UTC()
	}
	return r.Answer.RecordedAt.UTC()
}

func (r visitAnswerSyncRow) answer() checklist.Answer {
	a := checklist.Answer{Value: jsonValue(r.Answer.Value), None: r.Answer.None}
	_ = json.Unmarshal([]byte(r.Answer.Evidence), &a.Evidence)
	return a
}

// cleared tells an answer that was cleared (kept so that an older change arriving later cannot bring
// it back): phones do not receive it.
func (r visitAnswerSyncRow) cleared() bool {
	return r.Answer.Value == nil && !r.Answer.None && (r.Answer.Evidence == "" || r.Answer.Evidence == "[]")
}

func sameAnswer(a, b visitAnswerSyncRow) bool {
	same := func(x, y *string) bool { return x == nil && y == nil || x != nil && y != nil && *x == *y }
	return same(a.Answer.Value, b.Answer.Value) && a.Answer.None == b.Answer.None && a.Answer.Evidence == b.Answer.Evidence
}

func (r visitAnswerSyncRow) history(at time.Time, concurrent bool) visitAnswerHistoryRow {
	captured := r.capturedAt()
	return visitAnswerHistoryRow{OrgID: r.Answer.OrgID, VisitID: r.Answer.VisitID, AnswerKey: r.Answer.AnswerKey, Value: r.Answer.Value, None: r.Answer.None,
		Evidence: r.Answer.Evidence, CapturedAt: &captured, ChangeID: r.ChangeID, DeviceID: r.DeviceID, RecordedBy: r.Answer.RecordedBy,
		Concurrent: concurrent, SupersededAt: at}
}

// answerRows returns a visit's answer rows by key.
func (s *Store) answerRows(db *gorm.DB, orgID, visitID string) (map[string]visitAnswerSyncRow, error) {
	var rows []visitAnswerSyncRow
	if err := db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]visitAnswerSyncRow, len(rows))
	for _, r := range rows {
		out[r.Answer.AnswerKey] = r
	}
	return out, nil
}

// writeAnswers upserts the winning answers and appends the history, one statement each.
func (s *Store) writeAnswers(db *gorm.DB, winners []visitAnswerSyncRow, history []visitAnswerHistoryRow) error {
	if len(winners) > 0 {
		err := db.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "visit_id"}, {Name: "answer_key"}}, UpdateAll: true}).
			Create(&winners).Error
		if err != nil {
			return err
		}
	}
	if len(history) > 0 {
		return db.Create(&history).Error
	}
	return nil
}

func findingRows(orgID, visitID string, findings []checklist.Finding) []visitFindingRow {
	rows := make([]visitFindingRow, len(findings))
	for i, f := range findings {
		rows[i] = visitFindingRow{OrgID: orgID, VisitID: visitID, AnswerKey: f.Key(), Item: f.Item, Instance: f.Instance, Value: jsonText(f.Value),
			Reason: string(f.Reason), ViolationCodes: strings.Join(f.ViolationCodes, ","), Confirmed: f.Confirmed, BoundsUnconfirmed: f.BoundsUnconfirmed}
	}
	return rows
}

// replaceFindings replaces a visit's findings with rows.
func (s *Store) replaceFindings(db *gorm.DB, orgID, visitID string, rows []visitFindingRow) error {
	if err := db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Delete(&visitFindingRow{}).Error; err != nil {
		return err
	}
	if len(rows) > 0 {
		return db.CreateInBatches(rows, 200).Error
	}
	return nil
}

func (s *Store) findingRowsOf(db *gorm.DB, orgID, visitID string) ([]visitFindingRow, error) {
	var rows []visitFindingRow
	err := db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&rows).Error
	return rows, err
}

// visitAttachments returns a visit's manual findings and evidence references.
func (s *Store) visitAttachments(db *gorm.DB, orgID, visitID string) ([]manualFindingRow, []evidenceRefRow, error) {
	var manual []manualFindingRow
	if err := db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&manual).Error; err != nil {
		return nil, nil, err
	}
	var evidence []evidenceRefRow
	if err := db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&evidence).Error; err != nil {
		return nil, nil, err
	}
	return manual, evidence, nil
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func mapValues[K comparable, V any](m map[K]V) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// --- What phones pull of a visit ---

// visitParts are the parts of a visit's data besides its own row.
type visitParts struct {
	answers  []visitAnswerSyncRow
	findings []visitFindingRow
	manual   []manualFindingRow
	evidence []evidenceRefRow
}

// visitData is schemas/sync-visit.schema.json: a visit of the team as the server holds it, in the
// visits dataset (scope campaign/<id>). It is deterministic: the same state gives the same bytes.
type visitData struct {
	ID               string                `json:"id"`
	CampaignID       string                `json:"campaign_id"`
	SiteID           string                `json:"site_id"`
	Date             string                `json:"date"`
	LeaderPersonID   string                `json:"leader_person_id,omitempty"`
	ChecklistCode    string                `json:"checklist_code"`
	ChecklistVersion int                   `json:"checklist_version"`
	Status           string                `json:"status"`
	UnitCode         string                `json:"unit_code"`
	GPS              *gpsData              `json:"gps,omitempty"`
	Version          int64                 `json:"version"`
	NeedsReview      bool                  `json:"needs_review"`
	ChiefComment     string                `json:"chief_comment"`
	Answers          map[string]answerData `json:"answers"`
	Findings         []findingData         `json:"findings"`
	ManualFindings   []manualFindingData   `json:"manual_findings"`
	Evidence         []evidenceData        `json:"evidence"`
}

type answerData struct {
	Value      json.RawMessage `json:"value"`
	None       bool            `json:"none"`
	Evidence   []string        `json:"evidence"`
	CapturedAt time.Time       `json:"captured_at"`
}

type findingData struct {
	Key               string          `json:"key"`
	Item              string          `json:"item"`
	Instance          string          `json:"instance,omitempty"`
	Value             json.RawMessage `json:"value"`
	Reason            string          `json:"reason"`
	ViolationCodes    []string        `json:"violation_codes"`
	Confirmed         bool            `json:"confirmed"`
	BoundsUnconfirmed bool            `json:"bounds_unconfirmed"`
}

func rawJSON(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

func newVisitData(v visitSyncRow, p visitParts) visitData {
	d := visitData{ID: v.Visit.ID, CampaignID: v.Visit.CampaignID, SiteID: v.Visit.SiteID, Date: adminunit.FormatDay(dayOf(&v.Visit.VisitDate)),
		ChecklistCode: v.Visit.ChecklistCode, ChecklistVersion: v.Visit.ChecklistVersion, Status: v.Visit.Status, UnitCode: v.Visit.UnitCode,
		GPS: gpsOf(v.Visit.GPSLat, v.Visit.GPSLon, v.Visit.GPSAccuracy), Version: v.Version, NeedsReview: v.NeedsReview, ChiefComment: v.ChiefComment,
		Answers: map[string]answerData{}, Findings: []findingData{}, ManualFindings: []manualFindingData{}, Evidence: []evidenceData{}}
	if v.Visit.LeaderPersonID != nil {
		d.LeaderPersonID = *v.Visit.LeaderPersonID
	}
	for _, a := range p.answers {
		if a.cleared() {
			continue
		}
		ad := answerData{Value: rawJSON(a.Answer.Value), None: a.Answer.None, CapturedAt: a.capturedAt()}
		_ = json.Unmarshal([]byte(a.Answer.Evidence), &ad.Evidence)
		ad.Evidence = orEmpty(ad.Evidence)
		d.Answers[a.Answer.AnswerKey] = ad
	}
	for _, f := range p.findings {
		fd := findingData{Key: f.AnswerKey, Item: f.Item, Instance: f.Instance, Value: rawJSON(f.Value), Reason: f.Reason,
			ViolationCodes: []string{}, Confirmed: f.Confirmed, BoundsUnconfirmed: f.BoundsUnconfirmed}
		if f.ViolationCodes != "" {
			fd.ViolationCodes = strings.Split(f.ViolationCodes, ",")
		}
		d.Findings = append(d.Findings, fd)
	}
	slices.SortFunc(d.Findings, func(a, b findingData) int { return cmp.Compare(a.Key, b.Key) })
	for _, m := range p.manual {
		d.ManualFindings = append(d.ManualFindings, m.data())
	}
	slices.SortFunc(d.ManualFindings, func(a, b manualFindingData) int { return cmp.Compare(a.ID, b.ID) })
	for _, e := range p.evidence {
		d.Evidence = append(d.Evidence, e.data())
	}
	slices.SortFunc(d.Evidence, func(a, b evidenceData) int { return cmp.Compare(a.ID, b.ID) })
	return d
}

// recordVisitChange records the visit for the phones of its campaign's team, at its version.
func (s *Store) recordVisitChange(db *gorm.DB, v visitSyncRow, p visitParts) error {
	c, err := visitChange(v, p)
	if err != nil {
		return err
	}
	return s.recordChange(db, c)
}

// visitChange is the change phones pull of a visit at its version.
func visitChange(v visitSyncRow, p visitParts) (syncfeed.Change, error) {
	b, err := json.Marshal(newVisitData(v, p))
	if err != nil {
		return syncfeed.Change{}, errs.E(errs.Op("gormstore.visitChange"), err)
	}
	return syncfeed.Change{Dataset: syncfeed.Visits, EntityType: syncfeed.EntityVisit, EntityID: v.Visit.ID,
		OrgID: v.Visit.OrgID, Scope: syncfeed.CampaignScope(v.Visit.CampaignID), Op: syncfeed.OpUpsert, Version: v.Version, Data: b}, nil
}

// recordVisit records a visit as the transaction now holds it, and the history of its site when
// history says so: for the console's writes and the chief's acts, which do not have the parts at
// hand.
func (s *Store) recordVisit(db *gorm.DB, orgID, visitID string, history bool) (visitSyncRow, error) {
	var v visitSyncRow
	if err := db.Where("org_id = ? AND id = ?", orgID, visitID).Take(&v).Error; err != nil {
		return visitSyncRow{}, err
	}
	var p visitParts
	var err error
	if err = db.Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&p.answers).Error; err != nil {
		return visitSyncRow{}, err
	}
	if p.findings, err = s.findingRowsOf(db, orgID, visitID); err != nil {
		return visitSyncRow{}, err
	}
	if p.manual, p.evidence, err = s.visitAttachments(db, orgID, visitID); err != nil {
		return visitSyncRow{}, err
	}
	if err := s.recordVisitChange(db, v, p); err != nil {
		return visitSyncRow{}, err
	}
	if history {
		if err := s.recordSiteHistory(db, orgID, v.Visit.SiteID); err != nil {
			return visitSyncRow{}, err
		}
	}
	return v, nil
}

// bumpVisit raises a visit's version after a change of its parts (a manual finding, an evidence
// reference) and records it.
func (s *Store) bumpVisit(db *gorm.DB, v visitSyncRow, now time.Time) (visitSyncRow, error) {
	res := db.Model(&visitSyncRow{}).Where("org_id = ? AND id = ? AND version = ?", v.Visit.OrgID, v.Visit.ID, v.Version).
		Updates(map[string]any{"version": v.Version + 1, "updated_at": now})
	if res.Error != nil {
		return v, res.Error
	}
	if res.RowsAffected != 1 {
		return v, errs.E(errs.Op("gormstore.bumpVisit"), "visit "+v.Visit.ID+" changed under its lock")
	}
	v.Version, v.Visit.UpdatedAt = v.Version+1, now
	return v, nil
}

// inHistory tells whether a visit in this status is part of its site's history: a visit that took
// place (completed, or waiting for a laboratory's result, D17).
func inHistory(status string) bool {
	return status == string(campaign.VisitCompleted) || status == string(campaign.VisitWaitingLab)
}
