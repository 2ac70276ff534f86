-- Evidence: the bytes of photos, signatures and documents (issue 5; DECISIONS D1, D12, D13).
--
-- evidence_objects holds one stored object per organisation and content: deduplication never crosses
-- organisations (D1). content_type is what the bytes are (sniffed), exif_* what a JPEG says about
-- itself; thumb_key and retain_until are filled by the viewing side (thumbnails, object lock).
--
-- An evidence reference (evidence_refs, migration 0012) goes 'announced' -> 'stored' when its bytes
-- have arrived and been verified (stored_at); distance_m is the distance from the site's coordinates
-- to where the photo was taken (EXIF GPS when present, else the GPS the phone claimed).
--
-- The upload state lives here and in the object store, never in process memory (D12), so that any
-- replica continues an upload: evidence_uploads is one resumable upload per evidence reference (the
-- bytes the server holds, the next chunk number, the SHA-256 state over those bytes so that the hash is
-- known when the last byte arrives), evidence_upload_chunks the chunks stored under
-- uploads/<evidence_id>/<seq> in the order they join, evidence_device_usage the bytes a device sent
-- per day (Asia/Ho_Chi_Minh, 'YYYY-MM-DD') for its daily quota.

CREATE TABLE evidence_objects (
    org_id        TEXT NOT NULL REFERENCES organisations (id),
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL CHECK (size >= 0),
    content_type  TEXT NOT NULL,
    object_key    TEXT NOT NULL,
    stored_at     TIMESTAMPTZ NOT NULL,
    exif_taken_at TIMESTAMPTZ NULL,
    exif_lat      DOUBLE PRECISION NULL,
    exif_lon      DOUBLE PRECISION NULL,
    width         INTEGER NULL,
    height        INTEGER NULL,
    thumb_key     TEXT NOT NULL DEFAULT '',
    retain_until  TIMESTAMPTZ NULL,
    PRIMARY KEY (org_id, sha256)
);
CREATE INDEX evidence_objects_thumb ON evidence_objects (thumb_key);

ALTER TABLE evidence_refs ADD COLUMN stored_at TIMESTAMPTZ NULL;
ALTER TABLE evidence_refs ADD COLUMN distance_m DOUBLE PRECISION NULL;
CREATE INDEX evidence_refs_record ON evidence_refs (org_id, record_id);

CREATE TABLE evidence_uploads (
    evidence_id TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    device_id   TEXT NOT NULL,
    size        BIGINT NOT NULL CHECK (size >= 0),
    received    BIGINT NOT NULL DEFAULT 0 CHECK (received >= 0),
    next_seq    INTEGER NOT NULL DEFAULT 0,
    hash_state  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    FOREIGN KEY (org_id, evidence_id) REFERENCES evidence_refs (org_id, id)
);
CREATE INDEX evidence_uploads_updated ON evidence_uploads (updated_at);

CREATE TABLE evidence_upload_chunks (
    evidence_id  TEXT NOT NULL REFERENCES evidence_uploads (evidence_id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL,
    start_offset BIGINT NOT NULL CHECK (start_offset >= 0),
    size         BIGINT NOT NULL CHECK (size > 0),
    object_key   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (evidence_id, seq)
);

CREATE TABLE evidence_device_usage (
    org_id    TEXT NOT NULL,
    device_id TEXT NOT NULL,
    day       TEXT NOT NULL,
    bytes     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, device_id, day)
);
