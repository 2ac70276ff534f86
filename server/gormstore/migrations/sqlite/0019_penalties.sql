-- Penalty cases (issue 7; PRODUCT.md guarantees 7–9; DECISIONS D2, D9, D13, D16, D28). The domain is
-- server/penalty; docs/penalties.md describes the tables.
--
-- penalty_cases holds one case per row: data is the whole case as the store encodes it
-- (gormstore/penalty_data.go); the columns beside it are what lists select and sort on, rewritten from
-- the case by every write. The *_due_at columns are the instants its running periods end (NULL: not
-- running, or no rule in force); next_due_at is the earliest of the department's duties (decision,
-- sending, national database report, payment), which the overdue list reads; queue_at is the chief's
-- queue's sort key, set only while the case waits for the chief (submitted or approved): the end of
-- its decision period, or 9999-12-31 when that cannot be counted (such a case sorts last). An issued decision is
-- kept as its canonical JSON in decision and never changes: the store refuses such a write and the
-- trigger below refuses it again. version is the case's version: a write names the version it read.
--
-- penalty_case_records maps every version of the violation record to its case (a record has one
-- case at most); penalty_events keeps each event of a case (the audit chain penalty/<case> has the
-- same, sealed); penalty_decision_counters is the register of decision numbers per issuing unit and
-- year (D9), taken under its row lock in the transaction that issues, so that a failed issue takes
-- no number and the register has no gaps.

CREATE TABLE penalty_cases (
    id                       TEXT PRIMARY KEY,
    org_id                   TEXT NOT NULL REFERENCES organisations (id),
    campaign_id              TEXT NOT NULL DEFAULT '',
    record_id                TEXT NOT NULL,
    record_issuing_unit_id   TEXT NOT NULL,
    record_year              INTEGER NOT NULL,
    record_number            INTEGER NOT NULL,
    record_drawn_up_at       DATETIME NOT NULL,
    subject_id               TEXT NOT NULL,
    subject_kind             TEXT NOT NULL,
    subject_name             TEXT NOT NULL DEFAULT '',
    state                    TEXT NOT NULL CHECK (state IN ('recorded', 'submitted', 'returned', 'approved', 'rejected', 'forwarded',
                                 'issued', 'delivered', 'overdue', 'enforced', 'paid', 'closed')),
    track                    TEXT NOT NULL,
    version                  INTEGER NOT NULL CHECK (version >= 1),
    opened_at                DATETIME NOT NULL,
    total                    INTEGER NOT NULL DEFAULT 0,
    evidence_ids             TEXT NOT NULL DEFAULT '[]',
    decision_due_at          DATETIME NULL,
    queue_at                 DATETIME NULL,
    explanation_due_at       DATETIME NULL,
    send_due_at              DATETIME NULL,
    national_report_due_at   DATETIME NULL,
    payment_due_at           DATETIME NULL,
    enforcement_limit_at     DATETIME NULL,
    next_due_at              DATETIME NULL,
    decision_issuing_unit_id TEXT NULL,
    decision_year            INTEGER NULL,
    decision_number          INTEGER NULL,
    decision_issued_at       DATETIME NULL,
    decision                 TEXT NOT NULL DEFAULT '',
    data                     TEXT NOT NULL,
    created_at               DATETIME NOT NULL,
    updated_at               DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, decision_issuing_unit_id, decision_year, decision_number)
);
CREATE INDEX penalty_cases_queue ON penalty_cases (org_id, queue_at, id);
CREATE INDEX penalty_cases_state ON penalty_cases (org_id, state, opened_at, id);
CREATE INDEX penalty_cases_overdue ON penalty_cases (org_id, next_due_at, id);
CREATE INDEX penalty_cases_subject ON penalty_cases (org_id, subject_id);

-- An issued decision never changes (guarantee 7): the store checks it, and so does the database.
CREATE TRIGGER penalty_cases_decision_immutable BEFORE UPDATE ON penalty_cases
FOR EACH ROW WHEN OLD.decision <> '' AND (NEW.decision IS NOT OLD.decision
    OR NEW.decision_number IS NOT OLD.decision_number OR NEW.decision_year IS NOT OLD.decision_year
    OR NEW.decision_issuing_unit_id IS NOT OLD.decision_issuing_unit_id OR NEW.decision_issued_at IS NOT OLD.decision_issued_at)
BEGIN
    SELECT RAISE(ABORT, 'decision_immutable: an issued penalty decision never changes');
END;

CREATE TABLE penalty_case_records (
    org_id        TEXT NOT NULL,
    record_id     TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    added_version INTEGER NOT NULL,
    PRIMARY KEY (org_id, record_id),
    FOREIGN KEY (org_id, case_id) REFERENCES penalty_cases (org_id, id)
);
CREATE INDEX penalty_case_records_case ON penalty_case_records (org_id, case_id);

CREATE TABLE penalty_events (
    org_id           TEXT NOT NULL,
    case_id          TEXT NOT NULL,
    version          INTEGER NOT NULL,
    action           TEXT NOT NULL,
    from_state       TEXT NOT NULL DEFAULT '',
    to_state         TEXT NOT NULL,
    actor_person_id  TEXT NOT NULL DEFAULT '',
    actor_account_id TEXT NOT NULL DEFAULT '',
    at               DATETIME NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    data             TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (org_id, case_id, version),
    FOREIGN KEY (org_id, case_id) REFERENCES penalty_cases (org_id, id)
);

CREATE TABLE penalty_decision_counters (
    org_id          TEXT NOT NULL,
    issuing_unit_id TEXT NOT NULL,
    year            INTEGER NOT NULL,
    next_number     INTEGER NOT NULL CHECK (next_number >= 1),
    PRIMARY KEY (org_id, issuing_unit_id, year),
    FOREIGN KEY (org_id, issuing_unit_id) REFERENCES issuing_units (org_id, id)
);

-- Records submitted before this migration get their intake job, as a push that submits one does
-- (gormstore/penalty_intake.go; the same unique key, so nothing is enqueued twice).
INSERT INTO jobs (id, org_id, kind, payload, state, attempt, max_attempts, run_at, created_at, unique_key)
SELECT 'penalty-intake-' || r.id, r.org_id, 'penalty.intake',
       json_object('org_id', r.org_id, 'record_id', r.id, 'version', r.version, 'person_id', r.drawn_up_by, 'account_id', ''),
       'queued', 0, 8, r.updated_at, r.updated_at, 'penalty.intake/' || r.id || '/' || r.version
FROM violation_records r WHERE r.status = 'submitted';
