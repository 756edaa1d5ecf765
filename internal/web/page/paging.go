package page

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// Paged lists never put Graph's next link in a URL: a link is a Graph
// query, and a crafted one would make a reader's session send any $filter
// (or anything else) to Graph. The browser gets a page token instead, an
// opaque random name for a next link kept here, on the server, for the
// session that was shown the page and for the list and filters it was
// shown with. A token graphsec did not issue, one issued to another
// session or for other filters, or one that has expired, resolves to
// nothing: the page then shows the first page with a notice, and Graph
// never sees anything from the browser but the filters graphsec checked.
//
// A token also remembers the page's number, the rows before it, the
// list's total and the previous page's token, so that a list can offer
// "previous" and "26–50 of 400".

// PageRef is what a page token stands for.
type PageRef struct {
	// Link is Graph's next link, on the server only.
	Link string
	// Number is the page's number (2 for the page after the first).
	Number int
	// Offset is how many rows the pages before it showed.
	Offset int
	// Count is the list's total as its first page reported it (nil when
	// Graph did not count).
	Count *int64
	// Prev is the previous page's token ("" when that is the first page).
	Prev string
}

// TokenOptions bound the page tokens kept. Zero fields take the defaults.
type TokenOptions struct {
	// TTL is how long a token resolves after it was issued (30 minutes: a
	// list left open over lunch starts again at its first page).
	TTL time.Duration
	// PerSession is how many tokens one session keeps; its oldest go
	// first (200: eight lists of 25 pages). The database holds at most
	// this many per signed-in session, and expired ones are swept with
	// expired sessions.
	PerSession int
}

func (o TokenOptions) withDefaults() TokenOptions {
	if o.TTL <= 0 {
		o.TTL = 30 * time.Minute
	}
	if o.PerSession <= 0 {
		o.PerSession = 200
	}
	return o
}

// Tokens keeps values behind opaque random tokens, per session and scope,
// bounded and expiring: the next links behind page tokens (PageTokens),
// and the result of a change shown once after a redirect (flashes). They
// live in the store (store.Tokens), so that a token issued by one console
// replica resolves on any other: a load balancer need not send a user's
// requests to the same replica. The store sees a value's JSON and a hash
// of the token, its session and its scope, never the token itself.
type Tokens[V any] struct {
	st    store.Tokens
	kind  string
	clock clock.Clock
	opt   TokenOptions
}

// PageTokens keeps the next links behind the page tokens graphsec handed
// out.
type PageTokens = Tokens[PageRef]

// A token is 128 random bits, 22 characters of unpadded base64url.
const (
	tokenBytes = 16
	tokenLen   = (tokenBytes*8 + 5) / 6
)

// NewPageTokens returns a keeper of page tokens in st, on clk.
func NewPageTokens(st store.Tokens, clk clock.Clock, o TokenOptions) *PageTokens {
	return NewTokens[PageRef](st, "page", clk, o)
}

// NewTokens returns a keeper of tokens of kind (which bounds per session
// count apart) in st, on clk. V must survive a JSON round trip.
func NewTokens[V any](st store.Tokens, kind string, clk clock.Clock, o TokenOptions) *Tokens[V] {
	if clk == nil {
		clk = clock.System{}
	}
	return &Tokens[V]{st: st, kind: kind, clock: clk, opt: o.withDefaults()}
}

// id is the store's name for a token issued to session for scope.
func (t *Tokens[V]) id(session, scope, token string) string {
	h := sha256.Sum256([]byte("graphsec token\x00" + t.kind + "\x00" + session + "\x00" + scope + "\x00" + token))
	return hex.EncodeToString(h[:])
}

// Issue keeps v for session and scope (the list and its filters) and
// returns its token.
func (t *Tokens[V]) Issue(ctx context.Context, session, scope string, v V) (string, error) {
	if t.st == nil {
		return "", errors.New("page: no store for tokens")
	}
	val, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("page: token value: %w", err)
	}
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	now := t.clock.Now()
	err = t.st.PutToken(ctx, store.Token{ID: t.id(session, scope, tok), Kind: t.kind, Session: session, Value: val,
		CreatedAt: now, ExpiresAt: now.Add(t.opt.TTL)}, t.opt.PerSession)
	if err != nil {
		return "", err
	}
	return tok, nil
}

// Resolve returns what token stands for, when it was issued to session for
// scope and has not expired. err is set when the store could not answer
// (not for a token that does not resolve).
func (t *Tokens[V]) Resolve(ctx context.Context, session, scope, token string) (V, bool, error) {
	return t.resolve(ctx, session, scope, token, false)
}

// Take is Resolve that forgets the token: it resolves once.
func (t *Tokens[V]) Take(ctx context.Context, session, scope, token string) (V, bool, error) {
	return t.resolve(ctx, session, scope, token, true)
}

func (t *Tokens[V]) resolve(ctx context.Context, session, scope, token string, take bool) (V, bool, error) {
	var zero V
	if !wellFormed(token) || t.st == nil {
		return zero, false, nil
	}
	get := t.st.Token
	if take {
		get = t.st.TakeToken
	}
	rec, err := get(ctx, t.id(session, scope, token), t.clock.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		return zero, false, nil
	case err != nil:
		return zero, false, err
	case rec.Kind != t.kind || rec.Session != session:
		return zero, false, nil
	}
	var v V
	if err := json.Unmarshal(rec.Value, &v); err != nil {
		return zero, false, fmt.Errorf("page: token value: %w", err)
	}
	return v, true, nil
}

// wellFormed reports whether s could be a token at all, so that anything
// else is refused without a lookup.
func wellFormed(s string) bool {
	if len(s) != tokenLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Pager reads and writes the page links of one view of a paged list: the
// list's path and its filters, which together scope its tokens (a token
// made for other filters does not resolve).
type Pager struct {
	p     *Page
	path  string
	base  url.Values
	scope string
	// Ref is the page to show: the one the request's token named, or the
	// first (Number 1, no Link).
	Ref PageRef
	// Token is the request's token ("" on the first page).
	Token string
	// Stale is set when the request named a page graphsec does not know
	// for this session and these filters: this is the first page instead.
	Stale bool
}

// Pager reads the "page" parameter of the list at path with filters. On a
// public page (no session) every token is stale.
func (p *Page) Pager(path string, filters url.Values) *Pager {
	return p.PagerAt(path, filters, p.R.URL.Query().Get("page"))
}

// PagerAt is Pager for a token the page was given otherwise (the queue's
// page an alert's page was opened from).
func (p *Page) PagerAt(path string, filters url.Values, tok string) *Pager {
	pg := &Pager{p: p, path: path, base: filters, scope: path + "?" + filters.Encode(), Ref: PageRef{Number: 1}}
	if tok == "" {
		return pg
	}
	if p.Session != nil {
		ref, ok, err := p.k.o.Tokens.Resolve(p.R.Context(), p.Session.Key(), pg.scope, tok)
		if err != nil {
			p.k.log.Warn("page token not read", "request_id", p.requestID, "err", err)
		}
		if ok {
			pg.Ref, pg.Token = ref, tok
			return pg
		}
	}
	pg.Stale = true
	return pg
}

// Values are the list's filters with this page's token: the query that
// shows this page again.
func (pg *Pager) Values() url.Values { return pg.values(pg.Token) }

// NextValues keeps Graph's next link as Next does and returns the query
// of the page after this one (nil when there is none).
func (pg *Pager) NextValues(nextLink string, shown int, count *int64) url.Values {
	tok := pg.issue(nextLink, shown, count)
	if tok == "" {
		return nil
	}
	return pg.values(tok)
}

// PrevValues is the query of the page before this one (nil on the first).
func (pg *Pager) PrevValues() url.Values {
	if pg.Ref.Number <= 1 {
		return nil
	}
	return pg.values(pg.Ref.Prev)
}

// values is the list's filters and, unless empty, a token.
func (pg *Pager) values(token string) url.Values {
	v := url.Values{}
	for k, x := range pg.base {
		v[k] = slices.Clone(x)
	}
	if token != "" {
		v.Set("page", token)
	}
	return v
}

// link is the list's URL with its filters and, unless empty, a token.
func (pg *Pager) link(token string) string {
	return (&url.URL{Path: pg.path, RawQuery: pg.values(token).Encode()}).String()
}

// First links the first page.
func (pg *Pager) First() string { return pg.link("") }

// Prev links the previous page ("" on the first page).
func (pg *Pager) Prev() string {
	if pg.Ref.Number <= 1 {
		return ""
	}
	return pg.link(pg.Ref.Prev)
}

// Next keeps Graph's next link for the page after this one, which shows
// shown rows (count is the list's total, nil when unknown), and links it
// by a new token; "" when there is no next link.
func (pg *Pager) Next(nextLink string, shown int, count *int64) string {
	tok := pg.issue(nextLink, shown, count)
	if tok == "" {
		return ""
	}
	return pg.link(tok)
}

func (pg *Pager) issue(nextLink string, shown int, count *int64) string {
	if nextLink == "" || pg.p.Session == nil {
		return ""
	}
	tok, err := pg.p.k.o.Tokens.Issue(pg.p.R.Context(), pg.p.Session.Key(), pg.scope, PageRef{
		Link: nextLink, Number: pg.Ref.Number + 1, Offset: pg.Ref.Offset + shown, Count: count, Prev: pg.Token,
	})
	if err != nil {
		// The page shows without a link to the next one rather than fail.
		pg.p.k.log.Warn("page token not kept: no link to the next page", "request_id", pg.p.requestID, "err", err)
		return ""
	}
	return tok
}
