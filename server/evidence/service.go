package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncpush"
)

// Store keeps evidence references, stored objects, upload state and device usage (gormstore).
//
// Errors: a reference that does not exist is errs.NotFound with CodeEvidenceUnknown; one of another
// organisation errs.Forbidden with CodeEvidenceOtherOrg; one of a visit outside the caller's team
// errs.Forbidden with CodeEvidenceOutOfScope; an offset that is not the upload's is an *OffsetError.
type Store interface {
	// AnnounceEvidence applies an announce exactly as a pushed item of entity type evidence (the same
	// validation, limits and hash rule, so that announcing through either path and then the other is
	// idempotent), in its own write transaction. A reference whose content the organisation already
	// holds is stored at once. It returns the reference and its upload (zero when none).
	AnnounceEvidence(ctx context.Context, by syncpush.Pusher, id string, payload []byte, l Limits) (Ref, Upload, error)
	// UploadOf returns a reference the caller may upload and its upload (zero when none).
	UploadOf(ctx context.Context, by syncpush.Pusher, id string) (Ref, Upload, error)
	// HeldObject returns the organisation's stored object of that content, if it holds one.
	HeldObject(ctx context.Context, orgID, sha256 string) (Object, bool, error)
	// DeviceUsage is the bytes a device sent on a day.
	DeviceUsage(ctx context.Context, orgID, deviceID, day string) (int64, error)
	// BeginChunk takes the number of a new chunk of the upload, which must hold offset bytes now (else
	// *OffsetError), creating the upload at offset 0. It returns the hash state over those bytes.
	BeginChunk(ctx context.Context, by syncpush.Pusher, ref Ref, offset int64) (seq int, hashState []byte, err error)
	// CommitChunk records c as the upload's next bytes if the upload still holds c.Offset bytes with
	// hash state prev (else *OffsetError), sets the hash state to next and counts u. It returns the
	// bytes the upload holds now.
	CommitChunk(ctx context.Context, by syncpush.Pusher, id string, c Chunk, prev, next []byte, u Usage) (int64, error)
	// ResetUpload forgets the upload's chunks (it starts again from 0) and returns them, for their
	// objects to be deleted.
	ResetUpload(ctx context.Context, orgID, id string) ([]Chunk, error)
	// MarkStored records the arrival of a reference's bytes in one transaction: the object (once per
	// organisation and content), the reference stored with its distance from the site, the audit event
	// evidence.store, the upload gone, u counted. A reference already stored is returned unchanged.
	MarkStored(ctx context.Context, by syncpush.Pusher, id string, obj Object, u Usage) (Ref, error)
	// AbandonedUploads lists up to limit uploads not touched since before, oldest first.
	AbandonedUploads(ctx context.Context, before time.Time, limit int) ([]Upload, error)
	// DropUpload removes an upload and its chunks' records if it was not touched since updatedAt.
	DropUpload(ctx context.Context, orgID, id string, updatedAt time.Time) (bool, error)
	// UploadExists reports whether an upload of that evidence is in progress.
	UploadExists(ctx context.Context, evidenceID string) (bool, error)
}

// OffsetError is an upload at an offset other than the bytes the server holds (Offset).
type OffsetError struct {
	Offset int64
	err    error
}

// OffsetMismatch is the error for an upload that does not continue at held, the bytes the server
// holds.
func OffsetMismatch(held int64) error {
	return &OffsetError{Offset: held, err: errs.E(errs.Conflict, errs.CodeEvidenceOffsetMismatch, fmt.Sprintf("the server holds %d bytes", held))}
}

func (e *OffsetError) Error() string { return e.err.Error() }

func (e *OffsetError) Unwrap() error { return e.err }

// Service is the evidence intake: announces, resumable uploads and their cleanup.
type Service struct {
	Store  Store
	Blobs  blob.Store
	Clock  clock.Clock
	Limits Limits
	Log    *slog.Logger // nil = discard
	// Arrived, when set, is called after new bytes were stored and recorded (the app asks for the
	// thumbnail there). It must not block; a thumbnail it fails to ask for is found by the sweep.
	Arrived func(ctx context.Context, obj Object)
}

// arrived calls Arrived, if set.
func (s *Service) arrived(ctx context.Context, obj Object) {
	if s.Arrived != nil {
		s.Arrived(ctx, obj)
	}
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

func status(ref Ref, up Upload) Status {
	st := Status{ID: ref.ID, State: ref.State, Offset: up.Received, Size: ref.Size}
	if ref.State == StateStored {
		st.Offset = ref.Size
	}
	return st
}

// Announce announces evidence (payload: schemas/sync-push-evidence.schema.json) and says where its
// upload stands: stored at once when the organisation already holds the content, else the bytes the
// server holds.
func (s *Service) Announce(ctx context.Context, by syncpush.Pusher, id string, payload []byte) (Status, error) {
	const op = errs.Op("evidence.Announce")
	ref, up, err := s.Store.AnnounceEvidence(ctx, by, id, payload, s.Limits.Normal())
	if err != nil {
		return Status{}, errs.E(op, err)
	}
	return status(ref, up), nil
}

// Status says where the upload of evidence id stands.
func (s *Service) Status(ctx context.Context, by syncpush.Pusher, id string) (Status, error) {
	const op = errs.Op("evidence.Status")
	ref, up, err := s.Store.UploadOf(ctx, by, id)
	if err != nil {
		return Status{}, errs.E(op, err)
	}
	if ref.State != StateStored {
		if obj, ok, err := s.Store.HeldObject(ctx, ref.OrgID, ref.SHA256); err != nil {
			return Status{}, errs.E(op, err)
		} else if ok {
			if ref, err = s.Store.MarkStored(ctx, by, id, obj, Usage{}); err != nil {
				return Status{}, errs.E(op, err)
			}
		}
	}
	return status(ref, up), nil
}

// Write takes bytes of evidence id from offset, which must be the bytes the server holds (else an
// *OffsetError): length bytes of body, or up to the announced size when length is -1 (unknown). It
// answers where the upload stands afterwards.
//
// The body streams into the object store, never into memory. An upload of at most WholeMaxBytes sent
// whole goes straight to its content key, the store checking the SHA-256; anything else goes into a
// chunk object, and a body cut short (the connection dropped) still leaves its bytes stored and
// counted. When the last byte arrives the chunks are joined, streaming, under the content key.
//
// Refusals: CodeEvidenceSizeExceeded (more than announced), CodeEvidenceQuotaExceeded (the device's
// day), CodeEvidenceTypeMismatch (the bytes are not of the announced type) and
// CodeEvidenceChecksumMismatch (they do not hash to the announced SHA-256): after the last two the
// upload starts again from 0 and nothing is stored.
func (s *Service) Write(ctx context.Context, by syncpush.Pusher, id string, offset int64, body io.Reader, length int64) (Status, error) {
	const op = errs.Op("evidence.Write")
	st, err := s.write(ctx, by, id, offset, body, length)
	if err != nil {
		return st, errs.E(op, err)
	}
	return st, nil
}

func (s *Service) write(ctx context.Context, by syncpush.Pusher, id string, offset int64, body io.Reader, length int64) (Status, error) {
	l := s.Limits.Normal()
	ref, up, err := s.Store.UploadOf(ctx, by, id)
	if err != nil {
		return Status{}, err
	}
	if ref.State == StateStored {
		return status(ref, up), nil // sent before: the body is not read
	}
	if obj, ok, err := s.Store.HeldObject(ctx, ref.OrgID, ref.SHA256); err != nil {
		return Status{}, err
	} else if ok {
		ref, err := s.Store.MarkStored(ctx, by, id, obj, Usage{})
		return status(ref, Upload{}), err
	}
	if offset != up.Received {
		return status(ref, up), OffsetMismatch(up.Received)
	}
	remaining := ref.Size - offset
	if length > remaining {
		return status(ref, up), errs.E(errs.Invalid, errs.CodeEvidenceSizeExceeded,
			fmt.Sprintf("%d bytes from offset %d, announced size %d", length, offset, ref.Size))
	}
	if remaining == 0 {
		// Every byte is held, but the join did not finish (the server stopped): finish it now.
		return s.complete(ctx, by, ref)
	}
	now := s.Clock.Now()
	day := Day(now)
	used, err := s.Store.DeviceUsage(ctx, by.OrgID, by.DeviceID, day)
	if err != nil {
		return Status{}, err
	}
	want := length
	if want < 0 {
		want = remaining
	}
	if used+want > l.DeviceDailyBytes {
		return status(ref, up), errs.E(errs.RateLimited, errs.CodeEvidenceQuotaExceeded,
			fmt.Sprintf("device %s sent %d bytes on %s; %d more would pass %d", by.DeviceID, used, day, want, l.DeviceDailyBytes))
	}
	usage := Usage{DeviceID: by.DeviceID, Day: day}
	if offset == 0 && length == ref.Size && ref.Size <= l.WholeMaxBytes && len(up.Chunks) == 0 {
		return s.writeWhole(ctx, by, ref, body, usage)
	}
	return s.writeChunk(ctx, by, ref, up, body, usage)
}

// writeWhole streams a whole small upload straight to its content key; the store refuses bytes that
// do not hash to the announced SHA-256, and nothing is stored then. A body cut short stores nothing
// either: the phone sends it again from 0 (small files only take this path).
func (s *Service) writeWhole(ctx context.Context, by syncpush.Pusher, ref Ref, body io.Reader, u Usage) (Status, error) {
	sctx := context.WithoutCancel(ctx)
	br := &bodyReader{r: body, limit: ref.Size, keepHead: isImage(ref.ContentType)}
	head := make([]byte, SniffLen)
	n, err := io.ReadFull(br, head)
	if err != nil {
		return status(ref, Upload{}), nil // cut before the signature: nothing held
	}
	if got := Sniff(head[:n]); got != ref.ContentType {
		return status(ref, Upload{}), typeMismatch(ref, got)
	}
	key := ContentKey(ref.OrgID, ref.SHA256)
	info, err := s.Blobs.Put(sctx, key, io.MultiReader(bytes.NewReader(head), br), ref.Size,
		blob.PutOptions{ContentType: ref.ContentType, SHA256: ref.SHA256})
	switch {
	case br.cut != nil:
		return status(ref, Upload{}), nil // the phone went away: nothing held, it sends again
	case errs.CodeOf(err) == errs.CodeChecksumMismatch:
		return status(ref, Upload{}), checksumMismatch(ref, err)
	case err != nil:
		return Status{}, err
	}
	u.Bytes = ref.Size
	obj := Object{OrgID: ref.OrgID, SHA256: info.SHA256, Size: info.Size, ContentType: ref.ContentType, Key: key,
		StoredAt: s.Clock.Now(), Meta: ReadMeta(ref.ContentType, br.head), RetainUntil: retainedUntil(info)}
	stored, err := s.Store.MarkStored(sctx, by, ref.ID, obj, u)
	if err != nil {
		return Status{}, err
	}
	s.arrived(sctx, obj)
	return status(stored, Upload{}), nil
}

// writeChunk streams the body into a new chunk object and records it. A body cut short ends the
// chunk where it was cut: the bytes that arrived are stored and counted, and the phone continues
// from there. The first bytes of an upload are sniffed at once, so that a file of the wrong type is
// refused before the phone sends the rest of it.
func (s *Service) writeChunk(ctx context.Context, by syncpush.Pusher, ref Ref, up Upload, body io.Reader, u Usage) (Status, error) {
	sctx := context.WithoutCancel(ctx) // a phone gone away must not undo what it sent
	offset := up.Received
	br := &bodyReader{r: body, limit: ref.Size - offset, keepCut: true}
	var head []byte
	if offset == 0 {
		head = make([]byte, SniffLen)
		n, _ := io.ReadFull(br, head)
		head = head[:n]
		if n == SniffLen {
			if got := Sniff(head); got != ref.ContentType {
				return status(ref, up), typeMismatch(ref, got)
			}
		}
		if n == 0 {
			return status(ref, up), nil
		}
	}
	seq, state, err := s.Store.BeginChunk(sctx, by, ref, offset)
	if err != nil {
		return status(ref, up), err
	}
	h := sha256.New()
	if len(state) > 0 {
		if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
			return Status{}, errs.E(errs.Internal, "the upload's hash state", err)
		}
	}
	h.Write(head)
	br.h = h
	key := ChunkKey(ref.ID, seq)
	info, err := s.Blobs.Put(sctx, key, io.MultiReader(bytes.NewReader(head), br), -1, blob.PutOptions{})
	if err != nil {
		s.dropObject(sctx, key)
		if br.cut != nil {
			return status(ref, up), nil
		}
		return Status{}, err
	}
	n := info.Size
	if n != br.n { // br counted the head too
		s.dropObject(sctx, key)
		return Status{}, errs.E(errs.Internal, fmt.Sprintf("chunk %s: stored %d bytes, read %d", key, n, br.n))
	}
	if br.cut == nil && n == ref.Size-offset && hasMore(body) {
		s.dropObject(sctx, key)
		return status(ref, up), errs.E(errs.Invalid, errs.CodeEvidenceSizeExceeded, fmt.Sprintf("more than the announced %d bytes", ref.Size))
	}
	if n == 0 {
		s.dropObject(sctx, key)
		return status(ref, up), nil
	}
	next, err := h.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return Status{}, errs.E(errs.Internal, err)
	}
	u.Bytes = n
	received, err := s.Store.CommitChunk(sctx, by, ref.ID, Chunk{Seq: seq, Offset: offset, Size: n, Key: key}, state, next, u)
	if err != nil {
		s.dropObject(sctx, key) // another request took this offset first
		return status(ref, up), err
	}
	if received == ref.Size {
		return s.complete(sctx, by, ref)
	}
	up.Received = received
	return status(ref, up), nil
}

// complete joins an upload whose bytes have all arrived. The hash over them is known already (kept
// with each chunk): a mismatch is refused before anything is written. The leading bytes are sniffed
// and read for metadata; then the chunks stream, one after the other, into the content key, the store
// checking the SHA-256 again. A content the organisation holds already is not written twice.
func (s *Service) complete(ctx context.Context, by syncpush.Pusher, ref Ref) (Status, error) {
	ref, up, err := s.Store.UploadOf(ctx, by, ref.ID)
	if err != nil {
		return Status{}, err
	}
	if ref.State == StateStored {
		return status(ref, up), nil
	}
	if up.Received != ref.Size {
		return status(ref, up), nil
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(up.HashState); err != nil {
		return Status{}, errs.E(errs.Internal, "the upload's hash state", err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != ref.SHA256 {
		s.reset(ctx, ref)
		return Status{ID: ref.ID, State: StateAnnounced, Size: ref.Size},
			checksumMismatch(ref, fmt.Errorf("the bytes hash to %s", sum))
	}
	head, err := io.ReadAll(io.LimitReader(s.chunkReader(ctx, up.Chunks), MetaLen))
	if err != nil {
		return s.completeFailed(ctx, by, ref, err)
	}
	ct := Sniff(head)
	if ct != ref.ContentType {
		s.reset(ctx, ref)
		return Status{ID: ref.ID, State: StateAnnounced, Size: ref.Size}, typeMismatch(ref, ct)
	}
	obj, held, err := s.Store.HeldObject(ctx, ref.OrgID, ref.SHA256)
	if err != nil {
		return Status{}, err
	}
	if !held {
		// Known size and hash: one streamed PUT that the store verifies (s3blob), no part buffer.
		key := ContentKey(ref.OrgID, ref.SHA256)
		info, err := s.Blobs.Put(ctx, key, s.chunkReader(ctx, up.Chunks), ref.Size, blob.PutOptions{ContentType: ct, SHA256: ref.SHA256})
		if errs.CodeOf(err) == errs.CodeChecksumMismatch {
			// The chunks changed in the store after they were hashed on arrival.
			s.reset(ctx, ref)
			return Status{ID: ref.ID, State: StateAnnounced, Size: ref.Size}, checksumMismatch(ref, err)
		}
		if err != nil {
			return s.completeFailed(ctx, by, ref, err)
		}
		obj = Object{OrgID: ref.OrgID, SHA256: info.SHA256, Size: info.Size, ContentType: ct, Key: key,
			StoredAt: s.Clock.Now(), Meta: ReadMeta(ct, head), RetainUntil: retainedUntil(info)}
	}
	stored, err := s.Store.MarkStored(ctx, by, ref.ID, obj, Usage{})
	if err != nil {
		return Status{}, err
	}
	s.arrived(ctx, obj)
	for _, c := range up.Chunks {
		s.dropObject(ctx, c.Key)
	}
	return status(stored, Upload{}), nil
}

// completeFailed handles a join that failed: when another request finished the same upload
// meanwhile (and removed the chunks), the evidence is stored and that is the answer.
func (s *Service) completeFailed(ctx context.Context, by syncpush.Pusher, ref Ref, cause error) (Status, error) {
	again, up, err := s.Store.UploadOf(ctx, by, ref.ID)
	if err == nil && again.State == StateStored {
		return status(again, up), nil
	}
	return Status{}, cause
}

// reset makes an upload start again from 0 and removes its chunks.
func (s *Service) reset(ctx context.Context, ref Ref) {
	chunks, err := s.Store.ResetUpload(ctx, ref.OrgID, ref.ID)
	if err != nil {
		s.log().Error("evidence: resetting an upload", "evidence", ref.ID, "err", err)
		return
	}
	for _, c := range chunks {
		s.dropObject(ctx, c.Key)
	}
}

// dropObject deletes a temporary object; a failure leaves it to the cleanup job.
func (s *Service) dropObject(ctx context.Context, key string) {
	if err := s.Blobs.Delete(ctx, key); err != nil {
		s.log().Warn("evidence: deleting a chunk (the cleanup job will)", "key", key, "err", err)
	}
}

// retainedUntil is the end of the object lock the store put on an object, if any.
func retainedUntil(info blob.Info) *time.Time {
	if info.RetainUntil.IsZero() {
		return nil
	}
	t := info.RetainUntil.UTC()
	return &t
}

func typeMismatch(ref Ref, got string) error {
	if got == "" {
		got = "unknown"
	}
	return errs.E(errs.Invalid, errs.CodeEvidenceTypeMismatch, fmt.Sprintf("evidence %s announced as %s, its bytes are %s", ref.ID, ref.ContentType, got))
}

func checksumMismatch(ref Ref, cause error) error {
	return errs.E(errs.Invalid, errs.CodeEvidenceChecksumMismatch, fmt.Sprintf("evidence %s announced with SHA-256 %s", ref.ID, ref.SHA256), cause)
}

func isImage(contentType string) bool { return contentType == TypeJPEG || contentType == TypePNG }

// hasMore reports whether r still has bytes.
func hasMore(r io.Reader) bool {
	var b [1]byte
	n, _ := io.ReadFull(r, b[:])
	return n > 0
}

// bodyReader reads a request body for the store: at most limit bytes, hashed (when h is set) and
// counted. With keepCut, a read error — the connection cut — ends the stream cleanly (io.EOF) so that
// the bytes read so far are stored; the error is kept in cut either way. With keepHead, the first
// MetaLen bytes are kept for ReadMeta.
type bodyReader struct {
	r        io.Reader
	h        hash.Hash
	n        int64
	limit    int64
	keepCut  bool
	keepHead bool
	head     []byte
	cut      error
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.n >= b.limit {
		return 0, io.EOF
	}
	if int64(len(p)) > b.limit-b.n {
		p = p[:b.limit-b.n]
	}
	n, err := b.r.Read(p)
	if n > 0 {
		if b.h != nil {
			b.h.Write(p[:n])
		}
		if b.keepHead && len(b.head) < MetaLen {
			b.head = append(b.head, p[:min(n, MetaLen-len(b.head))]...)
		}
		b.n += int64(n)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		b.cut = err
		if b.keepCut {
			err = io.EOF
		}
	}
	return n, err
}

// chunkReader reads an upload's chunks one after the other, opening each only when the previous one
// is done, so that a join holds one connection to the store at a time. A chunk whose stored size is
// not the recorded one is an error.
func (s *Service) chunkReader(ctx context.Context, chunks []Chunk) io.Reader {
	rs := make([]io.Reader, len(chunks))
	for i, c := range chunks {
		rs[i] = &lazyChunk{ctx: ctx, blobs: s.Blobs, c: c}
	}
	return io.MultiReader(rs...)
}

type lazyChunk struct {
	ctx   context.Context
	blobs blob.Store
	c     Chunk
	rc    io.ReadCloser
	n     int64
	done  bool
}

func (l *lazyChunk) Read(p []byte) (int, error) {
	if l.done {
		return 0, io.EOF
	}
	if l.rc == nil {
		rc, info, err := l.blobs.Get(l.ctx, l.c.Key)
		if err != nil {
			return 0, err
		}
		if info.Size != l.c.Size {
			rc.Close()
			return 0, errs.E(errs.Internal, fmt.Sprintf("chunk %s holds %d bytes, recorded %d", l.c.Key, info.Size, l.c.Size))
		}
		l.rc = rc
	}
	n, err := l.rc.Read(p)
	l.n += int64(n)
	if errors.Is(err, io.EOF) {
		l.rc.Close()
		l.done = true
		if l.n != l.c.Size {
			return n, errs.E(errs.Internal, fmt.Sprintf("chunk %s ended after %d bytes, recorded %d", l.c.Key, l.n, l.c.Size))
		}
	}
	return n, err
}

// Cleanup removes uploads not touched for AbandonAfter — their chunks and their state — and chunk
// objects older than that which no upload records (left by a server that stopped mid-chunk). It
// returns the number of uploads and of stray objects removed. The daily job "evidence.cleanup" runs
// it.
func (s *Service) Cleanup(ctx context.Context) (uploads, strays int, err error) {
	const op = errs.Op("evidence.Cleanup")
	before := s.Clock.Now().Add(-s.Limits.Normal().AbandonAfter)
	for {
		ups, err := s.Store.AbandonedUploads(ctx, before, 100)
		if err != nil {
			return uploads, strays, errs.E(op, err)
		}
		for _, up := range ups {
			dropped, err := s.Store.DropUpload(ctx, up.OrgID, up.EvidenceID, up.UpdatedAt)
			if err != nil {
				return uploads, strays, errs.E(op, err)
			}
			if !dropped {
				continue // touched meanwhile: alive
			}
			uploads++
			if err := s.Blobs.List(ctx, UploadPrefix(up.EvidenceID), func(info blob.Info) error {
				return s.Blobs.Delete(ctx, info.Key)
			}); err != nil {
				return uploads, strays, errs.E(op, err)
			}
		}
		if len(ups) < 100 {
			break
		}
	}
	alive := map[string]bool{}
	err = s.Blobs.List(ctx, UploadsPrefix, func(info blob.Info) error {
		if info.ModTime.IsZero() || !info.ModTime.Before(before) {
			return nil
		}
		id := EvidenceIDOfChunk(info.Key)
		live, seen := alive[id]
		if !seen {
			var err error
			if live, err = s.Store.UploadExists(ctx, id); err != nil {
				return err
			}
			alive[id] = live
		}
		if live {
			return nil
		}
		strays++
		return s.Blobs.Delete(ctx, info.Key)
	})
	if err != nil {
		return uploads, strays, errs.E(op, err)
	}
	return uploads, strays, nil
}
