package idp

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func benchToken(b *testing.B) (*Provider, string) {
	b.Helper()
	p, err := New(Options{BaseURL: "http://127.0.0.1:5001", Directory: newTestDirectory(), Key: testKey()})
	if err != nil {
		b.Fatal(err)
	}
	p.dir.GrantAdminConsent(testClientID, []string{"User.Read", "SecurityAlert.ReadWrite.All"}, nil)
	tok, err := p.IssueUserToken(testClientID, adminID, []string{"User.Read", "SecurityAlert.ReadWrite.All"})
	if err != nil {
		b.Fatal(err)
	}
	return p, tok
}

// BenchmarkVerifyAccessTokenCold is the full check (RSA signature
// verification and JSON decoding), what every new token costs once.
func BenchmarkVerifyAccessTokenCold(b *testing.B) {
	p, tok := benchToken(b)
	b.ReportAllocs()
	for b.Loop() {
		c, err := p.verifyUncached(tok)
		if err != nil || checkLifetime(c, p.clock.Now()) != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyAccessTokenWarm is the cached path every later Graph
// request takes.
func BenchmarkVerifyAccessTokenWarm(b *testing.B) {
	p, tok := benchToken(b)
	if _, err := p.VerifyAccessToken(tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.VerifyAccessToken(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyAccessTokenWarmParallel(b *testing.B) {
	p, tok := benchToken(b)
	if _, err := p.VerifyAccessToken(tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := p.VerifyAccessToken(tok); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkClientCredentials is a whole token request through ServeHTTP
// (one RSA signature each).
func BenchmarkClientCredentials(b *testing.B) {
	p, _ := benchToken(b)
	body := "grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_id=" + testClientID + "&client_secret=" + strings.NewReplacer("+", "%2B", "&", "%26", "=", "%3D", "%", "%25", "~", "%7E").Replace(testSecret)
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/common/oauth2/v2.0/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}
