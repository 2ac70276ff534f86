package gormstore

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/jobs"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/paging"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// penaltyWorld is the apply world (a campaign whose leader's phone draws up records) with the legal
// catalogue, the penalty service over the store, and two chiefs holding the Chánh Thanh tra Sở title.
type penaltyWorld struct {
	*applyWorld
	svc           *penalty.Service
	chief, chief2 identity.Principal
	visitID       string
	nextNumber    int
	// newChief makes an account of the chief role whose person holds the Chánh Thanh tra Sở title
	// from 2020 until validTo (zero: still held).
	newChief func(login string, validTo time.Time) identity.Principal
}

func newPenaltyWorld(t *testing.T) *penaltyWorld {
	t.Helper()
	ctx := context.Background()
	w := &penaltyWorld{applyWorld: newApplyWorld(t), nextNumber: 1}
	cat, err := legal.Seed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.LoadLegalSeed(ctx, cat); err != nil {
		t.Fatal(err)
	}
	w.svc = &penalty.Service{Store: w.s, Clock: w.clock, IDs: clock.UUIDv7{}}
	ids := &identity.Service{Store: w.s, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: w.clock, IDs: clock.UUIDv7{}}
	w.newChief = func(login string, validTo time.Time) identity.Principal {
		acct, err := ids.CreateAccount(ctx, identity.Operator, identity.NewAccount{OrgID: w.org.ID, FullName: "Chánh thanh tra " + login,
			Login: login, Password: "long-enough-pw", Roles: []identity.Role{identity.RoleChief}})
		if err != nil {
			t.Fatal(err)
		}
		title := identity.Title{ID: clock.UUIDv7{}.NewID(), OrgID: w.org.ID, PersonID: acct.PersonID, Code: "chanh_thanh_tra_so",
			ValidFrom: time.Date(2020, 1, 1, 0, 0, 0, 0, legal.Zone), ValidTo: validTo, CreatedAt: w.clock.Now()}
		if err := w.s.AddPersonTitle(ctx, title, audit.Entry{Chain: "person/" + acct.PersonID, OrgID: w.org.ID, Action: "person.title"}); err != nil {
			t.Fatal(err)
		}
		return identity.Principal{AccountID: acct.ID, PersonID: acct.PersonID, OrgID: w.org.ID, Roles: acct.Roles}
	}
	w.chief, w.chief2 = w.newChief("chief-one", time.Time{}), w.newChief("chief-two", time.Time{})
	w.visitID = w.createVisit(t, nil)
	return w
}

// submitRecord pushes a record from the leader's phone, drawn up and submitted at once, citing a
// violation of Decree 119 whose range (2–4 million đồng, doubled for the subject, an organisation)
// stays below the right to explain; it returns the record's ID.
func (w *penaltyWorld) submitRecord(t *testing.T, evidence ...string) string {
	t.Helper()
	id := clock.UUIDv7{}.NewID()
	p := w.recordPayloadOf(w.visitID, w.nextNumber, "submitted")
	w.nextNumber++
	p["violations"] = []any{map[string]any{"code": "MEAS-119-09-2A", "description": "Cột đo không có dấu kiểm định"}}
	p["evidence_ids"] = append([]string{}, evidence...)
	w.pushOne(t, w.leader, applyItem("record", id, 0, atHour(2, 30), p), "applied")
	return id
}

// intakeJobs returns the intake jobs enqueued for a record.
func (w *penaltyWorld) intakeJobs(t testing.TB, recordID string) []jobs.Job {
	t.Helper()
	var rows []jobRow
	if err := w.s.w.Where("kind = ? AND payload LIKE ?", JobPenaltyIntake, "%"+recordID+"%").Order("created_at").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := make([]jobs.Job, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out
}

// intake runs the newest intake job of the record, as the job runner would.
func (w *penaltyWorld) intake(t testing.TB, recordID string) penalty.Case {
	t.Helper()
	js := w.intakeJobs(t, recordID)
	if len(js) == 0 {
		t.Fatalf("record %s: no intake job", recordID)
	}
	org, rec, by, err := PenaltyIntakeOf(js[len(js)-1])
	if err != nil {
		t.Fatal(err)
	}
	c, err := w.svc.Intake(context.Background(), org, rec, by)
	if err != nil {
		t.Fatalf("intake of %s: %v", recordID, err)
	}
	return c
}

// openCase submits a record and takes it in: a case waiting for the chief.
func (w *penaltyWorld) openCase(t *testing.T) penalty.Case {
	t.Helper()
	c := w.intake(t, w.submitRecord(t))
	if c.State != penalty.Submitted || c.Version != 2 {
		t.Fatalf("intake: case %s in state %s version %d", c.ID, c.State, c.Version)
	}
	return c
}

// approve approves a case as proposed, by the first chief.
func (w *penaltyWorld) approve(t testing.TB, c penalty.Case) penalty.Case {
	t.Helper()
	n, err := w.svc.Approve(context.Background(), w.chief, c.ID, c.Version, nil, "")
	if err != nil {
		t.Fatalf("approve %s: %v", c.ID, err)
	}
	return n
}

// auditCount returns the number of events in an audit chain.
func (w *penaltyWorld) auditCount(t testing.TB, chain string) int64 {
	t.Helper()
	var n int64
	if err := w.s.w.Model(&auditEventRow{}).Where("chain = ?", chain).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func wantPenaltyCode(t testing.TB, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("got %v (code %q), want %s", err, errs.CodeOf(err), code)
	}
}

// TestPenaltyIntake follows a record from the push that submits it into a case: the push enqueues one
// intake job in its transaction; the job opens and submits the case with the record's charges,
// subject and evidence; running it again changes nothing; the chief's return reaches the phone; the
// phone's resubmission goes back on the same case; and the audit chain has every event.
func TestPenaltyIntake(t *testing.T) {
	w := newPenaltyWorld(t)
	ctx := context.Background()
	photo, _ := w.pushEvidenceRef(t, w.visitID, "photo", "ảnh cột đo")
	recID := w.submitRecord(t, photo)
	if js := w.intakeJobs(t, recID); len(js) != 1 || js[0].UniqueKey != JobPenaltyIntake+"/"+recID+"/1" {
		t.Fatalf("intake jobs after the push: %+v", js)
	}
	c := w.intake(t, recID)
	if c.State != penalty.Submitted || c.Version != 2 || c.Record.ID != recID || c.Record.DrawnUpBy != w.leader.PersonID ||
		c.Subject.ID != w.subject.ID || c.Subject.Kind != legal.Organisation || len(c.Charges) != 1 || c.Charges[0].Code != "MEAS-119-09-2A" ||
		!slices.Equal(c.Record.EvidenceIDs, []string{photo}) || c.CampaignID != w.camp.ID || c.Dues.Decision == nil || c.Dues.Decision.Missing {
		t.Fatalf("case after intake: %+v", c)
	}
	again := w.intake(t, recID)
	if again.ID != c.ID || again.Version != c.Version {
		t.Fatalf("a second intake changed the case: %+v", again)
	}
	if n := w.auditCount(t, penalty.Chain(c.ID)); n != 2 {
		t.Fatalf("audit chain of the case has %d events, want 2 (open, submit)", n)
	}

	// The queue shows it, with its evidence missing until the photo arrives.
	q, total, err := w.svc.Queue(ctx, w.chief, nil, paging.Page{})
	if err != nil || total != 1 || len(q) != 1 || q[0].ID != c.ID || q[0].Evidence.Complete() || q[0].Deadlines.Decision.IsZero() {
		t.Fatalf("queue: %+v %d %v", q, total, err)
	}
	if err := w.s.w.Model(&evidenceRefRow{}).Where("id = ?", photo).Update("state", "stored").Error; err != nil {
		t.Fatal(err)
	}
	if q, _, _ = w.svc.Queue(ctx, w.chief, nil, paging.Page{}); !q[0].Evidence.Complete() {
		t.Fatalf("queue after the photo arrived: %+v", q[0].Evidence)
	}

	// The chief returns it: the record is returned with the comments, and the phone pulls that.
	ret, err := w.svc.Return(ctx, w.chief, c.ID, c.Version, "Bổ sung ảnh tem kiểm định")
	if err != nil || ret.State != penalty.Returned {
		t.Fatalf("return: %+v %v", ret, err)
	}
	d, v := w.pulledRecord(t, recID)
	if d.Status != recordReturned || d.ChiefComment != "Bổ sung ảnh tem kiểm định" {
		t.Fatalf("the phone pulls the returned record as %s %q", d.Status, d.ChiefComment)
	}
	if n := w.auditCount(t, "record/"+recID); n != 1 {
		t.Fatalf("the record's chain has %d events, want the chief's decision", n)
	}

	// The phone draws up a corrected record and submits it: it goes on the same case.
	corr := clock.UUIDv7{}.NewID()
	p := w.recordPayloadOf(w.visitID, w.nextNumber, "submitted")
	w.nextNumber++
	p["violations"] = []any{map[string]any{"code": "MEAS-119-09-2A", "description": "Cột đo số 2 không có dấu kiểm định"}}
	p["corrects"] = recID
	w.pushOne(t, w.leader, applyItem("record", corr, 0, atHour(3, 0), p), "applied")
	re := w.intake(t, corr)
	if re.ID != c.ID || re.State != penalty.Submitted || re.Record.ID != corr || len(re.Records) != 1 || re.Records[0].ID != recID ||
		re.Charges[0].Description != "Cột đo số 2 không có dấu kiểm định" {
		t.Fatalf("the corrected record: %+v", re)
	}
	if got, ok, err := w.s.CaseOfRecord(ctx, w.org.ID, recID); err != nil || !ok || got.ID != c.ID {
		t.Fatalf("the first version's case: %v %v", ok, err)
	}

	// The same record resubmitted after a return (no correction) goes back on its case too.
	ret, err = w.svc.Return(ctx, w.chief, re.ID, re.Version, "Ghi rõ số cột đo")
	if err != nil {
		t.Fatal(err)
	}
	d, v = w.pulledRecord(t, corr)
	p["status"] = "submitted"
	w.pushOne(t, w.leader, applyItem("record", corr, v, atHour(3, 30), p), "applied")
	if re = w.intake(t, corr); re.State != penalty.Submitted || re.Version != ret.Version+1 || re.Record.ID != corr {
		t.Fatalf("resubmitted: %+v", re)
	}
	var events int64
	w.s.w.Model(&penaltyEventRow{}).Where("case_id = ?", c.ID).Count(&events)
	if n := w.auditCount(t, penalty.Chain(c.ID)); n != events || re.Version != events {
		t.Fatalf("case at version %d, %d events stored, %d in its audit chain", re.Version, events, n)
	}
	if rep, err := audit.Verify(ctx, w.s); err != nil || !rep.OK() {
		t.Fatalf("audit: %+v %v", rep.Problems, err)
	}

	t.Run("two runs of the intake at once open one case", func(t *testing.T) {
		rec := w.submitRecord(t)
		org, id, by, err := PenaltyIntakeOf(w.intakeJobs(t, rec)[0])
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		got := make([]penalty.Case, 3)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := w.svc.Intake(ctx, org, id, by)
				if err != nil {
					t.Errorf("intake %d: %v", i, err)
				}
				got[i] = c
			}()
		}
		wg.Wait()
		var cases int64
		w.s.w.Model(&penaltyCaseRecordRow{}).Where("record_id = ?", rec).Count(&cases)
		if cases != 1 || got[0].ID != got[1].ID || got[1].ID != got[2].ID || got[0].State != penalty.Submitted || got[2].Version != 2 {
			t.Fatalf("%d cases; runs answered %s/%s v%d, %s, %s", cases, got[0].ID, got[0].State, got[2].Version, got[1].ID, got[2].ID)
		}
	})

	t.Run("another organisation sees nothing", func(t *testing.T) {
		if _, err := w.s.Case(ctx, "another-org", c.ID); !errs.Is(errs.NotFound, err) || errs.CodeOf(err) != errs.CodePenaltyCaseNotFound {
			t.Fatalf("got %v", err)
		}
		if _, err := w.s.UpdateCase(ctx, "another-org", c.ID, func(c penalty.Case, _ penalty.DecisionRegister) (penalty.Case, penalty.Event, error) {
			t.Fatal("fn called on another organisation's case")
			return c, penalty.Event{}, nil
		}); errs.CodeOf(err) != errs.CodePenaltyCaseNotFound {
			t.Fatalf("update: %v", err)
		}
	})
}

// TestPenaltyConcurrentApprovals approves each case from two chiefs at once, on the version both saw:
// exactly one approval wins, the other is refused with penalty_version_conflict, and the case has
// one approval event.
func TestPenaltyConcurrentApprovals(t *testing.T) {
	w := newPenaltyWorld(t)
	ctx := context.Background()
	for round := range 4 {
		c := w.openCase(t)
		var wg sync.WaitGroup
		errsOf := make([]error, 2)
		for i, who := range []identity.Principal{w.chief, w.chief2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errsOf[i] = w.svc.Approve(ctx, who, c.ID, c.Version, nil, "")
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errsOf {
			switch {
			case err == nil:
				won++
			case errs.CodeOf(err) != errs.CodeCaseVersionConflict || !errs.Is(errs.Conflict, err):
				t.Fatalf("round %d: the losing approval: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d approvals won (%v)", round, won, errsOf)
		}
		got, err := w.s.Case(ctx, w.org.ID, c.ID)
		if err != nil || got.State != penalty.Approved || got.Version != c.Version+1 {
			t.Fatalf("round %d: %+v %v", round, got, err)
		}
		var approvals int64
		w.s.w.Model(&penaltyEventRow{}).Where("case_id = ? AND action = ?", c.ID, string(penalty.ActionApprove)).Count(&approvals)
		if approvals != 1 {
			t.Fatalf("round %d: %d approval events", round, approvals)
		}
	}

	t.Run("the store writes only the next version", func(t *testing.T) {
		c := w.openCase(t)
		stale := c
		stale.Version-- // a transition computed from a version the store no longer has
		_, err := w.s.UpdateCase(ctx, w.org.ID, c.ID, func(penalty.Case, penalty.DecisionRegister) (penalty.Case, penalty.Event, error) {
			r, _ := w.s.PenaltyRules(ctx)
			return penalty.SetTrack(r, stale, penalty.Act{By: penalty.Actor{PersonID: w.chief.PersonID}, At: w.clock.Now(), Reason: "Phức tạp",
				Expected: stale.Version}, penalty.TrackComplex)
		})
		wantPenaltyCode(t, err, errs.CodeCaseVersionConflict)
		if got, _ := w.s.Case(ctx, w.org.ID, c.ID); got.Version != c.Version || got.Track != penalty.TrackStandard {
			t.Fatalf("the stale write changed the case: %+v", got)
		}
	})
}

// TestPenaltyDecisionNumbers issues decisions from one issuing unit's register: numbers run 1, 2, 3
// without gaps even when a transaction that took a number fails, and concurrent issues never take
// the same number.
func TestPenaltyDecisionNumbers(t *testing.T) {
	w := newPenaltyWorld(t)
	ctx := context.Background()
	var approved []penalty.Case
	for range 6 {
		approved = append(approved, w.approve(t, w.openCase(t)))
	}
	issue := func(c penalty.Case) (penalty.Case, error) { return w.svc.Issue(ctx, w.chief, c.ID, c.Version, 0) }

	first, err := issue(approved[0])
	if err != nil || first.Decision == nil || first.Decision.Number != 1 || first.State != penalty.Issued {
		t.Fatalf("first decision: %+v %v", first.Decision, err)
	}
	// A transaction takes the next number, then fails: the number is given back.
	boom := errors.New("the printer caught fire")
	_, err = w.s.UpdateCase(ctx, w.org.ID, approved[1].ID, func(c penalty.Case, reg penalty.DecisionRegister) (penalty.Case, penalty.Event, error) {
		if n, err := reg.NextDecisionNumber(w.unit.ID, 2026); err != nil || n != 2 {
			t.Errorf("number taken: %d %v", n, err)
		}
		return penalty.Case{}, penalty.Event{}, boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("the failed transaction: %v", err)
	}
	// An issue the rules refuse after the number is taken gives it back too: the approver's title
	// ended the day after the approval (authority_lapsed).
	former := w.newChief("chief-former", time.Date(2026, 3, 2, 0, 0, 0, 0, legal.Zone))
	c := w.openCase(t)
	if c, err = w.svc.Approve(ctx, former, c.ID, c.Version, nil, ""); err != nil {
		t.Fatalf("approval by the former chief on the last day of the title: %v", err)
	}
	w.clock.Set(time.Date(2026, 3, 3, 2, 0, 0, 0, time.UTC))
	if _, err := w.svc.Issue(ctx, former, c.ID, c.Version, 0); errs.CodeOf(err) != errs.CodeAuthorityLapsed {
		t.Fatalf("issue after the title ended: %v", err)
	}
	if _, err := issue(first); errs.CodeOf(err) != errs.CodeDecisionImmutable {
		t.Fatalf("issuing an issued case: %v", err)
	}
	second, err := issue(approved[1])
	if err != nil || second.Decision.Number != 2 {
		t.Fatalf("second decision after a failed one: %+v %v", second.Decision, err)
	}

	// Four issues at once take 3, 4, 5, 6.
	var wg sync.WaitGroup
	numbers := make([]int, 4)
	for i, c := range approved[2:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := issue(c)
			if err != nil {
				t.Errorf("concurrent issue: %v", err)
				return
			}
			numbers[i] = got.Decision.Number
		}()
	}
	wg.Wait()
	slices.Sort(numbers)
	if !slices.Equal(numbers, []int{3, 4, 5, 6}) {
		t.Fatalf("concurrent issues took %v", numbers)
	}
	var counter penaltyCounterRow
	if err := w.s.w.Where("org_id = ? AND issuing_unit_id = ? AND year = ?", w.org.ID, w.unit.ID, 2026).Take(&counter).Error; err != nil || counter.NextNumber != 7 {
		t.Fatalf("register: %+v %v", counter, err)
	}
}

// TestPenaltyDecisionImmutable: once issued, a write that would change the decision is refused by the
// store (decision_immutable) and, beneath it, by the database.
func TestPenaltyDecisionImmutable(t *testing.T) {
	w := newPenaltyWorld(t)
	ctx := context.Background()
	c := w.approve(t, w.openCase(t))
	c, err := w.svc.Issue(ctx, w.chief, c.ID, c.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, change := range map[string]func(*penalty.Decision){
		"total":  func(d *penalty.Decision) { d.Total++ },
		"number": func(d *penalty.Decision) { d.Number = 99 },
		"bases":  func(d *penalty.Decision) { d.LegalBases = append(d.LegalBases, "Căn cứ thêm") },
	} {
		t.Run(name, func(t *testing.T) {
			_, err := w.s.UpdateCase(ctx, w.org.ID, c.ID, func(cur penalty.Case, _ penalty.DecisionRegister) (penalty.Case, penalty.Event, error) {
				n := cur
				d := *cur.Decision
				d.LegalBases = slices.Clone(d.LegalBases)
				change(&d)
				n.Decision, n.Version = &d, cur.Version+1
				return n, penalty.Event{CaseID: cur.ID, OrgID: cur.OrgID, Version: n.Version, Action: penalty.ActionReport, At: w.clock.Now()}, nil
			})
			wantPenaltyCode(t, err, errs.CodeDecisionImmutable)
		})
	}
	got, err := w.s.Case(ctx, w.org.ID, c.ID)
	if err != nil || got.Version != c.Version || !reflect.DeepEqual(got.Decision, c.Decision) {
		t.Fatalf("the decision changed: %+v %v", got.Decision, err)
	}
	// Beneath the store, the database refuses it too.
	for _, col := range []string{"decision", "decision_number"} {
		val := any("{}")
		if col == "decision_number" {
			val = 42
		}
		if err := w.s.w.Model(&penaltyCaseRow{}).Where("id = ?", c.ID).Update(col, val).Error; err == nil {
			t.Fatalf("the database let %s change", col)
		}
	}
	// What follows an issued decision is still recorded.
	if _, err := w.svc.ReportNational(ctx, w.chief, c.ID, c.Version, "CSDL-2026-0001"); err != nil {
		t.Fatalf("reporting an issued decision: %v", err)
	}
}

// TestPenaltyOverdue delivers a decision and lets its payment period pass: the overdue list shows the
// case, and the daily job marks it overdue once.
func TestPenaltyOverdue(t *testing.T) {
	w := newPenaltyWorld(t)
	ctx := context.Background()
	c := w.approve(t, w.openCase(t))
	c, err := w.svc.Issue(ctx, w.chief, c.ID, c.Version, 0)
	if err != nil {
		t.Fatal(err)
	}
	if c, err = w.svc.ReportNational(ctx, w.chief, c.ID, c.Version, "CSDL-1"); err != nil {
		t.Fatal(err)
	}
	if c, err = w.svc.Deliver(ctx, w.chief, c.ID, c.Version, w.clock.Now(), "trực tiếp"); err != nil {
		t.Fatal(err)
	}
	if n, err := w.svc.MarkOverdue(ctx, w.org.ID); err != nil || n != 0 {
		t.Fatalf("before the period ends: %d %v", n, err)
	}
	if l, total, err := w.svc.Overdue(ctx, w.chief, paging.Page{}); err != nil || total != 0 || len(l) != 0 {
		t.Fatalf("overdue list before: %+v %v", l, err)
	}
	w.clock.Set(c.Dues.Payment.Ends.Add(time.Hour))
	l, total, err := w.svc.Overdue(ctx, w.chief, paging.Page{})
	if err != nil || total != 1 || l[0].ID != c.ID || !slices.Equal(l[0].Deadlines.Overdue(w.clock.Now()), []string{"payment"}) {
		t.Fatalf("overdue list after: %+v %d %v", l, total, err)
	}
	if n, err := w.svc.MarkOverdue(ctx, w.org.ID); err != nil || n != 1 {
		t.Fatalf("marking: %d %v", n, err)
	}
	if n, err := w.svc.MarkOverdue(ctx, w.org.ID); err != nil || n != 0 {
		t.Fatalf("marking again: %d %v", n, err)
	}
	got, _ := w.s.Case(ctx, w.org.ID, c.ID)
	if got.State != penalty.Overdue {
		t.Fatalf("state %s", got.State)
	}
}

// TestPenaltyDataRoundTrip stores a case with every part filled and reads it back unchanged.
func TestPenaltyDataRoundTrip(t *testing.T) {
	at := time.Date(2026, 3, 2, 2, 30, 0, 123000, time.UTC)
	by := penalty.Actor{PersonID: "p1", AccountID: "a1", Name: "Hoàng Thị Chánh"}
	q := int64(1_500_000)
	day := legal.NewDate(2026, 3, 2)
	fine := penalty.Fine{Charge: 0, Code: "MEAS-119-09-2A", VersionID: "v1", Decree: "119/2017/NĐ-CP", LegalBasis: "Điều 9 khoản 2 điểm a",
		Range: legal.FineRange{Min: 4_000_000, Max: 8_000_000, Doubled: true, Confirmed: true}, Unverified: false, Default: 6_000_000, Amount: 7_000_000,
		Circumstances: []penalty.Circumstance{{Kind: penalty.Aggravating, Text: "Tái phạm", Basis: "Điều 10", PriorCaseID: "c0"}}}
	due := &penalty.Due{Event: legal.EventDecision, RuleID: "r1", Basis: "Điều 66", Confirmed: true, Deadline: legal.Deadline{Last: day, Ends: at, Provisional: true}}
	c := penalty.Case{ID: "c1", OrgID: "o1", CampaignID: "k1",
		Record:  penalty.Record{ID: "r2", IssuingUnitID: "u1", Year: 2026, Number: 8, DrawnUpAt: at, DrawnUpBy: "p0", Corrects: "r1", EvidenceIDs: []string{"e1"}},
		Records: []penalty.Record{{ID: "r1", IssuingUnitID: "u1", Year: 2026, Number: 7, DrawnUpAt: at, DrawnUpBy: "p0"}},
		Subject: penalty.Subject{ID: "s1", Kind: legal.Organisation, Name: "Công ty"}, Mountain: true,
		Charges: []penalty.Charge{{Code: "MEAS-119-09-2A", Detected: day, Ended: legal.NewDate(2026, 3, 1), Quantity: &q, Description: "d",
			Circumstances: []penalty.Circumstance{{Kind: penalty.Mitigating, Text: "Tự nguyện khắc phục"}}}},
		Track: penalty.TrackExplained, State: penalty.Closed, Version: 12, OpenedAt: at,
		Comments: []penalty.Comment{{By: by, At: at, Text: "Bổ sung", RecordID: "r1"}},
		Explanation: penalty.Explanation{Right: true, DirectRequested: true, RequestedAt: at,
			Received: &penalty.ExplanationReceipt{Form: penalty.ExplainedInWriting, On: at, Summary: "s", By: by, At: at}},
		Approval: &penalty.Approval{By: by, At: at, Title: "chanh_thanh_tra_so", TitleName: "Chánh Thanh tra Sở", CapID: "cap1", CapBasis: "b",
			Fines: []penalty.Fine{fine}, Total: 7_000_000, Changed: true, Reason: "Tái phạm"},
		Rejection: &penalty.Rejection{By: by, At: at, Reason: "x"},
		Forwarding: &penalty.Forwarding{By: by, At: at, Authority: "UBND tỉnh", Address: "Cao Bằng", Reason: "y",
			Exceeded: []penalty.CapCheck{{Charge: 0, Code: "X", Max: 10, Limit: 5, CapID: "cap1", Unknown: true}}},
		Decision: &penalty.Decision{IssuingUnitID: "u1", Year: 2026, Number: 3, IssuedAt: at, Signer: by, Title: "chanh_thanh_tra_so",
			TitleName: "Chánh Thanh tra Sở", LegalBases: []string{"a", "b"}, Fines: []penalty.Fine{fine}, Total: 7_000_000, PaymentDays: 30},
		Delivery:       &penalty.Delivery{ReceivedAt: at, Method: "bưu điện", By: by, At: at},
		Payments:       []penalty.Payment{{Receipt: "BL1", Amount: 7_000_000, PaidOn: day, By: by, At: at, TransferredOn: day, TransferRef: "KB1"}},
		Enforcement:    &penalty.Enforcement{Reference: "QĐ 1", Measure: "khấu trừ", By: by, At: at},
		NationalReport: &penalty.NationalReport{Reference: "CSDL", By: by, At: at},
		Closure:        &penalty.Closure{Outcome: penalty.OutcomePaid, By: by, At: at, Reason: "z"},
		Dues:           penalty.Dues{Decision: due, Explanation: &penalty.Due{Event: legal.EventExplainWritten, Missing: true}, Send: due, NationalReport: due, Payment: due, EnforcementLimit: due},
	}
	row, err := penaltyRowOf(c, at)
	if err != nil {
		t.Fatal(err)
	}
	back, err := row.domain()
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		a, _ := json.MarshalIndent(back, "", " ")
		b, _ := json.MarshalIndent(c, "", " ")
		t.Fatalf("read back:\n%s\nwant:\n%s", a, b)
	}
	if again, _ := decisionJSON(back.Decision); again != row.Decision {
		t.Fatalf("the decision's canonical form is not stable:\n%s\n%s", again, row.Decision)
	}
	if row.NextDueAt == nil || !row.NextDueAt.Equal(at) || row.DecisionNumber == nil || *row.DecisionNumber != 3 || row.Total != 7_000_000 {
		t.Fatalf("columns: %+v", row)
	}
}

// TestPenaltyIntakeBackfill runs the statement of migration 0019 that enqueues the intake of the
// records submitted before it (here for one record whose job is removed first): the job it makes is
// the one a push makes — same unique key, a payload PenaltyIntakeOf reads — and the intake takes the
// record in.
func TestPenaltyIntakeBackfill(t *testing.T) {
	w := newPenaltyWorld(t)
	b, err := migrationFS.ReadFile("migrations/" + string(w.s.Dialect()) + "/0019_penalties.sql")
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "INSERT INTO jobs")
	if i < 0 {
		t.Fatal("migration 0019 has no back-fill")
	}
	backfill := string(b[i:])
	rec, kept := w.submitRecord(t), w.submitRecord(t)
	js := w.intakeJobs(t, rec)
	if err := w.s.w.Where("id = ?", js[0].ID).Delete(&jobRow{}).Error; err != nil {
		t.Fatal(err)
	}
	if err := w.s.w.Exec(strings.Replace(backfill, "WHERE r.status = 'submitted'", "WHERE r.status = 'submitted' AND r.id = '"+rec+"'", 1)).Error; err != nil {
		t.Fatalf("back-fill: %v", err)
	}
	got := w.intakeJobs(t, rec)
	if len(got) != 1 || got[0].UniqueKey != js[0].UniqueKey || got[0].Kind != JobPenaltyIntake || got[0].State != "queued" {
		t.Fatalf("back-filled jobs: %+v, want one like %+v", got, js[0])
	}
	org, id, by, err := PenaltyIntakeOf(got[0])
	if err != nil || org != w.org.ID || id != rec || by.PersonID != w.leader.PersonID {
		t.Fatalf("back-filled payload %s: %s %s %+v %v", got[0].Payload, org, id, by, err)
	}
	if c := w.intake(t, rec); c.State != penalty.Submitted {
		t.Fatalf("the back-filled intake: %+v", c)
	}
	if len(w.intakeJobs(t, kept)) != 1 {
		t.Fatal("the other record's job changed")
	}
}
