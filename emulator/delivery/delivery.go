package delivery

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/emulator/webhook"
	"github.com/graphsec/graphsec/internal/clock"
)

// Graph's documented figures (graph-api-facts.md §5.5), and the emulator's
// defaults where the docs are silent (see the package documentation).
const (
	// Timeout is how long Graph waits for a notification endpoint.
	Timeout = 3 * time.Second
	// SlowAfter is the latency above which a response counts as slow.
	SlowAfter = 2900 * time.Millisecond
	// RetryFor is how long a failed notification is retried.
	RetryFor = 4 * time.Hour
	// SlowWindow is how often the slow counts are flushed.
	SlowWindow = 10 * time.Minute
	// SlowMinimum is how many requests an endpoint must have had in a
	// window before its slow share is judged.
	SlowMinimum = 100
	// ThrottleDelay delays notifications to a throttled endpoint, and its
	// failed deliveries.
	ThrottleDelay = 10 * time.Minute

	DefaultMaxBatch         = 100
	DefaultMaxPendingPerURL = 5000
	DefaultMaxPending       = 50000
	DefaultMaxBacklog       = 50000
	DefaultWorkers          = 8
	DefaultLogSize          = 500
	DefaultConsentGrace     = time.Hour
	DefaultPoll             = 100 * time.Millisecond

	// challengeEvery is the interval of reauthorizationRequired while a
	// subscription is paused, and the documented cadence's shortest step.
	challengeEvery = 15 * time.Minute
	// maxAnswer bounds how much of an endpoint's answer is read.
	maxAnswer = 64 << 10
	// securityPermission is what a security alert subscription needs.
	securityPermission = "SecurityEvents.ReadWrite.All"
)

// retrySchedule is the wait after the n-th failed attempt (the last entry
// repeats), capped so that the final attempt falls at RetryFor after the
// first. Graph publishes no schedule; this one retries quickly at first
// (a receiver restarting) and hourly later (a receiver down).
var retrySchedule = [...]time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour}

// Reasons a notification was dropped, as Stats reports them.
const (
	DropBacklog          = "backlogFull"      // the queue of committed changes was full
	DropQueueFullURL     = "queueFullUrl"     // the endpoint's pending notifications were at their cap
	DropQueueFull        = "queueFullTotal"   // all pending notifications were at their cap
	DropRetriesExhausted = "retriesExhausted" // still failing RetryFor after the first attempt
	DropSlowEndpoint     = "slowEndpoint"     // the endpoint's slow share reached 15 %
	DropPaused           = "paused"           // consent was revoked; delivery paused until reauthorized
	DropSubscriptionGone = "subscriptionGone" // deleted, removed or expired before delivery
	DropRefused          = "refused"          // the network guard refused the address, or the URL is invalid
)

// Faults make delivery misbehave the way the real service may, so that
// receivers can be tested against it.
type Faults struct {
	// Duplicate is the share (0..1) of delivered notifications sent a
	// second time, with the same id, in a later POST.
	Duplicate float64 `json:"duplicate"`
	// Reorder is the share (0..1) of POSTs whose notifications are
	// shuffled together with the ones queued behind them, so they arrive
	// out of order within and across POSTs.
	Reorder float64 `json:"reorder"`
	// Delay holds every notification until this long (emulated time)
	// after its change before it may be sent.
	Delay time.Duration `json:"-"`
}

// Options configure a Delivery. Zero values take the defaults above.
type Options struct {
	// Subscriptions are the subscriptions to deliver to (required).
	Subscriptions *graphapi.Subscriptions
	// Directory tells whether apps still hold consent; nil: always.
	Directory *tenant.Directory
	// Client posts notifications; it should be the network guard's
	// (webhook.Guard.Client). Its Timeout is ignored: Timeout applies to
	// each request. Default: a guard's client with no extra ranges.
	Client *http.Client
	// Clock is the emulator's (adjustable) clock: retries, expiry,
	// throttling windows and lifecycle events follow it.
	Clock clock.Clock
	// Stopwatch measures response latency in real time (default: the
	// system clock). Tests inject one they move to fake slow endpoints.
	Stopwatch clock.Clock
	Logger    *slog.Logger

	// Faults are the initial delivery faults.
	Faults Faults
	// Timeout is the per-request limit (default 3 s); SlowAfter the slow
	// threshold (2900 ms); RetryFor the retry window (4 h).
	Timeout, SlowAfter, RetryFor time.Duration
	// MaxBatch bounds notifications per POST; MaxPendingPerURL and
	// MaxPending bound queued notifications per endpoint and in all;
	// MaxBacklog bounds committed changes waiting to be matched; LogSize
	// bounds the recent-attempts log; Workers bounds concurrent POSTs
	// (one per URL at a time).
	MaxBatch, MaxPendingPerURL, MaxPending, MaxBacklog, LogSize, Workers int
	// ConsentGrace is how long a subscription stays paused after its
	// app's consent was revoked before the service removes it.
	ConsentGrace time.Duration
	// Poll is how often (real time) the clock, the directory and the
	// subscriptions are looked at (default 100 ms).
	Poll time.Duration
	// Seed seeds the faults' randomness (0: a fixed default).
	Seed uint64
}

func (o *Options) defaults() {
	if o.Subscriptions == nil {
		o.Subscriptions = graphapi.NewSubscriptions()
	}
	if o.Client == nil {
		o.Client = webhook.New(webhook.Config{}).Client(0)
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Stopwatch == nil {
		o.Stopwatch = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Timeout, Timeout)
	def(&o.SlowAfter, SlowAfter)
	def(&o.RetryFor, RetryFor)
	def(&o.ConsentGrace, DefaultConsentGrace)
	def(&o.Poll, DefaultPoll)
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt(&o.MaxBatch, DefaultMaxBatch)
	defInt(&o.MaxPendingPerURL, DefaultMaxPendingPerURL)
	defInt(&o.MaxPending, DefaultMaxPending)
	defInt(&o.MaxBacklog, DefaultMaxBacklog)
	defInt(&o.LogSize, DefaultLogSize)
	defInt(&o.Workers, DefaultWorkers)
	if o.Seed == 0 {
		o.Seed = 1
	}
	o.Faults = o.Faults.clamped()
}

func (f Faults) clamped() Faults {
	clamp := func(x float64) float64 {
		if !(x > 0) { // also NaN
			return 0
		}
		return min(x, 1)
	}
	f.Duplicate, f.Reorder = clamp(f.Duplicate), clamp(f.Reorder)
	f.Delay = max(f.Delay, 0)
	return f
}

// item is one notification waiting to be delivered, already encoded.
type item struct {
	st        *subState
	id        string // the notification id ("" for lifecycle notifications)
	lifecycle bool
	dup       bool // a duplicate made by the fault (never duplicated again)
	body      []byte
	enqueued  time.Time
	notBefore time.Time
}

// batch is the notifications of one POST, kept together across retries.
type batch struct {
	items   []*item
	attempt int       // attempts made
	first   time.Time // emulated time of the first attempt
	sentAt  time.Time
	due     time.Time
	epoch   uint64
}

type endpointState int

const (
	stateNormal endpointState = iota
	stateThrottled
	stateDropping
)

func (s endpointState) String() string {
	return [...]string{"normal", "throttled", "dropping"}[s]
}

// endpoint is one notification URL (query included): its queue, its
// retry, and its slow-response accounting, shared by every subscription
// that posts to it.
type endpoint struct {
	url      string
	queue    []*item
	retry    *batch
	pending  int // queued + retrying + in flight
	inflight bool
	queued   bool // in readyQ

	window         time.Time // start of the current 10-minute window
	requests, slow int       // in the window
	state          endpointState

	totalRequests, totalSlow, delivered, failed, dropped uint64
	last                                                 *Attempt
}

// subState is what delivery knows about one subscription beyond its record.
type subState struct {
	id      string
	gone    bool // deleted, removed or expired: its change notifications are dropped
	expires time.Time

	// Consent revocation: paused from revokedAt until reauthorized.
	revokedAt     time.Time
	nextChallenge time.Time
	// nextReauth is the next evaluation of the documented cadence before
	// expiry.
	nextReauth time.Time

	delivered, failedAttempts, dropped, lifecycleSent uint64
	pending                                           int
}

func (st *subState) paused() bool { return !st.revokedAt.IsZero() }

// Delivery delivers change and lifecycle notifications for legacy alert
// subscriptions. It implements change.Sink.
type Delivery struct {
	o      Options
	subs   *graphapi.Subscriptions
	dir    *tenant.Directory
	client *http.Client
	clock  clock.Clock
	watch  clock.Clock
	log    *slog.Logger

	// in is the Publish side: committed changes not yet matched.
	in struct {
		mu      sync.Mutex
		events  []change.Event
		spare   []change.Event
		busy    bool // events taken but not yet matched
		dropped uint64
	}
	wake, kick chan struct{}
	stepMu     sync.Mutex // one step at a time (the loop, or Flush)

	mu        sync.Mutex
	epoch     uint64 // increases on Reset; results of older sends are ignored
	loaded    bool
	snapGen   uint64
	snap      []graphapi.Subscription
	refs      map[string]bool // URLs subscriptions use
	state     map[string]*subState
	endpoints map[string]*endpoint
	readyQ    []*endpoint
	active    int // senders running
	pending   int
	faults    Faults
	rng       *rand.Rand
	idPrefix  [8]byte
	nextID    uint64
	totals    totals
	attempts  ring

	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once
}

type totals struct {
	delivered, requests, failedAttempts, duplicated, lifecycle uint64
	dropped                                                    map[string]uint64
}

// New starts delivery; Close stops it.
func New(o Options) *Delivery {
	o.defaults()
	d := &Delivery{
		o: o, subs: o.Subscriptions, dir: o.Directory, client: o.Client, clock: o.Clock, watch: o.Stopwatch, log: o.Logger,
		wake: make(chan struct{}, 1), kick: make(chan struct{}, 1),
		rng: rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15)),
	}
	crand.Read(d.idPrefix[:]) // never fails (crypto/rand since Go 1.24)
	d.resetLocked()
	d.ctx, d.cancel = context.WithCancel(context.Background())
	d.wg.Add(1)
	go d.run()
	return d
}

// resetLocked forgets all delivery state.
func (d *Delivery) resetLocked() {
	d.epoch++
	d.loaded = false
	d.snap = nil
	d.refs = map[string]bool{}
	d.state = map[string]*subState{}
	d.endpoints = map[string]*endpoint{}
	d.readyQ = nil
	d.pending = 0
	d.faults = d.o.Faults
	d.totals = totals{dropped: map[string]uint64{}}
	d.attempts = newRing(d.o.LogSize)
}

// Reset clears every queue, counter and log and restores the configured
// faults (control plane reset). Requests in flight finish unrecorded.
func (d *Delivery) Reset() {
	d.in.mu.Lock()
	clear(d.in.events)
	d.in.events = d.in.events[:0]
	d.in.dropped = 0
	d.in.mu.Unlock()
	d.mu.Lock()
	d.resetLocked()
	d.mu.Unlock()
	d.Kick()
}

// Close stops delivery: requests in flight are cancelled and nothing more
// is sent.
func (d *Delivery) Close() error {
	d.closeOnce.Do(func() {
		d.cancel()
		d.wg.Wait()
	})
	return nil
}

// Publish queues a committed change for matching. It never blocks and
// never calls back into the store: it is called under the store's write
// lock. Changes other than to legacy alerts are ignored (Graph offers no
// subscriptions on alerts_v2 or incidents). When the backlog is full the
// change is dropped and counted.
func (d *Delivery) Publish(e change.Event) {
	if e.Resource != change.LegacyAlerts {
		return
	}
	d.in.mu.Lock()
	if len(d.in.events) >= d.o.MaxBacklog {
		d.in.dropped++
		d.in.mu.Unlock()
		return
	}
	d.in.events = append(d.in.events, e)
	d.in.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// Kick makes delivery look at the clock, the directory and the
// subscriptions now rather than at its next poll: the control plane calls
// it after moving the clock or changing consent.
func (d *Delivery) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

func (d *Delivery) run() {
	defer d.wg.Done()
	tick := time.NewTicker(d.o.Poll)
	defer tick.Stop()
	for {
		house := false
		select {
		case <-d.ctx.Done():
			return
		case <-d.wake:
		case <-d.kick:
			house = true
		case <-tick.C:
			house = true
		}
		d.step(house)
	}
}

// step matches the changes published since the last step, does the
// time-driven work when house is set, and starts what can be sent.
func (d *Delivery) step(house bool) {
	d.stepMu.Lock()
	defer d.stepMu.Unlock()
	d.in.mu.Lock()
	events := d.in.events
	d.in.events = d.in.spare[:0]
	d.in.busy = len(events) > 0
	d.in.mu.Unlock()

	now := d.clock.Now()
	d.mu.Lock()
	d.refresh(now)
	for i := range events {
		d.dispatch(&events[i], now)
	}
	if house {
		d.housekeep(now)
	}
	d.pump(now)
	d.mu.Unlock()

	clear(events) // let the documents go
	d.in.mu.Lock()
	d.in.spare = events[:0]
	d.in.busy = false
	d.in.mu.Unlock()
}

func key(id string) string { return strings.ToLower(id) }

// refresh reloads the subscription snapshot when the store changed, and
// keeps a state for each subscription in it.
func (d *Delivery) refresh(now time.Time) {
	g := d.subs.Generation()
	if d.loaded && g == d.snapGen {
		return
	}
	d.loaded, d.snapGen = true, g
	d.snap = d.subs.Active(now)
	seen := make(map[string]bool, len(d.snap))
	clear(d.refs)
	for i := range d.snap {
		s := &d.snap[i]
		k := key(s.ID)
		seen[k] = true
		d.refs[s.NotificationURL] = true
		if s.LifecycleNotificationURL != "" {
			d.refs[s.LifecycleNotificationURL] = true
		}
		if d.state[k] == nil {
			d.state[k] = &subState{id: s.ID, expires: s.ExpirationDateTime}
		}
	}
	for k, st := range d.state {
		if !seen[k] {
			st.gone = true
			delete(d.state, k)
		}
	}
}

// Matches is the delivery decision for one subscription and one change to
// a legacy alert: the subscription has not expired, asked for the change
// type, and its resource covers the alert's new version (for a deletion,
// its last version). An update that takes an alert out of a filter is not
// notified; one that brings an alert into it is notified as "updated".
func Matches(s *graphapi.Subscription, typ change.Type, doc odata.Object, now time.Time) bool {
	return doc != nil && !s.Expired(now) && s.Wants(string(typ)) && s.Covers(doc)
}

func (d *Delivery) dispatch(e *change.Event, now time.Time) {
	doc := e.Doc
	if e.Type == change.Deleted {
		doc = e.Old
	}
	if doc == nil {
		return
	}
	alertID, _ := doc["id"].(string)
	if alertID == "" {
		alertID = e.ID
	}
	// Delays count from the commit, not from when the loop got to it.
	at := e.At
	if at.IsZero() || at.After(now) {
		at = now
	}
	for i := range d.snap {
		s := &d.snap[i]
		if !Matches(s, e.Type, doc, now) {
			continue
		}
		st := d.state[key(s.ID)]
		if st == nil || st.gone {
			continue
		}
		if st.paused() {
			d.countDrop(st, nil, DropPaused, 1)
			continue
		}
		id := d.newID()
		body := appendChange(make([]byte, 0, 480+len(s.ClientState)), id, s, string(e.Type), alertID)
		d.enqueue(d.endpoint(s.NotificationURL), &item{st: st, id: id, body: body, enqueued: at, notBefore: at.Add(d.faults.Delay)}, now)
	}
}

// newID returns a notification id unique to this emulator run: a random
// prefix and a counter, shaped like a GUID.
func (d *Delivery) newID() string {
	d.nextID++
	var raw [16]byte
	copy(raw[:8], d.idPrefix[:])
	binary.BigEndian.PutUint64(raw[8:], d.nextID)
	const hexdigits = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range raw {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexdigits[c>>4], hexdigits[c&15])
	}
	return string(out)
}

func (d *Delivery) endpoint(url string) *endpoint {
	ep := d.endpoints[url]
	if ep == nil {
		ep = &endpoint{url: url}
		d.endpoints[url] = ep
	}
	return ep
}

// enqueue adds a notification at the end of its endpoint's queue, unless
// the endpoint is dropping or a cap is reached (the newest is dropped, so
// what is queued keeps its order).
func (d *Delivery) enqueue(ep *endpoint, it *item, now time.Time) {
	switch {
	case ep.state == stateDropping:
		d.countDrop(it.st, ep, DropSlowEndpoint, 1)
		return
	case ep.pending >= d.o.MaxPendingPerURL:
		d.countDrop(it.st, ep, DropQueueFullURL, 1)
		return
	case d.pending >= d.o.MaxPending:
		d.countDrop(it.st, ep, DropQueueFull, 1)
		return
	}
	ep.queue = append(ep.queue, it)
	ep.pending++
	d.pending++
	if it.st != nil {
		it.st.pending++
	}
	d.markReady(ep, now)
}

func (d *Delivery) countDrop(st *subState, ep *endpoint, reason string, n int) {
	d.totals.dropped[reason] += uint64(n)
	if st != nil {
		st.dropped += uint64(n)
	}
	if ep != nil {
		ep.dropped += uint64(n)
	}
}

// release removes delivered or dropped items from the pending counts.
func (d *Delivery) release(ep *endpoint, items []*item) {
	ep.pending -= len(items)
	d.pending -= len(items)
	for _, it := range items {
		if it.st != nil {
			it.st.pending--
		}
	}
}

// dropItems drops items that were pending.
func (d *Delivery) dropItems(ep *endpoint, items []*item, reason string) {
	d.release(ep, items)
	for _, it := range items {
		d.countDrop(it.st, ep, reason, 1)
	}
}

// due reports whether a queued item may be sent: its delay fault has
// passed and, on a throttled endpoint, it has waited ThrottleDelay.
func (d *Delivery) due(ep *endpoint, it *item, now time.Time) bool {
	if now.Before(it.notBefore) {
		return false
	}
	return ep.state != stateThrottled || !now.Before(it.enqueued.Add(ThrottleDelay))
}

// live reports whether an item should still be sent: lifecycle
// notifications always are; change notifications only while their
// subscription exists, has not expired and is not paused.
func (d *Delivery) live(it *item, now time.Time) bool {
	if it.lifecycle || it.st == nil {
		return true
	}
	return !it.st.gone && !it.st.paused() && now.Before(it.st.expires)
}

func (d *Delivery) sendable(ep *endpoint, now time.Time) bool {
	if ep.inflight {
		return false
	}
	if ep.retry != nil {
		return !now.Before(ep.retry.due)
	}
	return len(ep.queue) > 0 && d.due(ep, ep.queue[0], now)
}

func (d *Delivery) markReady(ep *endpoint, now time.Time) {
	if !ep.queued && d.sendable(ep, now) {
		ep.queued = true
		d.readyQ = append(d.readyQ, ep)
	}
}

// take builds the next POST for an endpoint, or returns nil when nothing
// is due: its retry when due, else up to MaxBatch due notifications of
// one kind (change or lifecycle) from the head of its queue. Items that
// are no longer live are dropped on the way.
func (d *Delivery) take(ep *endpoint, now time.Time) *batch {
	if b := ep.retry; b != nil {
		if now.Before(b.due) {
			return nil
		}
		ep.retry = nil
		b.items = d.keepLive(ep, b.items, now)
		if len(b.items) > 0 {
			b.sentAt = now
			return b
		}
	}
	var out []*item
	n := d.o.MaxBatch
	window := n
	reorder := d.faults.Reorder > 0 && d.rng.Float64() < d.faults.Reorder
	if reorder {
		window = 2 * n
	}
	i := 0
	kind := false
	for i < len(ep.queue) && len(out) < window {
		it := ep.queue[i]
		if len(out) == 0 {
			kind = it.lifecycle
		}
		if it.lifecycle != kind || !d.due(ep, it, now) {
			break
		}
		i++
		if !d.live(it, now) {
			d.dropItems(ep, []*item{it}, deadReason(it))
			continue
		}
		out = append(out, it)
	}
	rest := ep.queue[i:]
	if reorder {
		d.rng.Shuffle(len(out), func(a, b int) { out[a], out[b] = out[b], out[a] })
		if len(out) > n {
			// The ones shuffled behind go back to the front of the queue,
			// in their new order: they come in the next POST.
			back := out[n:]
			out = out[:n:n]
			rest = append(back[:len(back):len(back)], rest...)
		}
	}
	clear(ep.queue[:i])
	ep.queue = rest
	if len(ep.queue) == 0 {
		ep.queue = nil
	}
	if len(out) == 0 {
		return nil
	}
	return &batch{items: out, sentAt: now, epoch: d.epoch}
}

func (d *Delivery) keepLive(ep *endpoint, items []*item, now time.Time) []*item {
	kept := items[:0]
	for _, it := range items {
		if d.live(it, now) {
			kept = append(kept, it)
		} else {
			d.dropItems(ep, []*item{it}, deadReason(it))
		}
	}
	clear(items[len(kept):])
	return kept
}

// deadReason says why a change notification is no longer live.
func deadReason(it *item) string {
	if it.st != nil && !it.st.gone && it.st.paused() {
		return DropPaused
	}
	return DropSubscriptionGone
}

// next pops the next endpoint with something to send and marks it in
// flight; nil when nothing is ready.
func (d *Delivery) next(now time.Time) (*endpoint, *batch) {
	for len(d.readyQ) > 0 {
		ep := d.readyQ[0]
		d.readyQ[0] = nil
		d.readyQ = d.readyQ[1:]
		ep.queued = false
		if ep.inflight || d.endpoints[ep.url] != ep {
			continue
		}
		if b := d.take(ep, now); b != nil {
			ep.inflight = true
			return ep, b
		}
	}
	d.readyQ = nil
	return nil, nil
}

// pump starts senders for ready endpoints, up to Workers at a time.
func (d *Delivery) pump(now time.Time) {
	for d.active < d.o.Workers && d.ctx.Err() == nil {
		ep, b := d.next(now)
		if ep == nil {
			return
		}
		d.active++
		d.wg.Add(1)
		go d.sender(ep, b)
	}
}

// sender posts a batch, records the result and goes on with the next
// ready endpoint, so that a busy emulator keeps at most Workers senders.
func (d *Delivery) sender(ep *endpoint, b *batch) {
	defer d.wg.Done()
	for ep != nil {
		res := d.post(ep.url, b)
		d.mu.Lock()
		now := d.clock.Now()
		if b.epoch == d.epoch {
			d.record(ep, b, res, now)
		}
		ep.inflight = false
		d.markReady(ep, now)
		ep, b = nil, nil
		if d.ctx.Err() == nil {
			ep, b = d.next(now)
		}
		if ep == nil {
			d.active--
		}
		d.mu.Unlock()
	}
}

type result struct {
	status   int
	latency  time.Duration
	err      error
	timedOut bool
	refused  bool
}

// post sends one changeNotificationCollection and measures the answer.
func (d *Delivery) post(url string, b *batch) result {
	size := 16
	for _, it := range b.items {
		size += len(it.body) + 1
	}
	body := appendCollection(make([]byte, 0, size), b.items)
	ctx, cancel := context.WithTimeout(d.ctx, d.o.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return result{err: err, refused: true}
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("User-Agent", graphapi.UserAgent)
	start := d.watch.Now()
	resp, err := d.client.Do(req)
	var r result
	if err == nil {
		r.status = resp.StatusCode
		_, cerr := io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswer))
		resp.Body.Close()
		if cerr != nil && isTimeout(cerr) {
			err = cerr
		}
	}
	r.latency = d.watch.Now().Sub(start)
	if err != nil {
		r.err = err
		r.timedOut = isTimeout(err)
		var refused *webhook.RefusedError
		r.refused = errors.As(err, &refused)
	}
	return r
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// record accounts for one attempt: slow counts, success (and the
// duplicate fault), retry with backoff, or drop.
func (d *Delivery) record(ep *endpoint, b *batch, r result, now time.Time) {
	b.attempt++
	if b.first.IsZero() {
		b.first = b.sentAt
	}
	d.totals.requests++
	slow := r.timedOut || r.latency > d.o.SlowAfter
	d.countRequest(ep, slow, now)

	ok := r.err == nil && r.status >= 200 && r.status < 300
	a := Attempt{
		Time: b.sentAt, URL: stripQuery(ep.url), Status: r.status, LatencyMS: float64(r.latency.Microseconds()) / 1000,
		Attempt: b.attempt, Items: len(b.items), Lifecycle: b.items[0].lifecycle, Slow: slow,
	}
	if r.err != nil {
		a.Error = r.err.Error()
	} else if !ok {
		a.Error = "HTTP " + http.StatusText(r.status)
	}
	switch {
	case ok:
		a.Result = "delivered"
		n := uint64(len(b.items))
		d.totals.delivered += n
		ep.delivered += n
		for _, it := range b.items {
			if it.st != nil && !it.lifecycle {
				it.st.delivered++
			}
		}
		d.release(ep, b.items)
		d.duplicate(ep, b.items, now)
	case r.refused:
		a.Result = "dropped"
		d.dropItems(ep, b.items, DropRefused)
	default:
		d.totals.failedAttempts++
		ep.failed++
		for _, it := range b.items {
			if it.st != nil && !it.lifecycle {
				it.st.failedAttempts++
			}
		}
		limit := b.first.Add(d.o.RetryFor)
		if !now.Before(limit) || ep.state == stateDropping {
			a.Result = "dropped"
			reason := DropRetriesExhausted
			if ep.state == stateDropping {
				reason = DropSlowEndpoint
			}
			d.dropItems(ep, b.items, reason)
			break
		}
		wait := retrySchedule[min(b.attempt, len(retrySchedule))-1]
		if ep.state == stateThrottled {
			wait = ThrottleDelay
		}
		b.due = now.Add(wait)
		if b.due.After(limit) {
			b.due = limit
		}
		ep.retry = b
		a.Result = "retry"
		a.NextAttempt = &b.due
	}
	ep.last = &a
	d.attempts.add(a)
	if !ok {
		d.log.Debug("notification delivery failed", "url", a.URL, "attempt", a.Attempt, "items", a.Items, "result", a.Result, "err", a.Error)
	}
}

// countRequest adds a request to the endpoint's slow accounting and
// judges the endpoint once the window holds SlowMinimum requests: a slow
// share of 10 % throttles it, 15 % makes it drop notifications, until the
// window is flushed.
func (d *Delivery) countRequest(ep *endpoint, slow bool, now time.Time) {
	d.flushWindow(ep, now)
	if ep.window.IsZero() {
		ep.window = now
	}
	ep.requests++
	ep.totalRequests++
	if slow {
		ep.slow++
		ep.totalSlow++
	}
	if ep.requests < SlowMinimum {
		return
	}
	switch share := float64(ep.slow) / float64(ep.requests); {
	case share >= 0.15:
		if ep.state != stateDropping {
			ep.state = stateDropping
			d.log.Info("notification endpoint dropped for slow responses", "url", stripQuery(ep.url), "slowShare", share)
			d.dropItems(ep, ep.queue, DropSlowEndpoint)
			clear(ep.queue)
			ep.queue = nil
			if ep.retry != nil {
				d.dropItems(ep, ep.retry.items, DropSlowEndpoint)
				ep.retry = nil
			}
		}
	case share >= 0.10:
		ep.state = stateThrottled
	default:
		ep.state = stateNormal
	}
}

// flushWindow resets the slow counts (and the judgement) every SlowWindow.
func (d *Delivery) flushWindow(ep *endpoint, now time.Time) {
	if ep.window.IsZero() {
		return
	}
	if now.Sub(ep.window) >= SlowWindow || now.Before(ep.window) {
		ep.window, ep.requests, ep.slow, ep.state = time.Time{}, 0, 0, stateNormal
	}
}

// duplicate applies the duplicate fault: some delivered notifications are
// queued again with the same id, to arrive in a later POST.
func (d *Delivery) duplicate(ep *endpoint, items []*item, now time.Time) {
	if d.faults.Duplicate <= 0 {
		return
	}
	for _, it := range items {
		if it.dup || d.rng.Float64() >= d.faults.Duplicate {
			continue
		}
		c := *it
		c.dup = true
		c.enqueued, c.notBefore = now, now.Add(d.faults.Delay)
		d.totals.duplicated++
		d.enqueue(ep, &c, now)
	}
}

// stripQuery leaves the query (which may carry a secret) out of logs and
// statistics.
func stripQuery(s string) string {
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return s[:i]
	}
	return s
}
