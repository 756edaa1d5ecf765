package alerts

import (
	"bytes"
	"html"
)

// The alert queue is the page analysts load most, and its table is most of
// its cost: html/template calls its contextual escapers by reflection,
// about twenty times a row. writeAlertRows writes the rows directly
// instead, with the same escaping made explicit: every value passes
// through html.EscapeString (which escapes < > & ' "), is placed in text or
// in a double-quoted attribute, and links start with a fixed local path.
// Nothing in this file writes a value unescaped; markup comes only from
// the string constants below. The rest of the page is html/template.

// rowText writes s escaped for HTML text or a double-quoted attribute.
func rowText(b *bytes.Buffer, s string) { b.WriteString(html.EscapeString(s)) }

// writeAlertRows writes the <tr> elements of the alert queue's table.
func writeAlertRows(b *bytes.Buffer, rows []alertRow) {
	for _, r := range rows {
		b.WriteString("<tr>\n  <td><a href=\"")
		rowText(b, r.Href) // "/alerts/" + a path-escaped id
		b.WriteString("\">")
		rowText(b, r.Title)
		b.WriteString("</a></td>\n  <td><span class=\"sev sev-")
		rowText(b, r.Severity)
		b.WriteString("\">")
		rowText(b, r.Severity)
		b.WriteString("</span></td>\n  <td><span class=\"pill pill-")
		rowText(b, r.Status)
		b.WriteString("\">")
		rowText(b, r.Status)
		b.WriteString("</span></td>\n  <td>")
		rowText(b, r.Classification)
		b.WriteString("</td>\n  <td>")
		rowText(b, r.SourceLabel)
		b.WriteString("</td>\n  <td>")
		rowText(b, r.Category)
		b.WriteString("</td>\n  <td>")
		rowText(b, r.AssignedTo)
		b.WriteString("</td>\n  <td>")
		rowText(b, r.Created)
		b.WriteString("</td>\n  <td>")
		rowText(b, r.Updated)
		b.WriteString("</td>\n  <td>")
		if r.IncidentHref != "" {
			b.WriteString("<a href=\"")
			rowText(b, r.IncidentHref) // "/incidents/" + a path-escaped id
			b.WriteString("\">")
			rowText(b, r.IncidentID)
			b.WriteString("</a>")
		}
		b.WriteString("</td>\n</tr>\n")
	}
}
