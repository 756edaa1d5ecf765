package graph

import (
	"context"
	"iter"
	"strings"
)

// UsersService reads directory users.
type UsersService struct{ c *Client }

// Me returns the signed-in user. It needs a delegated token (User.Read);
// an app-only token gets 400 BadRequest.
//
// Docs: https://learn.microsoft.com/graph/api/user-get
func (s *UsersService) Me(ctx context.Context) (*User, *Response, error) {
	return getEntity[User](ctx, s.c, v1+"/me")
}

// Get returns a user by object id or user principal name.
//
// Docs: https://learn.microsoft.com/graph/api/user-get
func (s *UsersService) Get(ctx context.Context, idOrUPN string) (*User, *Response, error) {
	p, err := userPath(idOrUPN)
	if err != nil {
		return nil, nil, err
	}
	return getEntity[User](ctx, s.c, v1+p)
}

// userPath addresses a user. A '#' in a UPN is sent as %23 (or it would
// start a fragment), and a UPN that starts with '$' uses the key form
// /users('$x@y.com'), since a segment starting with '$' names a system
// resource such as $count.
func userPath(idOrUPN string) (string, error) {
	if strings.HasPrefix(idOrUPN, "$") {
		seg, err := pathSegment("user", strings.ReplaceAll(idOrUPN, "'", "''"))
		if err != nil {
			return "", err
		}
		return "/users('" + seg + "')", nil
	}
	seg, err := pathSegment("user", idOrUPN)
	if err != nil {
		return "", err
	}
	return "/users/" + seg, nil
}

// ListRequest builds the request [UsersService.List] sends. With q.Count it
// adds ConsistencyLevel: eventual, which directory objects require for
// $count (and which the next pages carry too).
func (s *UsersService) ListRequest(q Query) (*Request, error) {
	r, err := s.c.listRequest(v1+"/users", q)
	if err == nil && q.Count {
		r.Header.Set("ConsistencyLevel", "eventual")
	}
	return r, err
}

// List returns the first page of users.
//
// Docs: https://learn.microsoft.com/graph/api/user-list
func (s *UsersService) List(ctx context.Context, q Query) (*Page[User], *Response, error) {
	r, err := s.ListRequest(q)
	return listPage[User](ctx, s.c, r, err)
}

// All iterates over every user matching q, following nextLinks; limit > 0
// stops after that many.
func (s *UsersService) All(ctx context.Context, q Query, limit int) iter.Seq2[*User, error] {
	r, err := s.ListRequest(q)
	if err != nil {
		return errIter[User](err)
	}
	return iterate[User](ctx, s.c, r, limit)
}
