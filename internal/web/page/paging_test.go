package page

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

func TestTokenLength(t *testing.T) {
	if tokenLen != base64.RawURLEncoding.EncodedLen(tokenBytes) {
		t.Fatalf("tokenLen %d", tokenLen)
	}
}

func TestPageTokens(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	pt := NewPageTokens(clk, TokenOptions{TTL: 10 * time.Minute, PerSession: 3, Max: 5})
	ref := PageRef{Link: "https://graph.example/v1.0/x?$skip=10", Number: 2, Offset: 10}
	tok := pt.Issue("s1", "alerts?top=10", ref)
	if !wellFormed(tok) {
		t.Fatalf("token %q is not well formed", tok)
	}
	if got, ok := pt.Resolve("s1", "alerts?top=10", tok); !ok || got != ref {
		t.Fatalf("Resolve = %+v %v", got, ok)
	}
	for _, tt := range []struct{ name, session, scope, token string }{
		{"another session", "s2", "alerts?top=10", tok},
		{"other filters", "s1", "alerts?top=25", tok},
		{"unknown", "s1", "alerts?top=10", "AAAAAAAAAAAAAAAAAAAAAA"},
		{"malformed", "s1", "alerts?top=10", "$filter=x"},
		{"empty", "s1", "alerts?top=10", ""},
		{"too long", "s1", "alerts?top=10", tok + "A"},
	} {
		if _, ok := pt.Resolve(tt.session, tt.scope, tt.token); ok {
			t.Errorf("%s: resolved", tt.name)
		}
	}
	// Another session's attempt did not spoil the token for its owner.
	if _, ok := pt.Resolve("s1", "alerts?top=10", tok); !ok {
		t.Fatal("the token was dropped by another session's attempt")
	}
	clk.Advance(10 * time.Minute)
	if _, ok := pt.Resolve("s1", "alerts?top=10", tok); ok {
		t.Fatal("an expired token resolved")
	}
	if pt.Len() != 0 {
		t.Fatalf("%d tokens kept after expiry", pt.Len())
	}
}

func TestPageTokensBounds(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	pt := NewPageTokens(clk, TokenOptions{TTL: time.Hour, PerSession: 3, Max: 5})
	var a []string
	for i := range 4 {
		a = append(a, pt.Issue("a", "s", PageRef{Number: i}))
		clk.Advance(time.Second)
	}
	// A session keeps its 3 newest.
	if _, ok := pt.Resolve("a", "s", a[0]); ok {
		t.Error("a session kept more than PerSession tokens")
	}
	for _, tok := range a[1:] {
		if _, ok := pt.Resolve("a", "s", tok); !ok {
			t.Error("a recent token of the session was dropped")
		}
	}
	// The whole keeper holds at most Max, oldest dropped first.
	var b []string
	for i := range 3 {
		b = append(b, pt.Issue(fmt.Sprint("b", i), "s", PageRef{}))
	}
	if pt.Len() != 5 {
		t.Fatalf("%d tokens kept, want 5", pt.Len())
	}
	if _, ok := pt.Resolve("a", "s", a[1]); ok {
		t.Error("the oldest token survived the global bound")
	}
	if _, ok := pt.Resolve("b2", "s", b[2]); !ok {
		t.Error("the newest token was dropped")
	}
	// Expired tokens are pruned as new ones come.
	clk.Advance(2 * time.Hour)
	pt.Issue("c", "s", PageRef{})
	if pt.Len() != 1 {
		t.Fatalf("%d tokens kept after the others expired", pt.Len())
	}
}

func FuzzResolvePageToken(f *testing.F) {
	pt := NewPageTokens(clock.NewFake(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)), TokenOptions{})
	tok := pt.Issue("s", "scope", PageRef{Link: "x"})
	f.Add(tok)
	f.Add("$top=1")
	f.Add("https://evil.example/")
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok := pt.Resolve("s", "scope", s); ok && s != tok {
			t.Fatalf("%q resolved", s)
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
