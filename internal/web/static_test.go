package web_test

import (
	"io"
	"math"
	"net/http"
	"os"
	"regexp"
	"strconv"
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

// The colours of app.css meet WCAG AA (4.5:1 for text) in the light and
// the dark scheme: every -fg/-bg pair of custom properties, the text
// colours on the surfaces, and the header.
func TestColoursContrast(t *testing.T) {
	css, err := os.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	src := string(css)
	dark := strings.Index(src, "@media (prefers-color-scheme: dark)")
	if dark < 0 {
		t.Fatal("no dark scheme")
	}
	decl := regexp.MustCompile(`--([a-z0-9-]+):\s*(#[0-9a-fA-F]{6})`)
	read := func(s string) map[string]string {
		m := map[string]string{}
		for _, d := range decl.FindAllStringSubmatch(s, -1) {
			m[d[1]] = d[2]
		}
		return m
	}
	light := read(src[:dark])
	darkVars := read(src[dark:])
	for scheme, vars := range map[string]map[string]string{"light": light, "dark": darkVars} {
		pairs := [][2]string{{"text", "bg"}, {"text", "surface"}, {"text", "surface-2"}, {"muted", "surface"}, {"muted", "bg"},
			{"muted", "surface-2"}, {"link", "surface"}, {"link", "bg"}, {"on-accent", "accent-solid"}, {"header-fg", "header-bg"},
			{"text", "row-selected"}, {"link", "row-selected"}, {"text", "accent-bg"}, {"error-fg", "surface"}, {"rest-fg", "rest-bg"}}
		for name := range vars {
			if base, ok := strings.CutSuffix(name, "-fg"); ok && vars[base+"-bg"] != "" {
				pairs = append(pairs, [2]string{name, base + "-bg"})
			}
		}
		if len(pairs) < 25 {
			t.Errorf("%s: only %d pairs found", scheme, len(pairs))
		}
		for _, p := range pairs {
			fg, bg := vars[p[0]], vars[p[1]]
			if fg == "" || bg == "" {
				t.Errorf("%s: --%s or --%s is not set", scheme, p[0], p[1])
				continue
			}
			if r := contrast(fg, bg); r < 4.5 {
				t.Errorf("%s: --%s %s on --%s %s is %.2f:1, below 4.5:1", scheme, p[0], fg, p[1], bg, r)
			}
		}
	}
}

// contrast is the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	lum := func(hex string) float64 {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
			x := float64(v) / 255
			if x <= 0.03928 {
				c[i] = x / 12.92
			} else {
				c[i] = math.Pow((x+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}
