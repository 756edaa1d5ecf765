package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/graphsec/graphsec/internal/store"
)

// Tokens is what RunTokens tests: the token aggregate and the expiry
// sweep that removes expired tokens.
type Tokens interface {
	store.Tokens
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)
}

// RunTokens runs the suite of page tokens and flashes (store.Tokens).
// open must return a new, empty store each time, as for Run.
//
// Beyond the interface's comments, it requires:
//   - A token has expired when now >= ExpiresAt; Token and TakeToken
//     compare with the time they are given.
//   - PutToken of an id held by an expired token replaces it.
//   - The perSession bound counts one session's tokens of one kind, by
//     CreatedAt; other sessions and kinds are untouched.
//   - Of several concurrent TakeToken calls of one token exactly one
//     returns it.
//   - Invalid values fail with store.ErrInvalid and store nothing; lookups
//     by unusable ids are store.ErrNotFound; a cancelled context fails with
//     context.Canceled.
func RunTokens(t *testing.T, open func(t *testing.T) Tokens) {
	t.Run("RoundTrip", func(t *testing.T) { testTokenRoundTrip(t, open(t)) })
	t.Run("Conflict", func(t *testing.T) { testTokenConflict(t, open(t)) })
	t.Run("Expiry", func(t *testing.T) { testTokenExpiry(t, open(t)) })
	t.Run("PerSession", func(t *testing.T) { testTokenPerSession(t, open(t)) })
	t.Run("DeleteExpired", func(t *testing.T) { testTokenDeleteExpired(t, open(t)) })
	t.Run("Invalid", func(t *testing.T) { testTokenInvalid(t, open(t)) })
	t.Run("CancelledContext", func(t *testing.T) { testTokenCancelled(t, open(t)) })
	t.Run("ConcurrentTake", func(t *testing.T) { testTokenConcurrentTake(t, open(t)) })
}

func newToken(id, kind, session string, created time.Duration) store.Token {
	return store.Token{ID: id, Kind: kind, Session: session, Value: []byte(`{"link":"` + id + `"}`),
		CreatedAt: at(created), ExpiresAt: at(created + 30*time.Minute)}
}

func mustPutToken(t *testing.T, s store.Tokens, tok store.Token, perSession int) {
	t.Helper()
	if err := s.PutToken(t.Context(), tok, perSession); err != nil {
		t.Fatalf("PutToken(%s): %v", tok.ID, err)
	}
}

func testTokenRoundTrip(t *testing.T, s Tokens) {
	ctx := t.Context()
	tok := newToken("t1", "page", "sess", 0)
	tok.Value = pattern(1 << 20)
	mustPutToken(t, s, tok, 0)
	for _, now := range []time.Time{at(0), at(29 * time.Minute)} {
		got, err := s.Token(ctx, "t1", now)
		if err != nil {
			t.Fatalf("Token at %v: %v", now, err)
		}
		if diff := cmp.Diff(tok, got, cmpOpts); diff != "" {
			t.Errorf("Token (-put +got):\n%s", diff)
		}
		if got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt in %v, want UTC", got.CreatedAt.Location())
		}
	}
	got, err := s.TakeToken(ctx, "t1", at(time.Minute))
	if err != nil {
		t.Fatalf("TakeToken: %v", err)
	}
	if diff := cmp.Diff(tok, got, cmpOpts); diff != "" {
		t.Errorf("TakeToken (-put +got):\n%s", diff)
	}
	if _, err := s.TakeToken(ctx, "t1", at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second TakeToken: %v, want ErrNotFound", err)
	}
	if _, err := s.Token(ctx, "t1", at(time.Minute)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token after TakeToken: %v, want ErrNotFound", err)
	}
	empty := newToken("empty", "flash", "sess", 0)
	empty.Value = []byte{}
	mustPutToken(t, s, empty, 0)
	if got, err := s.Token(ctx, "empty", at(0)); err != nil || got.Value != nil {
		t.Errorf("empty value reads back as %#v, %v; want nil", got.Value, err)
	}
}

func testTokenConflict(t *testing.T, s Tokens) {
	first := newToken("dup", "page", "sess", 0)
	mustPutToken(t, s, first, 0)
	second := newToken("dup", "flash", "other", time.Minute)
	second.Value = []byte("second")
	if err := s.PutToken(t.Context(), second, 0); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("PutToken of a held id: %v, want ErrConflict", err)
	}
	got, err := s.Token(t.Context(), "dup", at(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got, cmpOpts); diff != "" {
		t.Errorf("the first token changed (-first +got):\n%s", diff)
	}
}

func testTokenExpiry(t *testing.T, s Tokens) {
	ctx := t.Context()
	tok := newToken("exp", "page", "sess", 0)
	mustPutToken(t, s, tok, 0)
	if _, err := s.Token(ctx, "exp", tok.ExpiresAt); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Token at ExpiresAt: %v, want ErrNotFound", err)
	}
	if _, err := s.TakeToken(ctx, "exp", tok.ExpiresAt.Add(time.Second)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TakeToken after ExpiresAt: %v, want ErrNotFound", err)
	}
	// An expired token's id can be used again.
	again := newToken("exp", "page", "sess", time.Hour)
	again.Value = []byte("again")
	if err := s.PutToken(ctx, again, 0); err != nil {
		t.Fatalf("PutToken over an expired token: %v", err)
	}
	if got, err := s.Token(ctx, "exp", at(time.Hour)); err != nil || string(got.Value) != "again" {
		t.Errorf("Token after replacing: %q, %v", got.Value, err)
	}
}

func testTokenPerSession(t *testing.T, s Tokens) {
	ctx := t.Context()
	// Another session's and another kind's tokens are not counted.
	mustPutToken(t, s, newToken("other-session", "page", "b", 0), 3)
	mustPutToken(t, s, newToken("other-kind", "flash", "a", 0), 3)
	for i, id := range []string{"a1", "a2", "a3", "a4", "a5"} {
		mustPutToken(t, s, newToken(id, "page", "a", time.Duration(i+1)*time.Second), 3)
	}
	now := at(10 * time.Second)
	for _, tt := range []struct {
		id   string
		kept bool
	}{{"a1", false}, {"a2", false}, {"a3", true}, {"a4", true}, {"a5", true}, {"other-session", true}, {"other-kind", true}} {
		_, err := s.Token(ctx, tt.id, now)
		if tt.kept && err != nil {
			t.Errorf("%s: %v, want kept", tt.id, err)
		}
		if !tt.kept && !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: %v, want ErrNotFound (over the bound)", tt.id, err)
		}
	}
}

func testTokenDeleteExpired(t *testing.T, s Tokens) {
	ctx := t.Context()
	mustPutToken(t, s, newToken("old", "page", "sess", 0), 0)
	mustPutToken(t, s, newToken("new", "page", "sess", 20*time.Minute), 0)
	n, err := s.DeleteExpired(ctx, at(30*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("DeleteExpired removed %d records, want 1 (the expired token)", n)
	}
	if _, err := s.Token(ctx, "new", at(30*time.Minute)); err != nil {
		t.Errorf("unexpired token: %v", err)
	}
	// The expired one is gone, not just hidden: a clock turned back does
	// not find it.
	if _, err := s.Token(ctx, "old", at(0)); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted token: %v, want ErrNotFound", err)
	}
}

func testTokenInvalid(t *testing.T, s Tokens) {
	ctx := t.Context()
	bad := []struct {
		name string
		edit func(*store.Token)
	}{
		{"empty id", func(k *store.Token) { k.ID = "" }},
		{"long id", func(k *store.Token) { k.ID = strings.Repeat("k", 64<<10+1) }},
		{"empty kind", func(k *store.Token) { k.Kind = "" }},
		{"NUL in session", func(k *store.Token) { k.Session = "a\x00b" }},
		{"not UTF-8", func(k *store.Token) { k.Kind = "\xff" }},
		{"huge value", func(k *store.Token) { k.Value = make([]byte, 16<<20+1) }},
		{"year 0", func(k *store.Token) { k.CreatedAt = time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC) }},
		{"year 10000", func(k *store.Token) { k.ExpiresAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			tok := newToken("bad", "page", "sess", 0)
			tt.edit(&tok)
			err := s.PutToken(ctx, tok, 0)
			if !errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
				t.Fatalf("PutToken: %v, want ErrInvalid", err)
			}
			if _, err := s.Token(ctx, "bad", at(0)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("an invalid token was stored: %v", err)
			}
		})
	}
	for _, id := range []string{"", "a\x00b", "\xff", strings.Repeat("k", 64<<10+1)} {
		if _, err := s.Token(ctx, id, at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Token(%.10q): %v, want ErrNotFound", id, err)
		}
		if _, err := s.TakeToken(ctx, id, at(0)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("TakeToken(%.10q): %v, want ErrNotFound", id, err)
		}
	}
}

func testTokenCancelled(t *testing.T, s Tokens) {
	mustPutToken(t, s, newToken("live", "page", "sess", 0), 0)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"PutToken", func() error { return s.PutToken(ctx, newToken("new", "page", "sess", 0), 10) }},
		{"Token", func() error { _, err := s.Token(ctx, "live", at(0)); return err }},
		{"TakeToken", func() error { _, err := s.TakeToken(ctx, "live", at(0)); return err }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", c.name, err)
		}
	}
	if _, err := s.Token(t.Context(), "live", at(0)); err != nil {
		t.Errorf("the token went with a cancelled TakeToken: %v", err)
	}
}

func testTokenConcurrentTake(t *testing.T, s Tokens) {
	mustPutToken(t, s, newToken("once", "flash", "sess", 0), 0)
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := 0
	for range n {
		wg.Go(func() {
			_, err := s.TakeToken(t.Context(), "once", at(time.Minute))
			switch {
			case err == nil:
				mu.Lock()
				got++
				mu.Unlock()
			case !errors.Is(err, store.ErrNotFound):
				t.Errorf("TakeToken: %v", err)
			}
		})
	}
	wg.Wait()
	if got != 1 {
		t.Errorf("%d of %d concurrent TakeToken calls returned the token, want exactly 1", got, n)
	}
}

// BenchmarkTokens is what a paged list costs the store: PutToken (a list
// page with a next link, 200 per session kept) and Token (following it).
func BenchmarkTokens(b *testing.B, open func(b *testing.B) Tokens) {
	s := open(b)
	ctx := context.Background()
	value := make([]byte, 600) // a Graph next link with a $skiptoken, as JSON
	n := 0
	b.Run("PutToken", func(b *testing.B) {
		for b.Loop() {
			n++
			err := s.PutToken(ctx, store.Token{ID: fmt.Sprintf("%064d", n), Kind: "page", Session: fmt.Sprintf("session-%d", n%50),
				Value: value, CreatedAt: benchEpoch.Add(time.Duration(n) * time.Microsecond), ExpiresAt: benchEpoch.Add(time.Hour)}, 200)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Token", func(b *testing.B) {
		i := 0
		for b.Loop() {
			i++
			if _, err := s.Token(ctx, fmt.Sprintf("%064d", n-i%min(n, 1000)), benchEpoch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
