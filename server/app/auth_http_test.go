package app_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/mobile-api/contract"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

type pairBody struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	DeviceID     string `json:"device_id"`
}

func TestPhoneSessionOverHTTP(t *testing.T) {
	c := clock.NewManual(time.Now().UTC().Truncate(time.Second))
	srv := apptest.Start(t, apptest.Config(t), c)
	srv.CreateAccount(t, "inspector1", identity.RoleInspector)
	srv.CreateAccount(t, "admin", identity.RoleOrgAdmin)
	adminToken := srv.Login(t, "admin")
	doc := schematest.LoadOpenAPI(t, contract.OpenAPI, contract.Prefix)

	call := func(method, path, token string, body any) apptest.Response {
		t.Helper()
		r := srv.Do(t, method, path, token, body)
		if path[:8] == "/mobile/" {
			doc.CheckResponse(t, method, path, r.Status, r.Body)
		}
		return r
	}
	login := call(http.MethodPost, "/mobile/v1/auth/login", "", map[string]any{"login": "Inspector1", "password": apptest.Password,
		"device": map[string]string{"id": "phone-7f3a", "name": "Samsung Galaxy A05", "platform": "android", "app_version": "0.1.0"}})
	if login.Status != 200 {
		t.Fatalf("login: %d %s", login.Status, login.Body)
	}
	var p0 pairBody
	json.Unmarshal(login.Body, &p0)

	if r := call(http.MethodGet, "/mobile/v1/me", p0.AccessToken, nil); r.Status != 200 {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}
	c.Advance(30 * time.Second)
	r1 := call(http.MethodPost, "/mobile/v1/auth/refresh", "", map[string]string{"refresh_token": p0.RefreshToken})
	c.Advance(30 * time.Second) // the phone lost the answer and retries
	r2 := call(http.MethodPost, "/mobile/v1/auth/refresh", "", map[string]string{"refresh_token": p0.RefreshToken})
	var p1, p2 pairBody
	json.Unmarshal(r1.Body, &p1)
	json.Unmarshal(r2.Body, &p2)
	if r1.Status != 200 || r2.Status != 200 || p1.RefreshToken != p2.RefreshToken || p1.AccessToken != p2.AccessToken {
		t.Fatalf("a retry inside the grace window must get the same pair: %d %d", r1.Status, r2.Status)
	}

	// The administrator revokes the phone from the console: the next refresh fails.
	if r := srv.Do(t, http.MethodPost, "/api/v1/devices/"+p1.DeviceID+"/revoke", adminToken, map[string]string{"reason": "điện thoại bị mất"}); r.Status != 200 {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	r3 := call(http.MethodPost, "/mobile/v1/auth/refresh", "", map[string]string{"refresh_token": p1.RefreshToken})
	if r3.Status != 401 || r3.ErrorCode() != "device_revoked" {
		t.Fatalf("after revoke: %d %s", r3.Status, r3.Body)
	}
	if r := call(http.MethodGet, "/mobile/v1/me", p1.AccessToken, nil); r.Status != 401 || r.ErrorCode() != "device_revoked" {
		t.Fatalf("access token of a revoked device: %d %s", r.Status, r.Body)
	}
}

func TestLoginRateLimit(t *testing.T) {
	cfg := apptest.Config(t)
	cfg.LoginLimitAccount = 3
	srv := apptest.Start(t, cfg, clock.Real{})
	srv.CreateAccount(t, "target", identity.RoleInspector)
	srv.CreateAccount(t, "bystander", identity.RoleInspector)
	bad := map[string]any{"login": "target", "password": "wrong-password", "device": map[string]string{"id": "attacker"}}
	for i := range 3 {
		if r := srv.Do(t, http.MethodPost, "/mobile/v1/auth/login", "", bad); r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := srv.Do(t, http.MethodPost, "/mobile/v1/auth/login", "", bad)
	if r.Status != 429 || r.ErrorCode() != "too_many_attempts" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("over the limit: %d %s %v", r.Status, r.Body, r.Header)
	}
	good := map[string]any{"login": "target", "password": apptest.Password, "device": map[string]string{"id": "owner"}}
	if r := srv.Do(t, http.MethodPost, "/mobile/v1/auth/login", "", good); r.Status != 429 {
		t.Fatalf("the right password must wait too while the account is locked: %d", r.Status)
	}
	other := map[string]any{"login": "bystander", "password": apptest.Password, "device": map[string]string{"id": "b"}}
	if r := srv.Do(t, http.MethodPost, "/mobile/v1/auth/login", "", other); r.Status != 200 {
		t.Fatalf("another account must not be locked: %d %s", r.Status, r.Body)
	}
}
