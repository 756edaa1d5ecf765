package graph_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
)

func TestEmulatorRetries(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)
	first, _, err := c.Alerts.List(env.ctx, graph.Query{Top: 3})
	if err != nil {
		t.Fatal(err)
	}
	id := first.Value[0].ID
	env.takeRetries()

	t.Run("429 with Retry-After", func(t *testing.T) {
		env.fault(t, map[string]any{"path": "/security/alerts_v2", "status": 429, "retryAfter": "1.5", "count": 2})
		page, _, err := c.Alerts.List(env.ctx, graph.Query{Top: 3})
		if err != nil || len(page.Value) != 3 {
			t.Fatalf("%v", err)
		}
		r := env.takeRetries()
		if len(r) != 2 || r[0].ClientRequestID == r[1].ClientRequestID {
			t.Fatalf("retries %+v, want two with their own client-request-id", r)
		}
		for _, x := range r {
			if x.StatusCode != 429 || x.Wait != 1500*time.Millisecond || !x.FromServer || x.RequestID == "" {
				t.Fatalf("retry %+v", x)
			}
		}
	})
	t.Run("503 on GET is retried with backoff", func(t *testing.T) {
		env.fault(t, map[string]any{"method": "GET", "path": "/security/alerts_v2", "status": 503, "count": 1})
		if _, _, err := c.Alerts.Get(env.ctx, id); err != nil {
			t.Fatal(err)
		}
		if r := env.takeRetries(); len(r) != 1 || r[0].StatusCode != 503 || r[0].FromServer || r[0].Wait <= 0 {
			t.Fatalf("retries %+v", r)
		}
	})
	t.Run("503 on PATCH is not retried", func(t *testing.T) {
		env.fault(t, map[string]any{"method": "PATCH", "path": "/security/alerts_v2", "status": 503, "count": 1})
		_, _, err := c.Alerts.Update(env.ctx, id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatusInProgress)})
		mustGraphError(t, err, 503, "serviceNotAvailable")
		if r := env.takeRetries(); len(r) != 0 {
			t.Fatalf("a PATCH was retried after 503: %+v", r)
		}
		// The fault was used up by the one attempt: the next PATCH goes through.
		a, _, err := c.Alerts.Update(env.ctx, id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatusInProgress)})
		if err != nil || a.Status != graph.AlertStatusInProgress {
			t.Fatalf("%v %+v", err, a)
		}
	})
	t.Run("429 on PATCH is retried with the body rewound", func(t *testing.T) {
		env.fault(t, map[string]any{"method": "PATCH", "path": "/security/alerts_v2", "status": 429, "retryAfter": "1", "count": 1})
		a, _, err := c.Alerts.Update(env.ctx, id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatusResolved)})
		if err != nil || a.Status != graph.AlertStatusResolved || a.ResolvedDateTime.IsZero() {
			t.Fatalf("%v %+v", err, a)
		}
		if r := env.takeRetries(); len(r) != 1 || r[0].Method != "PATCH" || r[0].StatusCode != 429 {
			t.Fatalf("retries %+v", r)
		}
	})
	t.Run("504 on a comment POST is not retried", func(t *testing.T) {
		env.fault(t, map[string]any{"method": "POST", "path": "/security/alerts_v2", "status": 504, "count": 1})
		_, _, err := c.Alerts.AddComment(env.ctx, id, "once")
		mustGraphError(t, err, 504, "GatewayTimeout")
		if r := env.takeRetries(); len(r) != 0 {
			t.Fatalf("retries %+v", r)
		}
		a, _, _ := c.Alerts.Get(env.ctx, id)
		for _, cm := range a.Comments {
			if cm.Comment == "once" {
				t.Fatal("the failed comment was recorded")
			}
		}
	})
	t.Run("retries run out", func(t *testing.T) {
		env.fault(t, map[string]any{"path": "/security/incidents", "status": 429, "retryAfter": "2", "count": 5})
		_, resp, err := c.Incidents.List(env.ctx, graph.IncidentQuery{})
		ge := mustGraphError(t, err, 429, "TooManyRequests")
		if !errors.Is(err, graph.ErrThrottled) || ge.RetryAfter != 2*time.Second || resp.RetryAfter != 2*time.Second {
			t.Fatalf("%v, RetryAfter %v", err, ge.RetryAfter)
		}
		if r := env.takeRetries(); len(r) != 4 {
			t.Fatalf("%d retries, want 4 (5 attempts)", len(r))
		}
	})
	t.Run("context cancelled during the wait", func(t *testing.T) {
		env.fault(t, map[string]any{"path": "/security/incidents", "status": 429, "retryAfter": "30", "count": 1})
		real, err := graph.New(graph.Options{BaseURL: env.emu.URL(), Tokens: graph.AppTokens(env.ctx, env.appConfig())})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(env.ctx, 200*time.Millisecond)
		defer cancel()
		began := time.Now()
		_, _, err = real.Incidents.List(ctx, graph.IncidentQuery{})
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(began) > 10*time.Second {
			t.Fatalf("%v after %v", err, time.Since(began))
		}
	})
}

// polled records what a cursor delivered.
type polled struct {
	keys []graph.CursorKey
}

func (p *polled) poll(t *testing.T, ctx context.Context, cur *graph.AlertCursor) error {
	t.Helper()
	var last time.Time
	for a, err := range cur.Poll(ctx) {
		if err != nil {
			return err
		}
		if a.LastUpdateDateTime.Before(last) {
			t.Fatalf("alert %s at %v delivered after %v: not oldest change first", a.ID, a.LastUpdateDateTime, last)
		}
		last = a.LastUpdateDateTime
		p.keys = append(p.keys, graph.CursorKey{ID: a.ID, LastUpdateDateTime: a.LastUpdateDateTime})
	}
	return nil
}

// take returns and forgets the keys delivered since the last take.
func (p *polled) take() []graph.CursorKey {
	k := p.keys
	p.keys = nil
	return k
}

// exactlyOnce checks that got holds each of want once, in any order.
func exactlyOnce(t *testing.T, got, want []graph.CursorKey) {
	t.Helper()
	count := map[graph.CursorKey]int{}
	for _, k := range got {
		k.LastUpdateDateTime = k.LastUpdateDateTime.UTC()
		count[k]++
	}
	for _, k := range want {
		k.LastUpdateDateTime = k.LastUpdateDateTime.UTC()
		if count[k] != 1 {
			t.Errorf("change %s at %v delivered %d times", k.ID, k.LastUpdateDateTime, count[k])
		}
		delete(count, k)
	}
	for k, n := range count {
		t.Errorf("unexpected delivery of %s at %v (%d times)", k.ID, k.LastUpdateDateTime, n)
	}
}

// change alters an alert through the control plane, as its provider
// would, and returns the new version's key.
func (env *emuEnv) change(t *testing.T, id string, props map[string]any) graph.CursorKey {
	t.Helper()
	return alertKey(t, env.control(t, "PATCH", "/_emulator/alerts/"+id, props))
}

func (env *emuEnv) raise(t *testing.T, props map[string]any) graph.CursorKey {
	t.Helper()
	return alertKey(t, env.control(t, "POST", "/_emulator/alerts", props))
}

func alertKey(t *testing.T, doc map[string]any) graph.CursorKey {
	t.Helper()
	ts, err := time.Parse(time.RFC3339Nano, doc["lastUpdateDateTime"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return graph.CursorKey{ID: doc["id"].(string), LastUpdateDateTime: ts}
}

// TestEmulatorCursor follows alerts_v2 with the time-boundary cursor while
// the control plane raises and changes alerts. The emulator's clock is
// stopped, so every change made without Advance shares one
// lastUpdateDateTime: the case that a strict "gt" cursor loses and a
// $skip cursor repeats.
func TestEmulatorCursor(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	c := env.appClient(t)
	const pageSize = 3
	cur, err := c.Alerts.NewCursor(graph.CursorState{}, graph.CursorOptions{PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	var p polled

	// The first poll delivers every alert once.
	if err := p.poll(t, env.ctx, cur); err != nil {
		t.Fatal(err)
	}
	first := p.take()
	ids := map[string]bool{}
	for _, k := range first {
		if ids[k.ID] {
			t.Fatalf("alert %s delivered twice", k.ID)
		}
		ids[k.ID] = true
	}
	if len(ids) != 400 {
		t.Fatalf("first poll delivered %d alerts, the tenant has 400", len(ids))
	}
	existing := make([]string, 0, 12)
	for _, k := range first[:12] {
		existing = append(existing, k.ID)
	}

	// Seven changes at one instant, more than two pages' worth.
	var want []graph.CursorKey
	for i := range 3 {
		want = append(want, env.raise(t, map[string]any{"title": fmt.Sprintf("Burst %d", i), "severity": "high"}))
	}
	for _, id := range existing[:4] {
		want = append(want, env.change(t, id, map[string]any{"status": "inProgress"}))
	}
	for _, k := range want[1:] {
		if !k.LastUpdateDateTime.Equal(want[0].LastUpdateDateTime) {
			t.Fatalf("changes do not share a timestamp: %v and %v", k.LastUpdateDateTime, want[0].LastUpdateDateTime)
		}
	}
	if err := p.poll(t, env.ctx, cur); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, p.take(), want)
	if err := p.poll(t, env.ctx, cur); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, p.take(), nil)

	// More changes at that same instant, after the cursor has passed it.
	want = []graph.CursorKey{env.change(t, existing[4], map[string]any{"severity": "low"}), env.change(t, existing[5], map[string]any{"assignedTo": "ops@contoso.com"})}
	if err := p.poll(t, env.ctx, cur); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, p.take(), want)

	// Save the state as JSON, as a worker does between runs, and resume
	// from it on a new client: no gap and no repeat.
	saved, err := json.Marshal(cur.State())
	if err != nil {
		t.Fatal(err)
	}
	want = []graph.CursorKey{env.change(t, existing[6], map[string]any{"status": "resolved"}), env.raise(t, map[string]any{"title": "While we were away"})}
	var st graph.CursorState
	if err := json.Unmarshal(saved, &st); err != nil {
		t.Fatal(err)
	}
	resumed, err := env.appClient(t).Alerts.NewCursor(st, graph.CursorOptions{PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	var q polled
	if err := q.poll(t, env.ctx, resumed); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, q.take(), want)
	missed := want // what the first cursor has not seen yet

	// Time moves on: an alert changed again is delivered again, as the
	// new change it is, to both cursors.
	env.emu.Clock().Advance(time.Millisecond)
	want = []graph.CursorKey{env.change(t, existing[0], map[string]any{"status": "resolved"})}
	if err := q.poll(t, env.ctx, resumed); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, q.take(), want)
	if err := p.poll(t, env.ctx, cur); err != nil {
		t.Fatal(err)
	}
	exactlyOnce(t, p.take(), append(missed, want...))
}

// TestEmulatorThrottledCursor runs the cursor against Graph's security
// budget of 150 requests a minute, with small pages so that one poll needs
// more than the budget.
func TestEmulatorThrottledCursor(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{})
	env.control(t, "POST", "/_emulator/throttle", map[string]any{"perMinute": 150})

	t.Run("waited out", func(t *testing.T) {
		c := env.appClient(t)
		cur, err := c.Alerts.NewCursor(graph.CursorState{}, graph.CursorOptions{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		var p polled
		if err := p.poll(t, env.ctx, cur); err != nil {
			t.Fatal(err)
		}
		got := p.take()
		want := slices.Clone(got)
		exactlyOnce(t, got, dedupe(want))
		if len(dedupe(want)) != 400 {
			t.Fatalf("%d alerts delivered, want 400", len(dedupe(want)))
		}
		r := env.takeRetries()
		if len(r) == 0 {
			t.Fatal("the poll was never throttled: not a test of throttling")
		}
		for _, x := range r {
			if x.StatusCode != 429 || !x.FromServer || x.Wait <= 0 || x.Wait > 2*time.Second {
				t.Fatalf("retry %+v", x)
			}
		}
	})

	t.Run("retries exhausted, resumed", func(t *testing.T) {
		env.control(t, "POST", "/_emulator/throttle", map[string]any{"perMinute": 150}) // a full bucket
		opts := env.options(graph.AppTokens(env.ctx, env.appConfig()))
		opts.Retry.MaxAttempts = 1
		c := env.newClient(t, opts)
		cur, err := c.Alerts.NewCursor(graph.CursorState{}, graph.CursorOptions{PageSize: 2})
		if err != nil {
			t.Fatal(err)
		}
		var p polled
		err = p.poll(t, env.ctx, cur)
		var ge *graph.Error
		if !errors.Is(err, graph.ErrThrottled) || !errors.As(err, &ge) || ge.RetryAfter <= 0 {
			t.Fatalf("poll ended with %v, want a 429 with Retry-After", err)
		}
		partial := len(p.keys)
		if partial == 0 || partial >= 400 {
			t.Fatalf("%d alerts before the 429", partial)
		}
		// A restart in the middle: the state is saved and loaded again.
		saved, _ := json.Marshal(cur.State())
		var st graph.CursorState
		_ = json.Unmarshal(saved, &st)
		for round := 0; ; round++ {
			if round > 20 {
				t.Fatal("the cursor never caught up")
			}
			env.emu.Clock().Advance(ge.RetryAfter + time.Minute) // the worker waits before its next run
			cur, err = c.Alerts.NewCursor(st, graph.CursorOptions{PageSize: 2})
			if err != nil {
				t.Fatal(err)
			}
			err = p.poll(t, env.ctx, cur)
			st = cur.State()
			if err == nil {
				break
			}
			if !errors.As(err, &ge) || ge.StatusCode != 429 {
				t.Fatal(err)
			}
		}
		got := p.take()
		exactlyOnce(t, got, dedupe(slices.Clone(got)))
		if len(dedupe(got)) != 400 {
			t.Fatalf("%d distinct alerts over the interrupted polls, want 400", len(dedupe(got)))
		}
	})
}

// dedupe returns each key once.
func dedupe(keys []graph.CursorKey) []graph.CursorKey {
	seen := map[graph.CursorKey]bool{}
	var out []graph.CursorKey
	for _, k := range keys {
		k.LastUpdateDateTime = k.LastUpdateDateTime.UTC()
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}
