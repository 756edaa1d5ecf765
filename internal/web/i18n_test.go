package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// richAlert has evidence of every type the alert page models, one it does
// not, comments, techniques and portal links: the alert page with all its
// parts.
func richAlert() map[string]any {
	ev := webtest.Evidence
	return map[string]any{
		"title": "Suspicious PowerShell download", "description": "PowerShell fetched a script.", "recommendedActions": "Isolate the device.",
		"severity": "high", "mitreTechniques": []string{"T1059.001", "T99"}, "alertWebUrl": "https://security.microsoft.com/alerts/x",
		"threatDisplayName": "Trojan:Win32/Emotet", "systemTags": []string{"Defender Experts"},
		"evidence": []any{
			ev("userEvidence", map[string]any{"roles": []string{"compromised"}, "userAccount": map[string]any{"accountName": "jdoe", "domainName": "CONTOSO",
				"userPrincipalName": "jdoe@contoso.com", "displayName": "Jane Doe", "userSid": "S-1-5-21-1"}}),
			ev("deviceEvidence", map[string]any{"deviceDnsName": "pc17.contoso.com", "osPlatform": "Windows11", "osBuild": 22631, "healthStatus": "active",
				"riskScore": "high", "onboardingStatus": "onboarded", "defenderAvStatus": "updated", "ipInterfaces": []string{"10.0.0.7"},
				"loggedOnUsers": []any{map[string]any{"accountName": "jdoe", "domainName": "CONTOSO"}}, "lastIpAddress": "10.0.0.7"}),
			ev("fileEvidence", map[string]any{"detectionStatus": "detected", "fileDetails": map[string]any{"fileName": "payload.ps1",
				"filePath": `C:\Users\jdoe\Downloads`, "fileSize": 2048, "sha256": strings.Repeat("ab", 32), "sha1": strings.Repeat("cd", 20)}}),
			ev("processEvidence", map[string]any{"processCommandLine": "powershell -enc AAAA", "processId": 4242,
				"imageFile":              map[string]any{"fileName": "powershell.exe", "filePath": `C:\Windows\System32`, "sha256": strings.Repeat("ef", 32)},
				"parentProcessImageFile": map[string]any{"fileName": "winword.exe"}, "processCreationDateTime": "2026-11-20T10:00:00Z"}),
			ev("ipEvidence", map[string]any{"ipAddress": "203.0.113.9", "countryLetterCode": "NL", "location": map[string]any{"city": "Amsterdam", "latitude": 52.37, "longitude": 4.89}}),
			ev("urlEvidence", map[string]any{"url": "http://evil.example/payload"}),
			ev("mailboxEvidence", map[string]any{"displayName": "Jane Doe", "primaryAddress": "jane@contoso.com", "upn": "jdoe@contoso.com"}),
			ev("analyzedMessageEvidence", map[string]any{"subject": "Invoice", "recipientEmailAddress": "jane@contoso.com", "senderIp": "198.51.100.4",
				"p1Sender": map[string]any{"emailAddress": "x@evil.example"}, "threats": []string{"Phish"}, "deliveryAction": "Delivered"}),
			ev("registryValueEvidence", map[string]any{"registryHive": "HKEY_LOCAL_MACHINE", "registryKey": `Software\Run`, "registryValueName": "evil", "registryValue": "x.exe"}),
			ev("kubernetesPodEvidence", map[string]any{"verdict": "malicious", "remediationStatusDetails": "left running", "tags": []string{"k8s"}}),
		},
		"comments": []any{map[string]any{"comment": "Looked at it", "createdByDisplayName": "amy@contoso.com", "createdDateTime": "2026-11-20T10:00:00Z"}},
	}
}

// TestEveryPageInBothLanguages renders every page of the console in English
// and in Japanese: each says its language (<html lang>, Content-Language,
// Vary) and shows no missing-message marker.
func TestEveryPageInBothLanguages(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 60}})
	id, incident := h.RaiseAlert(richAlert())
	_, lb := h.Ctl(http.MethodPost, "/_emulator/legacy/alerts", map[string]any{"title": "Legacy", "category": "malware", "severity": "high",
		"status": "newAlert", "vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft"},
		"hostStates": []any{map[string]any{"fqdn": "srv1"}}, "userStates": []any{map[string]any{"userPrincipalName": "a@b", "logonType": "interactive"}}})
	var legacy struct{ ID string }
	if err := json.Unmarshal(lb, &legacy); err != nil || legacy.ID == "" {
		t.Fatalf("legacy alert: %v %s", err, lb)
	}
	legacyID := legacy.ID
	_, merged := h.RaiseAlert(map[string]any{"title": "Merged away"})
	if status, body := h.Ctl(http.MethodPost, "/_emulator/incidents/"+merged+"/merge", map[string]any{"into": incident}); status != http.StatusOK {
		t.Fatalf("merge: %d %s", status, body)
	}
	incidentPath := "/incidents/" + incident

	op, p := h.SignIn(h.User("Security Operator"), "/alerts")
	csrf := webtest.CSRF(t, p)
	reader, rp := h.SignIn(h.User("Security Reader"), "/alerts")
	readerCSRF := webtest.CSRF(t, rp)
	nobody, _ := h.SignIn(h.User(""), "/alerts")
	out := emutest.NewBrowser()
	alert := "/alerts/" + url.PathEscape(id)
	from := url.Values{"from": {"status=new&status=inProgress"}, "i": {"0"}, "n": {"3"}}.Encode()

	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			for _, b := range []*emutest.Browser{op, reader, nobody, out} {
				h.Lang(b, lang)
			}
			type visit struct {
				name   string
				page   func() *emutest.Page
				status int
			}
			get := func(b *emutest.Browser, path string) func() *emutest.Page {
				return func() *emutest.Page { return h.Get(b, path) }
			}
			post := func(b *emutest.Browser, path, token string, form url.Values) func() *emutest.Page {
				return func() *emutest.Page { return h.Post(b, path, token, form) }
			}
			for _, v := range []visit{
				{"queue", get(op, "/alerts"), 200},
				{"queue with every filter", get(op, "/alerts?severity=high&status=new&serviceSource=microsoftDefenderForEndpoint&classification=unknown&determination=unknown&category=Execution&assignedTo=x%40y&device=pc&user=u%40x&ip=1.2.3.4&sha256=ab&createdFrom=2026-01-01&createdTo=2026-12-31&updatedFrom=2026-01-01&updatedTo=2026-12-31&top=50&sort=title+asc&q=power"), 200},
				{"queue with mistakes", get(op, "/alerts?severity=bogus&top=0&createdFrom=x&sort=nope"), 400},
				{"queue, nothing found", get(op, "/alerts?user=nobody%40example.com"), 200},
				{"alert", get(op, alert+"?"+from), 200},
				{"alert at the end of its list", get(op, alert+"?"+from+"&edge=last"), 200},
				{"alert, read-only", get(reader, alert), 200},
				{"alert updated", post(op, alert, csrf, url.Values{"status": {"inProgress"}, "triage": {"truePositive:malware"}, "comment": {"Done"}}), 200},
				{"alert, nothing changed", post(op, alert, csrf, url.Values{"status": {"inProgress"}}), 200},
				{"alert, change refused", post(reader, alert, readerCSRF, url.Values{"status": {"resolved"}, "comment": {"kept"}}), 403},
				{"alert, bad input", post(op, alert, csrf, url.Values{"triage": {"falsePositive:malware"}}), 400},
				{"alert not found", get(op, "/alerts/da000000000000000000_-1"), 404},
				{"home", get(op, "/"), 200},
				{"home, no access", get(nobody, "/"), 200},
				{"incident queue", get(op, "/incidents"), 200},
				{"incident queue with every filter", get(op, "/incidents?severity=high&status=active&classification=truePositive&determination=malware&assignedTo=x%40y&assignedToMe=1&customTags=VIP&systemTags=BEC&createdFrom=2026-01-01&createdTo=2026-12-31&updatedFrom=2026-01-01&updatedTo=2026-12-31&top=10&sort=severity+asc&q=multi"), 200},
				{"incident queue with mistakes", get(op, "/incidents?severity=bogus&status=new&top=51&createdFrom=x&createdTo=2020-01-01&updatedFrom=2026-02-02&updatedTo=2026-02-01&sort=title+asc&customTags="+strings.Repeat("x", 80)), 400},
				{"incident queue, nothing found", get(op, "/incidents?assignedTo=nobody%40example.com"), 200},
				{"incident queue, stale page", get(op, "/incidents?page=AAAAAAAAAAAAAAAAAAAAAA"), 200},
				{"incident", get(op, incidentPath+"?"+url.Values{"from": {"status=active&status=inProgress"}, "i": {"0"}, "n": {"3"}}.Encode()), 200},
				{"incident at the end of its list", get(op, incidentPath+"?from=status%3D&edge=last"), 200},
				{"incident, read-only", get(reader, incidentPath), 200},
				{"incident merged", get(op, "/incidents/"+merged), 200},
				{"incident updated", post(op, incidentPath, csrf, url.Values{"status": {"inProgress"}, "triage": {"truePositive:malware"}, "newCustomTags": {"VIP"}, "comment": {"Done"}}), 200},
				{"incident, nothing changed", post(op, incidentPath, csrf, url.Values{"status": {"inProgress"}}), 200},
				{"incident, change refused", post(reader, incidentPath, readerCSRF, url.Values{"status": {"resolved"}, "comment": {"kept"}}), 403},
				{"incident, bad input", post(op, incidentPath, csrf, url.Values{"triage": {"falsePositive:malware"}, "newCustomTags": {strings.Repeat("x", 70)}}), 400},
				{"incident, merged refused", post(op, "/incidents/"+merged, csrf, url.Values{"status": {"resolved"}}), 400},
				{"incident not found", get(op, "/incidents/999999999"), 404},
				{"manage", get(op, "/manage"), 200},
				{"manage result", post(op, "/manage", csrf, url.Values{"id": {id}, "status": {"new"}, "comment": {"again"}}), 200},
				{"manage refused", post(op, "/manage", csrf, url.Values{"id": {"nope"}, "status": {"new"}}), 404},
				{"legacy alerts", get(op, "/legacy/alerts"), 200},
				{"legacy alerts, mistakes", get(op, "/legacy/alerts?top=3&severity=x"), 400},
				{"legacy alert", get(op, "/legacy/alerts/"+url.PathEscape(legacyID)), 200},
				{"legacy update", post(op, "/legacy/alerts/"+url.PathEscape(legacyID), csrf, url.Values{"status": {"inProgress"}}), 200},
				{"legacy manage", get(op, "/legacy/manage"), 200},
				{"consent", get(op, "/consent"), 200},
				{"secure score", get(op, "/securescore"), 200},
				{"secure score, filters", get(op, "/securescore?controlCategory=Identity&state=Default&deprecated=false&sort=maxScore+desc&q=mfa"), 200},
				{"secure score, mistakes", get(op, "/securescore?state=x&deprecated=x&sort=x"), 400},
				{"control profile", get(op, "/securescore/profiles/AdminMFAV2"), 200},
				{"control profile, reader", get(reader, "/securescore/profiles/AdminMFAV2"), 200},
				{"control profile, mistakes", post(op, "/securescore/profiles/AdminMFAV2", csrf, url.Values{"state": {"Gone"}, "comment": {"kept"}}), 400},
				{"control profile not found", get(op, "/securescore/profiles/NoSuchControl"), 404},
				{"security actions", get(op, "/actions"), 200},
				{"security actions, reader", get(reader, "/actions"), 200},
				{"security actions, mistakes", post(op, "/actions", csrf, url.Values{"action": {"x"}}), 400},
				{"email an alert", get(op, alert+"/email"), 200},
				{"email an alert, mistakes", post(op, alert+"/email", csrf, url.Values{"to": {"nope"}}), 400},
				{"email an incident", get(op, incidentPath+"/email"), 200},
				{"no access", get(nobody, "/alerts"), 200},
				{"page not found", get(op, "/no/such/page"), 404},
				{"page not found, signed out", get(out, "/no/such/page"), 404},
				{"signed out", get(out, "/signed-out"), 200},
				{"sign in, signed out", get(out, "/login"), 200},
				{"sign in, signed out, text kept", get(out, "/login?reason=ended&draft=kept&return_to=%2Falerts"), 200},
				{"sign in, signed out, text lost", get(out, "/login?reason=ended&draft=lost"), 200},
				{"form too old", post(op, alert, csrf, url.Values{"status": {"new"}, "formtoken": {"1.AAAAAAAAAAAAAAAAAAAAAA"}}), 409},
			} {
				p := v.page()
				if p.Status != v.status {
					t.Errorf("%s: %d, want %d\n%.3000s", v.name, p.Status, v.status, p.Body)
					continue
				}
				if !strings.Contains(p.Body, `<html lang="`+lang+`">`) || p.Header.Get("Content-Language") != lang ||
					!strings.Contains(strings.Join(p.Header.Values("Vary"), ","), "Accept-Language, Cookie") {
					t.Errorf("%s: the page does not say it is in %s (Content-Language %q, Vary %q)", v.name, lang, p.Header.Get("Content-Language"), p.Header.Values("Vary"))
				}
				if !i18n.AssertNoMarkers(t, p.Body) {
					t.Errorf("%s: markers above", v.name)
				}
				if lang == "ja" && strings.Contains(p.Body, `>Alerts<`) {
					t.Errorf("%s: the Japanese page says \"Alerts\"", v.name)
				}
				// Every page but a signed-out one keeps the navigation.
				if b := v.name; !strings.Contains(b, "signed out") && !strings.Contains(p.Body, `<nav class="main"`) {
					t.Errorf("%s: no navigation", v.name)
				}
			}
		})
	}
}

// Accept-Language chooses the language until the switch sets the cookie,
// which then wins; the switch comes back to the page it was used on, and
// only to a page of the console.
func TestLanguageNegotiationAndSwitch(t *testing.T) {
	h := webtest.New(t)
	b, _ := h.SignIn(h.User("Security Reader"), "/alerts")
	get := func(path, acceptLanguage string) *emutest.Page {
		req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
		if acceptLanguage != "" {
			req.Header.Set("Accept-Language", acceptLanguage)
		}
		p, err := b.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := get("/alerts", "fr-FR, ja;q=0.8, en;q=0.5"); p.Header.Get("Content-Language") != "ja" || !strings.Contains(p.Body, `<html lang="ja">`) {
		t.Errorf("Accept-Language ja: %s", p.Header.Get("Content-Language"))
	}
	if p := get("/alerts", ""); p.Header.Get("Content-Language") != "en" {
		t.Errorf("no Accept-Language: %s", p.Header.Get("Content-Language"))
	}
	sw := get("/lang?to=en&back="+url.QueryEscape("/alerts?severity=high"), "ja")
	if sw.Status != http.StatusSeeOther || !strings.HasSuffix(sw.Location, "/alerts?severity=high") {
		t.Fatalf("switch: %d %s", sw.Status, sw.Location)
	}
	if c := sw.Header.Get("Set-Cookie"); !strings.Contains(c, i18n.CookieName+"=en") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "Max-Age=31536000") {
		t.Errorf("the switch's cookie: %s", c)
	}
	if p := get("/alerts", "ja"); p.Header.Get("Content-Language") != "en" {
		t.Error("the chosen language does not win over Accept-Language")
	}
	for _, back := range []string{"https://evil.example/", "//evil.example/x", `/\evil.example`, "javascript:alert(1)", ""} {
		if p := get("/lang?to=ja&back="+url.QueryEscape(back), ""); !strings.HasSuffix(p.Location, "/alerts") || strings.Contains(p.Location, "evil") {
			t.Errorf("back=%q went to %s", back, p.Location)
		}
	}
	// The switch's links on a page come back to that page.
	p := get("/alerts?severity=high", "")
	if !strings.Contains(p.Body, `href="/lang?back=%2Falerts%3Fseverity%3Dhigh&amp;to=ja"`) {
		t.Errorf("the language switch does not come back to the page:\n%s", between(p.Body, `<nav class="lang"`, `</nav>`))
	}
}

// TestMessagesExist checks every call of the printer in the console's
// templates and Go code against the catalogs: no missing key, no missing
// or unused argument.
func TestMessagesExist(t *testing.T) {
	h := webtest.New(t)
	b, err := i18n.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tpls := h.Server.Kit().Templates()
	if len(tpls) < 10 {
		t.Fatalf("only %d templates", len(tpls))
	}
	for name, tpl := range tpls {
		for _, p := range b.CheckTemplate(tpl) {
			t.Errorf("template %s: %v", name, p)
		}
	}
	for _, dir := range []string{".", "page", "alerts", "incidents", "home", "legacy", "live"} {
		probs, err := b.CheckGoFiles(filepath.Join(".", dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range probs {
			t.Errorf("Go: %v", p)
		}
	}
}

// between returns the text of s after the first from, up to to.
func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}
