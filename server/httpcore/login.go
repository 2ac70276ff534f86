package httpcore

import (
	"math"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// LoginGuard rate-limits logins per account (failed attempts) and per client address (all attempts).
// The address limit is generous because a whole team's phones can share one carrier NAT address.
type LoginGuard struct {
	PerAccount *Limiter
	PerAddress *Limiter
}

// Check refuses the attempt when either limit is used up, and counts it against the address.
func (g *LoginGuard) Check(c echo.Context, login string) error {
	for _, l := range []struct {
		lim *Limiter
		key string
	}{{g.PerAddress, "ip:" + c.RealIP()}, {g.PerAccount, "login:" + login}} {
		if blocked, wait := l.lim.Blocked(l.key); blocked {
			return WithRetryAfter(errs.E(errs.RateLimited, errs.CodeTooManyAttempts), int(math.Ceil(max(wait, time.Second).Seconds())))
		}
	}
	g.PerAddress.Add("ip:" + c.RealIP())
	return nil
}

// Attempt runs one login attempt under the limits: it refuses at once when a limit is used up,
// counts a wrong password against the account, and clears the account's failures on success.
func (g *LoginGuard) Attempt(c echo.Context, login string, try func() error) error {
	if err := g.Check(c, login); err != nil {
		return err
	}
	err := try()
	switch {
	case err == nil:
		g.Succeeded(login)
	case errs.CodeOf(err) == errs.CodeBadCredentials:
		g.Failed(login)
	}
	return err
}

// Failed counts a failed attempt against the account.
func (g *LoginGuard) Failed(login string) { g.PerAccount.Add("login:" + login) }

// Succeeded clears the account's failures.
func (g *LoginGuard) Succeeded(login string) { g.PerAccount.Reset("login:" + login) }
