package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/graphsec/graphsec/internal/clock"
)

// ErrSchemaTooNew means the database records a migration this build does
// not know: it was written by a newer graphsec, and an older one must not
// guess at tables it does not understand.
var ErrSchemaTooNew = errors.New("sqlite: database schema is newer than this graphsec")

// migration is one step of the schema's history. Steps are append-only:
// a released step is never edited, a change is a new step, because a
// database records only the versions it has applied, not their text.
type migration struct {
	version int64
	name    string
	stmts   []string
}

// migrations is the schema's history, in order. The PostgreSQL store has
// the same steps with PostgreSQL types.
//
// STRICT tables make SQLite refuse a value of the wrong type instead of
// storing it as whatever it is. AUTOINCREMENT keeps activity ids from being
// reused after the newest row is deleted, so "ids increase" holds for the
// life of the file. Times are INTEGER microseconds since the Unix epoch.
var migrations = []migration{
	{
		version: 1,
		name:    "sessions, login flows, activity",
		stmts: []string{
			`CREATE TABLE sessions (
				id                  TEXT    NOT NULL PRIMARY KEY,
				user_id             TEXT    NOT NULL,
				user_principal_name TEXT    NOT NULL,
				display_name        TEXT    NOT NULL,
				tenant_id           TEXT    NOT NULL,
				tokens              BLOB    NOT NULL,
				csrf_token          TEXT    NOT NULL,
				created_at          INTEGER NOT NULL,
				last_seen_at        INTEGER NOT NULL,
				expires_at          INTEGER NOT NULL
			) STRICT`,
			`CREATE INDEX sessions_expires_at ON sessions (expires_at)`,
			`CREATE TABLE login_flows (
				state      TEXT    NOT NULL PRIMARY KEY,
				binding    TEXT    NOT NULL,
				sealed     BLOB    NOT NULL,
				return_to  TEXT    NOT NULL,
				created_at INTEGER NOT NULL,
				expires_at INTEGER NOT NULL
			) STRICT`,
			`CREATE INDEX login_flows_expires_at ON login_flows (expires_at)`,
			`CREATE TABLE activity (
				id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
				resource    TEXT    NOT NULL,
				resource_id TEXT    NOT NULL,
				action      TEXT    NOT NULL,
				actor_id    TEXT    NOT NULL,
				actor_name  TEXT    NOT NULL,
				at          INTEGER NOT NULL,
				request_id  TEXT    NOT NULL,
				changes     BLOB    NOT NULL
			) STRICT`,
			`CREATE INDEX activity_resource ON activity (resource, resource_id, id)`,
		},
	},
}

// migrate applies the pending migrations in one write transaction (BEGIN
// IMMEDIATE through the writer pool), so a crash half-way leaves the
// database as it was and two processes opening a new file at once apply
// each step once: the second waits for the write lock, then finds the
// steps recorded.
func migrate(ctx context.Context, w *sql.DB, clk clock.Clock) error {
	return applyMigrations(ctx, w, clk, migrations)
}

func applyMigrations(ctx context.Context, w *sql.DB, clk clock.Clock, steps []migration) (err error) {
	if err := checkSteps(steps); err != nil {
		return err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER NOT NULL PRIMARY KEY,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("sqlite: migrate: %w", err)
	}
	applied, err := appliedVersions(ctx, tx)
	if err != nil {
		return err
	}
	known := make(map[int64]bool, len(steps))
	for _, m := range steps {
		known[m.version] = true
	}
	latest := steps[len(steps)-1].version
	for v := range applied {
		if !known[v] {
			return fmt.Errorf("%w: it records migration %d; this build knows migrations 1 to %d", ErrSchemaTooNew, v, latest)
		}
	}
	for _, m := range steps {
		if applied[m.version] {
			continue
		}
		for _, stmt := range m.stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlite: migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.version, clk.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int64]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer rows.Close()
	applied := map[int64]bool{}
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlite: migrate: %w", err)
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: migrate: %w", err)
	}
	return applied, nil
}

// checkSteps guards the list itself: versions must run 1, 2, 3, ... so that
// "unknown version" can only mean "newer build".
func checkSteps(steps []migration) error {
	if len(steps) == 0 {
		return errors.New("sqlite: no migrations")
	}
	for i, m := range steps {
		if m.version != int64(i+1) {
			return fmt.Errorf("sqlite: migration %d has version %d, want %d", i, m.version, i+1)
		}
		if len(m.stmts) == 0 {
			return fmt.Errorf("sqlite: migration %d has no statements", m.version)
		}
	}
	return nil
}
