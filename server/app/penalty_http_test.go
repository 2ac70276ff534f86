package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/skhcn-caobang/thanhtra/schemas"
	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/adminunit"
	"github.com/skhcn-caobang/thanhtra/server/app/apptest"
	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/campaign"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/consolehttp"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
)

// penaltyCase is what the flow reads of a case answer.
type penaltyCase struct {
	ID       string `json:"id"`
	State    string `json:"state"`
	Version  int64  `json:"version"`
	Approval *struct {
		Total int64 `json:"total"`
	} `json:"approval"`
	Decision *struct {
		Number int    `json:"number"`
		Year   int    `json:"year"`
		Title  string `json:"title"`
	} `json:"decision"`
	Competence struct {
		Covered bool `json:"covered"`
	} `json:"competence"`
	Assessments []struct {
		Range *struct {
			Min, Max int64
			Doubled  bool
		} `json:"range"`
		Default int64 `json:"default"`
	} `json:"assessments"`
	Evidence *struct {
		Missing []string `json:"missing"`
	} `json:"evidence"`
	Balance *struct {
		Outstanding int64 `json:"outstanding"`
	} `json:"balance"`
}

type penaltyListBody struct {
	Items []struct {
		ID       string `json:"id"`
		State    string `json:"state"`
		Evidence struct {
			Listed, Missing int
		} `json:"evidence"`
	} `json:"items"`
	Total int `json:"total"`
}

// TestPenaltyOverHTTP takes a violation record pushed by the inspector's phone through the whole
// server: the push's intake job opens the case, which the chief finds in the queue with its evidence
// and deadlines; the maker cannot decide it from a chief's account, the director only reads, a fine
// outside the range or above the middle without an aggravating circumstance is refused with its rule; the chief approves (the phone pulls the record as
// approved) and issues decision 1; a clerk reports it to the national database, records delivery,
// the payment and its transfer, and closes the case. Every answer is checked against the document,
// and the audit chains verify at the end.
func TestPenaltyOverHTTP(t *testing.T) {
	ctx := context.Background()
	c := clock.NewManual(time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)) // 08:00 on 2 March 2026 in Cao Bằng
	srv := apptest.Start(t, apptest.Config(t), c)
	org := srv.Org.ID
	b, err := schemas.AdminUnits.ReadFile("admin-units/caobang.json")
	if err != nil {
		t.Fatal(err)
	}
	seed, err := adminunit.ParseSeed(b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.App.Units.Seed(ctx, identity.Operator, org, seed); err != nil {
		t.Fatal(err)
	}
	reg := srv.App.Registry
	subj, err := reg.CreateSubject(ctx, identity.Operator, registry.Subject{OrgID: org, Kind: registry.Organisation, Name: "Công ty Xăng dầu Cao Bằng",
		TaxCode: "4800100001", Address: "Phường Hợp Giang, Cao Bằng"})
	if err != nil {
		t.Fatal(err)
	}
	site, err := reg.CreateSite(ctx, identity.Operator, registry.Site{OrgID: org, SubjectID: subj.ID, Type: registry.FuelStation, Name: "Cửa hàng xăng dầu số 1",
		Address: "Tổ 5, phường Sông Hiến", Units: []registry.SiteUnit{{UnitCode: "local-phuong-thuc-phan", ValidFrom: adminunit.Date(2025, 7, 1)}}})
	if err != nil {
		t.Fatal(err)
	}
	unit, err := reg.CreateIssuingUnit(ctx, identity.Operator, registry.IssuingUnit{OrgID: org, Code: "TTr", Name: "Thanh tra Sở Khoa học và Công nghệ"})
	if err != nil {
		t.Fatal(err)
	}
	insp := srv.CreateAccount(t, "pn-insp", identity.RoleInspector)
	chief := srv.CreateAccount(t, "pn-chief", identity.RoleChief)
	srv.CreateAccount(t, "pn-director", identity.RoleDirector)
	srv.CreateAccount(t, "pn-clerk", identity.RoleClerk)
	// The inspector also holds a chief's account: the same person, who still cannot decide their record.
	if _, err := srv.App.Identity.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: org, PersonID: insp.PersonID,
		Login: "pn-insp-chief", Password: apptest.Password, Roles: []identity.Role{identity.RoleChief}}); err != nil {
		t.Fatal(err)
	}
	for _, person := range []string{chief.PersonID, insp.PersonID} {
		if err := srv.App.Store.AddPersonTitle(ctx, identity.Title{ID: uuid.NewString(), OrgID: org, PersonID: person, Code: "chanh_thanh_tra_so",
			ValidFrom: adminunit.Date(2020, 1, 1), CreatedAt: c.Now()}, audit.Entry{Chain: "person/" + person, OrgID: org, Action: "person.title"}); err != nil {
			t.Fatal(err)
		}
	}
	camp, err := srv.App.Campaigns.SaveCampaign(ctx, identity.Operator, campaign.Campaign{OrgID: org, Number: "12/QĐ-TTr", DecisionDate: adminunit.Date(2026, 2, 20),
		Title: "Kiểm tra đo lường xăng dầu", Kind: campaign.Check, Origin: campaign.Planned, Sectors: []campaign.Sector{campaign.Fuel},
		PeriodFrom: adminunit.Date(2026, 3, 1), PeriodTo: adminunit.Date(2026, 6, 30),
		Team: []campaign.Member{{PersonID: insp.PersonID, Role: campaign.Leader}}, SubjectIDs: []string{subj.ID}, SiteIDs: []string{site.ID}})
	if err != nil {
		t.Fatal(err)
	}

	// The phone takes its record numbers with a pull, draws up a record on a visit and pushes both.
	phone := phoneToken(t, srv, "pn-insp", "pn-phone")
	// On PostgreSQL another transaction of the cluster may hold the new block back for a moment (the
	// page is then incomplete): pull again, as a phone does.
	var pulled struct {
		Datasets map[string]struct {
			Changes []struct {
				Data json.RawMessage `json:"data"`
			} `json:"changes"`
			Complete bool `json:"complete"`
		} `json:"datasets"`
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r := srv.Do(t, http.MethodPost, "/mobile/v1/sync/pull", phone, map[string]any{"datasets": map[string]string{"numbers": ""}})
		if err := json.Unmarshal(r.Body, &pulled); err != nil || r.Status != http.StatusOK {
			t.Fatalf("pull of numbers: %d %s", r.Status, r.Body)
		}
		if len(pulled.Datasets["numbers"].Changes) > 0 {
			break
		}
		if pulled.Datasets["numbers"].Complete || time.Now().After(deadline) {
			t.Fatalf("pull of numbers: %d %s", r.Status, r.Body)
		}
	}
	var block struct {
		First int `json:"first"`
	}
	json.Unmarshal(pulled.Datasets["numbers"].Changes[0].Data, &block)
	visitID, recordID, photoID := uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()
	item := func(typ, id string, base int64, payload map[string]any) map[string]any {
		return map[string]any{"change_id": uuid.Must(uuid.NewV7()).String(), "entity_type": typ, "entity_id": id, "base_version": base,
			"captured_at": "2026-03-02T02:30:00Z", "payload": payload}
	}
	record := map[string]any{"visit_id": visitID, "issuing_unit_id": unit.ID, "year": 2026, "number": block.First,
		"drawn_up_at": "2026-03-02T09:30:00+07:00", "status": "submitted", "evidence_ids": []string{photoID},
		"violations": []any{map[string]any{"code": "MEAS-119-09-2A", "description": "Cột đo số 1 không có dấu kiểm định"}},
		"persons": []any{map[string]any{"role": "inspector", "name": "Cán bộ pn-insp", "signed": true, "refused": false},
			map[string]any{"role": "representative", "name": "Hoàng Thị Lan", "signed": true, "refused": false}}}
	r := srv.Do(t, http.MethodPost, "/mobile/v1/sync/push", phone, map[string]any{"items": []any{
		item("visit", visitID, 0, map[string]any{"campaign_id": camp.ID, "site_id": site.ID, "date": "2026-03-02", "checklist_code": "fuel-station",
			"checklist_version": 1, "status": "in_progress"}),
		item("record", recordID, 0, record)}})
	var pushed struct {
		Results []struct {
			Outcome string `json:"outcome"`
			Code    string `json:"code"`
		} `json:"results"`
	}
	if err := json.Unmarshal(r.Body, &pushed); err != nil || r.Status != http.StatusOK || len(pushed.Results) != 2 ||
		pushed.Results[0].Outcome != "applied" || pushed.Results[1].Outcome != "applied" {
		t.Fatalf("push: %d %s", r.Status, r.Body)
	}

	doc := schematest.LoadOpenAPI(t, consolehttp.OpenAPI, consolehttp.Prefix)
	as := func(login string) consoleClient {
		return consoleClient{t: t, srv: srv, doc: doc, token: srv.Login(t, login)}
	}
	boss, director, clerk, maker := as("pn-chief"), as("pn-director"), as("pn-clerk"), as("pn-insp-chief")

	// The intake job runs in the background (the runner polls every second): the case appears in
	// the chief's queue.
	var queue penaltyListBody
	for deadline := time.Now().Add(30 * time.Second); queue.Total == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the submitted record never reached the chief's queue")
		}
		boss.want(http.StatusOK, http.MethodGet, "/api/v1/penalties/queue", nil, &queue)
	}
	if q := queue.Items[0]; q.State != "submitted" || q.Evidence.Listed != 1 || q.Evidence.Missing != 1 {
		t.Fatalf("queue item: %+v", q)
	}
	id := queue.Items[0].ID
	path := "/api/v1/penalties/" + id
	var pc penaltyCase
	director.want(http.StatusOK, http.MethodGet, path, nil, &pc)
	if pc.State != "submitted" || len(pc.Assessments) != 1 || pc.Assessments[0].Range == nil || !pc.Assessments[0].Range.Doubled ||
		pc.Assessments[0].Range.Min != 4_000_000 || pc.Assessments[0].Range.Max != 8_000_000 || pc.Evidence == nil || len(pc.Evidence.Missing) != 1 {
		t.Fatalf("the case as the director reads it: %+v", pc)
	}
	boss.want(http.StatusOK, http.MethodGet, path, nil, &pc)
	if !pc.Competence.Covered {
		t.Fatalf("the chief's competence: %+v", pc.Competence)
	}
	director.refused(http.StatusForbidden, "role_required", "", http.MethodPost, path+"/approve", map[string]any{"version": pc.Version})
	maker.refused(http.StatusForbidden, "maker_cannot_decide", "", http.MethodPost, path+"/approve", map[string]any{"version": pc.Version})
	boss.refused(http.StatusBadRequest, "fine_outside_range", "fines[0].amount", http.MethodPost, path+"/approve",
		map[string]any{"version": pc.Version, "fines": []any{map[string]any{"charge": 0, "amount": 9_000_000}}, "reason": "Vi phạm nghiêm trọng"})
	boss.refused(http.StatusBadRequest, "fine_not_justified", "fines[0].amount", http.MethodPost, path+"/approve",
		map[string]any{"version": pc.Version, "fines": []any{map[string]any{"charge": 0, "amount": 6_500_000}}, "reason": "Không có tình tiết"})
	boss.refused(http.StatusBadRequest, "validation_failed", "version", http.MethodPost, path+"/approve", map[string]any{})
	boss.refused(http.StatusConflict, "penalty_version_conflict", "", http.MethodPost, path+"/approve", map[string]any{"version": pc.Version - 1})

	// Circumstances are declared by their code in the law's list: a code outside it, or a repeat
	// offence (applied at approval from the subject's history), is refused; a mitigating one moves the
	// proposal below the middle of the range.
	middle := pc.Assessments[0].Default
	for _, code := range []string{"bogus", "aggravating-1b-repeat"} {
		boss.refused(http.StatusBadRequest, "circumstance_unknown", "", http.MethodPost, path+"/circumstances",
			map[string]any{"version": pc.Version, "charge": 0, "circumstances": []any{map[string]any{"code": code}}})
	}
	boss.want(http.StatusOK, http.MethodPost, path+"/circumstances", map[string]any{"version": pc.Version, "charge": 0,
		"circumstances": []any{map[string]any{"code": "mitigating-1"}}, "reason": "Đã tự khắc phục"}, &pc)
	if pc.Assessments[0].Default >= middle {
		t.Fatalf("a mitigating circumstance left the proposal at %d (middle %d)", pc.Assessments[0].Default, middle)
	}

	boss.want(http.StatusOK, http.MethodPost, path+"/approve", map[string]any{"version": pc.Version}, &pc)
	if pc.State != "approved" || pc.Approval == nil || pc.Approval.Total != pc.Assessments[0].Default {
		t.Fatalf("approved: %+v", pc)
	}
	// The phone pulls its record as approved: it can no longer change it.
	// (On PostgreSQL another transaction of the cluster may hold the change back for a moment: the
	// page is then incomplete, and the phone pulls again.)
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		r = srv.Do(t, http.MethodPost, "/mobile/v1/sync/pull", phone, map[string]any{"datasets": map[string]string{"visits": ""}})
		var visits struct {
			Datasets map[string]struct {
				Changes []struct {
					Type string          `json:"type"`
					ID   string          `json:"id"`
					Data json.RawMessage `json:"data"`
				} `json:"changes"`
				Complete bool `json:"complete"`
			} `json:"datasets"`
		}
		json.Unmarshal(r.Body, &visits)
		status := ""
		for _, ch := range visits.Datasets["visits"].Changes {
			if ch.Type == "record" && ch.ID == recordID {
				var d struct {
					Status string `json:"status"`
				}
				json.Unmarshal(ch.Data, &d)
				status = d.Status
			}
		}
		if status == "approved" {
			break
		}
		if visits.Datasets["visits"].Complete || time.Now().After(deadline) {
			t.Fatalf("the phone pulls the record as %q: %s", status, r.Body)
		}
	}

	boss.want(http.StatusOK, http.MethodPost, path+"/issue", map[string]any{"version": pc.Version, "payment_place": "Kho bạc Nhà nước Cao Bằng",
		"remedial_measures": []string{"Buộc kiểm định lại cột đo trước khi sử dụng"}}, &pc)
	if pc.State != "issued" || pc.Decision == nil || pc.Decision.Number != 1 || pc.Decision.Year != 2026 || pc.Decision.Title != "chanh_thanh_tra_so" {
		t.Fatalf("issued: %+v", pc.Decision)
	}
	checkDecisionDocument(t, boss, clerk, path, pc.Approval.Total, "Công ty Xăng dầu Cao Bằng")
	// The national database report was prepared at issue: the site lies in Cao Bằng, a mountain area,
	// so it is due 4 working days after the decision (Monday 2 March 2026 → the end of Friday 6 March).
	var reports struct {
		Items []struct {
			CaseID   string    `json:"case_id"`
			DueAt    time.Time `json:"due_at"`
			Mountain bool      `json:"mountain"`
			Record   struct {
				DecisionSymbol string `json:"decision_symbol"`
				Total          int64  `json:"total"`
				SignerTitle    string `json:"signer_title"`
				Name           string `json:"name"`
			} `json:"record"`
		} `json:"items"`
	}
	clerk.want(http.StatusOK, http.MethodGet, "/api/v1/penalties/national-reports?from=2026-03-01&to=2026-04-01", nil, &reports)
	if len(reports.Items) != 1 || reports.Items[0].CaseID != id || !reports.Items[0].Mountain || reports.Items[0].Record.DecisionSymbol != "01/QĐ-XPHC" ||
		reports.Items[0].Record.Total != pc.Approval.Total || reports.Items[0].Record.Name != "Công ty Xăng dầu Cao Bằng" ||
		reports.Items[0].DueAt.Add(-time.Nanosecond).In(clock.Vietnam).Format(time.DateOnly) != "2026-03-06" {
		t.Fatalf("national reports: %+v", reports)
	}
	if r := srv.Do(t, http.MethodGet, "/api/v1/penalties/national-reports?format=csv", clerk.token, nil); r.Status != http.StatusOK ||
		!strings.Contains(string(r.Body), "01/QĐ-XPHC") || !strings.Contains(string(r.Body), "Công ty Xăng dầu Cao Bằng") {
		t.Fatalf("CSV export: %d %s", r.Status, r.Body)
	}
	boss.refused(http.StatusConflict, "decision_immutable", "", http.MethodPost, path+"/approve", map[string]any{"version": pc.Version})
	clerk.refused(http.StatusForbidden, "role_required", "", http.MethodPost, path+"/issue", map[string]any{"version": pc.Version})
	clerk.want(http.StatusOK, http.MethodPost, "/api/v1/penalties/national-reports/reported", map[string]any{"case_ids": []string{id},
		"reference": "CSDL-XLVPHC-2026-000001"}, nil)
	clerk.refused(http.StatusConflict, "national_report_reported", "", http.MethodPost, "/api/v1/penalties/national-reports/reported",
		map[string]any{"case_ids": []string{id}, "reference": "CSDL-XLVPHC-2026-000002"})
	clerk.want(http.StatusOK, http.MethodGet, "/api/v1/penalties/national-reports", nil, &reports)
	if len(reports.Items) != 0 {
		t.Fatalf("still unreported: %+v", reports)
	}
	clerk.want(http.StatusOK, http.MethodGet, path, nil, &pc)
	clerk.want(http.StatusOK, http.MethodPost, path+"/delivery", map[string]any{"version": pc.Version,
		"received_at": c.Now().UTC().Format(time.RFC3339), "method": "trực tiếp"}, &pc)
	if pc.State != "delivered" || pc.Balance == nil || pc.Balance.Outstanding != pc.Approval.Total {
		t.Fatalf("delivered: %+v", pc)
	}
	today := c.Now().In(clock.Vietnam).Format(time.DateOnly)
	clerk.refused(http.StatusBadRequest, "payment_exceeds_outstanding", "", http.MethodPost, path+"/payments",
		map[string]any{"version": pc.Version, "receipt": "BL-0000123", "amount": pc.Approval.Total + 1, "paid_on": today})
	clerk.want(http.StatusOK, http.MethodPost, path+"/payments", map[string]any{"version": pc.Version, "receipt": "BL-0000123",
		"amount": pc.Approval.Total, "paid_on": today}, &pc)
	if pc.State != "paid" || pc.Balance.Outstanding != 0 {
		t.Fatalf("paid: %+v", pc)
	}
	clerk.refused(http.StatusConflict, "payment_not_transferred", "", http.MethodPost, path+"/close", map[string]any{"version": pc.Version})
	clerk.want(http.StatusOK, http.MethodPost, path+"/transfers", map[string]any{"version": pc.Version, "receipt": "BL-0000123",
		"transferred_on": today, "reference": "KBNN-2026-0456"}, &pc)
	clerk.want(http.StatusOK, http.MethodPost, path+"/close", map[string]any{"version": pc.Version}, &pc)
	if pc.State != "closed" {
		t.Fatalf("closed: %+v", pc)
	}
	boss.want(http.StatusOK, http.MethodGet, "/api/v1/penalties/queue", nil, &queue)
	var overdue penaltyListBody
	boss.want(http.StatusOK, http.MethodGet, "/api/v1/penalties/overdue", nil, &overdue)
	if queue.Total != 0 || overdue.Total != 0 {
		t.Fatalf("after closure: queue %d, overdue %d", queue.Total, overdue.Total)
	}
	rep, err := srv.App.VerifyAudit(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %+v %v", rep.Problems, err)
	}
	if pc.Version != 10 {
		t.Fatalf("the case ends at version %d, want 10 (open, submit, circumstances, approve, issue, report, deliver, pay, transfer, close)", pc.Version)
	}
}
