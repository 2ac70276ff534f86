-- The push ledger (server/syncpush, DECISIONS D4). push_receipts keeps, per organisation, one row per
-- change ID that was applied or rejected, with the hash of its content, so that a replay is answered
-- as the first push was and the same ID with other content is a conflict. It is written in the same
-- transaction as the change itself. push_quarantine keeps every item that can never be accepted, with
-- its original payload, for the chief; rows are never deleted, only marked resolved.

CREATE TABLE push_receipts (
    org_id      TEXT NOT NULL,
    change_id   TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    result      TEXT NOT NULL CHECK (result IN ('applied', 'rejected')),
    code        TEXT NOT NULL DEFAULT '',
    reason      TEXT NOT NULL DEFAULT '',
    version     BIGINT NOT NULL DEFAULT 0,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, change_id)
);

CREATE TABLE push_quarantine (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    change_id   TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    payload     TEXT NOT NULL,
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    received_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ NULL,
    UNIQUE (org_id, change_id, hash)
);

CREATE INDEX push_quarantine_list ON push_quarantine (org_id, received_at, id);
