-- A violation record's document as this phone built it (DECISIONS D10). Forward-only.

-- document: the canonical JSON of the content (schemas/record-document.schema.json), frozen when the
-- record is first queued signed or submitted; document_sha256 its SHA-256, pushed with the record as
-- document_sha256; document_missing a JSON array of what the local copy lacked when it was built
-- ("violation:<code>", "decree:<number>", "issuing_body", "subject:<id>", "site:<id>", "record:<id>").
-- Empty while the record is not frozen (its document is then built afresh each time it is asked for).
ALTER TABLE local_records ADD COLUMN document BLOB NOT NULL DEFAULT x'';
ALTER TABLE local_records ADD COLUMN document_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE local_records ADD COLUMN document_missing TEXT NOT NULL DEFAULT '';
