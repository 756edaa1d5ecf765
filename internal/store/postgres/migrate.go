package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/clock"
)

// ErrSchemaTooNew means the database records a migration this build does
// not know: it was written by a newer graphsec, and an older one must not
// guess at tables it does not understand.
var ErrSchemaTooNew = errors.New("postgres: database schema is newer than this graphsec")

// migrationLock is the advisory lock key that serialises migrations. It is
// one key for the whole database (not per schema): migrations are rare and
// short, and one key cannot be missed by a replica with another search_path.
// The value is "graphsec" in ASCII read as a big-endian integer; it only
// has to differ from the keys of other applications sharing the database.
const migrationLock int64 = 0x6772617068736563

// migration is one step of the schema's history. Steps are append-only:
// a released step is never edited, a change is a new step, because a
// database records only the versions it has applied, not their text.
type migration struct {
	version int64
	name    string
	stmts   []string
}

// migrations mirrors the SQLite store's steps in PostgreSQL types.
// Activity ids come from an identity column, which never hands out a
// value twice, so "ids increase" holds; the (resource, resource_id, id)
// index serves ListActivity's filter and order with one index scan.
var migrations = []migration{
	{
		version: 1,
		name:    "sessions, login flows, activity",
		stmts: []string{
			`CREATE TABLE sessions (
				id                  text        NOT NULL PRIMARY KEY,
				user_id             text        NOT NULL,
				user_principal_name text        NOT NULL,
				display_name        text        NOT NULL,
				tenant_id           text        NOT NULL,
				tokens              bytea       NOT NULL,
				csrf_token          text        NOT NULL,
				created_at          timestamptz NOT NULL,
				last_seen_at        timestamptz NOT NULL,
				expires_at          timestamptz NOT NULL
			)`,
			`CREATE INDEX sessions_expires_at ON sessions (expires_at)`,
			`CREATE TABLE login_flows (
				state      text        NOT NULL PRIMARY KEY,
				binding    text        NOT NULL,
				sealed     bytea       NOT NULL,
				return_to  text        NOT NULL,
				created_at timestamptz NOT NULL,
				expires_at timestamptz NOT NULL
			)`,
			`CREATE INDEX login_flows_expires_at ON login_flows (expires_at)`,
			`CREATE TABLE activity (
				id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				resource    text        NOT NULL,
				resource_id text        NOT NULL,
				action      text        NOT NULL,
				actor_id    text        NOT NULL,
				actor_name  text        NOT NULL,
				at          timestamptz NOT NULL,
				request_id  text        NOT NULL,
				changes     bytea       NOT NULL
			)`,
			`CREATE INDEX activity_resource ON activity (resource, resource_id, id)`,
		},
	},
}

// applyMigrations applies the pending steps in one transaction under the
// advisory lock. A failure leaves the database as it was (PostgreSQL's DDL
// is transactional).
func applyMigrations(ctx context.Context, c *pgx.Conn, clk clock.Clock, steps []migration) (err error) {
	if err := checkSteps(steps); err != nil {
		return err
	}
	tx, err := c.Begin(ctx)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	defer func() {
		if err != nil {
			// Even when ctx is done; if this fails too, the pool drops
			// the connection, which ends the transaction server-side.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			tx.Rollback(rctx)
		}
	}()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrationLock); err != nil {
		return fmt.Errorf("postgres: migrate: lock: %w", err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    bigint      NOT NULL PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`); err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	applied := make(map[int64]bool, len(versions))
	for _, v := range versions {
		applied[v] = true
	}
	known := make(map[int64]bool, len(steps))
	for _, m := range steps {
		known[m.version] = true
	}
	latest := steps[len(steps)-1].version
	for _, v := range versions {
		if !known[v] {
			return fmt.Errorf("%w: it records migration %d; this build knows migrations 1 to %d", ErrSchemaTooNew, v, latest)
		}
	}
	for _, m := range steps {
		if applied[m.version] {
			continue
		}
		for _, stmt := range m.stmts {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("postgres: migration %d (%s): %w", m.version, m.name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.version, clk.Now()); err != nil {
			return fmt.Errorf("postgres: migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: commit: %w", err)
	}
	return nil
}

// checkSteps guards the list itself: versions must run 1, 2, 3, ... so that
// "unknown version" can only mean "newer build".
func checkSteps(steps []migration) error {
	if len(steps) == 0 {
		return errors.New("postgres: no migrations")
	}
	for i, m := range steps {
		if m.version != int64(i+1) {
			return fmt.Errorf("postgres: migration %d has version %d, want %d", i, m.version, i+1)
		}
		if len(m.stmts) == 0 {
			return fmt.Errorf("postgres: migration %d has no statements", m.version)
		}
	}
	return nil
}
