package config

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// The settings of viewing and retaining evidence: their defaults, and the combinations refused.
func TestEvidenceStorageSettings(t *testing.T) {
	load := func(vars map[string]string) (Config, error) {
		return Load(nil, func(k string) string { return vars[k] }, io.Discard)
	}
	c, err := load(nil)
	if err != nil || c.S3PublicURL != "" || c.S3PresignTTL != 5*time.Minute || c.S3ObjectLock || c.S3LockMode != "GOVERNANCE" || c.EvidenceRetention != 0 {
		t.Fatalf("defaults: %+v %v", c, err)
	}
	s3 := map[string]string{"S3_ENDPOINT": "s3.internal:9000", "S3_ACCESS_KEY": "a", "S3_SECRET_KEY": "b"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range s3 {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	c, err = load(with(map[string]string{"S3_PUBLIC_URL": "https://files.thanhtra.example.vn", "S3_OBJECT_LOCK": "true",
		"S3_LOCK_MODE": "compliance", "EVIDENCE_RETENTION": "87840h"}))
	if err != nil || c.S3LockMode != "COMPLIANCE" || c.EvidenceRetention != 87840*time.Hour || !c.S3ObjectLock {
		t.Fatalf("a locked bucket with public URLs: %+v %v", c, err)
	}
	// Retention on the local store needs nothing more: it locks by itself.
	if _, err := load(map[string]string{"EVIDENCE_RETENTION": "24h"}); err != nil {
		t.Errorf("retention on the local store: %v", err)
	}
	for name, tc := range map[string]struct {
		vars map[string]string
		want string
	}{
		"retention on S3 without lock": {with(map[string]string{"EVIDENCE_RETENTION": "24h"}), "EVIDENCE_RETENTION"},
		"public URL with a path":       {with(map[string]string{"S3_PUBLIC_URL": "https://files.example.vn/s3"}), "S3_PUBLIC_URL"},
		"public URL without scheme":    {with(map[string]string{"S3_PUBLIC_URL": "files.example.vn"}), "S3_PUBLIC_URL"},
		"public URL without S3":        {map[string]string{"S3_PUBLIC_URL": "https://files.example.vn"}, "S3_PUBLIC_URL"},
		"lock without S3":              {map[string]string{"S3_OBJECT_LOCK": "true"}, "S3_OBJECT_LOCK"},
		"unknown lock mode":            {with(map[string]string{"S3_LOCK_MODE": "forever"}), "S3_LOCK_MODE"},
		"presign TTL too long":         {with(map[string]string{"S3_PRESIGN_TTL": "3h"}), "S3_PRESIGN_TTL"},
	} {
		_, err := load(tc.vars)
		var cerr *Error
		if !errors.As(err, &cerr) || !strings.Contains(strings.Join(cerr.Problems, "\n"), tc.want) {
			t.Errorf("%s: %v, want a problem naming %s", name, err, tc.want)
		}
	}
}
