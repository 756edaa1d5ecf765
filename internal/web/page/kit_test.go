package page

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

const testLayout = `{{define "top"}}<html><title>{{.Title}}</title><body>{{end}}` +
	`{{define "bottom"}}<footer>{{.RequestID}}</footer></body></html>{{end}}`

// fakeSessions signs every request in unless it has no cookie.
type fakeSessions struct{ sess *auth.Session }

func (f fakeSessions) Session(ctx context.Context, r *http.Request) (*auth.Session, error) {
	if _, err := r.Cookie("s"); err != nil {
		return nil, auth.ErrNoSession
	}
	return f.sess, nil
}

func (f fakeSessions) Logout(ctx context.Context, w http.ResponseWriter, r *http.Request) {}

func newTestKit(t *testing.T, pages fstest.MapFS) *Kit {
	t.Helper()
	k, err := New(Options{
		Layout:   fstest.MapFS{"layout.html": {Data: []byte(testLayout)}},
		Pages:    []Templates{{Set: "t", FS: pages}},
		Sessions: fakeSessions{&auth.Session{UserPrincipalName: "amy@contoso.com", CSRFToken: "good", Scopes: []string{"SecurityAlert.Read.All"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// A broken template fails at start-up, not on a user's request.
func TestNewRefusesBrokenTemplates(t *testing.T) {
	layout := fstest.MapFS{"layout.html": {Data: []byte(testLayout)}}
	for name, tt := range map[string]struct {
		layout, pages fstest.MapFS
		want          string
	}{
		"syntax":       {layout, fstest.MapFS{"a.html": {Data: []byte(`{{define "content"}}{{if}}{{end}}`)}}, "template t/a"},
		"no content":   {layout, fstest.MapFS{"a.html": {Data: []byte(`{{define "body"}}x{{end}}`)}}, `defines no "content"`},
		"layout":       {fstest.MapFS{"layout.html": {Data: []byte(`{{define "top"}}`)}}, fstest.MapFS{}, "layout"},
		"no bottom":    {fstest.MapFS{"layout.html": {Data: []byte(`{{define "top"}}{{end}}`)}}, fstest.MapFS{}, `"bottom"`},
		"unknown func": {layout, fstest.MapFS{"a.html": {Data: []byte(`{{define "content"}}{{nosuch .}}{{end}}`)}}, "nosuch"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(Options{Layout: tt.layout, Pages: []Templates{{Set: "t", FS: tt.pages}}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want an error with %q", err, tt.want)
			}
		})
	}
	_, err := New(Options{Layout: layout, Pages: []Templates{
		{Set: "t", FS: fstest.MapFS{"a.html": {Data: []byte(`{{define "content"}}{{end}}`)}}},
		{Set: "t", FS: fstest.MapFS{"a.html": {Data: []byte(`{{define "content"}}{{end}}`)}}},
	}})
	if err == nil || !strings.Contains(err.Error(), "two templates") {
		t.Fatalf("duplicate page: %v", err)
	}
}

func TestHandlers(t *testing.T) {
	k := newTestKit(t, fstest.MapFS{
		"hello.html": {Data: []byte(`{{define "content"}}<h1>{{.Page}}</h1>{{end}}`)},
		"table.html": {Data: []byte(`{{define "content"}}<table><tr><td>row</td></tr></table>{{end}}`)},
	})
	serve := func(h http.Handler, method, target string, cookie bool, form url.Values) *httptest.ResponseRecorder {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		r := httptest.NewRequest(method, target, body)
		if form != nil {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		if cookie {
			r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
		}
		r = r.WithContext(WithRequestID(r.Context(), "rid-1"))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	hello := func(p *Page) error { p.Title = "Hi"; return p.Render(http.StatusOK, "t/hello", "<b>"+p.Me()+"</b>") }

	w := serve(k.Page("", hello), "GET", "/x", true, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "<h1>&lt;b&gt;amy@contoso.com&lt;/b&gt;</h1>") || !strings.Contains(w.Body.String(), "<footer>rid-1</footer>") ||
		w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("page: %d %v\n%s", w.Code, w.Header(), w.Body)
	}
	// Signed out: a GET goes to sign in and comes back; a POST is refused.
	if w := serve(k.Page("", hello), "GET", "/x?a=1", false, nil); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?return_to=%2Fx%3Fa%3D1" {
		t.Fatalf("signed out GET: %d %s", w.Code, w.Header().Get("Location"))
	}
	// A form without a session goes to the sign-in page too, saying why,
	// and comes back to the page it was on.
	if w := serve(k.Form("", hello), "POST", "/x", false, url.Values{"from": {"/alerts/1"}}); w.Code != http.StatusSeeOther ||
		w.Header().Get("Location") != "/login?reason=ended&return_to=%2Falerts%2F1" {
		t.Fatalf("signed out POST: %d %s", w.Code, w.Header().Get("Location"))
	}
	// A form needs the session's CSRF token.
	if w := serve(k.Form("", hello), "POST", "/x", true, url.Values{"csrf": {"bad"}}); w.Code != http.StatusForbidden {
		t.Fatalf("bad CSRF: %d", w.Code)
	}
	if w := serve(k.Form("", hello), "POST", "/x", true, url.Values{"csrf": {"good"}}); w.Code != http.StatusOK {
		t.Fatalf("good CSRF: %d\n%s", w.Code, w.Body)
	}
	if w := serve(k.Form("", hello), "POST", "/x", true, url.Values{"csrf": {"good"}, "x": {strings.Repeat("a", MaxFormBytes)}}); w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("large form: %d", w.Code)
	}
	// A returned error is the error page, with its status.
	fail := func(p *Page) error {
		return Reword(&graph.Error{StatusCode: 404, Code: "ResourceNotFound"}, graph.ErrNotFound, T("error.notFoundAlert", "id", "x"), T("error.invalid"))
	}
	if w := serve(k.Page("", fail), "GET", "/x", true, nil); w.Code != 404 || !strings.Contains(w.Body.String(), "There is no alert with ID x.") ||
		!strings.Contains(w.Body.String(), "ResourceNotFound") {
		t.Fatalf("error page: %d\n%s", w.Code, w.Body)
	}
	// A missing permission names it and offers admin consent.
	need := func(p *Page) error { return p.Require(graph.AccessWriteAlerts) }
	if w := serve(k.Page("", need), "GET", "/x", true, nil); w.Code != 403 || !strings.Contains(w.Body.String(), "SecurityAlert.ReadWrite.All") ||
		!strings.Contains(w.Body.String(), `href="/consent/admin"`) {
		t.Fatalf("missing permission: %d\n%s", w.Code, w.Body)
	}
	// A template that fails to execute is a 500 page, not half a page.
	broken := func(p *Page) error { return p.Render(200, "t/nosuch", nil) }
	if w := serve(k.Page("", broken), "GET", "/x", true, nil); w.Code != 500 || !strings.Contains(w.Body.String(), "Something went wrong") {
		t.Fatalf("missing template: %d\n%s", w.Code, w.Body)
	}
	// Throttling: the page writes nothing while Graph makes it wait, and
	// then the whole page with the outcome's status.
	retried := func(p *Page) error {
		p.Title = "Waiting"
		p.retrying(graph.RetryInfo{StatusCode: 429, Wait: 1500 * 1e6, Attempt: 1})
		if p.Started() {
			return errors.New("the page started while waiting")
		}
		return p.Render(http.StatusOK, "t/table", nil)
	}
	w = serve(k.Page("", retried), "GET", "/x", true, nil)
	want := `<html><title>Waiting</title><body><table><tr><td>row</td></tr></table><footer>rid-1</footer></body></html>`
	if w.Code != 200 || w.Body.String() != want {
		t.Fatalf("page after a wait: %d\n%s\nwant\n%s", w.Code, w.Body, want)
	}
}

// TestErrorAfterRetryIsNotOK is the regression test for the final error
// after a streamed "retrying" notice going out as 200 (the top of the
// page, with its status, had been sent while the page waited for a 429):
// the status is now the outcome's.
func TestErrorAfterRetryIsNotOK(t *testing.T) {
	k := newTestKit(t, fstest.MapFS{"hello.html": {Data: []byte(`{{define "content"}}hi{{end}}`)}})
	tests := []struct {
		name   string
		err    error
		method string
		status int
		header map[string]string
		body   string
	}{
		{"unexpected failure", errors.New("boom"), "GET", 500, nil, "Something went wrong"},
		{"Graph fails", &graph.Error{StatusCode: 503, Code: "serviceNotAvailable"}, "GET", 502, nil, "serviceNotAvailable"},
		{"still throttled, a page", &graph.Error{StatusCode: 429, Code: "TooManyRequests", RetryAfter: 42500 * time.Millisecond}, "GET", 429,
			map[string]string{"Retry-After": "43", "Refresh": "43"}, "reloads by itself"},
		{"still throttled, a form", &graph.Error{StatusCode: 429, Code: "TooManyRequests", RetryAfter: time.Hour}, "POST", 429,
			map[string]string{"Retry-After": "300", "Refresh": ""}, `<input type="hidden" name="comment" value="kept &lt;text&gt;">`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := func(p *Page) error {
				p.retrying(graph.RetryInfo{StatusCode: 429, Wait: 1e9, Attempt: 1})
				return tt.err
			}
			var r *http.Request
			if tt.method == "POST" {
				r = httptest.NewRequest("POST", "/alerts/1/comments", strings.NewReader(url.Values{"csrf": {"good"}, "comment": {"kept <text>"}}.Encode()))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			} else {
				r = httptest.NewRequest("GET", "/x", nil)
			}
			r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
			w := httptest.NewRecorder()
			handler := k.Page("", h)
			if tt.method == "POST" {
				handler = k.Form("", h)
			}
			handler.ServeHTTP(w, r)
			if w.Code != tt.status || !strings.Contains(w.Body.String(), tt.body) {
				t.Fatalf("%d, want %d with %q:\n%s", w.Code, tt.status, tt.body, w.Body)
			}
			for k, v := range tt.header {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
		})
	}
}
