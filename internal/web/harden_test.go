package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/web"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// TestReadyzIsCached is the regression test for unauthenticated /readyz
// calling Graph and the identity platform on every request: a burst of
// calls makes one check, shared; the next check comes after ReadyCache.
func TestReadyzIsCached(t *testing.T) {
	h := webtest.New(t, webtest.Options{ConsoleClock: true})
	h.Graph.Reset()
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			res, err := http.Get(h.URL + "/readyz")
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("/readyz: %d %v", res.StatusCode, res.Header)
			}
		})
	}
	wg.Wait()
	checks := func() int { return len(h.Graph.Requests("/.well-known/openid-configuration")) }
	if n := checks(); n != 1 {
		t.Fatalf("40 calls made %d checks of the identity platform, want 1", n)
	}
	h.Clock.Advance(web.DefaultReadyCache / 2)
	if res, err := http.Get(h.URL + "/readyz"); err == nil {
		res.Body.Close()
	}
	if n := checks(); n != 1 {
		t.Errorf("a call within the cache made a check (%d)", n)
	}
	h.Clock.Advance(web.DefaultReadyCache / 2)
	if res, err := http.Get(h.URL + "/readyz"); err == nil {
		res.Body.Close()
	}
	if n := checks(); n != 2 {
		t.Errorf("a call after the cache made %d checks in all, want 2", n)
	}
}

// TestSignInPageStoresNothing: the sign-in page (where a page without a
// session sends the browser) is a page with a button; only the button
// (POST) records a sign-in, and a 2 KB return path is dropped for "/".
func TestSignInPageStoresNothing(t *testing.T) {
	h := webtest.New(t)
	long := "/alerts?x=" + strings.Repeat("a", 2048)
	b := emutest.NewBrowser()
	p, err := b.Get(h.URL + "/login?return_to=" + url.QueryEscape(long))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || !webtest.IsSignInPage(p) || len(p.Header.Values("Set-Cookie")) != 0 {
		t.Fatalf("GET /login: %d, cookies %v", p.Status, p.Header.Values("Set-Cookie"))
	}
	if strings.Contains(p.Body, strings.Repeat("a", 2048)) {
		t.Error("the sign-in page carries the 2 KB return path")
	}
	landed, err := h.SignInWith(b, "/login?return_to="+url.QueryEscape(long), h.User("Security Reader"), emutest.SignInOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if landed.URL.Path != "/alerts" || landed.URL.RawQuery != "" {
		t.Errorf("after sign-in with a 2 KB return path: %s", landed.URL)
	}
}

// TestCallbackUsedAgain: a callback URL used again (Back, the history)
// shows "this sign-in link was already used", not a 400, and offers to go
// on when the browser is signed in.
func TestCallbackUsedAgain(t *testing.T) {
	h := webtest.New(t)
	b := emutest.NewBrowser()
	p, err := b.Navigate(h.URL+"/alerts", "")
	if err != nil {
		t.Fatal(err)
	}
	if p, err = b.Submit(p, "signin", "microsoft"); err != nil {
		t.Fatal(err)
	}
	stop, err := b.SignIn(p.Location, h.User("Security Reader"), emutest.SignInOptions{StopAt: h.URL + "/login/authorized"})
	if err != nil {
		t.Fatal(err)
	}
	callback := stop.Location
	if p, err = b.Navigate(callback, ""); err != nil || p.URL.Path != "/alerts" {
		t.Fatalf("first use: %v %v", err, p.URL)
	}
	again, err := b.Get(callback)
	if err != nil {
		t.Fatal(err)
	}
	if again.Status != http.StatusOK || !strings.Contains(again.Body, "This sign-in link was already used") || !strings.Contains(again.Body, "Go on to alerts") {
		t.Fatalf("callback used again: %d\n%s", again.Status, again.Body)
	}
	// In another browser it asks to sign in.
	other, _ := emutest.NewBrowser().Get(callback)
	if other.Status != http.StatusOK || !webtest.IsSignInPage(other) || !strings.Contains(other.Body, "already used") {
		t.Fatalf("callback in another browser: %d\n%s", other.Status, other.Body)
	}
}

// TestRejectedSignInIsExplained is the regression test for ID token
// rejections at the callback giving a 500: the identity platform's clock
// is two hours behind, so the ID token has expired on arrival.
func TestRejectedSignInIsExplained(t *testing.T) {
	h := webtest.New(t)
	h.Clock.Advance(-2 * time.Hour)
	_, p := h.SignIn(h.User("Security Reader"), "/alerts")
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, "Sign-in rejected") || !webtest.IsSignInPage(p) {
		t.Fatalf("callback with an expired ID token: %d\n%s", p.Status, p.Body)
	}
}

// TestSignOutClearsTheCache: the sign-out answer tells the browser to drop
// its cache, and every page is no-store.
func TestSignOutClearsTheCache(t *testing.T) {
	h := webtest.New(t)
	b, csrf := h.SignInAs("Security Reader", "/alerts")
	res := h.PostRaw(b, "/logout", csrf, nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Clear-Site-Data") != `"cache"` || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("sign-out: %d %v", res.StatusCode, res.Header)
	}
}
