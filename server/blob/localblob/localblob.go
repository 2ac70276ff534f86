// Package localblob is the embedded object store: a blob.Store over a directory on the local file
// system (DATA_DIR/objects by default), for installations without an S3 server.
//
// Layout. The object under key "a/b/c.jpg" is the plain file a/b/c.jpg below the directory, so an
// operator can read it with ordinary tools; its content type, user metadata, size and SHA-256 are in
// the sidecar a/b/.c.jpg.meta.json next to it. Files being written live in .tmp/. Names starting with
// a dot are never objects: blob.ValidateKey refuses keys with such segments, and List skips them.
//
// Writes. Put streams into .tmp/<id>.data while hashing, fsyncs it, writes .tmp/<id>.meta (the
// sidecar to be) and fsyncs it and .tmp/, then renames the data into place and fsyncs the directory:
// that rename is the commit point. It then renames the sidecar into place and fsyncs again before
// returning. A sidecar is thus never renamed over the description of data it does not describe, and a
// data file without its sidecar exists only between two renames. If the process dies there, New
// finds .tmp/<id>.meta without .tmp/<id>.data (the data was committed) and moves the sidecar into
// place; a .tmp/<id>.data still present means the object was not committed, and New removes it. A
// sidecar whose data file is missing describes nothing: the object does not exist.
//
// Limits. One Store, in one process, should own a directory: writers of the same key are serialised by
// locks in memory, and New's recovery would disturb another process's writes in flight (it cannot
// corrupt them; they would fail). A key cannot name an object and also be followed by '/' in another
// key ("a" and "a/b"): a file cannot be a directory. S3 allows both; here the second Put fails with
// errs.Invalid and code errs.CodeInvalidKey. Server-generated keys never need both.
//
// Retention. A Put with RetainUntil records the date in the sidecar and makes the data file read-only
// (0440). Until that date the store itself refuses to delete the object or to replace it with other
// bytes (errs.Conflict, errs.CodeObjectLocked), as S3 Object Lock does; a Put of the same bytes (its
// SHA256 given) returns the object as it is. This binds the application only: whoever has the
// directory's owner account can still change files, which `thanhtra verify` detects (see
// docs/evidence-storage.md for what an operator can add underneath).
package localblob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

const (
	tmpDirName    = ".tmp"
	dataSuffix    = ".data"
	metaSuffix    = ".meta"
	sidecarSuffix = ".meta.json"
	defaultType   = "application/octet-stream"
	copyBufSize   = 256 << 10
	lockStripes   = 256
	filePerm      = 0o640
	lockedPerm    = 0o440 // the data file of a locked object
	dirPerm       = 0o750
)

// Store is a blob.Store over a directory. Create it with New.
type Store struct {
	root string
	tmp  string
	seed maphash.Seed
	// locks keeps the data file and the sidecar of one key consistent for readers while a Put commits
	// or a Delete removes them. Keys are spread over the stripes by hash.
	locks [lockStripes]sync.RWMutex
}

var _ blob.Store = (*Store)(nil)

// sidecar is the JSON file kept next to each object.
type sidecar struct {
	Key         string            `json:"key"`
	ContentType string            `json:"content_type"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	SHA256      string            `json:"sha256"`
	Size        int64             `json:"size"`
	RetainUntil *time.Time        `json:"retain_until,omitempty"`
}

// New opens the store in dir, creating the directory if needed, and finishes or discards the writes
// that a crash interrupted (see the package comment). It fails with errs.Unavailable if the directory
// cannot be created or is not writable.
func New(dir string) (*Store, error) {
	const op = errs.Op("localblob.New")
	if dir == "" {
		return nil, errs.E(op, errs.Invalid, "empty directory name")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, err)
	}
	s := &Store{root: root, tmp: filepath.Join(root, tmpDirName), seed: maphash.MakeSeed()}
	if err := os.MkdirAll(s.tmp, dirPerm); err != nil {
		return nil, errs.E(op, errs.Unavailable, err)
	}
	if err := s.recover(); err != nil {
		return nil, errs.E(op, err)
	}
	if err := s.Check(context.Background()); err != nil {
		return nil, errs.E(op, err)
	}
	return s, nil
}

// recover completes or discards the Puts that a crash interrupted, from what they left in .tmp.
func (s *Store) recover() error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return errs.E(errs.Unavailable, err)
	}
	present := make(map[string]bool, len(entries))
	for _, e := range entries {
		present[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		id, ok := strings.CutSuffix(name, metaSuffix)
		if !ok {
			continue
		}
		metaPath := filepath.Join(s.tmp, name)
		if present[id+dataSuffix] {
			// The data was never renamed into place: the object was not committed.
			continue // both files go in the sweep below
		}
		// The data was committed; its sidecar is still here.
		if err := s.rollForward(metaPath); err != nil {
			return err
		}
	}
	// Whatever is left is an uncommitted write: data that was still being streamed, or a sidecar
	// whose data was never renamed.
	entries, err = os.ReadDir(s.tmp)
	if err != nil {
		return errs.E(errs.Unavailable, err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasSuffix(name, dataSuffix) || strings.HasSuffix(name, metaSuffix) || strings.HasPrefix(name, "check-") {
			if err := os.Remove(filepath.Join(s.tmp, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return errs.E(errs.Internal, err)
			}
		}
	}
	return nil
}

// rollForward moves the sidecar of a committed Put into place, if it still describes the data there.
func (s *Store) rollForward(metaPath string) error {
	b, err := os.ReadFile(metaPath)
	if err != nil {
		return errs.E(errs.Internal, err)
	}
	var sc sidecar
	if json.Unmarshal(b, &sc) != nil || blob.ValidateKey(sc.Key) != nil {
		return os.Remove(metaPath) // not ours, or torn: nothing to recover
	}
	dataPath, sidecarPath := s.paths(sc.Key)
	fi, err := os.Stat(dataPath)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != sc.Size {
		// The data is gone or is not the one this sidecar describes.
		return os.Remove(metaPath)
	}
	if err := os.Rename(metaPath, sidecarPath); err != nil {
		return errs.E(errs.Internal, err)
	}
	return syncDir(filepath.Dir(sidecarPath))
}

// paths returns the data file and the sidecar of key, which must be valid.
func (s *Store) paths(key string) (data, side string) {
	dir, base := path.Split(key)
	return filepath.Join(s.root, filepath.FromSlash(key)),
		filepath.Join(s.root, filepath.FromSlash(dir), "."+base+sidecarSuffix)
}

func (s *Store) lock(key string) *sync.RWMutex {
	return &s.locks[maphash.String(s.seed, key)%lockStripes]
}

// Put implements blob.Store.Put.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error) {
	op := errs.Op("localblob.Put")
	if err := blob.CheckPut(ctx, key, size, opts); err != nil {
		return blob.Info{}, errs.E(op, err)
	}
	// A locked object is refused before its replacement is streamed, and again at the commit below.
	if cur, ok := s.lockedInfo(key); ok {
		if opts.SHA256 != "" && opts.SHA256 == cur.SHA256 {
			return cur, nil
		}
		return blob.Info{}, lockedErr(op, key, cur.RetainUntil)
	}

	id := rand.Text()
	tmpData := filepath.Join(s.tmp, id+dataSuffix)
	tmpMeta := filepath.Join(s.tmp, id+metaSuffix)
	committed := false
	defer func() {
		if !committed {
			// The sidecar goes first: a sidecar without its temp data means "committed" to recover.
			_ = os.Remove(tmpMeta)
			_ = os.Remove(tmpData)
		}
	}()

	f, err := os.OpenFile(tmpData, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return blob.Info{}, errs.E(op, fsKind(err), err)
	}
	sum, n, err := copyHashed(ctx, f, r, size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return blob.Info{}, errs.E(op, fmt.Sprintf("key %q", key), err)
	}
	if opts.SHA256 != "" && sum != opts.SHA256 {
		return blob.Info{}, errs.E(op, errs.Invalid, errs.CodeChecksumMismatch,
			fmt.Sprintf("key %q: content hashes to %s, expected %s", key, sum, opts.SHA256))
	}

	sc := sidecar{Key: key, ContentType: opts.ContentType, Metadata: cloneMetadata(opts.Metadata), SHA256: sum, Size: n}
	if sc.ContentType == "" {
		sc.ContentType = defaultType
	}
	if until := opts.RetainUntil; until.After(time.Now()) {
		u := until.UTC()
		sc.RetainUntil = &u
		if err := os.Chmod(tmpData, lockedPerm); err != nil {
			return blob.Info{}, errs.E(op, fsKind(err), err)
		}
	}
	if err := writeFileSync(tmpMeta, sc); err != nil {
		return blob.Info{}, errs.E(op, fsKind(err), err)
	}
	// Both temp files must survive a crash for recovery to tell a committed Put from one that was not.
	if err := syncDir(s.tmp); err != nil {
		return blob.Info{}, errs.E(op, fsKind(err), err)
	}
	if err := ctx.Err(); err != nil {
		return blob.Info{}, errs.E(op, err)
	}

	dataPath, sidecarPath := s.paths(key)
	dir := filepath.Dir(dataPath)
	mu := s.lock(key)
	mu.Lock()
	defer mu.Unlock()
	if cur, ok := s.lockedInfoLocked(key); ok {
		// Locked by a concurrent Put since the check above.
		if sc.SHA256 == cur.SHA256 {
			return cur, nil
		}
		return blob.Info{}, lockedErr(op, key, cur.RetainUntil)
	}
	// A concurrent Delete may remove the parent directory between our mkdir and our rename when it
	// prunes empty directories, hence the retries.
	for attempt := 0; ; attempt++ {
		if err = s.mkdirAll(dir); err != nil {
			break
		}
		err = os.Rename(tmpData, dataPath)
		if err == nil || attempt == 3 {
			break
		}
		if errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
			// An empty directory left where the object goes can be removed; a full one cannot.
			if os.Remove(dataPath) != nil {
				break
			}
		} else if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	if err != nil {
		if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.EISDIR) || errors.Is(err, syscall.EEXIST) || errors.Is(err, syscall.ENOTEMPTY) {
			return blob.Info{}, errs.E(op, errs.Invalid, errs.CodeInvalidKey,
				fmt.Sprintf("key %q: an object and a key prefix ending in '/' collide on this path in the local store", key), err)
		}
		return blob.Info{}, errs.E(op, fsKind(err), err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		return blob.Info{}, errs.E(op, fsKind(err), fmt.Sprintf("key %q: written but not known to be durable", key), err)
	}
	if err := os.Rename(tmpMeta, sidecarPath); err != nil {
		// The new data sits beside the previous object's sidecar. Removing that sidecar leaves the object
		// with unknown metadata rather than wrong metadata.
		_ = os.Remove(sidecarPath)
		_ = os.Remove(tmpMeta)
		return blob.Info{}, errs.E(op, fsKind(err), fmt.Sprintf("key %q: data written, sidecar not", key), err)
	}
	if err := syncDir(dir); err != nil {
		return blob.Info{}, errs.E(op, fsKind(err), fmt.Sprintf("key %q: written but not known to be durable", key), err)
	}
	fi, err := os.Stat(dataPath)
	if err != nil {
		return blob.Info{}, errs.E(op, fsKind(err), err)
	}
	return sc.info(fi), nil
}

// copyHashed copies r to w, hashing as it goes, and returns the hex SHA-256 and the byte count. With
// size >= 0 the reader must hold exactly size bytes.
func copyHashed(ctx context.Context, w io.Writer, r io.Reader, size int64) (string, int64, error) {
	h := sha256.New()
	src := &ctxReader{ctx: ctx, r: r}
	var in io.Reader = src
	if size >= 0 {
		in = io.LimitReader(src, size+1) // one more byte than promised shows a wrong size
	}
	buf := make([]byte, copyBufSize)
	n, err := io.CopyBuffer(io.MultiWriter(w, h), in, buf)
	if err != nil {
		if src.err != nil {
			return "", n, src.err // the reader's own error, kind and all
		}
		return "", n, errs.E(fsKind(err), err)
	}
	if size >= 0 && n != size {
		if n > size {
			return "", n, errs.E(errs.Invalid, fmt.Sprintf("the reader holds more than the declared size %d", size))
		}
		return "", n, errs.E(errs.Invalid, fmt.Sprintf("the reader holds %d bytes, not the declared size %d", n, size))
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ctxReader stops reading once ctx is done, and remembers the reader's own error.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		c.err = err
		return 0, err
	}
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// mkdirAll creates dir and its missing parents below the root, fsyncing each new directory's parent so
// that the path survives a crash.
func (s *Store) mkdirAll(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if fi.IsDir() {
			return nil
		}
		return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	parent := filepath.Dir(dir)
	if dir == s.root || parent == dir {
		return err
	}
	if err := s.mkdirAll(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, dirPerm); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
		if fi, serr := os.Stat(dir); serr != nil || !fi.IsDir() {
			return err
		}
		return nil // a concurrent Put made it
	}
	return syncDir(parent)
}

// Get implements blob.Store.Get.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	f, info, err := s.open(ctx, errs.Op("localblob.Get"), key)
	if err != nil {
		return nil, blob.Info{}, err
	}
	return &fileReader{ctx: ctx, f: f, r: f}, info, nil
}

// GetRange implements blob.Store.GetRange. An offset equal to the size gives an empty reader; an
// offset beyond it is errs.Invalid. A length past the end stops at the end.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, blob.Info, error) {
	op := errs.Op("localblob.GetRange")
	if offset < 0 || length < -1 {
		return nil, blob.Info{}, errs.E(op, errs.Invalid, fmt.Sprintf("key %q: range offset %d length %d", key, offset, length))
	}
	f, info, err := s.open(ctx, op, key)
	if err != nil {
		return nil, blob.Info{}, err
	}
	if offset > info.Size {
		f.Close()
		return nil, blob.Info{}, errs.E(op, errs.Invalid, fmt.Sprintf("key %q: offset %d beyond size %d", key, offset, info.Size))
	}
	if length < 0 || length > info.Size-offset {
		length = info.Size - offset
	}
	return &fileReader{ctx: ctx, f: f, r: io.NewSectionReader(f, offset, length)}, info, nil
}

// Stat implements blob.Store.Stat.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	f, info, err := s.open(ctx, errs.Op("localblob.Stat"), key)
	if err != nil {
		return blob.Info{}, err
	}
	f.Close()
	return info, nil
}

// open opens the data file of key and reads its sidecar, under the key's read lock so that the two
// belong to the same Put. The open file keeps its bytes even if a later Put replaces it.
func (s *Store) open(ctx context.Context, op errs.Op, key string) (*os.File, blob.Info, error) {
	if err := blob.ValidateKey(key); err != nil {
		return nil, blob.Info{}, errs.E(op, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, blob.Info{}, errs.E(op, err)
	}
	dataPath, sidecarPath := s.paths(key)
	mu := s.lock(key)
	mu.RLock()
	defer mu.RUnlock()
	f, err := os.Open(dataPath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, blob.Info{}, notFound(op, key)
		}
		return nil, blob.Info{}, errs.E(op, fsKind(err), err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, blob.Info{}, errs.E(op, fsKind(err), err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, blob.Info{}, notFound(op, key) // a directory: only a prefix of other keys
	}
	sc := readSidecar(sidecarPath, key, fi.Size())
	return f, sc.info(fi), nil
}

// readSidecar returns the sidecar of key, or one with only the defaults when it is missing, unreadable
// or describes data of another size (which a file copied in by hand could produce).
func readSidecar(p, key string, size int64) sidecar {
	var sc sidecar
	b, err := os.ReadFile(p)
	if err != nil || json.Unmarshal(b, &sc) != nil || sc.Key != key || sc.Size != size {
		return sidecar{Key: key, ContentType: defaultType, Size: size}
	}
	return sc
}

func (sc sidecar) info(fi fs.FileInfo) blob.Info {
	info := blob.Info{
		Key:         sc.Key,
		Size:        fi.Size(),
		ContentType: sc.ContentType,
		Metadata:    cloneMetadata(sc.Metadata),
		SHA256:      sc.SHA256,
		ModTime:     fi.ModTime(),
	}
	if sc.RetainUntil != nil {
		info.RetainUntil = *sc.RetainUntil
	}
	return info
}

// lockedInfo returns the object at key when it exists and is locked until later than now.
func (s *Store) lockedInfo(key string) (blob.Info, bool) {
	mu := s.lock(key)
	mu.RLock()
	defer mu.RUnlock()
	return s.lockedInfoLocked(key)
}

// lockedInfoLocked is lockedInfo for a caller holding the key's lock.
func (s *Store) lockedInfoLocked(key string) (blob.Info, bool) {
	dataPath, sidecarPath := s.paths(key)
	fi, err := os.Stat(dataPath)
	if err != nil || !fi.Mode().IsRegular() {
		return blob.Info{}, false
	}
	info := readSidecar(sidecarPath, key, fi.Size()).info(fi)
	return info, info.RetainUntil.After(time.Now())
}

func lockedErr(op errs.Op, key string, until time.Time) error {
	return errs.E(op, errs.Conflict, errs.CodeObjectLocked, fmt.Sprintf("key %q is locked until %s", key, until.Format(time.RFC3339)))
}

// fileReader reads an object's file and stops once the context is done.
type fileReader struct {
	ctx context.Context
	f   *os.File
	r   io.Reader
}

func (fr *fileReader) Read(p []byte) (int, error) {
	if err := fr.ctx.Err(); err != nil {
		return 0, err
	}
	return fr.r.Read(p)
}

func (fr *fileReader) Close() error { return fr.f.Close() }

// Delete implements blob.Store.Delete. It removes the data file first: a sidecar left alone by a crash
// describes nothing. Directories left empty are removed too, as S3 prefixes vanish with their objects.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = errs.Op("localblob.Delete")
	if err := blob.ValidateKey(key); err != nil {
		return errs.E(op, err)
	}
	if err := ctx.Err(); err != nil {
		return errs.E(op, err)
	}
	dataPath, sidecarPath := s.paths(key)
	dir := filepath.Dir(dataPath)
	mu := s.lock(key)
	mu.Lock()
	if cur, ok := s.lockedInfoLocked(key); ok {
		mu.Unlock()
		return lockedErr(op, key, cur.RetainUntil)
	}
	fi, err := os.Lstat(dataPath)
	switch {
	case err != nil && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)):
		err = nil
	case err != nil:
	case fi.IsDir():
		// Only a prefix of other keys: there is no object to delete.
	default:
		err = os.Remove(dataPath)
	}
	if err == nil {
		if rerr := os.Remove(sidecarPath); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && !errors.Is(rerr, syscall.ENOTDIR) {
			err = rerr
		}
	}
	if err == nil {
		err = syncDir(dir)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			err = nil
		}
	}
	mu.Unlock()
	if err != nil {
		return errs.E(op, fsKind(err), fmt.Sprintf("key %q", key), err)
	}
	// Remove the directories this left empty; os.Remove refuses a directory that is not.
	for d := dir; d != s.root && strings.HasPrefix(d, s.root+string(filepath.Separator)); d = filepath.Dir(d) {
		if os.Remove(d) != nil {
			break
		}
	}
	return nil
}

// List implements blob.Store.List. It fills Key, Size and ModTime; ContentType, Metadata and SHA256
// need Stat.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	const op = errs.Op("localblob.List")
	if err := ctx.Err(); err != nil {
		return errs.E(op, err)
	}
	// Start in the deepest directory the prefix names. If that part of the prefix cannot be a key,
	// no key starts with the prefix.
	start := prefix[:strings.LastIndex(prefix, "/")+1]
	if start != "" && blob.ValidateKey(strings.TrimSuffix(start, "/")) != nil {
		return nil
	}
	err := s.walk(ctx, start, prefix, fn)
	var le listError
	if errors.As(err, &le) {
		return errs.E(op, fsKind(le.err), le.err)
	}
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return errs.E(op, err)
	}
	return err // fn's own error, as it came
}

// listError marks an error of List itself, as opposed to one returned by the caller's fn.
type listError struct{ err error }

func (e listError) Error() string { return e.err.Error() }

// walk lists the objects below the directory rel (a key prefix ending in '/', or "") whose keys start
// with prefix, in key order. Key order is byte order of the whole key, so the directory "a" sorts as
// "a/", after "a-b" and before "a0".
func (s *Store) walk(ctx context.Context, rel, prefix string, fn func(blob.Info) error) error {
	entries, err := os.ReadDir(filepath.Join(s.root, filepath.FromSlash(rel)))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil // removed while we listed, or the prefix names no directory
		}
		return listError{err}
	}
	type entry struct {
		name string // as it sorts: directories with a trailing '/'
		de   fs.DirEntry
	}
	list := make([]entry, 0, len(entries))
	for _, de := range entries {
		name := de.Name()
		if strings.HasPrefix(name, ".") || blob.ValidateKey(name) != nil {
			continue // temp files, sidecars, and files no key could name
		}
		switch {
		case de.IsDir():
			list = append(list, entry{name + "/", de})
		case de.Type().IsRegular():
			list = append(list, entry{name, de})
		}
	}
	slices.SortFunc(list, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	for _, e := range list {
		if err := ctx.Err(); err != nil {
			return err
		}
		full := rel + e.name
		if e.de.IsDir() {
			if strings.HasPrefix(full, prefix) || strings.HasPrefix(prefix, full) {
				if err := s.walk(ctx, full, prefix, fn); err != nil {
					return err
				}
			}
			continue
		}
		if !strings.HasPrefix(full, prefix) {
			continue
		}
		fi, err := e.de.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted while we listed
			}
			return listError{err}
		}
		if err := fn(blob.Info{Key: full, Size: fi.Size(), ModTime: fi.ModTime()}); err != nil {
			return err
		}
	}
	return nil
}

// Check implements blob.Store.Check: it writes, fsyncs and removes a small file in the store's temp
// directory, and fails with errs.Unavailable if it cannot.
func (s *Store) Check(ctx context.Context) error {
	const op = errs.Op("localblob.Check")
	if err := ctx.Err(); err != nil {
		return errs.E(op, err)
	}
	f, err := os.CreateTemp(s.tmp, "check-*")
	if err != nil {
		return errs.E(op, errs.Unavailable, err)
	}
	name := f.Name()
	defer os.Remove(name)
	_, err = f.WriteString("ok")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return errs.E(op, errs.Unavailable, err)
	}
	return nil
}

// writeFileSync writes v as JSON to a new file at p and fsyncs it.
func writeFileSync(p string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, filePerm)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir fsyncs a directory so that the entries created, renamed or removed in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) {
		return nil // a file system that cannot sync directories (and needs not)
	}
	return err
}

func notFound(op errs.Op, key string) error {
	return errs.E(op, errs.NotFound, errs.CodeObjectNotFound, fmt.Sprintf("key %q", key))
}

// fsKind classifies a file system error: a full or read-only disk is an outage, the rest internal.
func fsKind(err error) errs.Kind {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || errors.Is(err, syscall.EROFS) {
		return errs.Unavailable
	}
	return errs.Internal
}

func cloneMetadata(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
