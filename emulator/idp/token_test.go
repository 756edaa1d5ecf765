package idp

import (
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

func TestTokenEndpointErrors(t *testing.T) {
	e := newEnv(t)
	tokenURL := e.base + "/" + testTenantID + "/oauth2/v2.0/token"
	cc := func(extra ...string) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
		for i := 0; i+1 < len(extra); i += 2 {
			v.Set(extra[i], extra[i+1])
		}
		return v
	}
	tests := []struct {
		name        string
		method      string
		url         string
		contentType string
		body        string
		basic       [2]string
		rawAuth     string
		status      int
		err         string
		code        int
		suberror    string
	}{
		{name: "GET", method: http.MethodGet, status: 400, err: "invalid_request", code: 900561},
		{name: "unknown tenant", url: e.base + "/fabrikam.com/oauth2/v2.0/token", body: cc("client_id", testClientID, "client_secret", testSecret).Encode(), status: 400, err: "invalid_request", code: 90002},
		{name: "consumers", url: e.base + "/consumers/oauth2/v2.0/token", body: cc().Encode(), status: 400, err: "invalid_request", code: 90002},
		{name: "JSON body", contentType: "application/json", body: `{"grant_type":"client_credentials"}`, status: 400, err: "invalid_request", code: 900144},
		{name: "missing grant_type", body: "client_id=" + testClientID, status: 400, err: "invalid_request", code: 900144},
		{name: "unsupported grant", body: "grant_type=password&client_id=" + testClientID, status: 400, err: "unsupported_grant_type", code: 70003},
		{name: "repeated parameter", body: "grant_type=client_credentials&grant_type=client_credentials", status: 400, err: "invalid_request", code: 9002313},
		{name: "bad form encoding", body: "grant_type=%zz", status: 400, err: "invalid_request", code: 9002313},
		{name: "body too large", body: "grant_type=client_credentials&scope=" + strings.Repeat("a", maxFormBytes), status: 400, err: "invalid_request", code: 9002313},
		{name: "missing client_id", body: cc().Encode(), status: 400, err: "invalid_request", code: 900144},
		{name: "unknown client", body: cc("client_id", "00000000-1111-2222-3333-444444444444", "client_secret", "x").Encode(), status: 400, err: "unauthorized_client", code: 700016},
		{name: "missing secret", body: cc("client_id", testClientID).Encode(), status: 401, err: "invalid_client", code: 7000218},
		{name: "wrong secret post", body: cc("client_id", testClientID, "client_secret", "nope").Encode(), status: 401, err: "invalid_client", code: 7000215},
		{name: "wrong secret basic", body: cc().Encode(), basic: [2]string{testClientID, "nope"}, status: 401, err: "invalid_client", code: 7000215},
		{name: "basic and post disagree on secret", body: cc("client_secret", "other").Encode(), basic: [2]string{testClientID, testSecret}, status: 400, err: "invalid_request", code: 9002313},
		{name: "basic and post disagree on client", body: cc("client_id", otherClientID).Encode(), basic: [2]string{testClientID, testSecret}, status: 400, err: "invalid_request", code: 9002313},
		{name: "malformed basic", body: cc().Encode(), rawAuth: "Basic !!!notbase64", status: 400, err: "invalid_request", code: 9002313},
		{name: "public client with secret", body: cc("client_id", publicID, "client_secret", "x").Encode(), status: 401, err: "invalid_client", code: 700025},
		{name: "public client credentials", body: cc("client_id", publicID).Encode(), status: 401, err: "invalid_client", code: 7000218},
		{name: "client assertion", body: cc("client_id", testClientID, "client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "eyJ.x.y").Encode(), status: 401, err: "invalid_client", code: 700027},
		{name: "cc scope not default", body: url.Values{"grant_type": {"client_credentials"}, "scope": {"User.Read"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_scope", code: 1002012},
		{name: "cc two scopes", body: url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default api://fabrikam/.default"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_scope", code: 70011},
		{name: "cc other resource", body: url.Values{"grant_type": {"client_credentials"}, "scope": {"api://fabrikam/.default"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_resource", code: 500011},
		{name: "cc missing scope", body: url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_request", code: 900144},
		{name: "code missing", body: url.Values{"grant_type": {"authorization_code"}, "redirect_uri": {testRedirect}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_request", code: 900144},
		{name: "code garbage", body: url.Values{"grant_type": {"authorization_code"}, "code": {"garbage"}, "redirect_uri": {testRedirect}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_grant", code: 70000},
		{name: "refresh missing", body: url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_request", code: 900144},
		{name: "refresh garbage", body: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"1.AAAA"}, "client_id": {testClientID}, "client_secret": {testSecret}}.Encode(), status: 400, err: "invalid_grant", code: 70000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, u, ct := tt.method, tt.url, tt.contentType
			if method == "" {
				method = http.MethodPost
			}
			if u == "" {
				u = tokenURL
			}
			if ct == "" {
				ct = "application/x-www-form-urlencoded"
			}
			req, _ := http.NewRequest(method, u, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", ct)
			req.Header.Set("client-request-id", "11111111-2222-4333-8444-555555555555")
			if tt.basic[0] != "" {
				req.SetBasicAuth(url.QueryEscape(tt.basic[0]), url.QueryEscape(tt.basic[1]))
			}
			if tt.rawAuth != "" {
				req.Header.Set("Authorization", tt.rawAuth)
			}
			resp, err := e.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var m map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d (%v)", resp.StatusCode, tt.status, m["error_description"])
			}
			checkAADError(t, m, tt.err, tt.code)
			if m["correlation_id"] != "11111111-2222-4333-8444-555555555555" {
				t.Errorf("correlation_id %v does not echo client-request-id", m["correlation_id"])
			}
			if resp.Header.Get("Cache-Control") != "no-store, no-cache" || resp.Header.Get("Pragma") != "no-cache" {
				t.Errorf("cache headers %v", resp.Header)
			}
			if tt.basic[0] != "" && tt.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 after Basic without WWW-Authenticate")
			}
		})
	}
}

func TestAuthorizationCodeGrant(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk" // RFC 7636 appendix B
	const s256 = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	userConsent := func(e *env, user string) {
		e.dir.GrantUserConsent(testClientID, user, []string{"openid", "profile", "offline_access", "User.Read"})
	}
	tests := []struct {
		name      string
		query     map[string]string // added to the authorize request
		client    [2]string         // who redeems (default the app)
		extra     url.Values        // added to the redemption
		advance   time.Duration
		redeemTwo bool
		err       string
		code      int
	}{
		{name: "plain code", err: ""},
		{name: "S256", query: map[string]string{"code_challenge": s256, "code_challenge_method": "S256"}, extra: url.Values{"code_verifier": {verifier}}},
		{name: "plain PKCE", query: map[string]string{"code_challenge": verifier, "code_challenge_method": "plain"}, extra: url.Values{"code_verifier": {verifier}}},
		{name: "plain PKCE by default", query: map[string]string{"code_challenge": verifier}, extra: url.Values{"code_verifier": {verifier}}},
		{name: "S256 mismatch", query: map[string]string{"code_challenge": s256, "code_challenge_method": "S256"}, extra: url.Values{"code_verifier": {strings.Repeat("a", 43)}}, err: "invalid_grant", code: 501481},
		{name: "S256 verifier missing", query: map[string]string{"code_challenge": s256, "code_challenge_method": "S256"}, err: "invalid_grant", code: 501481},
		{name: "verifier without challenge", extra: url.Values{"code_verifier": {verifier}}, err: "invalid_grant", code: 501481},
		{name: "plain given the S256 value", query: map[string]string{"code_challenge": s256, "code_challenge_method": "plain"}, extra: url.Values{"code_verifier": {verifier}}, err: "invalid_grant", code: 501481},
		{name: "reused", redeemTwo: true, err: "invalid_grant", code: 54005},
		{name: "expired", advance: codeLifetime + time.Second, err: "invalid_grant", code: 70008},
		{name: "just before expiry", advance: codeLifetime},
		{name: "after retention", advance: codeLifetime + codeRetention + time.Second, err: "invalid_grant", code: 70000},
		{name: "other redirect_uri", extra: url.Values{"redirect_uri": {"http://localhost:5000/logged-out"}}, err: "invalid_grant", code: 70000},
		{name: "other client", client: [2]string{otherClientID, otherSecret}, err: "invalid_grant", code: 70000},
		{name: "missing redirect_uri", extra: url.Values{"redirect_uri": {""}}, err: "invalid_request", code: 900144},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			userConsent(e, readerID)
			q := baseQuery("openid profile offline_access User.Read")
			for k, v := range tt.query {
				q.Set(k, v)
			}
			code := e.codeFor(e.newBrowser(), q, readerID)
			e.clock.Advance(tt.advance)
			form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testRedirect}, "client_id": {testClientID}, "client_secret": {testSecret}}
			if tt.client[0] != "" {
				form.Set("client_id", tt.client[0])
				form.Set("client_secret", tt.client[1])
			}
			for k, v := range tt.extra {
				if v[0] == "" {
					form.Del(k)
				} else {
					form[k] = v
				}
			}
			if tt.redeemTwo {
				if st, m, _ := e.postToken(form, "", ""); st != 200 {
					t.Fatalf("first redemption: %d %v", st, m)
				}
			}
			st, m, _ := e.postToken(form, "", "")
			if tt.err == "" {
				if st != 200 || m["access_token"] == nil {
					t.Fatalf("status %d: %v", st, m)
				}
				return
			}
			if st != 400 {
				t.Errorf("status %d", st)
			}
			checkAADError(t, m, tt.err, tt.code)
		})
	}
}

// TestCodeSpentByFailedAttempt: a wrong verifier burns the code, so the
// right one cannot follow.
func TestCodeSpentByFailedAttempt(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantUserConsent(testClientID, readerID, []string{"openid", "User.Read"})
	q := baseQuery("openid User.Read")
	q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
	q.Set("code_challenge_method", "S256")
	code := e.codeFor(e.newBrowser(), q, readerID)
	if st, m := e.redeem(code, url.Values{"code_verifier": {strings.Repeat("b", 50)}}); st != 400 || m["error_codes"].([]any)[0] != float64(501481) {
		t.Fatalf("%d %v", st, m)
	}
	if st, m := e.redeem(code, url.Values{"code_verifier": {"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"}}); st != 400 || m["error_codes"].([]any)[0] != float64(54005) {
		t.Fatalf("%d %v", st, m)
	}
}

func TestTokenResponseShape(t *testing.T) {
	tests := []struct {
		name       string
		scope      string
		wantScope  string
		refresh    bool
		idToken    bool
		clientInfo bool
		redeem     string // the scope parameter of the redemption, if any
	}{
		{"full", "openid profile email offline_access https://graph.microsoft.com/user.read Mail.Send", "User.Read Mail.Send openid profile email offline_access", true, true, false, ""},
		{"no offline_access", "openid User.Read", "User.Read openid", false, true, false, ""},
		{"no openid", "offline_access User.Read", "User.Read offline_access", true, false, false, ""},
		{"client_info", "openid User.Read", "User.Read openid", false, true, true, ""},
		{".default", "openid https://graph.microsoft.com/.default", "User.Read Mail.Send openid", false, true, false, ""},
		// The redemption adds OIDC scopes only, never resource scopes.
		{"no resource scopes added at redemption", "openid User.Read", "User.Read openid", false, true, false, "openid User.Read Mail.Send"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			code := e.codeFor(e.newBrowser(), baseQuery(tt.scope), plainID)
			var extra url.Values
			if tt.clientInfo {
				extra = url.Values{"client_info": {"1"}}
			}
			if tt.redeem != "" {
				if extra == nil {
					extra = url.Values{}
				}
				extra.Set("scope", tt.redeem)
			}
			st, m := e.redeem(code, extra)
			if st != 200 {
				t.Fatalf("%d %v", st, m)
			}
			if m["token_type"] != "Bearer" || m["expires_in"] != float64(3599) || m["ext_expires_in"] != float64(3599) || m["scope"] != tt.wantScope {
				t.Errorf("response %v", m)
			}
			if _, ok := m["refresh_token"]; ok != tt.refresh {
				t.Errorf("refresh_token present=%v", ok)
			}
			if _, ok := m["id_token"]; ok != tt.idToken {
				t.Errorf("id_token present=%v", ok)
			}
			if ci, ok := m["client_info"].(string); ok != tt.clientInfo {
				t.Errorf("client_info present=%v", ok)
			} else if ok {
				b, _ := base64.RawURLEncoding.DecodeString(ci)
				if string(b) != `{"uid":"`+plainID+`","utid":"`+testTenantID+`"}` {
					t.Errorf("client_info %s", b)
				}
			}
			if tt.idToken {
				idc := decodePayload(t, m["id_token"].(string))
				if idc["nonce"] != "n-456" || idc["aud"] != testClientID || idc["iss"] != e.base+"/"+testTenantID+"/v2.0" || idc["ver"] != "2.0" || idc["tid"] != testTenantID {
					t.Errorf("id token %v", idc)
				}
				_, hasName := idc["name"]
				if hasName != strings.Contains(tt.scope+" "+tt.redeem, "profile") {
					t.Errorf("name present=%v without/with profile", hasName)
				}
			}
			at := decodePayload(t, m["access_token"].(string))
			want := []string{"aud", "iss", "iat", "nbf", "exp", "acr", "amr", "app_displayname", "appid", "appidacr", "idtyp", "name", "oid", "scp", "sub", "tid", "unique_name", "upn", "uti", "ver"}
			for _, k := range want {
				if _, ok := at[k]; !ok {
					t.Errorf("access token lacks %s", k)
				}
			}
			if at["aud"] != tenant.GraphResource || at["iss"] != "https://sts.windows.net/"+testTenantID+"/" || at["ver"] != "1.0" || at["idtyp"] != "user" || at["appidacr"] != "1" {
				t.Errorf("access token %v", at)
			}
			if at["exp"].(float64)-at["iat"].(float64) != 3599 || at["iat"] != float64(testStart.Unix()) {
				t.Errorf("lifetime iat=%v exp=%v", at["iat"], at["exp"])
			}
			h := decodeHeader(t, m["access_token"].(string))
			if h["typ"] != "JWT" || h["alg"] != "RS256" || h["kid"] != e.p.signer.kid || h["x5t"] != e.p.signer.kid {
				t.Errorf("header %v", h)
			}
		})
	}
}

func TestRefreshToken(t *testing.T) {
	// setup signs the reader in with their own consent plus a tenant-wide
	// grant of an admin-only permission, and returns the first response.
	setup := func(t *testing.T) (*env, map[string]any) {
		e := newEnv(t)
		e.dir.GrantUserConsent(testClientID, readerID, []string{"openid", "offline_access", "User.Read"})
		e.dir.GrantAdminConsent(testClientID, []string{"SecurityAlert.Read.All"}, nil)
		code := e.codeFor(e.newBrowser(), baseQuery("openid offline_access User.Read SecurityAlert.Read.All"), readerID)
		st, m := e.redeem(code, nil)
		if st != 200 || m["scope"] != "User.Read SecurityAlert.Read.All openid offline_access" {
			t.Fatalf("%d %v", st, m)
		}
		return e, m
	}
	refresh := func(e *env, rt, scope, client, secret string) (int, map[string]any) {
		f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
		if scope != "" {
			f.Set("scope", scope)
		}
		st, m, _ := e.postToken(f, client, secret)
		return st, m
	}
	t.Run("rotation keeps old token valid", func(t *testing.T) {
		e, first := setup(t)
		rt1 := first["refresh_token"].(string)
		e.clock.Advance(time.Hour)
		st, second := refresh(e, rt1, "", testClientID, testSecret)
		if st != 200 || second["refresh_token"] == rt1 || second["refresh_token"] == nil {
			t.Fatalf("%d %v", st, second)
		}
		if st, again := refresh(e, rt1, "", testClientID, testSecret); st != 200 {
			t.Fatalf("old refresh token refused: %v", again)
		}
		if second["id_token"] == nil || second["scope"] != first["scope"] {
			t.Fatalf("second %v", second)
		}
	})
	t.Run("subset scope", func(t *testing.T) {
		e, first := setup(t)
		st, m := refresh(e, first["refresh_token"].(string), "https://graph.microsoft.com/User.Read", testClientID, testSecret)
		if st != 200 || m["scope"] != "User.Read" || m["id_token"] != nil || m["refresh_token"] == nil {
			t.Fatalf("%d %v", st, m)
		}
		// The new refresh token still carries the original grant.
		st, m = refresh(e, m["refresh_token"].(string), "", testClientID, testSecret)
		if st != 200 || m["scope"] != first["scope"] {
			t.Fatalf("%d %v", st, m)
		}
	})
	t.Run("superset scope", func(t *testing.T) {
		e, first := setup(t)
		st, m := refresh(e, first["refresh_token"].(string), "User.Read Mail.Send", testClientID, testSecret)
		if st != 400 {
			t.Fatal(st)
		}
		checkAADError(t, m, "invalid_scope", 70011)
		if !strings.Contains(m["error_description"].(string), "Mail.Send") {
			t.Errorf("description does not name the scope: %v", m["error_description"])
		}
	})
	t.Run("other client", func(t *testing.T) {
		e, first := setup(t)
		st, m := refresh(e, first["refresh_token"].(string), "", otherClientID, otherSecret)
		if st != 400 {
			t.Fatal(st)
		}
		checkAADError(t, m, "invalid_grant", 70000)
	})
	t.Run("tampered", func(t *testing.T) {
		e, first := setup(t)
		rt := []byte(first["refresh_token"].(string))
		rt[len(rt)-3] ^= 1
		st, m := refresh(e, string(rt), "", testClientID, testSecret)
		if st != 400 {
			t.Fatal(st)
		}
		checkAADError(t, m, "invalid_grant", 70000)
	})
	t.Run("expired", func(t *testing.T) {
		e, first := setup(t)
		e.clock.Advance(DefaultRefreshTokenLifetime + time.Second)
		st, m := refresh(e, first["refresh_token"].(string), "", testClientID, testSecret)
		if st != 400 {
			t.Fatal(st)
		}
		checkAADError(t, m, "invalid_grant", 700082)
		if !strings.Contains(m["error_description"].(string), "inactive for 90.00:00:00") {
			t.Errorf("description %q", m["error_description"])
		}
	})
	t.Run("consent revocation shrinks scopes", func(t *testing.T) {
		e, first := setup(t)
		e.dir.RevokeAdminConsent(testClientID)
		e.dir.GrantUserConsent(testClientID, readerID, []string{"openid", "offline_access", "User.Read"})
		st, m := refresh(e, first["refresh_token"].(string), "", testClientID, testSecret)
		if st != 200 || m["scope"] != "User.Read openid offline_access" {
			t.Fatalf("%d %v", st, m)
		}
		c, err := e.p.VerifyAccessToken(m["access_token"].(string))
		if err != nil || !slices.Equal(c.Scopes, []string{"User.Read"}) {
			t.Fatalf("%v %v", c, err)
		}
	})
	t.Run("all consent revoked", func(t *testing.T) {
		e, first := setup(t)
		e.dir.RevokeAdminConsent(testClientID)
		st, m := refresh(e, first["refresh_token"].(string), "", testClientID, testSecret)
		if st != 400 || m["suberror"] != "consent_required" {
			t.Fatalf("%d %v", st, m)
		}
		checkAADError(t, m, "invalid_grant", 65001)
	})
	t.Run("reset invalidates", func(t *testing.T) {
		e, first := setup(t)
		if err := e.p.Reset(); err != nil {
			t.Fatal(err)
		}
		st, m := refresh(e, first["refresh_token"].(string), "", testClientID, testSecret)
		if st != 400 {
			t.Fatal(st)
		}
		checkAADError(t, m, "invalid_grant", 70000)
	})
}

func TestClientCredentials(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantAdminConsent(testClientID, nil, []string{"securityalert.read.all", "SecurityIncident.Read.All"})
	for _, scope := range []string{"https://graph.microsoft.com/.default", "00000003-0000-0000-c000-000000000000/.default", "HTTPS://GRAPH.MICROSOFT.COM/.default"} {
		t.Run(scope, func(t *testing.T) {
			st, m, h := e.postToken(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, testClientID, testSecret)
			if st != 200 {
				t.Fatalf("%d %v", st, m)
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, []string{"access_token", "expires_in", "ext_expires_in", "token_type"}) {
				t.Errorf("fields %v", keys)
			}
			if h.Get("Cache-Control") != "no-store, no-cache" || h.Get("Pragma") != "no-cache" {
				t.Errorf("headers %v", h)
			}
			at := decodePayload(t, m["access_token"].(string))
			if _, ok := at["scp"]; ok || at["idtyp"] != "app" || at["oid"] != testSPID || at["sub"] != testSPID {
				t.Errorf("claims %v", at)
			}
			roles, _ := at["roles"].([]any)
			if len(roles) != 2 || roles[0] != "SecurityAlert.Read.All" || roles[1] != "SecurityIncident.Read.All" {
				t.Errorf("roles %v", roles)
			}
		})
	}
}

// TestBasicAuthEncoding: client_secret_basic credentials are form-encoded
// before Basic encoding (RFC 6749 §2.3.1); a secret with reserved
// characters only matches after unescaping.
func TestBasicAuthEncoding(t *testing.T) {
	tests := []struct {
		name, header       string
		id, secret         string
		ok                 bool
		wantErr            bool
		wantPlainNotBasics bool
	}{
		{name: "x/oauth2 style", header: "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape("a b")+":"+url.QueryEscape("p+q:r%"))), id: "a b", secret: "p+q:r%", ok: true},
		{name: "plain", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("id:secret")), id: "id", secret: "secret", ok: true},
		{name: "unpadded", header: "basic " + base64.RawStdEncoding.EncodeToString([]byte("id:se")), id: "id", secret: "se", ok: true},
		{name: "colon in secret", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("id:a:b")), id: "id", secret: "a:b", ok: true},
		{name: "empty secret", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("id:")), id: "id", ok: true},
		{name: "no header"},
		{name: "bearer", header: "Bearer abc"},
		{name: "no colon", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("idsecret")), ok: true, wantErr: true},
		{name: "bad base64", header: "Basic ***", ok: true, wantErr: true},
		{name: "bad escape", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("id:%zz")), ok: true, wantErr: true},
		{name: "too long", header: "Basic " + strings.Repeat("A", maxBasicAuthBytes), ok: true, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, secret, ok, err := parseBasicAuth(tt.header)
			if ok != tt.ok || (err != nil) != tt.wantErr {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			if err == nil && (id != tt.id || secret != tt.secret) {
				t.Fatalf("got %q %q", id, secret)
			}
		})
	}
	t.Run("over HTTP with special characters", func(t *testing.T) {
		e := newEnv(t)
		st, m, _ := e.postToken(url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}, testClientID, testSecret)
		if st != 200 {
			t.Fatalf("%d %v", st, m)
		}
		// The same secret Basic-encoded without the form-encoding step
		// is a different secret.
		req, _ := http.NewRequest(http.MethodPost, e.base+"/common/oauth2/v2.0/token", strings.NewReader("grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testClientID, testSecret)
		resp, err := e.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Fatal("unescaped Basic credentials with reserved characters were accepted")
		}
	})
}

// TestPublicClient: a public client redeems with PKCE and no secret, and
// its tokens say so (appidacr "0").
func TestPublicClient(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantUserConsent(publicID, plainID, []string{"openid", "User.Read"})
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	q := baseQuery("openid User.Read")
	q.Set("client_id", publicID)
	q.Set("redirect_uri", publicRedir)
	q.Set("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
	q.Set("code_challenge_method", "S256")
	pg := e.signIn(e.newBrowser(), e.authorizeURL("organizations", q), plainID, false)
	code := redirectParams(t, pg.location).Get("code")
	st, m, _ := e.postToken(url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {publicRedir}, "client_id": {publicID}, "code_verifier": {verifier}}, "", "")
	if st != 200 {
		t.Fatalf("%d %v", st, m)
	}
	if at := decodePayload(t, m["access_token"].(string)); at["appidacr"] != "0" || at["appid"] != publicID {
		t.Fatalf("%v", at)
	}
}

// TestLogsHoldNoSecrets runs the flows with a logger and checks that no
// secret, code or token reaches the log, while the events do.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf syncBuffer
	e := newEnvWith(t, func(o *Options) { o.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	code := e.codeFor(e.newBrowser(), baseQuery("openid offline_access User.Read"), readerID)
	_, m := e.redeem(code, nil)
	_, m2, _ := e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}}, testClientID, testSecret)
	e.postToken(url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}, testClientID, "wrong-"+testSecret)
	e.redeem(code, nil)
	logs := buf.String()
	for _, secret := range []string{testSecret, code, m["access_token"].(string)[:40], m["refresh_token"].(string)[:20], m["id_token"].(string)[:40], m2["access_token"].(string)[:40]} {
		if strings.Contains(logs, secret) {
			t.Fatalf("log holds a secret (%.12s...):\n%s", secret, logs)
		}
	}
	for _, event := range []string{"authorization code issued", "token issued", "aadsts=7000215", "aadsts=54005", "client_id=" + testClientID, "user_id=" + readerID} {
		if !strings.Contains(logs, event) {
			t.Errorf("log lacks %q:\n%s", event, logs)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// MSAL's authorize URL names only the app's scopes; its redemption adds
// openid, offline_access and profile and expects what they give: an ID
// token, a refresh token and client_info. OIDC scopes the user has not
// consented to are still left out.
func TestRedemptionAddsOIDCScopes(t *testing.T) {
	e := newEnv(t)
	b := e.newBrowser()
	// A first sign-in consents to the OIDC scopes...
	e.codeFor(b, baseQuery("openid profile offline_access User.Read"), plainID)
	// ...and MSAL's authorize request asks for the resource scope only.
	msal := "User.Read openid offline_access profile"
	code := e.codeFor(b, baseQuery("User.Read"), plainID)
	st, m := e.redeem(code, url.Values{"scope": {msal}, "client_info": {"1"}})
	if st != 200 || m["scope"] != msal {
		t.Fatalf("%d %v", st, m)
	}
	for _, k := range []string{"id_token", "refresh_token", "client_info"} {
		if _, ok := m[k]; !ok {
			t.Errorf("no %s", k)
		}
	}
	// The refresh token carries the grant with the OIDC scopes: MSAL's
	// refresh (same scope) is a subset of it.
	st, m, _ = e.postToken(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {m["refresh_token"].(string)}, "scope": {msal},
		"client_id": {testClientID}, "client_secret": {testSecret}}, "", "")
	if st != 200 || m["id_token"] == nil {
		t.Fatalf("refresh: %d %v", st, m)
	}

	// Without consent to offline_access, no refresh token.
	e2 := newEnv(t)
	code = e2.codeFor(e2.newBrowser(), baseQuery("openid User.Read"), plainID)
	st, m = e2.redeem(code, url.Values{"scope": {msal}})
	if st != 200 || m["scope"] != "User.Read openid" || m["refresh_token"] != nil || m["id_token"] == nil {
		t.Fatalf("unconsented OIDC scopes: %d %v", st, m)
	}
	// A redemption scope that does not parse is refused.
	code = e2.codeFor(e2.newBrowser(), baseQuery("openid User.Read"), plainID)
	if st, m = e2.redeem(code, url.Values{"scope": {"User.Read api://other/x"}}); st != 400 {
		t.Fatalf("bad redemption scope: %d %v", st, m)
	}
}
