package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchAlertPage builds an alerts_v2 page of n alerts shaped like the
// fixture, each with 3 to 5 evidence entries of varied types.
func benchAlertPage(tb testing.TB, n int) []byte {
	tb.Helper()
	var base map[string]json.RawMessage
	if err := json.Unmarshal(compactFixture(tb, "alert_v2.json"), &base); err != nil {
		tb.Fatal(err)
	}
	var ev []json.RawMessage
	if err := json.Unmarshal(base["evidence"], &ev); err != nil {
		tb.Fatal(err)
	}
	ev = append(ev[:5],
		json.RawMessage(`{"@odata.type":"#microsoft.graph.security.ipEvidence","createdDateTime":"2021-04-27T12:19:27.7211305Z","verdict":"suspicious","remediationStatus":"none","roles":[],"detailedRoles":[],"tags":[],"ipAddress":"203.0.113.7","countryLetterCode":"NL"}`),
		json.RawMessage(`{"@odata.type":"#microsoft.graph.security.urlEvidence","createdDateTime":"2021-04-27T12:19:27.7211305Z","verdict":"malicious","remediationStatus":"blocked","roles":[],"detailedRoles":[],"tags":[],"url":"https://evil.example/payload"}`),
	)
	var sb strings.Builder
	sb.WriteString(`{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#security/alerts_v2","@odata.nextLink":"https://graph.microsoft.com/v1.0/security/alerts_v2?$top=1000&$skip=1000","value":[`)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		if i > 0 {
			sb.WriteByte(',')
		}
		k := 3 + i%3
		items := make([]string, k)
		for j := range k {
			items[j] = string(ev[(i+j)%len(ev)])
		}
		base["id"], _ = json.Marshal(fmt.Sprintf("da6375512276775%05d_-961444813", i))
		base["lastUpdateDateTime"], _ = json.Marshal(start.Add(time.Duration(i) * 1234567 * time.Microsecond).Format("2006-01-02T15:04:05.0000000Z"))
		base["evidence"] = json.RawMessage("[" + strings.Join(items, ",") + "]")
		b, err := json.Marshal(base)
		if err != nil {
			tb.Fatal(err)
		}
		sb.Write(b)
	}
	sb.WriteString("]}")
	return []byte(sb.String())
}

// BenchmarkDecodeAlertsV2Page decodes a 1,000-alert page with 3–5 evidence
// entries per alert, the largest page integrations request, as the client
// does.
func BenchmarkDecodeAlertsV2Page(b *testing.B) {
	data := benchAlertPage(b, 1000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		var p Page[Alert]
		if err := json.Unmarshal(data, &p); err != nil {
			b.Fatal(err)
		}
		if len(p.Value) != 1000 {
			b.Fatal(len(p.Value))
		}
	}
}

// BenchmarkListAlertsV2Page is the same page through the whole client
// (headers, retry and auth layers, bounded read) from a local server, with
// and without a Content-Length.
func BenchmarkListAlertsV2Page(b *testing.B) {
	b.Run("content-length", func(b *testing.B) { benchList(b, "") })
	b.Run("chunked", func(b *testing.B) { benchList(b, "chunked=1") })
}

func benchList(b *testing.B, query string) {
	data := benchAlertPage(b, 1000)
	env := newEnv(&testing.T{}, nil)
	env.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("chunked") == "" {
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		}
		_, _ = w.Write(data)
	})
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		r, err := env.c.NewRequest(http.MethodGet, "/v1.0/security/alerts_v2", query, nil)
		if err != nil {
			b.Fatal(err)
		}
		var p Page[Alert]
		if _, err := env.c.Do(ctx, r, &p); err != nil || len(p.Value) != 1000 {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterBuild(b *testing.B) {
	t := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		q := Query{Filter: And(Ge("lastUpdateDateTime", DateTime(t)), In("severity", Enum(AlertSeverityHigh), Enum(AlertSeverityMedium)),
			Any("evidence", "e", Eq(EvidencePath("e", "userEvidence", "userAccount/userPrincipalName"), String("alice@contoso.com")))),
			OrderBy: []string{"lastUpdateDateTime asc"}, Top: 500}
		if _, err := q.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}
