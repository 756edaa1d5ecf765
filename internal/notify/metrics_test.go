package notify

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/graphsec/graphsec/graph"
)

func value(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	(<-ch).Write(&m)
	return m.GetCounter().GetValue()
}

func TestInstrumentGraph(t *testing.T) {
	m := NewMetrics(prometheus.NewRegistry())
	status := 200
	rt := m.InstrumentGraph(roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.URL.Path == "/v1.0/fail" {
			return nil, errors.New("refused")
		}
		return &http.Response{StatusCode: status, Body: http.NoBody}, nil
	}), "https://graph.example/")
	do := func(method, url string) {
		req := httptest.NewRequest(method, url, nil)
		rt.RoundTrip(req)
	}
	do("GET", "https://graph.example/v1.0/security/alerts_v2")
	do("GET", "https://graph.example/beta/security/securityActions")
	status = 429
	do("PATCH", "https://graph.example/v1.0/security/alerts_v2/1")
	do("GET", "https://graph.example/v1.0/fail")
	do("POST", "https://graph.example/tenant/oauth2/v2.0/token") // the identity platform
	do("GET", "https://other.example/v1.0/me")
	for _, tt := range []struct {
		method, code string
		want         float64
	}{{"GET", "200", 2}, {"PATCH", "429", 1}, {"GET", "error", 1}, {"POST", "200", 0}} {
		if got := value(m.GraphRequests.WithLabelValues(tt.method, tt.code)); got != tt.want {
			t.Errorf("graph requests {%s,%s} = %v, want %v", tt.method, tt.code, got, tt.want)
		}
	}
	if got := value(m.GraphThrottles); got != 1 {
		t.Errorf("throttles %v", got)
	}
	m.ObserveRetry(graph.RetryInfo{StatusCode: 429})
	if got := value(m.GraphRetries.WithLabelValues("429")); got != 1 {
		t.Errorf("retries %v", got)
	}
}

func TestMetricsHandlerAccess(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg)
	tests := []struct {
		name, token, remote string
		header              []string
		status              int
	}{
		{"loopback", "", "127.0.0.1:5555", nil, 200},
		{"loopback v6", "", "[::1]:5555", nil, 200},
		{"remote", "", "203.0.113.7:5555", nil, 403},
		{"loopback through a proxy", "", "127.0.0.1:5555", []string{"X-Forwarded-For", "203.0.113.7"}, 403},
		{"loopback, Forwarded", "", "127.0.0.1:5555", []string{"Forwarded", "for=203.0.113.7"}, 403},
		{"token", "0123456789abcdef", "203.0.113.7:5555", []string{"Authorization", "Bearer 0123456789abcdef"}, 200},
		{"wrong token", "0123456789abcdef", "203.0.113.7:5555", []string{"Authorization", "Bearer 0123456789abcdeg"}, 401},
		{"no token, loopback", "0123456789abcdef", "127.0.0.1:5555", nil, 401},
		{"basic", "0123456789abcdef", "127.0.0.1:5555", []string{"Authorization", "Basic 0123456789abcdef"}, 401},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = tt.remote
		for i := 0; i+1 < len(tt.header); i += 2 {
			req.Header.Set(tt.header[i], tt.header[i+1])
		}
		w := httptest.NewRecorder()
		MetricsHandler(reg, tt.token).ServeHTTP(w, req)
		if w.Code != tt.status {
			t.Errorf("%s: %d, want %d", tt.name, w.Code, tt.status)
		}
	}
}
