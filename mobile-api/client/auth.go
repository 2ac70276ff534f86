package client

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"strings"
)

// tokenPair is the answer to a login or a refresh (schemas/token-pair.schema.json).
type tokenPair struct {
	AccessToken      string   `json:"access_token"`
	ExpiresIn        int64    `json:"expires_in"`
	RefreshToken     string   `json:"refresh_token"`
	RefreshExpiresAt string   `json:"refresh_expires_at"`
	AccountID        string   `json:"account_id"`
	OrganisationID   string   `json:"organisation_id"`
	DeviceID         string   `json:"device_id"`
	Roles            []string `json:"roles"`
}

// session is the stored token pair.
type session struct {
	login, accountID, organisationID, serverDeviceID, roles string
	accessToken                                             string
	accessValidUntil                                        int64
	refreshToken, refreshExpiresAt                          string
	refreshSentAt                                           int64
	loginRequired                                           string
}

func loadSession(ctx context.Context, q queryer) (*session, error) {
	var s session
	err := q.QueryRowContext(ctx, `SELECT login, account_id, organisation_id, server_device_id, roles, access_token,
		access_valid_until, refresh_token, refresh_expires_at, refresh_sent_at, login_required FROM session WHERE id = 1`).
		Scan(&s.login, &s.accountID, &s.organisationID, &s.serverDeviceID, &s.roles, &s.accessToken, &s.accessValidUntil,
			&s.refreshToken, &s.refreshExpiresAt, &s.refreshSentAt, &s.loginRequired)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	return &s, err
}

// validUntil is when the phone stops using an access token that the server said lives expiresIn
// seconds: counted from the answer's arrival by the phone's own clock (which may be wrong in
// absolute terms but measures intervals), less a margin for the time the answer took.
func validUntil(now, expiresIn int64) int64 {
	life := expiresIn * 1000
	return now + life - min(60_000, life/5)
}

// decodePair reads a token pair and checks the parts the client relies on.
func decodePair(r *response) (*tokenPair, error) {
	var p tokenPair
	if err := json.Unmarshal(r.body, &p); err != nil || p.AccessToken == "" || p.RefreshToken == "" || p.ExpiresIn < 0 {
		return nil, &Error{Code: CodeProtocol, Message: "the token answer is not a token pair", Status: r.status, RequestID: r.requestID}
	}
	return &p, nil
}

// Login logs the phone in (POST /auth/login) and keeps the token pair in the store. It refuses to log
// in another account while the outbox still holds unsent changes (or evidence not uploaded) of the
// account logged in before
// (they would reach the server under the wrong name); a login as another account also drops the
// reference copy, which was the other account's scope. Not retried on 429 too_many_attempts: the
// error carries RetryAfterSeconds for a countdown.
func (c *Client) Login(login, password string) error {
	ctx := c.ctx
	login = strings.TrimSpace(login)
	if login == "" || password == "" {
		return newError(CodeInvalid, "login and password are required")
	}
	prev, err := loadSession(ctx, c.store.r)
	if err != nil {
		return err
	}
	if prev != nil && !strings.EqualFold(prev.login, login) {
		pending, err := c.countOutbox(ctx, "queued", "sending")
		if err != nil {
			return err
		}
		if pending > 0 {
			return errorf(CodeInvalid, "%d changes of %s are not sent yet: sync them before another account logs in", pending, prev.login)
		}
		var uploads int
		if err := c.store.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM local_evidence WHERE state IN ('queued', 'uploading')`).Scan(&uploads); err != nil {
			return err
		}
		if uploads > 0 {
			return errorf(CodeInvalid, "%d evidence files of %s are not uploaded yet: sync them before another account logs in", uploads, prev.login)
		}
	}
	body, _ := json.Marshal(map[string]any{"login": login, "password": password, "device": map[string]string{
		"id": c.deviceID, "name": c.cfg.deviceName, "platform": c.cfg.platform, "app_version": c.cfg.appVersion}})
	res, err := c.do(ctx, request{path: "/auth/login", body: body})
	if err != nil {
		return err
	}
	if res.status != http.StatusOK {
		e, _ := decodeError(res)
		return e
	}
	p, err := decodePair(res)
	if err != nil {
		return err
	}
	now := c.now()
	roles, _ := json.Marshal(p.Roles)
	return c.store.tx(ctx, func(tx *sql.Tx) error {
		if prev != nil && prev.accountID != p.AccountID {
			if err := dropAllReference(ctx, tx); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO session (id, login, account_id, organisation_id, server_device_id, roles,
			access_token, access_valid_until, refresh_token, refresh_expires_at, refresh_sent_at, login_required)
			VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, '')`,
			login, p.AccountID, p.OrganisationID, p.DeviceID, string(roles), p.AccessToken, validUntil(now, p.ExpiresIn),
			p.RefreshToken, p.RefreshExpiresAt)
		return err
	})
}

// Logout forgets the tokens (the work on the phone stays, and is sent after the next login).
func (c *Client) Logout() error {
	return c.store.tx(c.ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(c.ctx, `DELETE FROM session`)
		return err
	})
}

// accessToken returns an access token to send: the stored one while it is valid by the phone's
// clock, else (or when force says the server refused it) a new one from POST /auth/refresh.
//
// Refresh-token rotation (docs/auth.md): the refresh token is marked as sent in the store before the
// request, and the new pair is stored before its access token is used. When the answer is lost (3G
// drops, the app is killed), the next attempt sends the same old token, and the server answers the very
// same pair (within its grace window, or later while the new token was never used). An old token
// presented once its successor was used is taken as stolen: the server revokes the phone's tokens
// (refresh_reused): the user logs in again; nothing of the outbox is lost.
func (c *Client) accessToken(ctx context.Context, force bool) (string, error) {
	c.tokenMu.Lock()
	defer c.tokenMu.Unlock()
	s, err := loadSession(ctx, c.store.r)
	if err != nil {
		return "", err
	}
	if s == nil {
		return "", newError(CodeLoginRequired, "not logged in")
	}
	if s.loginRequired != "" {
		return "", &Error{Code: CodeLoginRequired, Reason: s.loginRequired, Message: "the server ended the session: log in again"}
	}
	if !force && c.now() < s.accessValidUntil {
		return s.accessToken, nil
	}
	if s.refreshSentAt == 0 {
		err := c.store.tx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE session SET refresh_sent_at = ? WHERE id = 1 AND refresh_token = ?`, c.now(), s.refreshToken)
			return err
		})
		if err != nil {
			return "", err
		}
	}
	body, _ := json.Marshal(map[string]string{"refresh_token": s.refreshToken})
	res, err := c.do(ctx, request{path: "/auth/refresh", body: body, retry429: true})
	if err != nil {
		return "", err
	}
	if res.status != http.StatusOK {
		e, _ := decodeError(res)
		switch e.Code {
		case "refresh_invalid", "refresh_reused", "account_disabled", "device_revoked":
			err := c.store.tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE session SET login_required = ? WHERE id = 1`, e.Code)
				return err
			})
			if err != nil {
				return "", err
			}
			e.Reason, e.Code = e.Code, CodeLoginRequired
		}
		return "", e
	}
	p, err := decodePair(res)
	if err != nil {
		return "", err
	}
	c.crash.hit(CrashRefreshAfterSend)
	now := c.now()
	roles, _ := json.Marshal(p.Roles)
	err = c.store.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE session SET access_token = ?, access_valid_until = ?, refresh_token = ?,
			refresh_expires_at = ?, refresh_sent_at = 0, roles = ? WHERE id = 1`,
			p.AccessToken, validUntil(now, p.ExpiresIn), p.RefreshToken, p.RefreshExpiresAt, string(roles))
		return err
	})
	if err != nil {
		return "", err
	}
	return p.AccessToken, nil
}
