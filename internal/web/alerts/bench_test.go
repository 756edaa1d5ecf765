package alerts_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// BenchmarkAlertsPageRender is the server time of GET /alerts?top=100 with
// Graph's answer (100 alerts with evidence) served from memory: session
// lookup, token, query building, decoding and rendering.
func BenchmarkAlertsPageRender(b *testing.B) {
	for _, n := range []int{100, 25} {
		b.Run(fmt.Sprintf("alerts=%d", n), func(b *testing.B) {
			h, page := webtest.Canned(b, webtest.Options{Emulator: emulator.Options{Alerts: 400}}, "/security/alerts_v2",
				fmt.Sprintf("/v1.0/security/alerts_v2?$top=%d&$count=true", n), fmt.Sprintf("/alerts?top=%d", n))
			check := httptest.NewRecorder()
			h.Handler.ServeHTTP(check, page)
			if check.Code != http.StatusOK || rowCount(check.Body.String()) != n {
				b.Fatalf("warm-up: %d, %d rows", check.Code, rowCount(check.Body.String()))
			}
			webtest.ServeLoop(b, h.Handler, page)
		})
	}
}

// BenchmarkAlertsPageEmulator is a full GET /alerts (25 alerts, the default
// page, with a filter) over HTTP, through the console and the embedded
// emulator, as a user's browser makes it. It reports the median and p95.
func BenchmarkAlertsPageEmulator(b *testing.B) {
	h := webtest.New(b)
	br, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	webtest.LatencyLoop(b, br, h.URL+"/alerts?severity=high&severity=medium&status=new&status=inProgress")
}
