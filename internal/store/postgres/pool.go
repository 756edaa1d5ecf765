package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/clock"
)

// errClosed is returned once Close has begun.
var errClosed = errors.New("postgres: store is closed")

// pingAfterIdle is how long a connection may sit idle before it is pinged
// on checkout (pgxpool's default too): a busy console, with connections
// idle for milliseconds, never pays for the ping; a quiet one pays a round
// trip it can afford, and a connection the server, a proxy or a failover
// ended while idle is found and replaced before a query fails on it.
const pingAfterIdle = time.Second

// pool is a small, bounded pool of pgx connections.
//
// It exists because pgx's own pool (pgxpool, which pgx/v5/stdlib also
// imports) needs github.com/jackc/puddle/v2, which is not in this module's
// go.sum; see the package documentation. It does only what the store
// needs: at most size connections, idle ones reused, broken ones
// (closed, busy, or left inside a transaction) dropped, and waiting for a
// connection bounded by the caller's context.
type pool struct {
	cfg   *pgx.ConnConfig
	clock clock.Clock

	// slots holds one token per connection checked out (or being
	// opened); its capacity is the pool's size.
	slots chan struct{}
	// idle holds connections not checked out. Its capacity equals slots',
	// and a connection enters it only from a holder of a slot, so a send
	// never blocks.
	idle chan idleConn
	done chan struct{}

	mu     sync.Mutex // orders release against close
	closed bool
}

type idleConn struct {
	c     *pgx.Conn
	since time.Time
}

func newPool(cfg *pgx.ConnConfig, clk clock.Clock, size int) *pool {
	return &pool{
		cfg:   cfg,
		clock: clk,
		slots: make(chan struct{}, size),
		idle:  make(chan idleConn, size),
		done:  make(chan struct{}),
	}
}

// acquire checks out a connection. reused reports whether it came from the
// idle list (and so may have died while idle).
func (p *pool) acquire(ctx context.Context) (c *pgx.Conn, reused bool, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, false, ctx.Err()
	case <-p.done:
		return nil, false, errClosed
	}
	select {
	case <-p.done:
		<-p.slots
		return nil, false, errClosed
	default:
	}
	for {
		var ic idleConn
		select {
		case ic = <-p.idle:
		default:
			c, err := pgx.ConnectConfig(ctx, p.cfg)
			if err != nil {
				<-p.slots
				return nil, false, err
			}
			return c, false, nil
		}
		if ic.c.IsClosed() {
			continue
		}
		if p.clock.Now().Sub(ic.since) >= pingAfterIdle {
			if err := ic.c.Ping(ctx); err != nil {
				closeConn(ic.c)
				if ctx.Err() != nil {
					<-p.slots
					return nil, false, ctx.Err()
				}
				continue
			}
		}
		return ic.c, true, nil
	}
}

// release returns a connection. One that is closed, still busy (a query
// abandoned half-way by a cancelled context) or inside a transaction is
// closed instead of being handed to the next caller in that state.
func (p *pool) release(c *pgx.Conn) {
	defer func() { <-p.slots }()
	pc := c.PgConn()
	if c.IsClosed() || pc.IsBusy() || pc.TxStatus() != 'I' {
		closeConn(c)
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		closeConn(c)
		return
	}
	p.idle <- idleConn{c: c, since: p.clock.Now()}
	p.mu.Unlock()
}

// close closes the idle connections and makes every later acquire fail;
// connections checked out are closed as they are released.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	p.mu.Unlock()
	for {
		select {
		case ic := <-p.idle:
			closeConn(ic.c)
		default:
			return
		}
	}
}

// closeConn says goodbye to the server, without letting an unresponsive
// one hold the caller for long.
func closeConn(c *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.Close(ctx)
}
