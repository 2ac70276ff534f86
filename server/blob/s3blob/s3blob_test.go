package s3blob_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
	"github.com/skhcn-caobang/thanhtra/server/blob/s3blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

func TestContract(t *testing.T) {
	blobtest.NewS3(t) // skip (or fail) once here, not in every subtest, when there is no server
	blobtest.RunContract(t, func(t *testing.T) blob.Store { return blobtest.NewS3(t) })
}

func TestNewUnreachable(t *testing.T) {
	// A port that was just free: nothing listens there.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	_, err = s3blob.New(ctx, s3blob.Config{Endpoint: addr, AccessKey: "a", SecretKey: "b", Bucket: "evidence"})
	if errs.KindOf(err) != errs.Unavailable {
		t.Errorf("New against a closed port: %v, want kind unavailable", err)
	}
	// Not a speed target: this only catches New ignoring its context.
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("New took %v with a 2 s context", elapsed)
	}
}

func TestNewMissingBucket(t *testing.T) {
	cfg := blobtest.S3ConfigFromEnv(t)
	cfg.Bucket = "thanhtra-test-does-not-exist"
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	_, err := s3blob.New(ctx, cfg)
	if errs.KindOf(err) != errs.Unavailable {
		t.Errorf("New with a missing bucket: %v, want kind unavailable", err)
	}
}

func TestNewInvalidConfig(t *testing.T) {
	for name, cfg := range map[string]s3blob.Config{
		"no endpoint":      {Bucket: "b"},
		"no bucket":        {Endpoint: "127.0.0.1:9000"},
		"endpoint has URL": {Endpoint: "http://127.0.0.1:9000", Bucket: "b"},
	} {
		if _, err := s3blob.New(t.Context(), cfg); errs.KindOf(err) != errs.Invalid {
			t.Errorf("New with %s: %v, want kind invalid", name, err)
		}
	}
}
