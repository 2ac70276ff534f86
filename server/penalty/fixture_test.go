package penalty_test

import (
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
	"github.com/skhcn-caobang/thanhtra/server/penalty"
)

// The people of the tests (D2: persons, each with accounts and dated titles).
var (
	inspector = penalty.Actor{PersonID: "p-insp", AccountID: "a-insp-phone", Name: "Nông Văn Tra"}
	// The same person through the console account: maker-checker compares persons.
	inspectorConsole = penalty.Actor{PersonID: "p-insp", AccountID: "a-insp-console", Name: "Nông Văn Tra"}
	chief            = penalty.Actor{PersonID: "p-chief", AccountID: "a-chief", Name: "Hoàng Thị Chánh"}
	chief2           = penalty.Actor{PersonID: "p-chief2", AccountID: "a-chief2", Name: "Lục Văn Phó"}
	clerk            = penalty.Actor{PersonID: "p-clerk", AccountID: "a-clerk", Name: "Đàm Thị Văn Thư"}
	system           = penalty.Actor{}
)

// titles are the persons' legal titles.
var titles = map[string][]identity.Title{
	"p-insp":   {title("p-insp", "thanh_tra_vien", "2020-01-01", "", "")},
	"p-chief":  {title("p-chief", "chanh_thanh_tra_so", "2020-01-01", "", ""), title("p-chief", "thanh_tra_vien", "2015-01-01", "", "")},
	"p-chief2": {title("p-chief2", "chanh_thanh_tra_so", "2021-01-01", "", "")},
	"p-lead":   {title("p-lead", "truong_doan", "2025-01-01", "", "camp-1")},
	"p-former": {title("p-former", "chanh_thanh_tra_so", "2015-01-01", "2025-12-31", "")},
	"p-tdc":    {title("p-tdc", "chi_cuc_truong_tdc", "2020-01-01", "", "")},
}

func title(person, code, from, to, campaign string) identity.Title {
	t := identity.Title{ID: person + "/" + code, OrgID: "org-cb", PersonID: person, Code: code, CampaignID: campaign}
	t.ValidFrom, _ = time.ParseInLocation(time.DateOnly, from, legal.Zone)
	if to != "" {
		t.ValidTo, _ = time.ParseInLocation(time.DateOnly, to, legal.Zone)
	}
	return t
}

func day(y int, m time.Month, d int) legal.Date { return legal.NewDate(y, m, d) }

// at is an instant in Vietnam.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, legal.Zone)
}

func ptr[T any](v T) *T { return &v }

// rules are the seed catalogue (with IDs, as a store gives them) and the rules it does not hold yet,
// with the figures of shared/domain/procedure.yaml (unconfirmed there).
func rules(t testing.TB) penalty.Rules {
	t.Helper()
	cat, err := legal.Seed()
	if err != nil {
		t.Fatalf("seed: %v", err)
	}
	for i := range cat.Violations {
		cat.Violations[i].ID = "v/" + cat.Violations[i].Code + "/" + cat.Violations[i].ValidFrom.String()
	}
	for i := range cat.Caps {
		cat.Caps[i].ID = "cap/" + string(cat.Caps[i].Title) + "/" + cat.Caps[i].Decree
	}
	for i := range cat.Rules {
		cat.Rules[i].ID = "rule/" + string(cat.Rules[i].Event) + "/" + cat.Rules[i].ValidFrom.String()
	}
	return penalty.Rules{
		Catalogue: cat,
		LateInterest: []penalty.InterestRule{{ID: "interest/2013", PerMillion: 500, Basis: "Luật XLVPHC Điều 78",
			Validity: legal.Validity{ValidFrom: day(2013, 7, 1)}}},
		ExplanationRights: []penalty.ExplanationRule{{ID: "explain/2013", IndividualMax: 15_000_000, Basis: "Luật XLVPHC Điều 61",
			Validity: legal.Validity{ValidFrom: day(2013, 7, 1)}}},
		Proposal: penalty.ProposalPolicy{StepsToBound: 2},
	}.Prepare()
}

// charge is a charge detected on day d, still going on then.
func charge(code string, d legal.Date) penalty.Charge { return penalty.Charge{Code: code, Detected: d} }

// openCase opens a case for a record drawn up by the inspector at instant drawn against a subject of
// the kind, in campaign camp-1.
func openCase(t testing.TB, r penalty.Rules, kind legal.SubjectKind, drawn time.Time, charges ...penalty.Charge) penalty.Case {
	t.Helper()
	c, e, err := penalty.Open(r, penalty.OpenInput{ID: "case-1", OrgID: "org-cb", CampaignID: "camp-1",
		Record:  penalty.Record{ID: "rec-1", IssuingUnitID: "unit-tt", Year: drawn.Year(), Number: 7, DrawnUpAt: drawn, DrawnUpBy: inspector.PersonID},
		Subject: penalty.Subject{ID: "subj-1", Kind: kind, Name: "Cửa hàng xăng dầu Hưng Đạo"}, Mountain: true, Charges: charges},
		penalty.Act{By: inspector, At: drawn})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if e.Version != 1 || c.Version != 1 || e.To != penalty.Recorded {
		t.Fatalf("Open: event %+v", e)
	}
	return c
}

// act is an act by who at instant when, on the version of c.
func act(c penalty.Case, who penalty.Actor, when time.Time, reason string) penalty.Act {
	return penalty.Act{By: who, At: when, Reason: reason, Expected: c.Version}
}

// step runs a transition that must succeed and checks its event.
func step(t testing.TB, c penalty.Case, f func() (penalty.Case, penalty.Event, error)) penalty.Case {
	t.Helper()
	n, e, err := f()
	if err != nil {
		t.Fatalf("from %s: %v", c.State, err)
	}
	if n.Version != c.Version+1 || e.Version != n.Version || e.From != c.State || e.To != n.State || e.CaseID != c.ID || e.At.IsZero() {
		t.Fatalf("event %+v after case version %d state %s", e, c.Version, c.State)
	}
	return n
}

// submitted opens and submits a case.
func submitted(t testing.TB, r penalty.Rules, kind legal.SubjectKind, drawn time.Time, charges ...penalty.Charge) penalty.Case {
	t.Helper()
	c := openCase(t, r, kind, drawn, charges...)
	return step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.Submit(r, c, act(c, inspector, drawn.Add(time.Hour), ""), penalty.SubmitInput{})
	})
}

// approved approves a submitted case as proposed by the chief at instant when.
func approved(t testing.TB, r penalty.Rules, c penalty.Case, when time.Time) penalty.Case {
	t.Helper()
	return step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.Approve(r, c, act(c, chief, when, ""), penalty.ApproveInput{Titles: titles["p-chief"]})
	})
}

// issued issues an approved case as number n at instant when.
func issued(t testing.TB, r penalty.Rules, c penalty.Case, n int, when time.Time) penalty.Case {
	t.Helper()
	return step(t, c, func() (penalty.Case, penalty.Event, error) {
		return penalty.Issue(r, c, act(c, chief, when, ""), penalty.IssueInput{Number: n, Titles: titles[c.Approval.By.PersonID]})
	})
}

// wantCode fails unless err carries the code (and, when kind is not "", the kind).
func wantCode(t testing.TB, err error, code errs.Code, kind errs.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s", code)
	}
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("code %s (%v), want %s", got, err, code)
	}
	if kind != "" && errs.KindOf(err) != kind {
		t.Fatalf("kind %s (%v), want %s", errs.KindOf(err), err, kind)
	}
}
