package consolehttp

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/checklist"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/syncdata"
)

const (
	refOrgID    = "01930c2e-7a4b-7c1d-9e2f-00000000a001"
	refPersonID = "01930c2e-7a4b-7c1d-9e2f-00000000a002"
	refSiteID   = "01930c2e-7a4b-7c1d-9e2f-00000000a003"
	refSubject  = "01930c2e-7a4b-7c1d-9e2f-00000000a004"
	refCampaign = "01930c2e-7a4b-7c1d-9e2f-00000000a005"
	refVisitID  = "01930c2e-7a4b-7c1d-9e2f-00000000a006"
	refVersion  = "01930c2e-7a4b-7c1d-9e2f-00000000a007"
)

// templateDoc is the top of a checklist template document, for checking the publish route's body
// against checklist-template.schema.json; the handler itself passes the document to checklist.Parse.
type templateDoc struct {
	Code          string        `json:"code"`
	Version       int           `json:"version"`
	FacilityTypes []string      `json:"facility_types"`
	Title         checklistText `json:"title"`
	LegalBasis    string        `json:"legal_basis"`
	Notes         string        `json:"notes,omitempty"`
	Sections      []any         `json:"sections"`
}

func fuelStationTemplate() templateDoc {
	b, err := fs.ReadFile(schemas.Checklists, "checklists/fuel-station.v1.json")
	if err != nil {
		panic(err)
	}
	var d templateDoc
	if err := json.Unmarshal(b, &d); err != nil {
		panic(err)
	}
	return d
}

func fineJSON(s string) fineInput { return fineInput{raw: json.RawMessage(s)} }

// referenceAndCampaignRequestBodies are the request bodies of the reference and campaign routes,
// with a typical body of each, for TestOpenAPIRequestBodies.
var referenceAndCampaignRequestBodies = map[string]struct {
	schema string
	sample any
}{
	"POST /legal/violations": {"legal-violation-request.schema.json", violationRequest{Code: "GEN-OBSTRUCT", DescriptionVI: "Cản trở hoạt động thanh tra",
		Sector: "other", Subjects: []string{"individual", "organisation"}, Fine: fineJSON(`{"kind": "fixed", "min": 1000000, "max": 3000000}`),
		Source: "Văn bản nguồn", ValidFrom: "2026-07-01"}},
	"POST /legal/violations/{code}/range": {"legal-range-request.schema.json", rangeRequest{VersionID: refVersion, Min: 3000000, Max: 5000000,
		Confirmed: true, Source: "VBHN 04/VBHN-BKHCN, Điều 6 khoản 2"}},
	"POST /checklists": {"checklist-template.schema.json", fuelStationTemplate()},
	"POST /checklists/{code}/versions/{version}/validate": {"checklist-answers-request.schema.json", answersRequest{VisitDate: "2023-03-15",
		Answers: map[string]answer{"F1.1": {Value: true, Evidence: []string{"photo-1"}}, "F2.7@cot-1": {Value: 1.2}, "F1.2": {None: true}}}},
	"POST /campaigns":     {"campaign-request.schema.json", sampleCampaign},
	"PUT /campaigns/{id}": {"campaign-request.schema.json", sampleCampaign},
	"POST /campaigns/{id}/conclude": {"campaign-conclusion-request.schema.json", conclusionRequest{Conclusion: conclusionInput{Number: "45/KL-TTr",
		Date: "2023-04-20", Summary: "Kết luận thanh tra"}}},
	"POST /campaigns/{id}/visits": {"visit-request.schema.json", visitRequest{SiteID: refSiteID, Date: "2023-03-15", LeaderPersonID: refPersonID,
		ChecklistCode: "fuel-station", ChecklistVersion: 1, GPS: &position{Lat: 22.6657, Lon: 106.2522, AccuracyM: 8}}},
	"POST /visits/{id}/status": {"visit-status-request.schema.json", visitStatusRequest{Status: "waiting_lab"}},
	"PUT /visits/{id}/answers": {"visit-answers-request.schema.json", visitAnswersRequest{Answers: map[string]answer{
		"F2.7@cot-1": {Value: 1.2}, "F2.3@cot-1": {Value: false, Evidence: []string{"photo-7"}}}}},
	"PUT /plan-targets": {"campaign-target-request.schema.json", targetRequest{Year: 2023, Sector: "market", Metric: "instruments_checked", Value: 1268}},
	"POST /persons/{id}/titles": {"person-title-request.schema.json", titleRequest{Code: "chanh_thanh_tra_so", ValidFrom: "2020-01-01",
		ValidTo: "2025-06-30"}},
}

var sampleCampaign = campaignRequest{Number: "277/KH-SKHCN", DecisionDate: "2023-02-20", Title: "Thanh tra chuyên ngành về đo lường, chất lượng xăng dầu",
	Kind: "inspection", Origin: "planned", Sectors: []string{"fuel"}, PeriodFrom: "2023-03-01", PeriodTo: "2023-03-31",
	Team:       []teamMember{{PersonID: refPersonID, Role: "leader"}},
	SubjectIDs: []string{refSubject}, SiteIDs: []string{refSiteID}, Assignments: []assignment{{SiteID: refSiteID, PersonID: refPersonID}}}

// TestReferenceAndCampaignWireStructsMatchSchemas checks each response struct of these areas field
// by field against its schema file.
func TestReferenceAndCampaignWireStructsMatchSchemas(t *testing.T) {
	for _, tc := range []struct {
		schema string
		wire   any
	}{
		{"legal-violation.schema.json", violationVersion{}},
		{"visit-answers.schema.json", visitAnswersResponse{}},
		{"legal-violation-list.schema.json", violationList{}},
		{"legal-violation-revision.schema.json", violationRevision{}},
		{"legal-decree-list.schema.json", decreeList{}},
		{"legal-authority-cap-list.schema.json", authorityCapList{}},
		{"legal-deadline-rule-list.schema.json", deadlineRuleList{}},
		{"legal-holiday-list.schema.json", holidayList{}},
		{"checklist-version.schema.json", checklistVersion{}},
		{"checklist-version-list.schema.json", checklistVersionList{}},
		{"checklist-findings.schema.json", findingList{}},
		{"campaign.schema.json", campaignResponse{}},
		{"campaign-list.schema.json", campaignList{}},
		{"campaign-target-list.schema.json", targetList{}},
		{"visit.schema.json", visitResponse{}},
		{"visit-list.schema.json", visitList{}},
		{"person-title.schema.json", personTitle{}},
		{"person-title-list.schema.json", personTitleList{}},
	} {
		t.Run(tc.schema, func(t *testing.T) { schematest.CheckStruct(t, tc.schema, tc.wire, schematest.Response) })
	}
}

// TestReferenceAndCampaignBodiesMatchOpenAPI renders typical answers with the handlers' own mapping
// functions and checks each against the response the document gives for its route and status.
func TestReferenceAndCampaignBodiesMatchOpenAPI(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	cat, err := legal.Seed()
	if err != nil {
		t.Fatal(err)
	}
	day := legal.NewDate(2024, 5, 2)
	var versions []violationVersion
	kinds := map[string]bool{}
	for i, v := range cat.Violations { // every fine model, known and missing ranges, aliases, notes
		v.ID = refVersion
		if i%2 == 0 {
			v.ReplacedBy, v.ValidTo = refVersion, legal.NewDate(2026, 7, 1)
		}
		versions = append(versions, toViolationVersion(v))
		kinds[fineKind(toViolationVersion(v).Fine)] = true
	}
	f := func(x float64) *legal.Factor { y := legal.FactorOf(x); return &y }
	multiple := cat.Violations[0]
	multiple.ID, multiple.Fine = refVersion, legal.Multiple{Of: legal.GoodsValue, MinTimes: f(1), MaxTimes: f(1.5)}
	versions = append(versions, toViolationVersion(multiple))
	if !kinds["fixed"] || !kinds["tiers"] {
		t.Fatalf("the seed should have fixed and tiered fines: %v", kinds)
	}
	next := cat.Violations[1]
	next.ID = refVersion
	prev := next
	prev.ValidTo, prev.ReplacedBy = legal.NewDate(2026, 7, 1), refVersion

	var caps []authorityCap
	for _, a := range cat.CapsInForce(day) {
		caps = append(caps, toAuthorityCap(a))
	}
	var rules []deadlineRule
	for _, r := range cat.RulesInForce(day) {
		rules = append(rules, toDeadlineRule(r))
	}
	var holidays []holiday
	for _, h := range cat.HolidaysIn(2025) {
		holidays = append(holidays, toHoliday(h))
	}
	var decrees []decree
	for _, d := range cat.Decrees {
		decrees = append(decrees, toDecree(d))
	}

	published := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	cv := toChecklistVersion(checklist.Version{Code: "fuel-station", Number: 1, FacilityTypes: []checklist.FacilityType{checklist.FuelStation},
		Title: checklist.Text{VI: "Phiếu kiểm tra cửa hàng xăng dầu", EN: "Fuel station checklist"},
		Hash:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", PublishedAt: published, PublishedBy: checklist.SeedActor})
	tpl, err := fs.ReadFile(schemas.Checklists, "checklists/fuel-station.v1.json")
	if err != nil {
		t.Fatal(err)
	}
	findings := findingList{Findings: []finding{
		toFinding(checklist.Finding{Item: "F2.7", Instance: "cot-1", Value: 1.2, Reason: checklist.FailOutsideTolerance,
			ViolationCodes: []string{"MEAS-119-SEAL"}, BoundsUnconfirmed: true}),
		toFinding(checklist.Finding{Item: "F1.2", Reason: checklist.FailNone, Confirmed: true}),
		toFinding(checklist.Finding{Item: "F1.1", Value: false, Reason: checklist.FailAnswer, Confirmed: true}),
	}}

	c := campaign.Campaign{ID: refCampaign, OrgID: refOrgID, Number: "277/KH-SKHCN", DecisionDate: adminunit.Date(2023, 2, 20),
		Title: "Thanh tra chuyên ngành về đo lường, chất lượng xăng dầu", Kind: campaign.Inspection, Origin: campaign.Planned,
		Sectors: []campaign.Sector{campaign.Fuel}, PeriodFrom: adminunit.Date(2023, 3, 1), PeriodTo: adminunit.Date(2023, 3, 31),
		Team: []campaign.Member{{PersonID: refPersonID, Role: campaign.Leader}}, SubjectIDs: []string{refSubject}, SiteIDs: []string{refSiteID},
		Assignments: []campaign.Assignment{{SiteID: refSiteID, PersonID: refPersonID}}, CreatedAt: published, UpdatedAt: published}
	concluded := c
	concluded.Conclusion = &campaign.Conclusion{Number: "45/KL-TTr", Date: adminunit.Date(2023, 4, 20)}
	v := campaign.Visit{ID: refVisitID, OrgID: refOrgID, CampaignID: refCampaign, SiteID: refSiteID, Date: adminunit.Date(2023, 3, 15),
		ChecklistCode: "fuel-station", ChecklistVersion: 1, Status: campaign.VisitWaitingLab, UnitCode: "040", CreatedAt: published, UpdatedAt: published}
	withGPS := v
	withGPS.LeaderPersonID, withGPS.GPS = refPersonID, &campaign.GPS{Lat: 22.6657, Lon: 106.2522, Accuracy: 8}
	title := identity.Title{ID: refVersion, OrgID: refOrgID, PersonID: refPersonID, Code: "chanh_thanh_tra_so", ValidFrom: adminunit.Date(2020, 1, 1), CreatedAt: published}
	ended := title
	ended.ValidTo, ended.CampaignID = adminunit.Date(2025, 6, 30), refCampaign

	invalid := func(field string, code errs.Code) any {
		return map[string]any{"error": map[string]any{"kind": "invalid", "code": "validation_failed", "message": "…", "request_id": "0123456789abcdef",
			"fields": []map[string]string{{"field": field, "code": string(code), "message": "…"}}}}
	}
	errorBody := func(kind, code string) any {
		return map[string]any{"error": map[string]any{"kind": kind, "code": code, "message": "Thông báo", "request_id": "0123456789abcdef"}}
	}
	const api = "/api/v1"
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               any
	}{
		{"violations", "GET", api + "/legal/violations?date=2024-05-02", 200, violationList{Date: "2024-05-02", Items: versions, Total: len(versions), Limit: 50}},
		{"no violations", "GET", api + "/legal/violations", 200, violationList{Date: "2010-01-01", Items: []violationVersion{}, Limit: 50}},
		{"violation", "GET", api + "/legal/violations/MEAS-119-10", 200, versions[0]},
		{"violation not in force", "GET", api + "/legal/violations/MEAS-119-10", 404, errorBody("not_found", "violation_not_found")},
		{"upsert created", "POST", api + "/legal/violations", 201, toViolationRevision(legal.Revision{Action: legal.ActionCreate, Next: next})},
		{"upsert replaced", "POST", api + "/legal/violations", 201, toViolationRevision(legal.Revision{Action: legal.ActionReplace, Previous: &prev, Next: next})},
		{"upsert in force", "POST", api + "/legal/violations", 409, errorBody("conflict", "legal_version_in_force")},
		{"upsert invalid", "POST", api + "/legal/violations", 400, invalid("fine.tiers[0].max", errs.CodeInvalidValue)},
		{"set range", "POST", api + "/legal/violations/MEAS-119-SEAL/range", 200, versions[1]},
		{"range present", "POST", api + "/legal/violations/MEAS-119-SEAL/range", 409, errorBody("conflict", "fine_range_present")},
		{"decrees", "GET", api + "/legal/decrees", 200, decreeList{Items: decrees}},
		{"caps", "GET", api + "/legal/authority-caps?date=2024-05-02", 200, authorityCapList{Date: "2024-05-02", Items: caps}},
		{"rules", "GET", api + "/legal/deadline-rules", 200, deadlineRuleList{Date: "2024-05-02", Items: rules}},
		{"holidays", "GET", api + "/legal/holidays?year=2025", 200, holidayList{Year: 2025, Covered: len(holidays) > 0, Items: holidays}},
		{"no holidays", "GET", api + "/legal/holidays?year=2031", 200, holidayList{Year: 2031, Items: []holiday{}}},
		{"checklists", "GET", api + "/checklists", 200, checklistVersionList{Items: []checklistVersion{cv}}},
		{"publish", "POST", api + "/checklists", 201, cv},
		{"publish again", "POST", api + "/checklists", 200, cv},
		{"publish other content", "POST", api + "/checklists", 409, errorBody("conflict", "checklist_version_published")},
		{"template", "GET", api + "/checklists/fuel-station/versions/1", 200, json.RawMessage(tpl)},
		{"no template", "GET", api + "/checklists/fuel-station/versions/9", 404, errorBody("not_found", "checklist_not_found")},
		{"findings", "POST", api + "/checklists/fuel-station/versions/1/validate", 200, findings},
		{"no findings", "POST", api + "/checklists/fuel-station/versions/1/validate", 200, findingList{Findings: []finding{}}},
		{"wrong answer", "POST", api + "/checklists/fuel-station/versions/1/validate", 400, invalid("F1.1", errs.CodeAnswerWrongType)},
		{"campaigns", "GET", api + "/campaigns?year=2023", 200, campaignList{Items: []campaignResponse{toCampaign(c), toCampaign(concluded)}, Total: 2, Limit: 50}},
		{"campaign", "GET", api + "/campaigns/" + refCampaign, 200, toCampaign(concluded)},
		{"create campaign", "POST", api + "/campaigns", 201, toCampaign(c)},
		{"no subjects", "POST", api + "/campaigns", 400, invalid("subject_ids", errs.CodeNoSubjects)},
		{"update concluded", "PUT", api + "/campaigns/" + refCampaign, 409, errorBody("conflict", "campaign_concluded")},
		{"conclude", "POST", api + "/campaigns/" + refCampaign + "/conclude", 200, toCampaign(concluded)},
		{"visit", "POST", api + "/campaigns/" + refCampaign + "/visits", 201, toVisit(withGPS)},
		{"visit outside period", "POST", api + "/campaigns/" + refCampaign + "/visits", 400, invalid("date", errs.CodeVisitOutsidePeriod)},
		{"visits", "GET", api + "/visits?status=waiting_lab", 200, visitList{Items: []visitResponse{toVisit(v), toVisit(withGPS)}, Total: 2, Limit: 50}},
		{"visit status", "POST", api + "/visits/" + refVisitID + "/status", 200, toVisit(v)},
		{"illegal move", "POST", api + "/visits/" + refVisitID + "/status", 409, errorBody("conflict", "visit_status_invalid")},
		{"targets", "GET", api + "/plan-targets?year=2023", 200, toTargetList(2023, []campaign.Target{{Year: 2023, Sector: campaign.Market,
			Metric: campaign.MetricInstrumentsChecked, Value: 1268}})},
		{"target with result", "PUT", api + "/plan-targets", 200, targetList{Year: 2023, Items: []planTarget{{Sector: "market",
			Metric: "instruments_checked", Value: 1268, Done: new(int), Achievement: campaign.Achievement(1940, 1268)}}}},
		{"titles", "GET", api + "/persons/" + refPersonID + "/titles", 200, personTitleList{Items: []personTitle{toPersonTitle(ended), toPersonTitle(title)}}},
		{"add title", "POST", api + "/persons/" + refPersonID + "/titles", 201, toPersonTitle(title)},
		{"no person", "POST", api + "/persons/" + refPersonID + "/titles", 404, errorBody("not_found", "person_not_found")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			doc.CheckResponse(t, tc.method, tc.path, tc.status, body)
		})
	}
}

// fineKind is the kind of a fine in its wire form.
func fineKind(f any) string {
	switch f := f.(type) {
	case syncdata.FixedFine:
		return f.Kind
	case syncdata.TieredFine:
		return f.Kind
	case syncdata.MultipleFine:
		return f.Kind
	}
	return ""
}

// TestFineInput reads each fine model strictly, naming what does not fit as the domain would.
func TestFineInput(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       legal.FineModel // nil: none
		field      string          // the field error expected, if any
	}{
		{"fixed", `{"kind": "fixed", "min": 1000000, "max": 2000000}`, legal.FixedRange{}, ""},
		{"fixed unknown", `{"kind": "fixed", "min": null, "max": null}`, legal.FixedRange{}, ""},
		{"tiers", `{"kind": "tiers", "quantity": "instrument_value", "tiers": [{"over": null, "up_to": 5000000, "min": null, "max": null, "legal_basis": "khoản 1", "confirmed": false, "source": "x", "note": null}]}`, legal.Tiers{}, ""},
		{"multiple", `{"kind": "multiple", "quantity": "illegal_gain", "min_times": 1, "max_times": 1.5}`, legal.Multiple{}, ""},
		{"four decimals", `{"kind": "multiple", "quantity": "illegal_gain", "min_times": 1.0005, "max_times": 2}`, legal.Multiple{}, "fine.min_times"},
		{"unknown kind", `{"kind": "percent"}`, nil, "fine.kind"},
		{"field of another kind", `{"kind": "fixed", "min": 1, "max": 2, "quantity": "goods_value"}`, nil, "fine"},
		{"not an object", `[1, 2]`, nil, "fine"},
		{"absent", ``, nil, ""},
		{"null", `null`, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var k []errs.FieldError
			got := fineJSON(tc.json).model(&k)
			switch {
			case tc.field == "" && len(k) > 0:
				t.Fatalf("field errors %v", k)
			case tc.field != "" && (len(k) != 1 || k[0].Field != tc.field):
				t.Fatalf("field errors %v, want one on %s", k, tc.field)
			}
			if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", tc.want) {
				t.Fatalf("got %#v, want a %T", got, tc.want)
			}
		})
	}
}
