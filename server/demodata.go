package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// The ten units of 2023 (code → name) and, where the commune-level unit that took over after
// 1 July 2025 is in the seed, one of them. Demo sites move to it on that day (D15).
var demoDistricts = []struct{ code, name, commune string }{
	{"040", "TP Cao Bằng", "local-phuong-thuc-phan"}, {"042", "Bảo Lâm", "local-xa-bao-lam"}, {"043", "Bảo Lạc", "local-xa-bao-lac"},
	{"045", "Hà Quảng", "local-xa-ha-quang"}, {"047", "Trùng Khánh", ""}, {"048", "Hạ Lang", ""}, {"049", "Quảng Hòa", "local-xa-phuc-hoa"},
	{"051", "Hòa An", "local-xa-hoa-an"}, {"052", "Nguyên Bình", "local-xa-nguyen-binh"}, {"053", "Thạch An", "local-xa-thach-an"},
}

var (
	reformDay   = adminunit.Date(2025, 7, 1)
	lastDistDay = adminunit.Date(2025, 6, 30)
)

func demoUnits(i int) []registry.SiteUnit {
	d := demoDistricts[i%len(demoDistricts)]
	if d.commune == "" {
		return []registry.SiteUnit{{UnitCode: d.code}}
	}
	return []registry.SiteUnit{{UnitCode: d.code, ValidTo: lastDistDay}, {UnitCode: d.commune, ValidFrom: reformDay}}
}

// seedDemoDomain fills the demo organisation with a realistic Cao Bằng: its units, fuel stations with
// their dispensers, markets with scales, X-ray facilities with licences (some expiring soon), the 2023
// campaigns of the department's report and a current campaign with sites assigned to the demo
// inspectors. It does nothing when the organisation already has subjects. Names are made up.
func seedDemoDomain(ctx context.Context, a *app.App, org identity.Organisation, out io.Writer) error {
	admin := identity.Principal{AccountID: "demo", OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
	existing, err := a.Registry.Subjects(ctx, admin, org.ID, registry.SubjectFilter{ListOptions: registry.ListOptions{Page: paging.Page{Limit: 1}}})
	if err != nil {
		return err
	}
	if existing.Total > 0 {
		return nil
	}
	start := time.Now()
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		return err
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		return err
	}
	if _, err := a.Units.Seed(ctx, admin, org.ID, seed); err != nil {
		return fmt.Errorf("units: %w", err)
	}
	for _, u := range []registry.IssuingUnit{{Code: "TTR", Name: "Thanh tra Sở Khoa học và Công nghệ"}, {Code: "CCTDC", Name: "Chi cục Tiêu chuẩn Đo lường Chất lượng"}} {
		u.OrgID = org.ID
		if _, err := a.Registry.CreateIssuingUnit(ctx, admin, u); err != nil {
			return fmt.Errorf("issuing unit %s: %w", u.Code, err)
		}
	}
	rnd := rand.New(rand.NewPCG(2023, 277))
	now := time.Now()
	var fuel, markets, xray []siteRef

	// Fuel: eight enterprises with 30 stations, 2–6 dispensers each.
	enterprises := []string{"Công ty Xăng dầu Cao Bằng", "Công ty TNHH Thương mại Bảo Lâm", "Công ty CP Dầu khí Non Nước", "Công ty TNHH Hà Quảng",
		"Công ty TNHH Xăng dầu Trùng Khánh", "Công ty CP Vận tải Thạch An", "HTX Dịch vụ Nguyên Bình", "Công ty TNHH Phục Hòa"}
	station := 0
	for e, name := range enterprises {
		sub, err := a.Registry.CreateSubject(ctx, admin, registry.Subject{OrgID: org.ID, Kind: registry.Organisation, Name: name + " (demo)",
			TaxCode: fmt.Sprintf("48001%05d", 1000+e), LegalRepresentative: "Giám đốc " + []string{"Nông", "Hoàng", "Lương", "Bế", "Đàm", "Lục", "Triệu", "La"}[e] + " Văn An",
			Address: "Thành phố Cao Bằng"})
		if err != nil {
			return fmt.Errorf("subject %s: %w", name, err)
		}
		for range 2 + e%3 + boolInt(e < 6) {
			station++
			site, err := a.Registry.CreateSite(ctx, admin, registry.Site{OrgID: org.ID, SubjectID: sub.ID, Type: registry.FuelStation,
				Name: fmt.Sprintf("Cửa hàng xăng dầu số %02d", station), Address: fmt.Sprintf("Km %d, quốc lộ 3, %s", 10+station*3, demoDistricts[station%10].name),
				Lat: ptr(22.6 + rnd.Float64()*0.5), Lon: ptr(105.8 + rnd.Float64()*0.9), Units: demoUnits(station)})
			if err != nil {
				return fmt.Errorf("station %d: %w", station, err)
			}
			fuel = append(fuel, siteRef{sub.ID, site.ID})
			for d := range 2 + rnd.IntN(5) {
				seal := registry.SealIntact
				if rnd.IntN(12) == 0 {
					seal = registry.SealBroken
				}
				if _, err := a.Registry.CreateInstrument(ctx, admin, registry.Instrument{OrgID: org.ID, SiteID: site.ID, Kind: registry.FuelDispenser,
					Serial: fmt.Sprintf("TK-%03d-%02d", station, d+1), Model: []string{"Tatsuno Sunny", "Tokheim Quantium 510", "Gilbarco SK700"}[rnd.IntN(3)],
					PatternApproval: "PDM 153-2019", VerificationCertificate: fmt.Sprintf("KĐ-%04d/2025", station*10+d),
					VerificationExpiry: now.AddDate(0, rnd.IntN(14)-2, 0), SealState: seal}); err != nil {
					return fmt.Errorf("dispenser: %w", err)
				}
			}
		}
	}
	// Markets: six markets, each run by a household business, with five scales.
	for m := range 6 {
		sub, err := a.Registry.CreateSubject(ctx, admin, registry.Subject{OrgID: org.ID, Kind: registry.HouseholdBusiness,
			Name: fmt.Sprintf("Hộ kinh doanh Ban quản lý chợ %s (demo)", demoDistricts[m].name), IDNumber: fmt.Sprintf("0040%08d", 100+m),
			LegalRepresentative: "Chủ hộ " + demoDistricts[m].name, Address: demoDistricts[m].name})
		if err != nil {
			return fmt.Errorf("market subject: %w", err)
		}
		site, err := a.Registry.CreateSite(ctx, admin, registry.Site{OrgID: org.ID, SubjectID: sub.ID, Type: registry.Market,
			Name: "Chợ " + demoDistricts[m].name, Address: "Trung tâm " + demoDistricts[m].name, Units: demoUnits(m)})
		if err != nil {
			return fmt.Errorf("market: %w", err)
		}
		markets = append(markets, siteRef{sub.ID, site.ID})
		for s := range 5 {
			if _, err := a.Registry.CreateInstrument(ctx, admin, registry.Instrument{OrgID: org.ID, SiteID: site.ID, Kind: registry.Scale,
				Serial: fmt.Sprintf("CAN-%02d-%02d", m, s+1), Model: "Cân đồng hồ lò xo 30 kg", VerificationExpiry: now.AddDate(0, rnd.IntN(12)-3, 0)}); err != nil {
				return fmt.Errorf("scale: %w", err)
			}
		}
	}
	// X-ray: ten facilities with their devices, radiation work licences (three expiring within two
	// months) and a worker certificate each.
	for x := range 10 {
		sub, err := a.Registry.CreateSubject(ctx, admin, registry.Subject{OrgID: org.ID, Kind: registry.Organisation,
			Name:    []string{"Bệnh viện Đa khoa", "Trung tâm Y tế", "Phòng khám Đa khoa"}[x%3] + " " + demoDistricts[x].name + " (demo)",
			TaxCode: fmt.Sprintf("48002%05d", 2000+x), Address: demoDistricts[x].name})
		if err != nil {
			return fmt.Errorf("clinic: %w", err)
		}
		site, err := a.Registry.CreateSite(ctx, admin, registry.Site{OrgID: org.ID, SubjectID: sub.ID, Type: registry.XRayFacility,
			Name: "Khoa Chẩn đoán hình ảnh", Address: "Trung tâm " + demoDistricts[x].name, Units: demoUnits(x)})
		if err != nil {
			return fmt.Errorf("x-ray site: %w", err)
		}
		xray = append(xray, siteRef{sub.ID, site.ID})
		if _, err := a.Registry.CreateInstrument(ctx, admin, registry.Instrument{OrgID: org.ID, SiteID: site.ID, Kind: registry.XRayDevice,
			Serial: fmt.Sprintf("XQ-%02d-1", x), Model: "Shimadzu RADspeed", InspectionExpiry: now.AddDate(0, 1+x, 0)}); err != nil {
			return fmt.Errorf("x-ray device: %w", err)
		}
		expiry := now.AddDate(1+x%3, 0, 0)
		if x < 3 {
			expiry = now.AddDate(0, 0, 20+x*15)
		}
		if _, err := a.Registry.CreateLicence(ctx, admin, registry.Licence{OrgID: org.ID, Kind: registry.RadiationWorkLicence, SiteID: site.ID,
			Number: fmt.Sprintf("%d/GP-SKHCN", 100+x), Scope: "Sử dụng thiết bị X-quang chẩn đoán trong y tế", Issued: expiry.AddDate(-3, 0, 0), Expiry: expiry}); err != nil {
			return fmt.Errorf("licence: %w", err)
		}
		if _, err := a.Registry.CreateLicence(ctx, admin, registry.Licence{OrgID: org.ID, Kind: registry.RadiationWorkerCertificate, SiteID: site.ID,
			HolderName: "Kỹ thuật viên " + demoDistricts[x].name, Number: fmt.Sprintf("CC-%03d/2022", x), Issued: adminunit.Date(2022, 5, 10)}); err != nil {
			return fmt.Errorf("certificate: %w", err)
		}
	}

	// People: the demo accounts' persons, with their titles.
	person := func(login string) string {
		acct, err := a.Store.AccountByLogin(ctx, login)
		if err != nil {
			return ""
		}
		return acct.PersonID
	}
	chief, insp1, insp2 := person("chief"), person("inspector1"), person("inspector2")
	for _, t := range []identity.Title{{PersonID: chief, Code: "chanh_thanh_tra_so"}, {PersonID: insp1, Code: "thanh_tra_vien"}, {PersonID: insp2, Code: "thanh_tra_vien"}} {
		t.OrgID, t.ValidFrom = org.ID, adminunit.Date(2020, 1, 1)
		if _, err := a.Identity.AddTitle(ctx, admin, a.Store, t); err != nil {
			return fmt.Errorf("title: %w", err)
		}
	}
	team := []campaign.Member{{PersonID: chief, Role: campaign.Leader}, {PersonID: insp1, Role: campaign.TeamMember}, {PersonID: insp2, Role: campaign.TeamMember}}
	cover := func(refs []siteRef) (subjects, sites []string) {
		seen := map[string]bool{}
		for _, r := range refs {
			if !seen[r.subjectID] {
				seen[r.subjectID] = true
				subjects = append(subjects, r.subjectID)
			}
			sites = append(sites, r.siteID)
		}
		return subjects, sites
	}
	// The 2023 campaigns of the department's report: the fuel inspection of 05 enterprises (09 stores),
	// the check of 04 X-ray facilities, a market check, all concluded; and a campaign open today.
	plans := []struct {
		c     campaign.Campaign
		sites []siteRef
		done  *campaign.Conclusion
	}{
		{campaign.Campaign{Number: "277/KH-SKHCN", DecisionDate: adminunit.Date(2023, 2, 20), Title: "Thanh tra chuyên ngành về đo lường và chất lượng xăng dầu",
			Kind: campaign.Inspection, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: adminunit.Date(2023, 3, 1), PeriodTo: adminunit.Date(2023, 4, 30)},
			firstSubjects(fuel, 5, 9), &campaign.Conclusion{Number: "45/KL-TTr", Date: adminunit.Date(2023, 5, 15), Summary: "Kết luận thanh tra đo lường, chất lượng xăng dầu"}},
		{campaign.Campaign{Number: "512/QĐ-SKHCN", DecisionDate: adminunit.Date(2023, 6, 5), Title: "Kiểm tra an toàn bức xạ tại cơ sở X-quang chẩn đoán y tế",
			Kind: campaign.Check, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Radiation}, PeriodFrom: adminunit.Date(2023, 6, 15), PeriodTo: adminunit.Date(2023, 7, 15)},
			xray[:4], &campaign.Conclusion{Number: "12/TB-SKHCN", Date: adminunit.Date(2023, 7, 28), Summary: "Thông báo kết quả kiểm tra"}},
		{campaign.Campaign{Number: "33/QĐ-TTr", DecisionDate: adminunit.Date(2023, 9, 12), Title: "Kiểm tra đột xuất đo lường trong kinh doanh tại chợ",
			Kind: campaign.Check, Origin: campaign.Surprise, Sectors: []campaign.Sector{campaign.Market}, PeriodFrom: adminunit.Date(2023, 9, 13), PeriodTo: adminunit.Date(2023, 9, 30)},
			markets[:3], &campaign.Conclusion{Number: "20/TB-TTr", Date: adminunit.Date(2023, 10, 6)}},
		{campaign.Campaign{Number: fmt.Sprintf("%d/KH-SKHCN", 300+now.Year()%100), DecisionDate: now.AddDate(0, 0, -10), Title: "Thanh tra đo lường, chất lượng xăng dầu và an toàn bức xạ",
			Kind: campaign.Inspection, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel, campaign.Radiation}, PeriodFrom: now.AddDate(0, 0, -7), PeriodTo: now.AddDate(0, 1, 0)},
			append(append([]siteRef{}, fuel[9:15]...), xray[4:7]...), nil},
	}
	for i, pl := range plans {
		c := pl.c
		c.OrgID, c.Team = org.ID, team
		c.SubjectIDs, c.SiteIDs = cover(pl.sites)
		for j, s := range c.SiteIDs {
			c.Assignments = append(c.Assignments, campaign.Assignment{SiteID: s, PersonID: []string{insp1, insp2}[j%2]})
		}
		chiefP := identity.Principal{AccountID: "demo", PersonID: chief, OrgID: org.ID, Roles: []identity.Role{identity.RoleChief}}
		saved, err := a.Campaigns.SaveCampaign(ctx, chiefP, c)
		if err != nil {
			return fmt.Errorf("campaign %d: %w", i, err)
		}
		if pl.done != nil {
			if _, err := a.Campaigns.Conclude(ctx, chiefP, org.ID, saved.ID, *pl.done); err != nil {
				return fmt.Errorf("conclusion %d: %w", i, err)
			}
		}
	}
	director := identity.Principal{AccountID: "demo", OrgID: org.ID, Roles: []identity.Role{identity.RoleDirector}}
	for _, t := range []campaign.Target{{Year: 2023, Sector: campaign.Market, Metric: campaign.MetricInstrumentsChecked, Value: 1268},
		{Year: 2023, Sector: campaign.Fuel, Metric: campaign.MetricCampaigns, Value: 1}, {Year: 2023, Sector: campaign.Radiation, Metric: campaign.MetricSitesInspected, Value: 4}} {
		t.OrgID = org.ID
		if err := a.Campaigns.SetTarget(ctx, director, t); err != nil {
			return fmt.Errorf("target: %w", err)
		}
	}
	fmt.Fprintf(out, "demo data: %d fuel stations, %d markets, %d X-ray facilities, %d campaigns (%.1f s)\n",
		len(fuel), len(markets), len(xray), len(plans), time.Since(start).Seconds())
	return nil
}

// siteRef is a demo site and its subject.
type siteRef struct{ subjectID, siteID string }

// firstSubjects returns the sites of the first n subjects, at most max sites.
func firstSubjects(refs []siteRef, n, max int) []siteRef {
	var out []siteRef
	seen := map[string]bool{}
	for _, r := range refs {
		if !seen[r.subjectID] && len(seen) == n {
			continue
		}
		seen[r.subjectID] = true
		if len(out) < max {
			out = append(out, r)
		}
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func ptr[T any](v T) *T { return &v }
