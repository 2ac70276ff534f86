package httpcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

type body struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
	Inner struct {
		Flag bool `json:"flag"`
	} `json:"inner"`
}

// newEcho is a server with the real error handler and middleware, and routes that fail on purpose.
func newEcho(t *testing.T, log *bytes.Buffer) *echo.Echo {
	t.Helper()
	msgs, err := LoadMessages()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewJSONHandler(log, nil))
	e := echo.New()
	e.HTTPErrorHandler = ErrorHandler(logger, msgs)
	e.Use(Observe(logger, NewMetrics(prometheus.NewRegistry())))
	e.POST("/bind", func(c echo.Context) error {
		var b body
		if err := Bind(c, &b); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, b)
	}, bodyLimit(64))
	e.POST("/bind-chunked", func(c echo.Context) error {
		var b body
		return Bind(c, &b)
	}, bodyLimit(64))
	e.GET("/boom", func(c echo.Context) error {
		return errors.New("pq: relation \"secret_table\" does not exist at /srv/app/db.go:42")
	})
	e.GET("/cut", func(c echo.Context) error {
		return errs.E(errs.Op("read"), errs.Unavailable, io.ErrUnexpectedEOF)
	})
	e.GET("/refused", func(c echo.Context) error {
		return errs.E(errs.Conflict, errs.CodeLoginTaken, "detail for the log only")
	})
	return e
}

func do(e *echo.Echo, method, path, body string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// decode validates an error body against its schema and decodes it into the wire type.
func decode(t *testing.T, rec *httptest.ResponseRecorder) errorBody {
	t.Helper()
	schematest.Validate(t, "error.schema.json", rec.Body.Bytes())
	var b errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	return b
}

func TestBadRequests(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		status int
		code   string
		field  string
	}{
		{name: "malformed JSON", body: `{"name":`, status: 400, code: "malformed_json"},
		{name: "not JSON at all", body: `hello`, status: 400, code: "malformed_json"},
		{name: "empty body", body: ``, status: 400, code: "malformed_json"},
		{name: "wrong type", body: `{"count":"three"}`, status: 400, code: "validation_failed", field: "count"},
		{name: "wrong nested type", body: `{"inner":{"flag":1}}`, status: 400, code: "validation_failed", field: "inner.flag"},
		{name: "unknown field", body: `{"nmae":"x"}`, status: 400, code: "validation_failed", field: "nmae"},
		{name: "trailing data", body: `{"name":"x"} {}`, status: 400, code: "malformed_json"},
		{name: "too large", body: `{"name":"` + strings.Repeat("x", 100) + `"}`, status: 413, code: "body_too_large"},
	}
	e := newEcho(t, new(bytes.Buffer))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := do(e, http.MethodPost, "/bind", tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			b := decode(t, rec)
			if b.Error.Code != tc.code {
				t.Fatalf("code %s, want %s", b.Error.Code, tc.code)
			}
			if tc.field != "" && (len(b.Error.Fields) != 1 || b.Error.Fields[0].Field != tc.field) {
				t.Fatalf("fields %+v, want %s", b.Error.Fields, tc.field)
			}
		})
	}
	// A body of unknown length is cut while it is read.
	req := httptest.NewRequest(http.MethodPost, "/bind-chunked", io.NopCloser(strings.NewReader(`{"name":"`+strings.Repeat("x", 100)+`"}`)))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || decode(t, rec).Error.Code != "body_too_large" {
		t.Fatalf("chunked body over the limit: %d %s", rec.Code, rec.Body)
	}
	if rec := do(e, http.MethodPost, "/bind", `{"name":"Cao Bằng","count":3}`); rec.Code != 200 {
		t.Fatalf("a good body was refused: %d %s", rec.Code, rec.Body)
	}
}

func TestUnknownErrorIsA500WithOnlyTheRequestID(t *testing.T) {
	var log bytes.Buffer
	e := newEcho(t, &log)
	rec := do(e, http.MethodGet, "/boom", "")
	if rec.Code != 500 {
		t.Fatalf("status %d", rec.Code)
	}
	b := decode(t, rec)
	for _, leak := range []string{"secret_table", "pq:", "db.go", "/srv"} {
		if strings.Contains(rec.Body.String(), leak) {
			t.Fatalf("the client saw %q: %s", leak, rec.Body)
		}
	}
	if b.Error.RequestID == "" || rec.Header().Get(RequestIDHeader) != b.Error.RequestID {
		t.Fatal("the request ID must be in the body and the header")
	}
	if !strings.Contains(log.String(), "secret_table") || !strings.Contains(log.String(), b.Error.RequestID) {
		t.Fatalf("the log must have the cause with the request ID: %s", log.String())
	}
}

// TestCutBodyIsAWarning: a body the client's connection cut is still an error for the client, but the
// log says WARN: it is not the server's fault.
func TestCutBodyIsAWarning(t *testing.T) {
	var log bytes.Buffer
	e := newEcho(t, &log)
	if rec := do(e, http.MethodGet, "/cut", ""); rec.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d", rec.Code)
	}
	if !strings.Contains(log.String(), `"level":"WARN","msg":"request body cut by the client"`) || strings.Contains(log.String(), `"level":"ERROR"`) {
		t.Fatalf("log: %s", log.String())
	}
	log.Reset()
	do(e, http.MethodGet, "/boom", "")
	if !strings.Contains(log.String(), `"level":"ERROR","msg":"request failed"`) {
		t.Fatalf("an unknown error must stay an ERROR: %s", log.String())
	}
}

func TestMessagesByLanguage(t *testing.T) {
	e := newEcho(t, new(bytes.Buffer))
	cases := map[string]string{
		"":                        "Tên đăng nhập đã được sử dụng.",
		"vi-VN,vi;q=0.9,en;q=0.8": "Tên đăng nhập đã được sử dụng.",
		"en-US,en;q=0.9":          "The login is already taken.",
		"en;q=0.5,vi;q=0.9":       "Tên đăng nhập đã được sử dụng.",
		"fr-FR":                   "Tên đăng nhập đã được sử dụng.",
	}
	for lang, want := range cases {
		rec := do(e, http.MethodGet, "/refused", "", "Accept-Language", lang)
		if b := decode(t, rec); rec.Code != 409 || b.Error.Message != want || b.Error.Code != "login_taken" {
			t.Errorf("Accept-Language %q: %d %+v", lang, rec.Code, b.Error)
		}
		if strings.Contains(rec.Body.String(), "detail for the log only") {
			t.Error("the detail is for the log only")
		}
	}
}

func TestRouteNotFoundAndClientRequestID(t *testing.T) {
	e := newEcho(t, new(bytes.Buffer))
	rec := do(e, http.MethodGet, "/nowhere", "", RequestIDHeader, "phone-req-000123")
	b := decode(t, rec)
	if rec.Code != 404 || b.Error.Code != "route_not_found" || b.Error.RequestID != "phone-req-000123" {
		t.Fatalf("%d %+v", rec.Code, b.Error)
	}
	rec = do(e, http.MethodGet, "/nowhere", "", RequestIDHeader, "bad id with spaces")
	if decode(t, rec).Error.RequestID == "bad id with spaces" {
		t.Fatal("a malformed client request ID must be replaced")
	}
}

func TestLimiter(t *testing.T) {
	c := clock.NewManual(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	l := NewLimiter(c, 3, time.Minute)
	for i := range 3 {
		if blocked, _ := l.Blocked("k"); blocked {
			t.Fatalf("blocked after %d", i)
		}
		l.Add("k")
	}
	blocked, wait := l.Blocked("k")
	if !blocked || wait != time.Minute {
		t.Fatalf("blocked=%v wait=%s", blocked, wait)
	}
	if b, _ := l.Blocked("other"); b {
		t.Fatal("keys are independent")
	}
	c.Advance(time.Minute)
	if b, _ := l.Blocked("k"); b {
		t.Fatal("the window must end")
	}
	l.Add("k")
	l.Reset("k")
	if b, _ := l.Blocked("k"); b {
		t.Fatal("reset")
	}
}

func TestLanguage(t *testing.T) {
	for in, want := range map[string]string{"": "vi", "en": "en", "vi": "vi", "en-GB;q=0.8, vi;q=0.7": "en", "*": "vi"} {
		if got := Language(in); got != want {
			t.Errorf("Language(%q) = %s, want %s", in, got, want)
		}
	}
}
