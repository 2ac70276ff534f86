package consolehttp

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/schemas/schematest"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// penaltyRequestBodies are the request bodies of the penalty routes, for TestOpenAPIRequestBodies.
var penaltyRequestBodies = map[string]struct {
	schema string
	sample any
}{
	"POST /penalties/{id}/approve": {"penalty-approve-request.schema.json", penaltyApproveRequest{Version: 2,
		Fines: []penaltyFineChoice{{Charge: 0, Amount: ptrTo(int64(7_000_000)), Repeats: []string{"01930c2e-7a4b-7c1d-9e2f-0000000000c0"}}}, Reason: "Vi phạm kéo dài"}},
	"POST /penalties/{id}/return":  {"penalty-return-request.schema.json", penaltyReturnRequest{Version: 2, Comments: "Bổ sung ảnh tem kiểm định"}},
	"POST /penalties/{id}/reject":  {"penalty-reject-request.schema.json", penaltyRejectRequest{Version: 2, Reason: "Không đủ căn cứ"}},
	"POST /penalties/{id}/forward": {"penalty-forward-request.schema.json", penaltyForwardRequest{Version: 2, Authority: "Chủ tịch UBND tỉnh Cao Bằng", Address: "TP Cao Bằng", Reason: "Vượt thẩm quyền"}},
	"POST /penalties/{id}/issue": {"penalty-issue-request.schema.json", penaltyIssueRequest{Version: 3, PaymentDays: 30, PaymentPlace: "Kho bạc Nhà nước Cao Bằng",
		AdditionalPenalties: []string{"Tịch thu tang vật"}, RemedialMeasures: []string{"Buộc kiểm định lại"}}},
	"POST /penalties/{id}/track": {"penalty-track-request.schema.json", penaltyTrackRequest{Version: 2, Track: "complex", Reason: "Phải giám định mẫu"}},
	"POST /penalties/{id}/explanation": {"penalty-explanation-request.schema.json", penaltyExplanationRequest{Version: 2, Form: "written",
		On: ptrTo(time.Date(2026, 3, 4, 2, 0, 0, 0, time.UTC)), Summary: "Đã thay tem"}},
	"POST /penalties/{id}/enforce":         {"penalty-enforce-request.schema.json", penaltyEnforceRequest{Version: 7, Reference: "QĐ 12/QĐ-CC", Measure: "Khấu trừ"}},
	"POST /penalties/{id}/delivery":        {"penalty-delivery-request.schema.json", penaltyDeliveryRequest{Version: 4, ReceivedAt: time.Date(2026, 3, 3, 2, 0, 0, 0, time.UTC), Method: "trực tiếp"}},
	"POST /penalties/{id}/payments":        {"penalty-payment-request.schema.json", penaltyPaymentRequest{Version: 5, Receipt: "BL-1", Amount: 6_000_000, PaidOn: "2026-03-05"}},
	"POST /penalties/{id}/transfers":       {"penalty-transfer-request.schema.json", penaltyTransferRequest{Version: 6, Receipt: "BL-1", TransferredOn: "2026-03-06", Reference: "KBNN-1"}},
	"POST /penalties/{id}/national-report": {"penalty-national-report-request.schema.json", penaltyReportRequest{Version: 4, Reference: "CSDL-1"}},
	"POST /penalties/{id}/close":           {"penalty-close-request.schema.json", penaltyCloseRequest{Version: 8}},
	"POST /penalties/{id}/circumstances": {"penalty-circumstances-request.schema.json", penaltyCircumstancesRequest{Version: 2, Charge: 0,
		Circumstances: []penaltyCircumstanceDeclared{{Code: "mitigating-1"}, {Code: "mitigating-8", Note: "Theo nghị định"}}, Reason: "Khai báo"}},
	"POST /penalties/national-reports/reported": {"penalty-national-batch-request.schema.json", penaltyNationalBatchRequest{CaseIDs: []string{"c1"}, Reference: "CSDL-1"}},
}

func ptrTo[T any](v T) *T { return &v }

// penaltyViewSample is a case with every part filled, as the handlers render it.
func penaltyViewSample() penalty.View {
	at := time.Date(2026, 3, 2, 3, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	by := penalty.Actor{PersonID: "01930c2e-7a4b-7c1d-9e2f-000000000002", AccountID: "01930c2e-7a4b-7c1d-9e2f-000000000003", Name: "Hoàng Thị Chánh"}
	day := legal.NewDate(2026, 3, 2)
	q := int64(2_000_000)
	rg := legal.FineRange{Min: 4_000_000, Max: 8_000_000, Doubled: true, Confirmed: true}
	fine := penalty.Fine{Code: "MEAS-119-09-2A", VersionID: "v1", Decree: "119/2017/NĐ-CP", LegalBasis: "Điều 9 khoản 2 điểm a", Range: rg,
		Default: 6_000_000, Amount: 7_000_000, Circumstances: []penalty.Circumstance{{Kind: penalty.Aggravating, Text: "Tái phạm", PriorCaseID: "c0"}}}
	prior := penalty.PriorDecision{CaseID: "c0", Number: 1, Year: 2025, IssuedOn: legal.NewDate(2025, 6, 1), Codes: []string{"MEAS-119-09-2A"}, ExecutedOn: legal.NewDate(2025, 6, 20)}
	due := penalty.Due{Event: legal.EventDecision, RuleID: "r1", Basis: "Điều 66", Confirmed: true, Deadline: legal.Deadline{Last: legal.NewDate(2026, 3, 11), Ends: at.Add(200 * time.Hour)}}
	c := penalty.Case{ID: "c1", OrgID: "o1", CampaignID: "k1", State: penalty.Closed, Track: penalty.TrackStandard, Version: 11, OpenedAt: at,
		Record:   penalty.Record{ID: "r2", IssuingUnitID: "u1", Year: 2026, Number: 4, DrawnUpAt: at, DrawnUpBy: "p0", Corrects: "r1", EvidenceIDs: []string{"e1", "e2"}},
		Records:  []penalty.Record{{ID: "r1", IssuingUnitID: "u1", Year: 2026, Number: 3, DrawnUpAt: at, DrawnUpBy: "p0"}},
		Subject:  penalty.Subject{ID: "s1", Kind: legal.Organisation, Name: "Công ty Xăng dầu Cao Bằng"},
		Charges:  []penalty.Charge{{Code: "MEAS-119-09-2A", Detected: day, Ended: legal.NewDate(2026, 3, 1), Quantity: &q, Description: "Cột đo"}},
		Comments: []penalty.Comment{{By: by, At: at, Text: "Bổ sung ảnh", RecordID: "r1"}},
		Explanation: penalty.Explanation{Right: true, DirectRequested: true, RequestedAt: at,
			Received: &penalty.ExplanationReceipt{Form: penalty.ExplainedInPerson, On: at, Summary: "Đã thay tem", By: by, At: at}},
		Approval: &penalty.Approval{By: by, At: at, Title: "chanh_thanh_tra_so", TitleName: "Chánh Thanh tra Sở", CapID: "cap1", CapBasis: "Điều 46",
			Fines: []penalty.Fine{fine}, Total: 7_000_000, Changed: true, Reason: "Tái phạm"},
		Rejection: &penalty.Rejection{By: by, At: at, Reason: "—"},
		Forwarding: &penalty.Forwarding{By: by, At: at, Authority: "UBND tỉnh", Reason: "—",
			Exceeded: []penalty.CapCheck{{Code: "X", Max: 10, Limit: 5, Unknown: true}}},
		Decision: &penalty.Decision{IssuingUnitID: "u1", Year: 2026, Number: 3, IssuedAt: at, Signer: by, Title: "chanh_thanh_tra_so", TitleName: "Chánh Thanh tra Sở",
			LegalBases: []string{"Luật XLVPHC"}, Fines: []penalty.Fine{fine}, Total: 7_000_000},
		Delivery:       &penalty.Delivery{ReceivedAt: at, Method: "trực tiếp", By: by, At: at},
		Payments:       []penalty.Payment{{Receipt: "BL-1", Amount: 7_000_000, PaidOn: day, By: by, At: at, TransferredOn: day, TransferRef: "KB-1"}, {Receipt: "BL-2", Amount: 1, PaidOn: day, By: by, At: at}},
		Enforcement:    &penalty.Enforcement{Reference: "QĐ 1", By: by, At: at},
		NationalReport: &penalty.NationalReport{Reference: "CSDL-1", By: by, At: at},
		Closure:        &penalty.Closure{Outcome: penalty.OutcomePaid, By: by, At: at},
	}
	return penalty.View{Case: c,
		Assessments: []penalty.Assessment{
			{Charge: 0, Code: "MEAS-119-09-2A", Version: legal.Violation{ID: "v1", Decree: "119/2017/NĐ-CP"}, Range: &rg, Default: 6_000_000, Lower: 6_000_000, Upper: 8_000_000,
				Limitation: penalty.Limitation{Field: "đo lường", Years: 1, Basis: "Điều 6", Last: legal.NewDate(2027, 3, 2)}},
			{Charge: 1, Code: "MEAS-119-SEAL", RangeErr: errs.E(errs.Invalid, errs.CodeFineRangeMissing), Limitation: penalty.Limitation{Err: errs.E(errs.NotFound, errs.CodeLimitationNotFound)}},
		},
		Competence: penalty.Competence{Covered: true, Title: "chanh_thanh_tra_so", TitleName: "Chánh Thanh tra Sở", CapID: "cap1",
			Checks: []penalty.CapCheck{{Code: "MEAS-119-09-2A", Max: 8_000_000, Limit: 100_000_000, CapID: "cap1", Covered: true}}},
		Repeats:  []penalty.RepeatCandidate{{Prior: prior, SameAct: true, WindowEnds: legal.NewDate(2026, 6, 20)}},
		Duties:   []penalty.Duty{{Name: "decision", Due: due}, {Name: "national_report", Due: penalty.Due{Event: legal.EventNationalDatabase, Missing: true}, Overdue: false}},
		Balance:  &penalty.Balance{Fine: 7_000_000, FinePaid: 7_000_000, Outstanding: 0},
		History:  []penalty.PriorDecision{prior},
		Evidence: &penalty.Evidence{IDs: []string{"e1", "e2"}, Missing: []string{"e2"}},
	}
}

// TestPenaltyWire checks the penalty wire structs field by field against their schemas, and typical
// answers rendered with the handlers' own mapping against the document: a full case, a fresh one with
// nothing decided, the queue and the overdue list, and the refusals the acts give.
func TestPenaltyWire(t *testing.T) {
	schematest.CheckStruct(t, "penalty-case.schema.json", penaltyCaseResponse{}, schematest.Response)
	schematest.CheckStruct(t, "penalty-case-list.schema.json", penaltyList{}, schematest.Response)
	schematest.CheckStruct(t, "penalty-national-report-list.schema.json", penaltyNationalReportList{}, schematest.Response)
	schematest.CheckStruct(t, "penalty-national-batch-result.schema.json", penaltyNationalBatchResult{}, schematest.Response)
	schematest.CheckStruct(t, "penalty-circumstance-list.schema.json", penaltyCircumstanceList{}, schematest.Response)
	doc := schematest.LoadOpenAPI(t, OpenAPI, Prefix)
	const id = "01930c2e-7a4b-7c1d-9e2f-0000000000c1"
	full := penaltyViewSample()
	fresh := penalty.View{Case: penalty.Case{ID: "c2", OrgID: "o1", State: penalty.Submitted, Track: penalty.TrackStandard, Version: 2,
		Record:  penalty.Record{ID: "r9", IssuingUnitID: "u1", Year: 2026, Number: 9, DrawnUpAt: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), DrawnUpBy: "p0"},
		Subject: penalty.Subject{ID: "s1", Kind: legal.Individual, Name: "Nông Văn A"}, Charges: []penalty.Charge{{Code: "X", Detected: legal.NewDate(2026, 3, 2)}}}}
	now := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	sum := penalty.Summary{ID: id, State: penalty.Delivered, Track: penalty.TrackStandard, Version: 6, Record: full.Case.Record, Subject: full.Case.Subject,
		OpenedAt: now, Total: 7_000_000, Decision: &penalty.DecisionRef{IssuingUnitID: "u1", Year: 2026, Number: 3, IssuedAt: now},
		Deadlines: penalty.Deadlines{Payment: now.Add(-time.Hour), EnforcementLimit: now.Add(300 * 24 * time.Hour)},
		Evidence:  penalty.EvidenceOf([]string{"e1", "e2"}, map[string]bool{"e1": true})}
	list := penaltyList{Items: []penaltySummary{toPenaltySummary(sum, now)}, Total: 1, Limit: 50}
	if got := list.Items[0]; len(got.Overdue) != 1 || got.Overdue[0] != "payment" || got.Evidence.Missing != 1 || got.Evidence.Complete {
		t.Errorf("summary: %+v", got)
	}
	errorBody := func(kind, code string) any {
		return map[string]any{"error": map[string]any{"kind": kind, "code": code, "message": "Thông báo", "request_id": "0123456789abcdef"}}
	}
	for _, tc := range []struct {
		name, method, path string
		status             int
		body               any
	}{
		{"full case", http.MethodGet, "/api/v1/penalties/" + id, 200, toPenaltyCase(full)},
		{"fresh case", http.MethodGet, "/api/v1/penalties/" + id, 200, toPenaltyCase(fresh)},
		{"approved", http.MethodPost, "/api/v1/penalties/" + id + "/approve", 200, toPenaltyCase(full)},
		{"queue", http.MethodGet, "/api/v1/penalties/queue", 200, list},
		{"empty queue", http.MethodGet, "/api/v1/penalties/queue", 200, penaltyList{Items: []penaltySummary{}, Limit: 50}},
		{"overdue", http.MethodGet, "/api/v1/penalties/overdue", 200, list},
		{"maker", http.MethodPost, "/api/v1/penalties/" + id + "/approve", 403, errorBody("forbidden", "maker_cannot_decide")},
		{"outside range", http.MethodPost, "/api/v1/penalties/" + id + "/approve", 400, errorBody("invalid", "fine_outside_range")},
		{"conflict", http.MethodPost, "/api/v1/penalties/" + id + "/approve", 409, errorBody("conflict", "penalty_version_conflict")},
		{"unknown case", http.MethodPost, "/api/v1/penalties/" + id + "/payments", 404, errorBody("not_found", "penalty_case_not_found")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			doc.CheckResponse(t, tc.method, tc.path, tc.status, b)
		})
	}
	w := toPenaltyCase(full)
	if w.Assessments[1].RangeError != "fine_range_missing" || w.Assessments[1].LimitationError != "limitation_not_found" || w.Assessments[1].Range != nil {
		t.Errorf("an assessment without a range: %+v", w.Assessments[1])
	}
	if w.Duties[1].Ends != nil || !w.Duties[1].Missing || w.Evidence.Complete || w.Payments[1].TransferredOn != "" {
		t.Errorf("rendered %+v %+v %+v", w.Duties[1], w.Evidence, w.Payments[1])
	}
	if f := toPenaltyCase(fresh); f.Approval != nil || f.Decision != nil || f.Evidence != nil || f.Charges[0].Circumstances == nil || f.Record.EvidenceIDs == nil {
		t.Errorf("a fresh case: %+v", f)
	}
}
