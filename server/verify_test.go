package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/skhcn-caobang/thanhtra/server/app"
	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// verifyWorld is an installation — the database engine of TEST_DATABASE_URL or SQLite, the S3 server
// of TEST_S3_ENDPOINT or the local store — with an organisation (its creation is on the audit log) and
// two evidence objects, stored and recorded.
type verifyWorld struct {
	t       *testing.T
	vars    map[string]string
	cfg     config.Config
	orgID   string
	keys    []string
	sums    []string
	objects string // the local store's directory
}

func newVerifyWorld(t *testing.T) *verifyWorld {
	t.Helper()
	w := &verifyWorld{t: t, vars: map[string]string{"DATA_DIR": t.TempDir()}}
	if db := storetest.URLFor(t); db.URL != "" {
		w.vars["DATABASE_URL"], w.vars["TOKEN_KEY"] = db.URL, strings.Repeat("k", 32)
	}
	if ep := os.Getenv("TEST_S3_ENDPOINT"); ep != "" {
		w.vars["S3_ENDPOINT"], w.vars["S3_ACCESS_KEY"], w.vars["S3_SECRET_KEY"] = ep, os.Getenv("TEST_S3_ACCESS_KEY"), os.Getenv("TEST_S3_SECRET_KEY")
		w.vars["S3_BUCKET"], w.vars["S3_USE_TLS"], w.vars["S3_CREATE_BUCKET"] = fmt.Sprintf("verify-%d", time.Now().UnixNano()), "false", "true"
	}
	cfg, err := config.Load(nil, envOf(w.vars), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	w.cfg, w.objects = cfg, cfg.ObjectsDir()
	ctx := context.Background()
	a, err := app.New(ctx, cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	org, err := a.Identity.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở KH&CN Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	w.orgID = org.ID
	for i := range 2 {
		b := []byte(fmt.Sprintf("ảnh hiện trường %d: %s", i, strings.Repeat("x", 5000)))
		h := sha256.Sum256(b)
		sum := hex.EncodeToString(h[:])
		key := "evidence/" + org.ID + "/" + sum
		if _, err := a.Blobs.Put(ctx, key, bytes.NewReader(b), int64(len(b)), blob.PutOptions{ContentType: "image/jpeg", SHA256: sum}); err != nil {
			t.Fatal(err)
		}
		w.exec(a, "INSERT INTO evidence_objects (org_id, sha256, size, content_type, object_key, stored_at) VALUES (?, ?, ?, ?, ?, ?)",
			org.ID, sum, len(b), "image/jpeg", key, time.Now().UTC())
		w.keys, w.sums = append(w.keys, key), append(w.sums, sum)
	}
	return w
}

// exec runs one statement on the database as an operator with a shell would ("?" placeholders).
func (w *verifyWorld) exec(a *app.App, query string, args ...any) {
	w.t.Helper()
	for _, db := range a.Store.Pools() {
		if w.vars["DATABASE_URL"] != "" {
			for i := 1; strings.Contains(query, "?"); i++ {
				query = strings.Replace(query, "?", fmt.Sprintf("$%d", i), 1)
			}
		} else if db.Stats().MaxOpenConnections != 1 {
			continue // SQLite: the writer pool only
		}
		if _, err := db.Exec(query, args...); err != nil {
			w.t.Fatalf("%s: %v", query, err)
		}
		return
	}
	w.t.Fatal("no pool")
}

// flip changes one byte of an object behind the application's back: the file of the local store, or
// the object through a raw S3 client (keeping its metadata, and so the SHA-256 the store recorded).
func (w *verifyWorld) flip(key string) {
	w.t.Helper()
	ctx := context.Background()
	if w.cfg.S3Endpoint == "" {
		p := filepath.Join(w.objects, filepath.FromSlash(key))
		b, err := os.ReadFile(p)
		if err != nil {
			w.t.Fatal(err)
		}
		b[len(b)/2] ^= 0x20
		if err := os.WriteFile(p, b, 0o640); err != nil {
			w.t.Fatal(err)
		}
		return
	}
	c, err := minio.New(w.cfg.S3Endpoint, &minio.Options{Creds: credentials.NewStaticV4(w.cfg.S3AccessKey, w.cfg.S3SecretKey, ""), Region: w.cfg.S3Region})
	if err != nil {
		w.t.Fatal(err)
	}
	st, err := c.StatObject(ctx, w.cfg.S3Bucket, key, minio.StatObjectOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	o, err := c.GetObject(ctx, w.cfg.S3Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		w.t.Fatal(err)
	}
	b, err := io.ReadAll(o)
	o.Close()
	if err != nil {
		w.t.Fatal(err)
	}
	b[len(b)/2] ^= 0x20
	if _, err := c.PutObject(ctx, w.cfg.S3Bucket, key, bytes.NewReader(b), int64(len(b)),
		minio.PutObjectOptions{UserMetadata: st.UserMetadata, ContentType: st.ContentType}); err != nil {
		w.t.Fatal(err)
	}
}

func TestVerifyCommand(t *testing.T) {
	w := newVerifyWorld(t)
	code, out, errOut := runCmd(t, w.vars, "verify", "-progress", "1")
	if code != 0 || !strings.Contains(out, "objects: 2 checked") || !strings.Contains(out, "2 evidence") || !strings.HasSuffix(out, "ok\n") {
		t.Fatalf("a clean installation: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "verify: 1/2 objects") || !strings.Contains(errOut, "verify: 2/2 objects") {
		t.Errorf("no progress on stderr: %s", errOut)
	}

	// A flipped byte in an evidence object is found, with its location.
	w.flip(w.keys[1])
	code, out, _ = runCmd(t, w.vars, "verify")
	want := fmt.Sprintf("PROBLEM: evidence org=%s key=%s sha256=%s: hash differs", w.orgID, w.keys[1], w.sums[1])
	if code == 0 || !strings.Contains(out, want) || strings.Contains(out, w.keys[0]) || !strings.Contains(out, "objects: 2 checked") {
		t.Fatalf("after a flipped byte: exit %d\n%s\nwant a line %q", code, out, want)
	}
	// The audit chains alone are still whole.
	if code, out, _ := runCmd(t, w.vars, "verify", "-audit-only"); code != 0 || strings.Contains(out, "objects:") {
		t.Fatalf("-audit-only: exit %d\n%s", code, out)
	}

	// An edited audit row is found too.
	ctx := context.Background()
	a, err := app.New(ctx, w.cfg, slog.New(slog.DiscardHandler), app.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w.exec(a, "UPDATE audit_events SET reason = ? WHERE chain = ?", "sửa lén", "organisation/"+w.orgID)
	a.Close()
	code, out, _ = runCmd(t, w.vars, "verify", "-audit-only")
	if code == 0 || !strings.Contains(out, "PROBLEM: audit: ") || !strings.Contains(out, "organisation/"+w.orgID) {
		t.Fatalf("after an edited audit row: exit %d\n%s", code, out)
	}
	code, out, _ = runCmd(t, w.vars, "verify")
	if code == 0 || strings.Count(out, "PROBLEM: ") < 2 {
		t.Fatalf("both breaks: exit %d\n%s", code, out)
	}
}
