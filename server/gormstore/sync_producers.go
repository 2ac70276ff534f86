package gormstore

import (
	"slices"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// The registry's part of the change log: what a registry transaction records for phones. A subject
// is sent as itself; a site is sent whole, with its units, instruments and licences, whenever any of
// them changes. The other producers are beside their writes (campaigns.go, checklists.go, legal.go,
// numbering.go).

// registryChunk bounds the IDs of one IN list when a large import records its sites.
const registryChunk = 500

// formerSites returns the sites that the instruments and licences c updates are at before the update:
// one that moves leaves its old site, which must be sent again without it.
func formerSites(tx *gorm.DB, orgID string, c registry.Changes) ([]string, error) {
	var out []string
	read := func(model any, ids []string) error {
		for chunk := range slices.Chunk(ids, registryChunk) {
			var sites []*string
			if err := tx.Model(model).Where("org_id = ? AND id IN ?", orgID, chunk).Pluck("site_id", &sites).Error; err != nil {
				return err
			}
			for _, s := range sites {
				if s != nil && *s != "" {
					out = append(out, *s)
				}
			}
		}
		return nil
	}
	ids := make([]string, len(c.UpdateInstruments))
	for i, x := range c.UpdateInstruments {
		ids[i] = x.ID
	}
	if err := read(&instrumentRow{}, ids); err != nil {
		return nil, err
	}
	ids = ids[:0]
	for _, x := range c.UpdateLicences {
		ids = append(ids, x.ID)
	}
	if err := read(&licenceRow{}, ids); err != nil {
		return nil, err
	}
	return out, nil
}

// recordRegistryChanges records, once c is written in tx, each subject it creates or updates and each
// site it touches: the sites it creates or updates, those of the instruments and licences it creates
// or updates, and former, the sites those instruments and licences left.
func (s *Store) recordRegistryChanges(tx *gorm.DB, orgID string, c registry.Changes, former []string) error {
	var changes []syncfeed.Change
	for _, x := range slices.Concat(c.CreateSubjects, c.UpdateSubjects) {
		x.OrgID = orgID
		change, err := syncdata.SubjectChange(x)
		if err != nil {
			return err
		}
		changes = append(changes, change)
	}
	if err := s.recordChanges(tx, changes); err != nil {
		return err
	}
	sites := slices.Clone(former)
	for _, x := range slices.Concat(c.CreateSites, c.UpdateSites) {
		sites = append(sites, x.ID)
	}
	for _, x := range slices.Concat(c.CreateInstruments, c.UpdateInstruments) {
		sites = append(sites, x.SiteID)
	}
	for _, x := range slices.Concat(c.CreateLicences, c.UpdateLicences) {
		if x.SiteID != "" {
			sites = append(sites, x.SiteID)
		}
	}
	slices.Sort(sites)
	return s.recordSites(tx, orgID, slices.Compact(sites))
}

// recordSites records each of the sites of the organisation as tx now holds it, with its units,
// instruments and licences: four queries per registryChunk sites.
func (s *Store) recordSites(tx *gorm.DB, orgID string, ids []string) error {
	for chunk := range slices.Chunk(ids, registryChunk) {
		var rows []siteRow
		if err := tx.Where("org_id = ? AND id IN ?", orgID, chunk).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		sites, err := withUnits(tx, orgID, rows)
		if err != nil {
			return err
		}
		var irows []instrumentRow
		if err := tx.Where("org_id = ? AND site_id IN ?", orgID, chunk).Find(&irows).Error; err != nil {
			return err
		}
		var lrows []licenceRow
		if err := tx.Where("org_id = ? AND site_id IN ?", orgID, chunk).Find(&lrows).Error; err != nil {
			return err
		}
		instruments := map[string][]registry.Instrument{}
		for _, r := range irows {
			instruments[r.SiteID] = append(instruments[r.SiteID], r.domain())
		}
		licences := map[string][]registry.Licence{}
		for _, r := range lrows {
			l := r.domain()
			licences[l.SiteID] = append(licences[l.SiteID], l)
		}
		changes := make([]syncfeed.Change, 0, len(sites))
		for _, site := range sites {
			change, err := syncdata.SiteChange(site, instruments[site.ID], licences[site.ID])
			if err != nil {
				return err
			}
			changes = append(changes, change)
		}
		if err := s.recordChanges(tx, changes); err != nil {
			return err
		}
	}
	return nil
}
