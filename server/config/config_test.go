package config

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || !c.Embedded() || c.S3Endpoint != "" || c.AccessTokenTTL != 10*time.Minute {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestPrecedenceAndFiles(t *testing.T) {
	key := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(key, []byte(strings.Repeat("f", 40)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load([]string{"-addr", "127.0.0.1:9000"}, env(map[string]string{
		"ADDR": ":7000", "TOKEN_KEY_FILE": key, "DATABASE_URL": "postgres://u:p@h:5432/d", "JOB_WORKERS": "4",
	}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" {
		t.Errorf("a flag must win over the environment: %s", c.Addr)
	}
	if string(c.TokenKey) != strings.Repeat("f", 40) {
		t.Errorf("TOKEN_KEY_FILE: got %q", c.TokenKey)
	}
	if c.JobWorkers != 4 {
		t.Errorf("JOB_WORKERS: %d", c.JobWorkers)
	}
}

func TestEveryProblemAtOnce(t *testing.T) {
	_, err := Load(nil, env(map[string]string{
		"ADDR": "nowhere", "DATABASE_URL": "mysql://x", "ACCESS_TOKEN_TTL": "forever", "LOG_FORMAT": "xml",
		"TOKEN_KEY": "short", "TOKEN_KEY_FILE": "/does/not/exist",
	}), io.Discard)
	cerr, ok := err.(*Error)
	if !ok {
		t.Fatalf("got %v, want *Error", err)
	}
	for _, name := range []string{"ADDR", "DATABASE_URL", "ACCESS_TOKEN_TTL", "LOG_FORMAT", "TOKEN_KEY_FILE"} {
		found := false
		for _, p := range cerr.Problems {
			found = found || strings.HasPrefix(p, name)
		}
		if !found {
			t.Errorf("no problem reported for %s: %v", name, cerr.Problems)
		}
	}
	for _, p := range cerr.Problems {
		if strings.Contains(p, "short") {
			t.Errorf("a secret's value was shown: %s", p)
		}
	}
}

func TestCrossChecks(t *testing.T) {
	cases := map[string]map[string]string{
		"PostgreSQL needs a shared token key": {"DATABASE_URL": "postgres://u@h/d"},
		"S3 needs keys":                       {"S3_ENDPOINT": "s3:9000"},
		"grace shorter than the refresh TTL":  {"REFRESH_GRACE": "1h", "REFRESH_TOKEN_TTL": "1h"},
	}
	for name, vars := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Load(nil, env(vars), io.Discard); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

// TestREADMETable keeps the README's configuration table in step with Settings: every variable with
// its default, and nothing else.
func TestREADMETable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z0-9_]+)` \\| ([^|]*) \\|")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(b), -1) {
		documented[m[1]] = strings.TrimSpace(m[2])
	}
	for _, s := range Settings() {
		d, ok := documented[s.Env]
		if !ok {
			t.Errorf("README.md does not document %s", s.Env)
			continue
		}
		if s.Default != "" && d != "`"+s.Default+"`" {
			t.Errorf("README.md gives %s the default %s, the code %q", s.Env, d, s.Default)
		}
		delete(documented, s.Env)
	}
	for name := range documented {
		t.Errorf("README.md documents %s, which the code does not read", name)
	}
}
