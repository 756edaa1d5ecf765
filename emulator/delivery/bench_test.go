package delivery

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/clock"
)

// BenchmarkDeliver measures change events delivered per second to a local
// receiver: every event matches a filter subscription, notifications are
// batched per POST, and the receiver reads each body and answers 202.
// The publisher keeps the backlog and the queue well under their caps, so
// nothing is dropped; the figure is events/s from the first Publish to
// the last notification acknowledged.
//
//	go test ./emulator/delivery -run XXX -bench Deliver -benchtime 200000x
func BenchmarkDeliver(b *testing.B) {
	var got atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.Add(int64(bytes.Count(body, []byte(`"subscriptionId"`))))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer rc.Close()
	h := newHarness(b, Options{Clock: clock.System{}})
	h.subscribe(sub{url: rc.URL + "/hook?tenant=contoso", filter: "severity eq 'High' and vendorInformation/provider eq 'ASC'", clientState: "benchmark-client-state"})
	docs := make([]odata.Object, 1024)
	for i := range docs {
		docs[i] = alert("da6375512276775608" + strconv.Itoa(i) + "_-961444813")
	}
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.d.Publish(change.Event{Seq: uint64(i + 1), Resource: change.LegacyAlerts, ID: "x", Type: change.Updated, Doc: docs[i%len(docs)], At: now})
		if i%1024 == 1023 {
			for h.d.Backlog()+h.d.Pending() > DefaultMaxPendingPerURL/2 {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	h.flush()
	b.StopTimer()
	if n := got.Load(); n != int64(b.N) {
		b.Fatalf("receiver got %d of %d (stats %+v)", n, b.N, h.d.Stats())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
