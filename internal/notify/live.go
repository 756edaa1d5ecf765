package notify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// LiveStore is what live alerts need of the store.
type LiveStore interface {
	store.Notifications
	store.Feeds
}

// LiveOptions configure NewLive. Store and Registry are required.
type LiveOptions struct {
	Store LiveStore
	// Registry receives the metrics (its own, not the global one); it is
	// also what /metrics serves.
	Registry *prometheus.Registry
	// MetricsToken, when set, is required to read /metrics (see
	// MetricsHandler); without it only loopback may.
	MetricsToken string
	// Retention is how long notifications are kept (default
	// DefaultRetention); RetentionEvery how often old ones are deleted
	// (default an hour).
	Retention, RetentionEvery time.Duration
	// Lifecycle hears about lifecycle notifications (default: they are
	// logged). Subscription upkeep, built after Live (it needs Live.Feeds),
	// sets it with Live.Receiver.SetLifecycle instead.
	Lifecycle LifecycleHandler
	// NewBroker, when set, builds the broker the sink publishes to and
	// the stream follows, around the in-process Hub (replicas on
	// PostgreSQL: internal/notify/pgbroker). Default: the Hub itself.
	NewBroker func(hub *Hub) (Broker, error)
	// RetentionByCaller leaves retention to the caller (RunRetention),
	// which runs it on one replica only (internal/lease). Default: NewLive
	// starts it.
	RetentionByCaller bool
	Clock             clock.Clock
	Logger            *slog.Logger
}

// Live is the live-alerts machinery of one console, wired: a group-commit
// sink that every source writes through, the broker it publishes to, the
// feed cache, the receiver, the stream and the metrics. Its background
// work (the sink's writer, retention) runs from NewLive until Close.
//
// The receiver writes change notifications through Sink.Journal (one
// journal entry per POST, indexed into notifications by the sink's
// writer afterwards) and lifecycle notifications through Sink.Append; both
// are durable before it answers. Sink.WaitIndexed waits for the journal
// to be indexed, for whoever needs the items in notifications at once.
//
// How the other parts plug in:
//   - Subscription upkeep writes feeds through Feeds (the cache the
//     receiver reads, so a new subscription is known at once), stores a
//     subscription's clientState as HashClientState, handles lifecycle
//     events (Receiver.SetLifecycle), and counts Metrics.Renewals.
//   - The watcher appends what it sees through Sink (so that it is stored
//     durably, de-duplicated by ID, and published to the stream), saves its
//     checkpoint after Sink.Append returns, and counts
//     Metrics.WatcherLag and Metrics.WatcherRequests. Graph clients made
//     with the console's HTTP client are counted in Metrics.GraphRequests.
//   - The enricher (Watcher.NewEnricher, on the leader) completes legacy
//     webhook items after they are stored (the alert's title, its
//     changes) through store.Enrichments, and tells open pages through
//     the broker (EnrichPublisher): an "enriched" event on the stream.
//   - The live page lists items with store.Notifications.ListNotifications
//     (Viewer set to the user) and follows GET /notifications/stream with
//     lastEventId set to the newest Seq it shows; each event's data is an
//     EventView.
type Live struct {
	Metrics *Metrics
	Hub     *Hub
	// Broker is what the sink publishes to and the stream follows: the
	// Hub, or the broker LiveOptions.NewBroker built around it.
	Broker   Broker
	Sink     *GroupSink
	Feeds    *FeedCache
	Receiver *Receiver
	Stream   *Stream
	// MetricsHandler serves GET /metrics.
	MetricsHandler http.Handler

	retention     Retention
	stopRetention context.CancelFunc
	retentionDone chan struct{}
}

// NewLive builds and starts live alerts.
func NewLive(o LiveOptions) (*Live, error) {
	if o.Store == nil || o.Registry == nil {
		return nil, errors.New("notify: LiveOptions.Store and Registry are required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Lifecycle == nil {
		o.Lifecycle = logLifecycle{o.Logger}
	}
	l := &Live{Metrics: NewMetrics(o.Registry)}
	var err error
	if l.Hub, err = NewHub(HubOptions{Store: o.Store, Metrics: l.Metrics}); err != nil {
		return nil, err
	}
	l.Broker = l.Hub
	if o.NewBroker != nil {
		if l.Broker, err = o.NewBroker(l.Hub); err != nil {
			return nil, err
		}
	}
	if l.Sink, err = NewGroupSink(GroupOptions{Store: o.Store, Broker: l.Broker, Metrics: l.Metrics, Clock: o.Clock, Logger: o.Logger}); err != nil {
		return nil, err
	}
	l.Feeds = NewFeedCache(o.Store, FeedCacheOptions{Clock: o.Clock})
	if l.Receiver, err = NewReceiver(ReceiverOptions{
		Feeds: l.Feeds, Sink: l.Sink, Journal: l.Sink, Lifecycle: o.Lifecycle, Metrics: l.Metrics, Clock: o.Clock, Logger: o.Logger,
	}); err != nil {
		return nil, err
	}
	if l.Stream, err = NewStream(StreamOptions{Broker: l.Broker, Store: o.Store, Metrics: l.Metrics, Clock: o.Clock, Logger: o.Logger}); err != nil {
		return nil, err
	}
	l.MetricsHandler = MetricsHandler(o.Registry, o.MetricsToken)
	go l.Sink.Run()
	l.retention = Retention{Store: o.Store, Keep: o.Retention, Every: o.RetentionEvery, Clock: o.Clock, Logger: o.Logger, Metrics: l.Metrics}
	ctx, cancel := context.WithCancel(context.Background())
	l.stopRetention, l.retentionDone = cancel, make(chan struct{})
	go func() {
		defer close(l.retentionDone)
		if !o.RetentionByCaller {
			l.retention.Run(ctx)
		}
	}()
	return l, nil
}

// RunRetention deletes old notifications until ctx ends (with
// LiveOptions.RetentionByCaller).
func (l *Live) RunRetention(ctx context.Context) { l.retention.Run(ctx) }

// CloseStreams ends every stream connection (their handlers return): call
// it when the HTTP server begins to shut down (http.Server.RegisterOnShutdown),
// since a stream never goes idle by itself.
func (l *Live) CloseStreams() { l.Broker.Close() }

// Close stops everything after the HTTP server has stopped: it commits
// what the sink still holds, waits for lifecycle handlers, and stops
// retention. Call it before closing the store.
func (l *Live) Close() {
	l.Broker.Close()
	l.Sink.Close()
	l.Receiver.Close()
	l.stopRetention()
	<-l.retentionDone
}

// logLifecycle is the lifecycle handler until upkeep provides one.
type logLifecycle struct{ log *slog.Logger }

func (h logLifecycle) HandleLifecycle(_ context.Context, feed store.Feed, item Item) {
	h.log.Warn("lifecycle notification (no upkeep handler)", "feed", feed.ID, "subscription", feed.GraphID, "event", item.LifecycleEvent)
}
