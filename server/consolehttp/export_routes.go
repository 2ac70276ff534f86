package consolehttp

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/blob"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/export"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Exports are long exports made in the background (issue 8; docs/exports.md): a period's evidence
// as a ZIP with its manifest, the statistics as CSV, XLSX or the PDF report. A POST answers 202 with
// the run at once; the console polls the run for its progress and downloads the result when it is
// done. The chief and the director (D28) export their organisation's data.
type Exports struct {
	Service *export.Service
	Blobs   blob.Store
}

func (a *API) exportRoutes() []httpcore.Route {
	exporters := httpcore.Roles(identity.RoleChief, identity.RoleDirector)
	return []httpcore.Route{
		{Method: http.MethodPost, Path: "/exports", Access: exporters, Handler: a.createExport},
		{Method: http.MethodGet, Path: "/exports", Access: exporters, Handler: a.listExports},
		{Method: http.MethodGet, Path: "/exports/:id", Access: exporters, Handler: a.getExport},
		{Method: http.MethodGet, Path: "/exports/:id/download", Access: exporters, Handler: a.downloadExport},
	}
}

func (a *API) exports() (*Exports, error) {
	if a.Exports == nil || a.Exports.Service == nil {
		return nil, errs.E(errs.Unavailable, "exports are not configured")
	}
	return a.Exports, nil
}

func (a *API) createExport(c echo.Context) error {
	x, err := a.exports()
	if err != nil {
		return err
	}
	var in exportCreateRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	r, err := x.Service.Create(c.Request().Context(), httpcore.PrincipalOf(c),
		export.NewRun{Kind: export.Kind(in.Kind), From: in.From, To: in.To, Period: in.Period})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, Prefix+"/exports/"+r.ID)
	return c.JSON(http.StatusAccepted, toExportRun(r))
}

func (a *API) listExports(c echo.Context) error {
	x, err := a.exports()
	if err != nil {
		return err
	}
	q := queryParamsOf(c)
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	runs, total, err := x.Service.List(c.Request().Context(), httpcore.PrincipalOf(c), page)
	if err != nil {
		return err
	}
	out := exportRunList{Items: make([]exportRun, len(runs)), Total: total, Limit: page.Limit, Offset: page.Offset}
	for i, r := range runs {
		out.Items[i] = toExportRun(r)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getExport(c echo.Context) error {
	x, err := a.exports()
	if err != nil {
		return err
	}
	r, err := x.Service.Get(c.Request().Context(), httpcore.PrincipalOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toExportRun(r))
}

// downloadExport streams a done run's result from the object store, with ranges (a download that
// broke off resumes with Range) and its SHA-256 as the ETag.
func (a *API) downloadExport(c echo.Context) error {
	x, err := a.exports()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := x.Service.Downloadable(ctx, httpcore.PrincipalOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	rs, _, err := blob.OpenSeeker(ctx, x.Blobs, r.ObjectKey)
	if err != nil {
		return err
	}
	defer rs.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, r.Kind.ContentType())
	h.Set("ETag", strconv.Quote(r.SHA256))
	h.Set("Cache-Control", "private, no-cache")
	h.Set("X-Content-SHA256", r.SHA256)
	h.Set("Content-Disposition", `attachment; filename="`+exportFileName(r)+`"`)
	var mod time.Time
	if r.FinishedAt != nil {
		mod = *r.FinishedAt
	}
	http.ServeContent(c.Response(), c.Request(), "", mod, rs)
	return nil
}

// exportFileName names a result for the person who downloads it: chung-cu_2026-03-01_2026-04-01.zip,
// thong-ke_2026-03.pdf.
func exportFileName(r export.Run) string {
	if r.Kind == export.EvidenceZIP {
		return "chung-cu_" + r.From + "_" + r.To + r.Kind.Extension()
	}
	return "thong-ke_" + r.Period + r.Kind.Extension()
}
