package graph

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"unicode/utf8"
)

// SecurityActionsService is the beta /security/securityActions API. It
// accepts application tokens only (SecurityActions.Read.All /
// SecurityActions.ReadWrite.All).
type SecurityActionsService struct{ c *Client }

const securityActionsPath = beta + "/security/securityActions"

// maxClientContext is the service's limit on clientContext.
const maxClientContext = 256

// Create asks a provider to act; the service answers 201 with the action,
// its status NotStarted.
//
// Docs: https://learn.microsoft.com/graph/api/securityactions-post?view=graph-rest-beta
func (s *SecurityActionsService) Create(ctx context.Context, a NewSecurityAction) (*SecurityAction, *Response, error) {
	if a.Name == "" {
		return nil, nil, fmt.Errorf("%w: a security action needs a name", ErrInvalidArgument)
	}
	if len(a.Parameters) == 0 {
		return nil, nil, fmt.Errorf("%w: a security action needs parameters", ErrInvalidArgument)
	}
	if utf8.RuneCountInString(a.ClientContext) > maxClientContext {
		return nil, nil, fmt.Errorf("%w: clientContext is limited to %d characters", ErrInvalidArgument, maxClientContext)
	}
	if a.VendorInformation.Provider == "" || a.VendorInformation.Vendor == "" {
		return nil, nil, fmt.Errorf("%w: vendorInformation.provider and .vendor are required", ErrInvalidArgument)
	}
	r, err := s.c.newRequest(http.MethodPost, securityActionsPath, "", a)
	if err != nil {
		return nil, nil, err
	}
	return sendEntity[SecurityAction](ctx, s.c, r)
}

// ListRequest builds the request [SecurityActionsService.List] sends.
func (s *SecurityActionsService) ListRequest(q Query) (*Request, error) {
	return s.c.listRequest(securityActionsPath, q)
}

// List returns the first page of security actions.
//
// Docs: https://learn.microsoft.com/graph/api/securityactions-list?view=graph-rest-beta
func (s *SecurityActionsService) List(ctx context.Context, q Query) (*Page[SecurityAction], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[SecurityAction](ctx, s.c, r, err)
}

// All iterates over the security actions; limit > 0 stops after that many.
func (s *SecurityActionsService) All(ctx context.Context, q Query, limit int) iter.Seq2[*SecurityAction, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[SecurityAction](err)
	}
	return iterate[SecurityAction](ctx, s.c, r, limit)
}

// Get returns one security action.
//
// Docs: https://learn.microsoft.com/graph/api/securityaction-get?view=graph-rest-beta
func (s *SecurityActionsService) Get(ctx context.Context, id string) (*SecurityAction, *Response, error) {
	seg, err := pathSegment("security action id", id)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[SecurityAction](ctx, s.c, securityActionsPath+"/"+seg)
}

// Cancel cancels an action (POST .../cancelSecurityAction, no body); the
// service answers 200 with an empty body.
//
// Docs: https://learn.microsoft.com/graph/api/securityaction-cancelsecurityaction?view=graph-rest-beta
func (s *SecurityActionsService) Cancel(ctx context.Context, id string) (*Response, error) {
	seg, err := pathSegment("security action id", id)
	if err != nil {
		return nil, err
	}
	r, err := s.c.newRequest(http.MethodPost, securityActionsPath+"/"+seg+"/cancelSecurityAction", "", nil)
	if err != nil {
		return nil, err
	}
	return s.c.Do(ctx, r, nil)
}
