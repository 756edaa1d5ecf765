package mail

import (
	"bytes"
	"cmp"
	"embed"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
)

// The message: an HTML body from a template, and the same content as
// plain text from a twin template (its alternative in the message, the
// page's preview, and the whole body when the user asks for plain text),
// both written in the sender's language. html/template escapes every value from Graph in the HTML
// body; nothing from Graph is markup there.

//go:embed bodies/*
var bodyFS embed.FS

// bodies are the message templates, parsed once.
type bodies struct {
	html *htmltemplate.Template
	text *texttemplate.Template
}

func parseBodies() (*bodies, error) {
	h, err := htmltemplate.ParseFS(bodyFS, "bodies/message.html")
	if err != nil {
		return nil, err
	}
	t, err := texttemplate.ParseFS(bodyFS, "bodies/message.txt")
	if err != nil {
		return nil, err
	}
	return &bodies{html: h, text: t}, nil
}

// item is the alert or incident a message is about, as the message shows
// it.
type item struct {
	// Kind is "alert" or "incident".
	Kind        string
	ID, Title   string
	Severity    i18n.EnumLabel
	Status      i18n.EnumLabel
	Created     time.Time
	Updated     time.Time
	Description string
	// Evidence is an alert's evidence, one line per entity; Alerts an
	// incident's alerts.
	Evidence []evidenceLine
	Alerts   []alertLine
	// More is how many evidence entries or alerts are not listed.
	More int
	// Href is the item's page in graphsec (absolute); Portal its page in
	// the Defender portal (a real tenant only).
	Href, Portal string
	// Raw is Graph's JSON of the item, for the attachment.
	Raw []byte
}

// evidenceLine is one entity of an alert's evidence.
type evidenceLine struct {
	Type i18n.EnumLabel
	Name string
}

// alertLine is one alert of an incident.
type alertLine struct {
	Title    string
	Severity i18n.EnumLabel
	Href     string
}

// listedMax bounds the evidence lines or alerts a message lists.
const listedMax = 25

// evidenceOf summarizes an alert's evidence: each entity's type and the
// name an analyst knows it by.
func evidenceOf(L *i18n.Printer, list graph.EvidenceList) ([]evidenceLine, int) {
	var out []evidenceLine
	for _, e := range list {
		if len(out) == listedMax {
			return out, len(list) - listedMax
		}
		out = append(out, evidenceLine{Type: L.EvidenceType(e.TypeName()), Name: evidenceName(e)})
	}
	return out, 0
}

// evidenceName is what names an entity: a user's principal name, a
// device's DNS name, a file's name, an address.
func evidenceName(e graph.Evidence) string {
	switch ev := e.(type) {
	case *graph.UserEvidence:
		if a := ev.UserAccount; a != nil {
			return cmp.Or(a.UserPrincipalName, joinNonEmpty(`\`, a.DomainName, a.AccountName), a.DisplayName)
		}
	case *graph.DeviceEvidence:
		return cmp.Or(ev.DeviceDNSName, ev.HostName)
	case *graph.FileEvidence:
		if ev.FileDetails != nil {
			return ev.FileDetails.FileName
		}
	case *graph.ProcessEvidence:
		if ev.ImageFile != nil {
			return ev.ImageFile.FileName
		}
	case *graph.IPEvidence:
		return ev.IPAddress
	case *graph.URLEvidence:
		return ev.URL
	case *graph.MailboxEvidence:
		return cmp.Or(ev.PrimaryAddress, ev.UPN, ev.DisplayName)
	}
	return ""
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// bodyData is what the message templates receive.
type bodyData struct {
	L    *i18n.Printer
	I    *item
	Note string
	From string
}

// render writes the message's HTML and text bodies.
func (b *bodies) render(L *i18n.Printer, it *item, note, from string) (html, text string, err error) {
	d := bodyData{L: L, I: it, Note: note, From: from}
	var hb, tb bytes.Buffer
	if err := b.html.Execute(&hb, d); err != nil {
		return "", "", err
	}
	if err := b.text.Execute(&tb, d); err != nil {
		return "", "", err
	}
	return hb.String(), tb.String(), nil
}
