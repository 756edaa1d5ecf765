package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// RunShared runs the suite of two stores opened on one database, as two
// console replicas are: open must return two stores on one new, empty
// database (two SQLite handles on one file, two PostgreSQL pools on one
// schema). What one writes the other reads, and every "exactly once" of
// the interfaces holds across the two: a webhook delivered to both
// replicas is stored once, a form claimed on both is applied once, a
// sign-in's state and a flash are taken once.
func RunShared(t *testing.T, open func(t *testing.T) (a, b store.Console)) {
	t.Run("SessionSeenByTheOther", func(t *testing.T) {
		a, b := open(t)
		sess := newSession("shared")
		mustCreateSession(t, a, sess)
		if _, err := b.Session(t.Context(), sess.ID, at(time.Minute)); err != nil {
			t.Fatalf("the other store: %v", err)
		}
		if err := b.DeleteSession(t.Context(), sess.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Session(t.Context(), sess.ID, at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a session ended on the other store: %v, want ErrNotFound", err)
		}
	})
	t.Run("WebhookStoredOnce", func(t *testing.T) { testSharedWebhooks(t, open) })
	t.Run("FormClaimedOnce", func(t *testing.T) {
		a, b := open(t)
		got := contend(t, a, b, func(s store.Console) error {
			_, err := s.ClaimForm(t.Context(), newForm("form", "sess"), 10)
			if errors.Is(err, store.ErrConflict) {
				return errSecond
			}
			return err
		})
		if got != 1 {
			t.Errorf("%d claims of one form succeeded across two stores, want 1", got)
		}
	})
	t.Run("LoginFlowTakenOnce", func(t *testing.T) {
		a, b := open(t)
		mustCreateFlow(t, a, newFlow("state"))
		got := contend(t, a, b, func(s store.Console) error {
			_, err := s.TakeLoginFlow(t.Context(), "state", at(time.Minute))
			if errors.Is(err, store.ErrNotFound) {
				return errSecond
			}
			return err
		})
		if got != 1 {
			t.Errorf("a sign-in's state was taken %d times across two stores, want 1", got)
		}
	})
	t.Run("TokenTakenOnce", func(t *testing.T) {
		a, b := open(t)
		mustPutToken(t, a, newToken("flash", "flash", "sess", 0), 20)
		if _, err := b.Token(t.Context(), "flash", at(time.Minute)); err != nil {
			t.Fatalf("a token put on one store, read on the other: %v", err)
		}
		got := contend(t, a, b, func(s store.Console) error {
			_, err := s.TakeToken(t.Context(), "flash", at(time.Minute))
			if errors.Is(err, store.ErrNotFound) {
				return errSecond
			}
			return err
		})
		if got != 1 {
			t.Errorf("a token was taken %d times across two stores, want 1", got)
		}
	})
}

// errSecond marks the expected refusal of all but one contender.
var errSecond = errors.New("not first")

// contend runs op on both stores, four times each, at once, and returns
// how many calls succeeded; errors other than errSecond fail the test.
func contend(t *testing.T, a, b store.Console, op func(store.Console) error) int {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	start := make(chan struct{})
	for i := range 8 {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			<-start
			err := op(s)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				won++
			case !errors.Is(err, errSecond):
				t.Errorf("store %d: %v", i%2, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return won
}

// testSharedWebhooks delivers every notification to both stores at once,
// as Graph does when a retried delivery reaches another replica: each is
// stored once, and the two stores' answers together list each once.
func testSharedWebhooks(t *testing.T, open func(t *testing.T) (a, b store.Console)) {
	a, b := open(t)
	const rounds, batch = 20, 5
	var wg sync.WaitGroup
	stored := make([][]store.Notification, 2)
	for i, s := range []store.Console{a, b} {
		wg.Go(func() {
			for r := range rounds {
				items := make([]store.Notification, batch)
				for j := range items {
					// The two replicas see the batch in opposite orders.
					k := j
					if i == 1 {
						k = batch - 1 - j
					}
					items[j] = newNotification(fmt.Sprintf("n-%02d-%d", r, k))
				}
				got, err := s.AppendNotifications(t.Context(), items)
				if err != nil {
					t.Errorf("store %d: %v", i, err)
					return
				}
				stored[i] = append(stored[i], got...)
			}
		})
	}
	wg.Wait()
	ids := append(notificationIDs(stored[0]), notificationIDs(stored[1])...)
	slices.Sort(ids)
	if len(ids) != rounds*batch || len(slices.Compact(slices.Clone(ids))) != rounds*batch {
		t.Errorf("the two stores stored %d items (%d distinct), want each of %d once", len(ids), len(slices.Compact(ids)), rounds*batch)
	}
	for i, s := range []store.Console{a, b} {
		all := mustList(t, s, store.NotificationFilter{Limit: 1000})
		if len(all) != rounds*batch {
			t.Errorf("store %d lists %d items, want %d", i, len(all), rounds*batch)
		}
	}
}
