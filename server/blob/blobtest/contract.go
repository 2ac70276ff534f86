// Package blobtest holds the contract every blob.Store must meet, as one test suite that each store's
// tests run (RunContract), and the helper that gives those tests a fresh S3 bucket (NewS3).
//
// The suite is the executable form of the doc comments in package blob: when a store and the suite
// disagree, the doc comment decides, and whichever is wrong is fixed.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// RunContract runs the blob.Store contract as subtests of t. newStore must return an empty store of
// its own for each subtest and arrange its cleanup.
func RunContract(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"HashWithoutExpectedSHA256", testHashWithoutExpected},
		{"EmptyObject", testEmptyObject},
		{"UnknownSizeStream", testUnknownSizeStream},
		{"Overwrite", testOverwrite},
		{"Stat", testStat},
		{"GetRange", testGetRange},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"ChecksumMismatch", testChecksumMismatch},
		{"WrongSize", testWrongSize},
		{"InvalidKeys", testInvalidKeys},
		{"InvalidOptions", testInvalidOptions},
		{"List", testList},
		{"ConcurrentPuts", testConcurrentPuts},
		{"FailingReader", testFailingReader},
		{"ContextCancelled", testContextCancelled},
		{"Check", testCheck},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t))
		})
	}
}

func testRoundTrip(t *testing.T, s blob.Store) {
	ctx := t.Context()
	data := []byte("biên bản vi phạm hành chính số 42\n")
	meta := map[string]string{
		"inspector": "Nguyễn Văn Ân",      // not ASCII
		"case-id":   "TT-2026-0042",       // plain
		"note":      "=?utf-8?q?looks?= ", // looks like an RFC 2047 word, and ends in a space
		"padded":    "  spaces around  ",  // HTTP would trim them
	}
	want := blob.Info{Key: "evidence/2026/11/photo 1.jpg", Size: int64(len(data)), ContentType: "image/jpeg", Metadata: meta, SHA256: sum(data)}
	got, err := s.Put(ctx, want.Key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "image/jpeg", Metadata: meta, SHA256: sum(data)})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	checkInfo(t, "Put", got, want)

	rc, info, err := s.Get(ctx, want.Key)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if b := readAll(t, rc); !bytes.Equal(b, data) {
		t.Errorf("Get returned %q, want %q", b, data)
	}
	checkInfo(t, "Get", info, want)

	info, err = s.Stat(ctx, want.Key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, want)
}

func testHashWithoutExpected(t *testing.T, s blob.Store) {
	ctx := t.Context()
	data := []byte("an export with no declared hash")
	got := put(t, s, "exports/a.csv", data, blob.PutOptions{ContentType: "text/csv", Metadata: map[string]string{"rows": "3"}})
	want := blob.Info{Key: "exports/a.csv", Size: int64(len(data)), ContentType: "text/csv", Metadata: map[string]string{"rows": "3"}, SHA256: sum(data)}
	checkInfo(t, "Put", got, want)
	info, err := s.Stat(ctx, "exports/a.csv")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, want)
	rc, info, err := s.Get(ctx, "exports/a.csv")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	readAll(t, rc)
	checkInfo(t, "Get", info, want)
}

func testEmptyObject(t *testing.T, s blob.Store) {
	ctx := t.Context()
	for _, size := range []int64{0, -1} {
		key := fmt.Sprintf("empty/size%d", size)
		got, err := s.Put(ctx, key, strings.NewReader(""), size, blob.PutOptions{SHA256: sum(nil)})
		if err != nil {
			t.Fatalf("Put size %d: %v", size, err)
		}
		want := blob.Info{Key: key, Size: 0, ContentType: "application/octet-stream", SHA256: sum(nil)}
		checkInfo(t, "Put", got, want)
		rc, info, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		if b := readAll(t, rc); len(b) != 0 {
			t.Errorf("Get %s returned %d bytes, want 0", key, len(b))
		}
		checkInfo(t, "Get", info, want)
	}
}

func testUnknownSizeStream(t *testing.T, s blob.Store) {
	ctx := t.Context()
	const size = 20 << 20 // more than one 16 MiB part, so S3 stores uploads it in parts
	wantSum := sumReader(t, pattern(1, size))

	got, err := s.Put(ctx, "video/inspection.mp4", pattern(1, size), -1, blob.PutOptions{ContentType: "video/mp4"})
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	want := blob.Info{Key: "video/inspection.mp4", Size: size, ContentType: "video/mp4", SHA256: wantSum}
	checkInfo(t, "Put", got, want)

	rc, info, err := s.Get(ctx, "video/inspection.mp4")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if n != size || hex.EncodeToString(h.Sum(nil)) != wantSum {
		t.Errorf("Get streamed %d bytes hashing to %x, want %d bytes hashing to %s", n, h.Sum(nil), size, wantSum)
	}
	checkInfo(t, "Get", info, want)

	// The same with the size declared, which goes through other code in minio-go.
	got, err = s.Put(ctx, "video/known.mp4", pattern(1, size), size, blob.PutOptions{SHA256: wantSum})
	if err != nil {
		t.Fatalf("Put with size: %v", err)
	}
	checkInfo(t, "Put with size", got, blob.Info{Key: "video/known.mp4", Size: size, ContentType: "application/octet-stream", SHA256: wantSum})
}

func testOverwrite(t *testing.T, s blob.Store) {
	ctx := t.Context()
	put(t, s, "doc/report.pdf", []byte("first version, longer"), blob.PutOptions{ContentType: "application/pdf", Metadata: map[string]string{"version": "1"}})
	second := []byte("second")
	put(t, s, "doc/report.pdf", second, blob.PutOptions{ContentType: "text/plain"})
	rc, info, err := s.Get(ctx, "doc/report.pdf")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if b := readAll(t, rc); !bytes.Equal(b, second) {
		t.Errorf("Get returned %q, want %q", b, second)
	}
	checkInfo(t, "Get", info, blob.Info{Key: "doc/report.pdf", Size: int64(len(second)), ContentType: "text/plain", SHA256: sum(second)})
}

func testStat(t *testing.T, s blob.Store) {
	data := bytes.Repeat([]byte("x"), 1234)
	put(t, s, "a/b/c/stat.bin", data, blob.PutOptions{})
	info, err := s.Stat(t.Context(), "a/b/c/stat.bin")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	checkInfo(t, "Stat", info, blob.Info{Key: "a/b/c/stat.bin", Size: 1234, ContentType: "application/octet-stream", SHA256: sum(data)})
	if info.ModTime.IsZero() {
		t.Error("Stat: ModTime is zero")
	}
	// A prefix of a key is not an object.
	if _, err := s.Stat(t.Context(), "a/b"); !isNotFound(err) {
		t.Errorf("Stat of a prefix: %v, want not found", err)
	}
}

func testGetRange(t *testing.T, s blob.Store) {
	data := make([]byte, 1000)
	for i := range data {
		data[i] = byte(i * 7)
	}
	put(t, s, "range/obj", data, blob.PutOptions{ContentType: "application/x-test"})
	tests := []struct {
		name           string
		offset, length int64
		want           []byte
	}{
		{"middle", 100, 50, data[100:150]},
		{"to the end", 990, -1, data[990:]},
		{"whole", 0, -1, data},
		{"first byte", 0, 1, data[:1]},
		{"last byte", 999, 1, data[999:]},
		{"past the end is clipped", 995, 100, data[995:]},
		{"empty at the end", 1000, -1, nil},
		{"zero length", 10, 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rc, info, err := s.GetRange(t.Context(), "range/obj", tc.offset, tc.length)
			if err != nil {
				t.Fatalf("GetRange(%d, %d): %v", tc.offset, tc.length, err)
			}
			if b := readAll(t, rc); !bytes.Equal(b, tc.want) {
				t.Errorf("GetRange(%d, %d) returned %d bytes, want %d", tc.offset, tc.length, len(b), len(tc.want))
			}
			if info.Size != int64(len(data)) || info.ContentType != "application/x-test" {
				t.Errorf("GetRange info: size %d, type %q; want the object's: %d, application/x-test", info.Size, info.ContentType, len(data))
			}
		})
	}
	for _, bad := range [][2]int64{{1001, -1}, {2000, 10}, {-1, 10}, {0, -2}} {
		_, _, err := s.GetRange(t.Context(), "range/obj", bad[0], bad[1])
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("GetRange(%d, %d): %v, want kind invalid", bad[0], bad[1], err)
		}
	}
}

func testDelete(t *testing.T, s blob.Store) {
	ctx := t.Context()
	put(t, s, "del/one", []byte("1"), blob.PutOptions{})
	put(t, s, "del/two", []byte("2"), blob.PutOptions{})
	if err := s.Delete(ctx, "del/one"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Stat(ctx, "del/one"); !isNotFound(err) {
		t.Errorf("Stat after Delete: %v, want not found", err)
	}
	if _, err := s.Stat(ctx, "del/two"); err != nil {
		t.Errorf("Stat of the other key: %v", err)
	}
	for _, key := range []string{"del/one", "del/never", "nowhere/at/all"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete of missing %q: %v, want nil", key, err)
		}
	}
	// The key can be used again, and so can its prefix as an object once nothing is below it.
	if err := s.Delete(ctx, "del/two"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	put(t, s, "del", []byte("now an object"), blob.PutOptions{})
	if keys := listKeys(t, s, ""); !slices.Equal(keys, []string{"del"}) {
		t.Errorf("List after deletes = %q, want [del]", keys)
	}
}

func testNotFound(t *testing.T, s blob.Store) {
	ctx := t.Context()
	put(t, s, "present", []byte("here"), blob.PutOptions{})
	checks := map[string]func() error{
		"Get": func() error {
			rc, _, err := s.Get(ctx, "missing/key")
			if rc != nil {
				rc.Close()
			}
			return err
		},
		"Stat": func() error { _, err := s.Stat(ctx, "missing/key"); return err },
		"GetRange": func() error {
			rc, _, err := s.GetRange(ctx, "missing/key", 1, 10)
			if rc != nil {
				rc.Close()
			}
			return err
		},
		"GetRange to the end":  func() error { _, _, err := s.GetRange(ctx, "missing/key", 5, -1); return err },
		"GetRange zero length": func() error { _, _, err := s.GetRange(ctx, "missing/key", 0, 0); return err },
		"Get below an object":  func() error { _, _, err := s.Get(ctx, "present/child"); return err },
	}
	for _, name := range slices.Sorted(maps.Keys(checks)) {
		err := checks[name]()
		if errs.KindOf(err) != errs.NotFound || errs.CodeOf(err) != errs.CodeObjectNotFound {
			t.Errorf("%s: %v (kind %s, code %s), want not_found/%s", name, err, errs.KindOf(err), errs.CodeOf(err), errs.CodeObjectNotFound)
		}
	}
}

func testChecksumMismatch(t *testing.T, s blob.Store) {
	ctx := t.Context()
	data := []byte("the bytes that arrived")
	for _, size := range []int64{int64(len(data)), -1} {
		_, err := s.Put(ctx, "evidence/tampered.jpg", bytes.NewReader(data), size, blob.PutOptions{SHA256: sum([]byte("the bytes that were sent"))})
		if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeChecksumMismatch {
			t.Fatalf("Put size %d with a wrong SHA-256: %v, want invalid/%s", size, err, errs.CodeChecksumMismatch)
		}
		if _, err := s.Stat(ctx, "evidence/tampered.jpg"); !isNotFound(err) {
			t.Errorf("Stat after mismatch: %v, want not found", err)
		}
		if keys := listKeys(t, s, ""); len(keys) != 0 {
			t.Errorf("List after mismatch = %q, want nothing", keys)
		}
	}
	// Content keys are shared by every upload of the content: a refused upload must leave the good
	// object there untouched, at every moment (a reader never sees the bad bytes).
	good := []byte("the bytes that were sent")
	if _, err := s.Put(ctx, "evidence/shared", bytes.NewReader(good), int64(len(good)), blob.PutOptions{SHA256: sum(good)}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			rc, _, err := s.Get(ctx, "evidence/shared")
			if err != nil {
				t.Errorf("Get during a refused Put: %v", err)
				return
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(b, good) {
				t.Errorf("Get during a refused Put read %q, %v", b, err)
				return
			}
		}
	}()
	for range 5 {
		_, err := s.Put(ctx, "evidence/shared", bytes.NewReader(data), int64(len(data)), blob.PutOptions{SHA256: sum(good)})
		if errs.CodeOf(err) != errs.CodeChecksumMismatch {
			t.Errorf("Put of other bytes under the content's hash: %v, want %s", err, errs.CodeChecksumMismatch)
		}
	}
	close(stop)
	wg.Wait()
	rc, _, err := s.Get(ctx, "evidence/shared")
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, rc); !bytes.Equal(got, good) {
		t.Errorf("after refused Puts the object holds %q", got)
	}
}

func testWrongSize(t *testing.T, s blob.Store) {
	ctx := t.Context()
	_, err := s.Put(ctx, "short", strings.NewReader("only 20 bytes here.."), 100, blob.PutOptions{})
	if errs.KindOf(err) != errs.Invalid {
		t.Errorf("Put of 20 bytes declared as 100: %v, want kind invalid", err)
	}
	_, err = s.Put(ctx, "long", strings.NewReader("more than ten bytes"), 10, blob.PutOptions{})
	if errs.KindOf(err) != errs.Invalid {
		t.Errorf("Put of 19 bytes declared as 10: %v, want kind invalid", err)
	}
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("List after wrong sizes = %q, want nothing", keys)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := t.Context()
	keys := map[string]string{
		"empty":                "",
		"absolute":             "/etc/passwd",
		"dot-dot segment":      "a/../b",
		"dot-dot alone":        "..",
		"dot segment":          "a/./b",
		"leading dot":          ".hidden",
		"temp directory":       ".tmp/x.data",
		"sidecar name":         "a/.b.meta.json",
		"double slash":         "a//b",
		"trailing slash":       "a/",
		"backslash":            `a\b`,
		"NUL":                  "a\x00b",
		"control character":    "a\x01b",
		"newline":              "a\nb",
		"DEL":                  "a\x7fb",
		"C1 control":           "a\u0085b",
		"not UTF-8":            "a\xffb",
		"key too long":         strings.Repeat("k/", 512) + "k",
		"segment too long":     strings.Repeat("s", blob.MaxSegmentLen+1),
		"only a slash":         "/",
		"dot-dot at the end":   "a/..",
		"dot-dot at the start": "../a",
	}
	for _, name := range slices.Sorted(maps.Keys(keys)) {
		key := keys[name]
		t.Run(name, func(t *testing.T) {
			calls := map[string]error{}
			_, calls["Put"] = s.Put(ctx, key, strings.NewReader("x"), 1, blob.PutOptions{})
			_, _, calls["Get"] = s.Get(ctx, key)
			_, _, calls["GetRange"] = s.GetRange(ctx, key, 0, 1)
			_, calls["Stat"] = s.Stat(ctx, key)
			calls["Delete"] = s.Delete(ctx, key)
			for _, call := range slices.Sorted(maps.Keys(calls)) {
				err := calls[call]
				if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeInvalidKey {
					t.Errorf("%s(%q): %v, want invalid/%s", call, key, err, errs.CodeInvalidKey)
				}
			}
		})
	}
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("List after refused keys = %q, want nothing", keys)
	}
	// Keys at the limits are fine.
	for _, key := range []string{strings.Repeat("s", blob.MaxSegmentLen), "a.b/c..d/e.", "tên tệp/ảnh chụp.jpg", "x~!@#$%^&*()_+=[]{};:'\",<>?|"} {
		put(t, s, key, []byte("ok"), blob.PutOptions{})
	}
}

func testInvalidOptions(t *testing.T, s blob.Store) {
	ctx := t.Context()
	bad := map[string]blob.PutOptions{
		"upper-case metadata key": {Metadata: map[string]string{"Inspector": "x"}},
		"underscore in key":       {Metadata: map[string]string{"case_id": "x"}},
		"reserved prefix":         {Metadata: map[string]string{blob.ReservedMetadataPrefix + "sha256": "x"}},
		"newline in value":        {Metadata: map[string]string{"note": "a\nb"}},
		"metadata too large":      {Metadata: map[string]string{"note": strings.Repeat("x", blob.MaxMetadataLen)}},
		"SHA-256 upper-case":      {SHA256: strings.ToUpper(sum(nil))},
		"SHA-256 too short":       {SHA256: "abc"},
		"content type not ASCII":  {ContentType: "image/ảnh"},
	}
	for _, name := range slices.Sorted(maps.Keys(bad)) {
		_, err := s.Put(ctx, "opts", strings.NewReader("x"), 1, bad[name])
		if errs.KindOf(err) != errs.Invalid {
			t.Errorf("Put with %s: %v, want kind invalid", name, err)
		}
	}
	if _, err := s.Put(ctx, "opts", strings.NewReader("x"), -2, blob.PutOptions{}); errs.KindOf(err) != errs.Invalid {
		t.Errorf("Put with size -2: %v, want kind invalid", err)
	}
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("List after refused options = %q, want nothing", keys)
	}
}

func testList(t *testing.T, s blob.Store) {
	ctx := t.Context()
	// Key order is byte order of the whole key: '-' < '/' < '0', so a directory sorts among files.
	keys := []string{"list/a-c", "list/a/b", "list/a/c/d", "list/a0", "list/b", "other/x", "listing"}
	sizes := map[string]int64{}
	for i, key := range slices.Backward(keys) { // written out of order on purpose
		data := bytes.Repeat([]byte{'k'}, i+1)
		put(t, s, key, data, blob.PutOptions{ContentType: "text/plain"})
		sizes[key] = int64(len(data))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"list/a-c", "list/a/b", "list/a/c/d", "list/a0", "list/b", "listing", "other/x"}},
		{"list/", []string{"list/a-c", "list/a/b", "list/a/c/d", "list/a0", "list/b"}},
		{"list", []string{"list/a-c", "list/a/b", "list/a/c/d", "list/a0", "list/b", "listing"}},
		{"list/a", []string{"list/a-c", "list/a/b", "list/a/c/d", "list/a0"}},
		{"list/a/", []string{"list/a/b", "list/a/c/d"}},
		{"list/a/c/d", []string{"list/a/c/d"}},
		{"list/b", []string{"list/b"}},
		{"nothing", nil},
		{"list/../", nil},
	}
	for _, tc := range tests {
		var got []string
		err := s.List(ctx, tc.prefix, func(info blob.Info) error {
			got = append(got, info.Key)
			if info.Size != sizes[info.Key] {
				t.Errorf("List(%q): %s has size %d, want %d", tc.prefix, info.Key, info.Size, sizes[info.Key])
			}
			if info.ModTime.IsZero() {
				t.Errorf("List(%q): %s has no ModTime", tc.prefix, info.Key)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("List(%q): %v", tc.prefix, err)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
		}
	}

	// fn's error stops the walk and comes back as it was.
	stop := errors.New("enough")
	var seen []string
	err := s.List(ctx, "list/", func(info blob.Info) error {
		seen = append(seen, info.Key)
		if len(seen) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(seen) != 2 {
		t.Errorf("List stopped by fn: err %v after %q, want %v after two keys", err, seen, stop)
	}
}

func testConcurrentPuts(t *testing.T, s blob.Store) {
	ctx := t.Context()
	const n = 16
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			key := fmt.Sprintf("conc/%d/%02d", i%4, i)
			size := int64(64<<10 + i)
			wantSum := sumReader(t, pattern(uint64(i), size))
			if _, err := s.Put(ctx, key, pattern(uint64(i), size), size, blob.PutOptions{SHA256: wantSum}); err != nil {
				t.Errorf("Put %s: %v", key, err)
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	keys := listKeys(t, s, "conc/")
	if len(keys) != n {
		t.Fatalf("List after %d concurrent puts = %d keys: %q", n, len(keys), keys)
	}
	for i := range n {
		key := fmt.Sprintf("conc/%d/%02d", i%4, i)
		rc, _, err := s.Get(ctx, key)
		if err != nil {
			t.Fatalf("Get %s: %v", key, err)
		}
		if got, want := sumReader(t, rc), sumReader(t, pattern(uint64(i), int64(64<<10+i))); got != want {
			t.Errorf("%s holds bytes hashing to %s, want %s", key, got, want)
		}
	}
}

func testFailingReader(t *testing.T, s blob.Store) {
	ctx := t.Context()
	boom := errors.New("phone went out of coverage")
	tests := []struct {
		name        string
		size        int64 // declared; -1 for unknown
		failAfter   int64
		total       int64
		overwriting bool
	}{
		{"known size", 4 << 10, 1 << 10, 4 << 10, false},
		{"unknown size", -1, 1 << 10, 4 << 10, false},
		{"unknown size, after a whole part", -1, 17 << 20, 20 << 20, false},
		{"known size, after a whole part", 20 << 20, 17 << 20, 20 << 20, false},
		{"overwriting keeps the previous object", -1, 1 << 10, 4 << 10, true},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key := fmt.Sprintf("fail/%d", i)
			previous := []byte("the previous object")
			if tc.overwriting {
				put(t, s, key, previous, blob.PutOptions{})
			}
			r := &failingReader{r: pattern(9, tc.total), left: tc.failAfter, err: boom}
			_, err := s.Put(ctx, key, r, tc.size, blob.PutOptions{})
			if !errors.Is(err, boom) {
				t.Fatalf("Put from a failing reader: %v, want the reader's error", err)
			}
			if tc.overwriting {
				rc, _, err := s.Get(ctx, key)
				if err != nil {
					t.Fatalf("Get after a failed overwrite: %v", err)
				}
				if b := readAll(t, rc); !bytes.Equal(b, previous) {
					t.Errorf("after a failed overwrite the object holds %d bytes, want the previous %d", len(b), len(previous))
				}
				return
			}
			if _, err := s.Stat(ctx, key); !isNotFound(err) {
				t.Errorf("Stat after a failed Put: %v, want not found", err)
			}
			if keys := listKeys(t, s, ""); len(keys) != 0 {
				t.Errorf("List after a failed Put = %q, want nothing", keys)
			}
		})
	}
}

func testContextCancelled(t *testing.T, s blob.Store) {
	t.Run("before Put", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := s.Put(ctx, "cancel/before", strings.NewReader("x"), 1, blob.PutOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Put with a cancelled context: %v, want context.Canceled", err)
		}
		if _, err := s.Stat(t.Context(), "cancel/before"); !isNotFound(err) {
			t.Errorf("Stat: %v, want not found", err)
		}
	})
	for _, tc := range []struct {
		name        string
		size, total int64
	}{
		{"during Put of known size", 5 << 20, 5 << 20},
		{"during Put of unknown size", -1, 20 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			key := "cancel/" + strings.ReplaceAll(tc.name, " ", "-")
			r := &failingReader{r: pattern(3, tc.total), left: tc.total - 1<<20, onFail: cancel}
			_, err := s.Put(ctx, key, r, tc.size, blob.PutOptions{})
			if err == nil {
				t.Fatal("Put whose context was cancelled half-way succeeded")
			}
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put whose context was cancelled half-way: %v, want context.Canceled", err)
			}
			if _, err := s.Stat(t.Context(), key); !isNotFound(err) {
				t.Errorf("Stat: %v, want not found", err)
			}
		})
	}
	t.Run("Get, Stat and List", func(t *testing.T) {
		put(t, s, "cancel/present", []byte("x"), blob.PutOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, _, err := s.Get(ctx, "cancel/present"); !errors.Is(err, context.Canceled) {
			t.Errorf("Get: %v, want context.Canceled", err)
		}
		if _, err := s.Stat(ctx, "cancel/present"); !errors.Is(err, context.Canceled) {
			t.Errorf("Stat: %v, want context.Canceled", err)
		}
		if err := s.List(ctx, "", func(blob.Info) error { return nil }); !errors.Is(err, context.Canceled) {
			t.Errorf("List: %v, want context.Canceled", err)
		}
	})
	t.Run("while reading", func(t *testing.T) {
		const size = 8 << 20
		if _, err := s.Put(t.Context(), "cancel/big", pattern(4, size), size, blob.PutOptions{}); err != nil {
			t.Fatalf("Put: %v", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		rc, _, err := s.Get(ctx, "cancel/big")
		if err != nil {
			cancel()
			t.Fatalf("Get: %v", err)
		}
		defer rc.Close()
		if _, err := io.CopyN(io.Discard, rc, 1<<20); err != nil {
			t.Fatalf("reading the first MiB: %v", err)
		}
		cancel()
		if n, err := io.Copy(io.Discard, rc); err == nil {
			t.Errorf("reading after cancel gave the remaining %d bytes and no error", n)
		}
	})
}

func testCheck(t *testing.T, s blob.Store) {
	if err := s.Check(t.Context()); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// failingReader passes left bytes of r through, then fails with err (and calls onFail first, if set).
type failingReader struct {
	r      io.Reader
	left   int64
	err    error
	onFail func()
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		if f.onFail != nil {
			f.onFail()
			f.onFail = nil
		}
		if f.err != nil {
			return 0, f.err
		}
		return f.r.Read(p)
	}
	if int64(len(p)) > f.left {
		p = p[:f.left]
	}
	n, err := f.r.Read(p)
	f.left -= int64(n)
	return n, err
}

// pattern returns size deterministic pseudo-random bytes from seed, generated as they are read.
func pattern(seed uint64, size int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	key[1] = byte(seed >> 8)
	return io.LimitReader(rand.NewChaCha8(key), size)
}

func put(t testing.TB, s blob.Store, key string, data []byte, opts blob.PutOptions) blob.Info {
	t.Helper()
	info, err := s.Put(t.Context(), key, bytes.NewReader(data), int64(len(data)), opts)
	if err != nil {
		t.Fatalf("Put %q: %v", key, err)
	}
	return info
}

func listKeys(t testing.TB, s blob.Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := s.List(t.Context(), prefix, func(info blob.Info) error {
		keys = append(keys, info.Key)
		return nil
	}); err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return keys
}

func readAll(t testing.TB, rc io.ReadCloser) []byte {
	t.Helper()
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func sumReader(t testing.TB, r io.Reader) string {
	t.Helper()
	if c, ok := r.(io.Closer); ok {
		defer c.Close()
	}
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Errorf("hashing: %v", err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func isNotFound(err error) bool {
	return errs.KindOf(err) == errs.NotFound && errs.CodeOf(err) == errs.CodeObjectNotFound
}

// checkInfo compares everything in an Info but ModTime, which stores fill at different moments.
func checkInfo(t testing.TB, call string, got, want blob.Info) {
	t.Helper()
	if got.Key != want.Key || got.Size != want.Size || got.ContentType != want.ContentType || got.SHA256 != want.SHA256 {
		t.Errorf("%s: got key %q size %d type %q sha256 %q; want %q %d %q %q", call,
			got.Key, got.Size, got.ContentType, got.SHA256, want.Key, want.Size, want.ContentType, want.SHA256)
	}
	if !maps.Equal(got.Metadata, want.Metadata) {
		t.Errorf("%s: metadata %q, want %q", call, got.Metadata, want.Metadata)
	}
}
