package export

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// EvidenceItem is one evidence reference of a visit in the period, with the stored object that holds
// its bytes.
type EvidenceItem struct {
	EvidenceID  string
	VisitID     string
	VisitDate   string // YYYY-MM-DD
	SiteID      string
	SiteName    string
	CapturedAt  time.Time
	SHA256      string // as recorded when the bytes arrived
	Size        int64
	ContentType string
	ObjectKey   string
	// RecordNumber is the violation record the evidence belongs to ("07/BB-VPHC"), with its issuing
	// unit's code and year; empty when it belongs to none.
	RecordNumber string
	RecordUnit   string
	RecordYear   int
}

// EvidenceCursor is where a page of evidence items starts: after this item, in the order (visit
// date, visit, evidence).
type EvidenceCursor struct {
	VisitDate, VisitID, EvidenceID string
}

// EvidenceSource lists the evidence of a period. gormstore implements it.
type EvidenceSource interface {
	// EvidenceExportTotals counts the stored evidence references of the organisation's visits dated in
	// [from, to) whose bytes arrived at or before cutoff, and their bytes.
	EvidenceExportTotals(ctx context.Context, orgID, from, to string, cutoff time.Time) (items, bytes int64, err error)
	// EvidenceExportPage returns up to limit of those items after the cursor, in the order (visit
	// date, visit ID, evidence ID).
	EvidenceExportPage(ctx context.Context, orgID, from, to string, cutoff time.Time, after EvidenceCursor, limit int) ([]EvidenceItem, error)
}

// EvidencePage is how many items a page of the listing holds by default: the listing is read twice
// (the objects, then the manifest), a page at a time, so that memory does not grow with the period.
const EvidencePage = 200

// ManifestName is the manifest's name in the ZIP.
const ManifestName = "manifest.csv"

// ManifestHeader is the manifest's first row.
var ManifestHeader = []string{"path", "sha256", "size", "content_type", "evidence_id", "visit_id", "visit_date", "site_id", "site",
	"captured_at", "record_number", "record_unit", "record_year"}

// EvidencePath is an item's path in the ZIP: by visit date and visit, named by the evidence ID.
func EvidencePath(it EvidenceItem) string {
	return "evidence/" + it.VisitDate + "/" + it.VisitID + "/" + it.EvidenceID + extensionOf(it.ContentType)
}

func extensionOf(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "application/pdf":
		return ".pdf"
	case "application/json":
		return ".json"
	}
	return ".bin"
}

// compressed reports whether content of this type is already compressed: such entries are stored
// as they are (zip.Store), since deflating a JPEG costs time and saves nothing.
func compressed(contentType string) bool {
	switch contentType {
	case "image/jpeg", "image/png", "image/webp", "image/heic", "video/mp4", "application/zip":
		return true
	}
	return false
}

// WriteEvidenceZIP writes the ZIP of a period's evidence to w. Each object is streamed from blobs into
// its entry and hashed on the way: bytes that hash otherwise than the database recorded, or another
// size, stop the export with errs.CodeExportHashMismatch naming the evidence and its object; a
// missing object stops it with errs.CodeExportObjectMissing. manifest.csv comes last, written from a
// second reading of the listing — the same items, because the listing is cut at cutoff and stored
// references do not change — with the hashes that the streaming verified. progress is called after
// each item with the items done and the bytes of evidence copied.
//
// Memory: one page of the listing, the copy buffer, and the ZIP's central directory (one header per
// entry, about 150 bytes plus the path), whatever the size of the objects.
//
// pageSize is how many items a page of the listing holds (0: EvidencePage).
func WriteEvidenceZIP(ctx context.Context, w io.Writer, src EvidenceSource, blobs blob.Store, orgID, from, to string, cutoff time.Time,
	pageSize int, progress func(done, bytes int64) error) error {
	const op = errs.Op("export.WriteEvidenceZIP")
	bw := bufio.NewWriterSize(w, 64<<10)
	zw := zip.NewWriter(bw)
	buf := make([]byte, 256<<10)
	var done, copied int64
	if pageSize <= 0 {
		pageSize = EvidencePage
	}
	err := eachItem(ctx, src, orgID, from, to, cutoff, pageSize, func(it EvidenceItem) error {
		n, err := copyEntry(ctx, zw, blobs, it, buf)
		if err != nil {
			return err
		}
		done++
		copied += n
		if progress != nil {
			return progress(done, copied)
		}
		return nil
	})
	if err != nil {
		return errs.E(op, err)
	}
	mw, err := zw.CreateHeader(&zip.FileHeader{Name: ManifestName, Method: zip.Deflate, Modified: cutoff.In(clock.Vietnam)})
	if err != nil {
		return errs.E(op, err)
	}
	if _, err := io.WriteString(mw, "\ufeff"); err != nil { // a BOM, so that Excel reads UTF-8
		return errs.E(op, err)
	}
	cw := csv.NewWriter(mw)
	if err := cw.Write(ManifestHeader); err != nil {
		return errs.E(op, err)
	}
	err = eachItem(ctx, src, orgID, from, to, cutoff, pageSize, func(it EvidenceItem) error {
		year := ""
		if it.RecordYear > 0 {
			year = strconv.Itoa(it.RecordYear)
		}
		return cw.Write([]string{EvidencePath(it), it.SHA256, strconv.FormatInt(it.Size, 10), it.ContentType, it.EvidenceID, it.VisitID,
			it.VisitDate, it.SiteID, it.SiteName, it.CapturedAt.In(clock.Vietnam).Format(time.RFC3339), it.RecordNumber, it.RecordUnit, year})
	})
	if err == nil {
		cw.Flush()
		err = cw.Error()
	}
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return errs.E(op, err)
	}
	return nil
}

// eachItem calls fn for every item of the listing, a page at a time.
func eachItem(ctx context.Context, src EvidenceSource, orgID, from, to string, cutoff time.Time, pageSize int, fn func(EvidenceItem) error) error {
	var after EvidenceCursor
	for {
		page, err := src.EvidenceExportPage(ctx, orgID, from, to, cutoff, after, pageSize)
		if err != nil {
			return err
		}
		for _, it := range page {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(page) < pageSize {
			return nil
		}
		last := page[len(page)-1]
		after = EvidenceCursor{VisitDate: last.VisitDate, VisitID: last.VisitID, EvidenceID: last.EvidenceID}
	}
}

// copyEntry streams one object into its entry, hashing it, and returns the bytes copied.
func copyEntry(ctx context.Context, zw *zip.Writer, blobs blob.Store, it EvidenceItem, buf []byte) (int64, error) {
	rc, _, err := blobs.Get(ctx, it.ObjectKey)
	if errs.KindOf(err) == errs.NotFound {
		return 0, errs.E(errs.Internal, errs.CodeExportObjectMissing,
			fmt.Sprintf("evidence %s (visit %s): object %s is missing from the store", it.EvidenceID, it.VisitID, it.ObjectKey), err)
	}
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	method := zip.Deflate
	if compressed(it.ContentType) {
		method = zip.Store
	}
	ew, err := zw.CreateHeader(&zip.FileHeader{Name: EvidencePath(it), Method: method, Modified: it.CapturedAt.In(clock.Vietnam)})
	if err != nil {
		return 0, err
	}
	h := sha256.New()
	n, err := io.CopyBuffer(ew, &hashReader{r: rc, h: h}, buf)
	if err != nil {
		return n, fmt.Errorf("evidence %s: object %s: %w", it.EvidenceID, it.ObjectKey, err)
	}
	if sum := hex.EncodeToString(h.Sum(nil)); sum != it.SHA256 || n != it.Size {
		return n, errs.E(errs.Internal, errs.CodeExportHashMismatch,
			fmt.Sprintf("evidence %s (visit %s): object %s holds %d bytes hashing to %s; the database recorded %d bytes hashing to %s",
				it.EvidenceID, it.VisitID, it.ObjectKey, n, sum, it.Size, it.SHA256))
	}
	return n, nil
}

// hashReader hashes what is read through it. It hides any WriterTo of the object's reader, so that
// every byte passes the hash.
type hashReader struct {
	r io.Reader
	h hash.Hash
}

func (hr *hashReader) Read(p []byte) (int, error) {
	n, err := hr.r.Read(p)
	hr.h.Write(p[:n])
	return n, err
}
