package graphapi

import (
	"bytes"
	"compress/gzip"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestContentCodings(t *testing.T) {
	cases := []struct {
		name    string
		values  []string
		layers  int
		status  int
		inError string
	}{
		{"none", nil, 0, 0, ""},
		{"empty header", []string{""}, 0, 0, ""},
		{"identity", []string{"identity"}, 0, 0, ""},
		{"gzip", []string{"gzip"}, 1, 0, ""},
		{"x-gzip, spaces and case", []string{"  X-GZip "}, 1, 0, ""},
		{"empty list elements", []string{", gzip ,,"}, 1, 0, ""},
		{"two layers in two headers", []string{"gzip", "gzip"}, 2, 0, ""},
		{"three codings", []string{"gzip, identity, gzip"}, 2, 0, ""},
		{"four codings", []string{"gzip, identity, gzip, identity"}, 0, 400, "more than 3"},
		{"deflate", []string{"deflate"}, 0, 415, "'deflate'"},
		{"zstd after gzip", []string{"gzip", "zstd"}, 0, 415, "'zstd'"},
		{"long name is cut", []string{strings.Repeat("z", 500)}, 0, 415, "..."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := contentCodings(tc.values)
			if tc.status == 0 {
				if err != nil || len(got) != tc.layers {
					t.Fatalf("got %v, %v; want %d layers", got, err, tc.layers)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.status != tc.status || !strings.Contains(ae.message, tc.inError) {
				t.Fatalf("got %v; want %d containing %q", err, tc.status, tc.inError)
			}
			if len(ae.message) > 300 {
				t.Errorf("message not bounded: %d bytes", len(ae.message))
			}
		})
	}
}

// FuzzReadJSONBody feeds arbitrary bytes and Content-Encoding values to the
// body reader behind every Graph write. It must never panic, never answer
// a server error, never return more than maxBody bytes, and must read
// back what a gzip writer wrote.
func FuzzReadJSONBody(f *testing.F) {
	f.Add([]byte(`{"status":"resolved"}`), "", false)
	f.Add([]byte(`{"status":"resolved"}`), "gzip", true)
	f.Add([]byte(`{"status":"resolved"}`), "gzip", false)
	f.Add([]byte(`[{"comment":"x"}]`), "gzip, gzip", true)
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, "x-gzip", false)
	f.Add([]byte(`{}`), "br", false)
	f.Add([]byte(nil), "identity, gzip", true)
	f.Fuzz(func(t *testing.T, data []byte, encoding string, compress bool) {
		body := data
		if compress {
			body = gzipBytes(t, data)
		}
		req := httptest.NewRequest(http.MethodPatch, "/v1.0/security/alerts_v2/x", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		c := &call{w: httptest.NewRecorder(), r: req}
		got, err := c.readBody()
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status < 400 || ae.status >= 500 {
				t.Fatalf("error %v (%T) is not a client error", err, err)
			}
		} else {
			if len(got) > maxBody {
				t.Fatalf("read %d bytes, more than %d", len(got), maxBody)
			}
			// gzip once with a header that says exactly that: the data comes back.
			if compress && strings.EqualFold(strings.TrimSpace(encoding), "gzip") && len(data) > 0 && !bytes.Equal(got, data) {
				t.Fatalf("gzip round trip changed the body")
			}
		}
		req = httptest.NewRequest(http.MethodPatch, "/v1.0/security/alerts_v2/x", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if encoding != "" {
			req.Header.Set("Content-Encoding", encoding)
		}
		c = &call{w: httptest.NewRecorder(), r: req}
		var v any
		if err := c.readJSON(&v); err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.status < 400 || ae.status >= 500 {
				t.Fatalf("readJSON: error %v (%T) is not a client error", err, err)
			}
		}
	})
}
