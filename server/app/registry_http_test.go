package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// seedCaoBang loads the embedded administrative units of Cao Bằng into the server's organisation.
func seedCaoBang(t *testing.T, srv *apptest.Server) {
	t.Helper()
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.Units.Seed(context.Background(), identity.Operator, srv.Org.ID, seed); err != nil {
		t.Fatal(err)
	}
}

// The parts of the answers the test looks at.
type (
	idBody struct {
		ID string `json:"id"`
	}
	pageBody[T any] struct {
		Items  []T `json:"items"`
		Total  int `json:"total"`
		Limit  int `json:"limit"`
		Offset int `json:"offset"`
	}
	unitBody struct {
		Code string `json:"code"`
	}
	siteBody struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Units []struct {
			UnitCode  string `json:"unit_code"`
			ValidFrom string `json:"valid_from"`
			ValidTo   string `json:"valid_to"`
		} `json:"units"`
	}
	errorBody struct {
		Error struct {
			Code   string `json:"code"`
			Fields []struct {
				Field string `json:"field"`
				Code  string `json:"code"`
			} `json:"fields"`
		} `json:"error"`
	}
	reportBody struct {
		Summary struct {
			DryRun   bool `json:"dry_run"`
			Rows     int  `json:"rows"`
			Created  int  `json:"created"`
			Errors   int  `json:"errors"`
			Subjects struct {
				Created int `json:"created"`
			} `json:"subjects"`
			Sites struct {
				Created int `json:"created"`
			} `json:"sites"`
			IgnoredColumns []string `json:"ignored_columns"`
		} `json:"summary"`
		Problems []struct {
			Row     int    `json:"row"`
			Column  string `json:"column"`
			Code    string `json:"code"`
			Value   string `json:"value"`
			Message string `json:"message"`
		} `json:"problems"`
	}
)

// TestRegistryOverHTTP: an administrator registers a subject and its sites in the units of Cao Bằng,
// lists them by unit, day and page, is refused a serial another site has, and dry-runs an import;
// an inspector reads but cannot write. Every answer is checked against the OpenAPI document.
func TestRegistryOverHTTP(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	srv := apptest.Start(t, apptest.Config(t), c)
	seedCaoBang(t, srv)
	srv.CreateAccount(t, "admin", identity.RoleOrgAdmin)
	srv.CreateAccount(t, "inspector", identity.RoleInspector)
	admin, inspector := srv.Login(t, "admin"), srv.Login(t, "inspector")
	doc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)

	// call sends a request, checks the answer against the document and its status, and decodes it.
	call := func(want int, out any, method, path, token string, body any, header ...string) {
		t.Helper()
		r := srv.Do(t, method, path, token, body, header...)
		doc.CheckResponse(t, method, path, r.Status, r.Body)
		if r.Status != want {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, want, r.Body)
		}
		if out != nil {
			if err := json.Unmarshal(r.Body, out); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
		}
	}

	// The districts were in force until 30 June 2025 and not a day longer.
	var units pageBody[unitBody]
	call(200, &units, "GET", "/api/v1/admin-units?date=2025-06-30&level=district&sort=code", inspector, nil)
	if units.Total != 10 || len(units.Items) != 10 || units.Items[6].Code != "049" {
		t.Fatalf("districts on 2025-06-30: %+v", units)
	}
	call(200, &units, "GET", "/api/v1/admin-units?date=2025-07-01&level=district", inspector, nil)
	if units.Total != 0 || units.Items == nil {
		t.Fatalf("districts on 2025-07-01: %+v", units)
	}

	var subj idBody
	call(201, &subj, "POST", "/api/v1/subjects", admin, map[string]any{"kind": "organisation", "name": "Công ty TNHH Xăng dầu Bắc Sơn",
		"tax_code": "4800 123 456", "legal_representative": "Nông Văn An"})
	call(200, nil, "PUT", "/api/v1/subjects/"+subj.ID, admin, map[string]any{"kind": "organisation", "name": "Công ty TNHH Xăng dầu Bắc Sơn",
		"tax_code": "4800123456", "legal_representative": "Nông Văn An", "phone": "0206 385 2000"})

	// Two stations in Quảng Hòa district that became Phục Hòa commune, and a market in the city.
	var sites [3]siteBody
	for i, s := range []map[string]any{
		{"type": "fuel_station", "name": "Cửa hàng xăng dầu Tà Lùng", "address": "Thị trấn Tà Lùng", "units": []map[string]string{{"unit_code": "049"}, {"unit_code": "local-xa-phuc-hoa"}}},
		{"type": "fuel_station", "name": "Cửa hàng xăng dầu Hòa Thuận", "address": "Thị trấn Hòa Thuận", "lat": 22.5337, "lon": 106.4641,
			"units": []map[string]string{{"unit_code": "049", "valid_to": "2025-06-30"}, {"unit_code": "local-xa-phuc-hoa", "valid_from": "2025-07-01"}}},
		{"type": "market", "name": "Chợ Xanh", "address": "Phường Hợp Giang", "units": []map[string]string{{"unit_code": "040"}, {"unit_code": "local-phuong-thuc-phan"}}},
	} {
		s["subject_id"] = subj.ID
		call(201, &sites[i], "POST", "/api/v1/sites", admin, s)
	}
	if u := sites[0].Units; len(u) != 2 || u[0].UnitCode != "049" || u[0].ValidTo != "2025-06-30" || u[1].UnitCode != "local-xa-phuc-hoa" || u[1].ValidFrom != "2025-07-01" {
		t.Fatalf("the unit history of a site: %+v", u)
	}
	var errBody errorBody
	call(400, &errBody, "POST", "/api/v1/sites", admin, map[string]any{"subject_id": subj.ID, "type": "shop", "name": "Tạp hóa", "address": "Tổ 1",
		"units": []map[string]string{{"unit_code": "049", "valid_from": "2025-08-01"}}})
	if len(errBody.Error.Fields) != 1 || errBody.Error.Fields[0].Field != "units[0]" || errBody.Error.Fields[0].Code != "unit_not_in_force" {
		t.Fatalf("a district after the reform: %+v", errBody)
	}

	// The stations of the district as it was on 30 June 2025, second page of one.
	var page pageBody[siteBody]
	call(200, &page, "GET", "/api/v1/sites?unit_code=049&date=2025-06-30&type=fuel_station&sort=name&limit=1&offset=1", inspector, nil)
	if page.Total != 2 || page.Limit != 1 || page.Offset != 1 || len(page.Items) != 1 || page.Items[0].ID != sites[0].ID {
		t.Fatalf("second page of the district's stations: %+v", page)
	}
	call(200, &page, "GET", "/api/v1/sites?unit_code=local-xa-phuc-hoa&date=2025-06-30", inspector, nil)
	if page.Total != 0 {
		t.Fatalf("the commune did not exist on 2025-06-30: %+v", page)
	}
	call(200, &page, "GET", "/api/v1/sites?unit_code=local-xa-phuc-hoa&date=2026-03-02&q=hoa%20thuan", inspector, nil)
	if page.Total != 1 || page.Items[0].ID != sites[1].ID {
		t.Fatalf("search in the commune: %+v", page)
	}
	call(400, &errBody, "GET", "/api/v1/sites?limit=zero&sort=population", inspector, nil)
	if errBody.Error.Code != "validation_failed" || len(errBody.Error.Fields) != 2 {
		t.Fatalf("bad list parameters: %+v", errBody)
	}

	// A serial belongs to one site: the same dispenser at the other station is refused, naming it.
	call(201, nil, "POST", "/api/v1/instruments", admin, map[string]any{"site_id": sites[0].ID, "kind": "fuel_dispenser", "serial": "cd-2019 0001"})
	call(409, &errBody, "POST", "/api/v1/instruments", admin, map[string]any{"site_id": sites[1].ID, "kind": "fuel_dispenser", "serial": "CD-2019  0001"})
	if errBody.Error.Code != "serial_taken" || len(errBody.Error.Fields) != 1 || errBody.Error.Fields[0].Field != "serial" {
		t.Fatalf("duplicate serial: %+v", errBody)
	}

	// Licences expiring within 30 days of 2 March 2026.
	for number, expiry := range map[string]string{"12/GCN-SCT": "2026-03-20", "13/GCN-SCT": "2028-05-09"} {
		call(201, nil, "POST", "/api/v1/licences", admin, map[string]any{"kind": "station_eligibility_certificate", "number": number, "site_id": sites[0].ID, "expiry": expiry})
	}
	var licences pageBody[struct {
		Number string `json:"number"`
	}]
	call(200, &licences, "GET", "/api/v1/licences?expiring_within_days=30", inspector, nil)
	if licences.Total != 1 || licences.Items[0].Number != "12/GCN-SCT" {
		t.Fatalf("licences expiring within 30 days: %+v", licences)
	}

	var iu idBody
	call(201, &iu, "POST", "/api/v1/issuing-units", admin, map[string]any{"code": "TTS", "name": "Thanh tra Sở", "valid_from": "2020-01-01"})
	call(200, nil, "GET", "/api/v1/issuing-units/"+iu.ID, inspector, nil)
	call(409, nil, "POST", "/api/v1/issuing-units", admin, map[string]any{"code": "TTS", "name": "Thanh tra Sở (trùng)"})

	// An inspector reads the registry and cannot change it.
	call(200, nil, "GET", "/api/v1/subjects/"+subj.ID, inspector, nil)
	call(403, &errBody, "POST", "/api/v1/subjects", inspector, map[string]any{"kind": "individual", "name": "Nông Thị Hoa", "id_number": "004191000001"})
	if errBody.Error.Code != "role_required" {
		t.Fatalf("an inspector creating a subject: %+v", errBody)
	}

	// A dry run of a small file: one good row, one with a bad tax code; nothing is written.
	csv := []byte("subject_kind,subject_name,tax_code,site_type,site_name,site_address,unit_codes,STT\n" +
		"Tổ chức,Công ty CP Chợ Nước Giáp,4800200300,Chợ,Chợ Nước Giáp,\"Phường Hợp Giang, TP Cao Bằng\",040;local-phuong-thuc-phan,1\n" +
		"organisation,Công ty sai mã số thuế,48001,shop,Cửa hàng,Tổ 1,040,2\n")
	var rep reportBody
	call(200, &rep, "POST", "/api/v1/registry/import?dry_run=true", admin, csv, "Content-Type", "text/csv; charset=utf-8")
	s := rep.Summary
	if !s.DryRun || s.Rows != 2 || s.Created != 1 || s.Errors != 1 || s.Subjects.Created != 1 || s.Sites.Created != 1 || len(s.IgnoredColumns) != 1 {
		t.Fatalf("dry-run summary: %+v", s)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Row != 3 || rep.Problems[0].Column != "tax_code" || rep.Problems[0].Code != "invalid_tax_code" ||
		rep.Problems[0].Value != "48001" || rep.Problems[0].Message == "" {
		t.Fatalf("dry-run problems: %+v", rep.Problems)
	}
	var subjects pageBody[idBody]
	call(200, &subjects, "GET", "/api/v1/subjects", admin, nil)
	if subjects.Total != 1 {
		t.Fatalf("a dry run wrote %d subjects", subjects.Total-1)
	}

	// Files the import cannot read at all.
	call(400, &errBody, "POST", "/api/v1/registry/import", admin, csv, "Content-Type", "application/pdf")
	if errBody.Error.Code != "unsupported_format" {
		t.Fatalf("a PDF: %+v", errBody)
	}
	call(400, &errBody, "POST", "/api/v1/registry/import", admin, []byte("subject_kind,subject_name\n"), "Content-Type", "text/csv")
	if errBody.Error.Code != "missing_column" || len(errBody.Error.Fields) == 0 || errBody.Error.Fields[0].Code != "missing_column" {
		t.Fatalf("a header without the required columns: %+v", errBody)
	}
	call(403, nil, "POST", "/api/v1/registry/import", inspector, csv, "Content-Type", "text/csv")
}
