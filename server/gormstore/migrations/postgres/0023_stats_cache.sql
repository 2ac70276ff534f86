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
-- into invalidated periods (gen + 1, rows NULL) and deletes them in one REPEATABLE READ
-- transaction, then recomputes the invalidated and wanted periods, each written only if its gen has
-- not moved since the snapshot it was computed at. Marks are appended, never updated: the writers of
-- one organisation do not wait for one another.

CREATE TABLE stats_marks (
    id     BIGSERIAL PRIMARY KEY,
    org_id TEXT NOT NULL,
    day    DATE NOT NULL
);
CREATE INDEX stats_marks_org_day ON stats_marks (org_id, day);

CREATE TABLE stats_cache (
    org_id      TEXT NOT NULL,
    period      TEXT NOT NULL,
    last_day    DATE NOT NULL,
    gen         BIGINT NOT NULL DEFAULT 0,
    figures_rows TEXT NULL,
    figures     TEXT NOT NULL DEFAULT '',
    wanted_at   TIMESTAMPTZ NOT NULL,
    computed_at TIMESTAMPTZ NULL,
    PRIMARY KEY (org_id, period)
);

-- stats_mark appends a mark; an unknown organisation means every organisation, an unknown day every
-- day.
CREATE FUNCTION stats_mark(org TEXT, d DATE) RETURNS void LANGUAGE sql AS $$
    INSERT INTO stats_marks (org_id, day) VALUES (COALESCE(org, ''), COALESCE(d, DATE '0001-01-01'))
$$;

CREATE FUNCTION stats_local_day(t TIMESTAMPTZ) RETURNS DATE LANGUAGE sql IMMUTABLE AS $$
    SELECT (t AT TIME ZONE 'Asia/Ho_Chi_Minh')::date
$$;

-- Visits: their day (the plan's year to date and every breakdown by visit day).
CREATE FUNCTION stats_mark_visits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM stats_mark(OLD.org_id, OLD.visit_date); END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.visit_date IS DISTINCT FROM OLD.visit_date OR NEW.org_id IS DISTINCT FROM OLD.org_id) THEN
        PERFORM stats_mark(NEW.org_id, NEW.visit_date);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_visits_insert AFTER INSERT OR DELETE ON visits FOR EACH ROW EXECUTE FUNCTION stats_mark_visits();
CREATE TRIGGER stats_mark_visits_update AFTER UPDATE ON visits FOR EACH ROW
    WHEN ((OLD.org_id, OLD.site_id, OLD.campaign_id, OLD.visit_date, OLD.leader_person_id, OLD.checklist_code, OLD.status, OLD.deleted_at)
        IS DISTINCT FROM (NEW.org_id, NEW.site_id, NEW.campaign_id, NEW.visit_date, NEW.leader_person_id, NEW.checklist_code, NEW.status, NEW.deleted_at))
    EXECUTE FUNCTION stats_mark_visits();

-- Answers (instruments: the keys with an instance) and findings: their visit's day.
CREATE FUNCTION stats_mark_visit_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM stats_mark(OLD.org_id, (SELECT v.visit_date FROM visits v WHERE v.org_id = OLD.org_id AND v.id = OLD.visit_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM stats_mark(NEW.org_id, (SELECT v.visit_date FROM visits v WHERE v.org_id = NEW.org_id AND v.id = NEW.visit_id));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_answers_insert AFTER INSERT ON visit_answers FOR EACH ROW
    WHEN (NEW.answer_key LIKE '%@%') EXECUTE FUNCTION stats_mark_visit_rows();
CREATE TRIGGER stats_mark_answers_delete AFTER DELETE ON visit_answers FOR EACH ROW
    WHEN (OLD.answer_key LIKE '%@%') EXECUTE FUNCTION stats_mark_visit_rows();
CREATE TRIGGER stats_mark_answers_update AFTER UPDATE ON visit_answers FOR EACH ROW
    WHEN ((OLD.org_id, OLD.visit_id, OLD.answer_key) IS DISTINCT FROM (NEW.org_id, NEW.visit_id, NEW.answer_key))
    EXECUTE FUNCTION stats_mark_visit_rows();
CREATE TRIGGER stats_mark_findings_insert AFTER INSERT OR DELETE ON visit_findings FOR EACH ROW EXECUTE FUNCTION stats_mark_visit_rows();
CREATE TRIGGER stats_mark_findings_update AFTER UPDATE ON visit_findings FOR EACH ROW
    WHEN ((OLD.org_id, OLD.visit_id, OLD.item) IS DISTINCT FROM (NEW.org_id, NEW.visit_id, NEW.item))
    EXECUTE FUNCTION stats_mark_visit_rows();

-- Violation records: their day, and the day of the record a correction replaces (which then stops
-- counting).
CREATE FUNCTION stats_mark_record(r violation_records) RETURNS void LANGUAGE sql AS $$
    SELECT stats_mark(r.org_id, LEAST(stats_local_day(r.drawn_up_at),
        (SELECT stats_local_day(x.drawn_up_at) FROM violation_records x WHERE x.org_id = r.org_id AND x.id = (r.data::json ->> 'corrects'))))
$$;
CREATE FUNCTION stats_mark_records() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM stats_mark_record(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM stats_mark_record(NEW); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_records_insert AFTER INSERT OR DELETE ON violation_records FOR EACH ROW EXECUTE FUNCTION stats_mark_records();
CREATE TRIGGER stats_mark_records_update AFTER UPDATE ON violation_records FOR EACH ROW
    WHEN ((OLD.org_id, OLD.site_id, OLD.subject_id, OLD.campaign_id, OLD.drawn_up_at, OLD.drawn_up_by, OLD.data, OLD.status)
        IS DISTINCT FROM (NEW.org_id, NEW.site_id, NEW.subject_id, NEW.campaign_id, NEW.drawn_up_at, NEW.drawn_up_by, NEW.data, NEW.status))
    EXECUTE FUNCTION stats_mark_records();

-- Penalty cases: every date a case is counted by (its decision, its payments, its forwarding) is at or
-- after it was opened, its decision issued or its record drawn up.
CREATE FUNCTION stats_mark_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM stats_mark(OLD.org_id, LEAST(stats_local_day(OLD.opened_at), stats_local_day(OLD.record_drawn_up_at), stats_local_day(OLD.decision_issued_at)));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM stats_mark(NEW.org_id, LEAST(stats_local_day(NEW.opened_at), stats_local_day(NEW.record_drawn_up_at), stats_local_day(NEW.decision_issued_at)));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_cases AFTER INSERT OR UPDATE OR DELETE ON penalty_cases FOR EACH ROW EXECUTE FUNCTION stats_mark_cases();

-- Penalty events: their instant, and a payment's day of payment.
CREATE FUNCTION stats_mark_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM stats_mark(OLD.org_id, LEAST(stats_local_day(OLD.at), CASE WHEN OLD.action = 'penalty.payment' THEN (OLD.data::json ->> 'paid_on')::date END));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM stats_mark(NEW.org_id, LEAST(stats_local_day(NEW.at), CASE WHEN NEW.action = 'penalty.payment' THEN (NEW.data::json ->> 'paid_on')::date END));
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_events AFTER INSERT OR UPDATE OR DELETE ON penalty_events FOR EACH ROW EXECUTE FUNCTION stats_mark_events();

-- Campaigns: a concluded campaign counts by the day of its conclusion. Its number (the label of the
-- breakdown by team), kind and origin show in every figure of every visit, record and case under it:
-- a change marks every day of the organisation. (Computing the campaign's first counted day in the
-- trigger would read the visits committed so far, and miss one a phone commits meanwhile.) Rare:
-- these are set when the campaign is planned.
CREATE FUNCTION stats_mark_campaigns() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR TG_OP = 'UPDATE' AND (OLD.org_id, OLD.number, OLD.kind, OLD.origin) IS DISTINCT FROM (NEW.org_id, NEW.number, NEW.kind, NEW.origin) THEN
        PERFORM stats_mark(OLD.org_id, NULL);
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.org_id IS DISTINCT FROM OLD.org_id THEN PERFORM stats_mark(NEW.org_id, NULL); END IF;
    IF TG_OP <> 'INSERT' AND COALESCE(OLD.conclusion_number, '') <> '' THEN PERFORM stats_mark(OLD.org_id, OLD.conclusion_date); END IF;
    IF TG_OP <> 'DELETE' AND COALESCE(NEW.conclusion_number, '') <> '' THEN PERFORM stats_mark(NEW.org_id, NEW.conclusion_date); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_campaigns_insert AFTER INSERT OR DELETE ON campaigns FOR EACH ROW EXECUTE FUNCTION stats_mark_campaigns();
CREATE TRIGGER stats_mark_campaigns_update AFTER UPDATE ON campaigns FOR EACH ROW
    WHEN ((OLD.org_id, OLD.number, OLD.kind, OLD.origin, OLD.conclusion_number, OLD.conclusion_date)
        IS DISTINCT FROM (NEW.org_id, NEW.number, NEW.kind, NEW.origin, NEW.conclusion_number, NEW.conclusion_date))
    EXECUTE FUNCTION stats_mark_campaigns();

-- What every period of an organisation may show: a site's sector or subject, a subject's kind, a
-- unit's or a person's name. Rare; every day of the organisation is marked.
CREATE FUNCTION stats_mark_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM stats_mark(OLD.org_id, NULL); END IF;
    IF TG_OP = 'UPDATE' AND NEW.org_id IS DISTINCT FROM OLD.org_id THEN PERFORM stats_mark(NEW.org_id, NULL); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_sites AFTER DELETE ON sites FOR EACH ROW EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_sites_update AFTER UPDATE ON sites FOR EACH ROW
    WHEN ((OLD.org_id, OLD.type, OLD.subject_id) IS DISTINCT FROM (NEW.org_id, NEW.type, NEW.subject_id))
    EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_subjects AFTER DELETE ON subjects FOR EACH ROW EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_subjects_update AFTER UPDATE ON subjects FOR EACH ROW
    WHEN ((OLD.org_id, OLD.kind) IS DISTINCT FROM (NEW.org_id, NEW.kind))
    EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_admin_units AFTER DELETE ON admin_units FOR EACH ROW EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_admin_units_update AFTER UPDATE ON admin_units FOR EACH ROW
    WHEN ((OLD.org_id, OLD.name) IS DISTINCT FROM (NEW.org_id, NEW.name))
    EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_persons AFTER DELETE ON persons FOR EACH ROW EXECUTE FUNCTION stats_mark_org();
CREATE TRIGGER stats_mark_persons_update AFTER UPDATE ON persons FOR EACH ROW
    WHEN ((OLD.org_id, OLD.full_name) IS DISTINCT FROM (NEW.org_id, NEW.full_name))
    EXECUTE FUNCTION stats_mark_org();

-- A site's unit history: from the first day of the version changed.
CREATE FUNCTION stats_mark_site_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM stats_mark(OLD.org_id, OLD.valid_from); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM stats_mark(NEW.org_id, NEW.valid_from); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_site_units AFTER INSERT OR UPDATE OR DELETE ON site_units FOR EACH ROW EXECUTE FUNCTION stats_mark_site_units();

-- Plan targets: from 1 January of their year.
CREATE FUNCTION stats_mark_plan_targets() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN PERFORM stats_mark(OLD.org_id, make_date(OLD.year, 1, 1)); END IF;
    IF TG_OP <> 'DELETE' THEN PERFORM stats_mark(NEW.org_id, make_date(NEW.year, 1, 1)); END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER stats_mark_plan_targets AFTER INSERT OR UPDATE OR DELETE ON plan_targets FOR EACH ROW EXECUTE FUNCTION stats_mark_plan_targets();
