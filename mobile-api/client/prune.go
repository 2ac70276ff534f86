package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
)

// PruneReport says what Prune let go of.
type PruneReport struct {
	Visits   int   // visits whose local copy was let go
	Records  int   // their violation records
	Evidence int   // evidence files deleted
	Bytes    int64 // the bytes of those files
	Changes  int   // answered outbox items deleted
}

// Prune lets go of the phone's own copy of the work the server holds whole, visit by visit, to free
// the phone's storage (above all the photos). PRODUCT.md sync 5: a record is never deleted before the
// server has acknowledged it and all its evidence. So a visit is let go only when, in one
// transaction:
//
//   - no change of the visit, of its records, findings or evidence is queued, sending or set aside
//     (a rejection waits until the user dismisses it);
//   - none of its records is a draft never sent;
//   - every evidence of the visit is stored on the server;
//   - the pulled copy has caught up: the server's visit (and each of its records) as last pulled is
//     at least the version the acknowledgements gave, with each manual finding in it — so the app
//     still shows the visit, its answers, findings and records from the reference copy.
//
// Then the visit's local rows (visit, answers, findings, records) and their answered outbox items
// are deleted, its evidence rows are kept marked pruned, and the files are deleted after the commit.
// Record numbers taken stay (number_takes): a number is never taken twice. Call it after a Sync.
func (c *Client) Prune() (*PruneReport, error) {
	rep := &PruneReport{}
	err := c.locked(func(ctx context.Context) error {
		var files []string
		err := c.store.tx(ctx, func(tx *sql.Tx) error {
			*rep, files = PruneReport{}, nil
			ids, err := pruneCandidates(ctx, tx)
			if err != nil {
				return err
			}
			for _, v := range ids {
				ok, err := prunable(ctx, tx, v)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
				f, err := c.pruneVisit(ctx, tx, v, rep)
				if err != nil {
					return err
				}
				files = append(files, f...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := os.Remove(filepath.Join(c.cfg.evidenceDir, f)); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		if len(files) > 0 {
			return syncDir(c.cfg.evidenceDir)
		}
		return nil
	})
	return rep, err
}

// pruneCandidates lists the visits the phone holds work of.
func pruneCandidates(ctx context.Context, tx *sql.Tx) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM local_visits UNION SELECT visit_id FROM local_records
		UNION SELECT visit_id FROM local_findings UNION SELECT visit_id FROM local_evidence WHERE pruned_at = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// visitEntities is the SQL of the (type, id) pairs of a visit's work: the visit, its records,
// findings and evidence. Its one parameter, repeated four times, is the visit's ID.
const visitEntities = `SELECT 'visit' AS t, ? AS id UNION ALL SELECT 'record', id FROM local_records WHERE visit_id = ?
	UNION ALL SELECT 'finding', id FROM local_findings WHERE visit_id = ? UNION ALL SELECT 'evidence', id FROM local_evidence WHERE visit_id = ?`

// prunable says whether a visit's work is all held by the server and by the pulled copy.
func prunable(ctx context.Context, tx *sql.Tx, visitID string) (bool, error) {
	var open, drafts, unstored int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox o JOIN (`+visitEntities+`) e ON o.entity_type = e.t AND o.entity_id = e.id
		WHERE o.state IN ('queued', 'sending', 'rejected')`, visitID, visitID, visitID, visitID).Scan(&open); err != nil || open > 0 {
		return false, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_records WHERE visit_id = ? AND queued = 0 AND status <> 'spoiled'`,
		visitID).Scan(&drafts); err != nil || drafts > 0 {
		return false, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_evidence WHERE visit_id = ? AND state <> 'stored'`,
		visitID).Scan(&unstored); err != nil || unstored > 0 {
		return false, err
	}
	// The pulled copy: the visit at least at its acknowledged version (a visit deleted on the phone and
	// acknowledged is gone from the copy, as it should be) …
	var deleted bool
	err := tx.QueryRowContext(ctx, `SELECT deleted FROM local_visits WHERE id = ?`, visitID).Scan(&deleted)
	if err != nil && err != sql.ErrNoRows {
		return false, err
	}
	var data []byte
	var pulled int64
	err = tx.QueryRowContext(ctx, `SELECT version, data FROM ref_entities WHERE type = 'visit' AND id = ?`, visitID).Scan(&pulled, &data)
	switch {
	case err == sql.ErrNoRows && deleted:
		return true, nil
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, err
	}
	known, err := knownVersion(ctx, tx, "visit", visitID)
	if err != nil || pulled < known {
		return false, err
	}
	// … with each of its manual findings at its acknowledged version …
	var v struct {
		ManualFindings []struct {
			ID      string `json:"id"`
			Version int64  `json:"version"`
		} `json:"manual_findings"`
	}
	json.Unmarshal(data, &v)
	inCopy := map[string]int64{}
	for _, f := range v.ManualFindings {
		inCopy[f.ID] = f.Version
	}
	rows, err := tx.QueryContext(ctx, `SELECT id FROM local_findings WHERE visit_id = ?`, visitID)
	if err != nil {
		return false, err
	}
	var findings []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return false, err
		}
		findings = append(findings, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, f := range findings {
		known, err := knownVersion(ctx, tx, "finding", f)
		if err != nil {
			return false, err
		}
		if have, ok := inCopy[f]; !ok || have < known {
			return false, nil
		}
	}
	// … and each record sent at its acknowledged version.
	var behind int
	err = tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_records r LEFT JOIN ref_entities e ON e.type = 'record' AND e.id = r.id
		LEFT JOIN known_versions k ON k.entity_type = 'record' AND k.entity_id = r.id
		WHERE r.visit_id = ? AND r.queued = 1 AND (e.id IS NULL OR e.version < COALESCE(k.version, 0))`, visitID).Scan(&behind)
	return behind == 0, err
}

func knownVersion(ctx context.Context, q queryer, entityType, entityID string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT version FROM known_versions WHERE entity_type = ? AND entity_id = ?`, entityType, entityID).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return v, err
}

// pruneVisit deletes a visit's local work in tx and returns the evidence files to delete after the
// commit.
func (c *Client) pruneVisit(ctx context.Context, tx *sql.Tx, visitID string, rep *PruneReport) ([]string, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE state IN ('acknowledged', 'dismissed') AND (entity_type, entity_id) IN (`+
		visitEntities+`)`, visitID, visitID, visitID, visitID)
	if err != nil {
		return nil, err
	}
	n, _ := res.RowsAffected()
	rep.Changes += int(n)
	rows, err := tx.QueryContext(ctx, `SELECT file, size FROM local_evidence WHERE visit_id = ? AND pruned_at = 0`, visitID)
	if err != nil {
		return nil, err
	}
	var files []string
	for rows.Next() {
		var f string
		var size int64
		if err := rows.Scan(&f, &size); err != nil {
			rows.Close()
			return nil, err
		}
		files = append(files, f)
		rep.Evidence++
		rep.Bytes += size
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE local_evidence SET pruned_at = ? WHERE visit_id = ? AND pruned_at = 0`, c.now(), visitID); err != nil {
		return nil, err
	}
	res, err = tx.ExecContext(ctx, `DELETE FROM local_records WHERE visit_id = ?`, visitID)
	if err != nil {
		return nil, err
	}
	n, _ = res.RowsAffected()
	rep.Records += int(n)
	for _, q := range []string{`DELETE FROM local_answers WHERE visit_id = ?`, `DELETE FROM local_findings WHERE visit_id = ?`,
		`DELETE FROM local_visits WHERE id = ?`} {
		if _, err := tx.ExecContext(ctx, q, visitID); err != nil {
			return nil, err
		}
	}
	rep.Visits++
	return files, nil
}
