package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"github.com/graphsec/graphsec/internal/store"

	"github.com/graphsec/graphsec/internal/clock"
)

// ErrSchemaTooNew is store.ErrSchemaTooNew: opening a database written by
// a newer graphsec fails with an error wrapping it.
var ErrSchemaTooNew = store.ErrSchemaTooNew

// migrations is the schema's history, in order. The PostgreSQL store has
// the same steps with PostgreSQL types.
//
// STRICT tables make SQLite refuse a value of the wrong type instead of
// storing it as whatever it is. AUTOINCREMENT keeps activity ids from being
// reused after the newest row is deleted, so "ids increase" holds for the
// life of the file. Times are INTEGER microseconds since the Unix epoch.
var migrations = []store.Migration{
	{
		Version: 1,
		Name:    "sessions, login flows, activity",
		Stmts: []string{
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
	{
		Version: 2,
		Name:    "directory roles, bounded sign-ins, form submissions, drafts, activity intents",
		Stmts: []string{
			// Role template ids, space-separated; roles_known 0 or 1.
			`ALTER TABLE sessions ADD COLUMN directory_roles TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE sessions ADD COLUMN roles_known INTEGER NOT NULL DEFAULT 0`,
			`ALTER TABLE login_flows ADD COLUMN client TEXT NOT NULL DEFAULT ''`,
			`CREATE INDEX login_flows_client ON login_flows (client, created_at)`,
			`CREATE TABLE form_submissions (
				key        TEXT    NOT NULL PRIMARY KEY,
				session    TEXT    NOT NULL,
				done       INTEGER NOT NULL,
				status     INTEGER NOT NULL,
				location   TEXT    NOT NULL,
				created_at INTEGER NOT NULL,
				expires_at INTEGER NOT NULL
			) STRICT`,
			`CREATE INDEX form_submissions_session ON form_submissions (session, created_at)`,
			`CREATE INDEX form_submissions_expires_at ON form_submissions (expires_at)`,
			`CREATE TABLE drafts (
				id         TEXT    NOT NULL PRIMARY KEY,
				client     TEXT    NOT NULL,
				return_to  TEXT    NOT NULL,
				sealed     BLOB    NOT NULL,
				created_at INTEGER NOT NULL,
				expires_at INTEGER NOT NULL
			) STRICT`,
			`CREATE INDEX drafts_client ON drafts (client, created_at)`,
			`CREATE INDEX drafts_expires_at ON drafts (expires_at)`,
			// Rows written before intents were recorded are done.
			`ALTER TABLE activity ADD COLUMN state TEXT NOT NULL DEFAULT 'done'`,
			`CREATE INDEX activity_pending ON activity (at, id) WHERE state = 'pending'`,
		},
	},
	{
		Version: 3,
		Name:    "live alerts: notifications, feeds, checkpoints",
		Stmts: []string{
			// seq is the rowid; AUTOINCREMENT keeps it from being reused
			// once retention has deleted the newest rows, so a stream
			// client's Last-Event-ID never names two items. search holds
			// store.SearchText. Zero times (unknown) are NULL.
			`CREATE TABLE notifications (
				seq             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
				id              TEXT    NOT NULL UNIQUE,
				source          TEXT    NOT NULL,
				feed            TEXT    NOT NULL,
				owner           TEXT    NOT NULL,
				shared          INTEGER NOT NULL,
				change_type     TEXT    NOT NULL,
				lifecycle_event TEXT    NOT NULL,
				resource        TEXT    NOT NULL,
				resource_id     TEXT    NOT NULL,
				version         INTEGER,
				title           TEXT    NOT NULL,
				changes         BLOB    NOT NULL,
				raw             BLOB    NOT NULL,
				received_at     INTEGER NOT NULL,
				search          TEXT    NOT NULL
			) STRICT`,
			`CREATE INDEX notifications_received_at ON notifications (received_at)`,
			`CREATE INDEX notifications_feed ON notifications (feed, seq)`,
			`CREATE TABLE feeds (
				id                TEXT    NOT NULL PRIMARY KEY,
				kind              TEXT    NOT NULL,
				owner             TEXT    NOT NULL,
				owner_name        TEXT    NOT NULL,
				shared            INTEGER NOT NULL,
				target            TEXT    NOT NULL,
				query             TEXT    NOT NULL,
				resource          TEXT    NOT NULL,
				graph_id          TEXT    NOT NULL,
				client_state_hash BLOB    NOT NULL,
				change_type       TEXT    NOT NULL,
				expires_at        INTEGER,
				auth              TEXT    NOT NULL,
				tokens            BLOB    NOT NULL,
				state             TEXT    NOT NULL,
				last_error        TEXT    NOT NULL,
				last_item_at      INTEGER,
				created_at        INTEGER NOT NULL,
				updated_at        INTEGER NOT NULL
			) STRICT`,
			// Graph's subscription ids are unique; watches have none.
			`CREATE UNIQUE INDEX feeds_graph_id ON feeds (graph_id) WHERE graph_id <> ''`,
			`CREATE INDEX feeds_owner ON feeds (owner)`,
			`CREATE TABLE checkpoints (
				feed       TEXT    NOT NULL PRIMARY KEY REFERENCES feeds (id) ON DELETE CASCADE,
				at         INTEGER NOT NULL,
				ids        TEXT    NOT NULL,
				updated_at INTEGER NOT NULL
			) STRICT`,
		},
	},
	{
		Version: 4,
		Name:    "page tokens and flashes, shared by replicas",
		Stmts: []string{
			`CREATE TABLE tokens (
				id         TEXT    NOT NULL PRIMARY KEY,
				kind       TEXT    NOT NULL,
				session    TEXT    NOT NULL,
				value      BLOB    NOT NULL,
				created_at INTEGER NOT NULL,
				expires_at INTEGER NOT NULL
			) STRICT`,
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
			// receipt time for retention. No index but the rowid: rows
			// are read oldest first and deleted once indexed.
			`CREATE TABLE notification_journal (
				seq         INTEGER NOT NULL PRIMARY KEY,
				items       INTEGER NOT NULL,
				received_at INTEGER NOT NULL,
				body        BLOB    NOT NULL
			) STRICT`,
		},
	},
	{
		Version: 6,
		Name:    "live alerts: webhook items completed after they are stored",
		Stmts: []string{
			// enrich is store.EnrichState ('' pending); enrich_fields the
			// alert's key properties as looked up (the base of the next
			// item's changes). Items stored before this step are marked
			// skipped: looking up a long history at the first start would
			// hold the shared request budget and delay the new items'
			// titles; they keep showing the alert's id, as before.
			`ALTER TABLE notifications ADD COLUMN enrich TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE notifications ADD COLUMN enrich_fields BLOB NOT NULL DEFAULT x''`,
			`UPDATE notifications SET enrich = 'skipped' WHERE source = 'webhook'`,
			`CREATE INDEX notifications_enrich_pending ON notifications (seq) WHERE source = 'webhook' AND enrich = ''`,
			`CREATE INDEX notifications_enriched ON notifications (resource_id, seq) WHERE enrich = 'done'`,
		},
	},
	{
		Version: 7,
		Name:    "live alerts: the journal's files and their cursor",
		Stmts: []string{
			// Where indexing has reached in the journal's segment files
			// (journalfile.go); moved in the transaction that stores
			// what it passed.
			`CREATE TABLE journal_cursor (
				id      INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
				segment INTEGER NOT NULL,
				offset  INTEGER NOT NULL
			) STRICT`,
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

func applyMigrations(ctx context.Context, w *sql.DB, clk clock.Clock, steps []store.Migration) (err error) {
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
	pending, err := store.Pending(steps, applied)
	if err != nil {
		return err
	}
	for _, m := range pending {
		for _, stmt := range m.Stmts {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("sqlite: migration %d (%s): %w", m.Version, m.Name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
			m.Version, clk.Now().UnixMicro()); err != nil {
			return fmt.Errorf("sqlite: migration %d (%s): %w", m.Version, m.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migrate: commit: %w", err)
	}
	return nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: migrate: %w", err)
	}
	defer rows.Close()
	var applied []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("sqlite: migrate: %w", err)
		}
		applied = append(applied, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: migrate: %w", err)
	}
	return applied, nil
}
