package gormstore

import "testing"

// WaitForChanges is settle (changes_test.go) for the package's external tests
// (sync_producers_test.go): it waits until every transaction that wrote to the change log has
// finished in the eyes of a new snapshot, so that a pull sees everything committed.
func WaitForChanges(t testing.TB, s *Store) {
	t.Helper()
	settle(t, s)
}
