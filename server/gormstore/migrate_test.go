package gormstore

// These tests are internal to the package because the drift test needs the private row structs and
// the failed-migration test calls applyMigration with a migration that is not embedded. An internal
// test cannot import storetest (storetest imports gormstore), so freshOptions below repeats what
// storetest.URLFor does, with the same environment variables and the same skip-or-fail rule.

import (
	"context"
	"database/sql"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/glebarez/go-sqlite" // registers the database/sql driver "sqlite" for the raw connection
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/schema"

	"github.com/skhcn-caobang/thanhtra/server/errs"
	"github.com/skhcn-caobang/thanhtra/server/gormstore/internal/testdb"
)

// freshOptions prepares a fresh, empty database on the engine the environment selects and returns the
// options that open it: SQLite in a temporary directory, or a schema of its own on the PostgreSQL
// server of TEST_DATABASE_URL. With TEST_REQUIRE_POSTGRES=1 a missing or unreachable PostgreSQL fails.
func freshOptions(t testing.TB) Options {
	t.Helper()
	pg, path := testdb.Fresh(t)
	if pg != "" {
		return Options{URL: pg, Readers: 4}
	}
	return Options{SQLitePath: path}
}

// openStore opens the database of o, closing it at the end of the test.
func openStore(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// migratedStore opens a fresh database and migrates it.
func migratedStore(t testing.TB) (*Store, Options) {
	t.Helper()
	o := freshOptions(t)
	s := openStore(t, o)
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s, o
}

// rawExec runs one statement on a connection of its own, outside the store, as an operator with
// a database shell would: database/sql on SQLite, gorm on PostgreSQL. Placeholders are "?" on both.
func rawExec(t testing.TB, o Options, query string, args ...any) {
	t.Helper()
	if o.URL == "" {
		db, err := sql.Open("sqlite", "file:"+o.SQLitePath+"?_pragma=busy_timeout(10000)")
		if err != nil {
			t.Fatalf("raw open: %v", err)
		}
		defer db.Close()
		if _, err := db.Exec(query, args...); err != nil {
			t.Fatalf("raw exec %q: %v", query, err)
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
	if err := db.Exec(query, args...).Error; err != nil {
		t.Fatalf("raw exec %q: %v", query, err)
	}
}

func TestMigrateTwiceAppliesNothingTheSecondTime(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, freshOptions(t))
	ms, err := migrations(s.Dialect())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	first, err := s.Migrate(ctx)
	if err != nil {
		t.Fatalf("first migrate: %v", err)
	}
	if !slices.Equal(first, want) {
		t.Fatalf("first migrate applied %v, want every migration %v", first, want)
	}
	second, err := s.Migrate(ctx)
	if err != nil {
		t.Fatalf("second migrate: %v", err)
	}
	if len(second) != 0 {
		t.Fatalf("second migrate applied %v, want nothing", second)
	}
	var n int64
	if err := s.read(ctx).Model(&schemaMigrationRow{}).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if int(n) != len(want) {
		t.Fatalf("schema_migrations holds %d rows, want %d", n, len(want))
	}
}

func TestSchemaVersion(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, freshOptions(t))
	if got, err := s.SchemaVersion(ctx); err != nil || got != 0 {
		t.Fatalf("SchemaVersion of an empty database = %d, %v; want 0", got, err)
	}
	latest := s.LatestSchemaVersion()
	if latest < 2 {
		t.Fatalf("LatestSchemaVersion = %d, want at least the identity and audit migrations", latest)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SchemaVersion(ctx); err != nil || got != latest {
		t.Fatalf("SchemaVersion after Migrate = %d, %v; want LatestSchemaVersion %d", got, err, latest)
	}
}

// TestNewerSchemaRefused plays an old binary started on a database that a newer binary migrated.
func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	s, o := migratedStore(t)
	latest := s.LatestSchemaVersion()
	future := latest + 1
	rawExec(t, o, "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
		future, fmt.Sprintf("%04d_from_the_future.sql", future), "feed", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	wantRefusal := func(t *testing.T, err error) {
		t.Helper()
		if err == nil {
			t.Fatal("got no error, want schema_too_new")
		}
		if got := errs.CodeOf(err); got != errs.CodeSchemaTooNew {
			t.Fatalf("got code %s (%v), want %s", got, err, errs.CodeSchemaTooNew)
		}
		for _, v := range []string{fmt.Sprintf("version %d", future), fmt.Sprintf("up to %d", latest)} {
			if !strings.Contains(err.Error(), v) {
				t.Errorf("message %q does not name %q", err, v)
			}
		}
	}
	t.Run("Open", func(t *testing.T) {
		s2, err := Open(ctx, o)
		if err == nil {
			s2.Close()
		}
		wantRefusal(t, err)
	})
	t.Run("Migrate on a store opened before", func(t *testing.T) {
		applied, err := s.Migrate(ctx)
		wantRefusal(t, err)
		if len(applied) != 0 {
			t.Errorf("applied %v, want nothing", applied)
		}
	})
}

func TestChangedMigrationRefused(t *testing.T) {
	ctx := context.Background()
	s, o := migratedStore(t)
	rawExec(t, o, "UPDATE schema_migrations SET checksum = ? WHERE version = 1", strings.Repeat("0", 64))
	applied, err := s.Migrate(ctx)
	if err == nil {
		t.Fatal("Migrate accepted a recorded migration whose checksum differs from the embedded file")
	}
	if len(applied) != 0 {
		t.Errorf("applied %v, want nothing", applied)
	}
	ms, _ := migrations(s.Dialect())
	for _, want := range []string{ms[0].Name, "changed"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

// TestFailedMigrationLeavesNothing applies, through applyMigration, a migration whose first statement
// works and whose second fails: neither the table of the first nor the record of the migration may
// remain. Migrate reads only embedded files, so a broken file cannot be given to it without changing
// production code; applyMigration is the part of Migrate that owns the transaction.
func TestFailedMigrationLeavesNothing(t *testing.T) {
	ctx := context.Background()
	s, _ := migratedStore(t)
	next := s.LatestSchemaVersion() + 1
	broken := migration{Version: next, Name: fmt.Sprintf("%04d_broken.sql", next), Checksum: "broken",
		SQL: "CREATE TABLE half_applied (id TEXT PRIMARY KEY);\nINSERT INTO no_such_table (id) VALUES ('x');\n"}
	applied, err := s.applyMigration(ctx, broken)
	if err == nil {
		t.Fatal("applyMigration of a broken migration returned no error")
	}
	if applied {
		t.Error("applyMigration reported a broken migration applied")
	}
	if s.w.Migrator().HasTable("half_applied") {
		t.Error("the table of the migration's first statement survived its failure")
	}
	if got, err := s.SchemaVersion(ctx); err != nil || got != next-1 {
		t.Errorf("SchemaVersion = %d, %v; want %d (the failed migration must not be recorded)", got, err, next-1)
	}
	// The store still works afterwards: the writer was not left inside a transaction.
	if applied, err := s.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate after the failure = %v, %v; want nothing to apply and no error", applied, err)
	}
}

// rowStructs are every row struct of the package, each with the table it maps to.
var rowStructs = []schema.Tabler{
	schemaMigrationRow{},
	organisationRow{}, personRow{}, accountRow{}, deviceRow{},
	refreshTokenRow{},
	auditEventRow{}, auditHeadRow{}, auditAnchorRow{},
	jobRow{},
}

// TestRowStructsMatchSchema is the drift test: the migrations are the schema, and every row struct
// must fit the migrated schema. The migrator only reads here; nothing is created or altered.
func TestRowStructsMatchSchema(t *testing.T) {
	s, _ := migratedStore(t)
	for _, row := range rowStructs {
		t.Run(row.TableName(), func(t *testing.T) {
			problems, err := drift(s.w, row)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
	// The check itself must be able to fail: two structs that drifted from audit_heads.
	probes := []struct {
		name string
		row  schema.Tabler
		want string
	}{
		{"field without a column", headWithExtraField{}, "no column witness"},
		{"required column without a field", headWithoutHash{}, "column audit_heads.hash is NOT NULL without a default"},
	}
	for _, p := range probes {
		t.Run("probe/"+p.name, func(t *testing.T) {
			problems, err := drift(s.w, p.row)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 || !strings.Contains(problems[0], p.want) {
				t.Fatalf("drift found %q, want one problem containing %q", problems, p.want)
			}
		})
	}
}

// headWithExtraField has a field that audit_heads has no column for.
type headWithExtraField struct {
	Chain       string `gorm:"primaryKey"`
	Seq         int64
	Hash        string
	AnchoredSeq int64
	Witness     string
}

func (headWithExtraField) TableName() string { return "audit_heads" }

// headWithoutHash lacks hash (NOT NULL, no default) and anchored_seq (which has a default: allowed).
type headWithoutHash struct {
	Chain string `gorm:"primaryKey"`
	Seq   int64
}

func (headWithoutHash) TableName() string { return "audit_heads" }

// drift compares a row struct with its table in the migrated schema. Each persisted field needs a
// column; each column the struct does not know must be nullable or have a default, or inserts through
// the struct would fail. HasColumn is not used: on SQLite it matches the name with LIKE anywhere in the
// CREATE TABLE text, so "hash" would be found in "prev_hash"; the column list is compared exactly.
func drift(db *gorm.DB, row schema.Tabler) ([]string, error) {
	m := db.Migrator()
	if !m.HasTable(row.TableName()) {
		return []string{fmt.Sprintf("no table %s in the migrated schema", row.TableName())}, nil
	}
	sch, err := schema.Parse(row, &sync.Map{}, db.NamingStrategy)
	if err != nil {
		return nil, err
	}
	cols, err := m.ColumnTypes(row)
	if err != nil {
		return nil, err
	}
	byName := map[string]gorm.ColumnType{}
	for _, c := range cols {
		byName[c.Name()] = c
	}
	var problems []string
	fields := map[string]bool{}
	for _, f := range sch.Fields {
		if f.DBName == "" {
			continue // not persisted (gorm:"-")
		}
		fields[f.DBName] = true
		if _, ok := byName[f.DBName]; !ok {
			problems = append(problems, fmt.Sprintf("field %s.%s has no column %s in table %s", sch.Name, f.Name, f.DBName, row.TableName()))
		}
	}
	for _, c := range cols {
		if fields[c.Name()] {
			continue
		}
		nullable, _ := c.Nullable()
		_, hasDefault := c.DefaultValue()
		if !nullable && !hasDefault {
			problems = append(problems, fmt.Sprintf("column %s.%s is NOT NULL without a default, but %s has no field for it", row.TableName(), c.Name(), sch.Name))
		}
	}
	return problems, nil
}

// TestRowStructsListed keeps rowStructs complete: every type of the package with a TableName method
// is a row struct and must be checked by the drift test.
func TestRowStructsListed(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var declared []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Name.Name != "TableName" || len(fn.Recv.List) != 1 {
				continue
			}
			recv := fn.Recv.List[0].Type
			if star, ok := recv.(*ast.StarExpr); ok {
				recv = star.X
			}
			if id, ok := recv.(*ast.Ident); ok {
				declared = append(declared, id.Name)
			}
		}
	}
	var listed []string
	for _, r := range rowStructs {
		listed = append(listed, reflect.TypeOf(r).Name())
	}
	slices.Sort(declared)
	slices.Sort(listed)
	if len(declared) == 0 {
		t.Fatal("found no TableName methods: is the test running in the package directory?")
	}
	if !slices.Equal(declared, listed) {
		t.Fatalf("row structs with TableName: %v\nchecked by TestRowStructsMatchSchema: %v\nadd the missing ones to rowStructs", declared, listed)
	}
}

// TestConcurrentMigrate starts several replicas on one empty database at once: each migration is
// applied exactly once, by one of them, and none fails.
func TestConcurrentMigrate(t *testing.T) {
	const replicas = 4
	ctx := context.Background()
	o := freshOptions(t)
	stores := make([]*Store, replicas)
	for i := range stores {
		stores[i] = openStore(t, o)
	}
	applied := make([][]string, replicas)
	errc := make([]error, replicas)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			applied[i], errc[i] = s.Migrate(ctx)
		}()
	}
	wg.Wait()
	var all []string
	for i := range stores {
		if errc[i] != nil {
			t.Errorf("replica %d: %v", i, errc[i])
		}
		all = append(all, applied[i]...)
	}
	ms, _ := migrations(stores[0].Dialect())
	var want []string
	for _, m := range ms {
		want = append(want, m.Name)
	}
	slices.Sort(all)
	if !slices.Equal(all, want) {
		t.Fatalf("the replicas applied %v together, want each of %v once", all, want)
	}
}
