package syncdata_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/numbering"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

var ids clock.UUIDv7

func TestWireStructsMatchSchemas(t *testing.T) {
	for _, tc := range []struct {
		file string
		v    any
	}{
		{"sync-campaign.schema.json", syncdata.Campaign{}},
		{"sync-site.schema.json", syncdata.Site{}},
		{"sync-subject.schema.json", syncdata.Subject{}},
		{"sync-checklist.schema.json", syncdata.Checklist{}},
		{"sync-violation.schema.json", syncdata.Violation{}},
		{"sync-number-block.schema.json", syncdata.NumberBlock{}},
		{"sync-decree.schema.json", syncdata.Decree{}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			schematest.Compile(t, tc.file)
			schematest.CheckStruct(t, tc.file, tc.v, schematest.Response)
		})
	}
}

// checkChange checks the change's routing and validates its data against the schema.
func checkChange(t *testing.T, c syncfeed.Change, err error, schema, dataset, entityType, entityID, orgID, scope string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the change cannot be recorded: %v", err)
	}
	if c.Dataset != dataset || c.EntityType != entityType || c.EntityID != entityID || c.OrgID != orgID || c.Scope != scope ||
		c.Op != syncfeed.OpUpsert || c.Version != 0 {
		t.Errorf("change %+v, want %s %s %s of %s in %s", c, dataset, entityType, entityID, orgID, scope)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, c.Data); err != nil || !bytes.Equal(compact.Bytes(), c.Data) {
		t.Errorf("data is not compact JSON: %v %s", err, c.Data)
	}
	schematest.Validate(t, schema, c.Data)
}

func ptr[T any](v T) *T { return &v }

func sampleCampaign() campaign.Campaign {
	org, leader, insp := ids.NewID(), ids.NewID(), ids.NewID()
	subj, s1, s2 := ids.NewID(), ids.NewID(), ids.NewID()
	return campaign.Campaign{ID: ids.NewID(), OrgID: org, Number: "277/KH-SKHCN", DecisionDate: adminunit.Date(2023, 2, 20),
		Title: "Thanh tra xăng dầu", Kind: campaign.Inspection, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel, campaign.Market},
		PeriodFrom: adminunit.Date(2023, 3, 1), PeriodTo: adminunit.Date(2023, 12, 31),
		Team:       []campaign.Member{{PersonID: insp, Role: campaign.TeamMember}, {PersonID: leader, Role: campaign.Leader}},
		SubjectIDs: []string{subj}, SiteIDs: []string{s2, s1}, Assignments: []campaign.Assignment{{SiteID: s1, PersonID: insp}},
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
}

func TestCampaign(t *testing.T) {
	c := sampleCampaign()
	ch, err := syncdata.CampaignChange(c)
	checkChange(t, ch, err, "sync-campaign.schema.json", syncfeed.Assignments, syncfeed.EntityCampaign, c.ID, c.OrgID, syncfeed.CampaignScope(c.ID))
	var got syncdata.Campaign
	if err := json.Unmarshal(ch.Data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "open" || got.Conclusion != nil || got.DecisionDate != "2023-02-20" || got.Reference != "Kế hoạch số 277/KH-SKHCN ngày 20/02/2023" ||
		got.Team[0].Role != "leader" || len(got.Sites) != 2 || !slices.IsSortedFunc(got.Sites, func(a, b syncdata.CampaignSite) int { return strings.Compare(a.SiteID, b.SiteID) }) {
		t.Errorf("campaign data %s", ch.Data)
	}
	for _, s := range got.Sites {
		want := ""
		if i := slices.IndexFunc(c.Assignments, func(a campaign.Assignment) bool { return a.SiteID == s.SiteID }); i >= 0 {
			want = c.Assignments[i].PersonID
		}
		if s.AssigneePersonID != want {
			t.Errorf("site %s assigned to %q, want %q", s.SiteID, s.AssigneePersonID, want)
		}
	}

	t.Run("the order the parts come in does not change the data", func(t *testing.T) {
		shuffled := c
		shuffled.Team = slices.Clone(c.Team)
		slices.Reverse(shuffled.Team)
		shuffled.SiteIDs = slices.Clone(c.SiteIDs)
		slices.Reverse(shuffled.SiteIDs)
		shuffled.UpdatedAt = c.UpdatedAt.Add(time.Hour)
		b, err := syncdata.CampaignData(shuffled)
		if err != nil || !bytes.Equal(b, ch.Data) {
			t.Errorf("data changed with the order of the team or the sites:\n%s\n%s", b, ch.Data)
		}
	})
	t.Run("a concluded campaign", func(t *testing.T) {
		done := c
		done.Conclusion = &campaign.Conclusion{Number: "45/KL-TTr", Date: adminunit.Date(2023, 4, 20), Summary: "Kết luận"}
		ch, err := syncdata.CampaignChange(done)
		checkChange(t, ch, err, "sync-campaign.schema.json", syncfeed.Assignments, syncfeed.EntityCampaign, c.ID, c.OrgID, syncfeed.CampaignScope(c.ID))
		if !bytes.Contains(ch.Data, []byte(`"status":"concluded"`)) || !bytes.Contains(ch.Data, []byte(`"conclusion":{"number":"45/KL-TTr","date":"2023-04-20"`)) {
			t.Errorf("concluded campaign %s", ch.Data)
		}
	})
	t.Run("an empty campaign sends empty lists, not null", func(t *testing.T) {
		empty := c
		empty.Team, empty.SubjectIDs, empty.SiteIDs, empty.Assignments, empty.Sectors = nil, nil, nil, nil, nil
		ch, err := syncdata.CampaignChange(empty)
		checkChange(t, ch, err, "sync-campaign.schema.json", syncfeed.Assignments, syncfeed.EntityCampaign, c.ID, c.OrgID, syncfeed.CampaignScope(c.ID))
		if bytes.Contains(ch.Data, []byte("null")) {
			t.Errorf("null in %s", ch.Data)
		}
	})
}

func TestSiteAndSubject(t *testing.T) {
	org := ids.NewID()
	subject := registry.Subject{ID: ids.NewID(), OrgID: org, Kind: registry.Organisation, Name: "Công ty Xăng dầu", TaxCode: "4800100001",
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	ch, err := syncdata.SubjectChange(subject)
	checkChange(t, ch, err, "sync-subject.schema.json", syncfeed.Sites, syncfeed.EntitySubject, subject.ID, org, syncfeed.SubjectScope(subject.ID))
	if want := `"sanctioned_as_organisation":true`; !bytes.Contains(ch.Data, []byte(want)) || bytes.Contains(ch.Data, []byte("phone")) {
		t.Errorf("subject data %s", ch.Data)
	}

	site := registry.Site{ID: ids.NewID(), OrgID: org, SubjectID: subject.ID, Type: registry.FuelStation, Name: "Cửa hàng số 1",
		Address: "Tổ 5", Lat: ptr(22.66), Lon: ptr(106.25), Units: []registry.SiteUnit{
			{UnitID: ids.NewID(), UnitCode: "040", UnitName: "Thành phố Cao Bằng", ValidTo: adminunit.Date(2025, 6, 30)},
			{UnitID: ids.NewID(), UnitCode: "01234", UnitName: "Phường Thục Phán", ValidFrom: adminunit.Date(2025, 7, 1)}}}
	other := ids.NewID()
	instruments := []registry.Instrument{
		{ID: ids.NewID(), OrgID: org, SiteID: site.ID, Kind: registry.FuelDispenser, Serial: "A1", SealState: registry.SealIntact,
			VerificationExpiry: adminunit.Date(2026, 1, 31)},
		{ID: ids.NewID(), OrgID: org, SiteID: site.ID, Kind: registry.Scale, Serial: "S9", Model: "TPS"},
		{ID: ids.NewID(), OrgID: org, SiteID: other, Kind: registry.Scale, Serial: "ELSEWHERE"},
	}
	licences := []registry.Licence{
		{ID: ids.NewID(), OrgID: org, SiteID: site.ID, Kind: registry.StationEligibilityCertificate, Number: "12/GCN", Issued: adminunit.Date(2021, 5, 4)},
		{ID: ids.NewID(), OrgID: org, SiteID: other, Kind: registry.StationEligibilityCertificate, Number: "ELSEWHERE"},
	}
	ch, err = syncdata.SiteChange(site, instruments, licences)
	checkChange(t, ch, err, "sync-site.schema.json", syncfeed.Sites, syncfeed.EntitySite, site.ID, org, syncfeed.SiteScope(site.ID))
	var got syncdata.Site
	if err := json.Unmarshal(ch.Data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Instruments) != 2 || len(got.Licences) != 1 || bytes.Contains(ch.Data, []byte("ELSEWHERE")) ||
		got.Units[1].ValidFrom != "2025-07-01" || got.Units[0].ValidFrom != "" || got.Instruments[0].ID > got.Instruments[1].ID {
		t.Errorf("site data %s", ch.Data)
	}
	reversed := slices.Clone(instruments)
	slices.Reverse(reversed)
	if b, _ := syncdata.SiteData(site, reversed, licences); !bytes.Equal(b, ch.Data) {
		t.Errorf("the order of the instruments changed the data")
	}
	bare := registry.Site{ID: site.ID, OrgID: org, SubjectID: subject.ID, Type: registry.Market, Name: "Chợ", Address: "Xã"}
	ch, err = syncdata.SiteChange(bare, nil, nil)
	checkChange(t, ch, err, "sync-site.schema.json", syncfeed.Sites, syncfeed.EntitySite, site.ID, org, syncfeed.SiteScope(site.ID))
	if want := `"units":[],"instruments":[],"licences":[]`; !bytes.Contains(ch.Data, []byte(want)) {
		t.Errorf("a bare site %s, want %s", ch.Data, want)
	}
}

func TestEveryEmbeddedChecklist(t *testing.T) {
	files, err := fs.Glob(schemas.Checklists, "checklists/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no embedded checklists: %v", err)
	}
	for _, f := range files {
		b, _ := schemas.Checklists.ReadFile(f)
		tpl, err := checklist.Parse(b)
		if err != nil {
			t.Fatal(err)
		}
		p := checklist.NewPublication(tpl, checklist.SeedActor, time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC))
		ch, err := syncdata.ChecklistChange(p)
		id := fmt.Sprintf("%s@%d", tpl.Code, tpl.Version)
		checkChange(t, ch, err, "sync-checklist.schema.json", syncfeed.Checklists, syncfeed.EntityChecklist, id,
			syncfeed.OrgShared, syncfeed.ScopeAll)
		var got struct {
			Hash     string          `json:"hash"`
			Template json.RawMessage `json:"template"`
		}
		if err := json.Unmarshal(ch.Data, &got); err != nil {
			t.Fatal(err)
		}
		back, err := checklist.Parse(got.Template)
		if err != nil || back.Hash() != got.Hash || got.Hash != tpl.Hash() {
			t.Errorf("%s: the template sent does not match its hash: %v", f, err)
		}
	}
	if _, err := syncdata.ChecklistChange(checklist.Published{Version: checklist.Version{Code: "x", Number: 1}}); err == nil {
		t.Error("a version without its template was accepted")
	}
}

func TestEveryViolationOfTheSeed(t *testing.T) {
	c, err := legal.Seed()
	if err != nil {
		t.Fatal(err)
	}
	// The seed has no multiple yet (D14): one is made from its first entry.
	multiple := c.Violations[0]
	multiple.Code, multiple.Fine = "TEST-MULTIPLE", legal.Multiple{Of: legal.IllegalGain, MinTimes: ptr(legal.FactorOf(1)), MaxTimes: ptr(legal.FactorOf(2.5))}
	byCode := map[string][]legal.Violation{}
	for _, v := range append(c.Violations, multiple) {
		v.ID = ids.NewID()
		byCode[v.Code] = append(byCode[v.Code], v)
	}
	kinds := map[string]bool{}
	for code, vs := range byCode {
		ch, err := syncdata.ViolationChange(code, vs)
		checkChange(t, ch, err, "sync-violation.schema.json", syncfeed.Catalogue, syncfeed.EntityViolation, code, syncfeed.OrgShared, syncfeed.ScopeAll)
		var got syncdata.Violation
		if err := json.Unmarshal(ch.Data, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Versions) != len(vs) || !slices.IsSortedFunc(got.Versions, func(a, b syncdata.ViolationVersion) int { return strings.Compare(a.ValidFrom, b.ValidFrom) }) {
			t.Errorf("%s: versions %s", code, ch.Data)
		}
		for i, v := range got.Versions {
			var fine struct {
				Kind string `json:"kind"`
			}
			b, _ := json.Marshal(v.Fine)
			_ = json.Unmarshal(b, &fine)
			kinds[fine.Kind] = true
			if orig := vs[slices.IndexFunc(vs, func(x legal.Violation) bool { return x.ID == v.ID })]; v.RangeMissing != orig.RangeMissing() || v.Confirmed != orig.Confirmed {
				t.Errorf("%s version %d: range_missing %v confirmed %v, want %v %v", code, i, v.RangeMissing, v.Confirmed, orig.RangeMissing(), orig.Confirmed)
			}
		}
		reversed := slices.Clone(vs)
		slices.Reverse(reversed)
		if b, _ := syncdata.ViolationData(code, reversed); !bytes.Equal(b, ch.Data) {
			t.Errorf("%s: the order of the versions changed the data", code)
		}
	}
	for _, k := range []string{"fixed", "tiers", "multiple"} {
		if !kinds[k] {
			t.Errorf("no entry of the seed has a %s fine: the test covers less than it claims", k)
		}
	}
	if _, err := syncdata.ViolationChange("NOPE", byCode[c.Violations[0].Code]); err == nil {
		t.Error("an entry without a version of its code was accepted")
	}
}

func TestNumberBlock(t *testing.T) {
	series := numbering.Series{OrgID: ids.NewID(), IssuingUnitID: ids.NewID(), Year: 2026}
	b := numbering.Block{ID: ids.NewID(), Series: series, DeviceID: ids.NewID(), First: 21, Last: 40,
		ReservedAt: time.Date(2026, 3, 2, 8, 0, 0, 0, clock.Vietnam)}
	marks := []numbering.Mark{
		{Series: series, Number: 23, State: numbering.Voided, Reason: "viết hỏng"},
		{Series: series, Number: 21, State: numbering.Used, EntityID: ids.NewID()},
		{Series: series, Number: 41, State: numbering.Used, EntityID: ids.NewID()},                                                 // another block
		{Series: numbering.Series{OrgID: series.OrgID, IssuingUnitID: ids.NewID(), Year: 2026}, Number: 22, State: numbering.Used}, // another unit
	}
	body := syncdata.IssuingBody{Organisation: "Sở Khoa học và Công nghệ tỉnh Cao Bằng", Unit: "Thanh tra Sở"}
	ch, err := syncdata.NumberBlockChange(b, marks, body)
	checkChange(t, ch, err, "sync-number-block.schema.json", syncfeed.Numbers, syncfeed.EntityNumberBlock, b.ID, series.OrgID, syncfeed.DeviceScope(b.DeviceID))
	var got syncdata.NumberBlock
	if err := json.Unmarshal(ch.Data, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Marks) != 2 || got.Marks[0].Number != 21 || got.Marks[0].State != "used" || got.Marks[1].Reason != "viết hỏng" ||
		!got.ReservedAt.Equal(b.ReservedAt) || !bytes.Contains(ch.Data, []byte(`"reserved_at":"2026-03-02T01:00:00Z"`)) ||
		got.OrganisationName != body.Organisation || got.IssuingUnitName != body.Unit {
		t.Errorf("block data %s", ch.Data)
	}
	ch, err = syncdata.NumberBlockChange(b, nil, body)
	checkChange(t, ch, err, "sync-number-block.schema.json", syncfeed.Numbers, syncfeed.EntityNumberBlock, b.ID, series.OrgID, syncfeed.DeviceScope(b.DeviceID))
	if !bytes.Contains(ch.Data, []byte(`"marks":[]`)) {
		t.Errorf("a fresh block %s", ch.Data)
	}
}

// TestEveryDecreeOfTheSeed: each decree of the seed goes to phones as sync-decree.schema.json, with
// its issue date and its amendments in order (what a record's document prints of it).
func TestEveryDecreeOfTheSeed(t *testing.T) {
	c, err := legal.Seed()
	if err != nil {
		t.Fatal(err)
	}
	amended := 0
	for _, d := range c.Decrees {
		ch, err := syncdata.DecreeChange(d)
		checkChange(t, ch, err, "sync-decree.schema.json", syncfeed.Catalogue, syncfeed.EntityDecree, d.Number, syncfeed.OrgShared, syncfeed.ScopeAll)
		var got syncdata.Decree
		if err := json.Unmarshal(ch.Data, &got); err != nil {
			t.Fatal(err)
		}
		if got.Number != d.Number || got.Title != d.Title || got.InForceFrom != d.InForceFrom.String() || len(got.AmendedBy) != len(d.AmendedBy) {
			t.Errorf("%s: %s", d.Number, ch.Data)
		}
		if got.Issued == nil || *got.Issued != d.Issued.String() {
			t.Errorf("%s: issued %v, want %s", d.Number, got.Issued, d.Issued)
		}
		for i, a := range d.AmendedBy {
			if got.AmendedBy[i] != (syncdata.Amendment{Number: a.Number, InForceFrom: a.InForceFrom.String()}) {
				t.Errorf("%s: amendment %d %+v, want %s from %s", d.Number, i, got.AmendedBy[i], a.Number, a.InForceFrom)
			}
			amended++
		}
	}
	if amended == 0 {
		t.Error("no decree of the seed is amended: the test covers less than it claims")
	}
	unknown := c.Decrees[0]
	unknown.Issued, unknown.AmendedBy = legal.Date{}, nil
	if b, _ := syncdata.DecreeData(unknown); !bytes.Contains(b, []byte(`"issued":null`)) || !bytes.Contains(b, []byte(`"amended_by":[]`)) {
		t.Errorf("a decree of unknown issue date without amendments: %s", b)
	}
}
