package gormstore

// The change log's tests are internal: recording a change is storage-internal (other store methods
// call recordChange inside their own write transaction), so the tests call it the same way.

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// change is a test change of dataset "sites" in org-a, scope "org" unless the test says otherwise.
func change(entityID string) syncfeed.Change {
	return syncfeed.Change{Dataset: "sites", EntityType: "site", EntityID: entityID, OrgID: "org-a", Scope: "org",
		Op: syncfeed.OpUpsert, Version: 1, Data: []byte(`{"id":"` + entityID + `"}`)}
}

// record logs the changes in one write transaction.
func record(t testing.TB, s *Store, changes ...syncfeed.Change) {
	t.Helper()
	err := s.write(context.Background(), func(tx *gorm.DB) error {
		for _, c := range changes {
			if err := s.recordChange(tx, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("record: %v", err)
	}
}

// settle waits until every transaction that wrote to the log has finished in the eyes of a new
// snapshot, so that a pull sees everything committed. It waits for a condition, not for a time: on
// PostgreSQL, other test processes sharing the server may hold transactions open for a moment, and
// those rightly hold pulls back (xmin). On SQLite there is nothing to wait for.
func settle(t testing.TB, s *Store) {
	t.Helper()
	if s.dialect != Postgres {
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done bool
		err := s.read(context.Background()).Raw(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint >
			COALESCE((SELECT max(xid) FROM changes), 0)`).Scan(&done).Error
		if err != nil {
			t.Fatalf("settle: %v", err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("settle: a transaction older than the log's last one is still running after 30s")
		}
		time.Sleep(time.Millisecond)
	}
}

// ids lists the entity IDs of entries.
func ids(es []syncfeed.Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.EntityID
	}
	return out
}

func since(t testing.TB, s *Store, org, dataset string, scopes []string, c syncfeed.Cursor, limit int) syncfeed.Page {
	t.Helper()
	p, err := s.Since(context.Background(), org, dataset, scopes, c, limit)
	if err != nil {
		t.Fatalf("Since(%s, %s, %v, %q, %d): %v", org, dataset, scopes, c, limit, err)
	}
	return p
}

func TestChangesScope(t *testing.T) {
	s, _ := migratedStore(t)
	with := func(id, org, dataset, scope string) syncfeed.Change {
		c := change(id)
		c.OrgID, c.Dataset, c.Scope = org, dataset, scope
		return c
	}
	record(t, s,
		with("a-org", "org-a", "sites", "org"),
		with("a-c1", "org-a", "sites", "campaign/1"),
		with("a-c2", "org-a", "sites", "campaign/2"),
		with("a-visits", "org-a", "own-visits", "campaign/1"),
		with("b-org", "org-b", "sites", "org"),
		with("b-c1", "org-b", "sites", "campaign/1"),
	)
	record(t, s, with("a-c1-again", "org-a", "sites", "campaign/1"))
	settle(t, s)
	cases := []struct {
		name, org, dataset string
		scopes             []string
		want               []string
	}{
		{"org and one campaign", "org-a", "sites", []string{"org", "campaign/1"}, []string{"a-org", "a-c1", "a-c1-again"}},
		{"another campaign", "org-a", "sites", []string{"campaign/2"}, []string{"a-c2"}},
		{"every scope", "org-a", "sites", []string{"org", "campaign/1", "campaign/2"}, []string{"a-org", "a-c1", "a-c2", "a-c1-again"}},
		{"another dataset", "org-a", "own-visits", []string{"org", "campaign/1"}, []string{"a-visits"}},
		{"another organisation", "org-b", "sites", []string{"campaign/1"}, []string{"b-c1"}},
		{"a scope nobody wrote", "org-a", "sites", []string{"site/9"}, []string{}},
		{"no scopes", "org-a", "sites", nil, []string{}},
		{"unknown organisation", "org-z", "sites", []string{"org"}, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := since(t, s, c.org, c.dataset, c.scopes, "", 0)
			if got := ids(p.Changes); !slices.Equal(got, c.want) {
				t.Errorf("changes %v, want %v", got, c.want)
			}
			if !p.Complete {
				t.Error("page not complete")
			}
			for _, e := range p.Changes {
				if e.OrgID != c.org || e.Dataset != c.dataset || !slices.Contains(c.scopes, e.Scope) {
					t.Errorf("served %+v outside org %s, dataset %s, scopes %v", e.Change, c.org, c.dataset, c.scopes)
				}
			}
			if len(c.want) == 0 && p.Next != "" {
				// Nothing in scope from the start: the cursor stands at the end of the log, and
				// goes on from there with nothing new.
				if again := since(t, s, c.org, c.dataset, c.scopes, p.Next, 0); len(again.Changes) != 0 || !again.Complete {
					t.Errorf("from the end of the log: %v", ids(again.Changes))
				}
			}
		})
	}
}

func TestChangesEntryContent(t *testing.T) {
	s, _ := migratedStore(t)
	want := syncfeed.Change{Dataset: "sites", EntityType: "site", EntityID: "s-1", OrgID: "org-a",
		Scope: "site/s-1", Op: syncfeed.OpUpsert, Version: 7, Data: []byte(`{"name":"Cửa hàng xăng dầu số 1"}`)}
	record(t, s, want)
	settle(t, s)
	p := since(t, s, "org-a", "sites", []string{"site/s-1"}, "", 0)
	if len(p.Changes) != 1 {
		t.Fatalf("changes %+v, want one", p.Changes)
	}
	got := p.Changes[0]
	if got.Dataset != want.Dataset || got.EntityType != want.EntityType || got.EntityID != want.EntityID || got.OrgID != want.OrgID ||
		got.Scope != want.Scope || got.Op != want.Op || got.Version != want.Version || string(got.Data) != string(want.Data) {
		t.Fatalf("change %+v, want %+v", got.Change, want)
	}
	if got.RecordedAt.IsZero() {
		t.Error("no RecordedAt")
	}
}

// TestChangesCompaction: the log keeps the latest change of each entity. A pull from the start is the
// current state without tombstones; an incremental pull gets an entity changed since once, in its
// latest state, and a deletion as a tombstone; an identical change is not recorded again.
func TestChangesCompaction(t *testing.T) {
	s, _ := migratedStore(t)
	scopes := []string{"org"}
	record(t, s, change("1"), change("2"), change("3"))
	settle(t, s)
	first := since(t, s, "org-a", "sites", scopes, "", 0)
	v2 := change("1")
	v2.Version, v2.Data = 2, []byte(`{"id":"1","name":"renamed"}`)
	v3 := v2
	v3.Version, v3.Data = 3, []byte(`{"id":"1","name":"renamed again"}`)
	gone := change("2")
	gone.Op, gone.Data = syncfeed.OpDelete, nil
	record(t, s, v2)
	record(t, s, v3, gone)
	record(t, s, change("3")) // identical to what the log holds: nothing new
	settle(t, s)
	inc := since(t, s, "org-a", "sites", scopes, first.Next, 0)
	if got := ids(inc.Changes); !slices.Equal(got, []string{"1", "2"}) {
		t.Fatalf("incremental pull %v, want [1 2]: 1 once in its latest state, 2 as a tombstone, 3 not again", got)
	}
	if e := inc.Changes[0]; e.Version != 3 || string(e.Data) != string(v3.Data) {
		t.Errorf("entity 1 served as version %d %s, want version 3", e.Version, e.Data)
	}
	if e := inc.Changes[1]; e.Op != syncfeed.OpDelete || e.Data != nil {
		t.Errorf("entity 2 served as %s with data %s, want a tombstone", e.Op, e.Data)
	}
	fresh := since(t, s, "org-a", "sites", scopes, "", 0)
	if got := ids(fresh.Changes); !slices.Equal(got, []string{"3", "1"}) {
		t.Errorf("pull from the start %v, want the live entities [3 1] in log order", got)
	}
	record(t, s, gone) // deleting what is deleted, or what never was, records nothing
	never := change("never")
	never.Op, never.Data = syncfeed.OpDelete, nil
	record(t, s, never)
	settle(t, s)
	if again := since(t, s, "org-a", "sites", scopes, inc.Next, 0); len(again.Changes) != 0 {
		t.Errorf("repeated tombstones served %v", ids(again.Changes))
	}
}

// TestChangesChecksum: a complete page carries the sum of EntryChecksum over the live entities in
// scope, which a phone that applied every page can compute from what it holds.
func TestChangesChecksum(t *testing.T) {
	s, _ := migratedStore(t)
	scopes := []string{"org"}
	held := map[string]syncfeed.Change{}
	apply := func(p syncfeed.Page) {
		for _, e := range p.Changes {
			if e.Op == syncfeed.OpDelete {
				delete(held, e.EntityID)
			} else {
				held[e.EntityID] = e.Change
			}
		}
	}
	sum := func() uint32 {
		var c uint32
		for _, h := range held {
			c += syncfeed.EntryChecksum(h.EntityType, h.EntityID, h.Version, h.Data)
		}
		return c
	}
	var cs []syncfeed.Change
	for i := range 12 {
		cs = append(cs, change(fmt.Sprint("e", i)))
	}
	record(t, s, cs...)
	settle(t, s)
	var cur syncfeed.Cursor
	for range 10 {
		p := since(t, s, "org-a", "sites", scopes, cur, 5)
		apply(p)
		cur = p.Next
		if !p.Complete {
			if p.Checksum != nil {
				t.Error("an incomplete page carries a checksum")
			}
			continue
		}
		if p.Checksum == nil || *p.Checksum != sum() {
			t.Fatalf("checksum %v, phone's copy sums to %d", p.Checksum, sum())
		}
		break
	}
	gone := change("e3")
	gone.Op, gone.Data = syncfeed.OpDelete, nil
	edit := change("e4")
	edit.Version, edit.Data = 2, []byte(`{"id":"e4","v":2}`)
	record(t, s, gone, edit)
	settle(t, s)
	p := since(t, s, "org-a", "sites", scopes, cur, 0)
	apply(p)
	if p.Checksum == nil || *p.Checksum != sum() || len(held) != 11 {
		t.Fatalf("after a delete and an edit: checksum %v, phone's copy of %d sums to %d", p.Checksum, len(held), sum())
	}
	if empty := since(t, s, "org-a", "sites", scopes, p.Next, 0); empty.Checksum != nil {
		t.Error("an empty incremental pull carries a checksum (it costs the phone's server time for nothing)")
	}
}

// TestChangesSplitPulls: pulling a→b and then b→c returns what a→c returns, each change once.
func TestChangesSplitPulls(t *testing.T) {
	s, _ := migratedStore(t)
	scopes := []string{"org"}
	record(t, s, change("1"), change("2"), change("3"))
	record(t, s, change("4"))
	settle(t, s)
	ab := since(t, s, "org-a", "sites", scopes, "", 0)
	if ab.Next == "" {
		t.Fatal("no cursor after a non-empty page")
	}
	empty := since(t, s, "org-a", "sites", scopes, ab.Next, 0)
	if len(empty.Changes) != 0 || empty.Next != ab.Next || !empty.Complete {
		t.Fatalf("pull with nothing new = %v, next %q, complete %v; want nothing, the same cursor, complete", ids(empty.Changes), empty.Next, empty.Complete)
	}
	record(t, s, change("5"), change("6"))
	record(t, s, change("7"))
	settle(t, s)
	bc := since(t, s, "org-a", "sites", scopes, ab.Next, 0)
	ac := since(t, s, "org-a", "sites", scopes, "", 0)
	if got, want := append(ids(ab.Changes), ids(bc.Changes)...), ids(ac.Changes); !slices.Equal(got, want) {
		t.Fatalf("a→b + b→c = %v, a→c = %v", got, want)
	}
	if want := []string{"1", "2", "3", "4", "5", "6", "7"}; !slices.Equal(ids(ac.Changes), want) {
		t.Fatalf("a→c = %v, want %v", ids(ac.Changes), want)
	}
	if bc.Next != ac.Next {
		t.Errorf("cursor after b→c %q, after a→c %q", bc.Next, ac.Next)
	}
}

func TestChangesPaging(t *testing.T) {
	s, _ := migratedStore(t)
	var all []string
	for tx := range 5 {
		var cs []syncfeed.Change
		for i := range 5 {
			id := fmt.Sprintf("e%02d", tx*5+i)
			all = append(all, id)
			cs = append(cs, change(id))
		}
		record(t, s, cs...)
	}
	settle(t, s)
	for _, c := range []struct {
		limit int
		pages []int // sizes of the pages until Complete
	}{
		{10, []int{10, 10, 5}},
		{5, []int{5, 5, 5, 5, 5}},
		{25, []int{25}},
		{0, []int{25}}, // DefaultLimit
		{7, []int{7, 7, 7, 4}},
	} {
		t.Run(fmt.Sprint("limit ", c.limit), func(t *testing.T) {
			var cur syncfeed.Cursor
			var got []string
			var sizes []int
			for range 10 {
				p := since(t, s, "org-a", "sites", []string{"org"}, cur, c.limit)
				got = append(got, ids(p.Changes)...)
				sizes = append(sizes, len(p.Changes))
				cur = p.Next
				if p.Complete {
					break
				}
			}
			if !slices.Equal(sizes, c.pages) {
				t.Errorf("page sizes %v, want %v", sizes, c.pages)
			}
			if !slices.Equal(got, all) {
				t.Errorf("changes %v, want %v", got, all)
			}
		})
	}
	if n := syncfeed.NormalLimit(syncfeed.MaxLimit + 1); n != syncfeed.MaxLimit {
		t.Errorf("NormalLimit(MaxLimit+1) = %d", n)
	}
}

func TestChangesCursorErrors(t *testing.T) {
	s, _ := migratedStore(t)
	record(t, s, change("1"))
	other := change("b1")
	other.OrgID = "org-b"
	record(t, s, other)
	settle(t, s)
	valid := since(t, s, "org-a", "sites", []string{"org"}, "", 0).Next
	orgB := since(t, s, "org-b", "sites", []string{"org"}, "", 0).Next
	fp := syncfeed.Fingerprint("sites", []string{"org"})
	pos, err := valid.Decode("sites", fp)
	if err != nil {
		t.Fatal(err)
	}
	if orgB == "" {
		t.Fatal("no cursor for org-b")
	}
	enc := func(raw string) syncfeed.Cursor { return syncfeed.Cursor(b64(raw)) }
	cases := []struct {
		name    string
		dataset string
		scopes  []string
		cursor  syncfeed.Cursor
		kind    errs.Kind
		code    errs.Code
	}{
		{"not base64", "sites", nil, "!!not a cursor!!", errs.Invalid, errs.CodeCursorInvalid},
		{"four fields", "sites", nil, enc("2:sites:" + fp + ":0"), errs.Invalid, errs.CodeCursorInvalid},
		{"position not numbers", "sites", nil, enc("2:sites:" + fp + ":x:y"), errs.Invalid, errs.CodeCursorInvalid},
		{"negative position", "sites", nil, enc("2:sites:" + fp + ":-1:-5"), errs.Invalid, errs.CodeCursorInvalid},
		{"format not a number", "sites", nil, enc("v2:sites:" + fp + ":0:1"), errs.Invalid, errs.CodeCursorInvalid},
		{"another dataset", "own-visits", nil, valid, errs.Stale, errs.CodeCursorReset},
		{"an older cursor format", "sites", nil, enc(fmt.Sprintf("1:sites:%d:%d", pos.Xid, pos.ID)), errs.Stale, errs.CodeCursorReset},
		{"scopes changed", "sites", []string{"org", "site/new"}, valid, errs.Stale, errs.CodeCursorReset},
		{"beyond the end of the log", "sites", nil, syncfeed.EncodeCursor("sites", fp, syncfeed.Position{Xid: pos.Xid, ID: pos.ID + 1000}), errs.Stale, errs.CodeCursorReset},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			scopes := c.scopes
			if scopes == nil {
				scopes = []string{"org"}
			}
			_, err := s.Since(context.Background(), "org-a", c.dataset, scopes, c.cursor, 0)
			if errs.KindOf(err) != c.kind || errs.CodeOf(err) != c.code {
				t.Fatalf("Since = %v; want %s/%s", err, c.kind, c.code)
			}
		})
	}
}

func TestChangesRecordRefusesAndRollsBack(t *testing.T) {
	s, _ := migratedStore(t)
	bad := change("x")
	bad.Op = "replace"
	err := s.write(context.Background(), func(tx *gorm.DB) error { return s.recordChange(tx, bad) })
	if errs.KindOf(err) != errs.Invalid {
		t.Fatalf("recordChange with op %q = %v, want invalid", bad.Op, err)
	}
	boom := errors.New("the change itself failed")
	err = s.write(context.Background(), func(tx *gorm.DB) error {
		if err := s.recordChange(tx, change("rolled-back")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("write = %v", err)
	}
	record(t, s, change("kept"))
	settle(t, s)
	if got := ids(since(t, s, "org-a", "sites", []string{"org"}, "", 0).Changes); !slices.Equal(got, []string{"kept"}) {
		t.Fatalf("changes %v, want only [kept]: a rolled-back change is never served", got)
	}
}

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestChangesRecordedInBatch: recordChanges logs many changes at once like one recordChange each: the
// last change of an entity wins, identical ones are skipped, tombstones of unknown entities dropped.
func TestChangesRecordedInBatch(t *testing.T) {
	s, _ := migratedStore(t)
	scopes := []string{"org"}
	var cs []syncfeed.Change
	for i := range 450 { // more than one chunk
		cs = append(cs, change(fmt.Sprint("b", i)))
	}
	edited := change("b7")
	edited.Version, edited.Data = 2, []byte(`{"id":"b7","v":2}`)
	never := change("never")
	never.Op, never.Data = syncfeed.OpDelete, nil
	cs = append(cs, edited, never)
	if err := s.write(context.Background(), func(tx *gorm.DB) error { return s.recordChanges(tx, cs) }); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	p := since(t, s, "org-a", "sites", scopes, "", 1000)
	if len(p.Changes) != 450 {
		t.Fatalf("%d changes, want 450", len(p.Changes))
	}
	for _, e := range p.Changes {
		if e.EntityID == "b7" && e.Version != 2 {
			t.Errorf("b7 at version %d: the later change in the batch must win", e.Version)
		}
	}
	// The same batch again records nothing; one edit records one change.
	cs[3].Version, cs[3].Data = 5, []byte(`{"id":"b3","v":5}`)
	if err := s.write(context.Background(), func(tx *gorm.DB) error { return s.recordChanges(tx, cs) }); err != nil {
		t.Fatal(err)
	}
	settle(t, s)
	if got := ids(since(t, s, "org-a", "sites", scopes, p.Next, 0).Changes); !slices.Equal(got, []string{"b3"}) {
		t.Errorf("after re-recording with one edit: %v, want [b3]", got)
	}
}

// TestChangesEmptyScopeCursorGoesOn: a phone whose scopes hold nothing yet gets a cursor at the end of
// the log, and a change recorded in its scope afterwards comes with its next pull.
func TestChangesEmptyScopeCursorGoesOn(t *testing.T) {
	s, _ := migratedStore(t)
	record(t, s, change("elsewhere"))
	settle(t, s)
	scopes := []string{"site/new"}
	first := since(t, s, "org-a", "sites", scopes, "", 0)
	if len(first.Changes) != 0 || first.Next == "" || first.Checksum == nil || *first.Checksum != 0 {
		t.Fatalf("first pull %v, next %q, checksum %v: want nothing, a cursor at the end, checksum 0", ids(first.Changes), first.Next, first.Checksum)
	}
	mine := change("mine")
	mine.Scope = "site/new"
	record(t, s, mine)
	settle(t, s)
	if got := ids(since(t, s, "org-a", "sites", scopes, first.Next, 0).Changes); !slices.Equal(got, []string{"mine"}) {
		t.Fatalf("after a change in scope: %v, want [mine]", got)
	}
}
