package errs

// The codes the server uses. Append only: a phone months old may switch on any of them. Every code
// here has an entry in schemas/error-codes.json with its kind and its messages in Vietnamese and
// English; TestCodesMatchCatalogue keeps the two in step. The generic code of each kind is the kind's
// own name (see CodeOf) and is listed in the catalogue too.
const (
	// Request shape.
	CodeMalformedJSON    Code = "malformed_json"    // the body is not JSON
	CodeWrongType        Code = "wrong_type"        // a field has the wrong JSON type
	CodeRequired         Code = "required"          // a required field is missing or empty
	CodeUnknownField     Code = "unknown_field"     // a field the endpoint does not take
	CodeInvalidValue     Code = "invalid_value"     // a field's value is not allowed
	CodeTooShort         Code = "too_short"         // a string is shorter than allowed
	CodeTooLong          Code = "too_long"          // a string is longer than allowed
	CodeBodyTooLarge     Code = "body_too_large"    // the request body exceeds the limit
	CodeValidation       Code = "validation_failed" // one or more fields are wrong; see fields
	CodeRouteNotFound    Code = "route_not_found"   // no such endpoint
	CodeMethodNotAllowed Code = "method_not_allowed"

	// Authentication and tokens.
	CodeBadCredentials    Code = "bad_credentials"    // login or password wrong
	CodeTokenMissing      Code = "token_missing"      // no bearer token
	CodeTokenInvalid      Code = "token_invalid"      // malformed, wrong signature, wrong algorithm, issuer or audience
	CodeTokenExpired      Code = "token_expired"      // the access token has expired: refresh it
	CodeRefreshInvalid    Code = "refresh_invalid"    // unknown or expired refresh token: log in again
	CodeRefreshReused     Code = "refresh_reused"     // a used refresh token came back after the grace window; the device's tokens are revoked
	CodeAccountDisabled   Code = "account_disabled"   // the account was disabled by an administrator
	CodeDeviceRevoked     Code = "device_revoked"     // the device was revoked by an administrator
	CodeRoleRequired      Code = "role_required"      // the caller's roles do not allow this route
	CodeTooManyAttempts   Code = "too_many_attempts"  // login attempts are rate-limited
	CodeWrongOrganisation Code = "wrong_organisation" // the target belongs to another organisation

	// Administration.
	CodeLoginTaken           Code = "login_taken"        // the login name is already used
	CodeOrganisationTaken    Code = "organisation_taken" // the organisation code is already used
	CodeWeakPassword         Code = "weak_password"      // the password is too short or too common
	CodeUnknownRole          Code = "unknown_role"       // not one of the roles in D28
	CodeAccountNotFound      Code = "account_not_found"
	CodeDeviceNotFound       Code = "device_not_found"
	CodePersonNotFound       Code = "person_not_found"
	CodeOrganisationNotFound Code = "organisation_not_found"
	CodeObjectNotFound       Code = "object_not_found" // no object under that key in the object store
	CodeSchemaTooNew         Code = "schema_too_new"   // the database was migrated by a newer binary
	CodeJobNotFound          Code = "job_not_found"
)

// Object storage.
const (
	CodeChecksumMismatch Code = "checksum_mismatch" // the bytes do not hash to the SHA-256 that was declared
	CodeInvalidKey       Code = "invalid_key"       // an object key with characters or segments the stores refuse
)
