package mail

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"slices"
	"strings"
	"testing"
)

// part is a leaf of a parsed MIME message: its type and decoded content.
type part struct {
	Type, Name, Content string
}

// parse reads a message as a mail client would: its leaves, depth first.
func parse(t *testing.T, raw []byte) (*mail.Message, []part) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var out []part
	var walk func(h func(string) string, r io.Reader)
	walk = func(h func(string) string, r io.Reader) {
		mt, params, err := mime.ParseMediaType(h("Content-Type"))
		if err != nil {
			t.Fatalf("content type %q: %v", h("Content-Type"), err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("%s: %v", mt, err)
				}
				walk(p.Header.Get, p)
			}
		}
		switch h("Content-Transfer-Encoding") {
		case "quoted-printable":
			r = quotedprintable.NewReader(r)
		case "base64":
			b, _ := io.ReadAll(r)
			d, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b)))
			if err != nil {
				t.Fatal(err)
			}
			r = bytes.NewReader(d)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("%s: %v", mt, err)
		}
		_, dp, _ := mime.ParseMediaType(h("Content-Disposition"))
		out = append(out, part{Type: mt, Name: dp["filename"], Content: string(b)})
	}
	walk(m.Header.Get, m.Body)
	return m, out
}

func TestBuildMIME(t *testing.T) {
	base := outgoing{To: []string{"soc@contoso.com", "lead@contoso.com"}, Subject: "[graphsec] 重大度 高 のアラート: x", HTML: "<p>é <b>h</b></p>",
		Text: strings.Repeat("a long line of text ", 10) + "\nsecond line", Ref: "r1"}
	json := []byte(`{"id":"1"}` + strings.Repeat(" ", 200))
	for _, tc := range []struct {
		name  string
		plain bool
		att   bool
		want  []string // part types, in order
	}{
		{"HTML with its text alternative", false, false, []string{"text/plain", "text/html"}},
		{"with the JSON", false, true, []string{"text/plain", "text/html", "application/json"}},
		{"plain text", true, false, []string{"text/plain"}},
		{"plain text with the JSON", true, true, []string{"text/plain", "application/json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			o.PlainOnly = tc.plain
			if tc.att {
				o.AttachName, o.AttachType, o.Attachment = "alert-1.json", "application/json", json
			}
			raw, err := buildMIME(o)
			if err != nil {
				t.Fatal(err)
			}
			m, parts := parse(t, raw)
			var types []string
			for _, p := range parts {
				types = append(types, p.Type)
			}
			if !slices.Equal(types, tc.want) {
				t.Fatalf("parts %v, want %v", types, tc.want)
			}
			subj, _ := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if subj != base.Subject || m.Header.Get("To") != "<soc@contoso.com>, <lead@contoso.com>" || m.Header.Get(refHeader) != "r1" {
				t.Errorf("headers: %v (subject %q)", m.Header, subj)
			}
			for _, p := range parts {
				switch p.Type {
				case "text/plain":
					if strings.ReplaceAll(p.Content, "\r\n", "\n") != base.Text { // lines end in CRLF in MIME
						t.Errorf("text %q", p.Content)
					}
				case "text/html":
					if p.Content != base.HTML {
						t.Errorf("html %q", p.Content)
					}
				case "application/json":
					if p.Content != string(json) || p.Name != "alert-1.json" {
						t.Errorf("attachment %q %q", p.Name, p.Content)
					}
				}
			}
			for _, line := range strings.Split(string(raw), "\r\n") {
				if len(line) > 998 {
					t.Errorf("a line of %d characters", len(line))
				}
			}
		})
	}
}

// FuzzParseRecipients: the to field never panics, and what it accepts is a
// list of at most maxRecipients distinct addresses, each one net/mail
// reads back as itself.
func FuzzParseRecipients(f *testing.F) {
	for _, s := range []string{"a@b.c", "A <a@b.c>, b@c.d; c@d.e\nd@e.f", "\"x, y\" <a@b.c>", ",,;;\n", "a@", "@b", "a@b.c, A@B.C"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, to string) {
		list, err := parseRecipients(to)
		if err != nil {
			return
		}
		if len(list) == 0 || len(list) > maxRecipients {
			t.Fatalf("%d recipients from %q", len(list), to)
		}
		seen := map[string]bool{}
		for _, a := range list {
			p, err := mail.ParseAddress(a)
			if err != nil || p.Address != a || seen[strings.ToLower(a)] {
				t.Fatalf("%q from %q: %v", a, to, err)
			}
			seen[strings.ToLower(a)] = true
		}
	})
}
