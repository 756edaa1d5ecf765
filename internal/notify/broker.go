package notify

import (
	"context"
	"errors"
	"sync"

	"github.com/graphsec/graphsec/internal/store"
)

// Broker fans stored items out to live subscribers (the stream's
// connections). It is the seam between one console and several: the
// in-process Hub serves one process; a PostgreSQL LISTEN/NOTIFY broker
// will serve replicas sharing a database, each publishing what it stored
// and hearing what the others did.
//
// The store, not the broker, is the record. A subscription starts from a
// Seq and reads the store for whatever it has not been handed: at the
// start, after its buffer overflowed (Publish never waits for a
// subscriber), or when its broker tells it that it missed something. So
// a broker may drop what it cannot deliver, as long as it says so, and a
// subscriber still sees every item after its starting Seq exactly once, in
// Seq order.
type Broker interface {
	// Publish hands stored items, in Seq order, to every subscription. It
	// never blocks on a subscriber. Items are published after they are
	// stored.
	Publish(items []Item)
	// Subscribe follows the items after Seq from (store.FromStart: from
	// the oldest retained) that viewer may see (empty: every item).
	Subscribe(from int64, viewer string) (*Subscription, error)
	// Close ends every subscription (their Next returns ErrClosed).
	Close()
}

// Enriched is what the enricher learned about a stored item, as live
// subscribers are told: the item's new title and changes (the owner and
// sharing decide who may see it).
type Enriched struct {
	Seq     int64
	Owner   string
	Shared  bool
	Title   string
	Changes []byte
}

// EnrichPublisher is a Broker that also hands enrichments to its
// subscribers. The Hub is one; pgbroker.Broker hands them to the Hub of
// the replica that enriched (the leader) only: another replica's page
// shows the title when it reads the store again (a reload, its history).
type EnrichPublisher interface {
	PublishEnriched(es []Enriched)
}

// HubOptions configure a Hub.
type HubOptions struct {
	// Store is read by subscriptions to catch up. Required.
	Store store.Notifications
	// Buffer bounds the items waiting for one subscription (default
	// 1024); beyond it the subscription drops them and catches up from
	// the store when its reader is ready again.
	Buffer int
	// Page is how many items a catch-up reads at once (default 500).
	Page    int
	Metrics *Metrics
}

// Hub is the in-process Broker.
type Hub struct {
	o HubOptions

	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// NewHub returns an in-process broker.
func NewHub(o HubOptions) (*Hub, error) {
	if o.Store == nil {
		return nil, errors.New("notify: HubOptions.Store is required")
	}
	if o.Buffer <= 0 {
		o.Buffer = 1024
	}
	if o.Page <= 0 {
		o.Page = 500
	}
	o.Page = min(o.Page, store.MaxNotificationLimit)
	return &Hub{o: o, subs: map[*Subscription]struct{}{}}, nil
}

// Publish implements Broker. Items are handed on without Raw (the
// stream does not show it, and a buffer should not hold request bodies).
func (h *Hub) Publish(items []Item) {
	if len(items) == 0 {
		return
	}
	light := make([]Item, len(items))
	for i, it := range items {
		it.Raw = nil
		light[i] = it
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.offer(light)
	}
}

// PublishEnriched implements EnrichPublisher. Like Publish it never
// waits: a subscription whose buffer is full drops the update (its page
// shows the title from the store when it is loaded again).
func (h *Hub) PublishEnriched(es []Enriched) {
	if len(es) == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.offerEnriched(es)
	}
}

// Subscribe implements Broker. The subscription is registered before it
// reads the store, so nothing stored after its first read can pass it by.
func (h *Hub) Subscribe(from int64, viewer string) (*Subscription, error) {
	s := &Subscription{
		hub: h, st: h.o.Store, viewer: viewer, last: from, catchUp: true, max: h.o.Buffer, page: h.o.Page,
		ready: make(chan struct{}, 1), closed: make(chan struct{}),
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, ErrClosed
	}
	h.subs[s] = struct{}{}
	return s, nil
}

// Close implements Broker.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for s := range h.subs {
		s.end()
	}
	clear(h.subs)
}

// MissAll tells every subscription that it may have missed items, so
// that each reads the store before trusting what it is offered again. A
// broker for several replicas calls it when its link to the others was
// broken (a LISTEN connection lost and re-established), then goes on
// publishing through this Hub.
func (h *Hub) MissAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.Missed()
	}
}

func (h *Hub) remove(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

// Subscription is one subscriber's place in the stream of items. Next is
// called from one goroutine; the broker offers items from others.
type Subscription struct {
	hub    *Hub
	st     store.Notifications
	viewer string
	max    int
	page   int

	// Owned by the reader (Next).
	last    int64 // the Seq of the last item handed out (or the start)
	catchUp bool  // read the store before trusting the buffer

	mu       sync.Mutex
	buf      []Item
	overflow bool
	// enriched holds enrichments not handed out yet, bounded by max.
	enriched []Enriched
	ready    chan struct{} // capacity 1: "buf or overflow changed"
	closed   chan struct{}
	endOnce  sync.Once
}

// Batch is what Next returns: items in Seq order, and whether they came
// from the store (a catch-up) rather than live from the broker; and
// enrichments of items already handed out (Seq at most the last item's),
// which the stream sends after the items.
type Batch struct {
	Items    []Item
	CatchUp  bool
	Enriched []Enriched
}

// offer is the broker's side: it appends to the buffer or, when that
// would exceed the bound, drops the buffer and marks the overflow. It
// never blocks beyond the subscription's own short lock.
func (s *Subscription) offer(items []Item) {
	s.mu.Lock()
	switch {
	case s.overflow:
	case len(s.buf)+len(items) > s.max:
		s.overflow, s.buf = true, nil
	default:
		s.buf = append(s.buf, items...)
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// offerEnriched keeps the visible enrichments for the reader; beyond
// the bound they are dropped (never waited for).
func (s *Subscription) offerEnriched(es []Enriched) {
	s.mu.Lock()
	for _, e := range es {
		if len(s.enriched) >= s.max {
			break
		}
		if s.viewer == "" || e.Shared || e.Owner == s.viewer {
			s.enriched = append(s.enriched, e)
		}
	}
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// takeEnriched returns the enrichments of items already handed out (Seq
// at most last) and keeps the others: an item stored and enriched before
// the broker offered it is handed out first, then its enrichment, never
// the other way round.
func (s *Subscription) takeEnriched() []Enriched {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Enriched
	keep := s.enriched[:0]
	for _, e := range s.enriched {
		if e.Seq <= s.last {
			out = append(out, e)
		} else {
			keep = append(keep, e)
		}
	}
	clear(s.enriched[len(keep):])
	s.enriched = keep
	return out
}

// Missed tells the subscription it may have missed items (a broker that
// lost its connection to the others): its next Next reads the store.
func (s *Subscription) Missed() {
	s.mu.Lock()
	s.overflow, s.buf = true, nil
	s.mu.Unlock()
	select {
	case s.ready <- struct{}{}:
	default:
	}
}

// Last is the Seq of the last item Next handed out (or the start).
func (s *Subscription) Last() int64 { return s.last }

// Next returns the next items after the last one handed out that the
// viewer may see, waiting until there are some, ctx ends (its error), or
// the broker closes (ErrClosed). On an error the subscription keeps its
// place: Next may be called again.
func (s *Subscription) Next(ctx context.Context) (Batch, error) {
	for {
		if s.catchUp {
			items, err := s.st.ListNotifications(ctx, store.NotificationFilter{
				Viewer: s.viewer, AfterSeq: s.afterSeq(), Limit: s.page,
			})
			if err != nil {
				return Batch{}, err
			}
			if len(items) < s.page {
				s.catchUp = false
			}
			if len(items) > 0 {
				s.last = items[len(items)-1].Seq
				for i := range items {
					items[i].Raw = nil
				}
				return Batch{Items: items, CatchUp: true, Enriched: s.takeEnriched()}, nil
			}
			continue
		}
		s.mu.Lock()
		buf, overflow := s.buf, s.overflow
		s.buf, s.overflow = nil, false
		s.mu.Unlock()
		if overflow {
			if s.hub.o.Metrics != nil {
				s.hub.o.Metrics.StreamCatchUps.Inc()
			}
			s.catchUp = true
			continue
		}
		var out []Item
		for _, it := range buf {
			if it.Seq > s.last && s.visible(it) {
				out = append(out, it)
			}
		}
		if len(out) > 0 {
			s.last = out[len(out)-1].Seq
		}
		if ups := s.takeEnriched(); len(out) > 0 || len(ups) > 0 {
			return Batch{Items: out, Enriched: ups}, nil
		}
		select {
		case <-s.ready:
		case <-s.closed:
			return Batch{}, ErrClosed
		case <-ctx.Done():
			return Batch{}, ctx.Err()
		}
	}
}

// afterSeq is the store filter's AfterSeq for the next catch-up read:
// store.FromStart until the first item (a start of 0 means "from the
// start of what is retained").
func (s *Subscription) afterSeq() int64 {
	if s.last <= 0 {
		return store.FromStart
	}
	return s.last
}

func (s *Subscription) visible(it Item) bool {
	return s.viewer == "" || it.Shared || it.Owner == s.viewer
}

// Close ends the subscription and removes it from its broker.
func (s *Subscription) Close() {
	s.end()
	s.hub.remove(s)
}

func (s *Subscription) end() { s.endOnce.Do(func() { close(s.closed) }) }
