// Package apptest starts a whole server for tests: the App on a random loopback port, with a fresh
// database on the engine storetest selects and, when TEST_S3_ENDPOINT is set, a fresh bucket on that
// S3 server (else the local object store in a temporary directory). It also makes accounts of every
// role and logs them in.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Hasher is a cheap argon2id for tests.
var Hasher = identity.Hasher{Memory: 64, Time: 1, Threads: 1}

// Server is a running App.
type Server struct {
	App *app.App
	URL string // http://127.0.0.1:port
	Org identity.Organisation
}

// Config returns the configuration of a test server: a temporary DATA_DIR, the database engine
// storetest selects and the S3 server of TEST_S3_ENDPOINT when set (with a fresh bucket).
func Config(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	db := storetest.URLFor(t)
	cfg.DatabaseURL = db.URL
	if db.URL != "" {
		cfg.TokenKey = []byte("test-key-test-key-test-key-test-key!")
	}
	if ep := os.Getenv("TEST_S3_ENDPOINT"); ep != "" {
		b := make([]byte, 4)
		rand.Read(b)
		cfg.S3Endpoint, cfg.S3AccessKey, cfg.S3SecretKey = ep, os.Getenv("TEST_S3_ACCESS_KEY"), os.Getenv("TEST_S3_SECRET_KEY")
		cfg.S3Bucket, cfg.S3UseTLS, cfg.S3CreateBucket = "apptest-"+hex.EncodeToString(b), false, true
	} else if os.Getenv("TEST_REQUIRE_S3") == "1" {
		t.Fatal("apptest: TEST_REQUIRE_S3=1 but TEST_S3_ENDPOINT is not set")
	}
	cfg.ShutdownTimeout = 5 * time.Second
	return cfg
}

// Start runs an App built from cfg (see Config) until the end of the test, with an organisation
// "caobang" made.
func Start(t testing.TB, cfg config.Config, c clock.Clock) *Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h := Hasher
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{Clock: c, Hasher: &h})
	if err != nil {
		cancel()
		t.Fatalf("apptest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("apptest: serve: %v", err)
		}
		a.Close()
	})
	org, err := a.Identity.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở Khoa học và Công nghệ tỉnh Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	return &Server{App: a, URL: "http://" + ln.Addr().String(), Org: org}
}

// Password is the password of every account CreateAccount makes.
const Password = "test-password-123"

// CreateAccount makes an account with roles in the server's organisation.
func (s *Server) CreateAccount(t testing.TB, login string, roles ...identity.Role) identity.Account {
	t.Helper()
	a, err := s.App.Identity.CreateAccount(context.Background(), identity.Operator, identity.NewAccount{
		OrgID: s.Org.ID, FullName: "Cán bộ " + login, Login: login, Password: Password, Roles: roles})
	if err != nil {
		t.Fatalf("apptest: create %s: %v", login, err)
	}
	return a
}

// Response is an HTTP answer with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends a request; body is marshalled to JSON unless it is already []byte or nil.
func (s *Server) Do(t testing.TB, method, path, token string, body any, header ...string) Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// Login logs login in through the console API and returns the access token.
func (s *Server) Login(t testing.TB, login string) string {
	t.Helper()
	r := s.Do(t, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"login": login, "password": Password, "session_id": "test-" + login})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", login, r.Status, r.Body)
	}
	var pair struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(r.Body, &pair); err != nil {
		t.Fatal(err)
	}
	return pair.AccessToken
}

// ErrorCode returns error.code of an error body, or "" when the body is not one.
func (r Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error.Code
}
