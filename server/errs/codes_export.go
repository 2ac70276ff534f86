package errs

// The codes of export runs: long exports (a period's evidence as a ZIP with its manifest, the
// statistics as CSV, XLSX or the PDF report) made in the background and downloaded when done
// (server/export, docs/exports.md). Append only, like codes.go; each has its entry in
// schemas/error-codes-export.json.
const (
	// No export run with that ID in the organisation.
	CodeExportNotFound Code = "export_not_found"
	// The run has no result to download yet: it is queued, running, or it failed.
	CodeExportNotReady Code = "export_not_ready"
	// The run's result was removed after the retention period: create a new run.
	CodeExportExpired Code = "export_expired"
	// An evidence object's bytes do not hash to the SHA-256 the database recorded (or have another
	// size): the evidence export stops and names the object.
	CodeExportHashMismatch Code = "export_hash_mismatch"
	// An evidence object the database lists is missing from the object store: the export stops and
	// names it.
	CodeExportObjectMissing Code = "export_object_missing"
	// The export's kind is not one this server makes (the statistics exports need the statistics
	// service).
	CodeExportKindUnavailable Code = "export_kind_unavailable"
)
