package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/clock"
)

// emuEpoch is the emulator's base time in these tests: a stopped clock, so
// that data, tokens and timestamps are the same on every run and only
// Advance moves time.
var emuEpoch = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// emuEnv is an in-process emulator with the demo tenant's kinds of users,
// and a record of every retry the clients built on it made.
type emuEnv struct {
	emu *emulator.Emulator
	ctx context.Context

	admin, analyst, reader, plain tenant.User

	// tokenRequests counts requests to the emulator's token endpoint.
	tokenRequests *countingTransport

	mu      sync.Mutex
	retries []graph.RetryInfo
}

// newEmuEnv starts an emulator with a stopped clock (unless opts has one)
// and seed 7.
func newEmuEnv(t testing.TB, opts emulator.Options) *emuEnv {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	if opts.Clock == nil {
		opts.Clock = clock.NewFake(emuEpoch)
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	t.Cleanup(func() { _ = emu.Close() })
	env := &emuEnv{emu: emu, tokenRequests: &countingTransport{next: http.DefaultTransport}}
	// x/oauth2 takes the HTTP client for token requests from the context.
	env.ctx = context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: env.tokenRequests, Timeout: 30 * time.Second})
	for _, u := range emu.Users() {
		var dst *tenant.User
		switch {
		case u.HasRole(tenant.RoleGlobalAdministrator):
			dst = &env.admin
		case u.HasRole(tenant.RoleSecurityOperator), u.HasRole(tenant.RoleSecurityAdministrator):
			dst = &env.analyst
		case u.HasRole(tenant.RoleSecurityReader):
			dst = &env.reader
		case len(u.Roles) == 0:
			dst = &env.plain
		}
		if dst != nil && dst.ID == "" {
			*dst = u
		}
	}
	if env.admin.ID == "" || env.analyst.ID == "" || env.reader.ID == "" || env.plain.ID == "" {
		t.Fatalf("demo tenant lacks a kind of user: %+v", emu.Users())
	}
	return env
}

// countingTransport counts the requests it carries.
type countingTransport struct {
	next http.RoundTripper
	mu   sync.Mutex
	n    int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.next.RoundTrip(r)
}

func (c *countingTransport) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (env *emuEnv) tokenURL() string { return env.emu.AuthorityURL() + "/oauth2/v2.0/token" }

// options are the client options every test client uses: the emulator's
// base URL, and a retry layer whose waits move the emulator's clock instead
// of sleeping (the throttle refills by that clock), recorded in env.retries.
func (env *emuEnv) options(tokens graph.TokenSource) graph.Options {
	return graph.Options{
		BaseURL: env.emu.URL(),
		Tokens:  tokens,
		Retry: graph.RetryPolicy{
			Sleep: func(ctx context.Context, d time.Duration) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				env.emu.Clock().Advance(d)
				return nil
			},
			OnRetry: func(i graph.RetryInfo) {
				env.mu.Lock()
				env.retries = append(env.retries, i)
				env.mu.Unlock()
			},
		},
	}
}

// takeRetries returns and forgets the retries recorded so far.
func (env *emuEnv) takeRetries() []graph.RetryInfo {
	env.mu.Lock()
	defer env.mu.Unlock()
	r := env.retries
	env.retries = nil
	return r
}

// appConfig is the client credentials configuration of the demo app.
func (env *emuEnv) appConfig() *clientcredentials.Config {
	return &clientcredentials.Config{
		ClientID: env.emu.ClientID(), ClientSecret: env.emu.ClientSecret(), TokenURL: env.tokenURL(),
		Scopes: []string{"https://graph.microsoft.com/.default"},
	}
}

// appClient is an app-only client (client credentials).
func (env *emuEnv) appClient(t testing.TB) *graph.Client {
	t.Helper()
	return env.newClient(t, env.options(graph.AppTokens(env.ctx, env.appConfig())))
}

func (env *emuEnv) newClient(t testing.TB, opts graph.Options) *graph.Client {
	t.Helper()
	c, err := graph.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// delegatedScopes is what the console asks for when a user signs in.
var delegatedScopes = []string{"openid", "profile", "offline_access", "User.Read", "User.ReadBasic.All", "Mail.Send",
	"SecurityEvents.ReadWrite.All", "SecurityAlert.ReadWrite.All", "SecurityIncident.ReadWrite.All"}

// userConfig is the demo app as a confidential web client.
func (env *emuEnv) userConfig(scopes ...string) *oauth2.Config {
	if len(scopes) == 0 {
		scopes = delegatedScopes
	}
	return &oauth2.Config{
		ClientID: env.emu.ClientID(), ClientSecret: env.emu.ClientSecret(), RedirectURL: emulator.DefaultRedirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: env.emu.AuthorityURL() + "/oauth2/v2.0/authorize", TokenURL: env.tokenURL()},
		Scopes:   scopes,
	}
}

// signIn runs the authorization-code flow with PKCE through the emulator's
// sign-in pages, as a browser would, and redeems the code.
func (env *emuEnv) signIn(t testing.TB, conf *oauth2.Config, user tenant.User) *oauth2.Token {
	t.Helper()
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-1", oauth2.S256ChallengeOption(verifier))
	end, err := emutest.NewBrowser().SignIn(authURL, user.ID, emutest.SignInOptions{StopAt: conf.RedirectURL})
	if err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	cb, err := url.Parse(end.Location)
	if err != nil || cb.Query().Get("code") == "" || cb.Query().Get("state") != "state-1" {
		t.Fatalf("sign-in ended at %q (status %d)", end.Location, end.Status)
	}
	tok, err := conf.Exchange(env.ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("code redemption: %v", err)
	}
	if tok.RefreshToken == "" {
		t.Fatal("no refresh token although offline_access was asked for")
	}
	return tok
}

// savedTokens records what DelegatedTokens hands to its onToken callback,
// as the console's session store would.
type savedTokens struct {
	mu   sync.Mutex
	toks []*oauth2.Token
}

func (s *savedTokens) save(t *oauth2.Token) {
	s.mu.Lock()
	s.toks = append(s.toks, t)
	s.mu.Unlock()
}

func (s *savedTokens) all() []*oauth2.Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.toks)
}

// userClient signs user in and returns a delegated client over the
// resulting tokens.
func (env *emuEnv) userClient(t testing.TB, user tenant.User, scopes ...string) (*graph.Client, *savedTokens) {
	t.Helper()
	conf := env.userConfig(scopes...)
	tok := env.signIn(t, conf, user)
	saved := &savedTokens{}
	return env.newClient(t, env.options(graph.DelegatedTokens(env.ctx, conf, tok, saved.save))), saved
}

// control calls the emulator's control plane and decodes its JSON answer.
func (env *emuEnv) control(t testing.TB, method, path string, body any) map[string]any {
	t.Helper()
	status, raw, err := emutest.ControlPlane(env.emu.URL(), method, path, body)
	if err != nil {
		t.Fatal(err)
	}
	if status >= 300 {
		t.Fatalf("%s %s: %d %s", method, path, status, raw)
	}
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return out
}

// fault queues a failure on the emulator.
func (env *emuEnv) fault(t testing.TB, f map[string]any) {
	env.control(t, "POST", "/_emulator/faults", f)
}

// mustGraphError asserts that err is a *graph.Error with this status and
// code, carrying the ids Graph puts in every error.
func mustGraphError(t testing.TB, err error, status int, code string) *graph.Error {
	t.Helper()
	ge, ok := err.(*graph.Error)
	if !ok {
		t.Fatalf("error %v (%T), want *graph.Error %d %s", err, err, status, code)
	}
	if ge.StatusCode != status || !ge.HasCode(code) {
		t.Fatalf("error %d %s (%s), want %d %s", ge.StatusCode, ge.Code, ge.Message, status, code)
	}
	if ge.RequestID == "" || ge.ClientRequestID == "" || ge.Date.IsZero() {
		t.Fatalf("error without request-id, client-request-id or date: %+v", ge)
	}
	return ge
}
