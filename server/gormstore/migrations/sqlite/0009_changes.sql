-- The change log that phones pull from (server/syncfeed, DECISIONS D6). SQLite has one writer
-- connection and BEGIN IMMEDIATE, so transactions commit one after the other and the AUTOINCREMENT row
-- ID (never reused) is the commit order; xid is always 0 here and is kept so that both engines read
-- the log with the same (xid, id) order. Rows are never updated.

CREATE TABLE changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    xid         INTEGER NOT NULL DEFAULT 0,
    org_id      TEXT NOT NULL,
    dataset     TEXT NOT NULL,
    scope       TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    op          TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    version     INTEGER NOT NULL,
    recorded_at DATETIME NOT NULL
);

CREATE INDEX changes_pull ON changes (org_id, dataset, xid, id);
