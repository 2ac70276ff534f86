package client

// Edges of the protocol a real server does not produce on demand — a 503, a 429 with Retry-After, a
// connection cut, an outcome the client does not know, whole-batch refusals, a checksum mismatch, a
// 304, an invalid cursor, an expired or stolen token — played by a scripted fake of the phone API.
// The injected clock records the waits instead of waiting.

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

type fakeClock struct {
	mu    sync.Mutex
	now   int64
	slept []int64
}

func (f *fakeClock) NowUnixMilli() int64 { f.mu.Lock(); defer f.mu.Unlock(); f.now++; return f.now }
func (f *fakeClock) Sleep(ms int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now += ms
	f.slept = append(f.slept, ms)
}

type seenRequest struct {
	path   string
	header http.Header
	body   []byte
}

// fakeAPI answers the phone API from a script per path; an empty script answers as a happy server
// (a pull: every dataset complete and unchanged; a push: everything applied at version 1).
type fakeAPI struct {
	t      *testing.T
	mu     sync.Mutex
	script map[string][]func(w http.ResponseWriter, body []byte)
	seen   []seenRequest
	tokens int
}

func (f *fakeAPI) then(path string, h func(w http.ResponseWriter, body []byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[path] = append(f.script[path], h)
}

func (f *fakeAPI) requests(path string) []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []seenRequest
	for _, r := range f.seen {
		if r.path == path {
			out = append(out, r)
		}
	}
	return out
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			f.t.Errorf("push body: %v", err)
			return
		}
		body, _ = io.ReadAll(zr)
	}
	path := strings.TrimPrefix(r.URL.Path, apiPrefix)
	f.mu.Lock()
	f.seen = append(f.seen, seenRequest{path: path, header: r.Header.Clone(), body: body})
	var h func(http.ResponseWriter, []byte)
	if s := f.script[path]; len(s) > 0 {
		h, f.script[path] = s[0], s[1:]
	}
	f.mu.Unlock()
	if h != nil {
		h(w, body)
		return
	}
	switch path {
	case "/auth/login", "/auth/refresh":
		f.pair(w)
	case "/sync/pull":
		var req struct {
			Datasets map[string]string `json:"datasets"`
		}
		json.Unmarshal(body, &req)
		pages := map[string]any{}
		for d, c := range req.Datasets {
			pages[d] = map[string]any{"changes": []any{}, "next": c, "complete": true, "reset": false}
		}
		writeJSON(w, 200, map[string]any{"datasets": pages})
	case "/sync/push":
		writeJSON(w, 200, map[string]any{"results": resultsFor(body, func(int) map[string]any { return map[string]any{"outcome": "applied", "version": 1} })})
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeAPI) pair(w http.ResponseWriter) {
	f.mu.Lock()
	f.tokens++
	n := f.tokens
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("a.b.%d", n), "token_type": "Bearer", "expires_in": 600,
		"access_expires_at": "2026-03-02T01:10:00Z", "refresh_token": fmt.Sprintf("rt1_%043d", n), "refresh_expires_at": "2026-05-01T01:00:00Z",
		"account_id": "acc", "organisation_id": "org", "device_id": "dev", "roles": []string{"inspector"}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func apiErr(w http.ResponseWriter, status int, code string, fields ...map[string]string) {
	e := map[string]any{"kind": "invalid", "code": code, "message": code, "request_id": "req-1"}
	if len(fields) > 0 {
		e["fields"] = fields
	}
	writeJSON(w, status, map[string]any{"error": e})
}

// resultsFor answers each item of a push body with what result(i) says.
func resultsFor(body []byte, result func(i int) map[string]any) []map[string]any {
	var req struct {
		Items []struct {
			ChangeID string `json:"change_id"`
		} `json:"items"`
	}
	json.Unmarshal(body, &req)
	out := []map[string]any{}
	for i, it := range req.Items {
		r := result(i)
		r["change_id"] = it.ChangeID
		out = append(out, r)
	}
	return out
}

func changeIDs(body []byte) []string {
	var req struct {
		Items []struct {
			ChangeID string `json:"change_id"`
		} `json:"items"`
	}
	json.Unmarshal(body, &req)
	var ids []string
	for _, it := range req.Items {
		ids = append(ids, it.ChangeID)
	}
	return ids
}

func newFake(t *testing.T, batch int) (*Client, *fakeAPI, *fakeClock) {
	t.Helper()
	f := &fakeAPI{t: t, script: map[string][]func(http.ResponseWriter, []byte){}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	clk := &fakeClock{now: 1_772_000_000_000}
	c, err := OpenWith(&Config{StorePath: filepath.Join(t.TempDir(), "phone.db"), ServerURL: srv.URL, PushBatchSize: batch}, clk, fixedRandom{1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("an", "secret"); err != nil {
		t.Fatal(err)
	}
	return c, f, clk
}

func makeVisits(t *testing.T, c *Client, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		id, err := c.CreateVisit(&NewVisit{CampaignID: "c", SiteID: "s", Date: "2026-03-02", ChecklistCode: "fuel-station", ChecklistVersion: 1})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func state(t *testing.T, c *Client, typ, id string) string {
	t.Helper()
	s, err := c.EntityState(typ, id)
	if err != nil {
		t.Fatal(err)
	}
	return s.State + "/" + s.Code
}

// A 503, a 429 with Retry-After and a cut connection are retried with the same change IDs, with
// jittered waits that honour Retry-After; then each outcome lands: applied, an outcome unknown to
// the client (set aside as rejected), rejected.
func TestPushRetriesAndOutcomes(t *testing.T) {
	c, f, clk := newFake(t, 10)
	ids := makeVisits(t, c, 3)
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) { apiErr(w, 503, "unavailable") })
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) {
		w.Header().Set("Retry-After", "7")
		apiErr(w, 429, "rate_limited")
	})
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) {
		conn, _, _ := w.(http.Hijacker).Hijack()
		conn.Close() // the connection drops before any answer
	})
	f.then("/sync/push", func(w http.ResponseWriter, body []byte) {
		writeJSON(w, 200, map[string]any{"results": resultsFor(body, func(i int) map[string]any {
			return []map[string]any{{"outcome": "applied", "version": 1}, {"outcome": "postponed", "version": 0, "code": "later"},
				{"outcome": "rejected", "version": 0, "code": "out_of_scope", "message": "Ngoài phạm vi"}}[i]
		})})
	})
	rep, err := c.Push()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Acknowledged != 1 || rep.SetAside != 2 {
		t.Errorf("report %+v", rep)
	}
	reqs := f.requests("/sync/push")
	if len(reqs) != 4 {
		t.Fatalf("%d push requests, want 4", len(reqs))
	}
	for _, r := range reqs[1:] {
		if a, b := strings.Join(changeIDs(r.body), ","), strings.Join(changeIDs(reqs[0].body), ","); a != b || a == "" {
			t.Errorf("a resend carried other change IDs: %s, first %s", a, b)
		}
	}
	if len(clk.slept) != 3 || clk.slept[1] < 7000 || clk.slept[0] > 500 || clk.slept[2] > 2000 {
		t.Errorf("waits %v: want three, the second at least Retry-After (7000 ms), the others within the backoff", clk.slept)
	}
	for i, want := range []string{"acknowledged/", "rejected/later", "rejected/out_of_scope"} {
		if got := state(t, c, "visit", ids[i]); got != want {
			t.Errorf("visit %d: %s, want %s", i, got, want)
		}
	}
	// Set aside means never sent again.
	if rep, err := c.Push(); err != nil || rep.Sent != 0 {
		t.Errorf("second push sent %+v %v", rep, err)
	}
	// A change made on the acknowledged visit is based on its acknowledged version.
	if err := c.SetVisitStatus(ids[0], "in_progress"); err != nil {
		t.Fatal(err)
	}
	if err := c.SetVisitStatus(ids[1], "in_progress"); err != nil {
		t.Fatal(err)
	}
	out, _ := c.Outbox("queued")
	if !strings.Contains(out, `"entity_id":"`+ids[0]+`","base_version":1`) {
		t.Errorf("the change of the acknowledged visit is not based on version 1: %s", out)
	}
}

// A whole-batch refusal naming an item sets that item aside and sends the rest; one naming none
// halves the batch; a single item refused whole is set aside. The queue never wedges.
func TestPushWholeBatchRefusals(t *testing.T) {
	c, f, _ := newFake(t, 6)
	ids := makeVisits(t, c, 7)
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) {
		apiErr(w, 400, "validation_failed", map[string]string{"field": "items[2].payload", "code": "invalid_value", "message": "x"})
	})
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) { apiErr(w, 413, "push_batch_too_large") })
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) {
		apiErr(w, 413, "push_item_too_large", map[string]string{"field": "items[1]", "code": "too_large", "message": "x"})
	})
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) { apiErr(w, 400, "push_malformed") })
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) { apiErr(w, 400, "push_malformed") })
	rep, err := c.Push()
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	for _, r := range f.requests("/sync/push") {
		sizes = append(sizes, len(changeIDs(r.body)))
	}
	// [0-5] → item 2 aside; [0 1 3 4 5 6] → too large: 3; [0 1 3] → its item 1 aside; [0 3 4] →
	// malformed, naming nothing: 1; [0] → malformed: aside; then [3], [4 5], [6], growing back.
	if got := fmt.Sprint(sizes); got != "[6 6 3 3 1 1 2 1]" {
		t.Errorf("batch sizes %s", got)
	}
	want := []string{"rejected/push_malformed", "rejected/push_item_too_large", "rejected/validation_failed", "acknowledged/",
		"acknowledged/", "acknowledged/", "acknowledged/"}
	for i, id := range ids {
		if got := state(t, c, "visit", id); got != want[i] {
			t.Errorf("visit %d: %s, want %s", i, got, want[i])
		}
	}
	if rep.SetAside != 3 || rep.Acknowledged != 4 {
		t.Errorf("report %+v", rep)
	}
}

// pullPageJSON is one dataset page of a pull answer.
func pullPageJSON(changes string, next string, checksum int64, reset bool) string {
	cs := ""
	if checksum >= 0 {
		cs = fmt.Sprintf(`,"checksum":%d`, checksum)
	}
	return fmt.Sprintf(`{"changes":[%s],"next":%q,"complete":true,"reset":%v%s}`, changes, next, reset, cs)
}

// pullAnswer answers every dataset asked, catalogue with the given page, the others empty.
func pullAnswer(catalogue string, etag string, gz bool) func(http.ResponseWriter, []byte) {
	return func(w http.ResponseWriter, body []byte) {
		var req struct {
			Datasets map[string]string `json:"datasets"`
		}
		json.Unmarshal(body, &req)
		var parts []string
		for d, c := range req.Datasets {
			p := pullPageJSON("", c, -1, false)
			if d == DatasetCatalogue {
				p = catalogue
			}
			parts = append(parts, fmt.Sprintf("%q:%s", d, p))
		}
		b := []byte(`{"datasets":{` + strings.Join(parts, ",") + `}}`)
		if etag != "" {
			w.Header().Set("ETag", etag)
		}
		if gz {
			var z bytes.Buffer
			zw := gzip.NewWriter(&z)
			zw.Write(b)
			zw.Close()
			b = z.Bytes()
			w.Header().Set("Content-Encoding", "gzip")
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

func cursorsSent(r seenRequest) map[string]string {
	var req struct {
		Datasets map[string]string `json:"datasets"`
	}
	json.Unmarshal(r.body, &req)
	return req.Datasets
}

// A gzip page is applied with the checksum of its raw data (escapes kept); the same request then
// gets 304 and changes nothing; a mismatch drops the dataset and pulls it from the start; an invalid
// cursor does the same; a reset replaces the copy.
func TestPullChecksumETagAndResets(t *testing.T) {
	c, f, _ := newFake(t, 10)
	v1 := `{"code":"A","title":"Kh\u00f4ng c\u00f3"}`
	v2 := `{"code":"B", "title":"x"}`
	sum := int64(entryChecksum("violation", "A", 0, []byte(v1)) + entryChecksum("violation", "B", 0, []byte(v2)))
	two := fmt.Sprintf(`{"type":"violation","id":"A","op":"upsert","version":0,"data":%s},{"type":"violation","id":"B","op":"upsert","version":0,"data":%s}`, v1, v2)
	f.then("/sync/pull", pullAnswer(pullPageJSON(two, "c1", sum, false), `W/"one"`, true))
	if rep, err := c.Pull(); err != nil || rep.Changes != 2 || rep.Mismatches != 0 {
		t.Fatalf("first pull %+v %v", rep, err)
	}
	if got, _ := c.Reference("violation", "A"); got != v1 {
		t.Errorf("data kept as %s, want the raw %s", got, v1)
	}
	if r := f.requests("/sync/pull")[0]; r.header.Get("Accept-Encoding") != "gzip" {
		t.Errorf("Accept-Encoding %q", r.header.Get("Accept-Encoding"))
	}

	// Up to date: an empty page (its cursor unchanged) with an ETag; the same request again carries
	// If-None-Match and gets 304: nothing to do.
	f.then("/sync/pull", pullAnswer(pullPageJSON("", "c1", -1, false), `W/"two"`, false))
	f.then("/sync/pull", func(w http.ResponseWriter, _ []byte) { w.WriteHeader(http.StatusNotModified) })
	if rep, err := c.Pull(); err != nil || rep.NotModified || rep.Changes != 0 {
		t.Fatalf("empty pull: %+v %v", rep, err)
	}
	rep, err := c.Pull()
	if err != nil || !rep.NotModified {
		t.Fatalf("pull with the ETag: %+v %v", rep, err)
	}
	if reqs := f.requests("/sync/pull"); reqs[1].header.Get("If-None-Match") != "" || reqs[2].header.Get("If-None-Match") != `W/"two"` {
		t.Errorf("If-None-Match %q then %q, want none (another request) then the ETag", reqs[1].header.Get("If-None-Match"), reqs[2].header.Get("If-None-Match"))
	}

	// A tombstone removes B.
	sumA := int64(entryChecksum("violation", "A", 0, []byte(v1)))
	f.then("/sync/pull", pullAnswer(pullPageJSON(`{"type":"violation","id":"B","op":"delete","version":0}`, "c2", sumA, false), "", false))
	if rep, err := c.Pull(); err != nil || rep.Mismatches != 0 || rep.Changes != 1 {
		t.Fatalf("pull of a tombstone: %+v %v", rep, err)
	}
	if _, err := c.Reference("violation", "B"); ErrorCode(err) != CodeNotFound {
		t.Errorf("B survived its tombstone: %v", err)
	}
	// A wrong checksum: the page is not applied, the copy is dropped and pulled from the start.
	f.then("/sync/pull", pullAnswer(pullPageJSON(`{"type":"violation","id":"C","op":"upsert","version":0,"data":{}}`, "c3", 12345, false), "", false))
	f.then("/sync/pull", pullAnswer(pullPageJSON(two, "c4", sum, true), "", false))
	if rep, err := c.Pull(); err != nil || rep.Mismatches != 1 {
		t.Fatalf("pull with a mismatch: %+v %v", rep, err)
	}
	reqs := f.requests("/sync/pull")
	if cur := cursorsSent(reqs[len(reqs)-1]); len(cur) != 1 || cur[DatasetCatalogue] != "" {
		t.Errorf("after the mismatch the pull asked %v, want the catalogue from the start", cur)
	}
	if l, _ := c.ReferenceList("violation"); strings.Count(l, `"id"`) != 2 || strings.Contains(l, `"C"`) {
		t.Errorf("after the mismatch: %s", l)
	}

	// A second mismatch in one pull keeps the data and says so, rather than loop.
	f.then("/sync/pull", pullAnswer(pullPageJSON("", "c4", 1, false), "", false))
	f.then("/sync/pull", pullAnswer(pullPageJSON("", "c5", 1, true), "", false))
	if _, err := c.Pull(); ErrorCode(err) != CodeChecksumMismatch {
		t.Errorf("a persistent mismatch: %v", err)
	}

	// An invalid cursor: that dataset again from the start.
	f.then("/sync/pull", func(w http.ResponseWriter, _ []byte) {
		apiErr(w, 400, "cursor_invalid", map[string]string{"field": "datasets.catalogue", "code": "cursor_invalid", "message": "x"})
	})
	f.then("/sync/pull", pullAnswer(pullPageJSON(two, "c6", sum, true), "", false))
	if rep, err := c.Pull(); err != nil || rep.Resets != 1 {
		t.Fatalf("pull after cursor_invalid: %+v %v", rep, err)
	}
	reqs = f.requests("/sync/pull")
	if cur := cursorsSent(reqs[len(reqs)-1]); cur[DatasetCatalogue] != "" {
		t.Errorf("after cursor_invalid the catalogue was asked from %q", cur[DatasetCatalogue])
	}
	if l, _ := c.ReferenceList("violation"); strings.Count(l, `"id"`) != 2 {
		t.Errorf("after the reset: %s", l)
	}
}

// An expired access token is refreshed once and the request sent again with the new one; a refresh
// token the server calls reused ends the session until the next login, and the outbox waits.
func TestTokens(t *testing.T) {
	c, f, _ := newFake(t, 10)
	makeVisits(t, c, 1)
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) { apiErr(w, 401, "token_expired") })
	if _, err := c.Push(); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests("/sync/push")
	if len(reqs) != 2 || reqs[0].header.Get("Authorization") != "Bearer a.b.1" || reqs[1].header.Get("Authorization") != "Bearer a.b.2" {
		t.Errorf("push tokens: %d requests %q", len(reqs), []string{reqs[0].header.Get("Authorization")})
	}
	if r := f.requests("/auth/refresh"); len(r) != 1 || !bytes.Contains(r[0].body, []byte(fmt.Sprintf("rt1_%043d", 1))) {
		t.Errorf("refresh requests %d", len(r))
	}

	makeVisits(t, c, 1)
	f.then("/sync/push", func(w http.ResponseWriter, _ []byte) { apiErr(w, 401, "token_expired") })
	f.then("/auth/refresh", func(w http.ResponseWriter, _ []byte) { apiErr(w, 401, "refresh_reused") })
	_, err := c.Push()
	var e *Error
	if ErrorCode(err) != CodeLoginRequired || !asError(err, &e) || e.Reason != "refresh_reused" {
		t.Fatalf("push after a reused refresh token: %v", err)
	}
	if _, err := c.Pull(); ErrorCode(err) != CodeLoginRequired {
		t.Errorf("pull without a session: %v", err)
	}
	if st, _ := c.Status(); st.LoggedIn || st.Queued+st.Sending != 1 {
		t.Errorf("status %+v", st)
	}
	if err := c.Login("an", "secret"); err != nil {
		t.Fatal(err)
	}
	if rep, err := c.Push(); err != nil || rep.Acknowledged != 1 {
		t.Errorf("push after login: %+v %v", rep, err)
	}
	// Another account may not log in over unsent work.
	makeVisits(t, c, 1)
	if err := c.Login("binh", "secret"); ErrorCode(err) != CodeInvalid {
		t.Errorf("another account over unsent work: %v", err)
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error)
	*e = x
	return ok
}

// The app edits while a sync runs (another goroutine): every edit is queued and sent exactly once.
func TestEditsDuringSync(t *testing.T) {
	c, f, _ := newFake(t, 7)
	done := make(chan error, 1)
	go func() {
		for range 40 {
			if _, err := c.CreateVisit(&NewVisit{CampaignID: "c", SiteID: "s", Date: "2026-03-02", ChecklistCode: "x", ChecklistVersion: 1}); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 5 {
		if _, err := c.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sync(); err != nil {
		t.Fatal(err)
	}
	sent := map[string]int{}
	for _, r := range f.requests("/sync/push") {
		for _, id := range changeIDs(r.body) {
			sent[id]++
		}
	}
	st, _ := c.Status()
	if len(sent) != 40 || st.Acknowledged != 40 || st.Queued+st.Sending != 0 {
		t.Errorf("%d changes sent, status %+v", len(sent), st)
	}
	for id, n := range sent {
		if n != 1 {
			t.Errorf("change %s sent %d times", id, n)
		}
	}
}
