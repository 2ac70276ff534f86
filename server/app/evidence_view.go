package app

import (
	"context"
	"log/slog"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/blob/s3blob"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/config"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// The viewing side of evidence: thumbnails made in the background, the console's and the phone's
// evidence routes, object lock on evidence content (docs/evidence-storage.md).

// OpenBlobs opens the object store the configuration names, as the server does (for admin commands
// such as verify).
func OpenBlobs(ctx context.Context, cfg config.Config) (blob.Store, error) {
	return openBlobs(ctx, cfg)
}

// retainEvidence locks evidence content for EVIDENCE_RETENTION after it is written, wherever it is
// written from; chunks and thumbnails stay deletable.
func retainEvidence(s blob.Store, cfg config.Config, c clock.Clock) blob.Store {
	if cfg.EvidenceRetention <= 0 {
		return s
	}
	return &blob.Retaining{Store: s, Prefix: "evidence/", Period: cfg.EvidenceRetention, Now: c.Now}
}

// wireEvidenceView makes the thumbnail service (its job, and its sweep every thumbnail.SweepEvery,
// which finds every stored image without a thumbnail) and the viewing service. Call it after a.Jobs
// exists. The intake may call a.Thumbnails.Enqueue when it stores an image, for a thumbnail at once
// rather than at the next sweep.
func (a *App) wireEvidenceView(log *slog.Logger) {
	a.Thumbnails = &thumbnail.Service{Store: a.Store, Blobs: a.Blobs, Jobs: a.Jobs, Log: log}
	a.Thumbnails.Register(a.Jobs)
	a.EvidenceView = &evidenceview.Service{Finder: a.Store, Blobs: a.Blobs, PresignTTL: a.Config.S3PresignTTL}
	if p := presigner(a.Blobs); p != nil {
		a.EvidenceView.Presigner = p
	}
}

// presigner is the S3 store beneath s when it gives URLs clients can use (S3_PUBLIC_URL), else nil.
func presigner(s blob.Store) blob.Presigner {
	if r, ok := s.(*blob.Retaining); ok {
		s = r.Store
	}
	if s3, ok := s.(*s3blob.Store); ok && s3.CanPresign() {
		return s3
	}
	return nil
}
