package graph

import (
	"bytes"
	"context"
	"fmt"
	"iter"
	"net/http"
)

// AlertsService is /security/alerts_v2 (Microsoft 365 Defender alerts).
// Every request carries Prefer: include-unknown-enum-members, so members
// added to evolvable enums arrive as themselves rather than as
// unknownFutureValue; the enum types keep any value they do not know.
type AlertsService struct{ c *Client }

const alertsPath = v1 + "/security/alerts_v2"

// ListRequest builds the request [AlertsService.List] sends, for display.
func (s *AlertsService) ListRequest(q Query) (*Request, error) {
	return s.c.listRequest(alertsPath, q, preferUnknownEnums)
}

// List returns the first page of alerts (most recent first unless q orders
// otherwise). Filterable: assignedTo, classification, determination,
// createdDateTime, lastUpdateDateTime, severity, serviceSource, status, and
// evidence through casts (see [EvidencePath]).
//
// Docs: https://learn.microsoft.com/graph/api/security-list-alerts_v2
func (s *AlertsService) List(ctx context.Context, q Query) (*Page[Alert], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[Alert](ctx, s.c, r, err)
}

// ListSummaries is [AlertsService.List] decoding only the members of
// [AlertSummary]. It sends the same request; Page.Next sends the same
// headers again.
func (s *AlertsService) ListSummaries(ctx context.Context, q Query) (*Page[AlertSummary], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[AlertSummary](ctx, s.c, r, err)
}

// ListFrom fetches the page a next link points to, a link kept from an
// earlier page of alerts (a console keeps it between two requests of a
// user, where [Page.Next] is gone). It sends the headers List sends, so
// every page of a list is read alike. The link must be on the client's
// origin and address the alerts collection ([ErrForeignHost] or
// [ErrInvalidArgument] otherwise): only its query is taken from it.
func (s *AlertsService) ListFrom(ctx context.Context, nextLink string) (*Page[Alert], *Response, error) {
	r, err := s.c.resumeRequest(alertsPath, nextLink, preferUnknownEnums)
	return listPage[Alert](ctx, s.c, r, err)
}

// ListSummariesFrom is [AlertsService.ListFrom] decoding only the members
// of [AlertSummary].
func (s *AlertsService) ListSummariesFrom(ctx context.Context, nextLink string) (*Page[AlertSummary], *Response, error) {
	r, err := s.c.resumeRequest(alertsPath, nextLink, preferUnknownEnums)
	return listPage[AlertSummary](ctx, s.c, r, err)
}

// All iterates over every alert matching q, following nextLinks; limit > 0
// stops after that many. For a feed that must not miss or repeat alerts,
// use [AlertsService.NewCursor] instead.
func (s *AlertsService) All(ctx context.Context, q Query, limit int) iter.Seq2[*Alert, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[Alert](err)
	}
	return iterate[Alert](ctx, s.c, r, limit)
}

// Get returns one alert.
//
// Docs: https://learn.microsoft.com/graph/api/security-alert-get
func (s *AlertsService) Get(ctx context.Context, id string) (*Alert, *Response, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[Alert](ctx, s.c, alertsPath+"/"+seg, preferUnknownEnums)
}

// GetRaw is [AlertsService.Get] that also returns Graph's JSON exactly as
// it came: the typed Alert drops members this package does not model, and
// a console's raw view is where an analyst looks for them.
func (s *AlertsService) GetRaw(ctx context.Context, id string) (*Alert, []byte, *Response, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := s.c.newRequest(http.MethodGet, alertsPath+"/"+seg, "", nil, preferUnknownEnums)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, body, err := s.c.send(ctx, r)
	if err != nil {
		return nil, nil, resp, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, resp, &DecodeError{Method: r.Method, URL: resp.URL, RequestID: resp.RequestID, Err: errEmptyBody}
	}
	a := new(Alert)
	if err := s.c.decode(body, a); err != nil {
		return nil, nil, resp, &DecodeError{Method: r.Method, URL: resp.URL, RequestID: resp.RequestID, Snippet: snippet(body, 120), Err: err}
	}
	return a, body, resp, nil
}

// Update changes status, classification, determination or assignment; the
// service answers 200 with the whole updated alert.
//
// Docs: https://learn.microsoft.com/graph/api/security-alert-update
func (s *AlertsService) Update(ctx context.Context, id string, u AlertUpdate) (*Alert, *Response, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return nil, nil, err
	}
	if u == (AlertUpdate{}) {
		return nil, nil, fmt.Errorf("%w: alert update sets no field", ErrInvalidArgument)
	}
	r, err := s.c.newRequest(http.MethodPatch, alertsPath+"/"+seg, "", u, preferUnknownEnums)
	if err != nil {
		return nil, nil, err
	}
	return sendEntity[Alert](ctx, s.c, r)
}

// AddComment appends a comment and returns the alert's whole comment list,
// as the service does.
//
// Docs: https://learn.microsoft.com/graph/api/security-alert-post-comments
func (s *AlertsService) AddComment(ctx context.Context, id, comment string) ([]AlertComment, *Response, error) {
	seg, err := pathSegment("alert id", id)
	if err != nil {
		return nil, nil, err
	}
	return s.c.postComment(ctx, alertsPath+"/"+seg+"/comments", comment)
}

// maxCommentLen bounds a comment this client sends.
const maxCommentLen = 32 << 10

func (c *Client) postComment(ctx context.Context, path, comment string) ([]AlertComment, *Response, error) {
	if comment == "" || len(comment) > maxCommentLen {
		return nil, nil, fmt.Errorf("%w: a comment must have 1 to %d bytes", ErrInvalidArgument, maxCommentLen)
	}
	body := commentBody{ODataType: "microsoft.graph.security.alertComment", Comment: comment}
	r, err := c.newRequest(http.MethodPost, path, "", body, preferUnknownEnums)
	if err != nil {
		return nil, nil, err
	}
	var out struct {
		Value []AlertComment `json:"value"`
	}
	resp, err := c.callEntity(ctx, r, &out)
	if err != nil {
		return nil, resp, err
	}
	return out.Value, resp, nil
}
