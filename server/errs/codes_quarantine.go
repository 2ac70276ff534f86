package errs

// The codes of the quarantine of pushed changes (server/syncsvc), which the chief works through in the
// console. Append only, like codes.go; each has its entry in schemas/error-codes-quarantine.json.
const (
	// No quarantined item with this ID in the organisation.
	CodeQuarantineNotFound Code = "quarantine_not_found"
	// The quarantined item was already resolved; its resolution stands.
	CodeQuarantineResolved Code = "quarantine_resolved"
)
