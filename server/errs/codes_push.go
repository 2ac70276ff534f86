package errs

// The codes of the push ledger (server/syncpush): how changes made offline are accepted. Append only,
// like codes.go; each has its entry in schemas/error-codes-push.json.
const (
	// The change ID was already used with other content; the first content stands (D4).
	CodeChangeIDReused Code = "change_id_reused"
	// The batch holds more items than the server takes at once: the phone sends it in smaller parts.
	CodePushBatchTooLarge Code = "push_batch_too_large"
	// One item's payload is larger than the server takes.
	CodePushItemTooLarge Code = "push_item_too_large"
	// The body is not a push batch (not JSON, wrong types, no items array).
	CodePushMalformed Code = "push_malformed"
)
