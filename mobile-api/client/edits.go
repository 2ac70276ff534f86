package client

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// Every edit below writes the entity as the phone now holds it and the outbox item of the change in
// ONE local transaction: after a kill either both are there or neither. Payload shapes are those of
// schemas/sync-push-*.schema.json; the server checks them (a change it refuses comes back rejected
// and is set aside with its reason).

// edit runs fn in one write transaction, then passes the crash point of a committed edit.
func (c *Client) edit(fn func(ctx context.Context, tx *sql.Tx) error) error {
	ctx := c.ctx
	if err := c.store.tx(ctx, func(tx *sql.Tx) error { return fn(ctx, tx) }); err != nil {
		return err
	}
	c.crash.hit(CrashEditCommitted)
	return nil
}

// NewVisit is a visit started on the phone: one team at one site on one day, with one published
// checklist version (schemas/sync-push-visit.schema.json).
type NewVisit struct {
	CampaignID       string
	SiteID           string
	Date             string // YYYY-MM-DD, within the campaign's period
	ChecklistCode    string
	ChecklistVersion int
	Status           string // empty: planned
	LeaderPersonID   string // empty: not named
}

// CreateVisit starts a visit and queues its creation; it returns the visit's ID (a UUIDv7 made here).
func (c *Client) CreateVisit(v *NewVisit) (string, error) {
	if v == nil || v.CampaignID == "" || v.SiteID == "" || v.Date == "" || v.ChecklistCode == "" || v.ChecklistVersion < 1 {
		return "", newError(CodeInvalid, "a visit needs a campaign, a site, a date and a checklist version")
	}
	id := newUUIDv7(c.now())
	p := map[string]any{"campaign_id": v.CampaignID, "site_id": v.SiteID, "date": v.Date,
		"checklist_code": v.ChecklistCode, "checklist_version": v.ChecklistVersion}
	if v.Status != "" {
		p["status"] = v.Status
	}
	if v.LeaderPersonID != "" {
		p["leader_person_id"] = v.LeaderPersonID
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	err = c.edit(func(ctx context.Context, tx *sql.Tx) error {
		changeID, err := c.enqueue(ctx, tx, change{entityType: "visit", entityID: id, payload: payload})
		if err != nil {
			return err
		}
		statusChange := ""
		if v.Status != "" {
			statusChange = changeID
		}
		leaderChange := ""
		if v.LeaderPersonID != "" {
			leaderChange = changeID
		}
		now := c.now()
		_, err = tx.ExecContext(ctx, `INSERT INTO local_visits (id, created_here, campaign_id, site_id, date, checklist_code,
			checklist_version, status, status_change, leader_person_id, leader_change, created_at, updated_at)
			VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, v.CampaignID, v.SiteID, v.Date, v.ChecklistCode, v.ChecklistVersion,
			v.Status, statusChange, v.LeaderPersonID, leaderChange, now, now)
		return err
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// visitChange queues a change of a visit the phone holds (made here or pulled), based on the
// version it knows, and lets set record it in local_visits.
func (c *Client) visitChange(visitID string, payload []byte, set func(ctx context.Context, tx *sql.Tx, changeID string, now int64) error) error {
	return c.edit(func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM local_visits WHERE id = ?) +
			(SELECT COUNT(*) FROM ref_entities WHERE type = 'visit' AND id = ?)`, visitID, visitID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return errorf(CodeNotFound, "no visit %s on this phone", visitID)
		}
		base, err := baseVersion(ctx, tx, "visit", visitID)
		if err != nil {
			return err
		}
		if base == 0 {
			return errorf(CodeInvalid, "visit %s has no version to change", visitID)
		}
		changeID, err := c.enqueue(ctx, tx, change{entityType: "visit", entityID: visitID, baseVersion: base, payload: payload})
		if err != nil {
			return err
		}
		now := c.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO local_visits (id, created_at, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`, visitID, now, now); err != nil {
			return err
		}
		return set(ctx, tx, changeID, now)
	})
}

// SetVisitStatus moves a visit to status (along the moves the server allows: planned, in_progress,
// completed, cancelled …; completed needs every required answer).
func (c *Client) SetVisitStatus(visitID, status string) error {
	if strings.TrimSpace(status) == "" {
		return newError(CodeInvalid, "no status")
	}
	payload, _ := json.Marshal(map[string]string{"status": status})
	return c.visitChange(visitID, payload, func(ctx context.Context, tx *sql.Tx, changeID string, _ int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE local_visits SET status = ?, status_change = ? WHERE id = ?`, status, changeID, visitID)
		return err
	})
}

// SetAnswer sets one checklist answer (answerJSON: the answer object of
// checklist-answers-request.schema.json, e.g. {"value": true, "evidence": ["<evidence id>"]}), or
// clears it (answerJSON "null"). Answers of the team's phones merge per key on the server (D5).
func (c *Client) SetAnswer(visitID, key, answerJSON string) error {
	return c.SetAnswers(visitID, `{`+mustJSONString(key)+`:`+answerJSON+`}`)
}

// SetAnswers sets several answers in one change: answersJSON is an object of answer key → answer
// (or null to clear it).
func (c *Client) SetAnswers(visitID, answersJSON string) error {
	var answers map[string]json.RawMessage
	if err := json.Unmarshal([]byte(answersJSON), &answers); err != nil || len(answers) == 0 {
		return newError(CodeInvalid, "answers must be a JSON object of answer key → answer")
	}
	for k, a := range answers {
		a = bytes.TrimSpace(a)
		if k == "" || (len(a) == 0 || a[0] != '{') && string(a) != "null" {
			return errorf(CodeInvalid, "answer %q must be an object or null", k)
		}
		answers[k] = a
	}
	payload, err := json.Marshal(map[string]any{"answers": answers})
	if err != nil {
		return newError(CodeInvalid, "answers: "+err.Error())
	}
	return c.visitChange(visitID, payload, func(ctx context.Context, tx *sql.Tx, changeID string, now int64) error {
		for k, a := range answers {
			if _, err := tx.ExecContext(ctx, `INSERT INTO local_answers (visit_id, key, answer, captured_at, change_id) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (visit_id, key) DO UPDATE SET answer = excluded.answer, captured_at = excluded.captured_at,
				change_id = excluded.change_id`, visitID, k, string(a), rfc3339Milli(now), changeID); err != nil {
				return err
			}
		}
		return nil
	})
}

// SetVisitGPS records where the visit took place (accuracyM 0 when unknown).
func (c *Client) SetVisitGPS(visitID string, lat, lon, accuracyM float64) error {
	g := map[string]float64{"lat": lat, "lon": lon}
	if accuracyM > 0 {
		g["accuracy_m"] = accuracyM
	}
	gps, _ := json.Marshal(g)
	payload, _ := json.Marshal(map[string]json.RawMessage{"gps": gps})
	return c.visitChange(visitID, payload, func(ctx context.Context, tx *sql.Tx, changeID string, _ int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE local_visits SET gps = ?, gps_change = ? WHERE id = ?`, string(gps), changeID, visitID)
		return err
	})
}

// SetVisitLeader names the team member who leads the visit.
func (c *Client) SetVisitLeader(visitID, personID string) error {
	if personID == "" {
		return newError(CodeInvalid, "no person")
	}
	payload, _ := json.Marshal(map[string]string{"leader_person_id": personID})
	return c.visitChange(visitID, payload, func(ctx context.Context, tx *sql.Tx, changeID string, _ int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE local_visits SET leader_person_id = ?, leader_change = ? WHERE id = ?`, personID, changeID, visitID)
		return err
	})
}

// DeleteVisit deletes a visit started by mistake (planned or in progress, without records); the
// phone keeps its row, marked deleted, until the server has acknowledged the deletion and beyond.
func (c *Client) DeleteVisit(visitID string) error {
	return c.visitChange(visitID, []byte(`{"deleted":true}`), func(ctx context.Context, tx *sql.Tx, _ string, _ int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE local_visits SET deleted = 1 WHERE id = ?`, visitID)
		return err
	})
}

// SaveFinding saves a manual finding (something found outside the checklist) of a visit and queues
// it whole: findingJSON holds description, answer_key, violation_codes and evidence_ids
// (schemas/sync-push-finding.schema.json; visit_id is set here). findingID "" makes a new finding.
// It returns the finding's ID.
func (c *Client) SaveFinding(findingID, visitID, findingJSON string) (string, error) {
	body, err := withFields(findingJSON, map[string]any{"visit_id": visitID})
	if err != nil {
		return "", err
	}
	isNew := findingID == ""
	if isNew {
		findingID = newUUIDv7(c.now())
	}
	err = c.edit(func(ctx context.Context, tx *sql.Tx) error {
		var base int64
		if !isNew {
			if base, err = c.findingVersion(ctx, tx, findingID, visitID); err != nil {
				return err
			}
		}
		changeID, err := c.enqueue(ctx, tx, change{entityType: "finding", entityID: findingID, baseVersion: base, payload: body})
		if err != nil {
			return err
		}
		now := c.now()
		_, err = tx.ExecContext(ctx, `INSERT INTO local_findings (id, visit_id, body, last_change, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET body = excluded.body, last_change = excluded.last_change, updated_at = excluded.updated_at`,
			findingID, visitID, body, changeID, now, now)
		return err
	})
	if err != nil {
		return "", err
	}
	return findingID, nil
}

// findingVersion is the base version of a change of a finding: what the phone knows of it, from its
// acknowledgements or from the manual findings of the pulled visit.
func (c *Client) findingVersion(ctx context.Context, tx *sql.Tx, findingID, visitID string) (int64, error) {
	base, err := baseVersion(ctx, tx, "finding", findingID)
	if err != nil {
		return 0, err
	}
	var data []byte
	err = tx.QueryRowContext(ctx, `SELECT data FROM ref_entities WHERE type = 'visit' AND id = ?`, visitID).Scan(&data)
	if err == sql.ErrNoRows {
		err = nil
	}
	if err != nil {
		return 0, err
	}
	var v struct {
		ManualFindings []struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"manual_findings"`
	}
	json.Unmarshal(data, &v)
	for _, f := range v.ManualFindings {
		if f.ID == findingID {
			base = max(base, f.Version)
		}
	}
	if base == 0 {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_findings WHERE id = ?`, findingID).Scan(&n); err != nil {
			return 0, err
		}
		if n == 0 {
			return 0, errorf(CodeNotFound, "no finding %s on this phone", findingID)
		}
	}
	return base, nil
}

// withFields parses a JSON object and sets the given fields in it; a field already there with
// another value is refused (the client owns those fields).
func withFields(objectJSON string, set map[string]any) ([]byte, error) {
	var m map[string]json.RawMessage
	if strings.TrimSpace(objectJSON) == "" {
		objectJSON = "{}"
	}
	if err := json.Unmarshal([]byte(objectJSON), &m); err != nil || m == nil {
		return nil, newError(CodeInvalid, "expected a JSON object")
	}
	for k, v := range set {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		if old, ok := m[k]; ok && !jsonEqual(old, b) {
			return nil, errorf(CodeInvalid, "%s is set by the client: %s, not %s", k, b, old)
		}
		m[k] = b
	}
	return json.Marshal(m)
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

func mustJSONString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
