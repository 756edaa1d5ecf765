package page

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

func TestRoleView(t *testing.T) {
	tests := []struct {
		name             string
		roles            []string
		known            bool
		canRead, canWrit bool
		shown            []string
	}{
		{"Security Reader", []string{graph.RoleSecurityReader}, true, true, false, []string{graph.RoleSecurityReader}},
		{"Security Operator", []string{graph.RoleSecurityOperator}, true, true, true, []string{graph.RoleSecurityOperator}},
		{"Global Reader and an unrelated role", []string{"11111111-1111-1111-1111-111111111111", graph.RoleGlobalReader}, true, true, false, []string{graph.RoleGlobalReader}},
		{"employee without roles", nil, true, false, false, nil},
		{"roles unknown", nil, false, true, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := roleView(&auth.Session{DirectoryRoles: tt.roles, RolesKnown: tt.known})
			if v.Known != tt.known || v.CanRead != tt.canRead || v.CanWrite != tt.canWrit || !slices.Equal(v.Roles, tt.shown) {
				t.Errorf("roleView = %+v", v)
			}
		})
	}
}

// TestDemoHidesPortalLinks: against the embedded emulator the layout says
// so (Demo) and portal links are dropped; against Microsoft they stay.
func TestDemoHidesPortalLinks(t *testing.T) {
	for _, demo := range []bool{false, true} {
		o := Options{
			Layout:   fstest.MapFS{"layout.html": {Data: []byte(testLayout)}},
			Pages:    []Templates{{Set: "t", FS: fstest.MapFS{"p.html": {Data: []byte(`{{define "content"}}demo={{.Demo}} link={{.Page}}{{end}}`)}}}},
			Sessions: fakeSessions{&auth.Session{CSRFToken: "good"}},
		}
		if demo {
			o.Emulator = &EmulatorInfo{URL: "http://localhost:5001"}
		}
		k, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/x", nil)
		r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
		k.Page("", func(p *Page) error {
			return p.Render(200, "t/p", p.PortalURL("https://security.microsoft.com/alerts/1"))
		}).ServeHTTP(w, r)
		want := "demo=false link=https://security.microsoft.com/alerts/1"
		if demo {
			want = "demo=true link="
		}
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("demo %v: %s", demo, w.Body)
		}
	}
}

func TestFormTokens(t *testing.T) {
	clk := clock.NewFake(time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC))
	k := &Kit{o: Options{Clock: clk}}
	a, b := k.newFormToken(), k.newFormToken()
	if a == b {
		t.Fatal("two renders share a token")
	}
	issued, ok := parseFormToken(a)
	if !ok || !issued.Equal(clk.Now()) {
		t.Fatalf("parseFormToken(%q) = %v, %v", a, issued, ok)
	}
	for _, bad := range []string{"", "x", "abc.def", "zzzzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA", "-1.AAAAAAAAAAAAAAAAAAAAAA", "1.AAAAAAAAAAAAAAAAAAAA!A"} {
		if _, ok := parseFormToken(bad); ok {
			t.Errorf("parseFormToken(%q) accepted", bad)
		}
	}
}

func FuzzParseFormToken(f *testing.F) {
	f.Add("lq2m3k.AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("x.y")
	f.Fuzz(func(t *testing.T, tok string) {
		issued, ok := parseFormToken(tok)
		if ok && (issued.Unix() <= 0 || len(tok) > 36) {
			t.Fatalf("parseFormToken(%q) = %v", tok, issued)
		}
	})
}

func TestLocalLocation(t *testing.T) {
	tests := map[string]string{
		"/alerts/1#comments":        "/alerts/1#comments",
		"/alerts/1?updated=1#x-y_2": "/alerts/1?updated=1#x-y_2",
		"/alerts/1#<script>":        "/alerts/1",
		"https://evil.example/#a":   "/#a",
		"//evil.example#comments":   "/#comments",
	}
	for in, want := range tests {
		if got := localLocation(in); got != want {
			t.Errorf("localLocation(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzLocalLocation(f *testing.F) {
	for _, s := range []string{"/alerts/1#comments", "//evil#x", "/a#\x00", "https://x/#y", "/#"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, loc string) {
		got := localLocation(loc)
		path, frag, _ := strings.Cut(got, "#")
		if path != auth.SafeReturnPath(path) || !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") ||
			strings.ContainsAny(frag, "#<>\"' \\\x00") {
			t.Fatalf("localLocation(%q) = %q", loc, got)
		}
	})
}

// TestPanickedFormIsSettled: a form whose handler panics is recorded as
// failed, not left claimed (a second submission would wait for an outcome
// that never comes).
func TestPanickedFormIsSettled(t *testing.T) {
	st, err := sqlite.Open(t.Context(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewFake(time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC))
	sess := &auth.Session{CSRFToken: "good"}
	k, err := New(Options{
		Layout: fstest.MapFS{"layout.html": {Data: []byte(testLayout)}}, Sessions: fakeSessions{sess}, Forms: st, Clock: clk,
		FormWait: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	tok := k.newFormToken()
	var body string
	post := func(h Handler) (code int, panicked bool) {
		defer func() { panicked = recover() != nil }()
		r := httptest.NewRequest("POST", "/alerts/1/comments", strings.NewReader("csrf=good&formtoken="+tok+"&comment=x"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: "s", Value: "1"})
		w := httptest.NewRecorder()
		k.Form("", h).ServeHTTP(w, r)
		body = w.Body.String()
		return w.Code, false
	}
	if _, panicked := post(func(p *Page) error { panic("boom") }); !panicked {
		t.Fatal("the handler did not panic")
	}
	if code, _ := post(func(p *Page) error { return p.Redirect("/alerts/1", http.StatusSeeOther) }); code != http.StatusConflict || !strings.Contains(body, "it failed (HTTP 500)") {
		t.Fatalf("the form sent again after a panic: %d, want 409 saying the first failed:\n%s", code, body)
	}
}
