package penalty_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// memStore is an in-memory Store for the service's tests: one lock serialises UpdateCase as the
// database's row lock does, decision numbers taken by a failed transition are rolled back, and the
// stored version is checked again before writing.
type memStore struct {
	mu      sync.Mutex
	rules   penalty.Rules
	cases   map[string]penalty.Case
	events  []penalty.Event
	numbers map[string]int
}

func newMemStore(r penalty.Rules) *memStore {
	return &memStore{rules: r, cases: map[string]penalty.Case{}, numbers: map[string]int{}}
}

func (s *memStore) PenaltyRules(context.Context) (penalty.Rules, error) { return s.rules, nil }

func (s *memStore) Case(_ context.Context, orgID, id string) (penalty.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cases[id]
	if !ok || c.OrgID != orgID {
		return penalty.Case{}, errs.E(errs.NotFound, errs.CodePenaltyCaseNotFound)
	}
	return c, nil
}

func (s *memStore) CreateCase(_ context.Context, c penalty.Case, e penalty.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range s.cases {
		if o.Record.ID == c.Record.ID {
			return errs.E(errs.Conflict, errs.CodePenaltyCaseExists)
		}
	}
	s.cases[c.ID], s.events = c, append(s.events, e)
	return nil
}

type memTx struct {
	s     *memStore
	taken map[string]int
}

func (tx *memTx) NextDecisionNumber(unit string, year int) (int, error) {
	k := fmt.Sprintf("%s/%d", unit, year)
	if _, ok := tx.taken[k]; !ok {
		tx.taken[k] = tx.s.numbers[k]
	}
	tx.taken[k]++
	return tx.taken[k], nil
}

func (s *memStore) UpdateCase(_ context.Context, orgID, id string, fn func(penalty.Case, penalty.DecisionRegister) (penalty.Case, penalty.Event, error)) (penalty.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cases[id]
	if !ok || c.OrgID != orgID {
		return penalty.Case{}, errs.E(errs.NotFound, errs.CodePenaltyCaseNotFound)
	}
	tx := &memTx{s: s, taken: map[string]int{}}
	n, e, err := fn(c, tx)
	if err != nil {
		return penalty.Case{}, err // the numbers taken are dropped with tx
	}
	if n.Version != c.Version+1 || e.Version != n.Version {
		return penalty.Case{}, errs.E(errs.Conflict, errs.CodeCaseVersionConflict)
	}
	for k, v := range tx.taken {
		s.numbers[k] = v
	}
	s.cases[id], s.events = n, append(s.events, e)
	return n, nil
}

func (s *memStore) SubjectDecisions(_ context.Context, orgID, subjectID string) ([]penalty.PriorDecision, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []penalty.PriorDecision
	for _, c := range s.cases {
		if p, ok := c.Prior(); ok && c.OrgID == orgID && c.Subject.ID == subjectID {
			out = append(out, p)
		}
	}
	return out, nil
}

func (s *memStore) PersonTitles(_ context.Context, _, personID string) ([]identity.Title, error) {
	return titles[personID], nil
}

func (s *memStore) Person(_ context.Context, orgID, id string) (identity.Person, error) {
	return identity.Person{ID: id, OrgID: orgID, FullName: "Người " + id}, nil
}

func (s *memStore) DeliveredPaymentEnded(_ context.Context, orgID string, t time.Time) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, c := range s.cases {
		if c.OrgID == orgID && c.State == penalty.Delivered && c.Dues.Payment != nil && !c.Dues.Payment.Ends.After(t) {
			out = append(out, id)
		}
	}
	return out, nil
}

type seqIDs struct {
	mu sync.Mutex
	n  int
}

func (s *seqIDs) NewID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return fmt.Sprintf("case-%d", s.n)
}

func principal(person, account string, roles ...identity.Role) identity.Principal {
	return identity.Principal{AccountID: account, PersonID: person, OrgID: "org-cb", Roles: roles}
}

var (
	pInspector = principal("p-insp", "a-insp-phone", identity.RoleInspector)
	// The inspector also holds a console account with the chief's permission: still the same person.
	pInspectorAsChief = principal("p-insp", "a-insp-console", identity.RoleChief)
	pChief            = principal("p-chief", "a-chief", identity.RoleChief)
	pChief2           = principal("p-chief2", "a-chief2", identity.RoleChief)
	pClerk            = principal("p-clerk", "a-clerk", identity.RoleClerk)
	pDirector         = principal("p-dir", "a-dir", identity.RoleDirector)
)

type svcWorld struct {
	svc   *penalty.Service
	store *memStore
	clock *clock.Manual
}

func newService(t testing.TB) svcWorld {
	t.Helper()
	st := newMemStore(rules(t))
	clk := clock.NewManual(t0)
	return svcWorld{svc: &penalty.Service{Store: st, Clock: clk, IDs: &seqIDs{}}, store: st, clock: clk}
}

// open opens and submits a case for record recID at the clock's time.
func (w svcWorld) open(t testing.TB, recID string, kind legal.SubjectKind, charges ...penalty.Charge) penalty.Case {
	t.Helper()
	ctx := context.Background()
	c, err := w.svc.Open(ctx, pInspector, penalty.OpenInput{CampaignID: "camp-1",
		Record:  penalty.Record{ID: recID, IssuingUnitID: "unit-tt", Year: 2026, Number: 7, DrawnUpAt: w.clock.Now(), DrawnUpBy: "p-insp"},
		Subject: penalty.Subject{ID: "subj-1", Kind: kind, Name: "Phòng khám Hưng Đạo"}, Mountain: true, Charges: charges})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = w.svc.Submit(ctx, pInspector, c.ID, c.Version, penalty.SubmitInput{}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestServiceMakerCheckerAcrossAccounts(t *testing.T) {
	w := newService(t)
	ctx := context.Background()
	c := w.open(t, "rec-1", legal.Individual, baseCharg)
	w.clock.Set(tApprove)
	_, err := w.svc.Approve(ctx, pInspectorAsChief, c.ID, c.Version, nil, "")
	wantCode(t, err, errs.CodeMakerCannotDecide, errs.Forbidden)
	_, err = w.svc.Approve(ctx, pClerk, c.ID, c.Version, nil, "")
	wantCode(t, err, errs.CodeRoleRequired, errs.Forbidden)
	n, err := w.svc.Approve(ctx, pChief, c.ID, c.Version, nil, "")
	if err != nil || n.Approval.By.Name != "Người p-chief" || n.Approval.By.AccountID != "a-chief" {
		t.Fatalf("%v %+v", err, n.Approval)
	}
	_, err = w.svc.Open(ctx, pInspector, penalty.OpenInput{Record: c.Record, Subject: c.Subject, Charges: c.Charges})
	wantCode(t, err, errs.CodePenaltyCaseExists, errs.Conflict)
}

// TestServiceConcurrentApprovals: chiefs approving one case at once from the same version: exactly
// one wins, the others get a conflict.
func TestServiceConcurrentApprovals(t *testing.T) {
	w := newService(t)
	c := w.open(t, "rec-1", legal.Individual, baseCharg)
	w.clock.Set(tApprove)
	const n = 8
	results := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := pChief
			if i%2 == 1 {
				p = pChief2
			}
			_, results[i] = w.svc.Approve(context.Background(), p, c.ID, c.Version, nil, "")
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case errs.CodeOf(err) != errs.CodeCaseVersionConflict:
			t.Errorf("loser: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d approvals won", won)
	}
	got, _ := w.store.Case(context.Background(), "org-cb", c.ID)
	if got.Version != c.Version+1 || got.State != penalty.Approved {
		t.Fatalf("case at version %d, %s", got.Version, got.State)
	}
}

// TestServiceDecisionNumbers: numbers follow per issuing unit and year, and a refused issue takes no
// number.
func TestServiceDecisionNumbers(t *testing.T) {
	w := newService(t)
	ctx := context.Background()
	var cases []penalty.Case
	for i := range 3 {
		cases = append(cases, w.open(t, fmt.Sprintf("rec-%d", i), legal.Individual, baseCharg))
	}
	w.clock.Set(tApprove)
	for i, c := range cases {
		p := pChief
		if i == 1 {
			p = pChief2
		}
		a, err := w.svc.Approve(ctx, p, c.ID, c.Version, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		cases[i] = a
	}
	w.clock.Set(tIssue)
	// The second chief's case cannot be issued by a stale version: no number is taken.
	_, err := w.svc.Issue(ctx, pChief2, cases[1].ID, cases[1].Version-1, 0)
	wantCode(t, err, errs.CodeCaseVersionConflict, errs.Conflict)
	var numbers []int
	for _, c := range cases {
		n, err := w.svc.Issue(ctx, pChief, c.ID, c.Version, 0)
		if err != nil {
			t.Fatal(err)
		}
		numbers = append(numbers, n.Decision.Number)
		if n.Decision.Signer.PersonID != c.Approval.By.PersonID {
			t.Fatalf("signed by %s, approved by %s", n.Decision.Signer.PersonID, c.Approval.By.PersonID)
		}
	}
	if fmt.Sprint(numbers) != "[1 2 3]" {
		t.Fatalf("numbers %v", numbers)
	}
}

// TestServicePaymentJobAndView: the daily job marks a delivered case overdue once its period ends,
// and the chief's view shows the balance with its interest; the director reads, the inspector not.
func TestServicePaymentJobAndView(t *testing.T) {
	w := newService(t)
	ctx := context.Background()
	c := w.open(t, "rec-1", legal.Individual, baseCharg)
	w.clock.Set(tApprove)
	c, _ = w.svc.Approve(ctx, pChief, c.ID, c.Version, nil, "")
	w.clock.Set(tIssue)
	c, _ = w.svc.Issue(ctx, pChief, c.ID, c.Version, 0)
	w.clock.Set(tDeliver)
	c, err := w.svc.Deliver(ctx, pClerk, c.ID, c.Version, tDeliver, "trực tiếp")
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Set(tOverdue.Add(-time.Second))
	if n, err := w.svc.MarkOverdue(ctx, "org-cb"); n != 0 || err != nil {
		t.Fatalf("before the end: %d %v", n, err)
	}
	w.clock.Set(tOverdue)
	if n, err := w.svc.MarkOverdue(ctx, "org-cb"); n != 1 || err != nil {
		t.Fatalf("at the end: %d %v", n, err)
	}
	if n, err := w.svc.MarkOverdue(ctx, "org-cb"); n != 0 || err != nil {
		t.Fatalf("again: %d %v", n, err)
	}
	w.clock.Set(at(2026, 3, 2, 9, 0))
	v, err := w.svc.View(ctx, pDirector, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	// 3,500,000 unpaid for 7 days (24/02–02/03) at 1,750 đ a day.
	if v.Case.State != penalty.Overdue || v.Balance == nil || v.Balance.Interest != 12_250 || len(v.Assessments) != 1 || v.Competence.Covered {
		t.Fatalf("view %+v balance %+v", v.Case.State, v.Balance)
	}
	if _, err := w.svc.View(ctx, pInspector, c.ID); errs.CodeOf(err) != errs.CodeRoleRequired {
		t.Fatalf("inspector reads: %v", err)
	}
	evs := 0
	for _, e := range w.store.events {
		if e.CaseID == c.ID {
			evs++
		}
	}
	if evs != 6 { // open, submit, approve, issue, deliver, overdue
		t.Fatalf("%d events", evs)
	}
}

// TestServiceForward: the caps the chief's titles exceeded are recorded with the forwarding.
func TestServiceForward(t *testing.T) {
	w := newService(t)
	ctx := context.Background()
	c := w.open(t, "rec-1", legal.Organisation, charge("FUEL-119-29-1", day(2026, 2, 2)))
	w.clock.Set(at(2026, 2, 10, 9, 0))
	v, err := w.svc.View(ctx, pChief, c.ID)
	if err != nil || v.Competence.Covered {
		t.Fatalf("%v %+v", err, v.Competence)
	}
	f, err := w.svc.Forward(ctx, pChief, c.ID, c.Version, "Chủ tịch UBND tỉnh Cao Bằng", "Số 011 Hoàng Đình Giong", "Vượt thẩm quyền")
	if err != nil || f.State != penalty.Forwarded || len(f.Forwarding.Exceeded) != 1 || f.Forwarding.Exceeded[0].Max != 120_000_000 {
		t.Fatalf("%v %+v", err, f.Forwarding)
	}
}

// TestServiceCircumstancesAfterSubmission: once a record is submitted, the proposal its circumstances
// move is the chief's: an inspector is refused, the chief is not.
func TestServiceCircumstancesAfterSubmission(t *testing.T) {
	w := newService(t)
	ctx := context.Background()
	c := w.open(t, "rec-1", legal.Individual, baseCharg)
	w.clock.Set(tApprove)
	mitigating := []penalty.Circumstance{{Kind: penalty.Mitigating, Text: "Đã tự nguyện khắc phục hậu quả"}}
	_, err := w.svc.DeclareCircumstances(ctx, pInspector, c.ID, c.Version, 0, mitigating, "")
	wantCode(t, err, errs.CodeCaseStateInvalid, errs.Conflict)
	n, err := w.svc.DeclareCircumstances(ctx, pChief, c.ID, c.Version, 0, mitigating, "")
	if err != nil || n.Version != c.Version+1 || len(n.Charges[0].Circumstances) != 1 {
		t.Fatalf("the chief's declaration: %v %+v", err, n.Charges)
	}
}
