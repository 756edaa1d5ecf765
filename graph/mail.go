package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
)

// MailService sends mail as a user.
type MailService struct{ c *Client }

// MaxAttachmentBytes bounds the attachments of one message (before base64).
// Graph takes inline attachments only up to about 3 MB; larger files need
// an upload session, which this client does not implement.
const MaxAttachmentBytes = 3 << 20

// MaxMIMEBytes bounds a MIME message sent with [MailService.SendMIME]:
// Graph refuses requests over 4 MB, and the message travels base64-encoded
// (4 bytes for every 3).
const MaxMIMEBytes = 3 << 20

// SendMIME sends a whole MIME message (RFC 5322: headers, then a body that
// may be multipart, e.g. an HTML part with its plain-text alternative and
// attachments) from the signed-in user (user == "") or from a user by id
// or UPN. Graph takes the recipients and subject from the message's
// headers and sets its sender; the body travels base64-encoded as
// text/plain, as the API requires. The service answers 202.
//
// Docs: https://learn.microsoft.com/graph/api/user-sendmail (Example 4,
// "Send a message in MIME format")
func (s *MailService) SendMIME(ctx context.Context, user string, mime []byte) (*Response, error) {
	path := v1 + "/me/sendMail"
	if user != "" {
		p, err := userPath(user)
		if err != nil {
			return nil, err
		}
		path = v1 + p + "/sendMail"
	}
	switch {
	case len(mime) == 0:
		return nil, fmt.Errorf("%w: an empty MIME message", ErrInvalidArgument)
	case len(mime) > MaxMIMEBytes:
		return nil, fmt.Errorf("%w: the MIME message has %d bytes; the limit is %d", ErrInvalidArgument, len(mime), MaxMIMEBytes)
	}
	r, err := s.c.newRequest(http.MethodPost, path, "", nil)
	if err != nil {
		return nil, err
	}
	r.Body = []byte(base64.StdEncoding.EncodeToString(mime))
	r.Header.Set("Content-Type", "text/plain")
	return s.c.Do(ctx, r, nil)
}

// Send sends m from the signed-in user (user == "", POST /me/sendMail) or
// from a user by id or UPN (POST /users/{user}/sendMail, the form app-only
// tokens must use). The service answers 202: queued, not yet delivered.
//
// Docs: https://learn.microsoft.com/graph/api/user-sendmail
func (s *MailService) Send(ctx context.Context, user string, m SendMail) (*Response, error) {
	path := v1 + "/me/sendMail"
	if user != "" {
		p, err := userPath(user)
		if err != nil {
			return nil, err
		}
		path = v1 + p + "/sendMail"
	}
	msg := m.Message
	if len(msg.ToRecipients)+len(msg.CcRecipients)+len(msg.BccRecipients) == 0 {
		return nil, fmt.Errorf("%w: a message needs at least one recipient", ErrInvalidArgument)
	}
	for _, list := range [][]Recipient{msg.ToRecipients, msg.CcRecipients, msg.BccRecipients} {
		for _, r := range list {
			if r.EmailAddress.Address == "" {
				return nil, fmt.Errorf("%w: a recipient has no address", ErrInvalidArgument)
			}
		}
	}
	total := 0
	if len(msg.Attachments) > 0 {
		atts := make([]FileAttachment, len(msg.Attachments))
		for i, a := range msg.Attachments {
			if a.Name == "" {
				return nil, fmt.Errorf("%w: attachment %d has no name", ErrInvalidArgument, i+1)
			}
			if a.ODataType == "" {
				a.ODataType = "#microsoft.graph.fileAttachment"
			}
			if a.ContentBytes == nil {
				a.ContentBytes = []byte{}
			}
			total += len(a.ContentBytes)
			atts[i] = a
		}
		if total > MaxAttachmentBytes {
			return nil, fmt.Errorf("%w: attachments total %d bytes; the limit is %d", ErrInvalidArgument, total, MaxAttachmentBytes)
		}
		msg.Attachments = atts
	}
	m.Message = msg
	r, err := s.c.newRequest(http.MethodPost, path, "", m)
	if err != nil {
		return nil, err
	}
	return s.c.Do(ctx, r, nil)
}
