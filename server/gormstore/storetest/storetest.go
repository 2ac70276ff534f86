// Package storetest gives each test a fresh, migrated database on the engine the environment selects:
// SQLite in a temporary directory by default, PostgreSQL (a schema of its own per test) when
// TEST_DATABASE_URL is set. With TEST_REQUIRE_POSTGRES=1 a missing or unreachable PostgreSQL fails the
// test instead of falling back, so CI cannot go green without it.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/gormstore"
)

// Engine names the engine NewDB will use, from the environment.
func Engine() gormstore.Dialect {
	if os.Getenv("TEST_DATABASE_URL") != "" {
		return gormstore.Postgres
	}
	return gormstore.SQLite
}

var logOnce sync.Once

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
	required := os.Getenv("TEST_REQUIRE_POSTGRES") == "1"
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		if required {
			t.Fatal("storetest: TEST_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
		}
		logOnce.Do(func() { t.Log("storetest: engine sqlite (set TEST_DATABASE_URL for PostgreSQL)") })
		return gormstore.Options{SQLitePath: filepath.Join(t.TempDir(), "test.db")}
	}
	logOnce.Do(func() { t.Log("storetest: engine postgres") })
	db, err := gorm.Open(postgres.Open(admin), &gorm.Config{Logger: logger.Discard})
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.WithContext(ctx).Exec("SELECT 1").Error
	}
	if err != nil {
		if required {
			t.Fatalf("storetest: PostgreSQL required but unreachable at TEST_DATABASE_URL: %v", err)
		}
		t.Skipf("storetest: PostgreSQL unreachable, skipping: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if err := db.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("storetest: create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		if sdb, err := db.DB(); err == nil {
			sdb.Close()
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("storetest: TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return gormstore.Options{URL: u.String(), Readers: 4}
}
