package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
	"github.com/graphsec/graphsec/internal/store/storetest"
)

// TestShutdownKeepsAcknowledgedNotifications: notifications POSTed while
// the console shuts down are either refused (Graph will retry them) or
// acknowledged, and every acknowledged one is in the database after it.
func TestShutdownKeepsAcknowledgedNotifications(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	addr, emuAddr := freeAddr(t), freeAddr(t)
	cfg, err := config.Load(nil, env(map[string]string{"GRAPHSEC_ADDR": addr, "GRAPHSEC_EMULATOR_ADDR": emuAddr,
		"GRAPHSEC_DB": db, "GRAPHSEC_EMULATOR_ACTIVITY": "off"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	app, err := startConsole(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	now := time.Now()
	if err := app.live.Feeds.CreateFeed(t.Context(), store.Feed{ID: "f", Kind: store.FeedSubscription, GraphID: "sub",
		ClientStateHash: notify.HashClientState("cs"), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	var next atomic.Int64
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprint("n", next.Add(1))
				body := fmt.Sprintf(`{"value":[{"id":%q,"subscriptionId":"sub","clientState":"cs","changeType":"updated","resource":"security/alerts/x"}]}`, id)
				resp, err := http.Post("http://"+addr+"/listen", "application/json", strings.NewReader(body))
				if err != nil {
					continue // the server is gone
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					mu.Lock()
					acked = append(acked, id)
					mu.Unlock()
				}
			}
		})
	}
	for next.Load() < 300 {
		time.Sleep(5 * time.Millisecond)
	}
	if err := app.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	close(stop)
	wg.Wait()
	st, err := sqlite.Open(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	have := storetest.StoredIDs(t, st)
	for _, id := range acked {
		if have[id] == 0 {
			t.Errorf("acknowledged %s is not stored", id)
		}
	}
	if len(acked) < 200 {
		t.Errorf("only %d acknowledged before the shutdown", len(acked))
	}
}
