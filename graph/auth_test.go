package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenEndpoint is a minimal identity platform token endpoint: it issues
// access-N tokens and counts grants by type.
type tokenEndpoint struct {
	mu     sync.Mutex
	n      int
	grants map[string]int
	fail   bool
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	e.mu.Lock()
	defer e.mu.Unlock()
	gt := r.PostForm.Get("grant_type")
	e.grants[gt]++
	w.Header().Set("Content-Type", "application/json")
	if e.fail {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"AADSTS70008: The refresh token has expired due to inactivity.","error_codes":[70008]}`)
		return
	}
	if gt == "refresh_token" && r.PostForm.Get("refresh_token") == "" {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_request"}`)
		return
	}
	e.n++
	fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"access-%d","refresh_token":"refresh-%d","scope":"User.Read SecurityAlert.Read.All"}`, e.n, e.n)
}

func (e *tokenEndpoint) count(grant string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.grants[grant]
}

func newTokenEndpoint(t *testing.T) (*tokenEndpoint, string) {
	e := &tokenEndpoint{grants: map[string]int{}}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return e, srv.URL + "/common/oauth2/v2.0/token"
}

func TestDelegatedTokensForcedRefresh(t *testing.T) {
	ep, tokenURL := newTokenEndpoint(t)
	conf := &oauth2.Config{ClientID: "app", ClientSecret: "secret", Endpoint: oauth2.Endpoint{TokenURL: tokenURL, AuthStyle: oauth2.AuthStyleInParams}}
	stored := &oauth2.Token{AccessToken: "stored", RefreshToken: "refresh-0", Expiry: time.Now().Add(time.Hour)}
	var saved []string
	src := DelegatedTokens(context.Background(), conf, stored, func(tok *oauth2.Token) { saved = append(saved, tok.AccessToken+"/"+tok.RefreshToken) })

	var calls atomic.Int32
	env := newEnv(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("Authorization") == "Bearer stored" {
			writeGraphError(w, r, 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
			return
		}
		writeJSON(w, r, 200, fixture(t, "user.json"))
	}, func(o *Options) { o.Tokens = src })

	if _, _, err := env.c.Users.Me(context.Background()); err != nil {
		t.Fatal(err)
	}
	if ep.count("refresh_token") != 1 || calls.Load() != 2 {
		t.Errorf("refresh grants %d, requests %d", ep.count("refresh_token"), calls.Load())
	}
	if strings.Join(saved, ",") != "access-1/refresh-1" {
		t.Errorf("onToken saw %v", saved)
	}
	// The refreshed token is reused.
	if _, _, err := env.c.Users.Me(context.Background()); err != nil || ep.count("refresh_token") != 1 {
		t.Errorf("second call: %v, %d refreshes", err, ep.count("refresh_token"))
	}
	// A caller holding the rejected token after someone else refreshed gets
	// the current one without another grant.
	tok, err := src.Refresh(context.Background(), &oauth2.Token{AccessToken: "stored"})
	if err != nil || tok.AccessToken != "access-1" || ep.count("refresh_token") != 1 {
		t.Errorf("stale refresh: %v %v", tok, err)
	}
	// A refresh that fails surfaces as a TokenError.
	ep.mu.Lock()
	ep.fail = true
	ep.mu.Unlock()
	if _, err := src.Refresh(context.Background(), tok); err == nil || !strings.Contains(err.Error(), "invalid_grant") {
		t.Errorf("failed refresh: %v", err)
	}
}

func TestAppTokens(t *testing.T) {
	ep, tokenURL := newTokenEndpoint(t)
	cc := &clientcredentials.Config{ClientID: "app", ClientSecret: "secret", TokenURL: tokenURL, Scopes: []string{"https://graph.microsoft.com/.default"}}
	src := AppTokens(context.Background(), cc)
	t1, err := src.Token(context.Background())
	if err != nil || t1.AccessToken != "access-1" {
		t.Fatalf("%v %v", t1, err)
	}
	if t2, _ := src.Token(context.Background()); t2.AccessToken != "access-1" || ep.count("client_credentials") != 1 {
		t.Errorf("token not cached")
	}
	t3, err := src.Refresh(context.Background(), t1)
	if err != nil || t3.AccessToken != "access-2" || ep.count("client_credentials") != 2 {
		t.Errorf("forced refresh: %v %v", t3, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := src.Token(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Token: %v", err)
	}
	if _, err := src.Refresh(ctx, t3); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled Refresh: %v", err)
	}
}

func TestFromOAuth2(t *testing.T) {
	src := FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "static"}))
	tok, err := src.Token(context.Background())
	if err != nil || tok.AccessToken != "static" {
		t.Fatalf("%v %v", tok, err)
	}
	// It cannot force a refresh: the same token comes back and the auth
	// layer gives up instead of looping.
	if again, err := src.Refresh(context.Background(), tok); err != nil || again.AccessToken != "static" {
		t.Errorf("%v %v", again, err)
	}
	empty := FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{}))
	if _, err := empty.Token(context.Background()); err == nil {
		t.Error("an empty access token was accepted")
	}
	if _, err := empty.Refresh(context.Background(), nil); err == nil {
		t.Error("an empty access token was accepted on refresh")
	}
}

func TestTokenSourceConstructionMistakes(t *testing.T) {
	for _, src := range []TokenSource{FromOAuth2(nil), DelegatedTokens(context.Background(), nil, nil, nil), AppTokens(context.Background(), nil)} {
		if _, err := src.Token(context.Background()); err == nil {
			t.Error("Token succeeded")
		}
		if _, err := src.Refresh(context.Background(), nil); err == nil {
			t.Error("Refresh succeeded")
		}
	}
}
