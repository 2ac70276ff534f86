-- The change log that phones pull from (server/syncfeed, DECISIONS D6). Each row is stamped with the
-- ID of the transaction that wrote it (pg_current_xact_id(), the 64-bit xid8, stored as BIGINT); a
-- pull serves only rows whose transaction is below its snapshot's xmin, in (xid, id) order, so a row
-- committed late by a concurrent transaction can never sort before a cursor already handed out.
-- Rows are never updated; a future pruning raises a floor and older cursors are answered with a reset.

CREATE TABLE changes (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    xid         BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    org_id      TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    scope       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    version     BIGINT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL
);

CREATE INDEX changes_pull ON changes (org_id, dataset, xid, id);
