package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

// Live is what the live-alerts suite needs: the three aggregates of
// store/live.go, which both implementations provide.
type Live interface {
	store.Notifications
	store.Feeds
	store.Checkpoints
	store.Journal
	store.Enrichments
}

// RunLive runs the suite of the live-alerts aggregates and the journal
// (journal.go). open must return a
// new, empty store each time, as for Run.
//
// Beyond the interfaces' comments, it requires:
//   - Seq increases across appends and is never reused, not even after
//     retention has deleted the newest items; appends commit in Seq order,
//     so a reader that follows "AfterSeq = the last Seq seen" while others
//     append sees every item exactly once.
//   - An item whose ID is stored, or appears earlier in the same batch, is
//     left out of the result and changes nothing; an invalid item refuses
//     the whole batch (store.ErrInvalid) and stores nothing.
//   - Viewer selects the items (and feeds) the viewer owns and the shared
//     ones; Q matches a substring of ID, ResourceID or Title without regard
//     to case (in every script: both stores fold with Go's strings.ToLower);
//     Limit follows DefaultNotificationLimit and MaxNotificationLimit.
//   - DeleteNotificationsBefore removes exactly the items received before t
//     (not at t), however many.
//   - Zero times (Version, ExpiresAt, LastItemAt) read back as zero.
//   - Feeds: ErrConflict for a taken id or Graph subscription id (watches
//     have none, and any number of them may leave it empty); FeedByGraphID
//     of "" is ErrNotFound; ListFeeds is oldest first (CreatedAt, then id).
//   - SaveCheckpoint of a feed that does not exist is ErrNotFound;
//     DeleteFeed removes the checkpoint.
func RunLive(t *testing.T, open func(t *testing.T) Live) {
	t.Run("AppendAndList", func(t *testing.T) { testAppendAndList(t, open(t)) })
	t.Run("Duplicates", func(t *testing.T) { testDuplicates(t, open(t)) })
	t.Run("InvalidBatch", func(t *testing.T) { testInvalidBatch(t, open(t)) })
	t.Run("Filters", func(t *testing.T) { testNotificationFilters(t, open(t)) })
	t.Run("Paging", func(t *testing.T) { testNotificationPaging(t, open(t)) })
	t.Run("Limits", func(t *testing.T) { testNotificationLimits(t, open(t)) })
	t.Run("Retention", func(t *testing.T) { testRetention(t, open(t)) })
	t.Run("SeqNotReused", func(t *testing.T) { testSeqNotReused(t, open(t)) })
	t.Run("ConcurrentAppendsNoGaps", func(t *testing.T) { testConcurrentAppends(t, open(t)) })
	t.Run("Feeds", func(t *testing.T) { testFeeds(t, open(t)) })
	t.Run("ListFeeds", func(t *testing.T) { testListFeeds(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) { testCheckpoints(t, open(t)) })
	t.Run("LiveCancelledContext", func(t *testing.T) { testLiveCancelled(t, open(t)) })
	t.Run("Journal", func(t *testing.T) { testJournal(t, open(t)) })
	t.Run("JournalAppendAndIndex", func(t *testing.T) { testJournalAppendAndIndex(t, open(t)) })
	t.Run("JournalInvalid", func(t *testing.T) { testJournalInvalid(t, open(t)) })
	t.Run("JournalRetention", func(t *testing.T) { testJournalRetention(t, open(t)) })
	t.Run("JournalConcurrent", func(t *testing.T) { testJournalConcurrent(t, open(t)) })
	t.Run("Enrich", func(t *testing.T) { testEnrich(t, open(t)) })
	t.Run("EnrichInvalid", func(t *testing.T) { testEnrichInvalid(t, open(t)) })
	t.Run("EnrichCancelled", func(t *testing.T) { testEnrichCancelled(t, open(t)) })
}

func newNotification(id string) store.Notification {
	return store.Notification{
		ID:         id,
		Source:     store.SourceWebhook,
		Feed:       "feed-1",
		Owner:      "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b",
		ChangeType: "updated",
		Resource:   "security/alerts/" + id,
		ResourceID: "alert-" + id,
		Title:      "Suspicious sign-in " + id,
		Changes:    []byte(`{"status":{"from":"newAlert","to":"inProgress"}}`),
		Raw:        []byte(`{"id":"` + id + `","changeType":"updated"}`),
		ReceivedAt: at(0),
	}
}

func mustAppend(t *testing.T, s Live, items ...store.Notification) []store.Notification {
	t.Helper()
	got, err := s.AppendNotifications(t.Context(), items)
	if err != nil {
		t.Fatalf("AppendNotifications(%d items): %v", len(items), err)
	}
	return got
}

// StoredIDs reads every notification in st, page by page in Seq order,
// and returns how many times each id is stored; it fails tb on an error.
func StoredIDs(tb testing.TB, st store.Notifications) map[string]int {
	tb.Helper()
	ids := map[string]int{}
	for last := store.FromStart; ; {
		page, err := st.ListNotifications(tb.Context(), store.NotificationFilter{AfterSeq: last, Limit: store.MaxNotificationLimit})
		if err != nil {
			tb.Fatal(err)
		}
		if len(page) == 0 {
			return ids
		}
		for _, n := range page {
			ids[n.ID]++
		}
		last = page[len(page)-1].Seq
	}
}

func mustList(t *testing.T, s Live, f store.NotificationFilter) []store.Notification {
	t.Helper()
	got, err := s.ListNotifications(t.Context(), f)
	if err != nil {
		t.Fatalf("ListNotifications(%+v): %v", f, err)
	}
	for _, n := range got {
		wantUTC(t, "ListNotifications", n.ReceivedAt, n.Version)
	}
	return got
}

func notificationIDs(items []store.Notification) []string {
	out := make([]string, len(items))
	for i, n := range items {
		out[i] = n.ID
	}
	return out
}

func testAppendAndList(t *testing.T, s Live) {
	a, b, c := newNotification("a"), newNotification("b"), newNotification("c")
	b.Source, b.ChangeType, b.LifecycleEvent = store.SourceLifecycle, "", "reauthorizationRequired"
	b.Changes, b.Raw = nil, nil
	c.Source, c.Version, c.Shared = store.SourceWatch, at(-time.Minute), true
	got := mustAppend(t, s, a, b, c)
	if len(got) != 3 {
		t.Fatalf("AppendNotifications stored %d items, want 3", len(got))
	}
	for i, n := range got {
		if n.Seq <= 0 || (i > 0 && n.Seq <= got[i-1].Seq) {
			t.Errorf("item %d has Seq %d after %v: want increasing, positive", i, n.Seq, got)
		}
		wantUTC(t, "AppendNotifications", n.ReceivedAt, n.Version)
	}
	want := []store.Notification{a, b, c}
	for i := range want {
		want[i].Seq = got[i].Seq
	}
	if diff := cmp.Diff(want, got, cmpOpts); diff != "" {
		t.Errorf("AppendNotifications returned (-want +got):\n%s", diff)
	}
	if !got[0].Version.IsZero() || !got[1].Version.IsZero() {
		t.Errorf("zero Version came back as %v, %v", got[0].Version, got[1].Version)
	}
	// Newest first without AfterSeq; exactly what the append returned.
	newest := mustList(t, s, store.NotificationFilter{})
	if diff := cmp.Diff([]store.Notification{got[2], got[1], got[0]}, newest, cmpOpts); diff != "" {
		t.Errorf("ListNotifications (-want +got):\n%s", diff)
	}
	if !newest[1].Version.IsZero() || newest[1].Changes != nil || newest[1].Raw != nil {
		t.Errorf("lifecycle item read back with Version %v, Changes %q, Raw %q; want zero, nil, nil",
			newest[1].Version, newest[1].Changes, newest[1].Raw)
	}
	// Oldest first after a Seq.
	after := mustList(t, s, store.NotificationFilter{AfterSeq: got[0].Seq})
	if ids := notificationIDs(after); !slices.Equal(ids, []string{"b", "c"}) {
		t.Errorf("ListNotifications after %d = %v, want [b c]", got[0].Seq, ids)
	}
	// A later append continues the sequence.
	more := mustAppend(t, s, newNotification("d"))
	if len(more) != 1 || more[0].Seq <= got[2].Seq {
		t.Errorf("second append: %+v, want one item after Seq %d", more, got[2].Seq)
	}
	// An empty append is nothing.
	if none, err := s.AppendNotifications(t.Context(), nil); err != nil || len(none) != 0 {
		t.Errorf("AppendNotifications(nil) = %v, %v", none, err)
	}
}

func testDuplicates(t *testing.T, s Live) {
	first := mustAppend(t, s, newNotification("a"), newNotification("b"))
	// Across batches: b again, with other content, is left out and does
	// not replace the stored one.
	b2 := newNotification("b")
	b2.Title = "changed"
	got := mustAppend(t, s, b2, newNotification("c"))
	if ids := notificationIDs(got); !slices.Equal(ids, []string{"c"}) {
		t.Errorf("append of b (stored) and c stored %v, want [c]", ids)
	}
	// Within one batch: the first of two items with one ID is stored.
	d1, d2 := newNotification("d"), newNotification("d")
	d1.Title, d2.Title = "first", "second"
	got = mustAppend(t, s, d1, d2, newNotification("e"), d2)
	if ids := notificationIDs(got); !slices.Equal(ids, []string{"d", "e"}) {
		t.Errorf("append of d, d, e, d stored %v, want [d e]", ids)
	}
	// A batch of duplicates only stores nothing.
	if got := mustAppend(t, s, newNotification("a"), newNotification("e")); len(got) != 0 {
		t.Errorf("append of stored items stored %v", notificationIDs(got))
	}
	all := mustList(t, s, store.NotificationFilter{Limit: 100})
	if ids := notificationIDs(all); !slices.Equal(ids, []string{"e", "d", "c", "b", "a"}) {
		t.Errorf("stored %v, want [e d c b a]", ids)
	}
	for _, n := range all {
		switch n.ID {
		case "b":
			if n.Title != first[1].Title || n.Seq != first[1].Seq {
				t.Errorf("b was replaced: %q Seq %d", n.Title, n.Seq)
			}
		case "d":
			if n.Title != "first" {
				t.Errorf("d has title %q, want the first's", n.Title)
			}
		}
	}
}

func testInvalidBatch(t *testing.T, s Live) {
	bad := []struct {
		name string
		edit func(*store.Notification)
	}{
		{"empty id", func(n *store.Notification) { n.ID = "" }},
		{"no source", func(n *store.Notification) { n.Source = "" }},
		{"no feed", func(n *store.Notification) { n.Feed = "" }},
		{"NUL in title", func(n *store.Notification) { n.Title = "a\x00b" }},
		{"invalid UTF-8 resource", func(n *store.Notification) { n.Resource = "\xff" }},
		{"long id", func(n *store.Notification) { n.ID = strings.Repeat("i", 64<<10+1) }},
		{"received in year 10000", func(n *store.Notification) { n.ReceivedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
		{"huge raw", func(n *store.Notification) { n.Raw = make([]byte, 16<<20+1) }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			n := newNotification("bad")
			tt.edit(&n)
			_, err := s.AppendNotifications(t.Context(), []store.Notification{newNotification("good-" + tt.name), n})
			wantSentinelFree(t, "AppendNotifications", err)
		})
	}
	if got := mustList(t, s, store.NotificationFilter{}); len(got) != 0 {
		t.Errorf("refused batches stored %v", notificationIDs(got))
	}
	// A megabyte of raw body is fine.
	big := newNotification("big")
	big.Raw = pattern(1 << 20)
	mustAppend(t, s, big)
	got := mustList(t, s, store.NotificationFilter{})
	if len(got) != 1 || !cmp.Equal(got[0].Raw, big.Raw, cmpOpts) {
		t.Errorf("1 MiB Raw did not round-trip")
	}
}

func testNotificationFilters(t *testing.T, s Live) {
	const alice, bob = "alice-oid", "bob-oid"
	mk := func(id, owner string, shared bool, source store.Source, feed, resourceID, title string) store.Notification {
		n := newNotification(id)
		n.Owner, n.Shared, n.Source, n.Feed, n.ResourceID, n.Title = owner, shared, source, feed, resourceID, title
		return n
	}
	items := []store.Notification{
		mk("n1", alice, false, store.SourceWebhook, "fa", "da637", "Suspicious PowerShell"),
		mk("n2", bob, false, store.SourceWebhook, "fb", "DA638", "Mass download"),
		mk("n3", bob, true, store.SourceWatch, "fs", "inc-42", "Ransomware ÉTÉ"),
		mk("n4", alice, false, store.SourceLifecycle, "fa", "", ""),
		mk("N5-Upper", "", true, store.SourceWatch, "fs", "x", "Übersicht"),
	}
	mustAppend(t, s, items...)
	tests := []struct {
		name string
		f    store.NotificationFilter
		want []string // newest first
	}{
		{"everything", store.NotificationFilter{}, []string{"N5-Upper", "n4", "n3", "n2", "n1"}},
		{"alice sees hers and shared", store.NotificationFilter{Viewer: alice}, []string{"N5-Upper", "n4", "n3", "n1"}},
		{"bob sees his and shared", store.NotificationFilter{Viewer: bob}, []string{"N5-Upper", "n3", "n2"}},
		{"a stranger sees shared", store.NotificationFilter{Viewer: "eve"}, []string{"N5-Upper", "n3"}},
		{"source", store.NotificationFilter{Source: store.SourceWatch}, []string{"N5-Upper", "n3"}},
		{"source and viewer", store.NotificationFilter{Source: store.SourceWebhook, Viewer: alice}, []string{"n1"}},
		{"feed", store.NotificationFilter{Feed: "fa"}, []string{"n4", "n1"}},
		{"unknown feed", store.NotificationFilter{Feed: "nope"}, nil},
		{"q on title, other case", store.NotificationFilter{Q: "powershell"}, []string{"n1"}},
		{"q on resource id, other case", store.NotificationFilter{Q: "da63"}, []string{"n2", "n1"}},
		{"q on id, other case", store.NotificationFilter{Q: "n5-UP"}, []string{"N5-Upper"}},
		{"q beyond ASCII", store.NotificationFilter{Q: "été"}, []string{"n3"}},
		{"q beyond ASCII, other case", store.NotificationFilter{Q: "ÜBER"}, []string{"N5-Upper"}},
		{"q not on resource path", store.NotificationFilter{Q: "security/alerts"}, nil},
		{"q with viewer", store.NotificationFilter{Q: "da63", Viewer: bob}, []string{"n2"}},
		{"q with SQL wildcards", store.NotificationFilter{Q: "%"}, nil},
		{"q with underscore", store.NotificationFilter{Q: "_"}, nil},
		{"q with NUL", store.NotificationFilter{Q: "n\x00"}, nil},
		{"viewer with NUL", store.NotificationFilter{Viewer: "a\x00"}, []string{}},
		{"after and before", store.NotificationFilter{AfterSeq: 1, BeforeSeq: 1}, nil},
		{"from the start, oldest first", store.NotificationFilter{AfterSeq: store.FromStart}, []string{"n1", "n2", "n3", "n4", "N5-Upper"}},
		{"from the start, viewer alice", store.NotificationFilter{AfterSeq: store.FromStart, Viewer: alice, Limit: 2}, []string{"n1", "n3"}},
	}
	seqOf := map[string]int64{}
	for _, n := range mustList(t, s, store.NotificationFilter{}) {
		seqOf[n.ID] = n.Seq
	}
	tests = append(tests,
		struct {
			name string
			f    store.NotificationFilter
			want []string
		}{"after n2, oldest first", store.NotificationFilter{AfterSeq: seqOf["n2"]}, []string{"n3", "n4", "N5-Upper"}},
		struct {
			name string
			f    store.NotificationFilter
			want []string
		}{"before n3, newest first", store.NotificationFilter{BeforeSeq: seqOf["n3"]}, []string{"n2", "n1"}},
		struct {
			name string
			f    store.NotificationFilter
			want []string
		}{"between n1 and n4, viewer bob", store.NotificationFilter{AfterSeq: seqOf["n1"], BeforeSeq: seqOf["n4"], Viewer: bob}, []string{"n2", "n3"}},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := notificationIDs(mustList(t, s, tt.f))
			if len(got) != 0 || len(tt.want) != 0 {
				if !slices.Equal(got, tt.want) {
					t.Errorf("ListNotifications(%+v) = %v, want %v", tt.f, got, tt.want)
				}
			}
		})
	}
}

func testNotificationPaging(t *testing.T, s Live) {
	var items []store.Notification
	for i := range 25 {
		items = append(items, newNotification(fmt.Sprintf("p%02d", i)))
	}
	mustAppend(t, s, items[:10]...)
	mustAppend(t, s, items[10:]...)
	// Forwards, as the stream catches up.
	var seen []string
	last := store.FromStart
	for range 10 {
		page := mustList(t, s, store.NotificationFilter{AfterSeq: last, Limit: 10})
		if len(page) == 0 {
			break
		}
		seen = append(seen, notificationIDs(page)...)
		last = page[len(page)-1].Seq
	}
	if want := notificationIDs(items); !slices.Equal(seen, want) {
		t.Errorf("paging forwards saw %v, want %v", seen, want)
	}
	// Backwards, as the live page loads older items.
	seen = nil
	var before int64
	for range 10 {
		page := mustList(t, s, store.NotificationFilter{BeforeSeq: before, Limit: 7})
		if len(page) == 0 {
			break
		}
		seen = append(seen, notificationIDs(page)...)
		before = page[len(page)-1].Seq
	}
	want := notificationIDs(items)
	slices.Reverse(want)
	if !slices.Equal(seen, want) {
		t.Errorf("paging backwards saw %v, want %v", seen, want)
	}
}

func testNotificationLimits(t *testing.T, s Live) {
	n := store.MaxNotificationLimit + 5
	items := make([]store.Notification, n)
	for i := range items {
		items[i] = newNotification(fmt.Sprintf("l%05d", i))
		items[i].Raw, items[i].Changes = nil, nil
	}
	mustAppend(t, s, items...)
	for _, tt := range []struct{ limit, want int }{
		{0, store.DefaultNotificationLimit}, {-1, store.DefaultNotificationLimit}, {1, 1},
		{store.MaxNotificationLimit, store.MaxNotificationLimit}, {store.MaxNotificationLimit + 1, store.MaxNotificationLimit},
	} {
		if got := mustList(t, s, store.NotificationFilter{Limit: tt.limit}); len(got) != tt.want {
			t.Errorf("Limit %d gave %d items, want %d", tt.limit, len(got), tt.want)
		}
	}
}

func testRetention(t *testing.T, s Live) {
	// More than one chunk before the cut-off, one item exactly at it, a
	// few after.
	var items []store.Notification
	for i := range store.DeleteChunk + 7 {
		n := newNotification(fmt.Sprintf("old-%05d", i))
		n.Raw, n.Changes = nil, nil
		n.ReceivedAt = at(-time.Hour - time.Duration(i)*time.Millisecond)
		items = append(items, n)
	}
	edge := newNotification("edge")
	edge.ReceivedAt = at(0)
	later := newNotification("later")
	later.ReceivedAt = at(time.Hour)
	items = append(items, edge, later)
	mustAppend(t, s, items...)
	n, err := s.DeleteNotificationsBefore(t.Context(), at(0))
	if err != nil {
		t.Fatalf("DeleteNotificationsBefore: %v", err)
	}
	if n != int64(store.DeleteChunk+7) {
		t.Errorf("DeleteNotificationsBefore removed %d, want %d", n, store.DeleteChunk+7)
	}
	if ids := notificationIDs(mustList(t, s, store.NotificationFilter{})); !slices.Equal(ids, []string{"later", "edge"}) {
		t.Errorf("after retention: %v, want [later edge]", ids)
	}
	if n, err := s.DeleteNotificationsBefore(t.Context(), at(0)); err != nil || n != 0 {
		t.Errorf("second DeleteNotificationsBefore = %d, %v; want 0, nil", n, err)
	}
	_, err = s.DeleteNotificationsBefore(t.Context(), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC))
	wantSentinelFree(t, "DeleteNotificationsBefore(year 10000)", err)
}

func testSeqNotReused(t *testing.T, s Live) {
	first := mustAppend(t, s, newNotification("a"), newNotification("b"))
	if _, err := s.DeleteNotificationsBefore(t.Context(), at(time.Hour)); err != nil {
		t.Fatal(err)
	}
	again := mustAppend(t, s, newNotification("c"))
	if again[0].Seq <= first[1].Seq {
		t.Errorf("Seq %d after deleting everything up to %d: reused", again[0].Seq, first[1].Seq)
	}
	// A deleted ID may be stored again (retention forgot it), with a new Seq.
	back := mustAppend(t, s, newNotification("a"))
	if len(back) != 1 || back[0].Seq <= again[0].Seq {
		t.Errorf("re-append of a deleted id: %+v", back)
	}
}

// testConcurrentAppends has several writers append while a reader follows
// AfterSeq: the reader must see every item exactly once, in Seq order,
// which holds only if items become visible in Seq order.
func testConcurrentAppends(t *testing.T, s Live) {
	const writers, batches, per = 6, 15, 4
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for b := range batches {
				items := make([]store.Notification, per)
				for i := range items {
					items[i] = newNotification(fmt.Sprintf("w%d-b%02d-i%d", w, b, i))
					items[i].Raw = nil
				}
				// Every third batch repeats an item of the previous one.
				if b > 0 && b%3 == 0 {
					items[0].ID = fmt.Sprintf("w%d-b%02d-i%d", w, b-1, 0)
				}
				if _, err := s.AppendNotifications(ctx, items); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	var seen []store.Notification
	last := store.FromStart
	finished := false
	for {
		page, err := s.ListNotifications(ctx, store.NotificationFilter{AfterSeq: last, Limit: 50})
		if err != nil {
			t.Fatalf("ListNotifications: %v", err)
		}
		seen = append(seen, page...)
		if len(page) > 0 {
			last = page[len(page)-1].Seq
			continue
		}
		if finished {
			break
		}
		select {
		case <-done:
			finished = true // one more pass after the last commit
		case <-time.After(time.Millisecond):
		}
	}
	close(errs)
	for err := range errs {
		t.Fatalf("AppendNotifications: %v", err)
	}
	all := mustList(t, s, store.NotificationFilter{AfterSeq: store.FromStart, Limit: store.MaxNotificationLimit})
	want := writers * (batches*per - (batches-1)/3)
	if len(all) != want {
		t.Errorf("stored %d items, want %d", len(all), want)
	}
	if diff := cmp.Diff(notificationIDs(all), notificationIDs(seen)); diff != "" {
		t.Errorf("the reader following AfterSeq missed or repeated items (-stored +seen):\n%s", diff)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i].Seq <= seen[i-1].Seq {
			t.Fatalf("reader saw Seq %d after %d", seen[i].Seq, seen[i-1].Seq)
		}
	}
}

func newFeed(id, graphID string) store.Feed {
	return store.Feed{
		ID:              id,
		Kind:            store.FeedSubscription,
		Owner:           "alice-oid",
		OwnerName:       "Alice Liddell",
		Target:          "legacyAlerts",
		Query:           "severity=high&status=newAlert",
		Resource:        "security/alerts?$filter=severity eq 'high'",
		GraphID:         graphID,
		ClientStateHash: []byte{0x12, 0x00, 0xff, 0x34},
		ChangeType:      "created,updated",
		ExpiresAt:       at(30 * 24 * time.Hour),
		Auth:            "app",
		Tokens:          []byte("sealed\x00refresh"),
		State:           "active",
		CreatedAt:       at(0),
		UpdatedAt:       at(time.Second),
	}
}

func testFeeds(t *testing.T, s Live) {
	ctx := t.Context()
	f := newFeed("f1", "8f2e-graph-1")
	if err := s.CreateFeed(ctx, f); err != nil {
		t.Fatalf("CreateFeed: %v", err)
	}
	got, err := s.Feed(ctx, "f1")
	if err != nil {
		t.Fatalf("Feed: %v", err)
	}
	wantUTC(t, "Feed", got.CreatedAt, got.UpdatedAt, got.ExpiresAt, got.LastItemAt)
	if diff := cmp.Diff(f, got, cmpOpts); diff != "" {
		t.Errorf("Feed (-want +got):\n%s", diff)
	}
	if !got.LastItemAt.IsZero() {
		t.Errorf("zero LastItemAt read back as %v", got.LastItemAt)
	}
	byGraph, err := s.FeedByGraphID(ctx, "8f2e-graph-1")
	if err != nil || byGraph.ID != "f1" {
		t.Errorf("FeedByGraphID = %q, %v; want f1", byGraph.ID, err)
	}
	for _, key := range []string{"", "nope", "8F2E-GRAPH-1", "a\x00"} {
		if _, err := s.FeedByGraphID(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FeedByGraphID(%q): %v, want ErrNotFound", key, err)
		}
		if _, err := s.Feed(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Feed(%q): %v, want ErrNotFound", key, err)
		}
	}
	// Conflicts: the same id, or the same Graph subscription id.
	if err := s.CreateFeed(ctx, newFeed("f1", "other")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateFeed with a taken id: %v, want ErrConflict", err)
	}
	if err := s.CreateFeed(ctx, newFeed("f2", "8f2e-graph-1")); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateFeed with a taken graph id: %v, want ErrConflict", err)
	}
	// Watches have no Graph id, any number of them.
	for _, id := range []string{"w1", "w2"} {
		w := newFeed(id, "")
		w.Kind, w.ClientStateHash, w.ExpiresAt, w.Tokens = store.FeedWatch, nil, time.Time{}, nil
		if err := s.CreateFeed(ctx, w); err != nil {
			t.Fatalf("CreateFeed(watch %s): %v", id, err)
		}
	}
	// Update replaces every field.
	f.State, f.LastError, f.LastItemAt, f.Shared = "failed", "403 Forbidden", at(time.Hour), true
	f.GraphID, f.ExpiresAt, f.ClientStateHash = "8f2e-graph-2", time.Time{}, nil
	if err := s.UpdateFeed(ctx, f); err != nil {
		t.Fatalf("UpdateFeed: %v", err)
	}
	got, _ = s.Feed(ctx, "f1")
	if diff := cmp.Diff(f, got, cmpOpts); diff != "" {
		t.Errorf("Feed after UpdateFeed (-want +got):\n%s", diff)
	}
	if _, err := s.FeedByGraphID(ctx, "8f2e-graph-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the old graph id still finds the feed: %v", err)
	}
	if err := s.UpdateFeed(ctx, newFeed("absent", "")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateFeed of an absent feed: %v, want ErrNotFound", err)
	}
	other := newFeed("f3", "8f2e-graph-3")
	if err := s.CreateFeed(ctx, other); err != nil {
		t.Fatal(err)
	}
	other.GraphID = "8f2e-graph-2"
	if err := s.UpdateFeed(ctx, other); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateFeed to a taken graph id: %v, want ErrConflict", err)
	}
	// Invalid records.
	bad := newFeed("", "")
	wantSentinelFree(t, "CreateFeed(no id)", s.CreateFeed(ctx, bad))
	bad = newFeed("bad", "")
	bad.Kind = ""
	wantSentinelFree(t, "CreateFeed(no kind)", s.CreateFeed(ctx, bad))
	bad = newFeed("bad", "g\x00")
	wantSentinelFree(t, "CreateFeed(NUL graph id)", s.CreateFeed(ctx, bad))
	// Delete, twice.
	for range 2 {
		if err := s.DeleteFeed(ctx, "f1"); err != nil {
			t.Fatalf("DeleteFeed: %v", err)
		}
	}
	if _, err := s.Feed(ctx, "f1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Feed after DeleteFeed: %v", err)
	}
	if err := s.DeleteFeed(ctx, ""); err != nil {
		t.Errorf("DeleteFeed(\"\"): %v", err)
	}
}

func testListFeeds(t *testing.T, s Live) {
	ctx := t.Context()
	mk := func(id string, kind store.FeedKind, owner string, shared bool, created time.Duration) {
		f := newFeed(id, "")
		if kind == store.FeedSubscription {
			f.GraphID = "g-" + id
		}
		f.Kind, f.Owner, f.Shared, f.CreatedAt = kind, owner, shared, at(created)
		if err := s.CreateFeed(ctx, f); err != nil {
			t.Fatalf("CreateFeed(%s): %v", id, err)
		}
	}
	mk("c", store.FeedSubscription, "alice", false, 2*time.Minute)
	mk("a", store.FeedWatch, "bob", true, time.Minute)
	mk("b", store.FeedWatch, "alice", false, time.Minute)
	mk("d", store.FeedSubscription, "bob", false, 0)
	tests := []struct {
		name string
		f    store.FeedFilter
		want []string
	}{
		{"all, oldest first", store.FeedFilter{}, []string{"d", "a", "b", "c"}},
		{"alice", store.FeedFilter{Viewer: "alice"}, []string{"a", "b", "c"}},
		{"bob", store.FeedFilter{Viewer: "bob"}, []string{"d", "a"}},
		{"stranger", store.FeedFilter{Viewer: "eve"}, []string{"a"}},
		{"watches", store.FeedFilter{Kind: store.FeedWatch}, []string{"a", "b"}},
		{"bob's subscriptions", store.FeedFilter{Viewer: "bob", Kind: store.FeedSubscription}, []string{"d"}},
	}
	for _, tt := range tests {
		got, err := s.ListFeeds(ctx, tt.f)
		if err != nil {
			t.Fatalf("ListFeeds(%+v): %v", tt.f, err)
		}
		ids := make([]string, len(got))
		for i, f := range got {
			ids[i] = f.ID
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: ListFeeds = %v, want %v", tt.name, ids, tt.want)
		}
	}
}

func testCheckpoints(t *testing.T, s Live) {
	ctx := t.Context()
	if _, err := s.Checkpoint(ctx, "w1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Checkpoint before any: %v, want ErrNotFound", err)
	}
	c := store.Checkpoint{Feed: "w1", At: at(time.Minute), IDs: []string{"da1", "da2"}, UpdatedAt: at(2 * time.Minute)}
	if err := s.SaveCheckpoint(ctx, c); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SaveCheckpoint of a feed that does not exist: %v, want ErrNotFound", err)
	}
	w := newFeed("w1", "")
	w.Kind = store.FeedWatch
	if err := s.CreateFeed(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheckpoint(ctx, c); err != nil {
		t.Fatalf("SaveCheckpoint: %v", err)
	}
	got, err := s.Checkpoint(ctx, "w1")
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	wantUTC(t, "Checkpoint", got.At, got.UpdatedAt)
	if diff := cmp.Diff(c, got, cmpOpts); diff != "" {
		t.Errorf("Checkpoint (-want +got):\n%s", diff)
	}
	// Replaced; no ids reads back as nil; odd ids survive.
	for _, ids := range [][]string{nil, {`a"b`, "c,d", "{e}", "ü 🛡", strings.Repeat("x", 1000)}} {
		c2 := store.Checkpoint{Feed: "w1", At: at(time.Hour), IDs: ids, UpdatedAt: at(time.Hour)}
		if err := s.SaveCheckpoint(ctx, c2); err != nil {
			t.Fatalf("SaveCheckpoint: %v", err)
		}
		got, err := s.Checkpoint(ctx, "w1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c2, got, cmpOpts); diff != "" {
			t.Errorf("Checkpoint after replacing (-want +got):\n%s", diff)
		}
	}
	wantSentinelFree(t, "SaveCheckpoint(empty id in IDs)", s.SaveCheckpoint(ctx, store.Checkpoint{Feed: "w1", IDs: []string{""}}))
	wantSentinelFree(t, "SaveCheckpoint(no feed)", s.SaveCheckpoint(ctx, store.Checkpoint{}))
	// Deleting the feed deletes its checkpoint.
	if err := s.DeleteFeed(ctx, "w1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Checkpoint(ctx, "w1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Checkpoint after DeleteFeed: %v, want ErrNotFound", err)
	}
}

func testLiveCancelled(t *testing.T, s Live) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	w := newFeed("w1", "")
	calls := map[string]func() error{
		"AppendNotifications": func() error {
			_, err := s.AppendNotifications(ctx, []store.Notification{newNotification("x")})
			return err
		},
		"ListNotifications": func() error {
			_, err := s.ListNotifications(ctx, store.NotificationFilter{})
			return err
		},
		"DeleteNotificationsBefore": func() error {
			_, err := s.DeleteNotificationsBefore(ctx, at(0))
			return err
		},
		"CreateFeed": func() error { return s.CreateFeed(ctx, w) },
		"UpdateFeed": func() error { return s.UpdateFeed(ctx, w) },
		"Feed": func() error {
			_, err := s.Feed(ctx, "w1")
			return err
		},
		"FeedByGraphID": func() error {
			_, err := s.FeedByGraphID(ctx, "g")
			return err
		},
		"ListFeeds": func() error {
			_, err := s.ListFeeds(ctx, store.FeedFilter{})
			return err
		},
		"DeleteFeed": func() error { return s.DeleteFeed(ctx, "w1") },
		"Checkpoint": func() error {
			_, err := s.Checkpoint(ctx, "w1")
			return err
		},
		"SaveCheckpoint": func() error { return s.SaveCheckpoint(ctx, store.Checkpoint{Feed: "w1"}) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
}
