-- Stored figures of the periods people read, exact with late data (issue 8; docs/statistics.md,
-- "How it stays fast").
--
-- stats_cache holds, for a scope (an organisation, or '' for the national view) and a period, the
-- summary's rows (stats.EncodeRows) as they were computed at one snapshot of the database, and the
-- version of the figures that computed them. It is only ever
-- written by the refresh job (gormstore/stats_cache.go), never by a reader.
--
-- stats_marks is how late data reaches it. Every table a figure reads has a trigger that, in the
-- writing transaction itself, appends (organisation, day): the earliest day whose figures the change
-- can affect ('' for every organisation; 0001-01-01 for every day, as when a site changes sector or
-- a unit its name). Every figure of a period is counted by a date at or before the period's last
-- day, and the stocks (outstanding amounts) and the plan's year to date only look back, so a change
-- on a day D can affect only periods whose last day is D or later. A stored period is used only when
-- no mark of its scope at or before its last day is waiting; the refresh job turns the waiting marks
-- into invalidated periods (gen + 1, rows NULL) and deletes them in one write transaction, then recomputes the invalidated and wanted periods, each written only if its gen has
-- not moved since the snapshot it was computed at. Marks are appended, never updated: the writers of
-- one organisation do not wait for one another.

-- SQLite has no LEAST that skips NULLs: the earliest of several days is MIN over a UNION ALL.

CREATE TABLE stats_marks (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL,
    day    TEXT NOT NULL
);
CREATE INDEX stats_marks_org_day ON stats_marks (org_id, day);

CREATE TABLE stats_cache (
    org_id      TEXT NOT NULL,
    period      TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    gen         INTEGER NOT NULL DEFAULT 0,
    figures_rows TEXT NULL,
    figures     TEXT NOT NULL DEFAULT '',
    wanted_at   DATETIME NOT NULL,
    computed_at DATETIME NULL,
    PRIMARY KEY (org_id, period)
);

-- Visits: their day (the plan's year to date and every breakdown by visit day).
CREATE TRIGGER stats_mark_visits_insert AFTER INSERT ON visits FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(date(NEW.visit_date), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_visits_delete AFTER DELETE ON visits FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(date(OLD.visit_date), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_visits_update AFTER UPDATE ON visits FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.site_id IS NOT NEW.site_id OR OLD.campaign_id IS NOT NEW.campaign_id OR OLD.visit_date IS NOT NEW.visit_date OR OLD.leader_person_id IS NOT NEW.leader_person_id OR OLD.checklist_code IS NOT NEW.checklist_code OR OLD.status IS NOT NEW.status OR OLD.deleted_at IS NOT NEW.deleted_at
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(date(OLD.visit_date), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(date(NEW.visit_date), '0001-01-01'));
END;

-- Answers (instruments: the keys with an instance) and findings: their visit's day.
CREATE TRIGGER stats_mark_answers_insert AFTER INSERT ON visit_answers FOR EACH ROW
    WHEN NEW.answer_key LIKE '%@%'
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = NEW.org_id AND v.id = NEW.visit_id), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_answers_delete AFTER DELETE ON visit_answers FOR EACH ROW
    WHEN OLD.answer_key LIKE '%@%'
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = OLD.org_id AND v.id = OLD.visit_id), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_answers_update AFTER UPDATE ON visit_answers FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.visit_id IS NOT NEW.visit_id OR OLD.answer_key IS NOT NEW.answer_key
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = OLD.org_id AND v.id = OLD.visit_id), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = NEW.org_id AND v.id = NEW.visit_id), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_findings_insert AFTER INSERT ON visit_findings FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = NEW.org_id AND v.id = NEW.visit_id), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_findings_delete AFTER DELETE ON visit_findings FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = OLD.org_id AND v.id = OLD.visit_id), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_findings_update AFTER UPDATE ON visit_findings FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.visit_id IS NOT NEW.visit_id OR OLD.item IS NOT NEW.item
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = OLD.org_id AND v.id = OLD.visit_id), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT date(v.visit_date) FROM visits v WHERE v.org_id = NEW.org_id AND v.id = NEW.visit_id), '0001-01-01'));
END;

-- Violation records: their day, and the day of the record a correction replaces (which then stops
-- counting).
CREATE TRIGGER stats_mark_records_insert AFTER INSERT ON violation_records FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(NEW.drawn_up_at, '+7 hours') AS x UNION ALL SELECT (SELECT date(x.drawn_up_at, '+7 hours') FROM violation_records x WHERE x.org_id = NEW.org_id AND x.id = json_extract(NEW.data, '$.corrects')))), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_records_delete AFTER DELETE ON violation_records FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(OLD.drawn_up_at, '+7 hours') AS x UNION ALL SELECT (SELECT date(x.drawn_up_at, '+7 hours') FROM violation_records x WHERE x.org_id = OLD.org_id AND x.id = json_extract(OLD.data, '$.corrects')))), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_records_update AFTER UPDATE ON violation_records FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.site_id IS NOT NEW.site_id OR OLD.subject_id IS NOT NEW.subject_id OR OLD.campaign_id IS NOT NEW.campaign_id OR OLD.drawn_up_at IS NOT NEW.drawn_up_at OR OLD.drawn_up_by IS NOT NEW.drawn_up_by OR OLD.data IS NOT NEW.data OR OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(OLD.drawn_up_at, '+7 hours') AS x UNION ALL SELECT (SELECT date(x.drawn_up_at, '+7 hours') FROM violation_records x WHERE x.org_id = OLD.org_id AND x.id = json_extract(OLD.data, '$.corrects')))), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(NEW.drawn_up_at, '+7 hours') AS x UNION ALL SELECT (SELECT date(x.drawn_up_at, '+7 hours') FROM violation_records x WHERE x.org_id = NEW.org_id AND x.id = json_extract(NEW.data, '$.corrects')))), '0001-01-01'));
END;

-- Penalty cases: every date a case is counted by (its decision, its payments, its forwarding) is at or
-- after it was opened, its decision issued or its record drawn up.
CREATE TRIGGER stats_mark_cases_insert AFTER INSERT ON penalty_cases FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(NEW.opened_at, '+7 hours') AS x UNION ALL SELECT date(NEW.record_drawn_up_at, '+7 hours') UNION ALL SELECT date(NEW.decision_issued_at, '+7 hours'))), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_cases_delete AFTER DELETE ON penalty_cases FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(OLD.opened_at, '+7 hours') AS x UNION ALL SELECT date(OLD.record_drawn_up_at, '+7 hours') UNION ALL SELECT date(OLD.decision_issued_at, '+7 hours'))), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_cases_update AFTER UPDATE ON penalty_cases FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(OLD.opened_at, '+7 hours') AS x UNION ALL SELECT date(OLD.record_drawn_up_at, '+7 hours') UNION ALL SELECT date(OLD.decision_issued_at, '+7 hours'))), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(NEW.opened_at, '+7 hours') AS x UNION ALL SELECT date(NEW.record_drawn_up_at, '+7 hours') UNION ALL SELECT date(NEW.decision_issued_at, '+7 hours'))), '0001-01-01'));
END;

-- Penalty events: their instant, and a payment's day of payment.
CREATE TRIGGER stats_mark_events_insert AFTER INSERT ON penalty_events FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(NEW.at, '+7 hours') AS x UNION ALL SELECT CASE WHEN NEW.action = 'penalty.payment' THEN date(json_extract(NEW.data, '$.paid_on')) END)), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_events_delete AFTER DELETE ON penalty_events FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(OLD.at, '+7 hours') AS x UNION ALL SELECT CASE WHEN OLD.action = 'penalty.payment' THEN date(json_extract(OLD.data, '$.paid_on')) END)), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_events_update AFTER UPDATE ON penalty_events FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(OLD.at, '+7 hours') AS x UNION ALL SELECT CASE WHEN OLD.action = 'penalty.payment' THEN date(json_extract(OLD.data, '$.paid_on')) END)), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE((SELECT MIN(x) FROM (SELECT date(NEW.at, '+7 hours') AS x UNION ALL SELECT CASE WHEN NEW.action = 'penalty.payment' THEN date(json_extract(NEW.data, '$.paid_on')) END)), '0001-01-01'));
END;

-- Campaigns: a concluded campaign counts by the day of its conclusion. Its number (the label of the
-- breakdown by team), kind and origin show in every figure of every visit, record and case under it:
-- a change marks every day of the organisation. (Computing the campaign's first counted day in the
-- trigger would read the visits committed so far, and miss one a phone commits meanwhile.) Rare:
-- these are set when the campaign is planned.
CREATE TRIGGER stats_mark_campaigns_insert AFTER INSERT ON campaigns FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) SELECT COALESCE(NEW.org_id, ''), COALESCE(date(NEW.conclusion_date), '0001-01-01') WHERE COALESCE(NEW.conclusion_number, '') <> '';
END;
CREATE TRIGGER stats_mark_campaigns_delete AFTER DELETE ON campaigns FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) SELECT COALESCE(OLD.org_id, ''), '0001-01-01';
END;
CREATE TRIGGER stats_mark_campaigns_update AFTER UPDATE ON campaigns FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.number IS NOT NEW.number OR OLD.kind IS NOT NEW.kind OR OLD.origin IS NOT NEW.origin OR OLD.conclusion_number IS NOT NEW.conclusion_number OR OLD.conclusion_date IS NOT NEW.conclusion_date
BEGIN
    INSERT INTO stats_marks (org_id, day) SELECT COALESCE(OLD.org_id, ''), '0001-01-01' WHERE OLD.org_id IS NOT NEW.org_id OR OLD.number IS NOT NEW.number OR OLD.kind IS NOT NEW.kind OR OLD.origin IS NOT NEW.origin;
    INSERT INTO stats_marks (org_id, day) SELECT COALESCE(NEW.org_id, ''), '0001-01-01' WHERE OLD.org_id IS NOT NEW.org_id;
    INSERT INTO stats_marks (org_id, day) SELECT COALESCE(OLD.org_id, ''), COALESCE(date(OLD.conclusion_date), '0001-01-01') WHERE COALESCE(OLD.conclusion_number, '') <> '';
    INSERT INTO stats_marks (org_id, day) SELECT COALESCE(NEW.org_id, ''), COALESCE(date(NEW.conclusion_date), '0001-01-01') WHERE COALESCE(NEW.conclusion_number, '') <> '';
END;

-- What every period of an organisation may show: a site's sector or subject, a subject's kind, a
-- unit's or a person's name. Rare; every day of the organisation is marked.
CREATE TRIGGER stats_mark_sites_delete AFTER DELETE ON sites FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_sites_update AFTER UPDATE ON sites FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.type IS NOT NEW.type OR OLD.subject_id IS NOT NEW.subject_id
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_subjects_delete AFTER DELETE ON subjects FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_subjects_update AFTER UPDATE ON subjects FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.kind IS NOT NEW.kind
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_admin_units_delete AFTER DELETE ON admin_units FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_admin_units_update AFTER UPDATE ON admin_units FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.name IS NOT NEW.name
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_persons_delete AFTER DELETE ON persons FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;
CREATE TRIGGER stats_mark_persons_update AFTER UPDATE ON persons FOR EACH ROW
    WHEN OLD.org_id IS NOT NEW.org_id OR OLD.full_name IS NOT NEW.full_name
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(NULL, '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(NULL, '0001-01-01'));
END;

-- A site's unit history: from the first day of the version changed.
CREATE TRIGGER stats_mark_site_units_insert AFTER INSERT ON site_units FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(date(NEW.valid_from), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_site_units_delete AFTER DELETE ON site_units FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(date(OLD.valid_from), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_site_units_update AFTER UPDATE ON site_units FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(date(OLD.valid_from), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(date(NEW.valid_from), '0001-01-01'));
END;

-- Plan targets: from 1 January of their year.
CREATE TRIGGER stats_mark_plan_targets_insert AFTER INSERT ON plan_targets FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(printf('%04d-01-01', NEW.year), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_plan_targets_delete AFTER DELETE ON plan_targets FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(printf('%04d-01-01', OLD.year), '0001-01-01'));
END;
CREATE TRIGGER stats_mark_plan_targets_update AFTER UPDATE ON plan_targets FOR EACH ROW
BEGIN
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(OLD.org_id, ''), COALESCE(printf('%04d-01-01', OLD.year), '0001-01-01'));
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(NEW.org_id, ''), COALESCE(printf('%04d-01-01', NEW.year), '0001-01-01'));
END;
