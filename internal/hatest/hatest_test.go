package hatest

import (
	"bufio"
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/emutest"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/loadgen"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/pgtest"
	"github.com/graphsec/graphsec/internal/store/postgres"
	"github.com/graphsec/graphsec/internal/store/storetest"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// legacyResource is the subscription's: Graph wants legacy alerts
// filtered.
const legacyResource = "security/alerts?$filter=severity eq 'high'"

// failoverLimit is the bound on a leader's replacement.
const failoverLimit = 30 * time.Second

// TestReplicasBehindHAProxy: three replicas on one database behind
// haproxy. A user signs in and uses the console through the balancer;
// notifications are POSTed to /listen through it without pause (some
// twice, reaching two replicas) while the
// leader is killed (kill -9), and then the next leader. Every notification
// a replica acknowledged is stored and shown on the live stream exactly
// once, in order, although the stream's connection was cut with each
// replica and resumed (Last-Event-ID) on another; a new leader is elected
// within 30 s each time, and the watcher goes on under it.
// cluster is n replicas on a fresh PostgreSQL schema behind haproxy,
// with the standalone emulator as their tenant.
type cluster struct {
	dir, bin, dsn, emuURL, lb string
	reps                      []*replica
}

func newCluster(t testing.TB, n int) *cluster {
	t.Helper()
	pgtest.ServerDSN(t)
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("GRAPHSEC_REQUIRE_HAPROXY") == "1" {
			t.Fatal("haproxy is not installed (GRAPHSEC_REQUIRE_HAPROXY=1): apt-get install haproxy")
		}
		t.Skip("haproxy is not installed: apt-get install haproxy (CI sets GRAPHSEC_REQUIRE_HAPROXY=1)")
	}
	c := &cluster{dir: t.TempDir()}
	c.dsn, _ = pgtest.Fresh(t)
	c.bin = build(t, c.dir)

	emuAddr, lbAddr := freeAddr(t), freeAddr(t)
	c.emuURL, c.lb = "http://"+emuAddr, "http://"+lbAddr
	start(t, c.dir, "emulator", c.bin, []string{"emulator", "--addr", emuAddr, "--activity", "120/min",
		"--redirect-uri", c.lb + "/login/authorized", "--redirect-uri", c.lb + "/signed-out"}, nil)
	waitHTTP(t, c.emuURL+"/_emulator/info")

	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	env := []string{
		// pool_max_conns is the store's pool's: the replicas' own
		// connections (the lease, the stream's listener) must not pass it
		// to the server.
		"GRAPHSEC_PUBLIC_URL=" + c.lb, "GRAPHSEC_DB=" + c.dsn + "&pool_max_conns=6",
		"GRAPHSEC_SESSION_KEY=" + base64.StdEncoding.EncodeToString(key),
		"GRAPHSEC_CLIENT_ID=" + emulator.DefaultClientID, "GRAPHSEC_CLIENT_SECRET=" + emulator.DefaultClientSecret,
		"GRAPHSEC_TENANT=" + emulator.DefaultTenantID,
		"GRAPHSEC_AUTHORITY_URL=" + c.emuURL, "GRAPHSEC_GRAPH_URL=" + c.emuURL,
		"GRAPHSEC_TRUSTED_PROXIES=127.0.0.1/32",
		"GRAPHSEC_WATCH_INTERVAL=5s", "GRAPHSEC_LOG_LEVEL=warn",
	}
	c.reps = make([]*replica, n)
	for i := range c.reps {
		addr := freeAddr(t)
		c.reps[i] = &replica{name: fmt.Sprintf("r%d", i+1), addr: addr}
		c.reps[i].proc = start(t, c.dir, c.reps[i].name, c.bin, nil, append(env, "GRAPHSEC_ADDR="+addr))
	}
	for _, r := range c.reps {
		waitHTTP(t, "http://"+r.addr+"/healthz")
	}
	balance(t, c.dir, haproxy, lbAddr, c.reps)
	return c
}

// balance starts haproxy at addr in front of reps (haproxyConfig) and
// waits until it answers.
func balance(t testing.TB, dir, haproxy, addr string, reps []*replica) {
	t.Helper()
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(haproxyConfig(addr, reps)), 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, dir, "haproxy", haproxy, []string{"-db", "-f", cfg}, nil)
	waitHTTP(t, "http://"+addr+"/healthz")
}

func TestReplicasBehindHAProxy(t *testing.T) {
	f := failover(t, newCluster(t, 3))
	t.Logf("without a leader: %.1f s and %.1f s; acknowledgements: p99 %s, max %s; from acknowledgement to the stream: p99 %s, max %s",
		f.leaderless[0].Seconds(), f.leaderless[1].Seconds(), f.ackP99, f.ackMax, f.streamP99, f.streamMax)
}

// BenchmarkFailover measures what killing the leader costs, twice in a
// row, three replicas behind haproxy: the seconds without a leader (no
// subscription upkeep, no watch polled: a watch's items come that much
// later), and for notifications POSTed meanwhile through the balancer
// (one every 20 ms), the time to their acknowledgement and from it to
// their appearance on the live stream. Run it with -benchtime=1x.
func BenchmarkFailover(b *testing.B) {
	for b.Loop() {
		f := failover(b, newCluster(b, 3))
		b.ReportMetric((f.leaderless[0]+f.leaderless[1]).Seconds()/2, "s-without-leader")
		b.ReportMetric(float64(f.ackMax.Milliseconds()), "ms-ack-max")
		b.ReportMetric(float64(f.ackP99.Milliseconds()), "ms-ack-p99")
		b.ReportMetric(float64(f.streamMax.Milliseconds()), "ms-stream-max")
		b.ReportMetric(float64(f.streamP99.Milliseconds()), "ms-stream-p99")
	}
}

// figures are what a failover cost.
type figures struct {
	leaderless                           [2]time.Duration
	ackP99, ackMax, streamP99, streamMax time.Duration
}

// failover is the scenario of TestReplicasBehindHAProxy, on c.
func failover(t testing.TB, c *cluster) figures {
	t.Helper()
	var fig figures
	reps, lb, emuURL, dsn := c.reps, c.lb, c.emuURL, c.dsn
	leader := waitLeader(t, reps, nil)
	t.Logf("first leader: %s", leader.name)
	for _, r := range reps {
		want := []string{`graphsec_lease_leader{replica="`, `graphsec_stream_listening{replica="`}
		if r == leader {
			want = append(want, "graphsec_lease_terms{")
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			problem := r.metricsProblem(r == leader, want)
			if problem == "" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s's /metrics: %s", r.name, problem)
			}
		}
	}

	// The feeds: a Graph subscription (created at the emulator, like the
	// upkeep does, with a clientState the test knows, so it can post as
	// Graph does) and a watch of alerts_v2 (polled by the leader).
	st, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	graphID := subscribe(t, emuURL, lb)
	now := time.Now().UTC()
	if err := st.CreateFeed(t.Context(), store.Feed{ID: "ha-sub", Kind: store.FeedSubscription, Shared: true, Target: "legacyAlerts",
		Query: "severity=high", Resource: legacyResource, GraphID: graphID, ClientStateHash: notify.HashClientState("ha-client-state"), ChangeType: "created,updated",
		ExpiresAt: now.Add(24 * time.Hour), Auth: "app", State: "active", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateFeed(t.Context(), store.Feed{ID: "ha-watch", Kind: store.FeedWatch, Shared: true, Target: "alerts",
		Resource: "security/alerts_v2", Auth: "app", State: "active", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveCheckpoint(t.Context(), store.Checkpoint{Feed: "ha-watch", At: now.Add(-time.Minute), UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	// Graph tells a replica that does not lead that the subscription
	// needs reauthorizing: it stores the notification, the leader hears of
	// it through the database and reauthorizes (the feed's record moves).
	lifecycleAtStandby(t, st, leader, without(reps, leader)[0], graphID)

	// A user signs in through the balancer; every replica knows the
	// session.
	b := emutest.NewBrowser()
	if _, err := webtest.SignIn(b, lb+"/", firstUser(t, emuURL), emutest.SignInOptions{}); err != nil {
		t.Fatalf("sign in through the balancer: %v", err)
	}
	usePages(t, b, lb, 6)
	assignToMe(t, b, lb)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stream := &sse{}
	var bg sync.WaitGroup
	defer bg.Wait()
	defer cancel()
	bg.Go(func() { stream.follow(ctx, b.Client.Jar, lb) })
	poster := &sender{graphID: graphID}
	posting, stopPosting := context.WithCancel(ctx)
	defer stopPosting()
	bg.Go(func() { poster.run(posting, lb) })

	waitFor(t, "watch items under the first leader", 30*time.Second, func() bool { return watchItemsAfter(t, st, time.Time{}) > 0 })
	waitFor(t, "acknowledged notifications", 10*time.Second, func() bool { return poster.count() >= 20 })

	// Kill the leader, then the next one.
	alive := reps
	for round := 1; round <= 2; round++ {
		before := poster.count()
		killed := time.Now()
		leader.kill(t)
		alive = without(alive, leader)
		leader = waitLeader(t, alive, leader)
		took := time.Since(killed)
		fig.leaderless[round-1] = took
		t.Logf("round %d: %s leads %.1f s after the leader was killed", round, leader.name, took.Seconds())
		if took > failoverLimit {
			t.Errorf("round %d: a new leader after %.1f s, over %s", round, took.Seconds(), failoverLimit)
		}
		elected := time.Now().UTC()
		waitFor(t, fmt.Sprintf("round %d: the watcher storing items under the new leader", round), 30*time.Second,
			func() bool { return watchItemsAfter(t, st, elected) > 0 })
		waitFor(t, fmt.Sprintf("round %d: notifications acknowledged after the kill", round), 20*time.Second,
			func() bool { return poster.count() >= before+20 })
		// The session still works on whichever replica answers.
		usePages(t, b, lb, 2)
		assignToMe(t, b, lb)
		// The stream may have been on a replica still alive: its
		// connection is cut too, so that it resumes elsewhere.
		stream.cut(t)
	}
	stopPosting()
	acked := poster.acknowledged()
	waitFor(t, "the live stream showing every acknowledged notification", 20*time.Second, func() bool {
		seen := stream.ids()
		for _, id := range acked {
			if seen[id] == 0 {
				return false
			}
		}
		return true
	})
	cancel()
	bg.Wait()

	stored := storetest.StoredIDs(t, st)
	seen := stream.ids()
	for _, id := range acked {
		if stored[id] != 1 {
			t.Errorf("acknowledged %s is stored %d times", id, stored[id])
		}
		if seen[id] != 1 {
			t.Errorf("acknowledged %s was shown %d times on the live stream", id, seen[id])
		}
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("%s shown %d times on the live stream", id, n)
		}
	}
	if stream.outOfOrder > 0 {
		t.Errorf("the live stream went back %d times", stream.outOfOrder)
	}
	if stream.resumes() < 2 {
		stream.mu.Lock()
		t.Errorf("the live stream resumed %d times; the kills should have cut it:\n%s", stream.resumes(), strings.Join(stream.log, "\n"))
		stream.mu.Unlock()
	}
	t.Logf("%d notifications acknowledged, %d refused or cut; the stream showed %d items and resumed %d times",
		len(acked), poster.failed(), len(seen), stream.resumes())
	fig.ackP99, fig.ackMax = percentile(poster.latencies(), .99), percentile(poster.latencies(), 1)
	var delays []time.Duration
	shownAt := stream.times()
	for id, at := range poster.ackTimes() {
		if shown, ok := shownAt[id]; ok {
			delays = append(delays, max(0, shown.Sub(at)))
		}
	}
	fig.streamP99, fig.streamMax = percentile(delays, .99), percentile(delays, 1)
	return fig
}

// percentile is the p-th of ds (1: the largest).
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Clone(ds)
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(p*float64(len(ds))))]
}

// replica is one graphsec process.
type replica struct {
	name, addr string
	proc       *exec.Cmd
}

func (r *replica) kill(t testing.TB) {
	t.Helper()
	if err := r.proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatalf("kill %s: %v", r.name, err)
	}
	_ = r.proc.Wait()
}

func without(rs []*replica, gone *replica) []*replica {
	var out []*replica
	for _, r := range rs {
		if r != gone {
			out = append(out, r)
		}
	}
	return out
}

// role asks a replica's /readyz (directly, not through the balancer).
func (r *replica) role() string {
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get("http://" + r.addr + "/readyz")
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	var answer struct {
		Role string `json:"role"`
	}
	if json.NewDecoder(res.Body).Decode(&answer) != nil {
		return ""
	}
	return answer.Role
}

// lifecycleAtStandby posts reauthorizationRequired for the test's
// subscription to standby directly, and waits for the leader to act on it.
func lifecycleAtStandby(t testing.TB, st *postgres.Store, leader, standby *replica, graphID string) {
	t.Helper()
	before, err := st.Feed(t.Context(), "ha-sub")
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"value":[{"subscriptionId":%q,"subscriptionExpirationDateTime":%q,"tenantId":%q,`+
		`"clientState":"ha-client-state","lifecycleEvent":"reauthorizationRequired"}]}`,
		graphID, before.ExpiresAt.Format(time.RFC3339Nano), emulator.DefaultTenantID)
	res, err := http.Post("http://"+standby.addr+"/listen/lifecycle", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusAccepted {
		t.Fatalf("POST /listen/lifecycle to %s: %d", standby.name, res.StatusCode)
	}
	waitFor(t, "the leader reauthorizing after a lifecycle notification to "+standby.name, 20*time.Second, func() bool {
		f, err := st.Feed(t.Context(), "ha-sub")
		return err == nil && f.UpdatedAt.After(before.UpdatedAt) && f.State == "active"
	})
	// The subscription expires within a day, past three quarters of the
	// lifetime graphsec asks for: reauthorizing it is renewing it.
	if m := leader.metrics(); !renewedOnce.MatchString(m) {
		t.Errorf("the leader's /metrics after the lifecycle notification: no renewal counted once:\n%s", renewals.FindAllString(m, -1))
	}
	if m := standby.metrics(); renewals.MatchString(m) {
		t.Errorf("the standby renewed too: %s", renewals.FindAllString(m, -1))
	}
}

// metrics is the replica's /metrics ("" when it does not answer).
func (r *replica) metrics() string {
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get("http://" + r.addr + "/metrics")
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

// metricsProblem reads the replica's /metrics (loopback may) and says
// what is wrong: a gauge in names missing, its lease gauge not saying
// whether it leads, or its stream not listening ("" when all is well).
func (r *replica) metricsProblem(leader bool, names []string) string {
	body := []byte(r.metrics())
	if len(body) == 0 {
		return "no answer"
	}
	for _, n := range names {
		if !strings.Contains(string(body), n) {
			return "no " + n
		}
	}
	wantLeader := "0"
	if leader {
		wantLeader = "1"
	}
	if m := leaderGauge.FindSubmatch(body); m == nil || string(m[1]) != wantLeader {
		return fmt.Sprintf("graphsec_lease_leader %q, want %s", m, wantLeader)
	}
	if m := listeningGauge.FindSubmatch(body); m == nil || string(m[1]) != "1" {
		return fmt.Sprintf("graphsec_stream_listening %q, want 1", m)
	}
	return ""
}

var (
	renewals       = regexp.MustCompile(`(?m)^graphsec_subscription_renewals_total\{action="(?:renew|reauthorize)".*$`)
	renewedOnce    = regexp.MustCompile(`(?m)^graphsec_subscription_renewals_total\{action="(?:renew|reauthorize)",result="ok"\} 1$`)
	leaderGauge    = regexp.MustCompile(`(?m)^graphsec_lease_leader\{[^}]*\} (\d)$`)
	listeningGauge = regexp.MustCompile(`(?m)^graphsec_stream_listening\{[^}]*\} (\d)$`)
)

// waitLeader waits until exactly one of rs says it leads, and it is not
// old.
func waitLeader(t testing.TB, rs []*replica, old *replica) *replica {
	t.Helper()
	var leader *replica
	waitFor(t, "one leader", failoverLimit+15*time.Second, func() bool {
		leader = nil
		n := 0
		for _, r := range rs {
			if r.role() == "leader" {
				leader, n = r, n+1
			}
		}
		return n == 1 && leader != old
	})
	return leader
}

func build(t testing.TB, dir string) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "graphsec")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/graphsec")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/graphsec: %v\n%s", err, out)
	}
	return bin
}

// start runs a process with its output in dir/name.log, shown when the
// test fails, and killed when it ends.
func start(t testing.TB, dir, name, bin string, args, env []string) *exec.Cmd {
	t.Helper()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
		logFile.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logPath); err == nil {
				if len(b) > 8000 {
					b = b[len(b)-8000:]
				}
				t.Logf("--- %s's log (end) ---\n%s", name, b)
			}
		}
	})
	return cmd
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t testing.TB, u string) {
	t.Helper()
	c := &http.Client{Timeout: 2 * time.Second}
	waitFor(t, u+" answering", 30*time.Second, func() bool {
		res, err := c.Get(u)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

func waitFor(t testing.TB, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out (%s) waiting for %s", limit, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// haproxyConfig balances round robin over the replicas, checking
// /healthz twice a second; a request that cannot reach a replica is sent
// to another (redispatch). Streams stay open: the server and client
// timeouts are above the stream's 15-second heartbeat.
func haproxyConfig(addr string, reps []*replica) string {
	var servers strings.Builder
	for _, r := range reps {
		fmt.Fprintf(&servers, "    server %s %s check\n", r.name, r.addr)
	}
	return `global
    maxconn 2000

defaults
    mode http
    option redispatch
    retries 3
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    timeout http-keep-alive 5s

frontend console
    bind ` + addr + `
    default_backend replicas

backend replicas
    balance roundrobin
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
` + servers.String()
}

// firstUser is one of the emulator's demo users.
func firstUser(t testing.TB, emuURL string) string {
	t.Helper()
	status, body, err := emutest.ControlPlane(emuURL, http.MethodGet, "/_emulator/users", nil)
	if err != nil || status != http.StatusOK {
		t.Fatalf("emulator users: %d %v", status, err)
	}
	var users struct {
		Value []struct {
			ID string `json:"id"`
		} `json:"value"`
	}
	if err := json.Unmarshal(body, &users); err != nil || len(users.Value) == 0 {
		t.Fatalf("emulator users: %v %s", err, body)
	}
	return users.Value[0].ID
}

// subscribe creates a Graph subscription to legacy alerts at the
// emulator, delivering to the balancer, with the test's clientState.
func subscribe(t testing.TB, emuURL, lb string) string {
	t.Helper()
	cc := &clientcredentials.Config{
		ClientID: emulator.DefaultClientID, ClientSecret: emulator.DefaultClientSecret,
		TokenURL: emuURL + "/" + emulator.DefaultTenantID + "/oauth2/v2.0/token",
		Scopes:   []string{"https://graph.microsoft.com/.default"},
	}
	c, err := graph.New(graph.Options{BaseURL: emuURL, Tokens: graph.AppTokens(t.Context(), cc)})
	if err != nil {
		t.Fatal(err)
	}
	sub, _, err := c.Subscriptions.Create(t.Context(), graph.Subscription{
		ChangeType: "created,updated", NotificationURL: lb + "/listen", LifecycleNotificationURL: lb + "/listen/lifecycle",
		Resource: legacyResource, ExpirationDateTime: time.Now().Add(24 * time.Hour), ClientState: "ha-client-state",
	})
	if err != nil {
		t.Fatalf("create the Graph subscription: %v", err)
	}
	return sub.ID
}

// usePages opens console pages through the balancer n times (round robin:
// every replica answers some), each time signed in.
func usePages(t testing.TB, b *emutest.Browser, lb string, n int) {
	t.Helper()
	paths := []string{"/", "/alerts", "/incidents"}
	for i := range n {
		p, err := b.Get(lb + paths[i%len(paths)])
		if err != nil {
			t.Fatalf("GET %s: %v", paths[i%len(paths)], err)
		}
		if p.Status != http.StatusOK || webtest.IsSignInPage(p) {
			t.Fatalf("GET %s through the balancer: %d (sign-in page: %v)", paths[i%len(paths)], p.Status, webtest.IsSignInPage(p))
		}
	}
}

var alertLink = regexp.MustCompile(`class="title" href="/alerts/([^"?/]+)`)

// assignToMe opens the first alert of the queue and presses "Assign to
// me" (a form with the session's CSRF token): the page comes from one
// replica, the form goes to the next (round robin), and the change must
// be made.
func assignToMe(t testing.TB, b *emutest.Browser, lb string) {
	t.Helper()
	q, err := b.Get(lb + "/alerts")
	if err != nil {
		t.Fatal(err)
	}
	m := alertLink.FindStringSubmatch(q.Body)
	if m == nil {
		t.Fatalf("no alert link on /alerts (status %d)\n%.3000s", q.Status, q.Body)
	}
	p, err := b.Get(lb + "/alerts/" + m[1])
	if err != nil || p.Status != http.StatusOK {
		t.Fatalf("GET /alerts/%s: %v (status %d)", m[1], err, p.Status)
	}
	res, err := b.Submit(p, "assignToMe", "1")
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusSeeOther {
		t.Fatalf("Assign to me through the balancer: status %d, want 303\n%.2000s", res.Status, res.Body)
	}
}

func watchItemsAfter(t testing.TB, st *postgres.Store, after time.Time) int {
	t.Helper()
	items, err := st.ListNotifications(t.Context(), store.NotificationFilter{Feed: "ha-watch", Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if it.ReceivedAt.After(after) {
			n++
		}
	}
	return n
}

// sender POSTs notifications as Graph does, one at a time, through the
// balancer, every fifth one again (a duplicate), and remembers which were
// acknowledged (202).
type sender struct {
	graphID string

	mu      sync.Mutex
	acked   []string
	ackedAt map[string]time.Time
	lat     []time.Duration
	refused int
}

func (s *sender) run(ctx context.Context, lb string) {
	c := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ctx.Err() == nil; i++ {
		n := i
		if i%5 == 4 {
			// Graph delivers some notifications twice: again the one
			// before, which round robin sends to another replica.
			n = i - 1
		}
		id := fmt.Sprintf("ha-%06d", n)
		body := fmt.Sprintf(`{"value":[{"id":%q,"subscriptionId":%q,"clientState":"ha-client-state","changeType":"updated",`+
			`"resource":"security/alerts/%s","tenantId":%q}]}`, id, s.graphID, id, emulator.DefaultTenantID)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, lb+"/listen", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		sent := time.Now()
		res, err := c.Do(req)
		ok := err == nil && res.StatusCode == http.StatusAccepted
		done := time.Now()
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		s.mu.Lock()
		if ok {
			if s.ackedAt == nil {
				s.ackedAt = map[string]time.Time{}
			}
			if _, again := s.ackedAt[id]; !again {
				s.acked = append(s.acked, id)
				s.ackedAt[id] = done
			}
			s.lat = append(s.lat, done.Sub(sent))
		} else if ctx.Err() == nil {
			s.refused++
		}
		s.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *sender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acked)
}

func (s *sender) failed() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

func (s *sender) latencies() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.lat)
}

func (s *sender) ackTimes() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.ackedAt)
}

func (s *sender) acknowledged() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.acked...)
}

// sse follows /notifications/stream through the balancer as a browser's
// EventSource does: when the connection ends it connects again with
// Last-Event-ID.
type sse struct {
	mu         sync.Mutex
	seen       map[string]int
	seenAt     map[string]time.Time
	last       int64
	connects   int
	outOfOrder int
	cutConn    context.CancelFunc
	log        []string // one line per connection, for a failure's report
	open       bool     // a connection is being read
}

// cut ends the current connection, as a network or a proxy might, and
// waits until the stream has connected again (round robin: to another
// replica) and resumed.
func (s *sse) cut(t testing.TB) {
	t.Helper()
	s.mu.Lock()
	before := s.connects
	if s.cutConn != nil {
		s.cutConn()
	}
	s.mu.Unlock()
	waitFor(t, "the live stream connected again", 20*time.Second, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.connects > before && s.open
	})
}

func (s *sse) follow(ctx context.Context, jar http.CookieJar, lb string) {
	c := &http.Client{Jar: jar}
	s.mu.Lock()
	s.seen, s.seenAt = map[string]int{}, map[string]time.Time{}
	s.mu.Unlock()
	for ctx.Err() == nil {
		conn, cut := context.WithCancel(ctx)
		req, _ := http.NewRequestWithContext(conn, http.MethodGet, lb+"/notifications/stream?lastEventId=0", nil)
		s.mu.Lock()
		s.cutConn = cut
		if s.last > 0 {
			req.Header.Set("Last-Event-ID", strconv.FormatInt(s.last, 10))
		}
		s.connects++
		s.mu.Unlock()
		res, err := c.Do(req)
		event := fmt.Sprintf("%s connect (after %d): ", time.Now().Format("15:04:05.000"), s.lastSeq())
		if err == nil {
			event += res.Status
			if res.StatusCode == http.StatusOK {
				s.setOpen(true)
				event += fmt.Sprintf(", %d events, ended: %v", s.read(res.Body), conn.Err())
				s.setOpen(false)
			}
			res.Body.Close()
		} else {
			event += err.Error()
		}
		s.mu.Lock()
		s.log = append(s.log, event)
		s.mu.Unlock()
		cut()
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *sse) setOpen(v bool) {
	s.mu.Lock()
	s.open = v
	s.mu.Unlock()
}

func (s *sse) lastSeq() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.last
}

// read reads events until the connection ends, and says how many.
func (s *sse) read(body io.Reader) int {
	n := 0
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var id int64
	var data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		case line == "" && data != "":
			var v notify.EventView
			if err := json.Unmarshal([]byte(data), &v); err == nil {
				s.mu.Lock()
				if id <= s.last {
					s.outOfOrder++
				}
				s.last = id
				s.seen[v.ID]++
				n++
				if _, ok := s.seenAt[v.ID]; !ok {
					s.seenAt[v.ID] = time.Now()
				}
				s.mu.Unlock()
			}
			id, data = 0, ""
		}
	}
	return n
}

func (s *sse) times() map[string]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.seenAt)
}

func (s *sse) ids() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.seen))
	for k, v := range s.seen {
		out[k] = v
	}
	return out
}

// resumes is how many times the stream connected again after its first
// connection.
func (s *sse) resumes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connects - 1
}

// BenchmarkIngestThroughBalancer: graphsec loadgen POSTs notifications
// (10 per POST, 32 workers) through haproxy to two replicas on
// PostgreSQL, alternating with a bare Go handler (decode, 202) in the same
// run, and checks that every acknowledged notification was stored. It
// reports the ratio of the rates (the target: at least 0.4) and
// graphsec's rate. Run it with -benchtime=1x; GRAPHSEC_BENCH_DURATION
// (default 10s) sets loadgen's -d.
func BenchmarkIngestThroughBalancer(b *testing.B) {
	for b.Loop() {
		c := newCluster(b, 2)
		waitLeader(b, c.reps, nil)
		out, ratio := compareBare(b, c.bin, c.lb+"/listen", "-db", c.dsn)
		b.ReportMetric(ratio, "target/bare")
		if m := targetLine.FindSubmatch(out); m != nil {
			rate, _ := strconv.ParseFloat(string(m[1]), 64)
			b.ReportMetric(rate, "POSTs/s")
		}
	}
}

// BenchmarkBareThroughBalancer prices the balancer's hop for
// BenchmarkIngestThroughBalancer: two bare handlers (loadgen's baseline:
// decode, 202), served by this process, behind the same haproxy
// configuration, against the bare handler reached directly in the same
// run. It reports the ratio of the rates. Run it with -benchtime=1x;
// GRAPHSEC_BENCH_DURATION (default 10s) sets loadgen's -d.
func BenchmarkBareThroughBalancer(b *testing.B) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		b.Skip("haproxy is not installed: apt-get install haproxy")
	}
	for b.Loop() {
		dir := b.TempDir()
		bin := build(b, dir)
		reps := make([]*replica, 2)
		mux := http.NewServeMux()
		mux.Handle("POST /listen", loadgen.BareHandler())
		mux.HandleFunc("GET /healthz", func(http.ResponseWriter, *http.Request) {}) // haproxy's check
		for i := range reps {
			srv := httptest.NewServer(mux)
			b.Cleanup(srv.Close)
			reps[i] = &replica{name: fmt.Sprintf("bare%d", i+1), addr: srv.Listener.Addr().String()}
		}
		lbAddr := freeAddr(b)
		balance(b, dir, haproxy, lbAddr, reps)
		_, ratio := compareBare(b, bin, "http://"+lbAddr+"/listen", "-subscription-id", "bare", "-client-state", "bare")
		b.ReportMetric(ratio, "balanced/direct")
	}
}

// compareBare runs graphsec loadgen (bin) at url with --compare-bare, 10
// notifications a POST from 32 workers for GRAPHSEC_BENCH_DURATION
// (default 10s), and extra flags; it logs loadgen's output and returns it
// with the ratio of the rates.
func compareBare(b *testing.B, bin, url string, extra ...string) ([]byte, float64) {
	b.Helper()
	d := cmp.Or(os.Getenv("GRAPHSEC_BENCH_DURATION"), "10s")
	args := append([]string{"loadgen", "-url", url, "-c", "32", "-d", d, "-batch", "10", "--compare-bare"}, extra...)
	out, err := exec.Command(bin, args...).CombinedOutput()
	b.Logf("graphsec loadgen:\n%s", out)
	if err != nil {
		b.Fatalf("loadgen: %v", err)
	}
	m := ratioLine.FindSubmatch(out)
	if m == nil {
		b.Fatal("no ratio in loadgen's output")
	}
	ratio, _ := strconv.ParseFloat(string(m[1]), 64)
	return out, ratio
}

var (
	ratioLine  = regexp.MustCompile(`target/bare ([0-9.]+)`)
	targetLine = regexp.MustCompile(`(?m)^target\s.*?([0-9.]+) req(?:uests)?/s`)
)
