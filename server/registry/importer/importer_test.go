package importer_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/importer"
)

// fixture is a fresh database with an organisation whose administrative units are Cao Bằng's.
type fixture struct {
	store *gormstore.Store
	reg   *registry.Service
	imp   *importer.Importer
	org   identity.Organisation
	admin identity.Principal
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	ids := &identity.Service{Store: st, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: c, IDs: clock.UUIDv7{}}
	org, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở KH&CN Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	units := &adminunit.Service{Store: st, Clock: c}
	if _, err := units.Seed(ctx, identity.Operator, org.ID, seed); err != nil {
		t.Fatal(err)
	}
	reg := &registry.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}
	return &fixture{store: st, reg: reg, imp: &importer.Importer{Registry: reg}, org: org,
		admin: identity.Principal{AccountID: "admin", OrgID: org.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}}
}

func (f *fixture) importFile(t testing.TB, path string, o importer.Options) (importer.Summary, error) {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	format, err := importer.FormatOf(path)
	if err != nil {
		t.Fatal(err)
	}
	return f.imp.Import(context.Background(), f.admin, f.org.ID, file, format, o)
}

// totals counts the organisation's subjects, sites, instruments and licences.
func (f *fixture) totals(t testing.TB) [4]int {
	t.Helper()
	ctx := context.Background()
	one := registry.ListOptions{Page: paging.Page{Limit: 1}}
	s, err := f.reg.Subjects(ctx, f.admin, f.org.ID, registry.SubjectFilter{ListOptions: one})
	if err != nil {
		t.Fatal(err)
	}
	si, err := f.reg.Sites(ctx, f.admin, f.org.ID, registry.SiteFilter{ListOptions: one})
	if err != nil {
		t.Fatal(err)
	}
	in, err := f.reg.Instruments(ctx, f.admin, f.org.ID, registry.InstrumentFilter{ListOptions: one})
	if err != nil {
		t.Fatal(err)
	}
	l, err := f.reg.Licences(ctx, f.admin, f.org.ID, registry.LicenceFilter{ListOptions: one})
	if err != nil {
		t.Fatal(err)
	}
	return [4]int{s.Total, si.Total, in.Total, l.Total}
}

var englishHeader = []string{"subject_kind", "subject_name", "tax_code", "id_number", "legal_representative", "subject_address",
	"phone", "site_type", "site_name", "site_address", "unit_codes", "latitude", "longitude", "instrument_kind", "serial", "model",
	"manufacturer", "pattern_approval", "verification_certificate", "verification_expiry", "seal_state", "inspection_expiry",
	"licence_kind", "licence_number", "licence_holder", "licence_scope", "licence_issued", "licence_expiry"}

var districts = []string{"040", "042", "043", "045", "047", "048", "049", "051", "052", "053"}
var communes = []string{"local-phuong-thuc-phan", "local-xa-quang-lam", "local-xa-bao-lac", "local-xa-ha-quang", "local-xa-phuc-hoa"}

// writeRegistryXLSX writes n instrument rows in the wide layout: subjects of every kind with two sites
// each, five instruments per site; X-ray sites carry their licence on the first row of the site. Dates
// are written both as date cells and as text. The sheet declares its used range, as Excel's files do
// (excelize's own writers leave it at "A1", and the importer then reports progress without a total).
func writeRegistryXLSX(t testing.TB, path string, n int) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	head := make([]any, len(englishHeader))
	for i, h := range englishHeader {
		head[i] = h
	}
	if err := f.SetSheetRow("Sheet1", "A1", &head); err != nil {
		t.Fatal(err)
	}
	expiry := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		siteNo, inst := i/5, i%5
		subjNo := siteNo / 2
		var kind, taxCode, idNumber, name string
		switch subjNo % 5 {
		case 0, 1, 2:
			kind, taxCode, name = "organisation", fmt.Sprintf("48%08d", subjNo), fmt.Sprintf("Công ty TNHH Thương mại %d", subjNo)
		case 3:
			kind, idNumber, name = "individual", fmt.Sprintf("004%09d", subjNo), fmt.Sprintf("Nông Văn Đức %d", subjNo)
		default:
			kind, idNumber, name = "Hộ kinh doanh", fmt.Sprintf("004%09d", subjNo), fmt.Sprintf("Hộ kinh doanh Hoàng Thị Lan %d", subjNo)
		}
		var siteType, instKind, seal string
		var verif, inspection any = expiry, ""
		var licKind, licNo, licIssued, licExpiry string
		switch siteNo % 3 {
		case 0:
			siteType, instKind, seal = "fuel_station", "fuel_dispenser", []string{"intact", "Nguyên vẹn", "broken", "unknown", "missing"}[inst]
		case 1:
			siteType, instKind = "market", "scale"
			verif = "30/06/2027"
		default:
			siteType, instKind, verif, inspection = "xray_facility", "xray_device", "", expiry
			if inst == 0 {
				licKind, licNo, licIssued, licExpiry = "radiation_work_licence", fmt.Sprintf("%d/GP-SKHCN", siteNo), "2024-07-01", "2027-07-01"
			}
		}
		units := districts[siteNo%len(districts)] + ";" + communes[siteNo%len(communes)]
		cells := []any{kind, name, taxCode, idNumber, "Nông Văn An", fmt.Sprintf("Tổ %d, phường Sông Hiến", subjNo), "0206 385 2000",
			siteType, fmt.Sprintf("Cơ sở %d", siteNo), fmt.Sprintf("Số %d, đường Kim Đồng, Cao Bằng", siteNo), units,
			22.6657 + float64(siteNo)/10000, 106.2522, instKind, fmt.Sprintf("SN-%06d", i), "Tatsuno SUNNY", "Tatsuno",
			"PDM 123-2019", fmt.Sprintf("KĐ-%d", i), verif, seal, inspection, licKind, licNo, "", "", licIssued, licExpiry}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow("Sheet1", cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	last, _ := excelize.CoordinatesToCellName(len(englishHeader), n+1)
	if err := f.SetSheetDimension("Sheet1", "A1:"+last); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// xlsxRows is the size of the generated workbook: 5,000 instruments at 1,000 sites of 500 subjects.
const xlsxRows = 5000

// TestImportXLSX imports a generated 5,000-row workbook: a dry run writes nothing and reports what an
// import creates; the import creates it; importing again changes nothing and reports every row
// unchanged. The audit log verifies afterwards.
func TestImportXLSX(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "registry.xlsx")
	writeRegistryXLSX(t, path, xlsxRows)
	wantCreated := importer.Summary{Rows: xlsxRows, Created: xlsxRows,
		Subjects: importer.Counts{Created: 500}, Sites: importer.Counts{Created: 1000},
		Instruments: importer.Counts{Created: 5000}, Licences: importer.Counts{Created: 333}}

	var progress []importer.Progress
	dry, err := f.importFile(t, path, importer.Options{DryRun: true, Progress: func(p importer.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	want := wantCreated
	want.DryRun = true
	if !reflect.DeepEqual(dry, want) {
		t.Fatalf("dry run:\n got %+v\nwant %+v", dry, want)
	}
	if got := f.totals(t); got != [4]int{} {
		t.Fatalf("the dry run wrote %v", got)
	}
	if len(progress) != xlsxRows/importer.DefaultChunkRows || progress[len(progress)-1] != (importer.Progress{Done: xlsxRows, Total: xlsxRows}) {
		t.Errorf("progress %v", progress)
	}

	applied, err := f.importFile(t, path, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(applied, wantCreated) {
		t.Fatalf("import:\n got %+v\nwant %+v", applied, wantCreated)
	}
	if got := f.totals(t); got != [4]int{500, 1000, 5000, 333} {
		t.Fatalf("stored %v", got)
	}

	again, err := f.importFile(t, path, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantAgain := importer.Summary{Rows: xlsxRows, Unchanged: xlsxRows, Subjects: importer.Counts{Unchanged: 500},
		Sites: importer.Counts{Unchanged: 1000}, Instruments: importer.Counts{Unchanged: 5000}, Licences: importer.Counts{Unchanged: 333}}
	if !reflect.DeepEqual(again, wantAgain) {
		t.Fatalf("second import:\n got %+v\nwant %+v", again, wantAgain)
	}

	// What was stored is what the file said, dates and unit history included.
	ctx := context.Background()
	sites, err := f.reg.Sites(ctx, f.admin, f.org.ID, registry.SiteFilter{Text: "so 7 duong kim dong"})
	if err != nil || sites.Total != 1 {
		t.Fatalf("sites matching the address of site 7: %+v, %v", sites, err)
	}
	site := sites.Items[0]
	before, ok1 := site.UnitOn(adminunit.Date(2025, 6, 30))
	after, ok2 := site.UnitOn(adminunit.Date(2025, 7, 1))
	if !ok1 || !ok2 || before.UnitCode != "051" || after.UnitCode != "local-xa-bao-lac" {
		t.Errorf("site 7 was in %+v before the reform and %+v after", before, after)
	}
	ins, err := f.reg.Instruments(ctx, f.admin, f.org.ID, registry.InstrumentFilter{SiteID: site.ID})
	if err != nil || ins.Total != 5 {
		t.Fatalf("instruments of site 7: %+v, %v", ins, err)
	}
	if got := ins.Items[0]; got.Kind != registry.Scale || !got.VerificationExpiry.Equal(adminunit.Date(2027, 6, 30)) || got.Serial != "SN-000035" {
		t.Errorf("instrument %+v", got)
	}
	rep, err := audit.Verify(ctx, f.store)
	if err != nil || !rep.OK() {
		t.Fatalf("audit verify: %+v, %v", rep, err)
	}
	if rep.Events < 500+1000+5000+333 {
		t.Errorf("%d audit events, want one per entity created at least", rep.Events)
	}
}

// errorsCSV has one good row, rows with one mistake each, a row repeating the good one's subject with
// another instrument, and a row with two mistakes. Its headers are the Vietnamese ones.
const errorsCSV = `Loại đối tượng,Tên đối tượng,Mã số thuế,Số định danh cá nhân,Điện thoại,Loại cơ sở,Tên cơ sở,Địa chỉ cơ sở,Mã đơn vị hành chính,Loại thiết bị,Số sản xuất,Hạn kiểm định,Tình trạng niêm phong,Ghi chú
Tổ chức,Công ty TNHH Xăng dầu Bắc Sơn,4800123456,,0206 385 2000,Cửa hàng xăng dầu,Cửa hàng xăng dầu số 1,"Số 12, phố Kim Đồng",040;local-phuong-thuc-phan,Cột đo xăng dầu,CD-001,2026-06-30,Nguyên vẹn,tốt
Tổ chức,Công ty CP Vật tư Hòa An,48001234AB,,,Cửa hàng xăng dầu,Cửa hàng Hòa An,"Km 5, quốc lộ 3",051,Cột đo xăng dầu,CD-101,,,
Tổ chức,Công ty CP Vật tư Hòa An,4800000051,,,cây xăng dầu,Cửa hàng Hòa An,"Km 5, quốc lộ 3",051,Cột đo xăng dầu,CD-101,,,
Tổ chức,Công ty TNHH Minh Khai,4800765432,,,Cửa hàng xăng dầu,Cửa hàng Minh Khai,"Số 3, đường Hoàng Đình Giong",040,Cột đo xăng dầu,cd-001,,,
Hộ kinh doanh,Hộ kinh doanh Lương Văn Tư,,004091001234,,Chợ,Sạp cân chợ Xanh,"Chợ Xanh, phường Hợp Giang",999,Cân,C-7,,,
Tổ chức,Công ty TNHH Xăng dầu Bắc Sơn,4800123456,,0206 385 2000,Cửa hàng xăng dầu,Cửa hàng xăng dầu số 1,"Số 12, phố Kim Đồng",040;local-phuong-thuc-phan,Cột đo xăng dầu,CD-003,31.12.2026,,
Cá nhân,Nông Thị Hoa,,004191000001,,Cửa hàng,,"Tổ 2, phường Tân Giang",local-phuong-tan-giang,,,,,
Tổ chức,Công ty TNHH Xăng dầu Bắc Sơn,4800123456,,0206 385 2000,Cửa hàng xăng dầu,Cửa hàng xăng dầu số 1,"số 12 phố Kim Đồng",040;local-phuong-thuc-phan,Cột đo xăng dầu,CD-002,2026-06-30,Nguyên vẹn,
Cá nhân,Hoàng Văn Nam,,12345,abc,Cửa hàng,Tạp hóa Nam,"Tổ 9, phường Đề Thám",040,,,,,
Tổ chức,Công ty Xăng dầu Bắc Sơn,4800123456,,0206 385 2000,Cửa hàng xăng dầu,Cửa hàng xăng dầu số 1,"Số 12, phố Kim Đồng",040;local-phuong-thuc-phan,Cột đo xăng dầu,CD-004,,,
`

// problemLine is a problem as the test compares it.
func problemLine(p importer.Problem) string {
	return fmt.Sprintf("%d %s %q %s %q", p.Row, p.Column, p.Header, p.Code, p.Value)
}

func TestImportCSVErrorsReportedPerRowAndColumn(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "errors.csv")
	if err := os.WriteFile(path, []byte(errorsCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	wantProblems := []string{
		`3 tax_code "Mã số thuế" invalid_tax_code "48001234AB"`,
		`4 site_type "Loại cơ sở" unknown_site_type "cây xăng dầu"`,
		`5 serial "Số sản xuất" serial_taken "cd-001"`,
		`6 unit_codes "Mã đơn vị hành chính" unknown_unit "999"`,
		`7 verification_expiry "Hạn kiểm định" invalid_date "31.12.2026"`,
		`8 site_name "Tên cơ sở" required ""`,
		`10 id_number "Số định danh cá nhân" invalid_id_number "12345"`,
		`10 phone "Điện thoại" invalid_phone "abc"`,
		`11 subject_name "Tên đối tượng" inconsistent_row "Công ty Xăng dầu Bắc Sơn"`,
	}
	check := func(t *testing.T, sum importer.Summary, wantCreated, wantUnchanged int) {
		t.Helper()
		var got []string
		for _, p := range sum.Problems {
			got = append(got, problemLine(p))
			if p.Message == "" || p.MessageEN == "" {
				t.Errorf("problem %s has no message", problemLine(p))
			}
		}
		if !reflect.DeepEqual(got, wantProblems) {
			t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantProblems, "\n"))
		}
		if sum.Rows != 10 || sum.Errors != 8 || sum.Created != wantCreated || sum.Unchanged != wantUnchanged || sum.Updated != 0 {
			t.Errorf("summary %+v", sum)
		}
		if !reflect.DeepEqual(sum.IgnoredColumns, []string{"Ghi chú"}) {
			t.Errorf("ignored columns %q", sum.IgnoredColumns)
		}
	}
	t.Run("dry run", func(t *testing.T) {
		sum, err := f.importFile(t, path, importer.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		check(t, sum, 2, 0)
		if got := f.totals(t); got != [4]int{} {
			t.Fatalf("the dry run wrote %v", got)
		}
	})
	t.Run("import", func(t *testing.T) {
		sum, err := f.importFile(t, path, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		check(t, sum, 2, 0)
		if got := f.totals(t); got != [4]int{1, 1, 2, 0} {
			t.Fatalf("stored %v, want the good rows' subject, site and two dispensers", got)
		}
		if sum.Subjects != (importer.Counts{Created: 1}) || sum.Sites != (importer.Counts{Created: 1}) || sum.Instruments != (importer.Counts{Created: 2}) {
			t.Errorf("entities %+v", sum)
		}
	})
	t.Run("import again", func(t *testing.T) {
		sum, err := f.importFile(t, path, importer.Options{})
		if err != nil {
			t.Fatal(err)
		}
		check(t, sum, 0, 2)
	})
}

func TestImportRefusesHeaderWithoutRequiredColumn(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "missing.csv")
	csv := "Loại đối tượng,Tên đối tượng,Mã số thuế,Tên cơ sở,Địa chỉ cơ sở,Mã đơn vị hành chính,Mã số thuế\n" +
		"Tổ chức,Công ty A,4800123456,Cửa hàng A,Số 1,040,4800123456\n"
	if err := os.WriteFile(path, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := f.importFile(t, path, importer.Options{})
	if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeDuplicateColumn {
		t.Fatalf("got %v, want invalid/duplicate_column (the first problem of the header)", err)
	}
	var got []string
	for _, p := range sum.Problems {
		got = append(got, problemLine(p))
	}
	want := []string{`1 tax_code "Mã số thuế" duplicate_column "Mã số thuế"`, `1 site_type "" missing_column ""`}
	if !reflect.DeepEqual(got, want) || sum.Rows != 0 {
		t.Fatalf("problems %q (rows %d), want %q", got, sum.Rows, want)
	}
	if f.totals(t) != [4]int{} {
		t.Fatal("a refused file wrote something")
	}
}

// TestImportUpdatesOnlyColumnsPresent imports a subject, then a file without its phone column and
// with another representative: the representative is updated, the phone kept.
func TestImportUpdatesOnlyColumnsPresent(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	first := filepath.Join(dir, "first.csv")
	second := filepath.Join(dir, "second.csv")
	os.WriteFile(first, []byte("subject_kind;subject_name;tax_code;legal_representative;phone;site_type;site_name;site_address;unit_codes;latitude;longitude\n"+
		"organisation;Công ty A;4800123456;Nông Văn An;0206 385 2000;shop;Cửa hàng A;Số 1, phố Vườn Cam;040;22,6657;106,2522\n"), 0o600)
	os.WriteFile(second, []byte("subject_kind,subject_name,tax_code,legal_representative,site_type,site_name,site_address,unit_codes\n"+
		"organisation,Công ty A,4800123456,Hoàng Thị Bích,shop,Cửa hàng A,\"số 1 phố vườn cam\",040\n"), 0o600)
	if sum, err := f.importFile(t, first, importer.Options{}); err != nil || sum.Created != 1 {
		t.Fatalf("first import %+v, %v", sum, err)
	}
	sum, err := f.importFile(t, second, importer.Options{})
	if err != nil || sum.Updated != 1 || sum.Subjects.Updated != 1 || sum.Sites.Updated != 1 {
		t.Fatalf("second import %+v, %v", sum, err)
	}
	page, err := f.reg.Subjects(context.Background(), f.admin, f.org.ID, registry.SubjectFilter{})
	if err != nil || page.Total != 1 {
		t.Fatal(page, err)
	}
	if s := page.Items[0]; s.LegalRepresentative != "Hoàng Thị Bích" || s.Phone != "0206 385 2000" {
		t.Fatalf("subject %+v", s)
	}
	sites, _ := f.reg.Sites(context.Background(), f.admin, f.org.ID, registry.SiteFilter{})
	if s := sites.Items[0]; s.Address != "số 1 phố vườn cam" || s.Lat == nil || *s.Lat != 22.6657 {
		t.Fatalf("site %+v: the address is the key's latest spelling, the coordinates kept", s)
	}
}

func TestImportOnlyByAdministrators(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte(errorsCSV), 0o600)
	file, _ := os.Open(path)
	defer file.Close()
	chief := identity.Principal{AccountID: "chief", OrgID: f.org.ID, Roles: []identity.Role{identity.RoleChief}}
	if _, err := f.imp.Import(context.Background(), chief, f.org.ID, file, importer.CSV, importer.Options{DryRun: true}); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("a chief imported: %v", err)
	}
	other := identity.Principal{AccountID: "admin-b", OrgID: "another-org", Roles: []identity.Role{identity.RoleOrgAdmin}}
	if _, err := f.imp.Import(context.Background(), other, f.org.ID, file, importer.CSV, importer.Options{DryRun: true}); errs.KindOf(err) != errs.Forbidden {
		t.Fatalf("another organisation's administrator imported: %v", err)
	}
}

// TestExampleFile keeps schemas/examples/registry-import.csv importable without a problem.
func TestExampleFile(t *testing.T) {
	f := newFixture(t)
	sum, err := f.importFile(t, filepath.Join("..", "..", "..", "schemas", "examples", "registry-import.csv"), importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 0 || len(sum.Problems) != 0 || sum.Rows == 0 || len(sum.IgnoredColumns) != 0 {
		t.Fatalf("example file: %+v", sum)
	}
	if sum.Subjects.Created == 0 || sum.Sites.Created == 0 || sum.Instruments.Created == 0 || sum.Licences.Created == 0 {
		t.Errorf("the example should show every entity: %+v", sum)
	}
}

// BenchmarkImportXLSX imports the 5,000-row workbook into a fresh organisation per iteration and
// reports rows per second. Run: go test -run X -bench ImportXLSX ./server/... (with TEST_DATABASE_URL
// for PostgreSQL).
func BenchmarkImportXLSX(b *testing.B) {
	path := filepath.Join(b.TempDir(), "registry.xlsx")
	writeRegistryXLSX(b, path, xlsxRows)
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f := newFixture(b)
		b.StartTimer()
		sum, err := f.importFile(b, path, importer.Options{})
		if err != nil || sum.Created != xlsxRows {
			b.Fatalf("import %+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(xlsxRows*b.N)/b.Elapsed().Seconds(), "rows/s")
}
