package home_test

import (
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// BenchmarkHomePage is the server time of GET / with Graph's answers
// served from memory (five incidents and five alerts for every one of the
// page's seven questions): session lookup, token, seven requests built and
// decoded at once, rendering.
func BenchmarkHomePage(b *testing.B) {
	h, page := webtest.CannedAll(b, webtest.Options{Emulator: emulator.Options{Alerts: 400}}, map[string]string{
		"/security/incidents": "/v1.0/security/incidents?$top=5&$count=true",
		"/security/alerts_v2": "/v1.0/security/alerts_v2?$top=5&$count=true",
	}, "/")
	if body := webtest.WarmUp(b, h.Handler, page); !strings.Contains(body, `id="open-high"`) || strings.Contains(body, "notice error") {
		b.Fatalf("warm-up:\n%s", body)
	}
	webtest.ServeLoop(b, h.Handler, page)
}

// BenchmarkHomePageEmulator is a full GET / over HTTP, through the console
// and the embedded emulator (seven Graph requests), as a browser makes it.
func BenchmarkHomePageEmulator(b *testing.B) {
	h := webtest.New(b, webtest.Options{Emulator: emulator.Options{Alerts: 400}})
	br, _ := h.SignIn(h.User("Security Operator"), "/")
	webtest.LatencyLoop(b, br, h.URL+"/")
}
