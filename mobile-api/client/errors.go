package client

import (
	"errors"
	"fmt"
)

// Codes of the errors the client itself makes. Errors the server answered keep the server's code
// (mobile-api/openapi.yaml, schemas/error-codes*.json), e.g. role_required. Switch on the code.
const (
	// CodeLoginRequired: no session, or the server refused the refresh token (refresh_invalid,
	// refresh_reused, account_disabled, device_revoked — the server's code is in Error.Reason): log in.
	CodeLoginRequired = "login_required"
	// CodeOffline: the server could not be reached after the retries; nothing is lost, sync again later.
	CodeOffline = "offline"
	// CodeServerError: the server answered 5xx after the retries; sync again later.
	CodeServerError = "server_error"
	// CodeRateLimited: 429 after the retries (or at login, where the client does not retry); wait
	// Error.RetryAfterSeconds.
	CodeRateLimited = "rate_limited"
	// CodeProtocol: the server answered something the contract does not allow; the client keeps its
	// state and does not apply the answer.
	CodeProtocol = "protocol"
	// CodeClosed: the client was closed.
	CodeClosed = "closed"
	// CodeInvalid: an argument the client refuses before storing anything.
	CodeInvalid = "invalid"
	// CodeNotFound: no such entity in the local store.
	CodeNotFound = "not_found"
	// CodeNoNumber: no record number is left in the device's blocks for that issuing unit and year:
	// pull (the server tops the blocks up) and try again.
	CodeNoNumber = "no_number_left"
	// CodeNumberNotHeld: the number is not one of the device's free numbers.
	CodeNumberNotHeld = "number_not_held"
	// CodePayloadTooLarge: the change is larger than the server ever accepts (256 KiB).
	CodePayloadTooLarge = "payload_too_large"
	// CodeRecordSent: the record was already queued for the server: it cannot be spoiled, only
	// corrected by a new record (D11).
	CodeRecordSent = "record_sent"
	// CodeStoreNewer: the local store was written by a newer version of the app.
	CodeStoreNewer = "store_newer"
	// CodeDocumentIncomplete: a record's document cannot be made: the record cites evidence the phone
	// does not hold, or its content cannot fill the form (the message names the fields).
	CodeDocumentIncomplete = "document_incomplete"
	// CodeChecksumMismatch: a dataset did not sum to the server's checksum even after pulling it
	// again from the start (a bug, reported; the data pulled is kept).
	CodeChecksumMismatch = "checksum_mismatch"
)

// Error is every error the client returns: Code says what happened (the constants above, or the
// server's code), Message is for people, Reason the server's code behind a client code.
type Error struct {
	Code              string
	Message           string
	Reason            string
	Status            int    // the HTTP status when the server answered, else 0
	RequestID         string // the X-Request-ID of the request: quote it to support
	RetryAfterSeconds int
}

func (e *Error) Error() string {
	s := e.Code
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " [request " + e.RequestID + "]"
	}
	return s
}

func newError(code, msg string) *Error { return &Error{Code: code, Message: msg} }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of an error the client returned ("" for nil, "internal" for an error
// of another kind, such as a failure of the local store).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}
