package alerts

import (
	"bytes"
	"html"
)

// writeAlertRows writes the queue's <tr> elements directly, escaping every
// value with html.EscapeString into text or double-quoted attributes. It
// writes exactly what the queue template's row range writes; it exists to
// measure the two against each other (BenchmarkAlertRows).
func writeAlertRows(b *bytes.Buffer, rows []alertRow) {
	t := func(s string) { b.WriteString(html.EscapeString(s)) }
	for _, r := range rows {
		b.WriteString("<tr>\n<td class=\"c-sev\"><span class=\"badge sev sev-")
		t(r.Severity)
		b.WriteString("\" title=\"")
		t(r.Severity)
		b.WriteString("\">")
		t(r.SeverityLabel)
		b.WriteString("</span></td>\n<td class=\"c-title\"><a class=\"title\" href=\"")
		t(r.Href)
		b.WriteString("\" title=\"")
		t(r.Title)
		b.WriteString("\">")
		t(r.Title)
		b.WriteString("</a></td>\n<td class=\"c-status\"><span class=\"badge st st-")
		t(r.Status)
		b.WriteString("\" title=\"")
		t(r.Status)
		b.WriteString("\">")
		t(r.StatusLabel)
		b.WriteString("</span></td>\n<td class=\"c-cat\" title=\"")
		t(r.Category)
		b.WriteString("\">")
		t(r.CategoryLabel)
		b.WriteString("</td>\n<td class=\"c-src\" title=\"")
		t(r.Source)
		b.WriteString("\">")
		t(r.SourceLabel)
		b.WriteString("</td>\n<td class=\"c-who\" title=\"")
		t(r.AssignedTo)
		b.WriteString("\">")
		t(r.AssignedTo)
		b.WriteString("</td>\n<td class=\"c-inc\">")
		if r.IncidentHref != "" {
			b.WriteString("<a href=\"")
			t(r.IncidentHref)
			b.WriteString("\">")
			t(r.IncidentID)
			b.WriteString("</a>")
		}
		b.WriteString("</td>\n<td class=\"c-time c-created\"><time datetime=\"")
		t(r.CreatedISO)
		b.WriteString("\" title=\"")
		t(r.CreatedLong)
		b.WriteString("\">")
		t(r.Created)
		b.WriteString("</time></td>\n<td class=\"c-time c-updated\"><time datetime=\"")
		t(r.UpdatedISO)
		b.WriteString("\" title=\"")
		t(r.UpdatedLong)
		b.WriteString("\">")
		t(r.Updated)
		b.WriteString("</time></td>\n</tr>\n")
	}
}
