// Package auth logs accounts in and authenticates requests: short-lived JWT access tokens and
// long-lived refresh tokens bound to a device, rotated on every use.
//
// Phones stay offline for weeks and lose answers on 3G, so refresh is built for retries: a phone that
// did not receive the answer to a refresh may present the same old token again within a short grace
// window and gets the same new pair (the new refresh token is derived from the old one with the
// server's key, so nothing secret is stored). A used token presented after the window is taken as
// theft: the whole token family of that device is revoked.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Config sets the token rules.
type Config struct {
	Key        []byte        // HMAC key for HS256 and for deriving refresh tokens; at least 32 bytes
	Issuer     string        // iss of every access token
	Audience   string        // aud of every access token
	AccessTTL  time.Duration // lifetime of an access token (minutes)
	RefreshTTL time.Duration // lifetime of a refresh token from its issue (weeks)
	Grace      time.Duration // how long a used refresh token may be retried for the same answer
}

// DefaultConfig returns the defaults without a key.
func DefaultConfig() Config {
	return Config{Issuer: "thanhtra", Audience: "thanhtra-api", AccessTTL: 10 * time.Minute,
		RefreshTTL: 60 * 24 * time.Hour, Grace: 2 * time.Minute}
}

// RefreshToken is a stored refresh token. Only its SHA-256 is kept.
type RefreshToken struct {
	ID         string
	OrgID      string
	AccountID  string
	DeviceID   string
	FamilyID   string // one family per login on one device; rotation keeps the family
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
	ReplacedBy string
	RevokedAt  *time.Time
}

// DeviceInfo is what a client says about itself at login.
type DeviceInfo struct {
	ClientID string // made once by the app and kept; a browser session makes a new one
	Name     string
	Platform string
}

// Store persists devices and refresh tokens.
type Store interface {
	AccountByLogin(ctx context.Context, login string) (identity.Account, error)
	// AuthState returns an account and one of its devices by ID, across organisations (the IDs come
	// from a verified token or a stored refresh token).
	AuthState(ctx context.Context, accountID, deviceID string) (identity.Account, identity.Device, error)
	// RegisterDevice finds the account's device by client ID or creates it, updates its name and
	// last-seen time, and returns it as stored (a revoked device stays revoked).
	RegisterDevice(ctx context.Context, d identity.Device) (identity.Device, error)
	// StartFamily stores the first token of a new login and revokes the device's other live tokens.
	StartFamily(ctx context.Context, t RefreshToken, e audit.Entry) error
	RefreshTokenByHash(ctx context.Context, hash string) (RefreshToken, error)
	RefreshTokenByID(ctx context.Context, id string) (RefreshToken, error)
	// Rotate marks old used and replaced by next, and stores next, if old is still unused. It reports
	// whether it did; false means another request rotated old first.
	Rotate(ctx context.Context, oldID string, at time.Time, next RefreshToken) (bool, error)
	// RevokeFamily revokes every token of a family, with the audit event that says why.
	RevokeFamily(ctx context.Context, familyID string, at time.Time, e audit.Entry) error
}

// Service issues and checks tokens.
type Service struct {
	store  Store
	hasher identity.Hasher
	clock  clock.Clock
	ids    clock.IDs
	cfg    Config
	// dummy is a hash verified when the login is unknown, so both answers take as long.
	dummy string
	// hashSlots bounds the password checks running at once (see verifyPassword).
	hashSlots chan struct{}
}

// NewService returns a Service. The key must be at least 32 bytes.
func NewService(store Store, hasher identity.Hasher, c clock.Clock, ids clock.IDs, cfg Config) (*Service, error) {
	if len(cfg.Key) < 32 {
		return nil, errors.New("auth.NewService: the token key must be at least 32 bytes")
	}
	dummy, err := hasher.Hash("not a password of anyone")
	if err != nil {
		return nil, err
	}
	return &Service{store: store, hasher: hasher, clock: c, ids: ids, cfg: cfg, dummy: dummy,
		hashSlots: make(chan struct{}, runtime.GOMAXPROCS(0))}, nil
}

// verifyPassword checks a password while holding one of the service's slots, one per core. Each
// check takes the hasher's memory (19 MiB by default) and a core for tens of milliseconds: two hundred
// phones logging in at once took the server to 8 GB and answered almost none within their timeout
// (the phone fleet simulator found it), while queued checks finish in turn. The wait ends with the
// request: a caller that gave up gets Unavailable.
func (s *Service) verifyPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case s.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false, errs.E(errs.Op("auth.verifyPassword"), errs.Unavailable, ctx.Err())
	}
	defer func() { <-s.hashSlots }()
	return s.hasher.Verify(hash, password), nil
}

// Pair is the answer to a login or a refresh.
type Pair struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	ExpiresIn        time.Duration // from now until AccessExpiresAt
	RefreshToken     string
	RefreshExpiresAt time.Time
	Principal        identity.Principal
}

// Claims are the claims of an access token.
type Claims struct {
	jwt.RegisteredClaims
	OrgID    string   `json:"org"`
	PersonID string   `json:"pid"`
	DeviceID string   `json:"did"`
	Roles    []string `json:"roles"`
}

// Login checks a password and starts a new token family for the device.
func (s *Service) Login(ctx context.Context, login, password string, dev DeviceInfo) (Pair, error) {
	const op = errs.Op("auth.Login")
	acct, err := s.store.AccountByLogin(ctx, identity.NormaliseLogin(login))
	if errs.Is(errs.NotFound, err) {
		if _, err := s.verifyPassword(ctx, s.dummy, password); err != nil {
			return Pair{}, errs.E(op, err)
		}
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeBadCredentials)
	}
	if err != nil {
		return Pair{}, errs.E(op, err)
	}
	ok, err := s.verifyPassword(ctx, acct.PasswordHash, password)
	if err != nil {
		return Pair{}, errs.E(op, err)
	}
	if !ok {
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeBadCredentials)
	}
	if acct.Disabled() {
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeAccountDisabled)
	}
	now := s.clock.Now().UTC()
	d, err := s.store.RegisterDevice(ctx, identity.Device{ID: s.ids.NewID(), OrgID: acct.OrgID, AccountID: acct.ID,
		ClientID: dev.ClientID, Name: dev.Name, Platform: dev.Platform, CreatedAt: now, LastSeenAt: now})
	if err != nil {
		return Pair{}, errs.E(op, err)
	}
	if d.Revoked() {
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeDeviceRevoked)
	}
	raw := newRawToken()
	t := RefreshToken{ID: s.ids.NewID(), OrgID: acct.OrgID, AccountID: acct.ID, DeviceID: d.ID, TokenHash: hashToken(raw),
		CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	t.FamilyID = t.ID
	e := audit.Entry{Chain: "account/" + acct.ID, OrgID: acct.OrgID, Action: "auth.login", ActorAccountID: acct.ID,
		ActorPersonID: acct.PersonID, At: now, Data: map[string]any{"device_id": d.ID, "family_id": t.FamilyID}}
	if err := s.store.StartFamily(ctx, t, e); err != nil {
		return Pair{}, errs.E(op, err)
	}
	return s.pair(acct, t, raw)
}

// Refresh exchanges a refresh token for a new pair. See the package comment for retries and reuse.
func (s *Service) Refresh(ctx context.Context, raw string) (Pair, error) {
	const op = errs.Op("auth.Refresh")
	raw = strings.TrimSpace(raw) // hashed and derived from the same text, however the client framed it
	t, err := s.store.RefreshTokenByHash(ctx, hashToken(raw))
	if errs.Is(errs.NotFound, err) {
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeRefreshInvalid)
	}
	if err != nil {
		return Pair{}, errs.E(op, err)
	}
	acct, dev, err := s.store.AuthState(ctx, t.AccountID, t.DeviceID)
	if err != nil {
		return Pair{}, errs.E(op, err)
	}
	switch {
	case acct.Disabled():
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeAccountDisabled)
	case dev.Revoked():
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeDeviceRevoked)
	}
	now := s.clock.Now().UTC()
	if t.CreatedAt.Before(acct.PasswordChangedAt) {
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeRefreshInvalid, "issued before the password changed")
	}
	if t.UsedAt == nil {
		if t.RevokedAt != nil || !now.Before(t.ExpiresAt) {
			return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeRefreshInvalid)
		}
		nextRaw, nextID := s.derive(raw)
		next := RefreshToken{ID: nextID, OrgID: t.OrgID, AccountID: t.AccountID, DeviceID: t.DeviceID, FamilyID: t.FamilyID,
			TokenHash: hashToken(nextRaw), CreatedAt: now, ExpiresAt: now.Add(s.cfg.RefreshTTL)}
		won, err := s.store.Rotate(ctx, t.ID, now, next)
		if err != nil {
			return Pair{}, errs.E(op, err)
		}
		if won {
			return s.pair(acct, next, nextRaw)
		}
		// A concurrent retry rotated it first: answer as a retry does.
		if t, err = s.store.RefreshTokenByID(ctx, t.ID); err != nil {
			return Pair{}, errs.E(op, err)
		}
	}
	if t.UsedAt != nil && t.ReplacedBy != "" {
		// A retry of a refresh whose answer was lost: within the grace window, or later while its
		// successor was never used (a phone that lost its signal right after sending the refresh, in
		// the mountains, for hours). A copy of the old token used after the successor was is theft.
		next, err := s.store.RefreshTokenByID(ctx, t.ReplacedBy)
		if err != nil {
			return Pair{}, errs.E(op, err)
		}
		if now.Sub(*t.UsedAt) <= s.cfg.Grace || (next.UsedAt == nil && next.RevokedAt == nil && now.Before(next.ExpiresAt)) {
			if next.RevokedAt != nil {
				return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeRefreshInvalid)
			}
			nextRaw, _ := s.derive(raw)
			return s.pair(acct, next, nextRaw)
		}
	}
	if t.RevokedAt != nil {
		return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeRefreshInvalid)
	}
	e := audit.Entry{Chain: "account/" + acct.ID, OrgID: acct.OrgID, Action: "auth.refresh_reused", At: now,
		Reason: "a used refresh token was presented after the grace window",
		Data:   map[string]any{"device_id": t.DeviceID, "family_id": t.FamilyID, "token_id": t.ID}}
	if err := s.store.RevokeFamily(ctx, t.FamilyID, now, e); err != nil {
		return Pair{}, errs.E(op, err)
	}
	return Pair{}, errs.E(op, errs.Unauthenticated, errs.CodeRefreshReused)
}

// Authenticate verifies an access token and checks that its account and device are still allowed. The
// roles come from the account as it is now, not from the token.
func (s *Service) Authenticate(ctx context.Context, token string) (identity.Principal, error) {
	const op = errs.Op("auth.Authenticate")
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.cfg.Key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(s.cfg.Issuer), jwt.WithAudience(s.cfg.Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(s.clock.Now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeTokenExpired)
	case err != nil:
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeTokenInvalid, err)
	}
	acct, dev, err := s.store.AuthState(ctx, c.Subject, c.DeviceID)
	if errs.Is(errs.NotFound, err) {
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeTokenInvalid, err)
	}
	if err != nil {
		return identity.Principal{}, errs.E(op, err)
	}
	switch {
	case acct.OrgID != c.OrgID:
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeTokenInvalid, "organisation mismatch")
	case acct.Disabled():
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeAccountDisabled)
	case dev.Revoked():
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeDeviceRevoked)
	case c.IssuedAt != nil && c.IssuedAt.Time.Before(acct.PasswordChangedAt.Truncate(time.Second)):
		return identity.Principal{}, errs.E(op, errs.Unauthenticated, errs.CodeTokenInvalid, "issued before the password changed")
	}
	return principal(acct, dev.ID), nil
}

func principal(a identity.Account, deviceID string) identity.Principal {
	return identity.Principal{AccountID: a.ID, PersonID: a.PersonID, OrgID: a.OrgID, DeviceID: deviceID, Roles: a.Roles}
}

// pair signs the access token that goes with refresh token t. The access token is a function of t
// (issued at t's creation, jti = t's ID), so a retried refresh gets the very same token.
func (s *Service) pair(a identity.Account, t RefreshToken, raw string) (Pair, error) {
	iat := t.CreatedAt.Truncate(time.Second)
	exp := iat.Add(s.cfg.AccessTTL)
	roles := make([]string, len(a.Roles))
	for i, r := range a.Roles {
		roles[i] = string(r)
	}
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: s.cfg.Issuer, Subject: a.ID, Audience: jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt: jwt.NewNumericDate(iat), ExpiresAt: jwt.NewNumericDate(exp), ID: t.ID},
		OrgID: a.OrgID, PersonID: a.PersonID, DeviceID: t.DeviceID, Roles: roles,
	}
	signed, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.cfg.Key)
	if err != nil {
		return Pair{}, errs.E(errs.Op("auth.pair"), err)
	}
	return Pair{AccessToken: signed, AccessExpiresAt: exp, ExpiresIn: max(exp.Sub(s.clock.Now()), 0), RefreshToken: raw, RefreshExpiresAt: t.ExpiresAt,
		Principal: principal(a, t.DeviceID)}, nil
}

const tokenPrefix = "rt1_"

func newRawToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// derive returns the refresh token that replaces raw, and its ID. Both are functions of raw and the
// server key, so a retry derives the same pair and nothing secret needs to be stored.
func (s *Service) derive(raw string) (next, id string) {
	mac := hmac.New(sha256.New, s.cfg.Key)
	mac.Write([]byte("refresh-next\x00" + raw))
	sum := mac.Sum(nil)
	mac.Reset()
	mac.Write([]byte("refresh-id\x00" + raw))
	idSum := mac.Sum(nil)
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(sum), "rt-" + hex.EncodeToString(idSum[:16])
}

func hashToken(raw string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(raw)))
	return hex.EncodeToString(sum[:])
}
