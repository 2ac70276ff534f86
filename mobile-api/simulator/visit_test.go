package simulator_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/simulator"
	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// TestMakeVisit: one phone's visit made through the real client — the entry point of end-to-end
// tests that start from a record made on a phone (penalties). The server holds it as made (checked
// by MakeVisit itself through the console API as the chief), the record is submitted with the
// content asked for, and a second visit on the same phone takes the next number of the device's block.
func TestMakeVisit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := apptest.Start(t, apptest.Config(t), clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)))
	org := srv.Org.ID
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.Units.Seed(ctx, identity.Operator, org, seed); err != nil {
		t.Fatal(err)
	}
	chief := srv.CreateAccount(t, "mv-chief", identity.RoleChief)
	an := srv.CreateAccount(t, "mv-an", identity.RoleInspector)
	reg := srv.App.Registry
	subj, err := reg.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu Cao Bằng", TaxCode: "4800100001", Address: "Phường Hợp Giang, Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	var sites []string
	for _, name := range []string{"Cửa hàng xăng dầu số 1", "Cửa hàng xăng dầu số 2"} {
		s, err := reg.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: subj.ID, Type: registry.FuelStation,
			Name: name, Address: name + ", phường Sông Hiến", Units: []registry.SiteUnit{{UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}})
		if err != nil {
			t.Fatal(err)
		}
		sites = append(sites, s.ID)
	}
	if _, err := reg.CreateIssuingUnit(ctx, identity.Operator, registry.IssuingUnit{OrgID: org, Code: "TTr", Name: "Thanh tra Sở Khoa học và Công nghệ"}); err != nil {
		t.Fatal(err)
	}
	camp, err := srv.App.Campaigns.SaveCampaign(ctx, identity.Operator, campaign.Campaign{OrgID: org, Number: "12/QĐ-TTr",
		Title: "Kiểm tra đo lường, chất lượng xăng dầu", DecisionDate: adminunit.Date(2026, 2, 20), Kind: campaign.Check,
		Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: adminunit.Date(2026, 3, 1), PeriodTo: adminunit.Date(2026, 6, 30),
		Team:       []campaign.Member{{PersonID: chief.PersonID, Role: campaign.Leader}, {PersonID: an.PersonID, Role: campaign.TeamMember}},
		SubjectIDs: []string{subj.ID}, SiteIDs: sites,
		Assignments: []campaign.Assignment{{SiteID: sites[0], PersonID: an.PersonID}, {SiteID: sites[1], PersonID: an.PersonID}}})
	if err != nil {
		t.Fatal(err)
	}

	store := t.TempDir() + "/phone.db"
	vo := simulator.VisitOptions{ServerURL: srv.URL, Login: "mv-an", Password: apptest.Password, StorePath: store,
		Date: "2026-03-02", DrawnUpAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), Photos: 2, PhotoKiB: 40, Submit: true,
		Violations: []simulator.Violation{{Code: "FUEL-99-COND", Description: "Không có hợp đồng đại lý"}},
		Record:     map[string]any{"place": "Cửa hàng xăng dầu số 2, phường Sông Hiến"},
		SiteID:     sites[1], VerifyLogin: "mv-chief", VerifyPassword: apptest.Password}
	made, err := simulator.MakeVisit(ctx, vo)
	if err != nil {
		t.Fatal(err)
	}
	var content struct {
		Status     string `json:"status"`
		Place      string `json:"place"`
		DrawnUpAt  string `json:"drawn_up_at"`
		SubjectID  string `json:"subject_id"`
		Violations []struct {
			Code string `json:"code"`
		} `json:"violations"`
	}
	if err := json.Unmarshal([]byte(made.RecordContent), &content); err != nil {
		t.Fatal(err)
	}
	switch {
	case made.CampaignID != camp.ID || made.SiteID != sites[1] || made.SubjectID != subj.ID:
		t.Errorf("visit of campaign %s site %s subject %s, want %s %s %s", made.CampaignID, made.SiteID, made.SubjectID, camp.ID, sites[1], subj.ID)
	case content.Status != "submitted" || content.Place != "Cửa hàng xăng dầu số 2, phường Sông Hiến" || content.DrawnUpAt != "2026-03-02T16:30:00+07:00" ||
		content.SubjectID != subj.ID || len(content.Violations) != 1 || content.Violations[0].Code != "FUEL-99-COND":
		t.Errorf("record content %s", made.RecordContent)
	case len(made.DocumentSHA256) != 64:
		t.Errorf("the phone froze no document for record %s: %q", made.RecordID, made.DocumentSHA256)
	case len(made.Evidence) != 3 || made.Evidence[2].Purpose != "signature" || made.Evidence[2].RecordID != made.RecordID || made.Year != 2026 || made.Number < 1:
		t.Errorf("made %+v", made)
	}

	// The same phone, another visit: the next number of its block.
	vo.Submit, vo.Record, vo.SiteID = false, nil, ""
	second, err := simulator.MakeVisit(ctx, vo)
	if err != nil {
		t.Fatal(err)
	}
	if second.IssuingUnitID != made.IssuingUnitID || second.Number != made.Number+1 || second.VisitID == made.VisitID {
		t.Errorf("second visit: record %d of %s, after %d of %s", second.Number, second.IssuingUnitID, made.Number, made.IssuingUnitID)
	}
}
