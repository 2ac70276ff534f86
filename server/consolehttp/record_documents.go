package consolehttp

import (
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// RecordDocuments is where the console finds the stored documents of violation records (the
// canonical JSON and the PDF of form MBB01 that a background job stores once a record is signed;
// docs/documents.md): the index that the store keeps and the object store that holds them.
type RecordDocuments struct {
	Index RecordDocumentIndex
	Blobs blob.Store
}

// RecordDocumentIndex finds a record's stored document. gormstore.Store implements it.
type RecordDocumentIndex interface {
	// RecordDocumentObject returns the object key and SHA-256 of the stored document of a record of
	// the organisation in format "json" or "pdf": the given version, or the latest when version is 0,
	// and the version returned. A record not in the organisation is errs.NotFound with
	// CodeRecordNotFound; a record without such a document, errs.NotFound with
	// CodeRecordDocumentNotFound.
	RecordDocumentObject(ctx context.Context, orgID, recordID, format string, version int64) (key, sha256 string, docVersion int64, err error)
}

// recordDocumentRoutes: a record's document, as the PDF of the official form or as the canonical
// JSON its signatures are made over. Who may read the organisation's records may read them.
func (a *API) recordDocumentRoutes() []httpcore.Route {
	readers := httpcore.Roles(identity.RoleChief, identity.RoleDirector, identity.RoleInspector)
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/records/:id/document.pdf", Access: readers, Handler: a.recordDocumentPDF},
		{Method: http.MethodGet, Path: "/records/:id/document.json", Access: readers, Handler: a.recordDocumentJSON},
	}
}

func (a *API) recordDocumentPDF(c echo.Context) error {
	return a.serveRecordDocument(c, "pdf", "application/pdf")
}

func (a *API) recordDocumentJSON(c echo.Context) error {
	return a.serveRecordDocument(c, "json", echo.MIMEApplicationJSON)
}

// serveRecordDocument streams the stored object after checking that the record is the caller's
// organisation's, with its SHA-256 as the ETag (an If-None-Match that matches answers 304).
func (a *API) serveRecordDocument(c echo.Context, format, contentType string) error {
	if a.RecordDocuments == nil {
		return errs.E(errs.Unavailable, "record documents are not configured")
	}
	q := queryParamsOf(c)
	version, _ := q.integer("version", 1, 1<<30)
	if err := q.err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	recordID := c.Param("id")
	key, sum, at, err := a.RecordDocuments.Index.RecordDocumentObject(ctx, orgParam(c), recordID, format, int64(version))
	if err != nil {
		return err
	}
	etag := strconv.Quote(sum)
	h := c.Response().Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", "private, no-cache")
	if c.Request().Header.Get("If-None-Match") == etag {
		return c.NoContent(http.StatusNotModified)
	}
	rc, info, err := a.RecordDocuments.Blobs.Get(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentLength, strconv.FormatInt(info.Size, 10))
	h.Set("Content-Disposition", `inline; filename="bien-ban-`+recordID+"-v"+strconv.FormatInt(at, 10)+"."+format+`"`)
	h.Set("X-Document-Version", strconv.FormatInt(at, 10))
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), rc)
	return err // the status is sent: an error here only cuts the body, and is logged
}
