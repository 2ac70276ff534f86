package thumbnail

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
)

// The kinds of background job of this package.
const (
	// Kind makes the thumbnail of one evidence object (payload: Payload).
	Kind = "evidence.thumbnail"
	// SweepKind finds image objects that have neither a thumbnail nor a recorded failure and enqueues
	// their jobs, so that a thumbnail never depends on the intake having enqueued it.
	SweepKind = "evidence.thumbnail-sweep"
	// SweepEvery is how often the sweep runs.
	SweepEvery = 10 * time.Minute
	// sweepBatch is how many objects the sweep reads at a time.
	sweepBatch = 200
)

// Payload is the JSON payload of a Kind job.
type Payload struct {
	OrgID  string `json:"org_id"`
	SHA256 string `json:"sha256"`
}

// Key is the object key of the thumbnail of an organisation's evidence content.
func Key(orgID, sha256 string) string { return "thumbs/" + orgID + "/" + sha256 + ".jpg" }

// Supported reports whether content of this type gets a thumbnail (JPEG and PNG images).
func Supported(contentType string) bool {
	return contentType == "image/jpeg" || contentType == "image/png"
}

// Object is what the job needs of a stored evidence object.
type Object struct {
	OrgID       string
	SHA256      string
	ContentType string
	Key         string // of the content
	ThumbKey    string // empty until the thumbnail is made
	ThumbError  string // why none can be made; empty when none failed
}

// Store is the storage side of thumbnails (gormstore).
type Store interface {
	// ThumbnailSource returns the organisation's stored object of that content, or errs.NotFound.
	ThumbnailSource(ctx context.Context, orgID, sha256 string) (Object, error)
	// SetThumbnail records the key of the object's thumbnail (clearing any failure), or with key empty
	// why none can be made.
	SetThumbnail(ctx context.Context, orgID, sha256, key, failure string) error
	// ObjectsWithoutThumbnail lists up to limit objects of a Supported content type with neither a
	// thumbnail nor a failure, ordered by organisation and content, after the one (afterOrg,
	// afterSHA) — both empty for the first page.
	ObjectsWithoutThumbnail(ctx context.Context, afterOrg, afterSHA string, limit int) ([]Object, error)
}

// Enqueuer stores a job (*jobs.Runner).
type Enqueuer interface {
	Enqueue(ctx context.Context, j jobs.Job) (jobs.Job, bool, error)
}

// Service makes thumbnails in the background. Register its handlers on the runner; call Enqueue
// after an evidence object is stored.
type Service struct {
	Store   Store
	Blobs   blob.Store
	Jobs    Enqueuer
	Options Options
	Log     *slog.Logger // nil = discard
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Register sets the handlers of Kind and SweepKind on r and schedules the sweep.
func (s *Service) Register(r *jobs.Runner) {
	r.Register(Kind, s.Handle)
	r.Register(SweepKind, s.Sweep)
	r.Every(SweepKind, SweepEvery)
}

// Enqueue asks for the thumbnail of an organisation's stored object of content sha256 with this
// content type; it does nothing for a type that gets none. Enqueuing the same object twice adds
// one job (the job's unique key names the object), so the intake, the sweep and a retry may all call
// it.
func (s *Service) Enqueue(ctx context.Context, orgID, sha256, contentType string) error {
	if !Supported(contentType) {
		return nil
	}
	payload, err := json.Marshal(Payload{OrgID: orgID, SHA256: sha256})
	if err != nil {
		return err
	}
	_, _, err = s.Jobs.Enqueue(ctx, jobs.Job{OrgID: orgID, Kind: Kind, Payload: payload, UniqueKey: Kind + "/" + orgID + "/" + sha256,
		Priority: jobs.Background})
	return err
}

// Handle is the handler of Kind: it makes the object's thumbnail, stores it under Key and records
// it. Content that is no image the thumbnailer takes (undecodable, too large) is recorded as a
// failure and the job succeeds: no retry would change it. Other errors (the store unreachable) fail
// the attempt to be retried; when the last attempt fails too, the failure is recorded so that the
// sweep stops finding the object, and a retry of the dead job by an administrator tries again.
func (s *Service) Handle(ctx context.Context, j jobs.Job) error {
	const op = errs.Op("thumbnail.Handle")
	var p Payload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.OrgID == "" || p.SHA256 == "" {
		return errs.E(op, errs.Invalid, fmt.Sprintf("payload %s", j.Payload)) // a bug of whoever enqueued it
	}
	obj, err := s.Store.ThumbnailSource(ctx, p.OrgID, p.SHA256)
	if errs.KindOf(err) == errs.NotFound {
		return nil // gone (or never stored): nothing to do
	}
	if err != nil {
		return errs.E(op, err)
	}
	if obj.ThumbKey != "" {
		return nil // made by an earlier attempt
	}
	if !Supported(obj.ContentType) {
		return s.Store.SetThumbnail(ctx, p.OrgID, p.SHA256, "", "content type "+obj.ContentType)
	}
	key, err := s.make(ctx, obj)
	switch {
	case err == nil:
		return s.Store.SetThumbnail(ctx, p.OrgID, p.SHA256, key, "")
	case errs.CodeOf(err) == errs.CodeThumbnailUnavailable:
		s.log().Info("thumbnail: none can be made", "org", p.OrgID, "sha256", p.SHA256, "err", err)
		return s.Store.SetThumbnail(ctx, p.OrgID, p.SHA256, "", err.Error())
	}
	if j.MaxAttempts > 0 && j.Attempt >= j.MaxAttempts {
		if serr := s.Store.SetThumbnail(ctx, p.OrgID, p.SHA256, "", "gave up: "+err.Error()); serr != nil {
			s.log().Error("thumbnail: recording the failure", "org", p.OrgID, "sha256", p.SHA256, "err", serr)
		}
	}
	return errs.E(op, err)
}

// make streams the object through Make and stores the thumbnail (a few tens of KiB, kept in memory).
func (s *Service) make(ctx context.Context, obj Object) (string, error) {
	rc, _, err := s.Blobs.Get(ctx, obj.Key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	var out bytes.Buffer
	if _, err := Make(&out, rc, s.Options); err != nil {
		return "", err
	}
	key := Key(obj.OrgID, obj.SHA256)
	if _, err := s.Blobs.Put(ctx, key, bytes.NewReader(out.Bytes()), int64(out.Len()), blob.PutOptions{ContentType: "image/jpeg"}); err != nil {
		return "", err
	}
	return key, nil
}

// Sweep is the handler of SweepKind: it enqueues the job of every image object that has neither a
// thumbnail nor a recorded failure (the job's unique key makes this a no-op for objects whose job
// exists already).
func (s *Service) Sweep(ctx context.Context, _ jobs.Job) error {
	afterOrg, afterSHA := "", ""
	n := 0
	for {
		objs, err := s.Store.ObjectsWithoutThumbnail(ctx, afterOrg, afterSHA, sweepBatch)
		if err != nil {
			return errs.E(errs.Op("thumbnail.Sweep"), err)
		}
		for _, o := range objs {
			if err := s.Enqueue(ctx, o.OrgID, o.SHA256, o.ContentType); err != nil {
				return errs.E(errs.Op("thumbnail.Sweep"), err)
			}
			n++
		}
		if len(objs) < sweepBatch {
			break
		}
		last := objs[len(objs)-1]
		afterOrg, afterSHA = last.OrgID, last.SHA256
	}
	if n > 0 {
		s.log().Info("thumbnail: sweep found objects without a thumbnail", "objects", n)
	}
	return nil
}
