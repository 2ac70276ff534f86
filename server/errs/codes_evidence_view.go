package errs

// The codes of viewing evidence (server/evidenceview), its thumbnails (server/thumbnail) and object
// lock in the object store (server/blob). Append only, like codes.go; each has its entry in
// schemas/error-codes-evidence-view.json.
const (
	// No evidence with this ID that the caller may see: it does not exist, belongs to another
	// organisation, or lies outside the phone's team scope (the answer never says which).
	CodeEvidenceNotFound Code = "evidence_not_found"
	// The evidence was announced but its bytes have not arrived (or not been verified) yet.
	CodeEvidenceNotStored Code = "evidence_not_stored"
	// The evidence is an image whose thumbnail has not been made yet; it is made in the background.
	CodeThumbnailPending Code = "thumbnail_pending"
	// The evidence has no thumbnail: it is not an image, or an image that cannot be decoded or is too
	// large to decode safely.
	CodeThumbnailUnavailable Code = "thumbnail_unavailable"
	// The object is locked (object lock / retention) and cannot be deleted or replaced before its
	// retention date.
	CodeObjectLocked Code = "object_locked"
)
