package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/graphsec/graphsec/emulator"
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

// browserT is a headless Chromium session for one test. It fails the test
// if any JavaScript dialog opens: graphsec's pages never open one, so a
// dialog means injected script ran.
type browserT struct {
	t       *testing.T
	ctx     context.Context
	mu      sync.Mutex
	dialogs []string
}

type step = chromedp.Action[chromedp.Void]

func newBrowser(t *testing.T) *browserT {
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
	b := &browserT{t: t, ctx: ctx}
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
	return b
}

// fail reports where the browser is and what it shows.
func (b *browserT) fail(what string, err error) {
	b.t.Helper()
	loc, _ := chromedp.Run(b.ctx, chromedp.Location())
	body, _ := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS("body")))
	if len(body) > 2000 {
		body = body[:2000]
	}
	b.t.Fatalf("%s: %v\n(at %s)\n%s", what, err, loc, body)
}

// do runs steps, failing the test with the page's text when one fails.
func (b *browserT) do(what string, steps ...step) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

// stepTimeout bounds one group of browser steps, so a failure leaves time to
// report what the page shows.
const stepTimeout = 20 * time.Second

func (b *browserT) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail("read "+sel, err)
	}
	return s
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *browserT, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.fail("evaluate "+expr, err)
	}
	return v
}

func visible(sel string) step { return chromedp.WaitVisible(chromedp.CSS(sel)) }
func click(sel string) step   { return chromedp.Click(chromedp.CSS(sel)) }

// clickOn waits for sel on the page the browser is landing on and clicks
// it, trying again when a navigation replaces the node between the query
// and the click.
func (b *browserT) clickOn(sel string) {
	b.t.Helper()
	b.waitAny(sel)
	b.retry("click "+sel, click(sel))
}

// retry runs steps until they succeed: a page that is still settling after
// a navigation can replace the nodes a step found a moment before.
func (b *browserT) retry(what string, steps ...step) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		err = chromedp.Do(ctx, steps...)
		cancel()
		if err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.fail(what, err)
}

// waitAny waits until one of the selectors matches an element of the
// current page and returns it: after a click that navigates, it tells
// which page the browser landed on. Evaluations that race a navigation
// fail and are simply tried again.
func (b *browserT) waitAny(sels ...string) string {
	b.t.Helper()
	list, _ := json.Marshal(sels)
	expr := `(() => { for (const s of ` + string(list) + `) { if (document.querySelector(s)) return s; } return ""; })()`
	deadline := time.Now().Add(stepTimeout)
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		cancel()
		if err == nil && got != "" {
			return got
		}
		lastErr = err
		time.Sleep(50 * time.Millisecond)
	}
	b.fail(fmt.Sprintf("wait for one of %v", sels), lastErr)
	return ""
}

// waitURL waits until the page's address contains substr (after a click
// that navigates, the old page's elements are still there for a moment).
func (b *browserT) waitURL(substr string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		loc, err := chromedp.Run(ctx, chromedp.Location())
		cancel()
		if err == nil && strings.Contains(loc, substr) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.fail("wait for an address containing "+substr, errors.New("timed out"))
}

// signIn opens path, chooses userID on the emulator's sign-in page and
// accepts its consent page if one is shown.
func (b *browserT) signIn(h *harness, path, userID string) {
	b.t.Helper()
	b.do("sign in via "+path,
		chromedp.Navigate(h.url+path),
		visible(`button[name="login"]`),
		click(fmt.Sprintf(`button[name="login"][value="%s"]`, userID)),
	)
	if b.waitAny(`button[value="accept"]`, `header.top`) == `button[value="accept"]` {
		b.do("accept consent", click(`button[value="accept"]`))
	}
}

func TestBrowserSignInFilterPageAndSignOut(t *testing.T) {
	h := newHarness(t, harnessOptions{emulator: emulator.Options{Alerts: 120}})
	b := newBrowser(t)
	analyst := h.user("Security Operator")
	b.signIn(h, "/alerts", analyst)
	b.do("alerts table", visible(`#alerts`))
	if who := b.text(".who .upn"); who != h.upn(analyst) {
		t.Fatalf("header shows %q, want %q", who, h.upn(analyst))
	}
	// Filter by severity with the form, as a user would.
	b.do("filter high",
		click(`input[name="severity"][value="high"]`),
		click(`form.filters button[type="submit"]`),
	)
	b.waitURL("severity=high")
	b.do("results", visible(`#alert-count`))
	sevs := eval[[]string](b, `Array.from(document.querySelectorAll('#alerts tbody .sev')).map(e => e.textContent)`)
	if len(sevs) == 0 {
		t.Fatal("no high-severity alerts listed")
	}
	for _, s := range sevs {
		if s != "high" {
			t.Fatalf("a %q alert is listed under severity=high", s)
		}
	}
	// The REST request is shown.
	if u := b.text(`#rest-url-list`); !strings.Contains(u, "/v1.0/security/alerts_v2?") || !strings.Contains(u, "severity") {
		t.Fatalf("REST request shown: %q", u)
	}
	// Paging: the next page shows other alerts.
	const ids = `Array.from(document.querySelectorAll('#alerts tbody td:first-child a')).map(a => a.getAttribute('href'))`
	b.do("all alerts, 10 per page", chromedp.Navigate(h.url+"/alerts?top=10"), visible(`#alerts`))
	first := eval[[]string](b, ids)
	b.do("next page", click(`a[rel="next"]`), visible(`#alerts`))
	second := eval[[]string](b, ids)
	if len(first) != 10 || len(second) != 10 || first[0] == second[0] {
		t.Fatalf("paging: %v / %v", first, second)
	}
	// Sign out.
	b.do("sign out", click(`.who button[type="submit"]`))
	b.waitAny(`a[href*="/oauth2/v2.0/logout"]`)
	if h1 := b.text("main h1"); !strings.Contains(h1, "signed out") {
		t.Fatalf("after sign-out: %q", h1)
	}
	// The Microsoft session remains, so graphsec signs the user in again
	// silently; after "Also sign out of Microsoft" it asks for an account.
	b.do("end the Microsoft session too", click(`a[href*="/oauth2/v2.0/logout"]`))
	b.waitAny(`.signed-out`, `button[name="login"]`)
	b.do("alerts again", chromedp.Navigate(h.url+"/alerts"), visible(`button[name="login"]`))
}

func TestBrowserHostileAlertRendersAsText(t *testing.T) {
	h := newHarness(t)
	title := `<script>alert("xss-title")</script><img src=x onerror=alert("xss-img")>`
	body := fmt.Sprintf(`{"title":%q,"severity":"high","description":%q}`, title, `<svg onload=alert("xss-svg")>`)
	res, err := http.Post(h.emu.URL()+"/_emulator/alerts", "application/json", strings.NewReader(body))
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("inject: %v %v", err, res)
	}
	res.Body.Close()
	b := newBrowser(t)
	b.signIn(h, "/alerts?severity=high", h.user("Security Reader"))
	b.do("alerts table", visible(`#alerts`))
	shown := b.text(`#alerts tbody tr:first-child td:first-child a`)
	if shown != title {
		t.Fatalf("title shown as %q, want the literal text %q", shown, title)
	}
	injected := eval[int](b, `document.querySelectorAll('main script, main img[src="x"], main svg').length`)
	if injected != 0 {
		t.Fatalf("%d injected elements exist in the page", injected)
	}
	// The dialog check in Cleanup fails the test if any alert() ran.
}

func TestBrowserAdminConsentFromUnconsentedEmulator(t *testing.T) {
	h := newHarness(t, harnessOptions{emulator: emulator.Options{Unconsented: true}})
	b := newBrowser(t)
	reader, admin := h.user("Security Reader"), h.user("Global Administrator")
	b.signIn(h, "/alerts", reader)
	b.do("consent page", visible(`a[href="/consent/admin"]`))
	if !strings.Contains(b.text("main"), "SecurityAlert.Read.All") {
		t.Fatal("the consent page does not name the missing permission")
	}
	// The administrator grants consent (the reader's browser session at
	// the emulator is replaced by choosing another account).
	b.clickOn(`a[href="/consent/admin"]`)
	if b.waitAny(`button[name="login"]`, `a[href*="prompt=select_account"]`, `button[value="switch"]`) != `button[name="login"]` {
		// Signed in at the emulator as the reader already: use another account.
		b.clickOn(`a[href*="prompt=select_account"], button[value="switch"]`)
	}
	b.clickOn(fmt.Sprintf(`button[name="login"][value="%s"]`, admin))
	b.clickOn(`button[value="accept"]`)
	b.waitAny(`.notice.ok`)
	if h1 := b.text("main h1"); h1 != "Admin consent granted" {
		t.Fatalf("after consent: %q\n%s", h1, b.text("main"))
	}
	// Signing in again (as the reader) now shows alerts.
	b.clickOn(`a.button[href="/login"]`)
	if b.waitAny(`button[name="login"]`, `#alerts`) == `button[name="login"]` {
		b.clickOn(fmt.Sprintf(`button[name="login"][value="%s"]`, reader))
	}
	b.do("alerts after consent", visible(`#alerts`))
}

func TestBrowserAlertDetailUpdateAndComment(t *testing.T) {
	h := newHarness(t)
	b := newBrowser(t)
	analyst := h.user("Security Operator")
	b.signIn(h, "/alerts?status=new&top=10", analyst)
	b.do("open the first alert", visible(`#alerts`))
	b.clickOn(`#alerts tbody tr:first-child td:first-child a`)
	b.waitAny(`#update-form`)
	title := b.text(`#alert-title`)
	if n := eval[int](b, `document.querySelectorAll('#evidence section, #evidence .card').length`); n == 0 {
		t.Fatal("the detail page shows no evidence panel")
	}
	if eval[string](b, `document.querySelector('#raw-json').textContent`) == "" {
		t.Fatal("no raw JSON")
	}

	// Update status and classification, and assign to me.
	b.retry("fill the update form",
		chromedp.SetValue(chromedp.CSS(`#u-status`), "inProgress"),
		chromedp.SetValue(chromedp.CSS(`#u-class`), "truePositive"),
		chromedp.SetValue(chromedp.CSS(`#u-determ`), "malware"),
	)
	b.clickOn(`#update-form button[name="assignToMe"]`)
	b.waitAny(`#compare`)
	changed := eval[[]string](b, `Array.from(document.querySelectorAll('#compare tr.changed-row th')).map(th => th.textContent)`)
	for _, want := range []string{"status", "classification", "determination", "assignedTo"} {
		found := false
		for _, c := range changed {
			found = found || strings.EqualFold(strings.TrimSpace(c), want)
		}
		if !found {
			t.Errorf("before/after does not highlight %s (highlighted: %v)", want, changed)
		}
	}
	if u := b.text(`.rest .url`); !strings.Contains(u, "/v1.0/security/alerts_v2/") {
		t.Errorf("the request sent is not shown: %q", u)
	}
	if body := b.text(`.rest-body`); !strings.Contains(body, `"status"`) || !strings.Contains(body, `"inProgress"`) {
		t.Errorf("the PATCH body shown: %q", body)
	}

	// Back on the alert: it shows the new state, the activity log, and takes a comment.
	b.clickOn(`.actions a.button`)
	b.waitAny(`#comment-form`)
	if got := b.text(`#alert-title`); got != title {
		t.Fatalf("back on %q, want %q", got, title)
	}
	if who := b.text(`#assigned-to`); who != h.upn(analyst) {
		t.Errorf("assigned to %q after 'assign to me'", who)
	}
	if a := b.text(`#activity`); !strings.Contains(a, h.upn(analyst)) || !strings.Contains(a, "status") {
		t.Errorf("activity log: %q", a)
	}
	comment := "Checked the host <b>manually</b> — 確認済み"
	b.retry("write a comment", chromedp.SetValue(chromedp.CSS(`#c-text`), comment))
	b.clickOn(`#comment-form button[type="submit"]`)
	b.waitURL("#comments")
	b.waitAny(`#comments`)
	if got := b.text(`#comments`); !strings.Contains(got, comment) {
		t.Fatalf("the new comment is not shown as text: %q", got)
	}
}

func TestBrowserLegacyAlertsQueryAndUpdate(t *testing.T) {
	h := newHarness(t)
	b := newBrowser(t)
	analyst := h.user("Security Operator")
	b.signIn(h, "/legacy/alerts", analyst)
	b.waitAny(`#legacy-alerts`)
	// The original form: severity High, top 5 per provider.
	b.retry("query", chromedp.SetValue(chromedp.CSS(`#l-severity`), "High"), chromedp.SetValue(chromedp.CSS(`#l-top`), "5"))
	b.clickOn(`form.filters button[type="submit"]`)
	b.waitURL("severity=High")
	b.waitAny(`#legacy-alerts`, `#legacy-none`)
	if u := b.text(`.rest .url`); !strings.Contains(u, "/v1.0/security/alerts?") || !strings.Contains(u, "severity") {
		t.Fatalf("REST query shown: %q", u)
	}
	if eval[int](b, `document.querySelectorAll('#legacy-alerts tbody tr').length`) == 0 {
		t.Fatal("no high-severity legacy alerts")
	}
	// Open one and update it as the original sample did.
	b.clickOn(`#legacy-alerts tbody tr:first-child a`)
	b.waitAny(`#legacy-manage`)
	b.retry("manage", chromedp.SetValue(chromedp.CSS(`#m-status`), "inProgress"), chromedp.SetValue(chromedp.CSS(`#m-feedback`), "truePositive"))
	b.clickOn(`#legacy-manage button[type="submit"]`)
	b.waitAny(`#compare`)
	if c := b.text(`#compare`); !strings.Contains(c, "inProgress") || !strings.Contains(c, h.upn(analyst)) {
		t.Fatalf("before/after: %q", c)
	}
	if eval[string](b, `document.querySelector('.rest .method').textContent`) != "PATCH" {
		t.Fatal("the PATCH request is not shown")
	}
}
