// Package mail is "Email this alert": a form on its own page, reached from
// an alert's and an incident's page (GET /alerts/{id}/email,
// /incidents/{id}/email), that sends the alert or incident from the
// signed-in user's mailbox with Graph's /me/sendMail (POST to the same
// addresses), as a MIME message (mime.go): an HTML body with its
// plain-text alternative, and the attachment.
//
// The form takes recipients (to: several, separated by commas, semicolons
// or new lines, each checked), a subject (prefilled), a note, whether to
// attach Graph's JSON of the item, and whether to send plain text alone.
// The message is written from templates (bodies/) in the sender's
// language: the title, severity, status, times, description,
// evidence (an alert's entities, an incident's alerts), the id, a link to
// the item in graphsec and, with a real tenant, to the Defender portal.
// The send is recorded in graphsec's activity log, shown on the item's
// page. With the embedded emulator, the result links to the message in
// the emulator's mailbox (the message carries a custom header the
// mailbox finds it by). A mistake or Graph's refusal shows the form again
// with everything typed in it.
package mail

import (
	"cmp"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's page for the page kit ("mail/compose").
func Templates() page.Templates { return page.Embedded("mail", templateFS) }

// Deps are what the email pages need besides the page kit.
type Deps struct {
	// Activity is graphsec's activity log: every message sent is recorded
	// on its alert or incident.
	Activity *page.ActivityLog
	// PublicURL is the console's own base URL, for the links in messages.
	PublicURL string
	// Emulator, when graphsec runs its embedded emulator, is where a sent
	// message can be seen (its mailbox).
	Emulator *page.EmulatorInfo
}

// Pages serves the email pages; its methods are page.Handlers.
type Pages struct {
	d      Deps
	bodies *bodies
}

// New returns the email pages; the message templates are parsed here (a
// broken one fails start-up).
func New(d Deps) (*Pages, error) {
	b, err := parseBodies()
	if err != nil {
		return nil, err
	}
	d.PublicURL = strings.TrimRight(d.PublicURL, "/")
	return &Pages{d: d, bodies: b}, nil
}

// Limits of the form.
const (
	maxRecipients = 50
	maxToBytes    = 8 << 10
	maxSubject    = 255
	maxNote       = 4000
)

// refHeader is the custom internet message header graphsec tags each
// message with (a random value), by which the emulator's mailbox finds it.
const refHeader = "x-graphsec-ref"

// form is the email form's values and mistakes.
type form struct {
	To, Subject, Note string
	Attach, Plain     bool
	Recipients        []string
	Errors            page.FieldErrors
}

// splitRecipients splits the to field at commas, semicolons and line
// breaks.
func splitRecipients(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' })
}

// parseRecipients checks each recipient: an address (with or without a
// display name, "Name <a@contoso.com>"), at most maxRecipients, each
// once. It returns the addresses.
func parseRecipients(to string) ([]string, error) {
	if len(to) > maxToBytes {
		return nil, page.BadInput(page.T("mail.error.toTooLong", "max", maxToBytes))
	}
	if !utf8.ValidString(to) {
		return nil, page.BadInput(page.T("error.text.notUTF8", "field", page.T("mail.field.to")))
	}
	var out []string
	seen := map[string]bool{}
	for _, part := range splitRecipients(to) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := netmail.ParseAddress(part)
		at := -1
		if err == nil {
			at = strings.LastIndexByte(a.Address, '@')
		}
		if err != nil || at <= 0 || at == len(a.Address)-1 || strings.ContainsAny(a.Address, " \t") {
			return nil, page.BadInput(page.T("mail.error.address", "value", page.Shorten(part, 80)))
		}
		key := strings.ToLower(a.Address)
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, a.Address)
	}
	switch {
	case len(out) == 0:
		return nil, page.BadInput(page.T("mail.error.noRecipient"))
	case len(out) > maxRecipients:
		return nil, page.BadInput(page.T("mail.error.tooMany", "count", len(out), "max", maxRecipients))
	}
	return out, nil
}

// readForm reads and checks the form.
func readForm(v url.Values) form {
	f := form{To: v.Get("to"), Subject: v.Get("subject"), Note: v.Get("note"), Attach: v.Get("attach") == "1", Plain: v.Get("format") == "text"}
	var err error
	f.Recipients, err = parseRecipients(f.To)
	f.Errors.Check("to", err)
	f.Subject, err = page.Text(page.T("mail.field.subject"), f.Subject, maxSubject*4)
	switch {
	case err != nil:
		f.Errors.Check("subject", err)
	case f.Subject == "":
		f.Errors.Add("subject", page.T("mail.error.noSubject"))
	case utf8.RuneCountInString(f.Subject) > maxSubject:
		f.Errors.Add("subject", page.T("mail.error.subjectTooLong", "max", maxSubject))
	}
	f.Note, err = page.Multiline(page.T("mail.field.note"), f.Note, maxNote)
	f.Errors.Check("note", err)
	if f := v.Get("format"); f != "" && f != "html" && f != "text" {
		return form{To: v.Get("to"), Subject: v.Get("subject"), Note: v.Get("note"), Errors: page.FieldErrors{"format": page.T("mail.error.format")}}
	}
	return f
}

// sent is what a send did, shown once after its redirect.
type sent struct {
	To        []string
	Subject   string
	Status    int
	RequestID string
	Mailbox   string
	Plain     bool
	Attached  string
	Request   *page.RequestView
}

// changed is the result kept for the page after the redirect (flashes
// live in the store as page.Changed): what was sent as rows.
func (s *sent) changed() *page.Changed {
	row := func(prop, v string) page.CompareRow {
		return page.CompareRow{Prop: prop, After: page.Field{Prop: prop, Raw: v}}
	}
	c := &page.Changed{Heading: "mail.sent", Rows: []page.CompareRow{row("subject", s.Subject)},
		Sent: []page.Sent{{What: "sendMail", Request: s.Request, Status: s.Status, RequestID: s.RequestID}}}
	for _, to := range s.To {
		c.Rows = append(c.Rows, row("to", to))
	}
	if s.Attached != "" {
		c.Rows = append(c.Rows, row("attachment", s.Attached))
	}
	if s.Plain {
		c.Rows = append(c.Rows, row("format", "text"))
	}
	if s.Mailbox != "" {
		c.Rows = append(c.Rows, row("mailbox", s.Mailbox))
	}
	return c
}

// sentFrom reads back what changed made.
func sentFrom(c *page.Changed) *sent {
	s := &sent{}
	for _, r := range c.Rows {
		switch v := r.After.Raw; r.Prop {
		case "subject":
			s.Subject = v
		case "to":
			s.To = append(s.To, v)
		case "attachment":
			s.Attached = v
		case "format":
			s.Plain = v == "text"
		case "mailbox":
			s.Mailbox = v
		}
	}
	if len(c.Sent) > 0 {
		s.Status, s.RequestID, s.Request = c.Sent[0].Status, c.Sent[0].RequestID, c.Sent[0].Request
	}
	return s
}

// composeView is the page's data.
type composeView struct {
	Kind, ID, Title, Back string
	Item                  *item
	Form                  form
	Action                string
	Preview               string
	From                  string
	Sent                  *sent
	Error                 *page.ErrorView
	Partial               bool
	MaxNote, MaxSubject   int
	Attachment            string
}

// kind is one kind of item that can be emailed.
type kind struct {
	name   string // "alert" or "incident"
	read   graph.Access
	href   func(id string) string
	label  string // catalog key of the kind ("kind.alert")
	fetch  func(ctx context.Context, p *page.Page, c *graph.Client, id string) (*item, error)
	notice string // catalog key of the page heading
}

func (ps *Pages) alertKind() kind {
	return kind{name: "alert", read: graph.AccessReadAlerts, href: page.AlertHref, label: "kind.alert", fetch: ps.fetchAlert, notice: "mail.heading.alert"}
}

func (ps *Pages) incidentKind() kind {
	return kind{name: "incident", read: graph.AccessReadIncidents, href: page.IncidentHref, label: "kind.incident", fetch: ps.fetchIncident, notice: "mail.heading.incident"}
}

// absolute makes a console path absolute with the public URL (or the
// request's host when none is configured).
func (ps *Pages) absolute(p *page.Page, path string) string {
	base := ps.d.PublicURL
	if base == "" {
		scheme := "http"
		if p.R.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + p.R.Host
	}
	return base + path
}

func (ps *Pages) fetchAlert(ctx context.Context, p *page.Page, c *graph.Client, id string) (*item, error) {
	a, raw, _, err := c.Alerts.GetRaw(ctx, id)
	if err != nil {
		return nil, page.Reword(err, graph.ErrNotFound, page.T("alert.notFound.heading"), page.T("alert.notFound.message", "id", id))
	}
	L := p.L
	it := &item{Kind: "alert", ID: a.ID, Title: cmp.Or(a.Title, L.T("alert.untitled")), Severity: L.Enum(a.Severity), Status: L.Enum(a.Status),
		Created: a.CreatedDateTime, Updated: a.LastUpdateDateTime, Description: a.Description,
		Href: ps.absolute(p, page.AlertHref(a.ID)), Portal: p.PortalURL(a.AlertWebURL), Raw: raw}
	it.Evidence, it.More = evidenceOf(L, a.Evidence)
	return it, nil
}

func (ps *Pages) fetchIncident(ctx context.Context, p *page.Page, c *graph.Client, id string) (*item, error) {
	inc, raw, _, err := c.Incidents.GetRaw(ctx, id)
	if err != nil {
		return nil, page.Reword(err, graph.ErrNotFound, page.T("incident.notFound.heading"), page.T("incident.notFound.message", "id", id))
	}
	L := p.L
	it := &item{Kind: "incident", ID: inc.ID, Title: cmp.Or(inc.DisplayName, L.T("alert.incident", "id", inc.ID)), Severity: L.Enum(inc.Severity),
		Status: L.Enum(inc.Status), Created: inc.CreatedDateTime, Updated: inc.LastUpdateDateTime, Description: cmp.Or(inc.Description, inc.Summary),
		Href: ps.absolute(p, page.IncidentHref(inc.ID)), Portal: p.PortalURL(inc.IncidentWebURL), Raw: raw}
	pg, _, err := c.Incidents.ListAlerts(ctx, inc.ID, graph.Query{Top: listedMax})
	if err == nil {
		for _, a := range pg.Value {
			it.Alerts = append(it.Alerts, alertLine{Title: cmp.Or(a.Title, L.T("alert.untitled")), Severity: L.Enum(a.Severity), Href: ps.absolute(p, page.AlertHref(a.ID))})
		}
		if pg.HasNext() {
			it.More = 1 // at least one more; Graph does not say how many
		}
	}
	return it, nil
}

// AlertForm is GET /alerts/{id}/email.
func (ps *Pages) AlertForm(p *page.Page) error { return ps.show(p, ps.alertKind()) }

// AlertSend is POST /alerts/{id}/email.
func (ps *Pages) AlertSend(p *page.Page) error { return ps.send(p, ps.alertKind()) }

// IncidentForm is GET /incidents/{id}/email.
func (ps *Pages) IncidentForm(p *page.Page) error { return ps.show(p, ps.incidentKind()) }

// IncidentSend is POST /incidents/{id}/email.
func (ps *Pages) IncidentSend(p *page.Page) error { return ps.send(p, ps.incidentKind()) }

// subject is the subject a message starts with.
func subject(p *page.Page, it *item) string {
	return p.L.T("mail.subject."+it.Kind, "severity", it.Severity.Text, "title", it.Title)
}

func (ps *Pages) show(p *page.Page, k kind) error {
	id := p.R.PathValue("id")
	p.Title, p.Nav = p.L.T(k.notice), k.name+"s"
	if err := page.CheckID(page.T(k.label), id, page.MaxID); err != nil {
		return err
	}
	c, err := p.GraphFor(k.read)
	if err != nil {
		return err
	}
	it, err := k.fetch(p.R.Context(), p, c, id)
	if err != nil {
		return err
	}
	f := form{Subject: subject(p, it)}
	f.To, f.Subject, f.Note = p.KeepOr("", "to"), p.KeepOr(f.Subject, "subject"), p.KeepOr("", "note")
	v := ps.view(p, k, it, f)
	if c := p.TakeFlash(v.Action, p.R.URL.Query().Get("done")); c != nil {
		v.Sent = sentFrom(c)
	}
	return p.Render(http.StatusOK, "mail/compose", v)
}

func (ps *Pages) view(p *page.Page, k kind, it *item, f form) composeView {
	v := composeView{Kind: k.name, ID: it.ID, Title: it.Title, Back: k.href(it.ID), Item: it, Form: f, Action: k.href(it.ID) + "/email",
		From: p.Me(), MaxNote: maxNote, MaxSubject: maxSubject, Attachment: attachmentName(it)}
	if _, text, err := ps.bodies.render(p.L, it, f.Note, p.Me()); err == nil {
		v.Preview = text
	}
	return v
}

// attachmentName is the JSON attachment's file name.
func attachmentName(it *item) string {
	id := strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`\/:*?"<>|`, r) {
			return '_'
		}
		return r
	}, it.ID)
	return it.Kind + "-" + page.Shorten(id, 100) + ".json"
}

// newRef is a random value for the message's refHeader.
func newRef() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (ps *Pages) send(p *page.Page, k kind) error {
	id := p.R.PathValue("id")
	p.Title, p.Nav = p.L.T(k.notice), k.name+"s"
	if err := page.CheckID(page.T(k.label), id, page.MaxID); err != nil {
		return err
	}
	f := readForm(p.R.PostForm)
	c, err := p.GraphFor(k.read)
	if err != nil {
		return ps.refuse(p, k, id, nil, f, err)
	}
	ctx := p.R.Context()
	it, err := k.fetch(ctx, p, c, id)
	if err != nil {
		return ps.refuse(p, k, id, nil, f, err)
	}
	if f.Errors.Any() {
		return p.Render(http.StatusBadRequest, "mail/compose", ps.view(p, k, it, f))
	}
	if err := p.Require(graph.AccessSendMail); err != nil {
		return ps.refuse(p, k, id, it, f, err)
	}
	html, text, err := ps.bodies.render(p.L, it, f.Note, p.Me())
	if err != nil {
		return err
	}
	o := outgoing{To: f.Recipients, Subject: f.Subject, HTML: html, Text: text, PlainOnly: f.Plain, Ref: newRef()}
	var attached string
	if f.Attach {
		attached = attachmentName(it)
		o.AttachName, o.AttachType, o.Attachment = attached, "application/json", []byte(page.PrettyJSON(it.Raw))
	}
	mimeMsg, err := buildMIME(o)
	if err != nil {
		return err
	}
	if len(mimeMsg) > graph.MaxMIMEBytes {
		field := "note"
		if f.Attach {
			field = "attach"
		}
		f.Errors.Add(field, page.T("mail.error.tooLarge", "max", graph.MaxMIMEBytes>>20))
		return p.Render(http.StatusBadRequest, "mail/compose", ps.view(p, k, it, f))
	}
	octx, rec := page.Record(ctx)
	resp, err := c.Mail.SendMIME(octx, "", mimeMsg)
	if err != nil {
		return ps.refuse(p, k, id, it, f, err)
	}
	changes, _ := json.Marshal(map[string]string{"to": strings.Join(f.Recipients, ", "), "subject": f.Subject})
	ps.d.Activity.Record(ctx, p.Session, k.name, it.ID, "email", resp.RequestID, changes)
	s := &sent{To: f.Recipients, Subject: f.Subject, Status: resp.StatusCode, RequestID: resp.RequestID, Plain: f.Plain, Attached: attached}
	if r := rec.First(http.MethodPost); r != nil {
		// The body holds the whole message (and the attachment, in
		// base64): the page shows the request line only.
		s.Request = &page.RequestView{ID: "sendmail", Method: r.Method, URL: r.URL}
	}
	if e := ps.d.Emulator; e != nil {
		s.Mailbox = e.URL + "/_emulator/mail/find?" + url.Values{"header": {refHeader}, "value": {o.Ref}}.Encode()
	}
	action := k.href(it.ID) + "/email"
	return p.Redirect(action+"?done="+p.SetFlash(action, s.changed()), http.StatusSeeOther)
}

// refuse shows the form with err above it and what was typed still in
// it, at the status err calls for. Without the item (it could not be
// read), the page holds the form alone.
func (ps *Pages) refuse(p *page.Page, k kind, id string, it *item, f form, err error) error {
	status, ev := p.Explain(err)
	if it == nil {
		it = &item{Kind: k.name, ID: id, Title: id}
	}
	v := ps.view(p, k, it, f)
	v.Partial = it.Href == ""
	v.Error = &ev
	var ge *graph.Error
	if errors.As(err, &ge) && status < 400 {
		status = http.StatusBadGateway
	}
	return p.Render(status, "mail/compose", v)
}
