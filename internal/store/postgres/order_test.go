package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/pgtest"
)

// TestAppendsVisibleInSeqOrder: an append that drew a Seq and has not
// committed holds back every later append (another replica's included),
// so no reader can see Seq n+1 while n may still appear: the live stream's
// "after n" reads never skip an item that commits late.
func TestAppendsVisibleInSeqOrder(t *testing.T) {
	dsn, admin := pgtest.Fresh(t)
	s := openStore(t, dsn)
	ctx := t.Context()
	note := func(id string) store.Notification {
		return store.Notification{ID: id, Source: store.SourceWebhook, Feed: "f", Resource: "security/alerts/" + id,
			ResourceID: id, ReceivedAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	}
	// Replica A's append, stopped before its commit.
	a, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	// The store's connections carry the test schema's application_name.
	var app string
	if err := a.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&app); err != nil {
		t.Fatal(err)
	}
	tx, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", appendLock); err != nil {
		t.Fatal(err)
	}
	n := note("first")
	var first int64
	if err := tx.QueryRow(ctx, insertNotification, n.ID, string(n.Source), n.Feed, n.Owner, n.Shared, n.ChangeType, n.LifecycleEvent,
		n.Resource, n.ResourceID, nil, n.Title, []byte{}, []byte{}, n.ReceivedAt, store.SearchText(n)).Scan(&first); err != nil {
		t.Fatal(err)
	}
	// Replica B appends meanwhile: it waits for A.
	type result struct {
		got []store.Notification
		err error
	}
	done := make(chan result, 1)
	go func() {
		got, err := s.AppendNotifications(ctx, []store.Notification{note("second")})
		done <- result{got, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'
			AND wait_event = 'advisory' AND application_name = $1`, app).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case r := <-done:
			t.Fatalf("B's append returned (%v, %v) while A's was open", r.got, r.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("B's append never waited for A's")
		}
		time.Sleep(5 * time.Millisecond)
	}
	visible, err := s.ListNotifications(ctx, store.NotificationFilter{AfterSeq: store.FromStart, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(visible) != 0 {
		t.Fatalf("visible while A is open: %v", visible)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || len(r.got) != 1 {
		t.Fatalf("B's append: %v, %v", r.got, r.err)
	}
	if r.got[0].Seq <= first {
		t.Errorf("B's Seq %d is not after A's %d", r.got[0].Seq, first)
	}
	visible, err = s.ListNotifications(ctx, store.NotificationFilter{AfterSeq: store.FromStart, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(visible) != 2 || visible[0].ID != "first" || visible[1].ID != "second" {
		t.Errorf("visible after both: %v", visible)
	}
}
