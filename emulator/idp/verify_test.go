package idp

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

func TestVerifyAccessToken(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantUserConsent(testClientID, adminID, []string{"User.Read", "SecurityAlert.Read.All"})
	e.dir.GrantAdminConsent(testClientID, nil, []string{"SecurityEvents.Read.All"})
	userTok, err := e.p.IssueUserToken(testClientID, adminUPN, []string{"https://graph.microsoft.com/User.Read", "SecurityAlert.Read.All", "Mail.Send"})
	if err != nil {
		t.Fatal(err)
	}
	appTok, err := e.p.IssueAppToken(testClientID)
	if err != nil {
		t.Fatal(err)
	}
	app, _ := e.dir.App(testClientID)
	admin, _ := e.dir.User(adminID)
	now := e.clock.Now()
	sign := func(mut func(*accessTokenClaims)) string {
		c := accessTokenClaims{Aud: tenant.GraphResource, Iss: e.p.accessIssuer(), Iat: now.Unix(), Nbf: now.Unix(), Exp: now.Add(time.Hour).Unix(), AppID: testClientID, IDType: "user", OID: adminID, TID: testTenantID, Ver: "1.0", Scp: "User.Read"}
		mut(&c)
		s, err := e.p.signer.sign(c)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherSigner, err := newSigner(otherKey, now)
	if err != nil {
		t.Fatal(err)
	}
	foreign, _ := otherSigner.sign(accessTokenClaims{Aud: tenant.GraphResource, Iss: e.p.accessIssuer(), Exp: now.Add(time.Hour).Unix(), TID: testTenantID})
	// A token with our kid but another key's signature.
	forged := userTok[:strings.LastIndex(userTok, ".")] + foreign[strings.LastIndex(foreign, "."):]
	idTok, _ := e.p.mintIDToken(now, app, admin, []string{"openid"}, "")
	header, payload, _ := strings.Cut(userTok, ".")
	noneAlg := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + strings.Split(payload, ".")[0] + "."

	tests := []struct {
		name  string
		raw   string
		err   error
		msg   string
		check func(t *testing.T, c *Claims)
	}{
		{name: "user token", raw: userTok, check: func(t *testing.T, c *Claims) {
			if c.AppOnly || c.ObjectID != adminID || c.TenantID != testTenantID || c.UPN != adminUPN || c.Name != "Ada Admin" || c.AppID != testClientID || c.AppDisplayName != "graphsec console" {
				t.Fatalf("%+v", c)
			}
			if !slices.Equal(c.Scopes, []string{"User.Read", "SecurityAlert.Read.All"}) || c.Roles != nil || !c.HasScope("user.read") || c.HasScope("Mail.Send") {
				t.Fatalf("scopes %v roles %v", c.Scopes, c.Roles)
			}
			if !slices.Equal(c.WIDs, []string{"62e90394-69f5-4237-9190-012177145e10"}) || c.Subject != pairwiseSubject(testTenantID, adminID, testClientID) || c.TokenID == "" {
				t.Fatalf("%+v", c)
			}
			if !c.IssuedAt.Equal(now) || !c.NotBefore.Equal(now) || !c.Expiry.Equal(now.Add(DefaultAccessTokenLifetime)) {
				t.Fatalf("times %v %v %v", c.IssuedAt, c.NotBefore, c.Expiry)
			}
		}},
		{name: "app token", raw: appTok, check: func(t *testing.T, c *Claims) {
			if !c.AppOnly || c.Scopes != nil || c.ObjectID != testSPID || c.Subject != testSPID || !c.HasRole("securityevents.read.all") || c.UPN != "" {
				t.Fatalf("%+v", c)
			}
		}},
		{name: "Graph app id audience", raw: sign(func(c *accessTokenClaims) { c.Aud = tenant.GraphAppID })},
		{name: "user token without scopes", raw: sign(func(c *accessTokenClaims) { c.Scp = "" }), check: func(t *testing.T, c *Claims) {
			if c.Scopes == nil || len(c.Scopes) != 0 {
				t.Fatalf("scopes %#v", c.Scopes)
			}
		}},
		{name: "empty", raw: "", err: ErrTokenEmpty, msg: "Access token is empty."},
		{name: "not a JWT", raw: "abc", err: ErrTokenMalformed, msg: "CompactToken parsing failed with error code: 80049217"},
		{name: "two parts", raw: header + ".abc", err: ErrTokenMalformed},
		{name: "four parts", raw: userTok + ".x", err: ErrTokenMalformed},
		{name: "bad base64", raw: "!!!." + payload, err: ErrTokenMalformed},
		{name: "payload not JSON", raw: header + ".bm90IGpzb24.c2ln", err: ErrTokenMalformed},
		{name: "too long", raw: strings.Repeat("a", maxAccessTokenBytes+1), err: ErrTokenMalformed},
		{name: "alg none", raw: noneAlg, err: ErrTokenMalformed},
		{name: "other key", raw: foreign, err: ErrTokenSignature, msg: "Access token validation failure. Invalid signature."},
		{name: "forged signature", raw: forged, err: ErrTokenSignature},
		{name: "ID token", raw: idTok, err: ErrTokenAudience, msg: "Access token validation failure. Invalid audience."},
		{name: "other audience", raw: sign(func(c *accessTokenClaims) { c.Aud = "api://other" }), err: ErrTokenAudience},
		{name: "other issuer", raw: sign(func(c *accessTokenClaims) { c.Iss = "https://sts.windows.net/00000000-0000-0000-0000-000000000000/" }), err: ErrTokenIssuer, msg: "Access token validation failure. Invalid issuer."},
		{name: "v2 issuer", raw: sign(func(c *accessTokenClaims) { c.Iss = e.p.idIssuer() }), err: ErrTokenIssuer},
		{name: "other tid", raw: sign(func(c *accessTokenClaims) { c.TID = "00000000-0000-0000-0000-000000000000" }), err: ErrTokenIssuer},
		{name: "expired", raw: sign(func(c *accessTokenClaims) { c.Exp = now.Add(-ClockSkew - time.Second).Unix() }), err: ErrTokenExpired, msg: "Lifetime validation failed, the token is expired."},
		{name: "expired within skew", raw: sign(func(c *accessTokenClaims) { c.Exp = now.Add(-ClockSkew).Unix() })},
		{name: "not yet valid", raw: sign(func(c *accessTokenClaims) { c.Nbf = now.Add(ClockSkew + time.Second).Unix() }), err: ErrTokenNotYetValid, msg: "Access token has expired or is not yet valid."},
		{name: "no exp", raw: sign(func(c *accessTokenClaims) { c.Exp = 0 }), err: ErrTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // the second call is served from the cache
				c, err := e.p.VerifyAccessToken(tt.raw)
				if tt.err == nil {
					if err != nil {
						t.Fatal(err)
					}
					if tt.check != nil {
						tt.check(t, c)
					}
					continue
				}
				var te *TokenError
				if !errors.Is(err, tt.err) || !errors.As(err, &te) || c != nil {
					t.Fatalf("got %v (%T), want %v", err, err, tt.err)
				}
				if tt.msg != "" && err.Error() != tt.msg {
					t.Fatalf("message %q, want %q", err.Error(), tt.msg)
				}
			}
		})
	}
}

// TestVerifyCacheHonoursClock: a cached token still expires when the clock
// moves, and callers cannot change what the cache holds.
func TestVerifyCacheHonoursClock(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantUserConsent(testClientID, readerID, []string{"User.Read"})
	tok, err := e.p.IssueUserToken(testClientID, readerID, []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.p.VerifyAccessToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	c.Scopes[0] = "Directory.ReadWrite.All"
	c.ObjectID = "changed"
	c2, err := e.p.VerifyAccessToken(tok)
	if err != nil || c2.Scopes[0] != "User.Read" || c2.ObjectID != readerID {
		t.Fatalf("cache was changed through a returned value: %+v %v", c2, err)
	}
	e.clock.Advance(DefaultAccessTokenLifetime + ClockSkew)
	if _, err := e.p.VerifyAccessToken(tok); err != nil {
		t.Fatalf("at expiry plus skew: %v", err)
	}
	e.clock.Advance(time.Second)
	if _, err := e.p.VerifyAccessToken(tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("after expiry plus skew: %v", err)
	}
	e.clock.Advance(-DefaultAccessTokenLifetime)
	if _, err := e.p.VerifyAccessToken(tok); err != nil {
		t.Fatalf("clock moved back within lifetime: %v", err)
	}
}

func TestIssueTokensErrors(t *testing.T) {
	e := newEnv(t)
	if _, err := e.p.IssueAppToken("nope"); !errors.Is(err, tenant.ErrNoSuchApp) {
		t.Fatal(err)
	}
	if _, err := e.p.IssueUserToken("nope", readerID, nil); !errors.Is(err, tenant.ErrNoSuchApp) {
		t.Fatal(err)
	}
	if _, err := e.p.IssueUserToken(testClientID, "nobody", nil); !errors.Is(err, tenant.ErrNoSuchUser) {
		t.Fatal(err)
	}
	var se *ScopeError
	if _, err := e.p.IssueUserToken(testClientID, readerID, []string{"api://x/y"}); !errors.As(err, &se) || se.Code != 500011 {
		t.Fatal(err)
	}
	// Nothing consented: a valid token with an empty scp.
	tok, err := e.p.IssueUserToken(testClientID, plainID, []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.p.VerifyAccessToken(tok)
	if err != nil || len(c.Scopes) != 0 || c.Scopes == nil {
		t.Fatalf("%+v %v", c, err)
	}
	// .default gives every consented Graph permission.
	e.dir.GrantUserConsent(testClientID, plainID, []string{"openid", "Mail.Send", "User.Read"})
	tok, _ = e.p.IssueUserToken(testClientID, plainID, []string{"https://graph.microsoft.com/.default"})
	if c, _ = e.p.VerifyAccessToken(tok); !slices.Equal(c.Scopes, []string{"Mail.Send", "User.Read"}) {
		t.Fatalf("%v", c.Scopes)
	}
}

func TestNewOptions(t *testing.T) {
	dir := newTestDirectory()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    Options
		ok   bool
	}{
		{"minimal", Options{BaseURL: "http://127.0.0.1:5001", Directory: dir, Key: testKey()}, true},
		{"https", Options{BaseURL: "https://login.example", Directory: dir, Key: testKey()}, true},
		{"no directory", Options{BaseURL: "http://127.0.0.1:5001"}, false},
		{"trailing slash", Options{BaseURL: "http://127.0.0.1:5001/", Directory: dir, Key: testKey()}, false},
		{"path", Options{BaseURL: "http://127.0.0.1:5001/idp", Directory: dir, Key: testKey()}, false},
		{"no scheme", Options{BaseURL: "127.0.0.1:5001", Directory: dir, Key: testKey()}, false},
		{"ftp", Options{BaseURL: "ftp://x", Directory: dir, Key: testKey()}, false},
		{"negative lifetime", Options{BaseURL: "http://x", Directory: dir, Key: testKey(), AccessTokenLifetime: -time.Second}, false},
		{"sub-second lifetime", Options{BaseURL: "http://x", Directory: dir, Key: testKey(), AccessTokenLifetime: time.Millisecond}, false},
		{"small key", Options{BaseURL: "http://x", Directory: dir, Key: small}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.o)
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v", err)
			}
			if p != nil && (p.accessTTL != DefaultAccessTokenLifetime || p.refreshTTL != DefaultRefreshTokenLifetime) {
				t.Fatal("defaults not applied")
			}
		})
	}
	t.Run("custom lifetime reaches expires_in", func(t *testing.T) {
		p, err := New(Options{BaseURL: "http://x", Directory: dir, Key: testKey(), AccessTokenLifetime: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		tok, _ := p.IssueAppToken(testClientID)
		c, err := p.VerifyAccessToken(tok)
		if err != nil || c.Expiry.Sub(c.IssuedAt) != 10*time.Minute {
			t.Fatalf("%+v %v", c, err)
		}
	})
}
