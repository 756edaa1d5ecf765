package lease_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/lease"
	"github.com/graphsec/graphsec/internal/store/pgtest"
)

// journal records which replica's work ran when, and fails the test if
// two ever ran at once.
type journal struct {
	t       *testing.T
	mu      sync.Mutex
	running string
	events  []string
}

func (j *journal) work(id string) func(context.Context) {
	return func(ctx context.Context) {
		j.mu.Lock()
		if j.running != "" {
			j.t.Errorf("%s started leading while %s still ran", id, j.running)
		}
		j.running = id
		j.events = append(j.events, "start "+id)
		j.mu.Unlock()
		<-ctx.Done()
		j.mu.Lock()
		j.running = ""
		j.events = append(j.events, "stop "+id)
		j.mu.Unlock()
	}
}

func (j *journal) current() string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.running
}

// node is one replica's elector whose database connection can be cut.
type node struct {
	el     *lease.PG
	cut    atomic.Bool
	conns  chan *pgx.Conn
	cancel context.CancelFunc
	done   chan struct{}
}

func start(t *testing.T, dsn, id string, clk clock.Clock, j *journal) *node {
	t.Helper()
	n := &node{conns: make(chan *pgx.Conn, 100), done: make(chan struct{})}
	el, err := lease.NewPG(lease.Options{
		Connect: func(ctx context.Context) (*pgx.Conn, error) {
			if n.cut.Load() {
				return nil, errors.New("network cut")
			}
			c, err := pgx.Connect(ctx, dsn)
			if err == nil {
				n.conns <- c
			}
			return c, err
		},
		ID: id, TTL: 15 * time.Second, Tick: 5 * time.Millisecond, Clock: clk,
	})
	if err != nil {
		t.Fatal(err)
	}
	n.el = el
	ctx, cancel := context.WithCancel(context.Background())
	n.cancel = cancel
	go func() {
		defer close(n.done)
		el.Run(ctx, j.work(id))
	}()
	t.Cleanup(n.stop)
	return n
}

func (n *node) stop() {
	n.cancel()
	<-n.done
}

// crash cuts the node off the database (its connection closed by the
// server, new ones refused) without it releasing anything.
func (n *node) crash(t *testing.T, admin *pgx.Conn) {
	t.Helper()
	n.cut.Store(true)
	for {
		select {
		case c := <-n.conns:
			var pid uint32 = c.PgConn().PID()
			if _, err := admin.Exec(t.Context(), "SELECT pg_terminate_backend($1)", pid); err != nil {
				t.Fatal(err)
			}
		default:
			return
		}
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not %s after 10 s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// never checks that cond stays false for a while of real time (many
// ticks of the electors' loops).
func never(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 40 {
		if cond() {
			t.Fatalf("%s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFailover(t *testing.T) {
	dsn, _ := pgtest.Fresh(t)
	admin, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(context.Background())
	clk := clock.NewFake(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
	j := &journal{t: t}

	a := start(t, dsn, "a", clk, j)
	eventually(t, "a leads", func() bool { return j.current() == "a" })
	b := start(t, dsn, "b", clk, j)
	c := start(t, dsn, "c", clk, j)
	eventually(t, "b and c see a as the holder", func() bool {
		return b.el.State().Holder == "a" && c.el.State().Holder == "a"
	})
	if b.el.State().Leader || c.el.State().Leader {
		t.Fatal("b or c leads while a holds the lease")
	}
	epoch := a.el.State().Epoch

	// a loses the database: it keeps leading until its fence (10 s after
	// its last renewal), stops, and nobody takes over before the lease
	// expires (15 s).
	a.crash(t, admin)
	clk.Advance(9 * time.Second)
	never(t, "a stopped before its fence", func() bool { return j.current() != "a" })
	clk.Advance(2 * time.Second) // 11 s
	eventually(t, "a stops at its fence", func() bool { return j.current() == "" && !a.el.State().Leader })
	clk.Advance(3 * time.Second) // 14 s: not yet expired
	never(t, "another replica led before a's lease expired", func() bool { return j.current() != "" })
	clk.Advance(6 * time.Second) // 20 s: expired, and b and c try every 5 s
	eventually(t, "b or c leads after expiry", func() bool { return j.current() == "b" || j.current() == "c" })
	next, other := b, c
	if j.current() == "c" {
		next, other = c, b
	}
	if got := next.el.State().Epoch; got != epoch+1 {
		t.Errorf("new term's epoch %d, want %d", got, epoch+1)
	}
	never(t, "a led again while cut off", func() bool { return a.el.State().Leader })

	// The new leader stops cleanly: it releases the lease, and the other
	// takes over at its next attempt, without waiting for expiry.
	next.stop()
	clk.Advance(5 * time.Second)
	eventually(t, "the third replica leads after a clean stop", func() bool { return other.el.State().Leader })
	if got := other.el.State().Epoch; got != epoch+2 {
		t.Errorf("third term's epoch %d, want %d", got, epoch+2)
	}
	j.mu.Lock()
	t.Logf("terms: %v", j.events)
	j.mu.Unlock()
}

func TestAlwaysLeads(t *testing.T) {
	a := lease.NewAlways("solo")
	ctx, cancel := context.WithCancel(t.Context())
	ran := make(chan bool, 1)
	go a.Run(ctx, func(ctx context.Context) {
		ran <- true
		<-ctx.Done()
	})
	<-ran
	if st := a.State(); !st.Leader || st.Holder != "solo" {
		t.Errorf("State() = %+v, want the leader", st)
	}
	cancel()
	eventually(t, "not leading after ctx ends", func() bool { return !a.State().Leader })
}

func TestOptions(t *testing.T) {
	connect := func(context.Context) (*pgx.Conn, error) { return nil, errors.New("unused") }
	tests := []struct {
		name string
		o    lease.Options
		ok   bool
	}{
		{"defaults", lease.Options{Connect: connect}, true},
		{"no connect", lease.Options{}, false},
		{"renew and margin over ttl", lease.Options{Connect: connect, TTL: 10 * time.Second, Renew: 5 * time.Second, Margin: 5 * time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lease.NewPG(tt.o)
			if (err == nil) != tt.ok {
				t.Errorf("NewPG: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
