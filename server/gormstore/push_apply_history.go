package gormstore

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// siteHistoryLength is how many of a site's latest visits its history shows.
const siteHistoryLength = 20

// siteHistoryData is schemas/sync-site-history.schema.json: what an inspector arriving at a site sees
// of its earlier visits (dataset sites, entity site_history, scope site/<id>, entity ID the site's).
type siteHistoryData struct {
	SiteID string             `json:"site_id"`
	Visits []siteHistoryVisit `json:"visits"`
}

type siteHistoryVisit struct {
	VisitID        string              `json:"visit_id"`
	Date           string              `json:"date"`
	CampaignID     string              `json:"campaign_id"`
	CampaignNumber string              `json:"campaign_number"`
	Status         string              `json:"status"`
	Findings       int                 `json:"findings"`
	ViolationCodes []string            `json:"violation_codes"`
	Records        []siteHistoryRecord `json:"records"`
}

type siteHistoryRecord struct {
	ID            string `json:"id"`
	IssuingUnitID string `json:"issuing_unit_id"`
	Year          int    `json:"year"`
	Number        int    `json:"number"`
	Status        string `json:"status"`
}

// recordSiteHistory records a site's history as the transaction holds it: its latest visits that
// took place (see inHistory), the latest first, each with its campaign's number, how many findings
// (from the checklist and noted by hand) it gave, the violation codes they and its records name, and
// its records' numbers. Called when a visit at the site enters or leaves the history, its findings
// change while in it, or one of its records is saved.
func (s *Store) recordSiteHistory(db *gorm.DB, orgID, siteID string) error {
	const op = errs.Op("gormstore.recordSiteHistory")
	// Read what the last writer of this history committed, and keep the next one waiting until this
	// transaction ends: two pushes at one site must not each write a history missing the other's change.
	if err := s.lockChanges(db, []syncfeed.Change{{OrgID: orgID, Dataset: syncfeed.Sites, Scope: syncfeed.SiteScope(siteID),
		EntityType: syncfeed.EntitySiteHistory, EntityID: siteID}}); err != nil {
		return errs.E(op, err)
	}
	var visits []struct {
		ID, VisitDate, Status, CampaignID, Number string
	}
	err := db.Raw(`SELECT v.id, v.visit_date, v.status, v.campaign_id, c.number FROM visits v
		JOIN campaigns c ON c.org_id = v.org_id AND c.id = v.campaign_id
		WHERE v.org_id = ? AND v.site_id = ? AND v.status IN ? ORDER BY v.visit_date DESC, v.id DESC LIMIT ?`,
		orgID, siteID, []string{string(campaign.VisitWaitingLab), string(campaign.VisitCompleted)}, siteHistoryLength).Scan(&visits).Error
	if err != nil {
		return errs.E(op, err)
	}
	d := siteHistoryData{SiteID: siteID, Visits: make([]siteHistoryVisit, len(visits))}
	ids := make([]string, len(visits))
	index := make(map[string]*siteHistoryVisit, len(visits))
	codes := make(map[string][]string, len(visits))
	for i, v := range visits {
		d.Visits[i] = siteHistoryVisit{VisitID: v.ID, Date: adminunit.FormatDay(dayOf(&v.VisitDate)), CampaignID: v.CampaignID,
			CampaignNumber: v.Number, Status: v.Status, Records: []siteHistoryRecord{}}
		ids[i] = v.ID
		index[v.ID] = &d.Visits[i]
	}
	if len(ids) > 0 {
		var findings []visitFindingRow
		if err := db.Select("visit_id", "violation_codes").Where("org_id = ? AND visit_id IN ?", orgID, ids).Find(&findings).Error; err != nil {
			return errs.E(op, err)
		}
		for _, f := range findings {
			index[f.VisitID].Findings++
			if f.ViolationCodes != "" {
				codes[f.VisitID] = append(codes[f.VisitID], strings.Split(f.ViolationCodes, ",")...)
			}
		}
		var manual []manualFindingRow
		if err := db.Select("visit_id", "data").Where("org_id = ? AND visit_id IN ?", orgID, ids).Find(&manual).Error; err != nil {
			return errs.E(op, err)
		}
		for _, m := range manual {
			index[m.VisitID].Findings++
			var c findingContent
			_ = json.Unmarshal([]byte(m.Data), &c)
			codes[m.VisitID] = append(codes[m.VisitID], c.ViolationCodes...)
		}
		var records []violationRecordRow
		if err := db.Select("id", "visit_id", "issuing_unit_id", "year", "number", "status", "data").
			Where("org_id = ? AND visit_id IN ?", orgID, ids).Find(&records).Error; err != nil {
			return errs.E(op, err)
		}
		for _, r := range records {
			v := index[r.VisitID]
			v.Records = append(v.Records, siteHistoryRecord{ID: r.ID, IssuingUnitID: r.IssuingUnitID, Year: r.Year, Number: r.Number, Status: r.Status})
			var c recordContent
			_ = json.Unmarshal([]byte(r.Data), &c)
			for _, vi := range c.Violations {
				codes[r.VisitID] = append(codes[r.VisitID], vi.Code)
			}
		}
	}
	for i := range d.Visits {
		v := &d.Visits[i]
		v.ViolationCodes = orEmpty(slices.Compact(slices.Sorted(slices.Values(codes[v.VisitID]))))
		slices.SortFunc(v.Records, func(a, b siteHistoryRecord) int {
			return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.IssuingUnitID, b.IssuingUnitID), cmp.Compare(a.Number, b.Number))
		})
	}
	b, err := json.Marshal(d)
	if err != nil {
		return errs.E(op, err)
	}
	return s.recordChange(db, syncfeed.Change{Dataset: syncfeed.Sites, EntityType: syncfeed.EntitySiteHistory, EntityID: siteID,
		OrgID: orgID, Scope: syncfeed.SiteScope(siteID), Op: syncfeed.OpUpsert, Data: b})
}
