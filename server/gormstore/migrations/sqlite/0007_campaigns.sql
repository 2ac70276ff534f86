-- People's dated legal titles (D2), campaigns with their teams, subjects, sites and assignments (D3),
-- visits (D17: waiting for lab results) and yearly plan targets.

CREATE TABLE person_titles (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    title       TEXT NOT NULL,
    valid_from  DATE NOT NULL,
    valid_to    DATE,
    campaign_id TEXT,
    created_at  DATETIME NOT NULL,
    FOREIGN KEY (org_id, person_id) REFERENCES persons (org_id, id)
);
CREATE INDEX person_titles_person ON person_titles (org_id, person_id);

CREATE TABLE campaigns (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations (id),
    number          TEXT NOT NULL,
    decision_date   DATE NOT NULL,
    title           TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('inspection', 'check')),
    origin          TEXT NOT NULL CHECK (origin IN ('planned', 'surprise')),
    sectors         TEXT NOT NULL,
    period_from     DATE NOT NULL,
    period_to       DATE NOT NULL,
    conclusion_number  TEXT,
    conclusion_date    DATE,
    conclusion_summary TEXT,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL,
    UNIQUE (org_id, id),
    UNIQUE (org_id, number, decision_date)
);
CREATE INDEX campaigns_period ON campaigns (org_id, period_from);

CREATE TABLE campaign_members (
    org_id      TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    person_id   TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('leader', 'member')),
    PRIMARY KEY (campaign_id, person_id),
    FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, person_id) REFERENCES persons (org_id, id)
);
CREATE INDEX campaign_members_person ON campaign_members (org_id, person_id);

CREATE TABLE campaign_subjects (
    org_id      TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    PRIMARY KEY (campaign_id, subject_id),
    FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, subject_id) REFERENCES subjects (org_id, id)
);

CREATE TABLE campaign_sites (
    org_id      TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    site_id     TEXT NOT NULL,
    assignee_person_id TEXT,
    PRIMARY KEY (campaign_id, site_id),
    FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id)
);
CREATE INDEX campaign_sites_assignee ON campaign_sites (org_id, assignee_person_id);

CREATE TABLE visits (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL,
    campaign_id       TEXT NOT NULL,
    site_id           TEXT NOT NULL,
    visit_date        DATE NOT NULL,
    leader_person_id  TEXT,
    checklist_code    TEXT NOT NULL,
    checklist_version INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('planned', 'in_progress', 'waiting_lab', 'completed', 'cancelled')),
    gps_lat           REAL,
    gps_lon           REAL,
    gps_accuracy      REAL,
    unit_code         TEXT NOT NULL,
    created_at        DATETIME NOT NULL,
    updated_at        DATETIME NOT NULL,
    UNIQUE (org_id, id),
    FOREIGN KEY (org_id, campaign_id) REFERENCES campaigns (org_id, id),
    FOREIGN KEY (org_id, site_id) REFERENCES sites (org_id, id)
);
CREATE INDEX visits_campaign ON visits (org_id, campaign_id);
CREATE INDEX visits_site_date ON visits (org_id, site_id, visit_date);

CREATE TABLE plan_targets (
    org_id TEXT NOT NULL REFERENCES organisations (id),
    year   INTEGER NOT NULL,
    sector TEXT NOT NULL,
    metric TEXT NOT NULL,
    value  INTEGER NOT NULL CHECK (value >= 0),
    PRIMARY KEY (org_id, year, sector, metric)
);
