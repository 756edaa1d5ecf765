// Package pgbroker is the live stream's broker for several console
// replicas on one PostgreSQL database: each replica's subscribers see
// every item any replica stored, in Seq order, exactly once.
//
// How. The store's append transaction ends with NOTIFY on Channel
// (store/postgres), so a commit on any replica wakes every replica that
// LISTENs; one dedicated connection per replica listens. Nothing is
// carried in the notification: it only says "read". One feeder goroutine
// per replica then reads the store for the items after the last Seq it
// published (one read for all of the replica's subscribers, every viewer)
// and hands them to an in-process notify.Hub, which filters them per
// viewer and buffers them per connection. Items this replica stored take
// the same path (Publish only wakes the feeder), so the Hub is handed
// items in one order, Seq's, from one goroutine.
//
// Why nothing is lost. The store, not NOTIFY, is the record: the feeder
// also reads every Poll (5 s) whether or not a notification came, and at
// once after the listening connection is re-established, so a lost
// NOTIFY, a dropped connection or a database restart costs a few seconds
// of latency, not an item. The store's appends commit in Seq order (each
// append takes a transaction-scoped advisory lock before it draws Seq
// values, store/postgres/live.go), so a read "Seq > n" never passes over
// an item that commits later with a smaller Seq: there is none. Seq is a
// database identity column, global across replicas, so an SSE client's
// Last-Event-ID means the same item on every replica, and a client that
// reconnects to another replica resumes exactly there (notify.Stream).
package pgbroker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/postgres"
)

// Channel is the LISTEN/NOTIFY channel the PostgreSQL store notifies on
// when it commits notifications.
const Channel = postgres.NotifyChannel

// Options configure New.
type Options struct {
	// Connect opens the dedicated listening connection. Required.
	Connect func(ctx context.Context) (*pgx.Conn, error)
	// Hub is the in-process fan-out the feeder publishes to. Required.
	Hub *notify.Hub
	// Store is read by the feeder. Required.
	Store store.Notifications
	// Poll is how often the feeder reads without a notification (default
	// 5 s); Page how many items one read takes (default 500).
	Poll time.Duration
	Page int
	// Retry is the pause before re-establishing a lost listening
	// connection (default 1 s, doubling to 30 s).
	Retry  time.Duration
	Logger *slog.Logger
}

// Broker implements notify.Broker over PostgreSQL LISTEN/NOTIFY.
type Broker struct {
	o      Options
	log    *slog.Logger
	wake   chan struct{}
	cancel context.CancelFunc
	done   sync.WaitGroup

	mu        sync.Mutex
	cursor    int64 // the Seq of the last item handed to the Hub
	listening bool
}

var _ notify.Broker = (*Broker)(nil)

// New starts the broker: it reads where the store ends now (items stored
// before that reach subscribers through their own catch-up), then listens
// and feeds until Close.
func New(ctx context.Context, o Options) (*Broker, error) {
	if o.Connect == nil || o.Hub == nil || o.Store == nil {
		return nil, errors.New("pgbroker: Options.Connect, Hub and Store are required")
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Page <= 0 {
		o.Page = 500
	}
	o.Page = min(o.Page, store.MaxNotificationLimit)
	if o.Retry <= 0 {
		o.Retry = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	newest, err := o.Store.ListNotifications(ctx, store.NotificationFilter{Limit: 1})
	if err != nil {
		return nil, fmt.Errorf("pgbroker: reading the newest item: %w", err)
	}
	b := &Broker{o: o, log: o.Logger, wake: make(chan struct{}, 1)}
	if len(newest) > 0 {
		b.cursor = newest[0].Seq
	}
	run, cancel := context.WithCancel(context.WithoutCancel(ctx))
	b.cancel = cancel
	b.done.Go(func() { b.listen(run) })
	b.done.Go(func() { b.feed(run) })
	return b, nil
}

// Publish implements notify.Broker: the items are stored; the feeder
// reads them (with whatever other replicas stored before them) and hands
// them on in Seq order.
func (b *Broker) Publish(items []notify.Item) {
	if len(items) > 0 {
		b.kick()
	}
}

// PublishEnriched implements notify.EnrichPublisher for this replica's
// subscribers only. The enricher runs on the leader; carrying its updates
// to the other replicas would need a payload or a second read per NOTIFY,
// for a title that their pages show anyway once they read the store again
// (a reload, the history). So they are not carried.
func (b *Broker) PublishEnriched(es []notify.Enriched) { b.o.Hub.PublishEnriched(es) }

// Subscribe implements notify.Broker.
func (b *Broker) Subscribe(from int64, viewer string) (*notify.Subscription, error) {
	return b.o.Hub.Subscribe(from, viewer)
}

// Close stops listening and feeding and ends every subscription.
func (b *Broker) Close() {
	b.cancel()
	b.done.Wait()
	b.o.Hub.Close()
}

// Cursor is the Seq of the last item handed to subscribers.
func (b *Broker) Cursor() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.cursor
}

// Listening says whether the listening connection is up.
func (b *Broker) Listening() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.listening
}

func (b *Broker) kick() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// listen keeps one connection LISTENing on Channel, waking the feeder for
// each notification and once after every (re)connection.
func (b *Broker) listen(ctx context.Context) {
	pause := b.o.Retry
	for ctx.Err() == nil {
		err := b.listenOnce(ctx, func() { pause = b.o.Retry })
		b.setListening(false)
		if ctx.Err() != nil {
			return
		}
		b.log.Warn("live stream: listening connection lost; the feeder polls until it is back", "err", err, "retry_in", pause.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

func (b *Broker) listenOnce(ctx context.Context, connected func()) error {
	conn, err := b.o.Connect(ctx)
	if err != nil {
		return err
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return err
	}
	connected()
	b.setListening(true)
	// Whatever was committed while no one listened is read now.
	b.kick()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		b.kick()
	}
}

func (b *Broker) setListening(v bool) {
	b.mu.Lock()
	b.listening = v
	b.mu.Unlock()
}

// feed reads the store after the cursor whenever woken, and every Poll,
// and hands what it reads to the Hub.
func (b *Broker) feed(ctx context.Context) {
	t := time.NewTicker(b.o.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		case <-t.C:
		}
		if err := b.readAll(ctx); err != nil && ctx.Err() == nil {
			b.log.Warn("live stream: reading new items", "err", err)
		}
	}
}

// readAll reads and publishes pages until the store has nothing newer.
func (b *Broker) readAll(ctx context.Context) error {
	for {
		b.mu.Lock()
		after := b.cursor
		b.mu.Unlock()
		f := store.NotificationFilter{AfterSeq: after, Limit: b.o.Page}
		if after <= 0 {
			f.AfterSeq = store.FromStart
		}
		items, err := b.o.Store.ListNotifications(ctx, f)
		if err != nil {
			return err
		}
		if len(items) > 0 {
			for i := range items {
				items[i].Raw = nil
			}
			b.o.Hub.Publish(items)
			b.mu.Lock()
			b.cursor = items[len(items)-1].Seq
			b.mu.Unlock()
		}
		if len(items) < b.o.Page {
			return nil
		}
	}
}
