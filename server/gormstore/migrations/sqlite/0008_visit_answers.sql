-- A visit's answers by key (item, or item@instance in a repeated section) and the findings they give
-- under the visit's checklist version. The findings are recomputed from all the answers whenever
-- answers are recorded, and replaced together with them.

CREATE TABLE visit_answers (
    org_id      TEXT NOT NULL,
    visit_id    TEXT NOT NULL,
    answer_key  TEXT NOT NULL,
    value       TEXT,
    none        BOOLEAN NOT NULL DEFAULT FALSE,
    evidence    TEXT NOT NULL DEFAULT '[]',
    recorded_at DATETIME NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (visit_id, answer_key),
    FOREIGN KEY (org_id, visit_id) REFERENCES visits (org_id, id)
);

CREATE TABLE visit_findings (
    org_id             TEXT NOT NULL,
    visit_id           TEXT NOT NULL,
    answer_key         TEXT NOT NULL,
    item               TEXT NOT NULL,
    instance           TEXT NOT NULL DEFAULT '',
    value              TEXT,
    reason             TEXT NOT NULL,
    violation_codes    TEXT NOT NULL DEFAULT '',
    confirmed          BOOLEAN NOT NULL,
    bounds_unconfirmed BOOLEAN NOT NULL,
    PRIMARY KEY (visit_id, answer_key),
    FOREIGN KEY (org_id, visit_id) REFERENCES visits (org_id, id)
);
