package gormstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// Penalty cases (issue 7; migration 0019): the storage side of server/penalty. A case is one row of
// penalty_cases — the whole case in data (penalty_data.go), and beside it the columns the chief's
// queue and the overdue list select and sort on, rewritten from the case by every write — with its
// events in penalty_events and in its audit chain (penalty/<case ID>), written in the same
// transaction. Decisions are numbered from penalty_decision_counters in the transaction that issues
// them. docs/penalties.md, "Persistence", says why it is shaped so.

var (
	_ penalty.Store          = (*Store)(nil)
	_ penalty.RecordSource   = (*Store)(nil)
	_ penalty.Lister         = (*Store)(nil)
	_ penalty.EvidenceReader = (*Store)(nil)
)

// penaltyCaseRow is a case (penalty_cases).
type penaltyCaseRow struct {
	ID                    string `gorm:"primaryKey"`
	OrgID                 string
	CampaignID            string
	RecordID              string
	RecordIssuingUnitID   string
	RecordYear            int
	RecordNumber          int
	RecordDrawnUpAt       time.Time
	SubjectID             string
	SubjectKind           string
	SubjectName           string
	State                 string
	Track                 string
	Version               int64
	OpenedAt              time.Time
	Total                 int64
	EvidenceIDs           string `gorm:"column:evidence_ids"`
	DecisionDueAt         *time.Time
	QueueAt               *time.Time
	ExplanationDueAt      *time.Time
	SendDueAt             *time.Time
	NationalReportDueAt   *time.Time
	PaymentDueAt          *time.Time
	EnforcementLimitAt    *time.Time
	NextDueAt             *time.Time
	DecisionIssuingUnitID *string
	DecisionYear          *int
	DecisionNumber        *int
	DecisionIssuedAt      *time.Time
	Decision              string
	Data                  string
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

func (penaltyCaseRow) TableName() string { return "penalty_cases" }

// penaltyCaseRecordRow maps a version of a violation record to its case (penalty_case_records).
type penaltyCaseRecordRow struct {
	OrgID        string `gorm:"primaryKey"`
	RecordID     string `gorm:"primaryKey"`
	CaseID       string
	AddedVersion int64
}

func (penaltyCaseRecordRow) TableName() string { return "penalty_case_records" }

// penaltyEventRow is one event of a case (penalty_events).
type penaltyEventRow struct {
	OrgID          string `gorm:"primaryKey"`
	CaseID         string `gorm:"primaryKey"`
	Version        int64  `gorm:"primaryKey"`
	Action         string
	FromState      string
	ToState        string
	ActorPersonID  string
	ActorAccountID string
	At             time.Time
	Reason         string
	Data           string
}

func (penaltyEventRow) TableName() string { return "penalty_events" }

// penaltyCounterRow is the register of decision numbers of an issuing unit for a year
// (penalty_decision_counters): next_number is the number the next decision takes.
type penaltyCounterRow struct {
	OrgID         string `gorm:"primaryKey"`
	IssuingUnitID string `gorm:"primaryKey"`
	Year          int    `gorm:"primaryKey"`
	NextNumber    int
}

func (penaltyCounterRow) TableName() string { return "penalty_decision_counters" }

// queueLast is the queue's sort key of a case whose decision period cannot be counted (no rule in
// force): it sorts after every other.
var queueLast = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// dueAt is the instant a period ends, or NULL when it does not run or its rule is missing.
func dueAt(t time.Time) *time.Time { return pdTimePtr(t) }

// penaltyRowOf is the row of a case: the stored form and the columns the lists use.
func penaltyRowOf(c penalty.Case, now time.Time) (penaltyCaseRow, error) {
	data, err := json.Marshal(toPDCase(c))
	if err != nil {
		return penaltyCaseRow{}, err
	}
	dec, err := decisionJSON(c.Decision)
	if err != nil {
		return penaltyCaseRow{}, err
	}
	ev, err := json.Marshal(orEmpty(c.Record.EvidenceIDs))
	if err != nil {
		return penaltyCaseRow{}, err
	}
	dl := c.Dues.Deadlines()
	row := penaltyCaseRow{ID: c.ID, OrgID: c.OrgID, CampaignID: c.CampaignID, RecordID: c.Record.ID, RecordIssuingUnitID: c.Record.IssuingUnitID,
		RecordYear: c.Record.Year, RecordNumber: c.Record.Number, RecordDrawnUpAt: pdTime(c.Record.DrawnUpAt), SubjectID: c.Subject.ID,
		SubjectKind: string(c.Subject.Kind), SubjectName: c.Subject.Name, State: string(c.State), Track: string(c.Track), Version: c.Version,
		OpenedAt: pdTime(c.OpenedAt), EvidenceIDs: string(ev), DecisionDueAt: dueAt(dl.Decision), ExplanationDueAt: dueAt(dl.Explanation),
		SendDueAt: dueAt(dl.Send), NationalReportDueAt: dueAt(dl.NationalReport), PaymentDueAt: dueAt(dl.Payment),
		EnforcementLimitAt: dueAt(dl.EnforcementLimit), NextDueAt: dueAt(dl.Next()), Decision: dec, Data: string(data),
		CreatedAt: pdTime(now), UpdatedAt: pdTime(now)}
	if slices.Contains(penalty.QueueStates, c.State) {
		key := queueLast
		if !dl.Decision.IsZero() {
			key = pdTime(dl.Decision)
		}
		row.QueueAt = &key
	}
	if c.Approval != nil {
		row.Total = c.Approval.Total
	}
	if d := c.Decision; d != nil {
		unit, year, number := d.IssuingUnitID, d.Year, d.Number
		row.DecisionIssuingUnitID, row.DecisionYear, row.DecisionNumber, row.DecisionIssuedAt = &unit, &year, &number, pdTimePtr(d.IssuedAt)
	}
	return row, nil
}

// domain is the case a row holds.
func (r penaltyCaseRow) domain() (penalty.Case, error) {
	var p pdCase
	if err := json.Unmarshal([]byte(r.Data), &p); err != nil {
		return penalty.Case{}, fmt.Errorf("penalty case %s: stored data: %w", r.ID, err)
	}
	if p.Format != pdFormat {
		return penalty.Case{}, fmt.Errorf("penalty case %s: stored in format %d, this binary reads %d", r.ID, p.Format, pdFormat)
	}
	c, err := p.domain()
	if err != nil {
		return penalty.Case{}, fmt.Errorf("penalty case %s: stored data: %w", r.ID, err)
	}
	return c, nil
}

// eventRowOf is the row of an event.
func eventRowOf(e penalty.Event) (penaltyEventRow, error) {
	data := "{}"
	if len(e.Data) > 0 {
		b, err := json.Marshal(e.Data)
		if err != nil {
			return penaltyEventRow{}, err
		}
		data = string(b)
	}
	return penaltyEventRow{OrgID: e.OrgID, CaseID: e.CaseID, Version: e.Version, Action: string(e.Action), FromState: string(e.From),
		ToState: string(e.To), ActorPersonID: e.By.PersonID, ActorAccountID: e.By.AccountID, At: pdTime(e.At), Reason: e.Reason, Data: data}, nil
}

// PenaltyRules reads the rules of penalty cases: the legal catalogue with the dated rules it does not
// hold yet (penalty.RulesOf: provisional figures, marked unconfirmed) (penalty.Store).
func (s *Store) PenaltyRules(ctx context.Context) (penalty.Rules, error) {
	cat, err := s.LegalCatalogue(ctx)
	if err != nil {
		return penalty.Rules{}, errs.E(errs.Op("gormstore.PenaltyRules"), err)
	}
	return penalty.RulesOf(cat), nil
}

// Case reads one of the organisation's cases (penalty.Store).
func (s *Store) Case(ctx context.Context, orgID, id string) (penalty.Case, error) {
	const op = "gormstore.Case"
	var row penaltyCaseRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&row).Error; err != nil {
		return penalty.Case{}, wrap(op, err, errs.CodePenaltyCaseNotFound)
	}
	c, err := row.domain()
	if err != nil {
		return penalty.Case{}, errs.E(errs.Op(op), err)
	}
	return c, nil
}

// CreateCase stores a new case with its first event and that event's audit entry, in one
// transaction (penalty.Store). A record another case holds already is errs.Conflict,
// penalty_case_exists.
func (s *Store) CreateCase(ctx context.Context, c penalty.Case, e penalty.Event) error {
	const op = errs.Op("gormstore.CreateCase")
	if c.ID == "" || c.OrgID == "" || c.Version != 1 || e.CaseID != c.ID || e.Version != 1 {
		return errs.E(op, errs.Internal, fmt.Sprintf("case %q version %d with event of case %q version %d", c.ID, c.Version, e.CaseID, e.Version))
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		var held int64
		if err := tx.Model(&penaltyCaseRecordRow{}).Where("org_id = ? AND record_id = ?", c.OrgID, c.Record.ID).Count(&held).Error; err != nil {
			return err
		}
		if held > 0 {
			return errs.E(errs.Conflict, errs.CodePenaltyCaseExists, "record "+c.Record.ID)
		}
		row, err := penaltyRowOf(c, s.clock.Now())
		if err != nil {
			return err
		}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Create(&penaltyCaseRecordRow{OrgID: c.OrgID, RecordID: c.Record.ID, CaseID: c.ID, AddedVersion: 1}).Error; err != nil {
			return err
		}
		return s.penaltyEvent(tx, e)
	})
	if err = translate(err, ""); errs.Is(errs.Conflict, err) && errs.CodeOf(err) == "" {
		err = errs.E(errs.Conflict, errs.CodePenaltyCaseExists, err) // the record's row was taken concurrently
	}
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// penaltyEvent writes an event and its audit entry.
func (s *Store) penaltyEvent(tx *gorm.DB, e penalty.Event) error {
	row, err := eventRowOf(e)
	if err != nil {
		return err
	}
	if err := tx.Create(&row).Error; err != nil {
		return err
	}
	return s.appendAudit(tx, e.AuditEntry())
}

// penaltyRegister takes decision numbers inside the transaction that issues (penalty.DecisionRegister).
type penaltyRegister struct {
	s     *Store
	tx    *gorm.DB
	orgID string
}

// NextDecisionNumber takes the next number of the issuing unit's register for the year: the counter
// row is created at 1 when missing and locked (FOR UPDATE on PostgreSQL, the single writer on
// SQLite) until the transaction ends, so concurrent issues queue on it; a transaction that fails
// gives its number back.
func (r *penaltyRegister) NextDecisionNumber(issuingUnitID string, year int) (int, error) {
	c := penaltyCounterRow{OrgID: r.orgID, IssuingUnitID: issuingUnitID, Year: year, NextNumber: 1}
	if err := r.tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&c).Error; err != nil {
		if errs.Is(errs.Invalid, translate(err, "")) {
			return 0, errs.E(errs.NotFound, errs.CodeIssuingUnitNotFound, "issuing unit "+issuingUnitID)
		}
		return 0, err
	}
	where := r.tx.Where("org_id = ? AND issuing_unit_id = ? AND year = ?", r.orgID, issuingUnitID, year)
	if err := r.s.lockForUpdate(where).Take(&c).Error; err != nil {
		return 0, err
	}
	if err := r.tx.Model(&penaltyCounterRow{}).Where("org_id = ? AND issuing_unit_id = ? AND year = ?", r.orgID, issuingUnitID, year).
		Update("next_number", c.NextNumber+1).Error; err != nil {
		return 0, err
	}
	return c.NextNumber, nil
}

// UpdateCase runs one transition of a case in a write transaction (penalty.Store): the row is read
// under its lock (FOR UPDATE on PostgreSQL; SQLite's single writer), fn gets the case and the
// register of decision numbers of the same transaction, and the case fn returns is written only if
// it is the next version of the one read and the row is still at that version (otherwise
// penalty_version_conflict). An issued decision never changes: a write that would change or drop it
// is refused with decision_immutable (and by the database's trigger). The event and its audit entry
// are written in the same transaction, and the chief's acts on the record reach the phones: a return
// sets the record returned with the comments, an approval approved, a rejection rejected (ChiefAct).
// An error from fn rolls everything back, a decision number taken included.
func (s *Store) UpdateCase(ctx context.Context, orgID, id string, fn func(penalty.Case, penalty.DecisionRegister) (penalty.Case, penalty.Event, error)) (penalty.Case, error) {
	const op = errs.Op("gormstore.UpdateCase")
	var out penalty.Case
	err := s.write(ctx, func(tx *gorm.DB) error {
		var row penaltyCaseRow
		if err := s.lockForUpdate(tx.Where("org_id = ? AND id = ?", orgID, id)).Take(&row).Error; err != nil {
			return translate(err, errs.CodePenaltyCaseNotFound)
		}
		cur, err := row.domain()
		if err != nil {
			return err
		}
		next, e, err := fn(cur, &penaltyRegister{s: s, tx: tx, orgID: orgID})
		if err != nil {
			return err
		}
		if next.ID != cur.ID || next.OrgID != cur.OrgID || next.Version != row.Version+1 || e.Version != next.Version || e.CaseID != cur.ID {
			return errs.E(errs.Conflict, errs.CodeCaseVersionConflict,
				fmt.Sprintf("case %s is at version %d; the write was of version %d", id, row.Version, next.Version))
		}
		now := s.clock.Now()
		nrow, err := penaltyRowOf(next, now)
		if err != nil {
			return err
		}
		if row.Decision != "" && nrow.Decision != row.Decision {
			return errs.E(errs.Conflict, errs.CodeDecisionImmutable, fmt.Sprintf("case %s: decision %d/%d is issued and never changes", id,
				derefInt(row.DecisionNumber), derefInt(row.DecisionYear)))
		}
		nrow.CreatedAt = row.CreatedAt
		res := tx.Model(&penaltyCaseRow{}).Where("org_id = ? AND id = ? AND version = ?", orgID, id, row.Version).Select("*").Omit("id", "org_id", "created_at").Updates(&nrow)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return errs.E(errs.Conflict, errs.CodeCaseVersionConflict, fmt.Sprintf("case %s changed under its lock", id))
		}
		if next.Record.ID != cur.Record.ID {
			if err := tx.Create(&penaltyCaseRecordRow{OrgID: orgID, RecordID: next.Record.ID, CaseID: id, AddedVersion: next.Version}).Error; err != nil {
				if errs.Is(errs.Conflict, translate(err, "")) {
					return errs.E(errs.Conflict, errs.CodePenaltyCaseExists, "record "+next.Record.ID+" belongs to another case")
				}
				return err
			}
		}
		if err := s.penaltyEvent(tx, e); err != nil {
			return err
		}
		switch e.Action {
		case penalty.ActionIssue:
			if err := s.issuedDecision(tx, next, now); err != nil {
				return err
			}
		case penalty.ActionReport:
			if err := markNationalReport(tx, next); err != nil {
				return err
			}
		}
		if status, ok := recordStatusOf[e.Action]; ok {
			if _, err := s.chiefRecordAct(tx, orgID, next.Record.ID, status, e.Reason, e.By.PersonID, stamp(now)); err != nil {
				return err
			}
		}
		out = next
		return nil
	})
	if err != nil {
		return penalty.Case{}, wrap(string(op), err, "")
	}
	return out, nil
}

// recordStatusOf is the status a chief's act gives the violation record, which the phones of the
// team pull (the record's own chain records it too).
var recordStatusOf = map[penalty.Action]string{
	penalty.ActionReturn:  recordReturned,
	penalty.ActionApprove: recordApproved,
	penalty.ActionReject:  recordRejected,
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// SubjectDecisions lists the issued decisions against one of the organisation's subjects
// (penalty.Store).
func (s *Store) SubjectDecisions(ctx context.Context, orgID, subjectID string) ([]penalty.PriorDecision, error) {
	const op = "gormstore.SubjectDecisions"
	var rows []penaltyCaseRow
	if err := s.read(ctx).Where("org_id = ? AND subject_id = ? AND decision <> ''", orgID, subjectID).Order("decision_issued_at, id").
		Find(&rows).Error; err != nil {
		return nil, wrap(op, err, "")
	}
	var out []penalty.PriorDecision
	for _, r := range rows {
		c, err := r.domain()
		if err != nil {
			return nil, errs.E(errs.Op(op), err)
		}
		if p, ok := c.Prior(); ok {
			out = append(out, p)
		}
	}
	return out, nil
}

// DeliveredPaymentEnded lists the organisation's delivered cases whose payment period ended at or
// before t (penalty.Store).
func (s *Store) DeliveredPaymentEnded(ctx context.Context, orgID string, t time.Time) ([]string, error) {
	var ids []string
	err := s.read(ctx).Model(&penaltyCaseRow{}).Where("org_id = ? AND state = ? AND payment_due_at <= ?", orgID, string(penalty.Delivered), pdTime(t)).
		Order("payment_due_at, id").Pluck("id", &ids).Error
	return ids, wrap("gormstore.DeliveredPaymentEnded", err, "")
}

// CaseOfRecord finds the case that holds a version of the record (penalty.RecordSource).
func (s *Store) CaseOfRecord(ctx context.Context, orgID, recordID string) (penalty.Case, bool, error) {
	const op = "gormstore.CaseOfRecord"
	var ids []string
	if err := s.read(ctx).Model(&penaltyCaseRecordRow{}).Where("org_id = ? AND record_id = ?", orgID, recordID).Limit(1).
		Pluck("case_id", &ids).Error; err != nil {
		return penalty.Case{}, false, wrap(op, err, "")
	}
	if len(ids) == 0 {
		return penalty.Case{}, false, nil
	}
	c, err := s.Case(ctx, orgID, ids[0])
	if err != nil {
		return penalty.Case{}, false, errs.E(errs.Op(op), err)
	}
	return c, true, nil
}

// ArrivedEvidence tells which of the organisation's evidence references have arrived, stored and
// verified (penalty.EvidenceReader).
func (s *Store) ArrivedEvidence(ctx context.Context, orgID string, ids []string) (map[string]bool, error) {
	out := map[string]bool{}
	if err := s.arrivedEvidence(s.read(ctx), orgID, ids, out); err != nil {
		return nil, wrap("gormstore.ArrivedEvidence", err, "")
	}
	return out, nil
}

func (s *Store) arrivedEvidence(db *gorm.DB, orgID string, ids []string, into map[string]bool) error {
	for chunk := range slices.Chunk(ids, 500) {
		var got []string
		if err := db.Model(&evidenceRefRow{}).Where("org_id = ? AND id IN ? AND state = ?", orgID, chunk, "stored").Pluck("id", &got).Error; err != nil {
			return err
		}
		for _, id := range got {
			into[id] = true
		}
	}
	return nil
}

// penaltyListColumns are the columns a list reads: not the case's data.
var penaltyListColumns = []string{"id", "org_id", "campaign_id", "record_id", "record_issuing_unit_id", "record_year", "record_number",
	"record_drawn_up_at", "subject_id", "subject_kind", "subject_name", "state", "track", "version", "opened_at", "total", "evidence_ids",
	"decision_due_at", "explanation_due_at", "send_due_at", "national_report_due_at", "payment_due_at", "enforcement_limit_at",
	"decision_issuing_unit_id", "decision_year", "decision_number", "decision_issued_at"}

// CaseQueue lists the organisation's cases in one of states (penalty.Lister). The chief's queue
// (penalty.QueueStates) reads the index on queue_at: the earliest end of the decision period first,
// those that cannot be counted last; other states, by when the case opened.
func (s *Store) CaseQueue(ctx context.Context, orgID string, states []penalty.State, page paging.Page) ([]penalty.Summary, int, error) {
	if len(states) == len(penalty.QueueStates) && !slices.ContainsFunc(states, func(st penalty.State) bool { return !slices.Contains(penalty.QueueStates, st) }) {
		return s.penaltyList(ctx, "gormstore.CaseQueue", orgID, func(db *gorm.DB) *gorm.DB {
			return db.Where("org_id = ? AND queue_at IS NOT NULL", orgID)
		}, "queue_at, id", page)
	}
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = string(st)
	}
	return s.penaltyList(ctx, "gormstore.CaseQueue", orgID, func(db *gorm.DB) *gorm.DB {
		return db.Where("org_id = ? AND state IN ?", orgID, names)
	}, "opened_at, id", page)
}

// OverdueCases lists the organisation's cases with a duty whose period ended at or before t, the
// earliest first (penalty.Lister).
func (s *Store) OverdueCases(ctx context.Context, orgID string, t time.Time, page paging.Page) ([]penalty.Summary, int, error) {
	return s.penaltyList(ctx, "gormstore.OverdueCases", orgID, func(db *gorm.DB) *gorm.DB {
		return db.Where("org_id = ? AND next_due_at <= ?", orgID, pdTime(t))
	}, "next_due_at, id", page)
}

// penaltyList reads one page of a list and its total from the columns, with the evidence of each
// case's record. The page's IDs are read first, from the index that orders the list (a deep page
// skips index entries, not rows), then their rows.
func (s *Store) penaltyList(ctx context.Context, op, orgID string, where func(*gorm.DB) *gorm.DB, order string, page paging.Page) ([]penalty.Summary, int, error) {
	db := s.read(ctx)
	var total int64
	if err := where(db.Model(&penaltyCaseRow{})).Count(&total).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	var ids []string
	if total > int64(page.Offset) {
		if err := where(db.Model(&penaltyCaseRow{})).Order(order).Limit(page.Limit).Offset(page.Offset).Pluck("id", &ids).Error; err != nil {
			return nil, 0, wrap(op, err, "")
		}
	}
	var rows []penaltyCaseRow
	if len(ids) > 0 {
		if err := db.Select(penaltyListColumns).Where("org_id = ? AND id IN ?", orgID, ids).Find(&rows).Error; err != nil {
			return nil, 0, wrap(op, err, "")
		}
	}
	at := make(map[string]int, len(ids))
	for i, id := range ids {
		at[id] = i
	}
	slices.SortFunc(rows, func(a, b penaltyCaseRow) int { return at[a.ID] - at[b.ID] })
	out := make([]penalty.Summary, len(rows))
	var evidence []string
	for i, r := range rows {
		sum, err := r.summary()
		if err != nil {
			return nil, 0, errs.E(errs.Op(op), err)
		}
		out[i] = sum
		evidence = append(evidence, sum.Record.EvidenceIDs...)
	}
	arrived := map[string]bool{}
	if err := s.arrivedEvidence(db, orgID, evidence, arrived); err != nil {
		return nil, 0, wrap(op, err, "")
	}
	for i := range out {
		out[i].Evidence = penalty.EvidenceOf(out[i].Record.EvidenceIDs, arrived)
	}
	return out, int(total), nil
}

// summary is the case as the lists show it, from the row's columns.
func (r penaltyCaseRow) summary() (penalty.Summary, error) {
	var ev []string
	if err := json.Unmarshal([]byte(r.EvidenceIDs), &ev); err != nil {
		return penalty.Summary{}, fmt.Errorf("penalty case %s: evidence_ids: %w", r.ID, err)
	}
	at := func(p *time.Time) time.Time {
		if p == nil {
			return time.Time{}
		}
		return p.UTC()
	}
	sum := penalty.Summary{ID: r.ID, CampaignID: r.CampaignID, State: penalty.State(r.State), Track: penalty.Track(r.Track), Version: r.Version,
		Record: penalty.Record{ID: r.RecordID, IssuingUnitID: r.RecordIssuingUnitID, Year: r.RecordYear, Number: r.RecordNumber,
			DrawnUpAt: r.RecordDrawnUpAt.UTC(), EvidenceIDs: ev},
		Subject:  penalty.Subject{ID: r.SubjectID, Kind: legal.SubjectKind(r.SubjectKind), Name: r.SubjectName},
		OpenedAt: r.OpenedAt.UTC(), Total: r.Total,
		Deadlines: penalty.Deadlines{Decision: at(r.DecisionDueAt), Explanation: at(r.ExplanationDueAt), Send: at(r.SendDueAt),
			NationalReport: at(r.NationalReportDueAt), Payment: at(r.PaymentDueAt), EnforcementLimit: at(r.EnforcementLimitAt)}}
	if r.DecisionNumber != nil {
		sum.Decision = &penalty.DecisionRef{IssuingUnitID: derefString(r.DecisionIssuingUnitID), Year: derefInt(r.DecisionYear),
			Number: *r.DecisionNumber, IssuedAt: at(r.DecisionIssuedAt)}
	}
	return sum, nil
}

func derefString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
