package gormstore

import (
	"context"
	"testing"
	"time"
)

// WaitForChanges is for the package's external tests (sync_producers_test.go): it waits until every
// transaction that wrote to the change log has finished in the eyes of a new snapshot, so that a pull
// sees everything committed. On PostgreSQL other test processes sharing the server may hold
// transactions open for a moment, which rightly hold pulls back (xmin); it waits for the condition,
// not for a time. On SQLite there is nothing to wait for.
func WaitForChanges(t testing.TB, s *Store) {
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
			t.Fatalf("WaitForChanges: %v", err)
		}
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("WaitForChanges: a transaction older than the log's last one is still running after 30s")
		}
		time.Sleep(time.Millisecond)
	}
}
