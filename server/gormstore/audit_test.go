package gormstore_test

// The audit log as stored (DECISIONS D13): chains written by identity actions, anchors, tampering done
// behind the store's back through a connection of the test's own, and concurrent appends.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers the database/sql driver "sqlite" for tampering
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/skhcn-caobang/thanhtra/server/audit"
	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/storetest"
)

// auditEpoch is a local time with nanoseconds: what is hashed must survive the round trip through
// either engine, which keep microseconds and may hand times back in another zone.
var auditEpoch = time.Date(2026, 3, 2, 15, 4, 5, 123456789, time.FixedZone("ICT", 7*60*60))

// auditStore is storetest.NewDBWith, keeping the options so that the test can open a raw connection.
func auditStore(t testing.TB) (*gormstore.Store, gormstore.Options, *clock.Manual) {
	t.Helper()
	ctx := context.Background()
	c := clock.NewManual(auditEpoch)
	o := storetest.URLFor(t)
	o.Clock = c
	s, err := gormstore.Open(ctx, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s, o, c
}

// tamper runs one statement on a connection of its own, as someone with a database shell would:
// database/sql on SQLite, gorm on PostgreSQL. Placeholders are "?" on both.
func tamper(t testing.TB, o gormstore.Options, query string, args ...any) {
	t.Helper()
	if o.URL == "" {
		db, err := sql.Open("sqlite", "file:"+o.SQLitePath+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatalf("raw open: %v", err)
		}
		defer db.Close()
		res, err := db.Exec(query, args...)
		if err != nil {
			t.Fatalf("raw exec %q: %v", query, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("raw exec %q changed %d rows, want 1", query, n)
		}
		return
	}
	db, err := gorm.Open(postgres.Open(o.URL), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("raw open: %v", err)
	}
	defer func() {
		if sdb, err := db.DB(); err == nil {
			sdb.Close()
		}
	}()
	res := db.Exec(query, args...)
	if res.Error != nil {
		t.Fatalf("raw exec %q: %v", query, res.Error)
	}
	if res.RowsAffected != 1 {
		t.Fatalf("raw exec %q changed %d rows, want 1", query, res.RowsAffected)
	}
}

func appendAudit(t testing.TB, s *gormstore.Store, chain string, data map[string]any) {
	t.Helper()
	if err := s.AppendAudit(context.Background(), audit.Entry{Chain: chain, OrgID: "org", Action: "test.append", Data: data}); err != nil {
		t.Fatalf("AppendAudit %s: %v", chain, err)
	}
}

func anchor(t testing.TB, s *gormstore.Store) (audit.Anchor, bool) {
	t.Helper()
	a, wrote, err := s.AnchorAudit(context.Background())
	if err != nil {
		t.Fatalf("AnchorAudit: %v", err)
	}
	return a, wrote
}

func allEvents(t testing.TB, s *gormstore.Store) []audit.Event {
	t.Helper()
	var out []audit.Event
	if err := s.AuditEvents(context.Background(), func(ev audit.Event) error { out = append(out, ev); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func verify(t testing.TB, s *gormstore.Store) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestAuditChainsFromIdentityActions(t *testing.T) {
	ctx := context.Background()
	f := newTenancyFixture(t) // two organisations, each with an administrator, an inspector and a phone
	a := f.a
	if err := f.ids.SetDisabled(ctx, a.principal(), a.org.ID, a.inspector.ID, true, "nghỉ phép"); err != nil {
		t.Fatal(err)
	}
	if err := f.ids.SetDisabled(ctx, a.principal(), a.org.ID, a.inspector.ID, false, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.ids.ResetPassword(ctx, a.principal(), a.org.ID, a.inspector.ID, "another long password"); err != nil {
		t.Fatal(err)
	}
	if err := f.ids.RevokeDevice(ctx, a.principal(), a.org.ID, a.device.ID, "mất máy"); err != nil {
		t.Fatal(err)
	}
	// Revoking twice records nothing the second time.
	if err := f.ids.RevokeDevice(ctx, a.principal(), a.org.ID, a.device.ID, "mất máy"); err != nil {
		t.Fatal(err)
	}

	// chain → the organisation of its events and their actions in order.
	type chain struct {
		org     string
		actions []string
	}
	want := map[string]*chain{}
	for _, tn := range []*tenant{f.a, f.b} {
		want["organisation/"+tn.org.ID] = &chain{tn.org.ID, []string{"organisation.create"}}
		want["account/"+tn.admin.ID] = &chain{tn.org.ID, []string{"account.create"}}
		want["account/"+tn.inspector.ID] = &chain{tn.org.ID, []string{"account.create", "auth.login"}}
	}
	inspector := want["account/"+a.inspector.ID]
	inspector.actions = append(inspector.actions, "account.disable", "account.enable", "account.password_reset")
	want["device/"+a.device.ID] = &chain{a.org.ID, []string{"device.revoke"}}
	wantEvents := 0
	for _, c := range want {
		wantEvents += len(c.actions)
	}

	got := map[string][]string{}
	for _, ev := range allEvents(t, f.store) {
		if ev.Seq != int64(len(got[ev.Chain])+1) {
			t.Errorf("chain %s: event %d where %d was due", ev.Chain, ev.Seq, len(got[ev.Chain])+1)
		}
		got[ev.Chain] = append(got[ev.Chain], ev.Action)
		if w := want[ev.Chain]; w != nil && ev.OrgID != w.org {
			t.Errorf("chain %s: event %d %s has organisation %q, want %q", ev.Chain, ev.Seq, ev.Action, ev.OrgID, w.org)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d chains %v, want %d", len(got), got, len(want))
	}
	for name, c := range want {
		if !slices.Equal(got[name], c.actions) {
			t.Errorf("chain %s holds %v, want %v", name, got[name], c.actions)
		}
	}

	rep := verify(t, f.store)
	if !rep.OK() || rep.Chains != len(want) || rep.Events != wantEvents || rep.Anchors != 0 {
		t.Fatalf("Verify = %+v, want OK with %d chains, %d events, no anchors", rep, len(want), wantEvents)
	}
}

func TestAnchorAudit(t *testing.T) {
	ctx := context.Background()
	s, _, c := auditStore(t)

	if _, wrote := anchor(t, s); wrote {
		t.Fatal("an anchor was written over an empty log")
	}
	appendAudit(t, s, "case/1", map[string]any{"step": 1})
	appendAudit(t, s, "case/1", map[string]any{"step": 2})
	appendAudit(t, s, "case/2", nil)
	heads := func() map[string]audit.Head {
		out := map[string]audit.Head{}
		for _, ev := range allEvents(t, s) {
			out[ev.Chain] = audit.Head{Chain: ev.Chain, Seq: ev.Seq, Hash: ev.Hash}
		}
		return out
	}
	h := heads()

	c.Advance(time.Hour)
	first, wrote := anchor(t, s)
	if !wrote {
		t.Fatal("no anchor written although two chains moved")
	}
	if want := []audit.Head{h["case/1"], h["case/2"]}; first.Seq != 1 || first.PrevHash != "" || !slices.Equal(first.Heads, want) {
		t.Fatalf("first anchor = seq %d prev %q heads %+v; want seq 1, no prev, heads %+v", first.Seq, first.PrevHash, first.Heads, want)
	}
	if want := auditEpoch.Add(time.Hour).UTC().Truncate(time.Microsecond); !first.At.Equal(want) || first.At.Location() != time.UTC {
		t.Errorf("first anchor at %v, want the store clock's %v in UTC microseconds", first.At, want)
	}

	if _, wrote := anchor(t, s); wrote {
		t.Fatal("a second anchor was written although no head moved")
	}

	appendAudit(t, s, "case/2", map[string]any{"step": 2})
	h = heads()
	c.Advance(time.Hour)
	second, wrote := anchor(t, s)
	if !wrote {
		t.Fatal("no anchor written although case/2 moved")
	}
	if want := []audit.Head{h["case/2"]}; second.Seq != 2 || second.PrevHash != first.Hash || !slices.Equal(second.Heads, want) {
		t.Fatalf("second anchor = seq %d prev %q heads %+v; want seq 2 after %q, heads %+v (only the chain that moved)",
			second.Seq, second.PrevHash, second.Heads, first.Hash, want)
	}

	var stored []audit.Anchor
	if err := s.AuditAnchors(ctx, func(a audit.Anchor) error { stored = append(stored, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || !anchorsEqual(stored[0], first) || !anchorsEqual(stored[1], second) {
		t.Fatalf("stored anchors %+v, want %+v and %+v", stored, first, second)
	}
	if rep := verify(t, s); !rep.OK() || rep.Anchors != 2 || rep.Chains != 2 || rep.Events != 4 {
		t.Fatalf("Verify = %+v, want OK with 2 chains, 4 events, 2 anchors", rep)
	}
}

func anchorsEqual(a, b audit.Anchor) bool {
	return a.Seq == b.Seq && a.At.Equal(b.At) && slices.Equal(a.Heads, b.Heads) && a.HeadsHash == b.HeadsHash &&
		a.PrevHash == b.PrevHash && a.Hash == b.Hash
}

// TestAuditTamperingDetected edits the stored log behind the store's back. The log of every case is:
// case/1 events 1–3 and case/2 events 1–2, anchor 1 over both heads, then case/2 event 3 and anchor 2
// over it.
func TestAuditTamperingDetected(t *testing.T) {
	type log struct {
		s      *gormstore.Store
		o      gormstore.Options
		events map[string]audit.Event // by "chain#seq"
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, l log)
		want   []string // the report's problems, each by its beginning, in order
		events int      // the events the report counts
	}{
		{"nothing touched", func(*testing.T, log) {}, nil, 6},
		{"one event's data changed", func(t *testing.T, l log) {
			tamper(t, l.o, `UPDATE audit_events SET data = ? WHERE chain = 'case/1' AND seq = 2`, `{"fine":1}`)
		}, []string{"chain case/1: event 2 was altered"}, 6},
		{"one event changed and its hash recomputed", func(t *testing.T, l log) {
			ev := l.events["case/1#2"]
			e := ev.Entry
			e.Data = map[string]any{"fine": 1}
			forged, err := audit.Seal(e, ev.Seq-1, ev.PrevHash)
			if err != nil {
				t.Fatal(err)
			}
			tamper(t, l.o, `UPDATE audit_events SET data = ?, hash = ? WHERE chain = 'case/1' AND seq = 2`, forged.DataJSON, forged.Hash)
		}, []string{"chain case/1: event 3 does not link to the event before it"}, 6},
		{"the last event of an anchored chain deleted", func(t *testing.T, l log) {
			tamper(t, l.o, `DELETE FROM audit_events WHERE chain = 'case/1' AND seq = 3`)
		}, []string{"anchor 1: chain case/1 no longer holds event 3 as anchored"}, 5},
		{"a middle event deleted", func(t *testing.T, l log) {
			tamper(t, l.o, `DELETE FROM audit_events WHERE chain = 'case/1' AND seq = 2`)
		}, []string{"chain case/1: event 3 follows 1 (an event is missing)", "chain case/1: event 3 does not link to the event before it"}, 5},
		{"an anchor altered", func(t *testing.T, l log) {
			tamper(t, l.o, `UPDATE audit_anchors SET heads_hash = ? WHERE seq = 1`, strings.Repeat("0", 64))
		}, []string{"anchor 1 was altered"}, 6},
		{"the last event deleted and its anchor rewritten to match", func(t *testing.T, l log) {
			tamper(t, l.o, `DELETE FROM audit_events WHERE chain = 'case/2' AND seq = 3`)
			prev := l.events["case/2#2"]
			heads, _ := json.Marshal([]audit.Head{{Chain: "case/2", Seq: 2, Hash: prev.Hash}})
			tamper(t, l.o, `UPDATE audit_anchors SET heads = ? WHERE seq = 2`, string(heads))
		}, []string{"anchor 2 was altered"}, 5},
		{"the first anchor deleted", func(t *testing.T, l log) {
			tamper(t, l.o, `DELETE FROM audit_anchors WHERE seq = 1`)
		}, []string{"anchor 2 was altered or does not follow anchor 1"}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, o, clk := auditStore(t)
			for _, chain := range []string{"case/1", "case/1", "case/1", "case/2", "case/2"} {
				appendAudit(t, s, chain, map[string]any{"fine": 5_000_000})
				clk.Advance(time.Minute)
			}
			anchor(t, s)
			appendAudit(t, s, "case/2", nil)
			anchor(t, s)
			l := log{s: s, o: o, events: map[string]audit.Event{}}
			for _, ev := range allEvents(t, s) {
				l.events[fmt.Sprintf("%s#%d", ev.Chain, ev.Seq)] = ev
			}

			c.tamper(t, l)

			rep := verify(t, s)
			if rep.Events != c.events {
				t.Errorf("report counts %d events, want %d", rep.Events, c.events)
			}
			ok := len(rep.Problems) == len(c.want)
			for i := 0; ok && i < len(c.want); i++ {
				ok = strings.HasPrefix(rep.Problems[i], c.want[i])
			}
			if !ok {
				t.Fatalf("problems:\n  %s\nwant:\n  %s", strings.Join(rep.Problems, "\n  "), strings.Join(c.want, "\n  "))
			}
		})
	}
}

// TestConcurrentAppendsToOneChain has many writers append to one new chain at once, while one of them
// also anchors after each of its appends. The chain must come out gapless, with every append exactly
// once, and verify. More than 1000 events also take AuditEvents past its first batch.
func TestConcurrentAppendsToOneChain(t *testing.T) {
	const writers, each = 16, 70
	s, _, _ := auditStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errc := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := s.AppendAudit(ctx, audit.Entry{Chain: "case/hot", OrgID: "org", Action: "test.append",
					Data: map[string]any{"writer": w, "i": i}}); err != nil {
					errc <- fmt.Errorf("writer %d append %d: %w", w, i, err)
					return
				}
				if w == 0 {
					if _, _, err := s.AnchorAudit(ctx); err != nil {
						errc <- fmt.Errorf("anchor after append %d: %w", i, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	anchor(t, s) // the heads written after writer 0's last anchor

	seen := map[string]bool{}
	evs := allEvents(t, s)
	for i, ev := range evs {
		if ev.Chain != "case/hot" || ev.Seq != int64(i+1) {
			t.Fatalf("event %d is %s#%d, want case/hot#%d", i, ev.Chain, ev.Seq, i+1)
		}
		if seen[ev.DataJSON] {
			t.Fatalf("append %s stored twice", ev.DataJSON)
		}
		seen[ev.DataJSON] = true
	}
	if len(evs) != writers*each {
		t.Fatalf("%d events stored, want %d", len(evs), writers*each)
	}
	rep := verify(t, s)
	if !rep.OK() || rep.Chains != 1 || rep.Events != writers*each || rep.Anchors < 2 {
		t.Fatalf("Verify = chains %d events %d anchors %d problems %q; want OK, 1 chain, %d events, anchors", rep.Chains, rep.Events,
			rep.Anchors, rep.Problems, writers*each)
	}
}

// TestConcurrentAppendsToManyChains: writers of different chains do not disturb each other's chains,
// and anchors taken by all of them at once (as replicas would) still form one chain of anchors.
func TestConcurrentAppendsToManyChains(t *testing.T) {
	const chains, each = 8, 20
	s, _, _ := auditStore(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errc := make(chan error, chains*2)
	for c := range chains {
		for range 2 { // two writers per chain
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					if err := s.AppendAudit(ctx, audit.Entry{Chain: fmt.Sprintf("case/%d", c), Action: "test.append",
						Data: map[string]any{"i": i}}); err != nil {
						errc <- err
						return
					}
					if _, _, err := s.AnchorAudit(ctx); err != nil {
						errc <- err
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	if _, wrote := anchor(t, s); wrote {
		t.Fatal("heads moved after every writer's last anchor")
	}
	// The latest anchor of each chain names its last event.
	last := map[string]int64{}
	if err := s.AuditAnchors(ctx, func(a audit.Anchor) error {
		for _, h := range a.Heads {
			last[h.Chain] = h.Seq
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(last) != chains {
		t.Errorf("anchors name %d chains, want %d", len(last), chains)
	}
	for chain, seq := range last {
		if seq != 2*each {
			t.Errorf("chain %s last anchored at %d, want %d", chain, seq, 2*each)
		}
	}
	if rep := verify(t, s); !rep.OK() || rep.Chains != chains || rep.Events != chains*2*each || rep.Anchors == 0 {
		t.Fatalf("Verify = %+v, want OK with %d chains, %d events and anchors", rep, chains, chains*2*each)
	}
}
