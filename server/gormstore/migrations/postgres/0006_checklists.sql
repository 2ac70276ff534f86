-- Checklist templates as versioned data: national reference data shared by every organisation
-- (DECISIONS D24), so no org_id. A published version never changes: no code path updates or deletes
-- these rows, and a change is a new version. template is the canonical JSON whose SHA-256 is hash,
-- kept as text so that its bytes, and so its hash, survive.

CREATE TABLE checklist_versions (
    code         TEXT NOT NULL,
    version      INTEGER NOT NULL CHECK (version > 0),
    title_vi     TEXT NOT NULL,
    title_en     TEXT NOT NULL,
    template     TEXT NOT NULL,
    hash         TEXT NOT NULL,
    published_at TIMESTAMPTZ NOT NULL,
    published_by TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

-- The facility types each version serves (the market checklist serves markets and shops).
CREATE TABLE checklist_facility_types (
    code          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    facility_type TEXT NOT NULL,
    PRIMARY KEY (code, version, facility_type),
    FOREIGN KEY (code, version) REFERENCES checklist_versions (code, version)
);
CREATE INDEX checklist_facility_types_type ON checklist_facility_types (facility_type);
