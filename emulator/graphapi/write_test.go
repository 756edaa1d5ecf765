package graphapi

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/idp"
	"github.com/graphsec/graphsec/emulator/odata"
)

// recorder is a sink that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []change.Event
}

func (r *recorder) Publish(e change.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) take() []change.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

// brief is an event without its documents, for comparing.
type brief struct {
	Res    change.Resource
	ID     string
	Type   change.Type
	Origin change.Origin
}

func briefs(evs []change.Event) []brief {
	out := make([]brief, len(evs))
	for i, e := range evs {
		out[i] = brief{e.Resource, e.ID, e.Type, e.Origin}
	}
	return out
}

func TestWriteEmitsOneEventPerObjectAndCommit(t *testing.T) {
	s := testStore(t, 60)
	rec := &recorder{}
	s.AddSink(rec)
	now := odata.At(testNow.Add(time.Hour))
	// An incident with at least two alerts, and one of its alerts.
	var incID string
	for id, alerts := range s.incidentAlerts {
		if len(alerts) >= 2 {
			if inc, ok := s.Incident(id); ok && inc["status"] != "resolved" {
				incID = id
				break
			}
		}
	}
	if incID == "" {
		t.Fatal("no open incident with two alerts in the generated data")
	}
	alertIDs := slices.Clone(s.incidentAlerts[incID])
	legacyID := idOf(s.legacy.items[0])

	type step struct {
		name string
		do   func() error
		want func() []brief
	}
	incidentThen := func(origin change.Origin, alerts ...string) []brief {
		out := []brief{{change.Incidents, incID, change.Updated, origin}}
		for _, a := range alerts {
			out = append(out, brief{change.Alerts, a, change.Updated, change.OriginService})
		}
		return out
	}
	var added odata.Object
	steps := []step{
		{"client PATCH of an alert: the alert, then its incident", func() error {
			_, err := s.UpdateAlert(alertIDs[0], odata.Object{"status": "inProgress"}, now)
			return err
		}, func() []brief {
			return []brief{{change.Alerts, alertIDs[0], change.Updated, change.OriginClient}, {change.Incidents, incID, change.Updated, change.OriginService}}
		}},
		{"comment on an alert", func() error {
			_, _, err := s.CommentAlert(alertIDs[1], newComment("looked at it", "Ana", now.Time))
			return err
		}, func() []brief {
			return []brief{{change.Alerts, alertIDs[1], change.Updated, change.OriginClient}, {change.Incidents, incID, change.Updated, change.OriginService}}
		}},
		{"resolving the incident resolves every alert, one event each", func() error {
			_, err := s.UpdateIncident(incID, odata.Object{"status": "resolved"}, "Ana", now)
			return err
		}, func() []brief { return incidentThen(change.OriginClient, alertIDs...) }},
		{"comment on the incident", func() error {
			_, _, err := s.CommentIncident(incID, newComment("closing", "Ana", now.Time))
			return err
		}, func() []brief { return []brief{{change.Incidents, incID, change.Updated, change.OriginClient}} }},
		{"a new alert opens a new incident", func() (err error) {
			added, err = s.AddAlert(change.OriginControl, "", odata.Object{"title": "New one"}, now)
			return err
		}, func() []brief {
			return []brief{{change.Alerts, idOf(added), change.Created, change.OriginControl}, {change.Incidents, incidentOf(added), change.Created, change.OriginControl}}
		}},
		{"a provider change to an alert", func() error {
			_, err := s.ChangeAlert(change.OriginActivity, idOf(added), odata.Object{"severity": "high"}, now)
			return err
		}, func() []brief {
			return []brief{{change.Alerts, idOf(added), change.Updated, change.OriginActivity}, {change.Incidents, incidentOf(added), change.Updated, change.OriginService}}
		}},
		{"merging the new incident into the old one", func() error {
			_, err := s.MergeIncident(change.OriginActivity, incidentOf(added), incID, now)
			return err
		}, func() []brief {
			return []brief{
				{change.Alerts, idOf(added), change.Updated, change.OriginService},
				{change.Incidents, incidentOf(added), change.Updated, change.OriginActivity},
				{change.Incidents, incID, change.Updated, change.OriginService},
			}
		}},
		{"client PATCH of a legacy alert", func() error {
			vi := s.legacy.items[0]["vendorInformation"]
			_, err := s.UpdateLegacyAlert(legacyID, odata.Object{"status": "inProgress", "vendorInformation": vi}, &principal{claims: &idp.Claims{AppID: "app"}}, now)
			return err
		}, func() []brief { return []brief{{change.LegacyAlerts, legacyID, change.Updated, change.OriginClient}} }},
		{"a provider raises a legacy alert", func() (err error) {
			added, err = s.AddLegacyAlert(change.OriginControl, odata.Object{}, now)
			return err
		}, func() []brief {
			return []brief{{change.LegacyAlerts, idOf(added), change.Created, change.OriginControl}}
		}},
		{"a provider changes it", func() error {
			_, err := s.ChangeLegacyAlert(change.OriginControl, idOf(added), odata.Object{"severity": "high"}, now)
			return err
		}, func() []brief {
			return []brief{{change.LegacyAlerts, idOf(added), change.Updated, change.OriginControl}}
		}},
	}
	var seq uint64
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			evs := rec.take()
			if got, want := briefs(evs), st.want(); !reflect.DeepEqual(got, want) {
				t.Fatalf("events\n got %v\nwant %v", got, want)
			}
			for _, e := range evs {
				seq++
				if e.Seq != seq {
					t.Fatalf("seq %d, want %d", e.Seq, seq)
				}
				stored, _, _ := s.collectionOf(e.Resource).get(e.ID)
				if !reflect.DeepEqual(e.Doc, stored) {
					t.Fatalf("%s %s: event's document is not the stored version", e.Resource, e.ID)
				}
				if e.Type == change.Updated && e.Old == nil || e.Type == change.Created && e.Old != nil {
					t.Fatalf("%s %s: %s with old %v", e.Resource, e.ID, e.Type, e.Old)
				}
				if !e.At.Equal(now.Time) {
					t.Fatalf("event at %v, want %v", e.At, now.Time)
				}
			}
		})
	}
	if got := s.Changes(0); len(got) != int(seq) || got[len(got)-1].Seq != seq {
		t.Fatalf("journal holds %d events, want %d", len(got), seq)
	}
	if got := s.Changes(seq - 2); len(got) != 2 {
		t.Fatalf("Changes(last-2) = %d events, want 2", len(got))
	}
}

func TestMergeIncident(t *testing.T) {
	s := testStore(t, 60)
	now := odata.At(testNow.Add(time.Hour))
	a, err := s.AddAlert(change.OriginControl, "", odata.Object{"severity": "high"}, now)
	if err != nil {
		t.Fatal(err)
	}
	from := incidentOf(a)
	b, err := s.AddAlert(change.OriginControl, "", odata.Object{"severity": "low"}, now)
	if err != nil {
		t.Fatal(err)
	}
	into := incidentOf(b)
	if _, err := s.MergeIncident(change.OriginActivity, from, into, now); err != nil {
		t.Fatal(err)
	}
	src, _ := s.Incident(from)
	dst, _ := s.Incident(into)
	if src["status"] != "redirected" || src["redirectIncidentId"] != into {
		t.Fatalf("merged incident: status %v redirect %v", src["status"], src["redirectIncidentId"])
	}
	if dst["severity"] != "high" {
		t.Fatalf("target incident severity %v, want high (its new alert's)", dst["severity"])
	}
	moved, _ := s.Alert(idOf(a))
	if moved["incidentId"] != into {
		t.Fatalf("alert's incidentId %v, want %s", moved["incidentId"], into)
	}
	if got := s.incidentAlerts[into]; !slices.Equal(got, []string{idOf(a), idOf(b)}) && !slices.Equal(got, []string{idOf(b), idOf(a)}) {
		t.Fatalf("target's alerts %v", got)
	}
	if len(s.incidentAlerts[from]) != 0 {
		t.Fatalf("merged incident still lists %v", s.incidentAlerts[from])
	}
	for _, tc := range []struct{ name, from, into string }{
		{"again", from, into}, {"into a redirected one", into, from}, {"into itself", into, into}, {"unknown", "nope", into},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.LastSeq()
			if _, err := s.MergeIncident(change.OriginActivity, tc.from, tc.into, now); err == nil {
				t.Fatal("merge succeeded")
			}
			if s.LastSeq() != before {
				t.Fatal("a refused merge emitted events")
			}
		})
	}
	if _, err := s.UpdateIncident(from, odata.Object{"status": "active"}, "Ana", now); err == nil {
		t.Fatal("a redirected incident was changed")
	}
}

func TestRefusedWritesChangeNothing(t *testing.T) {
	s := testStore(t, 30)
	rec := &recorder{}
	s.AddSink(rec)
	now := odata.At(testNow)
	alert := idOf(s.alerts.items[0])
	legacy := idOf(s.legacy.items[0])
	before := snapshot(s)
	for name, do := range map[string]func() error{
		"unknown alert": func() error { _, err := s.UpdateAlert("nope", odata.Object{"status": "resolved"}, now); return err },
		"invalid provider change": func() error {
			_, err := s.ChangeAlert(change.OriginControl, alert, odata.Object{"severity": "catastrophic"}, now)
			return err
		},
		"incident id change": func() error {
			_, err := s.ChangeAlert(change.OriginControl, alert, odata.Object{"incidentId": "1"}, now)
			return err
		},
		"unknown incident for a new alert": func() error {
			_, err := s.AddAlert(change.OriginControl, "999999", nil, now)
			return err
		},
		"legacy vendor mismatch": func() error {
			_, err := s.UpdateLegacyAlert(legacy, odata.Object{"status": "resolved", "vendorInformation": odata.Object{"provider": "x", "vendor": "y"}}, &principal{claims: &idp.Claims{AppID: "app"}}, now)
			return err
		},
		"invalid legacy change": func() error {
			_, err := s.ChangeLegacyAlert(change.OriginControl, legacy, odata.Object{"severity": 7}, now)
			return err
		},
		"comment on unknown incident": func() error {
			_, _, err := s.CommentIncident("nope", newComment("x", "y", now.Time))
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			if err := do(); err == nil {
				t.Fatal("accepted")
			}
			if evs := rec.take(); len(evs) != 0 {
				t.Fatalf("emitted %v", briefs(evs))
			}
			if !reflect.DeepEqual(snapshot(s), before) {
				t.Fatal("store changed")
			}
		})
	}
}

// snapshot is every security object by resource and id.
func snapshot(s *Store) map[string]odata.Object {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := map[string]odata.Object{}
	for _, res := range []change.Resource{change.LegacyAlerts, change.Alerts, change.Incidents} {
		for _, d := range s.collectionOf(res).items {
			out[string(res)+"/"+idOf(d)] = d
		}
	}
	return out
}

// TestEventsReplayToTheStore holds the write path to its promise: every
// change, whoever makes it, is an event. Replaying the events over the
// initial data gives exactly the final data, and the derived incident
// membership matches the alerts, after many random writes.
func TestEventsReplayToTheStore(t *testing.T) {
	s := testStore(t, 300)
	state := snapshot(s)
	rec := &recorder{}
	s.AddSink(rec)
	r := rand.New(rand.NewPCG(3, 9))
	for range 600 {
		if r.IntN(10) == 0 {
			_, _ = s.MergeIncident(change.OriginActivity, liveIncident(r, s), liveIncident(r, s), odata.At(testNow))
			continue
		}
		mutate(t, r, s)
	}
	evs := rec.take()
	for i, e := range evs {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: not in commit order", i, e.Seq)
		}
		key := string(e.Resource) + "/" + e.ID
		if e.Type == change.Updated && !reflect.DeepEqual(state[key], e.Old) {
			t.Fatalf("event %d (%s): Old is not the previous version", e.Seq, key)
		}
		state[key] = e.Doc
	}
	if final := snapshot(s); !reflect.DeepEqual(final, state) {
		var diff []string
		for k := range maps.Keys(final) {
			if !reflect.DeepEqual(final[k], state[k]) {
				diff = append(diff, k)
			}
		}
		t.Fatalf("replayed events differ from the store at %d objects, e.g. %v", len(diff), diff[:min(5, len(diff))])
	}
	want := map[string][]string{}
	for _, a := range s.alerts.items {
		want[incidentOf(a)] = append(want[incidentOf(a)], idOf(a))
	}
	for inc, ids := range s.incidentAlerts {
		if len(ids) == 0 {
			delete(s.incidentAlerts, inc)
		}
	}
	if !reflect.DeepEqual(want, s.incidentAlerts) {
		t.Fatalf("incidentAlerts out of step with the alerts' incidentId (%d vs %d incidents)", len(s.incidentAlerts), len(want))
	}
	checkInSync(t, "alerts", s.alerts, s.alertLayout())
	checkInSync(t, "incidents", s.incidents, s.incidentLayout())
}

// TestConcurrentWritersPublishInCommitOrder: writers on many goroutines
// produce one gapless sequence, and each object's events chain (each Old
// is the previous event's Doc).
func TestConcurrentWritersPublishInCommitOrder(t *testing.T) {
	s := testStore(t, 100)
	rec := &recorder{}
	s.AddSink(rec)
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = idOf(s.alerts.items[i])
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				id := ids[(w*7+i)%len(ids)]
				var err error
				if i%3 == 0 {
					_, _, err = s.CommentAlert(id, newComment("c", "w", testNow))
				} else {
					_, err = s.UpdateAlert(id, odata.Object{"status": []string{"new", "inProgress", "resolved"}[i%3]}, odata.At(testNow))
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	last := map[string]odata.Object{}
	for i, e := range rec.take() {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
		key := string(e.Resource) + "/" + e.ID
		if prev, ok := last[key]; ok && !reflect.DeepEqual(prev, e.Old) {
			t.Fatalf("event %d for %s: Old is not the previous event's Doc", e.Seq, key)
		}
		last[key] = e.Doc
	}
}
