package simulator

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestAwaitDocument: the verification asks again while the server's job has not made a record's
// document (record_document_not_found), and gives up at the deadline; other errors end it at once.
func TestAwaitDocument(t *testing.T) {
	t.Parallel()
	body := []byte(`{"record_id":"r1"}`)
	h := sha256.Sum256(body)
	sum := hex.EncodeToString(h[:])
	for _, tc := range []struct {
		name     string
		notYet   int64 // answers record_document_not_found this many times first
		status   int   // then this (200: the document)
		wait     time.Duration
		wantErr  bool
		wantHits int64
	}{
		{"made at once", 0, http.StatusOK, time.Minute, false, 1},
		{"made by the job after two asks", 2, http.StatusOK, time.Minute, false, 3},
		{"not made within the wait", 1 << 30, http.StatusOK, 600 * time.Millisecond, true, 0},
		{"another error is not waited on", 0, http.StatusForbidden, time.Minute, true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := hits.Add(1)
				switch {
				case n <= tc.notYet:
					w.WriteHeader(http.StatusNotFound)
					w.Write([]byte(`{"error":{"code":"record_document_not_found","message":"not yet"}}`))
				case tc.status != http.StatusOK:
					w.WriteHeader(tc.status)
					w.Write([]byte(`{"error":{"code":"forbidden","message":"no"}}`))
				default:
					w.Header().Set("ETag", strconv.Quote(sum))
					w.Write(body)
				}
			}))
			defer srv.Close()
			got, etag, err := awaitDocument(context.Background(), newConsole(srv.URL), "/api/v1/records/r1/document.json", time.Now().Add(tc.wait))
			switch {
			case tc.wantErr && err == nil:
				t.Errorf("no error after %d asks", hits.Load())
			case !tc.wantErr && (err != nil || got != sum || etag != strconv.Quote(sum)):
				t.Errorf("got %s %s %v, want %s", got, etag, err, sum)
			case tc.wantHits > 0 && hits.Load() != tc.wantHits:
				t.Errorf("%d asks, want %d", hits.Load(), tc.wantHits)
			case tc.wantHits == 0 && hits.Load() < 2:
				t.Errorf("%d asks: it did not wait", hits.Load())
			}
		})
	}
}
