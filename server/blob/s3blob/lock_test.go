package s3blob_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
	"github.com/skhcn-caobang/thanhtra/server/blob/s3blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The whole contract holds on a bucket with object lock (versioning on), where nothing asks for a lock.
func TestContractObjectLockBucket(t *testing.T) {
	blobtest.NewS3Locked(t)
	blobtest.RunContract(t, func(t *testing.T) blob.Store { s, _ := blobtest.NewS3Locked(t); return s })
}

func TestRetention(t *testing.T) {
	blobtest.NewS3Locked(t)
	blobtest.RunRetention(t, func(t *testing.T) blob.Store { s, _ := blobtest.NewS3Locked(t); return s })
}

// Behind the store's back: the server itself refuses to remove a locked version, and an overwrite
// (which S3 allows: it adds a version) leaves the locked version readable.
func TestLockEnforcedByServer(t *testing.T) {
	s, cfg := blobtest.NewS3Locked(t)
	raw := blobtest.RawS3(t, cfg)
	ctx := t.Context()
	data := []byte("ảnh chứng cứ")
	if _, err := s.Put(ctx, "evidence/o/x", bytes.NewReader(data), int64(len(data)), blob.PutOptions{RetainUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	var versions []string
	for obj := range raw.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Prefix: "evidence/o/x", WithVersions: true}) {
		if obj.Err != nil {
			t.Fatal(obj.Err)
		}
		versions = append(versions, obj.VersionID)
	}
	if len(versions) != 1 {
		t.Fatalf("versions after one Put: %q, want one (the copy that records the hash leaves no garbage)", versions)
	}
	if err := raw.RemoveObject(ctx, cfg.Bucket, "evidence/o/x", minio.RemoveObjectOptions{VersionID: versions[0]}); err == nil {
		t.Fatal("the server removed a locked version")
	}
	if _, err := raw.PutObject(ctx, cfg.Bucket, "evidence/o/x", strings.NewReader("forged"), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	r, err := raw.GetObject(ctx, cfg.Bucket, "evidence/o/x", minio.GetObjectOptions{VersionID: versions[0]})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, err := io.ReadAll(r); err != nil || !bytes.Equal(b, data) {
		t.Errorf("locked version after an overwrite: %q, %v", b, err)
	}
}

func TestNewRefusesBucketWithoutLock(t *testing.T) {
	_, cfg := blobtest.NewS3With(t, nil)
	cfg.ObjectLock, cfg.CreateBucket = true, false
	if _, err := s3blob.New(t.Context(), cfg); errs.KindOf(err) != errs.Invalid {
		t.Errorf("New with ObjectLock over a bucket without it: %v, want invalid", err)
	}
}

func TestPresignGet(t *testing.T) {
	s, cfg := blobtest.NewS3With(t, func(c *s3blob.Config) { c.PublicURL = "http://" + c.Endpoint })
	data := []byte("%PDF-1.7 biên bản")
	if _, err := s.Put(t.Context(), "records/o/r/v1.pdf", bytes.NewReader(data), int64(len(data)), blob.PutOptions{ContentType: "application/pdf"}); err != nil {
		t.Fatal(err)
	}
	u, err := s.PresignGet(t.Context(), "records/o/r/v1.pdf", time.Minute, "application/pdf", `attachment; filename="v1.pdf"`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "http://"+cfg.Endpoint+"/") {
		t.Errorf("URL %s is not on the public host", u)
	}
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !bytes.Equal(b, data) {
		t.Fatalf("GET presigned: %d %q", res.StatusCode, b)
	}
	if cd := res.Header.Get("Content-Disposition"); cd != `attachment; filename="v1.pdf"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	// A store without a public URL offers none.
	plain, _ := blobtest.NewS3With(t, nil)
	if plain.CanPresign() {
		t.Error("CanPresign without a public URL")
	}
	if _, err := plain.PresignGet(t.Context(), "records/o/r/v1.pdf", time.Minute, "", ""); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("PresignGet without a public URL: %v, want unavailable", err)
	}
	// A bad public URL is a configuration error.
	bad := cfg
	bad.PublicURL = "files.example.vn/s3"
	if _, err := s3blob.New(t.Context(), bad); errs.KindOf(err) != errs.Invalid {
		t.Errorf("New with public URL %q: %v, want invalid", bad.PublicURL, err)
	}
}
