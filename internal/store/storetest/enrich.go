package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/graphsec/graphsec/internal/store"
)

// Beyond store.Enrichments' comments, the suite requires:
//   - Only webhook items are pending, whatever their resource; an item
//     leaves the pending list once Enrich gave it any state.
//   - EnrichDone replaces Title and Changes and makes Q find the new
//     title (folded like SearchText); other states change neither.
//   - EnrichedFields looks at EnrichDone items of the same feed and
//     resource id only, below the given Seq.

// webhookItem is a webhook item as the receiver stores it: the alert's
// id, no title.
func webhookItem(id, feed, alert string) store.Notification {
	n := newNotification(id)
	n.Feed, n.ResourceID, n.Resource, n.Title, n.Changes = feed, alert, "security/alerts/"+alert, "", nil
	return n
}

func mustPending(t *testing.T, s Live, after int64, limit int) []store.Notification {
	t.Helper()
	got, err := s.PendingEnrichments(t.Context(), after, limit)
	if err != nil {
		t.Fatalf("PendingEnrichments(%d, %d): %v", after, limit, err)
	}
	for _, n := range got {
		wantUTC(t, "PendingEnrichments", n.ReceivedAt, n.Version)
		if n.Raw != nil {
			t.Errorf("PendingEnrichments returned Raw for %s", n.ID)
		}
	}
	return got
}

func testEnrich(t *testing.T, s Live) {
	ctx := t.Context()
	watch := newNotification("w")
	watch.Source, watch.Title = store.SourceWatch, ""
	life := newNotification("l")
	life.Source, life.ChangeType, life.LifecycleEvent = store.SourceLifecycle, "", "missed"
	items := mustAppend(t, s,
		webhookItem("a1", "feed-1", "Alert-A"), watch, webhookItem("b1", "feed-1", "Alert-B"), life,
		webhookItem("a2", "feed-1", "Alert-A"), webhookItem("a3", "feed-2", "Alert-A"))
	a1, b1, a2, a3 := items[0], items[2], items[4], items[5]

	t.Run("Pending", func(t *testing.T) {
		if got := notificationIDs(mustPending(t, s, 0, 0)); !equalStrings(got, []string{"a1", "b1", "a2", "a3"}) {
			t.Errorf("pending %v, want the webhook items oldest first", got)
		}
		if got := notificationIDs(mustPending(t, s, a1.Seq, 2)); !equalStrings(got, []string{"b1", "a2"}) {
			t.Errorf("pending after a1, 2 of them: %v", got)
		}
		got := mustPending(t, s, a2.Seq-1, 1)
		if len(got) != 1 || got[0].Seq != a2.Seq || got[0].Feed != "feed-1" || got[0].ResourceID != "Alert-A" ||
			got[0].Resource != "security/alerts/Alert-A" || got[0].Source != store.SourceWebhook || !got[0].ReceivedAt.Equal(a2.ReceivedAt) {
			t.Errorf("pending item %+v, want a2 as stored", got)
		}
	})

	fields1 := []byte(`{"status":"newAlert"}`)
	fields2 := []byte(`{"status":"inProgress"}`)
	changes := []byte(`{"status":{"from":"newAlert","to":"inProgress"}}`)
	if err := s.Enrich(ctx, []store.Enrichment{
		{Seq: a1.Seq, State: store.EnrichDone, Title: "Überprüfung: sign-in from Tor", Fields: fields1},
		{Seq: b1.Seq, State: store.EnrichGone, Title: "ignored", Changes: changes},
		{Seq: a2.Seq, State: store.EnrichDone, Title: "Überprüfung: sign-in from Tor", Changes: changes, Fields: fields2},
		{Seq: a2.Seq + 1000, State: store.EnrichDone, Title: "no such item"},
	}); err != nil {
		t.Fatalf("Enrich: %v", err)
	}
	if got := notificationIDs(mustPending(t, s, 0, 0)); !equalStrings(got, []string{"a3"}) {
		t.Errorf("pending after Enrich: %v, want a3 alone", got)
	}
	byID := map[string]store.Notification{}
	for _, n := range mustList(t, s, store.NotificationFilter{AfterSeq: store.FromStart}) {
		byID[n.ID] = n
	}
	if n := byID["a2"]; n.Title != "Überprüfung: sign-in from Tor" || !bytes.Equal(n.Changes, changes) {
		t.Errorf("a2 after Enrich: title %q, changes %s", n.Title, n.Changes)
	}
	if n := byID["a1"]; n.Title == "" || n.Changes != nil {
		t.Errorf("a1 after Enrich: title %q, changes %s", n.Title, n.Changes)
	}
	if n := byID["b1"]; n.Title != "" || n.Changes != nil {
		t.Errorf("a gone item changed: title %q, changes %s", n.Title, n.Changes)
	}
	if n := byID["w"]; n.Title != "" {
		t.Errorf("the watch item changed: %q", n.Title)
	}
	for _, q := range []string{"überprüfung", "SIGN-IN FROM", "alert-a"} {
		got := notificationIDs(mustList(t, s, store.NotificationFilter{Q: q, AfterSeq: store.FromStart}))
		want := []string{"a1", "a2"}
		if q == "alert-a" {
			want = []string{"a1", "a2", "a3"}
		}
		if !equalStrings(got, want) {
			t.Errorf("Q %q finds %v, want %v", q, got, want)
		}
	}

	t.Run("Fields", func(t *testing.T) {
		for _, c := range []struct {
			name, feed, alert string
			before            int64
			want              []byte
		}{
			{"newest below", "feed-1", "Alert-A", a3.Seq, fields2},
			{"below a2", "feed-1", "Alert-A", a2.Seq, fields1},
			{"below the first", "feed-1", "Alert-A", a1.Seq, nil},
			{"other feed", "feed-2", "Alert-A", a3.Seq + 1, nil},
			{"gone item", "feed-1", "Alert-B", b1.Seq + 1, nil},
			{"unusable key", "", "Alert-A", a3.Seq, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				got, err := s.EnrichedFields(ctx, c.feed, c.alert, c.before)
				if err != nil || !bytes.Equal(got, c.want) {
					t.Errorf("EnrichedFields = %s, %v; want %s", got, err, c.want)
				}
			})
		}
	})
	if err := s.Enrich(ctx, []store.Enrichment{{Seq: a3.Seq, State: store.EnrichFailed}}); err != nil {
		t.Fatal(err)
	}
	if got := mustPending(t, s, 0, 0); len(got) != 0 {
		t.Errorf("pending after the last failed: %v", notificationIDs(got))
	}
	if err := s.Enrich(ctx, nil); err != nil {
		t.Errorf("Enrich(nil): %v", err)
	}
}

func testEnrichInvalid(t *testing.T, s Live) {
	items := mustAppend(t, s, webhookItem("a1", "feed-1", "A"))
	for _, c := range []struct {
		name string
		e    store.Enrichment
	}{
		{"pending state", store.Enrichment{Seq: items[0].Seq, State: store.EnrichPending}},
		{"unknown state", store.Enrichment{Seq: items[0].Seq, State: "maybe"}},
		{"no seq", store.Enrichment{State: store.EnrichDone}},
		{"NUL in title", store.Enrichment{Seq: items[0].Seq, State: store.EnrichDone, Title: "a\x00b"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok := store.Enrichment{Seq: items[0].Seq, State: store.EnrichDone, Title: "fine"}
			if err := s.Enrich(t.Context(), []store.Enrichment{ok, c.e}); !errors.Is(err, store.ErrInvalid) {
				t.Errorf("Enrich: %v, want ErrInvalid", err)
			}
			if got := mustPending(t, s, 0, 0); len(got) != 1 {
				t.Errorf("an invalid batch stored something: %d pending", len(got))
			}
		})
	}
}

func testEnrichCancelled(t *testing.T, s Live) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		"PendingEnrichments": func() error { _, err := s.PendingEnrichments(ctx, 0, 0); return err },
		"Enrich": func() error {
			return s.Enrich(ctx, []store.Enrichment{{Seq: 1, State: store.EnrichDone}})
		},
		"EnrichedFields": func() error { _, err := s.EnrichedFields(ctx, "f", "a", 2); return err },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
