package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine writing and the test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// runCmd runs one command to completion.
func runCmd(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut syncBuffer
	code = run(context.Background(), args, envOf(vars), &out, &errOut)
	return code, out.String(), errOut.String()
}

var listening = regexp.MustCompile(`"msg":"listening","addr":"([0-9.:]+)"`)

// startServer runs `serve` in the background and returns its base URL and a stop function that
// waits for the exit code.
func startServer(t *testing.T, vars map[string]string, args ...string) (string, *syncBuffer, func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), envOf(vars), &out, &errOut) }()
	deadline := time.Now().Add(90 * time.Second) // demo seeding under the race detector on a busy machine
	for time.Now().Before(deadline) {
		if m := listening.FindStringSubmatch(errOut.String()); m != nil {
			return "http://" + m[1], &out, func() int { cancel(); return <-done }
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("server exited with %d: %s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("server did not start: %s", errOut.String())
	return "", nil, nil
}

func get(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestFreshStartServesAndRestartKeepsData(t *testing.T) {
	dir := t.TempDir() + "/data" // does not exist yet: the server makes it
	vars := map[string]string{"DATA_DIR": dir, "ADDR": "127.0.0.1:0"}
	url, _, stop := startServer(t, vars)
	for _, p := range []string{"/healthz", "/readyz"} {
		if got := get(t, url+p); got != http.StatusOK {
			t.Fatalf("%s: %d", p, got)
		}
	}
	if code := stop(); code != 0 {
		t.Fatalf("graceful stop exited %d", code)
	}
	if code, _, errOut := runCmd(t, vars, "org", "create", "-code", "caobang", "-name", "Sở KH&CN Cao Bằng"); code != 0 {
		t.Fatalf("org create: %s", errOut)
	}
	url, _, stop = startServer(t, vars)
	defer stop()
	if got := get(t, url+"/healthz"); got != http.StatusOK {
		t.Fatalf("healthz after restart: %d", got)
	}
	code, out, _ := runCmd(t, vars, "org", "list")
	if code != 0 || !strings.Contains(out, "caobang") {
		t.Fatalf("the organisation did not survive the restart: %s", out)
	}
}

func TestStartupRefusals(t *testing.T) {
	cases := []struct {
		name    string
		vars    map[string]string
		setting []string // each must be named in the message
	}{
		{name: "unreachable PostgreSQL", vars: map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=2", "TOKEN_KEY": strings.Repeat("k", 32)}, setting: []string{"DATABASE_URL"}},
		{name: "not a database URL", vars: map[string]string{"DATABASE_URL": "mysql://x@y/z"}, setting: []string{"DATABASE_URL"}},
		{name: "unreachable S3", vars: map[string]string{"S3_ENDPOINT": "127.0.0.1:1", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b", "S3_USE_TLS": "false"}, setting: []string{"S3_ENDPOINT"}},
		{name: "PostgreSQL without a token key", vars: map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1:1/y"}, setting: []string{"TOKEN_KEY"}},
		{name: "every problem at once", vars: map[string]string{"ADDR": "nonsense", "LOG_LEVEL": "loud", "JOB_WORKERS": "-1", "S3_ENDPOINT": "http://x"}, setting: []string{"ADDR", "LOG_LEVEL", "JOB_WORKERS", "S3_ENDPOINT"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.vars["DATA_DIR"] = t.TempDir()
			tc.vars["ADDR"] = map[bool]string{true: tc.vars["ADDR"], false: "127.0.0.1:0"}[tc.vars["ADDR"] != ""]
			start := time.Now()
			code, _, errOut := runCmd(t, tc.vars, "serve")
			if code == 0 {
				t.Fatal("the server started")
			}
			for _, s := range tc.setting {
				if !strings.Contains(errOut, s) {
					t.Errorf("message does not name %s: %s", s, errOut)
				}
			}
			for _, bad := range []string{"goroutine ", "panic", ".go:"} {
				if strings.Contains(errOut, bad) {
					t.Errorf("message has %q: %s", bad, errOut)
				}
			}
			if time.Since(start) > 30*time.Second {
				t.Errorf("took %s to refuse", time.Since(start))
			}
		})
	}
}

func TestConfigCommandMasksSecrets(t *testing.T) {
	secret := "super-secret-token-key-0123456789abcdef"
	code, out, errOut := runCmd(t, map[string]string{"TOKEN_KEY": secret, "DATABASE_URL": "postgres://app:pa55word@db:5432/x", "S3_SECRET_KEY": "s3cr3t-value"}, "config")
	if code != 0 {
		t.Fatal(errOut)
	}
	for _, s := range []string{secret, "pa55word", "s3cr3t-value"} {
		if strings.Contains(out, s) {
			t.Errorf("config printed a secret: %s", out)
		}
	}
	if !strings.Contains(out, "DATABASE_URL") || !strings.Contains(out, "db:5432") {
		t.Errorf("config output lacks the database host: %s", out)
	}
}

func TestAdminCommands(t *testing.T) {
	vars := map[string]string{"DATA_DIR": t.TempDir()}
	steps := []struct {
		args []string
		want string // in stdout
		fail bool
	}{
		{args: []string{"org", "create", "-code", "caobang", "-name", "Sở KH&CN Cao Bằng"}, want: "created"},
		{args: []string{"user", "create", "-org", "caobang", "-login", "tuan", "-name", "Đàm Văn Tuấn", "-roles", "inspector,chief"}, want: "password: "},
		{args: []string{"user", "create", "-org", "caobang", "-login", "tuan", "-name", "again", "-roles", "inspector"}, fail: true},
		{args: []string{"user", "create", "-org", "caobang", "-login", "bad", "-name", "x", "-roles", "emperor"}, fail: true},
		{args: []string{"user", "list", "-org", "caobang"}, want: "inspector,chief"},
		{args: []string{"user", "disable", "-login", "tuan"}, fail: true}, // a reason is required
		{args: []string{"user", "disable", "-login", "tuan", "-reason", "nghỉ hưu"}, want: "disabled"},
		{args: []string{"user", "list", "-org", "caobang"}, want: "disabled"},
		{args: []string{"user", "enable", "-login", "tuan"}, want: "enabled"},
		{args: []string{"user", "reset-password", "-login", "tuan", "-password", "short"}, fail: true},
		{args: []string{"user", "reset-password", "-login", "tuan"}, want: "password: "},
		{args: []string{"device", "list", "-org", "caobang"}, want: "PLATFORM"},
		{args: []string{"device", "revoke", "-org", "caobang", "-id", "nope", "-reason", "lost"}, fail: true},
		{args: []string{"jobs", "list", "-state", "dead"}, want: "KIND"},
		{args: []string{"migrate"}, want: "schema version"},
		{args: []string{"verify"}, want: "ok"},
		{args: []string{"nonsense"}, fail: true},
	}
	for _, s := range steps {
		code, out, errOut := runCmd(t, vars, s.args...)
		if s.fail {
			if code == 0 {
				t.Errorf("%v succeeded: %s", s.args, out)
			}
			continue
		}
		if code != 0 || !strings.Contains(out, s.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", s.args, code, out, errOut)
		}
	}
}

func TestDemoMode(t *testing.T) {
	vars := map[string]string{"DATA_DIR": t.TempDir(), "ADDR": "127.0.0.1:0"}
	for run := range 2 { // a second start finds the demo data and changes nothing
		url, out, stop := startServer(t, vars, "-demo")
		if seeded := strings.Contains(out.String(), "demo data: 29 fuel stations, 6 markets, 10 X-ray facilities, 4 campaigns"); seeded != (run == 0) {
			t.Fatalf("start %d: demo data seeded=%v: %s", run+1, seeded, out.String())
		}
		if !strings.Contains(out.String(), "NOT FOR PRODUCTION") || !strings.Contains(out.String(), "inspector1") {
			t.Fatalf("demo mode did not warn and print its accounts: %s", out.String())
		}
		res, err := http.Post(url+"/mobile/v1/auth/login", "application/json",
			strings.NewReader(`{"login":"inspector1","password":"demo-inspector-1","device":{"id":"demo-phone"}}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("demo inspector cannot log in: %d", res.StatusCode)
		}
		if code := stop(); code != 0 {
			t.Fatalf("exit %d", code)
		}
	}
}
