package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"strings"
)

// The message is sent as MIME (Graph's sendMail takes a whole RFC 5322
// message), because its JSON form holds one body only: MIME carries the
// HTML body with its plain-text alternative (multipart/alternative, the
// text first, as RFC 2046 orders them), and the JSON attachment beside
// them (multipart/mixed). Plain text alone is one text/plain part.
// Graph sets the sender and the date.

// outgoing is a message to write as MIME.
type outgoing struct {
	To                  []string
	Subject             string
	HTML, Text          string
	PlainOnly           bool
	Ref                 string
	AttachName          string
	AttachType          string
	Attachment          []byte
	mixedB, altBoundary string // fixed boundaries (tests); random when empty
}

// buildMIME writes o as a MIME message. Every header value is either
// checked text (the subject was refused if it held control characters),
// encoded (RFC 2047 for the subject, quoted parameters for the file name),
// or an address net/mail parsed.
func buildMIME(o outgoing) ([]byte, error) {
	var b bytes.Buffer
	to := make([]string, len(o.To))
	for i, a := range o.To {
		to[i] = (&netmail.Address{Address: a}).String()
	}
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("MIME-Version", "1.0")
	header("To", strings.Join(to, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", o.Subject))
	header(refHeader, o.Ref)

	body := func(w *multipart.Writer, contentType, text string) error {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", contentType+"; charset=utf-8")
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		pw, err := w.CreatePart(h)
		if err != nil {
			return err
		}
		qp := quotedprintable.NewWriter(pw)
		if _, err := qp.Write([]byte(text)); err != nil {
			return err
		}
		return qp.Close()
	}
	alternative := func(w *multipart.Writer) error {
		if err := body(w, "text/plain", o.Text); err != nil {
			return err
		}
		if err := body(w, "text/html", o.HTML); err != nil {
			return err
		}
		return w.Close()
	}

	if o.Attachment == nil && o.PlainOnly {
		header("Content-Type", "text/plain; charset=utf-8")
		header("Content-Transfer-Encoding", "quoted-printable")
		b.WriteString("\r\n")
		qp := quotedprintable.NewWriter(&b)
		if _, err := qp.Write([]byte(o.Text)); err != nil {
			return nil, err
		}
		if err := qp.Close(); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	if o.Attachment == nil {
		w := multipart.NewWriter(&b)
		if o.altBoundary != "" {
			_ = w.SetBoundary(o.altBoundary)
		}
		header("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": w.Boundary()}))
		b.WriteString("\r\n")
		if err := alternative(w); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}

	// multipart/mixed: the body (alternative, or plain text), then the
	// attachment.
	mixed := multipart.NewWriter(&b)
	if o.mixedB != "" {
		_ = mixed.SetBoundary(o.mixedB)
	}
	header("Content-Type", mime.FormatMediaType("multipart/mixed", map[string]string{"boundary": mixed.Boundary()}))
	b.WriteString("\r\n")
	if o.PlainOnly {
		if err := body(mixed, "text/plain", o.Text); err != nil {
			return nil, err
		}
	} else {
		var inner bytes.Buffer
		alt := multipart.NewWriter(&inner)
		if o.altBoundary != "" {
			_ = alt.SetBoundary(o.altBoundary)
		}
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": alt.Boundary()}))
		pw, err := mixed.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if err := alternative(alt); err != nil {
			return nil, err
		}
		if _, err := pw.Write(inner.Bytes()); err != nil {
			return nil, err
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Type", mime.FormatMediaType(o.AttachType, map[string]string{"name": o.AttachName}))
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": o.AttachName}))
	h.Set("Content-Transfer-Encoding", "base64")
	pw, err := mixed.CreatePart(h)
	if err != nil {
		return nil, err
	}
	enc := base64.StdEncoding.EncodeToString(o.Attachment)
	for len(enc) > 76 {
		if _, err := pw.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return nil, err
		}
		enc = enc[76:]
	}
	if _, err := pw.Write([]byte(enc + "\r\n")); err != nil {
		return nil, err
	}
	// Close before reading b: it writes the closing boundary.
	if err := mixed.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
