package errs

// The codes of checklist templates and of the answers checked against them (server/checklist) and of
// their storage. Append only, like codes.go; each has its entry in schemas/error-codes-checklist.json.
const (
	// A template document breaks the template format (schemas/checklist-template.schema.json); the
	// fields name each problem by its JSON path, e.g. "sections[1].items[6].fail_when".
	CodeChecklistInvalid Code = "checklist_invalid"
	// No published checklist version with that code (and version, or facility type).
	CodeChecklistNotFound Code = "checklist_not_found"
	// That code and version were published with other content; a published version never changes:
	// publish the change as a new version.
	CodeChecklistVersionPublished Code = "checklist_version_published"

	// Field-level codes of answers checked against a template (field = item ID, or item ID@instance).
	CodeUnknownItem        Code = "unknown_item"         // the template version has no item with that ID
	CodeAnswerWrongType    Code = "answer_wrong_type"    // e.g. a number where yes/no was expected
	CodeAnswerRequired     Code = "answer_required"      // a required item that is shown has no answer
	CodeNotAnOption        Code = "not_an_option"        // a choice outside the item's options
	CodePhotosMissing      Code = "photos_missing"       // fewer photos than the item requires
	CodeInstanceRequired   Code = "instance_required"    // an item of a repeated section answered without @instance
	CodeInstanceNotAllowed Code = "instance_not_allowed" // an item of a section that does not repeat answered with @instance
)
