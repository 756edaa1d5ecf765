package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

func TestBrowserSignInFilterPageAndSignOut(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Alerts: 120}})
	b := webtest.NewBrowser(t)
	analyst := h.User("Security Operator")
	b.SignIn(h, "/alerts", analyst)
	b.Do("alerts table", webtest.Visible(`#alerts`))
	if who := b.Text(".who .upn"); who != h.UPN(analyst) {
		t.Fatalf("header shows %q, want %q", who, h.UPN(analyst))
	}
	// Filter by severity with its toggle, as a user would: it applies at once.
	b.Do("filter high", webtest.Click(`label.toggle.sev-high span`))
	b.WaitURL("severity=high")
	b.Do("results", webtest.Visible(`#alert-count`))
	sevs := webtest.Eval[[]string](b, `Array.from(document.querySelectorAll('#alerts tbody .sev')).map(e => e.getAttribute('title'))`)
	if len(sevs) == 0 {
		t.Fatal("no high-severity alerts listed")
	}
	for _, s := range sevs {
		if s != "high" {
			t.Fatalf("a %q alert is listed under severity=high", s)
		}
	}
	// The REST request is shown.
	if u := webtest.Eval[string](b, `document.querySelector('#rest-url-list').textContent`); !strings.Contains(u, "/v1.0/security/alerts_v2?") || !strings.Contains(u, "severity") {
		t.Fatalf("REST request shown: %q", u)
	}
	// Paging: the next page shows other alerts.
	const ids = `Array.from(document.querySelectorAll('#alerts tbody a.title')).map(a => a.pathname)`
	b.Do("all alerts, 10 per page", chromedp.Navigate(h.URL+"/alerts?top=10&status="), webtest.Visible(`#alerts`))
	first := webtest.Eval[[]string](b, ids)
	b.Do("next page", webtest.Click(`a[rel="next"]`), webtest.Visible(`#alerts`))
	second := webtest.Eval[[]string](b, ids)
	if len(first) != 10 || len(second) != 10 || first[0] == second[0] {
		t.Fatalf("paging: %v / %v", first, second)
	}
	// Sign out.
	b.Do("sign out", webtest.Click(`form[action="/logout"] button`))
	b.WaitAny(`a[href*="/oauth2/v2.0/logout"]`)
	if h1 := b.Text("main h1"); !strings.Contains(h1, "signed out") {
		t.Fatalf("after sign-out: %q", h1)
	}
	// After "Also sign out of Microsoft", graphsec's pages ask to sign in
	// (its own sign-in page, with a button), and the button asks Microsoft
	// for an account again.
	b.Do("end the Microsoft session too", webtest.Click(`a[href*="/oauth2/v2.0/logout"]`))
	b.WaitAny(`.signed-out`, `button[name="login"]`)
	b.Do("alerts again", chromedp.Navigate(h.URL+"/alerts"), webtest.Visible(`button[name="signin"]`))
	b.ClickOn(`button[name="signin"]`)
	b.Do("Microsoft asks for an account", webtest.Visible(`button[name="login"]`))
}

// TestBrowserBackAfterSignOut: after signing out, Back never signs the
// user in again silently and never shows a raw error: the page that was
// open asks to sign in (its own sign-in page, since pages are no-store),
// and the sign-in steps further back say the sign-in link was already
// used.
func TestBrowserBackAfterSignOut(t *testing.T) {
	h := webtest.New(t)
	b := webtest.NewBrowser(t)
	analyst := h.User("Security Operator")
	b.SignIn(h, "/alerts", analyst)
	b.Do("alerts table", webtest.Visible(`#alerts`))
	b.Do("sign out", webtest.Click(`form[action="/logout"] button`))
	b.WaitAny(`.signed-out`)
	signedIn := func() bool {
		return webtest.Eval[bool](b, `document.querySelector('.who') !== null || document.querySelector('#alerts') !== null`)
	}
	for i, want := range []string{`#signin button[name="signin"]`, `#signin`} {
		// A page restored from the back/forward cache loads nothing, so
		// NavigateBack would wait for a load that never comes: bound it.
		ctx, cancel := context.WithTimeout(b.Ctx, 20*time.Second)
		_, err := chromedp.Run(ctx, chromedp.NavigateBack())
		cancel()
		if err != nil {
			b.Fail(fmt.Sprintf("Back %d (a page restored from the cache, as the session saw it?)", i+1), err)
		}
		got := b.WaitAny(`#signin`, `#alerts`, `.who`, `button[name="login"]`)
		if got != `#signin` || signedIn() {
			t.Fatalf("Back %d landed on %q (signed in: %v): %s", i+1, got, signedIn(), b.Text("main"))
		}
		b.WaitAny(want)
		if title := b.Text("#signin h1"); title != "Sign in to graphsec" && title != "This sign-in link was already used" {
			t.Fatalf("Back %d shows %q", i+1, title)
		}
	}
	// And no session was made on the way.
	b.Do("alerts", chromedp.Navigate(h.URL+"/alerts"))
	if b.WaitAny(`#signin`, `#alerts`) != `#signin` {
		t.Fatal("a session exists after going Back")
	}
}

func TestBrowserAdminConsentFromUnconsentedEmulator(t *testing.T) {
	h := webtest.New(t, webtest.Options{Emulator: emulator.Options{Unconsented: true}})
	b := webtest.NewBrowser(t)
	reader, admin := h.User("Security Reader"), h.User("Global Administrator")
	b.SignIn(h, "/alerts", reader)
	b.Do("consent page", webtest.Visible(`a[href="/consent/admin"]`))
	if !strings.Contains(b.Text("main"), "SecurityAlert.Read.All") {
		t.Fatal("the consent page does not name the missing permission")
	}
	// The administrator grants consent (the reader's browser session at
	// the emulator is replaced by choosing another account).
	b.ClickOn(`a[href="/consent/admin"]`)
	if b.WaitAny(`button[name="login"]`, `a[href*="prompt=select_account"]`, `button[value="switch"]`) != `button[name="login"]` {
		// Signed in at the emulator as the reader already: use another account.
		b.ClickOn(`a[href*="prompt=select_account"], button[value="switch"]`)
	}
	b.ClickOn(fmt.Sprintf(`button[name="login"][value="%s"]`, admin))
	b.ClickOn(`button[value="accept"]`)
	b.WaitAny(`.notice.ok`)
	if h1 := b.Text("main h1"); h1 != "Admin consent granted" {
		t.Fatalf("after consent: %q\n%s", h1, b.Text("main"))
	}
	// Signing in again (as the reader) now shows alerts.
	b.ClickOn(`a.btn[href="/login"]`)
	b.ClickOn(`button[name="signin"]`)
	if b.WaitAny(`button[name="login"]`, `#alerts`) == `button[name="login"]` {
		b.ClickOn(fmt.Sprintf(`button[name="login"][value="%s"]`, reader))
	}
	b.Do("alerts after consent", webtest.Visible(`#alerts`))
}
