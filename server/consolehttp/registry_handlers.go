package consolehttp

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/registry/importer"
	"github.com/skhcn-caobang/thanhtra/server/registry/vntext"
)

// Handlers of the registry and the administrative units. Who may read and change what is decided by
// the services (registry.CanRead, registry.CanChange); the route table only turns away roles that
// can never pass.

// --- Administrative units ---

func (a *API) listAdminUnits(c echo.Context) error {
	q := queryParamsOf(c)
	pg, sort, on := q.page(), q.sort("code", "name"), q.day("date")
	level := queryOneOf(q, "level", []adminunit.Level{adminunit.Province, adminunit.District, adminunit.Commune}, errs.CodeUnknownLevel)
	parent := q.text("parent_code")
	if err := q.err(); err != nil {
		return err
	}
	units, succ, err := a.Units.Units(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c))
	if err != nil {
		return err
	}
	units = slices.DeleteFunc(units, func(u adminunit.Unit) bool {
		return (!on.IsZero() && !u.InForce(on)) || (level != "" && u.Level != level) || (parent != "" && u.ParentCode != parent)
	})
	page := sortedPage(units, sort, pg, func(u adminunit.Unit, key string) string {
		if key == "name" {
			return vntext.Fold(u.Name) + "\x00" + u.ID
		}
		return u.Code + "\x00" + u.ID
	})
	return c.JSON(http.StatusOK, toListBody(page, func(u adminunit.Unit) adminUnit { return toAdminUnit(u, succ) }))
}

// --- Subjects ---

func (a *API) listSubjects(c echo.Context) error {
	q := queryParamsOf(c)
	f := registry.SubjectFilter{ListOptions: q.list(registry.SubjectSorts), Kind: queryOneOf(q, "kind", registry.SubjectKinds, errs.CodeUnknownSubjectKind), Text: q.text("q")}
	if err := q.err(); err != nil {
		return err
	}
	page, err := a.Registry.Subjects(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toListBody(page, toSubject))
}

func (a *API) getSubject(c echo.Context) error {
	s, err := a.Registry.Subject(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSubject(s))
}

func (a *API) createSubject(c echo.Context) error {
	var in subjectRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	s, err := a.Registry.CreateSubject(c.Request().Context(), httpcore.PrincipalOf(c), in.domain(orgParam(c), ""))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSubject(s))
}

func (a *API) updateSubject(c echo.Context) error {
	var in subjectRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	s, err := a.Registry.UpdateSubject(c.Request().Context(), httpcore.PrincipalOf(c), in.domain(orgParam(c), c.Param("id")))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSubject(s))
}

// --- Sites ---

func (a *API) listSites(c echo.Context) error {
	q := queryParamsOf(c)
	f := registry.SiteFilter{ListOptions: q.list(registry.SiteSorts), Type: queryOneOf(q, "type", registry.SiteTypes, errs.CodeUnknownSiteType),
		SubjectID: q.text("subject_id"), UnitCode: q.text("unit_code"), On: q.day("date"), Text: q.text("q")}
	if err := q.err(); err != nil {
		return err
	}
	page, err := a.Registry.Sites(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toListBody(page, toSite))
}

func (a *API) getSite(c echo.Context) error {
	s, err := a.Registry.Site(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSite(s))
}

func (a *API) createSite(c echo.Context) error {
	var in siteRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	s, err := in.domain(orgParam(c), "")
	if err != nil {
		return err
	}
	if s, err = a.Registry.CreateSite(c.Request().Context(), httpcore.PrincipalOf(c), s); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSite(s))
}

func (a *API) updateSite(c echo.Context) error {
	var in siteRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	s, err := in.domain(orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	if s, err = a.Registry.UpdateSite(c.Request().Context(), httpcore.PrincipalOf(c), s); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSite(s))
}

// --- Instruments ---

func (a *API) listInstruments(c echo.Context) error {
	q := queryParamsOf(c)
	f := registry.InstrumentFilter{ListOptions: q.list(registry.InstrumentSorts), SiteID: q.text("site_id"),
		Kind: queryOneOf(q, "kind", registry.InstrumentKinds, errs.CodeUnknownInstrumentKind), Text: q.text("q"),
		VerificationExpiresBefore: q.day("verification_expires_before")}
	if err := q.err(); err != nil {
		return err
	}
	page, err := a.Registry.Instruments(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toListBody(page, toInstrument))
}

func (a *API) getInstrument(c echo.Context) error {
	in, err := a.Registry.Instrument(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toInstrument(in))
}

func (a *API) createInstrument(c echo.Context) error {
	var body instrumentRequest
	if err := httpcore.Bind(c, &body); err != nil {
		return err
	}
	in, err := body.domain(orgParam(c), "")
	if err != nil {
		return err
	}
	if in, err = a.Registry.CreateInstrument(c.Request().Context(), httpcore.PrincipalOf(c), in); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toInstrument(in))
}

func (a *API) updateInstrument(c echo.Context) error {
	var body instrumentRequest
	if err := httpcore.Bind(c, &body); err != nil {
		return err
	}
	in, err := body.domain(orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	if in, err = a.Registry.UpdateInstrument(c.Request().Context(), httpcore.PrincipalOf(c), in); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toInstrument(in))
}

// --- Licences ---

// maxExpiringWithinDays bounds ?expiring_within_days= (a century).
const maxExpiringWithinDays = 36500

func (a *API) listLicences(c echo.Context) error {
	q := queryParamsOf(c)
	f := registry.LicenceFilter{ListOptions: q.list(registry.LicenceSorts), SiteID: q.text("site_id"),
		Kind: queryOneOf(q, "kind", registry.LicenceKinds, errs.CodeUnknownLicenceKind), Text: q.text("q")}
	if days, ok := q.integer("expiring_within_days", 0, maxExpiringWithinDays); ok {
		// The last valid day is at most days from today: before the day after that.
		f.ExpiresBefore = adminunit.Day(a.Registry.Clock.Now()).AddDate(0, 0, days+1)
	}
	if err := q.err(); err != nil {
		return err
	}
	page, err := a.Registry.Licences(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toListBody(page, toLicence))
}

func (a *API) getLicence(c echo.Context) error {
	l, err := a.Registry.Licence(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toLicence(l))
}

func (a *API) createLicence(c echo.Context) error {
	var in licenceRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	l, err := in.domain(orgParam(c), "")
	if err != nil {
		return err
	}
	if l, err = a.Registry.CreateLicence(c.Request().Context(), httpcore.PrincipalOf(c), l); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toLicence(l))
}

func (a *API) updateLicence(c echo.Context) error {
	var in licenceRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	l, err := in.domain(orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	if l, err = a.Registry.UpdateLicence(c.Request().Context(), httpcore.PrincipalOf(c), l); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toLicence(l))
}

// --- Issuing units ---

// The service lists an organisation's issuing units whole (they are a handful): the page, the
// filter and the order are applied here.
func (a *API) listIssuingUnits(c echo.Context) error {
	q := queryParamsOf(c)
	pg, sort, on := q.page(), q.sort("code", "name"), q.day("date")
	if err := q.err(); err != nil {
		return err
	}
	units, err := a.Registry.IssuingUnits(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c))
	if err != nil {
		return err
	}
	if !on.IsZero() {
		units = slices.DeleteFunc(units, func(u registry.IssuingUnit) bool { return !u.InForce(on) })
	}
	page := sortedPage(units, sort, pg, func(u registry.IssuingUnit, key string) string {
		if key == "name" {
			return vntext.Fold(u.Name) + "\x00" + u.ID
		}
		return u.Code + "\x00" + u.ID
	})
	return c.JSON(http.StatusOK, toListBody(page, toIssuingUnit))
}

func (a *API) getIssuingUnit(c echo.Context) error {
	units, err := a.Registry.IssuingUnits(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c))
	if err != nil {
		return err
	}
	i := slices.IndexFunc(units, func(u registry.IssuingUnit) bool { return u.ID == c.Param("id") })
	if i < 0 {
		return errs.E(errs.Op("consolehttp.getIssuingUnit"), errs.NotFound, errs.CodeIssuingUnitNotFound)
	}
	return c.JSON(http.StatusOK, toIssuingUnit(units[i]))
}

func (a *API) createIssuingUnit(c echo.Context) error {
	var in issuingUnitRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	u, err := in.domain(orgParam(c), "")
	if err != nil {
		return err
	}
	if u, err = a.Registry.CreateIssuingUnit(c.Request().Context(), httpcore.PrincipalOf(c), u); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toIssuingUnit(u))
}

func (a *API) updateIssuingUnit(c echo.Context) error {
	var in issuingUnitRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	u, err := in.domain(orgParam(c), c.Param("id"))
	if err != nil {
		return err
	}
	if u, err = a.Registry.UpdateIssuingUnit(c.Request().Context(), httpcore.PrincipalOf(c), u); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toIssuingUnit(u))
}

// --- Import ---

// importMaxBody is the largest registry file POST /registry/import takes (20 MiB: an XLSX sheet of
// some 100,000 rows).
const importMaxBody = 20 << 20

// The media types of the registry file.
const (
	mediaCSV  = "text/csv"
	mediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// importRegistry imports (or, by default, dry-runs) the file that is the raw request body, CSV or
// XLSX by its Content-Type. The body is read whole first so that a file over the limit is a 413, not
// a file the importer cannot read.
func (a *API) importRegistry(c echo.Context) error {
	const op = errs.Op("consolehttp.importRegistry")
	format, err := importFormat(c.Request().Header.Get("Content-Type"))
	if err != nil {
		return err
	}
	dryRun := true
	switch v := c.QueryParam("dry_run"); v {
	case "", "true":
	case "false":
		dryRun = false
	default:
		return errs.E(op, errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "dry_run", Code: errs.CodeInvalidValue})
	}
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return errs.E(op, errs.TooLarge, errs.CodeBodyTooLarge, err)
	case err != nil:
		return errs.E(op, errs.Invalid, errs.CodeUnsupportedFormat, err)
	}
	im := importer.Importer{Registry: a.Registry}
	sum, err := im.Import(c.Request().Context(), httpcore.PrincipalOf(c), orgParam(c), bytes.NewReader(body), format, importer.Options{DryRun: dryRun})
	if err != nil {
		// A file refused whole for its header names each column in the error's fields.
		var fields []errs.FieldError
		for _, p := range sum.Problems {
			if errs.KindOf(err) == errs.Invalid && p.Row == 1 {
				fields = append(fields, errs.FieldError{Field: p.Column, Code: p.Code})
			}
		}
		return errs.E(op, err, fields)
	}
	return c.JSON(http.StatusOK, toImportReport(sum, httpcore.Language(c.Request().Header.Get("Accept-Language"))))
}

// importFormat tells the importer's format from the request's Content-Type.
func importFormat(contentType string) (importer.Format, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	switch {
	case err != nil:
	case mt == mediaCSV:
		return importer.CSV, nil
	case mt == mediaXLSX:
		return importer.XLSX, nil
	}
	return "", errs.E(errs.Op("consolehttp.importFormat"), errs.Invalid, errs.CodeUnsupportedFormat, "content type "+strconv.Quote(contentType))
}

// --- Query parameters ---

// queryOneOf reads a value of a closed set, noting unknown when it is not one of allowed.
func queryOneOf[T ~string](q *queryParams, name string, allowed []T, unknown errs.Code) T {
	v := T(q.text(name))
	if v != "" && !slices.Contains(allowed, v) {
		q.bad(name, unknown)
	}
	return v
}

// sortedPage orders items by key(item, field) for the sort key (field, "-" in front for descending)
// and cuts the page out of them.
func sortedPage[T any](items []T, sort string, p paging.Page, key func(T, string) string) registry.Page[T] {
	field, desc := strings.CutPrefix(sort, "-")
	slices.SortStableFunc(items, func(x, y T) int {
		if desc {
			return strings.Compare(key(y, field), key(x, field))
		}
		return strings.Compare(key(x, field), key(y, field))
	})
	lo := min(p.Offset, len(items))
	hi := min(lo+p.Limit, len(items))
	return registry.Page[T]{Items: items[lo:hi], Total: len(items), Page: p}
}
