package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/store/sqlite"
	"github.com/graphsec/graphsec/internal/store/storetest"
)

// gatedStore counts AppendNotifications calls; the first waits for gate.
type gatedStore struct {
	store.Notifications
	calls   atomic.Int64
	gate    chan struct{}
	entered chan struct{}
	fail    error
}

func (g *gatedStore) AppendNotifications(ctx context.Context, items []store.Notification) ([]store.Notification, error) {
	if g.calls.Add(1) == 1 && g.gate != nil {
		close(g.entered)
		<-g.gate
	}
	if g.fail != nil {
		return nil, g.fail
	}
	return g.Notifications.AppendNotifications(ctx, items)
}

func newGated(t *testing.T, fail error) (*gatedStore, *GroupSink) {
	st, err := sqlite.Open(t.Context(), sqlite.MemoryPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	g := &gatedStore{Notifications: st, gate: make(chan struct{}), entered: make(chan struct{}), fail: fail}
	sink, err := NewGroupSink(GroupOptions{Store: g})
	if err != nil {
		t.Fatal(err)
	}
	go sink.Run()
	t.Cleanup(sink.Close)
	return g, sink
}

func item(id string) Item {
	return Item{ID: id, Source: SourceWebhook, Feed: "f", ReceivedAt: epoch}
}

func TestGroupSinkCommitsWaitingCallersTogether(t *testing.T) {
	g, sink := newGated(t, nil)
	first := make(chan []Item, 1)
	go func() {
		got, _ := sink.Append(t.Context(), []Item{item("first")})
		first <- got
	}()
	<-g.entered // the first transaction is in progress
	const callers = 40
	var wg sync.WaitGroup
	results := make([][]Item, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() {
			items := []Item{item(fmt.Sprintf("c%02d-a", i)), item(fmt.Sprintf("c%02d-b", i))}
			if i%10 == 0 {
				items = append(items, item("shared-dup"), item("first"))
			}
			results[i], errs[i] = sink.Append(t.Context(), items)
		})
	}
	// Let the callers queue behind the first transaction.
	for len(sink.reqs) < callers {
		time.Sleep(time.Millisecond)
	}
	close(g.gate)
	wg.Wait()
	if got := <-first; len(got) != 1 || got[0].ID != "first" {
		t.Errorf("first caller got %v", idsOf(got))
	}
	if n := g.calls.Load(); n != 2 {
		t.Errorf("%d transactions for %d callers, want 2 (one, then the rest together)", n, callers+1)
	}
	dupOwners := 0
	seqs := map[int64]bool{}
	for i, got := range results {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		want := []string{fmt.Sprintf("c%02d-a", i), fmt.Sprintf("c%02d-b", i)}
		ids := idsOf(got)
		if slices.Contains(ids, "shared-dup") {
			dupOwners++
			ids = slices.DeleteFunc(ids, func(s string) bool { return s == "shared-dup" })
		}
		if !slices.Equal(ids, want) {
			t.Errorf("caller %d got %v, want %v", i, ids, want)
		}
		for _, it := range got {
			if it.Seq <= 0 || seqs[it.Seq] {
				t.Errorf("caller %d: Seq %d", i, it.Seq)
			}
			seqs[it.Seq] = true
		}
	}
	if dupOwners != 1 {
		t.Errorf("the id several callers sent was returned to %d of them, want 1", dupOwners)
	}
}

func TestGroupSinkErrorsReachEveryCallerOfTheGroup(t *testing.T) {
	g, sink := newGated(t, errors.New("disk on fire"))
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range errs {
		wg.Go(func() { _, errs[i] = sink.Append(t.Context(), []Item{item(fmt.Sprint(i))}) })
	}
	<-g.entered
	close(g.gate)
	wg.Wait()
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("caller %d: %v", i, err)
		}
	}
}

func TestGroupSinkInvalidItemsFailAlone(t *testing.T) {
	g, sink := newGated(t, nil)
	close(g.gate)
	bad := item("")
	if _, err := sink.Append(t.Context(), []Item{item("ok1"), bad}); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("invalid batch: %v, want ErrInvalid", err)
	}
	got, err := sink.Append(t.Context(), []Item{item("ok2")})
	if err != nil || len(got) != 1 {
		t.Errorf("valid batch after an invalid one: %v, %v", idsOf(got), err)
	}
}

func TestGroupSinkCloseCommitsWhatIsQueued(t *testing.T) {
	g, sink := newGated(t, nil)
	go sink.Append(t.Context(), []Item{item("first")})
	<-g.entered
	var wg sync.WaitGroup
	got := make([][]Item, 10)
	for i := range got {
		wg.Go(func() { got[i], _ = sink.Append(t.Context(), []Item{item(fmt.Sprint("q", i))}) })
	}
	for len(sink.reqs) < len(got) {
		time.Sleep(time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { sink.Close(); close(closed) }()
	close(g.gate)
	<-closed
	wg.Wait()
	for i, items := range got {
		if len(items) != 1 {
			t.Errorf("queued caller %d got %v after Close", i, idsOf(items))
		}
	}
	if _, err := sink.Append(t.Context(), []Item{item("late")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Append after Close: %v, want ErrClosed", err)
	}
}

// TestGroupSinkCrashSafety kills a process that appends through a group
// sink on a SQLite file (SIGKILL: no shutdown, no flush of anything) and
// checks that every item it had acknowledged is in the file after
// reopening it.
//
// With journal, the child acknowledges after Journal (the receiver's
// path): the items are in the journal, and a writer started after the
// crash indexes them.
func TestGroupSinkCrashSafety(t *testing.T) {
	if os.Getenv("GRAPHSEC_CRASH_CHILD") != "" {
		crashChild(os.Getenv("GRAPHSEC_CRASH_CHILD"), os.Getenv("GRAPHSEC_CRASH_MODE") == "journal")
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	for _, mode := range []string{"append", "journal"} {
		t.Run(mode, func(t *testing.T) { testCrashSafety(t, mode) })
	}
}

func testCrashSafety(t *testing.T, mode string) {
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestGroupSinkCrashSafety$")
	cmd.Env = append(os.Environ(), "GRAPHSEC_CRASH_CHILD="+path, "GRAPHSEC_CRASH_MODE="+mode)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read acknowledgements until a few thousand have come, then kill.
	var acked []string
	buf := make([]byte, 64<<10)
	var partial string
	for len(acked) < 3000 {
		n, err := out.Read(buf)
		if err != nil {
			t.Fatalf("child stopped early after %d acknowledgements: %v", len(acked), err)
		}
		lines := strings.Split(partial+string(buf[:n]), "\n")
		partial = lines[len(lines)-1]
		for _, l := range lines[:len(lines)-1] {
			if id, ok := strings.CutPrefix(l, "ACK "); ok {
				acked = append(acked, id)
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	st, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("reopening after the crash: %v", err)
	}
	defer st.Close()
	backlog, err := st.JournalBacklog(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sink, err := NewGroupSink(GroupOptions{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	go sink.Run()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := sink.WaitIndexed(ctx); err != nil {
		t.Fatal(err)
	}
	sink.Close()
	have := storetest.StoredIDs(t, st)
	lost := 0
	for _, id := range acked {
		if have[id] == 0 {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged items are missing after the crash", lost, len(acked))
	}
	t.Logf("%d acknowledged, %d in the file (%d of them in the journal at the crash)", len(acked), len(have), backlog)
}

// crashChild appends forever from 16 goroutines, printing each
// acknowledged id, until killed.
func crashChild(path string, journal bool) {
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	sink, _ := NewGroupSink(GroupOptions{Store: st})
	go sink.Run()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := 0; ; i++ {
				items := []Item{item(fmt.Sprintf("w%d-%d-a", w, i)), item(fmt.Sprintf("w%d-%d-b", w, i))}
				got, err := items, error(nil)
				if journal {
					err = sink.Journal(context.Background(), items)
				} else {
					got, err = sink.Append(context.Background(), items)
				}
				if err != nil {
					fmt.Println("ERR", err)
					os.Exit(1)
				}
				mu.Lock()
				for _, it := range got {
					fmt.Println("ACK", it.ID)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}
