package legacy_test

import (
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// The hostile strings of the XSS checks, and how they must appear.
const (
	legacyScript       = `<script>alert(1)</script>`
	legacyScriptEsc    = `&lt;script&gt;alert(1)&lt;/script&gt;`
	legacyImg          = `<img src=x onerror=alert(1)>`
	legacyImgEsc       = `&lt;img src=x onerror=alert(1)&gt;`
	legacyDemoProvider = 6 // providers of the emulator's demo legacy alerts
)

// newLegacyHarness is newHarness with the console reading time from the
// emulator's clock, so a test can move both past the provider cache's
// lifetime.
func newLegacyHarness(t *testing.T) *webtest.Harness {
	t.Helper()
	return webtest.New(t, webtest.Options{ConsoleClock: true})
}

// legacyInject raises a legacy alert through the control plane and returns
// its id.
func legacyInject(h *webtest.Harness, props map[string]any) string {
	h.T.Helper()
	_, body := h.Ctl(http.MethodPost, "/_emulator/legacy/alerts", props)
	var a struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(body, &a); err != nil || a.ID == "" {
		h.T.Fatalf("injected alert: %v %s", err, body)
	}
	return a.ID
}

func legacyVendor(provider string) map[string]any {
	return map[string]any{"provider": provider, "vendor": "Microsoft"}
}

var (
	legacyRestURLRe = regexp.MustCompile(`id="rest-url-(\w+)">([^<]*)</code>`)
	legacyRestBody  = regexp.MustCompile(`(?s)id="rest-body-(\w+)">(.*?)</pre>`)
	legacyRowRe     = regexp.MustCompile(`(?s)<tr>(.*?)</tr>`)
	legacyCellRe    = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	legacyTitleRe   = regexp.MustCompile(`title="([^"]*)"`)
	legacyTagRe     = regexp.MustCompile(`<[^>]*>`)
	legacyHrefRe    = regexp.MustCompile(`<a href="([^"]*)"[^>]*>Open this query in Graph Explorer`)
	legacyOptionRe  = regexp.MustCompile(`<option value="([^"]*)"`)
)

// legacyREST returns the REST request a page shows under id.
func legacyREST(t *testing.T, p *emutest.Page, id string) *url.URL {
	t.Helper()
	for _, m := range legacyRestURLRe.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == id {
			u, err := url.Parse(html.UnescapeString(m[2]))
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
	}
	t.Fatalf("no REST request %q on the page:\n%s", id, p.Body)
	return nil
}

func legacyRESTBody(t *testing.T, p *emutest.Page, id string) string {
	t.Helper()
	for _, m := range legacyRestBody.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == id {
			return html.UnescapeString(m[2])
		}
	}
	t.Fatalf("no REST body %q on the page", id)
	return ""
}

// legacyRow is one line of the legacy table, as text: the enum values
// and the category as Graph sent them (their labels' titles).
type legacyRow struct {
	Href, Title, Category, Severity, Status, Provider, AssignedTo, ID string
}

func legacyRows(t *testing.T, p *emutest.Page) []legacyRow {
	t.Helper()
	start := strings.Index(p.Body, `id="legacy-alerts">`)
	if start < 0 {
		return nil
	}
	table := p.Body[start:]
	table = table[:strings.Index(table, "</table>")]
	var rows []legacyRow
	for _, m := range legacyRowRe.FindAllStringSubmatch(table, -1) {
		cells := legacyCellRe.FindAllStringSubmatch(m[1], -1)
		if len(cells) != 7 {
			continue
		}
		text := func(i int) string {
			return strings.TrimSpace(html.UnescapeString(legacyTagRe.ReplaceAllString(cells[i][1], "")))
		}
		raw := func(i int) string {
			if m := legacyTitleRe.FindStringSubmatch(cells[i][0]); m != nil {
				return html.UnescapeString(m[1])
			}
			return ""
		}
		href := ""
		if hm := regexp.MustCompile(`href="([^"]*)"`).FindStringSubmatch(cells[1][1]); hm != nil {
			href = html.UnescapeString(hm[1])
		}
		rows = append(rows, legacyRow{Href: href, Title: text(1), Category: raw(3), Severity: raw(0), Status: raw(2),
			Provider: text(4), AssignedTo: text(5), ID: text(6)})
	}
	return rows
}

// legacySelect returns the option values of a select on the page.
func legacySelect(t *testing.T, p *emutest.Page, id string) []string {
	t.Helper()
	start := strings.Index(p.Body, `<select id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no select %s", id)
	}
	sel := p.Body[start:]
	sel = sel[:strings.Index(sel, "</select>")]
	var out []string
	for _, m := range legacyOptionRe.FindAllStringSubmatch(sel, -1) {
		if m[1] != "" {
			out = append(out, html.UnescapeString(m[1]))
		}
	}
	return out
}

func legacyMustStatus(t *testing.T, p *emutest.Page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("%s answered %d, want %d:\n%s", p.URL, p.Status, want, p.Body)
	}
}
