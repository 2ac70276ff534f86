package app_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// TestStatsHTTP goes through the statistics API: a summary as JSON (checked against its schema), as
// CSV (byte order mark, heading, a row per figure) and as XLSX (the results form and a sheet per
// breakdown); freezing a closed month once, refusing an open one; the frozen months; refusals of a
// bad period, a bad format and an inspector. The figures themselves are checked on both engines by
// gormstore's TestStatsHandBuiltMonth.
func TestStatsHTTP(t *testing.T) {
	clk := clock.NewManual(time.Date(2026, 3, 10, 3, 0, 0, 0, time.UTC))
	srv := apptest.Start(t, apptest.Config(t), clk)
	doc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	srv.CreateAccount(t, "chanh", identity.RoleChief)
	srv.CreateAccount(t, "giamdoc", identity.RoleDirector)
	srv.CreateAccount(t, "thanhtra", identity.RoleInspector)
	chief, director, inspector := srv.Login(t, "chanh"), srv.Login(t, "giamdoc"), srv.Login(t, "thanhtra")
	get := func(token, path string) apptest.Response {
		t.Helper()
		r := srv.Do(t, http.MethodGet, path, token, nil)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			doc.CheckResponse(t, http.MethodGet, strings.SplitN(path, "?", 2)[0], r.Status, r.Body)
		}
		return r
	}

	r := get(director, "/api/v1/stats/summary?period=2026-02")
	if r.Status != http.StatusOK {
		t.Fatalf("summary: %d %s", r.Status, r.Body)
	}
	var body struct {
		Period string `json:"period"`
		First  string `json:"first"`
		Last   string `json:"last"`
		Frozen *struct {
			SHA256 string `json:"sha256"`
		} `json:"frozen"`
		Revision *struct {
			Changes []any `json:"changes"`
		} `json:"revision"`
		Rows []struct {
			Breakdown, Figure, Subjects string
			Value                       int64
		} `json:"rows"`
		ResultsForm []struct {
			Number   string `json:"number"`
			Verified bool   `json:"verified"`
		} `json:"results_form"`
	}
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatal(err)
	}
	if body.Period != "2026-02" || body.First != "2026-02-01" || body.Last != "2026-02-28" || body.Frozen != nil || body.Revision != nil {
		t.Fatalf("summary: %s", r.Body)
	}
	if len(body.Rows) == 0 || len(body.ResultsForm) == 0 || body.ResultsForm[0].Verified {
		t.Fatalf("summary without its totals or its form, or a form column verified: %s", r.Body)
	}

	r = get(director, "/api/v1/stats/summary?period=2026-02&format=csv")
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!bytes.HasPrefix(r.Body, []byte("\uFEFFky,pham_vi,phan_to,")) || !strings.Contains(string(r.Body), "\r\n2026-02,") {
		t.Fatalf("csv: %d %q %.200q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if !strings.Contains(r.Header.Get("Content-Disposition"), "thong-ke-"+srv.Org.ID+"-2026-02.csv") {
		t.Errorf("csv disposition %q", r.Header.Get("Content-Disposition"))
	}

	r = get(director, "/api/v1/stats/summary?period=2026-Q1&format=xlsx")
	if r.Status != http.StatusOK {
		t.Fatalf("xlsx: %d %s", r.Status, r.Body)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	sheets := wb.GetSheetList()
	if len(sheets) < 11 || sheets[0] != "Biểu kết quả TTCN" || sheets[1] != "Tổng hợp" {
		t.Fatalf("xlsx sheets %v", sheets)
	}
	wb.Close()

	freeze := func(token, month string, query ...string) apptest.Response {
		t.Helper()
		r := srv.Do(t, http.MethodPost, "/api/v1/stats/months/"+month+"/freeze"+strings.Join(query, ""), token, nil)
		doc.CheckResponse(t, http.MethodPost, "/api/v1/stats/months/"+month+"/freeze", r.Status, r.Body)
		return r
	}
	if r := freeze(chief, "2026-03"); r.Status != http.StatusConflict || r.ErrorCode() != "stats_month_open" {
		t.Fatalf("freezing the running month: %d %s", r.Status, r.Body)
	}
	if r := freeze(chief, "2026-02"); r.Status != http.StatusOK {
		t.Fatalf("freeze: %d %s", r.Status, r.Body)
	}
	if r := freeze(chief, "2026-02"); r.Status != http.StatusConflict || r.ErrorCode() != "stats_month_frozen" {
		t.Fatalf("freezing twice: %d %s", r.Status, r.Body)
	}
	if r := freeze(director, "2026-01"); r.Status != http.StatusForbidden {
		t.Fatalf("the director froze a month: %d %s", r.Status, r.Body)
	}
	r = get(director, "/api/v1/stats/summary?period=2026-02")
	body.Frozen, body.Revision = nil, nil
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Frozen == nil || body.Revision == nil || len(body.Revision.Changes) != 0 {
		t.Fatalf("frozen summary: %s", r.Body)
	}
	r = get(director, "/api/v1/stats/summary?period=2026-02&format=csv")
	if r.Header.Get("X-Stats-Frozen-SHA256") != body.Frozen.SHA256 {
		t.Errorf("frozen csv hash %q, want %q", r.Header.Get("X-Stats-Frozen-SHA256"), body.Frozen.SHA256)
	}
	r = get(director, "/api/v1/stats/months")
	var months struct {
		Items []struct {
			Month  string `json:"month"`
			SHA256 string `json:"sha256"`
		} `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &months); err != nil || len(months.Items) != 1 || months.Items[0].Month != "2026-02" || months.Items[0].SHA256 != body.Frozen.SHA256 {
		t.Fatalf("frozen months: %s", r.Body)
	}

	// The national view is frozen by a system administrator, and only it: the administrator cannot
	// freeze an organisation's month (its chief does).
	srv.CreateAccount(t, "quantri", identity.RoleSystemAdmin)
	admin := srv.Login(t, "quantri")
	r = freeze(admin, "2026-02", "?national=true")
	var national struct {
		Scope  string `json:"scope"`
		Frozen *struct {
			SHA256 string `json:"sha256"`
		} `json:"frozen"`
	}
	if err := json.Unmarshal(r.Body, &national); r.Status != http.StatusOK || err != nil || national.Scope != "national" || national.Frozen == nil {
		t.Fatalf("national freeze: %d %s", r.Status, r.Body)
	}
	if r := freeze(admin, "2026-01", "?org="+srv.Org.ID); r.Status != http.StatusForbidden {
		t.Fatalf("the administrator froze an organisation's month: %d %s", r.Status, r.Body)
	}
	r = get(admin, "/api/v1/stats/months?national=true")
	if err := json.Unmarshal(r.Body, &months); err != nil || len(months.Items) != 1 || months.Items[0].Month != "2026-02" || months.Items[0].SHA256 != national.Frozen.SHA256 {
		t.Fatalf("national frozen months: %s", r.Body)
	}

	for _, c := range []struct {
		token, path string
		status      int
		code        string
	}{
		{director, "/api/v1/stats/summary?period=2026-13", http.StatusBadRequest, "stats_period_invalid"},
		{director, "/api/v1/stats/summary", http.StatusBadRequest, "validation_failed"},
		{director, "/api/v1/stats/summary?period=2026-02&format=pdf", http.StatusBadRequest, "stats_format_invalid"},
		{inspector, "/api/v1/stats/summary?period=2026-02", http.StatusForbidden, "role_required"},
	} {
		if r := get(c.token, c.path); r.Status != c.status || r.ErrorCode() != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.path, r.Status, r.Body, c.status, c.code)
		}
	}
}
