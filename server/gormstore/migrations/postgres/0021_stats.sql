-- Enforcement statistics (issue 8; PRODUCT.md guarantee 10; docs/statistics.md).
--
-- stats_frozen_months keeps each frozen month of a scope (an organisation, or 'national'): the
-- summary's canonical JSON exactly as it was computed when the month was closed, with its SHA-256
-- and who froze it when (the act is also in the audit chain stats/<scope>). A frozen month is never
-- updated or deleted: the trigger refuses it; later data shows as a revision computed on read.
--
-- The indexes let the summary read only the period's rows of one organisation, by the date each
-- figure is counted by (docs/statistics.md, "How it stays fast"): visits by visit day, records by
-- drawing-up instant, decisions by issue instant, penalty events by action and instant, conclusions
-- by date; the outstanding amounts read the cases still open or changed since the period began.
-- The national view goes through the same indexes, one organisation after another (org_id IN …).
-- Instruments are counted from the answers by (organisation, visit), so that one organisation's visits
-- are next to each other; the outstanding amounts aggregate each open case's payment, overdue and
-- closing events through an index that holds what they read.

CREATE TABLE stats_frozen_months (
    scope             TEXT NOT NULL,
    org_id            TEXT NULL REFERENCES organisations (id),
    month             TEXT NOT NULL,
    canonical         TEXT NOT NULL,
    sha256            TEXT NOT NULL,
    frozen_at         TIMESTAMPTZ NOT NULL,
    frozen_by_person  TEXT NOT NULL DEFAULT '',
    frozen_by_account TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scope, month),
    CHECK ((scope = 'national') = (org_id IS NULL)),
    CHECK (org_id IS NULL OR scope = org_id)
);

CREATE FUNCTION stats_frozen_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'stats_frozen_immutable: a frozen month never changes';
END
$$;
CREATE TRIGGER stats_frozen_months_immutable BEFORE UPDATE OR DELETE ON stats_frozen_months
FOR EACH ROW EXECUTE FUNCTION stats_frozen_immutable();

CREATE INDEX stats_visits_date ON visits (org_id, visit_date) INCLUDE (status, id, site_id, campaign_id, leader_person_id, checklist_code);
CREATE INDEX stats_answers_instance ON visit_answers (org_id, visit_id, answer_key) WHERE answer_key LIKE '%@%';
CREATE INDEX stats_records_drawn ON violation_records (org_id, drawn_up_at);
CREATE INDEX stats_cases_issued ON penalty_cases (org_id, decision_issued_at) WHERE decision_issued_at IS NOT NULL;
CREATE INDEX stats_cases_changed ON penalty_cases (org_id, updated_at) WHERE decision_issued_at IS NOT NULL;
CREATE INDEX stats_events_action ON penalty_events (org_id, action, at);
CREATE INDEX stats_events_case ON penalty_events (org_id, case_id) INCLUDE (action, at, data)
    WHERE action IN ('penalty.payment', 'penalty.overdue', 'penalty.close');
CREATE INDEX stats_events_paid_on ON penalty_events (org_id, ((data::json ->> 'paid_on'))) WHERE action = 'penalty.payment';
CREATE INDEX stats_campaigns_concluded ON campaigns (org_id, conclusion_date) WHERE conclusion_date IS NOT NULL;
