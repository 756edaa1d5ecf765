package pgbroker_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/notify/pgbroker"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/pgtest"
	"github.com/graphsec/graphsec/internal/store/postgres"
)

// replica is one console's share of the live stream: its own store
// handle, Hub and broker on the shared schema.
type replica struct {
	st *postgres.Store
	b  *pgbroker.Broker
}

func newReplica(t *testing.T, dsn string, listen bool, poll time.Duration) *replica {
	t.Helper()
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("postgres.Open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	hub, err := notify.NewHub(notify.HubOptions{Store: st, Buffer: 64, Page: 50})
	if err != nil {
		t.Fatal(err)
	}
	connect := func(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, dsn) }
	if !listen {
		connect = func(context.Context) (*pgx.Conn, error) { return nil, errors.New("no listening in this test") }
	}
	b, err := pgbroker.New(t.Context(), pgbroker.Options{Connect: connect, Hub: hub, Store: st, Poll: poll, Page: 37, Retry: 20 * time.Millisecond})
	if err != nil {
		t.Fatalf("pgbroker.New: %v", err)
	}
	t.Cleanup(b.Close)
	return &replica{st: st, b: b}
}

func item(id string, received time.Time) store.Notification {
	return store.Notification{
		ID: id, Source: store.SourceWebhook, Feed: "feed-1", Owner: "owner-1", Shared: true,
		ChangeType: "updated", Resource: "security/alerts/" + id, ResourceID: id, Title: "alert " + id,
		ReceivedAt: received,
	}
}

// collect reads sub until it has n items or the deadline passes, failing
// on any Seq out of order or repeated.
func collect(t *testing.T, name string, sub *notify.Subscription, n int) []int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var seqs []int64
	for len(seqs) < n {
		b, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("%s: Next after %d of %d items: %v", name, len(seqs), n, err)
		}
		for _, it := range b.Items {
			if len(seqs) > 0 && it.Seq <= seqs[len(seqs)-1] {
				t.Fatalf("%s: Seq %d after %d: out of order or repeated", name, it.Seq, seqs[len(seqs)-1])
			}
			seqs = append(seqs, it.Seq)
		}
	}
	return seqs
}

// TestReplicasShareOneStream appends from several writers on two
// replicas at once (with ids both replicas try to store: one wins) while
// subscribers on both follow; every subscriber must see every stored item
// once, in Seq order, whichever replica stored it and whether or not its
// broker hears NOTIFY.
func TestReplicasShareOneStream(t *testing.T) {
	tests := []struct {
		name   string
		listen bool
		poll   time.Duration
	}{
		// Polling rarely: only NOTIFY can make the deadline.
		{"notify", true, time.Hour},
		// No listening connection: the poll alone must deliver everything.
		{"missed notify, poll", false, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dsn, _ := pgtest.Fresh(t)
			a := newReplica(t, dsn, tt.listen, tt.poll)
			b := newReplica(t, dsn, tt.listen, tt.poll)
			subA, err := a.b.Subscribe(0, "")
			if err != nil {
				t.Fatal(err)
			}
			defer subA.Close()
			subB, err := b.b.Subscribe(0, "")
			if err != nil {
				t.Fatal(err)
			}
			defer subB.Close()

			const writers, batches, per = 4, 15, 5
			received := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
			var wg sync.WaitGroup
			var mu sync.Mutex
			stored := map[int64]string{}
			for w := range writers {
				r := a
				if w%2 == 1 {
					r = b
				}
				wg.Go(func() {
					for i := range batches {
						var items []store.Notification
						for j := range per {
							// Writers w and w^1 (one per replica) share ids:
							// each id is stored once.
							items = append(items, item(fmt.Sprintf("w%d-%d-%d", w/2, i, j), received))
						}
						got, err := r.st.AppendNotifications(t.Context(), items)
						if err != nil {
							t.Errorf("append: %v", err)
							return
						}
						mu.Lock()
						for _, it := range got {
							if prev, dup := stored[it.Seq]; dup {
								t.Errorf("Seq %d given to %s and %s", it.Seq, prev, it.ID)
							}
							stored[it.Seq] = it.ID
						}
						mu.Unlock()
						r.b.Publish(got)
					}
				})
			}
			wg.Wait()
			want := writers / 2 * batches * per
			if len(stored) != want {
				t.Fatalf("stored %d distinct items, want %d", len(stored), want)
			}
			for name, sub := range map[string]*notify.Subscription{"replica a": subA, "replica b": subB} {
				got := collect(t, name, sub, want)
				for _, seq := range got {
					if _, ok := stored[seq]; !ok {
						t.Errorf("%s: Seq %d was never stored", name, seq)
					}
				}
			}

			// An SSE client that saw up to the 40th item on replica a
			// reconnects to replica b with that Last-Event-ID: it gets
			// exactly the rest.
			all := collectStore(t, a.st)
			resume, err := b.b.Subscribe(all[39], "")
			if err != nil {
				t.Fatal(err)
			}
			defer resume.Close()
			rest := collect(t, "resumed on b", resume, len(all)-40)
			if fmt.Sprint(rest) != fmt.Sprint(all[40:]) {
				t.Errorf("resumed on b: got %v, want %v", rest, all[40:])
			}
		})
	}
}

func collectStore(t *testing.T, st *postgres.Store) []int64 {
	t.Helper()
	items, err := st.ListNotifications(t.Context(), store.NotificationFilter{AfterSeq: store.FromStart, Limit: store.MaxNotificationLimit})
	if err != nil {
		t.Fatal(err)
	}
	seqs := make([]int64, len(items))
	for i, it := range items {
		seqs[i] = it.Seq
	}
	return seqs
}

// TestListenerReconnects kills the listening connection from the server
// side: the broker connects again and items stored meanwhile still arrive
// (by the read it makes on reconnecting), without waiting for a poll.
func TestListenerReconnects(t *testing.T) {
	dsn, _ := pgtest.Fresh(t)
	a := newReplica(t, dsn, true, time.Hour)
	sub, err := a.b.Subscribe(0, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	waitFor(t, "listening", a.b.Listening)
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	// The listening connection is the one that ran LISTEN last.
	var killed int
	if err := admin.QueryRow(t.Context(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE query LIKE 'LISTEN %' AND pid <> pg_backend_pid() AND datname = current_database()`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed == 0 {
		t.Fatal("found no listening connection to end")
	}
	// Stored on another handle while the listener may be down.
	other, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.AppendNotifications(t.Context(), []store.Notification{item("after-kill", time.Now().UTC())}); err != nil {
		t.Fatal(err)
	}
	got := collect(t, "after the listener was killed", sub, 1)
	if len(got) != 1 {
		t.Fatalf("got %v", got)
	}
	waitFor(t, "listening again", a.b.Listening)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s after 20 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
