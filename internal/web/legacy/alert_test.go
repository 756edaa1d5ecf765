package legacy_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestLegacyAlertDetail(t *testing.T) {
	h := webtest.New(t)
	id := legacyInject(h, map[string]any{
		"title": "Detail test", "description": "Line one", "category": "malware", "severity": "high", "status": "newAlert",
		"vendorInformation":  legacyVendor("ASC"),
		"sourceMaterials":    []string{"https://portal.example/alerts/1", "javascript:alert(1)", "http://insecure.example/a"},
		"recommendedActions": []string{"Isolate the host"}, "tags": []string{"VIP"}, "comments": []string{"First note"},
		"hostStates":         []map[string]any{{"fqdn": "srv1.contoso.com", "os": "Windows Server 2022", "privateIpAddress": "10.0.0.5"}},
		"fileStates":         []map[string]any{{"name": "evil.exe", "path": `C:\Temp`, "fileHash": map[string]any{"hashType": "sha256", "hashValue": "abc123"}}},
		"networkConnections": []map[string]any{{"sourceAddress": "10.0.0.5", "destinationAddress": "203.0.113.9", "destinationPort": "443", "protocol": "tcp"}},
		"processes":          []map[string]any{{"name": "powershell.exe", "processId": 4242, "commandLine": "powershell -enc AAAA"}},
		"malwareStates":      []map[string]any{{"name": "Trojan:Win32/Test", "family": "Test"}},
		"registryKeyStates":  []map[string]any{{"hive": "localMachineSoftware", "key": `Microsoft\Windows\Run`, "operation": "create"}},
		"triggers":           []map[string]any{{"name": "hostState.privateIpAddress", "type": "String", "value": "10.0.0.5"}},
		"cloudAppStates":     []map[string]any{{"destinationServiceName": "Dropbox", "destinationServiceIp": "198.51.100.7"}},
		"userStates":         []map[string]any{{"userPrincipalName": "victim@contoso.com", "logonIp": "203.0.113.9"}},
	})
	b, p := h.SignIn(h.User("Security Reader"), "/legacy/alerts/"+url.PathEscape(id))
	legacyMustStatus(t, p, http.StatusOK)
	for _, want := range []string{
		`<span id="legacy-title">Detail test</span>`, "Line one", "Isolate the host", "VIP", "First note",
		`<dt class="prop-name">provider</dt><dd>ASC</dd>`, `<dt class="prop-name">severity</dt><dd title="high">High</dd>`, `<dt class="prop-name">vendor</dt><dd>Microsoft</dd>`,
		`id="panel-users"`, "victim@contoso.com", `id="panel-hosts"`, "srv1.contoso.com", "Windows Server 2022",
		`id="panel-files"`, "sha256: abc123", `id="panel-network"`, "10.0.0.5 → 203.0.113.9:443", `id="panel-processes"`, "powershell -enc AAAA",
		`<dt class="prop-name">processId</dt><dd>4242</dd>`, `id="panel-malware"`, "Trojan:Win32/Test", `id="panel-registry"`, "localMachineSoftware",
		`id="panel-triggers"`, "hostState.privateIpAddress", `id="panel-cloudapps"`, "Dropbox",
		`href="https://portal.example/alerts/1"`, `id="activity"`, `id="legacy-raw"`,
		// A reader's view: no form, the role that could change it.
		`id="read-only"`, "Security Operator",
	} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	if strings.Contains(p.Body, `action="/legacy/alerts/`+url.PathEscape(id)+`"`) {
		t.Error("a Security Reader is offered the update form")
	}
	for _, bad := range []string{`href="javascript:`, `href="http://insecure.example`, `href="#ZgotmplZ"`} {
		if strings.Contains(p.Body, bad) {
			t.Errorf("a source material that is not https became a link: %s", bad)
		}
	}
	// The raw JSON is the alert, escaped.
	m := regexp.MustCompile(`(?s)<pre class="raw-json" id="legacy-raw-json">(.*?)</pre>`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no raw JSON")
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &raw); err != nil || raw["id"] != id || raw["title"] != "Detail test" {
		t.Fatalf("raw JSON: %v %v", err, raw["id"])
	}

	t.Run("unknown id", func(t *testing.T) {
		p := h.Get(b, "/legacy/alerts/does-not-exist")
		legacyMustStatus(t, p, http.StatusNotFound)
		if !strings.Contains(p.Body, "No legacy alert with this ID") || !strings.Contains(p.Body, "ResourceNotFound") {
			t.Errorf("unknown id:\n%s", p.Body)
		}
	})
	t.Run("control character", func(t *testing.T) {
		p := h.Get(b, "/legacy/alerts/a%01b")
		legacyMustStatus(t, p, http.StatusBadRequest)
	})
	for _, bad := range []string{"..%2F..%2Fme", "a%5Cb", "a%3Fb", "a%23b"} {
		t.Run("path-like id "+bad, func(t *testing.T) {
			p := h.Get(b, "/legacy/alerts/"+bad)
			legacyMustStatus(t, p, http.StatusBadRequest)
			if !strings.Contains(html.UnescapeString(p.Body), "cannot contain") {
				t.Errorf("no explanation:\n%s", p.Body)
			}
		})
	}
}

func TestLegacyNeedsConsent(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Unconsented: true}})
	b, p := h.SignIn(h.User("Security Reader"), "/legacy/alerts")
	legacyMustStatus(t, p, http.StatusForbidden)
	if !strings.Contains(p.Body, "SecurityEvents.Read.All") || !strings.Contains(p.Body, "/consent/admin") {
		t.Errorf("unconsented legacy page:\n%s", p.Body)
	}
	p = h.Get(b, "/legacy/manage")
	legacyMustStatus(t, p, http.StatusForbidden)
	if !strings.Contains(p.Body, "SecurityEvents.ReadWrite.All") {
		t.Error("the manage page does not name the permission it needs")
	}
}

func TestLegacyGraphErrors(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/legacy/alerts")
	t.Run("throttled, then served", func(t *testing.T) {
		h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/alerts", "status": 429, "retryAfter": "0.05", "count": 1})
		p := h.Get(b, "/legacy/alerts?category=malware")
		legacyMustStatus(t, p, http.StatusOK)
		if !strings.Contains(p.Body, `id="legacy-alerts"`) {
			t.Errorf("throttled page:\n%s", p.Body)
		}
	})
	t.Run("Graph fails", func(t *testing.T) {
		h.Ctl(http.MethodPost, "/_emulator/faults", map[string]any{"method": "GET", "path": "/security/alerts", "status": 500, "count": 1})
		p := h.Get(b, "/legacy/alerts?category=malware")
		legacyMustStatus(t, p, http.StatusBadGateway)
		if !strings.Contains(p.Body, "Graph error code") || !strings.Contains(p.Body, "request-id") {
			t.Errorf("Graph failure:\n%s", p.Body)
		}
	})
	t.Run("signed out", func(t *testing.T) {
		p, err := emutest.NewBrowser().Get(h.URL + "/legacy/alerts?category=malware")
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != http.StatusSeeOther || !strings.Contains(p.Location, "/login?return_to="+url.QueryEscape("/legacy/alerts?category=malware")) {
			t.Errorf("signed out: %d %s", p.Status, p.Location)
		}
	})
}

func TestLegacyHostileContent(t *testing.T) {
	h := webtest.New(t)
	hostile := legacyScript + legacyImg
	id := legacyInject(h, map[string]any{
		"title": "Title " + hostile, "description": "Description " + hostile, "category": "malware", "status": "newAlert",
		"vendorInformation":  legacyVendor("ASC"),
		"comments":           []string{"Comment " + hostile},
		"hostStates":         []map[string]any{{"fqdn": hostile}},
		"userStates":         []map[string]any{{"userPrincipalName": hostile}},
		"recommendedActions": []string{hostile}, "tags": []string{hostile},
		"sourceMaterials": []string{"javascript:alert(1)", "https://ok.example/" + hostile},
		"triggers":        []map[string]any{{"name": hostile, "value": hostile}},
	})
	op := h.User("Security Operator")
	b, _ := h.SignIn(op, "/legacy/alerts")
	check := func(t *testing.T, name string, p *emutest.Page, wantEscaped bool) {
		t.Helper()
		if p.Status >= 500 {
			t.Fatalf("%s answered %d", name, p.Status)
		}
		for _, raw := range []string{legacyScript, legacyImg, "<img src=x", `href="javascript:`} {
			if strings.Contains(p.Body, raw) {
				t.Errorf("%s contains raw %s", name, raw)
			}
		}
		if wantEscaped && (!strings.Contains(p.Body, legacyScriptEsc) || !strings.Contains(p.Body, legacyImgEsc)) {
			t.Errorf("%s does not show the hostile text as text:\n%s", name, p.Body)
		}
	}
	// The list, found by the hostile host name itself.
	list := h.Get(b, "/legacy/alerts?hostFqdn="+url.QueryEscape(hostile))
	legacyMustStatus(t, list, http.StatusOK)
	if rows := legacyRows(t, list); len(rows) != 1 || rows[0].ID != id {
		t.Fatalf("hostile host filter found %v", rows)
	}
	check(t, "list", list, true)
	detail := h.Get(b, "/legacy/alerts/"+url.PathEscape(id))
	legacyMustStatus(t, detail, http.StatusOK)
	check(t, "detail", detail, true)
	for _, part := range []string{"Title " + legacyScriptEsc, "Description " + legacyScriptEsc, "Comment " + legacyScriptEsc} {
		if !strings.Contains(detail.Body, part) {
			t.Errorf("detail lacks %s", part)
		}
	}
	updated := h.Post(b, "/legacy/alerts/"+url.PathEscape(id), webtest.CSRF(t, detail), url.Values{"comment": {"Reply " + hostile}})
	legacyMustStatus(t, updated, http.StatusOK)
	check(t, "comparison", updated, true)
	refused := h.Post(b, "/legacy/manage", webtest.CSRF(t, detail), url.Values{"id": {"x" + hostile}, "comment": {hostile}})
	check(t, "refusal", refused, true)
	again := h.Get(b, "/legacy/alerts/"+url.PathEscape(id))
	check(t, "activity", again, true)
	if !strings.Contains(again.Body, "Reply "+legacyScriptEsc) {
		t.Error("the new hostile comment is not shown as text")
	}
}
