package live_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// live starts a console with live alerts and their sources.
func live(t *testing.T) *webtest.Harness {
	t.Helper()
	return webtest.New(t, webtest.Options{Live: true, Feeds: true})
}

// form returns the guard fields of the form on the page at path that posts
// to action, plus fields.
func form(t *testing.T, h *webtest.Harness, b *emutest.Browser, path, action string, fields url.Values) url.Values {
	t.Helper()
	f := webtest.FormFields(t, h.Get(b, path), action)
	for k, v := range fields {
		f[k] = v
	}
	return f
}

// mainOf is a page's main element, for failure messages.
func mainOf(body string) string {
	if i := strings.Index(body, "<main"); i >= 0 {
		body = body[i:]
	}
	if i := strings.Index(body, "</main>"); i >= 0 {
		body = body[:i]
	}
	return body
}

func TestPagesRender(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/notifications")
	for _, c := range []struct{ path, want string }{
		{"/subscriptions", `id="sub-form"`},
		{"/watches", `id="watch-form"`},
		{"/notifications", `id="live-list"`},
	} {
		t.Run(c.path, func(t *testing.T) {
			p := h.Get(b, c.path)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, c.want) {
				t.Fatalf("%s: %d, %q missing", c.path, p.Status, c.want)
			}
			if !strings.Contains(p.Body, `id="nav-live"`) {
				t.Error("no Live entry in the navigation")
			}
		})
	}
}

// TestSubscribeMistakes: every mistake is explained next to its field,
// nothing is created, and what was typed stays in the form.
func TestSubscribeMistakes(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/subscriptions")
	for _, c := range []struct {
		name   string
		fields url.Values
		errID  string
		kept   []string
	}{
		{"no filter", url.Values{"hostFqdn": {"  "}}, "error-form", nil},
		{"bad severity", url.Values{"severity": {"Severe"}, "upn": {"ada@contoso.com"}}, "error-severity", []string{"ada@contoso.com"}},
		{"bad status", url.Values{"status": {"Open"}, "provider": {"Defender"}}, "error-status", []string{`value="Defender"`}},
		{"bad category", url.Values{"category": {"phishy"}, "hostFqdn": {"pc1.contoso.com"}}, "error-category", []string{"pc1.contoso.com"}},
		{"id and filter", url.Values{"alertId": {"abc"}, "severity": {"High"}}, "error-form", []string{`value="abc"`}},
		{"bad id", url.Values{"alertId": {".."}}, "error-alertId", nil},
		{"control characters", url.Values{"upn": {"a\x01b"}}, "error-upn", nil},
		{"text too long", url.Values{"provider": {strings.Repeat("p", 300)}}, "error-provider", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := h.Post(b, "/subscriptions", "", form(t, h, b, "/subscriptions", "/subscriptions", c.fields))
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if !strings.Contains(p.Body, `id="`+c.errID+`"`) {
				t.Fatalf("no %s on the page:\n%s", c.errID, mainOf(p.Body))
			}
			for _, k := range c.kept {
				if !strings.Contains(html.UnescapeString(p.Body), k) {
					t.Errorf("%q typed is not in the form again", k)
				}
			}
		})
	}
	list, err := h.Upkeep.List(t.Context(), "")
	if err != nil || len(list) != 0 {
		t.Fatalf("mistakes created subscriptions: %v %v", list, err)
	}
}

// TestSubscribeReadsTheSamplesValues: the sample's spelling (High,
// NewAlert) and any case are read, and the subscription is listed with
// its owner, expiry and how it keeps working.
func TestSubscribeReadsTheSamplesValues(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/subscriptions")
	p := h.Post(b, "/subscriptions", "", form(t, h, b, "/subscriptions", "/subscriptions", url.Values{"severity": {"HIGH"}, "status": {"newalert"}}))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="flash"`) {
		t.Fatalf("subscribe: %d\n%s", p.Status, mainOf(p.Body))
	}
	rows := webtest.Section(t, p.Body, "subs", "table")
	for _, want := range []string{"severity=high", "status=newAlert", "graphsec&#39;s app", "Active"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the list lacks %q:\n%s", want, rows)
		}
	}
	list, err := h.Upkeep.List(t.Context(), "")
	if err != nil || len(list) != 1 || list[0].Graph == nil {
		t.Fatalf("Graph has no subscription: %+v %v", list, err)
	}
}

// TestFormTokenChecked: a form without the session's CSRF token changes
// nothing.
func TestFormTokenChecked(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/subscriptions")
	for _, c := range []struct{ path string }{{"/subscriptions"}, {"/watches"}} {
		t.Run(c.path, func(t *testing.T) {
			f := form(t, h, b, c.path, c.path, url.Values{"severity": {"High"}, "target": {"alerts"}, "query": {"severity=high"}})
			f.Set("csrf", "forged")
			p := h.Post(b, c.path, "", f)
			if p.Status != http.StatusForbidden {
				t.Fatalf("status %d, want 403", p.Status)
			}
		})
	}
	if w, _ := h.Watcher.ListWatches(t.Context(), ""); len(w) != 0 {
		t.Fatalf("a forged form created %d watches", len(w))
	}
}

func TestWatchMistakes(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/watches")
	for _, c := range []struct {
		name   string
		fields url.Values
		errID  string
		kept   string
	}{
		{"unknown target", url.Values{"target": {"mail"}, "query": {"severity=high"}}, "error-target", "severity=high"},
		{"bad severity", url.Values{"target": {"alerts"}, "query": {"severity=severe&status=new"}}, "error-query", "severity=severe&amp;status=new"},
		{"incident status on alerts", url.Values{"target": {"incidents"}, "query": {"status=new"}}, "error-query", "status=new"},
		{"not a query string", url.Values{"target": {"alerts"}, "query": {"severity=%zz"}}, "error-query", "severity=%zz"},
		{"too long", url.Values{"target": {"alerts"}, "query": {"q=" + strings.Repeat("x", 5000)}}, "error-query", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := h.Post(b, "/watches", "", form(t, h, b, "/watches", "/watches", c.fields))
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			if !strings.Contains(p.Body, `id="`+c.errID+`"`) {
				t.Fatalf("no %s:\n%s", c.errID, mainOf(p.Body))
			}
			if c.kept != "" && !strings.Contains(p.Body, `value="`+c.kept+`"`) {
				t.Errorf("the filter typed is not kept")
			}
		})
	}
	if w, _ := h.Watcher.ListWatches(t.Context(), ""); len(w) != 0 {
		t.Fatalf("mistakes created %d watches", len(w))
	}
}

// TestWatchThisView: the queues' button posts the view's filter, and the
// watch is listed with a link back to the view.
func TestWatchThisView(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/alerts?severity=high&status=new&top=10")
	for _, c := range []struct{ queue, target string }{
		{"/alerts?severity=high&status=new&top=10", "alerts"},
		{"/incidents?severity=medium", "incidents"},
	} {
		t.Run(c.target, func(t *testing.T) {
			page := h.Get(b, c.queue)
			f := webtest.FormFields(t, page, "/watches")
			if f.Get("target") != c.target || strings.Contains(f.Get("query"), "top=") {
				t.Fatalf("the button posts %v", f)
			}
			p := h.Post(b, "/watches", "", f)
			if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="flash"`) {
				t.Fatalf("watch: %d", p.Status)
			}
		})
	}
	w, err := h.Watcher.ListWatches(t.Context(), "")
	if err != nil || len(w) != 2 {
		t.Fatalf("watches: %+v %v", w, err)
	}
}

// TestOthersFeedsAreNotTheirs: a user cannot delete, renew or filter on
// another user's unshared feeds.
func TestOthersFeedsAreNotTheirs(t *testing.T) {
	h := live(t)
	ada, _ := h.SignIn(h.User("Security Operator"), "/watches")
	p := h.Post(ada, "/watches", "", form(t, h, ada, "/watches", "/watches", url.Values{"target": {"alerts"}, "query": {"severity=high"}}))
	if p.Status != http.StatusOK {
		t.Fatalf("watch: %d", p.Status)
	}
	w, _ := h.Watcher.ListWatches(t.Context(), "")
	id := w[0].ID
	bob, _ := h.SignIn(h.User("Security Reader"), "/watches")
	if strings.Contains(h.Get(bob, "/watches").Body, id) {
		t.Fatal("another user's watch is listed")
	}
	f := form(t, h, bob, "/watches", "/watches", nil)
	if p := h.Post(bob, "/watches/"+id+"/delete", "", f); p.Status != http.StatusNotFound {
		t.Fatalf("deleting another's watch: %d", p.Status)
	}
	if p := h.Get(bob, "/notifications?feed="+id); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="error-feed"`) {
		t.Fatalf("filtering on another's watch: %d", p.Status)
	}
	if w, _ := h.Watcher.ListWatches(t.Context(), ""); len(w) != 1 {
		t.Fatal("the watch is gone")
	}
	// Its items are Ada's alone; a shared watch's are everyone's.
	shared, err := h.Watcher.CreateWatch(t.Context(), webtestOwner(h), "alerts", "severity=high&status=new", true)
	if err != nil {
		t.Fatal(err)
	}
	h.RaiseAlert(map[string]any{"title": "Seen by whom", "severity": "high", "status": "new"})
	for _, id := range []string{id, shared.ID} {
		if err := h.Watcher.PollNow(t.Context(), id); err != nil {
			t.Fatal(err)
		}
	}
	count := func(b *emutest.Browser) int {
		return strings.Count(h.Get(b, "/notifications?q=seen+by").Body, `<li class="live-item`)
	}
	if n := count(ada); n != 2 {
		t.Errorf("Ada sees %d items, want 2 (her watch's and the shared one's)", n)
	}
	if n := count(bob); n != 1 {
		t.Errorf("Bob sees %d items, want 1 (the shared watch's)", n)
	}
}

func TestNotificationsFilterMistakes(t *testing.T) {
	h := live(t)
	b, _ := h.SignIn(h.User("Security Operator"), "/notifications")
	for _, c := range []struct{ query, errID string }{
		{"source=mail", "error-source"},
		{"feed=nope", "error-feed"},
		{"before=-3", "error-before"},
		{"q=" + url.QueryEscape("a\x01"), "error-q"},
	} {
		t.Run(c.query, func(t *testing.T) {
			p := h.Get(b, "/notifications?"+c.query)
			if p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="`+c.errID+`"`) {
				t.Fatalf("%d, no %s", p.Status, c.errID)
			}
		})
	}
}

// TestNoPublicURL: against a real tenant with a console Graph cannot
// reach, /subscriptions says so, explains the options and offers to poll
// the same legacy filter instead; subscribing keeps what was typed and
// offers the watch for it, which then works.
func TestNoPublicURL(t *testing.T) {
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, AsRealTenant: true})
	b, p := h.SignIn(h.User("Security Operator"), "/subscriptions")
	if !strings.Contains(p.Body, `id="no-public"`) || !strings.Contains(p.Body, "GRAPHSEC_PUBLIC_URL") {
		t.Fatalf("the page does not say Graph cannot reach graphsec:\n%s", mainOf(p.Body))
	}
	p = h.Post(b, "/subscriptions", "", form(t, h, b, "/subscriptions", "/subscriptions", url.Values{"severity": {"High"}, "upn": {"ada@contoso.com"}}))
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, `value="ada@contoso.com"`) {
		t.Fatalf("subscribe: %d\n%s", p.Status, mainOf(p.Body))
	}
	f := webtest.FormFields(t, p, "/watches")
	if f.Get("target") != "legacyAlerts" || f.Get("query") != "severity=high&upn=ada%40contoso.com" {
		t.Fatalf("the fallback posts %v", f)
	}
	if list, _ := h.Upkeep.List(t.Context(), ""); len(list) != 0 {
		t.Fatalf("a subscription was created: %+v", list)
	}
	p = h.Post(b, "/watches", "", f)
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-target="legacyAlerts"`) {
		t.Fatalf("the fallback watch: %d\n%s", p.Status, mainOf(p.Body))
	}
}

// TestEveryLivePageInBothLanguages renders the live pages in their states
// (lists, mistakes, results, items with changes, older pages, no public
// URL) in English and Japanese: each says its language and has no
// missing message.
func TestEveryLivePageInBothLanguages(t *testing.T) {
	h := live(t)
	tenant := webtest.New(t, webtest.Options{Live: true, Feeds: true, AsRealTenant: true})
	op := h.User("Security Operator")
	b, _ := h.SignIn(op, "/notifications")
	rb, _ := tenant.SignIn(tenant.User("Security Operator"), "/subscriptions")
	me := webtestOwner(h)
	if _, err := h.Upkeep.Create(t.Context(), me, "severity=High", true); err != nil {
		t.Fatal(err)
	}
	w, err := h.Watcher.CreateWatch(t.Context(), me, "alerts", "status=", false)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := h.RaiseAlert(map[string]any{"title": "Both languages", "severity": "high", "status": "new"})
	if err := h.Watcher.PollNow(t.Context(), w.ID); err != nil {
		t.Fatal(err)
	}
	c := h.GraphAs(h.UPN(op))
	if _, _, err := c.Alerts.Update(t.Context(), id, graph.AlertUpdate{Status: graph.Some(graph.AlertStatus("inProgress"))}); err != nil {
		t.Fatal(err)
	}
	if err := h.Watcher.PollNow(t.Context(), w.ID); err != nil {
		t.Fatal(err)
	}
	legacyAlert(t, h, map[string]any{"title": "L", "category": "malware", "severity": "high", "status": "newAlert",
		"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft"}})
	for _, lang := range []string{"en", "ja"} {
		t.Run(lang, func(t *testing.T) {
			h.Lang(b, lang)
			tenant.Lang(rb, lang)
			post := func(hh *webtest.Harness, br *emutest.Browser, page, action string, fields url.Values) func() *emutest.Page {
				return func() *emutest.Page { return hh.Post(br, action, "", form(t, hh, br, page, page, fields)) }
			}
			get := func(hh *webtest.Harness, br *emutest.Browser, path string) func() *emutest.Page {
				return func() *emutest.Page { return hh.Get(br, path) }
			}
			for _, v := range []struct {
				name   string
				page   func() *emutest.Page
				status int
				want   string
			}{
				{"subscriptions", get(h, b, "/subscriptions"), 200, `id="subs"`},
				{"subscriptions, mistakes", post(h, b, "/subscriptions", "/subscriptions", url.Values{"severity": {"x"}}), 400, `id="error-severity"`},
				{"subscriptions, created", post(h, b, "/subscriptions", "/subscriptions", url.Values{"upn": {"a@b.c"}}), 200, `id="flash"`},
				{"subscriptions, no public URL", get(tenant, rb, "/subscriptions"), 200, `id="no-public"`},
				{"subscriptions, no public URL, refused", post(tenant, rb, "/subscriptions", "/subscriptions", url.Values{"severity": {"Low"}}), 409, `id="poll-instead"`},
				{"watches", get(h, b, "/watches"), 200, `id="watches"`},
				{"watches, mistakes", post(h, b, "/watches", "/watches", url.Values{"target": {"alerts"}, "query": {"severity=x"}}), 400, `id="fix-in-queue"`},
				{"watches, polled", func() *emutest.Page {
					return h.Post(b, "/watches/"+w.ID+"/poll", "", form(t, h, b, "/watches", "/watches/"+w.ID+"/poll", nil))
				}, 200, `id="flash"`},
				{"watches, audited", func() *emutest.Page {
					return h.Post(b, "/watches/"+w.ID+"/audit", "", form(t, h, b, "/watches", "/watches/"+w.ID+"/audit", nil))
				}, 200, `id="flash"`},
				{"notifications", get(h, b, "/notifications"), 200, `data-prop="status"`},
				{"notifications, filtered", get(h, b, "/notifications?source=watch&q=both&feed="+w.ID), 200, `id="live-list"`},
				{"notifications, nothing found", get(h, b, "/notifications?q=nothing-like-this"), 200, `id="no-notes"`},
				{"notifications, older", get(h, b, "/notifications?before=2"), 200, `id="live-list"`},
				{"notifications, mistakes", get(h, b, "/notifications?source=x&before=y"), 400, `id="filter-errors"`},
			} {
				p := v.page()
				if p.Status != v.status || !strings.Contains(p.Body, v.want) {
					t.Errorf("%s: %d (want %d), %q missing\n%.3000s", v.name, p.Status, v.status, v.want, mainOf(p.Body))
					continue
				}
				if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
					t.Errorf("%s: not in %s", v.name, lang)
				}
				if !i18n.AssertNoMarkers(t, p.Body) {
					t.Errorf("%s: markers above", v.name)
				}
			}
		})
	}
}

// TestRenewAcrossMovedTime: with the console's and Graph's clocks moved
// past a subscription's expiry, the page says it expired and Graph no
// longer has it; Renew recreates it, and a change made afterwards is
// delivered again.
func TestRenewAcrossMovedTime(t *testing.T) {
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, ConsoleClock: true})
	b, _ := h.SignIn(h.User("Security Operator"), "/subscriptions")
	p := h.Post(b, "/subscriptions", "", form(t, h, b, "/subscriptions", "/subscriptions", url.Values{"severity": {"High"}}))
	if p.Status != http.StatusOK {
		t.Fatalf("subscribe: %d", p.Status)
	}
	subs, _ := h.Upkeep.List(t.Context(), "")
	feed := subs[0].Feed
	h.Clock.Advance(31 * 24 * time.Hour)
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, _ := h.Upkeep.List(t.Context(), "")
		if list[0].Graph == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Graph still has the subscription a month later")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A month later the sign-in has ended too.
	b, _ = h.SignIn(h.User("Security Operator"), "/subscriptions")
	rows := webtest.Section(t, h.Get(b, "/subscriptions").Body, "subs", "table")
	if !strings.Contains(rows, "Expired") {
		t.Errorf("the list does not say it expired:\n%s", rows)
	}
	p = h.Post(b, "/subscriptions/"+feed.ID+"/renew", "", form(t, h, b, "/subscriptions", "/subscriptions/"+feed.ID+"/renew", nil))
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="flash"`) {
		t.Fatalf("renew: %d\n%s", p.Status, mainOf(p.Body))
	}
	list, _ := h.Upkeep.List(t.Context(), "")
	if list[0].Graph == nil || list[0].Feed.GraphID == feed.GraphID || !list[0].Feed.ExpiresAt.After(h.Clock.Now().Add(29*24*time.Hour)) {
		t.Fatalf("not recreated for a new lifetime: %+v", list[0].Feed)
	}
	id := legacyAlert(t, h, map[string]any{"title": "After the renewal", "category": "malware", "severity": "high", "status": "newAlert",
		"vendorInformation": map[string]any{"provider": "ASC", "vendor": "Microsoft"}})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if strings.Contains(h.Get(b, "/notifications?q="+id).Body, `data-change="created"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the change after the renewal never arrived")
		}
	}
}

// TestDelegatedWhenTheAppCannotActAlone: without admin consent graphsec's
// app holds no application permission, so the page says a new
// subscription would keep working with the user's sealed sign-in; a user
// whose sign-in lacks the permission is told which one (and offered admin
// consent) before Graph is asked, with the form as typed.
func TestDelegatedWhenTheAppCannotActAlone(t *testing.T) {
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, Emulator: emulator.Options{Unconsented: true}})
	b, p := h.SignIn(h.User("Security Operator"), "/subscriptions")
	if p.Status != http.StatusOK || !strings.Contains(webtest.Section(t, p.Body, "sub-auth", "p"), "seals your refresh token") {
		t.Fatalf("the page does not say the user's sign-in keeps it working: %d\n%s", p.Status, mainOf(p.Body))
	}
	for _, c := range []struct {
		path   string
		fields url.Values
		kept   string
	}{
		{"/subscriptions", url.Values{"severity": {"High"}, "upn": {"ada@contoso.com"}}, `value="ada@contoso.com"`},
		{"/watches", url.Values{"target": {"incidents"}, "query": {"severity=high"}}, `value="severity=high"`},
	} {
		t.Run(c.path, func(t *testing.T) {
			h.Graph.Reset()
			p := h.Post(b, c.path, "", form(t, h, b, c.path, c.path, c.fields))
			if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "/consent/admin") || !strings.Contains(p.Body, c.kept) {
				t.Fatalf("%d\n%s", p.Status, mainOf(p.Body))
			}
			if n := len(h.Graph.Requests("/subscriptions")); n != 0 {
				t.Errorf("Graph was asked %d times", n)
			}
		})
	}
	if list, _ := h.Upkeep.List(t.Context(), ""); len(list) != 0 {
		t.Fatalf("created: %+v", list)
	}
}

// TestTypedTextKeptAcrossSignIn: a subscription or watch form sent after
// the session ended creates nothing, and comes back filled in after the
// next sign-in.
func TestTypedTextKeptAcrossSignIn(t *testing.T) {
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, ConsoleClock: true})
	op := h.User("Security Operator")
	for _, c := range []struct {
		path   string
		fields url.Values
		want   []string
	}{
		{"/subscriptions", url.Values{"severity": {"High"}, "upn": {"ada@contoso.com"}, "shared": {"1"}}, []string{`value="ada@contoso.com"`, `value="High" selected`, `name="shared" value="1" checked`}},
		{"/watches", url.Values{"target": {"incidents"}, "query": {"severity=high&status=active"}}, []string{`value="severity=high&amp;status=active"`, `value="incidents" selected`}},
	} {
		t.Run(c.path, func(t *testing.T) {
			b, _ := h.SignIn(op, c.path)
			f := form(t, h, b, c.path, c.path, c.fields)
			h.Clock.Advance(13 * time.Hour) // longer than a session lasts
			r := h.PostRaw(b, c.path, "", f)
			loc := r.Header.Get("Location")
			if r.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "draft=kept") {
				t.Fatalf("post after the session ended: %d %s", r.StatusCode, loc)
			}
			back, err := h.SignInWith(b, loc, op, emutest.SignInOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(back.Body, w) {
					t.Errorf("after sign-in the form lacks %s", w)
				}
			}
			if !strings.Contains(back.Body, `id="draft-restored"`) {
				t.Error("no notice that text was restored")
			}
		})
	}
	if list, _ := h.Upkeep.List(t.Context(), ""); len(list) != 0 {
		t.Fatal("a subscription was created for a signed-out form")
	}
	if w, _ := h.Watcher.ListWatches(t.Context(), ""); len(w) != 0 {
		t.Fatal("a watch was created for a signed-out form")
	}
}

// TestLifecycleAcrossMovedTime: eleven hours before a subscription
// expires Graph asks for reauthorization; the live page shows the
// lifecycle notification, and graphsec renews the subscription for a new
// lifetime, which the list shows.
func TestLifecycleAcrossMovedTime(t *testing.T) {
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, ConsoleClock: true})
	b, _ := h.SignIn(h.User("Security Operator"), "/subscriptions")
	p := h.Post(b, "/subscriptions", "", form(t, h, b, "/subscriptions", "/subscriptions", url.Values{"status": {"NewAlert"}}))
	if p.Status != http.StatusOK {
		t.Fatalf("subscribe: %d", p.Status)
	}
	subs, _ := h.Upkeep.List(t.Context(), "")
	first := subs[0].Feed.ExpiresAt
	h.Clock.Set(first.Add(-11 * time.Hour))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		list, _ := h.Upkeep.List(t.Context(), "")
		if list[0].Feed.ExpiresAt.After(first.Add(24 * time.Hour)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not renewed: %+v", list[0].Feed)
		}
	}
	b, _ = h.SignIn(h.User("Security Operator"), "/notifications?source=lifecycle")
	body := h.Get(b, "/notifications?source=lifecycle").Body
	if !strings.Contains(body, `data-change="reauthorizationRequired"`) || !strings.Contains(body, "Reauthorization required") {
		t.Fatalf("the live page does not show the lifecycle notification:\n%s", mainOf(body))
	}
	rows := webtest.Section(t, h.Get(b, "/subscriptions").Body, "subs", "table")
	if !strings.Contains(rows, "in 30 days") && !strings.Contains(rows, "in 29 days") {
		t.Errorf("the list does not show the new lifetime:\n%s", rows)
	}
}

// journalUnheard puts a webhook notification of someone else's feed,
// received at received, in the console's journal behind its writer's back
// (appended to the store directly, so the writer does not index it): a
// burst waiting to be indexed.
func journalUnheard(t testing.TB, h *webtest.Harness, id string, received time.Time) {
	t.Helper()
	n := store.Notification{ID: id, Source: store.SourceWebhook, Feed: "someone-elses", ChangeType: "updated",
		Resource: "security/alerts/" + id, ResourceID: id, Raw: []byte(`{}`), ReceivedAt: received}
	if _, _, err := h.Store.AppendJournal(t.Context(), [][]store.Notification{{n}}, 0); err != nil {
		t.Fatal(err)
	}
}

// TestNotificationsSayWhenBehind: while acknowledged webhook notifications
// wait in the journal for longer than a moment, the live page says how far
// behind it is (the lag, not a count, which would count other users'
// feeds), in both languages; a fresh backlog and an empty journal say
// nothing.
func TestNotificationsSayWhenBehind(t *testing.T) {
	h := webtest.New(t, webtest.Options{Live: true, Feeds: true, ConsoleClock: true})
	b, _ := h.SignIn(h.User("Security Operator"), "/notifications")
	banner := func() (string, bool) {
		t.Helper()
		p := h.Get(b, "/notifications")
		if p.Status != http.StatusOK {
			t.Fatalf("status %d", p.Status)
		}
		i := strings.Index(p.Body, `id="behind"`)
		if i < 0 {
			return "", false
		}
		end := strings.Index(p.Body[i:], "</p>")
		return html.UnescapeString(p.Body[i : i+end]), true
	}
	if text, ok := banner(); ok {
		t.Fatalf("an empty journal: %q", text)
	}
	journalUnheard(t, h, "fresh", h.Clock.Now().Add(-2*time.Second))
	if text, ok := banner(); ok {
		t.Errorf("a backlog two seconds old: %q, want nothing", text)
	}
	h.Clock.Advance(40 * time.Second)
	text, ok := banner()
	if !ok || !strings.Contains(text, "42s") || !strings.Contains(text, "webhook") {
		t.Errorf("a backlog 42 s old: %q (shown %v), want the lag, 42s", text, ok)
	}
	h.Lang(b, "ja")
	if text, _ := banner(); !strings.Contains(text, "42 秒") {
		t.Errorf("in Japanese: %q, want 42 秒", text)
	}
	if _, _, err := h.Store.IndexJournal(t.Context(), 100); err != nil {
		t.Fatal(err)
	}
	if text, ok := banner(); ok {
		t.Errorf("after indexing: %q, want nothing", text)
	}
}
