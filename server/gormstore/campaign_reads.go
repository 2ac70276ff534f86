package gormstore

import (
	"context"

	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/paging"
)

var _ campaign.Reader = (*Store)(nil)

// ListCampaigns lists the organisation's campaigns that f selects (campaign.Reader; see Campaigns).
func (s *Store) ListCampaigns(ctx context.Context, orgID string, f campaign.Filter, p paging.Page) ([]campaign.Campaign, int, error) {
	return s.Campaigns(ctx, orgID, CampaignFilter{Year: f.Year, Kind: string(f.Kind), Origin: string(f.Origin),
		Sector: string(f.Sector), PersonID: f.PersonID, Open: f.Open}, p)
}

// ListVisits lists the organisation's visits that f selects (campaign.Reader; see Visits).
func (s *Store) ListVisits(ctx context.Context, orgID string, f campaign.VisitFilter, p paging.Page) ([]campaign.Visit, int, error) {
	return s.Visits(ctx, orgID, VisitFilter{CampaignID: f.CampaignID, SiteID: f.SiteID, Status: string(f.Status),
		From: f.From, To: f.To}, p)
}
