package activity_test

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/activity"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/clock"
)

var t0 = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// journal is a sink that keeps every event.
type journal struct {
	mu  sync.Mutex
	evs []change.Event
}

func (j *journal) Publish(e change.Event) { j.mu.Lock(); j.evs = append(j.evs, e); j.mu.Unlock() }

func (j *journal) all() []change.Event {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]change.Event(nil), j.evs...)
}

type world struct {
	store *graphapi.Store
	clock *clock.Fake
	act   *activity.Activity
	log   *journal
}

func newWorld(t *testing.T, seed int64, delay time.Duration) *world {
	t.Helper()
	g, err := gen.New(gen.Config{Seed: 4, Now: t0, Alerts: 200, LegacyAlerts: 60})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{store: graphapi.NewStore(g), clock: clock.NewFake(t0), log: &journal{}}
	w.store.AddSink(w.log)
	w.act = activity.New(activity.Options{Store: w.store, Clock: w.clock, Seed: seed, VisibilityDelay: delay,
		Analysts: []string{"ana@contoso.test", "ben@contoso.test"}})
	return w
}

// run takes n steps, one emulated second apart.
func (w *world) run(n int) {
	for range n {
		w.clock.Advance(time.Second)
		w.act.Step(1)
	}
}

func TestSameSeedSameChanges(t *testing.T) {
	a, b, c := newWorld(t, 11, 0), newWorld(t, 11, 0), newWorld(t, 12, 0)
	for _, w := range []*world{a, b, c} {
		w.run(400)
	}
	ea, eb, ec := a.log.all(), b.log.all(), c.log.all()
	if len(ea) < 400 {
		t.Fatalf("400 steps made only %d changes", len(ea))
	}
	if !reflect.DeepEqual(ea, eb) {
		t.Fatal("two runs with the same seed made different changes")
	}
	if reflect.DeepEqual(ea, ec) {
		t.Fatal("another seed made the same changes")
	}
	if st := a.act.Stats(); st.Steps != 400 {
		t.Fatalf("stats count %d steps, want 400", st.Steps)
	}
}

func TestEveryKindOfChangeHappens(t *testing.T) {
	w := newWorld(t, 3, 0)
	w.run(3000)
	st := w.act.Stats()
	for _, k := range []string{"newAlert", "joinAlert", "burst", "severity", "triage", "assign", "classify", "resolve", "comment", "resolveIncident", "merge", "legacyNew", "legacyChange"} {
		if st.ByKind[k] == 0 {
			t.Errorf("no %s step in 3000: %v", k, st.ByKind)
		}
	}
	if st.Errors > st.Steps/50 {
		t.Errorf("%d of %d steps failed; last: %s", st.Errors, st.Steps, st.LastError)
	}
	origins, resources := map[change.Origin]int{}, map[change.Resource]int{}
	sharedStamp := false
	type key struct {
		at  time.Time
		res change.Resource
	}
	perStamp := map[key]map[string]bool{}
	for _, e := range w.log.all() {
		origins[e.Origin]++
		resources[e.Resource]++
		if e.Resource == change.Alerts && e.Type == change.Updated {
			k := key{e.At, e.Resource}
			if perStamp[k] == nil {
				perStamp[k] = map[string]bool{}
			}
			perStamp[k][e.ID] = true
			if len(perStamp[k]) > 1 {
				sharedStamp = true
			}
		}
		if e.Resource == change.Incidents && e.Doc["status"] == "redirected" && e.Doc["redirectIncidentId"] == nil {
			t.Fatalf("incident %s redirected without redirectIncidentId", e.ID)
		}
	}
	if origins[change.OriginClient] != 0 || origins[change.OriginActivity] == 0 || origins[change.OriginService] == 0 {
		t.Errorf("origins %v", origins)
	}
	if resources[change.LegacyAlerts] == 0 || resources[change.Alerts] == 0 || resources[change.Incidents] == 0 {
		t.Errorf("resources %v", resources)
	}
	if !sharedStamp {
		t.Error("no two alerts ever share one lastUpdateDateTime")
	}
}

// TestVisibilityDelay: an update decided at T is stamped T but is not
// visible until some moment in [T, T+delay]; by T+delay it is.
func TestVisibilityDelay(t *testing.T) {
	const delay = 10 * time.Minute
	w := newWorld(t, 5, delay)
	decided := w.clock.Now()
	w.act.Step(200)
	pending := w.act.Stats().Pending
	if pending == 0 {
		t.Fatal("no update was delayed")
	}
	before := len(w.log.all())
	w.clock.Advance(delay)
	w.act.Flush()
	if got := w.act.Stats().Pending; got != 0 {
		t.Fatalf("%d updates still pending after the delay", got)
	}
	late := w.log.all()[before:]
	if len(late) < pending {
		t.Fatalf("%d delayed updates became %d changes", pending, len(late))
	}
	for _, e := range late {
		if !e.At.Equal(decided) {
			t.Fatalf("a delayed change is stamped %v, want its decision time %v", e.At, decided)
		}
		if e.Resource == change.Alerts {
			stamp, _ := e.Doc["lastUpdateDateTime"].(odata.Time)
			if !stamp.Equal(decided) {
				t.Fatalf("alert %s lastUpdateDateTime %v, want %v", e.ID, stamp, decided)
			}
		}
	}
}

func TestRunnerPacesSteps(t *testing.T) {
	w := newWorld(t, 9, 0)
	w.act.SetRate(6000) // 100 a second
	w.act.Start()
	defer w.act.Close()
	deadline := time.Now().Add(10 * time.Second)
	for w.act.Stats().Steps == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the runner took no step in 10 s at 100 a second")
		}
		time.Sleep(20 * time.Millisecond)
	}
	w.act.SetRate(0)
	w.act.Close()
	n := w.act.Stats().Steps
	time.Sleep(3 * tickForTest)
	if w.act.Stats().Steps != n {
		t.Fatal("steps continued after Close")
	}
}

const tickForTest = 250 * time.Millisecond

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want activity.Rate
		bad  bool
	}{
		{"", 0, false}, {"off", 0, false}, {"0", 0, false}, {"12/min", 12, false}, {"12", 12, false},
		{"1/s", 60, false}, {"0.5/s", 30, false}, {"300/h", 5, false}, {"12 / min", 12, false}, {"12/MIN", 12, false},
		{"-1/min", 0, true}, {"NaN", 0, true}, {"12/day", 0, true}, {"x/min", 0, true}, {"1e9/s", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := activity.ParseRate(tc.in)
			if (err != nil) != tc.bad || got != tc.want {
				t.Fatalf("ParseRate(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.bad)
			}
			if err == nil {
				back, err := activity.ParseRate(got.String())
				if err != nil || back != got {
					t.Fatalf("%v does not round-trip: %v, %v", got, back, err)
				}
			}
		})
	}
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"12/min", "0.5/s", "300/h", "off", "1e5/min", "-0/s"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := activity.ParseRate(s)
		if err != nil {
			return
		}
		if r < 0 || r > 100000 || r != r {
			t.Fatalf("ParseRate(%q) = %v", s, r)
		}
	})
}
