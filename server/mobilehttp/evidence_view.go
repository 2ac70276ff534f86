package mobilehttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/evidenceview"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
)

// evidenceViewRoutes: the bytes and the thumbnail of evidence of the team's visits, for a phone that
// lacks them (a colleague's photo, or its own after a reinstall). The scope is the sync scope's:
// evidence outside it is not found. Every request is checked: the token must be a phone's (not a
// console session's) of an inspector or a chief.
func (a *API) evidenceViewRoutes() []httpcore.Route {
	return []httpcore.Route{
		{Method: http.MethodGet, Path: "/evidence/:id/content", Access: httpcore.Authenticated, Handler: a.evidenceContent},
		{Method: http.MethodGet, Path: "/evidence/:id/thumbnail", Access: httpcore.Authenticated, Handler: a.evidenceThumbnail},
	}
}

func (a *API) evidenceContent(c echo.Context) error { return a.evidencePart(c, evidenceview.Content) }
func (a *API) evidenceThumbnail(c echo.Context) error {
	return a.evidencePart(c, evidenceview.Thumbnail)
}

func (a *API) evidencePart(c echo.Context, part evidenceview.Part) error {
	p, err := a.phone(c) // a console session's token is refused, as for sync
	if err != nil {
		return err
	}
	it, err := a.EvidenceView.ForPhone(c.Request().Context(), p, c.Param("id"))
	if err != nil {
		return err
	}
	return serveEvidence(c, a.EvidenceView, it, part)
}

// serveEvidence answers with the bytes of part of it: a redirect to a presigned URL where clients can
// reach the object store (never the case for phones on the default configuration, D12), otherwise
// the bytes through the server with ranges and conditional requests (ETag: the content's SHA-256), so
// that a download cut on 3G resumes with a Range request. (consolehttp has the same function.)
func serveEvidence(c echo.Context, svc *evidenceview.Service, it evidenceview.Item, part evidenceview.Part) error {
	const op = errs.Op("mobilehttp.serveEvidence")
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
