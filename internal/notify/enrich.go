package notify

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// Defaults of the enricher.
const (
	// DefaultEnrichInterval is how often the enricher looks for webhook
	// items to complete when it found none (one indexed read of an
	// index that is empty at rest).
	DefaultEnrichInterval = 2 * time.Second
	// DefaultEnrichBatch is how many pending items one read takes.
	DefaultEnrichBatch = 200
	// DefaultEnrichFailures is how many failed lookups of one alert
	// (other than 404 and throttling) make the enricher give up on its
	// items (store.EnrichFailed).
	DefaultEnrichFailures = 3
	// DefaultEnrichBackoff is the pause before a failed lookup is tried
	// again: the failures that count are answers (a 403, a 400), which a
	// moment does not change.
	DefaultEnrichBackoff = time.Minute
	// maxFailureMemory bounds the failure counts kept.
	maxFailureMemory = 10_000
)

// legacyKeyNames are the legacy alert's properties whose change an
// enriched item reports, in this order (the watcher's Changes shape; at
// most len(keyFields) of them).
func legacyKeyNames() []string {
	return []string{"title", "severity", "status", "feedback", "assignedTo", "category", "provider"}
}

// EnrichStore is what the enricher needs of the store.
type EnrichStore interface {
	store.Enrichments
}

// EnricherOptions configure an Enricher.
type EnricherOptions struct {
	// Store holds the pending items and takes the enrichments. Required.
	Store EnrichStore
	// Broker, when it is an EnrichPublisher, tells open live pages.
	Broker Broker
	// Interval, Batch and MaxFailures: see the defaults.
	Interval    time.Duration
	Batch       int
	MaxFailures int
	// FailureBackoff is the pause before an alert whose lookup failed
	// is tried again (default DefaultEnrichBackoff).
	FailureBackoff time.Duration
}

// Enricher completes legacy-alert webhook items after they are stored.
// Graph's webhooks carry the alert's id alone, and the receiver makes no
// Graph call before it answers (issue 9); so the live page first shows
// the id, and this background work, on the leader only, then looks the
// alert up and stores on the item its title and, where graphsec knows the
// previous version of the alert for that feed, what changed since (the
// watcher's Changes shape: title, severity, status, feedback,
// assignedTo, category, provider), and the search text with the title.
//
// It works from the store (store.Enrichments: every webhook item is
// stored pending), so a restart or a new leader picks up where the last
// one stopped. Each lookup goes through the feed's own Graph client (the
// watcher's: app-only or the feed's sealed delegated sign-in), paced by
// the watcher's Budget, so the enricher never takes more than the tenant
// budget that every background poller shares; a 429 or 503 holds it as
// it holds them (Retry-After honoured), and items throttled out are
// looked up again at the next pass, never dropped. The items of one alert
// in one read cost one GET; the alert's state then is the newest the
// enricher can know, so only each feed's newest item of the alert carries
// the changes, earlier ones the title. An alert Graph answers 404 for
// (store.EnrichGone), or fails to return MaxFailures times
// (store.EnrichFailed), is not looked up again: its items keep showing
// the id.
//
// The one GET for an alert's items goes through the client of the
// oldest item's feed (all app-only feeds share one client; a delegated
// feed's owner was notified of the alert, so may read it).
//
// Lookups run one at a time: bounded memory (a read of Batch items, the
// failure counts capped at 10,000 alerts) and one request in flight,
// which the budget would pace to the same rate anyway. Run (or Pass) is
// called from one goroutine at a time.
type Enricher struct {
	w        *Watcher
	o        EnricherOptions
	failures map[string]failure // by lower-case alert id; owned by Run/Pass
}

// failure is an alert's failed lookups so far, and when to try again.
type failure struct {
	count int
	next  time.Time
}

// NewEnricher returns an Enricher that looks alerts up through w's
// clients and budget.
func (w *Watcher) NewEnricher(o EnricherOptions) (*Enricher, error) {
	if o.Store == nil {
		return nil, errors.New("notify: EnricherOptions.Store is required")
	}
	if o.Interval <= 0 {
		o.Interval = DefaultEnrichInterval
	}
	if o.Batch <= 0 {
		o.Batch = DefaultEnrichBatch
	}
	o.Batch = min(o.Batch, store.MaxNotificationLimit)
	if o.MaxFailures <= 0 {
		o.MaxFailures = DefaultEnrichFailures
	}
	if o.FailureBackoff <= 0 {
		o.FailureBackoff = DefaultEnrichBackoff
	}
	return &Enricher{w: w, o: o, failures: map[string]failure{}}, nil
}

// Run enriches until ctx ends: a pass, then a pause of Interval when the
// pass left nothing it could do now (after a failure, the same pause).
func (e *Enricher) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		if _, err := e.Pass(ctx); err != nil && ctx.Err() == nil {
			e.w.o.Logger.Warn("enrich: pass failed", "err", err)
		}
		if e.w.o.Sleep(ctx, e.o.Interval) != nil {
			break
		}
	}
	return nil
}

// EnrichStats is what a pass did.
type EnrichStats struct {
	// Lookups is the GETs sent (one per alert); Done, Gone and Failed
	// count the items stored in each state; Waiting the items left
	// pending for the next pass (a lookup throttled out or failed fewer
	// than MaxFailures times).
	Lookups, Done, Gone, Failed, Skipped, Waiting int
}

// errEnrichStop ends a pass early without counting a failure: Graph
// throttled the lookup out (the budget holds meanwhile) or ctx ended.
var errEnrichStop = errors.New("notify: enrichment paused")

// Pass enriches what is pending now, Batch items at a time, and reports
// what it did. A throttled lookup ends the pass (the items stay pending).
func (e *Enricher) Pass(ctx context.Context) (EnrichStats, error) {
	var st EnrichStats
	after := int64(0)
	for {
		items, err := e.o.Store.PendingEnrichments(ctx, after, e.o.Batch)
		if err != nil {
			return st, err
		}
		if len(items) == 0 {
			return st, nil
		}
		after = items[len(items)-1].Seq
		if err := e.batch(ctx, items, &st); err != nil {
			if errors.Is(err, errEnrichStop) {
				return st, nil
			}
			return st, err
		}
		if len(items) < e.o.Batch {
			return st, nil
		}
	}
}

// batch looks up each alert of items once and stores what it learned.
func (e *Enricher) batch(ctx context.Context, items []Item, st *EnrichStats) error {
	var out []store.Enrichment
	var published []Enriched
	var order []string
	groups := map[string][]Item{}
	for _, it := range items {
		id := legacyAlertID(it)
		if id == "" {
			out = append(out, store.Enrichment{Seq: it.Seq, State: store.EnrichSkipped})
			st.Skipped++
			continue
		}
		key := strings.ToLower(id)
		if groups[key] == nil {
			order = append(order, key)
		}
		groups[key] = append(groups[key], it)
	}
	var stop error
	feeds := map[string]*graph.Client{}
	for _, key := range order {
		group := groups[key]
		if stop != nil {
			st.Waiting += len(group)
			continue
		}
		es, pub, err := e.lookup(ctx, key, group, feeds, st)
		if err != nil {
			stop = err
			st.Waiting += len(group)
			continue
		}
		out, published = append(out, es...), append(published, pub...)
	}
	if len(out) > 0 {
		// Without ctx's cancellation: what was looked up is stored even
		// when shutdown begins meanwhile (a few rows).
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := e.o.Store.Enrich(sctx, out)
		cancel()
		if err != nil {
			return err
		}
		if p, ok := e.o.Broker.(EnrichPublisher); ok && len(published) > 0 {
			p.PublishEnriched(published)
		}
	}
	return stop
}

// lookup GETs one alert for the items of group (oldest first) and returns
// their enrichments (none while they stay pending); an error stops the
// pass.
func (e *Enricher) lookup(ctx context.Context, key string, group []Item, clients map[string]*graph.Client, st *EnrichStats) ([]store.Enrichment, []Enriched, error) {
	if f, ok := e.failures[key]; ok && e.w.o.Clock.Now().Before(f.next) {
		st.Waiting += len(group)
		return nil, nil, nil
	}
	cl, err := e.client(ctx, group[0].Feed, clients)
	var a *graph.LegacyAlert
	if err == nil {
		st.Lookups++
		a, _, err = cl.LegacyAlerts.Get(ctx, legacyAlertID(group[0]))
	}
	switch {
	case err == nil:
		delete(e.failures, key)
		es, pub, err := e.done(ctx, group, a)
		if err != nil {
			return nil, nil, err
		}
		st.Done += len(es)
		return es, pub, nil
	case ctx.Err() != nil:
		return nil, nil, errEnrichStop
	case errors.Is(err, graph.ErrNotFound):
		delete(e.failures, key)
		st.Gone += len(group)
		return finalState(group, store.EnrichGone), nil, nil
	case errors.Is(err, store.ErrNotFound):
		// The feed is gone, and with it the sign-in to look up with.
		st.Failed += len(group)
		return finalState(group, store.EnrichFailed), nil, nil
	case !definite(err):
		// Throttled (the budget holds every poller until Retry-After),
		// Graph or the network down, the store not answering: the items
		// wait for the next pass, uncounted.
		e.w.o.Logger.Info("enrich: lookup postponed", "alert", key, "err", err)
		return nil, nil, errEnrichStop
	}
	if len(e.failures) >= maxFailureMemory {
		clear(e.failures)
	}
	f := e.failures[key]
	f.count++
	f.next = e.w.o.Clock.Now().Add(e.o.FailureBackoff)
	e.failures[key] = f
	e.w.o.Logger.Warn("enrich: looking up a legacy alert", "alert", key, "attempt", f.count, "err", err)
	if f.count < e.o.MaxFailures {
		st.Waiting += len(group)
		return nil, nil, nil
	}
	delete(e.failures, key)
	st.Failed += len(group)
	return finalState(group, store.EnrichFailed), nil, nil
}

// definite reports whether err is an answer that trying again soon will
// not change (a 4xx other than 429, no sign-in), as opposed to throttling,
// a 5xx or the network.
func definite(err error) bool {
	if lasting(err) {
		return true
	}
	var ge *graph.Error
	return errors.As(err, &ge) && ge.StatusCode >= 400 && ge.StatusCode < 500 && !errors.Is(err, graph.ErrThrottled)
}

// client returns the Graph client of a feed (cached for the batch).
func (e *Enricher) client(ctx context.Context, feedID string, cache map[string]*graph.Client) (*graph.Client, error) {
	if cl := cache[feedID]; cl != nil {
		return cl, nil
	}
	f, err := e.w.o.Feeds.Feed(ctx, feedID)
	if err != nil {
		return nil, err
	}
	cl, err := e.w.clients.forFeed(f)
	if err != nil {
		return nil, err
	}
	cache[feedID] = cl
	return cl, nil
}

// done builds the enrichments of group from the alert: every item gets
// the title and the fields; each feed's newest item the changes since
// that feed's previous enriched item of the alert, when there is one.
func (e *Enricher) done(ctx context.Context, group []Item, a *graph.LegacyAlert) ([]store.Enrichment, []Enriched, error) {
	names := legacyKeyNames()
	cur := legacyFields(a)
	fields := fieldsJSON(names, cur)
	newest := map[string]int{} // feed → index of its newest item in group
	for i, it := range group {
		newest[it.Feed] = i
	}
	es := make([]store.Enrichment, 0, len(group))
	pub := make([]Enriched, 0, len(group))
	for i, it := range group {
		en := store.Enrichment{Seq: it.Seq, State: store.EnrichDone, Title: a.Title, Fields: fields}
		if newest[it.Feed] == i {
			prev, err := e.o.Store.EnrichedFields(ctx, it.Feed, it.ResourceID, group[firstOf(group, it.Feed)].Seq)
			if err != nil {
				return nil, nil, err
			}
			if prev != nil {
				en.Changes = changes(names, parseFields(names, prev), cur)
			}
		}
		es = append(es, en)
		pub = append(pub, Enriched{Seq: it.Seq, Owner: it.Owner, Shared: it.Shared, Title: en.Title, Changes: en.Changes})
	}
	return es, pub, nil
}

func firstOf(group []Item, feed string) int {
	for i, it := range group {
		if it.Feed == feed {
			return i
		}
	}
	return 0
}

func finalState(group []Item, s store.EnrichState) []store.Enrichment {
	out := make([]store.Enrichment, len(group))
	for i, it := range group {
		out[i] = store.Enrichment{Seq: it.Seq, State: s}
	}
	return out
}

// legacyAlertID is the alert id of a legacy-alert webhook item
// (security/alerts/{id}), or "" for anything else.
func legacyAlertID(it Item) string {
	const prefix = "security/alerts/"
	r := strings.TrimPrefix(it.Resource, "/")
	if len(r) < len(prefix) || !strings.EqualFold(r[:len(prefix)], prefix) {
		return ""
	}
	id := it.ResourceID
	if id == "" {
		id = r[len(prefix):]
	}
	if id == "" || strings.ContainsAny(id, "/?#") {
		return ""
	}
	return id
}

// legacyFields are a's key properties in legacyKeyNames' order.
func legacyFields(a *graph.LegacyAlert) keyFields {
	return keyFields{a.Title, string(a.Severity), string(a.Status), string(a.Feedback), a.AssignedTo, a.Category, a.Provider()}
}

// fieldsJSON is the fields as a JSON object by name (empty ones left
// out), what store.Enrichment.Fields keeps.
func fieldsJSON(names []string, f keyFields) []byte {
	m := make(map[string]string, len(names))
	for i, n := range names {
		if f[i] != "" {
			m[n] = f[i]
		}
	}
	b, _ := json.Marshal(m) // a map of strings always marshals
	return b
}

// parseFields reads fieldsJSON back; what it cannot read is empty.
func parseFields(names []string, b []byte) keyFields {
	var m map[string]string
	_ = json.Unmarshal(b, &m)
	var f keyFields
	for i, n := range names {
		f[i] = m[n]
	}
	return f
}
