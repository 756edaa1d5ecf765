package incidents_test

import (
	"fmt"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// BenchmarkIncidentsPageRender is the server time of GET /incidents with
// Graph's answer (50 incidents, Graph's largest page, or the default 25)
// served from memory: session lookup, token, query building, decoding and
// rendering.
func BenchmarkIncidentsPageRender(b *testing.B) {
	for _, n := range []int{50, 25} {
		b.Run(fmt.Sprintf("incidents=%d", n), func(b *testing.B) {
			h, page := webtest.Canned(b, webtest.Options{Emulator: emulator.Options{Alerts: 400}}, "/security/incidents",
				fmt.Sprintf("/v1.0/security/incidents?$top=%d&$count=true", n), fmt.Sprintf("/incidents?top=%d&status=", n))
			if rows := len(incidentIDs(webtest.WarmUp(b, h.Handler, page))); rows != n {
				b.Fatalf("warm-up: %d rows", rows)
			}
			webtest.ServeLoop(b, h.Handler, page)
		})
	}
}

// BenchmarkIncidentPage is the server time of an incident's page (the
// incident and its alerts, read at once), through the embedded emulator.
func BenchmarkIncidentPage(b *testing.B) {
	h := webtest.New(b, webtest.Options{Emulator: emulator.Options{Alerts: 1}})
	_, incident := h.RaiseAlert(map[string]any{"evidence": []any{webtest.Evidence("userEvidence", map[string]any{"userAccount": map[string]any{"userPrincipalName": "a@contoso.com"}})}})
	for range 5 {
		h.RaiseAlert(map[string]any{"incidentId": incident})
	}
	br, _ := h.SignIn(h.User("Security Reader"), "/incidents")
	webtest.LatencyLoop(b, br, h.URL+"/incidents/"+incident)
}
