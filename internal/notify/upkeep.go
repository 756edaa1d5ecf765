package notify

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/store"
)

// Lifecycle events Graph sends to lifecycleNotificationUrl.
const (
	EventReauthorizationRequired = "reauthorizationRequired"
	EventSubscriptionRemoved     = "subscriptionRemoved"
	EventMissed                  = "missed"
)

// Subscription feed states (store.Feed.State).
const (
	StateCreating = "creating" // the record exists, Graph's subscription not yet
	StateActive   = "active"
	StatePaused   = "paused" // Graph holds it but refuses to authorize it
	StateFailed   = "failed" // not on Graph, and recreating it was refused
)

// Upkeep defaults.
const (
	// DefaultLifetime is a new or renewed subscription's lifetime: Graph's
	// maximum for security alerts (43,200 minutes) less an hour, which
	// absorbs a clock that runs ahead of Graph's.
	DefaultLifetime = graph.MaxAlertSubscriptionLifetime - time.Hour
	// DefaultRetryEvery is how often a paused or failed subscription is
	// tried again (Graph repeats reauthorizationRequired every 15
	// minutes too).
	DefaultRetryEvery = 15 * time.Minute
	// DefaultCheckEvery is how often Run looks for work due.
	DefaultCheckEvery = time.Minute
	// clientStateBytes is the random secret per subscription (base64url:
	// 43 characters, within Graph's 128).
	clientStateBytes = 32
)

// UpkeepOptions configure the subscription upkeep.
type UpkeepOptions struct {
	// PublicURL is the console's external base URL (GRAPHSEC_PUBLIC_URL):
	// Graph posts to {PublicURL}/listen and {PublicURL}/listen/lifecycle.
	PublicURL string
	// Emulator says Graph is graphsec's emulator, which also delivers to
	// loopback http (its documented deviation from Graph). Otherwise the
	// public URL must be public https, or Create refuses and offers a
	// watch instead.
	Emulator bool
	// Lifetime, RetryEvery and CheckEvery: see the defaults.
	Lifetime   time.Duration
	RetryEvery time.Duration
	CheckEvery time.Duration
	// Settle is how long a catch-up leaves the newest changes to their
	// webhooks (default DefaultSettle; negative: no wait). A webhook
	// carries no version, so a change the catch-up stored before its
	// webhook arrived would be shown twice; changes younger than Settle
	// are left for a later catch-up, which skips those a webhook has
	// delivered meanwhile and stores the rest.
	Settle time.Duration
}

// DefaultSettle gives Graph's webhooks time to arrive before a catch-up
// counts a change as missed: they normally arrive within seconds.
const DefaultSettle = 30 * time.Second

// Upkeep keeps graphsec's Graph subscriptions (legacy alert webhooks)
// alive: it creates them, renews them at three quarters of their
// lifetime, reauthorizes or recreates them when Graph says so, and after
// any gap catches up by querying what changed meanwhile. It keeps no
// state of its own beyond the store: a restarted console picks up where
// the last one left off. See the package documentation.
type Upkeep struct {
	w    *Watcher
	o    UpkeepOptions
	kick chan struct{}

	mu      sync.Mutex
	pending map[string][]string  // feed id → lifecycle events to handle
	retryAt map[string]time.Time // feed id → next attempt of a paused or failed one
	busy    map[string]*sync.Mutex
}

// NewUpkeep returns the upkeep of subscriptions, sharing the watcher's
// store, credentials, budget and clock (a catch-up is a poll).
func NewUpkeep(w *Watcher, o UpkeepOptions) (*Upkeep, error) {
	if w == nil || o.PublicURL == "" {
		return nil, errors.New("notify: NewUpkeep needs a Watcher and the public URL")
	}
	if _, err := url.Parse(o.PublicURL); err != nil {
		return nil, fmt.Errorf("notify: public URL: %w", err)
	}
	o.PublicURL = strings.TrimRight(o.PublicURL, "/")
	if o.Lifetime <= 0 || o.Lifetime > graph.MaxAlertSubscriptionLifetime {
		o.Lifetime = DefaultLifetime
	}
	if o.RetryEvery <= 0 {
		o.RetryEvery = DefaultRetryEvery
	}
	if o.CheckEvery <= 0 {
		o.CheckEvery = DefaultCheckEvery
	}
	if o.Settle == 0 {
		o.Settle = DefaultSettle
	}
	return &Upkeep{w: w, o: o, kick: make(chan struct{}, 1), pending: map[string][]string{},
		retryAt: map[string]time.Time{}, busy: map[string]*sync.Mutex{}}, nil
}

// NotificationURL and LifecycleURL are where Graph posts.
func (u *Upkeep) NotificationURL() string { return u.o.PublicURL + "/listen" }
func (u *Upkeep) LifecycleURL() string    { return u.o.PublicURL + "/listen/lifecycle" }

// ErrNoPublicURL: Graph cannot reach the console's public URL, so a
// subscription would never deliver. Errors carrying it are
// *NoPublicURLError.
var ErrNoPublicURL = errors.New("notify: Graph cannot reach graphsec's public URL")

// NoPublicURLError explains why a subscription cannot be created and
// offers the fallback: a watch on the same legacy filter (TargetLegacyAlerts
// with Query), polled instead of pushed.
type NoPublicURLError struct {
	URL    string
	Reason string
	// Query is the subscription's filter, normalised: pass it to
	// Watcher.CreateWatch with TargetLegacyAlerts to poll it instead.
	Query string
}

func (e *NoPublicURLError) Error() string {
	return fmt.Sprintf("Microsoft Graph delivers change notifications only to a public https address, and GRAPHSEC_PUBLIC_URL (%s) %s. "+
		"Put graphsec behind a reverse proxy with a certificate and set GRAPHSEC_PUBLIC_URL to its https address, "+
		"or expose it through a tunnel (cloudflared, ngrok, a dev tunnel) and set GRAPHSEC_PUBLIC_URL to the tunnel's https address; "+
		"or watch the same filter by polling instead (changes then appear within the watch interval).", e.URL, e.Reason)
}

func (e *NoPublicURLError) Unwrap() error { return ErrNoPublicURL }

// CheckPublicURL reports whether Graph can deliver to the public URL:
// https on a host that is not loopback, private, link-local or a name
// reserved for local use (the console cannot know more: a public name
// that does not reach it fails the validation handshake instead). With
// the embedded emulator, loopback http is fine.
func (u *Upkeep) CheckPublicURL() error {
	reason := publicURLProblem(u.o.PublicURL, u.o.Emulator)
	if reason == "" {
		return nil
	}
	return &NoPublicURLError{URL: u.o.PublicURL, Reason: reason}
}

func publicURLProblem(raw string, emulator bool) string {
	pu, err := url.Parse(raw)
	if err != nil || pu.Host == "" {
		return "is not an absolute URL"
	}
	host := strings.ToLower(pu.Hostname())
	if emulator {
		if pu.Scheme == "https" || localHost(host) {
			return ""
		}
		return "is neither https nor on this machine (the emulator delivers to loopback http only)"
	}
	if pu.Scheme != "https" {
		return "is not https"
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !ip.IsGlobalUnicast() || ip.IsPrivate() || netip.MustParsePrefix("100.64.0.0/10").Contains(ip) {
			return "is a private or local address"
		}
		return ""
	}
	if localHost(host) || !strings.Contains(host, ".") {
		return "names this machine or a local network only"
	}
	for _, suffix := range []string{".local", ".internal", ".lan", ".home.arpa", ".intranet", ".corp", ".test", ".example", ".invalid"} {
		if strings.HasSuffix(host, suffix) {
			return "is a name for a local network only (" + suffix + ")"
		}
	}
	return ""
}

func localHost(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// AuthFor says how a new subscription would be kept alive: by graphsec's
// app (it holds SecurityEvents.ReadWrite.All as an application
// permission) or by the owner's sign-in.
func (u *Upkeep) AuthFor(ctx context.Context, owner Owner) (AuthChoice, error) {
	return u.w.clients.choose(ctx, graph.AccessWriteSecurityEvents, owner)
}

// Create subscribes to legacy alert changes: query holds the original
// sample's form fields (provider, category, severity, status, hostFqdn,
// upn; at least one; values such as High read without regard to case) or
// one alert's id (alertId). Graph validates the notification URL before
// it answers. Mistakes in the query return *QueryError; an unreachable
// public URL returns *NoPublicURLError with the watch to create instead.
func (u *Upkeep) Create(ctx context.Context, owner Owner, query string, shared bool) (store.Feed, error) {
	q, err := parseQuery(query)
	if err != nil {
		return store.Feed{}, err
	}
	lf, errs := queuefilter.ParseLegacy(q)
	if len(errs) > 0 {
		return store.Feed{}, &QueryError{Fields: errs}
	}
	resource, err := lf.Resource()
	if err != nil {
		return store.Feed{}, &QueryError{Fields: queuefilter.Errors{"form": err.Error()}}
	}
	norm := lf.Values().Encode()
	if err := u.CheckPublicURL(); err != nil {
		err.(*NoPublicURLError).Query = norm
		return store.Feed{}, err
	}
	choice, err := u.AuthFor(ctx, owner)
	if err != nil {
		return store.Feed{}, err
	}
	now := u.w.o.Clock.Now().UTC()
	f := store.Feed{
		ID: newID(), Kind: store.FeedSubscription, Owner: owner.ID, OwnerName: owner.Name, Shared: shared,
		Target: TargetLegacyAlerts, Query: norm, Resource: resource, ChangeType: "created,updated",
		Auth: choice.Mode, State: StateCreating, CreatedAt: now, UpdatedAt: now,
	}
	if choice.Mode == AuthDelegated {
		if f.Tokens, err = owner.Creator.SealFor(f.ID); err != nil {
			return store.Feed{}, err
		}
	}
	// The record first, so that a notification racing the answer to the
	// create finds its feed as soon as Graph's id is stored.
	if err := u.w.o.Feeds.CreateFeed(ctx, f); err != nil {
		return store.Feed{}, err
	}
	if err := u.w.o.Checkpoints.SaveCheckpoint(ctx, store.Checkpoint{Feed: f.ID, At: now, UpdatedAt: now}); err != nil {
		_ = u.w.o.Feeds.DeleteFeed(ctx, f.ID)
		return store.Feed{}, err
	}
	lock := u.lock(f.ID)
	defer lock.Unlock()
	f, err = u.subscribe(ctx, f)
	u.count("create", err)
	if err != nil {
		_ = u.w.o.Feeds.DeleteFeed(context.WithoutCancel(ctx), f.ID)
		u.w.dropState(f.ID)
		return store.Feed{}, err
	}
	u.w.o.Logger.Info("subscription created", "feed", f.ID, "graph_id", f.GraphID, "resource", f.Resource, "auth", f.Auth, "expires", f.ExpiresAt)
	// Notifications Graph sent before its id was stored found no feed
	// (the receiver drops them): Run catches up shortly, as for "missed".
	u.queue(f.ID, EventMissed)
	return f, nil
}

// count records an upkeep action for /metrics (Renewals).
func (u *Upkeep) count(action string, err error) {
	if m := u.w.o.Metrics; m != nil {
		result := "ok"
		if err != nil {
			result = "error"
		}
		m.Renewals.WithLabelValues(action, result).Inc()
	}
}

// lock serialises the upkeep's work on one feed.
func (u *Upkeep) lock(id string) *sync.Mutex {
	u.mu.Lock()
	m := u.busy[id]
	if m == nil {
		m = &sync.Mutex{}
		u.busy[id] = m
	}
	u.mu.Unlock()
	m.Lock()
	return m
}

// extensionLimit reads Graph's "Subscription expiration can only be N
// minutes in the future." (400 ExtensionError).
var extensionLimit = regexp.MustCompile(`can only be (\d{1,6}) minutes in the future`)

// subscribe creates Graph's subscription for f with a new clientState
// and stores its id, the secret's hash and the expiry: the creation, and
// the recreation after Graph removed it (same feed, new subscription).
func (u *Upkeep) subscribe(ctx context.Context, f store.Feed) (store.Feed, error) {
	cl, err := u.w.clients.forFeed(f)
	if err != nil {
		return f, err
	}
	secret := make([]byte, clientStateBytes)
	_, _ = rand.Read(secret)
	state := base64.RawURLEncoding.EncodeToString(secret)
	lifetime := u.o.Lifetime
	var sub *graph.Subscription
	for attempt := 0; ; attempt++ {
		sub, _, err = cl.Subscriptions.Create(ctx, graph.Subscription{
			Resource: f.Resource, ChangeType: "created,updated", ClientState: state,
			NotificationURL: u.NotificationURL(), LifecycleNotificationURL: u.LifecycleURL(),
			ExpirationDateTime: u.w.o.Clock.Now().Add(lifetime),
		})
		var ge *graph.Error
		if attempt == 0 && errors.As(err, &ge) && ge.HasCode("ExtensionError") {
			if m := extensionLimit.FindStringSubmatch(ge.Message); m != nil {
				n, _ := strconv.Atoi(m[1])
				lifetime = time.Duration(n)*time.Minute - 5*time.Minute
				if lifetime > 0 {
					continue
				}
			}
		}
		break
	}
	if err != nil {
		return f, err
	}
	return u.update(ctx, f.ID, func(x *store.Feed) {
		x.GraphID, x.ClientStateHash, x.ExpiresAt = sub.ID, HashClientState(state), sub.ExpirationDateTime.UTC()
		x.State, x.LastError = StateActive, ""
	})
}

// update applies fn to the feed's current record and stores it: the
// record is read again first, so a refreshed sign-in stored meanwhile is
// kept.
func (u *Upkeep) update(ctx context.Context, id string, fn func(*store.Feed)) (store.Feed, error) {
	ctx = context.WithoutCancel(ctx)
	f, err := u.w.o.Feeds.Feed(ctx, id)
	if err != nil {
		return f, err
	}
	fn(&f)
	f.UpdatedAt = u.w.o.Clock.Now().UTC()
	return f, u.w.o.Feeds.UpdateFeed(ctx, f)
}

// renewAt is when a subscription is renewed: at three quarters of its
// lifetime.
func (u *Upkeep) renewAt(f store.Feed) time.Time { return f.ExpiresAt.Add(-u.o.Lifetime / 4) }

// Renew renews a subscription now (which also reauthorizes it), or
// recreates it if Graph no longer has it, and catches up. creator, when
// not nil, replaces the sign-in a delegated subscription acts with (its
// owner signed in again after theirs stopped working).
func (u *Upkeep) Renew(ctx context.Context, id string, creator Creator) (store.Feed, error) {
	lock := u.lock(id)
	defer lock.Unlock()
	f, err := u.w.o.Feeds.Feed(ctx, id)
	if err != nil {
		return f, err
	}
	if f.Kind != store.FeedSubscription {
		return f, fmt.Errorf("notify: feed %s is not a subscription", id)
	}
	if creator != nil && f.Auth == AuthDelegated {
		sealed, err := creator.SealFor(f.ID)
		if err != nil {
			return f, err
		}
		if f, err = u.update(ctx, id, func(x *store.Feed) { x.Tokens = sealed }); err != nil {
			return f, err
		}
		u.w.clients.forget(id)
	}
	return u.renew(ctx, f, true)
}

// renew extends f's subscription; a subscription Graph no longer has is
// recreated. After a gap (the feed was not active) it catches up.
func (u *Upkeep) renew(ctx context.Context, f store.Feed, catchUp bool) (store.Feed, error) {
	cl, err := u.w.clients.forFeed(f)
	if err == nil {
		var sub *graph.Subscription
		sub, _, err = cl.Subscriptions.Renew(ctx, f.GraphID, u.w.o.Clock.Now().Add(u.o.Lifetime))
		u.count("renew", err)
		if err == nil {
			gap := f.State != StateActive
			f, err = u.update(ctx, f.ID, func(x *store.Feed) {
				x.ExpiresAt, x.State, x.LastError = sub.ExpirationDateTime.UTC(), StateActive, ""
			})
			if err == nil && (gap || catchUp) {
				err = u.catchUp(ctx, f)
			}
			return f, err
		}
	}
	if errors.Is(err, graph.ErrNotFound) || f.GraphID == "" {
		return u.recreate(ctx, f, "Graph no longer had the subscription")
	}
	return u.failed(ctx, f, StatePaused, err)
}

// reauthorize answers reauthorizationRequired; renewing does it too, so
// a subscription due for renewal is renewed instead.
func (u *Upkeep) reauthorize(ctx context.Context, f store.Feed) (store.Feed, error) {
	if !u.w.o.Clock.Now().Before(u.renewAt(f)) {
		return u.renew(ctx, f, false)
	}
	cl, err := u.w.clients.forFeed(f)
	if err == nil {
		_, err = cl.Subscriptions.Reauthorize(ctx, f.GraphID)
		u.count("reauthorize", err)
	}
	switch {
	case err == nil:
		gap := f.State != StateActive
		f, err = u.update(ctx, f.ID, func(x *store.Feed) { x.State, x.LastError = StateActive, "" })
		if err == nil && gap {
			// Graph paused deliveries until now: what changed meanwhile
			// was never sent.
			err = u.catchUp(ctx, f)
		}
		return f, err
	case errors.Is(err, graph.ErrNotFound):
		return u.recreate(ctx, f, "Graph no longer had the subscription")
	}
	return u.failed(ctx, f, StatePaused, err)
}

// recreate subscribes again for the same feed (a new Graph subscription
// and clientState, the same feed id, items and checkpoint), then catches
// up on what changed while there was none.
func (u *Upkeep) recreate(ctx context.Context, f store.Feed, why string) (store.Feed, error) {
	u.w.o.Logger.Info("subscription: recreating", "feed", f.ID, "old_graph_id", f.GraphID, "why", why)
	nf, err := u.subscribe(ctx, f)
	u.count("recreate", err)
	if err != nil {
		return u.failed(ctx, f, StateFailed, fmt.Errorf("%s, and creating it again failed: %w", why, err))
	}
	return nf, u.catchUp(ctx, nf)
}

// failed records why a feed is not active and when it is tried again.
// Transient failures (throttling, Graph unavailable, the network) leave
// its state as it was.
func (u *Upkeep) failed(ctx context.Context, f store.Feed, state string, cause error) (store.Feed, error) {
	msg := cause.Error()
	var te *graph.TokenError
	switch {
	case errors.As(cause, &te) && f.Auth == AuthDelegated:
		state = StateFailed
		msg = "The sign-in this subscription acts with no longer works (" + te.Error() + "): its owner must renew it after signing in."
	case errors.As(cause, &te):
		msg = "graphsec could not get an app-only token (" + te.Error() + ")."
	case errors.Is(cause, graph.ErrForbidden):
		// The token may predate consent granted again: the next attempt
		// gets a fresh one.
		u.w.clients.reset(f)
		msg = "Graph refused (" + cause.Error() + "). An administrator may have revoked graphsec's consent: grant it again on the permissions page. graphsec tries again every " + u.o.RetryEvery.String() + " and then catches up what changed meanwhile."
	case errors.Is(cause, ErrNoCredentials):
		state = StateFailed
	default:
		state = f.State
	}
	u.mu.Lock()
	u.retryAt[f.ID] = u.w.o.Clock.Now().Add(u.o.RetryEvery)
	u.mu.Unlock()
	u.w.o.Logger.Warn("subscription upkeep failed", "feed", f.ID, "graph_id", f.GraphID, "state", state, "err", cause)
	nf, err := u.update(ctx, f.ID, func(x *store.Feed) { x.State, x.LastError = state, msg })
	if err != nil {
		return f, errors.Join(cause, err)
	}
	return nf, cause
}

// catchUp queries the legacy alerts the subscription covers that changed
// since its last item (less the overlap) and stores those its webhooks
// did not deliver, as watch items of the subscription's feed. The next
// check (every CheckEvery) catches up again when this one failed on an
// active subscription (a window is retried, never skipped; a paused or
// failed one catches up once it is working again) or left recent changes
// to their webhooks (by then they have arrived, or are stored as missed).
func (u *Upkeep) catchUp(ctx context.Context, f store.Feed) (err error) {
	var late int
	defer func() {
		if late > 0 || (err != nil && ctx.Err() == nil && f.State == StateActive) {
			u.pend(f.ID, EventMissed)
		}
	}()
	floor, delivered, err := u.delivered(ctx, f)
	if err != nil {
		return err
	}
	skip := func(v version) bool {
		at, ok := delivered[strings.ToLower(v.id)]
		return ok && !at.Before(v.updated)
	}
	po := pollOptions{skip: skip, floor: floor, late: &late}
	if u.o.Settle > 0 {
		po.until = u.w.o.Clock.Now().Add(-u.o.Settle)
	}
	err = u.w.pollFeed(ctx, f, po)
	u.count("catchup", err)
	return err
}

// deliveredLookback bounds how many of a feed's webhook items the
// catch-up reads to leave out what they delivered.
const deliveredLookback = 20_000

// delivered returns when the feed last produced a change item (a
// webhook's or a catch-up's; lifecycle items tell of no change, and one
// arrives precisely when changes stopped flowing), zero if never, and, per
// alert id, when a webhook last notified a change of it.
func (u *Upkeep) delivered(ctx context.Context, f store.Feed) (time.Time, map[string]time.Time, error) {
	out := map[string]time.Time{}
	ns := u.w.o.Notifications
	if ns == nil {
		return time.Time{}, out, nil
	}
	var last time.Time
	for _, src := range []store.Source{store.SourceWebhook, store.SourceWatch} {
		latest, err := ns.ListNotifications(ctx, store.NotificationFilter{Feed: f.ID, Source: src, Limit: 1})
		if err != nil {
			return last, nil, err
		}
		if len(latest) == 1 && latest[0].ReceivedAt.After(last) {
			last = latest[0].ReceivedAt
		}
	}
	var before int64
	for read := 0; read < deliveredLookback; {
		page, err := ns.ListNotifications(ctx, store.NotificationFilter{Feed: f.ID, Source: store.SourceWebhook, BeforeSeq: before, Limit: 1000})
		if err != nil {
			return last, nil, err
		}
		for _, n := range page {
			id := resourceOfItem(n)
			if n.ReceivedAt.After(out[id]) {
				out[id] = n.ReceivedAt
			}
			before = n.Seq
		}
		read += len(page)
		if len(page) < 1000 || before <= 1 {
			break
		}
	}
	return last, out, nil
}

// Delete deletes the subscription on Graph (gone already is fine) and
// graphsec's record. If Graph refuses, the record goes all the same (the
// subscription expires by itself; its notifications no longer match a
// feed), and the error says so.
func (u *Upkeep) Delete(ctx context.Context, id string) error {
	lock := u.lock(id)
	defer lock.Unlock()
	f, err := u.w.o.Feeds.Feed(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if f.Kind != store.FeedSubscription {
		return fmt.Errorf("notify: feed %s is a %s, not a subscription", id, f.Kind)
	}
	var gerr error
	if f.GraphID != "" {
		cl, err := u.w.clients.forFeed(f)
		if err == nil {
			_, err = cl.Subscriptions.Delete(ctx, f.GraphID)
		}
		if err != nil && !errors.Is(err, graph.ErrNotFound) {
			gerr = fmt.Errorf("notify: Graph did not delete subscription %s (it expires by %s): %w", f.GraphID, f.ExpiresAt.Format(time.RFC3339), err)
		}
	}
	if err := u.w.o.Feeds.DeleteFeed(ctx, id); err != nil {
		return errors.Join(gerr, err)
	}
	u.w.dropState(id)
	u.mu.Lock()
	delete(u.pending, id)
	delete(u.retryAt, id)
	u.mu.Unlock()
	return gerr
}

// SubscriptionView is a subscription as the page lists it: graphsec's
// record and Graph's view of it.
type SubscriptionView struct {
	// Feed is graphsec's record; zero for a subscription of graphsec's
	// app that has none (listed for viewer "" only).
	Feed store.Feed
	// Graph is the subscription as Graph lists it (clientState is never
	// returned); nil when Graph does not have it, or could not be asked
	// (GraphError says why).
	Graph      *graph.Subscription
	GraphError string
	// RenewAt is when the upkeep renews it.
	RenewAt time.Time
	// CatchUp is how its catch-up queries are doing.
	CatchUp WatchStats
}

// List returns the subscriptions viewer may see (their own and shared
// ones; all, with Graph's subscriptions graphsec has no record of, when
// viewer is empty), with Graph's view of each.
func (u *Upkeep) List(ctx context.Context, viewer string) ([]SubscriptionView, error) {
	feeds, err := u.w.o.Feeds.ListFeeds(ctx, store.FeedFilter{Viewer: viewer, Kind: store.FeedSubscription})
	if err != nil {
		return nil, err
	}
	onGraph := map[string]*graph.Subscription{}
	asked := map[string]error{} // auth key → error listing
	list := func(key string, f store.Feed) {
		if _, done := asked[key]; done {
			return
		}
		cl, err := u.w.clients.forFeed(f)
		if err == nil {
			for s, e := range cl.Subscriptions.All(ctx, 0) {
				if e != nil {
					err = e
					break
				}
				onGraph[strings.ToLower(s.ID)] = s
			}
		}
		asked[key] = err
	}
	for _, f := range feeds {
		key := AuthApp
		if f.Auth == AuthDelegated {
			key = f.ID
		}
		list(key, f)
	}
	if viewer == "" {
		list(AuthApp, store.Feed{Auth: AuthApp})
	}
	var out []SubscriptionView
	known := map[string]bool{}
	for _, f := range feeds {
		v := SubscriptionView{Feed: f, RenewAt: u.renewAt(f), CatchUp: u.w.Stats(f.ID)}
		key := AuthApp
		if f.Auth == AuthDelegated {
			key = f.ID
		}
		if err := asked[key]; err != nil {
			v.GraphError = err.Error()
		}
		if s := onGraph[strings.ToLower(f.GraphID)]; s != nil && f.GraphID != "" {
			v.Graph = s
			known[strings.ToLower(f.GraphID)] = true
		}
		out = append(out, v)
	}
	if viewer == "" {
		var orphans []*graph.Subscription
		for id, s := range onGraph {
			if !known[id] {
				orphans = append(orphans, s)
			}
		}
		slices.SortFunc(orphans, func(a, b *graph.Subscription) int { return strings.Compare(a.ID, b.ID) })
		for _, s := range orphans {
			out = append(out, SubscriptionView{Graph: s})
		}
	}
	return out, nil
}
