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
	dto "github.com/prometheus/client_model/go"

	"github.com/graphsec/graphsec/internal/clock"
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

// indexRecorder records how many items each journal transaction was
// asked to index in passing.
type indexRecorder struct {
	*sqlite.Store
	mu    sync.Mutex
	asked []int
}

func (r *indexRecorder) AppendJournal(ctx context.Context, batches [][]store.Notification, index int) ([]store.Notification, int, error) {
	r.mu.Lock()
	r.asked = append(r.asked, index)
	r.mu.Unlock()
	return r.Store.AppendJournal(ctx, batches, index)
}

// take returns the sum of what was asked since the last take, and how
// many transactions asked for something.
func (r *indexRecorder) take() (sum, asking int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.asked {
		sum += n
		if n > 0 {
			asking++
		}
	}
	r.asked = nil
	return sum, asking
}

// TestGroupSinkIndexesByLag: under a burst the journal's transactions
// index a hundredth of what they append; once the oldest entry waiting is
// older than MaxLag they index more than they append, so that a sustained
// load brings the live page back within MaxLag; and a long quiet spell
// before a burst does not count as lag.
func TestGroupSinkIndexesByLag(t *testing.T) {
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "j.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &indexRecorder{Store: st}
	clk := clock.NewFake(epoch)
	metrics := NewMetrics(prometheus.NewRegistry())
	sink, err := NewGroupSink(GroupOptions{Store: rec, Clock: clk, Metrics: metrics, MaxLag: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	go sink.Run()
	defer sink.Close()
	post := func(burst string, n int) {
		t.Helper()
		for p := range n {
			var items []Item
			for i := range 10 {
				it := item(fmt.Sprintf("%s-%d-%d", burst, p, i))
				it.ReceivedAt = clk.Now()
				items = append(items, it)
			}
			if err := sink.Journal(t.Context(), items); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Other requests on their way throughout a burst: the writer indexes
	// in passing only.
	burst := func() (end func()) {
		a, b := sink.Arriving(), sink.Arriving()
		return func() { a(); b() }
	}

	end := burst()
	post("young", 60)
	if sum, _ := rec.take(); sum != 0 {
		t.Errorf("a young burst of 600 asked to index %d in passing, want 0 (6 owed, under a chunk)", sum)
	}
	clk.Advance(45 * time.Second) // the oldest entry is now past MaxLag
	post("old", 4)
	if sum, asking := rec.take(); sum < 240 || asking != 2 {
		t.Errorf("at 1.5 MaxLag, 40 appended asked to index %d in %d transactions, want six times as many in 2 chunks", sum, asking)
	}
	lag := func() float64 {
		var m dto.Metric
		if err := metrics.JournalLag.Write(&m); err != nil {
			t.Fatal(err)
		}
		return m.GetGauge().GetValue()
	}
	if got := lag(); got != 45 {
		t.Errorf("journal lag %v s, want 45 (the oldest entry waiting was received 45 s ago)", got)
	}
	end()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := sink.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lag(); got != 0 {
		t.Errorf("journal lag %v s with nothing waiting, want 0", got)
	}

	clk.Advance(time.Hour) // quiet
	end = burst()
	defer end()
	post("after-quiet", 30)
	if sum, _ := rec.take(); sum != 0 {
		t.Errorf("a burst after an hour's quiet asked to index %d in passing, want 0: the quiet is not lag", sum)
	}
}

func TestIndexShare(t *testing.T) {
	g := &GroupSink{ratio: 0.01, maxLag: 30 * time.Second, since: epoch}
	for _, tt := range []struct {
		age  time.Duration
		want float64
	}{
		{0, 0.01}, {15 * time.Second, 0.01}, {22500 * time.Millisecond, 0.5}, {30 * time.Second, 1}, {33 * time.Second, 2},
		{45 * time.Second, 6}, {time.Hour, 1191},
		{15*time.Second + 10*time.Millisecond, 0.01}, // never below IndexRatio
	} {
		t.Run(tt.age.String(), func(t *testing.T) {
			if got := g.indexShare(epoch.Add(tt.age)); got < tt.want-1e-9 || got > tt.want+1e-9 {
				t.Errorf("indexShare after %v = %v, want %v", tt.age, got, tt.want)
			}
		})
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
