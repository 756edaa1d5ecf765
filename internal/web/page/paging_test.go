package page

import (
	"context"
	"encoding/base64"
	"net/url"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store/sqlite"
)

func TestTokenLength(t *testing.T) {
	if tokenLen != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		t.Fatalf("tokenLen %d", tokenLen)
	}
}

// memTokens is a store for tokens: SQLite in memory.
func memTokens(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestPageTokens(t *testing.T) {
	ctx := t.Context()
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	st := memTokens(t)
	pt := NewPageTokens(st, clk, TokenOptions{TTL: 10 * time.Minute, PerSession: 3})
	n := int64(400)
	ref := PageRef{Link: "https://graph.example/v1.0/x?$skip=10", Number: 2, Offset: 10, Count: &n, Prev: "AAAAAAAAAAAAAAAAAAAAAA"}
	tok, err := pt.Issue(ctx, "s1", "alerts?top=10", ref)
	if err != nil || !wellFormed(tok) {
		t.Fatalf("token %q is not well formed (%v)", tok, err)
	}
	// Another replica: another keeper on the same store.
	other := NewPageTokens(st, clk, TokenOptions{TTL: 10 * time.Minute, PerSession: 3})
	for name, k := range map[string]*PageTokens{"issuer": pt, "other replica": other} {
		got, ok, err := k.Resolve(ctx, "s1", "alerts?top=10", tok)
		if !ok || err != nil || got.Link != ref.Link || got.Number != 2 || got.Offset != 10 || got.Count == nil || *got.Count != 400 || got.Prev != ref.Prev {
			t.Fatalf("%s: Resolve = %+v %v %v", name, got, ok, err)
		}
	}
	for _, tt := range []struct{ name, session, scope, token string }{
		{"another session", "s2", "alerts?top=10", tok},
		{"other filters", "s1", "alerts?top=25", tok},
		{"unknown", "s1", "alerts?top=10", "AAAAAAAAAAAAAAAAAAAAAA"},
		{"malformed", "s1", "alerts?top=10", "$filter=x"},
		{"empty", "s1", "alerts?top=10", ""},
		{"too long", "s1", "alerts?top=10", tok + "A"},
	} {
		if _, ok, err := pt.Resolve(ctx, tt.session, tt.scope, tt.token); ok || err != nil {
			t.Errorf("%s: resolved (%v)", tt.name, err)
		}
	}
	// Another session's attempt did not spoil the token for its owner.
	if _, ok, _ := pt.Resolve(ctx, "s1", "alerts?top=10", tok); !ok {
		t.Fatal("the token was dropped by another session's attempt")
	}
	// A flash of the same session and scope is another kind: it does not
	// resolve as a page token.
	fl := NewTokens[*Changed](st, "flash", clk, TokenOptions{})
	ftok, err := fl.Issue(ctx, "s1", "alerts?top=10", &Changed{Heading: "h", Rows: []CompareRow{{Prop: "status", Before: Field{Raw: "new"}, After: Field{Raw: "resolved"}, Changed: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := pt.Resolve(ctx, "s1", "alerts?top=10", ftok); ok {
		t.Error("a flash's token resolved as a page token")
	}
	if got, ok, err := fl.Take(ctx, "s1", "alerts?top=10", ftok); !ok || err != nil || got.Heading != "h" || len(got.Rows) != 1 || got.Rows[0].After.Raw != "resolved" {
		t.Errorf("Take = %+v %v %v", got, ok, err)
	}
	if _, ok, _ := fl.Take(ctx, "s1", "alerts?top=10", ftok); ok {
		t.Error("a flash was taken twice")
	}
	clk.Advance(10 * time.Minute)
	if _, ok, _ := pt.Resolve(ctx, "s1", "alerts?top=10", tok); ok {
		t.Fatal("an expired token resolved")
	}
	if n, err := st.DeleteExpired(ctx, clk.Now()); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want the one expired token", n, err)
	}
}

func TestPageTokensBounds(t *testing.T) {
	ctx := t.Context()
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	pt := NewPageTokens(memTokens(t), clk, TokenOptions{TTL: time.Hour, PerSession: 3})
	var a []string
	for i := range 4 {
		tok, err := pt.Issue(ctx, "a", "s", PageRef{Number: i})
		if err != nil {
			t.Fatal(err)
		}
		a = append(a, tok)
		clk.Advance(time.Second)
	}
	b, err := pt.Issue(ctx, "b", "s", PageRef{})
	if err != nil {
		t.Fatal(err)
	}
	// A session keeps its 3 newest; another session's are not counted.
	if _, ok, _ := pt.Resolve(ctx, "a", "s", a[0]); ok {
		t.Error("a session kept more than PerSession tokens")
	}
	for _, tok := range a[1:] {
		if _, ok, _ := pt.Resolve(ctx, "a", "s", tok); !ok {
			t.Error("a recent token of the session was dropped")
		}
	}
	if _, ok, _ := pt.Resolve(ctx, "b", "s", b); !ok {
		t.Error("another session's token was dropped")
	}
}

// TestTokensWithoutStore: a kit built without a store links no next
// page rather than fail.
func TestTokensWithoutStore(t *testing.T) {
	pt := NewPageTokens(nil, nil, TokenOptions{})
	if tok, err := pt.Issue(t.Context(), "s", "scope", PageRef{}); err == nil || tok != "" {
		t.Errorf("Issue without a store = %q, %v", tok, err)
	}
	if _, ok, err := pt.Resolve(t.Context(), "s", "scope", "AAAAAAAAAAAAAAAAAAAAAA"); ok || err != nil {
		t.Errorf("Resolve without a store = %v, %v", ok, err)
	}
}

func FuzzResolvePageToken(f *testing.F) {
	pt := NewPageTokens(memTokens(f), clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)), TokenOptions{})
	tok, err := pt.Issue(context.Background(), "s", "scope", PageRef{Link: "x"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(tok)
	f.Add("$top=1")
	f.Add("https://evil.example/")
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok, err := pt.Resolve(context.Background(), "s", "scope", s); (ok || err != nil) && s != tok {
			t.Fatalf("%q resolved (%v)", s, err)
		}
	})
}

// ItemLinks writes exactly what ItemLink writes.
func TestItemLinksAsItemLink(t *testing.T) {
	n := int64(400)
	for _, back := range []url.Values{nil, {}, url.Values{"status": {"new", "inProgress"}, "q": {"a&b c"}, "page": {"tok"}}} {
		for _, total := range []*int64{nil, &n} {
			for _, i := range []int{-1, 0, 7} {
				want := ItemLink("/incidents/1", back, i, total)
				if got := NewItemLinks(back, total).Link("/incidents/1", i); got != want {
					t.Errorf("ItemLinks(%v, %v).Link(%d) = %q, want %q", back, total, i, got, want)
				}
			}
		}
	}
}
