package blobtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/skhcn-caobang/thanhtra/server/blob/s3blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// The environment that points the tests at an S3 server. scripts/lib/versitygw.sh sets the first three.
const (
	envEndpoint  = "TEST_S3_ENDPOINT" // host:port
	envAccessKey = "TEST_S3_ACCESS_KEY"
	envSecretKey = "TEST_S3_SECRET_KEY"
	envRegion    = "TEST_S3_REGION"  // optional
	envRequire   = "TEST_REQUIRE_S3" // "1": a missing or unreachable server fails the test instead of skipping it
)

// logEngine makes NewS3 say once per test binary which server the S3 tests ran against.
var logEngine sync.Once

// S3ConfigFromEnv returns the server named by TEST_S3_ENDPOINT, TEST_S3_ACCESS_KEY,
// TEST_S3_SECRET_KEY and TEST_S3_REGION, without a bucket. When TEST_S3_ENDPOINT is unset it skips
// the test, or fails it when TEST_REQUIRE_S3=1 (as CI sets, so that S3 tests cannot silently vanish).
func S3ConfigFromEnv(t testing.TB) s3blob.Config {
	t.Helper()
	endpoint := os.Getenv(envEndpoint)
	if endpoint == "" {
		unavailable(t, envEndpoint+" is not set; run `source scripts/lib/versitygw.sh && versitygw_ensure && versitygw_start` to test against S3")
	}
	return s3blob.Config{
		Endpoint:  endpoint,
		AccessKey: os.Getenv(envAccessKey),
		SecretKey: os.Getenv(envSecretKey),
		Region:    os.Getenv(envRegion),
	}
}

// NewS3 returns an s3blob.Store over a new bucket with a unique name on the server that
// S3ConfigFromEnv names, and removes the bucket with everything in it when the test ends. An
// unreachable server skips the test, or fails it when TEST_REQUIRE_S3=1.
func NewS3(t testing.TB) *s3blob.Store {
	t.Helper()
	cfg := S3ConfigFromEnv(t)
	cfg.Bucket = "thanhtra-test-" + randomHex(6)
	cfg.CreateBucket = true

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	s, err := s3blob.New(ctx, cfg)
	if err != nil {
		if errs.KindOf(err) == errs.Unavailable {
			unavailable(t, "S3 server: "+err.Error())
		}
		t.Fatalf("s3blob.New: %v", err)
	}
	t.Cleanup(func() { removeBucket(t, cfg) })
	logEngine.Do(func() { t.Logf("object store: s3 at %s", cfg.Endpoint) })
	return s
}

// unavailable skips t, or fails it when the environment requires S3.
func unavailable(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(envRequire) == "1" {
		t.Fatalf("%s (and %s=1 requires S3)", why, envRequire)
	}
	t.Skipf("skipping S3 test: %s (set %s=1 to make this a failure)", why, envRequire)
}

// removeBucket empties and removes a test bucket, with a client of its own because s3blob.Store
// deliberately cannot remove buckets. Failures are test errors: an upload the store did not abort
// shows up here.
func removeBucket(t testing.TB, cfg s3blob.Config) {
	t.Helper()
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		t.Errorf("cleanup of bucket %s: %v", cfg.Bucket, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for obj := range client.ListObjects(ctx, cfg.Bucket, minio.ListObjectsOptions{Recursive: true}) {
		if obj.Err != nil {
			t.Errorf("cleanup of bucket %s: list: %v", cfg.Bucket, obj.Err)
			return
		}
		if err := client.RemoveObject(ctx, cfg.Bucket, obj.Key, minio.RemoveObjectOptions{}); err != nil {
			t.Errorf("cleanup of bucket %s: remove %s: %v", cfg.Bucket, obj.Key, err)
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

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather than return an error)
	return hex.EncodeToString(b)
}
