package graph

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"10", 10 * time.Second, true},
		{"2.128", 2128 * time.Millisecond, true},
		{" 3 ", 3 * time.Second, true},
		{".5", 500 * time.Millisecond, true},
		{"0", 0, true},
		{"1e2", 100 * time.Second, true},
		{"99999999999", maxRetryAfter, true},
		{"1e400", maxRetryAfter, true},
		{testNow.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{testNow.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{testNow.Add(48 * time.Hour).Format(http.TimeFormat), maxRetryAfter, true},
		{"Sunday, 01-Mar-26 12:00:05 GMT", 5 * time.Second, true}, // RFC 850 form
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
		{"NaN", 0, false},
		{"1.2.3", 0, false},
		{strings.Repeat("9", 100), 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := parseRetryAfter(tt.in, testNow)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestParseWarnings(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []ProviderWarning
	}{
		{"one provider", []string{`199 - "Microsoft/WDATP/401/228"`}, []ProviderWarning{
			{Code: 199, Agent: "-", Text: "Microsoft/WDATP/401/228", Vendor: "Microsoft", Provider: "WDATP", StatusCode: 401, Latency: 228 * time.Millisecond}}},
		{"several items and lines, spaces in provider", []string{
			`199 - "Microsoft/Windows Defender ATP/504/10000", 199 - "Microsoft/IPC/403/12"`,
			`199 - "Microsoft/MCAS/500/7" "Sun, 01 Mar 2026 12:00:00 GMT"`,
		}, []ProviderWarning{
			{Code: 199, Agent: "-", Text: "Microsoft/Windows Defender ATP/504/10000", Vendor: "Microsoft", Provider: "Windows Defender ATP", StatusCode: 504, Latency: 10 * time.Second},
			{Code: 199, Agent: "-", Text: "Microsoft/IPC/403/12", Vendor: "Microsoft", Provider: "IPC", StatusCode: 403, Latency: 12 * time.Millisecond},
			{Code: 199, Agent: "-", Text: "Microsoft/MCAS/500/7", Vendor: "Microsoft", Provider: "MCAS", StatusCode: 500, Latency: 7 * time.Millisecond},
		}},
		{"slash inside provider", []string{`199 - "Microsoft/A/B/404/5"`}, []ProviderWarning{
			{Code: 199, Agent: "-", Text: "Microsoft/A/B/404/5", Vendor: "Microsoft", Provider: "A/B", StatusCode: 404, Latency: 5 * time.Millisecond}}},
		{"text not in the four-part form kept raw", []string{`299 graph.microsoft.com "Miscellaneous \"warning\""`}, []ProviderWarning{
			{Code: 299, Agent: "graph.microsoft.com", Text: `Miscellaneous "warning"`}}},
		{"malformed item skipped, next kept", []string{`garbage, 19 - "x", 199 - "Microsoft/IPC/503/1"`}, []ProviderWarning{
			{Code: 199, Agent: "-", Text: "Microsoft/IPC/503/1", Vendor: "Microsoft", Provider: "IPC", StatusCode: 503, Latency: time.Millisecond}}},
		{"comma inside quotes", []string{`199 - "a,b", 199 - "Microsoft/X/500/1"`}, []ProviderWarning{
			{Code: 199, Agent: "-", Text: "a,b"},
			{Code: 199, Agent: "-", Text: "Microsoft/X/500/1", Vendor: "Microsoft", Provider: "X", StatusCode: 500, Latency: time.Millisecond}}},
		{"unterminated quote", []string{`199 - "Microsoft/X/500/1`}, nil},
		{"bad status and latency", []string{`199 - "Microsoft/X/abc/1", 199 - "Microsoft/X/500/-3"`}, []ProviderWarning{
			{Code: 199, Agent: "-", Text: "Microsoft/X/abc/1"}, {Code: 199, Agent: "-", Text: "Microsoft/X/500/-3"}}},
		{"missing agent", []string{`199 "x"`}, nil},
		{"empty", []string{""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, parseWarnings(tt.lines)); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}

func TestParseWarningsBounded(t *testing.T) {
	line := strings.Repeat(`199 - "Microsoft/X/500/1", `, 1000)
	if got := len(parseWarnings([]string{line})); got > maxWarnings {
		t.Errorf("%d warnings kept", got)
	}
	lines := make([]string, 100)
	for i := range lines {
		lines[i] = `199 - "Microsoft/` + strings.Repeat("p", 1000) + `/500/1"`
	}
	if got := len(parseWarnings(lines)); got >= 100 {
		t.Errorf("%d warnings from %d bytes", got, 100*1000)
	}
}

func TestIsAPIRequest(t *testing.T) {
	tests := []struct {
		base, url string
		want      bool
	}{
		{"https://graph.microsoft.com", "https://graph.microsoft.com/v1.0/security/alerts_v2", true},
		{"https://graph.microsoft.com", "https://graph.microsoft.com/beta/security/securityActions", true},
		{"https://graph.microsoft.com", "https://GRAPH.microsoft.com/v1.0", true},
		{"https://graph.microsoft.com", "https://graph.microsoft.com/v1.0x/me", false},
		{"https://graph.microsoft.com", "https://login.microsoftonline.com/v1.0/me", false},
		{"http://127.0.0.1:5001", "http://127.0.0.1:5001/tenant/oauth2/v2.0/token", false},
		{"http://127.0.0.1:5001", "http://127.0.0.1:5001/v1.0/me", true},
		{"https://proxy.example/graph/", "https://proxy.example/graph/v1.0/me", true},
		{"https://proxy.example/graph", "https://proxy.example/v1.0/me", false},
		{"::bad", "https://graph.microsoft.com/v1.0/me", false},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", tt.url, nil)
		if got := IsAPIRequest(tt.base, req); got != tt.want {
			t.Errorf("IsAPIRequest(%q, %s) = %v, want %v", tt.base, tt.url, got, tt.want)
		}
	}
}
