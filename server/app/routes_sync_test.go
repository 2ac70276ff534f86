package app_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The sync routes as TestEveryRouteWithEveryRole expects them. Pull and push are called with phone
// tokens: the route lets any account in and the service keeps to an inspector's or a chief's phone,
// so a phone of any other role gets 403 role_required (a console token, of any role, gets it too:
// TestSyncOverHTTP). The pull asks for everything from the start; the push sends an empty batch. The
// quarantine item named by the path does not exist: the roles allowed get 404.
func init() {
	phones := access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief}}
	reviewers := access{roles: []identity.Role{identity.RoleChief, identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
	for k, v := range map[string]access{
		"POST /mobile/v1/sync/pull": phones,
		"POST /mobile/v1/sync/push": phones,

		"GET /api/v1/sync/quarantine":              reviewers,
		"POST /api/v1/sync/quarantine/:id/resolve": reviewers,
	} {
		expectedRoutes[k] = v
	}
	phoneRoutes["POST /mobile/v1/sync/pull"] = true
	phoneRoutes["POST /mobile/v1/sync/push"] = true
	routeBodies["POST /mobile/v1/sync/pull"] = map[string]any{}
	routeBodies["POST /mobile/v1/sync/push"] = map[string]any{"items": []any{}}
	routeBodies["POST /api/v1/sync/quarantine/:id/resolve"] = map[string]string{"note": "Kiểm thử"}
	routePaths["/api/v1/sync/quarantine/:id/resolve"] = "/api/v1/sync/quarantine/999999/resolve"
}

// phoneToken logs login in through the phone API from the device deviceID and returns the access
// token, which is bound to that device.
func phoneToken(t testing.TB, srv *apptest.Server, login, deviceID string) string {
	t.Helper()
	r := srv.Do(t, http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"login": login, "password": apptest.Password,
		"device": map[string]string{"id": deviceID, "name": "Điện thoại kiểm thử", "platform": "android"}})
	var pair struct {
		AccessToken string `json:"access_token"`
		DeviceID    string `json:"device_id"`
	}
	if err := json.Unmarshal(r.Body, &pair); err != nil || r.Status != http.StatusOK || pair.DeviceID == "" {
		t.Fatalf("phone login %s: %d %s", login, r.Status, r.Body)
	}
	return pair.AccessToken
}
