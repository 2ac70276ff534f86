// Package evidenceview lets the console and the phone look at evidence — its description, its bytes
// and its thumbnail — after checking, on every request, that the caller may see it.
//
// Who may see what: in the console, the chief, the director and the inspectors of the evidence's
// organisation; on a phone, an inspector or chief whose team (campaign membership, D3) holds the
// visit the evidence belongs to — the rule the sync scope follows. Evidence of another organisation or
// outside the team is answered as not found (errs.CodeEvidenceNotFound), never as forbidden, so that
// nobody learns what exists elsewhere (D1).
//
// The bytes go through the server by default (phones never reach the S3 host, D12). Where the
// configuration says clients can reach the object store, the service hands out a presigned URL that
// is valid a few minutes instead, after the same check.
//
// This package imports neither gorm, echo nor minio-go.
package evidenceview

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidence"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/thumbnail"
)

// DefaultPresignTTL is how long a presigned URL stays valid when the service does not say.
const DefaultPresignTTL = 5 * time.Minute

// Item is one piece of evidence as a viewer sees it: the reference the phone announced and, once its
// bytes have arrived, the stored object with its thumbnail's state.
type Item struct {
	Ref evidence.Ref
	// Object is the stored content; nil while the bytes have not arrived.
	Object *evidence.Object
	// ThumbKey is the thumbnail's object key, empty until it is made; ThumbError says why none can be.
	ThumbKey   string
	ThumbError string
	// RetainUntil is when the content's object lock ends; nil when it is not locked.
	RetainUntil *time.Time
}

// Stored reports whether the evidence's bytes have arrived.
func (it Item) Stored() bool { return it.Ref.State == evidence.StateStored && it.Object != nil }

// ThumbnailState is where an item's thumbnail stands: "ready", "pending" (made in the background) or
// "none" (not an image, or an image that cannot be decoded safely).
func (it Item) ThumbnailState() string {
	switch {
	case !it.Stored():
		if thumbnail.Supported(it.Ref.ContentType) {
			return "pending"
		}
		return "none"
	case it.ThumbKey != "":
		return "ready"
	case it.ThumbError != "" || !thumbnail.Supported(it.Object.ContentType):
		return "none"
	}
	return "pending"
}

// Finder reads evidence for viewers (gormstore).
//
// Errors: evidence the caller may not see — none with that ID, another organisation's, outside the
// team — is errs.NotFound with errs.CodeEvidenceNotFound.
type Finder interface {
	// EvidenceInOrg returns evidence id if it belongs to organisation orgID.
	EvidenceInOrg(ctx context.Context, orgID, id string) (Item, error)
	// EvidenceInTeam returns evidence id if its visit belongs to organisation orgID and to a campaign
	// whose team includes personID, and was not deleted.
	EvidenceInTeam(ctx context.Context, orgID, personID, id string) (Item, error)
}

// Service checks access and says where the bytes are.
type Service struct {
	Finder Finder
	Blobs  blob.Store
	// Presigner, when set, makes the content and thumbnail answers redirects to presigned URLs: set it
	// only when clients can reach the object store (S3_PUBLIC_URL).
	Presigner  blob.Presigner
	PresignTTL time.Duration // default DefaultPresignTTL
}

// consoleReaders are the console roles that may look at evidence.
var consoleReaders = []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleInspector}

// ForConsole returns evidence id for a console user: a chief, director or inspector of its
// organisation. Another role is errs.Forbidden; evidence of another organisation errs.NotFound.
func (s *Service) ForConsole(ctx context.Context, p identity.Principal, id string) (Item, error) {
	const op = errs.Op("evidenceview.ForConsole")
	if !p.Has(consoleReaders...) || p.OrgID == "" {
		return Item{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if !plausibleID(id) {
		return Item{}, notFound(op, id)
	}
	it, err := s.Finder.EvidenceInOrg(ctx, p.OrgID, id)
	if err != nil {
		return Item{}, errs.E(op, err)
	}
	return it, nil
}

// ForPhone returns evidence id for a phone: the token of a device of an inspector or chief whose team
// holds the evidence's visit. Another token is errs.Forbidden; evidence outside the team errs.NotFound.
func (s *Service) ForPhone(ctx context.Context, p identity.Principal, id string) (Item, error) {
	const op = errs.Op("evidenceview.ForPhone")
	if p.DeviceID == "" || p.PersonID == "" || p.OrgID == "" || !p.Has(identity.RoleInspector, identity.RoleChief) {
		return Item{}, errs.E(op, errs.Forbidden, errs.CodeRoleRequired)
	}
	if !plausibleID(id) {
		return Item{}, notFound(op, id)
	}
	it, err := s.Finder.EvidenceInTeam(ctx, p.OrgID, p.PersonID, id)
	if err != nil {
		return Item{}, errs.E(op, err)
	}
	return it, nil
}

// plausibleID refuses what cannot be an evidence ID before it reaches the database.
func plausibleID(id string) bool {
	return id != "" && len(id) <= 100 && !strings.ContainsFunc(id, func(r rune) bool { return r < ' ' || r == 0x7f })
}

func notFound(op errs.Op, id string) error {
	return errs.E(op, errs.NotFound, errs.CodeEvidenceNotFound, fmt.Sprintf("evidence %q", id))
}

// Part is what of an item is asked for.
type Part int

// The parts.
const (
	Content   Part = iota // the evidence's bytes
	Thumbnail             // the JPEG thumbnail of an image
)

// Body says where the bytes of a part are and how to describe them.
type Body struct {
	Key         string
	ContentType string
	Size        int64 // as recorded; the store's may differ if the object was tampered with
	ETag        string
	ModTime     time.Time
	// Filename is a name for Content-Disposition: the evidence ID with an extension.
	Filename string
}

// Locate says where the bytes of part of it are. The content of evidence whose bytes have not arrived
// is errs.Conflict with errs.CodeEvidenceNotStored; a thumbnail not made yet errs.Conflict with
// errs.CodeThumbnailPending; one that cannot be made errs.NotFound with errs.CodeThumbnailUnavailable.
func (s *Service) Locate(it Item, part Part) (Body, error) {
	const op = errs.Op("evidenceview.Locate")
	if !it.Stored() {
		return Body{}, errs.E(op, errs.Conflict, errs.CodeEvidenceNotStored, fmt.Sprintf("evidence %s is %s", it.Ref.ID, it.Ref.State))
	}
	o := it.Object
	if part == Thumbnail {
		switch it.ThumbnailState() {
		case "ready":
		case "pending":
			return Body{}, errs.E(op, errs.Conflict, errs.CodeThumbnailPending, "evidence "+it.Ref.ID)
		default:
			return Body{}, errs.E(op, errs.NotFound, errs.CodeThumbnailUnavailable, fmt.Sprintf("evidence %s: %s", it.Ref.ID, it.ThumbError))
		}
		// The thumbnail's size is the store's; it is derived data that the database does not keep.
		return Body{Key: it.ThumbKey, ContentType: "image/jpeg", Size: -1, ETag: "thumb-" + o.SHA256, ModTime: o.StoredAt,
			Filename: it.Ref.ID + "-thumb.jpg"}, nil
	}
	return Body{Key: o.Key, ContentType: o.ContentType, Size: o.Size, ETag: o.SHA256, ModTime: o.StoredAt,
		Filename: it.Ref.ID + extension(o.ContentType)}, nil
}

func extension(contentType string) string {
	switch contentType {
	case evidence.TypeJPEG:
		return ".jpg"
	case evidence.TypePNG:
		return ".png"
	case evidence.TypePDF:
		return ".pdf"
	}
	return ""
}

// Presign returns a presigned URL for b, or "" when the service streams through the server.
func (s *Service) Presign(ctx context.Context, b Body) (string, error) {
	if s.Presigner == nil {
		return "", nil
	}
	ttl := s.PresignTTL
	if ttl <= 0 {
		ttl = DefaultPresignTTL
	}
	u, err := s.Presigner.PresignGet(ctx, b.Key, ttl, b.ContentType, Disposition(b.Filename))
	if err != nil {
		return "", errs.E(errs.Op("evidenceview.Presign"), err)
	}
	return u, nil
}

// Disposition is the Content-Disposition of evidence shown in the browser (inline) under filename,
// which is an evidence ID and an extension (no quoting needed beyond the quotes).
func Disposition(filename string) string {
	return `inline; filename="` + strings.ReplaceAll(filename, `"`, "") + `"`
}
