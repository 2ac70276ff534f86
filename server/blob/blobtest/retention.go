package blobtest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/s3blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// RunRetention runs the contract of blob.PutOptions.RetainUntil as subtests of t, for a store that
// locks objects (localblob always; s3blob over a bucket with object lock). newStore must return an
// empty store of its own for each subtest and arrange its cleanup.
func RunRetention(t *testing.T, newStore func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s blob.Store)
	}{
		{"LockedObjectStays", testLockedObjectStays},
		{"UnlockedObjectsStayDeletable", testUnlockedDeletable},
		{"RejectedUploadIsNotLocked", testRejectedNotLocked},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newStore(t))
		})
	}
}

func isLocked(err error) bool {
	return errs.KindOf(err) == errs.Conflict && errs.CodeOf(err) == errs.CodeObjectLocked
}

func testLockedObjectStays(t *testing.T, s blob.Store) {
	ctx := t.Context()
	data := []byte("biên bản vi phạm: ảnh hiện trường")
	until := time.Now().Add(time.Hour)
	info := put(t, s, "evidence/org/locked", data, blob.PutOptions{ContentType: "image/jpeg", SHA256: sum(data), RetainUntil: until})
	if info.RetainUntil.Before(until) || info.RetainUntil.After(until.Add(2*time.Second)) {
		t.Errorf("Put: RetainUntil %v, want %v (to the second, never earlier)", info.RetainUntil, until)
	}
	st, err := s.Stat(ctx, "evidence/org/locked")
	if err != nil {
		t.Fatal(err)
	}
	if !st.RetainUntil.Equal(info.RetainUntil) {
		t.Errorf("Stat: RetainUntil %v, Put said %v", st.RetainUntil, info.RetainUntil)
	}

	if err := s.Delete(ctx, "evidence/org/locked"); !isLocked(err) {
		t.Errorf("Delete of a locked object: %v, want conflict %s", err, errs.CodeObjectLocked)
	}
	other := []byte("other bytes")
	if _, err := s.Put(ctx, "evidence/org/locked", bytes.NewReader(other), int64(len(other)), blob.PutOptions{}); !isLocked(err) {
		t.Errorf("Put of other bytes over a locked object: %v, want conflict %s", err, errs.CodeObjectLocked)
	}
	if _, err := s.Put(ctx, "evidence/org/locked", bytes.NewReader(other), int64(len(other)), blob.PutOptions{SHA256: sum(other)}); !isLocked(err) {
		t.Errorf("Put of other bytes (with their hash) over a locked object: %v, want conflict %s", err, errs.CodeObjectLocked)
	}
	// The same bytes again (two phones uploading the same photo): the object as it is.
	again, err := s.Put(ctx, "evidence/org/locked", bytes.NewReader(data), int64(len(data)), blob.PutOptions{SHA256: sum(data), RetainUntil: until})
	if err != nil {
		t.Fatalf("Put of the same bytes over a locked object: %v", err)
	}
	if again.SHA256 != sum(data) || again.RetainUntil.IsZero() {
		t.Errorf("Put of the same bytes: %+v", again)
	}
	rc, got, err := s.Get(ctx, "evidence/org/locked")
	if err != nil {
		t.Fatal(err)
	}
	if b := readAll(t, rc); !bytes.Equal(b, data) || got.SHA256 != sum(data) {
		t.Errorf("after the refused changes the object holds %q (sha256 %s), want %q", b, got.SHA256, data)
	}
}

func testUnlockedDeletable(t *testing.T, s blob.Store) {
	ctx := t.Context()
	chunk := []byte("chunk bytes")
	info := put(t, s, "uploads/ev1/0", chunk, blob.PutOptions{})
	if !info.RetainUntil.IsZero() {
		t.Errorf("Put without RetainUntil: locked until %v", info.RetainUntil)
	}
	past := put(t, s, "thumbs/org/abc.jpg", chunk, blob.PutOptions{RetainUntil: time.Now().Add(-time.Hour)})
	if !past.RetainUntil.IsZero() {
		t.Errorf("Put with RetainUntil in the past: locked until %v", past.RetainUntil)
	}
	// Replacing and deleting work as without a lock.
	put(t, s, "uploads/ev1/0", []byte("replaced"), blob.PutOptions{})
	for _, key := range []string{"uploads/ev1/0", "thumbs/org/abc.jpg"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete %s: %v", key, err)
		}
		if _, err := s.Stat(ctx, key); !isNotFound(err) {
			t.Errorf("Stat %s after Delete: %v, want not found", key, err)
		}
	}
	if keys := listKeys(t, s, ""); len(keys) != 0 {
		t.Errorf("List after deleting everything: %q", keys)
	}
}

func testRejectedNotLocked(t *testing.T, s blob.Store) {
	ctx := t.Context()
	data := []byte("the bytes that arrived")
	_, err := s.Put(ctx, "evidence/org/bad", bytes.NewReader(data), int64(len(data)),
		blob.PutOptions{SHA256: sum([]byte("the bytes announced")), RetainUntil: time.Now().Add(time.Hour)})
	if errs.CodeOf(err) != errs.CodeChecksumMismatch {
		t.Fatalf("Put with a wrong hash: %v, want %s", err, errs.CodeChecksumMismatch)
	}
	if _, err := s.Stat(ctx, "evidence/org/bad"); !isNotFound(err) {
		t.Errorf("Stat after a rejected Put: %v, want not found", err)
	}
	// The key is free for the right bytes.
	put(t, s, "evidence/org/bad", data, blob.PutOptions{SHA256: sum(data), RetainUntil: time.Now().Add(time.Hour)})
}

// NewS3Locked returns an s3blob.Store over a new bucket with object lock (GOVERNANCE mode) on the
// server that S3ConfigFromEnv names, with the configuration it was made with (for a raw client), and
// removes the bucket with every version in it when the test ends.
func NewS3Locked(t testing.TB) (*s3blob.Store, s3blob.Config) {
	t.Helper()
	return NewS3With(t, func(c *s3blob.Config) { c.ObjectLock, c.LockMode = true, "GOVERNANCE" })
}

// NewS3With is NewS3 with the configuration changed by edit before the store is made; it returns the
// configuration too. The bucket's cleanup removes every version, bypassing GOVERNANCE locks.
func NewS3With(t testing.TB, edit func(*s3blob.Config)) (*s3blob.Store, s3blob.Config) {
	t.Helper()
	cfg := S3ConfigFromEnv(t)
	cfg.Bucket = "thanhtra-test-" + randomHex(6)
	cfg.CreateBucket = true
	if edit != nil {
		edit(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := s3blob.New(ctx, cfg)
	if err != nil {
		if errs.KindOf(err) == errs.Unavailable {
			unavailable(t, "S3 server: "+err.Error())
		}
		t.Fatalf("s3blob.New: %v", err)
	}
	t.Cleanup(func() { removeVersionedBucket(t, cfg) })
	return s, cfg
}

// RawS3 returns a plain minio-go client for the server of cfg, for tests that change objects behind
// the store's back.
func RawS3(t testing.TB, cfg s3blob.Config) *minio.Client {
	t.Helper()
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// removeVersionedBucket empties a test bucket of every version and delete marker (bypassing
// GOVERNANCE locks) and removes it.
func removeVersionedBucket(t testing.TB, cfg s3blob.Config) {
	t.Helper()
	client := RawS3(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for obj := range client.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if obj.Err != nil {
			t.Errorf("cleanup of bucket %s: list: %v", cfg.Bucket, obj.Err)
			return
		}
		if err := client.RemoveObject(ctx, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{VersionID: obj.VersionID, GovernanceBypass: true}); err != nil {
			t.Errorf("cleanup of bucket %s: remove %s@%s: %v", cfg.Bucket, obj.Key, obj.VersionID, err)
		}
	}
	for up := range client.ListIncompleteUploads(ctx, cfg.Bucket, "", true) {
		if up.Err != nil {
			t.Errorf("cleanup of bucket %s: list uploads: %v", cfg.Bucket, up.Err)
			break
		}
		t.Errorf("bucket %s: multipart upload of %s (id %s) was left incomplete", cfg.Bucket, up.Key, up.UploadID)
		if err := client.RemoveIncompleteUpload(ctx, cfg.Bucket, up.Key); err != nil {
			t.Errorf("cleanup of bucket %s: abort upload of %s: %v", cfg.Bucket, up.Key, err)
		}
	}
	if err := client.RemoveBucket(ctx, cfg.Bucket); err != nil {
		t.Errorf("cleanup: remove bucket %s: %v", cfg.Bucket, err)
	}
}
