-- National legal reference data (DECISIONS D14, D16, D24, D25): one copy shared by every
-- organisation (no org_id), edited only by a system administrator, every change audited on the chain
-- legal/<kind>/<key>. Entries are dated versions: valid_from inclusive, valid_to exclusive (the day
-- the replacement takes effect; NULL while in force), replaced_by the ID of the next version.
-- Calendar days are 'YYYY-MM-DD' text on both engines. Amounts are whole đồng for individuals; NULL
-- is unknown, never guessed. Lists and tiers are JSON text.

CREATE TABLE legal_decrees (
    number        TEXT PRIMARY KEY,
    title         TEXT NOT NULL,
    issued        TEXT CHECK (issued IS NULL OR length(issued) = 10),
    in_force_from TEXT NOT NULL CHECK (length(in_force_from) = 10),
    in_force_to   TEXT CHECK (in_force_to IS NULL OR in_force_to > in_force_from),
    amended_by    TEXT NOT NULL DEFAULT '[]',
    replaced_by   TEXT NOT NULL DEFAULT '',
    consolidated  TEXT NOT NULL DEFAULT '',
    note          TEXT NOT NULL DEFAULT '',
    confirmed     BOOLEAN NOT NULL,
    source        TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- One row per version of a catalogue entry; versions of one code never overlap.
CREATE TABLE legal_violations (
    id                   TEXT PRIMARY KEY,
    code                 TEXT NOT NULL,
    decree               TEXT REFERENCES legal_decrees (number),
    article              TEXT NOT NULL DEFAULT '',
    clause               TEXT NOT NULL DEFAULT '',
    point                TEXT NOT NULL DEFAULT '',
    legal_basis          TEXT NOT NULL DEFAULT '',
    description_vi       TEXT NOT NULL,
    description_en       TEXT NOT NULL DEFAULT '',
    sector               TEXT NOT NULL CHECK (sector IN ('fuel', 'market', 'radiation', 'other')),
    subjects             TEXT NOT NULL,
    fine_kind            TEXT NOT NULL CHECK (fine_kind IN ('fixed', 'tiers', 'multiple')),
    fine_min             BIGINT,
    fine_max             BIGINT,
    fine_quantity        TEXT NOT NULL DEFAULT '',
    fine_tiers           TEXT NOT NULL DEFAULT '[]',
    fine_min_times       BIGINT,
    fine_max_times       BIGINT,
    warning_allowed      BOOLEAN NOT NULL DEFAULT FALSE,
    additional_penalties TEXT NOT NULL DEFAULT '[]',
    remedial_measures    TEXT NOT NULL DEFAULT '[]',
    aliases              TEXT NOT NULL DEFAULT '[]',
    corrects             TEXT NOT NULL DEFAULT '[]',
    note                 TEXT NOT NULL DEFAULT '',
    confirmed            BOOLEAN NOT NULL,
    source               TEXT NOT NULL,
    valid_from           TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to             TEXT CHECK (valid_to IS NULL OR valid_to > valid_from),
    replaced_by          TEXT REFERENCES legal_violations (id),
    created_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (code, valid_from),
    CHECK (fine_min IS NULL OR fine_max IS NULL OR fine_min <= fine_max)
);

-- Sanctioning caps of legal titles, for individuals; decree '' is the Law's general rule.
CREATE TABLE legal_authority_caps (
    id          TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    decree      TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    max_fine    BIGINT CHECK (max_fine IS NULL OR max_fine > 0),
    unlimited   BOOLEAN NOT NULL DEFAULT FALSE,
    powers      TEXT NOT NULL DEFAULT '[]',
    basis       TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    confirmed   BOOLEAN NOT NULL,
    source      TEXT NOT NULL,
    valid_from  TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to    TEXT CHECK (valid_to IS NULL OR valid_to > valid_from),
    replaced_by TEXT REFERENCES legal_authority_caps (id),
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (title, decree, valid_from)
);

-- Statutory time limits (D16).
CREATE TABLE legal_deadline_rules (
    id              TEXT PRIMARY KEY,
    event           TEXT NOT NULL,
    description     TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    unit            TEXT NOT NULL CHECK (unit IN ('working_days', 'calendar_days', 'months', 'hours')),
    mountain_amount INTEGER CHECK (mountain_amount IS NULL OR mountain_amount > 0),
    extension       INTEGER CHECK (extension IS NULL OR extension > 0),
    starts_from     TEXT NOT NULL,
    basis           TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    confirmed       BOOLEAN NOT NULL,
    source          TEXT NOT NULL,
    valid_from      TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to        TEXT CHECK (valid_to IS NULL OR valid_to > valid_from),
    replaced_by     TEXT REFERENCES legal_deadline_rules (id),
    created_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (event, valid_from)
);

-- Statutes of limitation for sanctioning, by field.
CREATE TABLE legal_limitations (
    id          TEXT PRIMARY KEY,
    field       TEXT NOT NULL,
    name        TEXT NOT NULL,
    years       INTEGER NOT NULL CHECK (years > 0),
    decrees     TEXT NOT NULL DEFAULT '[]',
    basis       TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    confirmed   BOOLEAN NOT NULL,
    source      TEXT NOT NULL,
    valid_from  TEXT NOT NULL CHECK (length(valid_from) = 10),
    valid_to    TEXT CHECK (valid_to IS NULL OR valid_to > valid_from),
    replaced_by TEXT REFERENCES legal_limitations (id),
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (field, valid_from)
);

-- Public holidays, days off in their place (working = FALSE) and compensating working days (TRUE).
CREATE TABLE legal_holidays (
    day        TEXT PRIMARY KEY CHECK (length(day) = 10),
    name       TEXT NOT NULL,
    working    BOOLEAN NOT NULL,
    confirmed  BOOLEAN NOT NULL,
    source     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
