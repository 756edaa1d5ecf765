package notify

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// ErrClosed is returned by a GroupSink's Append after Close, and by a
// closed Broker's subscriptions.
var ErrClosed = errors.New("notify: closed")

// GroupSink is the Sink every live source writes through: a group commit.
//
// Durability costs a flush to disk per transaction (SQLite with
// synchronous=FULL, PostgreSQL's commit). Rather than one transaction per
// request, a single writer goroutine (Run) takes every Append waiting at
// that moment, stores them all in one AppendNotifications call, and then
// answers each caller with its own stored items. There is no timer: an
// idle sink commits a lone request at once, and under load the requests
// that arrive while one transaction flushes form the next one, so the
// batch grows with the load and the flushes per second stay bounded by
// the disk, not by the request rate.
//
// After each commit the sink hands the stored items to the Broker, in Seq
// order (the writer is one goroutine, so publishes follow commits).
type GroupSink struct {
	st      store.Notifications
	broker  Broker
	metrics *Metrics
	clock   clock.Clock
	log     *slog.Logger
	max     int
	timeout time.Duration

	reqs     chan *appendReq
	mu       sync.RWMutex // guards closed against sends on reqs
	closed   bool
	done     chan struct{}
	stopOnce sync.Once
}

// GroupOptions configure a GroupSink. Store is required.
type GroupOptions struct {
	Store store.Notifications
	// Broker hears about every stored item (nil: nobody).
	Broker Broker
	// Metrics, when set, records transaction sizes and times.
	Metrics *Metrics
	Clock   clock.Clock
	Logger  *slog.Logger
	// MaxItems bounds the items of one transaction (default 2000): a
	// caller with more is committed alone.
	MaxItems int
	// Timeout bounds one transaction (default 10 s); its callers get the
	// error, and Graph retries what was not acknowledged.
	Timeout time.Duration
}

type appendReq struct {
	items []Item
	done  chan appendRes
}

type appendRes struct {
	items []Item
	err   error
}

// NewGroupSink returns a sink; its writer runs when Run is called.
func NewGroupSink(o GroupOptions) (*GroupSink, error) {
	if o.Store == nil {
		return nil, errors.New("notify: GroupOptions.Store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxItems <= 0 {
		o.MaxItems = 2000
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	return &GroupSink{
		st: o.Store, broker: o.Broker, metrics: o.Metrics, clock: o.Clock, log: o.Logger,
		max: min(o.MaxItems, store.MaxAppendBatch), timeout: o.Timeout,
		reqs: make(chan *appendReq, 1024), done: make(chan struct{}),
	}, nil
}

// Append stores items durably and returns the ones stored (duplicates by
// ID left out), Seq assigned, once they are committed. Invalid items fail
// this call alone, before they reach a transaction shared with others.
// If ctx ends first, Append returns its error; the items may still be
// committed (a caller that did not acknowledge them will see them again
// as duplicates).
func (g *GroupSink) Append(ctx context.Context, items []Item) ([]Item, error) {
	if err := store.CheckAppend(items); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, ctx.Err()
	}
	req := &appendReq{items: items, done: make(chan appendRes, 1)}
	g.mu.RLock()
	if g.closed {
		g.mu.RUnlock()
		return nil, ErrClosed
	}
	select {
	case g.reqs <- req:
		g.mu.RUnlock()
	case <-ctx.Done():
		g.mu.RUnlock()
		return nil, ctx.Err()
	}
	select {
	case res := <-req.done:
		return res.items, res.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Run is the writer: it commits what Append queues until Close, then
// commits what is still queued and returns. Run it once.
func (g *GroupSink) Run() {
	defer close(g.done)
	var batch []*appendReq
	for {
		first, ok := <-g.reqs
		if !ok {
			return
		}
		batch = append(batch[:0], first)
		n := len(first.items)
	gather:
		for n < g.max {
			select {
			case r, ok := <-g.reqs:
				if !ok {
					break gather
				}
				batch = append(batch, r)
				n += len(r.items)
			default:
				break gather
			}
		}
		g.commit(batch, n)
	}
}

// Close stops accepting items, waits until the writer has committed
// everything queued (a graceful shutdown loses nothing acknowledged or
// waiting), and returns. Run must be running, or have been.
func (g *GroupSink) Close() {
	g.stopOnce.Do(func() {
		g.mu.Lock()
		g.closed = true
		close(g.reqs)
		g.mu.Unlock()
	})
	<-g.done
}

// commit stores the items of a group in one call and answers each caller.
func (g *GroupSink) commit(batch []*appendReq, n int) {
	all := batch[0].items
	if len(batch) > 1 {
		all = make([]Item, 0, n)
		for _, r := range batch {
			all = append(all, r.items...)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	start := g.clock.Now()
	stored, err := g.st.AppendNotifications(ctx, all)
	cancel()
	if g.metrics != nil {
		g.metrics.CommitItems.Observe(float64(n))
		g.metrics.CommitSeconds.Observe(g.clock.Now().Sub(start).Seconds())
	}
	if err != nil {
		g.log.Error("storing notifications", "items", n, "requests", len(batch), "err", err)
		for _, r := range batch {
			r.done <- appendRes{err: err}
		}
		return
	}
	// stored is a subsequence of all, in order, holding the first
	// occurrence of each new ID: walk both to give each caller its own.
	j := 0
	for _, r := range batch {
		var mine []Item
		for _, it := range r.items {
			if j < len(stored) && stored[j].ID == it.ID {
				mine = append(mine, stored[j])
				j++
			}
		}
		r.done <- appendRes{items: mine}
	}
	if g.broker != nil && len(stored) > 0 {
		g.broker.Publish(stored)
	}
}
