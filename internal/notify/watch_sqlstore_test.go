package notify

import (
	"context"
	"sync"

	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

// sqlStore is the console's real store (SQLite) as the tests see it:
// items are appended through the group-commit sink, as in the console,
// counted, and read back page by page.
type sqlStore struct {
	*sqlite.Store
	sink *GroupSink

	mu            sync.Mutex
	offered, dups int
	fail          int
}

func (s *sqlStore) Append(ctx context.Context, items []store.Notification) ([]store.Notification, error) {
	s.mu.Lock()
	if s.fail > 0 {
		s.fail--
		s.mu.Unlock()
		return nil, errAppendFailed
	}
	s.mu.Unlock()
	out, err := s.sink.Append(ctx, items)
	if err == nil {
		s.mu.Lock()
		s.offered += len(items)
		s.dups += len(items) - len(out)
		s.mu.Unlock()
	}
	return out, err
}

func (s *sqlStore) itemsOf(feed string) []store.Notification {
	var out []store.Notification
	after := store.FromStart
	for {
		page, err := s.ListNotifications(context.Background(), store.NotificationFilter{Feed: feed, AfterSeq: after, Limit: store.MaxNotificationLimit})
		if err != nil {
			panic(err)
		}
		out = append(out, page...)
		if len(page) < store.MaxNotificationLimit {
			return out
		}
		after = page[len(page)-1].Seq
	}
}

func (s *sqlStore) counts() (offered, dups int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.offered, s.dups
}

func (s *sqlStore) failAppends(n int) {
	s.mu.Lock()
	s.fail = n
	s.mu.Unlock()
}
