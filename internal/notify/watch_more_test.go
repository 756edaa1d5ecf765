package notify

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// TestWatchRedirectedIncidents: the service merges incident A into B, and
// B later into C; A's and B's items point at C (the incident that lives
// on), with the status change and where it went. The link between
// incidents and alerts needs no $expand: alert items carry incidentId.
func TestWatchRedirectedIncidents(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	inc := e.watch(w, TargetIncidents, "")
	al := e.watch(w, TargetAlerts, "status=")
	e.clk.Advance(time.Minute)
	ids := e.raise(3, e.clk.Now())
	incOf := func(alertID string) string {
		doc, _ := e.emu.Store().Alert(alertID)
		return doc["incidentId"].(string)
	}
	a, b, c := incOf(ids[0]), incOf(ids[1]), incOf(ids[2])
	mustPoll(t, w, inc.ID)
	mustPoll(t, w, al.ID)
	e.clk.Advance(time.Minute)
	if _, err := e.emu.Store().MergeIncident(change.OriginControl, a, b, odata.At(e.clk.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := e.emu.Store().MergeIncident(change.OriginControl, b, c, odata.At(e.clk.Now())); err != nil {
		t.Fatal(err)
	}
	mustPoll(t, w, inc.ID)
	mustPoll(t, w, al.ID)
	found := map[string]bool{}
	for _, it := range e.st.itemsOf(inc.ID) {
		var raw struct {
			ResourceData map[string]any `json:"resourceData"`
		}
		_ = json.Unmarshal(it.Raw, &raw)
		src, _ := raw.ResourceData["id"].(string)
		if src != a && src != b || it.ChangeType != "updated" {
			continue
		}
		found[src] = true
		if it.ResourceID != c || it.Resource != "security/incidents/"+c {
			t.Errorf("merged incident %s's item points at %s, want %s", src, it.Resource, c)
		}
		var ch map[string]struct{ From, To any }
		if err := json.Unmarshal(it.Changes, &ch); err != nil || ch["status"].To != "redirected" {
			t.Errorf("changes of %s: %s", src, it.Changes)
		}
	}
	if !found[a] || !found[b] {
		t.Fatalf("no merged items for %s and %s: %v", a, b, found)
	}
	// The alerts moved with their incidents: their items say where.
	moved := 0
	for _, it := range e.st.itemsOf(al.ID) {
		var ch map[string]struct{ From, To any }
		if json.Unmarshal(it.Changes, &ch) == nil && ch["incidentId"].To == c {
			moved++
		}
	}
	if moved < 2 {
		t.Errorf("%d alert items record their move to incident %s", moved, c)
	}
}

// TestWatchAudit: a version the polls cannot see (an update stamped
// before the overlap, as after a visibility delay longer than the
// overlap) is found by the audit, delivered, and counted as a gap; a
// second audit finds nothing.
func TestWatchAudit(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	ctx := context.Background()
	f := e.watch(w, TargetAlerts, "status=")
	e.clk.Advance(time.Minute)
	ids := e.raise(5, e.clk.Now())
	mustPoll(t, w, f.ID)
	e.clk.Advance(time.Hour)
	for range 4 {
		e.clk.Advance(15 * time.Second)
		e.raise(1, e.clk.Now())
		mustPoll(t, w, f.ID)
	}
	late := e.clk.Now().Add(-30 * time.Minute)
	e.changeAlert(ids[2], late, odata.Object{"status": "inProgress"})
	mustPoll(t, w, f.ID)
	if vs := versionsOf(e.st, f.ID)[ids[2]]; len(vs) != 1 {
		t.Fatalf("the poll saw the late version (%v): the test needs one it cannot see", vs)
	}
	gaps, err := w.Audit(ctx, f.ID)
	if err != nil || gaps != 1 {
		t.Fatalf("audit: %d gaps, %v; want 1", gaps, err)
	}
	if vs := versionsOf(e.st, f.ID)[ids[2]]; len(vs) != 2 || !vs[1].Equal(late.UTC()) {
		t.Errorf("versions of %s after the audit: %v", ids[2], vs)
	}
	if gaps, err := w.Audit(ctx, f.ID); err != nil || gaps != 0 {
		t.Errorf("second audit: %d gaps, %v", gaps, err)
	}
	if st := w.Stats(f.ID); st.Gaps != 1 || st.LastAudit.IsZero() {
		t.Errorf("stats %+v", st)
	}
}

// TestWatchLegacyFallback: a watch on the legacy filter a subscription
// would have used, polled on lastModifiedDateTime; a provider failing
// behind the federation (206) keeps the checkpoint until it answers.
func TestWatchLegacyFallback(t *testing.T) {
	e := newLiveEnv(t, emulator.Options{}, nil)
	w := e.watcher()
	ctx := context.Background()
	f := e.watch(w, TargetLegacyAlerts, "severity=High")
	e.clk.Advance(time.Minute)
	var high []string
	for i := range 12 {
		sev := "high"
		if i%3 == 0 {
			sev = "low"
		}
		a, err := e.emu.Store().AddLegacyAlert(change.OriginControl, odata.Object{"severity": sev}, odata.At(e.clk.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if sev == "high" {
			high = append(high, a["id"].(string))
		}
		e.clk.Advance(time.Second)
	}
	mustPoll(t, w, f.ID)
	got := versionsOf(e.st, f.ID)
	if len(got) != len(high) {
		t.Fatalf("%d legacy alerts delivered, want %d", len(got), len(high))
	}
	for _, it := range e.st.itemsOf(f.ID) {
		if it.Resource != "security/alerts/"+it.ResourceID || it.ChangeType != "created" {
			t.Errorf("item %+v", it)
		}
	}
	// MCAS fails behind the federation: what came is stored, the window
	// stays open.
	cp, _ := e.st.Checkpoint(ctx, f.ID)
	e.clk.Advance(time.Minute)
	changed := high[0]
	e.control("PATCH", "/_emulator/legacy/alerts/"+changed, `{"status":"inProgress"}`)
	e.control("POST", "/_emulator/faults", `{"provider":"MCAS","status":503,"count":1}`)
	if err := w.PollNow(ctx, f.ID); !errors.Is(err, ErrPartial) {
		t.Fatalf("poll with a provider down: %v", err)
	}
	if cp2, _ := e.st.Checkpoint(ctx, f.ID); !cp2.At.Equal(cp.At) {
		t.Errorf("a partial answer moved the checkpoint")
	}
	mustPoll(t, w, f.ID)
	if vs := versionsOf(e.st, f.ID)[changed]; len(vs) != 2 {
		t.Errorf("versions of the changed alert: %v", vs)
	}
}

// TestVersionsBounded: the remembered versions stay within their bound,
// forgetting the least recently seen.
func TestVersionsBounded(t *testing.T) {
	s := newVersions(3)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "c", "a", "d"} {
		s.put(version{id: id, updated: t0.Add(time.Duration(i) * time.Second)})
	}
	if _, ok := s.get("b"); ok {
		t.Error("b, the least recently seen, was kept")
	}
	for _, id := range []string{"a", "c", "d"} {
		if _, ok := s.get(id); !ok {
			t.Errorf("%s was forgotten", id)
		}
	}
	a, _ := s.get("a")
	if !a.has(t0) || !a.has(t0.Add(3*time.Second)) || !a.updated.Equal(t0.Add(3*time.Second)) {
		t.Errorf("a remembers %+v", a)
	}
}
