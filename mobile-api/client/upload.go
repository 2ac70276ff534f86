package client

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
)

// The evidence upload (mobile-api/openapi.yaml, "Evidence upload"): after the push has delivered an
// evidence's reference, its bytes go up in pieces from the offset the server holds. All the state is
// in the store (the server's offset as last answered, whether the announce was answered); what the
// server says always wins over what the phone remembers, so a kill at any point resumes correctly.

// UploadReport says what an upload round did.
type UploadReport struct {
	Stored    int   // evidence the server now holds, that it did not before this round
	Rejected  int   // uploads set aside for good (with the server's reason)
	Pending   int   // uploads left for a later round (reference not acknowledged yet, quota spent, offline)
	Requests  int   // upload requests sent (announce, status, bytes)
	BytesSent int64 // evidence bytes sent; a piece cut and sent again counts twice
	Resumed   int   // times an upload went on from the server's offset after a cut
	// RetryAfterSeconds: the device's evidence bytes for the day are spent (evidence_quota_exceeded);
	// uploads wait this long. 0 otherwise.
	RetryAfterSeconds int
}

// Upload sends the bytes of every evidence whose reference the server has acknowledged. Sync does it
// between the push and the pull; call it alone to hurry the photos when the signal is good.
func (c *Client) Upload() (*UploadReport, error) {
	rep := &UploadReport{}
	err := c.locked(func(ctx context.Context) error {
		var err error
		rep, err = c.upload(ctx)
		return err
	})
	return rep, err
}

// pendingUpload is one evidence to upload, as the store holds it.
type pendingUpload struct {
	id, file, sha256    string
	size                int64
	payload             []byte
	announced           bool
	attempts, mismatchN int
}

// upload runs the queue in capture order. One evidence that can never go up is set aside and the
// others go on (an upload queue that wedges on one bad item is the most reported sync bug); a lost
// network stops the round, which the next Sync resumes.
func (c *Client) upload(ctx context.Context) (*UploadReport, error) {
	rep := &UploadReport{}
	rows, err := c.store.r.QueryContext(ctx, `SELECT e.id, e.file, e.sha256, e.size, e.payload, e.announced, e.attempts, e.mismatches
		FROM local_evidence e JOIN outbox o ON o.change_id = e.change_id
		WHERE e.state IN ('queued', 'uploading') AND o.state IN ('acknowledged', 'rejected', 'dismissed') ORDER BY e.seq`)
	if err != nil {
		return rep, err
	}
	var queue []pendingUpload
	for rows.Next() {
		var p pendingUpload
		if err := rows.Scan(&p.id, &p.file, &p.sha256, &p.size, &p.payload, &p.announced, &p.attempts, &p.mismatchN); err != nil {
			rows.Close()
			return rep, err
		}
		queue = append(queue, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return rep, err
	}
	defer func() {
		c.store.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_evidence WHERE state IN ('queued', 'uploading')`).Scan(&rep.Pending)
	}()
	for i := range queue {
		stop, err := c.uploadOne(ctx, &queue[i], rep)
		if err != nil || stop {
			return rep, err
		}
	}
	return rep, nil
}

// uploadStatus is schemas/evidence-upload-status.schema.json.
type uploadStatus struct {
	ID     string `json:"id"`
	State  string `json:"state"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
}

// maxUploadRounds bounds the requests of one evidence in one round (a server that keeps answering
// 409 or 404 is a bug to report, not a loop).
const maxUploadRounds = 10_000

// uploadOne takes one evidence as far as it can: announce (PUT) the first time, else ask where the
// upload stands (GET); then PATCH pieces from the server's offset until it says stored. A cut asks
// GET again and goes on from there. It returns stop when the round must end (quota spent), and an
// error when the network or the session is gone (nothing is lost: the next round resumes).
func (c *Client) uploadOne(ctx context.Context, p *pendingUpload, rep *UploadReport) (stop bool, err error) {
	path := "/evidence/" + p.id + "/upload"
	var st uploadStatus
	known := false // st is what the server last said
	failures := 0
	for round := 0; ; round++ {
		if round > maxUploadRounds {
			return false, errorf(CodeProtocol, "evidence %s: no progress after %d requests", p.id, round)
		}
		if !known {
			req := request{method: http.MethodGet, path: path, auth: true}
			if !p.announced {
				req = request{method: http.MethodPut, path: path, body: p.payload, auth: true}
			}
			rep.Requests++
			res, err := c.do(ctx, req)
			if err != nil {
				return false, err
			}
			switch {
			case res.status == http.StatusOK:
				if err := decodeStatus(res, p, &st); err != nil {
					return false, err
				}
				if req.method == http.MethodPut {
					c.crash.hit(CrashUploadAfterAnnounce)
				} else if st.Offset > 0 {
					rep.Resumed++
				}
				p.announced, known = true, true
				if err := c.saveUpload(ctx, p, st, 0); err != nil {
					return false, err
				}
			case res.status == http.StatusNotFound && req.method == http.MethodGet:
				p.announced = false // the server has no such upload: announce it again
				continue
			default:
				return c.refused(ctx, p, res, rep)
			}
		}
		if st.State == StateStored {
			rep.Stored++
			return false, c.saveUpload(ctx, p, st, 0)
		}
		body, err := c.readPiece(p, st.Offset)
		if err != nil {
			return false, c.reject(ctx, p, rep, "evidence_file_missing", err.Error())
		}
		h := http.Header{}
		h.Set("Upload-Offset", strconv.FormatInt(st.Offset, 10))
		rep.Requests++
		rep.BytesSent += int64(len(body))
		res, err := c.do(ctx, request{method: http.MethodPatch, path: path, body: body, contentType: "application/offset+octet-stream",
			header: h, auth: true, once: true, crashMid: CrashUploadMidBytes})
		if err != nil {
			e, ok := err.(*Error)
			if !ok || (e.Code != CodeOffline && e.Code != CodeServerError) {
				return false, err
			}
			// Cut (or the server failed): some of the piece may be durable there. Wait, then ask.
			failures++
			if failures >= c.cfg.maxAttempts {
				return false, err
			}
			c.stats.retries.Add(1)
			if err := sleep(ctx, c.clock, backoff(c.random, c.cfg.backoffBase, c.cfg.backoffMax, failures-1, 0)); err != nil {
				return false, newError(CodeClosed, "the client is closing")
			}
			known = false
			continue
		}
		switch res.status {
		case http.StatusOK:
			if err := decodeStatus(res, p, &st); err != nil {
				return false, err
			}
			c.crash.hit(CrashUploadAfterChunk)
			failures = 0
			if err := c.saveUpload(ctx, p, st, int64(len(body))); err != nil {
				return false, err
			}
		case http.StatusConflict:
			// evidence_offset_mismatch: the server holds another number of bytes, which it says.
			off, perr := strconv.ParseInt(res.header.Get("Upload-Offset"), 10, 64)
			if perr != nil || off < 0 || off > p.size {
				known = false
				continue
			}
			st.Offset = off
			rep.Resumed++
		case http.StatusNotFound:
			p.announced, known = false, false
		case http.StatusBadRequest:
			e, _ := decodeError(res)
			if e.Code != "evidence_checksum_mismatch" {
				return c.refused(ctx, p, res, rep)
			}
			// The server joined bytes that do not hash to the SHA-256 taken at capture, and starts
			// again from 0. If the phone's file still hashes right, a piece was damaged on the way:
			// send it again, a few times at most.
			if sum, err := fileSHA256(filepath.Join(c.cfg.evidenceDir, p.file)); err != nil || sum != p.sha256 {
				return false, c.reject(ctx, p, rep, "evidence_file_changed", "the file on the phone no longer has the SHA-256 taken at capture")
			}
			p.mismatchN++
			if p.mismatchN >= 3 {
				return c.refused(ctx, p, res, rep)
			}
			known = false
		default:
			return c.refused(ctx, p, res, rep)
		}
	}
}

// refused handles an answer that is no status: 429 (the day's quota: stop the round), or a refusal
// that sets the upload aside with the server's code.
func (c *Client) refused(ctx context.Context, p *pendingUpload, res *response, rep *UploadReport) (bool, error) {
	e, _ := decodeError(res)
	switch {
	case res.status == http.StatusTooManyRequests:
		rep.RetryAfterSeconds = max(e.RetryAfterSeconds, 1)
		return true, nil
	case res.status == http.StatusUnauthorized:
		return false, e
	case res.status >= 500:
		return false, e
	}
	return false, c.reject(ctx, p, rep, e.Code, e.Message)
}

// decodeStatus reads an upload status and checks it is this evidence's.
func decodeStatus(res *response, p *pendingUpload, st *uploadStatus) error {
	var s uploadStatus
	if err := json.Unmarshal(res.body, &s); err != nil || s.Size != p.size || s.Offset < 0 || s.Offset > s.Size ||
		(s.State != "announced" && s.State != StateStored) {
		return &Error{Code: CodeProtocol, Message: "evidence " + p.id + ": not an upload status for it: " + string(res.body), RequestID: res.requestID}
	}
	*st = s
	return nil
}

// readPiece reads the next piece of the file from offset (empty at the end: the server then joins
// what it holds).
func (c *Client) readPiece(p *pendingUpload, offset int64) ([]byte, error) {
	n := min(int64(c.cfg.chunk), p.size-offset)
	body := make([]byte, max(n, 0))
	if n <= 0 {
		return body, nil
	}
	f, err := os.Open(filepath.Join(c.cfg.evidenceDir, p.file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.ReadAt(body, offset); err != nil && err != io.EOF {
		return nil, err
	}
	return body, nil
}

// saveUpload stores what the server said of an upload.
func (c *Client) saveUpload(ctx context.Context, p *pendingUpload, st uploadStatus, sent int64) error {
	return c.store.tx(ctx, func(tx *sql.Tx) error {
		now := c.now()
		state, storedAt := StateUploading, int64(0)
		if st.State == StateStored {
			state, storedAt = StateStored, now
		}
		_, err := tx.ExecContext(ctx, `UPDATE local_evidence SET state = ?, announced = 1, uploaded = ?, bytes_sent = bytes_sent + ?,
			mismatches = ?, attempts = attempts + 1, stored_at = CASE WHEN ? > 0 THEN ? ELSE stored_at END, updated_at = ?
			WHERE id = ? AND state IN ('queued', 'uploading')`, state, st.Offset, sent, p.mismatchN, storedAt, storedAt, now, p.id)
		return err
	})
}

// reject sets an upload aside with the reason.
func (c *Client) reject(ctx context.Context, p *pendingUpload, rep *UploadReport, code, message string) error {
	rep.Rejected++
	return c.store.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE local_evidence SET state = 'rejected', code = ?, message = ?, updated_at = ? WHERE id = ?`,
			code, message, c.now(), p.id)
		return err
	})
}

// fileSHA256 hashes a file.
func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
