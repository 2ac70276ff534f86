package localblob_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/blobtest"
	"github.com/skhcn-caobang/thanhtra/server/blob/localblob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

func TestContract(t *testing.T) {
	t.Log("object store: local directory")
	blobtest.RunContract(t, func(t *testing.T) blob.Store { return newStore(t, t.TempDir()) })
}

func newStore(t testing.TB, dir string) *localblob.Store {
	t.Helper()
	s, err := localblob.New(dir)
	if err != nil {
		t.Fatalf("New(%s): %v", dir, err)
	}
	return s
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
		t.Fatal(err)
	}
}

func listKeys(t testing.TB, s blob.Store) []string {
	t.Helper()
	var keys []string
	if err := s.List(t.Context(), "", func(info blob.Info) error {
		keys = append(keys, info.Key)
		return nil
	}); err != nil {
		t.Fatalf("List: %v", err)
	}
	return keys
}

func TestLayoutIsPlainFiles(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	if _, err := s.Put(t.Context(), "evidence/2026/a.jpg", strings.NewReader("jpeg bytes"), -1, blob.PutOptions{ContentType: "image/jpeg"}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "evidence", "2026", "a.jpg"))
	if err != nil || string(b) != "jpeg bytes" {
		t.Errorf("the object's file holds %q (%v), want the bytes as put", b, err)
	}
	var sc map[string]any
	b, err = os.ReadFile(filepath.Join(dir, "evidence", "2026", ".a.jpg.meta.json"))
	if err != nil || json.Unmarshal(b, &sc) != nil || sc["content_type"] != "image/jpeg" {
		t.Errorf("sidecar: %s (%v)", b, err)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d files after a Put, want none", len(entries))
	}
}

// A crash while streaming leaves .tmp/<id>.data; a crash after writing the sidecar but before the
// data rename leaves both temp files. Neither is an object, and New removes them.
func TestCrashBeforeCommitIsNotAnObject(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	if _, err := s.Put(t.Context(), "kept", strings.NewReader("kept"), 4, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, ".tmp", "AAAA.data"), "half an upload")
	writeFile(t, filepath.Join(dir, ".tmp", "BBBB.data"), "a whole upload")
	writeFile(t, filepath.Join(dir, ".tmp", "BBBB.meta"), `{"key":"ghost","content_type":"text/plain","sha256":"x","size":14}`)

	// The running store never shows them.
	if keys := listKeys(t, s); !slices.Equal(keys, []string{"kept"}) {
		t.Errorf("List = %q, want [kept]", keys)
	}
	if _, _, err := s.Get(t.Context(), "ghost"); errs.KindOf(err) != errs.NotFound {
		t.Errorf("Get ghost: %v, want not found", err)
	}

	// After a restart they are gone.
	s = newStore(t, dir)
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d files after New, want none", len(entries))
	}
	if keys := listKeys(t, s); !slices.Equal(keys, []string{"kept"}) {
		t.Errorf("List after New = %q, want [kept]", keys)
	}
}

// A crash between the data rename (the commit) and the sidecar rename leaves the new data next to
// the previous object's sidecar, and .tmp/<id>.meta without .tmp/<id>.data. New puts the sidecar in
// place, so the object's description matches its bytes again.
func TestCrashAfterCommitIsRolledForward(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	if _, err := s.Put(t.Context(), "doc/r.txt", strings.NewReader("old!"), 4, blob.PutOptions{ContentType: "text/old", Metadata: map[string]string{"v": "1"}}); err != nil {
		t.Fatal(err)
	}
	// Simulate the crashed Put of "new!" (same size, so the size check alone could not tell).
	writeFile(t, filepath.Join(dir, "doc", "r.txt"), "new!")
	sc, _ := json.Marshal(map[string]any{"key": "doc/r.txt", "content_type": "text/new", "metadata": map[string]string{"v": "2"},
		"sha256": "2f2ed9b8b4b1d2b4bba1e0e5e3d4a6b2c0ae1b3b8d7e7c6f5a4b3c2d1e0f9a8b", "size": 4})
	writeFile(t, filepath.Join(dir, ".tmp", "CCCC.meta"), string(sc))

	s = newStore(t, dir)
	info, err := s.Stat(t.Context(), "doc/r.txt")
	if err != nil {
		t.Fatal(err)
	}
	if info.ContentType != "text/new" || info.Metadata["v"] != "2" {
		t.Errorf("after recovery: type %q metadata %v, want the committed Put's text/new, v=2", info.ContentType, info.Metadata)
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, ".tmp")); len(entries) != 0 {
		t.Errorf(".tmp holds %d files after New, want none", len(entries))
	}
}

// A sidecar whose data file is gone (a crash in Delete) describes nothing.
func TestSidecarWithoutDataIsMissing(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	writeFile(t, filepath.Join(dir, "a", ".gone.meta.json"), `{"key":"a/gone","content_type":"text/plain","sha256":"","size":3}`)
	if _, err := s.Stat(t.Context(), "a/gone"); errs.KindOf(err) != errs.NotFound {
		t.Errorf("Stat: %v, want not found", err)
	}
	if keys := listKeys(t, s); len(keys) != 0 {
		t.Errorf("List = %q, want nothing", keys)
	}
}

// A file copied in by hand, without a sidecar, is an object whose type and hash are unknown.
func TestFileWithoutSidecar(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir)
	writeFile(t, filepath.Join(dir, "imported", "old.pdf"), "%PDF-1.4")
	info, err := s.Stat(t.Context(), "imported/old.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != 8 || info.ContentType != "application/octet-stream" || info.SHA256 != "" {
		t.Errorf("Stat = %+v, want size 8, application/octet-stream, no SHA-256", info)
	}
	rc, _, err := s.Get(t.Context(), "imported/old.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, _ := io.ReadAll(rc); !bytes.Equal(b, []byte("%PDF-1.4")) {
		t.Errorf("Get = %q", b)
	}
}

// S3 allows "a" and "a/b" side by side; a directory tree cannot. The second Put is refused with the
// invalid-key code and changes nothing.
func TestObjectAndPrefixCollide(t *testing.T) {
	s := newStore(t, t.TempDir())
	ctx := t.Context()
	if _, err := s.Put(ctx, "case/42", strings.NewReader("x"), 1, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(ctx, "case/42/photo.jpg", strings.NewReader("y"), 1, blob.PutOptions{})
	if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeInvalidKey {
		t.Errorf("Put below an object: %v, want invalid/%s", err, errs.CodeInvalidKey)
	}
	if _, err := s.Put(ctx, "case/7/photo.jpg", strings.NewReader("y"), 1, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Put(ctx, "case/7", strings.NewReader("x"), 1, blob.PutOptions{})
	if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeInvalidKey {
		t.Errorf("Put over a prefix: %v, want invalid/%s", err, errs.CodeInvalidKey)
	}
	if keys := listKeys(t, s); !slices.Equal(keys, []string{"case/42", "case/7/photo.jpg"}) {
		t.Errorf("List = %q", keys)
	}
}

func TestCheckFailsOnReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root can write to a read-only directory")
	}
	dir := t.TempDir()
	s := newStore(t, dir)
	if err := os.Chmod(filepath.Join(dir, ".tmp"), 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(dir, ".tmp"), 0o750) })
	if err := s.Check(t.Context()); errs.KindOf(err) != errs.Unavailable {
		t.Errorf("Check on a read-only directory: %v, want unavailable", err)
	}
}
