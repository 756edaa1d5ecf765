package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// Defaults of the watcher's settings (README, "Live alerts").
const (
	// DefaultInterval is the pause between two polls of a watch
	// (GRAPHSEC_WATCH_INTERVAL): a change appears within about that long
	// of becoming visible in Graph, well within a minute.
	DefaultInterval = 15 * time.Second
	// DefaultOverlap is how far before its checkpoint every poll reads
	// again (GRAPHSEC_WATCH_OVERLAP), for updates Graph makes visible
	// after their lastUpdateDateTime.
	DefaultOverlap = 10 * time.Minute
	// DefaultAuditEvery is how often each watch's open items are checked
	// against what it delivered (GRAPHSEC_WATCH_AUDIT).
	DefaultAuditEvery = time.Hour
	// DefaultMaxVersions bounds the versions a watch remembers.
	DefaultMaxVersions = 50_000
	// MinOverlap is the smallest overlap the watcher accepts.
	MinOverlap = 10 * time.Minute
)

// Options configure a Watcher (and, through it, the Upkeep).
type Options struct {
	Feeds       store.Feeds
	Checkpoints store.Checkpoints
	// Notifications is read by the subscription catch-up, to leave out
	// what webhooks delivered (optional for watches alone).
	Notifications store.Notifications
	// Sink stores items durably (the group commit in front of the store
	// and the broker).
	Sink        Sink
	Credentials Credentials
	// GraphURL and HTTPClient reach Graph (the base transport: pool,
	// proxy, TLS).
	GraphURL   string
	HTTPClient *http.Client
	// Budget paces every background request; default
	// NewBudget(DefaultBudgetPerMinute, Clock, Sleep). Share one per
	// tenant and app.
	Budget *Budget
	Clock  clock.Clock
	// Sleep waits (default SleepTimer); tests move a fake clock instead.
	Sleep  Sleeper
	Logger *slog.Logger
	// Interval, Overlap (at least MinOverlap), AuditEvery and MaxVersions:
	// see the defaults.
	Interval    time.Duration
	Overlap     time.Duration
	AuditEvery  time.Duration
	MaxVersions int
	// Metrics, when set, counts the watcher's requests and lag and the
	// upkeep's actions (WatcherRequests, WatcherLag, Renewals), and the
	// Graph clients' retries (GraphRetries).
	Metrics *Metrics
}

func (o *Options) defaults() error {
	if o.Feeds == nil || o.Checkpoints == nil || o.Sink == nil || o.Credentials == nil || o.GraphURL == "" {
		return errors.New("notify: Feeds, Checkpoints, Sink, Credentials and GraphURL are required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Sleep == nil {
		o.Sleep = SleepTimer
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Budget == nil {
		o.Budget = NewBudget(DefaultBudgetPerMinute, o.Clock, o.Sleep)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	switch {
	case o.Overlap == 0:
		o.Overlap = DefaultOverlap
	case o.Overlap < MinOverlap:
		return fmt.Errorf("notify: the overlap must be at least %v (got %v)", MinOverlap, o.Overlap)
	}
	if o.AuditEvery <= 0 {
		o.AuditEvery = DefaultAuditEvery
	}
	if o.MaxVersions <= 0 {
		o.MaxVersions = DefaultMaxVersions
	}
	return nil
}

// Watcher polls Graph where it has no webhooks (alerts_v2, incidents)
// and legacy alerts where webhooks cannot reach graphsec: each saved watch
// (a store.Feed of kind watch) is polled on its own, every Interval, all
// of them sharing one request Budget. See the package documentation for
// the algorithm.
type Watcher struct {
	o       Options
	clients *clients
	kick    chan struct{}

	mu    sync.Mutex
	feeds map[string]*feedState
	// learned holds page sizes learned from Graph's 400s, per target.
	learned map[string]int
	// fresh holds, per target and feed, when its last successful poll
	// began (the lag metric).
	fresh map[string]map[string]time.Time
}

// feedState is what the watcher keeps in memory about one feed.
type feedState struct {
	poll sync.Mutex // one poll, audit or catch-up at a time

	// Guarded by poll:
	cp        store.Checkpoint
	cpLoaded  bool
	seen      *versions
	nextAudit time.Time

	statsMu sync.Mutex
	stats   WatchStats
}

// WatchStats is how a watch is doing, for the page and /metrics.
type WatchStats struct {
	Feed string
	// LastPoll is when the last poll started, LastSuccess when the last
	// successful one did; Behind is how long ago that was (now − LastSuccess):
	// at steady state about Interval.
	LastPoll, LastSuccess time.Time
	Behind                time.Duration
	// Checkpoint is the version the watch has read up to.
	Checkpoint time.Time
	// LastItemLag is how long after its version the last item was stored
	// (time Graph took to show it plus polling); MaxItemLag the largest
	// seen since start.
	LastItemLag, MaxItemLag time.Duration
	// Items stored; Duplicates offered to the store but already there
	// (after a restart, or past the remembered versions); Requests sent.
	Items, Duplicates, Requests int64
	// Gaps is how many versions the hourly audit found missing (and then
	// delivered); LastAudit when it last ran.
	Gaps      int64
	LastAudit time.Time
	// PageSize is the $top in use (lowered when Graph refused a larger).
	PageSize int
	// Errors counts failed polls; LastError is the latest, cleared by a
	// success.
	Errors    int64
	LastError string
}

// NewWatcher checks the options and returns a Watcher; Run starts it.
func NewWatcher(o Options) (*Watcher, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	w := &Watcher{o: o, kick: make(chan struct{}, 1), feeds: map[string]*feedState{}, learned: map[string]int{},
		fresh: map[string]map[string]time.Time{}}
	w.clients = newClients(&w.o)
	return w, nil
}

// Budget returns the request budget the watcher paces with.
func (w *Watcher) Budget() *Budget { return w.o.Budget }

func (w *Watcher) state(id string) *feedState {
	w.mu.Lock()
	defer w.mu.Unlock()
	fs := w.feeds[id]
	if fs == nil {
		fs = &feedState{seen: newVersions(w.o.MaxVersions)}
		fs.stats.Feed = id
		w.feeds[id] = fs
	}
	return fs
}

func (w *Watcher) dropState(id string) {
	w.mu.Lock()
	delete(w.feeds, id)
	w.mu.Unlock()
	w.clients.forget(id)
}

// pageSize is the $top for a target: learned from a 400, or its default.
func (w *Watcher) pageSize(t *target) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := w.learned[t.name]; n > 0 {
		return n
	}
	return t.defaultTop
}

func (w *Watcher) learn(t *target, n int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if cur := w.learned[t.name]; cur == 0 || n < cur {
		w.learned[t.name] = n
	}
	w.o.Logger.Info("watch: Graph refused the page size; using its limit", "target", t.name, "top", n)
}

// newID returns a random feed id.
func newID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AuthFor says how a new feed of target would authenticate (app-only or
// the owner's sign-in), for the page to show before creating it.
func (w *Watcher) AuthFor(ctx context.Context, target string, owner Owner) (AuthChoice, error) {
	t, err := lookupTarget(target)
	if err != nil {
		return AuthChoice{}, err
	}
	return w.clients.choose(ctx, t.access, owner)
}

// CreateWatch saves a watch: target is TargetAlerts, TargetIncidents or
// TargetLegacyAlerts; query is the console's filter query string for it
// (the /alerts queue's, e.g. severity=high&status=new; the same shape for
// incidents; the subscription form's fields for legacy alerts). "Assigned
// to me" is saved as the owner's UPN. The watch starts from now (and the
// overlap before it). A query with mistakes returns *QueryError.
func (w *Watcher) CreateWatch(ctx context.Context, owner Owner, target, query string, shared bool) (store.Feed, error) {
	t, err := lookupTarget(target)
	if err != nil {
		return store.Feed{}, err
	}
	c, err := t.compile(query, owner.UPN)
	if err != nil {
		return store.Feed{}, err
	}
	choice, err := w.clients.choose(ctx, t.access, owner)
	if err != nil {
		return store.Feed{}, err
	}
	now := w.o.Clock.Now().UTC()
	f := store.Feed{
		ID: newID(), Kind: store.FeedWatch, Owner: owner.ID, OwnerName: owner.Name, Shared: shared,
		Target: t.name, Query: c.query, Resource: t.resource, Auth: choice.Mode, State: "active",
		CreatedAt: now, UpdatedAt: now,
	}
	if s := c.filter.String(); s != "" {
		f.Resource += "?$filter=" + s
	}
	if choice.Mode == AuthDelegated {
		if f.Tokens, err = owner.Creator.SealFor(f.ID); err != nil {
			return store.Feed{}, err
		}
	}
	if err := w.o.Feeds.CreateFeed(ctx, f); err != nil {
		return store.Feed{}, err
	}
	if err := w.o.Checkpoints.SaveCheckpoint(ctx, store.Checkpoint{Feed: f.ID, At: now, UpdatedAt: now}); err != nil {
		return store.Feed{}, err
	}
	w.o.Logger.Info("watch created", "feed", f.ID, "target", f.Target, "query", f.Query, "auth", f.Auth, "owner", f.Owner)
	w.wake()
	return f, nil
}

// ListWatches returns the watches viewer may see (their own and shared
// ones; every watch when viewer is empty).
func (w *Watcher) ListWatches(ctx context.Context, viewer string) ([]store.Feed, error) {
	return w.o.Feeds.ListFeeds(ctx, store.FeedFilter{Viewer: viewer, Kind: store.FeedWatch})
}

// DeleteWatch removes a watch and its checkpoint (its items stay until
// retention removes them). Absent is not an error; a subscription is
// (Upkeep.Delete removes those, on Graph too). The caller checks that the
// user may delete it (their own, or shared).
func (w *Watcher) DeleteWatch(ctx context.Context, id string) error {
	f, err := w.o.Feeds.Feed(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.Kind != store.FeedWatch {
		return fmt.Errorf("notify: feed %s is a %s, not a watch", id, f.Kind)
	}
	if err := w.o.Feeds.DeleteFeed(ctx, id); err != nil {
		return err
	}
	w.dropState(id)
	w.wake()
	return nil
}

// Stats returns how a feed is doing (zero values but the id before its
// first poll in this process).
func (w *Watcher) Stats(id string) WatchStats {
	w.mu.Lock()
	fs := w.feeds[id]
	w.mu.Unlock()
	if fs == nil {
		return WatchStats{Feed: id}
	}
	fs.statsMu.Lock()
	defer fs.statsMu.Unlock()
	s := fs.stats
	if !s.LastSuccess.IsZero() {
		s.Behind = w.o.Clock.Now().Sub(s.LastSuccess)
	}
	return s
}

func (fs *feedState) update(fn func(*WatchStats)) {
	fs.statsMu.Lock()
	fn(&fs.stats)
	fs.statsMu.Unlock()
}

func (w *Watcher) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// after returns a channel closed once d has passed by the injected
// Sleeper, or ctx ended.
func (w *Watcher) after(ctx context.Context, d time.Duration) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		_ = w.o.Sleep(ctx, d)
		close(ch)
	}()
	return ch
}

// errBackoff is how long a watch waits after a failed poll that retrying
// soon will not fix (no permission, no sign-in).
const errBackoff = 5 * time.Minute

// Run polls every watch until ctx ends: a loop per watch, started and
// stopped as watches are created and deleted (checked every Interval, and
// at once after CreateWatch or DeleteWatch in this process).
func (w *Watcher) Run(ctx context.Context) error {
	running := map[string]context.CancelFunc{}
	var wg sync.WaitGroup
	defer func() {
		for _, stop := range running {
			stop()
		}
		wg.Wait()
	}()
	for {
		feeds, err := w.o.Feeds.ListFeeds(ctx, store.FeedFilter{Kind: store.FeedWatch})
		if err != nil && ctx.Err() == nil {
			w.o.Logger.Warn("watch: list watches", "err", err)
		}
		if err == nil {
			ids := make([]string, 0, len(feeds))
			for _, f := range feeds {
				ids = append(ids, f.ID)
				if running[f.ID] == nil {
					fctx, stop := context.WithCancel(ctx)
					running[f.ID] = stop
					wg.Go(func() { w.loop(fctx, f.ID) })
				}
			}
			for id, stop := range running {
				if !slices.Contains(ids, id) {
					stop()
					delete(running, id)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.kick:
		case <-w.after(ctx, w.o.Interval):
		}
	}
}

// loop polls one watch every Interval, and audits it every AuditEvery.
func (w *Watcher) loop(ctx context.Context, id string) {
	fs := w.state(id)
	for ctx.Err() == nil {
		wait := w.o.Interval
		if err := w.poll(ctx, id, false); err != nil && ctx.Err() == nil {
			if errors.Is(err, store.ErrNotFound) {
				return
			}
			if lasting(err) {
				wait = errBackoff
			}
		}
		fs.poll.Lock()
		due := !fs.nextAudit.IsZero() && !w.o.Clock.Now().Before(fs.nextAudit)
		fs.poll.Unlock()
		if due && ctx.Err() == nil {
			if _, err := w.Audit(ctx, id); err != nil && ctx.Err() == nil {
				w.o.Logger.Warn("watch: audit failed", "feed", id, "err", err)
			}
		}
		if w.o.Sleep(ctx, wait) != nil {
			return
		}
	}
}

// Reload makes every watch read its checkpoint from the store again at
// its next poll. A replica that becomes the leader calls it: while it was
// not leading, another replica may have moved the checkpoints.
func (w *Watcher) Reload() {
	w.mu.Lock()
	states := make([]*feedState, 0, len(w.feeds))
	for _, fs := range w.feeds {
		states = append(states, fs)
	}
	w.mu.Unlock()
	for _, fs := range states {
		fs.poll.Lock()
		fs.cpLoaded = false
		fs.poll.Unlock()
	}
}
