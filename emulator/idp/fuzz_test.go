package idp

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator/tenant"
	"github.com/graphsec/graphsec/internal/clock"
)

func newFuzzProvider(f *testing.F) *Provider {
	f.Helper()
	p, err := New(Options{BaseURL: "http://127.0.0.1:5001", Directory: newTestDirectory(), Clock: clock.NewFake(testStart), Key: testKey()})
	if err != nil {
		f.Fatal(err)
	}
	return p
}

func FuzzVerifyAccessToken(f *testing.F) {
	p := newFuzzProvider(f)
	p.dir.GrantUserConsent(testClientID, readerID, []string{"User.Read"})
	user, _ := p.IssueUserToken(testClientID, readerID, []string{"User.Read"})
	app, _ := p.IssueAppToken(testClientID)
	for _, s := range []string{user, app, "", "a.b.c", "..", "eyJhbGciOiJSUzI1NiJ9.e30.", user[:len(user)-5], strings.Replace(user, ".", "..", 1)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := p.VerifyAccessToken(raw)
		if err == nil {
			if raw != user && raw != app {
				// Only the emulator's own tokens can verify.
				if _, serr := p.signer.verify(raw); serr != nil {
					t.Fatalf("verified a token with a bad signature: %q", raw)
				}
			}
			if c == nil || c.TenantID != testTenantID {
				t.Fatalf("claims %+v", c)
			}
			return
		}
		var te *TokenError
		if !errors.As(err, &te) || c != nil {
			t.Fatalf("error %v (%T)", err, err)
		}
	})
}

func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{"openid profile offline_access User.Read", "https://graph.microsoft.com/.default", "api://x/y", "  ", "User.Read https://graph.microsoft.com/.default", "\x00", strings.Repeat("a ", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := parseScopes(raw)
		if err != nil {
			var se *ScopeError
			if !errors.Is(err, errScopeEmpty) && !errors.As(err, &se) {
				t.Fatalf("error %v (%T)", err, err)
			}
			if se != nil && (se.Code == 0 || se.OAuthError == "" || se.aad().status != http.StatusBadRequest) {
				t.Fatalf("scope error %+v", se)
			}
			return
		}
		if len(req.items()) > maxScopeItems {
			t.Fatalf("%d items", len(req.items()))
		}
		if req.GraphDefault && len(req.Graph) > 0 {
			t.Fatal(".default combined")
		}
		for _, n := range req.Graph {
			if p, ok := tenant.LookupPermission(n); !ok || p.Name != n || p.OIDC {
				t.Fatalf("graph scope %q not canonical", n)
			}
		}
		for _, n := range req.OIDC {
			if p, ok := tenant.LookupPermission(n); !ok || p.Name != n || !p.OIDC {
				t.Fatalf("oidc scope %q not canonical", n)
			}
		}
		_ = parseClientCredentialsScope(raw)
	})
}

func FuzzParseBasicAuth(f *testing.F) {
	for _, s := range []string{"Basic " + base64.StdEncoding.EncodeToString([]byte("a:b")), "Basic", "Basic ", "basic YTo=", "Bearer x", "Basic %%%", "Basic " + base64.StdEncoding.EncodeToString([]byte("%zz:b"))} {
		f.Add(s, "id", "se:cr+et%")
	}
	f.Fuzz(func(t *testing.T, header, id, secret string) {
		if _, _, _, err := parseBasicAuth(header); err != nil && !errors.Is(err, errBasicMalformed) {
			t.Fatalf("error %v", err)
		}
		// What x/oauth2 sends decodes to what it encoded.
		h := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
		gid, gsecret, ok, err := parseBasicAuth(h)
		if len(h) > maxBasicAuthBytes {
			if err == nil {
				t.Fatal("oversized header accepted")
			}
			return
		}
		if err != nil || !ok || gid != id || gsecret != secret {
			t.Fatalf("round trip %q %q -> %q %q %v %v", id, secret, gid, gsecret, ok, err)
		}
	})
}

// FuzzAuthorizeQuery: whatever the query, the authorize endpoint answers
// without a panic or a 5xx, and only ever redirects to a registered URI.
func FuzzAuthorizeQuery(f *testing.F) {
	p := newFuzzProvider(f)
	for _, q := range []string{
		baseQuery("openid User.Read").Encode(),
		"client_id=" + testClientID + "&redirect_uri=" + url.QueryEscape(testRedirect) + "&response_type=code&scope=openid&prompt=none&response_mode=form_post",
		"client_id=" + testClientID + "&redirect_uri=" + url.QueryEscape(testRedirect) + "&response_type=token",
		"client_id=" + testClientID + "&redirect_uri=https%3A%2F%2Fevil.example",
		"client_id=%zz", "", "&&&", "scope=" + strings.Repeat("x", 5000),
	} {
		f.Add("common", q, false)
		f.Add(testDomain, q, true)
	}
	registered := []string{testRedirect, "http://localhost:5000/logged-out", publicRedir}
	f.Fuzz(func(t *testing.T, tenantSeg, rawQuery string, post bool) {
		if strings.ContainsAny(tenantSeg, "/?#%") || tenantSeg == "" || strings.ContainsFunc(tenantSeg, func(r rune) bool { return r < 0x21 || r > 0x7e }) {
			return
		}
		var req *http.Request
		if post {
			req = httptest.NewRequest(http.MethodPost, "/"+tenantSeg+"/oauth2/v2.0/authorize", strings.NewReader(rawQuery))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		} else {
			req = httptest.NewRequest(http.MethodGet, "/"+tenantSeg+"/oauth2/v2.0/authorize", nil)
			req.URL.RawQuery = rawQuery
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d for %q", rec.Code, rawQuery)
		}
		if loc := rec.Header().Get("Location"); loc != "" {
			ok := false
			for _, r := range registered {
				if strings.HasPrefix(loc, r+"?") || strings.HasPrefix(loc, r+"#") {
					ok = true
				}
			}
			if !ok {
				t.Fatalf("redirect to unregistered %q", loc)
			}
		}
	})
}

// FuzzTokenBody: the token endpoint answers every body with JSON and
// never a 5xx.
func FuzzTokenBody(f *testing.F) {
	p := newFuzzProvider(f)
	f.Add("grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default&client_id="+testClientID+"&client_secret=x", "")
	f.Add("grant_type=authorization_code&code=abc&redirect_uri=x&client_id="+testClientID, "Basic "+base64.StdEncoding.EncodeToString([]byte("a:b")))
	f.Add("grant_type=refresh_token&refresh_token=1.AAAA&client_id="+publicID, "")
	f.Fuzz(func(t *testing.T, body, auth string) {
		req := httptest.NewRequest(http.MethodPost, "/common/oauth2/v2.0/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if auth != "" && !strings.ContainsAny(auth, "\r\n") {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, req)
		if rec.Code >= 500 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("status %d type %q for %q", rec.Code, rec.Header().Get("Content-Type"), body)
		}
	})
}
