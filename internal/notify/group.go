package notify

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
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
//
// The journal. Journal (the receiver's path for change notifications)
// stores each request's items as one entry of the store's journal
// (store.Journal) instead of as rows of notifications: one row per POST
// instead of one row and three index entries per notification, so the
// acknowledgement costs a fraction of the writer's time. The same writer
// is the indexer: whenever the journal holds entries it moves the oldest
// (at most IndexChunk items, whole entries) into notifications in a
// transaction of its own, de-duplicating by ID, counts them (accepted,
// duplicate) and publishes what it stored, before it gathers the next
// requests, so indexing keeps going under load. Every request waiting
// is committed before the next chunk is indexed, so a burst is
// acknowledged at the journal's pace and indexed at the notifications'
// pace; the backlog between the two is in the store, so a crash loses
// nothing of it (Run resumes it), and the live page sees items once they
// are indexed, in Seq order like everything else.
type GroupSink struct {
	st         store.Notifications
	broker     Broker
	metrics    *Metrics
	clock      clock.Clock
	log        *slog.Logger
	max        int
	chunk      int
	ratio      float64
	owed       float64 // items the journal's transactions owe indexing (the writer's)
	maxBacklog int64
	maxLag     time.Duration
	// since bounds the age of the journal's oldest entry from above: when
	// the backlog last grew from empty, or the receipt of the newest item
	// indexed since (the writer's).
	since   time.Time
	timeout time.Duration
	journal store.Journal // nil: the store has none, Journal appends
	backlog atomic.Int64  // items in the journal, as the writer knows
	// arriving counts requests on their way (Arriving), so that the
	// writer tells a busy receiver from an idle one.
	arriving atomic.Int64
	indexed  chan struct{} // closed and replaced after each index
	idxMu    sync.Mutex    // guards indexed

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
	// IndexChunk bounds the items the writer indexes from the journal in
	// one transaction when the receiver is idle (default
	// DefaultIndexChunk; a fifth of it while requests are on their way);
	// between two, it commits every request waiting.
	IndexChunk int
	// IndexRatio is how many items the journal's transactions index, in
	// passing, for each they append while the journal has a young backlog
	// (default DefaultIndexRatio). When it has none, a transaction indexes
	// what it appends (a quiet receiver's items are shown after one flush);
	// when no request is on its way, the writer indexes whole chunks.
	IndexRatio float64
	// MaxLag is how far the live page may fall behind the acknowledgements
	// during a burst (default DefaultMaxLag): once the journal's oldest
	// entry is half that old, the share indexed in passing grows with its
	// age, to as many as are appended at MaxLag and more beyond it, so
	// that a sustained load is acknowledged at the pace it is indexed and
	// the lag comes back to MaxLag.
	MaxLag time.Duration
	// MaxBacklog is the journal's backlog (items) beyond which indexing
	// gets as much of the writer's time as committing requests (default
	// DefaultMaxBacklog): past it, a sustained overload is acknowledged
	// at the pace it is indexed, so the backlog stops growing.
	MaxBacklog int64
}

// Defaults of GroupOptions.
const (
	// DefaultIndexChunk: large enough that indexing a backlog costs few
	// flushes, small enough that requests waiting behind one chunk are
	// answered within a few milliseconds.
	DefaultIndexChunk = 500
	// DefaultIndexRatio: under a burst, a hundredth of what is
	// acknowledged is indexed at once, so the live page keeps moving (a
	// short chunk every 10,000 items), and the rest as soon as the burst
	// ends or MaxLag calls for it. Indexing an item costs about four times
	// as much as journaling it: a tenth in passing cost a fifth of the
	// burst's acknowledgements (README, Performance), for a live page
	// that lagged a burst nearly as far behind.
	DefaultIndexRatio = 0.01
	// DefaultMaxLag: well within the 60 s an analyst is promised for
	// watches, long enough for a burst of a few seconds to be
	// acknowledged at the journal's pace.
	DefaultMaxLag = 30 * time.Second
	// DefaultMaxBacklog: a minute's indexing or so on a small machine.
	DefaultMaxBacklog = 1_000_000
)

// idleGap is the pause in requests after which the writer indexes a short
// chunk although requests are on their way.
const idleGap = 20 * time.Millisecond

type appendReq struct {
	items   []Item
	journal bool
	done    chan appendRes
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
	if o.IndexChunk <= 0 {
		o.IndexChunk = DefaultIndexChunk
	}
	if o.IndexRatio <= 0 {
		o.IndexRatio = DefaultIndexRatio
	}
	if o.MaxBacklog <= 0 {
		o.MaxBacklog = DefaultMaxBacklog
	}
	if o.MaxLag <= 0 {
		o.MaxLag = DefaultMaxLag
	}
	g := &GroupSink{
		st: o.Store, broker: o.Broker, metrics: o.Metrics, clock: o.Clock, log: o.Logger,
		max: min(o.MaxItems, store.MaxAppendBatch), chunk: min(o.IndexChunk, store.JournalChunk), ratio: o.IndexRatio,
		maxBacklog: o.MaxBacklog, maxLag: o.MaxLag, timeout: o.Timeout,
		reqs: make(chan *appendReq, 1024), done: make(chan struct{}), indexed: make(chan struct{}),
	}
	if g.journal, _ = o.Store.(store.Journal); g.journal != nil {
		// Unknown until Run reads it: WaitIndexed must not return before.
		g.backlog.Store(1)
	}
	return g, nil
}

// Journal stores items durably in the store's journal, as one entry, and
// returns once they are on disk; the writer indexes them into
// notifications (and publishes them) afterwards, de-duplicating by ID
// then. Without a journal in the store, it is Append. Invalid items fail
// this call alone. If ctx ends first, Journal returns its error; the
// items may still be committed.
func (g *GroupSink) Journal(ctx context.Context, items []Item) error {
	if g.journal == nil {
		_, err := g.Append(ctx, items)
		return err
	}
	if err := store.CheckAppend(items); err != nil {
		return err
	}
	if len(items) == 0 {
		return ctx.Err()
	}
	_, err := g.enqueue(ctx, &appendReq{items: items, journal: true, done: make(chan appendRes, 1)})
	return err
}

// Arriving tells the writer that a request is on its way (a POST being
// read and checked before it calls Journal); call the returned function
// when it has been answered. While any is, the writer indexes only what
// its journal transactions take along (GroupOptions.IndexRatio); when none
// is, it indexes whole chunks.
func (g *GroupSink) Arriving() (done func()) {
	g.arriving.Add(1)
	return func() { g.arriving.Add(-1) }
}

// Backlog is the number of journaled items not yet indexed, as the
// writer last knew it (Run reads the store's at its start).
func (g *GroupSink) Backlog() int64 { return g.backlog.Load() }

// WaitIndexed returns once the journal is empty, or ctx ends. Use it where
// journaled items must be in notifications before going on (tests,
// loadgen's in-process runs); the live page needs no such wait.
func (g *GroupSink) WaitIndexed(ctx context.Context) error {
	for {
		g.idxMu.Lock()
		ch := g.indexed
		g.idxMu.Unlock()
		if g.backlog.Load() == 0 {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-g.done:
			return ErrClosed
		}
	}
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
	return g.enqueue(ctx, &appendReq{items: items, done: make(chan appendRes, 1)})
}

// enqueue hands req to the writer and waits for its answer.
func (g *GroupSink) enqueue(ctx context.Context, req *appendReq) ([]Item, error) {
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

// Run is the writer: it commits what Append and Journal queue, and
// indexes the journal, until Close; then it commits what is still queued,
// indexes the journal for up to 5 seconds more, and returns (what remains
// in the journal is indexed by the next Run).
// Run it once.
func (g *GroupSink) Run() {
	defer close(g.done)
	if g.journal != nil {
		ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
		n, err := g.journal.JournalBacklog(ctx)
		cancel()
		if err != nil {
			// Index anyway: IndexJournal of an empty journal is cheap.
			g.log.Error("reading the journal's backlog", "err", err)
			n = 1
		}
		// A backlog left by an earlier run counts from now: its age is
		// unknown until its items are indexed.
		g.since = g.clock.Now()
		g.setBacklog(n)
	}
	var batch []*appendReq
	for {
		var first *appendReq
		ok := true
		if g.backlog.Load() > 0 {
			select {
			case first, ok = <-g.reqs:
			default:
				// Nothing queued. With no request on its way either, the
				// writer is idle: it indexes whole chunks. Otherwise the
				// journal's transactions index their share; a pause of
				// idleGap without a request (a slow client holding one
				// open) lets it index a short chunk all the same.
				if g.arriving.Load() == 0 {
					g.index(g.chunk)
					continue
				}
				t := time.NewTimer(idleGap)
				select {
				case first, ok = <-g.reqs:
					t.Stop()
				case <-t.C:
					g.index(g.busyChunk())
					continue
				}
			}
		} else {
			first, ok = <-g.reqs
		}
		if !ok {
			g.drainOnClose()
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
		g.commitAll(batch)
	}
}

// commitAll commits a gathered batch: the journal's requests in one
// transaction, the others in another.
func (g *GroupSink) commitAll(batch []*appendReq) {
	var direct, journal []*appendReq
	for _, r := range batch {
		if r.journal {
			journal = append(journal, r)
		} else {
			direct = append(direct, r)
		}
	}
	if len(journal) > 0 {
		g.commitJournal(journal)
	}
	if len(direct) > 0 {
		n := 0
		for _, r := range direct {
			n += len(r.items)
		}
		g.commit(direct, n)
	}
}

// commitJournal appends each request's items as one journal entry, all in
// one transaction that may also index the oldest entries, and answers
// each caller.
func (g *GroupSink) commitJournal(batch []*appendReq) {
	entries := make([][]Item, len(batch))
	n := 0
	for i, r := range batch {
		entries[i] = r.items
		n += len(r.items)
	}
	// What to index with it: on a quiet receiver (nothing waiting in the
	// journal, no other request on its way) the entries appended now, so
	// that they are shown after one flush, not two; under load, the share
	// of what is appended that indexShare gives, saved up until it makes
	// a short chunk (a transaction indexing a few items costs nearly what
	// one indexing a hundred does); beyond MaxBacklog, as many as are
	// appended.
	backlog, index := g.backlog.Load(), 0
	now := g.clock.Now()
	if backlog == 0 {
		g.since = now // what this appends is the oldest to wait, if any
	}
	switch {
	case backlog == 0 && g.arriving.Load() <= int64(len(batch)):
		index = n
	case backlog > g.maxBacklog:
		index = n
	default:
		g.owed += float64(n) * g.indexShare(now)
		if g.owed >= float64(g.busyChunk()) {
			index = int(math.Ceil(g.owed))
		}
	}
	index = min(index, g.chunk)
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	stored, read, err := g.journal.AppendJournal(ctx, entries, index)
	cancel()
	if g.metrics != nil {
		g.metrics.CommitItems.Observe(float64(n))
		g.metrics.CommitSeconds.Observe(g.clock.Now().Sub(now).Seconds())
	}
	if err != nil {
		g.log.Error("journaling notifications", "items", n, "requests", len(batch), "err", err)
	}
	for _, r := range batch {
		r.done <- appendRes{err: err}
	}
	if err == nil {
		if index > 0 && backlog > 0 {
			g.owed = max(0, g.owed-float64(read))
		}
		g.account(stored, read, max(0, g.backlog.Load()+int64(n-read)))
	}
}

// indexShare is the share of what the journal's transactions append that
// they index in passing while it has a backlog: IndexRatio while its
// oldest entry is younger than half of MaxLag, then growing with its age
// to all at MaxLag (the backlog stops growing), and steeply beyond: a
// backlog built at a burst's pace is indexed at the slower pace of a load
// both acknowledged and indexed, so it ages further; only by indexing
// several times what they append do the transactions bring the lag back
// to MaxLag within seconds (a tenth of MaxLag over it: twice; half of
// it: six times). A transaction indexes at most IndexChunk.
func (g *GroupSink) indexShare(now time.Time) float64 {
	half := g.maxLag / 2
	switch age := now.Sub(g.since); {
	case age <= half:
		return g.ratio
	case age <= g.maxLag:
		return max(g.ratio, float64(age-half)/float64(half))
	default:
		return 1 + lagGain*float64(age-g.maxLag)/float64(g.maxLag)
	}
}

// lagGain is how steeply indexShare grows beyond MaxLag.
const lagGain = 10

// busyChunk is the chunk indexed while requests are on their way: a fifth
// of IndexChunk, so that a request arriving meanwhile waits for a short
// transaction.
func (g *GroupSink) busyChunk() int { return max(1, g.chunk/5) }

// closeDrain bounds the indexing Close waits for; what is left is indexed
// by the next Run.
const closeDrain = 5 * time.Second

// drainOnClose indexes the journal's backlog, for at most closeDrain,
// stopping at the first error.
func (g *GroupSink) drainOnClose() {
	deadline := g.clock.Now().Add(closeDrain)
	for g.journal != nil && g.backlog.Load() > 0 && g.clock.Now().Before(deadline) {
		if !g.index(g.chunk) {
			return
		}
	}
}

// index moves one chunk of the journal into notifications, counts and
// publishes what it stored. The receiver journals change notifications
// only (source webhook): what the chunk held beyond what it stored are
// their duplicates.
func (g *GroupSink) index(chunk int) bool {
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	start := g.clock.Now()
	stored, read, err := g.journal.IndexJournal(ctx, chunk)
	cancel()
	if err != nil {
		g.log.Error("indexing the journal", "err", err)
		// Try again after the next request, or a moment: a failing store
		// should not be asked in a tight loop.
		if g.metrics != nil {
			g.metrics.IndexErrors.Inc()
		}
		time.Sleep(100 * time.Millisecond)
		return false
	}
	if g.metrics != nil {
		g.metrics.IndexSeconds.Observe(g.clock.Now().Sub(start).Seconds())
	}
	backlog := int64(0) // nothing read: the journal is empty
	if read > 0 {
		backlog = max(0, g.backlog.Load()-int64(read))
	}
	g.account(stored, read, backlog)
	return true
}

// account counts and publishes what a transaction indexed, and records
// the journal's backlog after it.
func (g *GroupSink) account(stored []Item, read int, backlog int64) {
	if g.metrics != nil {
		accepted := map[store.Source]int{}
		for _, it := range stored {
			accepted[it.Source]++
		}
		for source, n := range accepted {
			g.metrics.Notifications.WithLabelValues(string(source), ResultAccepted).Add(float64(n))
		}
		if dup := read - len(stored); dup > 0 {
			g.metrics.Notifications.WithLabelValues(string(SourceWebhook), ResultDuplicate).Add(float64(dup))
		}
	}
	if len(stored) > 0 {
		if t := stored[len(stored)-1].ReceivedAt; t.After(g.since) {
			g.since = t
		}
	}
	g.setBacklog(backlog)
	if g.broker != nil && len(stored) > 0 {
		g.broker.Publish(stored)
	}
}

// setBacklog records the journal's backlog and wakes WaitIndexed.
func (g *GroupSink) setBacklog(n int64) {
	g.backlog.Store(n)
	g.owed = min(g.owed, float64(n)) // what is owed is what waits, at most
	if g.metrics != nil {
		g.metrics.JournalBacklog.Set(float64(n))
		lag := time.Duration(0)
		if n > 0 {
			lag = max(0, g.clock.Now().Sub(g.since))
		}
		g.metrics.JournalLag.Set(lag.Seconds())
	}
	g.idxMu.Lock()
	close(g.indexed)
	g.indexed = make(chan struct{})
	g.idxMu.Unlock()
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
