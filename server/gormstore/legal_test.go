package gormstore_test

// The legal reference data as stored, on the engine the environment selects (D24): the seed loads
// once and never again, reads give back what was loaded, a system administrator's edit adds a version
// without touching the one in force before it, everything is audited, and nobody else may edit.

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/legal"
)

var legalAdmin = identity.Principal{AccountID: "acc-sys", PersonID: "per-sys", Roles: []identity.Role{identity.RoleSystemAdmin}}

type legalFixture struct {
	store *gormstore.Store
	clock *clock.Manual
	svc   *legal.Service
	seed  legal.Catalogue
}

// newLegalFixture is a fresh store with the seed loaded, on 2 March 2026 in Cao Bằng.
func newLegalFixture(t *testing.T) *legalFixture {
	t.Helper()
	c := clock.NewManual(time.Date(2026, 3, 2, 9, 0, 0, 0, legal.Zone))
	st := storetest.NewDBWith(t, storetest.Options{Clock: c})
	seed, err := legal.Seed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LoadLegalSeed(context.Background(), seed); err != nil {
		t.Fatalf("LoadLegalSeed: %v", err)
	}
	return &legalFixture{store: st, clock: c, svc: &legal.Service{Store: st, Clock: c, IDs: clock.UUIDv7{}}, seed: seed}
}

func (f *legalFixture) catalogue(t *testing.T) legal.Catalogue {
	t.Helper()
	c, err := f.store.LegalCatalogue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// legalChainEvents returns the audit events of one chain, in order.
func legalChainEvents(t *testing.T, st *gormstore.Store, chain string) []audit.Event {
	t.Helper()
	var out []audit.Event
	if err := st.AuditEvents(context.Background(), func(ev audit.Event) error {
		if ev.Chain == chain {
			out = append(out, ev)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func legalCountEvents(t *testing.T, st *gormstore.Store) int {
	t.Helper()
	n := 0
	if err := st.AuditEvents(context.Background(), func(audit.Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

func legalVerifyAudit(t *testing.T, st *gormstore.Store) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := st.AnchorAudit(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, st)
	if err != nil || !rep.OK() {
		t.Fatalf("audit.Verify: %+v, %v", rep, err)
	}
}

// legalWithoutIDs sorts a catalogue and clears what the store assigns (IDs and the links between
// versions), so that a stored catalogue can be compared with the seed.
func legalWithoutIDs(c legal.Catalogue) legal.Catalogue {
	for i := range c.Violations {
		c.Violations[i].ID, c.Violations[i].ReplacedBy = "", ""
	}
	for i := range c.Caps {
		c.Caps[i].ID, c.Caps[i].ReplacedBy = "", ""
	}
	for i := range c.Rules {
		c.Rules[i].ID, c.Rules[i].ReplacedBy = "", ""
	}
	for i := range c.Limitations {
		c.Limitations[i].ID, c.Limitations[i].ReplacedBy = "", ""
	}
	slices.SortFunc(c.Decrees, func(a, b legal.Decree) int { return strings.Compare(a.Number, b.Number) })
	slices.SortFunc(c.Violations, func(a, b legal.Violation) int {
		return legalCmp(strings.Compare(a.Code, b.Code), a.ValidFrom.Compare(b.ValidFrom))
	})
	slices.SortFunc(c.Caps, func(a, b legal.AuthorityCap) int {
		return legalCmp(strings.Compare(string(a.Title), string(b.Title)), strings.Compare(a.Decree, b.Decree), a.ValidFrom.Compare(b.ValidFrom))
	})
	slices.SortFunc(c.Rules, func(a, b legal.DeadlineRule) int {
		return legalCmp(strings.Compare(string(a.Event), string(b.Event)), a.ValidFrom.Compare(b.ValidFrom))
	})
	slices.SortFunc(c.Limitations, func(a, b legal.Limitation) int {
		return legalCmp(strings.Compare(a.Field, b.Field), a.ValidFrom.Compare(b.ValidFrom))
	})
	slices.SortFunc(c.Holidays, func(a, b legal.Holiday) int { return a.Date.Compare(b.Date) })
	return c
}

func legalCmp(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

func TestLegalSeed(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	s := f.seed
	entries := len(s.Decrees) + len(s.Violations) + len(s.Caps) + len(s.Rules) + len(s.Limitations) + len(s.Holidays)

	t.Run("reads give back the seed", func(t *testing.T) {
		got := f.catalogue(t)
		if err := got.Check(); err != nil {
			t.Fatalf("the stored catalogue does not check: %v", err)
		}
		fresh, _ := legal.Seed()
		if a, b := legalWithoutIDs(got), legalWithoutIDs(fresh); !reflect.DeepEqual(a, b) {
			for i := range a.Violations {
				if i < len(b.Violations) && !reflect.DeepEqual(a.Violations[i], b.Violations[i]) {
					t.Fatalf("first difference:\nstored %+v\nseed   %+v", a.Violations[i], b.Violations[i])
				}
			}
			t.Fatal("the stored catalogue differs from the seed")
		}
	})
	t.Run("every seeded row has its audit event", func(t *testing.T) {
		if n := legalCountEvents(t, f.store); n != entries {
			t.Fatalf("%d audit events, want %d (one per row)", n, entries)
		}
		evs := legalChainEvents(t, f.store, legal.ViolationChain("MEAS-119-09-2A"))
		if len(evs) != 1 || evs[0].Action != "legal.violation.seed" || evs[0].OrgID != "" {
			t.Fatalf("chain of MEAS-119-09-2A: %+v", evs)
		}
		legalVerifyAudit(t, f.store)
	})
	t.Run("versions of one entry are linked", func(t *testing.T) {
		c := f.catalogue(t)
		old, err := c.RuleAt(legal.EventExplainWritten, legal.NewDate(2021, 6, 1))
		if err != nil {
			t.Fatal(err)
		}
		cur, err := c.RuleAt(legal.EventExplainWritten, legal.NewDate(2022, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		if old.ReplacedBy != cur.ID || cur.ReplacedBy != "" || old.ID == "" {
			t.Fatalf("old %s replaced by %q, current %s replaced by %q", old.ID, old.ReplacedBy, cur.ID, cur.ReplacedBy)
		}
	})
	t.Run("loading again inserts nothing", func(t *testing.T) {
		before := legalCountEvents(t, f.store)
		n, err := f.store.LoadLegalSeed(ctx, s)
		if err != nil || n != 0 {
			t.Fatalf("second load inserted %d, %v; want 0", n, err)
		}
		if after := legalCountEvents(t, f.store); after != before {
			t.Fatalf("second load wrote %d audit events", after-before)
		}
	})
	t.Run("a first load reports what it inserted", func(t *testing.T) {
		st := storetest.NewDB(t)
		n, err := st.LoadLegalSeed(ctx, s)
		if err != nil || n != entries {
			t.Fatalf("inserted %d, %v; want %d", n, err, entries)
		}
	})
}

// legalReplacement is MEAS-119-09-2A with new amounts from a later day.
func legalReplacement(t *testing.T, c legal.Catalogue, from legal.Date, min, max int64) legal.Violation {
	t.Helper()
	v, err := c.ViolationAt("MEAS-119-09-2A", legal.NewDate(2024, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	v.Fine = legal.FixedRange{Min: &min, Max: &max}
	v.ValidFrom, v.ValidTo = from, legal.Date{}
	v.Source = "Nghị định giả định, dùng cho kiểm thử"
	return v
}

func TestLegalNewVersion(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	code := "MEAS-119-09-2A"
	july := legal.NewDate(2026, 7, 1)
	original, err := f.catalogue(t).ViolationAt(code, legal.NewDate(2024, 1, 1))
	if err != nil {
		t.Fatal(err)
	}

	rev, err := f.svc.UpsertViolation(ctx, legalAdmin, legalReplacement(t, f.catalogue(t), july, 3_000_000, 6_000_000))
	if err != nil {
		t.Fatalf("upsert: %v", err)
	}
	if rev.Action != legal.ActionReplace || rev.Previous == nil || rev.Previous.ID != original.ID {
		t.Fatalf("revision %+v", rev)
	}
	c := f.catalogue(t)
	versions := c.Versions(code)
	if len(versions) != 2 {
		t.Fatalf("%d versions, want 2", len(versions))
	}
	old, cur := versions[0], versions[1]
	if old.ID != original.ID || !old.ValidTo.Equal(july) || old.ReplacedBy != cur.ID || !cur.ValidFrom.Equal(july) || !cur.ValidTo.IsZero() {
		t.Fatalf("old %s valid to %s replaced by %s; new %s from %s", old.ID, old.ValidTo, old.ReplacedBy, cur.ID, cur.ValidFrom)
	}
	rangeOn := func(d legal.Date) int64 {
		t.Helper()
		v, err := c.ViolationAt(code, d)
		if err != nil {
			t.Fatal(err)
		}
		r, err := v.Range(legal.Individual, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Max
	}
	if got := rangeOn(legal.NewDate(2026, 6, 30)); got != 4_000_000 {
		t.Errorf("the day before the new version: max %d, want the old 4 M", got)
	}
	if got := rangeOn(july); got != 6_000_000 {
		t.Errorf("the day of the new version: max %d, want 6 M", got)
	}
	if got := rangeOn(legal.NewDate(2019, 5, 1)); got != 4_000_000 {
		t.Errorf("a case of 2019: max %d, want the old 4 M", got)
	}
	old.ValidTo, old.ReplacedBy = legal.Date{}, ""
	if !reflect.DeepEqual(old, original) {
		t.Errorf("the old version changed beyond its end and link:\nnow  %+v\nwas  %+v", old, original)
	}

	t.Run("before it takes effect, the new version may be rewritten in place", func(t *testing.T) {
		rev, err := f.svc.UpsertViolation(ctx, legalAdmin, legalReplacement(t, f.catalogue(t), july, 3_000_000, 7_000_000))
		if err != nil {
			t.Fatal(err)
		}
		if rev.Action != legal.ActionRevise || rev.Next.ID != cur.ID {
			t.Fatalf("revision %s of %s, want revise of %s", rev.Action, rev.Next.ID, cur.ID)
		}
		c := f.catalogue(t)
		if n := len(c.Versions(code)); n != 2 {
			t.Fatalf("%d versions, want 2", n)
		}
		v, _ := c.ViolationAt(code, july)
		if r, _ := v.Range(legal.Individual, nil); r.Max != 7_000_000 {
			t.Fatalf("max %d, want 7 M", r.Max)
		}
	})
	t.Run("once in force, never again", func(t *testing.T) {
		f.clock.Set(time.Date(2026, 7, 1, 8, 0, 0, 0, legal.Zone))
		_, err := f.svc.UpsertViolation(ctx, legalAdmin, legalReplacement(t, f.catalogue(t), july, 3_000_000, 8_000_000))
		if errs.KindOf(err) != errs.Conflict || errs.CodeOf(err) != errs.CodeLegalVersionInForce {
			t.Fatalf("got %v, want %s", err, errs.CodeLegalVersionInForce)
		}
		_, err = f.svc.UpsertViolation(ctx, legalAdmin, legalReplacement(t, f.catalogue(t), legal.NewDate(2026, 1, 1), 1, 2))
		if errs.CodeOf(err) != errs.CodeLegalVersionOrder {
			t.Fatalf("got %v, want %s", err, errs.CodeLegalVersionOrder)
		}
	})
	t.Run("a new code", func(t *testing.T) {
		v := legalReplacement(t, f.catalogue(t), legal.NewDate(2026, 7, 15), 1_000_000, 3_000_000)
		v.Code = "MEAS-119-09-2D"
		rev, err := f.svc.UpsertViolation(ctx, legalAdmin, v)
		if err != nil || rev.Action != legal.ActionCreate {
			t.Fatalf("%+v, %v", rev, err)
		}
	})
	t.Run("audited on the entry's chain", func(t *testing.T) {
		evs := legalChainEvents(t, f.store, legal.ViolationChain(code))
		var revisions []string
		for _, ev := range evs {
			if ev.Action == "legal.violation.upsert" {
				revisions = append(revisions, ev.DataJSON)
			}
			if ev.ActorAccountID != "" && ev.ActorAccountID != legalAdmin.AccountID {
				t.Errorf("event %d by %q", ev.Seq, ev.ActorAccountID)
			}
		}
		if len(evs) != 3 || len(revisions) != 2 || !strings.Contains(revisions[0], `"revision":"replace"`) ||
			!strings.Contains(revisions[0], `"closed_id":"`+original.ID+`"`) || !strings.Contains(revisions[1], `"revision":"revise"`) {
			t.Fatalf("chain %s: %d events, upserts %v", legal.ViolationChain(code), len(evs), revisions)
		}
		legalVerifyAudit(t, f.store)
	})
}

func TestLegalSetMissingRange(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	xray, err := f.catalogue(t).ViolationAt("RAD-107-06-XRAY", legal.NewDate(2026, 3, 2))
	if err != nil {
		t.Fatal(err)
	}
	in := legal.RangeInput{VersionID: xray.ID, Min: 10_000_000, Max: 20_000_000, Confirmed: true, Source: "VBHN 04/VBHN-BKHCN (giả định, kiểm thử)"}
	v, err := f.svc.SetMissingRange(ctx, legalAdmin, in)
	if err != nil {
		t.Fatal(err)
	}
	if v.ID != xray.ID || !v.Confirmed {
		t.Fatalf("filled %+v", v)
	}
	got, err := f.catalogue(t).ViolationAt("RAD-107-06-XRAY", legal.NewDate(2020, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	r, err := got.Range(legal.Organisation, nil)
	if err != nil || r.Min != 20_000_000 || r.Max != 40_000_000 || !r.Confirmed {
		t.Fatalf("organisation range %+v, %v; want 20–40 M, confirmed (the fill applies from the version's first day)", r, err)
	}
	t.Run("a known range is not overwritten", func(t *testing.T) {
		in.Max = 30_000_000
		if _, err := f.svc.SetMissingRange(ctx, legalAdmin, in); errs.KindOf(err) != errs.Conflict || errs.CodeOf(err) != errs.CodeFineRangePresent {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a tier", func(t *testing.T) {
		gain, err := f.catalogue(t).ViolationAt("MEAS-119-14-2", legal.NewDate(2026, 3, 2))
		if err != nil {
			t.Fatal(err)
		}
		top := 3
		if _, err := f.svc.SetMissingRange(ctx, legalAdmin, legal.RangeInput{VersionID: gain.ID, Tier: &top, Min: 40_000_000, Max: 80_000_000, Source: "kiểm thử"}); err != nil {
			t.Fatal(err)
		}
		v, _ := f.catalogue(t).ViolationAt("MEAS-119-14-2D", legal.NewDate(2026, 3, 2))
		r, err := v.Range(legal.Individual, legalPtr(int64(150_000_000)))
		if err != nil || r.Max != 80_000_000 || r.Confirmed {
			t.Fatalf("%+v, %v; want up to 80 M, unconfirmed", r, err)
		}
	})
	t.Run("an unknown version", func(t *testing.T) {
		_, err := f.svc.SetMissingRange(ctx, legalAdmin, legal.RangeInput{VersionID: "no-such-id", Min: 1, Max: 2, Source: "x"})
		if errs.KindOf(err) != errs.NotFound || errs.CodeOf(err) != errs.CodeViolationNotFound {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("the seed does not overwrite the administrator's range", func(t *testing.T) {
		if n, err := f.store.LoadLegalSeed(ctx, f.seed); err != nil || n != 0 {
			t.Fatalf("reseed inserted %d, %v", n, err)
		}
		v, _ := f.catalogue(t).ViolationAt("RAD-107-06-XRAY", legal.NewDate(2026, 3, 2))
		if r, err := v.Range(legal.Individual, nil); err != nil || r.Max != 20_000_000 {
			t.Fatalf("%+v, %v", r, err)
		}
	})
	t.Run("audited", func(t *testing.T) {
		evs := legalChainEvents(t, f.store, legal.ViolationChain("RAD-107-06-XRAY"))
		if len(evs) != 2 || evs[1].Action != "legal.violation.set_range" || evs[1].ActorAccountID != legalAdmin.AccountID ||
			!strings.Contains(evs[1].DataJSON, `"max":20000000`) {
			t.Fatalf("chain: %+v", evs)
		}
		legalVerifyAudit(t, f.store)
	})
}

func legalPtr[T any](v T) *T { return &v }

func TestLegalEditsOnlyBySystemAdmin(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	xray, _ := f.catalogue(t).ViolationAt("RAD-107-06-XRAY", legal.NewDate(2026, 3, 2))
	before := legalCountEvents(t, f.store)
	for _, role := range []identity.Role{identity.RoleOrgAdmin, identity.RoleChief, identity.RoleInspector, identity.RoleDirector, identity.RoleClerk} {
		p := identity.Principal{AccountID: "acc-" + string(role), OrgID: "org-1", Roles: []identity.Role{role}}
		t.Run(string(role), func(t *testing.T) {
			_, err := f.svc.UpsertViolation(ctx, p, legalReplacement(t, f.catalogue(t), legal.NewDate(2026, 7, 1), 1, 2))
			if errs.KindOf(err) != errs.Forbidden || errs.CodeOf(err) != errs.CodeRoleRequired {
				t.Errorf("UpsertViolation: %v, want forbidden/role_required", err)
			}
			_, err = f.svc.SetMissingRange(ctx, p, legal.RangeInput{VersionID: xray.ID, Min: 1, Max: 2, Source: "x"})
			if errs.KindOf(err) != errs.Forbidden || errs.CodeOf(err) != errs.CodeRoleRequired {
				t.Errorf("SetMissingRange: %v, want forbidden/role_required", err)
			}
		})
	}
	if after := legalCountEvents(t, f.store); after != before {
		t.Errorf("refused edits wrote %d audit events", after-before)
	}
	if n := len(f.catalogue(t).Versions("MEAS-119-09-2A")); n != 1 {
		t.Errorf("refused edits left %d versions", n)
	}
	if _, err := f.catalogue(t).ViolationAt("RAD-107-06-XRAY", legal.NewDate(2026, 3, 2)); err != nil {
		t.Fatal(err)
	}
}

func TestLegalUpsertValidation(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	base := func() legal.Violation {
		return legalReplacement(t, f.catalogue(t), legal.NewDate(2026, 7, 1), 3_000_000, 6_000_000)
	}
	cases := []struct {
		name   string
		change func(v *legal.Violation)
		field  string
		code   errs.Code
	}{
		{"a malformed code", func(v *legal.Violation) { v.Code = "meas 119" }, "code", errs.CodeInvalidValue},
		{"another entry's alias as code", func(v *legal.Violation) { v.Code = "MEAS-119-10-T1" }, "code", errs.CodeInvalidValue},
		{"an unknown decree", func(v *legal.Violation) { v.Decree = "1/2000/NĐ-CP" }, "decree", errs.CodeDecreeNotFound},
		{"no description", func(v *legal.Violation) { v.DescriptionVI = " " }, "description_vi", errs.CodeRequired},
		{"no source", func(v *legal.Violation) { v.Source = "" }, "source", errs.CodeRequired},
		{"a reversed range", func(v *legal.Violation) { v.Fine = legal.FixedRange{Min: legalPtr(int64(5)), Max: legalPtr(int64(1))} }, "fine.max", errs.CodeInvalidValue},
		{"no first day", func(v *legal.Violation) { v.ValidFrom = legal.Date{} }, "valid_from", errs.CodeRequired},
		{"an unknown sector", func(v *legal.Violation) { v.Sector = "xray" }, "sector", errs.CodeInvalidValue},
		{"nobody addressed", func(v *legal.Violation) { v.Subjects = nil }, "subjects", errs.CodeRequired},
		{"a household business as addressee", func(v *legal.Violation) { v.Subjects = []legal.SubjectKind{legal.HouseholdBusiness} }, "subjects[0]", errs.CodeInvalidValue},
		{"an alias that is a code", func(v *legal.Violation) { v.Aliases = []string{"RAD-107-13-1"} }, "aliases[0]", errs.CodeInvalidValue},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v := base()
			tc.change(&v)
			_, err := f.svc.UpsertViolation(ctx, legalAdmin, v)
			if errs.KindOf(err) != errs.Invalid || errs.CodeOf(err) != errs.CodeValidation {
				t.Fatalf("got %v, want invalid/validation_failed", err)
			}
			if !slices.Contains(errs.FieldsOf(err), errs.FieldError{Field: tc.field, Code: tc.code}) {
				t.Fatalf("fields %v, want %s: %s", errs.FieldsOf(err), tc.field, tc.code)
			}
		})
	}
}

// TestLegalConcurrentVersions has several administrators add versions of one entry at once: each
// succeeds or is refused as out of order, and the versions never overlap.
func TestLegalConcurrentVersions(t *testing.T) {
	ctx := context.Background()
	f := newLegalFixture(t)
	const n = 6
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := range n {
		v := legalReplacement(t, f.catalogue(t), legal.NewDate(2027, time.Month(i+1), 1), 3_000_000, int64(6_000_000+i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, results[i] = f.svc.UpsertViolation(ctx, legalAdmin, v)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range results {
		switch {
		case err == nil:
			ok++
		case errs.CodeOf(err) != errs.CodeLegalVersionOrder:
			t.Errorf("unexpected error: %v", err)
		}
	}
	c := f.catalogue(t)
	if err := c.Check(); err != nil {
		t.Fatalf("versions overlap after concurrent edits: %v", err)
	}
	if got := len(c.Versions("MEAS-119-09-2A")); got != ok+1 {
		t.Fatalf("%d versions after %d accepted edits, want %d", got, ok, ok+1)
	}
	t.Logf("%d of %d concurrent edits accepted", ok, n)
	if ok == 0 {
		t.Fatal("no edit was accepted")
	}
	legalVerifyAudit(t, f.store)
}
