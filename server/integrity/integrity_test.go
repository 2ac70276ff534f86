package integrity_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/integrity"
)

// listed is a Source over a fixed list.
type listed []integrity.Expected

func (l listed) StoredObjectCount(context.Context) (int64, error) { return int64(len(l)), nil }

func (l listed) StoredObjects(ctx context.Context, fn func(integrity.Expected) error) error {
	for _, e := range l {
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// world stores n evidence objects and a record document and lists them.
func world(t *testing.T, s blob.Store, n int) (listed, [][]byte) {
	t.Helper()
	var l listed
	var contents [][]byte
	for i := range n {
		b := []byte(fmt.Sprintf("ảnh hiện trường số %d %s", i, strings.Repeat("x", i*37)))
		key := "evidence/org1/" + sum(b)
		if _, err := s.Put(t.Context(), key, bytes.NewReader(b), int64(len(b)), blob.PutOptions{SHA256: sum(b)}); err != nil {
			t.Fatal(err)
		}
		l = append(l, integrity.Expected{Kind: integrity.KindEvidence, OrgID: "org1", Key: key, SHA256: sum(b), Size: int64(len(b))})
		contents = append(contents, b)
	}
	pdf := []byte("%PDF-1.7 biên bản vi phạm hành chính")
	if _, err := s.Put(t.Context(), "records/org1/r1/v1.pdf", bytes.NewReader(pdf), int64(len(pdf)), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	l = append(l, integrity.Expected{Kind: integrity.KindDocument, OrgID: "org1", Key: "records/org1/r1/v1.pdf", SHA256: sum(pdf), Size: -1})
	return l, contents
}

// runBreaks checks a clean store, then breaks three objects with tamper and finds each break.
func runBreaks(t *testing.T, s blob.Store, flip func(key string), replace func(key string, b []byte)) {
	ctx := t.Context()
	l, contents := world(t, s, 40)
	var progress []integrity.Progress
	rep, err := integrity.Verify(ctx, l, s, integrity.Options{Workers: 3, ProgressEvery: 10, Progress: func(p integrity.Progress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Objects != 41 || rep.ByKind[integrity.KindEvidence] != 40 || rep.ByKind[integrity.KindDocument] != 1 {
		t.Fatalf("a clean store: %+v", rep)
	}
	if len(progress) != 5 || progress[4].Done != 41 || progress[4].Total != 41 || progress[0].Done != 10 {
		t.Errorf("progress: %+v, want every 10 objects and at the end", progress)
	}

	flip(l[3].Key)                                   // a flipped byte
	replace(l[7].Key, append(contents[7], '!'))      // a byte more
	replace(l[40].Key, []byte("%PDF-1.7 forged"))    // another document
	if err := s.Delete(ctx, l[11].Key); err != nil { // gone
		t.Fatal(err)
	}
	rep, err = integrity.Verify(ctx, l, s, integrity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{l[3].Key: integrity.HashDiffers, l[7].Key: integrity.SizeDiffers, l[11].Key: integrity.Missing, l[40].Key: integrity.HashDiffers}
	if len(rep.Problems) != len(want) {
		t.Fatalf("problems: %v, want %v", rep.Problems, want)
	}
	for _, p := range rep.Problems {
		if want[p.Key] != p.What {
			t.Errorf("%s: %s, want %s", p.Key, p.What, want[p.Key])
		}
		if line := p.String(); !strings.Contains(line, "org=org1") || !strings.Contains(line, p.Key) || !strings.Contains(line, "sha256="+p.SHA256) {
			t.Errorf("the report line does not locate the break: %s", line)
		}
	}
	if rep.Problems[3].Kind != integrity.KindDocument || rep.Objects != 41 {
		t.Errorf("problems are not sorted by kind, or objects were skipped: %+v", rep)
	}
}

func TestVerifyLocal(t *testing.T) {
	dir := t.TempDir()
	s, err := localblob.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	path := func(key string) string { return filepath.Join(dir, filepath.FromSlash(key)) }
	runBreaks(t, s,
		func(key string) {
			b, err := os.ReadFile(path(key))
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 0x01
			if err := os.WriteFile(path(key), b, 0o640); err != nil {
				t.Fatal(err)
			}
		},
		func(key string, b []byte) {
			// Edit the file in place: its sidecar still describes the old bytes.
			if err := os.WriteFile(path(key), b, 0o640); err != nil {
				t.Fatal(err)
			}
		})
}

func TestVerifyS3(t *testing.T) {
	s, cfg := blobtest.NewS3With(t, nil)
	raw := blobtest.RawS3(t, cfg)
	get := func(key string) []byte {
		o, err := raw.GetObject(t.Context(), cfg.Bucket, key, minio.GetObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		var b bytes.Buffer
		if _, err := b.ReadFrom(o); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	put := func(key string, b []byte) {
		// Through a raw client, keeping the object's metadata (its recorded SHA-256) as it was.
		st, err := raw.StatObject(t.Context(), cfg.Bucket, key, minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.PutObject(t.Context(), cfg.Bucket, key, bytes.NewReader(b), int64(len(b)),
			minio.PutObjectOptions{UserMetadata: st.UserMetadata, ContentType: st.ContentType}); err != nil {
			t.Fatal(err)
		}
	}
	runBreaks(t, s, func(key string) {
		b := get(key)
		b[len(b)/2] ^= 0x01
		put(key, b)
	}, put)
}

// The store's own record of an object's hash (a sidecar, the S3 metadata) disagreeing with the right
// bytes is a break too: someone edited it.
func TestVerifyStoreRecord(t *testing.T) {
	dir := t.TempDir()
	s, err := localblob.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := world(t, s, 1)
	side := filepath.Join(dir, "evidence", "org1", "."+filepath.Base(l[0].Key)+".meta.json")
	b, err := os.ReadFile(side)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(side, bytes.Replace(b, []byte(`"sha256":"`+l[0].SHA256), []byte(`"sha256":"`+strings.Repeat("0", 64)), 1), 0o640); err != nil {
		t.Fatal(err)
	}
	rep, err := integrity.Verify(t.Context(), l, s, integrity.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].What != integrity.StoreHashBad {
		t.Fatalf("problems %v, want the store's record", rep.Problems)
	}
}

// BenchmarkVerify re-hashes 64 objects of 1 MiB in the store that TEST_S3_ENDPOINT names, or the
// local store: the throughput of `verify` over evidence (MB/s is of the bytes hashed).
func BenchmarkVerify(b *testing.B) {
	var s blob.Store
	if os.Getenv("TEST_S3_ENDPOINT") != "" {
		s = blobtest.NewS3(b)
	} else {
		ls, err := localblob.New(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		s = ls
	}
	var l listed
	data := bytes.Repeat([]byte("ảnh hiện trường "), 1<<20/20)
	for i := range 64 {
		data[0], data[1] = byte(i), byte(i>>8) // unique objects
		key := "evidence/org1/" + sum(data)
		if _, err := s.Put(b.Context(), key, bytes.NewReader(data), int64(len(data)), blob.PutOptions{}); err != nil {
			b.Fatal(err)
		}
		l = append(l, integrity.Expected{Kind: integrity.KindEvidence, OrgID: "org1", Key: key, SHA256: sum(data), Size: int64(len(data))})
	}
	b.SetBytes(int64(len(l)) * int64(len(data)))
	for b.Loop() {
		rep, err := integrity.Verify(b.Context(), l, s, integrity.Options{})
		if err != nil || !rep.OK() {
			b.Fatalf("%v %v", rep.Problems, err)
		}
	}
}
