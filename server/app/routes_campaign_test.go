package app_test

import (
	"io/fs"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/server/identity"
)

// The reference data (legal catalogue, checklists) and the campaigns, visits, plan targets and
// titles, as TestEveryRouteWithEveryRole expects them. The IDs in paths are well formed but name
// nothing: the roles allowed get 404, which the document must describe.
func init() {
	const nobody = "01930c2e-7a4b-7c1d-9e2f-0000000000ff"
	var (
		readers     = access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief, identity.RoleDirector, identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
		planners    = access{roles: []identity.Role{identity.RoleChief, identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
		visitors    = access{roles: []identity.Role{identity.RoleInspector, identity.RoleChief, identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
		planSetters = access{roles: []identity.Role{identity.RoleDirector, identity.RoleOrgAdmin, identity.RoleSystemAdmin}}
	)
	for k, v := range map[string]access{
		"GET /api/v1/legal/violations":              authenticated,
		"GET /api/v1/legal/violations/:code":        authenticated,
		"POST /api/v1/legal/violations":             sysadmin,
		"POST /api/v1/legal/violations/:code/range": sysadmin,
		"GET /api/v1/legal/decrees":                 authenticated,
		"GET /api/v1/legal/authority-caps":          authenticated,
		"GET /api/v1/legal/deadline-rules":          authenticated,
		"GET /api/v1/legal/holidays":                authenticated,

		"GET /api/v1/checklists":                                   authenticated,
		"POST /api/v1/checklists":                                  sysadmin,
		"GET /api/v1/checklists/:code/versions/:version":           authenticated,
		"POST /api/v1/checklists/:code/versions/:version/validate": authenticated,

		"GET /api/v1/campaigns":               readers,
		"POST /api/v1/campaigns":              planners,
		"GET /api/v1/campaigns/:id":           readers,
		"PUT /api/v1/campaigns/:id":           planners,
		"POST /api/v1/campaigns/:id/conclude": planners,
		"POST /api/v1/campaigns/:id/visits":   visitors,
		"GET /api/v1/visits":                  readers,
		"GET /api/v1/visits/:id":              readers,
		"POST /api/v1/visits/:id/status":      visitors,
		"GET /api/v1/visits/:id/answers":      readers,
		"PUT /api/v1/visits/:id/answers":      visitors,
		"GET /api/v1/plan-targets":            readers,
		"PUT /api/v1/plan-targets":            planSetters,
		"GET /api/v1/persons/:id/titles":      readers,
		"POST /api/v1/persons/:id/titles":     admins,
	} {
		expectedRoutes[k] = v
	}

	template, err := fs.ReadFile(schemas.Checklists, "checklists/fuel-station.v1.json")
	if err != nil {
		panic(err)
	}
	campaign := map[string]any{"number": "1/KH-TTr", "decision_date": "2026-01-05", "title": "Kiểm tra đo lường", "kind": "check",
		"origin": "planned", "sectors": []string{"market"}, "period_from": "2026-02-01", "period_to": "2026-02-28",
		"team": []map[string]string{{"person_id": nobody, "role": "leader"}}, "subject_ids": []string{nobody}}
	for k, v := range map[string]any{
		"POST /api/v1/legal/violations": map[string]any{"code": "TEST-ROUTES", "description_vi": "Hành vi dùng để kiểm thử", "sector": "other",
			"subjects": []string{"individual"}, "fine": map[string]any{"kind": "fixed", "min": nil, "max": nil}, "source": "Kiểm thử", "valid_from": "2026-07-01"},
		"POST /api/v1/legal/violations/:code/range":                map[string]any{"version_id": nobody, "min": 1000000, "max": 2000000, "confirmed": false, "source": "Kiểm thử"},
		"POST /api/v1/checklists":                                  template, // already published at start: 200, nothing changes
		"POST /api/v1/checklists/:code/versions/:version/validate": map[string]any{"visit_date": "2026-03-02", "answers": map[string]any{}},
		"POST /api/v1/campaigns":                                   campaign,
		"PUT /api/v1/campaigns/:id":                                campaign,
		"POST /api/v1/campaigns/:id/conclude":                      map[string]any{"conclusion": map[string]string{"number": "2/KL-TTr", "date": "2026-03-01"}},
		"POST /api/v1/campaigns/:id/visits":                        map[string]any{"site_id": nobody, "date": "2026-02-10", "checklist_code": "fuel-station", "checklist_version": 1},
		"POST /api/v1/visits/:id/status":                           map[string]string{"status": "in_progress"},
		"PUT /api/v1/visits/:id/answers":                           map[string]any{"answers": map[string]any{"F2.7@cot-1": map[string]any{"value": 0.4}}},
		"PUT /api/v1/plan-targets":                                 map[string]any{"year": 2026, "sector": "market", "metric": "instruments_checked", "value": 1268},
		"POST /api/v1/persons/:id/titles":                          map[string]string{"code": "thanh_tra_vien", "valid_from": "2026-01-01"},
	} {
		routeBodies[k] = v
	}
	for k, v := range map[string]string{
		"/api/v1/legal/violations/:code":                      "/api/v1/legal/violations/GEN-OBSTRUCT",
		"/api/v1/legal/violations/:code/range":                "/api/v1/legal/violations/GEN-OBSTRUCT/range",
		"/api/v1/checklists/:code/versions/:version":          "/api/v1/checklists/fuel-station/versions/1",
		"/api/v1/checklists/:code/versions/:version/validate": "/api/v1/checklists/fuel-station/versions/1/validate",
		"/api/v1/campaigns/:id":                               "/api/v1/campaigns/" + nobody,
		"/api/v1/campaigns/:id/conclude":                      "/api/v1/campaigns/" + nobody + "/conclude",
		"/api/v1/campaigns/:id/visits":                        "/api/v1/campaigns/" + nobody + "/visits",
		"/api/v1/visits/:id":                                  "/api/v1/visits/" + nobody,
		"/api/v1/visits/:id/status":                           "/api/v1/visits/" + nobody + "/status",
		"/api/v1/visits/:id/answers":                          "/api/v1/visits/" + nobody + "/answers",
		"/api/v1/plan-targets":                                "/api/v1/plan-targets?year=2026",
		"/api/v1/persons/:id/titles":                          "/api/v1/persons/" + nobody + "/titles",
	} {
		routePaths[k] = v
	}
}
