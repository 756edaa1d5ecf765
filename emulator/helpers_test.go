package emulator_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/internal/clock"
)

// start runs an emulator for one test with a fixed seed and clock base, so
// that runs are repeatable.
func start(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	if opts.Clock == nil {
		opts.Clock = clock.NewFake(time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC))
	}
	emu, err := emulator.New(opts)
	if err != nil {
		t.Fatalf("emulator.New: %v", err)
	}
	t.Cleanup(func() { emu.Close() })
	return emu
}

// resp is a decoded response.
type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// str walks the body along a path of keys and indexes.
func (r resp) str(path ...any) string {
	v := r.get(path...)
	s, _ := v.(string)
	return s
}

func (r resp) get(path ...any) any {
	var v any = r.body
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

func (r resp) values() []map[string]any {
	l, _ := r.body["value"].([]any)
	out := make([]map[string]any, 0, len(l))
	for _, x := range l {
		m, _ := x.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r resp) errorCode() string { return r.str("error", "code") }

// call sends one request. body may be nil, a string (sent as is) or a
// value encoded as JSON.
func call(t testing.TB, method, url, token string, body any, headers ...string) resp {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
		ct = "application/json"
	case []byte:
		rd = bytes.NewReader(b)
		ct = "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
		ct = "application/json"
	}
	// Spaces cannot travel raw in an HTTP request line; clients encode them.
	req, err := http.NewRequest(method, strings.ReplaceAll(url, " ", "%20"), rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %v\n%s", method, url, err, raw)
		}
	}
	return r
}

func mustStatus(t testing.TB, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, truncate(r.raw))
	}
}

func truncate(b []byte) string {
	if len(b) > 1500 {
		return string(b[:1500]) + "..."
	}
	return string(b)
}

// tokens for the demo tenant's kinds of callers.
type callers struct {
	app, admin, analyst, reader, plain string
}

func tokensFor(t testing.TB, emu *emulator.Emulator) callers {
	t.Helper()
	var c callers
	var err error
	if c.app, err = emu.AppToken(); err != nil {
		t.Fatal(err)
	}
	for _, u := range emu.Users() {
		var dst *string
		switch {
		case hasRole(u.Roles, "Global Administrator"):
			dst = &c.admin
		case hasRole(u.Roles, "Security Operator"), hasRole(u.Roles, "Security Administrator"):
			dst = &c.analyst
		case hasRole(u.Roles, "Security Reader"):
			dst = &c.reader
		case len(u.Roles) == 0:
			dst = &c.plain
		}
		if dst == nil || *dst != "" {
			continue
		}
		if *dst, err = emu.UserToken(u.UserPrincipalName); err != nil {
			t.Fatal(err)
		}
	}
	if c.admin == "" || c.analyst == "" || c.reader == "" || c.plain == "" {
		t.Fatalf("demo tenant lacks a kind of user: %+v", emu.Users())
	}
	return c
}

func hasRole(roles []string, r string) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}
