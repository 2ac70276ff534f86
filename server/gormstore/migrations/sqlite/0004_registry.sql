-- The facility registry and the administrative units, both belonging to an organisation (DECISIONS
-- D1, D24). Every table has org_id; composite foreign keys (org_id, x_id) → (org_id, id) keep every
-- reference inside one organisation. Calendar days are 'YYYY-MM-DD' text (DATE on PostgreSQL); a NULL
-- first day means "since before the records begin", a NULL last day "still in force".

-- Versions of administrative units: one row per code and period (D15).
CREATE TABLE admin_units (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    parent_id  TEXT,
    valid_from TEXT,
    valid_to   TEXT,
    confirmed  BOOLEAN NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, parent_id) REFERENCES admin_units (org_id, id)
);
CREATE UNIQUE INDEX admin_units_code_from ON admin_units (org_id, code, COALESCE(valid_from, ''));

-- Which unit took over from which, from which day (a district split into communes: one row each).
CREATE TABLE admin_unit_successions (
    org_id       TEXT NOT NULL,
    from_id      TEXT NOT NULL,
    to_id        TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    confirmed    BOOLEAN NOT NULL,
    note         TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, from_id, to_id),
    FOREIGN KEY (org_id, from_id) REFERENCES admin_units (org_id, id),
    FOREIGN KEY (org_id, to_id) REFERENCES admin_units (org_id, id)
);

-- Subjects (đối tượng). tax_code and id_number are NULL when absent, so that they are unique only
-- where present. sort_name and search_key are the folded name and text (no diacritics, lower case).
CREATE TABLE subjects (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations (id),
    kind                 TEXT NOT NULL CHECK (kind IN ('organisation', 'individual', 'household_business')),
    name                 TEXT NOT NULL,
    tax_code             TEXT,
    id_number            TEXT,
    legal_representative TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    phone                TEXT NOT NULL DEFAULT '',
    sort_name            TEXT NOT NULL,
    search_key           TEXT NOT NULL,
    created_at           DATETIME NOT NULL,
    updated_at           DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, tax_code),
    UNIQUE (org_id, id_number)
);
CREATE INDEX subjects_org_name ON subjects (org_id, sort_name);

-- Sites (cơ sở). address_key is the folded address: with the subject, the natural key of imports.
CREATE TABLE sites (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    subject_id  TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('fuel_station', 'market', 'shop', 'xray_facility', 'other')),
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    address_key TEXT NOT NULL,
    lat         REAL,
    lon         REAL,
    sort_name   TEXT NOT NULL,
    search_key  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, subject_id, address_key),
    FOREIGN KEY (org_id, subject_id) REFERENCES subjects (org_id, id)
);
CREATE INDEX sites_org_address ON sites (org_id, address_key);
CREATE INDEX sites_org_name ON sites (org_id, sort_name);

-- The dated history of a site's administrative unit (D15), seq 0, 1, 2 … in date order.
CREATE TABLE site_units (
    org_id     TEXT NOT NULL,
    site_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    unit_id    TEXT NOT NULL,
    valid_from TEXT,
    valid_to   TEXT,
    PRIMARY KEY (site_id, seq),
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id),
    FOREIGN KEY (org_id, unit_id) REFERENCES admin_units (org_id, id)
);
CREATE INDEX site_units_unit ON site_units (org_id, unit_id);

-- Instruments at sites. A serial belongs to one instrument per kind in the organisation.
CREATE TABLE instruments (
    id                       TEXT PRIMARY KEY,
    org_id                   TEXT NOT NULL REFERENCES organisations (id),
    site_id                  TEXT NOT NULL,
    kind                     TEXT NOT NULL CHECK (kind IN ('fuel_dispenser', 'scale', 'xray_device', 'other')),
    serial                   TEXT NOT NULL,
    model                    TEXT NOT NULL DEFAULT '',
    manufacturer             TEXT NOT NULL DEFAULT '',
    pattern_approval         TEXT NOT NULL DEFAULT '',
    verification_certificate TEXT NOT NULL DEFAULT '',
    verification_expiry      TEXT,
    seal_state               TEXT NOT NULL DEFAULT '' CHECK (seal_state IN ('', 'intact', 'broken', 'missing', 'unknown')),
    inspection_expiry        TEXT,
    search_key               TEXT NOT NULL,
    created_at               DATETIME NOT NULL,
    updated_at               DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, kind, serial),
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id)
);
CREATE INDEX instruments_site ON instruments (org_id, site_id);
CREATE INDEX instruments_serial ON instruments (org_id, serial);

-- Licences and certificates, numbered uniquely per kind in the organisation.
CREATE TABLE licences (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations (id),
    kind        TEXT NOT NULL CHECK (kind IN ('radiation_work_licence', 'radiation_worker_certificate', 'station_eligibility_certificate')),
    number      TEXT NOT NULL,
    site_id     TEXT,
    holder_name TEXT NOT NULL DEFAULT '',
    scope       TEXT NOT NULL DEFAULT '',
    issued      TEXT,
    expiry      TEXT,
    search_key  TEXT NOT NULL,
    created_at  DATETIME NOT NULL,
    updated_at  DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, kind, number),
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id)
);
CREATE INDEX licences_number ON licences (org_id, number);
CREATE INDEX licences_site ON licences (org_id, site_id);
CREATE INDEX licences_expiry ON licences (org_id, expiry);

-- The organisation's units that number records and decisions per year (Thanh tra Sở, Chi cục …).
CREATE TABLE issuing_units (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations (id),
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    valid_from TEXT,
    valid_to   TEXT,
    created_at DATETIME NOT NULL,
    updated_at DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, code)
);
