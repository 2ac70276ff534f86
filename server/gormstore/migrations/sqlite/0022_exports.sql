-- Export runs (issue 8; docs/exports.md): long exports made in the background by the job
-- export.run — a period's evidence as a ZIP with its manifest, the statistics as CSV, XLSX or the
-- PDF report — streamed into the object store under exports/<org_id>/<id>.<ext>.
--
-- from_day and to_day are the period in Asia/Ho_Chi_Minh days (to excluded); period names the
-- statistics period ('' for evidence). attempt is the job attempt that last started the run: writes of
-- progress and outcome name it, so a worker that lost its lease cannot overwrite a newer attempt.
-- items_done/items_total/bytes are the progress; object_key and sha256 the result once done, removed
-- with the object when expires_at passes (state 'expired'). failure_code and failure say why a failed
-- run failed. The creation is audited on the chain export/<id>.

CREATE TABLE export_runs (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations (id),
    kind               TEXT NOT NULL CHECK (kind IN ('evidence_zip', 'stats_csv', 'stats_xlsx', 'stats_pdf')),
    from_day           TEXT NOT NULL,
    to_day             TEXT NOT NULL,
    period             TEXT NOT NULL DEFAULT '',
    state              TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'expired')),
    attempt            INTEGER NOT NULL DEFAULT 0,
    items_done         INTEGER NOT NULL DEFAULT 0 CHECK (items_done >= 0),
    items_total        INTEGER NOT NULL DEFAULT 0 CHECK (items_total >= 0),
    bytes              INTEGER NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    object_key         TEXT NOT NULL DEFAULT '',
    sha256             TEXT NOT NULL DEFAULT '',
    failure_code       TEXT NOT NULL DEFAULT '',
    failure            TEXT NOT NULL DEFAULT '',
    created_by_account TEXT NOT NULL,
    created_by_person  TEXT NOT NULL DEFAULT '',
    created_at         DATETIME NOT NULL,
    started_at         DATETIME NULL,
    finished_at        DATETIME NULL,
    expires_at         DATETIME NULL,
    UNIQUE (org_id, id)
);
CREATE INDEX export_runs_org ON export_runs (org_id, created_at);
CREATE INDEX export_runs_expiry ON export_runs (state, expires_at);
