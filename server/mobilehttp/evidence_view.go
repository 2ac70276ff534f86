package mobilehttp

import (
	"net/http"

	"github.com/labstack/echo/v4"

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
	return httpcore.ServeEvidence(c, a.EvidenceView, it, part)
}
