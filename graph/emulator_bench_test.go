package graph_test

import (
	"testing"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
)

// BenchmarkPage10000 pages through 10,000 alerts_v2 served by the
// in-process emulator, end to end: the emulator filters, sorts and encodes
// each page, the client sends it through its retry and auth layers, reads
// the bounded body and decodes every alert with its typed evidence. The
// emulator's own start-up (generating the tenant) is not timed.
func BenchmarkPage10000(b *testing.B) {
	env := newEmuEnv(b, emulator.Options{Alerts: 10000})
	c := env.appClient(b)
	for _, bc := range []struct {
		name string
		top  int
	}{{"top=1000", 1000}, {"default-page", 0}} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				alerts, evidence := 0, 0
				for a, err := range c.Alerts.All(env.ctx, graph.Query{Top: bc.top}, 0) {
					if err != nil {
						b.Fatal(err)
					}
					alerts++
					for _, ev := range a.Evidence {
						if u, ok := ev.(*graph.UnknownEvidence); ok && u.Err != nil {
							b.Fatalf("evidence %s did not decode: %v", u.TypeName(), u.Err)
						}
					}
					evidence += len(a.Evidence)
				}
				if alerts != 10000 || evidence < alerts {
					b.Fatalf("%d alerts with %d evidence entries", alerts, evidence)
				}
			}
		})
	}
}

// BenchmarkSecureScores90Days reads the 90 daily scores a trend draws,
// from the in-process emulator: decoded whole (List: every day's control
// scores, about 3,000, with their open members) or as days (ListDays: the
// numbers, the latest day decoded whole).
func BenchmarkSecureScores90Days(b *testing.B) {
	env := newEmuEnv(b, emulator.Options{})
	c := env.appClient(b)
	b.Run("List", func(b *testing.B) {
		for b.Loop() {
			p, _, err := c.SecureScores.List(env.ctx, graph.Query{Top: 90})
			if err != nil || len(p.Value) != 90 || len(p.Value[0].ControlScores) == 0 {
				b.Fatalf("%v", err)
			}
		}
	})
	b.Run("ListDays", func(b *testing.B) {
		for b.Loop() {
			p, _, err := c.SecureScores.ListDays(env.ctx, graph.Query{Top: 90})
			if err != nil || len(p.Value) != 90 {
				b.Fatalf("%v", err)
			}
			full, err := p.Value[0].Full()
			if err != nil || len(full.ControlScores) == 0 {
				b.Fatalf("%v", err)
			}
		}
	})
}
