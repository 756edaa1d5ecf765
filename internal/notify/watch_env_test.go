package notify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

// liveEpoch is the emulator's base time in these tests: a stopped clock that
// only Advance moves, shared by the emulator and the console side (the
// watcher, the upkeep, the budget), so that moving one moves both.
var liveEpoch = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// liveEnv is an in-process emulator, a real auth.Manager for the demo
// app (app-only tokens; delegated ones through signIn), the in-memory
// store and a record of every request sent to Graph.
type liveEnv struct {
	t    testing.TB
	emu  *emulator.Emulator
	clk  *clock.Adjustable
	st   testStore
	am   *auth.Manager
	wire *wireCounter
	opts Options
	// feeds is the feed cache the receiver reads (nil over the fake);
	// metrics the collectors every part counts in.
	feeds   *FeedCache
	metrics *Metrics

	// app is the console's sign-in routes, for delegated feeds;
	// session is the last sign-in completed there.
	app     *httptest.Server
	mu      sync.Mutex
	session *auth.Session
}

// serveApp starts the console's sign-in routes on e.app.
func (e *liveEnv) serveApp() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		u, err := e.am.BeginLogin(r.Context(), w, r, "/", "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc("GET /login/authorized", func(w http.ResponseWriter, r *http.Request) {
		cb, err := e.am.CompleteLogin(r.Context(), w, r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.session = cb.Session
		e.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	e.app.Config.Handler = mux
	e.app.Start()
	e.t.Cleanup(e.app.Close)
}

// signIn signs a Security Operator in through the emulator's pages and
// returns the session and the user's id.
func (e *liveEnv) signIn() (*auth.Session, string) {
	e.t.Helper()
	var user string
	for _, u := range e.emu.Users() {
		if u.HasRole(tenant.RoleSecurityOperator) {
			user = u.ID
			break
		}
	}
	if _, err := emutest.NewBrowser().SignIn(e.app.URL+"/login", user, emutest.SignInOptions{}); err != nil {
		e.t.Fatal(err)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.session == nil {
		e.t.Fatal("the sign-in did not complete")
	}
	return e.session, user
}

// wireCounter counts the requests on the wire to Graph's security API,
// and the 429s among their answers.
type wireCounter struct {
	next http.RoundTripper

	mu        sync.Mutex
	security  int
	throttled int
	byPath    map[string]int
	// record, when set, keeps every security answer by URL.
	record map[string]*recorded
}

// recorded is an answer kept for replay.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

// replay answers security requests from recorded answers (and sends
// anything else on), so a benchmark measures the console alone.
type replay struct {
	next    http.RoundTripper
	answers map[string]*recorded
}

func (rp replay) RoundTrip(r *http.Request) (*http.Response, error) {
	a := rp.answers[r.URL.String()]
	if a == nil {
		if strings.Contains(r.URL.Path, "/security/") {
			return nil, fmt.Errorf("replay: no recorded answer for %s", r.URL)
		}
		return rp.next.RoundTrip(r)
	}
	if r.Body != nil {
		r.Body.Close()
	}
	return &http.Response{StatusCode: a.status, Header: a.header.Clone(), Body: io.NopCloser(bytes.NewReader(a.body)),
		ContentLength: int64(len(a.body)), Request: r, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}, nil
}

func (c *wireCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	c.mu.Lock()
	rec := c.record
	c.mu.Unlock()
	if rec != nil && err == nil && strings.Contains(r.URL.Path, "/security/") {
		body, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr != nil {
			return nil, rerr
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		c.mu.Lock()
		rec[r.URL.String()] = &recorded{status: resp.StatusCode, header: resp.Header.Clone(), body: body}
		c.mu.Unlock()
	}
	if strings.Contains(r.URL.Path, "/security/") {
		c.mu.Lock()
		c.security++
		c.byPath[r.URL.Path]++
		if err == nil && resp.StatusCode == http.StatusTooManyRequests {
			c.throttled++
		}
		c.mu.Unlock()
	}
	return resp, err
}

func (c *wireCounter) counts() (security, throttled int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.security, c.throttled
}

// newLiveEnv starts the emulator (a stopped clock, seed 3, small data
// unless eo says otherwise) and options for a watcher on it, over the
// console's real live-alerts store: SQLite (in memory), the feed cache
// the receiver reads, the group-commit sink and the metrics; mod adjusts
// them.
func newLiveEnv(t testing.TB, eo emulator.Options, mod func(*Options)) *liveEnv {
	t.Helper()
	return newEnv(t, eo, mod, false)
}

// newMemEnv is newLiveEnv over the in-memory fake of the store (what a
// benchmark replays into).
func newMemEnv(t testing.TB, eo emulator.Options, mod func(*Options)) *liveEnv {
	t.Helper()
	return newEnv(t, eo, mod, true)
}

func newEnv(t testing.TB, eo emulator.Options, mod func(*Options), inMemory bool) *liveEnv {
	t.Helper()
	if eo.Seed == 0 {
		eo.Seed = 3
	}
	app := httptest.NewUnstartedServer(nil)
	if eo.Alerts == 0 {
		eo.Alerts = 60
	}
	if eo.LegacyAlerts == 0 {
		eo.LegacyAlerts = 60
	}
	eo.Clock = clock.NewFake(liveEpoch)
	redirect := "http://" + app.Listener.Addr().String() + "/login/authorized"
	eo.RedirectURIs = append(eo.RedirectURIs, redirect)
	emu, err := emulator.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	st, err := sqlite.Open(context.Background(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &liveEnv{t: t, emu: emu, clk: emu.Clock(), app: app, metrics: NewMetrics(prometheus.NewRegistry()),
		wire: &wireCounter{next: http.DefaultTransport, byPath: map[string]int{}}}
	hc := &http.Client{Transport: e.wire, Timeout: 60 * time.Second}
	e.am, err = auth.New(auth.Options{
		AuthorityURL: emu.URL(), Tenant: emu.TenantID(), ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(),
		RedirectURL: redirect, Store: st, Key: bytes.Repeat([]byte{7}, 32),
		HTTPClient: hc, Clock: e.clk, GraphURL: emu.URL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	e.serveApp()
	var feeds store.Feeds
	if inMemory {
		ms := newMemstore()
		e.st, feeds = ms, ms
	} else {
		sink, err := NewGroupSink(GroupOptions{Store: st, Metrics: e.metrics, Clock: e.clk})
		if err != nil {
			t.Fatal(err)
		}
		go sink.Run()
		t.Cleanup(sink.Close) // before the store closes: cleanups run last first
		e.feeds = NewFeedCache(st, FeedCacheOptions{Clock: e.clk})
		e.st, feeds = &sqlStore{Store: st, sink: sink}, e.feeds
	}
	e.opts = Options{
		Feeds: feeds, Checkpoints: e.st, Notifications: e.st, Sink: e.st, Credentials: e.am,
		GraphURL: emu.URL(), HTTPClient: hc, Clock: e.clk, Sleep: e.sleep, Metrics: e.metrics,
	}
	if mod != nil {
		mod(&e.opts)
	}
	return e
}

// sleep is the Sleeper of these tests: it moves the shared clock instead
// of waiting.
func (e *liveEnv) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e.clk.Advance(d)
	return nil
}

// watcher starts a Watcher on the environment's store (a second one on
// the same store is a restarted console). Its budget is new unless the
// options carry one.
func (e *liveEnv) watcher() *Watcher {
	e.t.Helper()
	o := e.opts
	w, err := NewWatcher(o)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// control sends a control-plane request and returns the answer's body.
func (e *liveEnv) control(method, path, body string) []byte {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.emu.URL()+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	return b
}

// raise raises n alerts_v2 alerts as their provider would, all stamped at
// (one lastUpdateDateTime), each opening an incident; it returns their ids.
func (e *liveEnv) raise(n int, at time.Time) []string {
	e.t.Helper()
	ids := make([]string, 0, n)
	for range n {
		a, err := e.emu.Store().AddAlert(change.OriginControl, "", nil, odata.At(at))
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, a["id"].(string))
	}
	return ids
}

// change changes an alert as its provider would, stamped at.
func (e *liveEnv) changeAlert(id string, at time.Time, props odata.Object) {
	e.t.Helper()
	if _, err := e.emu.Store().ChangeAlert(change.OriginControl, id, props, odata.At(at)); err != nil {
		e.t.Fatal(err)
	}
}

// analyst is an owner for app-only feeds.
var analyst = Owner{ID: "user-1", Name: "Ada Analyst", UPN: "ada@graphsec-demo.onmicrosoft.com"}

// currentAlerts returns every alerts_v2 alert's current version, read
// from the emulator's store.
func (e *liveEnv) currentAlerts() map[string]time.Time {
	out := map[string]time.Time{}
	for i := 0; ; i++ {
		doc, _, ok := e.emu.Store().Nth(change.Alerts, i)
		if !ok {
			return out
		}
		out[doc["id"].(string)] = doc["lastUpdateDateTime"].(odata.Time).Time.UTC()
	}
}

// watch creates a watch for analyst (app-only) and fails the test on
// error.
func (e *liveEnv) watch(w *Watcher, target, query string) store.Feed {
	e.t.Helper()
	f, err := w.CreateWatch(context.Background(), analyst, target, query, false)
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// mustPoll polls a watch and fails the test on error.
func mustPoll(t testing.TB, w *Watcher, id string) {
	t.Helper()
	if err := w.PollNow(context.Background(), id); err != nil {
		t.Fatalf("poll: %v", err)
	}
}

// exactlyOnce checks that every version in want was stored once for the
// feed, and reports versions stored that want lacks.
func exactlyOnce(t testing.TB, st testStore, feed string, want map[string]time.Time) {
	t.Helper()
	got := versionsOf(st, feed)
	missing, twice := 0, 0
	for id, v := range want {
		n := 0
		for _, x := range got[id] {
			if x.Equal(v) {
				n++
			}
		}
		switch {
		case n == 0:
			missing++
			if missing <= 5 {
				t.Errorf("version %s of %s was not delivered (got %v)", v.Format(time.RFC3339Nano), id, got[id])
			}
		case n > 1:
			twice++
		}
	}
	if missing > 0 || twice > 0 {
		t.Fatalf("%d versions missing, %d delivered more than once, of %d", missing, twice, len(want))
	}
}
