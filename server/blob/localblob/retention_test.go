package localblob_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
)

func TestRetention(t *testing.T) {
	blobtest.RunRetention(t, func(t *testing.T) blob.Store { return newStore(t, t.TempDir()) })
}

func TestLockedFileIsReadOnly(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	if _, err := s.Put(t.Context(), "evidence/o/x", bytes.NewReader([]byte("x")), 1, blob.PutOptions{RetainUntil: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "evidence", "o", "x"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o222 != 0 {
		t.Errorf("locked object's file mode %v, want read-only", fi.Mode().Perm())
	}
	// The lock survives a restart: it is in the sidecar.
	s = newStore(t, dir)
	if err := s.Delete(t.Context(), "evidence/o/x"); err == nil {
		t.Error("Delete of a locked object after reopening the store succeeded")
	}
}
