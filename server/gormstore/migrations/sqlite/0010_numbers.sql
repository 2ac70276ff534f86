-- The register of violation record numbers taken offline (DECISIONS D9): a counter per issuing unit
-- and year, the blocks reserved to devices, and what became of each number (used or voided).

CREATE TABLE number_counters (
    org_id          TEXT NOT NULL,
    issuing_unit_id TEXT NOT NULL,
    year            INTEGER NOT NULL,
    next_number     INTEGER NOT NULL CHECK (next_number >= 1),
    PRIMARY KEY (org_id, issuing_unit_id, year),
    FOREIGN KEY (org_id, issuing_unit_id) REFERENCES issuing_units (org_id, id)
);

CREATE TABLE number_blocks (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL,
    issuing_unit_id TEXT NOT NULL,
    year            INTEGER NOT NULL,
    device_id       TEXT NOT NULL,
    first_number    INTEGER NOT NULL,
    last_number     INTEGER NOT NULL CHECK (last_number >= first_number),
    reserved_at     DATETIME NOT NULL,
    FOREIGN KEY (org_id, issuing_unit_id) REFERENCES issuing_units (org_id, id),
    FOREIGN KEY (org_id, device_id) REFERENCES devices (org_id, id)
);
CREATE INDEX number_blocks_device ON number_blocks (org_id, device_id, issuing_unit_id, year);
CREATE INDEX number_blocks_series ON number_blocks (org_id, issuing_unit_id, year, first_number);

CREATE TABLE number_marks (
    org_id          TEXT NOT NULL,
    issuing_unit_id TEXT NOT NULL,
    year            INTEGER NOT NULL,
    number          INTEGER NOT NULL,
    device_id       TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('used', 'voided')),
    entity_id       TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    at              DATETIME NOT NULL,
    PRIMARY KEY (org_id, issuing_unit_id, year, number)
);
