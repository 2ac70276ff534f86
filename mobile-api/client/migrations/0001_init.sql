-- The phone's local store, first version. Forward-only: a later change is a new file.

-- Small facts of the installation: the device ID made at install, the ETag of the last pull answer
-- with the request it answered, counters.
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

-- The token pair of the logged-in account (one row). access_valid_until is by the phone's clock
-- (the answer's expires_in counted from its arrival, less a margin); refresh_sent_at is when the
-- current refresh token was first sent to /auth/refresh and no answer stored yet (0: never).
CREATE TABLE session (
	id                 INTEGER PRIMARY KEY CHECK (id = 1),
	login              TEXT NOT NULL,
	account_id         TEXT NOT NULL,
	organisation_id    TEXT NOT NULL,
	server_device_id   TEXT NOT NULL,
	roles              TEXT NOT NULL,
	access_token       TEXT NOT NULL,
	access_valid_until INTEGER NOT NULL,
	refresh_token      TEXT NOT NULL,
	refresh_expires_at TEXT NOT NULL,
	refresh_sent_at    INTEGER NOT NULL DEFAULT 0,
	login_required     TEXT NOT NULL DEFAULT ''
);

-- The reference copy of each dataset, as pulled: the raw bytes of each entity's data (the checksum
-- is over them) and its entry checksum.
CREATE TABLE ref_entities (
	dataset  TEXT NOT NULL,
	type     TEXT NOT NULL,
	id       TEXT NOT NULL,
	version  INTEGER NOT NULL,
	data     BLOB NOT NULL,
	checksum INTEGER NOT NULL,
	PRIMARY KEY (dataset, type, id)
) WITHOUT ROWID;
CREATE INDEX ref_entities_type_id ON ref_entities (type, id);

-- Per dataset: the cursor of the last page applied (stored in the page's transaction).
CREATE TABLE cursors (
	dataset    TEXT PRIMARY KEY,
	cursor     TEXT NOT NULL,
	verified   INTEGER NOT NULL DEFAULT 0,
	resets     INTEGER NOT NULL DEFAULT 0,
	mismatches INTEGER NOT NULL DEFAULT 0,
	pulled_at  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The outbox: every change made on the phone, in the order made (seq), never deleted. The item
-- (change ID, entity, base version, capture time, payload) never changes once written, so that a
-- resend is byte-for-byte the same change. state: queued → sending → acknowledged | rejected
-- (set aside, with the server's code and message); dismissed is a rejection the user has seen.
CREATE TABLE outbox (
	seq           INTEGER PRIMARY KEY AUTOINCREMENT,
	change_id     TEXT NOT NULL UNIQUE,
	entity_type   TEXT NOT NULL,
	entity_id     TEXT NOT NULL,
	base_version  INTEGER NOT NULL,
	captured_at   TEXT NOT NULL,
	payload       BLOB NOT NULL,
	state         TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'acknowledged', 'rejected', 'dismissed')),
	outcome       TEXT NOT NULL DEFAULT '',
	version       INTEGER NOT NULL DEFAULT 0,
	code          TEXT NOT NULL DEFAULT '',
	message       TEXT NOT NULL DEFAULT '',
	fields        TEXT NOT NULL DEFAULT '',
	sends         INTEGER NOT NULL DEFAULT 0,
	first_sent_at INTEGER NOT NULL DEFAULT 0,
	answered_at   INTEGER NOT NULL DEFAULT 0,
	answer_order  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_state_seq ON outbox (state, seq);
CREATE INDEX outbox_entity ON outbox (entity_type, entity_id, seq);

-- The server version of each entity the phone changed, as its pushes were acknowledged (a pull
-- brings it too, in ref_entities): the base version of the next change is the larger of the two.
CREATE TABLE known_versions (
	entity_type TEXT NOT NULL,
	entity_id   TEXT NOT NULL,
	version     INTEGER NOT NULL,
	PRIMARY KEY (entity_type, entity_id)
) WITHOUT ROWID;

-- Visits as edited on this phone: made here (created_here = 1) or pulled and then changed here. The
-- descriptive fields of a pulled visit stay empty; each field set here names the change that set it.
CREATE TABLE local_visits (
	id                TEXT PRIMARY KEY,
	created_here      INTEGER NOT NULL DEFAULT 0,
	campaign_id       TEXT NOT NULL DEFAULT '',
	site_id           TEXT NOT NULL DEFAULT '',
	date              TEXT NOT NULL DEFAULT '',
	checklist_code    TEXT NOT NULL DEFAULT '',
	checklist_version INTEGER NOT NULL DEFAULT 0,
	status            TEXT NOT NULL DEFAULT '',
	status_change     TEXT NOT NULL DEFAULT '',
	gps               TEXT NOT NULL DEFAULT '',
	gps_change        TEXT NOT NULL DEFAULT '',
	leader_person_id  TEXT NOT NULL DEFAULT '',
	leader_change     TEXT NOT NULL DEFAULT '',
	deleted           INTEGER NOT NULL DEFAULT 0,
	created_at        INTEGER NOT NULL,
	updated_at        INTEGER NOT NULL
) WITHOUT ROWID;

-- Answers set on this phone, the latest per key (answer is the JSON answer, or null when cleared).
CREATE TABLE local_answers (
	visit_id    TEXT NOT NULL,
	key         TEXT NOT NULL,
	answer      TEXT NOT NULL,
	captured_at TEXT NOT NULL,
	change_id   TEXT NOT NULL,
	PRIMARY KEY (visit_id, key)
) WITHOUT ROWID;

-- Violation records drawn up on this phone: the whole record as last saved (the payload of a push),
-- its number taken from the device's block in the same transaction. queued = 0: a local draft never
-- sent; spoiled: a draft given up, its number voided.
CREATE TABLE local_records (
	id              TEXT PRIMARY KEY,
	visit_id        TEXT NOT NULL,
	issuing_unit_id TEXT NOT NULL,
	year            INTEGER NOT NULL,
	number          INTEGER NOT NULL,
	body            BLOB NOT NULL,
	status          TEXT NOT NULL,
	queued          INTEGER NOT NULL DEFAULT 0,
	last_change     TEXT NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL,
	UNIQUE (issuing_unit_id, year, number)
) WITHOUT ROWID;

-- Manual findings noted on this phone, the whole finding as last saved.
CREATE TABLE local_findings (
	id          TEXT PRIMARY KEY,
	visit_id    TEXT NOT NULL,
	body        BLOB NOT NULL,
	last_change TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- Record numbers taken on this phone (D9): used by a record or voided with a reason. Never deleted,
-- so that a number is never taken twice, whatever the pulls bring.
CREATE TABLE number_takes (
	issuing_unit_id TEXT NOT NULL,
	year            INTEGER NOT NULL,
	number          INTEGER NOT NULL,
	state           TEXT NOT NULL CHECK (state IN ('used', 'voided')),
	record_id       TEXT NOT NULL DEFAULT '',
	reason          TEXT NOT NULL DEFAULT '',
	taken_at        INTEGER NOT NULL,
	PRIMARY KEY (issuing_unit_id, year, number)
) WITHOUT ROWID;
