// Package pgtest gives tests a PostgreSQL schema of their own on the
// server GRAPHSEC_TEST_POSTGRES names, or skips them when it is unset (CI
// sets it: postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
package pgtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env is the variable naming the test server.
const Env = "GRAPHSEC_TEST_POSTGRES"

// ServerDSN is the test server's DSN, or a skip.
func ServerDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skipf("%s is not set: set it to a PostgreSQL DSN (CI uses postgres://postgres@127.0.0.1:5432/test?sslmode=disable) to run the PostgreSQL tests", Env)
	}
	return dsn
}

// Fresh creates a schema of its own for one test, dropped when the test
// ends, and returns a DSN whose search_path selects it (so parallel runs
// and data left by old ones cannot meet), and an admin connection to the
// server (closed at the end).
func Fresh(t testing.TB) (dsn string, admin *pgx.Conn) {
	t.Helper()
	server := ServerDSN(t)
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to %s: %v", Env, err)
	}
	schema := "graphsec_test_" + strings.ToLower(rand.Text())
	ident := pgx.Identifier{schema}.Sanitize()
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		admin.Close(ctx)
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close(ctx)
	})
	return SchemaDSN(t, server, schema), admin
}

// SchemaDSN adds to a URL or keyword/value DSN a search_path selecting
// schema, and an application_name (the schema's name too) by which tests
// find the store's connections in pg_stat_activity.
func SchemaDSN(t testing.TB, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a URL: %v", Env, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		q.Set("application_name", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema + " application_name=" + schema
}
