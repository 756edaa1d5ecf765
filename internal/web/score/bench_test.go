package score_test

import (
	"testing"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// BenchmarkScorePage is the time of GET /securescore for a browser,
// through the console and the embedded emulator over HTTP: 90 daily scores
// and the control profiles read at once, the chart drawn twice, the
// control scores and profiles listed.
func BenchmarkScorePage(b *testing.B) {
	h := webtest.New(b)
	br, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	webtest.LatencyLoop(b, br, h.URL+"/securescore")
}

// BenchmarkControlProfilePage is the same for a control's page.
func BenchmarkControlProfilePage(b *testing.B) {
	h := webtest.New(b)
	br, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	webtest.LatencyLoop(b, br, h.URL+"/securescore/profiles/AdminMFAV2")
}
