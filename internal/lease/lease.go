// Package lease elects the one replica that does a console's background
// work (subscription upkeep and lifecycle handling, the watcher and its
// audit, retention, expired-record cleanup, reconciliation), so that it
// runs exactly once however many replicas share a database.
//
// On SQLite there is one console: Always leads from the start. On
// PostgreSQL, PG holds a lease row (graphsec_leases: name, holder, epoch,
// expires_at) that the leader renews every Renew (5 s) for TTL (15 s)
// from the moment it sent the renewal. Another replica takes the lease
// only once it has expired, so a leader that dies (kill -9, a machine
// lost) is replaced within TTL plus one attempt, about 20 s.
//
// Fencing. The leader's work runs under a context that ends at its last
// successful renewal's send time plus TTL less Margin (5 s): when the
// renewals fail (the database or the network is gone), the work is
// stopped, and its Graph requests and writes cancelled, Margin before
// any other replica may take the lease. A new term then starts from the
// stored checkpoints and feed records. So no two replicas run the work at
// once, provided their clocks agree within Margin (NTP), and the work's
// steps are each bounded by the context (they are: every Graph request
// and store write takes it). Each term has a new epoch, shown on
// /metrics.
//
// Times come from the injected clock; the loop wakes every Tick (1 s) of
// real time to look at it.
package lease

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/clock"
)

// State is what a replica knows of the lease.
type State struct {
	// Leader says whether this replica leads now (its work is running).
	Leader bool
	// ID is this replica's holder id; Holder the last holder it saw
	// (itself when leading; empty when unknown).
	ID, Holder string
	// Epoch is the lease's term number (each new holder increments it).
	Epoch int64
	// Expires is when this replica's lease runs out unless renewed (zero
	// when not leading); Since when it started leading.
	Expires, Since time.Time
	// Terms counts the terms this replica has led.
	Terms int64
}

// Elector runs work while this replica leads.
type Elector interface {
	// Run campaigns until ctx ends. Each time this replica becomes the
	// leader, work runs with a context that ends when leadership is lost
	// (or might be soon) or ctx ends; Run waits for work to return before
	// campaigning again, and before it returns.
	Run(ctx context.Context, work func(ctx context.Context))
	// State is the current state.
	State() State
}

// Always is the Elector of a single console (SQLite): it always leads.
type Always struct {
	mu    sync.Mutex
	state State
}

// NewAlways returns an Elector that leads at once.
func NewAlways(id string) *Always { return &Always{state: State{ID: id, Holder: id}} }

// Run implements Elector: work runs once, until ctx ends.
func (a *Always) Run(ctx context.Context, work func(context.Context)) {
	a.mu.Lock()
	a.state.Leader, a.state.Epoch, a.state.Terms = true, 1, a.state.Terms+1
	a.mu.Unlock()
	work(ctx)
	a.mu.Lock()
	a.state.Leader = false
	a.mu.Unlock()
}

// State implements Elector.
func (a *Always) State() State {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// NewID returns a replica id: the host name and a random suffix.
func NewID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "graphsec"
	}
	return host + "-" + rand.Text()[:8]
}

// Options configure NewPG.
type Options struct {
	// Connect opens the lease's own connection (reopened when it fails).
	// Required.
	Connect func(ctx context.Context) (*pgx.Conn, error)
	// Name is the lease's name (default "graphsec-leader"); ID this
	// replica's holder id (default NewID()).
	Name, ID string
	// TTL is how long a renewal holds the lease (default 15 s); Renew how
	// often the leader renews and the others try (default TTL/3); Margin
	// how long before its lease could expire the leader stops its work
	// when renewals fail (default TTL/3). Renew + Margin must be below TTL.
	TTL, Renew, Margin time.Duration
	// Tick is how often the loop looks at the clock (default 1 s, at most
	// Renew).
	Tick   time.Duration
	Clock  clock.Clock
	Logger *slog.Logger
}

// PG is the Elector of replicas on PostgreSQL.
type PG struct {
	o   Options
	log *slog.Logger

	mu    sync.Mutex
	state State
	conn  *pgx.Conn // owned by Run's goroutine
}

var _ Elector = (*PG)(nil)

// NewPG checks the options and returns the Elector.
func NewPG(o Options) (*PG, error) {
	if o.Connect == nil {
		return nil, errors.New("lease: Options.Connect is required")
	}
	if o.Name == "" {
		o.Name = "graphsec-leader"
	}
	if o.ID == "" {
		o.ID = NewID()
	}
	if o.TTL <= 0 {
		o.TTL = 15 * time.Second
	}
	if o.Renew <= 0 {
		o.Renew = o.TTL / 3
	}
	if o.Margin <= 0 {
		o.Margin = o.TTL / 3
	}
	if o.Renew+o.Margin >= o.TTL {
		return nil, fmt.Errorf("lease: Renew (%s) plus Margin (%s) must be below TTL (%s)", o.Renew, o.Margin, o.TTL)
	}
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	o.Tick = min(o.Tick, o.Renew)
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &PG{o: o, log: o.Logger, state: State{ID: o.ID}}, nil
}

// State implements Elector.
func (l *PG) State() State {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// Run implements Elector. When ctx ends while leading, work is stopped and
// the lease released (expired now), so another replica takes over at its
// next attempt instead of after TTL.
func (l *PG) Run(ctx context.Context, work func(context.Context)) {
	defer l.closeConn()
	var (
		leading   bool
		stopWork  context.CancelFunc
		workDone  chan struct{}
		fence     time.Time // stop work at this time unless renewed
		nextTry   time.Time // the next acquisition or renewal
		lastEpoch int64
	)
	stop := func(why string) {
		if !leading {
			return
		}
		stopWork()
		<-workDone
		leading = false
		l.mu.Lock()
		l.state.Leader, l.state.Expires = false, time.Time{}
		l.mu.Unlock()
		l.log.Warn("lease: no longer the leader; background work stopped", "why", why, "epoch", lastEpoch)
	}
	tick := time.NewTicker(l.o.Tick)
	defer tick.Stop()
	for {
		now := l.o.Clock.Now()
		if leading && !now.Before(fence) {
			stop("the lease could not be renewed in time")
		}
		if !now.Before(nextTry) {
			nextTry = now.Add(l.o.Renew)
			sent := now
			// A leader's renewal must not outlast its fence: the loop has to
			// be back in time to stop the work.
			wait := l.o.Renew
			if leading {
				wait = max(min(wait, fence.Sub(now)), 100*time.Millisecond)
			}
			epoch, holder, expires, ok, err := l.acquire(ctx, sent, wait)
			switch {
			case err != nil:
				if ctx.Err() == nil {
					l.log.Warn("lease: database", "err", err, "leader", leading)
				}
			case ok:
				fence = sent.Add(l.o.TTL - l.o.Margin)
				l.mu.Lock()
				l.state.Holder, l.state.Epoch, l.state.Expires = l.o.ID, epoch, expires
				l.mu.Unlock()
				if leading && epoch != lastEpoch {
					// Our lease ran out and was taken again (by us) with a
					// new term: the old term's work already stopped at
					// the fence; start anew.
					stop("a new term began")
				}
				if !leading {
					leading, lastEpoch = true, epoch
					wctx, cancel := context.WithCancel(ctx)
					stopWork, workDone = cancel, make(chan struct{})
					l.mu.Lock()
					l.state.Leader, l.state.Since, l.state.Terms = true, l.o.Clock.Now(), l.state.Terms+1
					l.mu.Unlock()
					l.log.Info("lease: this replica is now the leader", "id", l.o.ID, "epoch", epoch)
					done := workDone
					go func() {
						defer close(done)
						work(wctx)
					}()
				}
			default:
				l.mu.Lock()
				l.state.Holder, l.state.Epoch = holder, epoch
				l.mu.Unlock()
				if leading {
					stop("another replica holds the lease")
				}
			}
		}
		select {
		case <-ctx.Done():
			stop("shutting down")
			l.release()
			return
		case <-tick.C:
		}
	}
}

const schema = `CREATE TABLE IF NOT EXISTS graphsec_leases (
	name text PRIMARY KEY,
	holder text NOT NULL,
	epoch bigint NOT NULL,
	expires_at timestamptz NOT NULL
)`

// acquire takes or renews the lease as of now: ok when this replica holds
// it until expires; otherwise holder and epoch say who does.
func (l *PG) acquire(ctx context.Context, now time.Time, wait time.Duration) (epoch int64, holder string, expires time.Time, ok bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	c, err := l.connection(ctx)
	if err != nil {
		return 0, "", time.Time{}, false, err
	}
	expires = now.Add(l.o.TTL)
	err = c.QueryRow(ctx, `INSERT INTO graphsec_leases AS l (name, holder, epoch, expires_at) VALUES ($1, $2, 1, $4)
		ON CONFLICT (name) DO UPDATE SET
			epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > $3 THEN l.epoch ELSE l.epoch + 1 END,
			holder = excluded.holder, expires_at = excluded.expires_at
		WHERE l.holder = excluded.holder OR l.expires_at <= $3
		RETURNING epoch`, l.o.Name, l.o.ID, now, expires).Scan(&epoch)
	if err == nil {
		return epoch, l.o.ID, expires, true, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		l.closeConn()
		return 0, "", time.Time{}, false, err
	}
	err = c.QueryRow(ctx, `SELECT epoch, holder FROM graphsec_leases WHERE name = $1`, l.o.Name).Scan(&epoch, &holder)
	if err != nil {
		l.closeConn()
		return 0, "", time.Time{}, false, err
	}
	return epoch, holder, time.Time{}, false, nil
}

// release ends this replica's lease now, if it holds it.
func (l *PG) release() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := l.connection(ctx)
	if err != nil {
		return
	}
	if _, err := c.Exec(ctx, `UPDATE graphsec_leases SET expires_at = $3 WHERE name = $1 AND holder = $2`,
		l.o.Name, l.o.ID, l.o.Clock.Now()); err != nil {
		l.log.Warn("lease: release", "err", err)
	}
}

// connection returns the lease's connection, opening it (and creating the
// table, under an advisory lock so that replicas starting together do not
// race) when there is none.
func (l *PG) connection(ctx context.Context) (*pgx.Conn, error) {
	if l.conn != nil {
		return l.conn, nil
	}
	c, err := l.o.Connect(ctx)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue("SELECT pg_advisory_xact_lock(hashtext('graphsec_leases'))")
	b.Queue(schema)
	b.Queue("COMMIT")
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		_ = c.Close(context.Background())
		return nil, fmt.Errorf("lease: create table: %w", err)
	}
	l.conn = c
	return c, nil
}

func (l *PG) closeConn() {
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = l.conn.Close(ctx)
		cancel()
		l.conn = nil
	}
}
