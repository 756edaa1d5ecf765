package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/pgtest"
	"github.com/graphsec/graphsec/internal/store/storetest"
)

var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func serverDSN(t testing.TB) string                          { return pgtest.ServerDSN(t) }
func freshSchema(t testing.TB) (dsn string, admin *pgx.Conn) { return pgtest.Fresh(t) }

func openStore(t testing.TB, dsn string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, append([]Option{WithClock(clock.NewFake(epoch)), WithMaxConns(4)}, opts...)...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	// Registered after freshSchema's cleanup, so it runs first.
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	serverDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		dsn, _ := freshSchema(t)
		return openStore(t, dsn)
	})
}

func TestLiveConformance(t *testing.T) {
	serverDSN(t)
	storetest.RunLive(t, func(t *testing.T) storetest.Live {
		dsn, _ := freshSchema(t)
		return openStore(t, dsn)
	})
}

func TestTokenConformance(t *testing.T) {
	serverDSN(t)
	storetest.RunTokens(t, func(t *testing.T) storetest.Tokens {
		dsn, _ := freshSchema(t)
		return openStore(t, dsn)
	})
}

// TestShared: two stores on one schema, as two console replicas are.
func TestShared(t *testing.T) {
	serverDSN(t)
	storetest.RunShared(t, func(t *testing.T) (a, b store.Console) {
		dsn, _ := freshSchema(t)
		return openStore(t, dsn), openStore(t, dsn)
	})
}

// TestConnectTimeout: a DSN without connect_timeout gets the default, so
// a server that does not answer cannot hold a request for the operating
// system's TCP timeout; one that sets it keeps its own.
func TestConnectTimeout(t *testing.T) {
	dsn, _ := freshSchema(t)
	for _, tt := range []struct {
		dsn  string
		want time.Duration
	}{
		{dsn, defaultConnectTimeout},
		{dsn + "&connect_timeout=3", 3 * time.Second},
	} {
		s := openStore(t, tt.dsn)
		if got := s.pool.Config().ConnConfig.ConnectTimeout; got != tt.want {
			t.Errorf("connect timeout %v, want %v", got, tt.want)
		}
		if n := s.pool.Config().MaxConns; n != 4 {
			t.Errorf("MaxConns %d, want WithMaxConns' 4", n)
		}
	}
	// pool_max_conns in the DSN is pgxpool's, and holds without WithMaxConns.
	s, err := Open(t.Context(), dsn+"&pool_max_conns=7", WithClock(clock.NewFake(epoch)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := s.pool.Config().MaxConns; n != 7 {
		t.Errorf("MaxConns %d, want the DSN's 7", n)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name string
		dsn  string
		opts []Option
		// secret must not appear in the error.
		secret string
	}{
		{"unparsable", "postgres://user:hunter2@[::1/db", nil, "hunter2"},
		{"bad keyword", "host=localhost password=hunter2 sslmode=sometimes", nil, "hunter2"},
		{"nil clock", "postgres://localhost/db", []Option{WithClock(nil)}, ""},
		{"no connections", "postgres://localhost/db", []Option{WithMaxConns(0)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.dsn, tt.opts...)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if tt.secret != "" && strings.Contains(err.Error(), tt.secret) {
				t.Errorf("error repeats the password: %v", err)
			}
		})
	}
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := Open(ctx, "postgres://localhost/db"); !errors.Is(err, context.Canceled) {
			t.Errorf("Open: %v, want context.Canceled", err)
		}
	})
	t.Run("no server", func(t *testing.T) {
		// Port 1 on loopback refuses at once.
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		if s, err := Open(ctx, "postgres://nobody@127.0.0.1:1/db?sslmode=disable&connect_timeout=5"); err == nil {
			s.Close()
			t.Fatal("Open succeeded")
		}
	})
}

func TestSchemaTooNew(t *testing.T) {
	dsn, admin := freshSchema(t)
	s := openStore(t, dsn)
	s.Close()
	ctx := t.Context()
	if _, err := admin.Exec(ctx, "SET search_path = "+searchPathOf(t, dsn)); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, now())", len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	_, err := Open(ctx, dsn)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer database: %v, want ErrSchemaTooNew", err)
	}
	t.Log(err)
}

func searchPathOf(t testing.TB, dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return pgx.Identifier{cfg.RuntimeParams["search_path"]}.Sanitize()
}

// TestConcurrentOpen starts several "replicas" on one new schema at once:
// the advisory lock lets each step be applied once and every Open succeed.
func TestConcurrentOpen(t *testing.T) {
	dsn, admin := freshSchema(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			stores[i], errs[i] = Open(t.Context(), dsn, WithClock(clock.NewFake(epoch)), WithMaxConns(2))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	var rows int
	var applied time.Time
	err := admin.QueryRow(t.Context(), "SELECT count(*), max(applied_at) FROM "+searchPathOf(t, dsn)+".schema_migrations").Scan(&rows, &applied)
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations) || !applied.Equal(epoch) {
		t.Errorf("schema_migrations: %d rows applied at %v; want %d at %v", rows, applied, len(migrations), epoch)
	}
}

// TestMigrationAtomic applies a later step that fails half-way: nothing of
// it may remain.
func TestMigrationAtomic(t *testing.T) {
	dsn, admin := freshSchema(t)
	s := openStore(t, dsn)
	steps := append(append([]store.Migration(nil), migrations...), store.Migration{
		Version: int64(len(migrations) + 1),
		Name:    "broken",
		Stmts:   []string{"CREATE TABLE half (x integer)", "THIS IS NOT SQL"},
	})
	err := s.with(t.Context(), "test", func(c *pgx.Conn) error {
		return applyMigrations(t.Context(), c, clock.NewFake(epoch), steps)
	})
	if err == nil {
		t.Fatal("broken migration applied")
	}
	schema := searchPathOf(t, dsn)
	var half *string
	if err := admin.QueryRow(t.Context(), "SELECT to_regclass($1)::text", schema+".half").Scan(&half); err != nil {
		t.Fatal(err)
	}
	if half != nil {
		t.Error("table from the failed step remains")
	}
	var rows int
	if err := admin.QueryRow(t.Context(), "SELECT count(*) FROM "+schema+".schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations) {
		t.Errorf("%d migrations recorded, want %d", rows, len(migrations))
	}
	// The store still works: the failed transaction did not poison a
	// pooled connection.
	for range 8 {
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping after the failed migration: %v", err)
		}
	}
}

// TestReopenKeepsData closes and reopens: data stays, ids keep rising.
func TestReopenKeepsData(t *testing.T) {
	dsn, _ := freshSchema(t)
	s1 := openStore(t, dsn)
	a, err := s1.AddActivity(t.Context(), store.Activity{Resource: "alert", ResourceID: "1", Action: "update", At: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.CreateSession(t.Context(), store.Session{ID: "persist", Tokens: []byte{0, 1}, ExpiresAt: epoch.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	s1.Close()
	s2 := openStore(t, dsn)
	if got, err := s2.Session(t.Context(), "persist", epoch); err != nil || string(got.Tokens) != "\x00\x01" {
		t.Errorf("after reopen: %+v, %v", got, err)
	}
	b, err := s2.AddActivity(t.Context(), store.Activity{Resource: "alert", ResourceID: "1", Action: "update", At: epoch})
	if err != nil || b.ID <= a.ID {
		t.Errorf("id after reopen %d (err %v), want above %d", b.ID, err, a.ID)
	}
}

// TestPoolBounds checks the store's use of pgxpool: never more connections
// than allowed, waiting bounded by the context, and a connection killed by
// the server replaced rather than handed out.
func TestPoolBounds(t *testing.T) {
	dsn, admin := freshSchema(t)
	const size = 3
	clk := clock.NewFake(epoch)
	s := openStore(t, dsn, WithMaxConns(size), WithClock(clk))

	t.Run("at most size connections", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 20 {
			wg.Go(func() {
				for range 10 {
					if _, err := s.RecentActivity(t.Context(), 5); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := backends(t, admin, dsn); n > size {
			t.Errorf("%d connections open, want at most %d", n, size)
		}
	})

	t.Run("waiting honours the context", func(t *testing.T) {
		var held []*pgxpool.Conn
		for range size {
			c, err := s.pool.Acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, c)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		err := s.Ping(ctx)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Ping with the pool exhausted: %v, want DeadlineExceeded", err)
		}
		for _, c := range held {
			c.Release()
		}
		if err := s.Ping(t.Context()); err != nil {
			t.Errorf("Ping after release: %v", err)
		}
	})

	t.Run("killed connections are replaced", func(t *testing.T) {
		// Fill the idle list, then have the server end every connection.
		if err := s.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
		_, err := admin.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE pid <> pg_backend_pid() AND application_name = $1`, appName(t, dsn))
		if err != nil {
			t.Fatal(err)
		}
		// Connections idle for a while are pinged before use: the dead
		// ones are found and replaced, and no call fails.
		time.Sleep(1100 * time.Millisecond) // pgxpool pings connections idle over a second
		for range 2 * size {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping after the server killed the connections: %v", err)
			}
		}
		if n := backends(t, admin, dsn); n < 1 || n > size {
			t.Errorf("%d connections after reconnecting, want 1 to %d", n, size)
		}
	})

	t.Run("a connection left in a transaction is not reused", func(t *testing.T) {
		for range size {
			err := s.with(t.Context(), "begin", func(c *pgx.Conn) error {
				_, err := c.Exec(t.Context(), "BEGIN")
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// Were a connection handed on mid-transaction, this write would
		// stay invisible to everyone else.
		if err := s.CreateSession(t.Context(), store.Session{ID: "after-begin", ExpiresAt: epoch.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		var n int
		err := admin.QueryRow(t.Context(), "SELECT count(*) FROM "+searchPathOf(t, dsn)+".sessions WHERE id = 'after-begin'").Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("committed session seen %d times by another connection (err %v), want 1", n, err)
		}
	})

	t.Run("a cancelled query does not poison the pool", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		err := s.with(ctx, "sleep", func(c *pgx.Conn) error {
			_, err := c.Exec(ctx, "SELECT pg_sleep(5)")
			return err
		})
		if err == nil {
			t.Fatal("pg_sleep(5) finished within 50ms")
		}
		for range 2 * size {
			if err := s.Ping(t.Context()); err != nil {
				t.Errorf("Ping after a cancelled query: %v", err)
			}
		}
	})
}

// appName tags the test's connections so the admin can find them.
func appName(t testing.TB, dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.RuntimeParams["application_name"]
}

func backends(t testing.TB, admin *pgx.Conn, dsn string) int {
	var n int
	err := admin.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
		WHERE pid <> pg_backend_pid() AND application_name = $1`, appName(t, dsn)).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func benchStore(b *testing.B) *Store {
	dsn, _ := freshSchema(b)
	return openStore(b, dsn)
}

// The benchmarks are the suite's (storetest), on this store.

func BenchmarkSession(b *testing.B)      { storetest.BenchmarkSession(b, openBench) }
func BenchmarkTouchSession(b *testing.B) { storetest.BenchmarkTouchSession(b, openBench) }
func BenchmarkAddActivity(b *testing.B)  { storetest.BenchmarkAddActivity(b, openBench) }
func BenchmarkListActivity(b *testing.B) { storetest.BenchmarkListActivity(b, openBench) }

func openBench(b *testing.B) store.Store { return benchStore(b) }

func BenchmarkTokens(b *testing.B) {
	storetest.BenchmarkTokens(b, func(b *testing.B) storetest.Tokens { return benchStore(b) })
}

func BenchmarkAppendNotifications(b *testing.B) {
	storetest.BenchmarkAppendNotifications(b, func(b *testing.B) storetest.Live { return benchStore(b) })
}
