package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// consoleClient calls the console API as one account and checks every answer against the OpenAPI
// document and its schemas.
type consoleClient struct {
	t     *testing.T
	srv   *apptest.Server
	doc   *schematest.Doc
	token string
}

func (c consoleClient) call(method, path string, body any) apptest.Response {
	c.t.Helper()
	r := c.srv.Do(c.t, method, path, c.token, body)
	c.doc.CheckResponse(c.t, method, path, r.Status, r.Body)
	return r
}

// want calls and fails the test unless the answer has the status; it decodes a 2xx body into out.
func (c consoleClient) want(status int, method, path string, body, out any) apptest.Response {
	c.t.Helper()
	r := c.call(method, path, body)
	if r.Status != status {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, r.Status, r.Body, status)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			c.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return r
}

// refused calls and fails the test unless the answer is an error with the status and code and, when
// field is not empty, whose first field error is on that field ("date") or on that field with that
// code ("date=visit_outside_period").
func (c consoleClient) refused(status int, code, field, method, path string, body any) {
	c.t.Helper()
	r := c.call(method, path, body)
	var e struct {
		Error struct {
			Code   string `json:"code"`
			Fields []struct {
				Field string `json:"field"`
				Code  string `json:"code"`
			} `json:"fields"`
		} `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	if r.Status != status || e.Error.Code != code {
		c.t.Fatalf("%s %s: %d %s, want %d %s", method, path, r.Status, r.Body, status, code)
	}
	name, fieldCode, _ := strings.Cut(field, "=")
	if field != "" && (len(e.Error.Fields) == 0 || e.Error.Fields[0].Field != name || (fieldCode != "" && e.Error.Fields[0].Code != fieldCode)) {
		c.t.Fatalf("%s %s: fields %+v, want %s", method, path, e.Error.Fields, field)
	}
}

// campaignWorld is a server with Cao Bằng's administrative units, one fuel company with two
// stations (one in a district abolished on 1 July 2025) and an account of each role.
type campaignWorld struct {
	srv             *apptest.Server
	as              map[identity.Role]consoleClient
	chief, insp     identity.Account
	subject         registry.Subject
	station, former registry.Site
}

func newCampaignWorld(t *testing.T) *campaignWorld {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 08:00 on 2 March 2026 in Cao Bằng
	w := &campaignWorld{srv: apptest.Start(t, apptest.Config(t), c), as: map[identity.Role]consoleClient{}}
	org := w.srv.Org.ID
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.srv.App.Units.Seed(ctx, identity.Operator, org, seed); err != nil {
		t.Fatal(err)
	}
	reg := w.srv.App.Registry
	if w.subject, err = reg.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation,
		Name: "Công ty Xăng dầu Cao Bằng", TaxCode: "4800100001", Address: "Phường Hợp Giang, TP Cao Bằng"}); err != nil {
		t.Fatal(err)
	}
	if w.station, err = reg.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: w.subject.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu số 1", Address: "Tổ 5, phường Sông Hiến",
		Units: []registry.SiteUnit{{UnitCode: "040", ValidTo: adminunit.Date(2025, 6, 30)}, {UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}}); err != nil {
		t.Fatal(err)
	}
	if w.former, err = reg.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: w.subject.ID, Type: registry.FuelStation,
		Name: "Cửa hàng xăng dầu Quảng Uyên", Address: "Thị trấn Quảng Uyên",
		Units: []registry.SiteUnit{{UnitCode: "049", ValidTo: adminunit.Date(2025, 6, 30)}}}); err != nil {
		t.Fatal(err)
	}
	doc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	for _, role := range identity.AllRoles {
		login := "cw-" + string(role)
		acct := w.srv.CreateAccount(t, login, role)
		w.as[role] = consoleClient{t: t, srv: w.srv, doc: doc, token: w.srv.Login(t, login)}
		switch role {
		case identity.RoleChief:
			w.chief = acct
		case identity.RoleInspector:
			w.insp = acct
		}
	}
	return w
}

type campaignBody struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Status    string `json:"status"`
}

type visitBody struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	UnitCode string `json:"unit_code"`
}

func TestCampaignsOverHTTP(t *testing.T) {
	w := newCampaignWorld(t)
	chief, insp, director, admin := w.as[identity.RoleChief], w.as[identity.RoleInspector], w.as[identity.RoleDirector], w.as[identity.RoleOrgAdmin]
	plan := map[string]any{"number": "277/KH-SKHCN", "decision_date": "2023-02-20",
		"title": "Thanh tra chuyên ngành về đo lường, chất lượng xăng dầu", "kind": "inspection", "origin": "planned",
		"sectors": []string{"fuel"}, "period_from": "2023-03-01", "period_to": "2026-12-31",
		"team":        []map[string]string{{"person_id": w.chief.PersonID, "role": "leader"}, {"person_id": w.insp.PersonID, "role": "member"}},
		"subject_ids": []string{w.subject.ID}, "site_ids": []string{w.station.ID, w.former.ID},
		"assignments": []map[string]string{{"site_id": w.station.ID, "person_id": w.insp.PersonID}}}

	var c campaignBody
	chief.want(http.StatusCreated, "POST", "/api/v1/campaigns", plan, &c)
	if c.Reference != "Kế hoạch số 277/KH-SKHCN ngày 20/02/2023" || c.Status != "open" {
		t.Fatalf("campaign %+v", c)
	}
	t.Run("a campaign without subjects", func(t *testing.T) {
		none := map[string]any{}
		for k, v := range plan {
			none[k] = v
		}
		none["number"], none["subject_ids"], none["site_ids"], none["assignments"] = "278/KH-SKHCN", []string{}, []string{}, []any{}
		chief.refused(http.StatusBadRequest, "validation_failed", "subject_ids=no_subjects", "POST", "/api/v1/campaigns", none)
	})
	t.Run("who reads and who plans", func(t *testing.T) {
		insp.refused(http.StatusForbidden, "role_required", "", "POST", "/api/v1/campaigns", plan)
		w.as[identity.RoleClerk].refused(http.StatusForbidden, "role_required", "", "GET", "/api/v1/campaigns", nil)
		var page struct{ Total int }
		insp.want(http.StatusOK, "GET", "/api/v1/campaigns?year=2023&sector=fuel&person_id="+w.insp.PersonID+"&open=true", nil, &page)
		if page.Total != 1 {
			t.Fatalf("the inspector's campaigns: %d", page.Total)
		}
		director.want(http.StatusOK, "GET", "/api/v1/campaigns?year=2022", nil, &page)
		if page.Total != 0 {
			t.Fatalf("campaigns of 2022: %d", page.Total)
		}
		director.refused(http.StatusBadRequest, "validation_failed", "kind=invalid_value", "GET", "/api/v1/campaigns?kind=audit", nil)
		director.want(http.StatusOK, "GET", "/api/v1/campaigns/"+c.ID, nil, nil)
	})

	visits := "/api/v1/campaigns/" + c.ID + "/visits"
	visit := func(site, date string) map[string]any {
		return map[string]any{"site_id": site, "date": date, "leader_person_id": w.insp.PersonID, "checklist_code": "fuel-station", "checklist_version": 1}
	}
	t.Run("a visit outside the campaign's period", func(t *testing.T) {
		insp.refused(http.StatusBadRequest, "validation_failed", "date=visit_outside_period", "POST", visits, visit(w.station.ID, "2023-02-28"))
	})
	t.Run("a visit of a site whose unit no longer existed", func(t *testing.T) {
		insp.refused(http.StatusBadRequest, "validation_failed", "site_id=unit_not_in_force", "POST", visits, visit(w.former.ID, "2026-01-05"))
	})
	var v visitBody
	insp.want(http.StatusCreated, "POST", visits, visit(w.station.ID, "2023-03-15"), &v)
	if v.Status != "planned" || v.UnitCode != "040" {
		t.Fatalf("visit %+v", v)
	}
	status := "/api/v1/visits/" + v.ID + "/status"
	for _, to := range []string{"in_progress", "waiting_lab"} {
		insp.want(http.StatusOK, "POST", status, map[string]string{"status": to}, &v)
	}
	var waiting struct{ Total int }
	director.want(http.StatusOK, "GET", "/api/v1/visits?campaign_id="+c.ID+"&status=waiting_lab", nil, &waiting)
	if waiting.Total != 1 {
		t.Fatalf("visits waiting for the laboratory: %d", waiting.Total)
	}
	t.Run("answers recorded while waiting for the lab", func(t *testing.T) {
		answers := "/api/v1/visits/" + v.ID + "/answers"
		var got struct {
			Findings []struct {
				Key            string   `json:"key"`
				Reason         string   `json:"reason"`
				ViolationCodes []string `json:"violation_codes"`
			} `json:"findings"`
		}
		// A dispenser delivering 1.2 % off is a finding, not an error; its seal answered intact is not.
		insp.want(http.StatusOK, "PUT", answers, map[string]any{"answers": map[string]any{
			"F2.7@TK-1": map[string]any{"value": 1.2}, "F2.3@TK-1": map[string]any{"value": true, "evidence": []string{"photo-1"}}}}, &got)
		if len(got.Findings) != 1 || got.Findings[0].Key != "F2.7@TK-1" || len(got.Findings[0].ViolationCodes) == 0 {
			t.Fatalf("findings %+v", got.Findings)
		}
		// A number where yes/no was expected refuses the whole set, naming the key; nothing is kept.
		insp.refused(http.StatusBadRequest, "validation_failed", "F2.3@TK-2=answer_wrong_type", "PUT", answers,
			map[string]any{"answers": map[string]any{"F2.3@TK-2": map[string]any{"value": 3}, "F2.7@TK-2": map[string]any{"value": 0.1}}})
		insp.refused(http.StatusBadRequest, "validation_failed", "F9.9=unknown_item", "PUT", answers,
			map[string]any{"answers": map[string]any{"F9.9": map[string]any{"value": true}}})
		// The measurement is corrected: the finding goes.
		insp.want(http.StatusOK, "PUT", answers, map[string]any{"answers": map[string]any{"F2.7@TK-1": map[string]any{"value": 0.3}}}, &got)
		if len(got.Findings) != 0 {
			t.Fatalf("findings after the correction: %+v", got.Findings)
		}
		var all struct {
			Answers map[string]any `json:"answers"`
		}
		director.want(http.StatusOK, "GET", answers, nil, &all)
		if len(all.Answers) != 2 || all.Answers["F2.3@TK-2"] != nil {
			t.Fatalf("answers %+v", all.Answers)
		}
	})
	chief.want(http.StatusOK, "POST", status, map[string]string{"status": "completed"}, &v)
	if v.Status != "completed" {
		t.Fatalf("visit %+v", v)
	}
	chief.refused(http.StatusConflict, "visit_status_invalid", "", "PUT", "/api/v1/visits/"+v.ID+"/answers",
		map[string]any{"answers": map[string]any{"F2.7@TK-1": map[string]any{"value": 0.2}}})
	chief.refused(http.StatusConflict, "visit_status_invalid", "", "POST", status, map[string]string{"status": "planned"})
	chief.refused(http.StatusBadRequest, "validation_failed", "status=invalid_value", "POST", status, map[string]string{"status": "lost"})
	director.want(http.StatusOK, "GET", "/api/v1/visits/"+v.ID, nil, nil)

	t.Run("plan targets", func(t *testing.T) {
		target := map[string]any{"year": 2023, "sector": "market", "metric": "instruments_checked", "value": 1268}
		chief.refused(http.StatusForbidden, "role_required", "", "PUT", "/api/v1/plan-targets", target)
		director.want(http.StatusOK, "PUT", "/api/v1/plan-targets", target, nil)
		var plan struct {
			Items []struct{ Value int }
		}
		insp.want(http.StatusOK, "GET", "/api/v1/plan-targets?year=2023", nil, &plan)
		if len(plan.Items) != 1 || plan.Items[0].Value != 1268 {
			t.Fatalf("plan %+v", plan)
		}
		insp.refused(http.StatusBadRequest, "validation_failed", "year=required", "GET", "/api/v1/plan-targets", nil)
		target["metric"] = "fines"
		director.refused(http.StatusBadRequest, "validation_failed", "metric=invalid_value", "PUT", "/api/v1/plan-targets", target)
	})
	t.Run("titles", func(t *testing.T) {
		titles := "/api/v1/persons/" + w.chief.PersonID + "/titles"
		title := map[string]string{"code": "chanh_thanh_tra_so", "valid_from": "2020-01-01", "valid_to": "2025-06-30"}
		chief.refused(http.StatusForbidden, "role_required", "", "POST", titles, title)
		admin.want(http.StatusCreated, "POST", titles, title, nil)
		var list struct {
			Items []struct {
				Code    string `json:"code"`
				ValidTo string `json:"valid_to"`
			}
		}
		director.want(http.StatusOK, "GET", titles, nil, &list)
		if len(list.Items) != 1 {
			t.Fatalf("titles %+v", list)
		}
		title["valid_to"] = "2019-12-31"
		admin.refused(http.StatusBadRequest, "validation_failed", "valid_to=invalid_value", "POST", titles, title)
		director.refused(http.StatusNotFound, "person_not_found", "", "GET", "/api/v1/persons/01930c2e-7a4b-7c1d-9e2f-0000000000ff/titles", nil)
	})

	t.Run("conclusion", func(t *testing.T) {
		path := "/api/v1/campaigns/" + c.ID
		chief.refused(http.StatusBadRequest, "validation_failed", "conclusion.date=conclusion_before_start", "POST", path+"/conclude",
			map[string]any{"conclusion": map[string]string{"number": "45/KL-TTr", "date": "2023-02-01"}})
		chief.want(http.StatusOK, "POST", path+"/conclude", map[string]any{"conclusion": map[string]string{"number": "45/KL-TTr", "date": "2026-04-20"}}, &c)
		if c.Status != "concluded" {
			t.Fatalf("campaign %+v", c)
		}
		chief.refused(http.StatusConflict, "campaign_concluded", "", "PUT", path, plan)
		insp.refused(http.StatusConflict, "campaign_concluded", "", "POST", visits, visit(w.station.ID, "2023-03-16"))
	})
}

func TestLegalCatalogueOverHTTP(t *testing.T) {
	w := newCampaignWorld(t)
	sys, insp := w.as[identity.RoleSystemAdmin], w.as[identity.RoleInspector]
	type version struct {
		ID           string  `json:"id"`
		ValidTo      *string `json:"valid_to"`
		ReplacedBy   *string `json:"replaced_by"`
		RangeMissing bool    `json:"range_missing"`
		Fine         struct {
			Min *int64 `json:"min"`
			Max *int64 `json:"max"`
		} `json:"fine"`
	}
	const entry = "/api/v1/legal/violations/GEN-OBSTRUCT"
	var before version
	insp.want(http.StatusOK, "GET", entry+"?date=2026-03-02", nil, &before)
	if !before.RangeMissing || before.Fine.Min != nil {
		t.Fatalf("the seed has no range for GEN-OBSTRUCT: %+v", before)
	}
	insp.refused(http.StatusNotFound, "violation_not_found", "", "GET", entry+"?date=2010-01-01", nil)
	insp.refused(http.StatusBadRequest, "validation_failed", "date=invalid_date", "GET", entry+"?date=02/03/2026", nil)

	t.Run("a missing range is entered with its source", func(t *testing.T) {
		rng := map[string]any{"version_id": before.ID, "min": 5000000, "max": 10000000, "confirmed": false, "source": "Kiểm thử: nguồn giả định"}
		insp.refused(http.StatusForbidden, "role_required", "", "POST", entry+"/range", rng)
		var after version
		sys.want(http.StatusOK, "POST", entry+"/range", rng, &after)
		if after.RangeMissing || after.ID != before.ID || *after.Fine.Max != 10000000 {
			t.Fatalf("after the range: %+v", after)
		}
		sys.refused(http.StatusConflict, "fine_range_present", "", "POST", entry+"/range", rng)
		sys.refused(http.StatusNotFound, "violation_not_found", "", "POST", "/api/v1/legal/violations/GEN-X/range", rng)
	})

	next := map[string]any{"code": "GEN-OBSTRUCT", "decree": nil, "description_vi": "Cản trở, không chấp hành yêu cầu của đoàn thanh tra",
		"sector": "other", "subjects": []string{"individual", "organisation"}, "fine": map[string]any{"kind": "fixed", "min": 10000000, "max": 20000000},
		"confirmed": false, "source": "Kiểm thử: văn bản giả định", "valid_from": "2026-07-01"}
	var rev struct {
		Action   string   `json:"action"`
		Previous *version `json:"previous"`
		Next     version  `json:"next"`
	}
	sys.want(http.StatusCreated, "POST", "/api/v1/legal/violations", next, &rev)
	if rev.Action != "replace" || rev.Previous == nil || *rev.Previous.ValidTo != "2026-07-01" {
		t.Fatalf("revision %+v", rev)
	}
	var old, now version
	insp.want(http.StatusOK, "GET", entry+"?date=2026-06-30", nil, &old)
	insp.want(http.StatusOK, "GET", entry+"?date=2026-07-01", nil, &now)
	if old.ID != before.ID || old.ReplacedBy == nil || *old.ReplacedBy != now.ID || now.ID != rev.Next.ID || *now.Fine.Min != 10000000 {
		t.Fatalf("before the edit %+v, after %+v", old, now)
	}
	next["fine"] = map[string]any{"kind": "fixed", "min": 12000000, "max": 20000000}
	sys.want(http.StatusOK, "POST", "/api/v1/legal/violations", next, &rev) // not yet in force: rewritten in place
	if rev.Action != "revise" || rev.Next.ID != now.ID {
		t.Fatalf("revision %+v", rev)
	}
	next["valid_from"] = "2026-01-01"
	sys.refused(http.StatusConflict, "legal_version_order", "", "POST", "/api/v1/legal/violations", next)
	next["valid_from"], next["fine"] = "2026-08-01", map[string]any{"kind": "fixed", "min": 10000000, "max": 1}
	sys.refused(http.StatusBadRequest, "validation_failed", "fine.max=invalid_value", "POST", "/api/v1/legal/violations", next)
	w.as[identity.RoleChief].refused(http.StatusForbidden, "role_required", "", "POST", "/api/v1/legal/violations", next)

	var list struct {
		Date  string
		Items []struct{ Code string }
		Total int
	}
	insp.want(http.StatusOK, "GET", "/api/v1/legal/violations?date=2026-07-01&sector=other&limit=500", nil, &list)
	found := false
	for _, x := range list.Items {
		found = found || x.Code == "GEN-OBSTRUCT"
	}
	if !found || list.Date != "2026-07-01" || list.Total != len(list.Items) {
		t.Fatalf("violations of 2026-07-01: %+v", list)
	}
	for _, path := range []string{"/api/v1/legal/decrees", "/api/v1/legal/authority-caps?date=2024-05-02", "/api/v1/legal/deadline-rules",
		"/api/v1/legal/holidays?year=2025", "/api/v1/legal/violations?limit=3&offset=2"} {
		w.as[identity.RoleClerk].want(http.StatusOK, "GET", path, nil, nil)
	}
}

func TestChecklistsOverHTTP(t *testing.T) {
	w := newCampaignWorld(t)
	sys, insp := w.as[identity.RoleSystemAdmin], w.as[identity.RoleInspector]
	var list struct {
		Items []struct {
			Code    string `json:"code"`
			Version int    `json:"version"`
		}
	}
	insp.want(http.StatusOK, "GET", "/api/v1/checklists", nil, &list)
	if len(list.Items) < 3 {
		t.Fatalf("checklists %+v", list)
	}
	const path = "/api/v1/checklists/fuel-station/versions/1"
	r := insp.want(http.StatusOK, "GET", path, nil, nil)
	var tpl struct {
		Sections []struct {
			ID        string  `json:"id"`
			RepeatPer *string `json:"repeat_per"`
			Items     []struct {
				ID             string `json:"id"`
				Required       bool   `json:"required"`
				PhotosRequired int    `json:"photos_required"`
				Answer         struct {
					Type string `json:"type"`
				} `json:"answer"`
			} `json:"items"`
		} `json:"sections"`
	}
	if err := json.Unmarshal(r.Body, &tpl); err != nil || r.Header.Get("ETag") == "" {
		t.Fatalf("template: %v, ETag %q", err, r.Header.Get("ETag"))
	}

	t.Run("publishing", func(t *testing.T) {
		insp.refused(http.StatusForbidden, "role_required", "", "POST", "/api/v1/checklists", r.Body)
		sys.want(http.StatusOK, "POST", "/api/v1/checklists", r.Body, nil) // the same content: nothing changes
		var doc map[string]any
		json.Unmarshal(r.Body, &doc)
		doc["notes"] = "Sửa nội dung mà không tăng phiên bản"
		sys.refused(http.StatusConflict, "checklist_version_published", "", "POST", "/api/v1/checklists", doc)
		doc["version"] = 2
		sys.want(http.StatusCreated, "POST", "/api/v1/checklists", doc, nil)
		delete(doc, "sections")
		sys.refused(http.StatusBadRequest, "checklist_invalid", "", "POST", "/api/v1/checklists", doc)
		insp.refused(http.StatusNotFound, "checklist_not_found", "", "GET", "/api/v1/checklists/fuel-station/versions/99", nil)
	})

	// Answers that pass every check, for one dispenser; then two changes.
	answers := map[string]map[string]any{}
	for _, s := range tpl.Sections {
		for _, it := range s.Items {
			key := it.ID
			if s.RepeatPer != nil {
				key += "@cot-1"
			}
			a := map[string]any{}
			switch it.Answer.Type {
			case "yes_no":
				a["value"] = true
			case "date":
				a["value"] = "2027-12-31"
			case "text":
				a["value"] = "Cột đo số 1"
			case "number":
				a["value"] = 0.2
			}
			var photos []string
			for i := range max(it.PhotosRequired, 1) {
				photos = append(photos, fmt.Sprintf("photo-%s-%d", it.ID, i))
			}
			a["evidence"] = photos
			answers[key] = a
		}
	}
	validate := path + "/validate"
	var found struct {
		Findings []struct {
			Key               string   `json:"key"`
			Reason            string   `json:"reason"`
			Value             any      `json:"value"`
			BoundsUnconfirmed bool     `json:"bounds_unconfirmed"`
			ViolationCodes    []string `json:"violation_codes"`
		} `json:"findings"`
	}
	insp.want(http.StatusOK, "POST", validate, map[string]any{"visit_date": "2026-03-02", "answers": answers}, &found)
	if len(found.Findings) != 0 {
		t.Fatalf("findings of compliant answers: %+v", found)
	}
	answers["F2.7@cot-1"]["value"] = 1.2 // the dispenser's error, in %, beyond ±0.75
	insp.want(http.StatusOK, "POST", validate, map[string]any{"visit_date": "2026-03-02", "answers": answers}, &found)
	if len(found.Findings) != 1 || found.Findings[0].Key != "F2.7@cot-1" || found.Findings[0].Reason != "outside_tolerance" ||
		found.Findings[0].Value != 1.2 || !found.Findings[0].BoundsUnconfirmed {
		t.Fatalf("findings %+v", found)
	}
	answers["F1.1"]["value"] = 1 // a number where yes/no was expected
	insp.refused(http.StatusBadRequest, "validation_failed", "F1.1=answer_wrong_type", "POST", validate, map[string]any{"visit_date": "2026-03-02", "answers": answers})
	insp.refused(http.StatusBadRequest, "validation_failed", "visit_date=invalid_date", "POST", validate, map[string]any{"visit_date": "2.3.2026", "answers": answers})
}

func TestCampaignListsSort(t *testing.T) {
	srv := apptest.Start(t, apptest.Config(t), clock.Real{})
	srv.CreateAccount(t, "director", identity.RoleDirector)
	token := srv.Login(t, "director")
	for _, path := range []string{"/api/v1/campaigns?sort=number", "/api/v1/visits?sort=-status"} {
		if r := srv.Do(t, http.MethodGet, path, token, nil); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
	for _, path := range []string{"/api/v1/campaigns?sort=title", "/api/v1/visits?sort=site"} {
		r := srv.Do(t, http.MethodGet, path, token, nil)
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"sort","code":"invalid_sort"`) {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
	}
}
