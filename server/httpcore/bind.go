package httpcore

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Bind decodes the JSON body into dst strictly: malformed JSON, a field of the wrong type, an unknown
// field or trailing data is refused with code and field named. The body limit is applied by the
// BodyLimit middleware before this.
func Bind(c echo.Context, dst any) error {
	ct := c.Request().Header.Get("Content-Type")
	if ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		return errs.E(errs.Invalid, errs.CodeMalformedJSON, "content type "+ct)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errs.E(errs.TooLarge, errs.CodeBodyTooLarge, err)
		}
		return errs.E(errs.Invalid, errs.CodeMalformedJSON, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return errs.E(errs.Invalid, errs.CodeMalformedJSON, "trailing data after the JSON value")
	}
	return nil
}

func decodeError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntax):
		return errs.E(errs.Invalid, errs.CodeMalformedJSON, err)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: field, Code: errs.CodeWrongType}, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.E(errs.Invalid, errs.CodeValidation, errs.FieldError{Field: field, Code: errs.CodeUnknownField}, err)
	}
	return errs.E(errs.Invalid, errs.CodeMalformedJSON, err)
}

// Check collects field errors of a request.
type Check struct{ fields []errs.FieldError }

// Required notes field as missing when v is empty or blank.
func (k *Check) Required(field, v string) *Check {
	if strings.TrimSpace(v) == "" {
		k.fields = append(k.fields, errs.FieldError{Field: field, Code: errs.CodeRequired})
	}
	return k
}

// MaxLen notes field as too long when v has more than n characters.
func (k *Check) MaxLen(field, v string, n int) *Check {
	if utf8.RuneCountInString(v) > n {
		k.fields = append(k.fields, errs.FieldError{Field: field, Code: errs.CodeTooLong})
	}
	return k
}

// Err returns the validation error, or nil when every check passed.
func (k *Check) Err() error {
	if len(k.fields) == 0 {
		return nil
	}
	return errs.E(errs.Invalid, errs.CodeValidation, k.fields)
}
