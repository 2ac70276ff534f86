// Package s3blob is the blob.Store over an S3-compatible server (Versity S3 Gateway in development and
// CI, or any S3 service in production), through minio-go.
//
// The client is a plain one: no trailing checksums, which versitygw refuses over plain HTTP (see
// INFRA.md). The store computes the SHA-256 itself while the bytes stream out and keeps it in the
// object's user metadata under "blob-sha256" (blob.ReservedMetadataPrefix), so Stat and Get return it.
// Metadata keys come back lower-cased, as S3 folds their case; values that are not plain ASCII travel
// RFC 2047-encoded and come back as they were given.
package s3blob

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

const (
	// partSize is the multipart part size. minio-go buffers one part in memory for a stream of
	// unknown size (and for a known size above one part), and without an explicit size it sizes parts
	// for a 5 TiB object (INFRA.md). S3's minimum, 5 MiB, keeps an evidence upload — a chunk of
	// unknown length written, then joined in one verified PUT without a part buffer — within the
	// issue's bound of 16 MiB (docs/benchmarks.md, "Evidence"); objects of up to 48 GiB fit in S3's
	// 10,000 parts.
	partSize = 5 << 20
	// checksumHeader carries the expected SHA-256 (base64) of a PUT; the server verifies it. It goes
	// as user metadata, which minio-go sends as a header since it starts with x-amz-; spelt in this
	// case because minio-go v7.4 takes the lower-case spelling for its own trailer checksums, which
	// need a client with trailing headers, which versitygw refuses over plain HTTP (INFRA.md).
	checksumHeader = "X-Amz-Checksum-Sha256"
	// maxCopySize is the largest object one server-side copy may rewrite (S3's limit for CopyObject),
	// and the largest single PUT.
	maxCopySize = 5 << 30
	// shaMetaKey keeps the object's SHA-256 in its user metadata.
	shaMetaKey = blob.ReservedMetadataPrefix + "sha256"
	// cleanupTimeout bounds the removal of a rejected upload, which runs even if the caller's context
	// is done.
	cleanupTimeout = 30 * time.Second
)

// Config says where the bucket is and how to reach it.
type Config struct {
	Endpoint     string // host:port, without scheme
	AccessKey    string
	SecretKey    string
	Bucket       string
	Region       string // empty: ask the server
	UseTLS       bool   // https instead of http
	CreateBucket bool   // create the bucket when it does not exist, instead of failing
	// ObjectLock says the bucket has S3 Object Lock (and so versioning) enabled: New checks it (or
	// creates the bucket with it), a Put with RetainUntil locks the version it wrote, and Delete
	// removes every version of the key (unlocked versions only), so that deleted chunks and thumbnails
	// do not linger as old versions.
	ObjectLock bool
	// LockMode is the retention mode of locked objects: "GOVERNANCE" (the default; an account with the
	// s3:BypassGovernanceRetention permission can still remove a version) or "COMPLIANCE" (nobody can
	// before the date, the root account included).
	LockMode string
	// PublicURL is scheme://host[:port] at which clients (browsers, phones) reach the same S3 server;
	// empty means they cannot, and the store offers no presigned URLs. Presigning needs no request to
	// the server, so the region must be known: Region, or the bucket's, asked for once in New.
	PublicURL string
}

// Store is a blob.Store over one S3 bucket. Create it with New.
type Store struct {
	client   *minio.Client
	core     minio.Core
	bucket   string
	endpoint string
	// objectLock and lockMode are Config.ObjectLock and Config.LockMode.
	objectLock bool
	lockMode   minio.RetentionMode
	// public signs URLs for clients at Config.PublicURL; nil without one.
	public *minio.Client
}

var (
	_ blob.Store     = (*Store)(nil)
	_ blob.Presigner = (*Store)(nil)
)

// New connects to the server in cfg and checks the bucket, creating it when cfg.CreateBucket is set.
// It fails with errs.Unavailable when the server cannot be reached before ctx ends or when the bucket
// does not exist (and may not be created), and with errs.Invalid when cfg is incomplete.
func New(ctx context.Context, cfg Config) (*Store, error) {
	const op = errs.Op("s3blob.New")
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errs.E(op, errs.Invalid, "endpoint and bucket are required")
	}
	if strings.Contains(cfg.Endpoint, "://") {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("endpoint %q: give host:port without a scheme (UseTLS chooses https)", cfg.Endpoint))
	}
	lockMode := minio.Governance
	if cfg.LockMode != "" {
		lockMode = minio.RetentionMode(strings.ToUpper(cfg.LockMode))
		if !lockMode.IsValid() {
			return nil, errs.E(op, errs.Invalid, fmt.Sprintf("lock mode %q: GOVERNANCE or COMPLIANCE", cfg.LockMode))
		}
	}
	var publicURL *url.URL
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
			return nil, errs.E(op, errs.Invalid, fmt.Sprintf("public URL %q: give scheme://host[:port] without a path", cfg.PublicURL))
		}
		publicURL = u
	}
	client, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
	})
	if err != nil {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("endpoint %q", cfg.Endpoint), err)
	}
	s := &Store{client: client, core: minio.Core{Client: client}, bucket: cfg.Bucket, endpoint: cfg.Endpoint,
		objectLock: cfg.ObjectLock, lockMode: lockMode}
	where := fmt.Sprintf("bucket %q at %s", cfg.Bucket, cfg.Endpoint)
	exists, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		if errs.KindOf(mapErr(ctx, err)) == errs.Internal && !isCanceled(ctx, err) {
			return nil, errs.E(op, errs.Internal, where, err) // refused: credentials, region, ...
		}
		return nil, errs.E(op, errs.Unavailable, where+": unreachable", err)
	}
	if !exists {
		if !cfg.CreateBucket {
			return nil, errs.E(op, errs.Unavailable, where+": no such bucket (create it, or set CreateBucket)")
		}
		err := client.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region, ObjectLocking: cfg.ObjectLock})
		if err != nil && minio.ToErrorResponse(err).Code != minio.BucketAlreadyOwnedByYou {
			return nil, errs.E(op, where+": create bucket", mapErr(ctx, err))
		}
	}
	if cfg.ObjectLock {
		enabled, _, _, _, err := client.GetObjectLockConfig(ctx, cfg.Bucket)
		if err != nil && minio.ToErrorResponse(err).Code != "ObjectLockConfigurationNotFoundError" {
			return nil, errs.E(op, where+": object lock configuration", mapErr(ctx, err))
		}
		if enabled != "Enabled" {
			return nil, errs.E(op, errs.Invalid, where+": object lock is not enabled on the bucket (it can only be enabled when the bucket is created)")
		}
	}
	if publicURL != nil {
		region := cfg.Region
		if region == "" {
			if region, err = client.GetBucketLocation(ctx, cfg.Bucket); err != nil {
				return nil, errs.E(op, where+": bucket location", mapErr(ctx, err))
			}
		}
		// The signature covers the host, so URLs for clients are signed for the public host. With the
		// region given, the client never sends a request of its own.
		s.public, err = minio.New(publicURL.Host, &minio.Options{
			Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
			Secure: publicURL.Scheme == "https",
			Region: region,
		})
		if err != nil {
			return nil, errs.E(op, errs.Invalid, fmt.Sprintf("public URL %q", cfg.PublicURL), err)
		}
	}
	return s, nil
}

// PresignGet implements blob.Presigner when the store has a public URL; without one it fails with
// errs.Unavailable (callers stream through the server instead). ttl is between one second and
// seven days, as S3 allows.
func (s *Store) PresignGet(ctx context.Context, key string, ttl time.Duration, contentType, disposition string) (string, error) {
	const op = errs.Op("s3blob.PresignGet")
	if err := blob.ValidateKey(key); err != nil {
		return "", errs.E(op, err)
	}
	if s.public == nil {
		return "", errs.E(op, errs.Unavailable, "no public URL configured: clients cannot reach the S3 server")
	}
	if ttl < time.Second || ttl > 7*24*time.Hour {
		return "", errs.E(op, errs.Invalid, fmt.Sprintf("ttl %s: from 1s to 7 days", ttl))
	}
	params := url.Values{}
	if contentType != "" {
		params.Set("response-content-type", contentType)
	}
	if disposition != "" {
		params.Set("response-content-disposition", disposition)
	}
	u, err := s.public.PresignedGetObject(ctx, s.bucket, key, ttl, params)
	if err != nil {
		return "", errs.E(op, fmt.Sprintf("key %q", key), mapErr(ctx, err))
	}
	return u.String(), nil
}

// CanPresign reports whether PresignGet can give URLs (a public URL is configured).
func (s *Store) CanPresign() bool { return s.public != nil }

// Put implements blob.Store.Put.
//
// The bytes go straight to key and are hashed on the way. When opts.SHA256 is set it is stored with
// them, and if the bytes hash differently the object is deleted once the upload ends. Until then
// readers can see the wrong bytes, and a rejected overwrite removes the previous object as well.
// The evidence upload issue will close that gap by uploading to a staging key and copying it into
// place only after the hash matches.
//
// When opts.SHA256 is empty the hash is known only after the upload, so a server-side copy of the
// object onto itself records it (conditional on the ETag just written, so a concurrent Put is not
// stamped with our hash). Objects above 5 GiB cannot be copied in one request: they keep no SHA-256
// in their metadata, and Stat reports it empty.
//
// The returned Info's ModTime is the server's when it reports one (the copy does; a plain PUT does
// not), and zero otherwise.
//
// With object lock (Config.ObjectLock), a Put to a key whose current version is locked is refused
// (errs.Conflict, errs.CodeObjectLocked) unless opts.SHA256 names its bytes, and opts.RetainUntil
// locks the version written only once its hash has been checked, so that rejected bytes are never
// locked. Versions that Put itself supersedes (a rejected upload, the copy that records the hash) are
// removed.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64, opts blob.PutOptions) (blob.Info, error) {
	const op = errs.Op("s3blob.Put")
	if err := blob.CheckPut(ctx, key, size, opts); err != nil {
		return blob.Info{}, errs.E(op, err)
	}
	if s.objectLock {
		cur, err := s.Stat(ctx, key)
		switch {
		case err == nil && cur.RetainUntil.After(time.Now()):
			if opts.SHA256 != "" && opts.SHA256 == cur.SHA256 {
				return cur, nil // the same bytes are there, locked
			}
			return blob.Info{}, errs.E(op, errs.Conflict, errs.CodeObjectLocked,
				fmt.Sprintf("key %q is locked until %s", key, cur.RetainUntil.Format(time.RFC3339)))
		case err != nil && errs.KindOf(err) != errs.NotFound:
			return blob.Info{}, errs.E(op, err)
		}
	}
	contentType := opts.ContentType
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	meta := encodeMetadata(opts.Metadata)
	if opts.SHA256 != "" {
		meta[shaMetaKey] = opts.SHA256
	}

	// The TeeReader-like wrapper also hides any ReaderAt or Seeker of r, which minio-go would
	// otherwise use to read around the hash.
	hr := &hashingReader{r: r, h: sha256.New(), size: size}
	put := minio.PutObjectOptions{ContentType: contentType, UserMetadata: meta, PartSize: partSize}
	if raw, err := hex.DecodeString(opts.SHA256); err == nil && len(raw) == sha256.Size && size >= 0 && size <= maxCopySize {
		// The expected hash goes with the request, in one PUT: the server refuses bytes that hash
		// otherwise before the key changes, so a bad upload never replaces, even for a moment, a good
		// object of the same content (content keys are shared by every upload of it). One streamed
		// request also needs no part buffer, whatever the size.
		meta[checksumHeader] = base64.StdEncoding.EncodeToString(raw)
		put.DisableMultipart = true
	}
	up, err := s.client.PutObject(ctx, s.bucket, key, hr, size, put)
	if err != nil && put.DisableMultipart && hr.err == nil && isChecksumRefusal(err) {
		return blob.Info{}, errs.E(op, errs.Invalid, errs.CodeChecksumMismatch,
			fmt.Sprintf("key %q: the server found the content does not hash to %s", key, opts.SHA256), err)
	}
	if err != nil {
		if hr.err != nil {
			return blob.Info{}, errs.E(op, fmt.Sprintf("key %q", key), hr.err) // the reader's own error
		}
		return blob.Info{}, errs.E(op, fmt.Sprintf("key %q", key), mapErr(ctx, err))
	}
	sum := hex.EncodeToString(hr.h.Sum(nil))

	var reject error
	switch {
	case size >= 0 && hr.n != size:
		reject = errs.E(op, errs.Invalid, fmt.Sprintf("key %q: the reader holds %d bytes, not the declared size %d", key, hr.n, size))
	case size >= 0 && hasMore(r):
		reject = errs.E(op, errs.Invalid, fmt.Sprintf("key %q: the reader holds more than the declared size %d", key, size))
	case opts.SHA256 != "" && sum != opts.SHA256:
		reject = errs.E(op, errs.Invalid, errs.CodeChecksumMismatch,
			fmt.Sprintf("key %q: content hashes to %s, expected %s", key, sum, opts.SHA256))
	}
	if reject != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		// With versioning (object lock), removing the version itself leaves no trace of the upload.
		if err := s.client.RemoveObject(cctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: s.versionOf(up)}); err != nil {
			return blob.Info{}, errs.E(op, fmt.Sprintf("key %q: rejected upload left in place", key), errors.Join(reject, mapErr(cctx, err)))
		}
		return blob.Info{}, reject
	}

	info := blob.Info{
		Key:         key,
		Size:        hr.n,
		ContentType: contentType,
		Metadata:    cloneMetadata(opts.Metadata),
		SHA256:      sum,
		ModTime:     up.LastModified,
	}
	if opts.SHA256 == "" && hr.n <= maxCopySize {
		meta[shaMetaKey] = sum
		cp, err := s.client.CopyObject(ctx,
			minio.CopyDestOptions{Bucket: s.bucket, Object: key, UserMetadata: meta, ReplaceMetadata: true, ContentType: contentType},
			minio.CopySrcOptions{Bucket: s.bucket, Object: key, MatchETag: up.ETag})
		switch {
		case err == nil:
			info.ModTime = cp.LastModified
			if s.objectLock && up.VersionID != "" && cp.VersionID != "" && cp.VersionID != up.VersionID {
				// The copy is a new version; the one without the hash is garbage.
				if err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: up.VersionID}); err != nil {
					return blob.Info{}, errs.E(op, fmt.Sprintf("key %q: removing the version before the copy", key), mapErr(ctx, err))
				}
			}
			up.VersionID = cp.VersionID
		case minio.ToErrorResponse(err).Code == "PreconditionFailed":
			// A later Put replaced the object while we hashed: ours is superseded, which is fine.
		default:
			return blob.Info{}, errs.E(op, fmt.Sprintf("key %q: stored, but its SHA-256 not recorded", key), mapErr(ctx, err))
		}
	}
	if until := lockDate(opts.RetainUntil); s.objectLock && until.After(time.Now()) {
		err := s.client.PutObjectRetention(ctx, s.bucket, key, minio.PutObjectRetentionOptions{
			Mode: &s.lockMode, RetainUntilDate: &until, VersionID: up.VersionID})
		if err != nil {
			return blob.Info{}, errs.E(op, fmt.Sprintf("key %q: stored, but not locked", key), mapErr(ctx, err))
		}
		info.RetainUntil = until
	}
	return info, nil
}

// versionOf is the version an upload wrote, when the bucket keeps versions (object lock); empty
// otherwise, which names the object itself.
func (s *Store) versionOf(up minio.UploadInfo) string {
	if !s.objectLock {
		return ""
	}
	return up.VersionID
}

// lockDate is t in whole seconds (S3's precision), rounded up so that a lock never ends early.
func lockDate(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	u := t.UTC().Truncate(time.Second)
	if u.Before(t) {
		u = u.Add(time.Second)
	}
	return u
}

// hashingReader hashes and counts what it reads, and remembers the reader's own error so Put can
// return it rather than minio-go's account of it. With a known size, ending early or holding more is
// an error.
type hashingReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	size int64
	err  error
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	if hr.err != nil {
		return 0, hr.err
	}
	if hr.size >= 0 {
		remaining := hr.size - hr.n
		if remaining == 0 {
			if hasMore(hr.r) {
				hr.err = errs.E(errs.Invalid, fmt.Sprintf("the reader holds more than the declared size %d", hr.size))
				return 0, hr.err
			}
			return 0, io.EOF
		}
		if int64(len(p)) > remaining {
			p = p[:remaining]
		}
	}
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	hr.n += int64(n)
	switch {
	case err == io.EOF && hr.size >= 0 && hr.n < hr.size:
		err = errs.E(errs.Invalid, fmt.Sprintf("the reader holds %d bytes, not the declared size %d", hr.n, hr.size))
		hr.err = err
	case err != nil && err != io.EOF:
		hr.err = err
	}
	return n, err
}

// hasMore reports whether r still has bytes after minio-go read the declared size.
func hasMore(r io.Reader) bool {
	var b [1]byte
	n, _ := io.ReadFull(r, b[:])
	return n > 0
}

// Get implements blob.Store.Get.
func (s *Store) Get(ctx context.Context, key string) (io.ReadCloser, blob.Info, error) {
	const op = errs.Op("s3blob.Get")
	if err := blob.ValidateKey(key); err != nil {
		return nil, blob.Info{}, errs.E(op, err)
	}
	body, oi, _, err := s.core.GetObject(ctx, s.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, blob.Info{}, errs.E(op, fmt.Sprintf("key %q", key), mapErr(ctx, err))
	}
	return body, toInfo(key, oi), nil
}

// GetRange implements blob.Store.GetRange. An offset equal to the size gives an empty reader; an
// offset beyond it is errs.Invalid. A length past the end stops at the end.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, blob.Info, error) {
	const op = errs.Op("s3blob.GetRange")
	if err := blob.ValidateKey(key); err != nil {
		return nil, blob.Info{}, errs.E(op, err)
	}
	if offset < 0 || length < -1 {
		return nil, blob.Info{}, errs.E(op, errs.Invalid, fmt.Sprintf("key %q: range offset %d length %d", key, offset, length))
	}
	if offset == 0 && length == -1 {
		return s.Get(ctx, key)
	}
	if length == 0 {
		// HTTP cannot ask for no bytes.
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, blob.Info{}, err
		}
		if offset > info.Size {
			return nil, blob.Info{}, errs.E(op, errs.Invalid, fmt.Sprintf("key %q: offset %d beyond size %d", key, offset, info.Size))
		}
		return io.NopCloser(strings.NewReader("")), info, nil
	}
	var opts minio.GetObjectOptions
	if length < 0 {
		err := opts.SetRange(offset, 0) // bytes=offset-
		if err != nil {
			return nil, blob.Info{}, errs.E(op, errs.Invalid, err)
		}
	} else if err := opts.SetRange(offset, offset+length-1); err != nil {
		return nil, blob.Info{}, errs.E(op, errs.Invalid, err)
	}
	body, oi, hdr, err := s.core.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "InvalidRange" {
			// The offset is at or past the end. At the end is an empty range, not an error.
			info, serr := s.Stat(ctx, key)
			if serr != nil {
				return nil, blob.Info{}, serr
			}
			if offset == info.Size {
				return io.NopCloser(strings.NewReader("")), info, nil
			}
			return nil, blob.Info{}, errs.E(op, errs.Invalid, fmt.Sprintf("key %q: offset %d beyond size %d", key, offset, info.Size))
		}
		return nil, blob.Info{}, errs.E(op, fmt.Sprintf("key %q", key), mapErr(ctx, err))
	}
	info := toInfo(key, oi)
	// The response's Content-Length is the range's; the object's size is after the slash in
	// Content-Range ("bytes 10-29/1000").
	if cr := hdr.Get("Content-Range"); cr != "" {
		if i := strings.LastIndexByte(cr, '/'); i >= 0 {
			if total, err := strconv.ParseInt(cr[i+1:], 10, 64); err == nil {
				info.Size = total
			}
		}
	}
	return body, info, nil
}

// Stat implements blob.Store.Stat.
func (s *Store) Stat(ctx context.Context, key string) (blob.Info, error) {
	const op = errs.Op("s3blob.Stat")
	if err := blob.ValidateKey(key); err != nil {
		return blob.Info{}, errs.E(op, err)
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return blob.Info{}, errs.E(op, fmt.Sprintf("key %q", key), mapErr(ctx, err))
	}
	return toInfo(key, oi), nil
}

// Delete implements blob.Store.Delete. With object lock it removes every version of the key (a plain
// delete would only hide them behind a delete marker) and fails with errs.Conflict and
// errs.CodeObjectLocked when a version is locked; the unlocked ones are gone by then.
func (s *Store) Delete(ctx context.Context, key string) error {
	const op = errs.Op("s3blob.Delete")
	if err := blob.ValidateKey(key); err != nil {
		return errs.E(op, err)
	}
	if s.objectLock {
		return s.deleteVersions(ctx, op, key)
	}
	err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && errs.KindOf(mapErr(ctx, err)) != errs.NotFound {
		return errs.E(op, fmt.Sprintf("key %q", key), mapErr(ctx, err))
	}
	return nil
}

// deleteVersions removes every version and delete marker of key.
func (s *Store) deleteVersions(ctx context.Context, op errs.Op, key string) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var versions []string
	for obj := range s.client.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: key, Recursive: true, WithVersions: true}) {
		if obj.Err != nil {
			return errs.E(op, fmt.Sprintf("key %q: listing versions", key), mapErr(ctx, obj.Err))
		}
		if obj.Key == key {
			versions = append(versions, obj.VersionID)
		}
	}
	var locked error
	for _, v := range versions {
		err := s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: v})
		switch {
		case err == nil:
		case minio.ToErrorResponse(err).Code == "AccessDenied" || minio.ToErrorResponse(err).Code == "ObjectLocked":
			locked = errs.E(op, errs.Conflict, errs.CodeObjectLocked, fmt.Sprintf("key %q version %s is locked", key, v), err)
		case errs.KindOf(mapErr(ctx, err)) == errs.NotFound:
		default:
			return errs.E(op, fmt.Sprintf("key %q version %s", key, v), mapErr(ctx, err))
		}
	}
	return locked
}

// List implements blob.Store.List. It fills Key, Size and ModTime; ContentType, Metadata and SHA256
// need Stat. Keys no Put could have written (those blob.ValidateKey refuses) are skipped.
func (s *Store) List(ctx context.Context, prefix string, fn func(blob.Info) error) error {
	const op = errs.Op("s3blob.List")
	// Cancelling lctx on return stops minio-go's listing goroutine if fn ends the walk early.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for obj := range s.client.ListObjects(lctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return errs.E(op, fmt.Sprintf("prefix %q", prefix), mapErr(ctx, obj.Err))
		}
		if blob.ValidateKey(obj.Key) != nil {
			continue
		}
		if err := fn(blob.Info{Key: obj.Key, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return errs.E(op, err)
	}
	return nil
}

// Check implements blob.Store.Check: the bucket must answer and exist.
func (s *Store) Check(ctx context.Context) error {
	const op = errs.Op("s3blob.Check")
	exists, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return errs.E(op, fmt.Sprintf("bucket %q at %s", s.bucket, s.endpoint), mapErr(ctx, err))
	}
	if !exists {
		return errs.E(op, errs.Unavailable, fmt.Sprintf("bucket %q at %s: no such bucket", s.bucket, s.endpoint))
	}
	return nil
}

// toInfo converts minio-go's description of an object, taking the SHA-256 out of the user metadata.
func toInfo(key string, oi minio.ObjectInfo) blob.Info {
	info := blob.Info{Key: key, Size: oi.Size, ContentType: oi.ContentType, ModTime: oi.LastModified}
	if until := oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"); until != "" {
		if t, err := time.Parse(time.RFC3339, until); err == nil {
			info.RetainUntil = t.UTC()
		}
	}
	for k, v := range oi.UserMetadata {
		k = strings.ToLower(k)
		if k == shaMetaKey {
			info.SHA256 = v
			continue
		}
		if strings.HasPrefix(k, blob.ReservedMetadataPrefix) {
			continue
		}
		if info.Metadata == nil {
			info.Metadata = make(map[string]string, len(oi.UserMetadata))
		}
		info.Metadata[k] = v // minio-go has already decoded RFC 2047 words
	}
	return info
}

// encodeMetadata returns a copy of m with each value made safe for an HTTP header: values that are not
// printable ASCII, that start or end with spaces (which HTTP trims), or that would read as an RFC 2047
// word become one base64 encoded word, which minio-go decodes when it reads them back.
func encodeMetadata(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for k, v := range m {
		if strings.HasPrefix(v, "=?") || strings.TrimSpace(v) != v ||
			strings.ContainsFunc(v, func(r rune) bool { return r < ' ' || r > '~' }) {
			v = "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(v)) + "?="
		}
		out[k] = v
	}
	return out
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

func isCanceled(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled)
}

// mapErr classifies an error from minio-go. A missing object is errs.NotFound with
// errs.CodeObjectNotFound; a server that cannot be reached, is overloaded or fails (5xx), a missing
// bucket and a passed deadline are errs.Unavailable; a cancelled context stays itself (errors.Is
// finds it); anything else, such as refused credentials, is internal.
// isChecksumRefusal reports whether the server refused a PUT because the content did not match the
// checksum sent with it (S3: BadDigest or XAmzContentChecksumMismatch; some servers say InvalidDigest).
func isChecksumRefusal(err error) bool {
	switch minio.ToErrorResponse(err).Code {
	case "BadDigest", "XAmzContentChecksumMismatch", "InvalidDigest", "InvalidChecksum":
		return true
	}
	return false
}

func mapErr(ctx context.Context, err error) error {
	if isCanceled(ctx, err) {
		return errs.E(err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return errs.E(errs.Unavailable, err)
	}
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		switch {
		case resp.Code == minio.NoSuchKey || resp.Code == "NotFound" || resp.Code == "NoSuchVersion":
			return errs.E(errs.NotFound, errs.CodeObjectNotFound, err)
		case resp.Code == minio.NoSuchBucket:
			return errs.E(errs.Unavailable, "no such bucket", err)
		case resp.Code == "InvalidRange":
			return errs.E(errs.Invalid, err)
		case resp.StatusCode >= 500 || resp.Code == "SlowDown" || resp.Code == "RequestTimeout" ||
			resp.Code == "ServiceUnavailable" || resp.Code == "InternalError":
			return errs.E(errs.Unavailable, err)
		}
		return errs.E(errs.Internal, err)
	}
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return errs.E(errs.Unavailable, err)
	}
	return errs.E(errs.Internal, err)
}
