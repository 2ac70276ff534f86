-- Background jobs (DECISIONS D21): one table that every replica's runner claims from.
-- A worker holds a running job until lease_until; after that another worker may claim it again.
-- unique_key is NULL for ordinary jobs; periodic jobs use kind@slot, so that replicas enqueue each
-- slot once. Times are UTC.

CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL DEFAULT '',
    kind         TEXT NOT NULL,
    payload      TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'retrying', 'dead')),
    attempt      INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at       TIMESTAMPTZ NOT NULL,
    lease_until  TIMESTAMPTZ,
    locked_by    TEXT NOT NULL DEFAULT '',
    last_error   TEXT NOT NULL DEFAULT '',
    unique_key   TEXT UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ
);
CREATE INDEX jobs_state_run_at ON jobs (state, run_at);
CREATE INDEX jobs_org_state_run_at ON jobs (org_id, state, run_at);
