package httpcore

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
)

// ServeEvidence answers with the bytes of part of it, for the console and the phones alike, after
// the caller's access check: a redirect to a presigned URL where clients can reach the object store
// (never the case for phones on the default configuration, D12), otherwise the bytes through the
// server with ranges and conditional requests (ETag: the content's SHA-256), so that a download cut on
// 3G resumes with a Range request. The answer may be cached only privately and must be revalidated,
// so that every use passes the access check again.
func ServeEvidence(c echo.Context, svc *evidenceview.Service, it evidenceview.Item, part evidenceview.Part) error {
	const op = errs.Op("httpcore.ServeEvidence")
	b, err := svc.Locate(it, part)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	h := c.Response().Header()
	url, err := svc.Presign(ctx, b)
	if err != nil {
		return err
	}
	if url != "" {
		h.Set("Cache-Control", "no-store")
		return c.Redirect(http.StatusFound, url)
	}
	rs, _, err := blob.OpenSeeker(ctx, svc.Blobs, b.Key)
	if errs.KindOf(err) == errs.NotFound {
		// The database says the bytes are stored: their absence is a break for `thanhtra verify`.
		return errs.E(op, errs.Internal, "evidence "+it.Ref.ID+": object "+b.Key+" is missing from the store", err)
	}
	if err != nil {
		return errs.E(op, err)
	}
	defer rs.Close()
	h.Set("Content-Type", b.ContentType)
	h.Set("ETag", `"`+b.ETag+`"`)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", evidenceview.Disposition(b.Filename))
	http.ServeContent(c.Response(), c.Request(), "", b.ModTime, rs)
	return nil
}
