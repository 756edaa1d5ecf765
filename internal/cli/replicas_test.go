package cli

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/store/pgtest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// balancer is a load balancer in front of two console replicas that
// sends each request where the test says: what a balancer without sticky
// sessions may do at any moment.
type balancer struct {
	backends [2]*url.URL

	mu    sync.Mutex
	route func(r *http.Request) int
	seen  map[string][2]int // path → requests answered by each replica
}

func (lb *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	lb.mu.Lock()
	i := lb.route(r)
	c := lb.seen[r.URL.Path]
	c[i]++
	lb.seen[r.URL.Path] = c
	lb.mu.Unlock()
	(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(lb.backends[i])
		pr.Out.Host = pr.In.Host // the public host, as a balancer passes it
		pr.SetXForwarded()
	}}).ServeHTTP(w, r)
}

// to routes every request to replica i; split routes the paths in
// toB to replica 1 and everything else to replica 0.
func (lb *balancer) to(i int) {
	lb.mu.Lock()
	lb.route = func(*http.Request) int { return i }
	lb.mu.Unlock()
}

func (lb *balancer) split(toB ...string) {
	lb.mu.Lock()
	lb.route = func(r *http.Request) int {
		for _, p := range toB {
			if r.URL.Path == p {
				return 1
			}
		}
		return 0
	}
	lb.mu.Unlock()
}

func (lb *balancer) answered(path string) [2]int {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return lb.seen[path]
}

// TestTwoReplicasOnPostgres runs two consoles on one PostgreSQL database
// with one session key behind a balancer without sticky sessions: a
// sign-in started on one replica finishes on the other, the session works
// on both, a page link (page token) issued by one resolves on the other,
// and a form rendered by one is applied once, by the other, whose result
// (the flash) is shown by the first; the form sent again to the first is
// recognised as a resend, not applied twice.
func TestTwoReplicasOnPostgres(t *testing.T) {
	dsn, _ := pgtest.Fresh(t)
	lbLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, lbPort, _ := net.SplitHostPort(lbLn.Addr().String())
	public := "http://localhost:" + lbPort
	emu, err := emulator.New(emulator.Options{Alerts: 40, RedirectURIs: []string{public + "/login/authorized", public + "/signed-out"}})
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	lb := &balancer{seen: map[string][2]int{}}
	for i := range 2 {
		addr := freeAddr(t)
		cfg, err := config.Load(nil, env(map[string]string{
			"GRAPHSEC_CLIENT_ID": emu.ClientID(), "GRAPHSEC_CLIENT_SECRET": emu.ClientSecret(), "GRAPHSEC_TENANT": emu.TenantID(),
			"GRAPHSEC_AUTHORITY_URL": emu.URL(), "GRAPHSEC_GRAPH_URL": emu.URL(), "GRAPHSEC_ADDR": addr,
			"GRAPHSEC_PUBLIC_URL": public, "GRAPHSEC_DB": dsn, "GRAPHSEC_TRUSTED_PROXIES": "127.0.0.1", "GRAPHSEC_SESSION_KEY": base64.StdEncoding.EncodeToString(key),
		}), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		app, err := startConsole(context.Background(), cfg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		defer app.Close()
		lb.backends[i] = webtest.MustURL("http://" + addr)
	}
	srv := &httptest.Server{Listener: lbLn, Config: &http.Server{Handler: lb}}
	srv.Start()
	defer srv.Close()

	b := emutest.NewBrowser()
	get := func(replica int, path string) *emutest.Page {
		t.Helper()
		lb.to(replica)
		p, err := b.Get(public + path)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	// Sign-in: started on replica 0, its callback answered by replica 1.
	lb.split("/login/authorized")
	p, err := webtest.SignIn(b, public+"/alerts?top=5&status=", userWithRole(t, emu, "Security Operator"), emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || p.URL.Path != "/alerts" || !strings.Contains(p.Body, `href="/alerts/`) {
		t.Fatalf("after a sign-in finished on the other replica: %s %d\n%.1500s", p.URL, p.Status, p.Body)
	}
	if n := lb.answered("/login/authorized"); n != [2]int{0, 1} {
		t.Fatalf("the callback was answered %v times by each replica, want once by replica 1", n)
	}
	if n := lb.answered("/login"); n[0] == 0 || n[1] != 0 {
		t.Fatalf("the sign-in started on replicas %v, want replica 0 only", n)
	}

	// The session works on both.
	for i := range 2 {
		if p := get(i, "/alerts?top=5&status="); p.Status != http.StatusOK || webtest.IsSignInPage(p) {
			t.Fatalf("replica %d: %d, sign-in page %v", i, p.Status, webtest.IsSignInPage(p))
		}
	}

	// A page link made by replica 0 resolves on replica 1.
	p = get(0, "/alerts?top=5&status=")
	next := linkBefore(p.Body, `rel="next"`)
	if !strings.Contains(next, "page=") {
		t.Fatalf("no next page link on the queue:\n%.2000s", p.Body)
	}
	p2 := get(1, next)
	if p2.Status != http.StatusOK || strings.Contains(p2.Body, `id="stale-page"`) || !strings.Contains(p2.Body, ">6–10") {
		t.Fatalf("page 2 on the other replica: %d, stale %v\n%.2000s", p2.Status, strings.Contains(p2.Body, `id="stale-page"`), p2.Body)
	}

	// A form rendered by replica 0 (its CSRF and one-time tokens) is
	// applied by replica 1; the result is shown by replica 0.
	id := firstAlertID(t, p.Body)
	alertPath := "/alerts/" + url.PathEscape(id)
	form := webtest.FormFields(t, get(0, alertPath), alertPath)
	if form.Get("formtoken") == "" || form.Get("csrf") == "" {
		t.Fatalf("the alert's form lacks its tokens: %v", form)
	}
	form.Set("comment", "Seen from two replicas")
	post := func(replica int, path string, form url.Values) *emutest.Page {
		t.Helper()
		lb.to(replica)
		req, _ := http.NewRequest(http.MethodPost, public+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", public)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		p, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := post(1, alertPath+"/comments", form)
	if first.Status != http.StatusSeeOther || !strings.HasPrefix(first.Location, public+alertPath+"?done=") {
		t.Fatalf("the form on the other replica: %d %s\n%.1500s", first.Status, first.Location, first.Body)
	}
	shown := get(0, strings.TrimPrefix(first.Location, public))
	if !strings.Contains(shown.Body, `id="flash"`) || !strings.Contains(shown.Body, "Seen from two replicas") {
		t.Errorf("the change's result is not shown by the other replica:\n%.3000s", shown.Body)
	}
	if again := get(1, strings.TrimPrefix(first.Location, public)); strings.Contains(again.Body, `id="flash"`) {
		t.Error("the result was shown twice")
	}
	// Sent again, to replica 0: recognised, sent where the first went.
	if r := post(0, alertPath+"/comments", form); r.Status != http.StatusSeeOther || r.Location != first.Location {
		t.Errorf("the form sent again: %d %s, want %s", r.Status, r.Location, first.Location)
	}
	doc, _ := emu.Store().Alert(id)
	comments, _ := doc["comments"].([]any)
	n := 0
	for _, c := range comments {
		if m, ok := c.(map[string]any); ok && m["comment"] == "Seen from two replicas" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the alert has the comment %d times, want 1", n)
	}

	// Signing out on replica 1 ends the session on replica 0 too.
	if p := post(1, "/logout", webtest.FormFields(t, get(0, "/alerts"), "/logout")); p.Status != http.StatusSeeOther {
		t.Fatalf("sign-out on replica 1: %d", p.Status)
	}
	lb.to(0)
	if p, err := b.Navigate(public+"/alerts", ""); err != nil || !webtest.IsSignInPage(p) {
		t.Errorf("replica 0 after signing out on replica 1: %v, sign-in page %v", err, p != nil && webtest.IsSignInPage(p))
	}
}

// linkBefore is the href of the link whose attributes end with attr.
func linkBefore(body, attr string) string {
	i := strings.Index(body, attr)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(body[:i], `href="`)
	if j < 0 {
		return ""
	}
	return html.UnescapeString(body[j+6 : i-2])
}

// firstAlertID is the id of the first alert a queue page links.
func firstAlertID(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `href="/alerts/`)
	if i < 0 {
		t.Fatal("no alert on the queue")
	}
	rest := body[i+len(`href="/alerts/`):]
	id, err := url.PathUnescape(rest[:strings.IndexAny(rest, `"?`)])
	if err != nil {
		t.Fatal(err)
	}
	return id
}
