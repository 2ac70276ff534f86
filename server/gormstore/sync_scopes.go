package gormstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

var (
	_ syncsvc.Scoper       = (*Store)(nil)
	_ syncsvc.IssuingUnits = (*Store)(nil)
)

// phoneScopeQuery finds, in one statement, the campaigns of the organisation whose team includes the
// person ('c'), and the sites ('s') and subjects ('j') of those campaigns (a site or subject of two of
// them comes twice). The organisation is matched on campaign_members only: a campaign ID is the
// primary key of campaigns, and campaign_sites and campaign_subjects refer to (org_id, campaign_id)
// of campaigns, so their rows of the member's campaigns are of the member's organisation. Matching it
// again on them would lead SQLite (without statistics) to scan the organisation's rows of
// campaign_sites by its assignee index instead of looking up the campaigns by primary key.
const phoneScopeQuery = `
SELECT 'c', m.campaign_id FROM campaign_members m WHERE m.org_id = ? AND m.person_id = ?
UNION ALL
SELECT 's', x.site_id FROM campaign_members m JOIN campaign_sites x ON x.campaign_id = m.campaign_id
 WHERE m.org_id = ? AND m.person_id = ?
UNION ALL
SELECT 'j', x.subject_id FROM campaign_members m JOIN campaign_subjects x ON x.campaign_id = m.campaign_id
 WHERE m.org_id = ? AND m.person_id = ?`

// PhoneScopes returns the scopes a phone of the person may pull, by dataset (syncsvc.Scoper, D3): the
// campaigns whose team includes the person, whatever their status, for assignments and visits; the
// sites and subjects of those campaigns for sites; everything of the national checklists and
// catalogue; the device's own number blocks. Each list is sorted and without repeats, so that the same
// scopes give the same cursor fingerprint; a person in no team gets empty lists for the campaign
// datasets. It is one statement.
//
// A phone asks on every pull, and a person in a campaign of 500 sites has 600 scopes: the answer is
// kept in memory under the state of the organisation's campaigns in the change log (every change of a
// team, of the sites or of the subjects of a campaign records the campaign again, so the count and the
// sum of the row IDs of the assignments dataset change). The maps returned must not be modified.
func (s *Store) PhoneScopes(ctx context.Context, orgID, personID, deviceID string) (map[string][]string, error) {
	const op = "gormstore.PhoneScopes"
	var state struct{ N, Sum int64 }
	if err := s.read(ctx).Raw("SELECT COUNT(*) AS n, COALESCE(SUM(id), 0) AS sum FROM changes WHERE org_id = ? AND dataset = ?",
		orgID, syncfeed.Assignments).Scan(&state).Error; err != nil {
		return nil, wrap(op, err, "")
	}
	cacheKey, version := orgID+"|"+personID, fmt.Sprintf("%d/%d", state.N, state.Sum)
	if e, ok := s.scopes.Load(cacheKey); ok && e.(scopeCacheEntry).version == version {
		return withDevice(e.(scopeCacheEntry).scopes, deviceID), nil
	}
	out, err := s.phoneScopes(ctx, orgID, personID)
	if err != nil {
		return nil, wrap(op, err, "")
	}
	s.scopes.Store(cacheKey, scopeCacheEntry{version: version, scopes: out})
	return withDevice(out, deviceID), nil
}

// scopeCacheEntry is a person's scopes as of a state of the organisation's campaigns.
type scopeCacheEntry struct {
	version string
	scopes  map[string][]string
}

// withDevice adds the device's own scope to a person's scopes (a copy of the map, sharing the lists).
func withDevice(person map[string][]string, deviceID string) map[string][]string {
	out := make(map[string][]string, len(person)+1)
	for k, v := range person {
		out[k] = v
	}
	out[syncfeed.Numbers] = []string{}
	if deviceID != "" {
		out[syncfeed.Numbers] = []string{syncfeed.DeviceScope(deviceID)}
	}
	return out
}

// phoneScopes reads a person's scopes (without the device's).
func (s *Store) phoneScopes(ctx context.Context, orgID, personID string) (map[string][]string, error) {
	rows, err := s.read(ctx).Raw(phoneScopeQuery, orgID, personID, orgID, personID, orgID, personID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	campaigns, sites := []string{}, []string{}
	for rows.Next() {
		var kind, id string
		if err := rows.Scan(&kind, &id); err != nil {
			return nil, err
		}
		switch kind {
		case "c":
			campaigns = append(campaigns, syncfeed.CampaignScope(id))
		case "s":
			sites = append(sites, syncfeed.SiteScope(id))
		case "j":
			sites = append(sites, syncfeed.SubjectScope(id))
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(campaigns)
	slices.Sort(sites)
	sites = slices.Compact(sites)
	out := map[string][]string{
		syncfeed.Assignments: campaigns,
		syncfeed.Visits:      slices.Clone(campaigns),
		syncfeed.Sites:       sites,
		syncfeed.Checklists:  {syncfeed.ScopeAll},
		syncfeed.Catalogue:   {syncfeed.ScopeAll},
	}
	return out, nil
}

// IssuingUnitIDs lists the organisation's issuing units in force today (Asia/Ho_Chi_Minh), by code
// (syncsvc.IssuingUnits): those a phone holds blocks of record numbers of.
func (s *Store) IssuingUnitIDs(ctx context.Context, orgID string) ([]string, error) {
	units, err := s.IssuingUnits(ctx, orgID)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	out := []string{}
	for _, u := range units {
		if u.InForce(now) {
			out = append(out, u.ID)
		}
	}
	return out, nil
}
