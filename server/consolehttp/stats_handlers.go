package consolehttp

import (
	"fmt"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/stats"
)

// The handlers of the statistics: the summary of a period as JSON, or streamed as CSV or XLSX; the
// frozen months; freezing a month.

func (a *API) statsService() (*stats.Service, error) {
	if a.Stats == nil {
		return nil, errs.E(errs.Unavailable, "statistics are not configured")
	}
	return a.Stats, nil
}

// statsScope is the scope a request asks for: the caller's organisation; for a system administrator
// the one named by ?org=, or every organisation with ?national=true.
func statsScope(c echo.Context, q *queryParams) stats.Scope {
	if n := q.boolean("national"); n != nil && *n && httpcore.PrincipalOf(c).Has(identity.RoleSystemAdmin) {
		return stats.Scope{National: true}
	}
	return stats.Scope{OrgID: orgParam(c)}
}

// The content types of the exports.
const (
	contentTypeCSV  = "text/csv; charset=utf-8"
	contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

func (a *API) statsSummary(c echo.Context) error {
	q := queryParamsOf(c)
	scope := statsScope(c, q)
	format := q.text("format")
	if format == "" {
		format = "json"
	}
	if format != "json" && format != "csv" && format != "xlsx" {
		return errs.E(errs.Invalid, errs.CodeStatsFormatInvalid, format)
	}
	raw := q.text("period")
	if err := q.err(); err != nil {
		return err
	}
	if raw == "" {
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "period", Code: errs.CodeRequired})
	}
	period, err := stats.ParsePeriod(raw)
	if err != nil {
		return err
	}
	svc, err := a.statsService()
	if err != nil {
		return err
	}
	rep, err := svc.Summary(c.Request().Context(), httpcore.PrincipalOf(c), scope, period)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		return streamStats(c, contentTypeCSV, "csv", rep, stats.WriteCSV)
	case "xlsx":
		return streamStats(c, contentTypeXLSX, "xlsx", rep, stats.WriteXLSX)
	}
	return c.JSON(http.StatusOK, statsReportOf(rep))
}

// streamStats writes an export straight to the response: nothing is held beyond the writer's own
// buffers (the XLSX writer spills large sheets to temporary files).
func streamStats(c echo.Context, contentType, ext string, rep stats.Report, write func(io.Writer, stats.Report) error) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, contentType)
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="thong-ke-%s-%s.%s"`, rep.Summary.Scope, rep.Summary.Period, ext))
	if rep.Frozen != nil {
		h.Set("X-Stats-Frozen-SHA256", rep.Frozen.SHA256)
	}
	c.Response().WriteHeader(http.StatusOK)
	return write(c.Response(), rep)
}

func (a *API) statsFrozenMonths(c echo.Context) error {
	q := queryParamsOf(c)
	scope := statsScope(c, q)
	if err := q.err(); err != nil {
		return err
	}
	svc, err := a.statsService()
	if err != nil {
		return err
	}
	months, err := svc.FrozenMonths(c.Request().Context(), httpcore.PrincipalOf(c), scope)
	if err != nil {
		return err
	}
	out := statsFrozenListDTO{Items: make([]statsFrozenDTO, len(months))}
	for i, f := range months {
		out.Items[i] = statsFrozenOf(f)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) statsFreeze(c echo.Context) error {
	period, err := stats.ParsePeriod(c.Param("period"))
	if err != nil {
		return err
	}
	svc, err := a.statsService()
	if err != nil {
		return err
	}
	q := queryParamsOf(c)
	scope := statsScope(c, q)
	if err := q.err(); err != nil {
		return err
	}
	// The chief's own organisation; for a system administrator the national view (any organisation
	// named by ?org= is refused by the service: only its chief freezes it).
	rep, err := svc.Freeze(c.Request().Context(), httpcore.PrincipalOf(c), scope, period)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, statsReportOf(rep))
}
