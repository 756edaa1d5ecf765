package notify

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/store"
)

// TestWatchSharedTimestampAcrossPages: 2,500 alerts raised at one
// instant share one lastUpdateDateTime; with pages of 1,000 the poll
// follows the service's next links through them (the filter cannot move
// past a timestamp they all share) and delivers every one, once. A
// console stopped after the second page resumes from its checkpoint (the
// timestamp and the 2,000 ids read at it) and delivers the last 500.
func TestWatchSharedTimestampAcrossPages(t *testing.T) {
	for _, tt := range []struct {
		name          string
		failThirdPage bool
	}{{"one poll", false}, {"restart after two pages", true}} {
		t.Run(tt.name, func(t *testing.T) {
			e := newLiveEnv(t, emulator.Options{}, nil)
			w := e.watcher()
			ctx := context.Background()
			f := e.watch(w, TargetAlerts, "status=")
			e.clk.Advance(time.Minute)
			at := e.clk.Now()
			ids := e.raise(2500, at)
			if tt.failThirdPage {
				// The third page's items fail to store: the console stops there.
				w.o.Sink = &failNth{Sink: e.st, n: 3}
				if err := w.PollNow(ctx, f.ID); err == nil {
					t.Fatal("the poll succeeded although storing its third page failed")
				}
				cp, _ := e.st.Checkpoint(ctx, f.ID)
				if !cp.At.Equal(at.UTC()) || len(cp.IDs) != 2000 {
					t.Fatalf("checkpoint after two pages: %v with %d ids; want %v with 2000", cp.At, len(cp.IDs), at)
				}
				w = e.watcher() // restarted
			}
			before, _ := e.wire.counts()
			mustPoll(t, w, f.ID)
			after, _ := e.wire.counts()
			want := map[string]time.Time{}
			for _, id := range ids {
				want[id] = at.UTC()
			}
			exactlyOnce(t, e.st, f.ID, want)
			if n := len(e.st.itemsOf(f.ID)); n != 2500 {
				t.Fatalf("%d items stored, want 2500", n)
			}
			if tt.failThirdPage {
				return
			}
			if got := after - before; got != 3 {
				t.Errorf("%d requests for 2,500 alerts in pages of 1,000; want 3", got)
			}
			for _, it := range e.st.itemsOf(f.ID)[:3] {
				if it.ChangeType != "created" || it.Source != store.SourceWatch || it.Resource != "security/alerts_v2/"+it.ResourceID {
					t.Errorf("item %+v", it)
				}
				var raw struct {
					ChangeType, Resource string
					ResourceData         map[string]any
				}
				if err := json.Unmarshal(it.Raw, &raw); err != nil || raw.ResourceData["id"] != it.ResourceID || raw.Resource != it.Resource {
					t.Errorf("raw %s: %v", it.Raw, err)
				}
			}
			// Nothing new: the next poll stores nothing and re-offers nothing.
			offered, _ := e.st.counts()
			mustPoll(t, w, f.ID)
			if again, _ := e.st.counts(); again != offered {
				t.Errorf("an idle poll offered %d items to the store", again-offered)
			}
		})
	}
}

// failNth fails the nth Append.
type failNth struct {
	Sink
	n, calls int
}

func (f *failNth) Append(ctx context.Context, items []Item) ([]Item, error) {
	f.calls++
	if f.calls == f.n {
		return nil, errAppendFailed
	}
	return f.Sink.Append(ctx, items)
}

// TestWatchOverlapVisibilityDelay: the living tenant with updates that
// become visible up to five minutes after their lastUpdateDateTime,
// polled every 15 seconds for two hours: the overlap re-read catches
// every late update, every alert's final version arrives, and no version
// is offered to the store twice (the remembered versions spare it).
func TestWatchOverlapVisibilityDelay(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{VisibilityDelay: 5 * time.Minute}, nil)
	w := e.watcher()
	ctx := context.Background()
	alerts := e.watch(w, TargetAlerts, "status=")
	incidents, err := w.CreateWatch(ctx, analyst, TargetIncidents, "", true)
	if err != nil {
		t.Fatal(err)
	}
	start := e.clk.Now()
	for e.clk.Now().Sub(start) < 2*time.Hour {
		e.clk.Advance(15 * time.Second)
		e.emu.Activity().Step(2)
		mustPoll(t, w, alerts.ID)
		mustPoll(t, w, incidents.ID)
	}
	// Freshness at steady state: an update is stored within the
	// visibility delay plus one interval of its lastUpdateDateTime.
	if st := w.Stats(alerts.ID); st.Items == 0 || st.LastError != "" || st.MaxItemLag > 5*time.Minute+15*time.Second {
		t.Errorf("stats %+v", st)
	}
	// Let every delayed update land, then poll once more.
	e.clk.Advance(6 * time.Minute)
	e.emu.Activity().Flush()
	mustPoll(t, w, alerts.ID)
	mustPoll(t, w, incidents.ID)
	want := map[string]time.Time{}
	for id, v := range e.currentAlerts() {
		if !v.Before(start) {
			want[id] = v
		}
	}
	if len(want) < 50 {
		t.Fatalf("only %d alerts changed in two hours of activity", len(want))
	}
	exactlyOnce(t, e.st, alerts.ID, want)
	if _, dups := e.st.counts(); dups != 0 {
		t.Errorf("%d versions were offered to the store twice", dups)
	}
	if n := len(e.st.itemsOf(incidents.ID)); n == 0 {
		t.Error("the incidents watch delivered nothing")
	}
}

// TestWatchRestart: a new Watcher on the same store resumes from the
// checkpoint: nothing twice, nothing lost.
func TestWatchRestart(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	f := e.watch(w, TargetAlerts, "severity=high,medium")
	want := map[string]time.Time{}
	step := func(w *Watcher, n int) {
		for range n {
			e.clk.Advance(30 * time.Second)
			at := e.clk.Now()
			for _, id := range e.raise(3, at) {
				// Give each a known severity, then a later update of some.
				e.changeAlert(id, at, odata.Object{"severity": "high"})
				want[id] = at.UTC()
			}
			mustPoll(t, w, f.ID)
		}
	}
	step(w, 5)
	w = e.watcher() // the console restarts
	e.clk.Advance(2 * time.Minute)
	step(w, 5)
	exactlyOnce(t, e.st, f.ID, want)
	got := versionsOf(e.st, f.ID)
	for id, vs := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("alert %s (%v) does not match the watch's filter", id, vs)
		}
	}
}

func TestWatchQueryMistakes(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	ctx := context.Background()
	for _, tt := range []struct{ target, query, field string }{
		{TargetAlerts, "severity=catastrophic", "severity"},
		{TargetIncidents, "status=new", "status"},
		{TargetLegacyAlerts, "top=5", "form"},
		{"secureScores", "", "target"},
		{TargetAlerts, "%zz", "form"},
	} {
		_, err := w.CreateWatch(ctx, analyst, tt.target, tt.query, false)
		qe, ok := err.(*QueryError)
		if !ok || qe.Fields[tt.field] == "" {
			t.Errorf("CreateWatch(%s, %q) = %v; want a mistake for %s", tt.target, tt.query, err, tt.field)
		}
	}
	f := e.watch(w, TargetAlerts, "assignedToMe=1&severity=high&top=5&sort=createdDateTime+desc")
	if f.Query != "assignedTo=ada%40graphsec-demo.onmicrosoft.com&severity=high&status=new&status=inProgress" || f.Auth != AuthApp {
		t.Errorf("saved query %q auth %q", f.Query, f.Auth)
	}
}
