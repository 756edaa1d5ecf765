// Package postgres is graphsec's store on PostgreSQL, for running several
// console replicas against one database. It holds the same schema as the
// SQLite store (store/sqlite), in PostgreSQL types (timestamptz, bytea,
// text, identity columns), and passes the same conformance suite
// (store/storetest).
//
// Driver. The store speaks to PostgreSQL through pgx directly, with pgx's
// own pool, pgxpool (bounded, health-checked connections; ones left busy
// or inside a transaction are destroyed rather than reused). The native
// pgx interface avoids database/sql's conversions for bytea and
// timestamptz and gives the real PostgreSQL error codes. The DSN may set
// pgxpool's own parameters (pool_max_conns, pool_max_conn_lifetime,
// pool_health_check_period, ...); WithMaxConns overrides pool_max_conns.
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
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// Store is a store.Store on a PostgreSQL database.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	clock    clock.Clock
	maxConns int // 0: the DSN's pool_max_conns, or pgxpool's default
	setConns bool
}

// WithClock sets the clock that stamps schema_migrations.applied_at.
// Every time stored in a record comes from the caller.
func WithClock(c clock.Clock) Option {
	return func(o *options) { o.clock = c }
}

// WithMaxConns sets the most connections the Store opens (default: the
// DSN's pool_max_conns, else the number of CPUs, at least 4). Each
// replica holds up to this many of the server's max_connections.
func WithMaxConns(n int) Option {
	return func(o *options) { o.maxConns, o.setConns = n, true }
}

// defaultConnectTimeout bounds opening a connection when the DSN does not
// (connect_timeout).
const defaultConnectTimeout = 10 * time.Second

// Open connects to the database named by dsn (a postgres:// URL or
// keyword=value string, as libpq accepts), applies pending migrations and
// returns the Store.
//
// Opening a database that records a migration this build does not know
// fails with an error wrapping ErrSchemaTooNew and changes nothing.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{clock: clock.System{}}
	for _, opt := range opts {
		opt(&o)
	}
	if o.clock == nil {
		return nil, errors.New("postgres: nil clock")
	}
	if o.setConns && (o.maxConns < 1 || o.maxConns > 1000) {
		return nil, fmt.Errorf("postgres: max connections %d out of range 1..1000", o.maxConns)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts passwords it recognises in parse errors, but only
		// on a best-effort basis; a DSN is a secret, so none of it is
		// repeated here.
		return nil, errors.New("postgres: cannot parse the database DSN (expected postgres://user@host:port/db?... or host=... dbname=...)")
	}
	if o.setConns {
		cfg.MaxConns = int32(o.maxConns)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without connect_timeout in the DSN, a server that does not
		// answer would hold a request (or the start) for the operating
		// system's TCP timeout, minutes.
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	if cfg.MinConns > cfg.MaxConns {
		cfg.MinConns = cfg.MaxConns
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	s := &Store{pool: p}
	err = s.with(ctx, "open", func(c *pgx.Conn) error {
		return applyMigrations(ctx, c, o.clock, migrations)
	})
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// with runs fn on a pooled connection. pgxpool pings a connection that
// sat idle before handing it out, but one can still die in between; if fn
// fails in a way pgx says is safe to retry (nothing reached the server),
// fn runs once more on another connection. Errors from acquiring are
// wrapped with op; fn wraps its own. pgxpool destroys, on release, a
// connection that is closed, still busy (a query abandoned by a cancelled
// context) or inside a transaction.
func (s *Store) with(ctx context.Context, op string, fn func(*pgx.Conn) error) error {
	for attempt := 0; ; attempt++ {
		c, err := s.pool.Acquire(ctx)
		if err != nil {
			return fmt.Errorf("postgres: %s: %w", op, err)
		}
		err = fn(c.Conn())
		c.Release()
		if err != nil && attempt == 0 && ctx.Err() == nil && pgconn.SafeToRetry(err) {
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

// Close closes the connections, waiting for those in use to be
// released; it may be called more than once. Methods called after Close
// fail.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
