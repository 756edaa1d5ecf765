package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestBrowserLiveAcrossRestart: the live page follows a watch while the
// console is stopped and started again (same database, same session key,
// the same Graph: an emulator of its own, so it outlives the console).
// The browser's EventSource reconnects by itself with Last-Event-ID: the
// change made while the console was down appears without a reload, and
// nothing appears twice.
func TestBrowserLiveAcrossRestart(t *testing.T) {
	addr := freeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	consoleURL := "http://localhost:" + port // the console's canonical loopback host
	emu, err := emulator.New(emulator.Options{Seed: 3, RedirectURIs: []string{consoleURL + "/login/authorized", consoleURL + "/signed-out"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	vars := map[string]string{"GRAPHSEC_ADDR": addr, "GRAPHSEC_PUBLIC_URL": consoleURL, "GRAPHSEC_CLIENT_ID": emu.ClientID(), "GRAPHSEC_CLIENT_SECRET": emu.ClientSecret(),
		"GRAPHSEC_TENANT": emu.TenantID(), "GRAPHSEC_AUTHORITY_URL": emu.URL(), "GRAPHSEC_GRAPH_URL": emu.URL(),
		"GRAPHSEC_DB": filepath.Join(t.TempDir(), "g.db"), "GRAPHSEC_SESSION_KEY": base64.StdEncoding.EncodeToString(key)}
	start := func() *Console {
		t.Helper()
		cfg, err := config.Load(nil, env(vars), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		app, err := startConsole(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	app := start()
	defer func() { app.Close() }()
	var op string
	for _, u := range emu.Users() {
		if slices.Contains(u.Roles, "Security Operator") {
			op = u.ID
			break
		}
	}
	raise := func(title string) {
		t.Helper()
		if status, body, err := emutest.ControlPlane(emu.URL(), http.MethodPost, "/_emulator/alerts", map[string]any{"title": title, "severity": "high", "status": "new"}); err != nil || status != http.StatusCreated {
			t.Fatalf("raise %s: %d %s %v", title, status, body, err)
		}
	}
	shown := func(b *webtest.Browser, title string) int {
		return webtest.Eval[int](b, fmt.Sprintf(`Array.from(document.querySelectorAll('#live-list > li')).filter(li => li.textContent.includes(%q)).length`, title))
	}
	waitShown := func(b *webtest.Browser, title string, poll func()) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); shown(b, title) == 0; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				b.Fail("waiting for "+title, fmt.Errorf("not shown"))
			}
			poll()
		}
	}

	b := webtest.NewBrowser(t)
	b.SignIn(&webtest.Harness{URL: consoleURL}, "/alerts?severity=high&status=", op)
	b.Do("watch this view", chromedp.Navigate(consoleURL+"/alerts?severity=high&status="), webtest.Visible(`#watch-view button`))
	b.ClickOn(`#watch-view button`)
	b.WaitAny(`#flash`)
	watches, err := app.Watcher.ListWatches(t.Context(), "")
	if err != nil || len(watches) != 1 {
		t.Fatalf("watches: %v %v", watches, err)
	}
	watch := watches[0].ID
	b.Do("the live page", chromedp.Navigate(consoleURL+"/notifications"), webtest.Visible(`#live-state[data-state="connected"]`))
	webtest.Eval[bool](b, `window.__notReloaded = true`)

	raise("Before the restart")
	waitShown(b, "Before the restart", func() { _ = app.Watcher.PollNow(t.Context(), watch) })

	if err := app.Close(); err != nil {
		t.Fatal(err)
	}
	b.Do("the page notices", webtest.Visible(`#live-state:not([data-state="connected"])`))
	raise("While the console was down")
	app = start()
	// Stored at once, most likely before the browser's next try (every
	// 3 s): only resuming after its Last-Event-ID can show it then.
	if err := app.Watcher.PollNow(t.Context(), watch); err != nil {
		t.Fatal(err)
	}
	waitShown(b, "While the console was down", func() { _ = app.Watcher.PollNow(t.Context(), watch) })
	if !webtest.Eval[bool](b, `window.__notReloaded === true`) {
		t.Fatal("the live page was reloaded")
	}
	if n := shown(b, "Before the restart"); n != 1 {
		t.Errorf("the item from before the restart is shown %d times", n)
	}
	if got := webtest.Eval[string](b, `document.getElementById('live-state').getAttribute('data-state')`); got != "connected" {
		t.Errorf("the indicator says %q", got)
	}
}
