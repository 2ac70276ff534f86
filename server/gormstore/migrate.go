package gormstore

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/skhcn-caobang/thanhtra/server/errs"
)

// Migrations are forward-only SQL files per dialect, named NNNN_description.sql. Once released a file
// never changes: its checksum is recorded when applied, and a changed file is refused at start.
//
//go:embed migrations
var migrationFS embed.FS

// migration is one embedded migration file.
type migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

type schemaMigrationRow struct {
	Version   int    `gorm:"primaryKey"`
	Name      string `gorm:"not null"`
	Checksum  string `gorm:"not null"`
	AppliedAt time.Time
}

func (schemaMigrationRow) TableName() string { return "schema_migrations" }

func migrations(d Dialect) ([]migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must be NNNN_description.sql", e.Name())
		}
		b, err := fs.ReadFile(migrationFS, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out = append(out, migration{Version: v, Name: e.Name(), SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %s: versions must run 1, 2, 3… without gaps", m.Name)
		}
	}
	return out, nil
}

// LatestSchemaVersion is the schema version this binary brings for the store's dialect.
func (s *Store) LatestSchemaVersion() int {
	ms, _ := migrations(s.dialect)
	return len(ms)
}

// SchemaVersion is the highest migration applied to the database (0 for an empty database).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	if !s.r.WithContext(ctx).Migrator().HasTable("schema_migrations") {
		return 0, nil
	}
	var v *int
	if err := s.read(ctx).Model(&schemaMigrationRow{}).Select("max(version)").Scan(&v).Error; err != nil {
		return 0, errs.E(errs.Op("gormstore.SchemaVersion"), translate(err, ""))
	}
	if v == nil {
		return 0, nil
	}
	return *v, nil
}

func (s *Store) checkSchemaNotNewer(ctx context.Context) error {
	have, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if latest := s.LatestSchemaVersion(); have > latest {
		return errs.E(errs.Invalid, errs.CodeSchemaTooNew,
			fmt.Sprintf("the database is at schema version %d but this binary knows only up to %d: run a newer binary", have, latest))
	}
	return nil
}

// Migrate applies the pending migrations, each in its own transaction together with its record in
// schema_migrations, and returns the names applied. On PostgreSQL an advisory lock keeps replicas that
// start together from applying the same migration twice. A recorded migration whose file has changed
// is refused.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	const op = errs.Op("gormstore.Migrate")
	ms, err := migrations(s.dialect)
	if err != nil {
		return nil, errs.E(op, err)
	}
	create := `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)`
	if s.dialect == Postgres {
		create = strings.Replace(create, "TIMESTAMP", "TIMESTAMPTZ", 1)
	}
	// Under the migration lock too: two PostgreSQL sessions running CREATE TABLE IF NOT EXISTS at once
	// can both find the table missing, and the second fails on pg_type's unique index.
	if err := s.write(ctx, func(tx *gorm.DB) error {
		if err := s.lockMigrations(tx); err != nil {
			return err
		}
		return tx.Exec(create).Error
	}); err != nil {
		return nil, errs.E(op, translate(err, ""))
	}
	var applied []string
	for _, m := range ms {
		done, err := s.applyMigration(ctx, m)
		if err != nil {
			return applied, errs.E(op, fmt.Sprintf("migration %s", m.Name), err)
		}
		if done {
			applied = append(applied, m.Name)
			s.log.Info("migration applied", "dialect", s.dialect, "migration", m.Name)
		}
	}
	if err := s.checkSchemaNotNewer(ctx); err != nil {
		return applied, errs.E(op, err)
	}
	return applied, nil
}

func (s *Store) applyMigration(ctx context.Context, m migration) (applied bool, err error) {
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := s.lockMigrations(tx); err != nil {
			return err
		}
		var rows []schemaMigrationRow
		if err := tx.Where("version = ?", m.Version).Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 1 {
			if rows[0].Checksum != m.Checksum {
				return fmt.Errorf("the file has changed since it was applied (migrations are append-only: add a new one)")
			}
			return nil
		}
		if err := tx.Exec(m.SQL).Error; err != nil {
			return err
		}
		applied = true
		return tx.Create(&schemaMigrationRow{Version: m.Version, Name: m.Name, Checksum: m.Checksum, AppliedAt: s.clock.Now().UTC()}).Error
	})
	return applied, err
}

// lockMigrations takes, on PostgreSQL, the one lock of all migration work: per transaction, released
// at commit. SQLite's single writer (BEGIN IMMEDIATE) already serialises.
func (s *Store) lockMigrations(tx *gorm.DB) error {
	if s.dialect != Postgres {
		return nil
	}
	return tx.Exec("SELECT pg_advisory_xact_lock(7310001)").Error
}
