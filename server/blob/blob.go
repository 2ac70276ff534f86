// Package blob defines the object store that keeps evidence, documents and exports.
//
// Two implementations satisfy Store with the same semantics, checked by one contract suite
// (blobtest): localblob, a directory under DATA_DIR for the embedded default, and s3blob, any
// S3-compatible server through minio-go. Keys name content, never a host or a bucket, so objects can
// move between stores.
package blob

import (
	"context"
	"io"
	"time"
)

// Store is an object store. All methods are safe for concurrent use.
//
// Errors: a missing object is errs.NotFound with code errs.CodeObjectNotFound; an invalid key is
// errs.Invalid; an unreachable store is errs.Unavailable; a locked object (PutOptions.RetainUntil)
// that a Delete or a Put of other bytes would change is errs.Conflict with code errs.CodeObjectLocked;
// anything else is errs.Internal.
type Store interface {
	// Put streams r into the object at key, replacing any object there. size is the exact length, or
	// -1 when unknown. The object becomes visible only when complete (never half-written), and Put
	// returns only once it is durable. The returned Info carries the SHA-256 of the bytes written.
	// If opts.SHA256 is set and the bytes hash differently, nothing is stored and Put returns
	// errs.Invalid with code errs.CodeChecksumMismatch.
	Put(ctx context.Context, key string, r io.Reader, size int64, opts PutOptions) (Info, error)
	// Get opens the object for streaming. The caller closes the reader.
	Get(ctx context.Context, key string) (io.ReadCloser, Info, error)
	// GetRange opens length bytes of the object from offset (length -1 = to the end).
	GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, Info, error)
	// Stat returns the object's information without its bytes.
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the object. Deleting a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List calls fn for each object whose key starts with prefix, in key order, until fn returns an
	// error (which List returns).
	List(ctx context.Context, prefix string, fn func(Info) error) error
	// Check reports whether the store is reachable and usable (for readiness probes).
	Check(ctx context.Context) error
}

// PutOptions are the optional attributes of a Put.
type PutOptions struct {
	ContentType string            // default application/octet-stream
	Metadata    map[string]string // user metadata; keys are lower-case ASCII letters, digits and '-'
	SHA256      string            // expected SHA-256 of the content, lower-case hex; empty = not checked
	// RetainUntil, when set, locks the object until then (write once, read many): until that time it
	// cannot be deleted, and a Put to its key is refused unless SHA256 names the bytes already there.
	// Stores without a lock ignore it; the returned Info's RetainUntil says whether the lock took.
	// Set it for evidence content only: upload chunks and thumbnails must stay deletable.
	RetainUntil time.Time
}

// Info describes a stored object.
type Info struct {
	Key         string
	Size        int64
	ContentType string
	Metadata    map[string]string
	SHA256      string // lower-case hex; empty when the store does not know it (List may omit it)
	ModTime     time.Time
	// RetainUntil is when the object's lock ends (see PutOptions.RetainUntil); zero when it is not
	// locked or the store does not know (List omits it).
	RetainUntil time.Time
}

// Presigner is implemented by stores whose objects clients can fetch directly from the storage
// server, without the application in between (s3blob when configured with a public URL). Callers
// check for it with a type assertion and stream through the server when it is absent.
type Presigner interface {
	// PresignGet returns a URL that fetches the object at key with a plain GET, valid for ttl, whose
	// answer carries the given Content-Type and Content-Disposition (empty: the stored ones). Making
	// the URL needs no request to the storage server, so it does not check that the object exists.
	PresignGet(ctx context.Context, key string, ttl time.Duration, contentType, disposition string) (string, error)
}
