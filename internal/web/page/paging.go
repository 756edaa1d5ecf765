package page

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
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
	// first (200: eight lists of 25 pages).
	PerSession int
	// Max is how many tokens are kept in all (20,000: a few MB).
	Max int
}

func (o TokenOptions) withDefaults() TokenOptions {
	if o.TTL <= 0 {
		o.TTL = 30 * time.Minute
	}
	if o.PerSession <= 0 {
		o.PerSession = 200
	}
	if o.Max <= 0 {
		o.Max = 20000
	}
	return o
}

// Tokens keeps values behind opaque random tokens, per session and scope,
// bounded and expiring: the next links behind page tokens (PageTokens),
// and the result of a change shown once after a redirect (flashes). It is
// safe for concurrent use. Tokens live in memory: after a restart (or on
// another replica) a token no longer resolves.
type Tokens[V any] struct {
	clock clock.Clock
	opt   TokenOptions

	mu      sync.Mutex
	entries map[string]tokenEntry[V]
	// order lists tokens as issued (and so as they expire); it may still
	// hold tokens already dropped. bySession does the same per session.
	order     []string
	bySession map[string][]string
}

// PageTokens keeps the next links behind the page tokens graphsec handed
// out.
type PageTokens = Tokens[PageRef]

type tokenEntry[V any] struct {
	session, scope string
	v              V
	at             time.Time
}

// A token is 128 random bits, 22 characters of unpadded base64url.
const (
	tokenBytes = 16
	tokenLen   = (tokenBytes*8 + 5) / 6
)

// NewPageTokens returns an empty keeper of page tokens on clk.
func NewPageTokens(clk clock.Clock, o TokenOptions) *PageTokens { return NewTokens[PageRef](clk, o) }

// NewTokens returns an empty keeper on clk.
func NewTokens[V any](clk clock.Clock, o TokenOptions) *Tokens[V] {
	if clk == nil {
		clk = clock.System{}
	}
	return &Tokens[V]{clock: clk, opt: o.withDefaults(), entries: map[string]tokenEntry[V]{}, bySession: map[string][]string{}}
}

// Issue keeps v for session and scope (the list and its filters) and
// returns its token.
func (t *Tokens[V]) Issue(session, scope string, v V) string {
	var b [tokenBytes]byte
	_, _ = rand.Read(b[:])
	tok := base64.RawURLEncoding.EncodeToString(b[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.clock.Now()
	t.prune(now)
	t.entries[tok] = tokenEntry[V]{session: session, scope: scope, v: v, at: now}
	t.order = append(t.order, tok)
	t.bySession[session] = append(t.bySession[session], tok)
	if s := t.bySession[session]; len(s) > t.opt.PerSession {
		t.drop(s[0])
	}
	for len(t.entries) > t.opt.Max {
		t.drop(t.order[0])
		t.order = t.order[1:]
	}
	return tok
}

// Resolve returns what token stands for, when it was issued to session for
// scope and has not expired.
func (t *Tokens[V]) Resolve(session, scope, token string) (V, bool) {
	return t.resolve(session, scope, token, false)
}

// Take is Resolve that forgets the token: it resolves once.
func (t *Tokens[V]) Take(session, scope, token string) (V, bool) {
	return t.resolve(session, scope, token, true)
}

func (t *Tokens[V]) resolve(session, scope, token string, take bool) (V, bool) {
	var zero V
	if !wellFormed(token) {
		return zero, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.entries[token]
	if !ok || e.session != session || e.scope != scope {
		return zero, false
	}
	if t.clock.Now().Sub(e.at) >= t.opt.TTL {
		t.drop(token)
		return zero, false
	}
	if take {
		t.drop(token)
	}
	return e.v, true
}

// Len is how many tokens are kept.
func (t *Tokens[V]) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}

// prune drops the expired tokens, oldest first.
func (t *Tokens[V]) prune(now time.Time) {
	for len(t.order) > 0 {
		e, ok := t.entries[t.order[0]]
		if ok && now.Sub(e.at) < t.opt.TTL {
			return
		}
		if ok {
			t.drop(t.order[0])
		}
		t.order = t.order[1:]
	}
}

// drop forgets a token (its place in order is skipped later).
func (t *Tokens[V]) drop(tok string) {
	e, ok := t.entries[tok]
	if !ok {
		return
	}
	delete(t.entries, tok)
	s := t.bySession[e.session]
	for i, x := range s {
		if x == tok {
			s = append(s[:i:i], s[i+1:]...)
			break
		}
	}
	if len(s) == 0 {
		delete(t.bySession, e.session)
	} else {
		t.bySession[e.session] = s
	}
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
		if ref, ok := p.k.o.Tokens.Resolve(p.Session.Key(), pg.scope, tok); ok {
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
	return pg.p.k.o.Tokens.Issue(pg.p.Session.Key(), pg.scope, PageRef{
		Link: nextLink, Number: pg.Ref.Number + 1, Offset: pg.Ref.Offset + shown, Count: count, Prev: pg.Token,
	})
}
