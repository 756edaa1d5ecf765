package emulator_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
)

// trustingOnly is an HTTP client whose only root is the CA in caFile, read
// from disk as any client configured with it would.
func trustingOnly(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in", caFile)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true}
	// Idle HTTP/2 connections make the server's graceful shutdown wait a
	// second for the client's answer to its GOAWAY; close them first
	// (cleanups run last-registered first).
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Timeout: 10 * time.Second, Transport: tr}
}

func getJSON(t *testing.T, c *http.Client, u string, v any) *http.Response {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return res
}

// An emulator serving TLS works end to end for a client that trusts only
// its CA: discovery, client credentials through golang.org/x/oauth2, and
// the repository's Graph client; everything it writes is https.
func TestTLSEndToEnd(t *testing.T) {
	dir := t.TempDir()
	emu := start(t, emulator.Options{TLS: true, TLSDir: dir})
	if !strings.HasPrefix(emu.URL(), "https://127.0.0.1:") || emu.CAFile() != filepath.Join(dir, "ca.pem") {
		t.Fatalf("URL %s, CA file %s", emu.URL(), emu.CAFile())
	}
	hc := trustingOnly(t, emu.CAFile())

	var disc map[string]any
	res := getJSON(t, hc, emu.AuthorityURL()+"/v2.0/.well-known/openid-configuration", &disc)
	if res.TLS == nil || res.ProtoMajor != 2 {
		t.Errorf("discovery over %s, TLS %v", res.Proto, res.TLS != nil)
	}
	for _, k := range []string{"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint", "userinfo_endpoint"} {
		if v, _ := disc[k].(string); !strings.HasPrefix(v, emu.URL()+"/") {
			t.Errorf("%s = %q, not under %s", k, v, emu.URL())
		}
	}

	cc := clientcredentials.Config{
		ClientID: emu.ClientID(), ClientSecret: emu.ClientSecret(), TokenURL: disc["token_endpoint"].(string),
		Scopes: []string{"https://graph.microsoft.com/.default"},
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, hc)
	ts := cc.TokenSource(ctx)
	if _, err := ts.Token(); err != nil {
		t.Fatalf("client credentials over TLS: %v", err)
	}

	gc, err := graph.New(graph.Options{BaseURL: emu.URL(), HTTPClient: hc, Tokens: graph.FromOAuth2(ts)})
	if err != nil {
		t.Fatal(err)
	}
	page, _, err := gc.Alerts.List(ctx, graph.Query{Top: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(page.NextLink, emu.URL()+"/v1.0/") || !strings.HasPrefix(page.Context, emu.URL()+"/v1.0/$metadata") {
		t.Errorf("links: next %q context %q", page.NextLink, page.Context)
	}
	if _, _, err := page.Next(ctx); err != nil {
		t.Errorf("next page: %v", err)
	}
	if _, _, err := gc.Incidents.List(ctx, graph.IncidentQuery{Query: graph.Query{Top: 100}}); err != nil {
		t.Errorf("incidents: %v", err)
	}
	if _, _, err := gc.Alerts.Update(ctx, page.Value[0].ID, graph.AlertUpdate{Status: graph.Some(graph.AlertStatusInProgress)}); err != nil {
		t.Errorf("update over TLS: %v", err)
	}

	var info emulator.Info
	getJSON(t, hc, emu.URL()+"/_emulator/info", &info)
	for name, u := range map[string]string{"url": info.URL, "authority": info.Authority, "token": info.TokenEndpoint, "graph": info.GraphURL, "discovery": info.Discovery} {
		if !strings.HasPrefix(u, "https://") {
			t.Errorf("info %s = %q", name, u)
		}
	}
	if info.CAFile != emu.CAFile() {
		t.Errorf("info caFile %q", info.CAFile)
	}

	// Graph's HSTS would pin the browser's localhost to https, console
	// included: an https emulator on loopback leaves it out.
	tok, _ := emu.AppToken()
	req, _ := http.NewRequest("GET", emu.URL()+"/v1.0/users?$top=1", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	if res, err := hc.Do(req); err != nil || res.StatusCode != 200 || res.Header.Get("Strict-Transport-Security") != "" {
		t.Errorf("users: %v %v", err, res)
	} else {
		res.Body.Close()
	}
}

// A client that does not trust the CA cannot talk to the emulator, and
// plain http on the TLS port is refused.
func TestTLSUntrustedClientFails(t *testing.T) {
	emu := start(t, emulator.Options{TLS: true, TLSDir: t.TempDir()})
	other := t.TempDir()
	otherEmu := start(t, emulator.Options{TLS: true, TLSDir: other})
	cases := []struct {
		name   string
		client *http.Client
		url    string
	}{
		{"system roots", &http.Client{Timeout: 5 * time.Second}, emu.URL()},
		{"another emulator's CA", trustingOnly(t, otherEmu.CAFile()), emu.URL()},
		{"plain http", &http.Client{Timeout: 5 * time.Second}, "http://" + strings.TrimPrefix(emu.URL(), "https://")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := tc.client.Get(tc.url + "/_emulator/info")
			if strings.HasPrefix(tc.url, "http://") {
				if err != nil || res.StatusCode != http.StatusBadRequest {
					t.Fatalf("plain http: %v %v", err, res)
				}
				res.Body.Close()
				return
			}
			var unknown x509.UnknownAuthorityError
			if err == nil || !errors.As(err, &unknown) {
				t.Fatalf("got %v, want an unknown authority error", err)
			}
		})
	}
	gc, err := graph.New(graph.Options{BaseURL: emu.URL(), Tokens: graph.FromOAuth2(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "x"}))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := gc.Users.List(context.Background(), graph.Query{}); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Graph client without the CA: %v", err)
	}
}

// The CA made at the first start is the one later starts use, so that a
// client told to trust it once keeps working.
func TestTLSCAReusedAcrossStarts(t *testing.T) {
	dir := t.TempDir()
	first := start(t, emulator.Options{TLS: true, TLSDir: dir})
	ca := first.CACertPEM()
	first.Close()
	second := start(t, emulator.Options{TLS: true, TLSDir: dir})
	if !bytes.Equal(second.CACertPEM(), ca) {
		t.Fatal("a second start made a new CA")
	}
	// A client told to trust the first start's CA trusts the second.
	caFile := filepath.Join(t.TempDir(), "first-ca.pem")
	if err := os.WriteFile(caFile, ca, 0o644); err != nil {
		t.Fatal(err)
	}
	hc := trustingOnly(t, caFile)
	var info emulator.Info
	getJSON(t, hc, second.URL()+"/_emulator/info", &info)
	if _, err := emulator.New(emulator.Options{TLS: true, TLSDir: dir, PublicURL: "http://localhost:1"}); err == nil {
		t.Fatal("TLS with an http public URL was accepted")
	}
}
