package consolehttp

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/httpcore"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

// The legal catalogue is read whole (a few hundred rows) and selected in memory; lists that take a
// ?date= answer for that day in Vietnam, today when it is absent.

func (a *API) listViolations(c echo.Context) error {
	q := queryParamsOf(c)
	day := q.legalDate("date", a.Legal.Today())
	sector := legal.Sector(q.text("sector"))
	if sector != "" && !slices.Contains(legal.Sectors, sector) {
		q.bad("sector", errs.CodeInvalidValue)
	}
	page := q.page()
	if err := q.err(); err != nil {
		return err
	}
	cat, err := a.Legal.Catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	vs := cat.ViolationsInForce(day, sector)
	lo, hi := min(page.Offset, len(vs)), min(page.Offset+page.Limit, len(vs))
	out := violationList{Date: day.String(), Items: make([]violationVersion, 0, hi-lo), Total: len(vs), Limit: page.Limit, Offset: page.Offset}
	for _, v := range vs[lo:hi] {
		out.Items = append(out.Items, toViolationVersion(v))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) getViolation(c echo.Context) error {
	q := queryParamsOf(c)
	day := q.legalDate("date", a.Legal.Today())
	if err := q.err(); err != nil {
		return err
	}
	cat, err := a.Legal.Catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	v, err := cat.ViolationAt(c.Param("code"), day)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toViolationVersion(v))
}

func (a *API) upsertViolation(c echo.Context) error {
	var in violationRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	var fields []errs.FieldError
	v := in.domain(&fields)
	if len(fields) > 0 {
		return errs.E(errs.Invalid, errs.CodeValidation, fields)
	}
	rev, err := a.Legal.UpsertViolation(c.Request().Context(), httpcore.PrincipalOf(c), v)
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if rev.Action == legal.ActionRevise {
		status = http.StatusOK // rewritten in place: no new version
	}
	return c.JSON(status, toViolationRevision(rev))
}

func (a *API) setViolationRange(c echo.Context) error {
	var in rangeRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if in.VersionID != "" { // the version must be one of the entry the path names
		cat, err := a.Legal.Catalogue(ctx)
		if err != nil {
			return err
		}
		if _, err := cat.VersionOf(c.Param("code"), in.VersionID); err != nil {
			return err
		}
	}
	v, err := a.Legal.SetMissingRange(ctx, httpcore.PrincipalOf(c), legal.RangeInput{VersionID: in.VersionID, Tier: in.Tier,
		Min: in.Min, Max: in.Max, Confirmed: in.Confirmed, Source: in.Source})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toViolationVersion(v))
}

func (a *API) listDecrees(c echo.Context) error {
	cat, err := a.Legal.Catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	ds := slices.SortedFunc(slices.Values(cat.Decrees), func(x, y legal.Decree) int {
		return cmp.Or(x.InForceFrom.Compare(y.InForceFrom), strings.Compare(x.Number, y.Number))
	})
	out := decreeList{Items: make([]decree, len(ds))}
	for i, d := range ds {
		out.Items[i] = toDecree(d)
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listAuthorityCaps(c echo.Context) error {
	q := queryParamsOf(c)
	day := q.legalDate("date", a.Legal.Today())
	if err := q.err(); err != nil {
		return err
	}
	cat, err := a.Legal.Catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	out := authorityCapList{Date: day.String(), Items: []authorityCap{}}
	for _, x := range cat.CapsInForce(day) {
		out.Items = append(out.Items, toAuthorityCap(x))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listDeadlineRules(c echo.Context) error {
	q := queryParamsOf(c)
	day := q.legalDate("date", a.Legal.Today())
	if err := q.err(); err != nil {
		return err
	}
	cat, err := a.Legal.Catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	out := deadlineRuleList{Date: day.String(), Items: []deadlineRule{}}
	for _, r := range cat.RulesInForce(day) {
		out.Items = append(out.Items, toDeadlineRule(r))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listHolidays(c echo.Context) error {
	q := queryParamsOf(c)
	year, ok := q.integer("year", 1900, 2200)
	if !ok {
		year = a.Legal.Today().Year()
	}
	if err := q.err(); err != nil {
		return err
	}
	cat, err := a.Legal.Catalogue(c.Request().Context())
	if err != nil {
		return err
	}
	out := holidayList{Year: year, Covered: cat.Calendar().Covers(year), Items: []holiday{}}
	for _, h := range cat.HolidaysIn(year) {
		out.Items = append(out.Items, toHoliday(h))
	}
	return c.JSON(http.StatusOK, out)
}

func (a *API) listChecklists(c echo.Context) error {
	vs, err := a.Checklists.Versions(c.Request().Context())
	if err != nil {
		return err
	}
	out := checklistVersionList{Items: make([]checklistVersion, len(vs))}
	for i, v := range vs {
		out.Items[i] = toChecklistVersion(v)
	}
	return c.JSON(http.StatusOK, out)
}

// publishChecklist takes the template document itself; checklist.Parse reads it strictly.
func (a *API) publishChecklist(c echo.Context) error {
	var doc json.RawMessage
	if err := httpcore.Bind(c, &doc); err != nil {
		return err
	}
	v, created, err := a.Checklists.Publish(c.Request().Context(), httpcore.PrincipalOf(c), doc)
	if err != nil {
		return err
	}
	status := http.StatusOK // the same content was already published: nothing changed
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toChecklistVersion(v))
}

// getChecklist answers with the template's canonical JSON, the bytes its hash (the ETag) is of.
func (a *API) getChecklist(c echo.Context) error {
	n, err := checklistVersionParam(c)
	if err != nil {
		return err
	}
	p, err := a.Checklists.Version(c.Request().Context(), c.Param("code"), n)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", strconv.Quote(p.Hash))
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, p.Template.Canonical())
}

func (a *API) checkAnswers(c echo.Context) error {
	n, err := checklistVersionParam(c)
	if err != nil {
		return err
	}
	var in answersRequest
	if err := httpcore.Bind(c, &in); err != nil {
		return err
	}
	if err := new(httpcore.Check).Required("visit_date", in.VisitDate).Err(); err != nil {
		return err
	}
	day, err := adminunit.ParseDay(in.VisitDate)
	if err != nil {
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: "visit_date", Code: errs.CodeInvalidDate})
	}
	fs, err := a.Checklists.Check(c.Request().Context(), c.Param("code"), n, in.domain(), day)
	if err != nil {
		return err
	}
	out := findingList{Findings: make([]finding, len(fs))}
	for i, f := range fs {
		out.Findings[i] = toFinding(f)
	}
	return c.JSON(http.StatusOK, out)
}

// checklistVersionParam reads the version of a checklist path: what is not a version number names
// no published version.
func checklistVersionParam(c echo.Context) (int, error) {
	s := c.Param("version")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, errs.E(errs.NotFound, errs.CodeChecklistNotFound, "version "+strconv.Quote(s))
	}
	return n, nil
}
