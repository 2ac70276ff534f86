-- Violation records as documents (issue 5; DECISIONS D10, D11).
--
-- When a record's content is frozen (the phone pushes it signed or submitted), a background job
-- (gormstore.JobRecordDocument) builds its MBB01 content, stores the canonical JSON and the PDF
-- rendered from it in the object store under records/<org_id>/<record_id>/v<version>.json and .pdf,
-- and records them here. version is the record's version when its content froze; a signed record
-- never changes (D11), so a record has one document, and a retried job finds its row and stops.
-- phone_sha256 is the SHA-256 of the content the phone said it had signed (document_sha256 in the
-- push payload; '' when it did not say), kept to show where the phone's copy and the server's differ.

CREATE TABLE record_documents (
    record_id    TEXT NOT NULL,
    version      BIGINT NOT NULL,
    org_id       TEXT NOT NULL,
    json_key     TEXT NOT NULL,
    json_sha256  TEXT NOT NULL,
    pdf_key      TEXT NOT NULL,
    pdf_sha256   TEXT NOT NULL,
    phone_sha256 TEXT NOT NULL DEFAULT '',
    made_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (record_id, version),
    FOREIGN KEY (org_id, record_id) REFERENCES violation_records (org_id, id)
);
CREATE INDEX record_documents_org ON record_documents (org_id, record_id);
