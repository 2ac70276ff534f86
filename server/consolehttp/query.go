package consolehttp

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// queryParams reads the query parameters of a request, collecting what is wrong with them into one
// validation_failed error that names each parameter.
type queryParams struct {
	c      echo.Context
	fields []errs.FieldError
}

func queryParamsOf(c echo.Context) *queryParams { return &queryParams{c: c} }

func (q *queryParams) bad(name string, code errs.Code) {
	q.fields = append(q.fields, errs.FieldError{Field: name, Code: code})
}

func (q *queryParams) text(name string) string { return strings.TrimSpace(q.c.QueryParam(name)) }

// integer reads an integer between lo and hi; ok is false when it is absent or wrong.
func (q *queryParams) integer(name string, lo, hi int) (int, bool) {
	s := q.text(name)
	if s == "" {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		q.bad(name, errs.CodeInvalidValue)
		return 0, false
	}
	return n, true
}

// page reads limit (paging.Default when absent, cut to paging.Max) and offset.
func (q *queryParams) page() paging.Page {
	var p paging.Page
	p.Limit, _ = q.integer("limit", 1, 1<<30)
	p.Offset, _ = q.integer("offset", 0, 1<<30)
	return p.Normal()
}

// boolean reads true or false; nil when absent.
func (q *queryParams) boolean(name string) *bool {
	switch q.text(name) {
	case "":
		return nil
	case "true":
		t := true
		return &t
	case "false":
		f := false
		return &f
	}
	q.bad(name, errs.CodeInvalidValue)
	return nil
}

// day reads a calendar day written YYYY-MM-DD, as midnight in Vietnam; zero when absent.
func (q *queryParams) day(name string) time.Time {
	s := q.text(name)
	if s == "" {
		return time.Time{}
	}
	d, err := adminunit.ParseDay(s)
	if err != nil {
		q.bad(name, errs.CodeInvalidDate)
	}
	return d
}

// legalDate reads a day of the legal calendar, def when absent.
func (q *queryParams) legalDate(name string, def legal.Date) legal.Date {
	s := q.text(name)
	if s == "" {
		return def
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		q.bad(name, errs.CodeInvalidDate)
		return def
	}
	return d
}

func (q *queryParams) err() error {
	if len(q.fields) == 0 {
		return nil
	}
	return errs.E(errs.Invalid, errs.CodeValidation, q.fields)
}

// list reads the page and the sort key of a registry list, one of sorts (registry.SubjectSorts …)
// or empty for the list's default. The service checks the key again; checking it here reports it
// with the other parameters.
func (q *queryParams) list(sorts []string) registry.ListOptions {
	o := registry.ListOptions{Page: q.page(), Sort: q.text("sort")}
	if o.Sort != "" && !slices.Contains(sorts, o.Sort) {
		q.bad("sort", errs.CodeInvalidSort)
	}
	return o
}

// sort reads the sort key of a list sorted here: one of keys, "-" in front for descending; keys[0]
// when absent.
func (q *queryParams) sort(keys ...string) string {
	s := q.text("sort")
	if s == "" {
		return keys[0]
	}
	if !slices.Contains(keys, strings.TrimPrefix(s, "-")) {
		q.bad("sort", errs.CodeInvalidSort)
	}
	return s
}
