package live_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// BenchmarkNotificationsPage is a full GET of the live page (the newest 50
// of 10,000 items, each with a change), and of a search over them, over
// HTTP as a browser makes it. It reports the median and p95.
func BenchmarkNotificationsPage(b *testing.B) {
	h := webtest.New(b, webtest.Options{Live: true, Feeds: true, WatchInterval: time.Hour})
	me := webtestOwner(h)
	w, err := h.Watcher.CreateWatch(b.Context(), me, "alerts", "severity=high", false)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC()
	for batch := range 10 {
		items := make([]store.Notification, 0, 1000)
		for i := range 1000 {
			n := batch*1000 + i
			items = append(items, store.Notification{
				ID: fmt.Sprintf("%s:security/alerts_v2/a%d@x", w.ID, n), Source: store.SourceWatch, Feed: w.ID, Owner: me.ID,
				ChangeType: "updated", Resource: fmt.Sprintf("security/alerts_v2/a%d", n), ResourceID: fmt.Sprintf("a%d", n),
				Version: now, Title: fmt.Sprintf("Alert number %d", n), Changes: []byte(`{"status":{"from":"new","to":"inProgress"}}`),
				Raw: []byte(`{}`), ReceivedAt: now,
			})
		}
		if _, err := h.Store.AppendNotifications(b.Context(), items); err != nil {
			b.Fatal(err)
		}
	}
	br, _ := h.SignIn(me.ID, "/notifications")
	for _, c := range []struct{ name, path string }{{"newest", "/notifications"}, {"search", "/notifications?q=number+99"}} {
		b.Run(c.name, func(b *testing.B) { webtest.LatencyLoop(b, br, h.URL+c.path) })
	}
}
