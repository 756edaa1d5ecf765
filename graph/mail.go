package graph

import (
	"context"
	"fmt"
	"net/http"
)

// MailService sends mail as a user.
type MailService struct{ c *Client }

// MaxAttachmentBytes bounds the attachments of one message (before base64).
// Graph takes inline attachments only up to about 3 MB; larger files need
// an upload session, which this client does not implement.
const MaxAttachmentBytes = 3 << 20

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
