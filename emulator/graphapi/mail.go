package graphapi

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// Address is one mail recipient or sender.
type Address struct {
	Name    string `json:"name,omitempty"`
	Address string `json:"address"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"contentType,omitempty"`
	IsInline    bool   `json:"isInline,omitempty"`
	ContentID   string `json:"contentId,omitempty"`
	Size        int    `json:"size"`
	Content     []byte `json:"contentBytes"`
}

// Mail is a message "sent" through the emulator. Nothing leaves the
// machine: messages are kept in the Mailbox for people and tests to read.
type Mail struct {
	ID              string       `json:"id"`
	SentDateTime    time.Time    `json:"sentDateTime"`
	From            Address      `json:"from"`
	Subject         string       `json:"subject"`
	BodyType        string       `json:"bodyType"` // "text" or "html"
	Body            string       `json:"body"`
	To              []Address    `json:"toRecipients"`
	Cc              []Address    `json:"ccRecipients"`
	Bcc             []Address    `json:"bccRecipients"`
	ReplyTo         []Address    `json:"replyTo"`
	Importance      string       `json:"importance"`
	Headers         []MailHeader `json:"internetMessageHeaders"`
	Attachments     []Attachment `json:"attachments"`
	SaveToSentItems bool         `json:"saveToSentItems"`
	// MIME holds the raw message when it was sent in MIME format. Body
	// then shares its memory (it is the part after the headers).
	MIME string `json:"mime,omitempty"`
	// Size is what the message occupies in the mailbox, in bytes: its
	// text, addresses, headers, MIME and attachments (see Mailbox).
	Size int `json:"size"`
}

// MailHeader is a custom internet message header.
type MailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Mailbox limits by default. A message is at most what one sendMail
// request can carry (Graph refuses requests over 4 MB), so every message
// Graph accepts fits; the whole mailbox keeps at most 1000 messages and 64
// MiB, evicting the oldest first.
const (
	DefaultMailboxMessages     = 1000
	DefaultMailboxBytes        = 64 << 20
	DefaultMailboxMessageBytes = 4 << 20
)

// MailboxLimits bound a Mailbox; a zero field takes its default.
type MailboxLimits struct {
	// Messages is the most messages kept (DefaultMailboxMessages).
	Messages int
	// Bytes is the most bytes kept, all messages' Size together
	// (DefaultMailboxBytes).
	Bytes int64
	// MessageBytes is the largest Size one message may have; sendMail
	// refuses a larger one with 413 (DefaultMailboxMessageBytes).
	MessageBytes int
}

// Mailbox keeps the most recent messages, newest first, within its limits:
// when a new message would exceed them, the oldest go, and are counted. It
// is safe for concurrent use.
type Mailbox struct {
	lim     MailboxLimits
	mu      sync.RWMutex
	msgs    []Mail
	bytes   int64
	evicted int64
}

// NewMailbox keeps up to max messages (default 1000), with the default
// byte limits.
func NewMailbox(max int) *Mailbox { return NewMailboxLimits(MailboxLimits{Messages: max}) }

// NewMailboxLimits returns a mailbox bounded by lim.
func NewMailboxLimits(lim MailboxLimits) *Mailbox {
	if lim.Messages <= 0 {
		lim.Messages = DefaultMailboxMessages
	}
	if lim.Bytes <= 0 {
		lim.Bytes = DefaultMailboxBytes
	}
	if lim.MessageBytes <= 0 {
		lim.MessageBytes = DefaultMailboxMessageBytes
	}
	return &Mailbox{lim: lim}
}

// MailboxStats describes a mailbox's use and limits.
type MailboxStats struct {
	Messages int   `json:"messages"`
	Bytes    int64 `json:"bytes"`
	// Evicted counts the messages dropped to make room since the mailbox
	// was created (Clear does not reset it).
	Evicted         int64 `json:"evicted"`
	MaxMessages     int   `json:"maxMessages"`
	MaxBytes        int64 `json:"maxBytes"`
	MaxMessageBytes int   `json:"maxMessageBytes"`
}

// Stats reports the mailbox's use and limits.
func (m *Mailbox) Stats() MailboxStats {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return MailboxStats{
		Messages: len(m.msgs), Bytes: m.bytes, Evicted: m.evicted,
		MaxMessages: m.lim.Messages, MaxBytes: m.lim.Bytes, MaxMessageBytes: m.lim.MessageBytes,
	}
}

// storedSize is what a message occupies: every string and attachment it
// holds. A MIME message's body shares the MIME text, and counts once.
func storedSize(msg *Mail) int {
	n := len(msg.ID) + len(msg.Subject) + len(msg.BodyType) + len(msg.Importance) + len(msg.MIME)
	if msg.MIME == "" || !strings.HasSuffix(msg.MIME, msg.Body) {
		n += len(msg.Body)
	}
	n += len(msg.From.Name) + len(msg.From.Address)
	for _, list := range [][]Address{msg.To, msg.Cc, msg.Bcc, msg.ReplyTo} {
		for _, a := range list {
			n += len(a.Name) + len(a.Address)
		}
	}
	for _, h := range msg.Headers {
		n += len(h.Name) + len(h.Value)
	}
	for _, a := range msg.Attachments {
		n += len(a.Name) + len(a.ContentType) + len(a.ContentID) + len(a.Content)
	}
	return n
}

// add keeps msg as the newest message, evicting the oldest ones while the
// mailbox is over its limits. A message larger than MessageBytes is
// refused.
func (m *Mailbox) add(msg Mail) error {
	msg.Size = storedSize(&msg)
	if msg.Size > m.lim.MessageBytes {
		return errorf(http.StatusRequestEntityTooLarge, "ErrorMessageSizeExceeded",
			"The message exceeds the maximum supported size: it takes %d bytes, and the emulator's mailbox keeps messages of up to %d bytes.", msg.Size, m.lim.MessageBytes)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = slices.Insert(m.msgs, 0, msg)
	m.bytes += int64(msg.Size)
	for len(m.msgs) > m.lim.Messages || m.bytes > m.lim.Bytes {
		last := len(m.msgs) - 1
		m.bytes -= int64(m.msgs[last].Size)
		m.msgs[last] = Mail{} // let the collector have it
		m.msgs = m.msgs[:last]
		m.evicted++
	}
	return nil
}

// Messages lists the kept messages, newest first.
func (m *Mailbox) Messages() []Mail {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.msgs)
}

// Page returns up to top messages after skipping skip, newest first, and
// how many messages there are in all.
func (m *Mailbox) Page(skip, top int) ([]Mail, int) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := len(m.msgs)
	lo := min(max(skip, 0), n)
	hi := min(lo+max(top, 0), n)
	return slices.Clone(m.msgs[lo:hi]), n
}

// Message finds one message by id.
func (m *Mailbox) Message(id string) (Mail, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, x := range m.msgs {
		if x.ID == id {
			return x, true
		}
	}
	return Mail{}, false
}

// FindByHeader returns the newest message carrying the internet message
// header name (without regard to case) with exactly value.
func (m *Mailbox) FindByHeader(name, value string) (Mail, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for _, msg := range m.msgs { // newest first
		for _, h := range msg.Headers {
			if strings.EqualFold(h.Name, name) && h.Value == value {
				return msg, true
			}
		}
	}
	return Mail{}, false
}

// Clear empties the mailbox.
func (m *Mailbox) Clear() {
	m.mu.Lock()
	m.msgs, m.bytes = nil, 0
	m.mu.Unlock()
}

// Wire shapes of the sendMail action. encoding/json matches names without
// regard to case, which is what Graph does for action parameters
// (Message/message, SaveToSentItems/saveToSentItems).
type sendMailBody struct {
	Message         *wireMessage    `json:"message"`
	SaveToSentItems json.RawMessage `json:"saveToSentItems"`
}

type wireRecipient struct {
	EmailAddress *struct {
		Address string `json:"address"`
		Name    string `json:"name"`
	} `json:"emailAddress"`
}

type wireMessage struct {
	Subject string `json:"subject"`
	Body    *struct {
		ContentType string `json:"contentType"`
		Content     string `json:"content"`
	} `json:"body"`
	ToRecipients           []wireRecipient `json:"toRecipients"`
	CcRecipients           []wireRecipient `json:"ccRecipients"`
	BccRecipients          []wireRecipient `json:"bccRecipients"`
	ReplyTo                []wireRecipient `json:"replyTo"`
	Importance             string          `json:"importance"`
	InternetMessageHeaders []MailHeader    `json:"internetMessageHeaders"`
	Attachments            []struct {
		ODataType    string `json:"@odata.type"`
		Name         string `json:"name"`
		ContentType  string `json:"contentType"`
		ContentBytes string `json:"contentBytes"`
		IsInline     bool   `json:"isInline"`
		ContentID    string `json:"contentId"`
	} `json:"attachments"`
}

func (a *API) sendMailMe(c *call) error {
	if c.who.appOnly() {
		return badRequest("/me request is only valid with delegated authentication flow.")
	}
	return a.sendMail(c, *c.who.user)
}

func (a *API) sendMailUser(c *call) error {
	u, err := a.dir.User(c.r.PathValue("id"))
	if err != nil {
		return errorf(http.StatusNotFound, "ErrorInvalidUser", "The requested user '%s' is invalid.", c.r.PathValue("id"))
	}
	if !c.who.appOnly() && c.who.user.ID != u.ID {
		return errorf(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	}
	return a.sendMail(c, u)
}

func (a *API) sendMail(c *call, from tenant.User) error {
	if !c.who.has("Mail.Send") {
		return errorf(http.StatusForbidden, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
	}
	msg := Mail{
		ID: newGUID(), SentDateTime: c.now.UTC(), SaveToSentItems: true, Importance: "normal",
		From: Address{Name: from.DisplayName, Address: cmp.Or(from.Mail, from.UserPrincipalName)},
	}
	ct := strings.ToLower(c.r.Header.Get("Content-Type"))
	if strings.HasPrefix(ct, "text/plain") {
		if err := readMIME(c, &msg); err != nil {
			return err
		}
	} else {
		if err := readJSONMail(c, &msg); err != nil {
			return err
		}
	}
	if err := a.mailbox.add(msg); err != nil {
		return err
	}
	a.log.Info("mail accepted", "request_id", c.requestID, "from", msg.From.Address, "recipients", len(msg.To)+len(msg.Cc)+len(msg.Bcc))
	c.writeEmpty(http.StatusAccepted)
	return nil
}

func readJSONMail(c *call, msg *Mail) error {
	var body sendMailBody
	if err := c.readJSON(&body); err != nil {
		return err
	}
	m := body.Message
	if m == nil {
		return badRequest("The 'Message' parameter is required.")
	}
	if v := strings.TrimSpace(string(body.SaveToSentItems)); v != "" && v != "null" {
		switch strings.ToLower(strings.Trim(v, `"`)) {
		case "true":
		case "false":
			msg.SaveToSentItems = false
		default:
			return badRequest("Cannot convert the literal '%s' to the expected type 'Edm.Boolean'.", strings.Trim(v, `"`))
		}
	}
	msg.Subject = m.Subject
	msg.BodyType = "text"
	if m.Body != nil {
		switch strings.ToLower(m.Body.ContentType) {
		case "", "text":
		case "html":
			msg.BodyType = "html"
		default:
			return badRequest("Requested value '%s' was not found.", m.Body.ContentType)
		}
		msg.Body = m.Body.Content
	}
	var err error
	if msg.To, err = recipients(m.ToRecipients); err != nil {
		return err
	}
	if msg.Cc, err = recipients(m.CcRecipients); err != nil {
		return err
	}
	if msg.Bcc, err = recipients(m.BccRecipients); err != nil {
		return err
	}
	if msg.ReplyTo, err = recipients(m.ReplyTo); err != nil {
		return err
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		return errorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.")
	}
	switch imp := strings.ToLower(m.Importance); imp {
	case "":
	case "low", "normal", "high":
		msg.Importance = imp
	default:
		return badRequest("Requested value '%s' was not found.", m.Importance)
	}
	for _, h := range m.InternetMessageHeaders {
		if !strings.HasPrefix(strings.ToLower(h.Name), "x-") {
			return errorf(http.StatusBadRequest, "InvalidInternetMessageHeader", "The internet message header name '%s' should start with 'x-' or 'X-'.", h.Name)
		}
		msg.Headers = append(msg.Headers, h)
	}
	for _, at := range m.Attachments {
		if !strings.EqualFold(strings.TrimPrefix(at.ODataType, "#"), "microsoft.graph.fileAttachment") {
			return badRequest("Attachment type '%s' is not supported here; send a '#microsoft.graph.fileAttachment'.", at.ODataType)
		}
		if at.Name == "" {
			return badRequest("The attachment's 'name' is required.")
		}
		content, err := base64.StdEncoding.DecodeString(at.ContentBytes)
		if err != nil {
			return errorf(http.StatusBadRequest, "ErrorInvalidRequest", "The attachment '%s' has invalid base64 contentBytes.", at.Name)
		}
		msg.Attachments = append(msg.Attachments, Attachment{
			Name: at.Name, ContentType: at.ContentType, IsInline: at.IsInline, ContentID: at.ContentID,
			Size: len(content), Content: content,
		})
	}
	return nil
}

func recipients(in []wireRecipient) ([]Address, error) {
	var out []Address
	for _, r := range in {
		if r.EmailAddress == nil {
			return nil, errorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., A recipient has no emailAddress.")
		}
		addr, err := mail.ParseAddress(r.EmailAddress.Address)
		if err != nil || addr.Name != "" {
			return nil, errorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., Recipient '%s' is not resolved.", r.EmailAddress.Address)
		}
		out = append(out, Address{Name: r.EmailAddress.Name, Address: addr.Address})
	}
	return out, nil
}

// A multipart MIME message's parts: the first text/html and text/plain
// parts make the body (HTML preferred, as a mail client shows an
// alternative), and parts with a file name or an attachment disposition
// are attachments. Nesting and the number of parts are bounded.
type mimeParts struct {
	html, text  string
	attachments []Attachment
	n           int
}

const (
	maxMIMEDepth = 5
	maxMIMEParts = 100
)

func (p *mimeParts) read(body io.Reader, boundary string, depth int) error {
	if boundary == "" || depth >= maxMIMEDepth {
		return errors.New("a multipart body without a boundary, or nested too deep")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if p.n++; p.n > maxMIMEParts {
			return errors.New("too many parts")
		}
		mediaType, params, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if strings.HasPrefix(mediaType, "multipart/") {
			if err := p.read(part, params["boundary"], depth+1); err != nil {
				return err
			}
			continue
		}
		var r io.Reader = part
		switch strings.ToLower(part.Header.Get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, newlineStripper{part})
		case "quoted-printable":
			r = quotedprintable.NewReader(part)
		}
		data, err := io.ReadAll(io.LimitReader(r, maxBody))
		if err != nil {
			return err
		}
		disp, dparams, _ := mime.ParseMediaType(part.Header.Get("Content-Disposition"))
		name := cmp.Or(dparams["filename"], params["name"])
		switch {
		case disp == "attachment" || name != "":
			p.attachments = append(p.attachments, Attachment{Name: decodeHeader(cmp.Or(name, "attachment")), ContentType: mediaType,
				IsInline: disp == "inline", ContentID: strings.Trim(part.Header.Get("Content-Id"), "<>"), Size: len(data), Content: data})
		case mediaType == "text/html" && p.html == "":
			p.html = string(data)
		case (mediaType == "text/plain" || mediaType == "") && p.text == "":
			p.text = string(data)
		}
	}
}

// newlineStripper drops line breaks, which base64 bodies carry every 76
// characters.
type newlineStripper struct{ r io.Reader }

func (s newlineStripper) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	j := 0
	for _, c := range b[:n] {
		if c != '\r' && c != '\n' {
			b[j] = c
			j++
		}
	}
	if j == 0 && n > 0 && err == nil {
		return s.Read(b)
	}
	return j, err
}

// decodeHeader decodes RFC 2047 encoded words ("=?utf-8?q?...?=").
func decodeHeader(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// readMIME accepts sendMail's MIME form: a base64-encoded RFC 5322 message
// sent as text/plain.
func readMIME(c *call, msg *Mail) error {
	raw, err := c.readBody()
	if err != nil {
		return err
	}
	dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return errorf(http.StatusBadRequest, "ErrorMimeContentInvalidBase64String", "Invalid base64 string for MIME content.")
	}
	msg.MIME = string(dec)
	m, err := mail.ReadMessage(strings.NewReader(msg.MIME))
	if err != nil {
		return errorf(http.StatusBadRequest, "ErrorMimeContentInvalid", "The MIME content is not a valid message.")
	}
	msg.Subject = decodeHeader(m.Header.Get("Subject"))
	for name, vals := range m.Header {
		// Custom headers (x-...) are kept, as internetMessageHeaders are.
		if strings.HasPrefix(strings.ToLower(name), "x-") {
			for _, v := range vals {
				msg.Headers = append(msg.Headers, MailHeader{Name: name, Value: v})
			}
		}
	}
	slices.SortStableFunc(msg.Headers, func(a, b MailHeader) int { return strings.Compare(a.Name, b.Name) })
	mediaType, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if strings.HasPrefix(mediaType, "multipart/") {
		var parts mimeParts
		if err := parts.read(m.Body, params["boundary"], 0); err != nil {
			return errorf(http.StatusBadRequest, "ErrorMimeContentInvalid", "The MIME content is not a valid message: %v.", err)
		}
		msg.BodyType, msg.Body = "text", parts.text
		if parts.html != "" {
			msg.BodyType, msg.Body = "html", parts.html
		}
		msg.Attachments = parts.attachments
	} else {
		msg.BodyType = "text"
		if mediaType == "text/html" {
			msg.BodyType = "html"
		}
		var r io.Reader = m.Body
		cte := strings.ToLower(m.Header.Get("Content-Transfer-Encoding"))
		switch cte {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, newlineStripper{m.Body})
		case "quoted-printable":
			r = quotedprintable.NewReader(m.Body)
		}
		b, _ := io.ReadAll(io.LimitReader(r, maxBody))
		msg.Body = string(b)
		// A body sent as is is the MIME text after the headers: keep one
		// copy.
		if strings.HasSuffix(msg.MIME, msg.Body) {
			msg.Body = msg.MIME[len(msg.MIME)-len(msg.Body):]
		}
	}
	for _, h := range []struct {
		name string
		dst  *[]Address
	}{{"To", &msg.To}, {"Cc", &msg.Cc}, {"Bcc", &msg.Bcc}} {
		if v := m.Header.Get(h.name); v != "" {
			list, err := mail.ParseAddressList(v)
			if err != nil {
				return errorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., %s header cannot be parsed.", h.name)
			}
			for _, a := range list {
				*h.dst = append(*h.dst, Address{Name: a.Name, Address: a.Address})
			}
		}
	}
	if len(msg.To)+len(msg.Cc)+len(msg.Bcc) == 0 {
		return errorf(http.StatusBadRequest, "ErrorInvalidRecipients", "At least one recipient isn't valid., A message can't be sent because it contains no recipients.")
	}
	return nil
}
