package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/storetest"
)

var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func openFile(t testing.TB, path string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), path, append([]Option{WithClock(clock.NewFake(epoch))}, opts...)...)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformanceFile(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openFile(t, filepath.Join(t.TempDir(), "graphsec.db"))
	})
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openFile(t, MemoryPath)
	})
}

func TestMemoryStoresArePrivate(t *testing.T) {
	a, b := openFile(t, MemoryPath), openFile(t, MemoryPath)
	sess := store.Session{ID: "only-in-a", ExpiresAt: epoch.Add(time.Hour)}
	if err := a.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Session(t.Context(), sess.ID, epoch); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second in-memory store sees the first's session: %v", err)
	}
}

func TestFileMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "new.db")
	s := openFile(t, path)
	// Write something so the WAL and shared-memory files exist.
	if err := s.CreateSession(t.Context(), store.Session{ID: "x", ExpiresAt: epoch}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(name)
		if err != nil {
			t.Errorf("stat: %v", err)
			continue
		}
		// The umask can only remove bits, so 0600 or less.
		if perm := fi.Mode().Perm(); perm&^0o600 != 0 {
			t.Errorf("%s has mode %v, want at most 0600", filepath.Base(name), perm)
		}
	}

	// An existing file keeps its mode.
	old := filepath.Join(dir, "old.db")
	if err := os.WriteFile(old, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(old, 0o640); err != nil {
		t.Fatal(err)
	}
	openFile(t, old)
	fi, err := os.Stat(old)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("existing file's mode changed to %v", fi.Mode().Perm())
	}
}

func TestPragmas(t *testing.T) {
	s := openFile(t, filepath.Join(t.TempDir(), "p.db"))
	tests := []struct {
		db     *sql.DB
		pragma string
		want   string
	}{
		{s.w, "journal_mode", "wal"},
		{s.r, "journal_mode", "wal"},
		{s.w, "foreign_keys", "1"},
		{s.r, "foreign_keys", "1"},
		{s.w, "synchronous", "2"}, // FULL: commits survive a power loss
		{s.w, "busy_timeout", "5000"},
		{s.r, "busy_timeout", "5000"},
		{s.r, "query_only", "1"},
		{s.w, "query_only", "0"},
	}
	for _, tt := range tests {
		name := "writer"
		if tt.db == s.r {
			name = "reader"
		}
		t.Run(name+" "+tt.pragma, func(t *testing.T) {
			var got string
			if err := tt.db.QueryRowContext(t.Context(), "PRAGMA "+tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
	if s.w.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections, want 1", s.w.Stats().MaxOpenConnections)
	}
	// The reader connections really are read-only.
	if _, err := s.r.ExecContext(t.Context(), "DELETE FROM sessions"); err == nil {
		t.Error("a reader connection accepted a write")
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "graphsec.db")
	s1, err := Open(t.Context(), path, WithClock(clock.NewFake(epoch)))
	if err != nil {
		t.Fatal(err)
	}
	sess := store.Session{ID: "persist", UserID: "u", Tokens: []byte{0, 1, 2}, ExpiresAt: epoch.Add(time.Hour)}
	if err := s1.CreateSession(t.Context(), sess); err != nil {
		t.Fatal(err)
	}
	a, err := s1.AddActivity(t.Context(), store.Activity{Resource: "alert", ResourceID: "1", Action: "update", At: epoch})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := openFile(t, path, WithClock(clock.NewFake(epoch.Add(24*time.Hour))))
	got, err := s2.Session(t.Context(), "persist", epoch)
	if err != nil || string(got.Tokens) != "\x00\x01\x02" {
		t.Errorf("after reopen: %+v, %v", got, err)
	}
	b, err := s2.AddActivity(t.Context(), store.Activity{Resource: "alert", ResourceID: "1", Action: "update", At: epoch})
	if err != nil || b.ID <= a.ID {
		t.Errorf("id after reopen %d (err %v), want above %d", b.ID, err, a.ID)
	}
	// Migrations ran once, stamped by the first clock.
	var n int
	var applied int64
	if err := s2.r.QueryRowContext(t.Context(), "SELECT count(*), max(applied_at) FROM schema_migrations").Scan(&n, &applied); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) || !fromDB(applied).Equal(epoch) {
		t.Errorf("schema_migrations: %d rows, applied %v; want %d, %v", n, fromDB(applied), len(migrations), epoch)
	}
}

func TestActivityIDsNotReused(t *testing.T) {
	s := openFile(t, filepath.Join(t.TempDir(), "ids.db"))
	a := store.Activity{Resource: "alert", ResourceID: "1", Action: "update", At: epoch}
	first, err := s.AddActivity(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.w.ExecContext(t.Context(), "DELETE FROM activity"); err != nil {
		t.Fatal(err)
	}
	second, err := s.AddActivity(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID <= first.ID {
		t.Errorf("id %d after deleting id %d: reused", second.ID, first.ID)
	}
}

func TestSchemaTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "future.db")
	s := openFile(t, path)
	if _, err := s.w.ExecContext(t.Context(), "INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)", len(migrations)+1); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open of a newer database: %v, want ErrSchemaTooNew", err)
	}
	t.Log(err)
}

// TestMigrationAtomic applies a later step that fails half-way: nothing of
// it may remain, and the earlier state must be intact.
func TestMigrationAtomic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "atomic.db")
	s := openFile(t, path)
	steps := append(append([]store.Migration(nil), migrations...), store.Migration{
		Version: int64(len(migrations) + 1),
		Name:    "broken",
		Stmts:   []string{"CREATE TABLE half (x INTEGER)", "THIS IS NOT SQL"},
	})
	if err := applyMigrations(t.Context(), s.w, clock.NewFake(epoch), steps); err == nil {
		t.Fatal("broken migration applied")
	}
	var n int
	if err := s.r.QueryRowContext(t.Context(), "SELECT count(*) FROM sqlite_schema WHERE name = 'half'").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Error("table from the failed step remains")
	}
	if err := s.r.QueryRowContext(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != len(migrations) {
		t.Errorf("%d migrations recorded, want %d", n, len(migrations))
	}
}

// TestConcurrentOpen opens one new file from several goroutines at once,
// as several processes starting together would (each Store has its own
// connections): every Open succeeds and each step is recorded once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "race.db")
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), path, WithClock(clock.NewFake(epoch))) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	var rows int
	if err := stores[0].r.QueryRowContext(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(migrations) {
		t.Errorf("%d migration rows, want %d", rows, len(migrations))
	}
}

// TestTwoStoresOneFile has two Stores write the same file at once, as two
// graphsec processes pointed at one database would: the one-writer pool
// cannot serialise them, so this is busy_timeout's case, and no write may
// fail.
func TestTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	stores := []*Store{openFile(t, path), openFile(t, path)}
	const goroutines, writes = 4, 50
	var wg sync.WaitGroup
	for i, s := range stores {
		for g := range goroutines {
			wg.Go(func() {
				for w := range writes {
					a := store.Activity{Resource: "alert", ResourceID: fmt.Sprint(i, "-", g), Action: "update", At: epoch}
					if _, err := s.AddActivity(t.Context(), a); err != nil {
						t.Errorf("store %d: AddActivity: %v", i, err)
						return
					}
					id := fmt.Sprintf("%d-%d-%d", i, g, w)
					if err := s.CreateSession(t.Context(), store.Session{ID: id, ExpiresAt: epoch.Add(time.Hour)}); err != nil {
						t.Errorf("store %d: CreateSession: %v", i, err)
						return
					}
					if _, err := stores[1-i].Session(t.Context(), id, epoch); err != nil {
						t.Errorf("store %d: the other store's session: %v", 1-i, err)
						return
					}
				}
			})
		}
	}
	wg.Wait()
	got, err := stores[0].RecentActivity(t.Context(), store.MaxActivityLimit)
	if err != nil || len(got) != len(stores)*goroutines*writes {
		t.Errorf("RecentActivity: %d records, %v; want %d", len(got), err, len(stores)*goroutines*writes)
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		path string
		opts []Option
	}{
		{"empty path", "", nil},
		{"URI", "file:x.db?mode=ro", nil},
		{"NUL in path", "a\x00b.db", nil},
		{"directory", dir, nil},
		{"missing directory", filepath.Join(dir, "no", "such", "x.db"), nil},
		{"nil clock", filepath.Join(dir, "a.db"), []Option{WithClock(nil)}},
		{"no readers", filepath.Join(dir, "b.db"), []Option{WithReadConns(0)}},
		{"negative busy timeout", filepath.Join(dir, "c.db"), []Option{WithBusyTimeout(-time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(t.Context(), tt.path, tt.opts...)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			t.Log(err)
		})
	}
	t.Run("not a database", func(t *testing.T) {
		path := filepath.Join(dir, "text.db")
		if err := os.WriteFile(path, []byte("this is not an SQLite database, just text long enough to look like a header......................................................"), 0o600); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(t.Context(), path); err == nil {
			s.Close()
			t.Fatal("Open succeeded")
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := Open(ctx, filepath.Join(dir, "d.db")); !errors.Is(err, context.Canceled) {
			t.Errorf("Open: %v, want context.Canceled", err)
		}
	})
}

// TestOddPaths checks that characters SQLite URIs treat specially are
// taken literally in a path.
func TestOddPaths(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a b.db", "q?mode=ro.db", "hash#frag.db", "pct%41.db", "ünï.db"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			s := openFile(t, path)
			if err := s.CreateSession(t.Context(), store.Session{ID: "x", ExpiresAt: epoch.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(path); err != nil {
				t.Errorf("database not at the path given: %v", err)
			}
		})
	}
}

func benchStore(b *testing.B) *Store {
	return openFile(b, filepath.Join(b.TempDir(), "bench.db"))
}

// The benchmarks are the suite's (storetest), on this store.

func BenchmarkSession(b *testing.B)      { storetest.BenchmarkSession(b, openBench) }
func BenchmarkTouchSession(b *testing.B) { storetest.BenchmarkTouchSession(b, openBench) }
func BenchmarkAddActivity(b *testing.B)  { storetest.BenchmarkAddActivity(b, openBench) }
func BenchmarkListActivity(b *testing.B) { storetest.BenchmarkListActivity(b, openBench) }

func openBench(b *testing.B) store.Store { return benchStore(b) }

// TestDeleteExpiredGivesSpaceBack is the regression test for a flood of
// sign-ins that were never finished: the file grew with every row and
// kept its peak size after the rows were deleted. DeleteExpired now
// returns the freed pages to the file system (auto_vacuum=INCREMENTAL)
// and truncates the WAL.
func TestDeleteExpiredGivesSpaceBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "flood.db")
	s := openFile(t, path)
	ctx := t.Context()
	for i := range 2000 {
		f := store.LoginFlow{State: fmt.Sprintf("flood-%d", i), Sealed: make([]byte, 4<<10), ReturnTo: "/",
			CreatedAt: epoch, ExpiresAt: epoch.Add(15 * time.Minute)}
		if err := s.CreateLoginFlow(ctx, f, store.Limits{}); err != nil {
			t.Fatal(err)
		}
	}
	size := func() int64 {
		var pages, pageSize int64
		if err := s.w.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages); err != nil {
			t.Fatal(err)
		}
		if err := s.w.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		return pages * pageSize
	}
	peak := size()
	if n, err := s.DeleteExpired(ctx, epoch.Add(time.Hour)); err != nil || n != 2000 {
		t.Fatalf("DeleteExpired = %d, %v", n, err)
	}
	var free int64
	if err := s.w.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&free); err != nil {
		t.Fatal(err)
	}
	after := size()
	if free != 0 || after > peak/10 {
		t.Errorf("after deleting every row: %d free pages, %d bytes (peak %d); want the space given back", free, after, peak)
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 1<<20 {
		t.Errorf("the WAL file keeps %d bytes", fi.Size())
	}
}

// TestOldFileTurnsIncremental: a database created before auto_vacuum was
// set gets it at its first open.
func TestOldFileTurnsIncremental(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`PRAGMA journal_mode=WAL`, `CREATE TABLE unrelated (a TEXT)`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s := openFile(t, path)
	var mode int
	if err := s.w.QueryRowContext(t.Context(), `PRAGMA auto_vacuum`).Scan(&mode); err != nil || mode != 2 {
		t.Fatalf("auto_vacuum = %d, %v; want 2 (incremental)", mode, err)
	}
}

func TestLiveConformanceFile(t *testing.T) {
	storetest.RunLive(t, func(t *testing.T) storetest.Live {
		return openFile(t, filepath.Join(t.TempDir(), "graphsec.db"))
	})
}

func TestLiveConformanceMemory(t *testing.T) {
	storetest.RunLive(t, func(t *testing.T) storetest.Live {
		return openFile(t, MemoryPath)
	})
}

func TestTokenConformance(t *testing.T) {
	storetest.RunTokens(t, func(t *testing.T) storetest.Tokens {
		return openFile(t, filepath.Join(t.TempDir(), "graphsec.db"))
	})
}

// TestSharedFile: two stores on one file, as two processes would be.
func TestSharedFile(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (a, b store.Console) {
		path := filepath.Join(t.TempDir(), "graphsec.db")
		return openFile(t, path), openFile(t, path)
	})
}

func BenchmarkTokens(b *testing.B) {
	storetest.BenchmarkTokens(b, func(b *testing.B) storetest.Tokens { return benchStore(b) })
}

func BenchmarkAppendNotifications(b *testing.B) {
	storetest.BenchmarkAppendNotifications(b, func(b *testing.B) storetest.Live { return benchStore(b) })
}

// BenchmarkJournal runs on the journal's files (journalfile.go) and, as
// the baseline in the same run, on its table (WithTableJournal).
func BenchmarkJournal(b *testing.B) {
	b.Run("files", func(b *testing.B) {
		storetest.BenchmarkJournal(b, func(b *testing.B) storetest.Live { return benchStore(b) })
	})
	b.Run("table", func(b *testing.B) {
		storetest.BenchmarkJournal(b, func(b *testing.B) storetest.Live {
			return openFile(b, filepath.Join(b.TempDir(), "bench.db"), WithTableJournal())
		})
	})
}
