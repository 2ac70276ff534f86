// Package errs defines the closed set of error kinds that domain code returns and the finer,
// append-only codes that clients switch on (DECISIONS D26).
//
// Domain and storage code create errors with E; the HTTP layer maps a Kind to a status in one table
// and renders the code with a message for people from the catalogue in schemas/error-codes.json.
// An error that carries no Kind is internal: the client sees only an error ID.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Kind is the coarse class of an error. The set is closed and append-only because it crosses the wire.
type Kind string

// The kinds. Keep in step with schemas/error.schema.json and the status table in server/httpcore.
const (
	Internal        Kind = "internal"        // a bug or an outage; never the caller's fault
	Invalid         Kind = "invalid"         // the request is malformed or breaks a rule
	NotFound        Kind = "not_found"       // no such thing, or the caller may not know it exists
	Conflict        Kind = "conflict"        // the state changed under the caller, or an ID was reused with other content
	Forbidden       Kind = "forbidden"       // authenticated, but this role or scope may not do it
	Unauthenticated Kind = "unauthenticated" // no valid credentials
	Stale           Kind = "stale"           // the caller's view is too old and must be refreshed (cursor, schema)
	RateLimited     Kind = "rate_limited"    // too many attempts; retry later
	TooLarge        Kind = "too_large"       // a body or object exceeds a limit
	Unavailable     Kind = "unavailable"     // a dependency is down; retry later
)

// Code is a stable machine code, finer than Kind. Codes are append-only; every code used by the server is
// listed, with its kind and messages, in schemas/error-codes.json (a test keeps the two in step).
type Code string

// FieldError names one field of a request that failed validation.
type FieldError struct {
	Field string // JSON path of the field, e.g. "password" or "roles[1]"
	Code  Code   // why, e.g. CodeRequired
}

// Error is the error type domain code returns.
type Error struct {
	Kind   Kind
	Code   Code
	Op     string       // the operation, e.g. "gormstore.CreateAccount"
	Detail string       // for logs only; never shown to clients
	Fields []FieldError // validation failures, if any
	Err    error        // the underlying cause, for logs only
}

// E builds an error. Arguments may be, in any order: a Kind, a Code, an Op (operation name), a string
// (detail for the log), a []FieldError, a FieldError, or an error (the cause). When no Kind is given
// and the cause is an *Error, its Kind and Code are inherited.
func E(args ...any) error {
	e := &Error{}
	for _, a := range args {
		switch v := a.(type) {
		case Kind:
			e.Kind = v
		case Code:
			e.Code = v
		case Op:
			e.Op = string(v)
		case string:
			e.Detail = v
		case FieldError:
			e.Fields = append(e.Fields, v)
		case []FieldError:
			e.Fields = append(e.Fields, v...)
		case error:
			e.Err = v
		case nil:
		default:
			panic(fmt.Sprintf("errs.E: unexpected argument %T", a))
		}
	}
	var inner *Error
	if errors.As(e.Err, &inner) {
		if e.Kind == "" {
			e.Kind = inner.Kind
		}
		if e.Code == "" {
			e.Code = inner.Code
		}
		if len(e.Fields) == 0 {
			e.Fields = inner.Fields
		}
	}
	return e
}

// Op names the operation that failed, e.g. Op("gormstore.ApprovePenalty").
type Op string

func (e *Error) Error() string {
	var b strings.Builder
	if e.Op != "" {
		b.WriteString(e.Op)
		b.WriteString(": ")
	}
	// The kind and code are shown where they are set, not again by every wrapper that inherits them.
	var inner *Error
	if !errors.As(e.Err, &inner) || inner.Kind != e.Kind || inner.Code != e.Code {
		b.WriteString(string(e.Kind))
		if e.Code != "" {
			b.WriteString("/")
			b.WriteString(string(e.Code))
		}
	}
	if e.Detail != "" {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), ": ") {
			b.WriteString(": ")
		}
		b.WriteString(e.Detail)
	}
	for _, f := range e.Fields {
		fmt.Fprintf(&b, " [%s: %s]", f.Field, f.Code)
	}
	if e.Err != nil {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), ": ") {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of the outermost *Error in err's chain that has one, or Internal.
func KindOf(err error) Kind {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			break
		}
		if e.Kind != "" {
			return e.Kind
		}
		err = e.Err
	}
	return Internal
}

// CodeOf returns the code of the outermost *Error in err's chain that has one. An error with no code
// gets the generic code of its kind.
func CodeOf(err error) Code {
	for e := err; e != nil; {
		var x *Error
		if !errors.As(e, &x) {
			break
		}
		if x.Code != "" {
			return x.Code
		}
		e = x.Err
	}
	return Code(KindOf(err))
}

// FieldsOf returns the field errors carried by err, if any.
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Is reports whether err is of kind k.
func Is(k Kind, err error) bool { return err != nil && KindOf(err) == k }
