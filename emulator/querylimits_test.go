package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/graphsec/graphsec/emulator"
)

// nestedEvidenceLambdas is the attack review's filter: k lambdas over the
// alert's own evidence, each inside the previous one (about 240 bytes for
// k = 9, which took 7.7 s before the limits).
func nestedEvidenceLambdas(k int) string {
	var b strings.Builder
	for i := range k {
		fmt.Fprintf(&b, "evidence/any(v%d: ", i)
	}
	fmt.Fprintf(&b, "v%d/verdict eq 'malicious' and v0/verdict eq 'noThreatsFound'", k-1)
	b.WriteString(strings.Repeat(")", k))
	return b.String()
}

func alertsQuery(emu interface{ URL() string }, filter string, extra ...string) string {
	q := url.Values{"$filter": {filter}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return emu.URL() + "/v1.0/security/alerts_v2?" + q.Encode()
}

func TestNestedLambdaFilters(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu).app
	tests := []struct {
		name, filter string
		status       int
		message      string
	}{
		{"k=9", nestedEvidenceLambdas(9), 400, "The Any/All nesting limit of '2' has been exceeded."},
		{"k=11", nestedEvidenceLambdas(11), 400, "The Any/All nesting limit of '2' has been exceeded."},
		{"k=3", nestedEvidenceLambdas(3), 400, "'MaxAnyAllExpressionDepth' can be configured"},
		{"k=2", nestedEvidenceLambdas(2), 200, ""},
		{"cast and nested lambda", "evidence/any(e: e/microsoft.graph.security.deviceEvidence/ipInterfaces/any(i: i eq '10.0.0.1'))", 200, ""},
		{"node count", "severity eq 'high'" + strings.Repeat(" or severity eq 'high'", 25), 400, "The node count limit of '100' has been exceeded."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, "GET", alertsQuery(emu, tt.filter, "$count", "true"), tok, nil)
			mustStatus(t, r, tt.status)
			if tt.status == 400 {
				if r.errorCode() != "BadRequest" || !strings.Contains(r.str("error", "message"), tt.message) {
					t.Fatalf("error %s, want BadRequest containing %q", truncate(r.raw), tt.message)
				}
			}
		})
	}
}

// TestQueryOverWorkLimit: an alert raised with 3,000 evidence items makes
// one allowed nested lambda cost 9,000,000 steps for that alert alone: the
// query is refused with a 400 instead of holding a core.
func TestQueryOverWorkLimit(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu).app
	ev := make([]map[string]any, 3000)
	for i := range ev {
		ev[i] = map[string]any{"@odata.type": "#microsoft.graph.security.ipEvidence", "ipAddress": fmt.Sprintf("10.1.%d.%d", i/250, i%250), "verdict": "suspicious"}
	}
	r := call(t, "POST", emu.URL()+"/_emulator/alerts", "", map[string]any{"title": "wide", "evidence": ev})
	mustStatus(t, r, 201)
	r = call(t, "GET", alertsQuery(emu, nestedEvidenceLambdas(2), "$count", "true"), tok, nil)
	mustStatus(t, r, 400)
	if msg := r.str("error", "message"); r.errorCode() != "BadRequest" || !strings.Contains(msg, "work limit") {
		t.Fatalf("error %s", truncate(r.raw))
	}
}

// TestQueryStopsWithRequestContext: the list handlers run queries with the
// request's context, so a client that is gone stops the scan; the handler
// answers 503 (which no one reads) rather than finishing the work.
func TestQueryStopsWithRequestContext(t *testing.T) {
	emu := start(t, emulator.Options{})
	tok := tokensFor(t, emu).app
	for _, path := range []string{
		"/v1.0/security/alerts_v2?$count=true&$filter=" + url.QueryEscape(nestedEvidenceLambdas(2)),
		"/v1.0/security/incidents?$count=true",
		"/v1.0/security/alerts?$count=true",
		"/v1.0/security/secureScores",
		"/v1.0/users",
	} {
		t.Run(path, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			rec := httptest.NewRecorder()
			emu.ServeHTTP(rec, req)
			if rec.Code != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503; body %s", rec.Code, rec.Body)
			}
		})
	}
}
