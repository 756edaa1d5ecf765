package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/open"
)

// Store is what loadgen needs of the receiver's database.
type Store interface {
	store.Notifications
	store.Feeds
	Close() error
}

// Run runs c, printing to out. It fails when a request failed or, with
// a database, when an acknowledged notification was not stored.
func Run(ctx context.Context, c Config, out io.Writer) error {
	if err := c.validate(); err != nil {
		return err
	}
	if c.Mode == ModeGet {
		return runGet(ctx, c, out)
	}
	return runNotify(ctx, c, out)
}

// stats is one measured run.
type stats struct {
	name          string
	requests      int
	notifications int
	failed        int
	elapsed       time.Duration
	lat           []time.Duration
	firstErr      error
}

func (s *stats) rate() float64 { return float64(s.requests) / s.elapsed.Seconds() }

// merge adds o's counts and latencies to s.
func (s *stats) merge(o *stats) {
	s.requests += o.requests
	s.notifications += o.notifications
	s.failed += o.failed
	s.elapsed += o.elapsed
	s.lat = append(s.lat, o.lat...)
	slices.Sort(s.lat)
	s.firstErr = firstOf(s.firstErr, o.firstErr)
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	return s.lat[min(len(s.lat)-1, int(float64(len(s.lat))*p))]
}

func (s *stats) print(out io.Writer, c Config, perRequest string) {
	fmt.Fprintf(out, "%-9s %d requests in %s with %d workers: %.0f req/s", s.name, s.requests, s.elapsed.Round(time.Millisecond),
		c.Concurrency, s.rate())
	if s.notifications > 0 {
		fmt.Fprintf(out, ", %.0f notifications/s (%s)", float64(s.notifications)/s.elapsed.Seconds(), perRequest)
	}
	fmt.Fprintf(out, "; %d failed or not 2xx\n", s.failed)
	fmt.Fprintf(out, "%-9s latency p50 %s  p90 %s  p99 %s  max %s\n", "", s.pct(.50), s.pct(.90), s.pct(.99), s.pct(1))
	if s.firstErr != nil {
		fmt.Fprintf(out, "%-9s first failure: %v\n", "", s.firstErr)
	}
}

// request builds one request for a worker; ack is told the outcome of a
// 2xx answer.
type request func(buf *bytes.Buffer) (req *http.Request, ack func(), err error)

// drive runs workers for d (nothing is cancelled mid-request: a worker
// stops starting requests at the deadline), recording latencies when
// record is set.
func drive(client *http.Client, c Config, d time.Duration, record bool, next request, name string) *stats {
	s := &stats{name: name}
	deadline := time.Now().Add(d)
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for range c.Concurrency {
		wg.Go(func() {
			var lat []time.Duration
			var failed, notifications, requests int
			var firstErr error
			var buf bytes.Buffer
			for time.Now().Before(deadline) {
				buf.Reset()
				req, ack, err := next(&buf)
				if err != nil {
					failed++
					firstErr = firstOf(firstErr, err)
					continue
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed++
					firstErr = firstOf(firstErr, err)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				took := time.Since(t0)
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					failed++
					firstErr = firstOf(firstErr, fmt.Errorf("%s %s: %s", req.Method, req.URL.Path, resp.Status))
					continue
				}
				requests++
				if ack != nil {
					ack()
					notifications += c.Batch
				}
				if record {
					lat = append(lat, took)
				}
			}
			mu.Lock()
			s.lat = append(s.lat, lat...)
			s.failed += failed
			s.requests += requests
			s.notifications += notifications
			s.firstErr = firstOf(s.firstErr, firstErr)
			mu.Unlock()
		})
	}
	wg.Wait()
	s.elapsed = time.Since(start)
	slices.Sort(s.lat)
	return s
}

func firstOf(first, err error) error {
	if first != nil {
		return first
	}
	return err
}

func newClient(c Config) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: c.Concurrency * 2, MaxIdleConnsPerHost: c.Concurrency * 2, MaxConnsPerHost: c.Concurrency * 2,
		IdleConnTimeout: time.Minute,
	}}
}

// notifier builds changeNotificationCollection bodies with unique ids
// "{prefix}{n}", n counting from 0, and remembers which were acknowledged.
type notifier struct {
	prefix, subscriptionID, clientState, expiry string
	batch                                       int
	next                                        atomic.Uint64

	mu    sync.Mutex
	acked []uint64 // the first n of each acknowledged POST
}

func newNotifier(subscriptionID, clientState string, batch int) *notifier {
	return &notifier{
		prefix: "lg-" + strings.ToLower(rand.Text()[:10]) + "-", subscriptionID: subscriptionID, clientState: clientState,
		expiry: time.Now().Add(72 * time.Hour).UTC().Format("2006-01-02T15:04:05.0000000Z"), batch: batch,
	}
}

// body appends one POST's body to buf and returns the first n it holds.
func (g *notifier) body(buf *bytes.Buffer) uint64 {
	first := g.next.Add(uint64(g.batch)) - uint64(g.batch)
	b := buf.AvailableBuffer()
	b = append(b, `{"value":[`...)
	for i := range uint64(g.batch) {
		if i > 0 {
			b = append(b, ',')
		}
		n := first + i
		alert := "da" + strconv.FormatUint(n%100000, 10)
		b = append(b, `{"id":"`...)
		b = append(b, g.prefix...)
		b = strconv.AppendUint(b, n, 10)
		b = append(b, `","subscriptionId":"`...)
		b = append(b, g.subscriptionID...)
		b = append(b, `","subscriptionExpirationDateTime":"`...)
		b = append(b, g.expiry...)
		b = append(b, `","tenantId":"3f9d6a7e-52c1-4b8e-9a0d-7c2e41b5f8a6","clientState":"`...)
		b = append(b, g.clientState...)
		b = append(b, `","changeType":"updated","resource":"security/alerts/`...)
		b = append(b, alert...)
		b = append(b, `","resourceData":{"@odata.type":"#Microsoft.Graph.alert","@odata.id":"security/alerts/`...)
		b = append(b, alert...)
		b = append(b, `","id":"`...)
		b = append(b, alert...)
		b = append(b, `"}}`...)
	}
	b = append(b, "]}"...)
	buf.Write(b)
	return first
}

func (g *notifier) request(target string) request {
	return func(buf *bytes.Buffer) (*http.Request, func(), error) {
		first := g.body(buf)
		req, err := http.NewRequest(http.MethodPost, target, bytes.NewReader(buf.Bytes()))
		if err != nil {
			return nil, nil, err
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		return req, func() {
			g.mu.Lock()
			g.acked = append(g.acked, first)
			g.mu.Unlock()
		}, nil
	}
}

func runNotify(ctx context.Context, c Config, out io.Writer) error {
	var st Store
	feedID := ""
	if c.DB != "" {
		var err error
		// A SQLite file or, for a postgres:// DSN, PostgreSQL, as the
		// console opens it.
		if st, err = open.Open(ctx, c.DB, open.Options{}); err != nil {
			return fmt.Errorf("opening --db: %w", err)
		}
		defer st.Close()
		if c.SubscriptionID == "" {
			c.SubscriptionID, c.ClientState, feedID = "loadgen-"+rand.Text(), rand.Text(), "loadgen-"+rand.Text()
			now := time.Now()
			err := st.CreateFeed(ctx, store.Feed{
				ID: feedID, Kind: store.FeedSubscription, Owner: "loadgen", OwnerName: "graphsec loadgen", Target: "legacyAlerts",
				Resource: "security/alerts", GraphID: c.SubscriptionID, ClientStateHash: notify.HashClientState(c.ClientState),
				ChangeType: "updated", ExpiresAt: now.Add(72 * time.Hour), Auth: "app", State: "active", CreatedAt: now, UpdatedAt: now,
			})
			if err != nil {
				return fmt.Errorf("setting up a subscription record: %w", err)
			}
			fmt.Fprintf(out, "set up subscription record %s (subscription %s) in %s\n", feedID, c.SubscriptionID, c.DB)
		} else {
			f, err := st.FeedByGraphID(ctx, c.SubscriptionID)
			if err != nil {
				return fmt.Errorf("finding --subscription-id in --db: %w", err)
			}
			feedID = f.ID
		}
	}
	client := newClient(c)
	gen := newNotifier(c.SubscriptionID, c.ClientState, c.Batch)
	per := fmt.Sprintf("%d per POST", c.Batch)
	rounds := 1
	var bareGen *notifier
	bareURL := ""
	if c.CompareBare {
		rounds = c.Rounds
		var stop func()
		var err error
		if bareURL, stop, err = startBare(); err != nil {
			return err
		}
		defer stop()
		bareGen = newNotifier("bare", "bare", c.Batch)
	}
	var check *checker
	if st != nil {
		check = &checker{st: st, feedID: feedID, gen: gen}
	}
	// drain waits, with a database, until every notification acknowledged
	// so far is stored: a receiver with a journal indexes after answering,
	// and its indexing must not run during (and slow down) the bare
	// handler's round.
	var drained time.Duration
	var drainErr error
	drain := func() {
		if check == nil || drainErr != nil {
			return
		}
		d, err := check.drain(ctx, c.DrainTimeout)
		drained += d
		drainErr = err
	}
	if c.Warmup > 0 {
		drive(client, c, c.Warmup, false, gen.request(c.URL), "warm-up")
		drain()
		drained = 0
		if bareGen != nil {
			drive(client, c, c.Warmup, false, bareGen.request(bareURL), "warm-up")
		}
	}
	target, bare := &stats{name: "target"}, &stats{name: "bare"}
	var ratios []float64
	for range rounds {
		t := drive(client, c, c.Duration/time.Duration(rounds), true, gen.request(c.URL), "target")
		target.merge(t)
		drain()
		if bareGen != nil {
			b := drive(client, c, c.Duration/time.Duration(rounds), true, bareGen.request(bareURL), "bare")
			bare.merge(b)
			ratios = append(ratios, t.rate()/b.rate())
		}
	}
	target.print(out, c, per)
	if bareGen != nil {
		bare.print(out, c, per)
		slices.Sort(ratios)
		fmt.Fprintf(out, "%-9s target/bare %.2f (requests/s over %d alternating rounds; per round %.2f to %.2f, median %.2f); p99 %s vs %s\n",
			"ratio", target.rate()/bare.rate(), rounds, ratios[0], ratios[len(ratios)-1], ratios[len(ratios)/2], target.pct(.99), bare.pct(.99))
	}
	var errs []error
	if target.failed > 0 {
		errs = append(errs, fmt.Errorf("%d requests failed or were not 2xx", target.failed))
	}
	if check == nil {
		fmt.Fprintln(out, "not verified: give --db to check that every acknowledged notification was stored")
		return errors.Join(errs...)
	}
	if drainErr == nil {
		// Stored, not only acknowledged: the measured rounds' notifications
		// over their time plus the time until they were all stored.
		fmt.Fprintf(out, "%-9s %.0f notifications/s stored (acknowledged and indexed; waiting %s in all after the target's rounds until everything acknowledged was stored)\n",
			"sustained", float64(target.notifications)/(target.elapsed+drained).Seconds(), drained.Round(time.Millisecond))
	}
	if err := check.report(ctx, out); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// startBare serves a bare Go handler in this process: decode the
// collection with encoding/json, answer 202. It returns its URL.
func startBare() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: BareHandler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + "/listen", func() { srv.Close() }, nil
}

// BareHandler is the baseline --compare-bare measures: decode the
// collection with encoding/json, answer 202. The multi-replica benchmark
// puts it behind a balancer too, to price the balancer's hop.
func BareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var coll graph.ChangeNotificationCollection
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&coll); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
}

// checker reads back the feed's notifications and tells which of the
// acknowledged ones are stored. Call it between drives, not during one.
type checker struct {
	st     Store
	feedID string
	gen    *notifier
	stored []bool // by n
	count  int    // stored with the generator's prefix
	last   int64
}

// poll reads what was stored since the last poll; it reports whether
// anything new was.
func (k *checker) poll(ctx context.Context) (bool, error) {
	if total := int(k.gen.next.Load()); len(k.stored) < total {
		k.stored = append(k.stored, make([]bool, total-len(k.stored))...)
	}
	if k.last == 0 {
		k.last = store.FromStart
	}
	more := false
	for {
		page, err := k.st.ListNotifications(ctx, store.NotificationFilter{Feed: k.feedID, AfterSeq: k.last, Limit: store.MaxNotificationLimit})
		if err != nil {
			return more, fmt.Errorf("verifying: %w", err)
		}
		if len(page) == 0 {
			return more, nil
		}
		more = true
		for _, it := range page {
			if rest, ok := strings.CutPrefix(it.ID, k.gen.prefix); ok {
				if n, err := strconv.ParseUint(rest, 10, 64); err == nil && n < uint64(len(k.stored)) && !k.stored[n] {
					k.stored[n] = true
					k.count++
				}
			}
		}
		k.last = page[len(page)-1].Seq
	}
}

// missing counts the acknowledged notifications not stored (as of the
// last poll) and all the acknowledged ones.
func (k *checker) missing() (missing, acked int) {
	for _, first := range k.gen.acked {
		for n := first; n < first+uint64(k.gen.batch); n++ {
			acked++
			if !k.stored[n] {
				missing++
			}
		}
	}
	return missing, acked
}

// drain polls until every acknowledged notification is stored, or
// nothing new was for wait, and returns how long it took.
func (k *checker) drain(ctx context.Context, wait time.Duration) (time.Duration, error) {
	start := time.Now()
	progress := start
	for {
		more, err := k.poll(ctx)
		if err != nil {
			return time.Since(start), err
		}
		if missing, _ := k.missing(); missing == 0 {
			return time.Since(start), nil
		}
		if more {
			progress = time.Now()
		} else if time.Since(progress) > wait {
			return time.Since(start), fmt.Errorf("nothing more stored for %s", wait)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// report reads what is left to read and prints the verification; an
// acknowledged notification that is not stored is an error.
func (k *checker) report(ctx context.Context, out io.Writer) error {
	if _, err := k.poll(ctx); err != nil {
		return err
	}
	lost, acked := k.missing()
	fmt.Fprintf(out, "%-9s %d notifications acknowledged (warm-up included), %d stored, %d lost\n", "verified", acked, k.count, lost)
	if lost > 0 {
		return fmt.Errorf("%d acknowledged notifications were not stored", lost)
	}
	return nil
}

func runGet(ctx context.Context, c Config, out io.Writer) error {
	if c.TokenFrom != "" {
		t, err := mint(ctx, c.TokenFrom, c.User, c.ControlToken)
		if err != nil {
			return err
		}
		c.Token = t
	}
	next := func(*bytes.Buffer) (*http.Request, func(), error) {
		req, err := http.NewRequest(http.MethodGet, c.URL, nil)
		if err == nil && c.Token != "" {
			req.Header.Set("Authorization", "Bearer "+c.Token)
		}
		return req, nil, err
	}
	client := newClient(c)
	if c.Warmup > 0 {
		drive(client, c, c.Warmup, false, next, "warm-up")
	}
	s := drive(client, c, c.Duration, true, next, "GET")
	s.print(out, c, "")
	if s.failed > 0 {
		return fmt.Errorf("%d requests failed or were not 2xx", s.failed)
	}
	return nil
}

// mint asks an emulator's control plane for a token; controlToken, when
// the emulator was started with one, authorizes the request.
func mint(ctx context.Context, u, user, controlToken string) (string, error) {
	body, _ := json.Marshal(map[string]string{"user": user})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if controlToken != "" {
		req.Header.Set("Authorization", "Bearer "+controlToken)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&tok); err != nil {
		return "", fmt.Errorf("token response: %w", err)
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("no token: %s", tok.Error)
	}
	return tok.AccessToken, nil
}
