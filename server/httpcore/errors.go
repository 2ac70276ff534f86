// Package httpcore is the HTTP plumbing the phone API and the back-office API share: the route table
// with the roles each route allows, authentication, the one JSON error shape, request IDs, logging,
// metrics, body limits and strict JSON binding. The two APIs keep their own packages and wire formats
// (mobilehttp, consolehttp); only the plumbing is common.
package httpcore

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// statusOf is the one table from error kinds to HTTP statuses.
var statusOf = map[errs.Kind]int{
	errs.Internal:        http.StatusInternalServerError,
	errs.Invalid:         http.StatusBadRequest,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.Forbidden:       http.StatusForbidden,
	errs.Unauthenticated: http.StatusUnauthorized,
	errs.Stale:           http.StatusGone,
	errs.RateLimited:     http.StatusTooManyRequests,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Unavailable:     http.StatusServiceUnavailable,
}

// Status returns the HTTP status of an error kind.
func Status(k errs.Kind) int {
	if s, ok := statusOf[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Messages holds the people-facing messages of every error code, by language.
type Messages struct {
	byCode map[errs.Code]schemas.ErrorCode
}

// LoadMessages reads the catalogue in schemas/error-codes.json.
func LoadMessages() (*Messages, error) {
	codes, err := schemas.ErrorCodes()
	if err != nil {
		return nil, err
	}
	m := &Messages{byCode: map[errs.Code]schemas.ErrorCode{}}
	for _, c := range codes {
		m.byCode[errs.Code(c.Code)] = c
	}
	return m, nil
}

// Text returns the message of code in lang ("vi" or "en"), falling back to the kind's message.
func (m *Messages) Text(code errs.Code, kind errs.Kind, lang string) string {
	c, ok := m.byCode[code]
	if !ok {
		c = m.byCode[errs.Code(kind)]
	}
	if lang == "en" {
		return c.EN
	}
	return c.VI
}

// Known reports whether the catalogue lists code.
func (m *Messages) Known(code errs.Code) bool { _, ok := m.byCode[code]; return ok }

// Language picks "en" when the client's Accept-Language prefers English to Vietnamese, and "vi"
// otherwise (D20: Vietnamese first).
func Language(acceptLanguage string) string {
	bestVI, bestEN := -1.0, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch primary, _, _ := strings.Cut(strings.ToLower(tag), "-"); primary {
		case "vi":
			bestVI = max(bestVI, q)
		case "en":
			bestEN = max(bestEN, q)
		}
	}
	if bestEN > bestVI {
		return "en"
	}
	return "vi"
}

// errorBody is the wire shape of every error (schemas/error.schema.json).
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Kind       string       `json:"kind"`
	Code       string       `json:"code"`
	Message    string       `json:"message"`
	RequestID  string       `json:"request_id"`
	Fields     []fieldError `json:"fields,omitempty"`
	RetryAfter *int         `json:"retry_after_seconds,omitempty"`
}

type fieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// retryAfter is carried by rate-limit errors.
type retryAfter struct {
	error
	seconds int
}

// WithRetryAfter attaches a Retry-After in seconds to err.
func WithRetryAfter(err error, seconds int) error { return &retryAfter{error: err, seconds: seconds} }

func (r *retryAfter) Unwrap() error { return r.error }

// ErrorHandler renders every error in the one JSON shape. Errors of unknown kind are 500s: the cause
// is logged with the request ID and never sent to the client.
func ErrorHandler(log *slog.Logger, msgs *Messages) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		err = fromEcho(err)
		kind, code := errs.KindOf(err), errs.CodeOf(err)
		if !msgs.Known(code) {
			log.Error("error code missing from schemas/error-codes.json", "code", code)
			code = errs.Code(kind)
		}
		rid := RequestID(c)
		status := Status(kind)
		switch {
		case status >= 500 && errors.Is(err, io.ErrUnexpectedEOF):
			// The client's connection ended in the middle of its body: a phone losing signal, not a
			// fault of the server (the fleet simulator's cut requests filled the log with ERRORs).
			log.Warn("request body cut by the client", "request_id", rid, "method", c.Request().Method, "route", c.Path(), "err", err.Error())
		case status >= 500:
			log.Error("request failed", "request_id", rid, "method", c.Request().Method, "route", c.Path(), "err", err.Error())
		default:
			log.Debug("request refused", "request_id", rid, "route", c.Path(), "err", err.Error())
		}
		lang := Language(c.Request().Header.Get("Accept-Language"))
		body := errorBody{Error: errorDetail{Kind: string(kind), Code: string(code), Message: msgs.Text(code, kind, lang), RequestID: rid}}
		for _, f := range errs.FieldsOf(err) {
			body.Error.Fields = append(body.Error.Fields, fieldError{Field: f.Field, Code: string(f.Code), Message: msgs.Text(f.Code, errs.Invalid, lang)})
		}
		var ra *retryAfter
		if errors.As(err, &ra) {
			body.Error.RetryAfter = &ra.seconds
			c.Response().Header().Set("Retry-After", strconv.Itoa(ra.seconds))
		}
		if kind == errs.Unauthenticated {
			c.Response().Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		}
		if c.Request().Method == http.MethodHead {
			err = c.NoContent(status)
		} else {
			err = c.JSON(status, body)
		}
		if err != nil {
			log.Error("writing error response", "request_id", rid, "err", err)
		}
	}
}

// fromEcho turns echo's own errors (no route, wrong method, body too large) into errs errors.
func fromEcho(err error) error {
	var he *echo.HTTPError
	if !errors.As(err, &he) {
		return err
	}
	switch he.Code {
	case http.StatusNotFound:
		return errs.E(errs.NotFound, errs.CodeRouteNotFound, err)
	case http.StatusMethodNotAllowed:
		return errs.E(errs.Invalid, errs.CodeMethodNotAllowed, err)
	case http.StatusRequestEntityTooLarge:
		return errs.E(errs.TooLarge, errs.CodeBodyTooLarge, err)
	case http.StatusUnauthorized:
		return errs.E(errs.Unauthenticated, err)
	case http.StatusForbidden:
		return errs.E(errs.Forbidden, err)
	case http.StatusBadRequest:
		return errs.E(errs.Invalid, err)
	case http.StatusTooManyRequests:
		return errs.E(errs.RateLimited, err)
	case http.StatusServiceUnavailable:
		return errs.E(errs.Unavailable, err)
	}
	return err
}
