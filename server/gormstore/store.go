// Package gormstore is the storage adapter: every table of the system, on SQLite (the embedded
// default, through a pure-Go driver) and on PostgreSQL, through gorm.
//
// Row structs carry gorm tags and stay private to this package; methods take and return the domain
// types of the packages they serve. *gorm.DB never leaves the package. Driver errors are translated
// into errs kinds here and nowhere else. Dialect-specific SQL lives here too (DECISIONS D19).
//
// Durability (D8): on SQLite, WAL with synchronous=FULL, one writer connection and a separate pool of
// readers; nothing is acknowledged before its transaction is committed to disk.
package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/skhcn-caobang/thanhtra/server/clock"
	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Dialect names a database engine.
type Dialect string

// The engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Options configure Open.
type Options struct {
	// URL is a postgres:// or postgresql:// URL; empty means SQLite at SQLitePath.
	URL string
	// SQLitePath is the SQLite database file, used when URL is empty.
	SQLitePath string
	// Readers is the size of the SQLite reader pool (default 4) or the PostgreSQL pool (default 20).
	Readers int
	Logger  *slog.Logger
	Clock   clock.Clock
	IDs     clock.IDs
}

// Store is the database. Its methods are safe for concurrent use.
type Store struct {
	dialect Dialect
	w       *gorm.DB // the writer: one connection on SQLite
	r       *gorm.DB // readers: a pool; the same pool as w on PostgreSQL
	log     *slog.Logger
	clock   clock.Clock
	ids     clock.IDs
	scopes  sync.Map // organisation|person → scopeCacheEntry (sync_scopes.go)
}

// Open connects to the database and checks that its schema is not newer than this binary. It does not
// migrate: call Migrate. A database that cannot be reached is errs.Unavailable.
func Open(ctx context.Context, o Options) (*Store, error) {
	const op = errs.Op("gormstore.Open")
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.IDs == nil {
		o.IDs = clock.UUIDv7{}
	}
	cfg := &gorm.Config{
		TranslateError:         true,
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return o.Clock.Now().UTC() },
	}
	s := &Store{log: o.Logger, clock: o.Clock, ids: o.IDs}
	var err error
	switch {
	case o.URL == "":
		s.dialect = SQLite
		err = s.openSQLite(o, cfg)
	case strings.HasPrefix(o.URL, "postgres://") || strings.HasPrefix(o.URL, "postgresql://"):
		s.dialect = Postgres
		err = s.openPostgres(o, cfg)
	default:
		return nil, errs.E(op, errs.Invalid, "DATABASE_URL must be empty (SQLite) or start with postgres://")
	}
	if err != nil {
		return nil, errs.E(op, err)
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, errs.E(op, err)
	}
	if err := s.checkSchemaNotNewer(ctx); err != nil {
		s.Close()
		return nil, errs.E(op, err)
	}
	return s, nil
}

func (s *Store) openSQLite(o Options, cfg *gorm.Config) error {
	if o.SQLitePath == "" {
		return errs.E(errs.Invalid, "no SQLite path")
	}
	if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o750); err != nil {
		return errs.E(errs.Unavailable, err)
	}
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	// The writer keeps its statements prepared: a push runs the same few statements for every item,
	// and parsing them again each time was a quarter of its cost.
	wcfg := *cfg
	wcfg.PrepareStmt, wcfg.PrepareStmtMaxSize = true, 500
	w, err := gorm.Open(sqlite.Open("file:"+o.SQLitePath+"?"+pragmas+"&_txlock=immediate"), &wcfg)
	if err != nil {
		return errs.E(errs.Unavailable, err)
	}
	wdb, _ := w.DB()
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	// The readers too: a phone's pull runs the same statements every time.
	rcfg := *cfg
	rcfg.PrepareStmt, rcfg.PrepareStmtMaxSize = true, 500
	r, err := gorm.Open(sqlite.Open("file:"+o.SQLitePath+"?"+pragmas+"&_pragma=query_only(1)"), &rcfg)
	if err != nil {
		wdb.Close()
		return errs.E(errs.Unavailable, err)
	}
	n := o.Readers
	if n <= 0 {
		n = 4
	}
	rdb, _ := r.DB()
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	s.w, s.r = w, r
	return nil
}

func (s *Store) openPostgres(o Options, cfg *gorm.Config) error {
	db, err := gorm.Open(postgres.Open(o.URL), cfg)
	if err != nil {
		return errs.E(errs.Unavailable, err)
	}
	n := o.Readers
	if n <= 0 {
		n = 20
	}
	sdb, _ := db.DB()
	sdb.SetMaxOpenConns(n)
	sdb.SetMaxIdleConns(n)
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	s.w, s.r = db, db
	return nil
}

// Dialect tells which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers (for readiness probes).
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for _, db := range s.pools() {
		if err := db.PingContext(ctx); err != nil {
			return errs.E(errs.Op("gormstore.Ping"), errs.Unavailable, err)
		}
	}
	return nil
}

// Pools returns the connection pools by name ("writer", "reader"), for metrics.
func (s *Store) Pools() map[string]*sql.DB {
	w, _ := s.w.DB()
	if s.dialect == Postgres {
		return map[string]*sql.DB{"pool": w}
	}
	r, _ := s.r.DB()
	return map[string]*sql.DB{"writer": w, "reader": r}
}

func (s *Store) pools() []*sql.DB {
	var out []*sql.DB
	for _, db := range s.Pools() {
		out = append(out, db)
	}
	return out
}

// Close closes the pools.
func (s *Store) Close() error {
	var errList []error
	for _, db := range s.pools() {
		errList = append(errList, db.Close())
	}
	return errors.Join(errList...)
}

// write runs fn in one write transaction. On SQLite it is the single writer connection, with
// BEGIN IMMEDIATE so that the write lock is taken up front.
func (s *Store) write(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.w.WithContext(ctx).Transaction(fn)
}

// read returns the reader pool bound to ctx.
func (s *Store) read(ctx context.Context) *gorm.DB { return s.r.WithContext(ctx) }

// translate turns a driver error into an errs error of the right kind. Callers add the op.
func translate(err error, notFound errs.Code) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return errs.E(errs.NotFound, notFound, err)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errs.E(errs.Conflict, err)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return errs.E(errs.Invalid, err)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errs.E(errs.Unavailable, err)
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf("database: %w", err)
}
