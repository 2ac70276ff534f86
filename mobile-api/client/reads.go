package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
)

// SyncState is where an entity made or changed on the phone stands: State is draft, queued,
// sending, acknowledged or rejected (with the server's Code and Message), or "" for an entity the
// phone never changed.
type SyncState struct {
	State   string
	Code    string
	Message string
}

// entityState derives an entity's state from its outbox items: anything still to send comes first
// (sending, then queued); else a rejection not dismissed; else acknowledged.
func entityState(ctx context.Context, q queryer, entityType, entityID string) (*SyncState, error) {
	rows, err := q.QueryContext(ctx, `SELECT state, code, message FROM outbox WHERE entity_type = ? AND entity_id = ? ORDER BY seq`,
		entityType, entityID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var sending, queued, acked bool
	var rejected *SyncState
	for rows.Next() {
		var s SyncState
		if err := rows.Scan(&s.State, &s.Code, &s.Message); err != nil {
			return nil, err
		}
		switch s.State {
		case StateSending:
			sending = true
		case StateQueued:
			queued = true
		case StateAcknowledged:
			acked = true
		case StateRejected:
			r := s
			rejected = &r
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	switch {
	case sending:
		return &SyncState{State: StateSending}, nil
	case queued:
		return &SyncState{State: StateQueued}, nil
	case rejected != nil:
		return rejected, nil
	case acked:
		return &SyncState{State: StateAcknowledged}, nil
	}
	return &SyncState{}, nil
}

// EntityState returns the sync state of an entity the phone made or changed (entity types as pushed:
// visit, record, finding, number_void). A record saved as a draft and never queued is draft.
func (c *Client) EntityState(entityType, entityID string) (*SyncState, error) {
	s, err := entityState(c.ctx, c.store.r, entityType, entityID)
	if err != nil || s.State != "" || entityType != "record" {
		return s, err
	}
	var status string
	err = c.store.r.QueryRowContext(c.ctx, `SELECT status FROM local_records WHERE id = ? AND queued = 0`, entityID).Scan(&status)
	if err == sql.ErrNoRows {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	if status == "spoiled" {
		return &SyncState{State: StateDraft, Code: "spoiled"}, nil
	}
	return &SyncState{State: StateDraft}, nil
}

// Reference returns the data of an entity of the reference copy exactly as pulled (JSON), or
// CodeNotFound.
func (c *Client) Reference(entityType, entityID string) (string, error) {
	var data []byte
	err := c.store.r.QueryRowContext(c.ctx, `SELECT data FROM ref_entities WHERE type = ? AND id = ?`, entityType, entityID).Scan(&data)
	if err == sql.ErrNoRows {
		return "", errorf(CodeNotFound, "no %s %s in the copy", entityType, entityID)
	}
	return string(data), err
}

// ReferenceList returns the entities of a type in the reference copy as a JSON array of
// {"id", "version", "data"}, by ID.
func (c *Client) ReferenceList(entityType string) (string, error) {
	rows, err := c.store.r.QueryContext(c.ctx, `SELECT id, version, data FROM ref_entities WHERE type = ? ORDER BY id`, entityType)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	type item struct {
		ID      string          `json:"id"`
		Version int64           `json:"version"`
		Data    json.RawMessage `json:"data"`
	}
	out := []item{}
	for rows.Next() {
		var it item
		var data []byte
		if err := rows.Scan(&it.ID, &it.Version, &data); err != nil {
			return "", err
		}
		it.Data = data
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// changeState is an outbox item's state and the server version it was acknowledged with.
type changeState struct {
	state   string
	version int64
}

// counts tells whether a local value set by a change stands over the pulled copy of version
// pulled: while the change is unsent or unanswered, or when the server acknowledged it with a version
// newer than the copy. A rejected change does not (the server's value is the one).
func (s changeState) counts(pulled int64) bool {
	switch s.state {
	case StateQueued, StateSending:
		return true
	case StateAcknowledged:
		return s.version > pulled
	}
	return false
}

func changeStates(ctx context.Context, q queryer, ids []string) (map[string]changeState, error) {
	out := map[string]changeState{}
	for _, id := range ids {
		if id == "" {
			continue
		}
		var s changeState
		err := q.QueryRowContext(ctx, `SELECT state, version FROM outbox WHERE change_id = ?`, id).Scan(&s.state, &s.version)
		if err == sql.ErrNoRows {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[id] = s
	}
	return out, nil
}

// Visit returns a visit as the phone should show it (JSON): the server's copy as last pulled (the
// fields of sync-visit.schema.json), with what was changed on this phone and is not yet in that copy
// laid over it (status, GPS, leader, answers), plus "sync_state", "sync_code", "sync_message" and
// "local_version" (the version the next change will be based on).
func (c *Client) Visit(visitID string) (string, error) {
	ctx := c.ctx
	out := map[string]json.RawMessage{}
	var pulled int64
	var data []byte
	err := c.store.r.QueryRowContext(ctx, `SELECT version, data FROM ref_entities WHERE type = 'visit' AND id = ?`, visitID).Scan(&pulled, &data)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return "", err
	default:
		json.Unmarshal(data, &out)
	}
	var lv struct {
		createdHere                                  bool
		campaign, site, date, code                   string
		version                                      int
		status, statusChange, gps, gpsChange, leader string
		leaderChange                                 string
		deleted                                      bool
	}
	err = c.store.r.QueryRowContext(ctx, `SELECT created_here, campaign_id, site_id, date, checklist_code, checklist_version, status,
		status_change, gps, gps_change, leader_person_id, leader_change, deleted FROM local_visits WHERE id = ?`, visitID).
		Scan(&lv.createdHere, &lv.campaign, &lv.site, &lv.date, &lv.code, &lv.version, &lv.status, &lv.statusChange, &lv.gps,
			&lv.gpsChange, &lv.leader, &lv.leaderChange, &lv.deleted)
	local := err == nil
	if err != nil && err != sql.ErrNoRows {
		return "", err
	}
	if !local && data == nil {
		return "", errorf(CodeNotFound, "no visit %s on this phone", visitID)
	}
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	if local {
		if data == nil && lv.createdHere {
			out["id"], out["campaign_id"], out["site_id"], out["date"] = raw(visitID), raw(lv.campaign), raw(lv.site), raw(lv.date)
			out["checklist_code"], out["checklist_version"], out["status"] = raw(lv.code), raw(lv.version), raw("planned")
		}
		states, err := changeStates(ctx, c.store.r, []string{lv.statusChange, lv.gpsChange, lv.leaderChange})
		if err != nil {
			return "", err
		}
		if s, ok := states[lv.statusChange]; ok && s.counts(pulled) {
			out["status"] = raw(lv.status)
		}
		if s, ok := states[lv.gpsChange]; ok && s.counts(pulled) {
			out["gps"] = json.RawMessage(lv.gps)
		}
		if s, ok := states[lv.leaderChange]; ok && s.counts(pulled) {
			out["leader_person_id"] = raw(lv.leader)
		}
		if lv.deleted {
			out["deleted"] = raw(true)
		}
	}
	answers := map[string]json.RawMessage{}
	json.Unmarshal(out["answers"], &answers)
	rows, err := c.store.r.QueryContext(ctx, `SELECT a.key, a.answer, COALESCE(o.state, ''), COALESCE(o.version, 0)
		FROM local_answers a LEFT JOIN outbox o ON o.change_id = a.change_id WHERE a.visit_id = ?`, visitID)
	if err != nil {
		return "", err
	}
	for rows.Next() {
		var key, answer string
		var s changeState
		if err := rows.Scan(&key, &answer, &s.state, &s.version); err != nil {
			rows.Close()
			return "", err
		}
		if !s.counts(pulled) {
			continue
		}
		if answer == "null" {
			delete(answers, key)
		} else {
			answers[key] = json.RawMessage(answer)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	out["answers"] = raw(answers)
	st, err := entityState(ctx, c.store.r, "visit", visitID)
	if err != nil {
		return "", err
	}
	base, err := baseVersion(ctx, c.store.r, "visit", visitID)
	if err != nil {
		return "", err
	}
	out["sync_state"], out["sync_code"], out["sync_message"], out["local_version"] = raw(st.State), raw(st.Code), raw(st.Message), raw(base)
	b, err := json.Marshal(out)
	return string(b), err
}

// Record returns a violation record made on this phone (JSON): the record as last saved here
// ("record": the payload), its number, its sync state, and the server's copy as last pulled
// ("server": sync-record.schema.json, with the chief's status and comment; null until pulled). A
// record whose local copy Prune let go has "record": null, "pruned": true and the server's copy.
func (c *Client) Record(recordID string) (string, error) {
	ctx := c.ctx
	var body []byte
	var status string
	var number int
	err := c.store.r.QueryRowContext(ctx, `SELECT body, status, number FROM local_records WHERE id = ?`, recordID).Scan(&body, &status, &number)
	if err == sql.ErrNoRows {
		return c.prunedRecord(recordID)
	}
	if err != nil {
		return "", err
	}
	server := json.RawMessage("null")
	var data []byte
	if err := c.store.r.QueryRowContext(ctx, `SELECT data FROM ref_entities WHERE type = 'record' AND id = ?`, recordID).Scan(&data); err == nil {
		server = data
	} else if err != sql.ErrNoRows {
		return "", err
	}
	st, err := c.EntityState("record", recordID)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]any{"id": recordID, "number": number, "status": status, "record": json.RawMessage(body),
		"server": server, "sync_state": st.State, "sync_code": st.Code, "sync_message": st.Message})
	return string(b), err
}

// prunedRecord is Record of a record drawn up here whose local copy Prune let go: the server's copy
// as pulled, acknowledged.
func (c *Client) prunedRecord(recordID string) (string, error) {
	ctx := c.ctx
	known, err := knownVersion(ctx, c.store.r, "record", recordID)
	if err != nil {
		return "", err
	}
	var data []byte
	err = c.store.r.QueryRowContext(ctx, `SELECT data FROM ref_entities WHERE type = 'record' AND id = ?`, recordID).Scan(&data)
	if known == 0 || err == sql.ErrNoRows {
		return "", errorf(CodeNotFound, "no record %s on this phone", recordID)
	}
	if err != nil {
		return "", err
	}
	var d struct {
		Number int    `json:"number"`
		Status string `json:"status"`
	}
	json.Unmarshal(data, &d)
	b, err := json.Marshal(map[string]any{"id": recordID, "number": d.Number, "status": d.Status, "record": nil,
		"server": json.RawMessage(data), "sync_state": StateAcknowledged, "sync_code": "", "sync_message": "", "pruned": true})
	return string(b), err
}

// LocalVisitIDs lists (JSON array) the IDs of the visits made or changed on this phone.
func (c *Client) LocalVisitIDs() (string, error) {
	return c.idList(`SELECT id FROM local_visits ORDER BY id`)
}

// LocalRecordIDs lists (JSON array) the IDs of the records drawn up on this phone.
func (c *Client) LocalRecordIDs() (string, error) {
	return c.idList(`SELECT id FROM local_records ORDER BY id`)
}

func (c *Client) idList(query string) (string, error) {
	rows, err := c.store.r.QueryContext(c.ctx, query)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return "", err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b, err := json.Marshal(ids)
	return string(b), err
}

// Outbox lists the outbox items (JSON array, oldest first) in the given states (comma-separated,
// e.g. "rejected"; empty: every state), each with change_id, entity_type, entity_id, base_version,
// captured_at, payload, state, outcome, version, code, message, fields, sends and answer_order.
func (c *Client) Outbox(states string) (string, error) {
	q := `SELECT seq, change_id, entity_type, entity_id, base_version, captured_at, payload, state, outcome, version, code, message,
		fields, sends, answer_order FROM outbox`
	var args []any
	if states = strings.TrimSpace(states); states != "" {
		parts := strings.Split(states, ",")
		q += ` WHERE state IN (?` + strings.Repeat(", ?", len(parts)-1) + `)`
		for _, p := range parts {
			args = append(args, strings.TrimSpace(p))
		}
	}
	rows, err := c.store.r.QueryContext(c.ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	type item struct {
		Seq         int64           `json:"seq"`
		ChangeID    string          `json:"change_id"`
		EntityType  string          `json:"entity_type"`
		EntityID    string          `json:"entity_id"`
		BaseVersion int64           `json:"base_version"`
		CapturedAt  string          `json:"captured_at"`
		Payload     json.RawMessage `json:"payload"`
		State       string          `json:"state"`
		Outcome     string          `json:"outcome,omitempty"`
		Version     int64           `json:"version"`
		Code        string          `json:"code,omitempty"`
		Message     string          `json:"message,omitempty"`
		Fields      json.RawMessage `json:"fields,omitempty"`
		Sends       int             `json:"sends"`
		AnswerOrder int64           `json:"answer_order"`
	}
	out := []item{}
	for rows.Next() {
		var it item
		var payload []byte
		var fields string
		if err := rows.Scan(&it.Seq, &it.ChangeID, &it.EntityType, &it.EntityID, &it.BaseVersion, &it.CapturedAt, &payload, &it.State,
			&it.Outcome, &it.Version, &it.Code, &it.Message, &fields, &it.Sends, &it.AnswerOrder); err != nil {
			return "", err
		}
		it.Payload = payload
		if fields != "" {
			it.Fields = json.RawMessage(fields)
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// DismissRejected marks a rejected change as seen by the user. It stays in the store.
func (c *Client) DismissRejected(changeID string) error {
	return c.store.tx(c.ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(c.ctx, `UPDATE outbox SET state = 'dismissed' WHERE change_id = ? AND state = 'rejected'`, changeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errorf(CodeNotFound, "no rejected change %s", changeID)
		}
		return nil
	})
}

// Status is a summary for the app's sync screen.
type Status struct {
	LoggedIn        bool
	LoginRequired   string // the server's code when it ended the session (refresh_reused …), else ""
	Login           string
	AccountID       string
	DeviceID        string
	Queued          int
	Sending         int
	Rejected        int
	Acknowledged    int
	Drafts          int   // records saved as drafts, never queued
	LastPullMilli   int64 // the phone's time of the last page applied; 0 if never
	Uploads         int   // evidence whose bytes are not on the server yet (queued or uploading)
	UploadsSetAside int   // evidence uploads set aside (rejected)
}

// Status returns the summary.
func (c *Client) Status() (*Status, error) {
	ctx := c.ctx
	st := &Status{DeviceID: c.deviceID}
	s, err := loadSession(ctx, c.store.r)
	if err != nil {
		return nil, err
	}
	if s != nil {
		st.LoggedIn, st.LoginRequired, st.Login, st.AccountID = s.loginRequired == "", s.loginRequired, s.login, s.accountID
	}
	rows, err := c.store.r.QueryContext(ctx, `SELECT state, COUNT(*) FROM outbox GROUP BY state`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			rows.Close()
			return nil, err
		}
		switch state {
		case StateQueued:
			st.Queued = n
		case StateSending:
			st.Sending = n
		case StateRejected:
			st.Rejected = n
		case StateAcknowledged:
			st.Acknowledged = n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if err := c.store.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_records WHERE queued = 0 AND status <> 'spoiled'`).Scan(&st.Drafts); err != nil {
		return nil, err
	}
	if err := c.store.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(pulled_at), 0) FROM cursors`).Scan(&st.LastPullMilli); err != nil {
		return nil, err
	}
	if err := c.store.r.QueryRowContext(ctx, `SELECT COALESCE(SUM(state IN ('queued', 'uploading')), 0), COALESCE(SUM(state = 'rejected'), 0)
		FROM local_evidence`).Scan(&st.Uploads, &st.UploadsSetAside); err != nil {
		return nil, err
	}
	return st, nil
}
