package graph

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
)

// Page is one page of a collection. NextLink, when not empty, is the
// service's absolute URL for the next page, followed as is by [Page.Next].
type Page[T any] struct {
	Context  string `json:"@odata.context,omitzero"`
	Count    *int64 `json:"@odata.count,omitzero"` // only with $count=true, usually on the first page
	NextLink string `json:"@odata.nextLink,omitzero"`
	Value    []T    `json:"value"`

	c      *Client
	header http.Header
	seen   map[[32]byte]struct{}
}

// ErrNoNextPage is returned by [Page.Next] on the last page.
var ErrNoNextPage = errors.New("graph: no next page")

// maxPagesTracked bounds the memory spent on loop detection; a walk longer
// than this many pages is stopped with an error rather than tracked forever.
const maxPagesTracked = 1 << 20

// HasNext reports whether the service announced another page.
func (p *Page[T]) HasNext() bool { return p.NextLink != "" }

// Next fetches the page NextLink points to. The link must be on the
// client's own scheme and host (ErrForeignHost otherwise: a token is never
// sent elsewhere) and must not repeat a URL already fetched in this walk
// (ErrNextLinkLoop). The request headers of the first page (Prefer, for
// instance) are sent again.
func (p *Page[T]) Next(ctx context.Context) (*Page[T], *Response, error) {
	if p.NextLink == "" {
		return nil, nil, ErrNoNextPage
	}
	if p.c == nil {
		return nil, nil, errors.New("graph: page was not produced by a client")
	}
	r, err := p.c.nextRequest(p.NextLink, p.header)
	if err != nil {
		return nil, nil, err
	}
	return getPage[T](ctx, p.c, r, p.seen)
}

func (c *Client) nextRequest(link string, header http.Header) (*Request, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("graph: @odata.nextLink %q is not an absolute URL", snippet([]byte(link), 200))
	}
	if !c.sameOrigin(u) {
		return nil, fmt.Errorf("%w: @odata.nextLink points to %s://%s", ErrForeignHost, u.Scheme, u.Host)
	}
	return &Request{Method: http.MethodGet, URL: link, Header: header.Clone()}, nil
}

// resumeRequest builds the GET of a next link kept from an earlier page of
// the collection at path, with the headers a first page of that collection
// carries (prefer). The link must be on the client's origin and address
// that very collection: the request is rebuilt from the base URL, the
// collection's path and the link's query, so nothing else of the link is
// sent anywhere.
func (c *Client) resumeRequest(path, link string, prefer ...string) (*Request, error) {
	u, err := url.Parse(link)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || u.Fragment != "" {
		return nil, fmt.Errorf("%w: next link %q is not an absolute URL", ErrInvalidArgument, snippet([]byte(link), 200))
	}
	if !c.sameOrigin(u) {
		return nil, fmt.Errorf("%w: next link points to %s://%s", ErrForeignHost, u.Scheme, u.Host)
	}
	if u.EscapedPath() != c.base.EscapedPath()+path {
		return nil, fmt.Errorf("%w: next link %s is not a page of %s", ErrInvalidArgument, stripQuery(link), path)
	}
	return c.newRequest(http.MethodGet, path, u.RawQuery, nil, prefer...)
}

// getPage fetches one page. seen carries the URLs already fetched in this
// walk (nil starts a new walk).
func getPage[T any](ctx context.Context, c *Client, r *Request, seen map[[32]byte]struct{}) (*Page[T], *Response, error) {
	if seen == nil {
		seen = make(map[[32]byte]struct{})
	}
	key := sha256.Sum256([]byte(r.URL))
	if _, dup := seen[key]; dup {
		return nil, nil, fmt.Errorf("%w: %s was already fetched", ErrNextLinkLoop, stripQuery(r.URL))
	}
	if len(seen) >= maxPagesTracked {
		return nil, nil, fmt.Errorf("%w: more than %d pages", ErrNextLinkLoop, maxPagesTracked)
	}
	seen[key] = struct{}{}
	p := &Page[T]{}
	resp, err := c.callEntity(ctx, r, p)
	if err != nil {
		return nil, resp, err
	}
	p.c, p.header, p.seen = c, r.Header, seen
	return p, resp, nil
}

// iterate walks the pages starting at r and yields each item; limit > 0
// stops after that many items. An error ends the walk after being yielded.
func iterate[T any](ctx context.Context, c *Client, r *Request, limit int) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		n := 0
		p, _, err := getPage[T](ctx, c, r, nil)
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range p.Value {
				if !yield(&p.Value[i], nil) {
					return
				}
				n++
				if limit > 0 && n >= limit {
					return
				}
			}
			if p.NextLink == "" {
				return
			}
			p, _, err = p.Next(ctx)
		}
	}
}

// errIter is an iterator that yields only err, for a query that failed
// validation before anything was sent.
func errIter[T any](err error) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) { yield(nil, err) }
}
