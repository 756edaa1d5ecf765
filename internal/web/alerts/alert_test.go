package alerts_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestAlertDetailShowsTheAlert(t *testing.T) {
	h := webtest.New(t)
	id, incident := h.RaiseAlert(map[string]any{
		"title":              "Suspicious PowerShell download",
		"description":        "PowerShell fetched a script from the internet.\nSecond line.",
		"recommendedActions": "Isolate the device.",
		"severity":           "high",
		"mitreTechniques":    []string{"T1059.001", "T1105", "T99", "T1059.01"},
		"alertWebUrl":        "https://security.microsoft.com/alerts/x?tid=1",
		"incidentWebUrl":     "http://security.microsoft.com/incidents/1",
		"threatDisplayName":  "Trojan:Win32/Emotet",
		"evidence": []any{
			webtest.Evidence("userEvidence", map[string]any{"roles": []string{"compromised"}, "userAccount": map[string]any{
				"accountName": "jdoe", "domainName": "CONTOSO", "userPrincipalName": "jdoe@contoso.com", "displayName": "Jane Doe", "userSid": "S-1-5-21-1"}}),
			webtest.Evidence("deviceEvidence", map[string]any{"deviceDnsName": "pc17.contoso.com", "osPlatform": "Windows11", "healthStatus": "active",
				"riskScore": "high", "onboardingStatus": "onboarded", "ipInterfaces": []string{"10.0.0.7", "fe80::1"},
				"loggedOnUsers": []any{map[string]any{"accountName": "jdoe", "domainName": "CONTOSO"}}}),
			webtest.Evidence("fileEvidence", map[string]any{"fileDetails": map[string]any{"fileName": "payload.ps1", "filePath": `C:\Users\jdoe\Downloads`,
				"fileSize": 2048, "sha256": "ab12", "signer": "Nobody"}}),
			webtest.Evidence("ipEvidence", map[string]any{"ipAddress": "203.0.113.9", "countryLetterCode": "NL", "location": map[string]any{"city": "Amsterdam", "countryName": "Netherlands"}}),
			webtest.Evidence("urlEvidence", map[string]any{"url": "http://evil.example/payload"}),
			webtest.Evidence("processEvidence", map[string]any{"processCommandLine": "powershell -enc AAAA", "processId": 4242,
				"imageFile":              map[string]any{"fileName": "powershell.exe", "filePath": `C:\Windows\System32\WindowsPowerShell\v1.0`},
				"parentProcessImageFile": map[string]any{"fileName": "winword.exe"}, "parentProcessId": 17,
				"userAccount": map[string]any{"accountName": "jdoe", "domainName": "CONTOSO"}}),
			webtest.Evidence("mailboxEvidence", map[string]any{"displayName": "Jane Doe", "primaryAddress": "jane@contoso.com", "upn": "jdoe@contoso.com"}),
			webtest.Evidence("kubernetesPodEvidence", map[string]any{"verdict": "malicious", "remediationStatusDetails": "left running", "tags": []string{"k8s"}}),
		},
		"comments": []any{
			map[string]any{"comment": "second", "createdByDisplayName": "bob@contoso.com", "createdDateTime": "2026-11-21T10:00:00Z"},
			map[string]any{"comment": "first", "createdByDisplayName": "amy@contoso.com", "createdDateTime": "2026-11-20T10:00:00Z"},
		},
	})
	_, p := h.SignIn(h.User("Security Operator"), "/alerts/"+url.PathEscape(id))
	if p.Status != http.StatusOK {
		t.Fatalf("detail page: %d\n%s", p.Status, p.Body)
	}
	body := p.Body
	for _, want := range []string{
		"Suspicious PowerShell download", "PowerShell fetched a script from the internet.\nSecond line.", "Isolate the device.",
		"Trojan:Win32/Emotet", `href="/incidents/` + incident + `"`,
		`href="https://attack.mitre.org/techniques/T1059/001/"`, `href="https://attack.mitre.org/techniques/T1105/"`,
		`<code>T99</code> <span class="muted">(not a technique ID)`, `<code>T1059.01</code>`,
		// Typed panels.
		"jdoe@contoso.com", "Jane Doe", "S-1-5-21-1", `CONTOSO\jdoe`, "compromised",
		"pc17.contoso.com", "Windows11", "10.0.0.7; fe80::1",
		"payload.ps1", `C:\Users\jdoe\Downloads`, "2,048 bytes", "ab12", "Nobody",
		"203.0.113.9", "Amsterdam, Netherlands",
		"http://evil.example/payload",
		"powershell -enc AAAA", "4242", `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`, "winword.exe",
		"jane@contoso.com",
		// The unknown type gets the generic panel with its type and common members.
		`ev-generic`, "kubernetesPodEvidence", "#microsoft.graph.security.kubernetesPodEvidence", "left running", "malicious",
		// Forms, with the CSRF token.
		`action="/alerts/` + id + `"`, `name="csrf"`, `name="assignToMe"`, `name="comment"`, `name="triage"`,
		`<option value="truePositive:malware">True positive: Malware</option>`,
		`<optgroup label="True positive">`,
		// The GET request and the raw JSON.
		"/v1.0/security/alerts_v2/" + id, `id="raw-json"`, `&#34;@odata.context&#34;`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The evidence URL is shown as text, never as a link; an http portal
	// URL is not linked either; and against the embedded emulator no
	// portal link is shown at all (it would lead nowhere).
	for _, bad := range []string{`href="http://evil.example`, `href="http://security.microsoft.com`, `href="https://security.microsoft.com`} {
		if strings.Contains(body, bad) {
			t.Errorf("the page links %q", bad)
		}
	}
	// Comments: newest last.
	c := webtest.Section(t, body, "comments", "section")
	if strings.Index(c, "first") > strings.Index(c, "second") || !strings.Contains(c, "amy@contoso.com") {
		t.Errorf("comments out of order:\n%s", c)
	}
	// Panels are grouped: the user before the device before the generic one.
	if u, d, g := strings.Index(body, "ev-user"), strings.Index(body, "ev-device"), strings.Index(body, "ev-generic"); u < 0 || u > d || d > g {
		t.Errorf("evidence panels out of order: user %d, device %d, generic %d", u, d, g)
	}
	if !strings.Contains(body, "No changes made through graphsec yet.") {
		t.Error("the activity section is missing")
	}
}

func TestAlertDetailErrors(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	tests := []struct {
		name, path string
		status     int
		want       []string
	}{
		{"unknown id", "/alerts/da000000000000000000_-1", http.StatusNotFound, []string{"Alert not found", "ResourceNotFound", "request-id", "da000000000000000000_-1"}},
		{"control character", "/alerts/a%01b", http.StatusBadRequest, []string{"control characters"}},
		{"too long", "/alerts/" + strings.Repeat("a", 600), http.StatusBadRequest, []string{"longer than 512"}},
		{"unknown incident", "/incidents/999999999", http.StatusNotFound, []string{"Incident not found", "ResourceNotFound"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.Get(b, tt.path)
			if p.Status != tt.status {
				t.Fatalf("%s: %d, want %d\n%s", tt.path, p.Status, tt.status, p.Body)
			}
			for _, w := range tt.want {
				if !strings.Contains(p.Body, w) {
					t.Errorf("the page lacks %q", w)
				}
			}
		})
	}
}

// TestAlertDetailWaitsOutThrottling: a short wait is waited out before
// anything is sent, so the page's status is its outcome's.
func TestAlertDetailWaitsOutThrottling(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"title": "Slow to read"})
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/alerts_v2/" + id, "status": 429, "retryAfter": "0.1", "count": 1})
	p := h.Get(b, "/alerts/"+url.PathEscape(id))
	if p.Status != http.StatusOK {
		t.Fatalf("detail: %d", p.Status)
	}
	for _, want := range []string{"Slow to read", `id="raw-json"`, "</html>"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// A 429 and then a failure: the failure's status, not a 200.
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/alerts_v2/" + id, "status": 429, "retryAfter": "0.05", "count": 1})
	h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/alerts_v2/" + id, "status": 500, "count": 1})
	if p := h.Get(b, "/alerts/"+url.PathEscape(id)); p.Status != http.StatusBadGateway || !strings.Contains(p.Body, "Microsoft Graph failed") {
		t.Errorf("throttled, then failed: %d\n%s", p.Status, p.Body)
	}
}

func TestAlertDetailNeedsSignIn(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"title": "x"})
	for _, path := range []string{"/alerts/" + id, "/manage", "/incidents/1"} {
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(h.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?return_to=") {
			t.Errorf("%s signed out: %d %s", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	// A form post without a session changes nothing: the browser goes to
	// the sign-in page.
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).PostForm(h.URL+"/alerts/"+id, url.Values{"status": {"resolved"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?") {
		t.Errorf("signed-out POST: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if got := v2Stored(t, h, id, "status"); got == "resolved" {
		t.Error("a signed-out POST changed the alert")
	}
}

const (
	v2Script = `<script>alert(1)</script>`
	v2Img    = `<img src=x onerror=alert(1)>`
)

// v2AssertEscaped fails when body holds the hostile markup raw, a link to
// javascript:, or lacks the escaped text of want (both by default).
func v2AssertEscaped(t *testing.T, where, body string, want ...string) {
	t.Helper()
	for _, raw := range []string{"<script>alert(1)", "<img src=x", `href="javascript:`, `href="javascript&#58;`} {
		if strings.Contains(body, raw) {
			t.Errorf("%s: the page contains %q", where, raw)
		}
	}
	if len(want) == 0 {
		want = []string{v2Script, v2Img}
	}
	for _, w := range want {
		esc := html.EscapeString(w)
		if !strings.Contains(body, esc) {
			t.Errorf("%s: the page lacks the escaped text %q", where, esc)
		}
	}
}

func TestAlertPagesEscapeHostileContent(t *testing.T) {
	h := webtest.New(t)
	id, incident := h.RaiseAlert(map[string]any{
		"title": v2Script, "description": v2Img, "recommendedActions": v2Script + v2Img,
		"threatDisplayName": v2Img, "actorDisplayName": v2Script, "assignedTo": v2Img,
		"alertWebUrl": "javascript:alert(1)", "incidentWebUrl": "javascript:alert(1)",
		"mitreTechniques": []string{v2Script, "T1059\"><script>alert(1)</script>"},
		"systemTags":      []string{v2Img},
		"comments":        []any{map[string]any{"comment": v2Script + " and " + v2Img, "createdByDisplayName": v2Img, "createdDateTime": "2026-11-20T10:00:00Z"}},
		"evidence": []any{
			webtest.Evidence("userEvidence", map[string]any{"userAccount": map[string]any{"displayName": v2Script, "userPrincipalName": v2Img, "accountName": v2Script}}),
			webtest.Evidence("fileEvidence", map[string]any{"fileDetails": map[string]any{"fileName": v2Script, "filePath": v2Img, "signer": v2Img}}),
			webtest.Evidence("processEvidence", map[string]any{"processCommandLine": v2Img + " " + v2Script}),
			webtest.Evidence("urlEvidence", map[string]any{"url": "javascript:alert(1)//" + v2Img}),
			webtest.Evidence("deviceEvidence", map[string]any{"deviceDnsName": v2Script, "loggedOnUsers": []any{map[string]any{"accountName": v2Img}}}),
			webtest.Evidence("mailboxEvidence", map[string]any{"displayName": v2Script, "primaryAddress": v2Img}),
			webtest.Evidence("aiAgentEvidence", map[string]any{"tags": []string{v2Script}, "remediationStatusDetails": v2Img, "detailedRoles": []string{v2Img}}),
		},
	})
	b, p := h.SignIn(h.User("Security Operator"), "/alerts/"+url.PathEscape(id))
	if p.Status != http.StatusOK {
		t.Fatalf("detail: %d", p.Status)
	}
	v2AssertEscaped(t, "detail page", p.Body)
	if strings.Contains(p.Body, "https://attack.mitre.org/techniques/T1059") {
		t.Error("a technique link was built from an invalid id")
	}
	if !strings.Contains(p.Body, `ev-generic`) || !strings.Contains(p.Body, "aiAgentEvidence") {
		t.Error("no generic panel for the unknown evidence type")
	}
	raw := webtest.Section(t, p.Body, "raw-json", "pre")
	if strings.Contains(raw, "<script") || strings.Contains(raw, "<img") {
		t.Errorf("raw JSON view holds markup:\n%s", raw)
	}
	if !strings.Contains(raw, `\u003cscript\u003ealert(1)\u003c/script\u003e`) && !strings.Contains(raw, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("raw JSON view lacks the hostile title as text:\n%s", raw)
	}
	csrf := webtest.CSRF(t, p)

	// A hostile assignee, through the update: the comparison and the
	// activity log escape it too.
	res := h.Post(b, "/alerts/"+url.PathEscape(id), csrf, url.Values{"assignedTo": {v2Script}, "status": {"inProgress"}})
	if res.Status != http.StatusOK {
		t.Fatalf("update: %d\n%s", res.Status, res.Body)
	}
	v2AssertEscaped(t, "comparison", res.Body)
	if cr := h.PostRaw(b, "/alerts/"+url.PathEscape(id)+"/comments", csrf, url.Values{"comment": {v2Img + v2Script}}); cr.StatusCode != http.StatusSeeOther {
		t.Fatalf("comment: %d", cr.StatusCode)
	}
	page := h.Get(b, "/alerts/"+url.PathEscape(id))
	v2AssertEscaped(t, "detail after changes", page.Body)
	if act := webtest.Section(t, page.Body, "activity", "section"); !strings.Contains(act, "&lt;script&gt;") || !strings.Contains(act, "&lt;img src=x") {
		t.Errorf("activity does not show the hostile values as text:\n%s", act)
	}

	// The incident page and the manage page.
	inc := h.Get(b, "/incidents/"+incident)
	if inc.Status != http.StatusOK {
		t.Fatalf("incident: %d", inc.Status)
	}
	v2AssertEscaped(t, "incident page", inc.Body, v2Script) // the incident's name and its alert's title
	m := h.Post(b, "/manage", csrf, url.Values{"id": {v2Script}, "comment": {v2Img}, "status": {"resolved"}})
	// Graph refuses the id (it holds a slash) or has no such alert.
	if m.Status != http.StatusNotFound && m.Status != http.StatusBadRequest {
		t.Fatalf("manage with a hostile id: %d\n%s", m.Status, webtest.Section(t, m.Body, "manage-error", "section"))
	}
	v2AssertEscaped(t, "manage page", m.Body)
}

func TestAlertDetailGenericEvidencePanel(t *testing.T) {
	h := webtest.New(t, webtest.Options{RewriteAlert: func(a map[string]any) {
		a["evidence"] = []any{
			map[string]any{
				"@odata.type": "#microsoft.graph.security.kubernetesPodEvidence", "createdDateTime": "2026-11-20T10:00:00Z",
				"roles": []any{"compromised"}, "verdict": "malicious", "remediationStatus": "active",
				"name": "shop-7f9c" + v2Script, "namespace": map[string]any{"name": "prod", "labels": map[string]any{"team": v2Img}},
				"containers": []any{map[string]any{"name": "web", "image": map[string]any{"imageId": "nginx:1.27"}}},
				"ports":      []any{80, 443}, "privileged": true, "restarts": nil,
			},
			// A modelled type whose members do not decode as declared.
			map[string]any{"@odata.type": "#microsoft.graph.security.userEvidence", "roles": []any{}, "verdict": "unknown",
				"remediationStatus": "none", "userAccount": "not an object"},
		}
		a["brandNewProperty"] = "kept in the raw view"
	}})
	id, _ := h.RaiseAlert(map[string]any{"title": "Pod alert"})
	_, p := h.SignIn(h.User("Security Reader"), "/alerts/"+url.PathEscape(id))
	if p.Status != http.StatusOK {
		t.Fatalf("detail: %d\n%s", p.Status, p.Body)
	}
	for _, want := range []string{
		"kubernetesPodEvidence", "#microsoft.graph.security.kubernetesPodEvidence", "compromised", "malicious", "active",
		"<dt>name</dt><dd>shop-7f9c&lt;script&gt;alert(1)&lt;/script&gt;</dd>", "<dt>namespace/name</dt><dd>prod</dd>",
		"<dt>namespace/labels/team</dt><dd>&lt;img src=x onerror=alert(1)&gt;</dd>",
		"<dt>containers[0]/image/imageId</dt><dd>nginx:1.27</dd>", "<dt>ports</dt><dd>80; 443</dd>", "<dt>privileged</dt><dd>true</dd>",
		"<dt>restarts</dt><dd>null</dd>",
		// The undecodable entry shows every field, with a note.
		"could not read this entry", "<dt>userAccount</dt><dd>not an object</dd>",
		"brandNewProperty",
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// The common members are not repeated in the generic list of a type
	// that decoded.
	pod := p.Body[strings.Index(p.Body, "ev-generic"):]
	pod = pod[:strings.Index(pod, "</article>")]
	if !strings.Contains(pod, "shop-7f9c") || strings.Contains(pod, "<dt>verdict</dt>") {
		t.Error("the generic list repeats the common members")
	}
	if strings.Contains(p.Body, "<script>alert(1)") || strings.Contains(p.Body, "<img src=x") {
		t.Error("hostile evidence rendered as markup")
	}
}

// FuzzAlertEvidence feeds any JSON value to the detail page as one
// evidence entry of a Graph answer: whatever a future Graph sends, the page
// renders (200) and escapes it, never a 500 or a panic.
func FuzzAlertEvidence(f *testing.F) {
	for _, seed := range []string{
		`{"@odata.type":"#microsoft.graph.security.kubernetesPodEvidence","name":"p","labels":{"a":[1,{"b":null}]}}`,
		`{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":"x"}`,
		`{"@odata.type":"#microsoft.graph.security.deviceEvidence","loggedOnUsers":[{}],"osBuild":"x"}`,
		`{"@odata.type":"#microsoft.graph.security.networkConnectionEvidence","sourceAddress":{"ipAddress":"::1"},"sourcePort":1}`,
		`{"@odata.type":5}`, `null`, `[]`, `"text"`, `{"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}}}`,
		`{"<script>":"<img src=x onerror=alert(1)>"}`,
	} {
		f.Add([]byte(seed))
	}
	var mu sync.Mutex
	var entry json.RawMessage
	h := webtest.New(f, webtest.Options{RewriteAlert: func(a map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		a["evidence"] = []any{entry}
	}})
	id, _ := h.RaiseAlert(map[string]any{"title": "fuzz"})
	b, _ := h.SignInAs("Security Reader", "/alerts")
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			t.Skip("the answer would not be JSON at all")
		}
		mu.Lock()
		entry = json.RawMessage(raw)
		mu.Unlock()
		p, err := b.Navigate(h.URL+"/alerts/"+url.PathEscape(id), "")
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="evidence"`) {
			t.Fatalf("evidence %s: %d\n%s", raw, p.Status, p.Body)
		}
	})
}

func BenchmarkAlertPage(b *testing.B) {
	h := webtest.New(b)
	id, _ := h.RaiseAlert(map[string]any{"title": "bench"})
	br, _ := h.SignInAs("Security Reader", "/alerts")
	u := h.URL + "/alerts/" + url.PathEscape(id)
	for b.Loop() {
		p, err := br.Navigate(u, "")
		if err != nil || p.Status != http.StatusOK {
			b.Fatalf("%v %d", err, p.Status)
		}
	}
}

// An alert's page reached from the queue keeps the queue's view: from= is
// read as the queue reads its own URL and rebuilt, so that it can only name
// an /alerts view; anything else gives the plain way back.
func TestAlertKeepsItsQueue(t *testing.T) {
	h := webtest.New(t)
	id, _ := h.RaiseAlert(map[string]any{"title": "From the queue", "severity": "high", "status": "new"})
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	back := func(from string) string {
		t.Helper()
		p := h.Get(b, "/alerts/"+url.PathEscape(id)+"?"+url.Values{"from": {from}, "i": {"0"}}.Encode())
		if p.Status != http.StatusOK {
			t.Fatalf("from=%q: %d", from, p.Status)
		}
		return html.UnescapeString(between(p.Body, `<a href="`, `" id="back-to-queue"`))
	}
	if got := back("severity=high&status=new&sort=title+asc"); got != "/alerts?severity=high&sort=title+asc&status=new" {
		t.Errorf("the way back is %q", got)
	}
	for _, bad := range []string{"https://evil.example/", "//evil.example", "severity=bogus", "$filter=assignedTo eq 'x'", "%zz", strings.Repeat("a=1&", 2000)} {
		got := back(bad)
		if got != "/alerts" && got != "/alerts?status=new&status=inProgress" {
			t.Errorf("from=%.40q gives the way back %q", bad, got)
		}
	}
	// Unknown parameters in from= are dropped, as the queue ignores them.
	if got := back("severity=high&$top=1&evil=1"); got != "/alerts?severity=high&status=new&status=inProgress" {
		t.Errorf("the way back keeps unknown parameters: %q", got)
	}
}
