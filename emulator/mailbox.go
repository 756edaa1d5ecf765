package emulator

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/graphsec/graphsec/emulator/graphapi"
)

// The control plane lists the mailbox a page at a time, and without
// bodies, MIME text or attachment contents, which GET
// /_emulator/mailbox/{id} and …/attachments/{n} return one message at a
// time: a listing costs what its summaries cost, never the mailbox's
// whole size.
const (
	mailListDefaultTop = 50
	mailListMaxTop     = 500
	mailPageSize       = 50 // the HTML mailbox page
)

// MailSummary is a message as the control plane lists it.
type MailSummary struct {
	ID              string              `json:"id"`
	SentDateTime    time.Time           `json:"sentDateTime"`
	From            graphapi.Address    `json:"from"`
	Subject         string              `json:"subject"`
	BodyType        string              `json:"bodyType"`
	To              []graphapi.Address  `json:"toRecipients"`
	Cc              []graphapi.Address  `json:"ccRecipients"`
	Bcc             []graphapi.Address  `json:"bccRecipients"`
	Importance      string              `json:"importance"`
	SaveToSentItems bool                `json:"saveToSentItems"`
	MIME            bool                `json:"mime"`
	Size            int                 `json:"size"`
	Attachments     []AttachmentSummary `json:"attachments"`
}

// AttachmentSummary describes an attachment without its content.
type AttachmentSummary struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType,omitempty"`
	Size        int    `json:"size"`
}

// MailboxList is what GET /_emulator/mailbox returns.
type MailboxList struct {
	Value []MailSummary `json:"value"`
	// Count is the number of messages in the mailbox.
	Count int `json:"count"`
	// NextLink fetches the next page, when there is one.
	NextLink string                `json:"nextLink,omitempty"`
	Stats    graphapi.MailboxStats `json:"stats"`
}

func summarize(m graphapi.Mail) MailSummary {
	s := MailSummary{
		ID: m.ID, SentDateTime: m.SentDateTime, From: m.From, Subject: m.Subject, BodyType: m.BodyType,
		To: nonNilAddrs(m.To), Cc: nonNilAddrs(m.Cc), Bcc: nonNilAddrs(m.Bcc), Importance: m.Importance,
		SaveToSentItems: m.SaveToSentItems, MIME: m.MIME != "", Size: m.Size,
		Attachments: make([]AttachmentSummary, len(m.Attachments)),
	}
	for i, a := range m.Attachments {
		s.Attachments[i] = AttachmentSummary{Name: a.Name, ContentType: a.ContentType, Size: a.Size}
	}
	return s
}

func nonNilAddrs(a []graphapi.Address) []graphapi.Address {
	if a == nil {
		return []graphapi.Address{}
	}
	return a
}

// pagingParam reads a non-negative integer query parameter, def when
// absent; ok is false (and a 400 written) when it is not one within
// [lo, hi].
func pagingParam(w http.ResponseWriter, r *http.Request, name string, def, lo, hi int) (int, bool) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		ctlError(w, http.StatusBadRequest, "%s must be an integer from %d to %d", name, lo, hi)
		return 0, false
	}
	return n, true
}

// ctlMailbox lists the mailbox, newest first: ?top= (default 50, at most
// 500) summaries after ?skip= of them. New mail arrives at the front, so a
// message may show on two consecutive pages while mail is being sent.
func (e *Emulator) ctlMailbox(w http.ResponseWriter, r *http.Request) {
	top, ok := pagingParam(w, r, "top", mailListDefaultTop, 1, mailListMaxTop)
	if !ok {
		return
	}
	skip, ok := pagingParam(w, r, "skip", 0, 0, 1<<30)
	if !ok {
		return
	}
	msgs, total := e.mailbox.Page(skip, top)
	out := MailboxList{Value: make([]MailSummary, len(msgs)), Count: total, Stats: e.mailbox.Stats()}
	for i, m := range msgs {
		out.Value[i] = summarize(m)
	}
	if skip+len(msgs) < total {
		out.NextLink = e.url + "/_emulator/mailbox?" + url.Values{"skip": {strconv.Itoa(skip + len(msgs))}, "top": {strconv.Itoa(top)}}.Encode()
	}
	ctlJSON(w, http.StatusOK, out)
}

// mailPage is what the mailbox page shows: one page of messages.
type mailPage struct {
	Messages     []graphapi.Mail
	Missing      string
	Stats        graphapi.MailboxStats
	First, Last  int // 1-based positions shown
	Newer, Older string
	Total, Shown int
	PageSize     int
}

func (e *Emulator) mailPageData(r *http.Request) mailPage {
	skip, err := strconv.Atoi(r.URL.Query().Get("skip"))
	if err != nil || skip < 0 {
		skip = 0
	}
	msgs, total := e.mailbox.Page(skip, mailPageSize)
	if len(msgs) == 0 && skip > 0 && total > 0 {
		skip = (total - 1) / mailPageSize * mailPageSize
		msgs, total = e.mailbox.Page(skip, mailPageSize)
	}
	p := mailPage{Messages: msgs, Stats: e.mailbox.Stats(), Total: total, Shown: len(msgs), PageSize: mailPageSize}
	if len(msgs) > 0 {
		p.First, p.Last = skip+1, skip+len(msgs)
	}
	if skip > 0 {
		p.Newer = "/_emulator/mail?skip=" + strconv.Itoa(max(0, skip-mailPageSize))
	}
	if skip+len(msgs) < total {
		p.Older = "/_emulator/mail?skip=" + strconv.Itoa(skip+len(msgs))
	}
	return p
}

// pageFindMail opens the newest message that carries a custom internet
// message header (?header=x-name&value=v), so that a client that tagged
// its message can link straight to it: 303 to its page, or the mailbox
// page with a 404 when there is none.
func (e *Emulator) pageFindMail(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if m, ok := e.mailbox.FindByHeader(q.Get("header"), q.Get("value")); ok && q.Get("header") != "" {
		http.Redirect(w, r, "/_emulator/mail/"+url.PathEscape(m.ID), http.StatusSeeOther)
		return
	}
	p := e.mailPageData(r)
	p.Missing = q.Get("value")
	e.render(w, http.StatusNotFound, "mail.html", p)
}

// pageMail shows the mailbox a page of 50 messages at a time (?skip=).
func (e *Emulator) pageMail(w http.ResponseWriter, r *http.Request) {
	e.render(w, http.StatusOK, "mail.html", e.mailPageData(r))
}
