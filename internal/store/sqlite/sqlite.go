// Package sqlite is graphsec's default store: one SQLite file, no server to
// run, through the pure-Go modernc.org/sqlite driver (so the binary stays
// cgo-free and cross-compiles).
//
// Concurrency model. SQLite allows one writer at a time; a second writer
// that collides gets SQLITE_BUSY, and a read transaction that tries to
// upgrade to a write can deadlock against another one. Rather than retrying
// those, the Store keeps two connection pools on the same file:
//
//   - a writer pool of exactly one connection, so writes queue in Go (where
//     waiting honours the caller's context) instead of colliding inside
//     SQLite, with every transaction started as BEGIN IMMEDIATE so it holds
//     the write lock from its first statement;
//   - a reader pool of several query_only connections, which in WAL mode
//     read a consistent snapshot without blocking, or being blocked by, the
//     writer.
//
// WAL (write-ahead logging) is what lets readers and the writer run at the
// same time. The writer commits with synchronous=FULL: the WAL is flushed
// to disk at every commit, so a commit survives a power loss, not only a
// crash of the process. NORMAL, which SQLite suggests with WAL, may roll
// back the last commits on power loss; that was the trade for sessions and
// the activity log, but a stored notification is acknowledged to Graph,
// which then never sends it again (live.go), and the writes that now pay
// a flush besides notifications are rare (a session is touched at most
// once a minute). busy_timeout remains as a backstop for the one case the writer
// pool cannot cover: another process opening the same file.
//
// Times are stored as INTEGER microseconds since the Unix epoch (UTC), so
// that expiry comparisons are integer comparisons and the precision matches
// PostgreSQL's timestamptz. Byte slices are BLOBs; empty ones read back as
// nil.
//
// The store keeps what it is given: session ids are already hashes and
// tokens already sealed by the caller (internal/auth), so a copy of the
// file hands out neither live sessions nor tokens. The file is still
// created with mode 0600, because it names users.
package sqlite

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"

	// The driver registers itself as "sqlite".
	_ "modernc.org/sqlite"
)

// MemoryPath, given to Open as the path, opens a private in-memory database
// that lives until Close. It is meant for tests and demos.
const MemoryPath = ":memory:"

// Defaults for the options.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultReadConns   = 4
)

// Store is a store.Store on one SQLite database.
type Store struct {
	w *sql.DB // exactly one connection: all writes go through it
	r *sql.DB // query_only connections for reads

	// keep pins one connection to an in-memory database for the life of
	// the Store: SQLite frees an in-memory database when its last
	// connection closes, and a pool may close a connection it considers
	// broken. Nil for files.
	keepDB *sql.DB
	keep   *sql.Conn

	// The statements every console request runs, prepared once per
	// connection instead of parsed per call.
	sessionStmt *sql.Stmt // on r
	touchStmt   *sql.Stmt // on w
	// The INSERTs of 1 to appendRows notifications, on w (live.go).
	appendStmts [appendRows + 1]*sql.Stmt
	// The INSERT of a journal row, on w (journal.go).
	journalStmt *sql.Stmt
	// files is the receiver's journal in files next to the database
	// (journalfile.go); nil: in the notification_journal table.
	files *fileJournal

	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*Store)(nil)

// Option configures Open.
type Option func(*options)

type options struct {
	clock       clock.Clock
	busyTimeout time.Duration
	readConns   int
	// tableJournal keeps the journal in its table for a file database.
	tableJournal bool
	// segmentSize overrides segmentSize (tests of rotation).
	segmentSize int64
}

// withSegmentSize sets the size of the journal's segment files, for tests
// that rotate them without writing 64 MiB.
func withSegmentSize(n int64) Option {
	return func(o *options) { o.segmentSize = n }
}

// WithTableJournal keeps the receiver's journal in the database's
// notification_journal table rather than in files beside it
// (journalfile.go), as for an in-memory database: for tests and
// benchmarks that compare the two.
func WithTableJournal() Option {
	return func(o *options) { o.tableJournal = true }
}

// WithClock sets the clock that stamps schema_migrations.applied_at. It is
// the only time the store reads itself; every other time comes from the
// caller.
func WithClock(c clock.Clock) Option {
	return func(o *options) { o.clock = c }
}

// WithBusyTimeout sets how long a connection waits for a lock held by
// another process before failing with SQLITE_BUSY (default 5s).
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) { o.busyTimeout = d }
}

// WithReadConns sets the size of the reader pool (default 4). Reads run
// in-process and are CPU-bound, so more connections than a few per core
// buy nothing.
func WithReadConns(n int) Option {
	return func(o *options) { o.readConns = n }
}

// setWAL switches the database to WAL journaling, retrying while another
// connection holds the lock that needs, and returns the journal mode.
func setWAL(ctx context.Context, w *sql.DB, wait time.Duration) (string, error) {
	deadline := time.Now().Add(wait)
	for delay := 5 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		var mode string
		err := w.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode)
		var coded interface{ Code() int }
		busy := errors.As(err, &coded) && coded.Code()&0xff == 5 // SQLITE_BUSY and its extended codes
		if err == nil || !busy || time.Now().After(deadline) {
			return mode, err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return "", ctx.Err()
		case <-t.C:
		}
	}
}

// Open opens (creating if needed) the database at path, applies any pending
// migrations and returns the Store. path is a file path, or MemoryPath for
// a private in-memory database. A new file is created with mode 0600; an
// existing file keeps its mode.
//
// Opening a database that records a migration this build does not know
// (one written by a newer graphsec) fails with an error wrapping
// ErrSchemaTooNew and leaves the database untouched.
func Open(ctx context.Context, path string, opts ...Option) (*Store, error) {
	o := options{clock: clock.System{}, busyTimeout: DefaultBusyTimeout, readConns: DefaultReadConns}
	for _, opt := range opts {
		opt(&o)
	}
	if o.clock == nil {
		return nil, errors.New("sqlite: nil clock")
	}
	if o.busyTimeout < 0 || o.busyTimeout > time.Hour {
		return nil, fmt.Errorf("sqlite: busy timeout %v out of range 0..1h", o.busyTimeout)
	}
	if o.readConns < 1 || o.readConns > 256 {
		return nil, fmt.Errorf("sqlite: read connections %d out of range 1..256", o.readConns)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}

	memory := path == MemoryPath
	var name string // the DSN before its '?'
	if memory {
		// The memdb VFS shares a database between the connections of this
		// process that open the same "/name", with ordinary locking; a
		// random name keeps each Store private. (A plain ":memory:" gives
		// every connection its own empty database, and a shared-cache one
		// trades SQLITE_BUSY, which busy_timeout handles, for
		// SQLITE_LOCKED, which it does not.)
		name = "file:/graphsec-" + rand.Text()
	} else {
		var err error
		if name, err = fileName(path); err != nil {
			return nil, err
		}
	}

	common := url.Values{}
	if memory {
		common.Set("vfs", "memdb")
	}
	common.Set("_busy_timeout", strconv.FormatInt(o.busyTimeout.Milliseconds(), 10))
	common.Set("_foreign_keys", "1")

	s := &Store{}
	fail := func(err error) (*Store, error) {
		s.Close()
		return nil, err
	}

	if memory {
		keepDB, err := sql.Open("sqlite", name+"?"+common.Encode())
		if err != nil {
			return nil, fmt.Errorf("sqlite: open: %w", err)
		}
		s.keepDB = keepDB
		if s.keep, err = keepDB.Conn(ctx); err != nil {
			return fail(fmt.Errorf("sqlite: open: %w", err))
		}
	}

	wq := cloneValues(common)
	wq.Set("_txlock", "immediate")
	wq.Set("_synchronous", "FULL")
	// The WAL file is truncated to this size after a checkpoint (it would
	// otherwise keep its largest size for good).
	wq.Add("_pragma", "journal_size_limit(67108864)")
	// Statement journals (a multi-row INSERT … ON CONFLICT keeps one to
	// undo itself) in memory rather than spilled to temporary files:
	// notifications' inserts spent a tenth of their time writing them.
	wq.Add("_pragma", "temp_store(MEMORY)")
	w, err := sql.Open("sqlite", name+"?"+wq.Encode())
	if err != nil {
		return fail(fmt.Errorf("sqlite: open writer: %w", err))
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	s.w = w

	if !memory {
		// WAL is a property of the file, set once. Switching a new file to
		// it takes an exclusive lock, and SQLite answers SQLITE_BUSY at once
		// (without the busy handler) when another process opening the same
		// new file holds one: try again until the busy timeout, as two
		// graphsec processes starting together must both succeed. In-memory
		// databases cannot use WAL (it needs a shared-memory file); they
		// keep SQLite's in-memory rollback journal.
		mode, err := setWAL(ctx, w, o.busyTimeout)
		if err != nil {
			return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
		}
		if !strings.EqualFold(mode, "wal") {
			return fail(fmt.Errorf("sqlite: open %s: journal mode is %q, not WAL (is the file on a network file system?)", path, mode))
		}
	}

	if !memory {
		if err := incrementalVacuum(ctx, w); err != nil {
			return fail(fmt.Errorf("sqlite: open %s: %w", path, err))
		}
	}

	if err := migrate(ctx, w, o.clock); err != nil {
		return fail(err)
	}

	rq := cloneValues(common)
	rq.Set("_query_only", "1")
	r, err := sql.Open("sqlite", name+"?"+rq.Encode())
	if err != nil {
		return fail(fmt.Errorf("sqlite: open readers: %w", err))
	}
	r.SetMaxOpenConns(o.readConns)
	r.SetMaxIdleConns(o.readConns)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	s.r = r
	if err := r.PingContext(ctx); err != nil {
		return fail(fmt.Errorf("sqlite: open readers: %w", err))
	}
	if s.sessionStmt, err = r.PrepareContext(ctx, sessionQuery); err != nil {
		return fail(fmt.Errorf("sqlite: open: %w", err))
	}
	if s.touchStmt, err = w.PrepareContext(ctx, touchQuery); err != nil {
		return fail(fmt.Errorf("sqlite: open: %w", err))
	}
	if s.journalStmt, err = w.PrepareContext(ctx, insertJournal); err != nil {
		return fail(fmt.Errorf("sqlite: open: %w", err))
	}
	for n := 1; n <= appendRows; n++ {
		if s.appendStmts[n], err = w.PrepareContext(ctx, insertNotifications(n)); err != nil {
			return fail(fmt.Errorf("sqlite: open: %w", err))
		}
	}
	if !memory && !o.tableJournal {
		abs, err := filepath.Abs(path)
		if err != nil {
			return fail(fmt.Errorf("sqlite: open: %w", err))
		}
		switch s.files, err = openFileJournal(ctx, abs+".journal", w, cmp.Or(o.segmentSize, segmentSize)); {
		case errors.Is(err, errJournalLocked):
			// Another process on this database has the files; this one
			// journals into the table (journalfile.go).
		case err != nil:
			return fail(fmt.Errorf("sqlite: open %s: journal: %w", path, err))
		}
	}
	return s, nil
}

// incrementalVacuum makes the file give freed pages back on request
// (auto_vacuum=INCREMENTAL, which DeleteExpired uses), so that rows deleted
// after a burst do not leave the file at its peak size. SQLite applies the
// setting to a file that has tables only through a VACUUM, which rewrites
// the file once: a database created before this setting existed pays that
// at its first open, a new one nothing.
func incrementalVacuum(ctx context.Context, w *sql.DB) error {
	var mode int
	if err := w.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&mode); err != nil {
		return fmt.Errorf("auto_vacuum: %w", err)
	}
	const incremental = 2
	if mode == incremental {
		return nil
	}
	if _, err := w.ExecContext(ctx, `PRAGMA auto_vacuum = INCREMENTAL`); err != nil {
		return fmt.Errorf("auto_vacuum: %w", err)
	}
	if _, err := w.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("auto_vacuum: VACUUM: %w", err)
	}
	return nil
}

// fileName checks path, creates the file with mode 0600 if it does not
// exist (SQLite itself would create it 0644), and returns it as a SQLite
// URI so that characters such as '?', '#' and '%' in the path are taken
// literally.
func fileName(path string) (string, error) {
	switch {
	case path == "":
		return "", errors.New("sqlite: empty database path")
	case strings.HasPrefix(path, "file:"):
		return "", fmt.Errorf("sqlite: database path %q is a URI; give a file path (or %q)", path, MemoryPath)
	case strings.ContainsRune(path, 0):
		return "", errors.New("sqlite: database path contains a NUL byte")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("sqlite: database path %q: %w", path, err)
	}
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		if err := f.Close(); err != nil {
			return "", fmt.Errorf("sqlite: create %s: %w", path, err)
		}
	case errors.Is(err, fs.ErrExist):
		fi, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if !fi.Mode().IsRegular() {
			return "", fmt.Errorf("sqlite: open %s: not a regular file", path)
		}
	default:
		return "", fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	u := url.URL{Path: filepath.ToSlash(abs)}
	return "file:" + u.EscapedPath(), nil
}

func cloneValues(v url.Values) url.Values {
	c := make(url.Values, len(v))
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	return c
}

// Ping checks that both pools can reach the database.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	if err := s.r.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Close closes the database. Calls after the first return the first
// call's result; every other method fails once Close has begun.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		var errs []error
		for _, st := range append([]*sql.Stmt{s.sessionStmt, s.touchStmt, s.journalStmt}, s.appendStmts[1:]...) {
			if st != nil {
				errs = append(errs, st.Close())
			}
		}
		if s.files != nil {
			errs = append(errs, s.files.close())
		}
		if s.r != nil {
			errs = append(errs, s.r.Close())
		}
		if s.w != nil {
			// The writer closes last among the file's users so that
			// SQLite checkpoints the WAL into the main file.
			errs = append(errs, s.w.Close())
		}
		if s.keep != nil {
			errs = append(errs, s.keep.Close())
		}
		if s.keepDB != nil {
			errs = append(errs, s.keepDB.Close())
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlite: close: %w", err)
		}
	})
	return s.closeErr
}
