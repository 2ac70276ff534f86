package httpcore

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// Access says who may call a route.
type Access struct {
	public bool
	roles  []identity.Role // empty with !public = any authenticated account
}

// Public routes need no token (login, refresh, health, documents).
var Public = Access{public: true}

// Authenticated routes take any logged-in account, whatever its roles.
var Authenticated = Access{}

// Roles allows accounts carrying any of roles.
func Roles(roles ...identity.Role) Access { return Access{roles: roles} }

// IsPublic reports whether the route needs no token.
func (a Access) IsPublic() bool { return a.public }

// Allows reports whether a caller with these roles may call the route (a nil roles slice = no token).
func (a Access) Allows(authenticated bool, roles []identity.Role) bool {
	switch {
	case a.public:
		return true
	case !authenticated:
		return false
	case len(a.roles) == 0:
		return true
	}
	p := identity.Principal{Roles: roles}
	return p.Has(a.roles...)
}

// AllowedRoles lists the roles named by the access rule (empty for Public and Authenticated).
func (a Access) AllowedRoles() []identity.Role { return append([]identity.Role(nil), a.roles...) }

// Route is one endpoint: its method and path, who may call it, and its handler. Every route of both
// APIs is declared this way, so that the route table in each package is the whole API on one screen
// and tests can call every route with every role.
type Route struct {
	Method  string
	Path    string // echo path, e.g. /accounts/:id/disable
	Access  Access
	Handler echo.HandlerFunc
	// MaxBody is the largest request body the route takes; 0 = the server's MAX_BODY_BYTES. Routes
	// that receive files (registry import) set it higher.
	MaxBody int64
}

// Authenticator verifies a bearer token.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (identity.Principal, error)
}

const principalKey = "httpcore.principal"

// PrincipalOf returns the caller of an authenticated route.
func PrincipalOf(c echo.Context) identity.Principal {
	p, _ := c.Get(principalKey).(identity.Principal)
	return p
}

// Mount registers routes on g, each behind the authentication and role check its Access declares and
// the body limit it declares (defaultMaxBody when it declares none).
func Mount(g *echo.Group, routes []Route, authn Authenticator, defaultMaxBody int64) {
	for _, r := range routes {
		limit := r.MaxBody
		if limit <= 0 {
			limit = defaultMaxBody
		}
		g.Add(r.Method, r.Path, guard(r.Access, authn, r.Handler), bodyLimit(limit))
	}
}

// bodyLimit refuses a body longer than n bytes: at once when Content-Length says so, and otherwise
// when reading passes the limit (413 body_too_large either way).
func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			if req.ContentLength > n {
				return errs.E(errs.TooLarge, errs.CodeBodyTooLarge)
			}
			req.Body = http.MaxBytesReader(c.Response(), req.Body, n)
			return next(c)
		}
	}
}

func guard(a Access, authn Authenticator, next echo.HandlerFunc) echo.HandlerFunc {
	if a.public {
		return next
	}
	return func(c echo.Context) error {
		h := c.Request().Header.Get("Authorization")
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return errs.E(errs.Unauthenticated, errs.CodeTokenMissing)
		}
		p, err := authn.Authenticate(c.Request().Context(), strings.TrimSpace(token))
		if err != nil {
			return err
		}
		if !a.Allows(true, p.Roles) {
			return errs.E(errs.Forbidden, errs.CodeRoleRequired)
		}
		c.Set(principalKey, p)
		c.Set(accountKey, p.AccountID)
		return next(c)
	}
}
