package notify

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

// fakeWaits is a Sleeper that moves a fake clock.
type fakeWaits struct{ clk *clock.Fake }

func (f fakeWaits) sleep(ctx context.Context, d time.Duration) error {
	f.clk.Advance(d)
	return ctx.Err()
}

func TestBudget(t *testing.T) {
	security := httptest.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/security/alerts_v2?$top=1", nil)
	other := httptest.NewRequest(http.MethodPatch, "https://graph.microsoft.com/v1.0/subscriptions/x", nil)
	answer := func(status int, retryAfter string) *http.Response {
		r := &http.Response{StatusCode: status, Header: http.Header{}}
		if retryAfter != "" {
			r.Header.Set("Retry-After", retryAfter)
		}
		return r
	}
	tests := []struct {
		name      string
		perMinute int
		requests  int
		before    func(b *Budget)
		wantTime  time.Duration // emulated time the requests took
	}{
		{"burst of a tenth, then the rate", 120, 12 + 120, nil, time.Minute},
		{"a small budget", 6, 1 + 6, nil, time.Minute},
		{"Retry-After holds every request, uncapped", 120, 1, func(b *Budget) {
			b.Observe(security, answer(429, "90000")) // 25 hours
		}, 25 * time.Hour},
		{"503 with Retry-After", 120, 1, func(b *Budget) { b.Observe(security, answer(503, "30")) }, 30 * time.Second},
		{"429 without Retry-After: a short hold", 120, 1, func(b *Budget) { b.Observe(security, answer(429, "")) }, 5 * time.Second},
		{"other answers and other paths do not hold", 120, 1, func(b *Budget) {
			b.Observe(security, answer(500, "60"))
			b.Observe(other, answer(429, "60"))
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFake(liveEpoch)
			b := NewBudget(tt.perMinute, clk, fakeWaits{clk}.sleep)
			if tt.before != nil {
				tt.before(b)
			}
			for range tt.requests {
				if err := b.Wait(security); err != nil {
					t.Fatal(err)
				}
			}
			got := clk.Now().Sub(liveEpoch)
			if got < tt.wantTime || got > tt.wantTime+time.Duration(tt.requests)*time.Millisecond {
				t.Errorf("%d requests took %v, want %v", tt.requests, got, tt.wantTime)
			}
			if s := b.Stats(); s.Requests != int64(tt.requests) {
				t.Errorf("stats %+v", s)
			}
		})
	}
	// Requests elsewhere than the security API are not paced.
	clk := clock.NewFake(liveEpoch)
	b := NewBudget(1, clk, fakeWaits{clk}.sleep)
	for range 100 {
		if err := b.Wait(other); err != nil {
			t.Fatal(err)
		}
	}
	if !clk.Now().Equal(liveEpoch) || b.Stats().Requests != 0 {
		t.Errorf("subscription requests were paced: %v, %+v", clk.Now().Sub(liveEpoch), b.Stats())
	}
	// A cancelled wait returns the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b.Observe(security, answer(429, "60"))
	if err := b.Wait(security.WithContext(ctx)); err == nil {
		t.Error("a cancelled wait succeeded")
	}
}

// BenchmarkBudgetWait is the budget's own cost per request when a token
// is there.
func BenchmarkBudgetWait(b *testing.B) {
	clk := clock.NewFake(liveEpoch)
	bud := NewBudget(1<<30, clk, fakeWaits{clk}.sleep)
	req := httptest.NewRequest(http.MethodGet, "https://graph.microsoft.com/v1.0/security/incidents", nil)
	for b.Loop() {
		clk.Advance(time.Millisecond)
		if err := bud.Wait(req); err != nil {
			b.Fatal(err)
		}
	}
}
