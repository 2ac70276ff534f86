package app_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// syncPage is one dataset's page of a pull answer, its data kept as received.
type syncPage struct {
	Changes []struct {
		Type    string          `json:"type"`
		ID      string          `json:"id"`
		Op      string          `json:"op"`
		Version int64           `json:"version"`
		Data    json.RawMessage `json:"data"`
	} `json:"changes"`
	Next     string  `json:"next"`
	Complete bool    `json:"complete"`
	Checksum *uint32 `json:"checksum"`
	Reset    bool    `json:"reset"`
}

// syncPhone is the test's phone: a token bound to a device, and per dataset a cursor and a copy.
type syncPhone struct {
	t       *testing.T
	srv     *apptest.Server
	doc     *schematest.Doc
	token   string
	cursors map[string]string
	copies  map[string]map[string]uint32 // dataset → type/id → entry checksum
	// verified lists the datasets whose copy matched a checksum: the copy is then the dataset's
	// whole state.
	verified map[string]bool
}

// pull sends one pull of the datasets (with their cursors) and checks the answer against the
// document; it returns the answer with its body decompressed when it was gzip.
func (p *syncPhone) pull(body any, header ...string) (apptest.Response, map[string]syncPage) {
	p.t.Helper()
	r := p.srv.Do(p.t, http.MethodPost, "/mobile/v1/sync/pull", p.token, body, header...)
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(r.Body))
		if err != nil {
			p.t.Fatalf("gzip answer: %v", err)
		}
		if r.Body, err = io.ReadAll(zr); err != nil {
			p.t.Fatalf("gzip answer: %v", err)
		}
	}
	p.doc.CheckResponse(p.t, http.MethodPost, "/mobile/v1/sync/pull", r.Status, r.Body)
	if r.Status != http.StatusOK {
		return r, nil
	}
	var out struct {
		Datasets map[string]syncPage `json:"datasets"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		p.t.Fatalf("pull answer: %v", err)
	}
	return r, out.Datasets
}

// apply applies a page to the dataset's copy as a phone does (a reset drops it first) and checks the
// page's checksum against the copy.
func (p *syncPhone) apply(dataset string, page syncPage) {
	p.t.Helper()
	if page.Reset || p.copies[dataset] == nil {
		p.copies[dataset] = map[string]uint32{}
	}
	c := p.copies[dataset]
	for _, ch := range page.Changes {
		switch ch.Op {
		case "upsert":
			c[ch.Type+"/"+ch.ID] = syncfeed.EntryChecksum(ch.Type, ch.ID, ch.Version, ch.Data)
		case "delete":
			delete(c, ch.Type+"/"+ch.ID)
		default:
			p.t.Fatalf("%s: op %q", dataset, ch.Op)
		}
	}
	if page.Checksum != nil {
		var sum uint32
		for _, v := range c {
			sum += v
		}
		if sum != *page.Checksum {
			p.t.Errorf("%s: checksum %d, the copy sums to %d", dataset, *page.Checksum, sum)
		}
		p.verified[dataset] = true
	}
	p.cursors[dataset] = page.Next
}

// pullAll pulls every dataset until each is complete, limit changes per page; it returns the number
// of changes received per dataset.
func (p *syncPhone) pullAll(limit int) map[string]int {
	p.t.Helper()
	got := map[string]int{}
	pending := slices.Clone(syncfeed.Datasets)
	for round := 0; len(pending) > 0; round++ {
		if round > 500 {
			p.t.Fatalf("the pull never completes: %v", pending)
		}
		req := map[string]string{}
		for _, d := range pending {
			req[d] = p.cursors[d]
		}
		r, pages := p.pull(map[string]any{"datasets": req, "limit": limit})
		if r.Status != http.StatusOK {
			p.t.Fatalf("pull: %d %s", r.Status, r.Body)
		}
		var next []string
		for _, d := range pending {
			page, ok := pages[d]
			if !ok {
				p.t.Fatalf("dataset %s missing from the answer %s", d, r.Body)
			}
			if len(page.Changes) > limit {
				p.t.Fatalf("%s: %d changes on a page of at most %d", d, len(page.Changes), limit)
			}
			p.apply(d, page)
			got[d] += len(page.Changes)
			if !page.Complete {
				next = append(next, d)
			}
		}
		pending = next
	}
	return got
}

// TestSyncOverHTTP runs the phone's sync and the chief's quarantine through the whole server: a pull
// from zero in pages with checksums, an incremental pull that is empty, 304 on If-None-Match, gzip,
// the refusals of both routes, and a pushed item the server cannot take going to the chief's
// quarantine and being resolved there.
func TestSyncOverHTTP(t *testing.T) {
	now := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	srv := apptest.Start(t, apptest.Config(t), clock.NewManual(now))
	mobileDoc := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)
	consoleDoc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	srv.CreateAccount(t, "thanhtra", identity.RoleInspector)
	chief := srv.CreateAccount(t, "chanh", identity.RoleChief)
	srv.CreateAccount(t, "quantri", identity.RoleOrgAdmin)
	ph := &syncPhone{t: t, srv: srv, doc: mobileDoc, token: phoneToken(t, srv, "thanhtra", "phone-thanhtra"),
		cursors: map[string]string{}, copies: map[string]map[string]uint32{}, verified: map[string]bool{}}
	consoleTokens := map[string]string{}
	console := func(login, method, path string, body any) apptest.Response {
		t.Helper()
		if consoleTokens[login] == "" {
			consoleTokens[login] = srv.Login(t, login)
		}
		r := srv.Do(t, method, path, consoleTokens[login], body)
		consoleDoc.CheckResponse(t, method, path, r.Status, r.Body)
		return r
	}

	t.Run("pull from zero, then nothing new", func(t *testing.T) {
		ph.t = t
		// Every dataset, from the start, without naming them: the answer names all of them.
		r, pages := ph.pull(map[string]any{}, "Accept-Encoding", "identity")
		if r.Status != http.StatusOK || r.Header.Get("Content-Encoding") != "" {
			t.Fatalf("pull {}: %d %q %s", r.Status, r.Header.Get("Content-Encoding"), r.Body)
		}
		for _, d := range syncfeed.Datasets {
			if _, ok := pages[d]; !ok {
				t.Errorf("pull {} has no dataset %s", d)
			}
		}
		if len(pages) != len(syncfeed.Datasets) {
			t.Errorf("pull {} answers %d datasets, want %d", len(pages), len(syncfeed.Datasets))
		}
		if date, err := http.ParseTime(r.Header.Get("Date")); err != nil || !date.Equal(now) {
			t.Errorf("Date %q, want the server clock's %s", r.Header.Get("Date"), now)
		}
		if bytes.Contains(r.Body, []byte("server_time")) {
			t.Errorf("the body carries the server time")
		}

		// In pages of 20 until complete: the national reference data loaded at start is there, and
		// sums to the checksums. On PostgreSQL a change waits while any older transaction of the
		// cluster runs (D6), and other tests share the cluster: a complete answer may still lack
		// changes, which come with a later pull, as they would to a phone.
		got := map[string]int{}
		for try := 0; !ph.verified[syncfeed.Catalogue] || !ph.verified[syncfeed.Checklists]; try++ {
			if try == 200 {
				t.Fatalf("after %d pulls the catalogue and the checklists are not all there: received %v", try, got)
			}
			if try > 0 {
				time.Sleep(10 * time.Millisecond) // for the cluster's other transactions, not for a time
			}
			for d, n := range ph.pullAll(20) {
				got[d] += n
			}
		}
		if got[syncfeed.Catalogue] == 0 || got[syncfeed.Checklists] == 0 {
			t.Errorf("pull from zero received %v: the catalogue and the checklists are missing", got)
		}

		// With the cursors it now holds, nothing is new: every page empty, complete, no reset, and
		// the cursors come back unchanged.
		r, pages = ph.pull(map[string]any{"datasets": ph.cursors}, "Accept-Encoding", "identity")
		if r.Status != http.StatusOK {
			t.Fatalf("incremental pull: %d %s", r.Status, r.Body)
		}
		for _, d := range syncfeed.Datasets {
			p := pages[d]
			// A dataset still empty is pulled from the start again, which states its checksum (0).
			fromStart := ph.cursors[d] == "" && p.Checksum != nil && *p.Checksum == 0
			if len(p.Changes) != 0 || !p.Complete || p.Reset || p.Next != ph.cursors[d] || (p.Checksum != nil && !fromStart) {
				t.Errorf("incremental pull of %s: %+v, want an empty complete page with the same cursor", d, p)
			}
		}
		tag := r.Header.Get("ETag")
		if !strings.HasPrefix(tag, `W/"`) || !strings.Contains(r.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("ETag %q, Vary %q", tag, r.Header.Get("Vary"))
		}

		// The same request with that ETag: 304 and no body, with the ETag again.
		nm, _ := ph.pull(map[string]any{"datasets": ph.cursors}, "If-None-Match", tag, "Accept-Encoding", "identity")
		if nm.Status != http.StatusNotModified || len(nm.Body) != 0 || nm.Header.Get("ETag") != tag {
			t.Fatalf("If-None-Match: %d %q %s, want 304 with no body", nm.Status, nm.Header.Get("ETag"), nm.Body)
		}
		// Gzip-compressed, the same request answers the same ETag.
		zr, _ := ph.pull(map[string]any{"datasets": ph.cursors}, "Accept-Encoding", "gzip")
		if zr.Status != http.StatusOK || zr.Header.Get("ETag") != tag || !bytes.Equal(zr.Body, r.Body) {
			t.Fatalf("gzip answer %d %q differs from the plain one", zr.Status, zr.Header.Get("ETag"))
		}
		// Other cursors (from the start) do not match the ETag: a full answer.
		if full, _ := ph.pull(map[string]any{}, "If-None-Match", tag); full.Status != http.StatusOK {
			t.Fatalf("a pull from the start with the ETag of an empty pull: %d", full.Status)
		}
	})

	t.Run("gzip", func(t *testing.T) {
		ph.t = t
		raw := srv.Do(t, http.MethodPost, "/mobile/v1/sync/pull", ph.token, map[string]any{}, "Accept-Encoding", "gzip, deflate")
		if raw.Status != http.StatusOK || raw.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(raw.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("pull with Accept-Encoding gzip: %d, Content-Encoding %q, Vary %q", raw.Status, raw.Header.Get("Content-Encoding"), raw.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw.Body))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || !json.Valid(body) {
			t.Fatalf("the gzip body does not decompress to JSON: %v", err)
		}
		mobileDoc.CheckResponse(t, http.MethodPost, "/mobile/v1/sync/pull", raw.Status, body)
		if len(raw.Body) >= len(body) {
			t.Errorf("compressed %d bytes, uncompressed %d", len(raw.Body), len(body))
		}
	})

	t.Run("pull refusals", func(t *testing.T) {
		ph.t = t
		r, _ := ph.pull(map[string]any{"datasets": map[string]string{"gadgets": "", "visits": ""}})
		refusedWith(t, r, http.StatusBadRequest, "validation_failed", "datasets.gadgets", "unknown_dataset")
		r, _ = ph.pull(map[string]any{"datasets": map[string]string{"visits": "not a cursor!"}})
		refusedWith(t, r, http.StatusBadRequest, "cursor_invalid", "datasets.visits", "cursor_invalid")
		r, _ = ph.pull(map[string]any{"limit": -1})
		refusedWith(t, r, http.StatusBadRequest, "validation_failed", "limit", "invalid_value")
		r, _ = ph.pull(map[string]any{"datasets": map[string]int{"visits": 1}})
		refusedWith(t, r, http.StatusBadRequest, "validation_failed", "", "")
		// A console token has no device: it cannot sync, whatever its roles.
		for _, login := range []string{"thanhtra", "chanh"} {
			console := &syncPhone{t: t, srv: srv, doc: mobileDoc, token: srv.Login(t, login)}
			r, _ := console.pull(map[string]any{})
			refusedWith(t, r, http.StatusForbidden, "role_required", "", "")
			r = srv.Do(t, http.MethodPost, "/mobile/v1/sync/push", console.token, map[string]any{"items": []any{}})
			mobileDoc.CheckResponse(t, http.MethodPost, "/mobile/v1/sync/push", r.Status, r.Body)
			refusedWith(t, r, http.StatusForbidden, "role_required", "", "")
		}
	})

	push := func(t *testing.T, body any, header ...string) apptest.Response {
		t.Helper()
		r := srv.Do(t, http.MethodPost, "/mobile/v1/sync/push", ph.token, body, header...)
		mobileDoc.CheckResponse(t, http.MethodPost, "/mobile/v1/sync/push", r.Status, r.Body)
		return r
	}
	item := func(changeID, entityType string, payload any) map[string]any {
		return map[string]any{"change_id": changeID, "entity_type": entityType, "entity_id": "01930c2e-7a4b-7c1d-9e2f-0000000000aa",
			"base_version": 0, "captured_at": "2026-03-02T08:15:00+07:00", "payload": payload}
	}

	t.Run("push refusals", func(t *testing.T) {
		refusedWith(t, push(t, []byte(`{"items": [`)), http.StatusBadRequest, "push_malformed", "", "")
		refusedWith(t, push(t, []byte(`{"items": {}}`)), http.StatusBadRequest, "push_malformed", "", "")
		refusedWith(t, push(t, []byte(`{"items": []}`), "Content-Encoding", "gzip"), http.StatusBadRequest, "push_malformed", "", "")
		refusedWith(t, push(t, map[string]any{"items": []any{item("not-a-uuid", "gadget", map[string]any{})}}),
			http.StatusBadRequest, "validation_failed", "items[0].change_id", "invalid_value")
		many := make([]any, syncpush.DefaultLimits.MaxItems+1)
		for i := range many {
			many[i] = item(uuid.NewString(), "gadget", map[string]any{})
		}
		refusedWith(t, push(t, map[string]any{"items": many}), http.StatusRequestEntityTooLarge, "push_batch_too_large", "", "")
		big := item(uuid.NewString(), "gadget", map[string]string{"x": strings.Repeat("a", syncpush.DefaultLimits.MaxPayloadBytes)})
		refusedWith(t, push(t, map[string]any{"items": []any{big}}), http.StatusRequestEntityTooLarge, "push_item_too_large", "items[0].payload", "push_item_too_large")
		// Nothing of a refused batch reached the quarantine.
		var list struct {
			Total int `json:"total"`
		}
		json.Unmarshal(console("chanh", http.MethodGet, "/api/v1/sync/quarantine?state=all", nil).Body, &list)
		if list.Total != 0 {
			t.Fatalf("refused batches left %d items in the quarantine", list.Total)
		}
	})

	changeID := uuid.NewString()
	t.Run("rejected item goes to the quarantine", func(t *testing.T) {
		var out struct {
			Results []struct {
				ChangeID string `json:"change_id"`
				Outcome  string `json:"outcome"`
				Version  int64  `json:"version"`
				Code     string `json:"code"`
				Message  string `json:"message"`
			} `json:"results"`
		}
		batch, _ := json.Marshal(map[string]any{"items": []any{item(changeID, "gadget", map[string]any{"caption": "Cột bơm số 1", "n": 1.50})}})
		// Gzip-compressed, in Vietnamese (the default).
		r := push(t, gzipped(t, batch), "Content-Encoding", "gzip")
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &out) != nil || len(out.Results) != 1 {
			t.Fatalf("push: %d %s", r.Status, r.Body)
		}
		res := out.Results[0]
		if res.ChangeID != changeID || res.Outcome != "rejected" || res.Code != "unknown_entity_type" ||
			res.Message != "Loại dữ liệu gửi lên không được máy chủ hỗ trợ." {
			t.Fatalf("result %+v, want rejected unknown_entity_type with the catalogue's message", res)
		}
		// Sent again, in English: the same rejection, the English message, never the reason.
		r = push(t, batch, "Accept-Language", "en")
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &out) != nil || len(out.Results) != 1 {
			t.Fatalf("push again: %d %s", r.Status, r.Body)
		}
		if res := out.Results[0]; res.Outcome != "rejected" || res.Code != "unknown_entity_type" || res.Message != "The server does not take this kind of data." {
			t.Fatalf("result %+v, want the same rejection in English", res)
		}
		if bytes.Contains(r.Body, []byte("gadget")) {
			t.Errorf("the answer carries the server's reason: %s", r.Body)
		}
	})

	t.Run("the chief resolves it", func(t *testing.T) {
		type listed struct {
			Items []struct {
				ID             int64           `json:"id"`
				DeviceID       string          `json:"device_id"`
				ChangeID       string          `json:"change_id"`
				EntityType     string          `json:"entity_type"`
				EntityID       string          `json:"entity_id"`
				Code           string          `json:"code"`
				Reason         string          `json:"reason"`
				Payload        json.RawMessage `json:"payload"`
				ReceivedAt     time.Time       `json:"received_at"`
				ResolvedAt     *time.Time      `json:"resolved_at"`
				ResolutionNote string          `json:"resolution_note"`
				ResolvedBy     string          `json:"resolved_by"`
			} `json:"items"`
			Total int `json:"total"`
		}
		refusedWith(t, console("thanhtra", http.MethodGet, "/api/v1/sync/quarantine", nil), http.StatusForbidden, "role_required", "", "")
		refusedWith(t, console("chanh", http.MethodGet, "/api/v1/sync/quarantine?state=closed", nil), http.StatusBadRequest, "validation_failed", "state", "invalid_value")

		var open listed
		r := console("chanh", http.MethodGet, "/api/v1/sync/quarantine", nil)
		if r.Status != http.StatusOK || json.Unmarshal(r.Body, &open) != nil || open.Total != 1 || len(open.Items) != 1 {
			t.Fatalf("the chief's quarantine: %d %s, want the one item (kept once though sent twice)", r.Status, r.Body)
		}
		it := open.Items[0]
		var me struct {
			DeviceID string `json:"device_id"`
		}
		json.Unmarshal(srv.Do(t, http.MethodGet, "/mobile/v1/me", ph.token, nil).Body, &me)
		if it.ChangeID != changeID || it.EntityType != "gadget" || it.EntityID != "01930c2e-7a4b-7c1d-9e2f-0000000000aa" ||
			it.Code != "unknown_entity_type" || it.Reason == "" || it.DeviceID != me.DeviceID || !it.ReceivedAt.Equal(now) || it.ResolvedAt != nil {
			t.Fatalf("quarantined item %+v", it)
		}
		if string(it.Payload) != `{"caption":"Cột bơm số 1","n":1.5}` {
			t.Errorf("payload %s, want the one sent", it.Payload)
		}
		// The organisation administrator sees it too.
		if r := console("quantri", http.MethodGet, "/api/v1/sync/quarantine?state=all", nil); r.Status != http.StatusOK {
			t.Fatalf("org admin: %d %s", r.Status, r.Body)
		}

		path := fmt.Sprintf("/api/v1/sync/quarantine/%d/resolve", it.ID)
		refusedWith(t, console("thanhtra", http.MethodPost, path, map[string]string{"note": "x"}), http.StatusForbidden, "role_required", "", "")
		refusedWith(t, console("chanh", http.MethodPost, path, map[string]string{"note": "   "}), http.StatusBadRequest, "validation_failed", "note", "required")
		refusedWith(t, console("chanh", http.MethodPost, path, map[string]string{}), http.StatusBadRequest, "validation_failed", "note", "required")
		refusedWith(t, console("chanh", http.MethodPost, "/api/v1/sync/quarantine/999999/resolve", map[string]string{"note": "x"}), http.StatusNotFound, "quarantine_not_found", "", "")
		refusedWith(t, console("chanh", http.MethodPost, "/api/v1/sync/quarantine/abc/resolve", map[string]string{"note": "x"}), http.StatusNotFound, "quarantine_not_found", "", "")
		const note = "Ứng dụng cũ gửi loại dữ liệu lạ; đã nhắc thanh tra viên cập nhật."
		if r := console("chanh", http.MethodPost, path, map[string]string{"note": note}); r.Status != http.StatusNoContent {
			t.Fatalf("resolve: %d %s", r.Status, r.Body)
		}
		refusedWith(t, console("chanh", http.MethodPost, path, map[string]string{"note": note}), http.StatusConflict, "quarantine_resolved", "", "")

		var after listed
		json.Unmarshal(console("chanh", http.MethodGet, "/api/v1/sync/quarantine", nil).Body, &after)
		if after.Total != 0 || len(after.Items) != 0 {
			t.Fatalf("the open list still has %d items", after.Total)
		}
		var all listed
		json.Unmarshal(console("chanh", http.MethodGet, "/api/v1/sync/quarantine?state=all&limit=10&offset=0", nil).Body, &all)
		if all.Total != 1 || len(all.Items) != 1 {
			t.Fatalf("state=all lists %d items, want 1", all.Total)
		}
		if got := all.Items[0]; got.ResolvedAt == nil || !got.ResolvedAt.Equal(now) || got.ResolutionNote != note || got.ResolvedBy != chief.PersonID {
			t.Fatalf("resolved item %+v, want resolved now by the chief with the note", got)
		}
		// The resolution is in the audit log, whose chains still verify.
		rep, err := srv.App.VerifyAudit(t.Context())
		if err != nil || !rep.OK() {
			t.Fatalf("audit: %+v %v", rep, err)
		}
	})
}

// refusedWith fails the test unless r is an error with the status and code and, when field is set,
// a field error on field with fieldCode.
func refusedWith(t *testing.T, r apptest.Response, status int, code, field, fieldCode string) {
	t.Helper()
	var e struct {
		Error struct {
			Code   string `json:"code"`
			Fields []struct {
				Field string `json:"field"`
				Code  string `json:"code"`
			} `json:"fields"`
		} `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	if r.Status != status || e.Error.Code != code {
		t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
	}
	if field == "" {
		return
	}
	for _, f := range e.Error.Fields {
		if f.Field == field && f.Code == fieldCode {
			return
		}
	}
	t.Fatalf("fields %+v, want %s=%s", e.Error.Fields, field, fieldCode)
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
