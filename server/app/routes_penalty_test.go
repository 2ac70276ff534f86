package app_test

import (
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The penalty routes as TestEveryRouteWithEveryRole expects them (D28): the chief decides, a clerk
// (or the chief) records what follows the decision, the chief, the director and clerks read. The case
// named by the path does not exist: the roles allowed get 404.
func init() {
	const nobody = "01930c2e-7a4b-7c1d-9e2f-0000000000fe"
	var (
		readers  = access{roles: []identity.Role{identity.RoleChief, identity.RoleDirector, identity.RoleClerk}}
		deciders = access{roles: []identity.Role{identity.RoleChief}}
		clerks   = access{roles: []identity.Role{identity.RoleClerk, identity.RoleChief}}
	)
	expectedRoutes["GET /api/v1/penalties/queue"] = readers
	expectedRoutes["GET /api/v1/penalties/overdue"] = readers
	expectedRoutes["GET /api/v1/penalties/:id"] = readers
	routePaths["/api/v1/penalties/:id"] = "/api/v1/penalties/" + nobody
	makers := access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief}}
	expectedRoutes["GET /api/v1/penalties/national-reports"] = readers
	expectedRoutes["POST /api/v1/penalties/national-reports/reported"] = clerks
	routeBodies["POST /api/v1/penalties/national-reports/reported"] = map[string]any{"case_ids": []string{nobody}, "reference": "CSDL-1"}
	expectedRoutes["GET /api/v1/penalties/circumstances"] = makers
	for _, doc := range []string{"decision.pdf", "decision.json"} {
		expectedRoutes["GET /api/v1/penalties/:id/"+doc] = readers
		routePaths["/api/v1/penalties/:id/"+doc] = "/api/v1/penalties/" + nobody + "/" + doc
	}
	expectedRoutes["POST /api/v1/penalties/:id/circumstances"] = makers
	routeBodies["POST /api/v1/penalties/:id/circumstances"] = map[string]any{"version": 2, "charge": 0,
		"circumstances": []map[string]any{{"code": "mitigating-1"}}}
	routePaths["/api/v1/penalties/:id/circumstances"] = "/api/v1/penalties/" + nobody + "/circumstances"
	for act, body := range map[string]any{
		"approve":     map[string]any{"version": 2},
		"return":      map[string]any{"version": 2, "comments": "Bổ sung ảnh"},
		"reject":      map[string]any{"version": 2, "reason": "Không đủ căn cứ"},
		"forward":     map[string]any{"version": 2, "authority": "Chủ tịch UBND tỉnh", "reason": "Vượt thẩm quyền"},
		"issue":       map[string]any{"version": 3},
		"track":       map[string]any{"version": 2, "track": "complex", "reason": "Giám định mẫu"},
		"explanation": map[string]any{"version": 2, "request": true},
		"enforce":     map[string]any{"version": 7, "reference": "QĐ 1/QĐ-CC"},
	} {
		expectedRoutes["POST /api/v1/penalties/:id/"+act] = deciders
		routeBodies["POST /api/v1/penalties/:id/"+act] = body
		routePaths["/api/v1/penalties/:id/"+act] = "/api/v1/penalties/" + nobody + "/" + act
	}
	for act, body := range map[string]any{
		"delivery":        map[string]any{"version": 4, "received_at": "2026-03-03T02:00:00Z"},
		"payments":        map[string]any{"version": 5, "receipt": "BL-1", "amount": 1000, "paid_on": "2026-03-05"},
		"transfers":       map[string]any{"version": 6, "receipt": "BL-1", "transferred_on": "2026-03-06"},
		"national-report": map[string]any{"version": 4, "reference": "CSDL-1"},
		"close":           map[string]any{"version": 8},
	} {
		expectedRoutes["POST /api/v1/penalties/:id/"+act] = clerks
		routeBodies["POST /api/v1/penalties/:id/"+act] = body
		routePaths["/api/v1/penalties/:id/"+act] = "/api/v1/penalties/" + nobody + "/" + act
	}
}
