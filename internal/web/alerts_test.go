package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// rowCount counts result rows on an alerts page.
func rowCount(body string) int {
	i := strings.Index(body, `<table id="alerts">`)
	if i < 0 {
		return 0
	}
	end := strings.Index(body[i:], "</table>")
	return strings.Count(body[i:i+end], "<tr>") - 1 // minus the header row
}

func TestAlertsFilters(t *testing.T) {
	h := newHarness(t)
	analyst := h.user("Security Operator")
	b, _ := h.signIn(analyst, "/alerts")

	tests := []struct {
		name, query string
		wantFilter  []string // fragments of the decoded $filter Graph received
		check       func(t *testing.T, body string)
	}{
		{"severity", "severity=high", []string{"severity eq 'high'"}, func(t *testing.T, body string) {
			if strings.Contains(body, `sev-medium"`) || strings.Contains(body, `sev-low"`) {
				t.Error("non-high alerts listed")
			}
		}},
		{"two statuses", "status=new&status=inProgress", []string{"status in ('new','inProgress')"}, nil},
		{"source and classification", "serviceSource=microsoftDefenderForEndpoint&classification=unknown", []string{"serviceSource eq 'microsoftDefenderForEndpoint'", "classification eq 'unknown'"}, nil},
		{"assigned to me", "assignedToMe=1", []string{"assignedTo eq '" + h.upn(analyst) + "'"}, nil},
		{"device", "device=wks-01.example.test", []string{"evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'wks-01.example.test')"}, nil},
		{"user with quote", "user=o'brien@example.test", []string{"userPrincipalName eq 'o''brien@example.test'"}, nil},
		{"created range", "createdFrom=2026-01-01&createdTo=2026-01-31", []string{"createdDateTime ge 2026-01-01T00:00:00Z", "createdDateTime lt 2026-02-01T00:00:00Z"}, nil},
		{"sort", "sort=lastUpdateDateTime+asc", nil, func(t *testing.T, body string) {
			if !strings.Contains(body, "$orderby=lastUpdateDateTime%20asc") {
				t.Error("sort not sent as $orderby")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.get(b, "/alerts?"+tt.query)
			if p.Status != http.StatusOK {
				t.Fatalf("status %d\n%s", p.Status, p.Body)
			}
			restURL := restURLOf(t, p.Body)
			dec, _ := url.QueryUnescape(restURL)
			for _, f := range tt.wantFilter {
				if !strings.Contains(dec, f) {
					t.Errorf("REST request %s\nlacks %q", dec, f)
				}
			}
			if tt.check != nil {
				tt.check(t, p.Body)
			}
		})
	}
}

// restURLOf extracts the REST request URL the page shows.
func restURLOf(t *testing.T, body string) string {
	t.Helper()
	i := strings.Index(body, `id="rest-url-`)
	if i < 0 {
		t.Fatalf("no REST request shown:\n%s", body)
	}
	s := body[i:]
	s = s[strings.Index(s, ">")+1:]
	s = s[:strings.Index(s, "<")]
	return strings.ReplaceAll(strings.ReplaceAll(s, "&amp;", "&"), "&#39;", "'")
}

func TestAlertsBadInput(t *testing.T) {
	h := newHarness(t)
	b, _ := h.signIn(h.user("Security Reader"), "/alerts")
	for _, q := range []string{"severity=catastrophic", "top=0", "top=5000", "createdFrom=yesterday", "sort=title", "user=" + strings.Repeat("x", 300)} {
		t.Run(q, func(t *testing.T) {
			p := h.get(b, "/alerts?"+q)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "Please check what you entered") {
				t.Fatalf("%s: %d\n%s", q, p.Status, p.Body)
			}
		})
	}
}

func TestAlertsPagingAndCount(t *testing.T) {
	h := newHarness(t, harnessOptions{emulator: emulator.Options{Alerts: 60}})
	b, p := h.signIn(h.user("Security Reader"), "/alerts?top=25")
	if !strings.Contains(p.Body, "60 alerts match") || rowCount(p.Body) != 25 {
		t.Fatalf("first page: %d rows\n%s", rowCount(p.Body), p.Body)
	}
	seen := map[string]bool{}
	collect := func(body string) {
		for _, part := range strings.Split(body, `<a href="/alerts/`)[1:] {
			seen[part[:strings.Index(part, `"`)]] = true
		}
	}
	collect(p.Body)
	for pages := 1; ; pages++ {
		i := strings.Index(p.Body, `rel="next"`)
		if i < 0 {
			break
		}
		j := strings.LastIndex(p.Body[:i], `href="`)
		next := strings.ReplaceAll(p.Body[j+6:i-2], "&amp;", "&")
		p = h.get(b, next)
		if p.Status != http.StatusOK {
			t.Fatalf("page %d: %d", pages+1, p.Status)
		}
		collect(p.Body)
		if pages > 5 {
			t.Fatal("too many pages")
		}
	}
	if len(seen) != 60 {
		t.Fatalf("paged through %d distinct alerts, want 60", len(seen))
	}
}

func TestAlertsCategoryIsFilteredLocally(t *testing.T) {
	h := newHarness(t)
	b, _ := h.signIn(h.user("Security Reader"), "/alerts")
	p := h.get(b, "/alerts?category=CredentialAccess&top=10")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Graph cannot filter alerts by category") {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
	if strings.Contains(restURLOf(t, p.Body), "category") {
		t.Fatal("category was sent to Graph, which cannot filter on it")
	}
	i := strings.Index(p.Body, `<table id="alerts">`)
	if i < 0 {
		t.Fatal("no results")
	}
	for _, other := range []string{">Execution<", ">InitialAccess<", ">Exfiltration<"} {
		if strings.Contains(p.Body[i:], other) {
			t.Fatalf("a %s alert is listed under CredentialAccess", other)
		}
	}
}

func TestAlertsEscapesHostileContent(t *testing.T) {
	h := newHarness(t)
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r, err := http.Post(h.emu.URL()+"/_emulator/alerts", "application/json", strings.NewReader(`{"title":"`+strings.ReplaceAll(hostile, `"`, `\"`)+`","severity":"high","assignedTo":"<b>x</b>"}`))
	if err != nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("inject: %v %v", err, r)
	}
	r.Body.Close()
	_, p := h.signIn(h.user("Security Reader"), "/alerts?severity=high")
	if strings.Contains(p.Body, "<script>alert(1)") || strings.Contains(p.Body, "<img src=x") || strings.Contains(p.Body, "<b>x</b>") {
		t.Fatal("hostile content rendered as markup")
	}
	if !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("hostile title not shown as text")
	}
}

func TestAlertsShowsRetryingWhileThrottled(t *testing.T) {
	h := newHarness(t)
	b, _ := h.signIn(h.user("Security Reader"), "/alerts")
	fault := `{"path":"/security/alerts_v2","status":429,"retryAfter":"0.01","count":1}`
	r, err := http.Post(h.emu.URL()+"/_emulator/faults", "application/json", strings.NewReader(fault))
	if err != nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("queue fault: %v", err)
	}
	r.Body.Close()
	p := h.get(b, "/alerts")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "throttling requests") || !strings.Contains(p.Body, `id="alerts"`) {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
	// Graph keeps throttling beyond the retry budget: a clear page, no 500.
	r, _ = http.Post(h.emu.URL()+"/_emulator/faults", "application/json", strings.NewReader(`{"path":"/security/alerts_v2","status":429,"retryAfter":"0.01","count":10}`))
	r.Body.Close()
	p = h.get(b, "/alerts?severity=low")
	if !strings.Contains(p.Body, "Microsoft Graph is throttling requests") || !strings.Contains(p.Body, "TooManyRequests") {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
}
