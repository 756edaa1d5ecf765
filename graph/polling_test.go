package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRetryAfterUncapped(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"2.5", 2500 * time.Millisecond, true},
		{"90000", 90000 * time.Second, true}, // 25 h: the retry layer caps it, a budget does not
		{"1e400", math.MaxInt64, true},
		{testNow.Add(48 * time.Hour).Format(http.TimeFormat), 48 * time.Hour, true},
		{testNow.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"", 0, false},
		{"later", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := ParseRetryAfter(tt.in, testNow)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestTopLimit(t *testing.T) {
	msg := "The limit of '50' for Top query has been exceeded. The value from the incoming request is '100'."
	tests := []struct {
		name string
		err  error
		want int
		ok   bool
	}{
		{"graph's message", &Error{StatusCode: 400, Code: "BadRequest", Message: msg}, 50, true},
		{"wrapped", errors.Join(errors.New("poll"), &Error{StatusCode: 400, Message: msg}), 50, true},
		{"another status", &Error{StatusCode: 500, Message: msg}, 0, false},
		{"another 400", &Error{StatusCode: 400, Message: "Invalid filter clause"}, 0, false},
		{"not a number", &Error{StatusCode: 400, Message: "The limit of 'x' for Top query has been exceeded."}, 0, false},
		{"zero", &Error{StatusCode: 400, Message: "The limit of '0' for Top query has been exceeded."}, 0, false},
		{"huge", &Error{StatusCode: 400, Message: "The limit of '99999999999' for Top query has been exceeded."}, 0, false},
		{"not a graph error", errors.New(msg), 0, false},
		{"nil", nil, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := TopLimit(tt.err)
			if got != tt.want || ok != tt.ok {
				t.Errorf("TopLimit = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestSubscriptionResource(t *testing.T) {
	tests := []struct {
		name    string
		q       LegacyAlertQuery
		want    string
		wantErr bool
	}{
		{"provider", LegacyAlertQuery{Provider: "ASC"}, "security/alerts?$filter=vendorInformation/provider eq 'ASC'", false},
		{"the sample's fields in its order", LegacyAlertQuery{Category: "malware", Provider: "MCAS", Severity: LegacyAlertSeverityHigh, HostFQDN: "pc1.contoso.com", UPN: "o'brien@contoso.com"},
			"security/alerts?$filter=category eq 'malware' and vendorInformation/provider eq 'MCAS' and severity eq 'high' and hostStates/any(a: a/fqdn eq 'pc1.contoso.com') and userStates/any(a: a/userPrincipalName eq 'o''brien@contoso.com')", false},
		{"query punctuation escaped", LegacyAlertQuery{UPN: "a+b&c#d%e@x.com"}, "security/alerts?$filter=userStates/any(a: a/userPrincipalName eq 'a%2Bb%26c%23d%25e@x.com')", false},
		{"top and order are not part of it", LegacyAlertQuery{Status: LegacyAlertStatusNewAlert, TopPerProvider: 5, OrderBy: []string{"createdDateTime desc"}}, "security/alerts?$filter=status eq 'newAlert'", false},
		{"no condition", LegacyAlertQuery{TopPerProvider: 5}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.q.SubscriptionResource()
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("SubscriptionResource() = %q, %v; want %q (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
	if got, err := LegacyAlertResource("a/b c"); err != nil || got != "security/alerts/a%2Fb%20c" {
		t.Errorf("LegacyAlertResource = %q, %v", got, err)
	}
	if _, err := LegacyAlertResource(".."); err == nil {
		t.Error("LegacyAlertResource(..) succeeded")
	}
}

// recLimiter records what a Limiter is told.
type recLimiter struct {
	mu       sync.Mutex
	waits    int
	statuses []int
	failWait error
}

func (l *recLimiter) Wait(r *http.Request) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.waits++
	return l.failWait
}

func (l *recLimiter) Observe(r *http.Request, resp *http.Response) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses = append(l.statuses, resp.StatusCode)
}

// TestLimiterEveryAttempt: the limiter is asked before every attempt,
// retries included, and sees every answer; its error ends the call.
func TestLimiterEveryAttempt(t *testing.T) {
	calls := 0
	lim := &recLimiter{}
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls < 3 {
			w.Header().Set("Retry-After", "1")
			writeGraphError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
			return
		}
		writeJSON(w, r, http.StatusOK, `{"value":[]}`)
	}, func(o *Options) { o.Limiter = lim })
	if _, _, err := env.c.Alerts.List(context.Background(), Query{}); err != nil {
		t.Fatal(err)
	}
	if lim.waits != 3 || !cmp.Equal(lim.statuses, []int{429, 429, 200}) {
		t.Errorf("limiter waits %d, saw %v; want 3 waits and 429, 429, 200", lim.waits, lim.statuses)
	}
	lim.failWait = context.Canceled
	if _, _, err := env.c.Alerts.List(context.Background(), Query{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a failing Wait gave %v", err)
	}
	if calls != 3 {
		t.Errorf("the server saw %d requests; a failing Wait must send none", calls)
	}
}

// FuzzTopLimit: reading Graph's message never panics, and a limit it
// reads is a positive number of at most nine digits, written in the
// message.
func FuzzTopLimit(f *testing.F) {
	f.Add("The limit of '50' for Top query has been exceeded. The value from the incoming request is '100'.")
	f.Add("The limit of '' for Top query has been exceeded")
	f.Add("The limit of '-1' for Top query has been exceeded")
	f.Fuzz(func(t *testing.T, msg string) {
		n, ok := TopLimit(&Error{StatusCode: 400, Message: msg})
		if ok && (n < 1 || n > 999_999_999 || !strings.Contains(msg, fmt.Sprint(n))) {
			t.Fatalf("TopLimit(%q) = %d", msg, n)
		}
	})
}

// FuzzParseRetryAfterUncapped: never panics, never negative, and a
// value the retry layer reads is the same or capped.
func FuzzParseRetryAfterUncapped(f *testing.F) {
	for _, s := range []string{"2.5", "1e400", "Sun, 01 Mar 2026 12:00:05 GMT", "-1", "9223372036.854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, testNow)
		if d < 0 {
			t.Fatalf("ParseRetryAfter(%q) = %v", v, d)
		}
		capped, ok2 := parseRetryAfter(v, testNow)
		if ok != ok2 || capped != min(d, maxRetryAfter) {
			t.Fatalf("%q: uncapped %v %v, capped %v %v", v, d, ok, capped, ok2)
		}
	})
}
