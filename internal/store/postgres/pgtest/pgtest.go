// Package pgtest gives tests outside store/postgres a PostgreSQL schema of
// their own on the server named by GRAPHSEC_TEST_POSTGRES.
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

// Env names the test server's DSN.
const Env = "GRAPHSEC_TEST_POSTGRES"

// Server returns the test server's DSN, or skips t when it is not set.
func Server(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skipf("%s is not set: set it to a PostgreSQL DSN (CI uses postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", Env)
	}
	return dsn
}

// FreshSchema creates a schema for one test, dropped when the test ends,
// and returns a DSN whose search_path selects it.
func FreshSchema(t testing.TB) string {
	t.Helper()
	server := Server(t)
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
		// Connections still open in the schema (a process killed by the
		// test) do not block DROP SCHEMA.
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close(ctx)
	})
	return WithSchema(t, server, schema)
}

// WithSchema adds to a URL or keyword/value DSN a search_path selecting
// schema.
func WithSchema(t testing.TB, dsn, schema string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("%s is not a URL: %v", Env, err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}
