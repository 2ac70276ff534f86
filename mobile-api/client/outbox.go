package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// Outbox states (the column outbox.state). A change is queued when made, sending from the moment it
// is handed to a push until the server's answer for it is stored, then acknowledged (applied or a
// duplicate) or rejected (set aside with the server's reason, never sent again and never blocking the
// rest). dismissed is a rejection the user has seen; it stays in the store.
const (
	StateDraft        = "draft" // an entity saved on the phone with no change queued (a record draft)
	StateQueued       = "queued"
	StateSending      = "sending"
	StateAcknowledged = "acknowledged"
	StateRejected     = "rejected"
	StateDismissed    = "dismissed"
)

// outItem is one outbox item as the push sends it (schemas/sync-push-request.schema.json).
type outItem struct {
	seq         int64
	ChangeID    string          `json:"change_id"`
	EntityType  string          `json:"entity_type"`
	EntityID    string          `json:"entity_id"`
	BaseVersion int64           `json:"base_version"`
	CapturedAt  string          `json:"captured_at"`
	Payload     json.RawMessage `json:"payload"`
}

// change is what a local edit queues.
type change struct {
	entityType, entityID string
	baseVersion          int64
	payload              []byte
}

// enqueue writes an outbox item for ch in tx (the transaction that also writes the entity) and
// returns its change ID. The item never changes afterwards: a resend is the same change.
func (c *Client) enqueue(ctx context.Context, tx *sql.Tx, ch change) (string, error) {
	if len(ch.payload) > maxPayloadBytes {
		return "", errorf(CodePayloadTooLarge, "the change is %d bytes; the server takes at most %d", len(ch.payload), maxPayloadBytes)
	}
	now := c.now()
	id := newUUIDv7(now)
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (change_id, entity_type, entity_id, base_version, captured_at, payload, state)
		VALUES (?, ?, ?, ?, ?, ?, 'queued')`, id, ch.entityType, ch.entityID, ch.baseVersion, rfc3339Milli(now), ch.payload)
	return id, err
}

// baseVersion is the base version of a new change of an entity (D4): the server version the phone
// knows — the larger of what a pull brought and what an acknowledgement said. An entity created on
// this phone whose creation the server has not acknowledged yet is based on version 1, the version a
// creation makes (the creation goes first: the outbox drains in order). 0 means a new entity.
func baseVersion(ctx context.Context, q queryer, entityType, entityID string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT MAX(v) FROM (
		SELECT COALESCE(MAX(version), 0) AS v FROM known_versions WHERE entity_type = ? AND entity_id = ?
		UNION ALL SELECT COALESCE(MAX(version), 0) FROM ref_entities WHERE type = ? AND id = ?)`,
		entityType, entityID, entityType, entityID).Scan(&v)
	if err != nil || v > 0 {
		return v, err
	}
	var created int
	err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE entity_type = ? AND entity_id = ? AND base_version = 0`,
		entityType, entityID).Scan(&created)
	if created > 0 {
		return 1, err
	}
	return 0, err
}

// countOutbox counts the items in the given states.
func (c *Client) countOutbox(ctx context.Context, states ...string) (int, error) {
	q := `SELECT COUNT(*) FROM outbox WHERE state IN (?` + strings.Repeat(", ?", len(states)-1) + `)`
	args := make([]any, len(states))
	for i, s := range states {
		args[i] = s
	}
	var n int
	err := c.store.r.QueryRowContext(ctx, q, args...).Scan(&n)
	return n, err
}

// nextBatch takes the oldest unacknowledged items (those left sending by an earlier push first — they
// are the oldest) up to limit and the batch size, and marks them sending in one transaction before
// anything is sent: after a kill they are sent again, with the same change IDs.
func (c *Client) nextBatch(ctx context.Context, limit int) ([]outItem, error) {
	var items []outItem
	err := c.store.tx(ctx, func(tx *sql.Tx) error {
		items = items[:0]
		rows, err := tx.QueryContext(ctx, `SELECT seq, change_id, entity_type, entity_id, base_version, captured_at, payload
			FROM outbox WHERE state IN ('queued', 'sending') ORDER BY seq LIMIT ?`, limit)
		if err != nil {
			return err
		}
		size := 0
		for rows.Next() {
			var it outItem
			var payload []byte
			if err := rows.Scan(&it.seq, &it.ChangeID, &it.EntityType, &it.EntityID, &it.BaseVersion, &it.CapturedAt, &payload); err != nil {
				rows.Close()
				return err
			}
			it.Payload = payload
			size += len(payload) + 300
			if len(items) > 0 && size > maxBatchBytes {
				break
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := c.now()
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'sending', sends = sends + 1,
				first_sent_at = CASE WHEN first_sent_at = 0 THEN ? ELSE first_sent_at END WHERE seq = ?`, now, it.seq); err != nil {
				return err
			}
		}
		return nil
	})
	return items, err
}

// pushResult is one result of a push answer (schemas/sync-push-response.schema.json).
type pushResult struct {
	ChangeID string          `json:"change_id"`
	Outcome  string          `json:"outcome"`
	Version  int64           `json:"version"`
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	Fields   json.RawMessage `json:"fields"`
}

// PushReport says what a push did.
type PushReport struct {
	Sent         int // items sent (an item sent twice counts twice)
	Acknowledged int // applied or duplicate
	SetAside     int // rejected, conflicting or never sendable: kept aside with the reason
	Batches      int
}

var itemField = regexp.MustCompile(`^items\[(\d+)\]`)

// itemsNamed returns the indexes of the batch items that error fields name (items[3].payload → 3).
func itemsNamed(fields []apiField, n int) map[int][]string {
	out := map[int][]string{}
	for _, f := range fields {
		m := itemField.FindStringSubmatch(f.Field)
		if m == nil {
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i < 0 || i >= n {
			continue
		}
		out[i] = append(out[i], f.Field+": "+f.Code)
	}
	return out
}

// push sends the outbox, oldest first, batch after batch, until nothing is left to send. Each answer
// is applied in one transaction: applied and duplicate items are acknowledged with their version;
// conflicts and rejections are set aside with the server's reason. A whole-batch refusal that names
// items (400, 413 push_item_too_large) sets those items aside and sends the rest; one that names none
// halves the batch, so that a single bad item is found and set aside and the queue never wedges;
// batches grow back after each answered one.
func (c *Client) push(ctx context.Context) (*PushReport, error) {
	rep := &PushReport{}
	limit := c.cfg.batch
	for {
		items, err := c.nextBatch(ctx, limit)
		if err != nil {
			return rep, err
		}
		if len(items) == 0 {
			return rep, nil
		}
		c.crash.hit(CrashPushBeforeSend)
		body, err := json.Marshal(map[string]any{"items": items})
		if err != nil {
			return rep, err
		}
		res, err := c.do(ctx, request{path: "/sync/push", body: body, gzipBody: true, auth: true, retry429: true})
		if err != nil {
			return rep, err
		}
		rep.Sent += len(items)
		rep.Batches++
		switch res.status {
		case http.StatusOK:
			var answer struct {
				Results []pushResult `json:"results"`
			}
			if err := json.Unmarshal(res.body, &answer); err != nil {
				return rep, &Error{Code: CodeProtocol, Message: "push answer: " + err.Error(), RequestID: res.requestID}
			}
			if len(answer.Results) != len(items) {
				return rep, &Error{Code: CodeProtocol, Message: "push answer: " + strconv.Itoa(len(answer.Results)) + " results for " +
					strconv.Itoa(len(items)) + " items", RequestID: res.requestID}
			}
			for i, r := range answer.Results {
				if r.ChangeID != items[i].ChangeID {
					return rep, &Error{Code: CodeProtocol, Message: "push answer: result " + strconv.Itoa(i) + " is for another change", RequestID: res.requestID}
				}
			}
			c.crash.hit(CrashPushAfterSend)
			acked, aside, err := c.applyResults(ctx, items, answer.Results)
			if err != nil {
				return rep, err
			}
			rep.Acknowledged += acked
			rep.SetAside += aside
			limit = min(c.cfg.batch, 2*limit) // back to full batches once the bad item is found
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
			e, fields := decodeError(res)
			named := itemsNamed(fields, len(items))
			if e.Code == "push_batch_too_large" || e.Code == "body_too_large" {
				named = nil // the batch as a whole: fewer items
			}
			switch {
			case len(named) > 0:
				if err := c.setAside(ctx, items, named, e); err != nil {
					return rep, err
				}
				rep.SetAside += len(named)
			case len(items) > 1:
				limit = max(1, len(items)/2)
			default:
				if err := c.setAside(ctx, items, map[int][]string{0: nil}, e); err != nil {
					return rep, err
				}
				rep.SetAside++
			}
		default:
			e, _ := decodeError(res)
			return rep, e
		}
	}
}

// applyResults stores a push answer in one transaction: nothing of it, or all of it.
func (c *Client) applyResults(ctx context.Context, items []outItem, results []pushResult) (acked, aside int, err error) {
	err = c.store.tx(ctx, func(tx *sql.Tx) error {
		acked, aside = 0, 0
		order, err := getMeta(ctx, tx, "answer_order")
		if err != nil {
			return err
		}
		n, _ := strconv.ParseInt(order, 10, 64)
		now := c.now()
		for i, r := range results {
			if i == len(results)/2 {
				c.crash.hit(CrashPushMidApply)
			}
			it := items[i]
			n++
			switch r.Outcome {
			case "applied", "duplicate":
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'acknowledged', outcome = ?, version = ?, code = '',
					message = '', answered_at = ?, answer_order = ? WHERE seq = ?`, r.Outcome, r.Version, now, n, it.seq); err != nil {
					return err
				}
				if r.Version > 0 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO known_versions (entity_type, entity_id, version) VALUES (?, ?, ?)
						ON CONFLICT (entity_type, entity_id) DO UPDATE SET version = MAX(version, excluded.version)`,
						it.EntityType, it.EntityID, r.Version); err != nil {
						return err
					}
				}
				acked++
			default: // conflict, rejected, and an outcome this client does not know: set aside
				fields := ""
				if len(r.Fields) > 0 && string(r.Fields) != "null" {
					fields = string(r.Fields)
				}
				if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'rejected', outcome = ?, version = 0, code = ?, message = ?,
					fields = ?, answered_at = ?, answer_order = ? WHERE seq = ?`, r.Outcome, r.Code, r.Message, fields, now, n, it.seq); err != nil {
					return err
				}
				if err := rejectEvidence(ctx, tx, it, r.Code, r.Message, now); err != nil {
					return err
				}
				aside++
			}
		}
		return setMeta(ctx, tx, "answer_order", strconv.FormatInt(n, 10))
	})
	return acked, aside, err
}

// setAside sets aside the items a whole-batch refusal named (their index → the field errors).
func (c *Client) setAside(ctx context.Context, items []outItem, named map[int][]string, e *Error) error {
	return c.store.tx(ctx, func(tx *sql.Tx) error {
		order, err := getMeta(ctx, tx, "answer_order")
		if err != nil {
			return err
		}
		n, _ := strconv.ParseInt(order, 10, 64)
		for i, it := range items {
			fs, ok := named[i]
			if !ok {
				continue
			}
			n++
			var fields []byte
			if len(fs) > 0 {
				fields, _ = json.Marshal(fs)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'rejected', outcome = 'refused', code = ?, message = ?, fields = ?,
				answered_at = ?, answer_order = ? WHERE seq = ?`, e.Code, e.Message, string(fields), c.now(), n, it.seq); err != nil {
				return err
			}
			if err := rejectEvidence(ctx, tx, it, e.Code, e.Message, c.now()); err != nil {
				return err
			}
		}
		return setMeta(ctx, tx, "answer_order", strconv.FormatInt(n, 10))
	})
}

// rejectEvidence sets aside the upload of evidence whose reference was set aside (in the same
// transaction): its bytes have nowhere to go.
func rejectEvidence(ctx context.Context, tx *sql.Tx, it outItem, code, message string, now int64) error {
	if it.EntityType != "evidence" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE local_evidence SET state = 'rejected', code = ?, message = ?, updated_at = ?
		WHERE change_id = ? AND state IN ('queued', 'uploading')`, code, message, now, it.ChangeID)
	return err
}
