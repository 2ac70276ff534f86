-- Penalty decisions as documents, and their reports to the national database on administrative
-- violations (issue 7; docs/penalties.md, "Decision document" and "National database report").
--
-- penalty_decision_documents holds the content of each issued decision (form MQĐ02, canonical JSON of
-- mobile-api/document.Decision), written in the transaction that issues it and never changed (the
-- trigger refuses it); a job renders the PDF, stores both objects at decisions/<org>/<case>/<number>-<year>
-- and fills in the keys and the PDF's SHA-256 once.
--
-- penalty_national_reports holds, for each issued decision, the record the national database asks
-- for (ND 20/2016/NĐ-CP Art. 9), prepared in the issuing transaction, with its deadline (2 working
-- days, 4 in mountain areas; TT 13/2016/TT-BTP) and, once reported, when and with which reference.

CREATE TABLE penalty_decision_documents (
    org_id         TEXT NOT NULL,
    case_id        TEXT NOT NULL,
    number         INTEGER NOT NULL,
    year           INTEGER NOT NULL,
    content        TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    json_key       TEXT NOT NULL,
    pdf_key        TEXT NOT NULL,
    pdf_sha256     TEXT NULL,
    made_at        TIMESTAMPTZ NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, case_id),
    FOREIGN KEY (org_id, case_id) REFERENCES penalty_cases (org_id, id)
);

CREATE FUNCTION penalty_decision_document_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.content IS DISTINCT FROM OLD.content OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
        OR NEW.json_key IS DISTINCT FROM OLD.json_key OR NEW.pdf_key IS DISTINCT FROM OLD.pdf_key
        OR (OLD.pdf_sha256 IS NOT NULL AND NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256) THEN
        RAISE EXCEPTION 'decision_immutable: an issued penalty decision never changes';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER penalty_decision_documents_immutable BEFORE UPDATE ON penalty_decision_documents
FOR EACH ROW EXECUTE FUNCTION penalty_decision_document_immutable();

CREATE TABLE penalty_national_reports (
    org_id             TEXT NOT NULL,
    case_id            TEXT NOT NULL,
    issuing_unit_id    TEXT NOT NULL,
    decision_year      INTEGER NOT NULL,
    decision_number    INTEGER NOT NULL,
    issued_at          TIMESTAMPTZ NOT NULL,
    due_at             TIMESTAMPTZ NULL,
    mountain           BOOLEAN NOT NULL DEFAULT FALSE,
    data               TEXT NOT NULL,
    reported_at        TIMESTAMPTZ NULL,
    reference          TEXT NOT NULL DEFAULT '',
    reported_by        TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, case_id),
    FOREIGN KEY (org_id, case_id) REFERENCES penalty_cases (org_id, id)
);
CREATE INDEX penalty_national_reports_issued ON penalty_national_reports (org_id, issued_at, case_id);
