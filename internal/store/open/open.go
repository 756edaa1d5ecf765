// Package open chooses the console's store from its database setting
// (GRAPHSEC_DB): a postgres:// or postgresql:// URL opens the PostgreSQL
// store (store/postgres: several console replicas on one database),
// anything else is a SQLite file (store/sqlite, the default). The rest of
// the console sees only store.Console.
package open

import (
	"context"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/postgres"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

// Options configure Open. The zero value is the defaults.
type Options struct {
	// Clock stamps the stores' own bookkeeping (migrations); nil is the
	// system clock.
	Clock clock.Clock
}

// IsPostgres reports whether db names a PostgreSQL database: a
// postgres:// or postgresql:// URL (config.IsPostgres).
func IsPostgres(db string) bool { return config.IsPostgres(db) }

// Open opens the store db names, applying pending migrations (on
// PostgreSQL once, however many replicas start together).
func Open(ctx context.Context, db string, o Options) (store.Console, error) {
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if IsPostgres(db) {
		return postgres.Open(ctx, db, postgres.WithClock(o.Clock))
	}
	return sqlite.Open(ctx, db, sqlite.WithClock(o.Clock))
}
