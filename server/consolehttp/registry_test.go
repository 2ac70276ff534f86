package consolehttp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/importer"
)

const sampleID = "01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f"

// registryRequestBodies are the request bodies of the registry routes, with a typical body of each,
// for TestOpenAPIRequestBodies.
var registryRequestBodies = map[string]struct {
	schema string
	sample any
}{
	"POST /subjects":          {"registry-subject-request.schema.json", sampleSubject},
	"PUT /subjects/{id}":      {"registry-subject-request.schema.json", sampleSubject},
	"POST /sites":             {"registry-site-request.schema.json", sampleSite},
	"PUT /sites/{id}":         {"registry-site-request.schema.json", sampleSite},
	"POST /instruments":       {"registry-instrument-request.schema.json", sampleInstrument},
	"PUT /instruments/{id}":   {"registry-instrument-request.schema.json", sampleInstrument},
	"POST /licences":          {"registry-licence-request.schema.json", sampleLicence},
	"PUT /licences/{id}":      {"registry-licence-request.schema.json", sampleLicence},
	"POST /issuing-units":     {"registry-issuing-unit-request.schema.json", sampleIssuingUnit},
	"PUT /issuing-units/{id}": {"registry-issuing-unit-request.schema.json", sampleIssuingUnit},
}

var (
	lat, lon      = 22.6657, 106.2522
	sampleSubject = subjectRequest{Kind: "organisation", Name: "Công ty TNHH Xăng dầu Bắc Sơn", TaxCode: "4800123456",
		LegalRepresentative: "Nông Văn An", Address: "Số 12, phố Kim Đồng, TP Cao Bằng", Phone: "0206 385 2000"}
	sampleSite = siteRequest{SubjectID: sampleID, Type: "fuel_station", Name: "Cửa hàng xăng dầu số 1", Address: "Số 12, phố Kim Đồng",
		Lat: &lat, Lon: &lon, Units: []siteUnitRequest{{UnitCode: "049", ValidTo: "2025-06-30"}, {UnitCode: "local-xa-phuc-hoa", ValidFrom: "2025-07-01"}}}
	sampleInstrument = instrumentRequest{SiteID: sampleID, Kind: "fuel_dispenser", Serial: "CD-2019-0001", Model: "SUNNY-2", Manufacturer: "Tatsuno",
		PatternApproval: "PDM 123-2019", VerificationCertificate: "KĐ 01/2025", VerificationExpiry: "2026-06-30", SealState: "intact"}
	sampleLicence = licenceRequest{Kind: "radiation_worker_certificate", Number: "CC-0192", SiteID: sampleID, HolderName: "Đàm Thị Hương",
		Scope: "Vận hành thiết bị X-quang", Issued: "2022-03-15", Expiry: "2027-03-14"}
	sampleIssuingUnit = issuingUnitRequest{Code: "TTS", Name: "Thanh tra Sở", ValidFrom: "2020-01-01"}
)

// TestRegistryWireStructsMatchSchemas checks each response struct of the registry field by field
// against its schema file.
func TestRegistryWireStructsMatchSchemas(t *testing.T) {
	for _, tc := range []struct {
		schema string
		wire   any
	}{
		{"registry-subject.schema.json", subject{}},
		{"registry-subject-list.schema.json", listBody[subject]{}},
		{"registry-site.schema.json", site{}},
		{"registry-site-list.schema.json", listBody[site]{}},
		{"registry-instrument.schema.json", instrument{}},
		{"registry-instrument-list.schema.json", listBody[instrument]{}},
		{"registry-licence.schema.json", licence{}},
		{"registry-licence-list.schema.json", listBody[licence]{}},
		{"registry-issuing-unit.schema.json", issuingUnit{}},
		{"registry-issuing-unit-list.schema.json", listBody[issuingUnit]{}},
		{"admin-unit.schema.json", adminUnit{}},
		{"admin-unit-list.schema.json", listBody[adminUnit]{}},
		{"registry-import-report.schema.json", importReport{}},
	} {
		t.Run(tc.schema, func(t *testing.T) { schematest.CheckStruct(t, tc.schema, tc.wire, schematest.Response) })
	}
}

// TestRegistryWireBodiesMatchOpenAPI renders typical answers with the mapping functions and checks
// each against the response the document gives for its route and status.
func TestRegistryWireBodiesMatchOpenAPI(t *testing.T) {
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	created := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	subj := registry.Subject{ID: sampleID, OrgID: sampleID, Kind: registry.HouseholdBusiness, Name: "Hộ kinh doanh Lương Văn Tư",
		IDNumber: "004091001234", CreatedAt: created, UpdatedAt: created}
	st := registry.Site{ID: sampleID, OrgID: sampleID, SubjectID: sampleID, Type: registry.Market, Name: "Sạp cân chợ Xanh", Address: "Chợ Xanh",
		Units: []registry.SiteUnit{
			{UnitID: sampleID, UnitCode: "049", UnitName: "Huyện Quảng Hòa", ValidFrom: adminunit.Date(2020, 3, 1), ValidTo: adminunit.Date(2025, 6, 30)},
			{UnitID: sampleID, UnitCode: "local-xa-phuc-hoa", UnitName: "Xã Phục Hòa", ValidFrom: adminunit.Date(2025, 7, 1)}},
		CreatedAt: created, UpdatedAt: created}
	bare := st
	bare.Units = nil
	inst := registry.Instrument{ID: sampleID, OrgID: sampleID, SiteID: sampleID, Kind: registry.XRayDevice, Serial: "XR-88231",
		InspectionExpiry: adminunit.Date(2026, 9, 30), CreatedAt: created, UpdatedAt: created}
	lic := registry.Licence{ID: sampleID, OrgID: sampleID, Kind: registry.RadiationWorkLicence, Number: "45/GP-SKHCN", SiteID: sampleID,
		Issued: adminunit.Date(2024, 7, 1), Expiry: adminunit.Date(2027, 7, 1), CreatedAt: created, UpdatedAt: created}
	iu := registry.IssuingUnit{ID: sampleID, OrgID: sampleID, Code: "TTS", Name: "Thanh tra Sở", CreatedAt: created, UpdatedAt: created}
	unit := adminunit.Unit{ID: sampleID, Code: "049", Name: "Huyện Quảng Hòa", Level: adminunit.District, ParentID: sampleID, ParentCode: "04",
		ValidFrom: adminunit.Date(2020, 3, 1), ValidTo: adminunit.Date(2025, 6, 30), Confirmed: true}
	province := adminunit.Unit{ID: sampleID, Code: "04", Name: "Tỉnh Cao Bằng", Level: adminunit.Province, Confirmed: true}
	succ := []adminunit.Succession{{FromCode: "049", ToCode: "local-xa-phuc-hoa", On: adminunit.Date(2025, 7, 1)}}
	page := func(n int) paging.Page { return paging.Page{Limit: 50, Offset: n} }
	report := importer.Summary{DryRun: true, Rows: 2, Created: 1, Errors: 1, Subjects: importer.Counts{Created: 1},
		Problems:       []importer.Problem{{Row: 3, Column: "tax_code", Header: "Mã số thuế", Code: errs.CodeInvalidTaxCode, Value: "48001", Message: "Mã số thuế không hợp lệ.", MessageEN: "Invalid tax code."}},
		IgnoredColumns: []string{"STT"}}
	errorBody := func(kind, code string) any {
		return map[string]any{"error": map[string]any{"kind": kind, "code": code, "message": "Thông báo", "request_id": "0123456789abcdef",
			"fields": []map[string]string{{"field": "serial", "code": code, "message": "…"}}}}
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               any
	}{
		{"admin units", "GET", "/api/v1/admin-units?date=2025-06-30", 200,
			toListBody(registry.Page[adminunit.Unit]{Items: []adminunit.Unit{province, unit}, Total: 2, Page: page(0)}, func(u adminunit.Unit) adminUnit { return toAdminUnit(u, succ) })},
		{"subjects", "GET", "/api/v1/subjects?kind=individual", 200, toListBody(registry.Page[registry.Subject]{Items: []registry.Subject{subj}, Total: 1, Page: page(0)}, toSubject)},
		{"no subjects", "GET", "/api/v1/subjects", 200, toListBody(registry.Page[registry.Subject]{Page: page(50)}, toSubject)},
		{"subject", "GET", "/api/v1/subjects/" + sampleID, 200, toSubject(subj)},
		{"subject not found", "GET", "/api/v1/subjects/" + sampleID, 404, errorBody("not_found", "subject_not_found")},
		{"create subject", "POST", "/api/v1/subjects", 201, toSubject(subj)},
		{"tax code taken", "POST", "/api/v1/subjects", 409, errorBody("conflict", "tax_code_taken")},
		{"sites", "GET", "/api/v1/sites?unit_code=049&date=2025-06-30", 200, toListBody(registry.Page[registry.Site]{Items: []registry.Site{st, bare}, Total: 2, Page: page(0)}, toSite)},
		{"update site", "PUT", "/api/v1/sites/" + sampleID, 200, toSite(st)},
		{"instrument", "GET", "/api/v1/instruments/" + sampleID, 200, toInstrument(inst)},
		{"serial taken", "POST", "/api/v1/instruments", 409, errorBody("conflict", "serial_taken")},
		{"licences", "GET", "/api/v1/licences?expiring_within_days=30", 200, toListBody(registry.Page[registry.Licence]{Items: []registry.Licence{lic}, Total: 1, Page: page(0)}, toLicence)},
		{"issuing units", "GET", "/api/v1/issuing-units", 200, toListBody(registry.Page[registry.IssuingUnit]{Items: []registry.IssuingUnit{iu}, Total: 1, Page: page(0)}, toIssuingUnit)},
		{"create issuing unit", "POST", "/api/v1/issuing-units", 201, toIssuingUnit(iu)},
		{"import report", "POST", "/api/v1/registry/import?dry_run=true", 200, toImportReport(report, "vi")},
		{"import refused", "POST", "/api/v1/registry/import", 400, errorBody("invalid", "missing_column")},
		{"import too large", "POST", "/api/v1/registry/import", 413, errorBody("too_large", "body_too_large")},
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

// TestListQuery checks how list parameters are read: defaults, the cap on the page, and each wrong
// parameter named with its code.
func TestListQuery(t *testing.T) {
	for _, tc := range []struct {
		name, query string
		page        paging.Page
		sort        string
		fields      []errs.FieldError
	}{
		{name: "defaults", page: paging.Page{Limit: paging.Default}, sort: "code"},
		{name: "page and sort", query: "limit=10&offset=20&sort=-name", page: paging.Page{Limit: 10, Offset: 20}, sort: "-name"},
		{name: "limit cut to the maximum", query: "limit=100000", page: paging.Page{Limit: paging.Max}, sort: "code"},
		{name: "wrong page", query: "limit=0&offset=-1", page: paging.Page{Limit: paging.Default}, sort: "code",
			fields: []errs.FieldError{{Field: "limit", Code: errs.CodeInvalidValue}, {Field: "offset", Code: errs.CodeInvalidValue}}},
		{name: "not numbers", query: "limit=ten&offset=1.5", page: paging.Page{Limit: paging.Default}, sort: "code",
			fields: []errs.FieldError{{Field: "limit", Code: errs.CodeInvalidValue}, {Field: "offset", Code: errs.CodeInvalidValue}}},
		{name: "unknown sort", query: "sort=population", page: paging.Page{Limit: paging.Default}, sort: "population",
			fields: []errs.FieldError{{Field: "sort", Code: errs.CodeInvalidSort}}},
		{name: "bad date and level", query: "date=30/06/2025&level=hamlet", page: paging.Page{Limit: paging.Default}, sort: "code",
			fields: []errs.FieldError{{Field: "date", Code: errs.CodeInvalidDate}, {Field: "level", Code: errs.CodeUnknownLevel}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := echo.New().NewContext(httptest.NewRequest(http.MethodGet, "/admin-units?"+tc.query, nil), httptest.NewRecorder())
			q := queryParamsOf(c)
			page, sort := q.page(), q.sort("code", "name")
			q.day("date")
			queryOneOf(q, "level", []adminunit.Level{adminunit.Province, adminunit.District, adminunit.Commune}, errs.CodeUnknownLevel)
			if page != tc.page || sort != tc.sort {
				t.Errorf("page %+v sort %q, want %+v %q", page, sort, tc.page, tc.sort)
			}
			if !slices.Equal(errs.FieldsOf(q.err()), tc.fields) {
				t.Errorf("fields %+v, want %+v", errs.FieldsOf(q.err()), tc.fields)
			}
		})
	}
}

func TestImportFormat(t *testing.T) {
	for ct, want := range map[string]importer.Format{
		"text/csv":                 importer.CSV,
		"text/csv; charset=utf-8":  importer.CSV,
		"TEXT/CSV":                 importer.CSV,
		mediaXLSX:                  importer.XLSX,
		"application/json":         "",
		"":                         "",
		"multipart/form-data; b=x": "",
	} {
		got, err := importFormat(ct)
		if got != want || (want == "") != (errs.CodeOf(err) == errs.CodeUnsupportedFormat) {
			t.Errorf("importFormat(%q) = %q, %v; want %q", ct, got, err, want)
		}
	}
}

func TestSortedPage(t *testing.T) {
	units := []registry.IssuingUnit{{ID: "3", Code: "TTS", Name: "Thanh tra Sở"}, {ID: "1", Code: "CCTĐC", Name: "Chi cục"}, {ID: "2", Code: "VP", Name: "Ấp"}}
	key := func(u registry.IssuingUnit, k string) string {
		if k == "name" {
			return u.Name + "\x00" + u.ID
		}
		return u.Code + "\x00" + u.ID
	}
	codes := func(p registry.Page[registry.IssuingUnit]) []string {
		var out []string
		for _, u := range p.Items {
			out = append(out, u.Code)
		}
		return out
	}
	if p := sortedPage(slices.Clone(units), "code", paging.Page{Limit: 2}, key); p.Total != 3 || !slices.Equal(codes(p), []string{"CCTĐC", "TTS"}) {
		t.Errorf("by code, first page: %+v", p)
	}
	if p := sortedPage(slices.Clone(units), "-code", paging.Page{Limit: 2, Offset: 2}, key); !slices.Equal(codes(p), []string{"CCTĐC"}) {
		t.Errorf("by code descending, second page: %+v", p)
	}
	if p := sortedPage(slices.Clone(units), "code", paging.Page{Limit: 2, Offset: 10}, key); p.Total != 3 || len(p.Items) != 0 {
		t.Errorf("past the end: %+v", p)
	}
}
