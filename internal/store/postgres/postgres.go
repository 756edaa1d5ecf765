// Package postgres is graphsec's store on PostgreSQL, for running several
// console replicas against one database. It holds the same schema as the
// SQLite store (store/sqlite), in PostgreSQL types (timestamptz, bytea,
// text, identity columns), and passes the same conformance suite
// (store/storetest).
//
// Driver. The store speaks to PostgreSQL through pgx directly, with a small
// connection pool of its own (pool.go). pgx's pool, pgxpool, would be the
// first choice, and pgx/v5/stdlib with database/sql the second, but both
// import github.com/jackc/puddle/v2, which is not in go.sum; the native
// pgx interface also avoids database/sql's conversions for bytea and
// timestamptz and gives the real PostgreSQL error codes.
//
// Schema selection. Tables live in the first schema of the connection's
// search_path, which a DSN can set (search_path=...); that is how the
// tests give every run a schema of its own.
//
// Migrations. The same ordered steps as SQLite, recorded in
// schema_migrations (version, applied_at), run in one transaction that
// first takes a transaction-scoped advisory lock, so that replicas
// starting together apply each step once: the others wait for the lock,
// then find the steps recorded.
//
// As with SQLite, the store keeps what it is given: session ids are hashes
// and tokens are sealed by the caller.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pool
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	clock    clock.Clock
	maxConns int
}

// WithClock sets the clock that stamps schema_migrations.applied_at and
// times idle connections. Every time stored in a record comes from the
// caller.
func WithClock(c clock.Clock) Option {
	return func(o *options) { o.clock = c }
}

// WithMaxConns sets the most connections the Store opens (default: the
// number of CPUs, at least 4). Each replica holds up to this many of the
// server's max_connections.
func WithMaxConns(n int) Option {
	return func(o *options) { o.maxConns = n }
}

// Open connects to the database named by dsn (a postgres:// URL or
// keyword=value string, as libpq accepts), applies pending migrations and
// returns the Store.
//
// Opening a database that records a migration this build does not know
// fails with an error wrapping ErrSchemaTooNew and changes nothing.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{clock: clock.System{}, maxConns: max(4, runtime.NumCPU())}
	for _, opt := range opts {
		opt(&o)
	}
	if o.clock == nil {
		return nil, errors.New("postgres: nil clock")
	}
	if o.maxConns < 1 || o.maxConns > 1000 {
		return nil, fmt.Errorf("postgres: max connections %d out of range 1..1000", o.maxConns)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords it recognises in parse errors, but only
		// on a best-effort basis; a DSN is a secret, so none of it is
		// repeated here.
		return nil, errors.New("postgres: cannot parse the database DSN (expected postgres://user@host:port/db?... or host=... dbname=...)")
	}
	s := &Store{pool: newPool(cfg, o.clock, o.maxConns)}
	err = s.with(ctx, "open", func(c *pgx.Conn) error {
		return applyMigrations(ctx, c, o.clock, migrations)
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// with runs fn on a pooled connection. A connection taken from the idle
// list may have died since; if fn fails on one in a way pgx says is safe
// to retry (nothing reached the server), fn runs once more on a fresh
// connection. Errors from acquiring are wrapped with op; fn wraps its own.
func (s *Store) with(ctx context.Context, op string, fn func(*pgx.Conn) error) error {
	for attempt := 0; ; attempt++ {
		c, reused, err := s.pool.acquire(ctx)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		err = fn(c)
		s.pool.release(c)
		if err != nil && reused && attempt == 0 && ctx.Err() == nil && pgconn.SafeToRetry(err) {
			continue
		}
		return err
	}
}

// Ping checks that the server answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.with(ctx, "ping", func(c *pgx.Conn) error {
		if err := c.Ping(ctx); err != nil {
			return fmt.Errorf("postgres: ping: %w", err)
		}
		return nil
	})
}

// Close closes the connections; it may be called more than once. Methods
// called after Close fail.
func (s *Store) Close() error {
	s.pool.close()
	return nil
}
