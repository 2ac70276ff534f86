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
	// The item's entity type is none the server takes.
	CodeUnknownEntityType Code = "unknown_entity_type"
	// The item was refused for a reason without a code of its own (the chief sees the reason).
	CodeRejected Code = "item_rejected"
	// The change concerns a campaign, visit or record outside the phone's scope (not its team's).
	CodeOutOfScope Code = "out_of_scope"
	// The change claims to be based on a version the server has not reached.
	CodeBaseVersionFuture Code = "base_version_future"
	// The chief returned or decided the record or visit after the version the change was based on; a
	// phone cannot overwrite it. The phone pulls the chief's version and works from it.
	CodeChiefDecisionProtected Code = "chief_decision_protected"
	// The entity cannot change any more (a signed record, an evidence reference): a correction is a new
	// entity pointing at the old one.
	CodeEntityImmutable Code = "entity_immutable"
	// An entity with this ID already exists: a new entity (base version 0) must have a new ID.
	CodeEntityExists Code = "entity_exists"
)
