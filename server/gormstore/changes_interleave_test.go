package gormstore

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/syncfeed"
)

// heldTx is a write transaction on a connection of its own, driven step by step by the test: it runs
// its steps in order, each when the test asks, and commits or rolls back when told.
type heldTx struct {
	steps chan func(tx *gorm.DB) error
	errc  chan error // the answer to each step, then the transaction's outcome
	ended bool
}

var errRollback = errors.New("test: roll back")

// beginHeld starts a write transaction of s that waits for steps.
func beginHeld(t *testing.T, s *Store) *heldTx {
	t.Helper()
	h := &heldTx{steps: make(chan func(tx *gorm.DB) error), errc: make(chan error)}
	go func() {
		h.errc <- s.write(context.Background(), func(tx *gorm.DB) error {
			for step := range h.steps {
				if step == nil {
					return errRollback
				}
				h.errc <- step(tx)
			}
			return nil
		})
	}()
	t.Cleanup(func() {
		if !h.ended { // a test that failed half-way: roll back so that the goroutine ends
			h.steps <- nil
			<-h.errc
		}
	})
	return h
}

// do runs one step in the held transaction and waits for it.
func (h *heldTx) do(t *testing.T, step func(tx *gorm.DB) error) {
	t.Helper()
	h.steps <- step
	if err := <-h.errc; err != nil {
		t.Fatalf("step in held transaction: %v", err)
	}
}

// end ends the transaction with COMMIT, or ROLLBACK when rollback is set, and waits for it.
func (h *heldTx) end(t *testing.T, rollback bool) {
	t.Helper()
	h.ended = true
	if rollback {
		h.steps <- nil
		if err := <-h.errc; !errors.Is(err, errRollback) {
			t.Fatalf("rollback: %v", err)
		}
		return
	}
	close(h.steps)
	if err := <-h.errc; err != nil {
		t.Fatalf("commit: %v", err)
	}
}

// recordIn records c in the held transaction and returns its row position.
func (h *heldTx) recordIn(t *testing.T, s *Store, c syncfeed.Change) syncfeed.Position {
	t.Helper()
	var p syncfeed.Position
	h.do(t, func(tx *gorm.DB) error {
		if err := s.recordChange(tx, c); err != nil {
			return err
		}
		return tx.Raw("SELECT xid, id FROM changes WHERE entity_id = ?", c.EntityID).Row().Scan(&p.Xid, &p.ID)
	})
	return p
}

// waitXmin waits until no transaction older than xid is running, as a new snapshot sees it: other
// test processes on the same server may hold one for a moment. It waits for a condition, not a time.
func waitXmin(t *testing.T, s *Store, xid int64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		if err := s.read(context.Background()).Raw("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint >= ?", xid).Scan(&ok).Error; err != nil {
			t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waitXmin: transactions older than %d still running after 30s", xid)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestChangesConcurrentCommitOrder is the reason for the cursor design (D6): transaction T1 records
// change A and stays open while T2 records B and commits. With a serial ID or a timestamp as cursor a
// pull would return B, move past A's position, and skip A for ever once T1 commits (ODK Central
// getodk/central#1615). Here every committed change is served exactly once, in every interleaving.
func TestChangesConcurrentCommitOrder(t *testing.T) {
	s, _ := migratedStore(t)
	if s.dialect != Postgres {
		t.Skip("SQLite has one writer connection and BEGIN IMMEDIATE: T2 cannot begin before T1 ends, so " +
			"transactions never interleave and the row ID is the commit order; run with TEST_DATABASE_URL")
	}
	scopes := []string{"org"}
	pull := func(t *testing.T, c syncfeed.Cursor) syncfeed.Page {
		t.Helper()
		return since(t, s, "org-a", "sites", scopes, c, 0)
	}

	t.Run("T1 writes first, commits last", func(t *testing.T) {
		t1, t2 := beginHeld(t, s), beginHeld(t, s)
		a := t1.recordIn(t, s, change("A1"))
		b := t2.recordIn(t, s, change("B1"))
		t2.end(t, false)
		if !(a.ID < b.ID && a.Xid < b.Xid) {
			t.Fatalf("A at %+v, B at %+v: the test needs A before B in ID order", a, b)
		}
		// A naive "id > cursor" pull would serve B now (it is committed and A is not) and then skip A.
		p1 := pull(t, "")
		if len(p1.Changes) != 0 || p1.Next != "" {
			t.Fatalf("pull while T1 is open = %v (next %q); want nothing past the open transaction", ids(p1.Changes), p1.Next)
		}
		t1.end(t, false)
		settle(t, s)
		p2 := pull(t, p1.Next)
		if got := ids(p2.Changes); !slices.Equal(got, []string{"A1", "B1"}) {
			t.Fatalf("pull after T1 commits = %v, want [A1 B1]", got)
		}
		if p3 := pull(t, p2.Next); len(p3.Changes) != 0 {
			t.Fatalf("pull again = %v, want nothing", ids(p3.Changes))
		}
	})

	t.Run("T2 takes its transaction ID first, commits first", func(t *testing.T) {
		settle(t, s)
		start := pull(t, "")
		t2 := beginHeld(t, s)
		var x2 int64
		t2.do(t, func(tx *gorm.DB) error {
			return tx.Raw("SELECT pg_current_xact_id()::text::bigint").Row().Scan(&x2)
		})
		t1 := beginHeld(t, s)
		a := t1.recordIn(t, s, change("A2"))
		b := t2.recordIn(t, s, change("B2"))
		t2.end(t, false)
		if !(b.Xid == x2 && b.Xid < a.Xid && a.ID < b.ID) {
			t.Fatalf("A at %+v, B at %+v: the test needs B's transaction before A's and A's row first", a, b)
		}
		waitXmin(t, s, a.Xid) // only T1 (and nothing older) is still running
		p1 := pull(t, start.Next)
		if got := ids(p1.Changes); !slices.Equal(got, []string{"B2"}) {
			t.Fatalf("pull while T1 is open = %v, want [B2]: B's transaction is below every open one", got)
		}
		t1.end(t, false)
		settle(t, s)
		p2 := pull(t, p1.Next)
		if got := ids(p2.Changes); !slices.Equal(got, []string{"A2"}) {
			t.Fatalf("pull after T1 commits = %v, want [A2]: A sorts after the cursor at B", got)
		}
	})

	t.Run("T1 rolls back", func(t *testing.T) {
		settle(t, s)
		start := pull(t, "")
		t1, t2 := beginHeld(t, s), beginHeld(t, s)
		t1.recordIn(t, s, change("A3"))
		t2.recordIn(t, s, change("B3"))
		t2.end(t, false)
		p1 := pull(t, start.Next)
		if len(p1.Changes) != 0 {
			t.Fatalf("pull while T1 is open = %v, want nothing", ids(p1.Changes))
		}
		t1.end(t, true)
		settle(t, s)
		p2 := pull(t, p1.Next)
		if got := ids(p2.Changes); !slices.Equal(got, []string{"B3"}) {
			t.Fatalf("pull after T1 rolls back = %v, want [B3]", got)
		}
	})

	// Across the subtests, every committed change was served exactly once by the chained pulls, and a
	// pull from the start agrees.
	settle(t, s)
	if got, want := ids(pull(t, "").Changes), []string{"A1", "B1", "B2", "A2", "B3"}; !slices.Equal(got, want) {
		t.Fatalf("pull from the start = %v, want %v", got, want)
	}
}
