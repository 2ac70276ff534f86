package errs

// The codes of the pull protocol (server/syncfeed). Append only, like codes.go; each has its entry in
// schemas/error-codes-sync.json.
const (
	// The cursor is not a cursor this server ever gave out (damaged or made up).
	CodeCursorInvalid Code = "cursor_invalid"
	// The cursor cannot be continued (another dataset, an older cursor format, pruned from the log, or
	// a database restored from backup): the phone drops that dataset's copy and pulls it from the start.
	CodeCursorReset Code = "cursor_reset"
	// The pull names a dataset the server does not have.
	CodeUnknownDataset Code = "unknown_dataset"
)
