package document

// The functions in this file are the surface the phone client binds with gomobile: they take and
// return only []byte, string and error, which gomobile maps to Java and Kotlin types. The phone
// keeps the record as JSON (the format of Record), signs the canonical bytes and shows or prints the
// PDF; the server does the same from its stored data and gets the same bytes.

// CanonicalRecordJSON reads a record in JSON (any key order and whitespace) and returns its
// canonical encoding, the bytes that signatures are made over. Unknown fields and invalid content
// are errors.
func CanonicalRecordJSON(recordJSON []byte) ([]byte, error) {
	r, err := ParseRecord(recordJSON)
	if err != nil {
		return nil, err
	}
	return canonicalize(r)
}

// RecordSHA256 returns the lower-case hex SHA-256 of a record's canonical encoding.
func RecordSHA256(recordJSON []byte) (string, error) {
	b, err := CanonicalRecordJSON(recordJSON)
	if err != nil {
		return "", err
	}
	return SHA256Hex(b), nil
}

// RenderRecordPDFFromJSON renders a record given as JSON (see RenderRecordPDF).
func RenderRecordPDFFromJSON(recordJSON []byte) ([]byte, error) {
	r, err := ParseRecord(recordJSON)
	if err != nil {
		return nil, err
	}
	return RenderRecordPDF(r)
}
