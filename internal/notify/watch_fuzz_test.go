package notify

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzWatchQuery: a watch's saved query never makes the watcher panic;
// one it accepts is saved normalised (reading the saved form gives the
// same form and the same Graph filter), and its filter builds.
func FuzzWatchQuery(f *testing.F) {
	for _, s := range []string{"severity=high&status=new", "assignedToMe=1&category=Malware", "severity=High&provider=ASC",
		"alertId=da63%2F1", "status=active,inProgress", "user=%27%29%20or%201%20eq%201", "%zz"} {
		f.Add(s, uint8(0))
	}
	f.Fuzz(func(t *testing.T, query string, which uint8) {
		names := []string{TargetAlerts, TargetIncidents, TargetLegacyAlerts}
		tg, err := lookupTarget(names[int(which)%len(names)])
		if err != nil {
			t.Fatal(err)
		}
		c, err := tg.compile(query, "me@contoso.com")
		if err != nil {
			return
		}
		if err := c.filter.Err(); err != nil {
			t.Fatalf("%s %q: filter %v", tg.name, query, err)
		}
		again, err := tg.compile(c.query, "")
		if err != nil || again.query != c.query || again.filter.String() != c.filter.String() {
			t.Fatalf("%s %q: saved as %q, which reads back as %q / %q (%v)", tg.name, query, c.query, again.query, again.filter.String(), err)
		}
	})
}

// FuzzPublicURL: judging a public URL never panics, and a URL accepted
// for a real tenant is https.
func FuzzPublicURL(f *testing.F) {
	for _, s := range []string{"https://soc.example.com", "http://localhost:5000", "https://[::1]", "https://10.0.0.1:443", "https://a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if publicURLProblem(raw, false) == "" {
			u, err := url.Parse(raw)
			if err != nil || u.Scheme != "https" || localHost(strings.ToLower(u.Hostname())) {
				t.Fatalf("%q accepted as a public https URL", raw)
			}
		}
		_ = publicURLProblem(raw, true)
	})
}
