package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

var epoch = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// rig is a receiver over a real (in-memory SQLite) store, group sink and
// hub.
type rig struct {
	st      *sqlite.Store
	feeds   *FeedCache
	sink    *GroupSink
	hub     *Hub
	metrics *Metrics
	reg     *prometheus.Registry
	clock   *clock.Fake
	rc      *Receiver
	// journaled records what the receiver journaled (journal rigs).
	journaled *recordingJournal
}

type rigOptions struct {
	lifecycle LifecycleHandler
	sink      Sink // instead of the group sink
	path      string
	// journal: the receiver journals change notifications through the
	// group sink (as NewLive wires it); journalSink replaces the sink
	// there.
	journal     bool
	journalSink JournalSink
	// systemClock: the group sink times its work on the system clock (its
	// share of indexing under load is measured in time).
	systemClock bool
	// unrecorded: the journal is not wrapped by a recordingJournal
	// (benchmarks: recording every item would be most of what they
	// measure).
	unrecorded bool
}

// recordingJournal records the items handed to Journal.
type recordingJournal struct {
	next  JournalSink
	mu    sync.Mutex
	items []Item
}

func (j *recordingJournal) Arriving() func() { return j.next.Arriving() }

func (j *recordingJournal) Journal(ctx context.Context, items []Item) error {
	j.mu.Lock()
	j.items = append(j.items, items...)
	j.mu.Unlock()
	return j.next.Journal(ctx, items)
}

// settle waits until the group sink has indexed its journal.
func (r *rig) settle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.sink.WaitIndexed(ctx); err != nil {
		t.Fatalf("waiting for the journal to be indexed: %v", err)
	}
}

func newRig(t testing.TB, o rigOptions) *rig {
	t.Helper()
	path := o.path
	if path == "" {
		path = sqlite.MemoryPath
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r := &rig{st: st, clock: clock.NewFake(epoch), reg: prometheus.NewRegistry()}
	r.metrics = NewMetrics(r.reg)
	r.feeds = NewFeedCache(st, FeedCacheOptions{Clock: r.clock})
	if r.hub, err = NewHub(HubOptions{Store: st, Metrics: r.metrics}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.hub.Close)
	var sinkClock clock.Clock = r.clock
	if o.systemClock {
		sinkClock = clock.System{}
	}
	if r.sink, err = NewGroupSink(GroupOptions{Store: st, Broker: r.hub, Metrics: r.metrics, Clock: sinkClock}); err != nil {
		t.Fatal(err)
	}
	go r.sink.Run()
	t.Cleanup(r.sink.Close)
	var sink Sink = r.sink
	if o.sink != nil {
		sink = o.sink
	}
	var journal JournalSink
	if o.journal {
		next := o.journalSink
		if next == nil {
			next = r.sink
		}
		journal = next
		if !o.unrecorded {
			r.journaled = &recordingJournal{next: next}
			journal = r.journaled
		}
	}
	r.rc, err = NewReceiver(ReceiverOptions{Feeds: r.feeds, Sink: sink, Journal: journal, Lifecycle: o.lifecycle, Metrics: r.metrics, Clock: r.clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.rc.Close)
	return r
}

// feed stores a subscription record for graphID with clientState.
func (r *rig) feed(t testing.TB, id, graphID, clientState, owner string, shared bool) store.Feed {
	t.Helper()
	f := store.Feed{
		ID: id, Kind: store.FeedSubscription, Owner: owner, Shared: shared, Target: "legacyAlerts",
		Resource: "security/alerts?$filter=severity eq 'high'", GraphID: graphID,
		ClientStateHash: HashClientState(clientState), ChangeType: "created,updated", State: "active",
		CreatedAt: epoch, UpdatedAt: epoch,
	}
	if err := r.feeds.CreateFeed(context.Background(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

func (r *rig) stored(t testing.TB) []store.Notification {
	t.Helper()
	items, err := r.st.ListNotifications(context.Background(), store.NotificationFilter{AfterSeq: store.FromStart, Limit: store.MaxNotificationLimit})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// count reads graphsec_notifications_total{source,result}.
func (r *rig) count(source store.Source, result string) float64 {
	var m dto.Metric
	if err := r.metrics.Notifications.WithLabelValues(string(source), result).Write(&m); err != nil {
		panic(err)
	}
	return m.GetCounter().GetValue()
}

// changeJSON is one change notification as Graph sends it.
func changeJSON(id, subscriptionID, clientState, alertID string) string {
	return fmt.Sprintf(`{"id":%q,"subscriptionId":%q,"subscriptionExpirationDateTime":"2026-05-20T00:00:00.0000000Z",`+
		`"tenantId":"t1","clientState":%q,"changeType":"updated","resource":"security/alerts/%s",`+
		`"resourceData":{"@odata.type":"#Microsoft.Graph.alert","@odata.id":"security/alerts/%s","id":%q}}`,
		id, subscriptionID, clientState, alertID, alertID, alertID)
}

func lifecycleJSON(subscriptionID, clientState, event string) string {
	return fmt.Sprintf(`{"subscriptionId":%q,"subscriptionExpirationDateTime":"2026-05-20T00:00:00.0000000Z",`+
		`"tenantId":"t1","clientState":%q,"lifecycleEvent":%q}`, subscriptionID, clientState, event)
}

func collection(items ...string) string { return `{"value":[` + strings.Join(items, ",") + `]}` }
