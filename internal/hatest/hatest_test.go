package hatest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
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
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/pgtest"
	"github.com/graphsec/graphsec/internal/store/postgres"
	"github.com/graphsec/graphsec/internal/web/webtest"
)

// legacyResource is the subscription's: Graph wants legacy alerts
// filtered.
const legacyResource = "security/alerts?$filter=severity eq 'high'"

// failoverLimit is the bound on a leader's replacement.
const failoverLimit = 30 * time.Second

// TestReplicasBehindHAProxy: three replicas on one database behind
// haproxy. A user signs in and uses the console through the balancer;
// notifications are POSTed to /listen through it without pause while the
// leader is killed (kill -9), and then the next leader. Every notification
// a replica acknowledged is stored and shown on the live stream exactly
// once, in order, although the stream's connection was cut with each
// replica and resumed (Last-Event-ID) on another; a new leader is elected
// within 30 s each time, and the watcher goes on under it.
func TestReplicasBehindHAProxy(t *testing.T) {
	pgtest.ServerDSN(t)
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("GRAPHSEC_REQUIRE_HAPROXY") == "1" {
			t.Fatal("haproxy is not installed (GRAPHSEC_REQUIRE_HAPROXY=1): apt-get install haproxy")
		}
		t.Skip("haproxy is not installed: apt-get install haproxy (CI sets GRAPHSEC_REQUIRE_HAPROXY=1)")
	}
	dsn, _ := pgtest.Fresh(t)
	dir := t.TempDir()
	bin := build(t, dir)

	emuAddr, lbAddr := freeAddr(t), freeAddr(t)
	emuURL, lb := "http://"+emuAddr, "http://"+lbAddr
	start(t, dir, "emulator", bin, []string{"emulator", "--addr", emuAddr, "--activity", "120/min",
		"--redirect-uri", lb + "/login/authorized", "--redirect-uri", lb + "/signed-out"}, nil)
	waitHTTP(t, emuURL+"/_emulator/info")

	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}
	env := []string{
		"GRAPHSEC_PUBLIC_URL=" + lb, "GRAPHSEC_DB=" + dsn,
		"GRAPHSEC_SESSION_KEY=" + base64.StdEncoding.EncodeToString(key),
		"GRAPHSEC_CLIENT_ID=" + emulator.DefaultClientID, "GRAPHSEC_CLIENT_SECRET=" + emulator.DefaultClientSecret,
		"GRAPHSEC_TENANT=" + emulator.DefaultTenantID,
		"GRAPHSEC_AUTHORITY_URL=" + emuURL, "GRAPHSEC_GRAPH_URL=" + emuURL,
		"GRAPHSEC_WATCH_INTERVAL=5s", "GRAPHSEC_LOG_LEVEL=info",
	}
	reps := make([]*replica, 3)
	for i := range reps {
		addr := freeAddr(t)
		reps[i] = &replica{name: fmt.Sprintf("r%d", i+1), addr: addr}
		reps[i].proc = start(t, dir, reps[i].name, bin, nil, append(env, "GRAPHSEC_ADDR="+addr))
	}
	for _, r := range reps {
		waitHTTP(t, "http://"+r.addr+"/healthz")
	}
	cfg := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfg, []byte(haproxyConfig(lbAddr, reps)), 0o600); err != nil {
		t.Fatal(err)
	}
	start(t, dir, "haproxy", haproxy, []string{"-db", "-f", cfg}, nil)
	waitHTTP(t, lb+"/healthz")

	leader := waitLeader(t, reps, nil)
	t.Logf("first leader: %s", leader.name)

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
		stream.cut()
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

	stored := map[string]int{}
	for last := store.FromStart; ; {
		items, err := st.ListNotifications(t.Context(), store.NotificationFilter{AfterSeq: last, Limit: store.MaxNotificationLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 {
			break
		}
		for _, it := range items {
			stored[it.ID]++
		}
		last = items[len(items)-1].Seq
	}
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
		t.Errorf("the live stream resumed %d times; the kills should have cut it", stream.resumes())
	}
	t.Logf("%d notifications acknowledged, %d refused or cut; the stream showed %d items and resumed %d times",
		len(acked), poster.failed(), len(seen), stream.resumes())
}

// replica is one graphsec process.
type replica struct {
	name, addr string
	proc       *exec.Cmd
}

func (r *replica) kill(t *testing.T) {
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

// waitLeader waits until exactly one of rs says it leads, and it is not
// old.
func waitLeader(t *testing.T, rs []*replica, old *replica) *replica {
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

func build(t *testing.T, dir string) string {
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
func start(t *testing.T, dir, name, bin string, args, env []string) *exec.Cmd {
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

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHTTP(t *testing.T, u string) {
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

func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
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
func firstUser(t *testing.T, emuURL string) string {
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
func subscribe(t *testing.T, emuURL, lb string) string {
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
func usePages(t *testing.T, b *emutest.Browser, lb string, n int) {
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
func assignToMe(t *testing.T, b *emutest.Browser, lb string) {
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

func watchItemsAfter(t *testing.T, st *postgres.Store, after time.Time) int {
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
// balancer, and remembers which were acknowledged (202).
type sender struct {
	graphID string

	mu      sync.Mutex
	acked   []string
	refused int
}

func (s *sender) run(ctx context.Context, lb string) {
	c := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ctx.Err() == nil; i++ {
		id := fmt.Sprintf("ha-%06d", i)
		body := fmt.Sprintf(`{"value":[{"id":%q,"subscriptionId":%q,"clientState":"ha-client-state","changeType":"updated",`+
			`"resource":"security/alerts/%s","tenantId":%q}]}`, id, s.graphID, id, emulator.DefaultTenantID)
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, lb+"/listen", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		ok := err == nil && res.StatusCode == http.StatusAccepted
		if err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		s.mu.Lock()
		if ok {
			s.acked = append(s.acked, id)
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
	last       int64
	connects   int
	outOfOrder int
	cutConn    context.CancelFunc
}

// cut ends the current connection, as a network or a proxy might: the
// stream connects again (round robin: to another replica) and resumes.
func (s *sse) cut() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cutConn != nil {
		s.cutConn()
	}
}

func (s *sse) follow(ctx context.Context, jar http.CookieJar, lb string) {
	c := &http.Client{Jar: jar}
	s.mu.Lock()
	s.seen = map[string]int{}
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
		if err == nil {
			if res.StatusCode == http.StatusOK {
				s.read(res.Body)
			}
			res.Body.Close()
		}
		cut()
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func (s *sse) read(body io.Reader) {
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
				s.mu.Unlock()
			}
			id, data = 0, ""
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, context.Canceled) {
		_ = err // the connection was cut: follow connects again
	}
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
