package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store/sqlite"
	"github.com/graphsec/graphsec/internal/web"
)

// harness is a console wired to an in-process emulator, as `go run
// ./cmd/graphsec` wires them, with a fast retry policy.
type harness struct {
	t       testing.TB
	handler http.Handler
	emu     *emulator.Emulator
	srv     *httptest.Server
	url     string
	clock   *clock.Adjustable
}

type harnessOptions struct {
	emulator emulator.Options
	// graphTransport, when set, wraps the transport the console uses for
	// Graph and the identity platform (benchmarks answer Graph from memory).
	graphTransport func(http.RoundTripper) http.RoundTripper
	// rewriteAlert, when set, puts a proxy between the console and Graph
	// that passes every alerts_v2 alert GET through it (to serve data the
	// emulator would not produce, such as evidence types it lacks).
	rewriteAlert func(alert map[string]any)
	// consoleClock gives the console the emulator's clock, so that moving
	// one moves both.
	consoleClock bool
}

func newHarness(t testing.TB, ho ...harnessOptions) *harness {
	t.Helper()
	var o harnessOptions
	if len(ho) > 0 {
		o = ho[0]
	}
	srv := httptest.NewUnstartedServer(nil)
	consoleURL := "http://" + srv.Listener.Addr().String()
	eo := o.emulator
	if eo.Seed == 0 {
		eo.Seed = 3
	}
	eo.RedirectURIs = []string{consoleURL + "/login/authorized", consoleURL + "/signed-out"}
	emu, err := emulator.New(eo)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	graphURL := emu.URL()
	if o.rewriteAlert != nil {
		graphURL = rewritingProxy(t, emu, o.rewriteAlert)
	}
	st, err := sqlite.Open(context.Background(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	httpc := &http.Client{Timeout: 30 * time.Second}
	if o.graphTransport != nil {
		httpc.Transport = o.graphTransport(http.DefaultTransport)
	}
	am, err := auth.New(auth.Options{
		AuthorityURL: emu.URL(), Tenant: emu.TenantID(), ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(),
		RedirectURL: consoleURL + "/login/authorized", Store: st, Key: []byte("0123456789abcdef0123456789abcdef"), HTTPClient: httpc,
		GraphURL: graphURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	wo := web.Options{
		Auth: am, Store: st, GraphURL: graphURL, AuthorityURL: emu.URL(), PublicURL: consoleURL, GraphHTTP: httpc,
		Emulator: &web.EmulatorInfo{URL: emu.URL()},
		Retry:    graph.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, MaxTotalWait: 10 * time.Second},
	}
	if o.consoleClock {
		wo.Clock = emu.Clock()
	}
	s, err := web.New(wo)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return &harness{t: t, handler: s.Handler(), emu: emu, srv: srv, url: consoleURL, clock: emu.Clock()}
}

// user returns the id of the first demo user holding role ("" for none).
func (h *harness) user(role string) string {
	for _, u := range h.emu.Users() {
		if role == "" && len(u.Roles) == 0 {
			return u.ID
		}
		for _, r := range u.Roles {
			if r == role {
				return u.ID
			}
		}
	}
	h.t.Fatalf("no demo user with role %q", role)
	return ""
}

func (h *harness) upn(id string) string {
	for _, u := range h.emu.Users() {
		if u.ID == id {
			return u.UserPrincipalName
		}
	}
	return ""
}

// signIn signs a browser in as userID starting at path, and returns the
// browser and the page it lands on.
func (h *harness) signIn(userID, path string) (*emutest.Browser, *emutest.Page) {
	h.t.Helper()
	b := emutest.NewBrowser()
	p, err := b.SignIn(h.url+path, userID, emutest.SignInOptions{})
	if err != nil {
		h.t.Fatal(err)
	}
	return b, p
}

func (h *harness) get(b *emutest.Browser, path string) *emutest.Page {
	h.t.Helper()
	p, err := b.Navigate(h.url+path, "")
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

// post submits a form as the page's own form would, with the page's CSRF
// token.
func (h *harness) post(b *emutest.Browser, path, csrf string, form url.Values) *emutest.Page {
	h.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf != "" {
		form.Set("csrf", csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, h.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", h.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	p, err := b.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	if p2, err := b.Follow(p, ""); err == nil {
		return p2
	}
	return p
}

// csrfOf finds the CSRF token in a page's forms.
func csrfOf(t testing.TB, p *emutest.Page) string {
	t.Helper()
	for _, f := range p.Forms() {
		for _, c := range f.Controls {
			if c.Name == "csrf" && c.Value != "" {
				return c.Value
			}
		}
	}
	t.Fatalf("no CSRF token on %s", p.URL)
	return ""
}

// rewritingProxy serves the emulator through a proxy that rewrites each
// alerts_v2 alert GET, and returns the proxy's URL.
func rewritingProxy(t testing.TB, emu *emulator.Emulator, rewrite func(map[string]any)) string {
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !strings.HasPrefix(r.URL.Path, "/v1.0/security/alerts_v2/") {
			emu.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		emu.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		var doc map[string]any
		if rec.Code == http.StatusOK && json.Unmarshal(body, &doc) == nil {
			rewrite(doc)
			body, _ = json.Marshal(doc)
		}
		for k, vs := range rec.Header() {
			if k != "Content-Length" {
				w.Header()[k] = vs
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	}))
	t.Cleanup(proxy.Close)
	return proxy.URL
}

// ctl calls the emulator's control plane and returns the status and body.
func ctl(t testing.TB, h *harness, method, path string, body any) (int, []byte) {
	t.Helper()
	status, out, err := emutest.ControlPlane(h.emu.URL(), method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, out
}
