package notify

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/graphsec/graphsec/graph"
)

// Results of a received notification (graphsec_notifications_total's
// result label).
const (
	ResultAccepted             = "accepted"
	ResultDuplicate            = "duplicate"
	ResultUnknownSubscription  = "rejected_unknown_subscription"
	ResultClientState          = "rejected_client_state"
	ResultMalformed            = "rejected_malformed"
	ResultStoreError           = "store_error"
	ResultLifecycleHookDropped = "lifecycle_hook_dropped"
)

// Metrics are live alerts' Prometheus collectors, registered on the
// registry given to NewMetrics (never the global one). The receiver,
// the group sink, the stream and the Graph transport fill the first
// group; subscription upkeep and the watcher fill the second, which
// exists here so that every collector is named in one place.
type Metrics struct {
	// Notifications counts received items by source (webhook,
	// lifecycle, watch) and result (the Result constants).
	Notifications *prometheus.CounterVec
	// Requests counts POSTs to the receiver by endpoint (listen,
	// lifecycle) and HTTP status.
	Requests *prometheus.CounterVec
	// AckSeconds is the time from a POST's arrival to its answer, by
	// endpoint: Graph wants it under 3 s.
	AckSeconds *prometheus.HistogramVec
	// CommitItems and CommitSeconds describe the group commit's
	// transactions: items per transaction, and time per transaction.
	CommitItems   prometheus.Histogram
	CommitSeconds prometheus.Histogram
	// JournalBacklog is the number of acknowledged change notifications
	// waiting in the journal to be indexed (shown on the live page once
	// indexed); IndexSeconds the time of one indexing transaction;
	// IndexErrors the indexing transactions that failed (retried).
	JournalBacklog prometheus.Gauge
	// JournalLag bounds from above the age of the oldest notification
	// waiting there: how far the live page is behind the acknowledgements
	// (0 with none waiting). GroupOptions.MaxLag caps it.
	JournalLag   prometheus.Gauge
	IndexSeconds prometheus.Histogram
	IndexErrors  prometheus.Counter
	// StreamClients is the number of open /notifications/stream
	// connections; StreamLag the time from an item's receipt to its
	// delivery to a stream client (live items only, not catch-up);
	// StreamCatchUps counts the times a stream read the store because it
	// had missed a publish or its buffer overflowed.
	StreamClients  prometheus.Gauge
	StreamLag      prometheus.Histogram
	StreamCatchUps prometheus.Counter
	// RetentionDeleted counts notifications removed by retention.
	RetentionDeleted prometheus.Counter

	// GraphRequests counts requests to Graph on the wire by method and
	// status ("error" when no answer came); GraphThrottles the 429s among
	// them; GraphRetries the retries the client made, by the status that
	// caused them.
	GraphRequests  *prometheus.CounterVec
	GraphThrottles prometheus.Counter
	GraphRetries   *prometheus.CounterVec

	// For subscription upkeep (internal/notify/upkeep*.go): creations,
	// renewals, reauthorizations, re-creations and catch-ups by action
	// (create, renew, reauthorize, recreate, catchup) and result (ok,
	// error).
	Renewals *prometheus.CounterVec
	// For the watcher (internal/notify/watch*.go): how far behind a
	// target's watches are (how long ago the least fresh one's last
	// successful poll began; a quiet watch's checkpoint stays at the last
	// change while it is up to date, so it is no measure), by target; its
	// requests to Graph by target and result (ok, error).
	WatcherLag      *prometheus.GaugeVec
	WatcherRequests *prometheus.CounterVec
}

// NewMetrics creates the collectors and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	latency := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	m := &Metrics{
		Notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphsec_notifications_total", Help: "Notifications received, by source and result.",
		}, []string{"source", "result"}),
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphsec_notification_requests_total", Help: "POSTs to the notification receiver, by endpoint and HTTP status.",
		}, []string{"endpoint", "code"}),
		AckSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "graphsec_notification_ack_seconds", Help: "Time from a notification POST's arrival to its answer.",
			Buckets: latency,
		}, []string{"endpoint"}),
		CommitItems: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "graphsec_notification_commit_items", Help: "Notifications per group-commit transaction.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000},
		}),
		CommitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "graphsec_notification_commit_seconds", Help: "Time of one group-commit transaction, flush to disk included.",
			Buckets: latency,
		}),
		JournalBacklog: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphsec_notification_journal_backlog", Help: "Acknowledged notifications waiting in the journal to be indexed.",
		}),
		JournalLag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphsec_notification_journal_lag_seconds", Help: "Age of the oldest acknowledged notification waiting in the journal to be indexed, at most (0 with none).",
		}),
		IndexSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "graphsec_notification_index_seconds", Help: "Time of one transaction indexing journaled notifications, flush to disk included.",
			Buckets: latency,
		}),
		IndexErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphsec_notification_index_errors_total", Help: "Failed transactions indexing journaled notifications (retried).",
		}),
		StreamClients: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphsec_stream_clients", Help: "Open live-stream connections.",
		}),
		StreamLag: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "graphsec_stream_lag_seconds", Help: "Time from a notification's receipt to its delivery to a stream client.",
			Buckets: latency,
		}),
		StreamCatchUps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphsec_stream_catchups_total", Help: "Times a stream read the store to catch up after missing live items.",
		}),
		RetentionDeleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphsec_notifications_deleted_total", Help: "Notifications removed by retention.",
		}),
		GraphRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphsec_graph_requests_total", Help: "Requests to Microsoft Graph on the wire, by method and status.",
		}, []string{"method", "code"}),
		GraphThrottles: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphsec_graph_throttled_total", Help: "Graph answers 429 Too Many Requests.",
		}),
		GraphRetries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphsec_graph_retries_total", Help: "Retries of Graph requests, by the status that caused them.",
		}, []string{"code"}),
		Renewals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphsec_subscription_renewals_total", Help: "Subscription upkeep actions (create, renew, reauthorize, recreate, catchup) by result.",
		}, []string{"action", "result"}),
		WatcherLag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "graphsec_watch_lag_seconds", Help: "How long ago the last successful poll of the target's least fresh watch began.",
		}, []string{"target"}),
		WatcherRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphsec_watch_requests_total", Help: "The watcher's Graph requests, by target and result.",
		}, []string{"target", "result"}),
	}
	// Every result starts at zero, so that rates and alerts work before
	// the first notification.
	for _, source := range []string{string(SourceWebhook), string(SourceLifecycle)} {
		for _, result := range []string{ResultAccepted, ResultDuplicate, ResultUnknownSubscription, ResultClientState,
			ResultMalformed, ResultStoreError} {
			m.Notifications.WithLabelValues(source, result)
		}
	}
	reg.MustRegister(m.Notifications, m.Requests, m.AckSeconds, m.CommitItems, m.CommitSeconds, m.JournalBacklog,
		m.JournalLag, m.IndexSeconds, m.IndexErrors, m.StreamClients,
		m.StreamLag, m.StreamCatchUps, m.RetentionDeleted, m.GraphRequests, m.GraphThrottles, m.GraphRetries,
		m.Renewals, m.WatcherLag, m.WatcherRequests)
	return m
}

// InstrumentGraph wraps the base transport of the console's Graph
// clients: every request to Graph's API at graphURL (graph.IsAPIRequest:
// the identity platform shares the transport and is not counted) is
// counted by method and status, and 429s as throttles. It sits under the
// Graph client's retry layer, so each attempt counts.
func (m *Metrics) InstrumentGraph(next http.RoundTripper, graphURL string) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if !graph.IsAPIRequest(graphURL, r) {
			return resp, err
		}
		code := "error"
		if err == nil {
			code = strconv.Itoa(resp.StatusCode)
			if resp.StatusCode == http.StatusTooManyRequests {
				m.GraphThrottles.Inc()
			}
		}
		m.GraphRequests.WithLabelValues(r.Method, code).Inc()
		return resp, err
	})
}

// ObserveRetry counts a Graph client's retry (graph.RetryPolicy.OnRetry).
func (m *Metrics) ObserveRetry(ri graph.RetryInfo) {
	m.GraphRetries.WithLabelValues(strconv.Itoa(ri.StatusCode)).Inc()
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// MetricsHandler serves reg's metrics in Prometheus's format to those
// allowed to read them. With a token, a request must carry
// "Authorization: Bearer <token>" (compared in constant time). Without
// one, only requests from a loopback address that no proxy forwarded
// (no X-Forwarded-For or Forwarded header) are served: a scraper on the
// same machine. Everyone else gets 403 (404 would hide the endpoint, but
// the README names it anyway).
func MetricsHandler(reg prometheus.Gatherer, token string) http.Handler {
	h := promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !metricsAllowed(r, token, want) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if token != "" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="graphsec metrics"`)
				w.WriteHeader(http.StatusUnauthorized)
				w.Write([]byte("Send Authorization: Bearer <GRAPHSEC_METRICS_TOKEN>.\n"))
				return
			}
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte("Metrics are served to loopback only; set GRAPHSEC_METRICS_TOKEN to scrape from elsewhere.\n"))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func metricsAllowed(r *http.Request, token string, want [32]byte) bool {
	if token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			return false
		}
		sum := sha256.Sum256([]byte(got))
		return subtle.ConstantTimeCompare(sum[:], want[:]) == 1
	}
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
