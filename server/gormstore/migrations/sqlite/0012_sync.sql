-- The sync protocol (server/syncfeed, server/syncpush; DECISIONS D4-D9).
--
-- The change log becomes a compacted state log: each row carries the entity as phones receive it and
-- its checksum, and one row per (organisation, dataset, scope, entity) is kept; a newer change
-- replaces the row of the older one and takes a new position.
--
-- Visits get a server version (D4), the version at which the chief last acted on them (a phone's
-- change based on an earlier version cannot overwrite it) and a flag for the team leader when two
-- phones edited one answer concurrently (D5). Each answer keeps the phone's capture time and change
-- ID that set it; the values that lost go to visit_answer_history. Violation records, manual findings
-- and evidence references pushed from phones get their tables.

ALTER TABLE changes ADD COLUMN data TEXT;
ALTER TABLE changes ADD COLUMN checksum INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX changes_entity ON changes (org_id, dataset, scope, entity_type, entity_id);

ALTER TABLE visits ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE visits ADD COLUMN locked_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visits ADD COLUMN needs_review BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE visits ADD COLUMN chief_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE visits ADD COLUMN created_by_device TEXT NOT NULL DEFAULT '';

ALTER TABLE visit_answers ADD COLUMN captured_at DATETIME;
ALTER TABLE visit_answers ADD COLUMN change_id TEXT NOT NULL DEFAULT '';
ALTER TABLE visit_answers ADD COLUMN set_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE visit_answers ADD COLUMN device_id TEXT NOT NULL DEFAULT '';

CREATE TABLE visit_answer_history (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id        TEXT NOT NULL,
    visit_id      TEXT NOT NULL,
    answer_key    TEXT NOT NULL,
    value         TEXT,
    none          BOOLEAN NOT NULL DEFAULT FALSE,
    evidence      TEXT NOT NULL DEFAULT '[]',
    captured_at   DATETIME,
    change_id     TEXT NOT NULL DEFAULT '',
    device_id     TEXT NOT NULL DEFAULT '',
    recorded_by   TEXT NOT NULL DEFAULT '',
    concurrent    BOOLEAN NOT NULL DEFAULT FALSE,
    superseded_at DATETIME NOT NULL,
    FOREIGN KEY (org_id, visit_id) REFERENCES visits (org_id, id)
);
CREATE INDEX visit_answer_history_visit ON visit_answer_history (org_id, visit_id, answer_key);

CREATE TABLE violation_records (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    visit_id        TEXT NOT NULL,
    campaign_id     TEXT NOT NULL,
    site_id         TEXT NOT NULL,
    subject_id      TEXT NOT NULL,
    issuing_unit_id TEXT NOT NULL,
    year            INTEGER NOT NULL,
    number          INTEGER NOT NULL,
    status          TEXT NOT NULL,
    version         INTEGER NOT NULL,
    locked_version  INTEGER NOT NULL DEFAULT 0,
    chief_comment   TEXT NOT NULL DEFAULT '',
    drawn_up_at     DATETIME NOT NULL,
    drawn_up_by     TEXT NOT NULL,
    device_id       TEXT NOT NULL,
    data            TEXT NOT NULL,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, issuing_unit_id, year, number),
    FOREIGN KEY (org_id, visit_id) REFERENCES visits (org_id, id)
);
CREATE INDEX violation_records_campaign ON violation_records (org_id, campaign_id);
CREATE INDEX violation_records_site ON violation_records (org_id, site_id);

CREATE TABLE manual_findings (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    visit_id    TEXT NOT NULL,
    version     INTEGER NOT NULL,
    data        TEXT NOT NULL,
    captured_at DATETIME NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, visit_id) REFERENCES visits (org_id, id)
);
CREATE INDEX manual_findings_visit ON manual_findings (org_id, visit_id);

CREATE TABLE evidence_refs (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL,
    visit_id     TEXT NOT NULL,
    record_id    TEXT NOT NULL DEFAULT '',
    finding_id   TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL,
    size         INTEGER NOT NULL CHECK (size >= 0),
    content_type TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    captured_at  DATETIME NOT NULL,
    gps_lat      REAL,
    gps_lon      REAL,
    gps_accuracy REAL,
    device_id    TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'announced',
    hash         TEXT NOT NULL,
    created_at   DATETIME NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, visit_id) REFERENCES visits (org_id, id)
);
CREATE INDEX evidence_refs_visit ON evidence_refs (org_id, visit_id);
CREATE INDEX evidence_refs_sha ON evidence_refs (org_id, sha256);
