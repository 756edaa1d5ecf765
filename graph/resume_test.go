package graph_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
)

// A page resumed from a kept next link is read exactly like the first: the
// same Prefer header, so evolvable members (microsoftSentinel) arrive as
// themselves on every page, not as unknownFutureValue.
func TestEmulatorListFromKeepsHeaders(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{Alerts: 1})
	c := env.appClient(t)
	for range 5 {
		env.control(t, "POST", "/_emulator/alerts", map[string]any{"title": "Sentinel rule", "serviceSource": "microsoftSentinel"})
	}
	q := graph.Query{Filter: graph.Eq("serviceSource", graph.Enum(graph.ServiceSourceMicrosoftSentinel)), Top: 2}
	first, _, err := c.Alerts.ListSummaries(env.ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if !first.HasNext() {
		t.Fatal("no next link after the first page")
	}
	seen := len(first.Value)
	link := first.NextLink
	for link != "" {
		page, resp, err := c.Alerts.ListSummariesFrom(env.ctx, link)
		if err != nil {
			t.Fatal(err)
		}
		if resp.URL != link {
			t.Errorf("asked for %s, answered %s", link, resp.URL)
		}
		for _, a := range page.Value {
			if a.ServiceSource != graph.ServiceSourceMicrosoftSentinel {
				t.Fatalf("a resumed page shows serviceSource %q: the Prefer header was not sent", a.ServiceSource)
			}
		}
		seen += len(page.Value)
		link = page.NextLink
	}
	if seen != 5 {
		t.Fatalf("paged through %d alerts, want 5", seen)
	}
	// The typed list resumes the same way.
	full, _, err := c.Alerts.ListFrom(env.ctx, first.NextLink)
	if err != nil || len(full.Value) == 0 || full.Value[0].ServiceSource != graph.ServiceSourceMicrosoftSentinel {
		t.Fatalf("ListFrom: %v %+v", err, full)
	}
}

// Only a link to the same collection on the client's own origin is
// resumed, and only its query is taken from it.
func TestListFromRefusesOtherLinks(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{Alerts: 1})
	c := env.appClient(t)
	base := env.emu.URL()
	for _, tt := range []struct {
		name, link string
		want       error
	}{
		{"foreign host", "https://evil.example/v1.0/security/alerts_v2?$top=1", graph.ErrForeignHost},
		{"other collection", base + "/v1.0/security/incidents?$top=1", graph.ErrInvalidArgument},
		{"other version", base + "/beta/security/alerts_v2?$top=1", graph.ErrInvalidArgument},
		{"one alert", base + "/v1.0/security/alerts_v2/x", graph.ErrInvalidArgument},
		{"dot segments", base + "/v1.0/security/alerts_v2/../../me", graph.ErrInvalidArgument},
		{"relative", "/v1.0/security/alerts_v2?$top=1", graph.ErrInvalidArgument},
		{"query only", "$top=1&$filter=severity eq 'high'", graph.ErrInvalidArgument},
		{"user info", "http://user:pw@" + mustHost(t, base) + "/v1.0/security/alerts_v2", graph.ErrInvalidArgument},
		{"not a URL", "%zz", graph.ErrInvalidArgument},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := c.Alerts.ListSummariesFrom(env.ctx, tt.link); !errors.Is(err, tt.want) {
				t.Errorf("ListSummariesFrom(%q) = %v, want %v", tt.link, err, tt.want)
			}
			if _, _, err := c.LegacyAlerts.ListSummariesFrom(env.ctx, tt.link); err == nil {
				t.Errorf("legacy ListSummariesFrom(%q) was sent", tt.link)
			}
		})
	}
	// The legacy collection resumes its own links.
	page, _, err := c.LegacyAlerts.ListSummaries(env.ctx, graph.LegacyAlertQuery{TopPerProvider: 1})
	if err != nil || !page.HasNext() {
		t.Fatalf("legacy first page: %v", err)
	}
	next, _, err := c.LegacyAlerts.ListSummariesFrom(env.ctx, page.NextLink)
	if err != nil || len(next.Value) == 0 {
		t.Fatalf("legacy second page: %v", err)
	}
	if next.Value[0].Provider() == "" {
		t.Error("legacy summary without provider")
	}
}

func mustHost(t *testing.T, s string) string {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// GetRaw returns the alert and Graph's JSON as received, members the typed
// alert drops included.
func TestEmulatorGetRaw(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{Alerts: 1})
	c := env.appClient(t)
	raised := env.control(t, "POST", "/_emulator/alerts", map[string]any{"title": "Raw", "serviceSource": "microsoftSentinel"})
	id := raised["id"].(string)
	a, raw, resp, err := c.Alerts.GetRaw(env.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != id || a.ServiceSource != graph.ServiceSourceMicrosoftSentinel || resp.RequestID == "" {
		t.Fatalf("alert %+v, response %+v", a, resp)
	}
	if !json.Valid(raw) || !bytes.Contains(raw, []byte(`"@odata.context"`)) || !bytes.Contains(raw, []byte(`"microsoftSentinel"`)) {
		t.Fatalf("raw JSON: %s", raw)
	}
	if _, _, _, err := c.Alerts.GetRaw(env.ctx, "da000000000000000000_-1"); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if _, _, _, err := c.Alerts.GetRaw(env.ctx, ".."); !errors.Is(err, graph.ErrInvalidArgument) {
		t.Fatalf("bad id: %v", err)
	}
}

// Incidents resume their own next links (and no other collection's), and
// GetRaw returns an incident with its JSON as received.
func TestEmulatorIncidentsListFromAndGetRaw(t *testing.T) {
	env := newEmuEnv(t, emulator.Options{Alerts: 200})
	c := env.appClient(t)
	first, _, err := c.Incidents.List(env.ctx, graph.IncidentQuery{Query: graph.Query{Top: 5, Count: true}})
	if err != nil || !first.HasNext() || first.Count == nil {
		t.Fatalf("first page: %v %+v", err, first)
	}
	next, _, err := c.Incidents.ListFrom(env.ctx, first.NextLink)
	if err != nil || len(next.Value) != 5 || next.Value[0].ID == first.Value[0].ID {
		t.Fatalf("second page: %v %+v", err, next)
	}
	base := env.emu.URL()
	for _, link := range []string{base + "/v1.0/security/alerts_v2?$top=1", "https://evil.example/v1.0/security/incidents?$top=1", base + "/v1.0/security/incidents/1"} {
		if _, _, err := c.Incidents.ListFrom(env.ctx, link); err == nil {
			t.Errorf("ListFrom(%q) was sent", link)
		}
	}
	inc, raw, resp, err := c.Incidents.GetRaw(env.ctx, first.Value[0].ID)
	if err != nil || inc.ID != first.Value[0].ID || resp.RequestID == "" {
		t.Fatalf("GetRaw: %v %+v", err, inc)
	}
	if !json.Valid(raw) || !bytes.Contains(raw, []byte(`"@odata.context"`)) || !bytes.Contains(raw, []byte(`"`+inc.ID+`"`)) {
		t.Fatalf("raw JSON: %s", raw)
	}
	if _, _, _, err := c.Incidents.GetRaw(env.ctx, "999999999"); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}
