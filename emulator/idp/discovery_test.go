package idp

import (
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

func getJSON(t *testing.T, e *env, path string, header ...string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s: not JSON: %v", path, err)
	}
	return resp.StatusCode, m, resp.Header
}

func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	wantKeys := []string{"authorization_endpoint", "claims_supported", "cloud_graph_host_name", "cloud_instance_name", "device_authorization_endpoint", "end_session_endpoint", "frontchannel_logout_supported", "http_logout_supported", "id_token_signing_alg_values_supported", "issuer", "jwks_uri", "kerberos_endpoint", "msgraph_host", "rbac_url", "request_uri_parameter_supported", "response_modes_supported", "response_types_supported", "scopes_supported", "subject_types_supported", "tenant_region_scope", "token_endpoint", "token_endpoint_auth_methods_supported", "userinfo_endpoint"}
	tests := []struct {
		path, issuer, seg string
	}{
		{"/common/v2.0/.well-known/openid-configuration", e.base + "/{tenantid}/v2.0", "common"},
		{"/organizations/v2.0/.well-known/openid-configuration", e.base + "/{tenantid}/v2.0", "organizations"},
		{"/" + testTenantID + "/v2.0/.well-known/openid-configuration", e.base + "/" + testTenantID + "/v2.0", testTenantID},
		{"/CONTOSO.onmicrosoft.com/v2.0/.well-known/openid-configuration", e.base + "/" + testTenantID + "/v2.0", testTenantID},
		{"/common/.well-known/openid-configuration", "https://sts.windows.net/{tenantid}/", "common"},
		{"/" + testDomain + "/.well-known/openid-configuration", "https://sts.windows.net/" + testTenantID + "/", testTenantID},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			st, m, h := getJSON(t, e, tt.path)
			if st != 200 || h.Get("Access-Control-Allow-Origin") != "*" {
				t.Fatalf("%d %v", st, h)
			}
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			if !slices.Equal(keys, wantKeys) {
				t.Fatalf("keys %v", keys)
			}
			base := e.base + "/" + tt.seg
			jwks := base + "/discovery/v2.0/keys"
			if strings.HasPrefix(tt.issuer, "https://sts") {
				jwks = base + "/discovery/keys"
			}
			want := map[string]any{
				"issuer": tt.issuer, "authorization_endpoint": base + "/oauth2/v2.0/authorize", "token_endpoint": base + "/oauth2/v2.0/token",
				"end_session_endpoint": base + "/oauth2/v2.0/logout", "jwks_uri": jwks, "userinfo_endpoint": e.base + "/oidc/userinfo",
				"request_uri_parameter_supported": false, "http_logout_supported": true, "tenant_region_scope": nil,
				"cloud_instance_name": "microsoftonline.com", "cloud_graph_host_name": "graph.windows.net", "msgraph_host": "graph.microsoft.com", "rbac_url": "https://pas.windows.net",
			}
			for k, v := range want {
				if m[k] != v {
					t.Errorf("%s = %v, want %v", k, m[k], v)
				}
			}
			if jsonString(m["token_endpoint_auth_methods_supported"]) != `["client_secret_post","private_key_jwt","client_secret_basic"]` ||
				jsonString(m["response_modes_supported"]) != `["query","fragment","form_post"]` ||
				jsonString(m["subject_types_supported"]) != `["pairwise"]` ||
				jsonString(m["scopes_supported"]) != `["openid","profile","email","offline_access"]` {
				t.Errorf("lists %v", m)
			}
		})
	}
	for _, path := range []string{"/nosuch.example/v2.0/.well-known/openid-configuration", "/consumers/v2.0/.well-known/openid-configuration", "/nosuch/discovery/v2.0/keys"} {
		t.Run(path, func(t *testing.T) {
			st, m, _ := getJSON(t, e, path)
			if st != 400 {
				t.Fatal(st)
			}
			checkAADError(t, m, "invalid_tenant", 90002)
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestJWKS(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct{ path, issuer string }{
		{"/common/discovery/v2.0/keys", e.base + "/{tenantid}/v2.0"},
		{"/" + testTenantID + "/discovery/v2.0/keys", e.base + "/" + testTenantID + "/v2.0"},
		{"/common/discovery/keys", ""},
	} {
		t.Run(tt.path, func(t *testing.T) {
			resp, err := e.srv.Client().Get(e.base + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var raw struct {
				Keys []jwk `json:"keys"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
				t.Fatal(err)
			}
			if len(raw.Keys) != 1 {
				t.Fatal(raw)
			}
			k := raw.Keys[0]
			der, err := base64.StdEncoding.DecodeString(k.X5c[0])
			if err != nil {
				t.Fatal(err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			thumb := sha1.Sum(der)
			if k.Kty != "RSA" || k.Use != "sig" || k.E != "AQAB" || k.Kid != k.X5t || k.X5t != base64.RawURLEncoding.EncodeToString(thumb[:]) || k.Issuer != tt.issuer {
				t.Fatalf("key %+v", k)
			}
			pub := cert.PublicKey.(*rsa.PublicKey)
			if !pub.Equal(&testKey().PublicKey) || base64.RawURLEncoding.EncodeToString(pub.N.Bytes()) != k.N {
				t.Fatal("certificate key differs from n/e")
			}
			// go-jose checks x5t against x5c and the key against the certificate.
			b, _ := json.Marshal(raw)
			var set jose.JSONWebKeySet
			if err := json.Unmarshal(b, &set); err != nil {
				t.Fatalf("go-jose rejects the JWKS: %v", err)
			}
		})
	}
}

func TestUserinfo(t *testing.T) {
	e := newEnv(t)
	e.dir.GrantUserConsent(testClientID, readerID, []string{"User.Read"})
	userTok, err := e.p.IssueUserToken(testClientID, readerUPN, []string{"User.Read"})
	if err != nil {
		t.Fatal(err)
	}
	appTok, err := e.p.IssueAppToken(testClientID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, auth string
		status     int
		msg        string
	}{
		{"user", "Bearer " + userTok, 200, ""},
		{"lower-case scheme", "bearer " + userTok, 200, ""},
		{"no token", "", 401, "Access token is empty."},
		{"garbage", "Bearer abc", 401, "CompactToken parsing failed with error code: 80049217"},
		{"app token", "Bearer " + appTok, 401, "Access token validation failure. The UserInfo endpoint needs a token issued to a signed-in user."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, m, h := getJSON(t, e, "/oidc/userinfo", "Authorization", tt.auth)
			if st != tt.status {
				t.Fatalf("%d %v", st, m)
			}
			if tt.status == 200 {
				if m["sub"] != pairwiseSubject(testTenantID, readerID, testClientID) || m["name"] != "Rita Reader" || m["given_name"] != "Rita" || m["family_name"] != "Reader" || m["email"] != readerUPN {
					t.Fatal(m)
				}
				return
			}
			inner := m["error"].(map[string]any)
			if inner["code"] != "InvalidAuthenticationToken" || inner["message"] != tt.msg || h.Get("WWW-Authenticate") == "" {
				t.Fatalf("%v %v", m, h)
			}
		})
	}
}

func TestLogout(t *testing.T) {
	tests := []struct {
		name  string
		query func(idToken string) url.Values
		want  string // redirect, or "" for the signed-out page
	}{
		{"registered with client_id", func(string) url.Values {
			return url.Values{"post_logout_redirect_uri": {"http://localhost:5000/logged-out"}, "client_id": {testClientID}, "state": {"s"}}
		}, "http://localhost:5000/logged-out?state=s"},
		{"registered via id_token_hint", func(id string) url.Values {
			return url.Values{"post_logout_redirect_uri": {"http://localhost:5000/logged-out"}, "id_token_hint": {id}}
		}, "http://localhost:5000/logged-out"},
		{"unregistered", func(string) url.Values {
			return url.Values{"post_logout_redirect_uri": {"https://evil.example/"}, "client_id": {testClientID}}
		}, ""},
		{"registered for another app", func(string) url.Values {
			return url.Values{"post_logout_redirect_uri": {publicRedir}, "client_id": {testClientID}}
		}, ""},
		{"no app named", func(string) url.Values { return url.Values{"post_logout_redirect_uri": {testRedirect}} }, ""},
		{"nothing", func(string) url.Values { return url.Values{} }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			b := e.newBrowser()
			code := e.codeFor(b, baseQuery("openid profile User.Read"), readerID)
			_, m := e.redeem(code, nil)
			pg := b.get(e.base + "/common/oauth2/v2.0/logout?" + tt.query(m["id_token"].(string)).Encode())
			if tt.want != "" && (pg.status != http.StatusFound || pg.location != tt.want) {
				t.Fatalf("%d %q", pg.status, pg.location)
			}
			if tt.want == "" && (pg.status != http.StatusOK || pg.location != "" || !strings.Contains(pg.body, "signed out")) {
				t.Fatalf("%d %q", pg.status, pg.location)
			}
			v := baseQuery("openid User.Read")
			v.Set("prompt", "none")
			if p := redirectParams(t, b.get(e.authorizeURL("common", v)).location); p.Get("error") != "login_required" {
				t.Fatalf("session survived logout: %v", p)
			}
		})
	}
}

func TestDeviceCodeNotEmulated(t *testing.T) {
	e := newEnv(t)
	st, m, _ := e.postToken(url.Values{}, "", "")
	if st != 400 {
		t.Fatal(st)
	}
	resp, err := e.srv.Client().PostForm(e.base+"/common/oauth2/v2.0/devicecode", url.Values{"client_id": {publicID}, "scope": {"User.Read"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 400 {
		t.Fatal(resp.StatusCode, err)
	}
	checkAADError(t, m, "invalid_request", 9002313)
}
