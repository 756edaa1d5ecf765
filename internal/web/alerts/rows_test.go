package alerts

import (
	"bytes"
	"html"
	"net/url"
	"strings"
	"testing"
)

func rowOf(id, title, sev, status, cat, src, who, when, inc string) alertRow {
	r := alertRow{ID: id, Href: "/alerts/" + url.PathEscape(id), Title: title, Severity: sev, SeverityLabel: sev, Status: status, StatusLabel: status,
		Category: cat, CategoryLabel: cat, Source: src, SourceLabel: src, AssignedTo: who, IncidentID: inc,
		Created: when, CreatedISO: when, CreatedLong: when, Updated: when, UpdatedISO: when, UpdatedLong: when}
	if inc != "" {
		r.IncidentHref = "/incidents/" + url.PathEscape(inc)
	}
	return r
}

func TestWriteAlertRowsEscapes(t *testing.T) {
	hostile := `"><script>alert(1)</script><img src=x onerror=alert(2)>'&`
	var b bytes.Buffer
	writeAlertRows(&b, []alertRow{rowOf(hostile, hostile, hostile, hostile, hostile, hostile, hostile, hostile, hostile)})
	out := b.String()
	if strings.Contains(out, "<script") || strings.Contains(out, "<img") || strings.Contains(out, `"><script`) {
		t.Fatalf("markup from data reached the page:\n%s", out)
	}
	if !strings.Contains(out, html.EscapeString(hostile)) {
		t.Fatalf("value not shown as text:\n%s", out)
	}
	if !strings.Contains(out, `href="/alerts/`+html.EscapeString(url.PathEscape(hostile))+`"`) {
		t.Fatalf("link not path-escaped:\n%s", out)
	}
}

// FuzzWriteAlertRows checks that no value can add markup: whatever the
// data, the rows hold exactly the tags and quotes of the fixed markup.
func FuzzWriteAlertRows(f *testing.F) {
	f.Add("id", "<b>title</b>", "high", `"quoted"`, "x&y", "inc-1")
	f.Add(`"><script>`, "'", "\x00", "\u2028", "</td>", "")
	f.Fuzz(func(t *testing.T, id, title, sev, who, cat, inc string) {
		var want bytes.Buffer
		writeAlertRows(&want, []alertRow{rowOf("a", "", "", "", "", "", "", "", map[bool]string{true: "i"}[inc != ""])})
		var got bytes.Buffer
		writeAlertRows(&got, []alertRow{rowOf(id, title, sev, sev, cat, cat, who, title, inc)})
		for _, c := range []string{"<", ">", `"`} {
			if strings.Count(got.String(), c) != strings.Count(want.String(), c) {
				t.Fatalf("data changed the number of %q characters:\n%s", c, got.String())
			}
		}
	})
}
