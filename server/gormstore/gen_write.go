package gormstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// genChunk is the number of rows one COPY (PostgreSQL) or one progress report (SQLite) takes.
const genChunk = 20000

// genWriter returns the bulk writer of the store's engine.
func (s *Store) genWriter(ctx context.Context) (genWriter, error) {
	db, err := s.w.DB()
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if s.dialect == Postgres {
		w := &genPG{conn: conn}
		// Nothing here is acknowledged to anyone: a crash loses the last batches, and the run is
		// repeated into a new database.
		if _, err := conn.ExecContext(ctx, "SET synchronous_commit = off"); err != nil {
			_ = conn.Close()
			return nil, err
		}
		// Generated rows are consistent by construction (TestGenerate checks every reference);
		// skipping the per-row foreign-key triggers makes COPY several times faster. Only a
		// superuser may; anyone else gets the checks.
		if _, err := conn.ExecContext(ctx, "SET session_replication_role = replica"); err == nil {
			w.noTriggers = true
		}
		return w, nil
	}
	// A page cache of 1 GiB for this connection: the indexes on random IDs of millions of rows
	// otherwise read most pages from the file again for every insert.
	// Without the foreign-key checks (TestGenerate checks every reference instead) and with OR FAIL,
	// a multi-row INSERT can no longer abort halfway, so SQLite keeps no statement journal for it:
	// allocating and freeing one per statement cost most of the time.
	for _, p := range []string{"PRAGMA cache_size = -1048576", "PRAGMA temp_store = MEMORY", "PRAGMA foreign_keys = OFF"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			_ = conn.Close()
			return nil, err
		}
	}
	return &genSQLite{conn: conn, stmts: map[string]*sql.Stmt{}}, nil
}

// genPG writes with COPY through pgx.
type genPG struct {
	conn       *sql.Conn
	noTriggers bool
}

func (w *genPG) close() {
	if w.noTriggers {
		_, _ = w.conn.ExecContext(context.Background(), "SET session_replication_role = DEFAULT")
	}
	_ = w.conn.Close()
}

func (w *genPG) write(ctx context.Context, b *genBatch, progress func(string, int)) error {
	return w.conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		for _, t := range b.tables {
			for i := 0; i < len(t.rows); i += genChunk {
				rows := t.rows[i:min(i+genChunk, len(t.rows))]
				for _, r := range rows {
					for k, v := range r {
						if d, ok := v.(genDay); ok {
							r[k] = time.Time(d)
						}
					}
				}
				if err := w.copy(ctx, pc, t, rows); err != nil {
					return err
				}
				progress(t.name, len(rows))
			}
			t.rows = nil
		}
		return nil
	})
}

// copy writes rows of t with COPY in a transaction of its own. Without triggers the statistics' marks
// (migration 0023) are not written either: the transaction then marks every day of every
// organisation itself, so that no stored period outlives the rows it did not see.
func (w *genPG) copy(ctx context.Context, pc *pgx.Conn, t *genTable, rows [][]any) error {
	tx, err := pc.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("COPY %s: %w", t.name, err)
	}
	if w.noTriggers {
		if _, err := tx.Exec(ctx, "INSERT INTO stats_marks (org_id, day) VALUES ('', '0001-01-01')"); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// genSQLite writes multi-row INSERTs, 100 rows a statement (faster than 1000 here: INFRA.md), in one
// transaction per batch.
type genSQLite struct {
	conn  *sql.Conn
	stmts map[string]*sql.Stmt
}

func (w *genSQLite) close() {
	for _, st := range w.stmts {
		_ = st.Close()
	}
	_, _ = w.conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON")
	_ = w.conn.Close()
}

func (w *genSQLite) stmt(ctx context.Context, t *genTable, n int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s/%d", t.name, n)
	if st, ok := w.stmts[key]; ok {
		return st, nil
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(t.cols)), ",") + ")"
	q := "INSERT OR FAIL INTO " + t.name + " (" + strings.Join(t.cols, ",") + ") VALUES " + strings.TrimSuffix(strings.Repeat(one+",", n), ",")
	st, err := w.conn.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	w.stmts[key] = st
	return st, nil
}

func (w *genSQLite) write(ctx context.Context, b *genBatch, progress func(string, int)) (err error) {
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = w.conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	const per = 100
	for _, t := range b.tables {
		args := make([]any, 0, per*len(t.cols))
		reported := 0
		for i := 0; i < len(t.rows); i += per {
			rows := t.rows[i:min(i+per, len(t.rows))]
			args = args[:0]
			for _, r := range rows {
				for _, v := range r {
					if d, ok := v.(genDay); ok {
						v = time.Time(d).Format(time.DateOnly)
					}
					args = append(args, v)
				}
			}
			st, err := w.stmt(ctx, t, len(rows))
			if err != nil {
				return err
			}
			if _, err := st.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("INSERT %s: %w", t.name, err)
			}
			if i+len(rows)-reported >= genChunk || i+len(rows) == len(t.rows) {
				progress(t.name, i+len(rows)-reported)
				reported = i + len(rows)
			}
		}
		t.rows = nil
	}
	_, err = w.conn.ExecContext(ctx, "COMMIT")
	return err
}
