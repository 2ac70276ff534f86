package client

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// The datasets of the contract, in the order they are applied.
const (
	DatasetCatalogue   = "catalogue"
	DatasetChecklists  = "checklists"
	DatasetAssignments = "assignments"
	DatasetSites       = "sites"
	DatasetVisits      = "visits"
	DatasetNumbers     = "numbers"
)

var datasets = []string{DatasetCatalogue, DatasetChecklists, DatasetAssignments, DatasetSites, DatasetVisits, DatasetNumbers}

// pullPage is one dataset's page of a pull answer (schemas/sync-pull-response.schema.json). The data of
// each change is kept as the raw bytes of the answer: the checksum is computed over them.
type pullPage struct {
	Changes  []pullChange `json:"changes"`
	Next     *string      `json:"next"`
	Complete bool         `json:"complete"`
	Checksum *int64       `json:"checksum"`
	Reset    bool         `json:"reset"`
}

type pullChange struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Op      string          `json:"op"`
	Version int64           `json:"version"`
	Data    json.RawMessage `json:"data"`
}

// PullReport says what a pull did.
type PullReport struct {
	Requests    int
	Pages       int // dataset pages applied
	Changes     int // changes applied
	Resets      int // datasets the server sent again from the start
	Mismatches  int // datasets whose copy did not match the checksum (dropped and pulled again)
	NotModified bool
}

// maxPullRounds bounds one pull (pages of up to 1,000 changes: a million changes).
const maxPullRounds = 1000

// pull brings every dataset up to date: page after page until each is complete, each page applied
// in one transaction with its cursor.
func (c *Client) pull(ctx context.Context) (*PullReport, error) {
	rep := &PullReport{}
	pending := slices.Clone(datasets)
	mismatched := map[string]int{}
	var mismatchErr error
	for round := 0; len(pending) > 0; round++ {
		if round >= maxPullRounds {
			return rep, errorf(CodeProtocol, "the pull of %v never completes", pending)
		}
		cursors, err := c.cursors(ctx, pending)
		if err != nil {
			return rep, err
		}
		body, _ := json.Marshal(map[string]any{"datasets": cursors, "limit": c.cfg.pullLimit})
		reqHash := sha256.Sum256(body)
		header := http.Header{"Accept-Encoding": {"gzip"}}
		if tag, _ := getMeta(ctx, c.store.r, "pull_etag"); tag != "" {
			if h, _ := getMeta(ctx, c.store.r, "pull_etag_request"); h == hex.EncodeToString(reqHash[:]) {
				header.Set("If-None-Match", tag)
			}
		}
		res, err := c.do(ctx, request{path: "/sync/pull", body: body, header: header, auth: true, retry429: true})
		if err != nil {
			return rep, err
		}
		rep.Requests++
		switch res.status {
		case http.StatusOK:
		case http.StatusNotModified:
			// The very answer already applied in full (its ETag is stored only then): nothing to do.
			rep.NotModified = true
			return rep, mismatchErr
		case http.StatusBadRequest:
			e, fields := decodeError(res)
			var drop []string
			for _, f := range fields {
				if name, ok := strings.CutPrefix(f.Field, "datasets."); ok && (f.Code == "cursor_invalid" || e.Code == "cursor_invalid") && slices.Contains(pending, name) {
					drop = append(drop, name)
				}
			}
			if len(drop) == 0 || round > len(datasets) {
				return rep, e
			}
			for _, d := range drop {
				if err := c.dropDataset(ctx, d, false); err != nil {
					return rep, err
				}
			}
			continue
		default:
			e, _ := decodeError(res)
			return rep, e
		}
		var answer struct {
			Datasets map[string]pullPage `json:"datasets"`
		}
		if err := json.Unmarshal(res.body, &answer); err != nil {
			return rep, &Error{Code: CodeProtocol, Message: "pull answer: " + err.Error(), RequestID: res.requestID}
		}
		var next []string
		waiting := false
		for _, d := range pending {
			page, ok := answer.Datasets[d]
			if !ok || page.Next == nil {
				return rep, &Error{Code: CodeProtocol, Message: "pull answer: no page for dataset " + d, RequestID: res.requestID}
			}
			outcome, err := c.applyPage(ctx, d, page, mismatched[d] > 0)
			if err != nil {
				return rep, err
			}
			c.crash.hit(CrashPullAfterPage)
			switch outcome {
			case pageDropped: // the copy did not sum to the checksum: it was dropped; pull it from the start
				mismatched[d]++
				rep.Mismatches++
				next = append(next, d)
				continue
			case pageKeptMismatch: // again after a pull from the start: kept rather than loop; said at the end
				rep.Mismatches++
				if mismatchErr == nil {
					mismatchErr = errorf(CodeChecksumMismatch, "dataset %s does not match the server's checksum after a pull from the start", d)
				}
			}
			rep.Pages++
			rep.Changes += len(page.Changes)
			if page.Reset {
				rep.Resets++
			}
			if !page.Complete {
				next = append(next, d)
				waiting = waiting || len(page.Changes) == 0
			}
		}
		if len(next) == 0 {
			// The whole answer is applied: its ETag may now stand for this state.
			err := c.store.tx(ctx, func(tx *sql.Tx) error {
				if err := setMeta(ctx, tx, "pull_etag", res.header.Get("ETag")); err != nil {
					return err
				}
				return setMeta(ctx, tx, "pull_etag_request", hex.EncodeToString(reqHash[:]))
			})
			if err != nil {
				return rep, err
			}
		}
		if waiting {
			// A change waits for a database transaction still running on the server: pause.
			if err := sleep(ctx, c.clock, c.cfg.heldBackPause); err != nil {
				return rep, newError(CodeClosed, "the client is closing")
			}
		}
		pending = next
	}
	return rep, mismatchErr
}

// cursors returns the stored cursor of each dataset ("" for one never pulled).
func (c *Client) cursors(ctx context.Context, names []string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for _, d := range names {
		var cur string
		err := c.store.r.QueryRowContext(ctx, `SELECT cursor FROM cursors WHERE dataset = ?`, d).Scan(&cur)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		out[d] = cur
	}
	return out, nil
}

// applyPage applies one dataset's page in one transaction: a reset drops the dataset's copy (and
// nothing else: the outbox and the work on the phone are other tables), the changes are applied in
// order, the copy is checked against the checksum, and the cursor moves — all or nothing. When the
// copy does not match, the transaction is rolled back and the dataset's copy and cursor are dropped
// instead (pageDropped), so that the next page is the dataset from the start; keep says to keep a
// page that mismatches again (after such a restart) rather than loop (pageKeptMismatch).
func (c *Client) applyPage(ctx context.Context, dataset string, page pullPage, keep bool) (pageOutcome, error) {
	errMismatch := &Error{Code: CodeChecksumMismatch}
	outcome := pageApplied
	err := c.store.tx(ctx, func(tx *sql.Tx) error {
		outcome = pageApplied
		if page.Reset {
			if _, err := tx.ExecContext(ctx, `DELETE FROM ref_entities WHERE dataset = ?`, dataset); err != nil {
				return err
			}
		}
		up, err := tx.PrepareContext(ctx, `INSERT INTO ref_entities (dataset, type, id, version, data, checksum) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (dataset, type, id) DO UPDATE SET version = excluded.version, data = excluded.data, checksum = excluded.checksum`)
		if err != nil {
			return err
		}
		defer up.Close()
		del, err := tx.PrepareContext(ctx, `DELETE FROM ref_entities WHERE dataset = ? AND type = ? AND id = ?`)
		if err != nil {
			return err
		}
		defer del.Close()
		for i, ch := range page.Changes {
			if i == len(page.Changes)/2 {
				c.crash.hit(CrashPullMidPage)
				if page.Reset {
					c.crash.hit(CrashPullMidReset)
				}
			}
			switch ch.Op {
			case "upsert":
				data := []byte(ch.Data)
				if data == nil {
					data = []byte("null")
				}
				if _, err := up.ExecContext(ctx, dataset, ch.Type, ch.ID, ch.Version, data,
					int64(entryChecksum(ch.Type, ch.ID, ch.Version, data))); err != nil {
					return err
				}
			case "delete": // a tombstone for something not held is not an error
				if _, err := del.ExecContext(ctx, dataset, ch.Type, ch.ID); err != nil {
					return err
				}
			default: // an operation this client does not know changes nothing here; the checksum tells
			}
		}
		verified := -1 // unchanged
		if page.Checksum != nil {
			var sum int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(checksum), 0) FROM ref_entities WHERE dataset = ?`, dataset).Scan(&sum); err != nil {
				return err
			}
			verified = 1
			if uint32(sum) != uint32(*page.Checksum) || *page.Checksum < 0 || *page.Checksum > 0xffffffff {
				if !keep {
					return errMismatch
				}
				verified, outcome = 0, pageKeptMismatch
			}
		}
		resets := 0
		if page.Reset {
			resets = 1
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO cursors (dataset, cursor, verified, resets, pulled_at) VALUES (?, ?, MAX(?, 0), ?, ?)
			ON CONFLICT (dataset) DO UPDATE SET cursor = excluded.cursor, resets = resets + excluded.resets, pulled_at = excluded.pulled_at,
			verified = CASE WHEN ? < 0 THEN verified ELSE ? END`, dataset, *page.Next, verified, resets, c.now(), verified, verified)
		return err
	})
	if err == errMismatch {
		return pageDropped, c.dropDataset(ctx, dataset, true)
	}
	return outcome, err
}

// pageOutcome is what became of a pulled page.
type pageOutcome int

const (
	pageApplied      pageOutcome = iota
	pageDropped                  // mismatched: the dataset's copy and cursor were dropped instead
	pageKeptMismatch             // mismatched again after a pull from the start: applied all the same
)

// dropDataset drops a dataset's reference copy and cursor (a checksum mismatch, a cursor the server
// cannot read), in one transaction; the next pull takes it from the start.
func (c *Client) dropDataset(ctx context.Context, dataset string, mismatch bool) error {
	return c.store.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM ref_entities WHERE dataset = ?`, dataset); err != nil {
			return err
		}
		m := 0
		if mismatch {
			m = 1
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO cursors (dataset, cursor, mismatches) VALUES (?, '', ?)
			ON CONFLICT (dataset) DO UPDATE SET cursor = '', verified = 0, mismatches = mismatches + excluded.mismatches`, dataset, m)
		return err
	})
}

// dropAllReference drops every dataset's copy and cursor and the stored ETag (another account).
func dropAllReference(ctx context.Context, tx *sql.Tx) error {
	for _, q := range []string{`DELETE FROM ref_entities`, `DELETE FROM cursors`, `DELETE FROM meta WHERE key IN ('pull_etag', 'pull_etag_request')`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}
