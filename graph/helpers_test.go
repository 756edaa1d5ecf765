package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/internal/clock"
)

// fakeTokens is a TokenSource whose refreshes are counted.
type fakeTokens struct {
	mu         sync.Mutex
	current    string
	refreshes  int
	tokenErr   error
	refreshErr error
	stuck      bool // Refresh hands back the rejected token
}

func (f *fakeTokens) Token(ctx context.Context) (*oauth2.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tokenErr != nil {
		return nil, f.tokenErr
	}
	return &oauth2.Token{AccessToken: f.current, TokenType: "Bearer"}, nil
}

func (f *fakeTokens) Refresh(ctx context.Context, rejected *oauth2.Token) (*oauth2.Token, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refreshes++
	if f.refreshErr != nil {
		return nil, f.refreshErr
	}
	if !f.stuck {
		f.current = fmt.Sprintf("token-%d", f.refreshes+1)
	}
	return &oauth2.Token{AccessToken: f.current, TokenType: "Bearer"}, nil
}

func (f *fakeTokens) refreshCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refreshes
}

// recSleeper records the retry layer's waits instead of sleeping.
type recSleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *recSleeper) sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	return nil
}

func (s *recSleeper) recorded() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

// testEnv is a client wired to an httptest server.
type testEnv struct {
	c      *Client
	tokens *fakeTokens
	sleep  *recSleeper
	srv    *httptest.Server
	clock  *clock.Fake
}

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, h http.HandlerFunc, mods ...func(*Options)) *testEnv {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	env := &testEnv{tokens: &fakeTokens{current: "token-1"}, sleep: &recSleeper{}, srv: srv, clock: clock.NewFake(testNow)}
	opts := Options{
		BaseURL:    srv.URL,
		HTTPClient: srv.Client(),
		Tokens:     env.tokens,
		UserAgent:  "graphsec-test/1.0",
		Clock:      env.clock,
		Retry:      RetryPolicy{Sleep: env.sleep.sleep, Jitter: func() float64 { return 0.5 }},
	}
	for _, m := range mods {
		m(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	env.c = c
	return env
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkCommonHeaders verifies what every request must carry.
func checkCommonHeaders(t *testing.T, r *http.Request, token string) {
	t.Helper()
	if got := r.Header.Get("Authorization"); got != "Bearer "+token {
		t.Errorf("Authorization = %q, want Bearer %s", got, token)
	}
	if id := r.Header.Get("client-request-id"); !uuidV4.MatchString(id) {
		t.Errorf("client-request-id %q is not a v4 UUID", id)
	}
	if got := r.Header.Get("return-client-request-id"); got != "true" {
		t.Errorf("return-client-request-id = %q", got)
	}
	if got := r.Header.Get("Accept"); got != "application/json" {
		t.Errorf("Accept = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got != "graphsec-test/1.0" {
		t.Errorf("User-Agent = %q", got)
	}
}

// writeJSON answers like Graph: JSON, request-id, the echoed
// client-request-id and a Date.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	h.Set("request-id", "req-"+r.Header.Get("client-request-id"))
	h.Set("client-request-id", r.Header.Get("client-request-id"))
	h.Set("OData-Version", "4.0")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}

// writeGraphError answers with Graph's error envelope.
func writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, msg string) {
	id := r.Header.Get("client-request-id")
	body := fmt.Sprintf(`{"error":{"code":%q,"message":%q,"innerError":{"date":"2026-03-01T12:00:00","request-id":"req-%s","client-request-id":%q}}}`, code, msg, id, id)
	writeJSON(w, r, status, body)
}

func fixture(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// jsonEqual compares two JSON documents semantically.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %s: %v", want, err)
	}
	if d := cmp.Diff(w, g); d != "" {
		t.Errorf("JSON mismatch (-want +got):\n%s\ngot: %s", d, got)
	}
}
