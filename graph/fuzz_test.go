package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"10", "2.128", "", "-1", "1e400", "NaN", "Sun, 01 Mar 2026 12:00:07 GMT", "Sunday, 01-Mar-26 12:00:05 GMT", "Sun Mar  1 12:00:05 2026"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := parseRetryAfter(s, testNow)
		if !ok && d != 0 {
			t.Errorf("%q: not ok but %v", s, d)
		}
		if d < 0 || d > maxRetryAfter {
			t.Errorf("%q: wait %v out of range", s, d)
		}
	})
}

func FuzzParseWarnings(f *testing.F) {
	for _, s := range []string{`199 - "Microsoft/WDATP/401/228"`, `199 - "Microsoft/A B/504/10000", 199 - "x"`, `299 h "a\"b" "date"`, `garbage,,,`, `199 - "unterminated`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ws := parseWarnings([]string{s, s})
		if len(ws) > maxWarnings {
			t.Errorf("%d warnings", len(ws))
		}
		for _, w := range ws {
			if w.Code < 100 || w.Code > 999 || w.Agent == "" {
				t.Errorf("bad item %+v", w)
			}
			if w.Vendor != "" && (w.StatusCode < 100 || w.StatusCode > 999 || w.Latency < 0) {
				t.Errorf("bad provider fields %+v", w)
			}
		}
	})
}

func FuzzParseError(f *testing.F) {
	f.Add(401, []byte(`{"error":{"code":"InvalidAuthenticationToken","message":"Access token is empty.","innerError":{"date":"2020-09-11T11:21:34","request-id":"r","client-request-id":"c"}}}`), false)
	f.Add(404, []byte(`{"error":{"code":"x","innererror":{"innererror":{"code":"deep"}}}}`), false)
	f.Add(502, []byte("<html>bad gateway</html>"), false)
	f.Add(400, []byte(`{"error":{"code":"BadRequest"`), true)
	f.Add(429, []byte{0xff, 0xfe, 0x00}, false)
	f.Fuzz(func(t *testing.T, status int, body []byte, truncated bool) {
		e := parseError(status, http.Header{"Retry-After": {"1"}}, body, truncated, testNow)
		if e == nil || e.StatusCode != status {
			t.Fatalf("got %+v", e)
		}
		if e.Code == "" && !utf8.ValidString(e.Message) {
			t.Errorf("summary of a non-JSON body is not valid UTF-8: %q", e.Message)
		}
		if e.Code == "" && len(e.Message) > 1024 {
			t.Errorf("summary of %d bytes", len(e.Message))
		}
		_ = e.Error()
	})
}

func FuzzDecodeEvidence(f *testing.F) {
	var a struct {
		Evidence []json.RawMessage `json:"evidence"`
	}
	_ = json.Unmarshal([]byte(fixture(f, "alert_v2.json")), &a)
	for _, e := range a.Evidence {
		f.Add([]byte(e))
	}
	f.Add([]byte(`{"@odata.type":"#microsoft.graph.security.networkConnectionEvidence","sourceAddress":{"ipAddress":"1"},"destinationPort":"x"}`))
	f.Add([]byte(`{"@odata.type":"#microsoft.graph.security.malwareEvidence","files":[{"fileDetails":{"fileSize":1}}]}`))
	f.Add([]byte(`[1]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := DecodeEvidence(data)
		if ev == nil || ev.Common() == nil {
			t.Fatal("nil evidence")
		}
		if u, ok := ev.(*UnknownEvidence); ok && !bytes.Equal(u.Raw, data) {
			t.Error("unknown evidence lost its raw JSON")
		}
		var l EvidenceList
		err := json.Unmarshal(append(append([]byte("["), data...), ']'), &l)
		if err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if !errors.As(err, &se) && !errors.As(err, &te) {
				t.Errorf("unexpected error type %T: %v", err, err)
			}
			return
		}
		if _, err := json.Marshal(l); err != nil {
			t.Errorf("decoded evidence does not re-encode: %v", err)
		}
		// The hand-written splitter must agree with encoding/json.
		var raws []json.RawMessage
		if err := json.Unmarshal(append(append([]byte("["), data...), ']'), &raws); err != nil || len(raws) != len(l) {
			t.Fatalf("split into %d entries, encoding/json into %d (%v)", len(l), len(raws), err)
		}
		for i, r := range raws {
			if u, ok := l[i].(*UnknownEvidence); ok && !bytes.Equal(u.Raw, bytes.TrimSpace(r)) {
				t.Errorf("entry %d: %q, want %q", i, u.Raw, r)
			}
		}
	})
}

func FuzzDecodeAlertPage(f *testing.F) {
	f.Add([]byte(`{"value":[` + string(compactFixture(f, "alert_v2.json")) + `],"@odata.nextLink":"https://graph.microsoft.com/v1.0/security/alerts_v2?$skip=1","@odata.count":1}`))
	f.Add([]byte(`{"value":[{"status":7,"severity":{"x":1},"evidence":[{"@odata.type":5}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var p Page[Alert]
		if err := json.Unmarshal(data, &p); err != nil {
			var se *json.SyntaxError
			var te *json.UnmarshalTypeError
			if !errors.As(err, &se) && !errors.As(err, &te) && !strings.Contains(err.Error(), "json:") && !strings.Contains(err.Error(), "parsing time") {
				t.Errorf("unexpected error type %T: %v", err, err)
			}
		}
	})
}

func FuzzDecodeChangeNotifications(f *testing.F) {
	f.Add([]byte(fixture(f, "notifications.json")))
	f.Add([]byte(`{"value":[]}`))
	f.Add([]byte(`{"value":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeChangeNotifications(bytes.NewReader(data), 1<<16)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) && !errors.Is(err, ErrResponseTooLarge) {
				t.Errorf("unexpected error %v", err)
			}
			return
		}
		if c.Value == nil {
			t.Error("success without a value array")
		}
	})
}

func FuzzStringLiteral(f *testing.F) {
	for _, s := range []string{"", "o'brien", "''", "a&b=c+d#e%f;g", "山田", "\x00\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lit := String(s).String()
		if !strings.HasPrefix(lit, "'") || !strings.HasSuffix(lit, "'") || len(lit) < 2 {
			t.Fatalf("literal %q", lit)
		}
		inner := lit[1 : len(lit)-1]
		if strings.ReplaceAll(inner, "''", "'") != s {
			t.Errorf("literal %q does not decode to %q", lit, s)
		}
		if strings.Contains(strings.ReplaceAll(inner, "''", ""), "'") {
			t.Errorf("unescaped quote in %q", lit)
		}
		enc := escapeQueryValue(lit)
		for _, c := range []string{" ", "&", "#", "+", ";", "="} {
			if strings.Contains(enc, c) {
				t.Errorf("%q left in %q", c, enc)
			}
		}
		if dec, err := url.QueryUnescape(enc); err != nil || dec != lit {
			t.Errorf("%q does not unescape to %q: %v", enc, lit, err)
		}
		if v, err := url.ParseQuery("$filter=" + enc); err != nil || v.Get("$filter") != lit {
			t.Errorf("a query parser reads %q, want %q (%v)", v.Get("$filter"), lit, err)
		}
	})
}

func FuzzPathSegment(f *testing.F) {
	for _, s := range []string{"da637551227677560813_-961444813", "a/b", "a#b@c", "..", "$x", "%zz", "ü"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		seg, err := pathSegment("id", id)
		if err != nil {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("error %v", err)
			}
			return
		}
		for _, c := range []string{"/", "?", "#", " "} {
			if strings.Contains(seg, c) {
				t.Errorf("%q left in %q", c, seg)
			}
		}
		if dec, err := url.PathUnescape(seg); err != nil || dec != id {
			t.Errorf("%q unescapes to %q, want %q (%v)", seg, dec, id, err)
		}
	})
}

func FuzzNextLink(f *testing.F) {
	for _, s := range []string{"https://graph.microsoft.com/v1.0/security/alerts_v2?$skip=10", "https://evil.example/x", "/relative", "https://graph.microsoft.com:443/x", "http://graph.microsoft.com/x", "%zz", "https://GRAPH.microsoft.com/x"} {
		f.Add(s)
	}
	c, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, link string) {
		r, err := c.nextRequest(link, http.Header{})
		if err != nil {
			return
		}
		u, perr := url.Parse(r.URL)
		if perr != nil || !strings.EqualFold(u.Scheme, "https") || !strings.EqualFold(u.Host, "graph.microsoft.com") {
			t.Errorf("accepted %q", link)
		}
	})
}
