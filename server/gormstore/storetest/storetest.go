// Package storetest gives each test a fresh, migrated database on the engine the environment selects:
// SQLite in a temporary directory by default, PostgreSQL (a schema of its own per test) when
// TEST_DATABASE_URL is set. With TEST_REQUIRE_POSTGRES=1 a missing or unreachable PostgreSQL fails the
// test instead of falling back, so CI cannot go green without it.
package storetest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/internal/testdb"
)

// Engine names the engine NewDB will use, from the environment.
func Engine() gormstore.Dialect {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return gormstore.Postgres
	}
	return gormstore.SQLite
}

// Options adjust NewDB.
type Options struct {
	Clock clock.Clock
	IDs   clock.IDs
}

// NewDB returns a fresh migrated store, closed and removed at the end of the test.
func NewDB(t testing.TB) *gormstore.Store {
	return NewDBWith(t, Options{})
}

// NewDBWith is NewDB with a clock and ID generator of the test's choosing.
func NewDBWith(t testing.TB, o Options) *gormstore.Store {
	t.Helper()
	ctx := context.Background()
	opts := URLFor(t)
	opts.Clock, opts.IDs = o.Clock, o.IDs
	if opts.SQLitePath != "" {
		// A copy of a database migrated once per test binary: migrating each test's database took
		// about a second of each gormstore test under the race detector.
		if img := sqliteTemplate(); img != nil {
			if err := os.WriteFile(opts.SQLitePath, img, 0o600); err != nil {
				t.Fatalf("storetest: %v", err)
			}
		}
	}
	s, err := gormstore.Open(ctx, opts)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", Engine(), err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate: %v", err)
	}
	return s
}

// URLFor prepares a fresh empty database for the test and returns the options that open it, without
// opening or migrating it (for tests of opening and migrating).
func URLFor(t testing.TB) gormstore.Options {
	t.Helper()
	pg, path := testdb.Fresh(t)
	if pg != "" {
		return gormstore.Options{URL: pg, Readers: 4}
	}
	return gormstore.Options{SQLitePath: path}
}

// template is the image of a freshly migrated SQLite database, made once per test binary.
var template struct {
	once sync.Once
	img  []byte
}

// sqliteTemplate returns the bytes of a migrated SQLite database, or nil when making one failed (each
// test then migrates its own, and reports the failure itself).
func sqliteTemplate() []byte {
	template.once.Do(func() {
		dir, err := os.MkdirTemp("", "thanhtra-storetest-")
		if err != nil {
			return
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "template.db")
		ctx := context.Background()
		s, err := gormstore.Open(ctx, gormstore.Options{SQLitePath: path})
		if err != nil {
			return
		}
		_, err = s.Migrate(ctx)
		s.Close() // the last connection's close checkpoints the WAL into the file
		if err != nil {
			return
		}
		if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
			return // not all in the main file: no template
		}
		template.img, _ = os.ReadFile(path)
	})
	return template.img
}
