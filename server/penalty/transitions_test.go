package penalty_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The timeline of the ordinary case: a record drawn up on Monday 2 February 2026 against an
// individual (RAD-107-13-2B, 2–5M: no right to explain), approved, issued before Tết Bính Ngọ,
// delivered on 10 February, paid late, after Tết.
var (
	t0        = at(2026, 2, 2, 10, 0) // the record
	tApprove  = at(2026, 2, 4, 9, 0)
	tIssue    = at(2026, 2, 5, 15, 0)
	tDeliver  = at(2026, 2, 10, 8, 30)
	tOverdue  = at(2026, 2, 24, 0, 0) // the payment period ends at the end of Monday 23 February
	tEnforce  = at(2026, 3, 2, 9, 0)
	tLater    = at(2026, 3, 10, 10, 0)
	baseCharg = charge("RAD-107-13-2B", day(2026, 2, 2))
)

// inState builds the ordinary case in each state, along the timeline.
func inState(t testing.TB, r penalty.Rules) map[penalty.State]penalty.Case {
	t.Helper()
	m := map[penalty.State]penalty.Case{}
	c := openCase(t, r, legal.Individual, t0, baseCharg)
	m[penalty.Recorded] = c
	c = step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.Submit(r, c, act(c, inspector, t0.Add(time.Hour), ""), penalty.SubmitInput{})
	})
	m[penalty.Submitted] = c
	sub := c
	m[penalty.Returned] = step(t, sub, func() (penalty.Case, penalty.Event, error) {
		return penalty.Return(r, sub, act(sub, chief, tApprove, "Bổ sung ảnh biển cảnh báo"))
	})
	m[penalty.Rejected] = step(t, sub, func() (penalty.Case, penalty.Event, error) {
		return penalty.Reject(r, sub, act(sub, chief, tApprove, "Không đủ căn cứ"))
	})
	m[penalty.Forwarded] = step(t, sub, func() (penalty.Case, penalty.Event, error) {
		return penalty.Forward(r, sub, act(sub, chief, tApprove, "Vượt thẩm quyền"), penalty.ForwardInput{Authority: "Chủ tịch UBND tỉnh Cao Bằng"})
	})
	c = approved(t, r, sub, tApprove)
	m[penalty.Approved] = c
	c = issued(t, r, c, 12, tIssue)
	m[penalty.Issued] = c
	c = step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.Deliver(r, c, act(c, clerk, tDeliver, ""), tDeliver, "trực tiếp")
	})
	m[penalty.Delivered] = c
	del := c
	paid := step(t, del, func() (penalty.Case, penalty.Event, error) {
		return penalty.Pay(r, del, act(del, clerk, tDeliver, ""), penalty.PaymentInput{Receipt: "BL-0001", Amount: 3_500_000, PaidOn: day(2026, 2, 10)})
	})
	m[penalty.Paid] = paid
	tr := step(t, paid, func() (penalty.Case, penalty.Event, error) {
		return penalty.Transfer(r, paid, act(paid, clerk, tLater, ""), "BL-0001", day(2026, 2, 12), "KBNN-77")
	})
	m[penalty.Closed] = step(t, tr, func() (penalty.Case, penalty.Event, error) { return penalty.Close(r, tr, act(tr, clerk, tLater, "")) })
	c = step(t, del, func() (penalty.Case, penalty.Event, error) {
		return penalty.MarkOverdue(r, del, act(del, system, tOverdue, ""))
	})
	m[penalty.Overdue] = c
	m[penalty.Enforced] = step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.Enforce(r, c, act(c, chief, tEnforce, ""), "Quyết định cưỡng chế số 2/QĐ-CC", "khấu trừ tiền từ tài khoản")
	})
	return m
}

// TestStateMachine: every act is refused outside the states it starts from (penalty_state_invalid,
// or decision_immutable for an act that would change an issued decision), and accepted — or refused
// for another reason — inside them.
func TestStateMachine(t *testing.T) {
	r := rules(t)
	states := inState(t, r)
	type actFn func(c penalty.Case) error
	run := func(f func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error), who penalty.Actor, reason string) actFn {
		return func(c penalty.Case) error { _, _, err := f(c, act(c, who, tLater, reason)); return err }
	}
	acts := []struct {
		action  penalty.Action
		from    []penalty.State
		checker bool // refused with decision_immutable once a decision exists
		fn      actFn
	}{
		{penalty.ActionSubmit, []penalty.State{penalty.Recorded, penalty.Returned}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Submit(r, c, a, penalty.SubmitInput{})
		}, inspector, "")},
		{penalty.ActionCircumstances, []penalty.State{penalty.Recorded, penalty.Submitted, penalty.Returned}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.DeclareCircumstances(r, c, a, 0, nil)
		}, chief, "")},
		{penalty.ActionTrack, []penalty.State{penalty.Recorded, penalty.Submitted, penalty.Returned}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.SetTrack(r, c, a, penalty.TrackComplex)
		}, chief, "Vụ việc phức tạp, đã báo cáo Giám đốc Sở")},
		{penalty.ActionExplanation, []penalty.State{penalty.Recorded, penalty.Submitted, penalty.Returned}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.RecordExplanation(r, c, a, penalty.ExplanationInput{Form: penalty.ExplanationWaived, On: tApprove})
		}, chief, "")},
		{penalty.ActionReturn, []penalty.State{penalty.Submitted}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Return(r, c, a)
		}, chief, "Bổ sung")},
		{penalty.ActionReject, []penalty.State{penalty.Submitted, penalty.Returned, penalty.Approved}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Reject(r, c, a)
		}, chief, "Không đủ căn cứ")},
		{penalty.ActionForward, []penalty.State{penalty.Submitted}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Forward(r, c, a, penalty.ForwardInput{Authority: "Chủ tịch UBND tỉnh"})
		}, chief, "Vượt thẩm quyền")},
		{penalty.ActionApprove, []penalty.State{penalty.Submitted}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Approve(r, c, a, penalty.ApproveInput{Titles: titles["p-chief"]})
		}, chief, "")},
		{penalty.ActionIssue, []penalty.State{penalty.Approved}, true, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Issue(r, c, a, penalty.IssueInput{Number: 13, Titles: titles["p-chief"]})
		}, chief, "")},
		{penalty.ActionReport, []penalty.State{penalty.Issued, penalty.Delivered, penalty.Overdue, penalty.Enforced, penalty.Paid, penalty.Closed}, false,
			run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
				return penalty.ReportNational(r, c, a, "CSDL-1")
			}, clerk, "")},
		{penalty.ActionDeliver, []penalty.State{penalty.Issued}, false, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Deliver(r, c, a, tDeliver, "bưu điện")
		}, clerk, "")},
		{penalty.ActionPay, []penalty.State{penalty.Delivered, penalty.Overdue, penalty.Enforced}, false, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Pay(r, c, a, penalty.PaymentInput{Receipt: "BL-9", Amount: 1000, PaidOn: day(2026, 3, 10)})
		}, clerk, "")},
		{penalty.ActionTransfer, []penalty.State{penalty.Delivered, penalty.Overdue, penalty.Enforced, penalty.Paid}, false,
			run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
				return penalty.Transfer(r, c, a, "BL-0001", day(2026, 3, 10), "KBNN")
			}, clerk, "")},
		{penalty.ActionOverdue, []penalty.State{penalty.Delivered}, false, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.MarkOverdue(r, c, a)
		}, system, "")},
		{penalty.ActionEnforce, []penalty.State{penalty.Overdue}, false, run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Enforce(r, c, a, "QĐ cưỡng chế số 3", "")
		}, chief, "")},
		{penalty.ActionClose, []penalty.State{penalty.Paid, penalty.Issued, penalty.Delivered, penalty.Overdue, penalty.Enforced}, false,
			run(func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
				return penalty.Close(r, c, a)
			}, clerk, "Hết thời hiệu")},
	}
	if len(states) != 12 {
		t.Fatalf("built %d states", len(states))
	}
	for _, a := range acts {
		for state, c := range states {
			err := a.fn(c)
			code := errs.CodeOf(err)
			stateErr := code == errs.CodeCaseStateInvalid || code == errs.CodeDecisionImmutable
			switch {
			case slices.Contains(a.from, state) && stateErr:
				t.Errorf("%s from %s refused by state: %v", a.action, state, err)
			case !slices.Contains(a.from, state) && !stateErr:
				t.Errorf("%s from %s: %v, want a state refusal", a.action, state, err)
			case !slices.Contains(a.from, state) && a.checker && c.Decision != nil && code != errs.CodeDecisionImmutable:
				t.Errorf("%s on an issued decision (%s): %v, want decision_immutable", a.action, state, err)
			}
			if err != nil && stateErr && errs.KindOf(err) != errs.Conflict {
				t.Errorf("%s from %s: kind %s", a.action, state, errs.KindOf(err))
			}
		}
	}
}

// TestMakerChecker: the person who drew up any version of the record cannot decide the case, from any
// account (D2); another person can.
func TestMakerChecker(t *testing.T) {
	r := rules(t)
	sub := submitted(t, r, legal.Individual, t0, baseCharg)
	// A case returned and resubmitted with a record corrected by a second inspector has two makers.
	ret := step(t, sub, func() (penalty.Case, penalty.Event, error) {
		return penalty.Return(r, sub, act(sub, chief, tApprove, "Sửa mã hành vi"))
	})
	insp2 := penalty.Actor{PersonID: "p-insp2", AccountID: "a-insp2", Name: "Bế Văn Hai"}
	corrected := step(t, ret, func() (penalty.Case, penalty.Event, error) {
		return penalty.Submit(r, ret, act(ret, insp2, tApprove.Add(time.Hour), ""), penalty.SubmitInput{Record: &penalty.Record{ID: "rec-2",
			IssuingUnitID: "unit-tt", Year: 2026, Number: 8, DrawnUpAt: tApprove.Add(time.Hour), DrawnUpBy: insp2.PersonID, Corrects: "rec-1"}})
	})
	if !slices.Equal(corrected.Makers(), []string{"p-insp", "p-insp2"}) || corrected.Record.ID != "rec-2" || len(corrected.Records) != 1 {
		t.Fatalf("makers %v, record %s, earlier %v", corrected.Makers(), corrected.Record.ID, corrected.Records)
	}
	// The decision period still counts from the first record (2/2: Wednesday 11/2), not the correction (4/2).
	if !corrected.Dues.Decision.Last.Equal(day(2026, 2, 11)) {
		t.Fatalf("decision due %+v", corrected.Dues.Decision)
	}
	acts := map[string]func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error){
		"approve": func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Approve(r, c, a, penalty.ApproveInput{Titles: titles["p-chief"]})
		},
		"return": func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Return(r, c, a)
		},
		"reject": func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Reject(r, c, a)
		},
		"forward": func(c penalty.Case, a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Forward(r, c, a, penalty.ForwardInput{Authority: "Chủ tịch UBND tỉnh"})
		},
	}
	cases := []struct {
		name string
		c    penalty.Case
		by   penalty.Actor
		code errs.Code
		kind errs.Kind
	}{
		{"the maker from the phone's account", sub, inspector, errs.CodeMakerCannotDecide, errs.Forbidden},
		{"the maker from another account", sub, inspectorConsole, errs.CodeMakerCannotDecide, errs.Forbidden},
		{"the maker of the first version, after a correction", corrected, inspectorConsole, errs.CodeMakerCannotDecide, errs.Forbidden},
		{"the maker of the corrected version", corrected, insp2, errs.CodeMakerCannotDecide, errs.Forbidden},
		{"an account without a person", sub, penalty.Actor{AccountID: "a-robot"}, errs.CodeValidation, errs.Invalid},
		{"another person", sub, chief, "", ""},
		{"another person, after a correction", corrected, chief, "", ""},
	}
	for _, tc := range cases {
		for name, f := range acts {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				_, _, err := f(tc.c, act(tc.c, tc.by, tLater, "Lý do"))
				if tc.code == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, tc.code, tc.kind)
			})
		}
	}
	t.Run("a corrected record must correct the current one", func(t *testing.T) {
		_, _, err := penalty.Submit(r, ret, act(ret, insp2, tLater, ""), penalty.SubmitInput{Record: &penalty.Record{ID: "rec-3",
			IssuingUnitID: "unit-tt", Year: 2026, Number: 9, DrawnUpAt: tLater, DrawnUpBy: insp2.PersonID, Corrects: "rec-other"}})
		wantCode(t, err, errs.CodeRecordVersionInvalid, errs.Invalid)
	})
}

// TestApprove covers the approver's choices and the rules that refuse them.
func TestApprove(t *testing.T) {
	r := rules(t)
	sub := submitted(t, r, legal.Individual, t0, baseCharg)
	as := func(c penalty.Case, who penalty.Actor, reason string, fines ...penalty.FineChoice) (penalty.Case, penalty.Event, error) {
		return penalty.Approve(r, c, act(c, who, tApprove, reason), penalty.ApproveInput{Titles: titles[who.PersonID], Fines: fines})
	}
	t.Run("as proposed: the middle, no reason needed", func(t *testing.T) {
		n, e, err := as(sub, chief, "")
		if err != nil {
			t.Fatal(err)
		}
		ap := n.Approval
		if n.State != penalty.Approved || ap.Changed || ap.Total != 3_500_000 || ap.Fines[0].Amount != 3_500_000 || ap.Fines[0].Default != 3_500_000 ||
			ap.Title != legal.TitleChiefInspector || ap.By != chief || ap.CapID != "cap/chanh_thanh_tra_so/107/2013/NĐ-CP" || ap.Fines[0].VersionID == "" {
			t.Fatalf("approval %+v", ap)
		}
		if e.Data["total"] != int64(3_500_000) || e.Data["changed"] != false || e.Data["title"] != "chanh_thanh_tra_so" {
			t.Fatalf("event data %v", e.Data)
		}
	})
	t.Run("changed amount without a reason", func(t *testing.T) {
		_, _, err := as(sub, chief, "", penalty.FineChoice{Charge: 0, Amount: ptr[int64](3_500_001)})
		wantCode(t, err, errs.CodeFineNotJustified, errs.Invalid) // above the middle without an aggravating circumstance
	})
	withAgg := step(t, sub, func() (penalty.Case, penalty.Event, error) {
		return penalty.DeclareCircumstances(r, sub, act(sub, chief, tApprove, ""), 0,
			[]penalty.Circumstance{{Kind: penalty.Aggravating, Text: "Cản trở người thi hành công vụ"}})
	})
	if d := penalty.Assess(r, withAgg, day(2026, 2, 4))[0].Default; d != 4_250_000 {
		t.Fatalf("default with one aggravating circumstance %d", d)
	}
	t.Run("with circumstances, as proposed", func(t *testing.T) {
		n, _, err := as(withAgg, chief, "")
		if err != nil || n.Approval.Total != 4_250_000 || n.Approval.Changed {
			t.Fatalf("%v %+v", err, n.Approval)
		}
	})
	t.Run("with circumstances, changed without a reason", func(t *testing.T) {
		_, _, err := as(withAgg, chief, "", penalty.FineChoice{Charge: 0, Amount: ptr[int64](5_000_000)})
		wantCode(t, err, errs.CodeReasonRequired, errs.Invalid)
	})
	t.Run("with circumstances, changed with a reason", func(t *testing.T) {
		n, e, err := as(withAgg, chief, "Vi phạm kéo dài, đã được nhắc nhở", penalty.FineChoice{Charge: 0, Amount: ptr[int64](5_000_000)})
		if err != nil || !n.Approval.Changed || n.Approval.Total != 5_000_000 || n.Approval.Reason == "" || e.Reason == "" {
			t.Fatalf("%v %+v", err, n.Approval)
		}
	})
	t.Run("over the maximum even with a reason", func(t *testing.T) {
		_, _, err := as(withAgg, chief, "Rất nghiêm trọng", penalty.FineChoice{Charge: 0, Amount: ptr[int64](5_500_000)})
		wantCode(t, err, errs.CodeFineOutsideRange, errs.Invalid)
	})
	t.Run("a charge that does not exist", func(t *testing.T) {
		_, _, err := as(sub, chief, "x", penalty.FineChoice{Charge: 3, Amount: ptr[int64](1)})
		wantCode(t, err, errs.CodeValidation, errs.Invalid)
	})
	t.Run("a person without a sanctioning title", func(t *testing.T) {
		_, _, err := as(sub, clerk, "")
		wantCode(t, err, errs.CodeNoSanctioningTitle, errs.Forbidden)
	})
	t.Run("a cap whose amount is not known", func(t *testing.T) {
		c := submitted(t, r, legal.Individual, t0, charge("MEAS-119-09-2A", day(2026, 2, 2)))
		_, _, err := as(c, penalty.Actor{PersonID: "p-tdc", Name: "Chi cục trưởng"}, "")
		wantCode(t, err, errs.CodeAuthorityCapMissing, errs.Invalid)
	})
	t.Run("two approvals of one version: the second conflicts", func(t *testing.T) {
		first, _, err := as(sub, chief, "")
		if err != nil {
			t.Fatal(err)
		}
		// The second chief saw the same version; the store hands him the case as the first left it.
		_, _, err = penalty.Approve(r, first, penalty.Act{By: chief2, At: tApprove, Expected: sub.Version}, penalty.ApproveInput{Titles: titles["p-chief2"]})
		wantCode(t, err, errs.CodeCaseVersionConflict, errs.Conflict)
		_, _, err = penalty.Approve(r, first, act(first, chief2, tApprove, ""), penalty.ApproveInput{Titles: titles["p-chief2"]})
		wantCode(t, err, errs.CodeCaseStateInvalid, errs.Conflict)
	})
}

// TestForwardedCase: an organisation's doubled range beyond the chief's doubled cap cannot be
// decided; the case goes to the competent authority, which is recorded.
func TestForwardedCase(t *testing.T) {
	r := rules(t)
	c := submitted(t, r, legal.Organisation, t0, charge("FUEL-119-29-1", day(2026, 2, 2)))
	a := penalty.Assess(r, c, day(2026, 2, 4))[0]
	if a.Range.Min != 80_000_000 || a.Range.Max != 120_000_000 || !a.Range.Doubled {
		t.Fatalf("range %+v", a.Range)
	}
	// The organisation may explain (120M ≥ 30M): the decision waits out the period, 5 working days.
	when := at(2026, 2, 10, 9, 0)
	_, _, err := penalty.Approve(r, c, act(c, chief, when, ""), penalty.ApproveInput{Titles: titles["p-chief"]})
	wantCode(t, err, errs.CodeAuthorityExceeded, errs.Forbidden)
	comp := penalty.CompetenceOf(r, c, penalty.Assess(r, c, legal.DateOf(when)), titles["p-chief"], legal.DateOf(when))
	if comp.Covered || len(comp.Checks) != 1 || comp.Checks[0].Max != 120_000_000 || comp.Checks[0].Limit != 100_000_000 {
		t.Fatalf("competence %+v", comp)
	}
	f, e, err := penalty.Forward(r, c, act(c, chief, when, "Mức tối đa 120.000.000 đồng vượt thẩm quyền 100.000.000 đồng"),
		penalty.ForwardInput{Authority: "Chủ tịch UBND tỉnh Cao Bằng", Address: "Số 011 Hoàng Đình Giong, phường Thục Phán", Exceeded: comp.Checks})
	if err != nil {
		t.Fatal(err)
	}
	if f.State != penalty.Forwarded || f.Forwarding.Authority != "Chủ tịch UBND tỉnh Cao Bằng" || f.Forwarding.Address == "" ||
		len(f.Forwarding.Exceeded) != 1 || f.Approval != nil || f.Dues.Decision != nil {
		t.Fatalf("forwarded %+v dues %+v", f.Forwarding, f.Dues)
	}
	if ex := e.Data["exceeded"].([]map[string]any); len(ex) != 1 || ex[0]["max"] != int64(120_000_000) || ex[0]["limit"] != int64(100_000_000) {
		t.Fatalf("event %v", e.Data)
	}
	_, _, err = penalty.Forward(r, c, act(c, chief, when, "Vượt thẩm quyền"), penalty.ForwardInput{})
	wantCode(t, err, errs.CodeValidation, errs.Invalid)
	_, _, err = penalty.Forward(r, c, act(c, chief, when, ""), penalty.ForwardInput{Authority: "x"})
	wantCode(t, err, errs.CodeReasonRequired, errs.Invalid)
}

// TestMissingRange: a violation whose range no source gave cannot be fined until a system
// administrator enters it; entered as unverified, the approver sees it flagged.
func TestMissingRange(t *testing.T) {
	r := rules(t)
	c := submitted(t, r, legal.Individual, t0, charge("MEAS-119-SEAL", day(2026, 2, 2)))
	_, _, err := penalty.Approve(r, c, act(c, chief, tLater, ""), penalty.ApproveInput{Titles: titles["p-chief"]})
	wantCode(t, err, errs.CodeFineRangeMissing, errs.Invalid)

	for i, v := range r.Catalogue.Violations {
		if v.Code == "MEAS-119-SEAL" {
			filled, err := legal.FillRange(v, nil, legal.FixedRange{Min: ptr[int64](1_000_000), Max: ptr[int64](3_000_000)}, false, "Công văn hướng dẫn của Sở (chưa đối chiếu văn bản hợp nhất)")
			if err != nil {
				t.Fatal(err)
			}
			r.Catalogue.Violations[i] = filled
		}
	}
	a := penalty.Assess(r, c, legal.DateOf(tLater))[0]
	if !a.Unverified || a.Range == nil || a.Default != 2_000_000 {
		t.Fatalf("assessment %+v", a)
	}
	n, e, err := penalty.Approve(r, c, act(c, chief, tLater, ""), penalty.ApproveInput{Titles: titles["p-chief"]})
	if err != nil {
		t.Fatal(err)
	}
	if !n.Approval.Fines[0].Unverified || !slices.Equal(e.Data["unverified"].([]string), []string{"MEAS-119-SEAL"}) {
		t.Fatalf("unverified not flagged: %+v %v", n.Approval.Fines[0], e.Data)
	}
}

// TestLimitationBlocksDecision: once the statute of limitations has run out, neither approval nor
// issue is possible.
func TestLimitationBlocksDecision(t *testing.T) {
	r := rules(t)
	drawn := at(2025, 1, 10, 9, 0)
	c := submitted(t, r, legal.Individual, drawn, charge("MEAS-119-09-2A", day(2025, 1, 10)))
	_, _, err := penalty.Approve(r, c, act(c, chief, at(2026, 1, 11, 8, 0), ""), penalty.ApproveInput{Titles: titles["p-chief"]})
	wantCode(t, err, errs.CodeLimitationExpired, errs.Invalid)
	ok := approved(t, r, c, at(2026, 1, 10, 16, 0)) // the last day still counts
	_, _, err = penalty.Issue(r, ok, act(ok, chief, at(2026, 1, 12, 8, 0), ""), penalty.IssueInput{Number: 1, Titles: titles["p-chief"]})
	wantCode(t, err, errs.CodeLimitationExpired, errs.Invalid)
}

// TestRepeatOffence: an earlier decision for the same act within the window can be applied as an
// aggravating circumstance (it moves the proposal and is a change, with its reason); another act's
// decision cannot.
func TestRepeatOffence(t *testing.T) {
	r := rules(t)
	c := submitted(t, r, legal.Individual, t0, baseCharg)
	priors := []penalty.PriorDecision{
		{CaseID: "case-old", Number: 4, Year: 2025, IssuedOn: day(2025, 5, 6), ExecutedOn: day(2025, 5, 20), Codes: []string{"RAD-107-13-2B"}},
		{CaseID: "case-other", Number: 9, Year: 2025, IssuedOn: day(2025, 8, 1), Codes: []string{"RAD-107-16-1"}},
	}
	approve := func(reason string, repeats ...string) (penalty.Case, penalty.Event, error) {
		return penalty.Approve(r, c, act(c, chief, tApprove, reason), penalty.ApproveInput{Titles: titles["p-chief"], Priors: priors,
			Fines: []penalty.FineChoice{{Charge: 0, Repeats: repeats}}})
	}
	_, _, err := approve("", "case-old")
	wantCode(t, err, errs.CodeReasonRequired, errs.Invalid)
	n, _, err := approve("Tái phạm trong thời hạn 01 năm", "case-old")
	if err != nil {
		t.Fatal(err)
	}
	f := n.Approval.Fines[0]
	if f.Amount != 4_250_000 || !n.Approval.Changed || len(f.Circumstances) != 1 || f.Circumstances[0].PriorCaseID != "case-old" ||
		f.Circumstances[0].Kind != penalty.Aggravating {
		t.Fatalf("fine %+v", f)
	}
	if len(c.Charges[0].Circumstances) != 0 {
		t.Fatal("Approve changed its input")
	}
	_, _, err = approve("Tái phạm", "case-old", "case-old")
	wantCode(t, err, errs.CodeValidation, errs.Invalid)
	_, _, err = penalty.DeclareCircumstances(r, c, act(c, chief, tApprove, ""), 0,
		[]penalty.Circumstance{{Kind: penalty.Aggravating, Text: "Tái phạm", PriorCaseID: "case-old"}})
	wantCode(t, err, errs.CodeValidation, errs.Invalid)
	_, _, err = approve("Tái phạm", "case-other")
	wantCode(t, err, errs.CodeRepeatNotApplicable, errs.Invalid)
	_, _, err = approve("Tái phạm", "case-unknown")
	wantCode(t, err, errs.CodeRepeatNotApplicable, errs.Invalid)
}

// TestExplanation: while the subject may explain, the decision waits; an explanation puts the case
// on the one-month track; a request for a hearing holds the decision until it is recorded.
func TestExplanation(t *testing.T) {
	r := rules(t)
	drawn := at(2026, 1, 5, 9, 0) // Monday; the written period of 5 working days ends on the compensating Saturday 10 January
	c := submitted(t, r, legal.Individual, drawn, charge("RAD-107-06-6A", day(2026, 1, 5)))
	if !c.Explanation.Right || !c.Dues.Explanation.Last.Equal(day(2026, 1, 10)) || !c.Dues.Decision.Last.Equal(day(2026, 1, 13)) {
		t.Fatalf("explanation %+v, dues %+v %+v", c.Explanation, c.Dues.Explanation, c.Dues.Decision)
	}
	approve := func(c penalty.Case, when time.Time) error {
		_, _, err := penalty.Approve(r, c, act(c, chief, when, ""), penalty.ApproveInput{Titles: titles["p-chief"]})
		return err
	}
	wantCode(t, approve(c, at(2026, 1, 10, 16, 0)), errs.CodeExplanationPeriodOpen, errs.Invalid)
	if err := approve(c, at(2026, 1, 11, 0, 0)); err != nil {
		t.Fatalf("after the period: %v", err)
	}
	explained := step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.RecordExplanation(r, c, act(c, chief, at(2026, 1, 8, 10, 0), ""), penalty.ExplanationInput{
			Form: penalty.ExplainedInWriting, On: at(2026, 1, 8, 9, 0), Summary: "Đã đặt mua liều kế"})
	})
	if explained.Track != penalty.TrackExplained || explained.Dues.Explanation != nil || !explained.Dues.Decision.Last.Equal(day(2026, 2, 5)) {
		t.Fatalf("track %s dues %+v", explained.Track, explained.Dues)
	}
	if err := approve(explained, at(2026, 1, 8, 11, 0)); err != nil {
		t.Fatalf("after the explanation: %v", err)
	}
	hearing := step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.RecordExplanation(r, c, act(c, chief, at(2026, 1, 6, 10, 0), ""), penalty.ExplanationInput{Request: true})
	})
	wantCode(t, approve(hearing, at(2026, 1, 20, 9, 0)), errs.CodeExplanationPeriodOpen, errs.Invalid)
	heard := step(t, hearing, func() (penalty.Case, penalty.Event, error) {
		return penalty.RecordExplanation(r, hearing, act(hearing, chief, at(2026, 1, 20, 9, 0), ""), penalty.ExplanationInput{
			Form: penalty.ExplainedInPerson, On: at(2026, 1, 19, 14, 0), Summary: "Biên bản phiên giải trình"})
	})
	if err := approve(heard, at(2026, 1, 20, 10, 0)); err != nil {
		t.Fatalf("after the hearing: %v", err)
	}
	is := issued(t, r, step(t, heard, func() (penalty.Case, penalty.Event, error) {
		return penalty.Approve(r, heard, act(heard, chief, at(2026, 1, 20, 10, 0), ""), penalty.ApproveInput{Titles: titles["p-chief"]})
	}), 3, at(2026, 1, 20, 11, 0))
	if !slices.Contains(is.Decision.LegalBases, "Giải trình của Cửa hàng xăng dầu Hưng Đạo ngày 19/01/2026") {
		t.Fatalf("legal bases %q", is.Decision.LegalBases)
	}
}

// TestIssue: the decision is numbered, signed by the approver with the title that covered the case,
// and cites its legal bases; a title lost since the approval stops it.
func TestIssue(t *testing.T) {
	r := rules(t)
	states := inState(t, r)
	d := states[penalty.Issued].Decision
	if d.Number != 12 || d.Year != 2026 || d.IssuingUnitID != "unit-tt" || d.Signer != chief || d.Title != legal.TitleChiefInspector ||
		d.TitleName == "" || d.Total != 3_500_000 || len(d.Fines) != 1 {
		t.Fatalf("decision %+v", d)
	}
	for _, want := range []string{"Nghị định số 107/2013/NĐ-CP ngày 20/09/2013 của Chính phủ quy định xử phạt",
		"được sửa đổi, bổ sung bởi Nghị định số 126/2021/NĐ-CP", "Điều 13, khoản 2, điểm b", "Biên bản vi phạm hành chính số 7 lập ngày 02/02/2026"} {
		if !slices.ContainsFunc(d.LegalBases, func(b string) bool { return strings.Contains(b, want) }) {
			t.Errorf("legal bases %q lack %q", d.LegalBases, want)
		}
	}
	t.Run("the approver lost the title", func(t *testing.T) {
		c := submitted(t, r, legal.Individual, at(2025, 12, 29, 9, 0), charge("RAD-107-13-2B", day(2025, 12, 29)))
		former := penalty.Actor{PersonID: "p-former", Name: "Nguyên Chánh"}
		ap := step(t, c, func() (penalty.Case, penalty.Event, error) {
			return penalty.Approve(r, c, act(c, former, at(2025, 12, 30, 9, 0), ""), penalty.ApproveInput{Titles: titles["p-former"]})
		})
		_, _, err := penalty.Issue(r, ap, act(ap, former, at(2026, 1, 2, 9, 0), ""), penalty.IssueInput{Number: 1, Titles: titles["p-former"]})
		wantCode(t, err, errs.CodeAuthorityLapsed, errs.Forbidden)
		n, _, err := penalty.Issue(r, ap, act(ap, former, at(2025, 12, 31, 9, 0), ""), penalty.IssueInput{Number: 1, Titles: titles["p-former"]})
		if err != nil || n.Decision.Year != 2025 {
			t.Fatalf("on the title's last day: %v", err)
		}
	})
	t.Run("no number", func(t *testing.T) {
		c := states[penalty.Approved]
		_, _, err := penalty.Issue(r, c, act(c, chief, tIssue, ""), penalty.IssueInput{Titles: titles["p-chief"]})
		wantCode(t, err, errs.CodeValidation, errs.Invalid)
	})
}

// TestIssuedDecisionNeverChanges: from issue to closure only delivery, payment, enforcement and
// reporting are added; the decision stays exactly as issued, and every act that would change it is
// refused with decision_immutable.
func TestIssuedDecisionNeverChanges(t *testing.T) {
	r := rules(t)
	states := inState(t, r)
	want := *states[penalty.Issued].Decision
	for _, s := range []penalty.State{penalty.Delivered, penalty.Overdue, penalty.Enforced, penalty.Paid, penalty.Closed} {
		if got := *states[s].Decision; !reflect.DeepEqual(got, want) {
			t.Errorf("decision in %s: %+v, want %+v", s, got, want)
		}
	}
	c := states[penalty.Delivered]
	_, _, err := penalty.Approve(r, c, act(c, chief, tLater, "Sửa mức phạt"), penalty.ApproveInput{Titles: titles["p-chief"],
		Fines: []penalty.FineChoice{{Charge: 0, Amount: ptr[int64](2_000_000)}}})
	wantCode(t, err, errs.CodeDecisionImmutable, errs.Conflict)
	_, _, err = penalty.Issue(r, c, act(c, chief, tLater, ""), penalty.IssueInput{Number: 99, Titles: titles["p-chief"]})
	wantCode(t, err, errs.CodeDecisionImmutable, errs.Conflict)
}

// TestPaymentToClosure follows the money: a part paid in time, the rest late with interest at
// 0.05 % a day on the unpaid part, enforcement, transfer to the state budget, closure.
func TestPaymentToClosure(t *testing.T) {
	r := rules(t)
	c := inState(t, r)[penalty.Delivered]
	if p := c.Dues.Payment; !p.Last.Equal(day(2026, 2, 23)) || !p.Ends.Equal(tOverdue) {
		t.Fatalf("payment due %+v: 10 days from 10/02 end on Friday 20/02, a Tết holiday, so on Monday 23/02", p)
	}
	if c.Dues.Send != nil || c.Dues.NationalReport == nil || !c.Dues.NationalReport.Last.Equal(day(2026, 2, 11)) {
		t.Fatalf("dues %+v", c.Dues)
	}
	do := func(c penalty.Case, f func(a penalty.Act) (penalty.Case, penalty.Event, error), who penalty.Actor, when time.Time) penalty.Case {
		t.Helper()
		return step(t, c, func() (penalty.Case, penalty.Event, error) { return f(act(c, who, when, "")) })
	}
	pay := func(receipt string, amount int64, on legal.Date) func(a penalty.Act) (penalty.Case, penalty.Event, error) {
		return func(a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Pay(r, c, a, penalty.PaymentInput{Receipt: receipt, Amount: amount, PaidOn: on})
		}
	}
	c = do(c, pay("BL-0001", 1_000_000, day(2026, 2, 20)), clerk, at(2026, 2, 20, 10, 0))
	if c.State != penalty.Delivered {
		t.Fatalf("state %s after a part", c.State)
	}
	_, _, err := penalty.MarkOverdue(r, c, act(c, system, tOverdue.Add(-time.Minute), ""))
	wantCode(t, err, errs.CodePaymentNotOverdue, errs.Conflict)
	c = do(c, func(a penalty.Act) (penalty.Case, penalty.Event, error) { return penalty.MarkOverdue(r, c, a) }, system, tOverdue)
	c = do(c, func(a penalty.Act) (penalty.Case, penalty.Event, error) {
		return penalty.Enforce(r, c, a, "Quyết định cưỡng chế số 2/QĐ-CC", "khấu trừ tiền từ tài khoản")
	}, chief, tEnforce)
	// 2,500,000 unpaid from 24/02 to 03/03 inclusive: 8 days × 1,250 đ = 10,000 đ.
	b, err := penalty.BalanceOf(r, c, day(2026, 3, 3))
	if err != nil || b.Interest != 10_000 || b.DaysLate != 8 || b.Outstanding != 2_510_000 {
		t.Fatalf("balance %+v %v", b, err)
	}
	_, _, err = penalty.Pay(r, c, act(c, clerk, at(2026, 3, 3, 9, 0), ""), penalty.PaymentInput{Receipt: "BL-0002", Amount: 2_510_001, PaidOn: day(2026, 3, 3)})
	wantCode(t, err, errs.CodePaymentExceedsOutstanding, errs.Invalid)
	_, _, err = penalty.Pay(r, c, act(c, clerk, at(2026, 3, 3, 9, 0), ""), penalty.PaymentInput{Receipt: "BL-0001", Amount: 10, PaidOn: day(2026, 3, 3)})
	wantCode(t, err, errs.CodePaymentReceiptTaken, errs.Conflict)
	c = do(c, pay("BL-0002", 2_500_000, day(2026, 3, 3)), clerk, at(2026, 3, 3, 9, 0))
	if c.State != penalty.Enforced {
		t.Fatalf("state %s with interest owed", c.State)
	}
	c = do(c, pay("BL-0003", 10_000, day(2026, 3, 3)), clerk, at(2026, 3, 3, 9, 5))
	if c.State != penalty.Paid || c.Dues.Payment != nil || c.Dues.EnforcementLimit != nil {
		t.Fatalf("state %s dues %+v", c.State, c.Dues)
	}
	_, _, err = penalty.Close(r, c, act(c, chief, tLater, ""))
	wantCode(t, err, errs.CodePaymentNotTransferred, errs.Conflict)
	for _, rc := range []string{"BL-0001", "BL-0002", "BL-0003"} {
		c = do(c, func(a penalty.Act) (penalty.Case, penalty.Event, error) {
			return penalty.Transfer(r, c, a, rc, day(2026, 3, 5), "Giấy nộp tiền vào NSNN số 15")
		}, clerk, tLater)
	}
	_, _, err = penalty.Transfer(r, c, act(c, clerk, tLater, ""), "BL-0009", day(2026, 3, 5), "")
	wantCode(t, err, errs.CodePaymentNotFound, errs.NotFound)
	c = do(c, func(a penalty.Act) (penalty.Case, penalty.Event, error) { return penalty.Close(r, c, a) }, chief, tLater)
	if c.Closure.Outcome != penalty.OutcomePaid || c.State != penalty.Closed {
		t.Fatalf("closure %+v", c.Closure)
	}
	p, ok := c.Prior()
	if !ok || !p.ExecutedOn.Equal(day(2026, 3, 3)) || p.Number != 12 || !slices.Equal(p.Codes, []string{"RAD-107-13-2B"}) {
		t.Fatalf("as a prior decision %+v", p)
	}
}

// TestTimeBarred: a decision not enforced within a year can no longer be enforced; the case closes
// with a reason as time-barred.
func TestTimeBarred(t *testing.T) {
	r := rules(t)
	states := inState(t, r)
	c := states[penalty.Overdue]
	limit := c.Dues.EnforcementLimit
	// 12 months from Thursday 5 February 2026: Friday 5 February 2027 — a year without holiday data yet.
	if !limit.Last.Equal(day(2027, 2, 5)) || !limit.Provisional {
		t.Fatalf("enforcement limit %+v", limit)
	}
	_, _, err := penalty.Close(r, c, act(c, chief, at(2027, 2, 5, 16, 0), "Hết thời hiệu"))
	wantCode(t, err, errs.CodeCaseNotSettled, errs.Conflict)
	_, _, err = penalty.Enforce(r, c, act(c, chief, at(2027, 2, 6, 8, 0), ""), "QĐ cưỡng chế số 5", "")
	wantCode(t, err, errs.CodeEnforcementTimeBarred, errs.Invalid)
	_, _, err = penalty.Close(r, c, act(c, chief, at(2027, 2, 6, 8, 0), ""))
	wantCode(t, err, errs.CodeReasonRequired, errs.Invalid)
	n, _, err := penalty.Close(r, c, act(c, chief, at(2027, 2, 6, 8, 0), "Hết thời hiệu thi hành quyết định (Điều 74)"))
	if err != nil || n.Closure.Outcome != penalty.OutcomeTimeBarred {
		t.Fatalf("%v %+v", err, n.Closure)
	}
}

// TestEventsForTheAuditLog: every event says who, when, why, from which state to which; its audit
// entry is on the case's chain.
func TestEventsForTheAuditLog(t *testing.T) {
	r := rules(t)
	c := inState(t, r)[penalty.Submitted]
	_, e, err := penalty.Reject(r, c, act(c, chief, tApprove, "Hành vi không thuộc lĩnh vực"))
	if err != nil {
		t.Fatal(err)
	}
	ae := e.AuditEntry()
	if ae.Chain != "penalty/case-1" || ae.OrgID != "org-cb" || ae.Action != "penalty.reject" || ae.ActorPersonID != "p-chief" ||
		ae.ActorAccountID != "a-chief" || !ae.At.Equal(tApprove) || ae.Reason != "Hành vi không thuộc lĩnh vực" ||
		ae.Data["from"] != "submitted" || ae.Data["to"] != "rejected" || ae.Data["version"] != c.Version+1 {
		t.Fatalf("audit entry %+v", ae)
	}
	_, _, err = penalty.Reject(r, c, act(c, chief, tApprove, "  "))
	wantCode(t, err, errs.CodeReasonRequired, errs.Invalid)
}

// TestOpenValidation: a case needs its record, maker, subject and charges.
func TestOpenValidation(t *testing.T) {
	r := rules(t)
	_, _, err := penalty.Open(r, penalty.OpenInput{ID: "c", OrgID: "o", Subject: penalty.Subject{ID: "s", Kind: "company"},
		Charges: []penalty.Charge{{Code: "X", Detected: day(2026, 1, 2), Ended: day(2026, 1, 3),
			Circumstances: []penalty.Circumstance{{Kind: "neutral"}}}}}, penalty.Act{At: t0})
	wantCode(t, err, errs.CodeValidation, errs.Invalid)
	var fields []string
	for _, f := range errs.FieldsOf(err) {
		fields = append(fields, f.Field)
	}
	want := []string{"charges[0].circumstances[0].kind", "charges[0].circumstances[0].text", "charges[0].ended", "record.drawn_up_at",
		"record.drawn_up_by", "record.id", "record.issuing_unit_id", "record.number", "subject.kind"}
	if !slices.Equal(fields, want) {
		t.Fatalf("fields %v, want %v", fields, want)
	}
}
