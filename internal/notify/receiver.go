package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// Limits of the receiver.
const (
	// MaxNotificationBody bounds a POST to /listen or /listen/lifecycle
	// (413 beyond). Graph's batches of 100 alert notifications are about
	// 60 KiB.
	MaxNotificationBody = 1 << 20
	// MaxValidationToken bounds the validation handshake's token (400
	// beyond). Graph's are a sentence and a request id.
	MaxValidationToken = 4096
	// LifecycleWindow is the time a lifecycle notification's derived id
	// is stable for: Graph sends them without an id, so the receiver
	// derives one from the subscription, the event, the subscription's
	// expiry and the receipt time rounded down to this window. A retried
	// POST within the window is a duplicate; Graph repeats an event no
	// sooner than every 15 minutes.
	LifecycleWindow = 5 * time.Minute
)

// LifecycleHandler hears about lifecycle notifications
// (reauthorizationRequired, subscriptionRemoved, missed) once they are
// stored: subscription upkeep implements it (reauthorize, renew,
// recreate, re-query after a gap). It is called in a goroutine of its own,
// after the POST was acknowledged, with a context that outlives the
// request; it is not called for duplicates.
type LifecycleHandler interface {
	HandleLifecycle(ctx context.Context, feed store.Feed, item Item)
}

// FeedLookup finds a feed by Graph's subscription id (a FeedCache).
type FeedLookup interface {
	FeedByGraphID(ctx context.Context, graphID string) (store.Feed, error)
}

// JournalSink stores items durably as one journal entry, to be indexed
// (de-duplicated, shown) afterwards: GroupSink.Journal. Arriving is called
// when a POST arrives and its result when the POST is answered, so that
// the indexer knows when the receiver is busy (GroupSink.Arriving).
type JournalSink interface {
	Journal(ctx context.Context, items []Item) error
	Arriving() (done func())
}

// ReceiverOptions configure a Receiver. Feeds and Sink are required.
type ReceiverOptions struct {
	Feeds FeedLookup
	Sink  Sink
	// Journal, when set, stores change notifications (not lifecycle
	// ones, which the lifecycle handler needs de-duplicated at once)
	// instead of Sink: durably before the answer as well, but as one
	// journal entry per POST, their duplicates recognised (and counted)
	// when the entry is indexed.
	Journal JournalSink
	// Lifecycle, when set, hears about stored lifecycle notifications.
	Lifecycle LifecycleHandler
	// LifecycleConcurrency bounds the handler calls in flight (default
	// 16); a lifecycle notification arriving beyond it is stored but not
	// handed over (counted as lifecycle_hook_dropped and logged).
	LifecycleConcurrency int
	Metrics              *Metrics
	Clock                clock.Clock
	Logger               *slog.Logger
}

// Receiver answers Graph's POSTs: the validation handshake, change
// notifications (/listen) and lifecycle notifications (/listen/lifecycle).
//
// It calls nothing on Graph. Each item is checked against graphsec's
// record of its subscription (its clientState, compared by SHA-256 in
// constant time with the hash the record keeps): an item of an unknown
// subscription, or with the wrong clientState, is dropped and counted,
// never stored or shown. The rest is stored durably before the answer,
// 202 Accepted: change notifications as one journal entry per POST when
// a Journal is set (indexed into notifications, de-duplicated and
// published right after; see GroupSink), otherwise, like lifecycle
// notifications, through the Sink. A failure to store is 503, so that
// Graph retries; duplicates (by notification id) are recognised and
// counted.
type Receiver struct {
	o    ReceiverOptions
	log  *slog.Logger
	hook atomic.Pointer[lifecycleHook]
	sem  chan struct{}
	// bodies are request body buffers (*[]byte) for reuse (readBody).
	bodies sync.Pool
	wg     sync.WaitGroup
	stop   context.Context
	halt   context.CancelFunc
}

// NewReceiver checks the options and returns a Receiver.
func NewReceiver(o ReceiverOptions) (*Receiver, error) {
	if o.Feeds == nil || o.Sink == nil {
		return nil, errors.New("notify: ReceiverOptions.Feeds and Sink are required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.LifecycleConcurrency <= 0 {
		o.LifecycleConcurrency = 16
	}
	stop, halt := context.WithCancel(context.Background())
	rc := &Receiver{o: o, log: o.Logger, sem: make(chan struct{}, o.LifecycleConcurrency), stop: stop, halt: halt}
	rc.SetLifecycle(o.Lifecycle)
	return rc, nil
}

type lifecycleHook struct{ h LifecycleHandler }

// SetLifecycle replaces the lifecycle handler (nil: none), for a handler
// built after the receiver (subscription upkeep needs the receiver's feed
// cache). It is safe to call while POSTs are served.
func (rc *Receiver) SetLifecycle(h LifecycleHandler) {
	if h == nil {
		rc.hook.Store(nil)
		return
	}
	rc.hook.Store(&lifecycleHook{h})
}

// Endpoints, as the metrics name them.
const (
	endpointListen    = "listen"
	endpointLifecycle = "lifecycle"
)

// Notifications is the handler of POST /listen.
func (rc *Receiver) Notifications() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rc.serve(w, r, endpointListen) })
}

// Lifecycle is the handler of POST /listen/lifecycle.
func (rc *Receiver) Lifecycle() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rc.serve(w, r, endpointLifecycle) })
}

// Close cancels the lifecycle handlers' context and waits for them.
func (rc *Receiver) Close() {
	rc.halt()
	rc.wg.Wait()
}

func (rc *Receiver) serve(w http.ResponseWriter, r *http.Request, endpoint string) {
	if rc.o.Journal != nil {
		defer rc.o.Journal.Arriving()()
	}
	start := rc.o.Clock.Now()
	code := rc.handle(w, r, endpoint)
	if m := rc.o.Metrics; m != nil {
		m.Requests.WithLabelValues(endpoint, strconv.Itoa(code)).Inc()
		m.AckSeconds.WithLabelValues(endpoint).Observe(rc.o.Clock.Now().Sub(start).Seconds())
	}
}

// plain answers with a short text body, never HTML.
func plain(w http.ResponseWriter, code int, msg string) int {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	io.WriteString(w, msg)
	return code
}

func (rc *Receiver) handle(w http.ResponseWriter, r *http.Request, endpoint string) int {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		return plain(w, http.StatusMethodNotAllowed, "POST only.\n")
	}
	if r.URL.RawQuery != "" {
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			return plain(w, http.StatusBadRequest, "Malformed query string.\n")
		}
		if tokens, ok := q["validationToken"]; ok {
			return handshake(w, tokens)
		}
	}
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		// Graph does not compress notifications; decompressing for anyone
		// else would only open the door to decompression bombs.
		return plain(w, http.StatusUnsupportedMediaType, "Compressed bodies are not accepted.\n")
	}
	if r.ContentLength > MaxNotificationBody {
		rc.count(SourceWebhook, ResultMalformed, 1)
		return plain(w, http.StatusRequestEntityTooLarge, "Body over 1 MiB.\n")
	}
	body, release, err := rc.readBody(w, r)
	defer release()
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			rc.count(SourceWebhook, ResultMalformed, 1)
			return plain(w, http.StatusRequestEntityTooLarge, "Body over 1 MiB.\n")
		}
		return plain(w, http.StatusBadRequest, "The body could not be read.\n")
	}
	incoming, err := ParseCollection(body)
	if err != nil {
		rc.count(SourceWebhook, ResultMalformed, 1)
		if errors.Is(err, ErrTooManyItems) {
			return plain(w, http.StatusRequestEntityTooLarge, "Too many notifications in one POST.\n")
		}
		return plain(w, http.StatusBadRequest, "Not a changeNotificationCollection.\n")
	}
	now := rc.o.Clock.Now().UTC()
	items := make([]Item, 0, len(incoming))
	// The items' stored JSON, copied out of the body (whose buffer is
	// reused) into one allocation for the POST.
	raws := make([]byte, 0, len(body))
	var feeds map[string]store.Feed // by feed id, for the lifecycle hook
	var memo postMemo
	for i := range incoming {
		in := &incoming[i]
		source := sourceOf(in)
		if in.Err != nil {
			rc.count(source, ResultMalformed, 1)
			continue
		}
		feed, err := memo.feed(r.Context(), rc.o.Feeds, in.SubscriptionID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			rc.count(source, ResultUnknownSubscription, 1)
			continue
		case err != nil:
			// The database did not answer: refuse the POST so Graph
			// retries it.
			rc.log.Error("looking up a subscription", "err", err)
			rc.count(source, ResultStoreError, len(incoming)-i)
			return plain(w, http.StatusServiceUnavailable, "Try again later.\n")
		}
		if !memo.clientStateMatches(in.ClientState, feed) {
			rc.count(source, ResultClientState, 1)
			rc.log.Warn("notification with a wrong clientState dropped", "feed", feed.ID, "subscription", in.SubscriptionID)
			continue
		}
		at := len(raws)
		raws = in.AppendStoredRaw(raws)
		it := toItem(in, source, feed, raws[at:len(raws):len(raws)], now)
		if err := store.CheckNotification(it); err != nil {
			// Not something Graph sends (an id of a kilobyte, NUL): drop
			// it rather than refuse the POST, which Graph would retry.
			rc.count(source, ResultMalformed, 1)
			continue
		}
		if source == SourceLifecycle {
			if feeds == nil {
				feeds = map[string]store.Feed{}
			}
			feeds[feed.ID] = feed
		}
		items = append(items, it)
	}
	direct := items
	if rc.o.Journal != nil {
		// Change notifications to the journal, lifecycle ones (rare) to
		// the sink; each keeps its order.
		changes := items
		direct = nil
		if feeds != nil { // lifecycle items among them: split
			changes = nil
			for _, it := range items {
				if it.Source == SourceLifecycle {
					direct = append(direct, it)
				} else {
					changes = append(changes, it)
				}
			}
		}
		if len(changes) > 0 {
			if err := rc.o.Journal.Journal(r.Context(), changes); err != nil {
				rc.log.Error("journaling notifications", "items", len(changes), "err", err)
				for _, it := range items {
					rc.count(it.Source, ResultStoreError, 1)
				}
				return plain(w, http.StatusServiceUnavailable, "Try again later.\n")
			}
		}
	}
	if len(direct) > 0 {
		stored, err := rc.o.Sink.Append(r.Context(), direct)
		if err != nil {
			rc.log.Error("storing notifications", "items", len(direct), "err", err)
			for _, it := range direct {
				rc.count(it.Source, ResultStoreError, 1)
			}
			return plain(w, http.StatusServiceUnavailable, "Try again later.\n")
		}
		rc.countStored(direct, stored)
		rc.lifecycle(stored, feeds)
	}
	// The answer is a status line without a body, read by Graph alone: the
	// console's document headers (a Content-Security-Policy, framing and
	// referrer rules, a request id) protect nothing here, and under load
	// writing them, and Graph reading them, cost more than the rest of the
	// answer (README, Performance). Errors keep them, and their text.
	clear(w.Header())
	w.WriteHeader(http.StatusAccepted)
	return http.StatusAccepted
}

// postMemo remembers, within one POST, the last subscription looked up
// and the last clientState checked: Graph batches one subscription's
// notifications together, so the items of a POST mostly repeat both, and
// the scanner gives repeated values one string.
type postMemo struct {
	sub      string
	feedOf   store.Feed
	feedErr  error
	haveFeed bool

	state     string
	stateFeed string
	stateOK   bool
	haveState bool
}

func (m *postMemo) feed(ctx context.Context, feeds FeedLookup, sub string) (store.Feed, error) {
	if !m.haveFeed || sub != m.sub {
		m.feedOf, m.feedErr = feeds.FeedByGraphID(ctx, sub)
		m.sub, m.haveFeed = sub, true
	}
	return m.feedOf, m.feedErr
}

// clientStateMatches is clientStateMatches(presented, feed's hash),
// computed once for a repeated pair.
func (m *postMemo) clientStateMatches(presented string, feed store.Feed) bool {
	if !m.haveState || presented != m.state || feed.ID != m.stateFeed {
		m.stateOK = clientStateMatches(presented, feed.ClientStateHash)
		m.state, m.stateFeed, m.haveState = presented, feed.ID, true
	}
	return m.stateOK
}

// readBody reads the body, at most MaxNotificationBody bytes. A body of
// announced length (Graph announces it) is read into a buffer of that
// length taken from the receiver's pool, handed back by release once the
// POST is answered: nothing the receiver keeps points into it (items copy
// what they keep), and under load the bodies were the largest part of the
// receiver's garbage. Call release even after an error.
func (rc *Receiver) readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), err error) {
	lim := http.MaxBytesReader(w, r.Body, MaxNotificationBody)
	if r.ContentLength <= 0 || r.ContentLength > maxPooledBody {
		body, err = io.ReadAll(lim)
		return body, func() {}, err
	}
	bp, _ := rc.bodies.Get().(*[]byte)
	if bp == nil || int64(cap(*bp)) < r.ContentLength {
		bp = new([]byte)
		*bp = make([]byte, r.ContentLength, max(r.ContentLength, minPooledBody))
	}
	buf := (*bp)[:r.ContentLength]
	release = func() { *bp = buf[:0]; rc.bodies.Put(bp) }
	if _, err := io.ReadFull(lim, buf); err != nil {
		return nil, release, err
	}
	// The server stops at the announced length; a longer body only
	// comes from other callers (tests): read the rest.
	rest, err := io.ReadAll(lim)
	if err != nil {
		return nil, release, err
	}
	if len(rest) > 0 {
		return append(bytes.Clone(buf), rest...), release, nil
	}
	return buf, release, nil
}

// Sizes of the pooled body buffers: Graph's batches of 100 notifications
// are about 60 KiB; larger bodies get a buffer of their own, so that the
// pool holds no megabyte buffers.
const (
	minPooledBody = 16 << 10
	maxPooledBody = 128 << 10
)

// handshake answers Graph's validation request: the decoded token, as
// plain text that no browser will sniff into HTML.
func handshake(w http.ResponseWriter, tokens []string) int {
	if len(tokens) != 1 || tokens[0] == "" {
		return plain(w, http.StatusBadRequest, "Expected one validationToken.\n")
	}
	if len(tokens[0]) > MaxValidationToken {
		return plain(w, http.StatusBadRequest, "validationToken too long.\n")
	}
	return plain(w, http.StatusOK, tokens[0])
}

func sourceOf(in *Incoming) store.Source {
	if in.LifecycleEvent != "" {
		return SourceLifecycle
	}
	return SourceWebhook
}

// clientStateMatches compares the presented clientState with the stored
// hash in constant time (a feed without a hash matches nothing).
func clientStateMatches(presented string, hash []byte) bool {
	sum := sha256.Sum256([]byte(presented))
	return len(hash) == sha256.Size && subtle.ConstantTimeCompare(sum[:], hash) == 1
}

// HashClientState is what Feed.ClientStateHash holds for a clientState.
func HashClientState(clientState string) []byte {
	sum := sha256.Sum256([]byte(clientState))
	return sum[:]
}

// toItem makes the store's record of an accepted notification.
func toItem(in *Incoming, source store.Source, feed store.Feed, raw []byte, now time.Time) Item {
	it := Item{
		ID: in.ID, Source: source, Feed: feed.ID, Owner: feed.Owner, Shared: feed.Shared,
		ChangeType: in.ChangeType, LifecycleEvent: in.LifecycleEvent, Resource: in.Resource,
		ResourceID: in.ResourceDataID, Raw: raw, ReceivedAt: now,
	}
	if it.ResourceID == "" && it.Resource != "" {
		it.ResourceID = path.Base(it.Resource)
	}
	switch {
	case source == SourceLifecycle:
		it.ChangeType = ""
		it.ID = LifecycleID(in.SubscriptionID, in.LifecycleEvent, in.SubscriptionExpirationDateTime, now)
	case it.ID == "":
		// Graph always sends an id with a change; without one, the
		// item's bytes identify it (a retry sends the same bytes).
		sum := sha256.Sum256(in.Raw)
		it.ID = "webhook:" + hex.EncodeToString(sum[:16])
	}
	return it
}

// LifecycleID derives the stored id of a lifecycle notification, which
// Graph sends without one (see LifecycleWindow).
func LifecycleID(subscriptionID, event, expiry string, received time.Time) string {
	window := received.UTC().Truncate(LifecycleWindow).Format(time.RFC3339)
	sum := sha256.Sum256([]byte(subscriptionID + "\n" + event + "\n" + expiry + "\n" + window))
	return "lifecycle:" + hex.EncodeToString(sum[:16])
}

func (rc *Receiver) count(source store.Source, result string, n int) {
	if rc.o.Metrics != nil && n > 0 {
		rc.o.Metrics.Notifications.WithLabelValues(string(source), result).Add(float64(n))
	}
}

// countStored counts what was stored as accepted and the rest as
// duplicates.
func (rc *Receiver) countStored(items, stored []Item) {
	if rc.o.Metrics == nil {
		return
	}
	var accepted, dup [2]int // webhook, lifecycle
	for _, it := range items {
		dup[sourceIndex(it.Source)]++
	}
	for _, it := range stored {
		k := sourceIndex(it.Source)
		accepted[k]++
		dup[k]--
	}
	for k, source := range []store.Source{SourceWebhook, SourceLifecycle} {
		rc.count(source, ResultAccepted, accepted[k])
		rc.count(source, ResultDuplicate, dup[k])
	}
}

func sourceIndex(s store.Source) int {
	if s == SourceLifecycle {
		return 1
	}
	return 0
}

// lifecycle hands stored lifecycle items to the hook, each in a goroutine
// of its own, bounded; it never waits.
func (rc *Receiver) lifecycle(stored []Item, feeds map[string]store.Feed) {
	hook := rc.hook.Load()
	if hook == nil {
		return
	}
	for _, it := range stored {
		if it.Source != SourceLifecycle {
			continue
		}
		select {
		case rc.sem <- struct{}{}:
		default:
			rc.count(SourceLifecycle, ResultLifecycleHookDropped, 1)
			rc.log.Warn("lifecycle notification stored but not handled: too many in flight", "feed", it.Feed, "event", it.LifecycleEvent)
			continue
		}
		rc.wg.Add(1)
		go func() {
			defer func() { <-rc.sem; rc.wg.Done() }()
			hook.h.HandleLifecycle(rc.stop, feeds[it.Feed], it)
		}()
	}
}
