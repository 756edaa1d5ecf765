package emulator_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
)

func gz(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzJSON(t testing.TB, v any) []byte {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return gz(t, j)
}

// Every Graph write accepts a gzip body, as Microsoft's Kiota-based SDKs
// send them (Content-Encoding: gzip, Content-Type: application/json), and
// the result is the same as for the plain body.
func TestCompressedWrites(t *testing.T) {
	emu := startWithWebhooks(t)
	tok := tokensFor(t, emu)
	base := emu.URL() + "/v1.0"
	alert := call(t, "GET", base+"/security/alerts_v2?$top=1", tok.app, nil).values()[0]
	alertID, incidentID := alert["id"].(string), alert["incidentId"].(string)
	legacy := call(t, "GET", base+"/security/alerts?$top=1&$filter=vendorInformation/provider eq 'ASC'", tok.app, nil).values()[0]
	profile := call(t, "GET", base+"/security/secureScoreControlProfiles", tok.app, nil).values()[0]
	user := emu.Users()[0]
	hook := newReceiver(t, "echo")
	sub := call(t, "POST", base+"/subscriptions", tok.app, newSubscription(emu, hook.URL))
	mustStatus(t, sub, 201)

	cases := []struct {
		name, method, path string
		body               any
		status             int
		check              func(t *testing.T, r resp)
	}{
		{"alerts_v2 PATCH", "PATCH", "/security/alerts_v2/" + alertID,
			map[string]any{"status": "inProgress", "assignedTo": "gzip@example.com"}, 200,
			func(t *testing.T, r resp) {
				if r.str("assignedTo") != "gzip@example.com" || r.str("status") != "inProgress" {
					t.Errorf("alert not updated: %s", truncate(r.raw))
				}
			}},
		{"alerts_v2 comment", "POST", "/security/alerts_v2/" + alertID + "/comments",
			map[string]any{"@odata.type": "microsoft.graph.security.alertComment", "comment": "compressed comment"}, 200,
			func(t *testing.T, r resp) {
				if !strings.Contains(string(r.raw), "compressed comment") {
					t.Errorf("comment missing: %s", truncate(r.raw))
				}
			}},
		{"incident PATCH", "PATCH", "/security/incidents/" + incidentID,
			map[string]any{"customTags": []string{"gzip"}}, 200,
			func(t *testing.T, r resp) {
				if !strings.Contains(string(r.raw), `"customTags":["gzip"]`) {
					t.Errorf("incident not updated: %s", truncate(r.raw))
				}
			}},
		{"incident comment", "POST", "/security/incidents/" + incidentID + "/comments",
			[]map[string]any{{"@odata.type": "microsoft.graph.security.alertComment", "comment": "compressed incident comment"}}, 200, nil},
		{"legacy alert PATCH", "PATCH", "/security/alerts/" + legacy["id"].(string),
			map[string]any{"vendorInformation": legacy["vendorInformation"], "status": "inProgress"}, 204, nil},
		{"control profile PATCH", "PATCH", "/security/secureScoreControlProfiles/" + profile["id"].(string),
			map[string]any{"vendorInformation": map[string]any{"provider": "SecureScore", "vendor": "Microsoft"}, "state": "Reviewed", "comment": "gzip"}, 204, nil},
		{"subscription create", "POST", "/subscriptions", newSubscription(emu, hook.URL), 201, nil},
		{"subscription renew", "PATCH", "/subscriptions/" + sub.str("id"),
			map[string]any{"expirationDateTime": expiresIn(emu, 48*time.Hour)}, 200, nil},
		{"sendMail", "POST", "/users/" + user.ID + "/sendMail",
			map[string]any{"message": map[string]any{"subject": "gzip mail", "toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "soc@example.com"}}}}}, 202,
			func(t *testing.T, _ resp) {
				msgs := emu.Mailbox().Messages()
				if len(msgs) == 0 || msgs[len(msgs)-1].Subject != "gzip mail" {
					t.Errorf("mail not delivered: %+v", msgs)
				}
			}},
		{"security action (beta)", "POST", "/../beta/security/securityActions",
			map[string]any{"name": "BlockIp", "actionReason": "gzip", "parameters": []any{map[string]any{"name": "IP", "value": "203.0.113.9"}},
				"vendorInformation": map[string]any{"provider": "Windows Defender ATP", "vendor": "Microsoft"}}, 201, nil},
		{"sendMail as MIME", "POST", "/users/" + user.ID + "/sendMail", nil, 202, nil},
	}
	mime := base64.StdEncoding.EncodeToString([]byte("To: soc@example.com\r\nSubject: gzip MIME\r\n\r\nbody\r\n"))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := base + tc.path
			if strings.HasPrefix(tc.path, "/../beta") {
				u = emu.URL() + strings.TrimPrefix(tc.path, "/..")
			}
			if tc.body == nil {
				r := callCT(t, tc.method, u, tok.app, gz(t, []byte(mime)), "text/plain", "Content-Encoding", "gzip")
				mustStatus(t, r, tc.status)
				return
			}
			r := call(t, tc.method, u, tok.app, gzJSON(t, tc.body), "Content-Encoding", "gzip")
			mustStatus(t, r, tc.status)
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// Bodies the emulator refuses, and how: the status and code a client can
// act on, never a JSON syntax error for bytes it never meant as JSON.
func TestCompressedBodyErrors(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu)
	alertID := call(t, "GET", emu.URL()+"/v1.0/security/alerts_v2?$top=1", tok.app, nil).values()[0]["id"].(string)
	url := emu.URL() + "/v1.0/security/alerts_v2/" + alertID
	patch := []byte(`{"status":"inProgress"}`)
	// A bomb: 64 MB of spaces before the object, a few tens of kilobytes
	// compressed.
	bomb := gz(t, append(bytes.Repeat([]byte(" "), 64<<20), patch...))
	corrupt := gz(t, patch)
	corrupt[len(corrupt)-6] ^= 0xff // damage the CRC
	truncated := gz(t, patch)[:15]
	cases := []struct {
		name     string
		body     []byte
		encoding []string
		status   int
		code     string
		message  string
	}{
		{"identity", patch, []string{"identity"}, 200, "", ""},
		{"x-gzip", gz(t, patch), []string{"x-gzip"}, 200, "", ""},
		{"upper case", gz(t, patch), []string{"GZIP"}, 200, "", ""},
		{"gzip twice, one header", gz(t, gz(t, patch)), []string{"gzip, gzip"}, 200, "", ""},
		{"gzip twice, two headers", gz(t, gz(t, patch)), []string{"gzip", "gzip"}, 200, "", ""},
		{"gzip and identity", gz(t, patch), []string{"identity, gzip"}, 200, "", ""},
		{"too many layers", gz(t, gz(t, gz(t, gz(t, patch)))), []string{"gzip, gzip, gzip, gzip"}, 400, "BadRequest", "more than 3"},
		{"gzip then br", gz(t, patch), []string{"gzip, br"}, 415, "UnsupportedMediaType", "'br'"},
		{"deflate", patch, []string{"deflate"}, 415, "UnsupportedMediaType", "'deflate'"},
		{"br", patch, []string{"br"}, 415, "UnsupportedMediaType", "'br'"},
		{"bomb", bomb, []string{"gzip"}, 413, "RequestEntityTooLarge", "once decompressed"},
		{"corrupt CRC", corrupt, []string{"gzip"}, 400, "BadRequest", "not valid gzip"},
		{"truncated", truncated, []string{"gzip"}, 400, "BadRequest", "not valid gzip"},
		{"plain JSON labelled gzip", patch, []string{"gzip"}, 400, "BadRequest", "not valid gzip"},
		{"gzip without the header", gz(t, patch), nil, 400, "BadRequest", "JSON"},
		{"compressed too large on the wire", bytes.Repeat([]byte{0}, 5<<20), []string{"gzip"}, 413, "RequestEntityTooLarge", ""},
		{"empty gzip body", nil, []string{"gzip"}, 400, "BadRequest", "Empty Payload"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var headers []string
			r := func() resp {
				if len(tc.encoding) <= 1 {
					if len(tc.encoding) == 1 {
						headers = []string{"Content-Encoding", tc.encoding[0]}
					}
					return call(t, "PATCH", url, tok.app, append([]byte{}, tc.body...), headers...)
				}
				return callMulti(t, "PATCH", url, tok.app, tc.body, "Content-Encoding", tc.encoding)
			}()
			mustStatus(t, r, tc.status)
			if tc.code != "" && r.errorCode() != tc.code {
				t.Errorf("code %q, want %q: %s", r.errorCode(), tc.code, r.raw)
			}
			if msg := r.str("error", "message"); !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not contain %q", msg, tc.message)
			}
			if tc.status == 415 && r.header.Get("Accept-Encoding") != "gzip, identity" {
				t.Errorf("415 without Accept-Encoding: %v", r.header)
			}
		})
	}
}

// callCT sends a body with its own content type (call always sends JSON's).
func callCT(t testing.TB, method, url, token string, body []byte, contentType string, headers ...string) resp {
	t.Helper()
	return send(t, method, url, token, body, http.Header{"Content-Type": {contentType}}, headers...)
}

// callMulti sends a JSON body with a header repeated once per value, which
// call cannot (it sets each header once).
func callMulti(t testing.TB, method, url, token string, body []byte, name string, values []string) resp {
	t.Helper()
	return send(t, method, url, token, body, http.Header{"Content-Type": {"application/json"}, name: values})
}

func send(t testing.TB, method, url, token string, body []byte, h http.Header, headers ...string) resp {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("body is not JSON: %v\n%s", err, raw)
		}
	}
	return r
}
