package notify

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
	"github.com/graphsec/graphsec/internal/store/storetest"
)

// TestGroupSinkJournalOrder journals and appends from many goroutines at
// once while a subscription follows from the start: every item reaches
// the store and the subscription exactly once, in Seq order, and the
// journal's duplicates are left out and counted.
func TestGroupSinkJournalOrder(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	metrics := NewMetrics(prometheus.NewRegistry())
	hub, err := NewHub(HubOptions{Store: st, Metrics: metrics})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	// Small chunks, so that indexing interleaves with the requests.
	sink, err := NewGroupSink(GroupOptions{Store: st, Broker: hub, Metrics: metrics, IndexChunk: 7})
	if err != nil {
		t.Fatal(err)
	}
	go sink.Run()
	defer sink.Close()
	sub, err := hub.Subscribe(store.FromStart, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	const writers, posts, per = 8, 40, 5
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for p := range posts {
				var items []Item
				for i := range per {
					items = append(items, item(fmt.Sprintf("w%d-p%d-%d", w, p, i)))
				}
				var err error
				if w%4 == 0 {
					_, err = sink.Append(t.Context(), items) // the watcher's way
				} else {
					err = sink.Journal(t.Context(), items)
				}
				if err != nil {
					t.Error(err)
					return
				}
				if p%10 == 0 { // Graph retrying a POST
					if err := sink.Journal(t.Context(), items); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := sink.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	if n := sink.Backlog(); n != 0 {
		t.Errorf("Backlog = %d after WaitIndexed", n)
	}
	const total = writers * posts * per
	seen := map[string]bool{}
	var last int64
	for len(seen) < total {
		b, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %d items: %v", len(seen), err)
		}
		for _, it := range b.Items {
			if it.Seq <= last {
				t.Fatalf("Seq %d after %d", it.Seq, last)
			}
			if seen[it.ID] {
				t.Fatalf("%s twice", it.ID)
			}
			last, seen[it.ID] = it.Seq, true
		}
	}
	retries := writers * (posts / 10) * per
	if got := countOf(metrics, SourceWebhook, ResultDuplicate); got != float64(retries) {
		t.Errorf("duplicates counted %v, want %d", got, retries)
	}
	// Journaled items are counted as accepted when indexed; the direct
	// appends are the receiver's to count.
	if got := countOf(metrics, SourceWebhook, ResultAccepted); got != float64(total-total/4) {
		t.Errorf("accepted counted %v, want %d", got, total-total/4)
	}
}

func countOf(m *Metrics, source store.Source, result string) float64 {
	r := &rig{metrics: m}
	return r.count(source, result)
}

// TestGroupSinkResumesTheJournal: entries journaled before a restart (a
// crash after the acknowledgement) are indexed and published by the next
// writer.
func TestGroupSinkResumesTheJournal(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, _, err := st.AppendJournal(t.Context(), [][]Item{{item("a"), item("b")}, {item("c")}}, 0); err != nil {
		t.Fatal(err)
	}
	hub, err := NewHub(HubOptions{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	defer hub.Close()
	sub, err := hub.Subscribe(store.FromStart, "")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	sink, err := NewGroupSink(GroupOptions{Store: st, Broker: hub})
	if err != nil {
		t.Fatal(err)
	}
	go sink.Run()
	defer sink.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var got []string
	for len(got) < 3 {
		b, err := sub.Next(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		got = append(got, idsOf(b.Items)...)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("published %v, want [a b c]", got)
	}
	if n, err := st.JournalBacklog(t.Context()); err != nil || n != 0 {
		t.Errorf("journal backlog %d, %v after indexing", n, err)
	}
}

// TestGroupSinkJournalWithoutAJournal: a store without a journal (the
// in-memory test stores) gets Journal's items appended directly.
func TestGroupSinkJournalWithoutAJournal(t *testing.T) {
	g, sink := newGated(t, nil)
	close(g.gate)
	if err := sink.Journal(t.Context(), []Item{item("a")}); err != nil {
		t.Fatal(err)
	}
	if g.calls.Load() != 1 {
		t.Errorf("AppendNotifications called %d times, want 1", g.calls.Load())
	}
	if err := sink.Journal(t.Context(), []Item{{ID: "no feed", Source: SourceWebhook}}); err == nil {
		t.Error("an invalid item was journaled")
	}
}

// BenchmarkReceiverPOST measures POST /listen of 10 change notifications
// (the loadgen's default) against a SQLite file, from 32 goroutines so
// that group commits form, without the network: acknowledged through the
// sink (10 rows each) and through the journal (one entry each, indexed by
// the writer in between and after). ack-cpu-µs/POST is the process's CPU
// time until the last answer; total-cpu-µs/POST adds indexing what was
// left (journal only).
func BenchmarkReceiverPOST(b *testing.B) {
	for _, journal := range []bool{false, true} {
		b.Run(map[bool]string{false: "sink", true: "journal"}[journal], func(b *testing.B) {
			r := newRig(b, rigOptions{journal: journal, systemClock: true, unrecorded: true, path: filepath.Join(b.TempDir(), "bench.db")})
			r.feed(b, "f", "sub", "secret", "alice", false)
			h := r.rc.Notifications()
			var next atomic.Int64
			b.SetParallelism(16)
			cpu0 := storetest.CPUTime()
			b.RunParallel(func(pb *testing.PB) {
				var parts []string
				for pb.Next() {
					n := next.Add(1)
					parts = parts[:0]
					for i := range 10 {
						parts = append(parts, changeJSON(fmt.Sprintf("n%d-%d", n, i), "sub", "secret", fmt.Sprint("da", i)))
					}
					if w := post(h, "/listen", collection(parts...)); w.Code != 202 {
						b.Fatalf("status %d", w.Code)
					}
				}
			})
			ack := storetest.CPUTime() - cpu0
			r.settle(b)
			total := storetest.CPUTime() - cpu0
			b.ReportMetric(float64(ack.Microseconds())/float64(b.N), "ack-cpu-µs/POST")
			b.ReportMetric(float64(total.Microseconds())/float64(b.N), "total-cpu-µs/POST")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "POSTs/s")
		})
	}
}
