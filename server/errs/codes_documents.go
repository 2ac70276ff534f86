package errs

// The codes of violation records as documents (the shared renderer mobile-api/document, the job that
// stores each signed record's canonical JSON and PDF, and the console's download). Append only, like
// codes.go; each has its entry in schemas/error-codes-documents.json.
const (
	// The record has no stored document (yet): it is not signed, or its document is still being made.
	CodeRecordDocumentNotFound Code = "record_document_not_found"
	// The record's content cannot be made into the official form (a required field is missing or
	// wrong); the job that makes the document stops and says which fields.
	CodeRecordDocumentInvalid Code = "record_document_invalid"
)
