package postgres

import (
	"context"
	"fmt"
	"github.com/graphsec/graphsec/internal/store"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/clock"
)

// ErrSchemaTooNew is store.ErrSchemaTooNew: opening a database written by
// a newer graphsec fails with an error wrapping it.
var ErrSchemaTooNew = store.ErrSchemaTooNew

// migrationLock is the advisory lock key that serialises migrations. It is
// one key for the whole database (not per schema): migrations are rare and
// short, and one key cannot be missed by a replica with another search_path.
// The value is "graphsec" in ASCII read as a big-endian integer; it only
// has to differ from the keys of other applications sharing the database.
const migrationLock int64 = 0x6772617068736563

// migrations mirrors the SQLite store's steps in PostgreSQL types.
// Activity ids come from an identity column, which never hands out a
// value twice, so "ids increase" holds; the (resource, resource_id, id)
// index serves ListActivity's filter and order with one index scan.
var migrations = []store.Migration{
	{
		Version: 1,
		Name:    "sessions, login flows, activity",
		Stmts: []string{
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
	{
		Version: 2,
		Name:    "directory roles, bounded sign-ins, form submissions, drafts, activity intents",
		Stmts: []string{
			`ALTER TABLE sessions ADD COLUMN directory_roles text NOT NULL DEFAULT '',
				ADD COLUMN roles_known boolean NOT NULL DEFAULT false`,
			`ALTER TABLE login_flows ADD COLUMN client text NOT NULL DEFAULT ''`,
			`CREATE INDEX login_flows_client ON login_flows (client, created_at)`,
			`CREATE TABLE form_submissions (
				key        text        NOT NULL PRIMARY KEY,
				session    text        NOT NULL,
				done       boolean     NOT NULL,
				status     integer     NOT NULL,
				location   text        NOT NULL,
				created_at timestamptz NOT NULL,
				expires_at timestamptz NOT NULL
			)`,
			`CREATE INDEX form_submissions_session ON form_submissions (session, created_at)`,
			`CREATE INDEX form_submissions_expires_at ON form_submissions (expires_at)`,
			`CREATE TABLE drafts (
				id         text        NOT NULL PRIMARY KEY,
				client     text        NOT NULL,
				return_to  text        NOT NULL,
				sealed     bytea       NOT NULL,
				created_at timestamptz NOT NULL,
				expires_at timestamptz NOT NULL
			)`,
			`CREATE INDEX drafts_client ON drafts (client, created_at)`,
			`CREATE INDEX drafts_expires_at ON drafts (expires_at)`,
			`ALTER TABLE activity ADD COLUMN state text NOT NULL DEFAULT 'done'`,
			`CREATE INDEX activity_pending ON activity (at, id) WHERE state = 'pending'`,
		},
	},
	{
		Version: 3,
		Name:    "live alerts: notifications, feeds, checkpoints",
		Stmts: []string{
			// seq comes from an identity column; AppendNotifications
			// takes an advisory lock so rows commit in seq order (see
			// live.go). search holds store.SearchText. Zero times
			// (unknown) are NULL.
			`CREATE TABLE notifications (
				seq             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				id              text        NOT NULL UNIQUE,
				source          text        NOT NULL,
				feed            text        NOT NULL,
				owner           text        NOT NULL,
				shared          boolean     NOT NULL,
				change_type     text        NOT NULL,
				lifecycle_event text        NOT NULL,
				resource        text        NOT NULL,
				resource_id     text        NOT NULL,
				version         timestamptz,
				title           text        NOT NULL,
				changes         bytea       NOT NULL,
				raw             bytea       NOT NULL,
				received_at     timestamptz NOT NULL,
				search          text        NOT NULL
			)`,
			`CREATE INDEX notifications_received_at ON notifications (received_at)`,
			`CREATE INDEX notifications_feed ON notifications (feed, seq)`,
			`CREATE TABLE feeds (
				id                text        NOT NULL PRIMARY KEY,
				kind              text        NOT NULL,
				owner             text        NOT NULL,
				owner_name        text        NOT NULL,
				shared            boolean     NOT NULL,
				target            text        NOT NULL,
				query             text        NOT NULL,
				resource          text        NOT NULL,
				graph_id          text        NOT NULL,
				client_state_hash bytea       NOT NULL,
				change_type       text        NOT NULL,
				expires_at        timestamptz,
				auth              text        NOT NULL,
				tokens            bytea       NOT NULL,
				state             text        NOT NULL,
				last_error        text        NOT NULL,
				last_item_at      timestamptz,
				created_at        timestamptz NOT NULL,
				updated_at        timestamptz NOT NULL
			)`,
			`CREATE UNIQUE INDEX feeds_graph_id ON feeds (graph_id) WHERE graph_id <> ''`,
			`CREATE INDEX feeds_owner ON feeds (owner)`,
			`CREATE TABLE checkpoints (
				feed       text        NOT NULL PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
				at         timestamptz NOT NULL,
				ids        text[]      NOT NULL,
				updated_at timestamptz NOT NULL
			)`,
		},
	},
	{
		Version: 4,
		Name:    "page tokens and flashes, shared by replicas",
		Stmts: []string{
			`CREATE TABLE tokens (
				id         text        NOT NULL PRIMARY KEY,
				kind       text        NOT NULL,
				session    text        NOT NULL,
				value      bytea       NOT NULL,
				created_at timestamptz NOT NULL,
				expires_at timestamptz NOT NULL
			)`,
			`CREATE INDEX tokens_session ON tokens (session, kind, created_at)`,
			`CREATE INDEX tokens_expires_at ON tokens (expires_at)`,
		},
	},
	{
		Version: 5,
		Name:    "live alerts: the receiver's journal",
		Stmts: []string{
			// One row per acknowledged POST (store.Journal): the items
			// encoded by store.EncodeJournal, their count, and the
			// receipt time for retention.
			`CREATE TABLE notification_journal (
				seq         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
				items       integer     NOT NULL,
				received_at timestamptz NOT NULL,
				body        bytea       NOT NULL
			)`,
		},
	},
	{
		Version: 6,
		Name:    "live alerts: webhook items completed after they are stored",
		Stmts: []string{
			// As SQLite's step 6 (constant defaults: no table rewrite).
			`ALTER TABLE notifications ADD COLUMN enrich text NOT NULL DEFAULT ''`,
			`ALTER TABLE notifications ADD COLUMN enrich_fields bytea NOT NULL DEFAULT ''::bytea`,
			`UPDATE notifications SET enrich = 'skipped' WHERE source = 'webhook'`,
			`CREATE INDEX notifications_enrich_pending ON notifications (seq) WHERE source = 'webhook' AND enrich = ''`,
			`CREATE INDEX notifications_enriched ON notifications (resource_id, seq) WHERE enrich = 'done'`,
		},
	},
}

// applyMigrations applies the pending steps in one transaction under the
// advisory lock. A failure leaves the database as it was (PostgreSQL's DDL
// is transactional).
func applyMigrations(ctx context.Context, c *pgx.Conn, clk clock.Clock, steps []store.Migration) (err error) {
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
	pending, err := store.Pending(steps, versions)
	if err != nil {
		return err
	}
	for _, m := range pending {
		for _, stmt := range m.Stmts {
			if _, err := tx.Exec(ctx, stmt); err != nil {
				return fmt.Errorf("postgres: migration %d (%s): %w", m.Version, m.Name, err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.Version, clk.Now()); err != nil {
			return fmt.Errorf("postgres: migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("postgres: migrate: commit: %w", err)
	}
	return nil
}
