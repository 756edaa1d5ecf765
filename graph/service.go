package graph

import (
	"context"
	"net/http"
)

// Prefer values.
const (
	preferUnknownEnums   = "include-unknown-enum-members"
	preferRepresentation = "return=representation"
)

// getEntity fetches one entity.
func getEntity[T any](ctx context.Context, c *Client, path string, prefer ...string) (*T, *Response, error) {
	r, err := c.newRequest(http.MethodGet, path, "", nil, prefer...)
	if err != nil {
		return nil, nil, err
	}
	return sendEntity[T](ctx, c, r)
}

// sendEntity sends r and decodes the entity in its answer.
func sendEntity[T any](ctx context.Context, c *Client, r *Request) (*T, *Response, error) {
	v := new(T)
	resp, err := c.callEntity(ctx, r, v)
	if err != nil {
		return nil, resp, err
	}
	return v, resp, nil
}

// listRequest builds the GET of a collection.
func (c *Client) listRequest(path string, q Query, prefer ...string) (*Request, error) {
	qs, err := q.Encode()
	if err != nil {
		return nil, err
	}
	return c.newRequest(http.MethodGet, path, qs, nil, prefer...)
}

// listPage fetches the first page of a collection.
func listPage[T any](ctx context.Context, c *Client, r *Request, err error) (*Page[T], *Response, error) {
	if err != nil {
		return nil, nil, err
	}
	return getPage[T](ctx, c, r, nil)
}
