package alerts_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// rowCount counts result rows on an alerts page.
func rowCount(body string) int {
	i := strings.Index(body, `id="alerts">`)
	if i < 0 {
		return 0
	}
	end := strings.Index(body[i:], "</table>")
	return strings.Count(body[i:i+end], "<tr>") - 1 // minus the header row
}

// table returns the queue's table, or "".
func table(body string) string {
	i := strings.Index(body, `id="alerts">`)
	if i < 0 {
		return ""
	}
	return body[i : i+strings.Index(body[i:], "</table>")]
}

// alertIDs lists the alert ids the queue's rows link, in order.
func alertIDs(body string) []string {
	var out []string
	for _, part := range strings.Split(table(body), `class="title" href="/alerts/`)[1:] {
		out = append(out, part[:strings.IndexAny(part, `?"`)])
	}
	return out
}

func TestAlertsFilters(t *testing.T) {
	h := webtest.New(t)
	analyst := h.User("Security Operator")
	b, _ := h.SignIn(analyst, "/alerts")

	tests := []struct {
		name, query string
		wantFilter  []string // fragments of the decoded $filter Graph received
		check       func(t *testing.T, body string)
	}{
		{"severity", "severity=high", []string{"severity eq 'high'"}, func(t *testing.T, body string) {
			if tb := table(body); strings.Contains(tb, `sev-medium"`) || strings.Contains(tb, `sev-low"`) {
				t.Error("non-high alerts listed")
			}
		}},
		{"default status", "", []string{"status in ('new','inProgress')"}, nil},
		{"any status", "status=", nil, func(t *testing.T, body string) {
			if strings.Contains(restURLOf(t, body), "status") {
				t.Error("status= still filtered by status")
			}
		}},
		{"ip pivot", "ip=203.0.113.9", []string{"evidence/any(e: e/microsoft.graph.security.ipEvidence/ipAddress eq '203.0.113.9')"}, nil},
		{"file hash pivot", "sha256=ab12", []string{"e/microsoft.graph.security.fileEvidence/fileDetails/sha256 eq 'ab12' or e/microsoft.graph.security.processEvidence/imageFile/sha256 eq 'ab12'"}, nil},
		{"two statuses", "status=new&status=inProgress", []string{"status in ('new','inProgress')"}, nil},
		{"source and classification", "serviceSource=microsoftDefenderForEndpoint&classification=unknown", []string{"serviceSource eq 'microsoftDefenderForEndpoint'", "classification eq 'unknown'"}, nil},
		{"assigned to me", "assignedToMe=1", []string{"assignedTo eq '" + h.UPN(analyst) + "'"}, nil},
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
			p := h.Get(b, "/alerts?"+tt.query)
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

// A mistake in the filters is shown next to its field, with the rest of
// the page and every other filter as entered, and nothing is sent to
// Graph: no whole-page error, and no range that silently matches nothing.
func TestAlertsBadInput(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	tests := []struct {
		name, query, field, want string
	}{
		{"unknown severity", "severity=catastrophic", "severity", `"catastrophic" is not a Severity`},
		{"unknown and known severity", "severity=high,bogus", "severity", `"bogus" is not a Severity`},
		{"unknown source", "serviceSource=unknownFutureValue", "serviceSource", "not a Service source"},
		{"top zero", "top=0", "top", "from 1 to 1,000"},
		{"top too large", "top=99999", "top", "from 1 to 1,000"},
		{"top not a number", "top=all", "top", "from 1 to 1,000"},
		{"malformed date", "createdFrom=yesterday", "createdFrom", "a date like 2026-11-27"},
		{"impossible date", "updatedTo=2026-13-45", "updatedTo", "a date like 2026-11-27"},
		{"created range reversed", "createdFrom=2026-02-01&createdTo=2026-01-01", "createdTo", `before "Created from" (2026-02-01)`},
		{"updated range reversed", "updatedFrom=2026-03-10&updatedTo=2026-03-09", "updatedTo", `before "Updated from" (2026-03-10)`},
		{"unknown sort", "sort=title", "sort", "not a sort order"},
		{"sort on a column Graph cannot sort", "sort=category+asc", "sort", "not a sort order"},
		{"long user", "user=" + strings.Repeat("x", 300), "user", "too long"},
		{"control character", "device=a%01b", "device", "control character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.Graph.Reset()
			p := h.Get(b, "/alerts?"+tt.query+"&status=new&assignedTo=amy%40contoso.com")
			if p.Status != http.StatusBadRequest {
				t.Fatalf("%d, want 400\n%s", p.Status, p.Body)
			}
			msg := webtest.Section(t, p.Body, "error-"+tt.field, "small")
			if !strings.Contains(html.UnescapeString(msg), tt.want) {
				t.Errorf("the %s field says %q, want %q", tt.field, msg, tt.want)
			}
			// The rest of the page, and the other filters as entered.
			for _, want := range []string{`id="filter-errors"`, `<form class="filters"`, `name="status" value="new" checked`,
				`value="amy@contoso.com"`, `<nav class="main"`} {
				if !strings.Contains(p.Body, want) {
					t.Errorf("the page lacks %s", want)
				}
			}
			if strings.Contains(p.Body, `id="alerts"`) || strings.Contains(p.Body, "No alerts match") {
				t.Error("the page shows results for filters it refused")
			}
			if got := h.Graph.Requests("/security/alerts_v2"); len(got) != 0 {
				t.Errorf("filters with a mistake reached Graph: %v", got)
			}
		})
	}
	// A valid value next to an invalid one stays chosen.
	p := h.Get(b, "/alerts?severity=high,bogus")
	if !strings.Contains(p.Body, `name="severity" value="high" checked`) {
		t.Error("the valid severity was dropped")
	}
	// A range in the right order, or one day, is fine.
	if p := h.Get(b, "/alerts?createdFrom=2026-01-01&createdTo=2026-01-01"); p.Status != http.StatusOK {
		t.Errorf("a one-day range: %d", p.Status)
	}
}

func TestAlertsPagingAndCount(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 60}})
	b, p := h.SignIn(h.User("Security Reader"), "/alerts?top=25&status=")
	if !strings.Contains(p.Body, "1–25 of 60") || rowCount(p.Body) != 25 {
		t.Fatalf("first page: %d rows\n%s", rowCount(p.Body), p.Body)
	}
	seen := map[string]bool{}
	collect := func(body string) {
		for _, id := range alertIDs(body) {
			seen[id] = true
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
		p = h.Get(b, next)
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
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	p := h.Get(b, "/alerts?category=CredentialAccess&top=10")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, "Graph cannot filter alerts by category") {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
	if strings.Contains(restURLOf(t, p.Body), "category") {
		t.Fatal("category was sent to Graph, which cannot filter on it")
	}
	tb := table(p.Body)
	if tb == "" || !strings.Contains(tb, `title="CredentialAccess">Credential access<`) {
		t.Fatal("no results")
	}
	for _, other := range []string{`title="Execution"`, `title="InitialAccess"`, `title="Exfiltration"`} {
		if strings.Contains(tb, other) {
			t.Fatalf("a %s alert is listed under CredentialAccess", other)
		}
	}
}

func TestAlertsEscapesHostileContent(t *testing.T) {
	h := webtest.New(t)
	hostile := `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r, err := http.Post(h.Emu.URL()+"/_emulator/alerts", "application/json", strings.NewReader(`{"title":"`+strings.ReplaceAll(hostile, `"`, `\"`)+`","severity":"high","assignedTo":"<b>x</b>"}`))
	if err != nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("inject: %v %v", err, r)
	}
	r.Body.Close()
	_, p := h.SignIn(h.User("Security Reader"), "/alerts?severity=high")
	if strings.Contains(p.Body, "<script>alert(1)") || strings.Contains(p.Body, "<img src=x") || strings.Contains(p.Body, "<b>x</b>") {
		t.Fatal("hostile content rendered as markup")
	}
	if !strings.Contains(p.Body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("hostile title not shown as text")
	}
}

// TestAlertsWhileThrottled: a short throttle is waited out (the page
// comes whole, 200); throttling beyond the retry budget is an honest 429
// that says when to try again and reloads itself then.
func TestAlertsWhileThrottled(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	fault := `{"path":"/security/alerts_v2","status":429,"retryAfter":"0.01","count":1}`
	r, err := http.Post(h.Emu.URL()+"/_emulator/faults", "application/json", strings.NewReader(fault))
	if err != nil || r.StatusCode != http.StatusCreated {
		t.Fatalf("queue fault: %v", err)
	}
	r.Body.Close()
	p := h.Get(b, "/alerts")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="alerts"`) {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
	// Graph keeps throttling beyond the retry budget: a clear page, no 500.
	r, _ = http.Post(h.Emu.URL()+"/_emulator/faults", "application/json", strings.NewReader(`{"path":"/security/alerts_v2","status":429,"retryAfter":"0.01","count":10}`))
	r.Body.Close()
	p = h.Get(b, "/alerts?severity=low")
	if p.Status != http.StatusTooManyRequests || !strings.Contains(p.Body, "Microsoft Graph is throttling requests") || !strings.Contains(p.Body, "TooManyRequests") {
		t.Fatalf("%d\n%s", p.Status, p.Body)
	}
	if p.Header.Get("Retry-After") != "1" || p.Header.Get("Refresh") != "1" || !strings.Contains(p.Body, "reloads by itself") {
		t.Errorf("the 429 page does not say when it reloads: %v", p.Header)
	}
}

// nextLink returns the page's "Next page" link, or "".
func nextLink(body string) string {
	i := strings.Index(body, `rel="next"`)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(body[:i], `href="`)
	return html.UnescapeString(body[j+6 : i-2])
}

// firstRow returns the id of the queue's first alert.
func firstRow(t *testing.T, body string) string {
	t.Helper()
	ids := alertIDs(body)
	if len(ids) == 0 {
		t.Fatalf("no rows:\n%s", body)
	}
	return ids[0]
}

// Pages 2+ are read through the client, which sends the first page's
// headers: an evolvable member (microsoftSentinel, which Graph sends only
// to clients that ask with Prefer: include-unknown-enum-members) shows as
// itself on the next page, not as unknownFutureValue.
func TestAlertsNextPageKeepsEvolvableMembers(t *testing.T) {
	h := webtest.New(t)
	for range 15 {
		h.RaiseAlert(map[string]any{"title": "Sentinel analytics rule", "serviceSource": "microsoftSentinel"})
	}
	b, p := h.SignIn(h.User("Security Reader"), "/alerts?serviceSource=microsoftSentinel&top=10")
	const sentinel = `title="microsoftSentinel">Microsoft Sentinel</td>`
	if rowCount(p.Body) != 10 || strings.Count(p.Body, sentinel) != 10 {
		t.Fatalf("first page: %d rows\n%s", rowCount(p.Body), p.Body)
	}
	next := nextLink(p.Body)
	if next == "" {
		t.Fatal("no next page")
	}
	p2 := h.Get(b, next)
	if p2.Status != http.StatusOK || rowCount(p2.Body) == 0 {
		t.Fatalf("second page: %d, %d rows\n%s", p2.Status, rowCount(p2.Body), p2.Body)
	}
	if strings.Contains(table(p2.Body), "unknownFutureValue") || strings.Count(p2.Body, sentinel) != rowCount(p2.Body) {
		t.Fatalf("the second page lost the evolvable member:\n%s", webtest.Section(t, p2.Body, "alerts", "table"))
	}
}

// Page links carry a page token graphsec issued, never a Graph query; a
// token graphsec does not know for this session and these filters shows
// the first page with a notice, and Graph receives only the filters'
// query.
func TestAlertsPageTokens(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 60}, ConsoleClock: true})
	b, p1 := h.SignIn(h.User("Security Reader"), "/alerts?top=5&status=new")
	first := firstRow(t, p1.Body)
	firstQuery := func() string {
		reqs := h.Graph.Requests("/security/alerts_v2")
		if len(reqs) == 0 {
			t.Fatal("no request reached Graph")
		}
		return reqs[len(reqs)-1].RawQuery
	}
	want := firstQuery()

	next := nextLink(p1.Body)
	u, err := url.Parse(next)
	if err != nil || u.Path != "/alerts" {
		t.Fatalf("next link %q", next)
	}
	token := u.Query().Get("page")
	if len(token) != 22 || strings.ContainsAny(token, "$=&") || u.Query().Get("status") != "new" || u.Query().Get("top") != "5" {
		t.Fatalf("the next link does not carry a page token with the filters: %q", next)
	}

	// The token works, and page 2 knows where it is.
	h.Graph.Reset()
	p2 := h.Get(b, next)
	if p2.Status != http.StatusOK || strings.Contains(p2.Body, `id="stale-page"`) || firstRow(t, p2.Body) == first {
		t.Fatalf("page 2: %d\n%s", p2.Status, p2.Body)
	}
	if q := firstQuery(); q == want || !strings.Contains(q, "skip") {
		t.Errorf("page 2 was read with %q, not Graph's next link", q)
	}
	if !strings.Contains(p2.Body, ">6–10 of ") || !strings.Contains(p2.Body, `title="First page">«</a>`) ||
		!strings.Contains(p2.Body, `href="/alerts?status=new&amp;top=5" rel="prev"`) {
		t.Errorf("page 2's position and links:\n%s", webtest.Section(t, p2.Body, "alert-count", "nav"))
	}
	p3 := h.Get(b, nextLink(p2.Body))
	if !strings.Contains(p3.Body, ">11–") || !strings.Contains(p3.Body, `href="/alerts?page=`+token+`&amp;status=new&amp;top=5" rel="prev">`) {
		t.Errorf("page 3 does not link page 2 as the previous page:\n%s", p3.Body)
	}

	// The other user's token, for the same list.
	ob, op := h.SignIn(h.User("Security Operator"), "/alerts?top=5&status=new")
	otherToken := webtest.MustURL(nextLink(op.Body)).Query().Get("page")
	if p := h.Get(ob, next); !strings.Contains(p.Body, `id="stale-page"`) {
		t.Error("another session's token was accepted")
	}

	stale := []struct{ name, path string }{
		{"garbage", "/alerts?top=5&status=new&page=garbage"},
		{"a Graph query", "/alerts?top=5&status=new&page=" + url.QueryEscape("$filter=assignedTo eq 'mallory'&$top=1&$select=id")},
		{"a Graph URL", "/alerts?top=5&status=new&page=" + url.QueryEscape(h.Emu.URL()+"/v1.0/security/alerts_v2?$top=1")},
		{"forged", "/alerts?top=5&status=new&page=AAAAAAAAAAAAAAAAAAAAAA"},
		{"another session's", "/alerts?top=5&status=new&page=" + otherToken},
		{"other filters", "/alerts?top=6&status=new&page=" + token},
		{"too long", "/alerts?top=5&status=new&page=" + strings.Repeat("x", 5000)},
	}
	check := func(t *testing.T, path string) {
		t.Helper()
		h.Graph.Reset()
		p := h.Get(b, path)
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="stale-page"`) {
			t.Fatalf("%d, want the first page with a notice:\n%s", p.Status, p.Body)
		}
		rows := 5
		if strings.Contains(path, "top=6") {
			rows = 6
		}
		if !strings.Contains(p.Body, `name="status" value="new" checked`) || rowCount(p.Body) != rows {
			t.Errorf("the filters or the results are gone:\n%s", p.Body)
		}
		if strings.Contains(p.Body, `title="First page"`) {
			t.Error("the first page links a first page")
		}
		for _, r := range h.Graph.Requests("/security/alerts_v2") {
			if strings.Contains(path, "top=6") {
				continue // other filters: their own first page
			}
			if r.RawQuery != want {
				t.Errorf("Graph received %q, want the filters' own query %q", r.RawQuery, want)
			}
		}
		if len(h.Graph.Requests("/security/alerts_v2")) != 1 {
			t.Errorf("%d requests reached Graph, want 1", len(h.Graph.Requests("/security/alerts_v2")))
		}
	}
	for _, tt := range stale {
		t.Run(tt.name, func(t *testing.T) { check(t, tt.path) })
	}
	t.Run("expired", func(t *testing.T) {
		h.Clock.Advance(31 * time.Minute)
		check(t, next)
	})

	// Parameters the queue does not know are ignored, not sent to Graph.
	h.Graph.Reset()
	p := h.Get(b, "/alerts?top=5&status=new&$filter="+url.QueryEscape("assignedTo eq 'x'")+"&$top=1&$select=id&bogus=1")
	if p.Status != http.StatusOK || strings.Contains(p.Body, `id="stale-page"`) {
		t.Fatalf("unknown parameters: %d", p.Status)
	}
	if got := h.Graph.Requests("/security/alerts_v2"); len(got) != 1 || got[0].RawQuery != want {
		t.Errorf("unknown parameters changed what Graph received: %v", got)
	}
}

// The search box: an alert's id opens the alert (with the queue's other
// filters as its way back); words search titles, which Graph cannot, so
// graphsec filters the pages it returns and says so.
func TestAlertsSearch(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 60}})
	id, _ := h.RaiseAlert(map[string]any{"title": "Zebra crossing beacon", "severity": "low"})
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	res := h.Get(b, "/alerts?q="+url.QueryEscape(id)+"&severity=low&status=")
	if res.URL.Path != "/alerts/"+id || !strings.Contains(res.Body, `id="back-to-queue"`) {
		t.Fatalf("searching an id ends at %s", res.URL)
	}
	back := between(res.Body, `<a href="`, `" id="back-to-queue"`)
	if back = html.UnescapeString(back); !strings.Contains(back, "severity=low") || strings.Contains(back, "q=") {
		t.Errorf("the way back from a searched id is %q", back)
	}
	p := h.Get(b, "/alerts?q=zebra+BEACON&status=")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="local-filter"`) {
		t.Fatalf("title search: %d\n%s", p.Status, p.Body)
	}
	if ids := alertIDs(p.Body); len(ids) != 1 || ids[0] != id {
		t.Errorf("title search found %v, want %s", ids, id)
	}
	if strings.Contains(restURLOf(t, p.Body), "zebra") {
		t.Error("the search words were sent to Graph")
	}
}

// between returns the text of s after the first from, up to to.
func between(s, from, to string) string {
	i := strings.Index(s, to)
	if i < 0 {
		return ""
	}
	j := strings.LastIndex(s[:i], from)
	if j < 0 {
		return ""
	}
	return s[j+len(from) : i]
}
