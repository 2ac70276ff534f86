// Package evidence is the intake of evidence bytes: photos, signatures and documents that phones
// announce with their SHA-256 and then upload, resumably, through the phone API (docs/evidence.md).
//
// It holds the rules — allowed content types, the limits per object, per visit and per device and
// day, what a file's bytes say it is (Sniff), what a JPEG says about itself (ReadMeta), the distance
// from the site (DistanceM) — and the Service that streams uploads into the object store. Upload state
// lives in the database (Store) and the object store, never in process memory (D12): any replica
// continues any upload.
package evidence

import (
	"strconv"
	"strings"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
)

// The states of an evidence reference.
const (
	StateAnnounced = "announced" // the server knows of it; its bytes have not all arrived
	StateStored    = "stored"    // its bytes arrived, hashed to the announced SHA-256 and are stored
)

// The content types evidence may have, and the purposes.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypePDF  = "application/pdf"

	PurposePhoto     = "photo"
	PurposeSignature = "signature"
	PurposeDocument  = "document"
)

// Allowed reports whether evidence of this purpose may have this content type: photos and
// signatures are images (JPEG or PNG), documents may also be PDF.
func Allowed(purpose, contentType string) bool {
	switch contentType {
	case TypeJPEG, TypePNG:
		return true
	case TypePDF:
		return purpose == PurposeDocument
	}
	return false
}

// Limits bound what a phone may send. Zero fields take the default's value (see Normal).
type Limits struct {
	MaxObjectBytes   int64         // one evidence object
	MaxVisitBytes    int64         // all evidence announced for one visit
	DeviceDailyBytes int64         // bytes one device may send per day (Asia/Ho_Chi_Minh)
	WholeMaxBytes    int64         // an upload this small sent whole in one request goes straight to its content key
	AbandonAfter     time.Duration // an upload untouched this long is removed with its chunks
}

// DefaultLimits are the limits of a fresh installation.
var DefaultLimits = Limits{
	MaxObjectBytes:   50 << 20,
	MaxVisitBytes:    500 << 20,
	DeviceDailyBytes: 2 << 30,
	WholeMaxBytes:    4 << 20,
	AbandonAfter:     7 * 24 * time.Hour,
}

// Normal returns l with its unset fields taken from DefaultLimits.
func (l Limits) Normal() Limits {
	d := DefaultLimits
	if l.MaxObjectBytes <= 0 {
		l.MaxObjectBytes = d.MaxObjectBytes
	}
	if l.MaxVisitBytes <= 0 {
		l.MaxVisitBytes = d.MaxVisitBytes
	}
	if l.DeviceDailyBytes <= 0 {
		l.DeviceDailyBytes = d.DeviceDailyBytes
	}
	if l.WholeMaxBytes <= 0 {
		l.WholeMaxBytes = d.WholeMaxBytes
	}
	if l.AbandonAfter <= 0 {
		l.AbandonAfter = d.AbandonAfter
	}
	return l
}

// ContentKey is the object key of an organisation's evidence content: it names the content, never a
// host or a bucket, and never crosses organisations (D1).
func ContentKey(orgID, sha256 string) string { return "evidence/" + orgID + "/" + sha256 }

// ChunkKey is the object key of chunk seq of an upload (temporary).
func ChunkKey(evidenceID string, seq int) string {
	return UploadPrefix(evidenceID) + strconv.Itoa(seq)
}

// UploadPrefix is the key prefix of every chunk of an upload.
func UploadPrefix(evidenceID string) string { return UploadsPrefix + evidenceID + "/" }

// UploadsPrefix starts the key of every upload chunk.
const UploadsPrefix = "uploads/"

// EvidenceIDOfChunk returns the evidence ID in a chunk key, or "" when key is not one.
func EvidenceIDOfChunk(key string) string {
	rest, ok := strings.CutPrefix(key, UploadsPrefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok {
		return ""
	}
	return id
}

// Day is the calendar day of t in Asia/Ho_Chi_Minh, "YYYY-MM-DD": the day of a device's quota.
func Day(t time.Time) string { return t.In(adminunit.Vietnam).Format(time.DateOnly) }

// NextDay is the start of the day after t's, in Asia/Ho_Chi_Minh: when a device's quota renews.
func NextDay(t time.Time) time.Time {
	l := t.In(adminunit.Vietnam)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, adminunit.Vietnam)
}

// Ref is an evidence reference as the server holds it: what the phone announced, and whether the
// bytes have arrived.
type Ref struct {
	ID          string
	OrgID       string
	VisitID     string
	RecordID    string
	FindingID   string
	SHA256      string
	Size        int64
	ContentType string // as claimed by the phone
	Purpose     string
	CapturedAt  time.Time
	GPSLat      *float64 // as claimed by the phone
	GPSLon      *float64
	GPSAccuracy *float64
	DeviceID    string // the device that announced it
	State       string
	StoredAt    *time.Time
	DistanceM   *float64 // from the site's coordinates to where it was taken
}

// Upload is the state of a resumable upload: the bytes the server holds (Received, the sum of the
// chunks, in order) and the SHA-256 state over them.
type Upload struct {
	EvidenceID string
	OrgID      string
	DeviceID   string
	Size       int64
	Received   int64
	HashState  []byte // encoding.BinaryMarshaler state of a crypto/sha256 hash; nil before the first byte
	Chunks     []Chunk
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Chunk is bytes [Offset, Offset+Size) of an upload, stored under Key.
type Chunk struct {
	Seq    int
	Offset int64
	Size   int64
	Key    string
}

// Object is a stored evidence object: one per organisation and content.
type Object struct {
	OrgID       string
	SHA256      string
	Size        int64
	ContentType string // sniffed from the bytes
	Key         string
	StoredAt    time.Time
	Meta        Meta
	RetainUntil *time.Time // the object lock's end, when the store locked it
}

// Meta is what an image says about itself.
type Meta struct {
	TakenAt *time.Time // EXIF DateTimeOriginal (or DateTime)
	Lat     *float64   // EXIF GPS, degrees
	Lon     *float64
	Width   *int
	Height  *int
}

// Usage is bytes a device sent on a day, to add to its quota's count.
type Usage struct {
	DeviceID string
	Day      string
	Bytes    int64
}

// Status is where an upload stands, as the phone sees it.
type Status struct {
	ID     string
	State  string // StateAnnounced or StateStored
	Offset int64  // bytes the server holds; Size when stored
	Size   int64
}
