package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// Benchmarks shared by every implementation: each one's test file calls
// them with a function that opens an empty store.

// benchEpoch is the time the benchmark records carry.
var benchEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func benchSessions(b *testing.B, s store.Store, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("session-%06d-hash-of-a-random-cookie-value", i)
		err := s.CreateSession(context.Background(), store.Session{
			ID: ids[i], UserID: "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b", UserPrincipalName: "adele.vance@contoso.example",
			DisplayName: "Adele Vance", TenantID: "9c1f0e2d-3b4a-5c6d-7e8f-0a1b2c3d4e5f", Tokens: make([]byte, 4096),
			CSRFToken: "csrf", CreatedAt: benchEpoch, LastSeenAt: benchEpoch, ExpiresAt: benchEpoch.Add(time.Hour),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// BenchmarkSession is the lookup every console request makes (4 KiB of
// sealed tokens, 1000 sessions).
// BenchmarkSession is the read every console request makes.
func BenchmarkSession(b *testing.B, open func(b *testing.B) store.Store) {
	s := open(b)
	ids := benchSessions(b, s, 1000)
	ctx := context.Background()
	b.Run("serial", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if _, err := s.Session(ctx, ids[i%len(ids)], benchEpoch); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				if _, err := s.Session(ctx, ids[i%len(ids)], benchEpoch); err != nil {
					b.Error(err)
					return
				}
				i++
			}
		})
	})
}

// BenchmarkTouchSession is the write every console request makes (at most
// once a minute per session).
func BenchmarkTouchSession(b *testing.B, open func(b *testing.B) store.Store) {
	s := open(b)
	ids := benchSessions(b, s, 1000)
	ctx := context.Background()
	i := 0
	for b.Loop() {
		if err := s.TouchSession(ctx, ids[i%len(ids)], benchEpoch, benchEpoch.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAddActivity(b *testing.B, open func(b *testing.B) store.Store) {
	s := open(b)
	ctx := context.Background()
	a := store.Activity{
		Resource: "alert", ResourceID: "da637551227677560813_-961444813", Action: "update",
		ActorID: "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b", ActorName: "Adele Vance", At: benchEpoch,
		RequestID: "b8a1c0de-0000-4000-8000-000000000001",
		Changes:   []byte(`{"status":{"from":"new","to":"inProgress"},"assignedTo":{"from":null,"to":"adele.vance@contoso.example"}}`),
	}
	for b.Loop() {
		if _, err := s.AddActivity(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListActivity(b *testing.B, open func(b *testing.B) store.Store) {
	s := open(b)
	ctx := context.Background()
	for i := range 2000 {
		a := store.Activity{Resource: "alert", ResourceID: fmt.Sprint(i % 20), Action: "update", At: benchEpoch,
			Changes: []byte(`{"status":{"from":"new","to":"inProgress"}}`)}
		if _, err := s.AddActivity(ctx, a); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if list, err := s.ListActivity(ctx, "alert", "7", 50); err != nil || len(list) != 50 {
			b.Fatal(len(list), err)
		}
	}
}

// BenchmarkAppendNotifications measures durable appends of batches of
// Graph-sized notifications (the group commit's transactions); the
// reported items/s is the store's ceiling for the receiver.
func BenchmarkAppendNotifications(b *testing.B, open func(b *testing.B) Live) {
	raw := []byte(`{"id":"lg-0000000000-0","subscriptionId":"7f1e0c36-0b9a-4c71-9c3c-3f2e1d0c9b8a","subscriptionExpirationDateTime":"2026-05-20T00:00:00.0000000Z","tenantId":"3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6","clientState":"secret","changeType":"updated","resource":"security/alerts/da1","resourceData":{"@odata.type":"#Microsoft.Graph.alert","@odata.id":"security/alerts/da1","id":"da1"}}`)
	for _, size := range []int{1, 10, 100, 1000} {
		b.Run(fmt.Sprint("batch=", size), func(b *testing.B) {
			s := open(b)
			ctx := context.Background()
			batch := make([]store.Notification, size)
			n := 0
			cpu0 := CPUTime()
			for b.Loop() {
				for i := range batch {
					batch[i] = store.Notification{ID: fmt.Sprint("n-", n), Source: store.SourceWebhook, Feed: "feed-1",
						Owner: "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b", ChangeType: "updated", Resource: "security/alerts/da1",
						ResourceID: "da1", Raw: raw, ReceivedAt: benchEpoch}
					n++
				}
				if _, err := s.AppendNotifications(ctx, batch); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "items/s")
			// CPU time per item is steadier than wall time on a shared
			// machine.
			b.ReportMetric(float64((CPUTime()-cpu0).Microseconds())/float64(n), "cpu-µs/item")
		})
	}
}

// BenchmarkJournal measures the receiver's journal: appending entries of
// 10 Graph-sized notifications, 32 entries a transaction (a group commit
// under load), and indexing them into notifications 500 items a
// transaction (GroupSink's chunk). cpu-µs/item compares with
// BenchmarkAppendNotifications.
func BenchmarkJournal(b *testing.B, open func(b *testing.B) Live) {
	raw := []byte(`{"id":"lg-0000000000-0","subscriptionId":"7f1e0c36-0b9a-4c71-9c3c-3f2e1d0c9b8a","subscriptionExpirationDateTime":"2026-05-20T00:00:00.0000000Z","tenantId":"3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6","clientState":"secret","changeType":"updated","resource":"security/alerts/da1","resourceData":{"@odata.type":"#Microsoft.Graph.alert","@odata.id":"security/alerts/da1","id":"da1"}}`)
	const perEntry, perTx = 10, 32
	s := open(b)
	ctx := context.Background()
	n := 0
	batches := make([][]store.Notification, perTx)
	appendTx := func() {
		for e := range batches {
			batches[e] = make([]store.Notification, perEntry)
			for i := range batches[e] {
				batches[e][i] = store.Notification{ID: fmt.Sprint("j-", n), Source: store.SourceWebhook, Feed: "feed-1",
					Owner: "6f1e3c2a-0d5b-4e8f-9a7c-1b2d3e4f5a6b", ChangeType: "updated", Resource: "security/alerts/da1",
					ResourceID: "da1", Raw: raw, ReceivedAt: benchEpoch}
				n++
			}
		}
		if _, _, err := s.AppendJournal(ctx, batches, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("append", func(b *testing.B) {
		n0, cpu0 := n, CPUTime()
		for b.Loop() {
			appendTx()
		}
		b.ReportMetric(float64(n-n0)/b.Elapsed().Seconds(), "items/s")
		b.ReportMetric(float64((CPUTime()-cpu0).Microseconds())/float64(n-n0), "cpu-µs/item")
	})
	b.Run("index", func(b *testing.B) {
		items := 0
		var cpu time.Duration
		for b.Loop() {
			b.StopTimer()
			for backlog, _ := s.JournalBacklog(ctx); backlog < 500; backlog += perTx * perEntry {
				appendTx()
			}
			b.StartTimer()
			cpu0 := CPUTime()
			_, read, err := s.IndexJournal(ctx, 500)
			if err != nil {
				b.Fatal(err)
			}
			cpu += CPUTime() - cpu0
			items += read
		}
		b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(items), "cpu-µs/item")
	})
}
