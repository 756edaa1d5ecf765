//go:build shots

package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestShotsIncidents writes screenshots of the incident queue, an
// incident's page (as it opens, after an update, merged, as a reader) and
// the home page, at 1440×900 and 390 px wide, in English and Japanese, to
// $GRAPHSEC_SHOTS (default /tmp/shots), named incidents-… and home-…:
// go test -tags shots -run TestShots ./internal/web
func TestShotsIncidents(t *testing.T) {
	dir := os.Getenv("GRAPHSEC_SHOTS")
	if dir == "" {
		dir = "/tmp/shots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 400}})
	op := h.User("Security Operator")
	ev := webtest.Evidence
	first, incident := h.RaiseAlert(map[string]any{"title": "Suspicious PowerShell download", "severity": "high", "category": "Execution",
		"evidence": []any{
			ev("userEvidence", map[string]any{"userAccount": map[string]any{"accountName": "jdoe", "domainName": "CONTOSO", "userPrincipalName": "jdoe@contoso.com", "displayName": "Jane Doe"}}),
			ev("deviceEvidence", map[string]any{"deviceDnsName": "pc17.contoso.com", "osPlatform": "Windows11"}),
		}})
	h.RaiseAlert(map[string]any{"title": "Credential theft with Mimikatz", "severity": "high", "incidentId": incident, "category": "CredentialAccess",
		"evidence": []any{
			ev("userEvidence", map[string]any{"userAccount": map[string]any{"accountName": "jdoe", "domainName": "CONTOSO", "userPrincipalName": "jdoe@contoso.com"}}),
			ev("userEvidence", map[string]any{"userAccount": map[string]any{"accountName": "svc-backup", "domainName": "CONTOSO", "userPrincipalName": "svc-backup@contoso.com"}}),
			ev("deviceEvidence", map[string]any{"deviceDnsName": "dc01.contoso.com", "osPlatform": "WindowsServer2022"}),
			ev("deviceEvidence", map[string]any{"deviceDnsName": "pc17.contoso.com"}),
		}})
	_ = first
	_, merged := h.RaiseAlert(map[string]any{"title": "Lateral movement using remote services", "severity": "medium"})
	if status, body := h.Ctl(http.MethodPost, "/_emulator/incidents/"+merged+"/merge", map[string]any{"into": incident}); status != http.StatusOK {
		t.Fatalf("merge: %d %s", status, body)
	}

	b := webtest.NewBrowser(t)
	b.SignIn(h, "/incidents", op)
	reader := webtest.NewBrowser(t)
	reader.SignIn(h, "/incidents", h.User("Security Reader"))
	capture := func(br *webtest.Browser, name string) {
		buf, err := chromedp.Run(br.Ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sizes := []struct {
		name string
		w, h int64
	}{{"1440", 1440, 900}, {"390", 390, 844}}
	pages := []struct{ name, path string }{
		{"incidents-queue", "/incidents"},
		{"incidents-queue-filtered", "/incidents?severity=high&severity=medium&status=&sort=severity+desc&customTags=VIP"},
		{"incidents-incident", "/incidents/" + url.PathEscape(incident)},
		{"incidents-redirected", "/incidents/" + url.PathEscape(merged)},
		{"home", "/"},
	}
	for _, lang := range []string{"en", "ja"} {
		b.Do("language "+lang, chromedp.Navigate(h.URL+"/lang?to="+lang+"&back="+url.QueryEscape("/incidents")))
		for _, pg := range pages {
			for _, size := range sizes {
				name := pg.name + "-" + size.name + "-" + lang
				b.Do(name, chromedp.EmulateViewport(size.w, size.h), chromedp.Navigate(h.URL+pg.path), chromedp.Sleep(200e6))
				capture(b, name)
			}
		}
		// An update in place: status, classification, a tag, a comment.
		b.Do("incident", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+"/incidents/"+url.PathEscape(incident)), webtest.Visible(`#update-form`))
		b.Retry("manage", chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"), chromedp.SetValue(chromedp.CSS(`#u-triage`), "truePositive:multiStagedAttack"),
			chromedp.SetValue(chromedp.CSS(`#u-tags`), "VIP, Finance "+lang), chromedp.SetValue(chromedp.CSS(`#c-text`), "Escalated to tier 2"))
		b.ClickOn(`#save`)
		b.WaitAny(`#flash`)
		capture(b, "incidents-updated-1440-"+lang)
		b.Do("incident phone", chromedp.EmulateViewport(390, 844), chromedp.Reload(), chromedp.Sleep(200e6))
		capture(b, "incidents-incident-after-390-"+lang)
		reader.Lang(h, lang)
		reader.Do("reader", chromedp.EmulateViewport(1440, 900), chromedp.Navigate(h.URL+"/incidents/"+url.PathEscape(incident)), webtest.Visible(`#read-only`))
		capture(reader, "incidents-reader-1440-"+lang)
	}
	t.Logf("screenshots in %s", dir)
}
