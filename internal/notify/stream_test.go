package notify

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

func TestParseEventID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"42", 42, true}, {"0042", 42, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"9223372036854775808", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-1", 0, false}, {"+1", 0, false}, {" 1", 0, false}, {"1 ", 0, false},
		{"1e3", 0, false}, {"0x10", 0, false}, {"１", 0, false}, {"1\x00", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseEventID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseEventID(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"0", "123", "9223372036854775807", "-5", "1e9", "", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := ParseEventID(s)
		if !ok {
			return
		}
		if n < 0 || strconv.FormatInt(n, 10) != strings.TrimLeft(s, "0") && !(n == 0 && strings.Trim(s, "0") == "") {
			t.Fatalf("ParseEventID(%q) = %d", s, n)
		}
	})
}

// event is one server-sent event as a client reads it.
type event struct {
	id, name, data string
	comment        bool
}

// readEvents parses an event stream, sending each event (and comment
// block) to out until r ends.
func readEvents(r io.Reader, out chan<- event) {
	defer close(out)
	sc := bufio.NewScanner(r)
	var ev event
	seen := false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if seen {
				out <- ev
			}
			ev, seen = event{}, false
			continue
		case strings.HasPrefix(line, ":"):
			ev.comment = true
			ev.data += strings.TrimSpace(line[1:])
		case strings.HasPrefix(line, "id: "):
			ev.id = line[4:]
		case strings.HasPrefix(line, "event: "):
			ev.name = line[7:]
		case strings.HasPrefix(line, "data: "):
			ev.data += line[6:]
		}
		seen = true
	}
}

type streamRig struct {
	*rig
	stream *Stream
	srv    *httptest.Server
}

func newStreamRig(t *testing.T, o StreamOptions) *streamRig {
	r := newRig(t, rigOptions{})
	o.Broker, o.Store, o.Metrics = r.hub, r.st, r.metrics
	s, err := NewStream(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.Serve(w, req, req.Header.Get("X-Test-Viewer"))
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(r.hub.Close) // before srv.Close: ends the streams
	return &streamRig{rig: r, stream: s, srv: srv}
}

// appendItems stores items for owner through the group sink (so they are
// published) and returns them with their Seq.
func (r *streamRig) appendItems(t *testing.T, owner string, shared bool, ids ...string) []Item {
	t.Helper()
	items := make([]Item, len(ids))
	for i, id := range ids {
		items[i] = Item{ID: id, Source: SourceWebhook, Feed: "f-" + owner, Owner: owner, Shared: shared, ChangeType: "updated",
			Resource: "security/alerts/" + id, ResourceID: id, Title: "<b>" + id + "</b>", Changes: []byte(`{"status":{"to":"resolved"}}`),
			Raw: []byte(`{"secret":"raw"}`), ReceivedAt: epoch}
	}
	got, err := r.sink.Append(t.Context(), items)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// connect opens a stream as viewer with the given headers and query.
func (r *streamRig) connect(t *testing.T, viewer, query string, header ...string) (<-chan event, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, r.srv.URL+"/notifications/stream"+query, nil)
	req.Header.Set("X-Test-Viewer", viewer)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	out := make(chan event, 1000)
	if resp.StatusCode == http.StatusOK {
		go readEvents(resp.Body, out)
	} else {
		close(out)
	}
	return out, resp
}

// next returns the next event that is not a comment.
func next(t *testing.T, events <-chan event) event {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			if !ev.comment {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 10 s")
		}
	}
}

// ids reads n events and returns their item ids, checking that each
// event's id is its item's Seq.
func ids(t *testing.T, events <-chan event, n int) []string {
	t.Helper()
	var out []string
	for range n {
		ev := next(t, events)
		var v EventView
		if err := json.Unmarshal([]byte(ev.data), &v); err != nil {
			t.Fatalf("event data %q: %v", ev.data, err)
		}
		if ev.id != strconv.FormatInt(v.Seq, 10) || ev.name != "notification" {
			t.Errorf("event id %q name %q for Seq %d", ev.id, ev.name, v.Seq)
		}
		out = append(out, v.ID)
	}
	return out
}

func names(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

func TestStreamResume(t *testing.T) {
	// Seq starts at 1 in a new store: item n%02d has Seq n.
	seq := func(i int) string { return strconv.Itoa(i) }
	tests := []struct {
		name, query string
		header      []string
		want        []string
	}{
		{"Last-Event-ID after 4", "", []string{"Last-Event-ID", seq(4)}, names("n", 5, 10)},
		{"from 0: everything retained", "", []string{"Last-Event-ID", "0"}, names("n", 1, 10)},
		{"lastEventId parameter", "?lastEventId=" + seq(8), nil, names("n", 9, 10)},
		{"the header wins over the parameter", "?lastEventId=" + seq(2), []string{"Last-Event-ID", seq(7)}, names("n", 8, 10)},
		{"after the newest", "", []string{"Last-Event-ID", seq(10)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newStreamRig(t, StreamOptions{})
			items := r.appendItems(t, "alice", false, names("n", 1, 10)...)
			if items[3].Seq != 4 {
				t.Fatalf("item 4 has Seq %d", items[3].Seq)
			}
			events, resp := r.connect(t, "alice", tt.query, tt.header...)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := ids(t, events, len(tt.want)); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			// Then live: exactly the new item, nothing repeated.
			id := "live-" + strings.ReplaceAll(tt.name, " ", "-")
			r.appendItems(t, "alice", false, id)
			if got := ids(t, events, 1); got[0] != id {
				t.Errorf("live item %v, want %s", got, id)
			}
		})
	}
}

func TestStreamWithoutLastEventIDStartsNow(t *testing.T) {
	r := newStreamRig(t, StreamOptions{})
	r.appendItems(t, "alice", false, "old1", "old2")
	events, _ := r.connect(t, "alice", "")
	// The opening comment says where it starts; then only new items.
	if ev := <-events; !ev.comment {
		t.Fatalf("first event %+v, want the opening comment", ev)
	}
	r.appendItems(t, "alice", false, "new1")
	if got := ids(t, events, 1); got[0] != "new1" {
		t.Errorf("got %v, want [new1]", got)
	}
}

func TestStreamShowsOnlyTheViewersItems(t *testing.T) {
	r := newStreamRig(t, StreamOptions{})
	events, _ := r.connect(t, "alice", "", "Last-Event-ID", "0")
	r.appendItems(t, "bob", false, "bob1")
	r.appendItems(t, "alice", false, "alice1")
	r.appendItems(t, "bob", true, "shared1")
	r.appendItems(t, "bob", false, "bob2")
	r.appendItems(t, "alice", false, "alice2")
	got := ids(t, events, 3)
	if want := []string{"alice1", "shared1", "alice2"}; !slices.Equal(got, want) {
		t.Errorf("alice saw %v, want %v", got, want)
	}
	// And from the store (a reconnect from 0) too.
	again, _ := r.connect(t, "alice", "", "Last-Event-ID", "0")
	if got := ids(t, again, 3); !slices.Equal(got, []string{"alice1", "shared1", "alice2"}) {
		t.Errorf("alice's catch-up saw %v", got)
	}
	// The data is JSON without Raw, and no HTML survives as markup.
	r.appendItems(t, "alice", false, "alice3")
	var ev event
	for ev = next(t, again); !strings.Contains(ev.data, "alice3"); ev = next(t, again) {
	}
	if strings.Contains(ev.data, "secret") || strings.Contains(ev.data, "<") || strings.Contains(ev.data, "raw") {
		t.Errorf("event data %s", ev.data)
	}
	var v EventView
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil || v.Title != "<b>alice3</b>" || string(v.Changes) != `{"status":{"to":"resolved"}}` {
		t.Errorf("event data %s decoded as %+v, %v", ev.data, v, err)
	}
}

func TestStreamRefusals(t *testing.T) {
	r := newStreamRig(t, StreamOptions{MaxClients: 1})
	for _, tt := range []struct {
		name, viewer string
		header       []string
		status       int
	}{
		{"not signed in", "", nil, 401},
		{"bad Last-Event-ID", "alice", []string{"Last-Event-ID", "abc"}, 400},
		{"negative Last-Event-ID", "alice", []string{"Last-Event-ID", "-1"}, 400},
	} {
		if _, resp := r.connect(t, tt.viewer, "", tt.header...); resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
	}
	if _, resp := r.connect(t, "alice", ""); resp.StatusCode != 200 {
		t.Fatalf("first client: %d", resp.StatusCode)
	}
	if _, resp := r.connect(t, "bob", ""); resp.StatusCode != 503 {
		t.Errorf("client over MaxClients: %d, want 503", resp.StatusCode)
	}
}

func TestStreamHeartbeat(t *testing.T) {
	r := newStreamRig(t, StreamOptions{Heartbeat: 20 * time.Millisecond})
	events, _ := r.connect(t, "alice", "")
	beats := 0
	timeout := time.After(10 * time.Second)
	for beats < 3 {
		select {
		case ev := <-events:
			if ev.comment && ev.data == "heartbeat" {
				beats++
			}
		case <-timeout:
			t.Fatalf("%d heartbeats in 10 s", beats)
		}
	}
	// A heartbeat does not lose the place: an item still arrives.
	r.appendItems(t, "alice", false, "after-beats")
	if got := ids(t, events, 1); got[0] != "after-beats" {
		t.Errorf("got %v", got)
	}
}

// slowWriter is a ResponseWriter whose Write blocks until released.
type slowWriter struct {
	header  http.Header
	release chan struct{}
	mu      sync.Mutex
	buf     bytes.Buffer
	writes  chan struct{}
	free    int // writes that go through before it blocks
}

func (w *slowWriter) Header() http.Header { return w.header }
func (w *slowWriter) WriteHeader(int)     {}
func (w *slowWriter) Flush()              {}
func (w *slowWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	free := w.free > 0
	w.free--
	w.mu.Unlock()
	if !free {
		select {
		case w.writes <- struct{}{}:
		default:
		}
		<-w.release
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(b)
}

func TestStreamSlowClientDoesNotBlockPublishing(t *testing.T) {
	r := newStreamRig(t, StreamOptions{})
	// A small buffer, so that the slow client overflows.
	hub, err := NewHub(HubOptions{Store: r.st, Buffer: 16, Page: 50, Metrics: r.metrics})
	if err != nil {
		t.Fatal(err)
	}
	r.stream.o.Broker = hub
	// The opening comment goes through; the first item's write blocks.
	sw := &slowWriter{header: http.Header{}, release: make(chan struct{}), writes: make(chan struct{}, 1), free: 1}
	req := httptest.NewRequest(http.MethodGet, "/notifications/stream", nil)
	req.Header.Set("Last-Event-ID", "0")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan struct{})
	go func() {
		defer close(served)
		r.stream.Serve(sw, req.WithContext(ctx), "alice")
	}()
	// A first item, live: the client is stuck writing it.
	warm, err := r.st.AppendNotifications(t.Context(), []Item{{ID: "warm", Source: SourceWebhook, Feed: "f", Owner: "alice", ReceivedAt: epoch}})
	if err != nil {
		t.Fatal(err)
	}
	for {
		hub.Publish(warm)
		select {
		case <-sw.writes:
		case <-time.After(10 * time.Millisecond):
			continue // not subscribed yet
		}
		break
	}

	// Publish a thousand batches while it is stuck: none may wait for it.
	const n = 1000
	all := warm
	for i := range n {
		it := Item{ID: fmt.Sprintf("s%04d", i), Source: SourceWebhook, Feed: "f", Owner: "alice", ResourceID: "x", ReceivedAt: epoch}
		stored, err := r.st.AppendNotifications(t.Context(), []Item{it})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, stored...)
	}
	published := make(chan struct{})
	go func() {
		for _, it := range all {
			hub.Publish([]Item{it})
		}
		close(published)
	}()
	select {
	case <-published:
	case <-time.After(20 * time.Second):
		t.Fatal("Publish waited for a stuck client")
	}
	// Now let the client read: it catches up from the store and sees
	// every item once, in order.
	close(sw.release)
	deadline := time.After(20 * time.Second)
	for {
		sw.mu.Lock()
		got := strings.Count(sw.buf.String(), "event: notification")
		sw.mu.Unlock()
		if got >= n+1 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("the slow client got %d of %d items", got, n+1)
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	<-served
	out := make(chan event, 2*n)
	readEvents(bytes.NewReader(sw.buf.Bytes()), out)
	var seen []string
	for ev := range out {
		if !ev.comment {
			var v EventView
			json.Unmarshal([]byte(ev.data), &v)
			seen = append(seen, v.ID)
		}
	}
	if want := idsOf(all); !slices.Equal(seen, want) {
		t.Errorf("the slow client saw %d items, want the %d in order", len(seen), len(want))
	}
	var m dto.Metric
	r.metrics.StreamCatchUps.Write(&m)
	if m.GetCounter().GetValue() == 0 {
		t.Error("the slow client's buffer never overflowed: the test did not test the catch-up")
	}
	hub.Close()
}

// BenchmarkPublish measures Publish with 100 subscribers, half of them
// never reading (their buffers overflow and stay so).
func BenchmarkPublish(b *testing.B) {
	r := newRig(b, rigOptions{})
	hub, _ := NewHub(HubOptions{Store: r.st, Buffer: 1024})
	defer hub.Close()
	for i := range 100 {
		s, _ := hub.Subscribe(0, "alice")
		if i%2 == 0 {
			go func() {
				for {
					if _, err := s.Next(context.Background()); err != nil {
						return
					}
				}
			}()
		}
	}
	batch := make([]Item, 10)
	for i := range batch {
		batch[i] = Item{Seq: int64(i + 1), ID: "x", Owner: "alice"}
	}
	for b.Loop() {
		hub.Publish(batch)
	}
}

// TestStreamEnriched: an enrichment of an item already sent is an
// "enriched" event without an id line (a reconnect resumes after the last
// item, as before), only for viewers who may see the item; one of an item
// not sent yet follows the item.
func TestStreamEnriched(t *testing.T) {
	r := newStreamRig(t, StreamOptions{})
	events, _ := r.connect(t, "alice", "", "Last-Event-ID", "0")
	mine := r.appendItems(t, "alice", false, "a1")
	theirs := r.appendItems(t, "bob", false, "b1")
	if got := ids(t, events, 1); !slices.Equal(got, []string{"a1"}) {
		t.Fatalf("alice saw %v", got)
	}
	r.hub.PublishEnriched([]Enriched{
		{Seq: theirs[0].Seq, Owner: "bob", Title: "bob's"},
		{Seq: mine[0].Seq, Owner: "alice", Title: "<img src=x> Sign-in from Tor", Changes: []byte(`{"status":{"from":"newAlert","to":"inProgress"}}`)},
		{Seq: mine[0].Seq + 100, Owner: "alice", Title: "later"},
	})
	ev := next(t, events)
	var v EnrichedView
	if err := json.Unmarshal([]byte(ev.data), &v); err != nil || ev.name != "enriched" || ev.id != "" ||
		v.Seq != mine[0].Seq || v.Title != "<img src=x> Sign-in from Tor" || string(v.Changes) != `{"status":{"from":"newAlert","to":"inProgress"}}` {
		t.Fatalf("event %+v decoded as %+v, %v", ev, v, err)
	}
	if strings.Contains(ev.data, "<") {
		t.Errorf("event data holds markup: %s", ev.data)
	}
	// The held enrichment (of an item alice has not been sent) follows the
	// item, and a reconnect resumes after the item.
	late := r.appendItems(t, "alice", false, "a2")
	r.hub.PublishEnriched([]Enriched{{Seq: late[0].Seq, Owner: "alice", Title: "a2's"}})
	if got := ids(t, events, 1); !slices.Equal(got, []string{"a2"}) {
		t.Fatalf("alice saw %v", got)
	}
	for ev = next(t, events); ev.name != "enriched" || !strings.Contains(ev.data, "a2's"); ev = next(t, events) {
	}
}
