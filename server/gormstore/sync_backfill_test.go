package gormstore

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/identity"
	"github.com/skhcn-caobang/thanhtra/server/registry"
	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// backfillPull is what one organisation's phones pull of one dataset in some scopes.
type backfillPull struct {
	org, dataset string
	scopes       []string
}

// backfillState is what a phone pulling from the start receives of each pull: the entries by
// "dataset entity-type/entity-ID" and the checksum of each dataset.
type backfillState struct {
	entries   map[string]syncfeed.Entry
	checksums map[string]uint32
}

func backfillPulled(t *testing.T, s *Store, pulls []backfillPull) backfillState {
	t.Helper()
	settle(t, s)
	st := backfillState{entries: map[string]syncfeed.Entry{}, checksums: map[string]uint32{}}
	for _, p := range pulls {
		var cur syncfeed.Cursor
		for i := 0; ; i++ {
			page, err := s.Since(context.Background(), p.org, p.dataset, p.scopes, cur, syncfeed.MaxLimit)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Changes {
				st.entries[p.dataset+" "+e.EntityType+"/"+e.EntityID] = e
			}
			if page.Complete {
				if page.Checksum != nil {
					st.checksums[p.org+" "+p.dataset] = *page.Checksum
				}
				break
			}
			if i > 1000 {
				t.Fatal("the pull never completes")
			}
			if len(page.Changes) == 0 {
				time.Sleep(5 * time.Millisecond) // held back by another test's transaction (PostgreSQL)
			}
			cur = page.Next
		}
	}
	return st
}

// sameState checks that got holds the entities of want with the same versions and data.
func sameState(t *testing.T, what string, got, want backfillState) {
	t.Helper()
	if g, w := slices.Sorted(maps.Keys(got.entries)), slices.Sorted(maps.Keys(want.entries)); !slices.Equal(g, w) {
		t.Fatalf("%s: phones pull %q, want %q", what, g, w)
	}
	for k, w := range want.entries {
		g := got.entries[k]
		if g.Op != w.Op || g.Version != w.Version || string(g.Data) != string(w.Data) || g.Scope != w.Scope {
			t.Errorf("%s: %s is %s v%d in %s %s, want %s v%d in %s %s", what, k, g.Op, g.Version, g.Scope, g.Data, w.Op, w.Version, w.Scope, w.Data)
		}
	}
	if !maps.Equal(got.checksums, want.checksums) {
		t.Errorf("%s: checksums %v, want %v", what, got.checksums, want.checksums)
	}
}

// forgetLog empties the change log, as in a database written before migration 0012.
func forgetLog(t *testing.T, s *Store) {
	t.Helper()
	if err := s.w.Exec("DELETE FROM changes").Error; err != nil {
		t.Fatal(err)
	}
}

func logRows(t *testing.T, s *Store, where string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := s.read(context.Background()).Model(&changeRow{}).Where(where, args...).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSyncBackfill(t *testing.T) {
	ctx := context.Background()
	w := newApplyWorld(t)
	s := w.s
	// A second organisation with a subject: every organisation is back-filled.
	ids := &identity.Service{Store: s, Hasher: identity.Hasher{Memory: 64, Time: 1, Threads: 1}, Clock: w.clock, IDs: clock.UUIDv7{}}
	org2, err := ids.CreateOrganisation(ctx, identity.Operator, identity.NewOrganisation{Code: "backan", Name: "Sở KH&CN Bắc Kạn"})
	if err != nil {
		t.Fatal(err)
	}
	admin2 := identity.Principal{AccountID: "admin2", OrgID: org2.ID, Roles: []identity.Role{identity.RoleOrgAdmin}}
	subject2, err := (&registry.Service{Store: s, Clock: w.clock, IDs: clock.UUIDv7{}}).CreateSubject(ctx, admin2,
		registry.Subject{OrgID: org2.ID, Kind: registry.Organisation, Name: "Công ty Xăng dầu Bắc Kạn", TaxCode: "4700100001"})
	if err != nil {
		t.Fatal(err)
	}

	// A visit answered then completed (its site's history), a record drawn up on it (its number marked
	// in the leader's block), a visit in progress with one answer, and a visit deleted from a phone.
	completed := w.createVisit(t, map[string]any{"answers": map[string]any{"F1.1": map[string]any{"value": true, "evidence": []string{"p"}}}})
	w.pushOne(t, w.leader, applyItem("visit", completed, 1, atHour(9, 5), map[string]any{"status": "completed", "answers": completeAnswers()}), "applied")
	record := clock.UUIDv7{}.NewID()
	w.pushOne(t, w.leader, applyItem("record", record, 0, atHour(9, 30), w.recordPayloadOf(completed, 3, "signed")), "applied")
	open := w.createVisit(t, map[string]any{"gps": map[string]any{"lat": 22.66, "lon": 106.25, "accuracy_m": 8},
		"answers": map[string]any{"F1.1": map[string]any{"value": false, "evidence": []string{"ph-1"}}}})
	deleted := w.createVisit(t, nil)
	w.pushOne(t, w.leader, applyItem("visit", deleted, 1, atHour(10, 0), map[string]any{"deleted": true}), "applied")

	pulls := []backfillPull{
		{w.org.ID, syncfeed.Assignments, []string{syncfeed.CampaignScope(w.camp.ID)}},
		{w.org.ID, syncfeed.Sites, []string{syncfeed.SiteScope(w.site.ID), syncfeed.SubjectScope(w.subject.ID)}},
		{w.org.ID, syncfeed.Visits, []string{syncfeed.CampaignScope(w.camp.ID)}},
		{w.org.ID, syncfeed.Numbers, []string{syncfeed.DeviceScope(w.leader.DeviceID), syncfeed.DeviceScope(w.member.DeviceID),
			syncfeed.DeviceScope(w.outsider.DeviceID)}},
		{org2.ID, syncfeed.Sites, []string{syncfeed.SubjectScope(subject2.ID)}},
	}
	before := backfillPulled(t, s, pulls)
	// Every kind of entity is there to be back-filled.
	for _, k := range []string{
		syncfeed.Assignments + " campaign/" + w.camp.ID, syncfeed.Sites + " site/" + w.site.ID,
		syncfeed.Sites + " site_history/" + w.site.ID, syncfeed.Sites + " subject/" + w.subject.ID,
		syncfeed.Sites + " subject/" + subject2.ID, syncfeed.Visits + " visit/" + completed, syncfeed.Visits + " visit/" + open,
		syncfeed.Visits + " record/" + record,
	} {
		if _, ok := before.entries[k]; !ok {
			t.Fatalf("nothing to back-fill: %s not pulled; pulled %q", k, slices.Sorted(maps.Keys(before.entries)))
		}
	}
	if e := before.entries[syncfeed.Visits+" visit/"+completed]; e.Version != 2 {
		t.Fatalf("the completed visit is version %d", e.Version)
	}
	blocks := 0
	for k := range before.entries {
		if strings.HasPrefix(k, syncfeed.Numbers+" ") {
			blocks++
		}
	}
	if blocks != 3 {
		t.Fatalf("%d number blocks pulled, want the three phones' blocks", blocks)
	}
	if logRows(t, s, "entity_id = ? AND op = ?", deleted, string(syncfeed.OpDelete)) != 1 {
		t.Fatal("the deleted visit has no tombstone")
	}
	// What the back-fill records: every upsert of the log but the reference data recorded at start.
	reference := []string{syncfeed.Checklists, syncfeed.Catalogue}
	want := int(logRows(t, s, "op = ? AND dataset NOT IN ?", string(syncfeed.OpUpsert), reference))

	t.Run("back-filled chunk by chunk", func(t *testing.T) {
		forgetLog(t, s)
		if st := backfillPulled(t, s, pulls); len(st.entries) != 0 {
			t.Fatalf("the log still sends %d entries", len(st.entries))
		}
		n, err := s.backfillSyncLog(ctx, 1) // one entity per transaction: the paging goes through every chunk
		if err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("recorded %d changes, want %d", n, want)
		}
		sameState(t, "after the back-fill", backfillPulled(t, s, pulls), before)
		if n := logRows(t, s, "entity_id = ?", deleted); n != 0 {
			t.Errorf("the deleted visit has %d rows", n)
		}
	})

	t.Run("once per database", func(t *testing.T) {
		forgetLog(t, s)
		ran, n, err := s.RunSyncBackfillOnce(ctx)
		if err != nil || !ran || n != want {
			t.Fatalf("first run: ran %v, %d changes, %v; want %d", ran, n, err, want)
		}
		after := backfillPulled(t, s, pulls)
		sameState(t, "after the first run", after, before)
		var top int64
		if err := s.read(ctx).Raw("SELECT COALESCE(MAX(id), 0) FROM changes").Scan(&top).Error; err != nil {
			t.Fatal(err)
		}

		if ran, n, err := s.RunSyncBackfillOnce(ctx); err != nil || ran || n != 0 {
			t.Fatalf("second run: ran %v, %d changes, %v", ran, n, err)
		}
		if n, err := s.BackfillSyncLog(ctx); err != nil || n != 0 {
			t.Fatalf("back-filled again: %d changes, %v", n, err)
		}
		if moved := logRows(t, s, "id > ?", top); moved != 0 {
			t.Errorf("running again added %d rows to the log", moved)
		}
		sameState(t, "after running again", backfillPulled(t, s, pulls), before)
		var marks []syncBackfillRow
		if err := s.read(ctx).Order("name").Find(&marks).Error; err != nil || len(marks) != 2 || marks[0].Name != syncBackfillNumbersV2 ||
			marks[1].Name != syncBackfillV1 || !marks[0].DoneAt.Equal(w.clock.Now()) || !marks[1].DoneAt.Equal(w.clock.Now()) {
			t.Fatalf("marks %+v %v", marks, err)
		}
	})

	t.Run("number blocks of the old shape are recorded again once", func(t *testing.T) {
		// A database whose blocks were logged before the numbers dataset's version 2: the rows lack
		// the issuing body's names. The numbers-v2 back-fill records them again, once.
		var rows []changeRow
		if err := s.read(ctx).Where("dataset = ? AND op = ?", syncfeed.Numbers, string(syncfeed.OpUpsert)).Find(&rows).Error; err != nil || len(rows) != 3 {
			t.Fatalf("%d block rows, %v", len(rows), err)
		}
		for _, r := range rows {
			var data map[string]any
			if err := json.Unmarshal([]byte(*r.Data), &data); err != nil {
				t.Fatal(err)
			}
			delete(data, "issuing_unit_name")
			delete(data, "organisation_name")
			old, _ := json.Marshal(data)
			if err := s.w.Model(&changeRow{}).Where("id = ?", r.ID).Updates(map[string]any{"data": string(old),
				"checksum": int64(syncfeed.EntryChecksum(r.EntityType, r.EntityID, r.Version, old))}).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := s.w.Where("name = ?", syncBackfillNumbersV2).Delete(&syncBackfillRow{}).Error; err != nil {
			t.Fatal(err)
		}
		ran, n, err := s.RunSyncBackfillOnce(ctx)
		if err != nil || !ran || n != 3 {
			t.Fatalf("ran %v, %d changes, %v; want the 3 blocks", ran, n, err)
		}
		sameState(t, "after recording the blocks again", backfillPulled(t, s, pulls), before)
		if ran, n, err := s.RunSyncBackfillOnce(ctx); err != nil || ran || n != 0 {
			t.Fatalf("second run: ran %v, %d changes, %v", ran, n, err)
		}
	})

	t.Run("an entity the log has is left alone", func(t *testing.T) {
		// A write recorded the campaign after the back-fill read it: that row stands.
		forgetLog(t, s)
		newer := syncfeed.Change{Dataset: syncfeed.Assignments, EntityType: syncfeed.EntityCampaign, EntityID: w.camp.ID, OrgID: w.org.ID,
			Scope: syncfeed.CampaignScope(w.camp.ID), Op: syncfeed.OpUpsert, Data: []byte(`{"id":"` + w.camp.ID + `","newer":true}`)}
		if err := s.write(ctx, func(tx *gorm.DB) error { return s.recordChange(tx, newer) }); err != nil {
			t.Fatal(err)
		}
		n, err := s.BackfillSyncLog(ctx)
		if err != nil || n != want-1 {
			t.Fatalf("back-filled %d changes, %v; want %d", n, err, want-1)
		}
		got := backfillPulled(t, s, pulls)
		if e := got.entries[syncfeed.Assignments+" campaign/"+w.camp.ID]; string(e.Data) != string(newer.Data) {
			t.Fatalf("the campaign's row was replaced: %s", e.Data)
		}
		delete(got.entries, syncfeed.Assignments+" campaign/"+w.camp.ID)
		delete(got.checksums, w.org.ID+" "+syncfeed.Assignments)
		rest := backfillState{entries: maps.Clone(before.entries), checksums: maps.Clone(before.checksums)}
		delete(rest.entries, syncfeed.Assignments+" campaign/"+w.camp.ID)
		delete(rest.checksums, w.org.ID+" "+syncfeed.Assignments)
		sameState(t, "the others", got, rest)
	})

	t.Run("a write of the same entity meanwhile", func(t *testing.T) {
		if s.dialect != Postgres {
			t.Skip("the single SQLite writer runs the back-fill's transactions and the others one after another")
		}
		// A write records the campaign and commits while the back-fill's row for it waits for the
		// write (its lock on the entity's row, or the log's unique index): the back-fill's transaction
		// fails, its retry finds the write's row.
		forgetLog(t, s)
		newer := syncfeed.Change{Dataset: syncfeed.Assignments, EntityType: syncfeed.EntityCampaign, EntityID: w.camp.ID, OrgID: w.org.ID,
			Scope: syncfeed.CampaignScope(w.camp.ID), Op: syncfeed.OpUpsert, Data: []byte(`{"id":"` + w.camp.ID + `","concurrent":true}`)}
		writer := beginHeld(t, s)
		writer.recordIn(t, s, newer)
		type result struct {
			n   int
			err error
		}
		done := make(chan result, 1)
		go func() {
			n, err := s.BackfillSyncLog(ctx)
			done <- result{n, err}
		}()
		waitForLockWait(t, s, done)
		writer.end(t, false)
		if r := <-done; r.err != nil || r.n != want-1 {
			t.Fatalf("back-filled %d changes, %v; want %d", r.n, r.err, want-1)
		}
		if e := backfillPulled(t, s, pulls).entries[syncfeed.Assignments+" campaign/"+w.camp.ID]; string(e.Data) != string(newer.Data) {
			t.Fatalf("the write's row was replaced: %s", e.Data)
		}
	})
}

// waitForLockWait waits until a session of the test's database waits for a lock, failing if the
// goroutine that should wait sends on done first. It waits for a condition, not a time.
func waitForLockWait[T any](t *testing.T, s *Store, done <-chan T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int64
		err := s.read(context.Background()).Raw(`SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting).Error
		if err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		select {
		case r := <-done:
			t.Fatalf("it did not wait: %+v", r)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("nothing waited on a lock after 30s")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSyncBackfillOneReplica: on PostgreSQL a replica that starts while another back-fills waits
// for it, then finds the back-fill done.
func TestSyncBackfillOneReplica(t *testing.T) {
	s, _ := migratedStore(t)
	if s.dialect != Postgres {
		t.Skip("the advisory lock is PostgreSQL's; one process writes an SQLite database")
	}
	ctx := context.Background()
	first := beginHeld(t, s)
	first.do(t, func(tx *gorm.DB) error { return tx.Exec("SELECT pg_advisory_xact_lock(?)", syncBackfillLock).Error })
	type result struct {
		ran bool
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		ran, n, err := s.RunSyncBackfillOnce(ctx)
		done <- result{ran, n, err}
	}()
	waitForLockWait(t, s, done) // the second replica waits on the lock
	first.do(t, func(tx *gorm.DB) error {
		return tx.Create([]syncBackfillRow{{Name: syncBackfillV1, DoneAt: time.Now()}, {Name: syncBackfillNumbersV2, DoneAt: time.Now()}}).Error
	})
	first.end(t, false)
	if r := <-done; r.err != nil || r.ran || r.n != 0 {
		t.Fatalf("the second replica: %+v, want that it did not run", r)
	}
	if n := logRows(t, s, "1 = 1"); n != 0 {
		t.Fatalf("%d rows in the log of an empty database", n)
	}
}
