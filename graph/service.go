package graph

import (
	"bytes"
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

// getRaw is getEntity that also returns the entity's JSON exactly as it
// came (for a raw view: the typed value drops members this package does
// not model).
func getRaw[T any](ctx context.Context, c *Client, path string, prefer ...string) (*T, []byte, *Response, error) {
	r, err := c.newRequest(http.MethodGet, path, "", nil, prefer...)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, body, err := c.send(ctx, r)
	if err != nil {
		return nil, nil, resp, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, resp, &DecodeError{Method: r.Method, URL: resp.URL, RequestID: resp.RequestID, Err: errEmptyBody}
	}
	v := new(T)
	if err := c.decode(body, v); err != nil {
		return nil, nil, resp, &DecodeError{Method: r.Method, URL: resp.URL, RequestID: resp.RequestID, Snippet: snippet(body, 120), Err: err}
	}
	return v, body, resp, nil
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
