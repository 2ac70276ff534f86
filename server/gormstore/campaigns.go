package gormstore

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
)

type campaignRow struct {
	ID                string `gorm:"primaryKey"`
	OrgID             string
	Number            string
	DecisionDate      string
	Title             string
	Kind              string
	Origin            string
	Sectors           string
	PeriodFrom        string
	PeriodTo          string
	ConclusionNumber  *string
	ConclusionDate    *string
	ConclusionSummary *string
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (campaignRow) TableName() string { return "campaigns" }

type campaignMemberRow struct {
	OrgID      string
	CampaignID string `gorm:"primaryKey"`
	PersonID   string `gorm:"primaryKey"`
	Role       string
}

func (campaignMemberRow) TableName() string { return "campaign_members" }

type campaignSubjectRow struct {
	OrgID      string
	CampaignID string `gorm:"primaryKey"`
	SubjectID  string `gorm:"primaryKey"`
}

func (campaignSubjectRow) TableName() string { return "campaign_subjects" }

type campaignSiteRow struct {
	OrgID            string
	CampaignID       string `gorm:"primaryKey"`
	SiteID           string `gorm:"primaryKey"`
	AssigneePersonID *string
}

func (campaignSiteRow) TableName() string { return "campaign_sites" }

type visitRow struct {
	ID               string `gorm:"primaryKey"`
	OrgID            string
	CampaignID       string
	SiteID           string
	VisitDate        string
	LeaderPersonID   *string
	ChecklistCode    string
	ChecklistVersion int
	Status           string
	GPSLat           *float64 `gorm:"column:gps_lat"`
	GPSLon           *float64 `gorm:"column:gps_lon"`
	GPSAccuracy      *float64 `gorm:"column:gps_accuracy"`
	UnitCode         string
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

func (visitRow) TableName() string { return "visits" }

type planTargetRow struct {
	OrgID  string `gorm:"primaryKey"`
	Year   int    `gorm:"primaryKey"`
	Sector string `gorm:"primaryKey"`
	Metric string `gorm:"primaryKey"`
	Value  int
}

func (planTargetRow) TableName() string { return "plan_targets" }

func campaignToRows(c campaign.Campaign) (campaignRow, []campaignMemberRow, []campaignSubjectRow, []campaignSiteRow) {
	sectors := make([]string, len(c.Sectors))
	for i, s := range c.Sectors {
		sectors[i] = string(s)
	}
	r := campaignRow{ID: c.ID, OrgID: c.OrgID, Number: c.Number, DecisionDate: adminunit.FormatDay(c.DecisionDate), Title: c.Title,
		Kind: string(c.Kind), Origin: string(c.Origin), Sectors: strings.Join(sectors, ","), PeriodFrom: adminunit.FormatDay(c.PeriodFrom),
		PeriodTo: adminunit.FormatDay(c.PeriodTo), CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if k := c.Conclusion; k != nil {
		r.ConclusionNumber, r.ConclusionDate, r.ConclusionSummary = &k.Number, dayText(k.Date), &k.Summary
	}
	members := make([]campaignMemberRow, len(c.Team))
	for i, m := range c.Team {
		members[i] = campaignMemberRow{OrgID: c.OrgID, CampaignID: c.ID, PersonID: m.PersonID, Role: string(m.Role)}
	}
	subjects := make([]campaignSubjectRow, len(c.SubjectIDs))
	for i, s := range c.SubjectIDs {
		subjects[i] = campaignSubjectRow{OrgID: c.OrgID, CampaignID: c.ID, SubjectID: s}
	}
	sites := make([]campaignSiteRow, len(c.SiteIDs))
	for i, s := range c.SiteIDs {
		sites[i] = campaignSiteRow{OrgID: c.OrgID, CampaignID: c.ID, SiteID: s}
		for _, a := range c.Assignments {
			if a.SiteID == s {
				p := a.PersonID
				sites[i].AssigneePersonID = &p
			}
		}
	}
	return r, members, subjects, sites
}

func (r campaignRow) domain() campaign.Campaign {
	c := campaign.Campaign{ID: r.ID, OrgID: r.OrgID, Number: r.Number, DecisionDate: dayOf(&r.DecisionDate), Title: r.Title,
		Kind: campaign.Kind(r.Kind), Origin: campaign.Origin(r.Origin), PeriodFrom: dayOf(&r.PeriodFrom), PeriodTo: dayOf(&r.PeriodTo),
		CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	for _, s := range strings.Split(r.Sectors, ",") {
		if s != "" {
			c.Sectors = append(c.Sectors, campaign.Sector(s))
		}
	}
	if r.ConclusionNumber != nil {
		c.Conclusion = &campaign.Conclusion{Number: *r.ConclusionNumber, Date: dayOf(r.ConclusionDate)}
		if r.ConclusionSummary != nil {
			c.Conclusion.Summary = *r.ConclusionSummary
		}
	}
	return c
}

// SaveCampaign stores a new campaign, or replaces one with its team, subjects, sites and assignments
// (its conclusion too), in one transaction with its audit event and its change for the phones of its
// team (dataset assignments).
func (s *Store) SaveCampaign(ctx context.Context, c campaign.Campaign, e audit.Entry) error {
	r, members, subjects, sites := campaignToRows(c)
	err := s.write(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&campaignRow{}).Where("org_id = ? AND id = ?", c.OrgID, c.ID).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			if err := tx.Create(&r).Error; err != nil {
				return err
			}
		} else {
			if err := tx.Model(&campaignRow{}).Where("org_id = ? AND id = ?", c.OrgID, c.ID).Select("*").Omit("created_at").Updates(&r).Error; err != nil {
				return err
			}
			for _, child := range []any{&campaignMemberRow{}, &campaignSubjectRow{}, &campaignSiteRow{}} {
				if err := tx.Where("org_id = ? AND campaign_id = ?", c.OrgID, c.ID).Delete(child).Error; err != nil {
					return err
				}
			}
		}
		for _, rows := range []any{members, subjects, sites} {
			if err := tx.CreateInBatches(rows, 200).Error; err != nil {
				return err
			}
		}
		change, err := syncdata.CampaignChange(c)
		if err != nil {
			return err
		}
		if err := s.recordChange(tx, change); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	if errs.Is(errs.Conflict, translate(err, "")) {
		return errs.E(errs.Op("gormstore.SaveCampaign"), errs.Conflict, "a campaign with this number and date exists", err)
	}
	if errs.Is(errs.Invalid, translate(err, "")) {
		return errs.E(errs.Op("gormstore.SaveCampaign"), errs.Invalid, errs.CodeValidation, "a person, subject or site of another organisation or unknown", err)
	}
	return wrap("gormstore.SaveCampaign", err, "")
}

// Campaign returns one campaign of the organisation with its team, subjects, sites and assignments.
func (s *Store) Campaign(ctx context.Context, orgID, id string) (campaign.Campaign, error) {
	const op = "gormstore.Campaign"
	var r campaignRow
	if err := s.read(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&r).Error; err != nil {
		return campaign.Campaign{}, wrap(op, err, errs.CodeCampaignNotFound)
	}
	cs := []campaign.Campaign{r.domain()}
	if err := s.loadCampaignChildren(ctx, orgID, cs); err != nil {
		return campaign.Campaign{}, wrap(op, err, "")
	}
	return cs[0], nil
}

// ListCampaigns lists the organisation's campaigns that f selects, the latest decision first, with
// the total count (campaign.Reader).
func (s *Store) ListCampaigns(ctx context.Context, orgID string, f campaign.Filter, p paging.Page) ([]campaign.Campaign, int, error) {
	const op = "gormstore.ListCampaigns"
	p = p.Normal()
	q := s.read(ctx).Model(&campaignRow{}).Where("org_id = ?", orgID)
	if f.Year != 0 {
		q = q.Where("period_from <= ? AND period_to >= ?", adminunit.FormatDay(adminunit.Date(f.Year, 12, 31)), adminunit.FormatDay(adminunit.Date(f.Year, 1, 1)))
	}
	if f.Kind != "" {
		q = q.Where("kind = ?", string(f.Kind))
	}
	if f.Origin != "" {
		q = q.Where("origin = ?", string(f.Origin))
	}
	if f.Sector != "" {
		q = q.Where("(',' || sectors || ',') LIKE ?", "%,"+string(f.Sector)+",%")
	}
	if f.PersonID != "" {
		q = q.Where("id IN (?)", s.read(ctx).Model(&campaignMemberRow{}).Select("campaign_id").Where("org_id = ? AND person_id = ?", orgID, f.PersonID))
	}
	if f.Open != nil {
		if *f.Open {
			q = q.Where("conclusion_number IS NULL")
		} else {
			q = q.Where("conclusion_number IS NOT NULL")
		}
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	var rows []campaignRow
	order := map[string]string{"": "decision_date DESC", "-decision_date": "decision_date DESC", "decision_date": "decision_date",
		"number": "number", "-number": "number DESC", "period_from": "period_from", "-period_from": "period_from DESC"}[f.Sort]
	if order == "" {
		return nil, 0, errs.E(errs.Op(op), errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "sort", Code: errs.CodeInvalidSort})
	}
	if err := q.Order(order + ", id").Limit(p.Limit).Offset(p.Offset).Find(&rows).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	out := make([]campaign.Campaign, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	if err := s.loadCampaignChildren(ctx, orgID, out); err != nil {
		return nil, 0, wrap(op, err, "")
	}
	return out, int(total), nil
}

// loadCampaignChildren fills the team, subjects, sites and assignments of cs in three queries.
func (s *Store) loadCampaignChildren(ctx context.Context, orgID string, cs []campaign.Campaign) error {
	if len(cs) == 0 {
		return nil
	}
	ids := make([]string, len(cs))
	index := map[string]*campaign.Campaign{}
	for i := range cs {
		ids[i] = cs[i].ID
		index[cs[i].ID] = &cs[i]
	}
	var members []campaignMemberRow
	if err := s.read(ctx).Where("org_id = ? AND campaign_id IN ?", orgID, ids).Order("role, person_id").Find(&members).Error; err != nil {
		return err
	}
	for _, m := range members {
		c := index[m.CampaignID]
		c.Team = append(c.Team, campaign.Member{PersonID: m.PersonID, Role: campaign.TeamRole(m.Role)})
	}
	var subjects []campaignSubjectRow
	if err := s.read(ctx).Where("org_id = ? AND campaign_id IN ?", orgID, ids).Order("subject_id").Find(&subjects).Error; err != nil {
		return err
	}
	for _, x := range subjects {
		c := index[x.CampaignID]
		c.SubjectIDs = append(c.SubjectIDs, x.SubjectID)
	}
	var sites []campaignSiteRow
	if err := s.read(ctx).Where("org_id = ? AND campaign_id IN ?", orgID, ids).Order("site_id").Find(&sites).Error; err != nil {
		return err
	}
	for _, x := range sites {
		c := index[x.CampaignID]
		c.SiteIDs = append(c.SiteIDs, x.SiteID)
		if x.AssigneePersonID != nil {
			c.Assignments = append(c.Assignments, campaign.Assignment{SiteID: x.SiteID, PersonID: *x.AssigneePersonID})
		}
	}
	return nil
}

func visitToRow(v campaign.Visit) visitRow {
	r := visitRow{ID: v.ID, OrgID: v.OrgID, CampaignID: v.CampaignID, SiteID: v.SiteID, VisitDate: adminunit.FormatDay(v.Date),
		ChecklistCode: v.ChecklistCode, ChecklistVersion: v.ChecklistVersion, Status: string(v.Status), UnitCode: v.UnitCode,
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	if v.LeaderPersonID != "" {
		r.LeaderPersonID = &v.LeaderPersonID
	}
	if v.GPS != nil {
		r.GPSLat, r.GPSLon, r.GPSAccuracy = &v.GPS.Lat, &v.GPS.Lon, &v.GPS.Accuracy
	}
	return r
}

func (r visitRow) domain() campaign.Visit {
	v := campaign.Visit{ID: r.ID, OrgID: r.OrgID, CampaignID: r.CampaignID, SiteID: r.SiteID, Date: dayOf(&r.VisitDate),
		ChecklistCode: r.ChecklistCode, ChecklistVersion: r.ChecklistVersion, Status: campaign.VisitStatus(r.Status),
		UnitCode: r.UnitCode, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.LeaderPersonID != nil {
		v.LeaderPersonID = *r.LeaderPersonID
	}
	if r.GPSLat != nil && r.GPSLon != nil {
		v.GPS = &campaign.GPS{Lat: *r.GPSLat, Lon: *r.GPSLon}
		if r.GPSAccuracy != nil {
			v.GPS.Accuracy = *r.GPSAccuracy
		}
	}
	return v
}

// CreateVisit stores a new visit (version 1) with its audit event, and records it for the phones of
// its campaign's team (and its site's history when it took place already). The same ID twice is
// errs.Conflict.
func (s *Store) CreateVisit(ctx context.Context, v campaign.Visit, e audit.Entry) error {
	r := visitToRow(v)
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		if _, err := s.recordVisit(tx, v.OrgID, v.ID, inHistory(string(v.Status))); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.CreateVisit", err, "")
}

// Visit returns one visit of the organisation.
func (s *Store) Visit(ctx context.Context, orgID, id string) (campaign.Visit, error) {
	var r visitRow
	// A visit deleted from a phone (a draft made by mistake) is no visit any more.
	if err := s.read(ctx).Where("org_id = ? AND id = ? AND deleted_at IS NULL", orgID, id).Take(&r).Error; err != nil {
		return campaign.Visit{}, wrap("gormstore.Visit", err, errs.CodeVisitNotFound)
	}
	return r.domain(), nil
}

// ListVisits lists the organisation's visits that f selects, the latest first, with the total count
// (campaign.Reader).
func (s *Store) ListVisits(ctx context.Context, orgID string, f campaign.VisitFilter, p paging.Page) ([]campaign.Visit, int, error) {
	const op = "gormstore.ListVisits"
	p = p.Normal()
	q := s.read(ctx).Model(&visitRow{}).Where("org_id = ? AND deleted_at IS NULL", orgID)
	if f.CampaignID != "" {
		q = q.Where("campaign_id = ?", f.CampaignID)
	}
	if f.SiteID != "" {
		q = q.Where("site_id = ?", f.SiteID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", string(f.Status))
	}
	if !f.From.IsZero() {
		q = q.Where("visit_date >= ?", adminunit.FormatDay(f.From))
	}
	if !f.To.IsZero() {
		q = q.Where("visit_date <= ?", adminunit.FormatDay(f.To))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	var rows []visitRow
	order := map[string]string{"": "visit_date DESC", "-date": "visit_date DESC", "date": "visit_date", "status": "status",
		"-status": "status DESC"}[f.Sort]
	if order == "" {
		return nil, 0, errs.E(errs.Op(op), errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "sort", Code: errs.CodeInvalidSort})
	}
	if err := q.Order(order + ", id").Limit(p.Limit).Offset(p.Offset).Find(&rows).Error; err != nil {
		return nil, 0, wrap(op, err, "")
	}
	out := make([]campaign.Visit, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, int(total), nil
}

// MoveVisit changes a visit's status from one to another (compare and set): a visit no longer in
// status from is errs.Conflict with code visit_status_invalid. The visit's version goes up, and it is
// recorded for the phones of its campaign's team (with its site's history when it enters or leaves it).
func (s *Store) MoveVisit(ctx context.Context, orgID, id string, from, to campaign.VisitStatus, at time.Time, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&visitSyncRow{}).Where("org_id = ? AND id = ? AND status = ?", orgID, id, string(from)).
			Updates(map[string]any{"status": string(to), "updated_at": at, "version": gorm.Expr("version + 1")})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&visitRow{}).Where("org_id = ? AND id = ?", orgID, id).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return errs.E(errs.NotFound, errs.CodeVisitNotFound)
			}
			return errs.E(errs.Conflict, errs.CodeVisitStatus)
		}
		if _, err := s.recordVisit(tx, orgID, id, inHistory(string(from)) || inHistory(string(to))); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.MoveVisit", err, errs.CodeVisitNotFound)
}

// SetTarget stores a yearly plan target, replacing the one for the same year, sector and metric.
func (s *Store) SetTarget(ctx context.Context, t campaign.Target, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		r := planTargetRow{OrgID: t.OrgID, Year: t.Year, Sector: string(t.Sector), Metric: string(t.Metric), Value: t.Value}
		if err := tx.Where("org_id = ? AND year = ? AND sector = ? AND metric = ?", r.OrgID, r.Year, r.Sector, r.Metric).
			Delete(&planTargetRow{}).Error; err != nil {
			return err
		}
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.SetTarget", err, "")
}

// Targets lists the organisation's plan targets of a year.
func (s *Store) Targets(ctx context.Context, orgID string, year int) ([]campaign.Target, error) {
	var rows []planTargetRow
	if err := s.read(ctx).Where("org_id = ? AND year = ?", orgID, year).Order("sector, metric").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.Targets", err, "")
	}
	out := make([]campaign.Target, len(rows))
	for i, r := range rows {
		out[i] = campaign.Target{OrgID: r.OrgID, Year: r.Year, Sector: campaign.Sector(r.Sector), Metric: campaign.Metric(r.Metric), Value: r.Value}
	}
	return out, nil
}

type personTitleRow struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	PersonID   string
	Title      string
	ValidFrom  string
	ValidTo    *string
	CampaignID *string
	CreatedAt  time.Time
}

func (personTitleRow) TableName() string { return "person_titles" }

// AddPersonTitle stores a person's title with its audit event.
func (s *Store) AddPersonTitle(ctx context.Context, t identity.Title, e audit.Entry) error {
	r := personTitleRow{ID: t.ID, OrgID: t.OrgID, PersonID: t.PersonID, Title: t.Code, ValidFrom: adminunit.FormatDay(t.ValidFrom),
		ValidTo: dayText(t.ValidTo), CreatedAt: t.CreatedAt}
	if t.CampaignID != "" {
		r.CampaignID = &t.CampaignID
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(&r).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.AddPersonTitle", err, errs.CodePersonNotFound)
}

// PersonTitles lists a person's titles, the latest first.
func (s *Store) PersonTitles(ctx context.Context, orgID, personID string) ([]identity.Title, error) {
	var rows []personTitleRow
	if err := s.read(ctx).Where("org_id = ? AND person_id = ?", orgID, personID).Order("valid_from DESC, id").Find(&rows).Error; err != nil {
		return nil, wrap("gormstore.PersonTitles", err, "")
	}
	out := make([]identity.Title, len(rows))
	for i, r := range rows {
		out[i] = identity.Title{ID: r.ID, OrgID: r.OrgID, PersonID: r.PersonID, Code: r.Title, ValidFrom: dayOf(&r.ValidFrom),
			ValidTo: dayOf(r.ValidTo), CreatedAt: r.CreatedAt.UTC()}
		if r.CampaignID != nil {
			out[i].CampaignID = *r.CampaignID
		}
	}
	return out, nil
}

var (
	_ campaign.Store      = (*Store)(nil)
	_ campaign.Registry   = (*Store)(nil)
	_ campaign.Checklists = (*Store)(nil)
	_ campaign.Reader     = (*Store)(nil)
)

// SiteSubjects returns the subject of each site of the organisation among siteIDs, in one read
// (campaign.Registry).
func (s *Store) SiteSubjects(ctx context.Context, orgID string, siteIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(siteIDs))
	if len(siteIDs) == 0 {
		return out, nil
	}
	snap, err := s.ReadRegistry(ctx, orgID, registry.Lookup{SiteIDs: siteIDs})
	if err != nil {
		return nil, errs.E(errs.Op("gormstore.SiteSubjects"), err)
	}
	for _, site := range snap.Sites {
		out[site.ID] = site.SubjectID
	}
	return out, nil
}

// SiteUnitOn returns the code of the unit a site belonged to on a day (campaign.Registry, D15).
func (s *Store) SiteUnitOn(ctx context.Context, orgID, siteID string, day time.Time) (string, error) {
	const op = errs.Op("gormstore.SiteUnitOn")
	snap, err := s.ReadRegistry(ctx, orgID, registry.Lookup{SiteIDs: []string{siteID}})
	if err != nil {
		return "", errs.E(op, err)
	}
	if len(snap.Sites) == 0 {
		return "", errs.E(op, errs.NotFound, errs.CodeSiteNotFound)
	}
	u, ok := snap.Sites[0].UnitOn(day)
	if !ok {
		return "", errs.E(op, errs.Invalid, errs.CodeUnitNotInForce, "no unit of the site on "+adminunit.FormatDay(day))
	}
	return u.UnitCode, nil
}

// MissingSubjects returns those of ids that are no subject of the organisation (campaign.Registry).
func (s *Store) MissingSubjects(ctx context.Context, orgID string, ids []string) ([]string, error) {
	return s.missing(ctx, "subjects", orgID, ids)
}

// MissingPersons returns those of ids that are no person of the organisation (campaign.Registry).
func (s *Store) MissingPersons(ctx context.Context, orgID string, ids []string) ([]string, error) {
	return s.missing(ctx, "persons", orgID, ids)
}

func (s *Store) missing(ctx context.Context, table, orgID string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var found []string
	if err := s.read(ctx).Table(table).Where("org_id = ? AND id IN ?", orgID, ids).Pluck("id", &found).Error; err != nil {
		return nil, wrap("gormstore.missing "+table, err, "")
	}
	var out []string
	for _, id := range ids {
		if !slices.Contains(found, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

type visitAnswerRow struct {
	OrgID      string
	VisitID    string `gorm:"primaryKey"`
	AnswerKey  string `gorm:"primaryKey"`
	Value      *string
	None       bool
	Evidence   string
	RecordedAt time.Time
	RecordedBy string
}

func (visitAnswerRow) TableName() string { return "visit_answers" }

type visitFindingRow struct {
	OrgID             string
	VisitID           string `gorm:"primaryKey"`
	AnswerKey         string `gorm:"primaryKey"`
	Item              string
	Instance          string
	Value             *string
	Reason            string
	ViolationCodes    string
	Confirmed         bool
	BoundsUnconfirmed bool
}

func (visitFindingRow) TableName() string { return "visit_findings" }

func jsonText(v any) *string {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	s := string(b)
	return &s
}

func jsonValue(s *string) any {
	if s == nil {
		return nil
	}
	var v any
	if json.Unmarshal([]byte(*s), &v) != nil {
		return nil
	}
	return v
}

// VisitAnswers returns a visit's answers by key and its findings (campaign.Store).
func (s *Store) VisitAnswers(ctx context.Context, orgID, visitID string) (map[string]checklist.Answer, []checklist.Finding, error) {
	const op = "gormstore.VisitAnswers"
	var rows []visitAnswerRow
	if err := s.read(ctx).Where("org_id = ? AND visit_id = ?", orgID, visitID).Find(&rows).Error; err != nil {
		return nil, nil, wrap(op, err, "")
	}
	answers := make(map[string]checklist.Answer, len(rows))
	for _, r := range rows {
		a := checklist.Answer{Value: jsonValue(r.Value), None: r.None}
		_ = json.Unmarshal([]byte(r.Evidence), &a.Evidence)
		answers[r.AnswerKey] = a
	}
	var frows []visitFindingRow
	if err := s.read(ctx).Where("org_id = ? AND visit_id = ?", orgID, visitID).Order("answer_key").Find(&frows).Error; err != nil {
		return nil, nil, wrap(op, err, "")
	}
	findings := make([]checklist.Finding, len(frows))
	for i, r := range frows {
		findings[i] = checklist.Finding{Item: r.Item, Instance: r.Instance, Value: jsonValue(r.Value), Reason: checklist.FailReason(r.Reason),
			Confirmed: r.Confirmed, BoundsUnconfirmed: r.BoundsUnconfirmed}
		if r.ViolationCodes != "" {
			findings[i].ViolationCodes = strings.Split(r.ViolationCodes, ",")
		}
	}
	return answers, findings, nil
}

// RecordAnswers upserts answers of a visit and replaces its findings, in one transaction with the
// audit event; the visit must still have the status it had when the answers were checked. The
// console's answers win over the phones' for the same key (it saw the current ones); a value they
// replace goes to the answers' history. The visit's version goes up, and it is recorded for the
// phones of its campaign's team (with its site's history when it is part of it).
func (s *Store) RecordAnswers(ctx context.Context, v campaign.Visit, answers map[string]checklist.Answer, findings []checklist.Finding, by string, e audit.Entry) error {
	now := stamp(s.clock.Now())
	err := s.write(ctx, func(tx *gorm.DB) error {
		var cur []visitSyncRow
		if err := s.lockForUpdate(tx.Where("org_id = ? AND id = ? AND status = ?", v.OrgID, v.ID, string(v.Status))).Limit(1).Find(&cur).Error; err != nil {
			return err
		}
		if len(cur) == 0 {
			return errs.E(errs.Conflict, errs.CodeVisitStatus, "the visit changed while the answers were checked")
		}
		version := cur[0].Version + 1
		stored, err := s.answerRows(tx, v.OrgID, v.ID)
		if err != nil {
			return err
		}
		in := make(map[string]*checklist.Answer, len(answers))
		for k, a := range answers {
			in[k] = &a
		}
		winners, history, _ := mergeAnswers(v.OrgID, v.ID, stored, in, answerEdit{at: now, by: by, base: cur[0].Version,
			version: version, now: now, force: true})
		if err := tx.Model(&visitSyncRow{}).Where("org_id = ? AND id = ?", v.OrgID, v.ID).
			Updates(map[string]any{"version": version, "updated_at": now}).Error; err != nil {
			return err
		}
		if err := s.writeAnswers(tx, winners, history); err != nil {
			return err
		}
		if err := s.replaceFindings(tx, v.OrgID, v.ID, findingRows(v.OrgID, v.ID, findings)); err != nil {
			return err
		}
		if _, err := s.recordVisit(tx, v.OrgID, v.ID, inHistory(cur[0].Visit.Status)); err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.RecordAnswers", err, errs.CodeVisitNotFound)
}

func emptyStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
