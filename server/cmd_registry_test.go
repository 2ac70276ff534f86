package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// seedUnits loads the embedded units of Cao Bằng into the organisation code, as an administrator
// does once before the first import.
func seedUnits(t *testing.T, vars map[string]string, code string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(nil, envOf(vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	st, err := app.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org, err := st.OrganisationByCode(ctx, code)
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
	if _, err := (&adminunit.Service{Store: st, Clock: clock.Real{}}).Seed(ctx, identity.Operator, org.ID, seed); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryImportCommand(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"DATA_DIR": filepath.Join(dir, "data")}
	if code, _, errOut := runCmd(t, vars, "org", "create", "-code", "caobang", "-name", "Sở KH&CN Cao Bằng"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	seedUnits(t, vars, "caobang")
	example, err := os.ReadFile("../schemas/examples/registry-import.csv")
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "registry.csv")
	bad := filepath.Join(dir, "registry-bad.csv")
	header, _, _ := strings.Cut(string(example), "\n")
	for path, body := range map[string]string{
		good: string(example),
		bad:  header + "\nTổ chức,Công ty sai mã,48001,,,,,Cửa hàng,Cửa hàng A,Tổ 1,040,,,,,,,,,,,,,,,,,\n",
	} {
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	steps := []struct {
		name     string
		args     []string
		fail     bool
		stdout   []string // each in stdout
		stderr   []string // each in stderr
		noStderr string   // not in stderr
	}{
		{name: "dry run", args: []string{"import", "-org", "caobang", "-file", good, "-progress", "2"},
			stdout: []string{"dry run of registry.csv into caobang: nothing written", "rows: 6 (created 6, updated 0, unchanged 0, with problems 0)", "instruments: created 5"},
			stderr: []string{"registry import: 6 rows"}},
		{name: "progress less often than the file is long", args: []string{"import", "-org", "caobang", "-file", good},
			stdout: []string{"rows: 6 (created 6"}, noStderr: "registry import:"},
		{name: "apply", args: []string{"import", "-org", "caobang", "-file", good, "-apply"},
			stdout: []string{"import of registry.csv into caobang", "rows: 6 (created 6", "subjects: created 4, updated 0, unchanged 0"}},
		{name: "apply again changes nothing", args: []string{"import", "-org", "caobang", "-file", good, "-apply"},
			stdout: []string{"rows: 6 (created 0, updated 0, unchanged 6, with problems 0)"}},
		{name: "a row with a problem", args: []string{"import", "-org", "caobang", "-file", bad}, fail: true,
			stdout: []string{"with problems 1", `row 2, tax_code (Mã số thuế) "48001": invalid_tax_code — `}, stderr: []string{"1 row(s) have problems and would be skipped"}},
		{name: "unknown organisation", args: []string{"import", "-org", "hanoi", "-file", good}, fail: true, stderr: []string{`no organisation with code "hanoi"`}},
		{name: "not a spreadsheet", args: []string{"import", "-org", "caobang", "-file", filepath.Join(dir, "registry.pdf")}, fail: true, stderr: []string{"not a .csv or .xlsx file"}},
		{name: "no file", args: []string{"import", "-org", "caobang"}, fail: true, stderr: []string{"-org and -file are required"}},
		{name: "no subcommand", args: nil, fail: true, stderr: []string{"usage: registry import"}},
		{name: "unknown subcommand", args: []string{"export"}, fail: true, stderr: []string{`unknown registry command "export"`}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			var out, errOut syncBuffer
			err := cmdRegistry(context.Background(), &cli{getenv: envOf(vars), stdout: &out, stderr: &errOut}, s.args)
			if err != nil {
				errOut.Write([]byte(err.Error())) // as run prints it
			}
			if (err != nil) != s.fail {
				t.Fatalf("error %v, want failure %v\nstdout: %s\nstderr: %s", err, s.fail, out.String(), errOut.String())
			}
			for _, want := range s.stdout {
				if !strings.Contains(out.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, out.String())
				}
			}
			for _, want := range s.stderr {
				if !strings.Contains(errOut.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut.String())
				}
			}
			if s.noStderr != "" && strings.Contains(errOut.String(), s.noStderr) {
				t.Errorf("stderr has %q:\n%s", s.noStderr, errOut.String())
			}
		})
	}
}
