package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/skhcn-caobang/thanhtra"

// The import rules (STYLE.md, "Shape of this repository"): dependencies point inward. Domain packages
// import no framework; adapters are named after the technology they wrap and only app and main
// import them; the HTTP packages reach storage only through domain services.
var (
	frameworks = []string{"github.com/labstack/echo", "gorm.io/", "github.com/minio/minio-go", "github.com/glebarez/", "github.com/jackc/pgx"}
	adapters   = []string{module + "/server/gormstore", module + "/server/blob/localblob", module + "/server/blob/s3blob"}
	httpPkgs   = []string{module + "/server/httpcore", module + "/server/consolehttp", module + "/server/mobilehttp"}
	domain     = []string{
		module + "/server/errs", module + "/server/clock", module + "/server/identity", module + "/server/auth",
		module + "/server/audit", module + "/server/jobs", module + "/server/blob", module + "/server/config",
		module + "/schemas", module + "/mobile-api/contract", module + "/mobile-api/document", module + "/server/campaign",
		module + "/server/checklist", module + "/server/paging", module + "/server/numbering", module + "/server/syncfeed", module + "/server/syncpush", module + "/server/syncdata", module + "/server/syncsvc",
		module + "/server/legal", module + "/server/penalty", module + "/server/evidence",
		module + "/server/evidenceview", module + "/server/thumbnail", module + "/server/integrity",
		module + "/server/adminunit", module + "/server/registry", module + "/server/registry/importer", module + "/server/registry/vntext",
		module + "/server/stats",
		module + "/server/export", module + "/server/statsreport",
	}
	testOnly = []string{module + "/schemas/schematest", module + "/server/gormstore/storetest", module + "/server/blob/blobtest"}
)

type listedPackage struct {
	ImportPath string
	Deps       []string
}

func listPackages(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs[p.ImportPath] = p.Deps
	}
	return pkgs
}

func hasPrefix(s string, prefixes []string) (string, bool) {
	for _, p := range prefixes {
		if s == p || strings.HasPrefix(s, p) && (strings.HasSuffix(p, "/") || strings.HasPrefix(s[len(p):], "/")) {
			return p, true
		}
	}
	return "", false
}

func TestImportRules(t *testing.T) {
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, d := range domain {
		if _, ok := pkgs[d]; !ok {
			t.Errorf("domain package %s is gone: update the rules in this test", d)
		}
	}
	for pkg, deps := range pkgs {
		_, isDomain := hasPrefix(pkg, domain)
		isDomain = isDomain && !strings.Contains(pkg[len(module):], "test")
		_, isHTTP := hasPrefix(pkg, httpPkgs)
		isAdapter := false
		for _, a := range adapters {
			if pkg == a {
				isAdapter = true
			}
		}
		wiring := pkg == module+"/server" || pkg == module+"/server/app"
		for _, dep := range deps {
			if isDomain && contains(domain, pkg) {
				if fw, ok := hasPrefix(dep, frameworks); ok {
					t.Errorf("domain package %s imports the framework %s (via %s)", pkg, fw, dep)
				}
			}
			if a, ok := hasPrefix(dep, adapters); ok && !wiring && !isAdapter && !strings.HasSuffix(pkg, "test") {
				t.Errorf("%s imports the adapter %s: only server/app and main wire adapters", pkg, a)
			}
			if isHTTP {
				if fw, ok := hasPrefix(dep, []string{"gorm.io/", "github.com/minio/minio-go"}); ok {
					t.Errorf("HTTP package %s imports %s: storage is reached through domain services", pkg, fw)
				}
			}
			if tp, ok := hasPrefix(dep, testOnly); ok && !strings.HasSuffix(pkg, "test") {
				t.Errorf("%s imports the test helper %s into the binary", pkg, tp)
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
