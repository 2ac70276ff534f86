package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"sort"
	"strconv"
	"strings"
)

// numberBlock is the data of a number_block entity (schemas/sync-number-block.schema.json).
type numberBlock struct {
	IssuingUnitID string `json:"issuing_unit_id"`
	Year          int    `json:"year"`
	First         int    `json:"first"`
	Last          int    `json:"last"`
	Marks         []struct {
		Number int    `json:"number"`
		State  string `json:"state"`
	} `json:"marks"`
}

// freeNumbers lists, in order, the numbers of the device's blocks for an issuing unit and year that
// neither the server has marked nor this phone has taken (used or voided). At most limit (0: all).
func freeNumbers(ctx context.Context, q queryer, unit string, year, limit int) ([]int, error) {
	rows, err := q.QueryContext(ctx, `SELECT data FROM ref_entities WHERE dataset = 'numbers' AND type = 'number_block'`)
	if err != nil {
		return nil, err
	}
	var blocks []numberBlock
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			rows.Close()
			return nil, err
		}
		var b numberBlock
		if json.Unmarshal(data, &b) == nil && b.IssuingUnitID == unit && b.Year == year && b.First >= 1 && b.Last >= b.First {
			blocks = append(blocks, b)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(blocks, func(i, j int) bool { return blocks[i].First < blocks[j].First })
	taken := map[int]bool{}
	rows, err = q.QueryContext(ctx, `SELECT number FROM number_takes WHERE issuing_unit_id = ? AND year = ?`, unit, year)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		taken[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []int
	for _, b := range blocks {
		for _, m := range b.Marks {
			taken[m.Number] = true
		}
		for n := b.First; n <= b.Last; n++ {
			if !taken[n] {
				out = append(out, n)
				taken[n] = true // blocks never overlap; this keeps a duplicate block from listing twice
				if limit > 0 && len(out) == limit {
					return out, nil
				}
			}
		}
	}
	return out, nil
}

// NumbersLeft counts the record numbers the phone can still take for an issuing unit and year.
func (c *Client) NumbersLeft(issuingUnitID string, year int) (int, error) {
	free, err := freeNumbers(c.ctx, c.store.r, issuingUnitID, year, 0)
	return len(free), err
}

// NextNumber is the record number the next record of the issuing unit and year will take (0 when
// none is left). It takes nothing.
func (c *Client) NextNumber(issuingUnitID string, year int) (int, error) {
	free, err := freeNumbers(c.ctx, c.store.r, issuingUnitID, year, 1)
	if err != nil || len(free) == 0 {
		return 0, err
	}
	return free[0], nil
}

// RecordRef names a violation record made on the phone and the number it took.
type RecordRef struct {
	ID            string
	IssuingUnitID string
	Year          int
	Number        int
}

// CreateRecord draws up a violation record (biên bản vi phạm hành chính) of a visit: it takes the next
// number of the device's block for the issuing unit and year (D9) in the same transaction that saves
// the record, so a number is never taken twice, even across a kill. recordJSON holds the rest of the
// record (drawn_up_at — default now —, subject_id, violations, persons, evidence_ids, status,
// corrects; schemas/sync-push-record.schema.json). queue false keeps it a local draft, not sent until
// UpdateRecord queues it; a draft given up is spoiled (SpoilRecord), which voids its number.
func (c *Client) CreateRecord(visitID, issuingUnitID string, year int, recordJSON string, queue bool) (*RecordRef, error) {
	if visitID == "" || issuingUnitID == "" || year < 2000 || year > 2100 {
		return nil, newError(CodeInvalid, "a record needs a visit, an issuing unit and a year")
	}
	ref := &RecordRef{ID: newUUIDv7(c.now()), IssuingUnitID: issuingUnitID, Year: year}
	err := c.edit(func(ctx context.Context, tx *sql.Tx) error {
		free, err := freeNumbers(ctx, tx, issuingUnitID, year, 1)
		if err != nil {
			return err
		}
		if len(free) == 0 {
			return errorf(CodeNoNumber, "no record number left for issuing unit %s in %d: pull to get a new block", issuingUnitID, year)
		}
		ref.Number = free[0]
		body, status, err := c.recordBody(recordJSON, visitID, issuingUnitID, year, ref.Number)
		if err != nil {
			return err
		}
		// A record queued signed has its document frozen now, before the number is taken (the
		// document does not depend on the take).
		body, doc, err := sealRecord(ctx, tx, localRecord{id: ref.ID, visitID: visitID, unit: issuingUnitID, year: year, number: ref.Number,
			body: body}, status, queue, builtDocument{})
		if err != nil {
			return err
		}
		now := c.now()
		if _, err := tx.ExecContext(ctx, `INSERT INTO number_takes (issuing_unit_id, year, number, state, record_id, taken_at)
			VALUES (?, ?, ?, 'used', ?, ?)`, issuingUnitID, year, ref.Number, ref.ID, now); err != nil {
			return err
		}
		changeID := ""
		if queue {
			if changeID, err = c.enqueue(ctx, tx, change{entityType: "record", entityID: ref.ID, payload: body}); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO local_records (id, visit_id, issuing_unit_id, year, number, body, status, queued,
			last_change, created_at, updated_at, document, document_sha256, document_missing) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ref.ID, visitID, issuingUnitID, year, ref.Number, body, status, queue, changeID, now, now, orEmptyBytes(doc.canon), doc.sum, doc.missing)
		return err
	})
	if err != nil {
		return nil, err
	}
	return ref, nil
}

// recordBody makes the whole record payload: recordJSON with the fields the client owns.
func (c *Client) recordBody(recordJSON, visitID, unit string, year, number int) ([]byte, string, error) {
	var probe struct {
		DrawnUpAt string `json:"drawn_up_at"`
		Status    string `json:"status"`
	}
	if strings.TrimSpace(recordJSON) != "" {
		if err := json.Unmarshal([]byte(recordJSON), &probe); err != nil {
			return nil, "", newError(CodeInvalid, "the record must be a JSON object")
		}
	}
	set := map[string]any{"visit_id": visitID, "issuing_unit_id": unit, "year": year, "number": number}
	if probe.DrawnUpAt == "" {
		set["drawn_up_at"] = rfc3339Milli(c.now())
	}
	body, err := withFields(recordJSON, set)
	if probe.Status == "" {
		probe.Status = "draft"
	}
	return body, probe.Status, err
}

// UpdateRecord saves the record again, whole (recordJSON as for CreateRecord; the visit, issuing unit,
// year and number never change). queue true sends it (a draft becomes queued); a record already
// queued is always queued again — once signed its content cannot change on the server (D11).
func (c *Client) UpdateRecord(recordID, recordJSON string, queue bool) error {
	return c.edit(func(ctx context.Context, tx *sql.Tx) error {
		var visitID, unit, status string
		var year, number int
		var queued bool
		var frozen builtDocument
		err := tx.QueryRowContext(ctx, `SELECT visit_id, issuing_unit_id, year, number, status, queued, document, document_sha256,
			document_missing FROM local_records WHERE id = ?`, recordID).Scan(&visitID, &unit, &year, &number, &status, &queued,
			&frozen.canon, &frozen.sum, &frozen.missing)
		if err == sql.ErrNoRows {
			return errorf(CodeNotFound, "no record %s on this phone", recordID)
		}
		if err != nil {
			return err
		}
		if status == "spoiled" {
			return errorf(CodeInvalid, "record %s was spoiled", recordID)
		}
		body, newStatus, err := c.recordBody(recordJSON, visitID, unit, year, number)
		if err != nil {
			return err
		}
		body, frozen, err = sealRecord(ctx, tx, localRecord{id: recordID, visitID: visitID, unit: unit, year: year, number: number, body: body},
			newStatus, queue || queued, frozen)
		if err != nil {
			return err
		}
		changeID := ""
		if queue || queued {
			base, err := baseVersion(ctx, tx, "record", recordID)
			if err != nil {
				return err
			}
			if changeID, err = c.enqueue(ctx, tx, change{entityType: "record", entityID: recordID, baseVersion: base, payload: body}); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE local_records SET body = ?, status = ?, queued = MAX(queued, ?),
			last_change = CASE WHEN ? = '' THEN last_change ELSE ? END, updated_at = ?, document = ?, document_sha256 = ?,
			document_missing = ? WHERE id = ?`,
			body, newStatus, queue || queued, changeID, changeID, c.now(), orEmptyBytes(frozen.canon), frozen.sum, frozen.missing, recordID)
		return err
	})
}

// SpoilRecord gives up a record draft that was never sent: the record stays on the phone marked
// spoiled and its number is voided with the reason (sent to the server, D9). A record already queued
// cannot be spoiled (CodeRecordSent): a correction is a new record that names it (D11).
func (c *Client) SpoilRecord(recordID, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return newError(CodeInvalid, "a reason is required")
	}
	return c.edit(func(ctx context.Context, tx *sql.Tx) error {
		var unit string
		var year, number int
		var queued bool
		var status string
		err := tx.QueryRowContext(ctx, `SELECT issuing_unit_id, year, number, queued, status FROM local_records WHERE id = ?`, recordID).
			Scan(&unit, &year, &number, &queued, &status)
		if err == sql.ErrNoRows {
			return errorf(CodeNotFound, "no record %s on this phone", recordID)
		}
		if err != nil {
			return err
		}
		if queued {
			return errorf(CodeRecordSent, "record %s is queued for the server: correct it with a new record", recordID)
		}
		if status == "spoiled" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE local_records SET status = 'spoiled', updated_at = ? WHERE id = ?`, c.now(), recordID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE number_takes SET state = 'voided', reason = ? WHERE issuing_unit_id = ? AND year = ? AND number = ?`,
			reason, unit, year, number); err != nil {
			return err
		}
		return c.queueVoid(ctx, tx, unit, year, number, reason)
	})
}

// VoidNumber voids a number of the device's blocks that will never be used (D9): taken here as voided
// and sent with its reason, so that the register shows it voided rather than missing.
func (c *Client) VoidNumber(issuingUnitID string, year, number int, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return newError(CodeInvalid, "a reason is required")
	}
	return c.edit(func(ctx context.Context, tx *sql.Tx) error {
		free, err := freeNumbers(ctx, tx, issuingUnitID, year, 0)
		if err != nil {
			return err
		}
		held := false
		for _, n := range free {
			held = held || n == number
		}
		if !held {
			return errorf(CodeNumberNotHeld, "number %d of %s/%d is not a free number of this phone", number, issuingUnitID, year)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO number_takes (issuing_unit_id, year, number, state, reason, taken_at)
			VALUES (?, ?, ?, 'voided', ?, ?)`, issuingUnitID, year, number, reason, c.now()); err != nil {
			return err
		}
		return c.queueVoid(ctx, tx, issuingUnitID, year, number, reason)
	})
}

func (c *Client) queueVoid(ctx context.Context, tx *sql.Tx, unit string, year, number int, reason string) error {
	payload, err := json.Marshal(map[string]any{"issuing_unit_id": unit, "year": year, "number": number, "reason": reason})
	if err != nil {
		return err
	}
	_, err = c.enqueue(ctx, tx, change{entityType: "number_void", entityID: unit + "/" + strconv.Itoa(year) + "/" + strconv.Itoa(number), payload: payload})
	return err
}
