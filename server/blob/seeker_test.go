package blob_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Seeker behind http.ServeContent: whole answers, ranges (one and several), and a missing object
// refused before anything is written.
func TestSeekerServesRanges(t *testing.T) {
	s, err := localblob.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := make([]byte, 100_000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	if _, err := s.Put(t.Context(), "evidence/o/x", bytes.NewReader(data), int64(len(data)), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	serve := func(rng string) *http.Response {
		rs, _, err := blob.OpenSeeker(t.Context(), s, "evidence/o/x")
		if err != nil {
			t.Fatal(err)
		}
		defer rs.Close()
		req := httptest.NewRequest(http.MethodGet, "/x", nil)
		if rng != "" {
			req.Header.Set("Range", rng)
		}
		w := httptest.NewRecorder()
		http.ServeContent(w, req, "", time.Time{}, rs)
		return w.Result()
	}
	body := func(r *http.Response) []byte { b, _ := io.ReadAll(r.Body); return b }

	if r := serve(""); r.StatusCode != http.StatusOK || !bytes.Equal(body(r), data) {
		t.Errorf("whole: %d", r.StatusCode)
	}
	for rng, want := range map[string][]byte{
		"bytes=10-19":      data[10:20],
		"bytes=99990-":     data[99990:],
		"bytes=-5":         data[len(data)-5:],
		"bytes=50000-":     data[50000:],
		"bytes=0-0":        data[:1],
		"bytes=5000-99999": data[5000:],
	} {
		r := serve(rng)
		if got := body(r); r.StatusCode != http.StatusPartialContent || !bytes.Equal(got, want) {
			t.Errorf("%s: %d, %d bytes, want 206 and %d bytes", rng, r.StatusCode, len(got), len(want))
		}
	}
	if r := serve("bytes=0-1,50-51"); r.StatusCode != http.StatusPartialContent || !bytes.Contains(body(r), data[50:52]) {
		t.Errorf("two ranges: %d", r.StatusCode)
	}
	if r := serve("bytes=200000-"); r.StatusCode != http.StatusRequestedRangeNotSatisfiable {
		t.Errorf("a range past the end: %d", r.StatusCode)
	}
	if _, _, err := blob.OpenSeeker(t.Context(), s, "evidence/o/none"); errs.KindOf(err) != errs.NotFound {
		t.Errorf("a missing object: %v", err)
	}
}
