package errs

// The codes of the push appliers (server/gormstore, push_apply*.go): what a visit, violation record,
// manual finding or evidence reference pushed from a phone can be refused with, besides the codes of
// the push ledger (codes_push.go). Append only, like codes.go; each has its entry in
// schemas/error-codes-apply.json.
const (
	// No violation record with this ID in the organisation.
	CodeRecordNotFound Code = "record_not_found"
	// No manual finding with this ID in the organisation.
	CodeFindingNotFound Code = "finding_not_found"
	// The violation record cannot go from its status to the one asked (e.g. a submitted record back to
	// draft, or any change of an approved record).
	CodeRecordStatus Code = "record_status_invalid"
	// The entity was deleted (a visit drafted by mistake): nothing more can change it, and its ID is not
	// used again.
	CodeEntityDeleted Code = "entity_deleted"
)
