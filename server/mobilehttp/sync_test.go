package mobilehttp

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
	"github.com/skhcn-caobang/thanhtra/server/syncsvc"
)

// pushItemSample is the JSON form of a pushed item as syncpush.DecodeBatch reads it (its own wire
// struct is private to syncpush), for checking the request schema.
type pushItemSample struct {
	ChangeID    string         `json:"change_id"`
	EntityType  string         `json:"entity_type"`
	EntityID    string         `json:"entity_id"`
	BaseVersion int64          `json:"base_version"`
	CapturedAt  time.Time      `json:"captured_at"`
	Payload     map[string]any `json:"payload"`
}

type pushSample struct {
	Items []pushItemSample `json:"items"`
}

var samplePush = pushSample{Items: []pushItemSample{{ChangeID: "0f8e7c62-5d1a-4b3e-8c9d-2a1b3c4d5e6f", EntityType: "visit",
	EntityID: "01930c2e-7a4b-7c1d-9e2f-3a4b5c6d7e8f", CapturedAt: time.Date(2026, 3, 2, 1, 15, 0, 0, time.UTC),
	Payload: map[string]any{"status": "in_progress"}}}}

// samplePull is a typical answer: a dataset with an upsert and a tombstone and its checksum, a reset
// one, and an empty one.
func samplePull() pullResponse {
	data := []byte(`{"id":"b1","first":1,"last":50,"note":"Sở KH&CN"}`)
	sum := syncfeed.EntryChecksum(syncfeed.EntityNumberBlock, "b1", 0, data)
	return toPullResponse(map[string]syncsvc.DatasetPage{
		syncfeed.Numbers: {Page: syncfeed.Page{Changes: []syncfeed.Entry{
			{Change: syncfeed.Change{EntityType: syncfeed.EntityNumberBlock, EntityID: "b1", Op: syncfeed.OpUpsert, Data: data}},
			{Change: syncfeed.Change{EntityType: syncfeed.EntityNumberBlock, EntityID: "b0", Op: syncfeed.OpDelete}},
		}, Next: "MjpudW1iZXJzOmFiYzowOjc", Complete: true, Checksum: &sum}},
		syncfeed.Visits: {Page: syncfeed.Page{Changes: []syncfeed.Entry{
			{Change: syncfeed.Change{EntityType: syncfeed.EntityVisit, EntityID: "v1", Op: syncfeed.OpUpsert, Version: 3, Data: []byte(`{"status":"completed"}`)}},
		}, Next: "MjpWaXNpdHM6YWJjOjA6NDI", Complete: false}, Reset: true},
		syncfeed.Catalogue: {Page: syncfeed.Page{Changes: nil, Next: "", Complete: true}},
	})
}

func samplePushResults() pushResponse {
	return pushResponse{Results: []pushResult{
		{ChangeID: "0f8e7c62-5d1a-4b3e-8c9d-2a1b3c4d5e6f", Outcome: "applied", Version: 4},
		{ChangeID: "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d", Outcome: "duplicate", Version: 2},
		{ChangeID: "2b3c4d5e-6f7a-4b1c-8d2e-3f4a5b6c7d8e", Outcome: "conflict", Code: string(errs.CodeChangeIDReused), Message: "Mã thay đổi này đã được gửi trước đó với nội dung khác."},
		{ChangeID: "3c4d5e6f-7a8b-4c1d-8e2f-3a4b5c6d7e8f", Outcome: "rejected", Code: string(errs.CodeUnknownEntityType), Message: "Loại dữ liệu gửi lên không được máy chủ hỗ trợ."},
	}}
}

// TestPullBodyKeepsDataAsStored checks that a change's data goes out byte for byte (no HTML
// escaping, no re-encoding), that a tombstone carries none, that an empty page has [] and no
// checksum, and that the answer has no server time (its ETag must not change from call to call).
func TestPullBodyKeepsDataAsStored(t *testing.T) {
	b, err := encodeJSON(samplePull())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"data":{"id":"b1","first":1,"last":50,"note":"Sở KH&CN"}`)) {
		t.Errorf("data not sent as stored: %s", b)
	}
	var got struct {
		Datasets map[string]struct {
			Changes []struct {
				ID   string          `json:"id"`
				Data json.RawMessage `json:"data"`
			} `json:"changes"`
			Checksum *uint32 `json:"checksum"`
			Reset    bool    `json:"reset"`
		} `json:"datasets"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	n := got.Datasets[syncfeed.Numbers]
	if len(n.Changes) != 2 || n.Changes[1].Data != nil {
		t.Errorf("the tombstone carries data: %s", b)
	}
	if n.Checksum == nil || *n.Checksum != syncfeed.EntryChecksum(syncfeed.EntityNumberBlock, "b1", 0, n.Changes[0].Data) {
		t.Errorf("the checksum does not add up over the data as received: %s", b)
	}
	c := got.Datasets[syncfeed.Catalogue]
	if c.Changes == nil || c.Checksum != nil || !got.Datasets[syncfeed.Visits].Reset {
		t.Errorf("empty page or reset rendered wrong: %s", b)
	}
	if bytes.Contains(b, []byte("server_time")) {
		t.Errorf("the body carries the server time: %s", b)
	}
	schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix).CheckResponse(t, http.MethodPost, "/mobile/v1/sync/pull", http.StatusOK, b)
	schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix).CheckResponse(t, http.MethodPost, "/mobile/v1/sync/pull", http.StatusNotModified, nil)
}

func TestAcceptsGzip(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"deflate, gzip;q=0.5", true},
		{"gzip;q=0", false},
		{"gzip; q=0.0, *", false},
		{"*", true},
		{"*;q=0, gzip", true},
		{"br, deflate", false},
		{"x-gzip", true},
	} {
		if got := acceptsGzip(tc.header); got != tc.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func TestNoneMatch(t *testing.T) {
	tag := etag([]byte(`{"datasets":{}}`))
	if !strings.HasPrefix(tag, `W/"`) || len(tag) != 36 {
		t.Fatalf("etag %q: want W/\"<32 hex>\"", tag)
	}
	if etag([]byte(`{"datasets":{"a":{}}}`)) == tag {
		t.Fatal("two bodies share an ETag")
	}
	strong := strings.TrimPrefix(tag, "W/")
	for _, tc := range []struct {
		header string
		want   bool
	}{
		{"", false},
		{tag, true},
		{strong, true}, // weak comparison
		{`"other", ` + tag, true},
		{`W/"other"`, false},
		{"*", true},
		{tag[:len(tag)-2] + `"`, false},
	} {
		if got := noneMatch(tc.header, tag); got != tc.want {
			t.Errorf("noneMatch(%q) = %v, want %v", tc.header, got, tc.want)
		}
	}
}

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestReadPushBody checks the push body: plain or gzip, the limit applied to the decompressed size,
// and what is refused with which code.
func TestReadPushBody(t *testing.T) {
	const limit = 1000
	batch := []byte(`{"items":[]}`)
	big := []byte(`{"items":[],"pad":"` + strings.Repeat("a", 2*limit) + `"}`)
	for _, tc := range []struct {
		name, encoding, contentType string
		body                        []byte
		want                        []byte
		kind                        errs.Kind
		code                        errs.Code
	}{
		{name: "plain", body: batch, want: batch},
		{name: "identity", encoding: "identity", body: batch, want: batch},
		{name: "gzip", encoding: "gzip", body: gz(t, batch), want: batch},
		{name: "gzip bomb", encoding: "gzip", body: gz(t, big), kind: errs.TooLarge, code: errs.CodeBodyTooLarge},
		{name: "plain too large", body: big, kind: errs.TooLarge, code: errs.CodeBodyTooLarge},
		{name: "not gzip", encoding: "gzip", body: batch, kind: errs.Invalid, code: errs.CodePushMalformed},
		{name: "empty gzip", encoding: "gzip", body: nil, kind: errs.Invalid, code: errs.CodePushMalformed},
		{name: "truncated gzip", encoding: "gzip", body: gz(t, batch)[:15], kind: errs.Invalid, code: errs.CodePushMalformed},
		{name: "brotli", encoding: "br", body: batch, kind: errs.Invalid, code: errs.CodePushMalformed},
		{name: "not JSON", contentType: "text/plain", body: batch, kind: errs.Invalid, code: errs.CodePushMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/mobile/v1/sync/push", bytes.NewReader(tc.body))
			if tc.encoding != "" {
				r.Header.Set("Content-Encoding", tc.encoding)
			}
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			got, err := readPushBody(r, limit)
			if tc.kind == "" {
				if err != nil || !bytes.Equal(got, tc.want) {
					t.Fatalf("got %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			if errs.KindOf(err) != tc.kind || errs.CodeOf(err) != tc.code {
				t.Fatalf("got %v (%s/%s), want %s/%s", err, errs.KindOf(err), errs.CodeOf(err), tc.kind, tc.code)
			}
		})
	}
	// The route's own limit on the body as sent (http.MaxBytesReader) is 413 too, not a 503.
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "/mobile/v1/sync/push", bytes.NewReader(gz(t, big)))
	r.Header.Set("Content-Encoding", "gzip")
	r.Body = http.MaxBytesReader(w, r.Body, 20)
	if _, err := readPushBody(r, 1<<20); errs.CodeOf(err) != errs.CodeBodyTooLarge {
		t.Fatalf("body past the route's limit: %v, want body_too_large", err)
	}
}

// TestPushRouteTakesABatch checks that the push route's body limit is the batch limit, which is
// larger than the server's default body limit.
func TestPushRouteTakesABatch(t *testing.T) {
	for _, r := range (&API{}).Routes() {
		if r.Path == "/sync/push" && r.MaxBody != int64(syncpush.DefaultLimits.MaxBatchBytes) {
			t.Fatalf("push MaxBody %d, want %d", r.MaxBody, syncpush.DefaultLimits.MaxBatchBytes)
		}
	}
}

// TestEncodePullIsEncodeJSON: the hand-written encoder of pull answers gives the bytes encoding/json
// gives (without HTML escaping), data included.
func TestEncodePullIsEncodeJSON(t *testing.T) {
	r := samplePull()
	want, err := encodeJSON(r)
	if err != nil {
		t.Fatal(err)
	}
	got, err := encodePull(r)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("encodePull:\n%s\nencoding/json:\n%s", got, want)
	}
}
