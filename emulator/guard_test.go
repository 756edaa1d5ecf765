package emulator_test

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// sendAs makes one request to the emulator's listener with the given Host
// header and Authorization (either may be empty).
func sendAs(t *testing.T, emu *emulator.Emulator, method, path, host, auth, body string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, emu.URL()+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func port(t *testing.T, emu *emulator.Emulator) string {
	t.Helper()
	u, err := url.Parse(emu.URL())
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// TestHostRule: the control plane, the emulator's pages and the sign-in
// pages answer only the emulator's own names, which is what defeats DNS
// rebinding (the attack review minted a Global Administrator's token
// through /_emulator/tokens from a web page); Graph and the token
// endpoint are not affected.
func TestHostRule(t *testing.T) {
	emu := start(t, emulator.Options{})
	p := port(t, emu)
	authorize := "/" + emu.TenantID() + "/oauth2/v2.0/authorize?" + url.Values{
		"client_id": {emu.ClientID()}, "redirect_uri": {emulator.DefaultRedirectURI}, "response_type": {"code"}, "scope": {"openid User.Read"},
	}.Encode()
	tests := []struct {
		name, method, path, host, body string
		want                           int
	}{
		{"own address", "GET", "/_emulator/info", "127.0.0.1:" + p, "", 200},
		{"localhost", "GET", "/_emulator/info", "localhost:" + p, "", 200},
		{"localhost in capitals, final dot", "GET", "/_emulator/info", "LOCALHOST.:" + p, "", 200},
		{"a .localhost name", "GET", "/_emulator/info", "console.localhost:" + p, "", 200},
		{"IPv6 loopback", "GET", "/_emulator/info", "[::1]:" + p, "", 200},
		{"another address", "GET", "/_emulator/info", "10.1.2.3:" + p, "", 200},
		{"rebinding name", "GET", "/_emulator/info", "rebind.attacker.example:" + p, "", 421},
		{"rebinding name mints a token", "POST", "/_emulator/tokens", "rebind.attacker.example:" + p, `{"user":"x"}`, 421},
		{"localhost look-alike", "GET", "/_emulator/info", "localhost.attacker.example:" + p, "", 421},
		{"another port", "GET", "/_emulator/info", "localhost:1", "", 421},
		{"no port (80)", "GET", "/_emulator/info", "localhost", "", 421},
		{"overview page", "GET", "/", "rebind.attacker.example:" + p, "", 421},
		{"mailbox page", "GET", "/_emulator/mail", "rebind.attacker.example:" + p, "", 421},
		{"unknown control path", "GET", "/_emulator/nope", "rebind.attacker.example:" + p, "", 421},
		{"sign-in page", "GET", authorize, "rebind.attacker.example:" + p, "", 421},
		{"sign-in page, own name", "GET", authorize, "localhost:" + p, "", 200},
		{"sign-in form post", "POST", "/" + emu.TenantID() + "/oauth2/v2.0/authorize", "rebind.attacker.example:" + p, "", 421},
		{"admin consent", "GET", "/" + emu.TenantID() + "/adminconsent?client_id=" + emu.ClientID(), "rebind.attacker.example:" + p, "", 421},
		{"logout", "GET", "/common/oauth2/v2.0/logout", "rebind.attacker.example:" + p, "", 421},
		// Not pages: authenticated per request, and reached by any name.
		{"graph", "GET", "/v1.0/security/alerts_v2", "emulator:" + p, "", 401},
		{"token endpoint", "POST", "/" + emu.TenantID() + "/oauth2/v2.0/token", "emulator:" + p, "", 400},
		{"discovery", "GET", "/" + emu.TenantID() + "/v2.0/.well-known/openid-configuration", "emulator:" + p, "", 200},
	}
	// From a browser, every endpoint needs one of the emulator's own names:
	// a rebinding page could otherwise mint an app token with the public
	// demo secret and read Graph with it.
	tokenBody := url.Values{"grant_type": {"client_credentials"}, "client_id": {emu.ClientID()}, "client_secret": {emu.ClientSecret()}, "scope": {"https://graph.microsoft.com/.default"}}.Encode()
	for _, b := range []struct {
		name, method, path, host, body string
		want                           int
	}{
		{"browser: token endpoint, rebinding name", "POST", "/" + emu.TenantID() + "/oauth2/v2.0/token", "rebind.attacker.example:" + p, tokenBody, 421},
		{"browser: graph, rebinding name", "GET", "/v1.0/security/alerts_v2", "rebind.attacker.example:" + p, "", 421},
		{"browser: token endpoint, own name", "POST", "/" + emu.TenantID() + "/oauth2/v2.0/token", "localhost:" + p, tokenBody, 200},
	} {
		t.Run(b.name, func(t *testing.T) {
			req, err := http.NewRequest(b.method, emu.URL()+b.path, strings.NewReader(b.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = b.host
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("Sec-Fetch-Mode", "cors")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != b.want {
				t.Fatalf("status %d, want %d", res.StatusCode, b.want)
			}
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := sendAs(t, emu, tt.method, tt.path, tt.host, "", tt.body)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %.300s", status, tt.want, body)
			}
			if tt.want == 421 && !strings.Contains(body, "DNS rebinding") {
				t.Fatalf("421 without explaining why: %.300s", body)
			}
			if tt.want == 421 && strings.Contains(body, "access_token") {
				t.Fatal("a token in a refusal")
			}
		})
	}
}

// TestHostRulePublicURL: behind a proxy, the public URL's host and port
// are the emulator's too.
func TestHostRulePublicURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	emu := start(t, emulator.Options{Listener: ln, PublicURL: "https://emu.test:8443"})
	_, p, _ := net.SplitHostPort(ln.Addr().String())
	for _, tt := range []struct {
		host string
		want int
	}{
		{"emu.test:8443", 200},
		{"EMU.test:" + p, 200},
		{"localhost:8443", 200},
		{"other.test:8443", 421},
		{"emu.test:9999", 421},
	} {
		t.Run(tt.host, func(t *testing.T) {
			req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/_emulator/info", nil)
			req.Host = tt.host
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
	_ = emu
}

const testControlToken = "0123456789abcdef-control"

// TestControlToken: with a token configured, every control-plane request
// must carry it (as a Bearer token, or a browser's Basic password); Graph
// and the identity platform do not care.
func TestControlToken(t *testing.T) {
	emu := start(t, emulator.Options{ControlToken: testControlToken})
	if !emu.ControlTokenRequired() {
		t.Fatal("ControlTokenRequired is false")
	}
	basic := func(user, pass string) string {
		req, _ := http.NewRequest("GET", "/", nil)
		req.SetBasicAuth(user, pass)
		return req.Header.Get("Authorization")
	}
	tests := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"no token", "GET", "/_emulator/info", "", 401},
		{"wrong token", "GET", "/_emulator/info", "Bearer " + testControlToken + "x", 401},
		{"prefix of the token", "GET", "/_emulator/info", "Bearer " + testControlToken[:10], 401},
		{"token", "GET", "/_emulator/info", "Bearer " + testControlToken, 200},
		{"scheme in lower case", "GET", "/_emulator/info", "bearer " + testControlToken, 200},
		{"mint without token", "POST", "/_emulator/tokens", "", 401},
		{"mint with token", "POST", "/_emulator/tokens", "Bearer " + testControlToken, 200},
		{"page without token", "GET", "/_emulator/", "", 401},
		{"page with Basic", "GET", "/_emulator/", basic("me", testControlToken), 200},
		{"page with wrong Basic", "GET", "/_emulator/mail", basic(testControlToken, "x"), 401},
		{"graph", "GET", "/v1.0/security/alerts_v2", "", 401}, // Graph's own 401, for the missing access token
		{"discovery", "GET", "/" + emu.TenantID() + "/v2.0/.well-known/openid-configuration", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := ""
			if tt.method == "POST" {
				body = "{}"
			}
			status, h, out := sendAs(t, emu, tt.method, tt.path, "", tt.auth, body)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %.300s", status, tt.want, out)
			}
			if status == 401 && strings.HasPrefix(tt.path, "/_emulator") {
				if got := strings.Join(h.Values("WWW-Authenticate"), ", "); !strings.Contains(got, "Bearer") || !strings.Contains(got, "Basic") {
					t.Fatalf("WWW-Authenticate %q", got)
				}
				if !strings.Contains(out, "control token") {
					t.Fatalf("401 without explaining: %s", out)
				}
			}
		})
	}
}

// TestListenBeyondLoopback: New refuses to serve beyond loopback without
// a control token, whether it listens itself or is given a listener, and
// refuses a short token.
func TestListenBeyondLoopback(t *testing.T) {
	t.Run("all interfaces", func(t *testing.T) {
		_, err := emulator.New(emulator.Options{Addr: "0.0.0.0:0"})
		if err == nil || !strings.Contains(err.Error(), "refusing to listen on 0.0.0.0:0 without a control-plane token") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("given listener", func(t *testing.T) {
		ln, err := net.Listen("tcp", "0.0.0.0:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		_, err = emulator.New(emulator.Options{Listener: ln})
		if err == nil || !strings.Contains(err.Error(), "without a control-plane token") {
			t.Fatalf("err = %v", err)
		}
		// New closed the listener it refused.
		if _, err := ln.Accept(); err == nil {
			t.Fatal("listener still open")
		}
	})
	t.Run("short token", func(t *testing.T) {
		_, err := emulator.New(emulator.Options{ControlToken: "short"})
		if err == nil || !strings.Contains(err.Error(), "at least 16 characters") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("localhost by name", func(t *testing.T) {
		emu, err := emulator.New(emulator.Options{Addr: "localhost:0"})
		if err != nil {
			t.Fatal(err)
		}
		emu.Close()
	})
	t.Run("all interfaces with a token", func(t *testing.T) {
		emu := start(t, emulator.Options{Addr: "0.0.0.0:0", ControlToken: testControlToken})
		status, _, _ := sendAs(t, emu, "GET", "/_emulator/info", "127.0.0.1:"+port(t, emu), "", "")
		if status != 401 {
			t.Fatalf("status %d without the token, want 401", status)
		}
	})
}
