package score

import (
	"html"
	"strings"
)

// Graph's control profiles carry their remediation as HTML (line breaks,
// bold, links to the admin portals). graphsec never puts Graph's HTML in
// its pages: plainText turns it into text, which the template escapes
// like any other value. Line breaks and paragraphs become new lines, a
// link keeps its text and is followed by its address in brackets, every
// other tag is dropped, and character references are decoded (then
// escaped again by html/template).

// maxRemediation bounds the HTML read: a remediation is a paragraph or two.
const maxRemediation = 64 << 10

// plainText returns the text of an HTML fragment.
func plainText(s string) string {
	if len(s) > maxRemediation {
		s = s[:maxRemediation]
	}
	var b strings.Builder
	var href string
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(html.UnescapeString(s))
			break
		}
		b.WriteString(html.UnescapeString(s[:i]))
		s = s[i:]
		if !startsTag(s) {
			// "a < b": a '<' that starts no tag is text.
			b.WriteByte('<')
			s = s[1:]
			continue
		}
		end := tagEnd(s)
		if end < 0 {
			// A lone '<' is text.
			b.WriteString(html.UnescapeString(s))
			break
		}
		tag := s[1:end]
		s = s[end+1:]
		name, attrs := tagName(tag)
		switch name {
		case "br", "br/":
			b.WriteByte('\n')
		case "p", "/p", "div", "/div", "li", "/ul", "/ol", "tr":
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			if name == "li" {
				b.WriteString("• ")
			}
		case "a":
			href = attr(attrs, "href")
		case "/a":
			if href != "" && (strings.HasPrefix(href, "https://") || strings.HasPrefix(href, "http://")) {
				b.WriteString(" (" + href + ")")
			}
			href = ""
		case "script", "style":
			// Drop what such an element holds, up to its end tag.
			if j := strings.Index(strings.ToLower(s), "</"+name); j >= 0 {
				s = s[j:]
			} else {
				s = ""
			}
		}
	}
	return tidy(b.String())
}

// startsTag reports whether s (which starts with '<') starts a tag: '<'
// followed by a letter, '/' or '!'.
func startsTag(s string) bool {
	if len(s) < 2 {
		return false
	}
	c := s[1]
	return c == '/' || c == '!' || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// tagEnd is the index of the '>' that ends the tag s starts with (quoted
// attribute values may hold '>'), or -1.
func tagEnd(s string) int {
	var quote byte
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		case c == '<' && i == 1:
			return -1
		}
	}
	return -1
}

// tagName splits a tag's inside into its lower-case name and the rest.
func tagName(tag string) (string, string) {
	tag = strings.TrimSpace(tag)
	i := strings.IndexAny(tag, " \t\r\n")
	if i < 0 {
		return strings.ToLower(strings.TrimSuffix(tag, "/")), ""
	}
	return strings.ToLower(tag[:i]), tag[i:]
}

// attr returns an attribute's value from a tag's attributes.
func attr(attrs, name string) string {
	lower := strings.ToLower(attrs)
	for from := 0; ; {
		i := strings.Index(lower[from:], name)
		if i < 0 {
			return ""
		}
		i += from
		rest := strings.TrimLeft(attrs[i+len(name):], " \t\r\n")
		before := byte(' ')
		if i > 0 {
			before = lower[i-1]
		}
		from = i + len(name)
		if !strings.HasPrefix(rest, "=") || (before != ' ' && before != '\t' && before != '\n' && before != '\r') {
			continue
		}
		rest = strings.TrimLeft(rest[1:], " \t\r\n")
		if rest == "" {
			return ""
		}
		if q := rest[0]; q == '"' || q == '\'' {
			if j := strings.IndexByte(rest[1:], q); j >= 0 {
				return html.UnescapeString(rest[1 : 1+j])
			}
			return ""
		}
		if j := strings.IndexAny(rest, " \t\r\n"); j >= 0 {
			rest = rest[:j]
		}
		return html.UnescapeString(rest)
	}
}

// tidy trims each line and keeps at most one empty line in a row.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
