package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

var _ auth.Store = (*Store)(nil)

type refreshTokenRow struct {
	ID         string `gorm:"primaryKey"`
	OrgID      string
	AccountID  string
	DeviceID   string
	FamilyID   string
	TokenHash  string
	CreatedAt  time.Time
	ExpiresAt  time.Time
	UsedAt     *time.Time
	ReplacedBy *string
	RevokedAt  *time.Time
}

func (refreshTokenRow) TableName() string { return "refresh_tokens" }

func (r refreshTokenRow) domain() auth.RefreshToken {
	t := auth.RefreshToken{ID: r.ID, OrgID: r.OrgID, AccountID: r.AccountID, DeviceID: r.DeviceID, FamilyID: r.FamilyID,
		TokenHash: r.TokenHash, CreatedAt: r.CreatedAt.UTC(), ExpiresAt: r.ExpiresAt.UTC(), UsedAt: utcPtr(r.UsedAt),
		RevokedAt: utcPtr(r.RevokedAt)}
	if r.ReplacedBy != nil {
		t.ReplacedBy = *r.ReplacedBy
	}
	return t
}

func refreshTokenToRow(t auth.RefreshToken) refreshTokenRow {
	r := refreshTokenRow{ID: t.ID, OrgID: t.OrgID, AccountID: t.AccountID, DeviceID: t.DeviceID, FamilyID: t.FamilyID,
		TokenHash: t.TokenHash, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt, UsedAt: t.UsedAt, RevokedAt: t.RevokedAt}
	if t.ReplacedBy != "" {
		r.ReplacedBy = &t.ReplacedBy
	}
	return r
}

// AuthState returns an account and one of its devices by ID (auth.Store). A device of another account
// is not found.
func (s *Store) AuthState(ctx context.Context, accountID, deviceID string) (identity.Account, identity.Device, error) {
	const op = "gormstore.AuthState"
	var a accountRow
	if err := s.read(ctx).Where("id = ?", accountID).Take(&a).Error; err != nil {
		return identity.Account{}, identity.Device{}, wrap(op, err, errs.CodeAccountNotFound)
	}
	var d deviceRow
	if err := s.read(ctx).Where("id = ? AND account_id = ?", deviceID, accountID).Take(&d).Error; err != nil {
		return identity.Account{}, identity.Device{}, wrap(op, err, errs.CodeDeviceNotFound)
	}
	return a.domain(), d.domain(), nil
}

// RegisterDevice finds the account's device by client ID or creates it (auth.Store).
func (s *Store) RegisterDevice(ctx context.Context, d identity.Device) (identity.Device, error) {
	var out deviceRow
	err := s.write(ctx, func(tx *gorm.DB) error {
		var rows []deviceRow
		if err := tx.Where("account_id = ? AND client_id = ?", d.AccountID, d.ClientID).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 {
			out = deviceRow{ID: d.ID, OrgID: d.OrgID, AccountID: d.AccountID, ClientID: d.ClientID, Name: d.Name,
				Platform: d.Platform, CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt}
			return tx.Create(&out).Error
		}
		out = rows[0]
		out.Name, out.Platform, out.LastSeenAt = d.Name, d.Platform, d.LastSeenAt
		return tx.Model(&deviceRow{}).Where("id = ?", out.ID).
			Updates(map[string]any{"name": d.Name, "platform": d.Platform, "last_seen_at": d.LastSeenAt}).Error
	})
	if err != nil {
		return identity.Device{}, wrap("gormstore.RegisterDevice", err, "")
	}
	return out.domain(), nil
}

// StartFamily stores the first token of a login and revokes the device's other live tokens (auth.Store).
func (s *Store) StartFamily(ctx context.Context, t auth.RefreshToken, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&refreshTokenRow{}).Where("device_id = ? AND revoked_at IS NULL", t.DeviceID).
			Update("revoked_at", t.CreatedAt).Error; err != nil {
			return err
		}
		row := refreshTokenToRow(t)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.StartFamily", err, "")
}

// RefreshTokenByHash finds a refresh token by the SHA-256 of its text (auth.Store).
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (auth.RefreshToken, error) {
	var r refreshTokenRow
	if err := s.read(ctx).Where("token_hash = ?", hash).Take(&r).Error; err != nil {
		return auth.RefreshToken{}, wrap("gormstore.RefreshTokenByHash", err, errs.CodeRefreshInvalid)
	}
	return r.domain(), nil
}

// RefreshTokenByID finds a refresh token by ID (auth.Store).
func (s *Store) RefreshTokenByID(ctx context.Context, id string) (auth.RefreshToken, error) {
	var r refreshTokenRow
	// The writer sees its own latest commit; a reader of a lagging pool could miss a rotation that
	// just happened in a concurrent request.
	if err := s.w.WithContext(ctx).Where("id = ?", id).Take(&r).Error; err != nil {
		return auth.RefreshToken{}, wrap("gormstore.RefreshTokenByID", err, errs.CodeRefreshInvalid)
	}
	return r.domain(), nil
}

// Rotate replaces an unused token by next (auth.Store).
func (s *Store) Rotate(ctx context.Context, oldID string, at time.Time, next auth.RefreshToken) (bool, error) {
	var won bool
	err := s.write(ctx, func(tx *gorm.DB) error {
		// Lock the account and the device first: a password reset, a disable or a revoke (which
		// update those rows) then either commits before this rotation — and the checks below see
		// it — or waits for it and revokes the new token too.
		var acct accountRow
		if err := s.lockForUpdate(tx).Where("id = ?", next.AccountID).Take(&acct).Error; err != nil {
			return err
		}
		var dev deviceRow
		if err := s.lockForUpdate(tx).Where("id = ?", next.DeviceID).Take(&dev).Error; err != nil {
			return err
		}
		switch {
		case acct.DisabledAt != nil:
			return errs.E(errs.Unauthenticated, errs.CodeAccountDisabled)
		case dev.RevokedAt != nil:
			return errs.E(errs.Unauthenticated, errs.CodeDeviceRevoked)
		}
		res := tx.Model(&refreshTokenRow{}).Where("id = ? AND used_at IS NULL AND revoked_at IS NULL", oldID).
			Updates(map[string]any{"used_at": at, "replaced_by": next.ID})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		row := refreshTokenToRow(next)
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		won = true
		return tx.Model(&deviceRow{}).Where("id = ?", next.DeviceID).Update("last_seen_at", at).Error
	})
	return won, wrap("gormstore.Rotate", err, "")
}

// RevokeFamily revokes every live token of a family (auth.Store).
func (s *Store) RevokeFamily(ctx context.Context, familyID string, at time.Time, e audit.Entry) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&refreshTokenRow{}).Where("family_id = ? AND revoked_at IS NULL", familyID).
			Update("revoked_at", at).Error; err != nil {
			return err
		}
		return s.appendAudit(tx, e)
	})
	return wrap("gormstore.RevokeFamily", err, "")
}
