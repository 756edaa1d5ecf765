package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/internal/web/webtest"
)

// Static files are linked by fingerprinted names and cached for a year;
// the plain names still answer, revalidated on every use.
func TestStaticFilesAreFingerprinted(t *testing.T) {
	h := webtest.New(t)
	_, p := h.SignIn(h.User("Security Reader"), "/alerts")
	m := regexp.MustCompile(`href="(/static/app\.([0-9a-f]{10})\.css)"`).FindStringSubmatch(p.Body)
	if m == nil || !regexp.MustCompile(`src="/static/app\.[0-9a-f]{10}\.js"`).MatchString(p.Body) {
		t.Fatalf("the layout does not link fingerprinted files:\n%s", p.Body)
	}
	get := func(path string, header ...string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, h.URL+path, nil)
		if len(header) == 2 {
			req.Header.Set(header[0], header[1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := get(m[1])
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || len(body) < 100 || res.Header.Get("ETag") != `"`+m[2]+`"` {
		t.Fatalf("%s: %d %v", m[1], res.StatusCode, res.Header)
	}
	if res := get(m[1], "If-None-Match", `"`+m[2]+`"`); res.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation: %d", res.StatusCode)
	}
	if res := get("/static/app.css"); res.StatusCode != 200 || res.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("plain name: %d %v", res.StatusCode, res.Header)
	}
	for _, path := range []string{"/static/app.0000000000.css", "/static/", "/static/nosuch.css", "/static/../server.go"} {
		if res := get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s: %d", path, res.StatusCode)
		}
	}
}
