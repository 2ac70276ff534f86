package auth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/skhcn-caobang/thanhtra/server/auth"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

var cheap = identity.Hasher{Memory: 64, Time: 1, Threads: 1}

type fixture struct {
	store *gormstore.Store
	clock *clock.Manual
	ids   *identity.Service
	auth  *auth.Service
	cfg   auth.Config
	org   identity.Organisation
	acct  identity.Account
}

const password = "correct horse battery"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	f := &fixture{store: st, clock: c}
	f.ids = &identity.Service{Store: st, Hasher: cheap, Clock: c, IDs: clock.UUIDv7{}}
	f.cfg = auth.DefaultConfig()
	f.cfg.Key = []byte(strings.Repeat("k", 32))
	var err error
	if f.auth, err = auth.NewService(st, cheap, c, clock.UUIDv7{}, f.cfg); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if f.org, err = f.ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "caobang", Name: "Sở KH&CN Cao Bằng"}); err != nil {
		t.Fatal(err)
	}
	if f.acct, err = f.ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: f.org.ID, FullName: "Nông Văn A",
		Login: "inspector1", Password: password, Roles: []identity.Role{identity.RoleInspector}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) login(t *testing.T, client string) auth.Pair {
	t.Helper()
	p, err := f.auth.Login(context.Background(), "Inspector1", password, auth.DeviceInfo{ClientID: client, Name: "phone", Platform: "android"})
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return p
}

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("got code %s (%v), want %s", got, err, code)
	}
}

func sign(t *testing.T, m jwt.SigningMethod, key any, c jwt.Claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pair := f.login(t, "dev-1")
	claimsFrom := func() *auth.Claims {
		var c auth.Claims
		if _, _, err := jwt.NewParser().ParseUnverified(pair.AccessToken, &c); err != nil {
			t.Fatal(err)
		}
		return &c
	}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	cases := []struct {
		name  string
		token func() string
		setup func()
		code  errs.Code
	}{
		{name: "valid", token: func() string { return pair.AccessToken }},
		{name: "expired", token: func() string { return pair.AccessToken }, setup: func() { f.clock.Advance(f.cfg.AccessTTL + time.Second) }, code: errs.CodeTokenExpired},
		{name: "wrong signature", token: func() string { return sign(t, jwt.SigningMethodHS256, []byte(strings.Repeat("x", 32)), claimsFrom()) }, code: errs.CodeTokenInvalid},
		{name: "alg none", token: func() string { return sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, claimsFrom()) }, code: errs.CodeTokenInvalid},
		{name: "algorithm confusion (ES256)", token: func() string { return sign(t, jwt.SigningMethodES256, ecKey, claimsFrom()) }, code: errs.CodeTokenInvalid},
		{name: "HS512 with the right key", token: func() string { return sign(t, jwt.SigningMethodHS512, f.cfg.Key, claimsFrom()) }, code: errs.CodeTokenInvalid},
		{name: "wrong audience", token: func() string {
			c := claimsFrom()
			c.Audience = jwt.ClaimStrings{"another-api"}
			return sign(t, jwt.SigningMethodHS256, f.cfg.Key, c)
		}, code: errs.CodeTokenInvalid},
		{name: "wrong issuer", token: func() string {
			c := claimsFrom()
			c.Issuer = "someone-else"
			return sign(t, jwt.SigningMethodHS256, f.cfg.Key, c)
		}, code: errs.CodeTokenInvalid},
		{name: "no expiry", token: func() string {
			c := claimsFrom()
			c.ExpiresAt = nil
			return sign(t, jwt.SigningMethodHS256, f.cfg.Key, c)
		}, code: errs.CodeTokenInvalid},
		{name: "garbage", token: func() string { return "not.a.token" }, code: errs.CodeTokenInvalid},
	}
	start := f.clock.Now()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.clock.Set(start)
			if tc.setup != nil {
				tc.setup()
			}
			p, err := f.auth.Authenticate(ctx, tc.token())
			if tc.code == "" {
				if err != nil {
					t.Fatalf("valid token refused: %v", err)
				}
				if p.AccountID != f.acct.ID || p.OrgID != f.org.ID || !p.Has(identity.RoleInspector) {
					t.Fatalf("principal %+v", p)
				}
				return
			}
			wantCode(t, err, tc.code)
			if errs.KindOf(err) != errs.Unauthenticated {
				t.Fatalf("kind %s, want unauthenticated", errs.KindOf(err))
			}
		})
	}
}

func TestDisabledAccountAndRevokedDevice(t *testing.T) {
	ctx := context.Background()
	t.Run("disabled user", func(t *testing.T) {
		f := newFixture(t)
		pair := f.login(t, "dev-1")
		if err := f.ids.SetDisabled(ctx, identity.Operator, f.org.ID, f.acct.ID, true, "left the inspectorate"); err != nil {
			t.Fatal(err)
		}
		_, err := f.auth.Authenticate(ctx, pair.AccessToken)
		wantCode(t, err, errs.CodeAccountDisabled)
		_, err = f.auth.Refresh(ctx, pair.RefreshToken)
		wantCode(t, err, errs.CodeAccountDisabled)
		_, err = f.auth.Login(ctx, "inspector1", password, auth.DeviceInfo{ClientID: "dev-2"})
		wantCode(t, err, errs.CodeAccountDisabled)
	})
	t.Run("revoked device", func(t *testing.T) {
		f := newFixture(t)
		pair := f.login(t, "dev-1")
		other := f.login(t, "dev-2")
		if err := f.ids.RevokeDevice(ctx, identity.Operator, f.org.ID, pair.Principal.DeviceID, "phone lost"); err != nil {
			t.Fatal(err)
		}
		_, err := f.auth.Refresh(ctx, pair.RefreshToken)
		wantCode(t, err, errs.CodeDeviceRevoked)
		_, err = f.auth.Authenticate(ctx, pair.AccessToken)
		wantCode(t, err, errs.CodeDeviceRevoked)
		_, err = f.auth.Login(ctx, "inspector1", password, auth.DeviceInfo{ClientID: "dev-1"})
		wantCode(t, err, errs.CodeDeviceRevoked)
		if _, err := f.auth.Refresh(ctx, other.RefreshToken); err != nil {
			t.Fatalf("the other device must keep working: %v", err)
		}
	})
	t.Run("a password reset ends earlier tokens", func(t *testing.T) {
		f := newFixture(t)
		pair := f.login(t, "dev-1")
		f.clock.Advance(time.Minute)
		if err := f.ids.ResetPassword(ctx, identity.Operator, f.org.ID, f.acct.ID, "a-brand-new-password"); err != nil {
			t.Fatal(err)
		}
		_, err := f.auth.Authenticate(ctx, pair.AccessToken)
		wantCode(t, err, errs.CodeTokenInvalid)
		_, err = f.auth.Refresh(ctx, pair.RefreshToken)
		wantCode(t, err, errs.CodeRefreshInvalid)
		if _, err := f.auth.Login(ctx, "inspector1", "a-brand-new-password", auth.DeviceInfo{ClientID: "dev-1"}); err != nil {
			t.Fatalf("the new password logs in: %v", err)
		}
	})
	t.Run("wrong password and unknown login look the same", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.auth.Login(ctx, "inspector1", "wrong password!", auth.DeviceInfo{ClientID: "d"})
		wantCode(t, err, errs.CodeBadCredentials)
		_, err = f.auth.Login(ctx, "nobody", "wrong password!", auth.DeviceInfo{ClientID: "d"})
		wantCode(t, err, errs.CodeBadCredentials)
	})
}

func TestRefreshRotation(t *testing.T) {
	ctx := context.Background()
	t.Run("rotates", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		f.clock.Advance(time.Minute)
		p1, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if p1.RefreshToken == p0.RefreshToken || p1.AccessToken == p0.AccessToken {
			t.Fatal("refresh did not rotate")
		}
		if _, err := f.auth.Authenticate(ctx, p1.AccessToken); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)
		if _, err := f.auth.Refresh(ctx, p1.RefreshToken); err != nil {
			t.Fatalf("second rotation: %v", err)
		}
	})
	t.Run("retry inside the grace window gets the same pair", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		p1, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(f.cfg.Grace - time.Second)
		again, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if again.RefreshToken != p1.RefreshToken || again.AccessToken != p1.AccessToken {
			t.Fatal("a retry inside the grace window must get the same pair")
		}
		if _, err := f.auth.Refresh(ctx, p1.RefreshToken); err != nil {
			t.Fatalf("the new token must still work: %v", err)
		}
	})
	t.Run("retry after the grace window while the successor is unused gets the same pair", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		p1, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(6 * time.Hour) // the phone lost its signal right after sending the refresh
		again, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil {
			t.Fatalf("retry: %v", err)
		}
		if again.RefreshToken != p1.RefreshToken {
			t.Fatal("a retry while the successor is unused must get the successor")
		}
		if _, err := f.auth.Refresh(ctx, p1.RefreshToken); err != nil {
			t.Fatalf("the successor must work: %v", err)
		}
	})
	t.Run("reuse after the grace window once the successor was used kills the family", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		p1, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		p2, err := f.auth.Refresh(ctx, p1.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(f.cfg.Grace + time.Second)
		_, err = f.auth.Refresh(ctx, p0.RefreshToken)
		wantCode(t, err, errs.CodeRefreshReused)
		_, err = f.auth.Refresh(ctx, p2.RefreshToken)
		wantCode(t, err, errs.CodeRefreshInvalid)
		if _, err := f.auth.Login(ctx, "inspector1", password, auth.DeviceInfo{ClientID: "dev-1"}); err != nil {
			t.Fatalf("logging in again must work: %v", err)
		}
	})
	t.Run("whitespace around the token does not change its successor", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		p1, err := f.auth.Refresh(ctx, " "+p0.RefreshToken+"\n")
		if err != nil {
			t.Fatal(err)
		}
		again, err := f.auth.Refresh(ctx, p0.RefreshToken)
		if err != nil || again.RefreshToken != p1.RefreshToken {
			t.Fatalf("retry: %v", err)
		}
		if _, err := f.auth.Refresh(ctx, p1.RefreshToken); err != nil {
			t.Fatalf("the successor must work: %v", err)
		}
	})
	t.Run("expired refresh token", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		f.clock.Advance(f.cfg.RefreshTTL)
		_, err := f.auth.Refresh(ctx, p0.RefreshToken)
		wantCode(t, err, errs.CodeRefreshInvalid)
	})
	t.Run("unknown refresh token", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.auth.Refresh(ctx, "rt1_nonsense")
		wantCode(t, err, errs.CodeRefreshInvalid)
	})
	t.Run("a new login on the device ends the old family", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		f.login(t, "dev-1")
		_, err := f.auth.Refresh(ctx, p0.RefreshToken)
		wantCode(t, err, errs.CodeRefreshInvalid)
	})
	t.Run("concurrent retries get one pair", func(t *testing.T) {
		f := newFixture(t)
		p0 := f.login(t, "dev-1")
		const n = 8
		got := make(chan string, n)
		for range n {
			go func() {
				p, err := f.auth.Refresh(ctx, p0.RefreshToken)
				if err != nil {
					got <- "error: " + err.Error()
					return
				}
				got <- p.RefreshToken
			}()
		}
		first := <-got
		for range n - 1 {
			if g := <-got; g != first {
				t.Fatalf("concurrent refreshes disagree: %q vs %q", first, g)
			}
		}
		if strings.HasPrefix(first, "error") {
			t.Fatal(first)
		}
	})
}
