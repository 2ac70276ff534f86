package app_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// access is who may call a route, as this test expects it — written out here, independently of the
// route tables, so that a change of access shows up as a failing test.
type access struct {
	public bool
	roles  []identity.Role // nil and !public: any authenticated account
}

var (
	public        = access{public: true}
	authenticated = access{}
	admins        = access{roles: []identity.Role{identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
	sysadmin      = access{roles: []identity.Role{identity.RoleSystemAdmin}}
)

// routeBodies and routePaths give, by route, the body to send and the concrete path to call (for a
// path with parameters). Each area's test file adds its own in an init function; routes whose
// parameters need objects made at run time are set in TestEveryRouteWithEveryRole.
var (
	routeBodies = map[string]any{}
	routePaths  = map[string]string{}
	// phoneRoutes are called with a token from the phone's login (one bound to a device) instead of
	// the console's: the sync routes serve phones only, whatever the roles.
	phoneRoutes = map[string]bool{}
)

// expectedRoutes lists every route the server has. A new route must be added here or
// TestEveryRouteWithEveryRole fails.
var expectedRoutes = map[string]access{
	"GET /healthz":             public,
	"GET /readyz":              public,
	"GET /metrics":             public,
	"GET /schemas/:file":       public,
	"GET /mobile/openapi.yaml": public,

	"GET /api/v1/openapi.yaml":           public,
	"POST /api/v1/auth/login":            public,
	"POST /api/v1/auth/refresh":          public,
	"GET /api/v1/me":                     authenticated,
	"GET /api/v1/organisations":          sysadmin,
	"POST /api/v1/organisations":         sysadmin,
	"GET /api/v1/persons":                {roles: []identity.Role{identity.RoleOrgAdmin, identity.RoleSystemAdmin, identity.RoleDirector}},
	"GET /api/v1/accounts":               admins,
	"POST /api/v1/accounts":              admins,
	"POST /api/v1/accounts/:id/disable":  admins,
	"POST /api/v1/accounts/:id/enable":   admins,
	"POST /api/v1/accounts/:id/password": admins,
	"GET /api/v1/devices":                admins,
	"POST /api/v1/devices/:id/revoke":    admins,
	"GET /api/v1/audit/verify":           sysadmin,

	"POST /mobile/v1/auth/login":   public,
	"POST /mobile/v1/auth/refresh": public,
	"GET /mobile/v1/me":            authenticated,
}

func (a access) allows(role identity.Role, hasToken bool) bool {
	switch {
	case a.public:
		return true
	case !hasToken:
		return false
	case a.roles == nil:
		return true
	}
	for _, r := range a.roles {
		if r == role {
			return true
		}
	}
	return false
}

func TestEveryRouteWithEveryRole(t *testing.T) {
	srv := apptest.Start(t, apptest.Config(t), clock.Real{})

	// The routes the server really has must be exactly the expected ones.
	var have []string
	for _, r := range srv.App.Echo.Routes() {
		have = append(have, r.Method+" "+r.Path)
	}
	sort.Strings(have)
	for _, r := range have {
		if _, ok := expectedRoutes[r]; !ok {
			t.Errorf("route %s is not in expectedRoutes: add it with the roles it should allow", r)
		}
	}
	for r := range expectedRoutes {
		if !contains(have, r) {
			t.Errorf("expected route %s is not served", r)
		}
	}

	// A token for each role, an account to act on and a device to revoke.
	tokens, phoneTokens := map[identity.Role]string{}, map[identity.Role]string{}
	for _, role := range identity.AllRoles {
		login := "r-" + strings.ReplaceAll(string(role), "_", "-")
		srv.CreateAccount(t, login, role)
		tokens[role] = srv.Login(t, login)
		phoneTokens[role] = phoneToken(t, srv, login, "phone-"+login)
	}
	victim := srv.CreateAccount(t, "victim", identity.RoleInspector)
	lr := srv.Do(t, http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"login": "victim", "password": apptest.Password, "device": map[string]string{"id": "victim-phone"}})
	var pair struct {
		DeviceID     string `json:"device_id"`
		RefreshToken string `json:"refresh_token"`
	}
	if err := json.Unmarshal(lr.Body, &pair); err != nil || pair.DeviceID == "" {
		t.Fatalf("victim login: %d %s", lr.Status, lr.Body)
	}

	for k, v := range map[string]any{
		"POST /api/v1/auth/login":            map[string]string{"login": "nobody", "password": "wrong-password", "session_id": "s1"},
		"POST /api/v1/auth/refresh":          map[string]string{"refresh_token": "rt1_unknown"},
		"POST /api/v1/organisations":         map[string]string{"code": "org-" + time.Now().Format("150405"), "name": "Sở KH&CN thử nghiệm"},
		"POST /api/v1/accounts":              map[string]any{"login": "new-inspector", "password": "new-password-123", "roles": []string{"inspector"}, "full_name": "Lục Văn Bình"},
		"POST /api/v1/accounts/:id/disable":  map[string]string{"reason": "test"},
		"POST /api/v1/accounts/:id/enable":   map[string]string{},
		"POST /api/v1/accounts/:id/password": map[string]string{"password": "another-password-1"},
		"POST /api/v1/devices/:id/revoke":    map[string]string{"reason": "test"},
		"POST /mobile/v1/auth/login":         map[string]any{"login": "nobody", "password": "wrong-password", "device": map[string]string{"id": "p1"}},
		"POST /mobile/v1/auth/refresh":       map[string]string{"refresh_token": "rt1_unknown"},
	} {
		routeBodies[k] = v
	}
	for k, v := range map[string]string{
		"/api/v1/accounts/:id/disable":  "/api/v1/accounts/" + victim.ID + "/disable",
		"/api/v1/accounts/:id/enable":   "/api/v1/accounts/" + victim.ID + "/enable",
		"/api/v1/accounts/:id/password": "/api/v1/accounts/" + victim.ID + "/password",
		"/api/v1/devices/:id/revoke":    "/api/v1/devices/" + pair.DeviceID + "/revoke",
		"/schemas/:file":                "/schemas/error.schema.json",
	} {
		routePaths[k] = v
	}
	console := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	mobile := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)

	callers := append([]identity.Role{""}, identity.AllRoles...)
	routes := make([]string, 0, len(expectedRoutes))
	for r := range expectedRoutes {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	for _, route := range routes {
		want := expectedRoutes[route]
		method, pattern, _ := strings.Cut(route, " ")
		path := pattern
		if p, ok := routePaths[pattern]; ok {
			path = p
		}
		for _, role := range callers {
			name := string(role)
			if role == "" {
				name = "no token"
			}
			t.Run(route+" as "+name, func(t *testing.T) {
				token := tokens[role]
				if phoneRoutes[route] {
					token = phoneTokens[role]
				}
				res := srv.Do(t, method, path, token, routeBodies[route])
				switch allowed := want.allows(role, role != ""); {
				case allowed && (res.Status == http.StatusUnauthorized || res.Status == http.StatusForbidden):
					if !(want.public && strings.Contains(route, "auth/")) { // a public login with bad credentials is a 401 by design
						t.Fatalf("allowed caller refused: %d %s", res.Status, res.Body)
					}
				case !allowed && role == "":
					if res.Status != http.StatusUnauthorized || res.ErrorCode() != "token_missing" {
						t.Fatalf("no token: got %d %s, want 401 token_missing", res.Status, res.Body)
					}
				case !allowed:
					if res.Status != http.StatusForbidden || res.ErrorCode() != "role_required" {
						t.Fatalf("role %s: got %d %s, want 403 role_required", role, res.Status, res.Body)
					}
				}
				if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
					doc := console
					if strings.HasPrefix(path, "/mobile/") {
						doc = mobile
					}
					doc.CheckResponse(t, method, path, res.Status, res.Body)
				}
			})
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
