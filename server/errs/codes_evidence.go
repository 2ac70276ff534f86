package errs

// The codes of the evidence intake (server/evidence, docs/evidence.md): the refusals of an announce
// or an upload of a photo, signature or document. Append only, like codes.go; each has its entry in
// schemas/error-codes-evidence.json.
const (
	// No evidence with this ID was announced (by the upload's announce or a sync push).
	CodeEvidenceUnknown Code = "evidence_unknown"
	// The evidence belongs to another organisation.
	CodeEvidenceOtherOrg Code = "evidence_other_org"
	// The object is larger than one evidence object may be.
	CodeEvidenceTooLarge Code = "evidence_too_large"
	// The visit's evidence would be larger in all than one visit may hold.
	CodeEvidenceVisitTooLarge Code = "evidence_visit_too_large"
	// The content type is not one evidence may have for its purpose (JPEG, PNG; PDF for documents).
	CodeEvidenceTypeNotAllowed Code = "evidence_type_not_allowed"
	// The bytes are not of the content type announced (their signature says otherwise).
	CodeEvidenceTypeMismatch Code = "evidence_type_mismatch"
	// The device has sent as many evidence bytes today (Asia/Ho_Chi_Minh) as it may.
	CodeEvidenceQuotaExceeded Code = "evidence_quota_exceeded"
	// The upload's offset is not the number of bytes the server holds; Upload-Offset says it.
	CodeEvidenceOffsetMismatch Code = "evidence_offset_mismatch"
	// The bytes do not hash to the announced SHA-256: nothing was stored and the upload starts again.
	CodeEvidenceChecksumMismatch Code = "evidence_checksum_mismatch"
	// More bytes were sent than the size announced.
	CodeEvidenceSizeExceeded Code = "evidence_size_exceeded"
	// The visit of the evidence is outside the caller's team scope.
	CodeEvidenceOutOfScope Code = "evidence_out_of_scope"
)
