package webtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"golang.org/x/oauth2"

	"github.com/graphsec/graphsec/graph"
)

// GraphAs is a Graph client of the emulator acting as the demo user upn
// (with every delegated permission): what another analyst does from the
// Defender portal, in a test.
func (h *Harness) GraphAs(upn string) *graph.Client {
	h.T.Helper()
	tok, err := h.Emu.UserToken(upn)
	if err != nil {
		h.T.Fatal(err)
	}
	c, err := graph.New(graph.Options{BaseURL: h.Emu.URL(), Tokens: graph.FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok}))})
	if err != nil {
		h.T.Fatal(err)
	}
	return c
}

// WarmUp serves req once before a benchmark's loop and returns the page,
// failing unless it is a 200.
func WarmUp(b *testing.B, handler http.Handler, req *http.Request) string {
	b.Helper()
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("warm-up: %d\n%.2000s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}
