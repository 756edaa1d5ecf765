package emulator_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// TestControlPlaneMergeAndChanges drives the write path over HTTP: a
// client's PATCH, a provider's new alerts and a merge all appear in the
// journal, in order, with who made them and what changed; the merged
// incident reads as Graph shows one.
func TestControlPlaneMergeAndChanges(t *testing.T) {
	emu := start(t, emulator.Options{})
	ctl := emu.URL() + "/_emulator"
	start := uint64(call(t, "GET", ctl+"/changes", "", nil).get("lastSeq").(float64))

	a := call(t, "POST", ctl+"/alerts", "", map[string]any{"title": "First", "severity": "low"})
	mustStatus(t, a, http.StatusCreated)
	b := call(t, "POST", ctl+"/alerts", "", map[string]any{"title": "Second", "severity": "high"})
	mustStatus(t, b, http.StatusCreated)
	from, into := a.str("incidentId"), b.str("incidentId")

	tok := tokensFor(t, emu).app
	up := call(t, "PATCH", emu.URL()+"/v1.0/security/alerts_v2/"+a.str("id"), tok, map[string]any{"status": "inProgress"})
	mustStatus(t, up, http.StatusOK)

	m := call(t, "POST", ctl+"/incidents/"+from+"/merge", "", map[string]any{"into": into})
	mustStatus(t, m, http.StatusOK)
	if m.str("status") != "redirected" || m.str("redirectIncidentId") != into {
		t.Fatalf("merge answered status %q redirect %q", m.str("status"), m.str("redirectIncidentId"))
	}
	inc := call(t, "GET", emu.URL()+"/v1.0/security/incidents/"+from, tok, nil)
	mustStatus(t, inc, http.StatusOK)
	if inc.str("status") != "unknownFutureValue" && inc.str("status") != "redirected" {
		t.Fatalf("merged incident status %q", inc.str("status"))
	}
	alerts := call(t, "GET", emu.URL()+"/v1.0/security/incidents/"+into+"/alerts", tok, nil)
	if n := len(alerts.values()); n != 2 {
		t.Fatalf("target incident has %d alerts, want 2", n)
	}

	type row struct{ res, id, typ, origin string }
	want := []row{
		{"security/alerts_v2", a.str("id"), "created", "control"},
		{"security/incidents", from, "created", "control"},
		{"security/alerts_v2", b.str("id"), "created", "control"},
		{"security/incidents", into, "created", "control"},
		{"security/alerts_v2", a.str("id"), "updated", "client"},
		{"security/incidents", from, "updated", "service"},
		{"security/alerts_v2", a.str("id"), "updated", "service"},
		{"security/incidents", from, "updated", "control"},
		{"security/incidents", into, "updated", "service"},
	}
	got := call(t, "GET", ctl+"/changes?after="+strconv.FormatUint(start, 10), "", nil).values()
	if len(got) != len(want) {
		t.Fatalf("%d changes, want %d: %v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g["resource"] != w.res || g["id"] != w.id || g["changeType"] != w.typ || g["origin"] != w.origin {
			t.Errorf("change %d = %v %v %v %v, want %v", i, g["resource"], g["id"], g["changeType"], g["origin"], w)
		}
		if uint64(g["seq"].(float64)) != start+uint64(i)+1 {
			t.Errorf("change %d has seq %v", i, g["seq"])
		}
	}
	if ch, _ := got[4]["changed"].([]any); len(ch) == 0 {
		t.Errorf("the PATCH's change names no properties")
	}
	mustStatus(t, call(t, "GET", ctl+"/changes?after=x", "", nil), http.StatusBadRequest)
	mustStatus(t, call(t, "POST", ctl+"/incidents/"+from+"/merge", "", map[string]any{"into": into}), http.StatusBadRequest)
	mustStatus(t, call(t, "POST", ctl+"/incidents/"+into+"/merge", "", map[string]any{}), http.StatusBadRequest)
	mustStatus(t, call(t, "POST", ctl+"/incidents/404404/merge", "", map[string]any{"into": into}), http.StatusNotFound)
}

func TestControlPlaneActivity(t *testing.T) {
	emu := start(t, emulator.Options{})
	ctl := emu.URL() + "/_emulator"
	before := uint64(call(t, "GET", ctl+"/changes", "", nil).get("lastSeq").(float64))
	r := call(t, "POST", ctl+"/activity", "", map[string]any{"steps": 40})
	mustStatus(t, r, http.StatusOK)
	if r.get("steps").(float64) != 40 || r.str("rate") != "off" {
		t.Fatalf("activity stats %s", r.raw)
	}
	got := call(t, "GET", ctl+"/changes?after="+strconv.FormatUint(before, 10), "", nil).values()
	if len(got) < 30 {
		t.Fatalf("40 steps made %d changes", len(got))
	}
	for _, c := range got {
		if o := c["origin"]; o != "activity" && o != "service" {
			t.Fatalf("a change by %v", o)
		}
	}
	mustStatus(t, call(t, "POST", ctl+"/activity", "", map[string]any{"rate": "3/min"}), http.StatusOK)
	if s := call(t, "GET", ctl+"/activity", "", nil).str("rate"); s != "3/min" {
		t.Fatalf("rate %q after setting 3/min", s)
	}
	for _, bad := range []any{map[string]any{}, map[string]any{"rate": "fast"}, map[string]any{"steps": -1}, map[string]any{"steps": 1e6}, "[1]"} {
		mustStatus(t, call(t, "POST", ctl+"/activity", "", bad), http.StatusBadRequest)
	}
}
