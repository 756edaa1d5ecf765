package i18n

import (
	"html/template"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/graph"
)

// go test ./internal/i18n/ -run '^$' -bench . -benchmem

func BenchmarkT(b *testing.B) {
	p := testBundle(b).Printer(Japanese, nil)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.T("field.severity")
	}
}

func BenchmarkTArgs(b *testing.B) {
	p := testBundle(b).Printer(English, nil)
	n := 42
	b.ReportAllocs()
	for b.Loop() {
		_ = p.T("error.throttled", "seconds", n)
	}
}

func BenchmarkCount(b *testing.B) {
	p := testBundle(b).Printer(English, nil)
	n := 1234
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Count("count.alerts", n)
	}
}

func BenchmarkLabel(b *testing.B) {
	p := testBundle(b).Printer(Japanese, nil)
	values := []graph.AlertStatus{graph.AlertStatusNew, graph.AlertStatusInProgress, graph.AlertStatusResolved}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = p.Label(values[i%len(values)])
		i++
	}
}

func BenchmarkEnum(b *testing.B) {
	p := testBundle(b).Printer(Japanese, nil)
	v := graph.DetectionSourceMicrosoftDefenderForEndpoint
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Enum(v)
	}
}

func BenchmarkCategory(b *testing.B) {
	p := testBundle(b).Printer(Japanese, nil)
	c := "CredentialAccess"
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Category(c)
	}
}

func BenchmarkTime(b *testing.B) {
	p := testBundle(b).Printer(Japanese, nil)
	t := refNow.Add(-time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.TimeCompact(t)
	}
}

func BenchmarkRel(b *testing.B) {
	p := testBundle(b).Printer(Japanese, nil)
	t := refNow.Add(-3 * time.Hour)
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Rel(t)
	}
}

// BenchmarkTemplateRow is a table row as a page template would write it:
// six printer calls through html/template, most of the cost being the
// template's own reflection and escaping.
func BenchmarkTemplateRow(b *testing.B) {
	tmpl := template.Must(template.New("row").Parse(`{{range .Rows}}<tr><td>{{$.L.T "field.severity"}}</td>` +
		`<td>{{$.L.Label .Severity}}</td><td>{{$.L.Label .Status}}</td><td>{{($.L.Category .Category).Text}}</td>` +
		`<td>{{$.L.TimeCompact .Created}}</td><td>{{$.L.Rel .Created}}</td></tr>{{end}}`))
	type r struct {
		Severity graph.AlertSeverity
		Status   graph.AlertStatus
		Category string
		Created  time.Time
	}
	rows := make([]r, 100)
	for i := range rows {
		rows[i] = r{graph.AlertSeverityHigh, graph.AlertStatusNew, "Execution", refNow.Add(-time.Duration(i) * time.Hour)}
	}
	data := struct {
		L    *Printer
		Rows []r
	}{testBundle(b).Printer(Japanese, nil), rows}
	var sb strings.Builder
	if err := tmpl.Execute(&sb, data); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = tmpl.Execute(io.Discard, data)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(rows)), "ns/row")
}

func BenchmarkNegotiate(b *testing.B) {
	bu := testBundle(b)
	b.ReportAllocs()
	for b.Loop() {
		_ = bu.Negotiate("", "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7")
	}
}

func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(fixedClock); err != nil {
			b.Fatal(err)
		}
	}
}
