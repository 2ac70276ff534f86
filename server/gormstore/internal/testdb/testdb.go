// Package testdb prepares a fresh, empty database for one test, on the engine the environment
// selects: a SQLite file in a temporary directory by default, or a PostgreSQL schema of its own when
// TEST_DATABASE_URL is set. With TEST_REQUIRE_POSTGRES=1 a missing or unreachable PostgreSQL fails the
// test instead of falling back. It does not import gormstore, so that gormstore's own tests can use it.
package testdb

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
)

var logOnce sync.Once

// Fresh returns either a PostgreSQL URL whose search_path is a new empty schema (dropped at the end of
// the test) or, when PostgreSQL is not selected, a SQLite file path in a temporary directory.
func Fresh(t testing.TB) (postgresURL, sqlitePath string) {
	t.Helper()
	required := os.Getenv("TEST_REQUIRE_POSTGRES") == "1"
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		if required {
			t.Fatal("testdb: TEST_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
		}
		logOnce.Do(func() { t.Log("testdb: engine sqlite (set TEST_DATABASE_URL for PostgreSQL)") })
		return "", filepath.Join(t.TempDir(), "test.db")
	}
	logOnce.Do(func() { t.Log("testdb: engine postgres") })
	db, err := gorm.Open(postgres.Open(admin), &gorm.Config{Logger: logger.Discard})
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err = db.WithContext(ctx).Exec("SELECT 1").Error
	}
	if err != nil {
		if required {
			t.Fatalf("testdb: PostgreSQL required but unreachable at TEST_DATABASE_URL: %v", err)
		}
		t.Skipf("testdb: PostgreSQL unreachable, skipping: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if err := db.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("testdb: create schema: %v", err)
	}
	t.Cleanup(func() {
		db.Exec("DROP SCHEMA " + schema + " CASCADE")
		if sdb, err := db.DB(); err == nil {
			sdb.Close()
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testdb: TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), ""
}
