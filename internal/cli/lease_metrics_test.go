package cli

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/lease"
)

// TestLeaseMetrics: /metrics's lease gauges follow the election.
func TestLeaseMetrics(t *testing.T) {
	el := lease.NewAlways("solo")
	reg := prometheus.NewRegistry()
	registerLease(reg, el, clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)))
	gauges := func() map[string]float64 {
		t.Helper()
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, mf := range mfs {
			out[mf.GetName()] = mf.GetMetric()[0].GetGauge().GetValue()
		}
		return out
	}
	if g := gauges(); g["graphsec_lease_leader"] != 0 || g["graphsec_lease_terms"] != 0 {
		t.Errorf("before the election: %v", g)
	}
	ctx, cancel := context.WithCancel(t.Context())
	leading := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		el.Run(ctx, func(ctx context.Context) { close(leading); <-ctx.Done() })
	}()
	<-leading
	tests := []struct {
		name string
		want float64
	}{
		{"graphsec_lease_leader", 1},
		{"graphsec_lease_epoch", 1},
		{"graphsec_lease_terms", 1},
		{"graphsec_lease_expires_in_seconds", 0}, // Always never expires
	}
	g := gauges()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, ok := g[tt.name]; !ok || got != tt.want {
				t.Errorf("%s = %v (present %v), want %v", tt.name, got, ok, tt.want)
			}
		})
	}
	cancel()
	<-done
	if g := gauges(); g["graphsec_lease_leader"] != 0 {
		t.Errorf("after the work ended: leader %v", g["graphsec_lease_leader"])
	}
}
