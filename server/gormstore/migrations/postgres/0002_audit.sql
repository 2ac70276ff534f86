-- The append-only audit log, chained by SHA-256 per aggregate, with periodic anchors (DECISIONS D13).
-- No code path updates or deletes audit_events or audit_anchors.

CREATE TABLE audit_events (
    chain            TEXT NOT NULL,
    seq              BIGINT NOT NULL,
    org_id           TEXT NOT NULL DEFAULT '',
    at               TIMESTAMPTZ NOT NULL,
    actor_account_id TEXT NOT NULL DEFAULT '',
    actor_person_id  TEXT NOT NULL DEFAULT '',
    action           TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    data             TEXT NOT NULL,
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL,
    PRIMARY KEY (chain, seq)
);
CREATE INDEX audit_events_org_at ON audit_events (org_id, at);

-- The head of each chain: locked by the writer that appends, so appends to one chain serialise while
-- appends to different chains do not. anchored_seq is the head the last anchor committed to.
CREATE TABLE audit_heads (
    chain        TEXT PRIMARY KEY,
    seq          BIGINT NOT NULL,
    hash         TEXT NOT NULL,
    anchored_seq BIGINT NOT NULL DEFAULT 0
);

-- Each anchor commits to the heads that moved since the anchor before it, and to that anchor.
CREATE TABLE audit_anchors (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    heads      TEXT NOT NULL,
    heads_hash TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
