package graph

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
)

type step struct {
	status     int
	retryAfter string
}

func TestRetry(t *testing.T) {
	ok := step{status: 200}
	tests := []struct {
		name       string
		method     string
		steps      []step // the last one repeats
		policy     RetryPolicy
		wantCalls  int
		wantWaits  []time.Duration
		wantStatus int // final status; 0 when the call succeeds
	}{
		{"429 with fractional Retry-After then success", "GET",
			[]step{{429, "2.128"}, ok}, RetryPolicy{}, 2, []time.Duration{2128 * time.Millisecond}, 0},
		{"429 sequence without Retry-After uses backoff", "GET",
			[]step{{429, ""}, {429, ""}, {429, ""}, ok}, RetryPolicy{}, 4,
			// jitter 0.5: d/2 + 0.5*d/2 for d = 1 s, 2 s, 4 s
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}, 0},
		{"backoff capped by MaxDelay", "GET",
			[]step{{503, ""}, {503, ""}, {503, ""}, ok}, RetryPolicy{BaseDelay: time.Second, MaxDelay: 2 * time.Second}, 4,
			[]time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 1500 * time.Millisecond}, 0},
		{"429 with HTTP-date Retry-After", "GET",
			[]step{{429, testNow.Add(7 * time.Second).Format(http.TimeFormat)}, ok}, RetryPolicy{}, 2, []time.Duration{7 * time.Second}, 0},
		{"429 with a past HTTP-date retries at once", "GET",
			[]step{{429, testNow.Add(-time.Hour).Format(http.TimeFormat)}, ok}, RetryPolicy{}, 2, []time.Duration{0}, 0},
		{"503 then success", "GET", []step{{503, "1"}, ok}, RetryPolicy{}, 2, []time.Duration{time.Second}, 0},
		{"504 then success", "DELETE", []step{{504, ""}, ok}, RetryPolicy{}, 2, []time.Duration{750 * time.Millisecond}, 0},
		{"PUT is idempotent", "PUT", []step{{503, "0"}, ok}, RetryPolicy{}, 2, []time.Duration{0}, 0},
		{"POST not retried after 503", "POST", []step{{503, "1"}}, RetryPolicy{}, 1, nil, 503},
		{"PATCH not retried after 504", "PATCH", []step{{504, ""}}, RetryPolicy{}, 1, nil, 504},
		{"POST retried after 429", "POST", []step{{429, "1"}, ok}, RetryPolicy{}, 2, []time.Duration{time.Second}, 0},
		{"PATCH retried after 429", "PATCH", []step{{429, "0.5"}, ok}, RetryPolicy{}, 2, []time.Duration{500 * time.Millisecond}, 0},
		{"500 is not retried", "GET", []step{{500, "1"}}, RetryPolicy{}, 1, nil, 500},
		{"attempts capped", "GET", []step{{429, "1"}}, RetryPolicy{MaxAttempts: 3}, 3,
			[]time.Duration{time.Second, time.Second}, 429},
		{"total wait capped", "GET", []step{{429, "50"}}, RetryPolicy{MaxTotalWait: 2 * time.Minute}, 3,
			[]time.Duration{50 * time.Second, 50 * time.Second}, 429},
		{"Retry-After beyond the cap ends retries at once", "GET", []step{{429, "3600"}}, RetryPolicy{}, 1, nil, 429},
		{"retries disabled", "GET", []step{{429, "1"}}, RetryPolicy{MaxAttempts: 1}, 1, nil, 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			var mu sync.Mutex
			var bodies []string
			env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				b, _ := io.ReadAll(r.Body)
				mu.Lock()
				bodies = append(bodies, string(b))
				mu.Unlock()
				s := tt.steps[min(n, len(tt.steps))-1]
				if s.retryAfter != "" {
					w.Header().Set("Retry-After", s.retryAfter)
				}
				if s.status >= 400 {
					writeGraphError(w, r, s.status, http.StatusText(s.status), "try later")
					return
				}
				writeJSON(w, r, s.status, `{"id":"x"}`)
			}, func(o *Options) {
				p := tt.policy
				p.Sleep, p.Jitter = o.Retry.Sleep, o.Retry.Jitter
				o.Retry = p
			})
			var body any
			if tt.method == "POST" || tt.method == "PATCH" || tt.method == "PUT" {
				body = map[string]string{"comment": "hello"}
			}
			r, err := env.c.NewRequest(tt.method, "/v1.0/security/alerts_v2/x", "", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := env.c.Do(context.Background(), r, nil)
			if got := int(calls.Load()); got != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", got, tt.wantCalls)
			}
			if d := cmp.Diff(tt.wantWaits, env.sleep.recorded()); d != "" {
				t.Errorf("waits (-want +got):\n%s", d)
			}
			if tt.wantStatus == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
			} else {
				var ge *Error
				if !errors.As(err, &ge) || ge.StatusCode != tt.wantStatus {
					t.Fatalf("err = %v, want *Error %d", err, tt.wantStatus)
				}
				if resp == nil || resp.StatusCode != tt.wantStatus {
					t.Errorf("response %+v", resp)
				}
				if tt.wantStatus == 429 && !errors.Is(err, ErrThrottled) {
					t.Errorf("429 does not match ErrThrottled")
				}
			}
			if body != nil {
				for i, b := range bodies {
					if b != `{"comment":"hello"}` {
						t.Errorf("attempt %d body %q: not rewound", i+1, b)
					}
				}
			}
		})
	}
}

func TestRetryAfterExposedOnThrottledError(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "10")
		writeJSON(w, r, 429, `{"error":{"code":"TooManyRequests","innerError":{"code":"429","date":"2020-08-18T12:51:51","message":"Please retry after","request-id":"94fb3b52-452a-4535-a601-69e0a90e3aa2","status":"429"},"message":"Please retry again later."}}`)
	}, func(o *Options) { o.Retry.MaxAttempts = 1 })
	_, _, err := env.c.Alerts.Get(context.Background(), "a1")
	var ge *Error
	if !errors.As(err, &ge) {
		t.Fatalf("err = %v", err)
	}
	if ge.RetryAfter != 10*time.Second || ge.Code != "TooManyRequests" || ge.InnerCode != "429" ||
		ge.RequestID != "94fb3b52-452a-4535-a601-69e0a90e3aa2" || !errors.Is(err, ErrThrottled) {
		t.Errorf("error = %+v", ge)
	}
	if want := time.Date(2020, 8, 18, 12, 51, 51, 0, time.UTC); !ge.Date.Equal(want) {
		t.Errorf("Date = %v", ge.Date)
	}
}

func TestRetryObservers(t *testing.T) {
	var calls atomic.Int32
	var fromPolicy, fromCtx []RetryInfo
	var mu sync.Mutex
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "3")
			writeGraphError(w, r, 429, "TooManyRequests", "slow down")
			return
		}
		writeJSON(w, r, 200, `{"id":"a1","status":"new","severity":"low","serviceSource":"unknown","evidence":[],"comments":[]}`)
	}, func(o *Options) {
		o.Retry.OnRetry = func(i RetryInfo) { mu.Lock(); fromPolicy = append(fromPolicy, i); mu.Unlock() }
	})
	ctx := WithRetryObserver(context.Background(), func(i RetryInfo) { mu.Lock(); fromCtx = append(fromCtx, i); mu.Unlock() })
	a, resp, err := env.c.Alerts.Get(ctx, "a1")
	if err != nil || a.ID != "a1" {
		t.Fatalf("Get: %v %+v", err, a)
	}
	if len(fromPolicy) != 1 || len(fromCtx) != 1 {
		t.Fatalf("observers saw %d and %d retries", len(fromPolicy), len(fromCtx))
	}
	i := fromPolicy[0]
	if i.Attempt != 2 || i.Wait != 3*time.Second || !i.FromServer || i.StatusCode != 429 || i.Method != "GET" ||
		!strings.HasSuffix(i.URL, "/v1.0/security/alerts_v2/a1") || !strings.HasPrefix(i.RequestID, "req-") ||
		!uuidV4.MatchString(i.ClientRequestID) {
		t.Errorf("RetryInfo = %+v", i)
	}
	if fromCtx[0] != i {
		t.Errorf("context observer saw %+v", fromCtx[0])
	}
	if i.ClientRequestID == resp.ClientRequestID {
		t.Errorf("retry reused client-request-id %s", i.ClientRequestID)
	}
}

func TestRetryStopsWhenContextEndsDuringWait(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "30")
		writeGraphError(w, r, 429, "TooManyRequests", "slow down")
	}, func(o *Options) { o.Retry.Sleep = nil }) // the real timer
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := env.c.Alerts.Get(ctx, "a1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if !strings.Contains(err.Error(), "waiting") {
		t.Errorf("error does not say it was waiting: %v", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v: the wait did not stop with the context", el)
	}
	if calls.Load() != 1 {
		t.Errorf("%d requests", calls.Load())
	}
}

func TestRetryNotRewindableBody(t *testing.T) {
	var calls atomic.Int32
	rt := NewRetryTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		return &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"1"}}, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}), RetryPolicy{Sleep: (&recSleeper{}).sleep}, nil, nil)
	req, _ := http.NewRequest("POST", "https://graph.microsoft.com/v1.0/x", io.NopCloser(strings.NewReader("body")))
	req.GetBody = nil
	resp, err := rt.RoundTrip(req)
	if err != nil || resp.StatusCode != 429 || calls.Load() != 1 {
		t.Fatalf("resp %v err %v calls %d", resp, err, calls.Load())
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestAuthRefreshAfterInvalidToken(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			var calls atomic.Int32
			env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				b, _ := io.ReadAll(r.Body)
				if method == "POST" && string(b) != `{"comment":"hi"}` {
					t.Errorf("body %q", b)
				}
				if r.Header.Get("Authorization") != "Bearer token-2" {
					writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
					return
				}
				writeJSON(w, r, 200, `{"value":[]}`)
			})
			var body any
			if method == "POST" {
				body = map[string]string{"comment": "hi"}
			}
			r, _ := env.c.NewRequest(method, "/v1.0/security/alerts_v2/a/comments", "", body)
			if _, err := env.c.Do(context.Background(), r, nil); err != nil {
				t.Fatal(err)
			}
			if calls.Load() != 2 || env.tokens.refreshCount() != 1 {
				t.Errorf("calls %d refreshes %d", calls.Load(), env.tokens.refreshCount())
			}
		})
	}
}

func TestAuthPersistent401DoesNotLoop(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeGraphError(w, r, 401, "invalidAuthenticationToken", "Access token validation failure. Invalid audience.")
	})
	_, _, err := env.c.Users.Me(context.Background())
	if !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	var ge *Error
	if !errors.As(err, &ge) || ge.Message != "Access token validation failure. Invalid audience." {
		t.Errorf("the caller lost the 401 body: %v", err)
	}
	if calls.Load() != 2 || env.tokens.refreshCount() != 1 {
		t.Errorf("calls %d refreshes %d, want 2 and 1", calls.Load(), env.tokens.refreshCount())
	}
}

func TestAuthNoRefresh(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		stuck bool
	}{
		{"other 401 code", `{"error":{"code":"Unauthorized","message":"nope"}}`, false},
		{"non-JSON 401", `<html>401</html>`, false},
		{"source cannot refresh", `{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				writeJSON(w, r, 401, tt.body)
			})
			env.tokens.stuck = tt.stuck
			_, _, err := env.c.Users.Me(context.Background())
			if !errors.Is(err, ErrUnauthorized) || calls.Load() != 1 {
				t.Errorf("err %v calls %d", err, calls.Load())
			}
		})
	}
}

func TestTokenErrors(t *testing.T) {
	var calls atomic.Int32
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		writeGraphError(w, r, 401, "InvalidAuthenticationToken", "expired")
	})
	env.tokens.refreshErr = errors.New("invalid_grant: AADSTS70008")
	_, _, err := env.c.Users.Me(context.Background())
	var te *TokenError
	if !errors.As(err, &te) || !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "AADSTS70008") {
		t.Errorf("refresh failure: %v", err)
	}
	env.tokens.tokenErr = errors.New("no session")
	before := calls.Load()
	_, _, err = env.c.Users.Me(context.Background())
	if !errors.As(err, &te) || calls.Load() != before {
		t.Errorf("token failure: %v, %d requests sent", err, calls.Load()-before)
	}
	if strings.Contains(err.Error(), "token-1") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestAuthTransportRefusesForeignHost(t *testing.T) {
	var sent atomic.Bool
	at, err := NewAuthTransport(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent.Store(true)
		return nil, errors.New("unreachable")
	}), &fakeTokens{current: "secret"}, "https://graph.microsoft.com", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://evil.example/v1.0/me", "http://graph.microsoft.com/v1.0/me", "https://graph.microsoft.com:8443/v1.0/me"} {
		req, _ := http.NewRequest("GET", u, nil)
		if _, err := at.RoundTrip(req); !errors.Is(err, ErrForeignHost) {
			t.Errorf("%s: err = %v", u, err)
		}
	}
	if sent.Load() {
		t.Error("a request reached the network")
	}
	if _, err := NewAuthTransport(http.DefaultTransport, &fakeTokens{}, "not a url", 0, nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("relative base URL accepted: %v", err)
	}
}

func TestRedirects(t *testing.T) {
	var foreignHit atomic.Bool
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { foreignHit.Store(true) }))
	defer foreign.Close()
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1.0/me":
			http.Redirect(w, r, foreign.URL+"/steal", http.StatusFound)
		case "/v1.0/users/a":
			http.Redirect(w, r, "/v1.0/users/b", http.StatusFound)
		case "/v1.0/users/b":
			checkCommonHeaders(t, r, "token-1")
			writeJSON(w, r, 200, `{"id":"b"}`)
		}
	})
	if _, _, err := env.c.Users.Me(context.Background()); !errors.Is(err, ErrForeignHost) {
		t.Errorf("foreign redirect: %v", err)
	}
	if foreignHit.Load() {
		t.Error("the foreign host was contacted")
	}
	u, resp, err := env.c.Users.Get(context.Background(), "a")
	if err != nil || u.ID != "b" || !strings.HasSuffix(resp.URL, "/v1.0/users/b") {
		t.Errorf("same-host redirect: %v %+v %+v", err, u, resp)
	}
}

func TestClientRequestIDFreshPerRequest(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]bool{}
	var calls atomic.Int32
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		checkCommonHeaders(t, r, "token-1")
		mu.Lock()
		id := r.Header.Get("client-request-id")
		if seen[id] {
			t.Errorf("client-request-id %s reused", id)
		}
		seen[id] = true
		mu.Unlock()
		if calls.Add(1)%2 == 1 {
			writeGraphError(w, r, 503, "serviceNotAvailable", "busy")
			return
		}
		writeJSON(w, r, 200, fixture(t, "user.json"))
	})
	for range 3 {
		_, resp, err := env.c.Users.Me(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !uuidV4.MatchString(resp.ClientRequestID) || resp.RequestID != "req-"+resp.ClientRequestID {
			t.Errorf("response ids %q %q", resp.ClientRequestID, resp.RequestID)
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d distinct ids for 6 requests", len(seen))
	}
}

func TestPerRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	start := time.Now()
	_, _, err := env.c.Users.Me(context.Background())
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("err = %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("timeout not applied")
	}
}

func TestTimeoutCoversBodyRead(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`{"id":`))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	_, _, err := env.c.Users.Me(context.Background())
	if err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestNoTokenSource(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			t.Error("Authorization sent without a token source")
		}
		writeJSON(w, r, 200, fixture(t, "user.json"))
	}, func(o *Options) { o.Tokens = nil })
	if _, _, err := env.c.Users.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPClientTimeoutIsDefault(t *testing.T) {
	c, err := New(Options{HTTPClient: &http.Client{Timeout: 3 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	rt := c.hc.Transport.(*RetryTransport).next.(*stampTransport)
	if rt.timeout != 3*time.Second {
		t.Errorf("timeout %v", rt.timeout)
	}
}

// A token source that returns a nil token must not panic the auth layer.
type nilTokens struct{}

func (nilTokens) Token(context.Context) (*oauth2.Token, error) {
	return nil, errors.New("no token")
}
func (nilTokens) Refresh(context.Context, *oauth2.Token) (*oauth2.Token, error) {
	return nil, errors.New("no token")
}

func TestNilTokenSource(t *testing.T) {
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") },
		func(o *Options) { o.Tokens = nilTokens{} })
	if _, _, err := env.c.Users.Me(context.Background()); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("err = %v", err)
	}
}
