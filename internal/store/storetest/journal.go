package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

// The journal's part of the live suite (store/journal.go). Beyond the
// interface's comments, it requires:
//   - IndexJournal stores exactly what AppendNotifications would have
//     stored for the same items (every field; duplicates of stored items,
//     or of earlier items in the journal, left out), in journal order,
//     with Seq continuing the notifications' sequence;
//   - an entry is indexed once: IndexJournal removes what it stored, and
//     the backlog counts the items left;
//   - DeleteNotificationsBefore removes journal entries received before t
//     and counts their items.

func mustJournal(t *testing.T, s Live, batches ...[]store.Notification) {
	t.Helper()
	if stored, read, err := s.AppendJournal(t.Context(), batches, 0); err != nil || stored != nil || read != 0 {
		t.Fatalf("AppendJournal(%d entries, 0) = %v, %d, %v", len(batches), stored, read, err)
	}
}

func mustIndex(t *testing.T, s Live, maxItems int) ([]store.Notification, int) {
	t.Helper()
	stored, read, err := s.IndexJournal(t.Context(), maxItems)
	if err != nil {
		t.Fatalf("IndexJournal(%d): %v", maxItems, err)
	}
	for _, n := range stored {
		wantUTC(t, "IndexJournal", n.ReceivedAt, n.Version)
	}
	return stored, read
}

func wantBacklog(t *testing.T, s Live, want int64) {
	t.Helper()
	if n, err := s.JournalBacklog(t.Context()); err != nil || n != want {
		t.Errorf("JournalBacklog = %d, %v; want %d", n, err, want)
	}
}

// wantOldest checks JournalOldest (the zero time: nothing waits).
func wantOldest(t *testing.T, s Live, want time.Time) {
	t.Helper()
	if got, err := s.JournalOldest(t.Context()); err != nil || !got.Equal(want) || (!got.IsZero() && got.Location() != time.UTC) {
		t.Errorf("JournalOldest = %v, %v; want %v (UTC)", got, err, want)
	}
}

func testJournal(t *testing.T, s Live) {
	wantBacklog(t, s, 0)
	wantOldest(t, s, time.Time{})
	if stored, read := mustIndex(t, s, 100); len(stored) != 0 || read != 0 {
		t.Errorf("IndexJournal of an empty journal = %v, %d", stored, read)
	}
	// Every field survives the journal, as AppendNotifications keeps it.
	a, b, c := newNotification("a"), newNotification("b"), newNotification("c")
	b.Source, b.ChangeType, b.LifecycleEvent = store.SourceLifecycle, "", "reauthorizationRequired"
	b.Changes, b.Raw = nil, nil
	c.Source, c.Version, c.Shared = store.SourceWatch, at(-time.Minute).Add(123*time.Nanosecond), true
	a.ReceivedAt = a.ReceivedAt.Add(789 * time.Nanosecond)
	c.ReceivedAt = c.ReceivedAt.Add(time.Second)
	d := newNotification("d")
	d.ReceivedAt = d.ReceivedAt.Add(2 * time.Second)
	before := mustAppend(t, s, newNotification("z"))
	dupOfStored := newNotification("z")
	dupOfStored.Title = "again"
	mustJournal(t, s, []store.Notification{a, b}, []store.Notification{c, dupOfStored, newNotification("a")})
	mustJournal(t, s, []store.Notification{d})
	wantBacklog(t, s, 6)
	// An entry's receipt is its first item's.
	wantOldest(t, s, a.ReceivedAt.Truncate(time.Microsecond))
	// At least one entry, even over maxItems.
	first, read := mustIndex(t, s, 1)
	if read != 2 || !slices.Equal(notificationIDs(first), []string{"a", "b"}) {
		t.Fatalf("IndexJournal(1) = %v, read %d; want [a b], read 2 (the first entry whole)", notificationIDs(first), read)
	}
	wantBacklog(t, s, 4)
	wantOldest(t, s, c.ReceivedAt.Truncate(time.Microsecond))
	// Entries whole, while they fit: the second (3 items) fits in 3, the third does not.
	second, read := mustIndex(t, s, 3)
	if read != 3 || !slices.Equal(notificationIDs(second), []string{"c"}) {
		t.Fatalf("IndexJournal(3) = %v, read %d; want [c] (z and a are duplicates), read 3", notificationIDs(second), read)
	}
	wantOldest(t, s, d.ReceivedAt.Truncate(time.Microsecond))
	third, read := mustIndex(t, s, 100)
	if read != 1 || !slices.Equal(notificationIDs(third), []string{"d"}) {
		t.Fatalf("IndexJournal(100) = %v, read %d; want [d], read 1", notificationIDs(third), read)
	}
	wantBacklog(t, s, 0)
	wantOldest(t, s, time.Time{})
	if stored, read := mustIndex(t, s, 100); len(stored) != 0 || read != 0 {
		t.Errorf("IndexJournal after draining = %v, %d", notificationIDs(stored), read)
	}
	got := slices.Concat(before, first, second, third)
	for i := 1; i < len(got); i++ {
		if got[i].Seq <= got[i-1].Seq {
			t.Errorf("Seq %d after %d: want increasing", got[i].Seq, got[i-1].Seq)
		}
	}
	// What AppendNotifications stores for the same items, in another store
	// state: compare everything but Seq.
	want := []store.Notification{a, b, c}
	want[0].ReceivedAt = want[0].ReceivedAt.Truncate(time.Microsecond)
	want[2].Version = want[2].Version.Truncate(time.Microsecond)
	for i := range want {
		want[i].Seq = got[1+i].Seq
	}
	if diff := cmp.Diff(want, got[1:4], cmpOpts); diff != "" {
		t.Errorf("IndexJournal stored (-want +got):\n%s", diff)
	}
	listed := mustList(t, s, store.NotificationFilter{AfterSeq: store.FromStart})
	if diff := cmp.Diff(got, listed, cmpOpts); diff != "" {
		t.Errorf("ListNotifications after indexing (-want +got):\n%s", diff)
	}
	if listed[0].Title != before[0].Title {
		t.Errorf("the journal's duplicate replaced z: title %q", listed[0].Title)
	}
	// Appends and indexing share one sequence.
	mustJournal(t, s, []store.Notification{newNotification("e")})
	direct := mustAppend(t, s, newNotification("f"))
	late, _ := mustIndex(t, s, 100)
	if len(late) != 1 || late[0].Seq <= direct[0].Seq {
		t.Errorf("indexed after an append: %+v, want Seq after %d", late, direct[0].Seq)
	}
}

// testJournalAppendAndIndex: one call appends and indexes, oldest
// entries first, the ones it appends included.
func testJournalAppendAndIndex(t *testing.T, s Live) {
	mustJournal(t, s, []store.Notification{newNotification("a"), newNotification("b")})
	stored, read, err := s.AppendJournal(t.Context(), [][]store.Notification{{newNotification("c")}, {newNotification("a"), newNotification("d")}}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if read != 3 || !slices.Equal(notificationIDs(stored), []string{"a", "b", "c"}) {
		t.Errorf("AppendJournal(…, 3) = %v, read %d; want [a b c] (the old entry and the first new one), read 3", notificationIDs(stored), read)
	}
	wantBacklog(t, s, 2)
	stored, read, err = s.AppendJournal(t.Context(), [][]store.Notification{{newNotification("e")}}, 100)
	if err != nil {
		t.Fatal(err)
	}
	if read != 3 || !slices.Equal(notificationIDs(stored), []string{"d", "e"}) {
		t.Errorf("AppendJournal(…, 100) = %v, read %d; want [d e] (a is a duplicate), read 3", notificationIDs(stored), read)
	}
	wantBacklog(t, s, 0)
	if ids := notificationIDs(mustList(t, s, store.NotificationFilter{AfterSeq: store.FromStart})); !slices.Equal(ids, []string{"a", "b", "c", "d", "e"}) {
		t.Errorf("stored %v", ids)
	}
}

func testJournalInvalid(t *testing.T, s Live) {
	tooLong := newNotification("x")
	tooLong.ID = string(make([]byte, store.MaxKeyBytes+1))
	for _, tt := range []struct {
		name    string
		batches [][]store.Notification
	}{
		{"empty entry", [][]store.Notification{{newNotification("ok")}, {}}},
		{"invalid item", [][]store.Notification{{newNotification("ok")}, {newNotification("ok2"), tooLong}}},
		{"no feed", [][]store.Notification{{{ID: "nofeed", Source: store.SourceWebhook, ReceivedAt: at(0)}}}},
		{"too many", [][]store.Notification{make([]store.Notification, store.MaxAppendBatch+1)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.AppendJournal(t.Context(), tt.batches, 100)
			if !errors.Is(err, store.ErrInvalid) {
				t.Errorf("AppendJournal = %v, want ErrInvalid", err)
			}
			wantBacklog(t, s, 0)
		})
	}
	if stored, read, err := s.AppendJournal(t.Context(), nil, 0); err != nil || stored != nil || read != 0 {
		t.Errorf("AppendJournal(nil, 0) = %v, %d, %v", stored, read, err)
	}
}

func testJournalRetention(t *testing.T, s Live) {
	var old []store.Notification
	for i := range 5 {
		n := newNotification(fmt.Sprint("old-", i))
		n.ReceivedAt = at(-time.Hour)
		old = append(old, n)
	}
	edge := newNotification("edge")
	mustJournal(t, s, old[:2], old[2:], []store.Notification{edge})
	n, err := s.DeleteNotificationsBefore(t.Context(), at(0))
	if err != nil || n != 5 {
		t.Errorf("DeleteNotificationsBefore = %d, %v; want the 5 journaled items before the cut-off", n, err)
	}
	wantBacklog(t, s, 1)
	stored, read := mustIndex(t, s, 100)
	if read != 1 || !slices.Equal(notificationIDs(stored), []string{"edge"}) {
		t.Errorf("after retention, IndexJournal = %v, read %d; want [edge]", notificationIDs(stored), read)
	}
}

// testJournalConcurrent appends entries from several goroutines while
// another indexes: every item is indexed exactly once.
func testJournalConcurrent(t *testing.T, s Live) {
	const writers, entries, per = 4, 20, 3
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			for e := range entries {
				var batch []store.Notification
				for i := range per {
					batch = append(batch, newNotification(fmt.Sprintf("w%d-%d-%d", w, e, i)))
				}
				if _, _, err := s.AppendJournal(t.Context(), [][]store.Notification{batch}, 0); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	seen := map[string]int{}
	index := func() {
		stored, _ := mustIndex(t, s, 7)
		for _, n := range stored {
			seen[n.ID]++
		}
	}
	for range writers {
		for done := false; !done; {
			select {
			case err := <-errs:
				if err != nil {
					t.Fatal(err)
				}
				done = true
			default:
				index()
			}
		}
	}
	for {
		n, err := s.JournalBacklog(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		index()
	}
	if len(seen) != writers*entries*per {
		t.Errorf("indexed %d distinct items, want %d", len(seen), writers*entries*per)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s indexed %d times", id, n)
		}
	}
}
