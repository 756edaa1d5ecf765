package webtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Chromium for the browser tests: GRAPHSEC_CHROMIUM, or
// chromium / chromium-browser / google-chrome on PATH.
func chromiumPath() string {
	if p := os.Getenv("GRAPHSEC_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is a headless Chromium session for one test. It fails the test
// if any JavaScript dialog opens: graphsec's pages never open one, so a
// dialog means injected script ran. Without Chromium the test is skipped
// with a message saying how to install it, unless
// GRAPHSEC_REQUIRE_BROWSER=1 (CI), which makes that a failure.
type Browser struct {
	t *testing.T
	// Ctx is the browser's context, for chromedp calls of the test's own.
	Ctx     context.Context
	mu      sync.Mutex
	dialogs []string
	shot    bool // a screenshot of the failure was taken
}

// Step is one chromedp action.
type Step = chromedp.Action[chromedp.Void]

// NewBrowser starts Chromium for t; Cleanup stops it.
func NewBrowser(t *testing.T) *Browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("GRAPHSEC_REQUIRE_BROWSER") == "1" {
			t.Fatal("browser tests are required (GRAPHSEC_REQUIRE_BROWSER=1) but Chromium was not found: apt-get install -y chromium, or set GRAPHSEC_CHROMIUM")
		}
		t.Skip("browser tests need Chromium: install it (Debian: apt-get install -y chromium) or set GRAPHSEC_CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root in a container
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		// The machine's network is closed: keep Chromium from calling home.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	b := &Browser{t: t, Ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		if d, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			b.mu.Lock()
			b.dialogs = append(b.dialogs, d.Message)
			b.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	})
	if err != nil {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		b.mu.Lock()
		defer b.mu.Unlock()
		if len(b.dialogs) > 0 {
			t.Errorf("JavaScript dialogs opened (injected script ran?): %q", b.dialogs)
		}
	})
	// Cleanups run last first: this one, while the browser still runs.
	t.Cleanup(func() {
		if t.Failed() && !b.shot {
			b.Screenshot("failed")
		}
	})
	return b
}

// ArtifactsDir is where browser tests leave what helps to understand a
// failure (screenshots): $GRAPHSEC_TEST_ARTIFACTS, or graphsec-test-artifacts
// in the system's temporary directory. It outlives the test.
func ArtifactsDir() string {
	if d := os.Getenv("GRAPHSEC_TEST_ARTIFACTS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "graphsec-test-artifacts")
}

// Screenshot saves what the browser shows (the whole page) as a PNG in
// ArtifactsDir, named after the test and what, and logs the path.
func (b *Browser) Screenshot(what string) string {
	b.t.Helper()
	b.shot = true
	dir := ArtifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Logf("screenshot: %v", err)
		return ""
	}
	ctx, cancel := context.WithTimeout(b.Ctx, 10*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.t.Logf("screenshot: %v", err)
		return ""
	}
	name := strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(b.t.Name()) + "-" + what + "-" + time.Now().Format("150405.000") + ".png"
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf, 0o644); err != nil {
		b.t.Logf("screenshot: %v", err)
		return ""
	}
	b.t.Logf("screenshot of the page: %s", path)
	return path
}

// Viewport sets the window's size in CSS pixels (a 390 px phone, a
// 1440×900 laptop).
func (b *Browser) Viewport(w, h int64) {
	b.t.Helper()
	b.Do(fmt.Sprintf("viewport %d×%d", w, h), chromedp.EmulateViewport(w, h))
}

// Lang chooses the console's language with its language switch (the
// cookie it sets), staying on the current page.
func (b *Browser) Lang(h *Harness, lang string) {
	b.t.Helper()
	loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
	back := "/alerts"
	if u, err := url.Parse(loc); err == nil && strings.HasPrefix(loc, h.URL) {
		back = u.RequestURI()
	}
	b.Do("language "+lang, chromedp.Navigate(h.URL+"/lang?to="+lang+"&back="+url.QueryEscape(back)))
	b.WaitAny(`html[lang="` + lang + `"]`)
}

// Fail reports where the browser is and what it shows, and ends the test.
func (b *Browser) Fail(what string, err error) {
	b.t.Helper()
	loc, _ := chromedp.Run(b.Ctx, chromedp.Location())
	body, _ := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS("body")))
	if len(body) > 2000 {
		body = body[:2000]
	}
	b.Screenshot("failed")
	b.t.Fatalf("%s: %v\n(at %s)\n%s", what, err, loc, body)
}

// Do runs steps, failing the test with the page's text when one fails.
func (b *Browser) Do(what string, steps ...Step) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.Fail(what, err)
	}
}

// stepTimeout bounds one group of browser steps, so a failure leaves time to
// report what the page shows.
const stepTimeout = 20 * time.Second

// Text returns the text of the element sel.
func (b *Browser) Text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.Fail("read "+sel, err)
	}
	return s
}

// Eval evaluates a JavaScript expression in the page.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.Fail("evaluate "+expr, err)
	}
	return v
}

// Visible waits until sel is visible.
func Visible(sel string) Step { return chromedp.WaitVisible(chromedp.CSS(sel)) }

// Click clicks sel.
func Click(sel string) Step { return chromedp.Click(chromedp.CSS(sel)) }

// ClickOn waits for sel on the page the browser is landing on and clicks
// it, trying again when a navigation replaces the node between the query
// and the click.
func (b *Browser) ClickOn(sel string) {
	b.t.Helper()
	b.WaitAny(sel)
	b.Retry("click "+sel, Click(sel))
}

// Retry runs steps until they succeed: a page that is still settling after
// a navigation can replace the nodes a step found a moment before.
func (b *Browser) Retry(what string, steps ...Step) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.Ctx, 5*time.Second)
		err = chromedp.Do(ctx, steps...)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fail(what, err)
}

// loaded is true in a page once it is parsed and its deferred scripts
// (keyboard shortcuts, in-place forms) have run: the waits count nothing
// before it.
const loaded = `(document.readyState === "complete")`

// WaitAny waits until one of the selectors matches an element of the
// current page and returns it: after a click that navigates, it tells
// which page the browser landed on. Evaluations that race a navigation
// fail and are simply tried again.
func (b *Browser) WaitAny(sels ...string) string {
	b.t.Helper()
	list, _ := json.Marshal(sels)
	// A page still being parsed can hold the form's first element and not
	// yet the fields after it: only a loaded document counts.
	expr := `(() => { if (!` + loaded + `) return ""; for (const s of ` + string(list) + `) { if (document.querySelector(s)) return s; } return ""; })()`
	deadline := time.Now().Add(stepTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		cancel()
		if err == nil && got != "" {
			return got
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	b.Fail(fmt.Sprintf("wait for one of %v", sels), lastErr)
	return ""
}

// WaitURL waits until the page's address contains substr (after a click
// that navigates, the old page's elements are still there for a moment).
func (b *Browser) WaitURL(substr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.Ctx, 2*time.Second)
		// Only a loaded document counts, as in WaitAny.
		loc, err := chromedp.Run(ctx, chromedp.Evaluate[string](loaded+` ? location.href : ""`))
		cancel()
		if err == nil && strings.Contains(loc, substr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.Fail("wait for an address containing "+substr, errors.New("timed out"))
}

// SignIn opens path on h's console, presses the console's sign-in
// button, chooses userID on the emulator's sign-in page and accepts its
// consent page if one is shown.
func (b *Browser) SignIn(h *Harness, path, userID string) {
	b.t.Helper()
	b.Do("sign in via "+path,
		chromedp.Navigate(h.URL+path),
		Visible(`button[name="signin"]`),
	)
	b.ClickOn(`button[name="signin"]`)
	b.Do("choose "+userID,
		Visible(`button[name="login"]`),
		Click(fmt.Sprintf(`button[name="login"][value="%s"]`, userID)),
	)
	if b.WaitAny(`button[value="accept"]`, `header.top`) == `button[value="accept"]` {
		b.Do("accept consent", Click(`button[value="accept"]`))
	}
}

// Langs runs f once per language, each with its own console (options o)
// and browser, signed in as the first demo user holding role at path, the
// language chosen with the console's switch.
func Langs(t *testing.T, o Options, role, path string, f func(t *testing.T, h *Harness, b *Browser, lang string)) {
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			h := New(t, o)
			b := NewBrowser(t)
			b.SignIn(h, path, h.User(role))
			b.Lang(h, lang)
			f(t, h, b, lang)
		})
	}
}
