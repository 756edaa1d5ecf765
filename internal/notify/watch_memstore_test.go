package notify

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// memstore is an in-memory fake of live.go's interfaces (Feeds,
// Checkpoints, Notifications) and of the Sink, held to their contract:
// unique notification ids (duplicates left out, not an error), Seq
// assigned in order, a feed's checkpoint deleted with it. It also counts
// what it was offered, so tests can tell store de-duplication from the
// watcher's own.
type memstore struct {
	mu      sync.Mutex
	feeds   map[string]store.Feed
	cps     map[string]store.Checkpoint
	items   []store.Notification
	ids     map[string]bool
	seq     int64
	offered int // items offered to Append
	dups    int // of which already stored
	// failAppend, when set, fails the next Append calls.
	failAppend int
	// saves counts checkpoint saves.
	saves int
}

func newMemstore() *memstore {
	return &memstore{feeds: map[string]store.Feed{}, cps: map[string]store.Checkpoint{}, ids: map[string]bool{}}
}

var errAppendFailed = &appendError{}

type appendError struct{}

func (*appendError) Error() string { return "memstore: disk full (injected)" }

func (m *memstore) Append(ctx context.Context, items []store.Notification) ([]store.Notification, error) {
	return m.AppendNotifications(ctx, items)
}

func (m *memstore) AppendNotifications(_ context.Context, items []store.Notification) ([]store.Notification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failAppend > 0 {
		m.failAppend--
		return nil, errAppendFailed
	}
	var out []store.Notification
	for _, it := range items {
		m.offered++
		if m.ids[it.ID] {
			m.dups++
			continue
		}
		m.ids[it.ID] = true
		m.seq++
		it.Seq = m.seq
		m.items = append(m.items, it)
		out = append(out, it)
	}
	return out, nil
}

func (m *memstore) ListNotifications(_ context.Context, f store.NotificationFilter) ([]store.Notification, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Notification
	match := func(n store.Notification) bool {
		return (f.AfterSeq == 0 || n.Seq > f.AfterSeq) && (f.BeforeSeq == 0 || n.Seq < f.BeforeSeq) &&
			(f.Source == "" || n.Source == f.Source) && (f.Feed == "" || n.Feed == f.Feed) &&
			(f.Q == "" || strings.Contains(strings.ToLower(n.ResourceID+" "+n.ID+" "+n.Title), strings.ToLower(f.Q)))
	}
	if f.AfterSeq > 0 {
		for _, n := range m.items {
			if match(n) {
				out = append(out, n)
			}
		}
	} else {
		for i := len(m.items) - 1; i >= 0; i-- {
			if match(m.items[i]) {
				out = append(out, m.items[i])
			}
		}
	}
	if f.Limit > 0 && len(out) > f.Limit {
		out = out[:f.Limit]
	}
	return out, nil
}

func (m *memstore) DeleteNotificationsBefore(_ context.Context, t time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.items)
	m.items = slices.DeleteFunc(m.items, func(x store.Notification) bool { return x.ReceivedAt.Before(t) })
	return int64(n - len(m.items)), nil
}

func (m *memstore) CreateFeed(_ context.Context, f store.Feed) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.feeds[f.ID]; ok {
		return store.ErrConflict
	}
	m.feeds[f.ID] = f
	return nil
}

func (m *memstore) UpdateFeed(_ context.Context, f store.Feed) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.feeds[f.ID]; !ok {
		return store.ErrNotFound
	}
	m.feeds[f.ID] = f
	return nil
}

func (m *memstore) Feed(_ context.Context, id string) (store.Feed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f, ok := m.feeds[id]
	if !ok {
		return store.Feed{}, store.ErrNotFound
	}
	return f, nil
}

func (m *memstore) FeedByGraphID(_ context.Context, graphID string) (store.Feed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.feeds {
		if f.GraphID != "" && strings.EqualFold(f.GraphID, graphID) {
			return f, nil
		}
	}
	return store.Feed{}, store.ErrNotFound
}

func (m *memstore) ListFeeds(_ context.Context, ff store.FeedFilter) ([]store.Feed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Feed
	for _, f := range m.feeds {
		if (ff.Kind == "" || f.Kind == ff.Kind) && (ff.Viewer == "" || f.Owner == ff.Viewer || f.Shared) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b store.Feed) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}

func (m *memstore) DeleteFeed(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.feeds, id)
	delete(m.cps, id)
	return nil
}

func (m *memstore) Checkpoint(_ context.Context, feed string) (store.Checkpoint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.cps[feed]
	if !ok {
		return store.Checkpoint{}, store.ErrNotFound
	}
	c.IDs = slices.Clone(c.IDs)
	return c, nil
}

func (m *memstore) SaveCheckpoint(_ context.Context, c store.Checkpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c.IDs = slices.Clone(c.IDs)
	m.cps[c.Feed] = c
	m.saves++
	return nil
}

// testStore is what the tests need of a store: live.go's interfaces,
// the Sink, and a look at what it holds and was offered. memstore is
// one; the real SQLite store, wrapped, another.
type testStore interface {
	Sink
	store.Feeds
	store.Checkpoints
	store.Notifications
	// itemsOf returns the items stored for feed, oldest first.
	itemsOf(feed string) []store.Notification
	// counts reports the items offered to Append and the duplicates
	// among them.
	counts() (offered, dups int)
	// failAppends makes the next n Append calls fail.
	failAppends(n int)
}

// versionsOf returns, per object id, the versions stored for feed.
func versionsOf(st testStore, feed string) map[string][]time.Time {
	out := map[string][]time.Time{}
	for _, n := range st.itemsOf(feed) {
		out[n.ResourceID] = append(out[n.ResourceID], n.Version)
	}
	return out
}

func (m *memstore) failAppends(n int) {
	m.mu.Lock()
	m.failAppend = n
	m.mu.Unlock()
}

func (m *memstore) itemsOf(feed string) []store.Notification {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []store.Notification
	for _, n := range m.items {
		if n.Feed == feed {
			out = append(out, n)
		}
	}
	return out
}

func (m *memstore) counts() (offered, dups int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.offered, m.dups
}
