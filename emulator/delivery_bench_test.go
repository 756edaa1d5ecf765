package emulator_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/delivery"
	"github.com/graphsec/graphsec/emulator/graphapi"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
)

// BenchmarkDeliverFromStore measures the whole path in process: a
// provider's change to a legacy alert through the store's one write path,
// matched by a filter subscription, batched and POSTed to a local
// receiver. It reports changes delivered per second.
//
//	go test ./emulator -run XXX -bench DeliverFromStore -benchtime 100000x
func BenchmarkDeliverFromStore(b *testing.B) {
	var got atomic.Int64
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got.Add(int64(bytes.Count(body, []byte(`"subscriptionId"`))))
		w.WriteHeader(http.StatusAccepted)
	}))
	defer rc.Close()
	emu := start(b, emulator.Options{})
	now := emu.Clock().Now()
	q, err := odata.ParseQuery("$filter=severity ne 'unknown'", odata.Spec{Type: model.Graph().LegacyAlert, Allow: odata.OptFilter})
	if err != nil {
		b.Fatal(err)
	}
	emu.Subscriptions().Put(graphapi.Subscription{
		ID: "bench", Resource: "security/alerts?$filter=severity ne 'unknown'", Filter: q.Filter, ChangeTypes: []string{"updated"},
		NotificationURL: rc.URL + "/hook", ClientState: "bench", ExpirationDateTime: now.Add(24 * time.Hour),
		ApplicationID: emu.ClientID(), TenantID: emu.TenantID(), CreatedDateTime: now, LastReauthorizedDateTime: now,
	})
	var ids []string
	tok, _ := emu.AppToken()
	list := call(b, "GET", emu.URL()+"/v1.0/security/alerts?$top=200&$filter=severity ne 'unknown'", tok, nil)
	for _, v := range list.values() {
		ids = append(ids, v["id"].(string))
	}
	if len(ids) == 0 {
		b.Fatal("no legacy alerts")
	}
	sev := []odata.Object{{"severity": "high"}, {"severity": "medium"}}
	d := emu.Delivery()
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if _, err := emu.Store().ChangeLegacyAlert(change.OriginControl, ids[i%len(ids)], sev[i%2], odata.At(now)); err != nil {
			b.Fatal(err)
		}
		if i%512 == 511 {
			for d.Backlog()+d.Pending() > delivery.DefaultMaxPendingPerURL/2 {
				time.Sleep(50 * time.Microsecond)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	if n := got.Load(); n != int64(b.N) {
		b.Fatalf("receiver got %d of %d (stats %+v)", n, b.N, d.Stats())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
