package i18n

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"time"

	"github.com/graphsec/graphsec/graph"
)

// pageData is how a page passes its printer to a template: as a field.
type pageData struct {
	L    *Printer
	Page any
}

const goodTemplate = `<html lang="{{.L.HTMLLang}}"><h1>{{.L.T "nav.alerts"}}</h1>
{{with .Page}}<p>{{$.L.Count "count.alerts" .Count}} · {{$.L.Range .From .To .Total}}</p>
<table><tr><th>{{$.L.T "field.created"}} ({{$.L.Zone}})</th><th>{{$.L.T "field.severity"}}</th></tr>
{{range .Rows}}<tr><td><time datetime="{{$.L.ISO .Created}}" title="{{$.L.TimeLong .Created}}">{{$.L.Rel .Created}}</time></td>
<td>{{with $.L.Enum .Severity}}<span title="{{.Raw}}">{{.Text}}</span>{{end}}</td><td>{{($.L.Category .Category).Text}}</td></tr>{{end}}
</table>{{end}}
<p>{{.L.T "error.throttled" "seconds" 5}}</p>{{template "sub" .L}}{{define "sub"}}{{.T "action.save"}}{{end}}`

type row struct {
	Created  time.Time
	Severity graph.AlertSeverity
	Category string
}

func TestTemplateUse(t *testing.T) {
	b := testBundle(t)
	tmpl := template.Must(template.New("page").Parse(goodTemplate))
	if probs := b.CheckTemplate(tmpl); len(probs) > 0 {
		t.Fatalf("problems in a correct template: %v", probs)
	}
	data := map[string]any{"Count": 400, "From": 26, "To": 50, "Total": 400, "Rows": []row{
		{refNow.Add(-3 * time.Minute), graph.AlertSeverityHigh, "InitialAccess"},
		{refNow.Add(-26 * time.Hour), graph.AlertSeverity("critical"), "Ransomware"},
	}}
	for _, tc := range []struct {
		l    Lang
		want []string
	}{
		{English, []string{`lang="en"`, "<h1>Alerts</h1>", "400 alerts · 26–50 of 400", "Created (UTC)", `title="2026-12-04 16:21:05 UTC">3 min ago</time>`, `<span title="high">High</span>`, "Initial access", `<span title="critical">Critical</span>`, "yesterday", "retrying in 5 s.", "Save"}},
		{Japanese, []string{`lang="ja"`, "<h1>アラート</h1>", "400 件のアラート · 400 件中 26～50 件", "作成日時 (UTC)", "3 分前", `<span title="high">高</span>`, "初期アクセス", "昨日", "5 秒後に再試行します。", "保存"}},
	} {
		t.Run(tc.l.Tag(), func(t *testing.T) {
			var sb strings.Builder
			if err := tmpl.Execute(&sb, pageData{L: b.Printer(tc.l, nil), Page: data}); err != nil {
				t.Fatal(err)
			}
			out := sb.String()
			AssertNoMarkers(t, out)
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestCheckTemplate(t *testing.T) {
	b := testBundle(t)
	src := `{{.L.T "nav.alerts"}}
{{.L.T "nav.nope"}}
{{$.L.T "error.throttled"}}
{{.L.T "error.throttled" "seconds" 1 "extra" 2}}
{{.L.T "error.throttled" "seconds"}}
{{.L.Count "count.alerts"}}
{{if true}}{{range .X}}{{with .Y}}{{$.L.T "count.alerts" "x" 1}}{{end}}{{end}}{{else}}{{$.L.T "paging.range" "from" 1 "to" 2}}{{end}}
{{T "nav.nope2"}}
{{.L.T .Dynamic}}
{{.L.T "error.throttled" .Name 5}}
{{define "x"}}{{.T "nav.nope3"}}{{end}}
{{(.L).T "nav.nope4"}}
{{$p := .L}}{{$p.T "nav.nope5"}}
{{.L.EnumOf "enum.AlertStatus" .V}}{{.L.EnumOf "enum.Nope" .V}}`
	tmpl := template.Must(template.New("t").Funcs(template.FuncMap{"T": func(string, ...any) string { return "" }}).Parse(src))
	var got []string
	for _, p := range b.CheckTemplate(tmpl) {
		got = append(got, p.String())
	}
	slices.Sort(got)
	want := []string{
		`t:10:2: error.throttled: argument names must be literal strings for the check to read them`,
		`t:11:16: nav.nope3: no such message in the catalogs`,
		`t:12:2: nav.nope4: no such message in the catalogs`,
		`t:13:14: nav.nope5: no such message in the catalogs`,
		`t:2:2: nav.nope: no such message in the catalogs`,
		`t:3:2: error.throttled: argument "seconds" is missing (the message uses {seconds})`,
		`t:4:2: error.throttled: argument "extra" is not used by the message`,
		`t:5:2: error.throttled: arguments must come in name/value pairs`,
		`t:6:2: count.alerts: Count takes a key and one count`,
		`t:7:36: count.alerts: argument "n" is missing (the message uses {n})`,
		`t:7:36: count.alerts: argument "x" is not used by the message`,
		`t:7:88: paging.range: argument "total" is missing (the message uses {from} {to} {total})`,
		`t:8:2: nav.nope2: no such message in the catalogs`,
		`t:14:37: enum.Nope: no such label namespace in the catalogs`,
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// text/template trees too.
	tree, err := parse.Parse("tt", `{{.L.T "nav.nope"}}`, "", "", map[string]any{})
	if err != nil {
		t.Fatal(err)
	}
	if probs := b.CheckTree(tree["tt"]); len(probs) != 1 {
		t.Errorf("CheckTree: %v", probs)
	}
}

func TestCheckGoFiles(t *testing.T) {
	b := testBundle(t)
	// The package's own calls (Rel, Dur, Range, …) are correct.
	probs, err := b.CheckGoFiles(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range probs {
		t.Errorf("own call: %v", p)
	}
	probs, err = b.CheckGoFiles("testdata/checkgo")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range probs {
		pos := p.Pos[strings.LastIndex(p.Pos, "calls.go:"):]
		pos = pos[:strings.LastIndexByte(pos, ':')] // drop the column
		got = append(got, pos+" "+p.Msg)
	}
	want := []string{
		"calls.go:18 no such message in the catalogs",
		`calls.go:19 argument "seconds" is missing (the message uses {seconds})`,
		`calls.go:20 argument "extra" is not used by the message`,
		"calls.go:21 arguments must come in name/value pairs",
		`calls.go:22 argument "n" is missing (the message uses {n})`,
		"calls.go:23 argument names must be literal strings for the check to read them",
		`calls.go:24 argument "seconds" is missing (the message uses {seconds})`,
		`calls.go:24 argument "n" is not used by the message`,
		`calls.go:25 argument "seconds" is given twice`,
		"calls.go:26 no such label namespace in the catalogs",
		"calls.go:28 no such message in the catalogs",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := b.CheckGoFiles("testdata/no such dir"); err != nil {
		t.Errorf("a directory without Go files: %v", err)
	}
}

// fakeTB records what AssertNoMarkers reports.
type fakeTB struct{ errs []string }

func (*fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func TestMarkers(t *testing.T) {
	p := testBundle(t).Printer(English, nil)
	page := "<p>" + p.T("nav.alerts") + p.T("nav.gone") + p.T("error.throttled") + "</p>" + MarkOpen + "unclosed"
	want := []string{"nav.gone", "error.throttled:{seconds}", "unclosed"}
	if got := FindMarkers(page); !slices.Equal(got, want) {
		t.Errorf("FindMarkers = %q, want %q", got, want)
	}
	var tb fakeTB
	if AssertNoMarkers(&tb, page) || len(tb.errs) != 3 || !strings.Contains(tb.errs[0], "⟦nav.gone⟧") {
		t.Errorf("AssertNoMarkers reported %q", tb.errs)
	}
	tb = fakeTB{}
	if !AssertNoMarkers(&tb, "<p>Alerts</p>") || len(tb.errs) != 0 {
		t.Errorf("clean page: %q", tb.errs)
	}
}
