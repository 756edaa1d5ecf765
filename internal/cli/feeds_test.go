package cli

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
)

// TestConsoleFeeds: the console runs live alerts' sources wired to its
// receiver: a subscription created through the upkeep delivers to the
// console's own /listen (the embedded emulator reaches loopback http), a
// removal Graph announces on /listen/lifecycle is repaired by the running
// upkeep, and a watch polls through the same sink.
func TestConsoleFeeds(t *testing.T) {
	addr, emuAddr := freeAddr(t), freeAddr(t)
	cfg, err := config.Load(nil, env(map[string]string{"GRAPHSEC_ADDR": addr, "GRAPHSEC_EMULATOR_ADDR": emuAddr,
		"GRAPHSEC_DB": filepath.Join(t.TempDir(), "g.db"), "GRAPHSEC_EMULATOR_ACTIVITY": "off"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	app, err := startConsole(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	ctx := t.Context()
	owner := notify.Owner{ID: "oid-1", Name: "Ada", UPN: "ada@example.test"}
	if c, err := app.Upkeep.AuthFor(ctx, owner); err != nil || c.Mode != notify.AuthApp {
		t.Fatalf("AuthFor = %+v, %v", c, err)
	}
	sub, err := app.Upkeep.Create(ctx, owner, "severity=High", false)
	if err != nil {
		t.Fatal(err)
	}
	notes := app.store.(store.Notifications)
	items := func(feed string, src store.Source) []store.Notification {
		list, err := notes.ListNotifications(ctx, store.NotificationFilter{Feed: feed, Source: src, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return list
	}
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	a, err := app.Emulator.Store().AddLegacyAlert(change.OriginControl, odata.Object{"severity": "high"}, odata.At(app.Emulator.Clock().Now()))
	if err != nil {
		t.Fatal(err)
	}
	waitFor("the webhook's notification", func() bool {
		for _, it := range items(sub.ID, store.SourceWebhook) {
			if strings.EqualFold(it.ResourceID, a["id"].(string)) {
				return true
			}
		}
		return false
	})
	if _, ok := app.Emulator.Delivery().Remove(sub.GraphID); !ok {
		t.Fatal("the emulator has no such subscription")
	}
	waitFor("the subscription recreated", func() bool {
		f, err := app.live.Feeds.Feed(ctx, sub.ID)
		return err == nil && f.GraphID != sub.GraphID && f.State == notify.StateActive
	})

	w, err := app.Watcher.CreateWatch(ctx, owner, notify.TargetAlerts, "status=", true)
	if err != nil {
		t.Fatal(err)
	}
	alert, err := app.Emulator.Store().AddAlert(change.OriginControl, "", nil, odata.At(app.Emulator.Clock().Now().Add(time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Watcher.PollNow(ctx, w.ID); err != nil {
		t.Fatal(err)
	}
	if got := items(w.ID, store.SourceWatch); len(got) != 1 || got[0].ResourceID != alert["id"] {
		t.Fatalf("the watch stored %+v", got)
	}
}
