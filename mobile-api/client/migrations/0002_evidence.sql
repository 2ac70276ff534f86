-- Evidence captured on this phone: photos, signatures and documents. Forward-only.

-- One row per evidence, written in the same transaction as its reference outbox item (entity type
-- evidence, change_id). The bytes are a file of the client's own directory (file: its name there),
-- written and fsynced before that transaction; sha256 and size are taken from those bytes at capture.
-- payload is the reference exactly as queued (the PUT announce sends the same bytes, so the server
-- sees one content). state: queued (waiting for its reference to be acknowledged) → uploading (bytes
-- going up; uploaded is what the server last said it holds) → stored (the server has the bytes and
-- verified the SHA-256) | rejected (set aside with the server's code and message; retried only when
-- the user asks). announced: the PUT was answered once (later rounds ask GET for the offset).
-- pruned_at: the file was deleted once the visit's work was all acknowledged and stored (0: kept).
CREATE TABLE local_evidence (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	id           TEXT NOT NULL UNIQUE,
	change_id    TEXT NOT NULL,
	visit_id     TEXT NOT NULL,
	record_id    TEXT NOT NULL DEFAULT '',
	finding_id   TEXT NOT NULL DEFAULT '',
	content_type TEXT NOT NULL,
	purpose      TEXT NOT NULL,
	sha256       TEXT NOT NULL,
	size         INTEGER NOT NULL CHECK (size > 0),
	file         TEXT NOT NULL,
	payload      BLOB NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('queued', 'uploading', 'stored', 'rejected')),
	announced    INTEGER NOT NULL DEFAULT 0,
	uploaded     INTEGER NOT NULL DEFAULT 0,
	code         TEXT NOT NULL DEFAULT '',
	message      TEXT NOT NULL DEFAULT '',
	attempts     INTEGER NOT NULL DEFAULT 0,
	mismatches   INTEGER NOT NULL DEFAULT 0,
	bytes_sent   INTEGER NOT NULL DEFAULT 0,
	captured_at  INTEGER NOT NULL,
	stored_at    INTEGER NOT NULL DEFAULT 0,
	pruned_at    INTEGER NOT NULL DEFAULT 0,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX local_evidence_state_seq ON local_evidence (state, seq);
CREATE INDEX local_evidence_visit ON local_evidence (visit_id);
