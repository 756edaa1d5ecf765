package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// StreamOptions configure a Stream. Broker and Store are required.
type StreamOptions struct {
	Broker Broker
	// Store tells a connection without Last-Event-ID where "now" is.
	Store   store.Notifications
	Metrics *Metrics
	Clock   clock.Clock
	Logger  *slog.Logger
	// Heartbeat is the longest silence on a connection (default 15 s): a
	// comment line keeps proxies from closing it and finds dead clients.
	Heartbeat time.Duration
	// WriteTimeout bounds each write to a client (default 30 s); a client
	// that reads no faster is disconnected (and resumes by Last-Event-ID).
	WriteTimeout time.Duration
	// MaxClients bounds open connections (default 1000; 503 beyond).
	MaxClients int
}

// Stream serves GET /notifications/stream: server-sent events, one per
// item, "id:" its Seq, "data:" its EventView as JSON; and, without an id,
// "event: enriched" with an EnrichedView when the enricher has found the
// title of an item already sent (legacy webhook items arrive with the
// alert's id alone).
//
// Where it starts: after the Seq in the Last-Event-ID header (what a
// browser's EventSource sends when it reconnects), else in the lastEventId
// query parameter (for a page that shows items up to a Seq and then
// connects), else after the newest item stored. 0 starts from the oldest
// item retained. It resumes exactly: no item after that Seq is skipped or
// repeated (the Broker's subscription reads the store for what it was not
// handed live).
//
// What it shows: only items of the viewer's feeds and shared ones.
// A slow client never slows anyone else: the broker drops what its buffer
// cannot hold and the connection catches up from the store when it is
// ready; a client that reads nothing for WriteTimeout is disconnected.
type Stream struct {
	o       StreamOptions
	log     *slog.Logger
	clients atomic.Int64
}

// NewStream checks the options and returns a Stream.
func NewStream(o StreamOptions) (*Stream, error) {
	if o.Broker == nil || o.Store == nil {
		return nil, errors.New("notify: StreamOptions.Broker and Store are required")
	}
	if o.Clock == nil {
		o.Clock = clock.System{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Heartbeat <= 0 {
		o.Heartbeat = 15 * time.Second
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = 30 * time.Second
	}
	if o.MaxClients <= 0 {
		o.MaxClients = 1000
	}
	return &Stream{o: o, log: o.Logger}, nil
}

// EventView is an event's data: the item without Raw (what Graph sent
// stays in the store). Encoded by encoding/json, which escapes <, > and &,
// so no value can be read as HTML.
type EventView struct {
	Seq            int64           `json:"seq"`
	ID             string          `json:"id"`
	Source         string          `json:"source"`
	Feed           string          `json:"feed"`
	Shared         bool            `json:"shared"`
	ChangeType     string          `json:"changeType,omitzero"`
	LifecycleEvent string          `json:"lifecycleEvent,omitzero"`
	Resource       string          `json:"resource,omitzero"`
	ResourceID     string          `json:"resourceId,omitzero"`
	Version        time.Time       `json:"version,omitzero"`
	Title          string          `json:"title,omitzero"`
	Changes        json.RawMessage `json:"changes,omitzero"`
	ReceivedAt     time.Time       `json:"receivedAt"`
}

// EnrichedView is an "enriched" event's data: an item shown earlier
// (by Seq) now has a title, and its changes where known. Sent without an
// id line, so that a reconnecting browser's Last-Event-ID stays the last
// item's: resumption by Seq stays exact, and a page loaded later reads the
// title from the store.
type EnrichedView struct {
	Seq     int64           `json:"seq"`
	Title   string          `json:"title,omitzero"`
	Changes json.RawMessage `json:"changes,omitzero"`
}

// ViewEnriched is e as an event's data.
func ViewEnriched(e Enriched) EnrichedView {
	v := EnrichedView{Seq: e.Seq, Title: e.Title}
	if len(e.Changes) > 0 && json.Valid(e.Changes) {
		v.Changes = e.Changes
	}
	return v
}

// View is it as an event's data.
func View(it Item) EventView {
	v := EventView{
		Seq: it.Seq, ID: it.ID, Source: string(it.Source), Feed: it.Feed, Shared: it.Shared,
		ChangeType: it.ChangeType, LifecycleEvent: it.LifecycleEvent, Resource: it.Resource, ResourceID: it.ResourceID,
		Version: it.Version, Title: it.Title, ReceivedAt: it.ReceivedAt,
	}
	if len(it.Changes) > 0 && json.Valid(it.Changes) {
		v.Changes = it.Changes
	}
	return v
}

// ParseEventID reads a Last-Event-ID: a Seq in decimal, 0 to 2^63-1,
// digits only. ok is false for anything else.
func ParseEventID(s string) (seq int64, ok bool) {
	if s == "" || len(s) > 19 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// Serve streams to viewer (the signed-in user's id, checked by the
// caller; empty is refused).
func (st *Stream) Serve(w http.ResponseWriter, r *http.Request, viewer string) {
	if viewer == "" {
		http.Error(w, "Sign in first.", http.StatusUnauthorized)
		return
	}
	from, resume, ok := startOf(r)
	if !ok {
		http.Error(w, "Last-Event-ID (or lastEventId) must be a decimal event id.", http.StatusBadRequest)
		return
	}
	if n := st.clients.Add(1); n > int64(st.o.MaxClients) {
		st.clients.Add(-1)
		w.Header().Set("Retry-After", "30")
		http.Error(w, "Too many live connections.", http.StatusServiceUnavailable)
		return
	}
	defer st.clients.Add(-1)
	ctx := r.Context()
	if !resume {
		newest, err := st.o.Store.ListNotifications(ctx, store.NotificationFilter{Limit: 1})
		if err != nil {
			st.log.Error("stream: reading the newest item", "err", err)
			http.Error(w, "The database is not answering; try again.", http.StatusServiceUnavailable)
			return
		}
		if len(newest) > 0 {
			from = newest[0].Seq
		}
	}
	sub, err := st.o.Broker.Subscribe(from, viewer)
	if err != nil {
		http.Error(w, "graphsec is shutting down.", http.StatusServiceUnavailable)
		return
	}
	defer sub.Close()
	if m := st.o.Metrics; m != nil {
		m.StreamClients.Inc()
		defer m.StreamClients.Dec()
	}

	rc := http.NewResponseController(w)
	// The server's read and write timeouts are for requests, not for a
	// stream that lasts hours: no read deadline, and a write deadline per
	// write instead.
	_ = rc.SetReadDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "retry: 3000\n: graphsec live stream from %d\n\n", from)
	if !st.write(w, rc, &buf) {
		return
	}
	for {
		wait, cancel := context.WithTimeout(ctx, st.o.Heartbeat)
		b, err := sub.Next(wait)
		cancel()
		switch {
		case err == nil:
			st.events(&buf, b)
		case ctx.Err() != nil, errors.Is(err, ErrClosed):
			return
		case errors.Is(err, context.DeadlineExceeded):
			buf.WriteString(": heartbeat\n\n")
		default:
			// The store failed during a catch-up: end the stream; the
			// browser reconnects with its Last-Event-ID.
			st.log.Error("stream: reading the store", "err", err)
			return
		}
		if !st.write(w, rc, &buf) {
			return
		}
		if err == nil && !b.CatchUp && st.o.Metrics != nil {
			now := st.o.Clock.Now()
			for _, it := range b.Items {
				st.o.Metrics.StreamLag.Observe(now.Sub(it.ReceivedAt).Seconds())
			}
		}
	}
}

// startOf reads where a connection starts: from the Last-Event-ID header,
// else the lastEventId parameter. resume is false when neither is given.
func startOf(r *http.Request) (from int64, resume, ok bool) {
	id, present := r.Header.Get("Last-Event-ID"), r.Header.Get("Last-Event-ID") != ""
	if !present {
		if v, has := r.URL.Query()["lastEventId"]; has {
			id, present = v[0], true
		}
	}
	if !present {
		return 0, false, true
	}
	from, ok = ParseEventID(id)
	return from, true, ok
}

func (st *Stream) events(buf *bytes.Buffer, b Batch) {
	for _, it := range b.Items {
		data, err := json.Marshal(View(it))
		if err != nil {
			continue // a View always encodes; nothing to send otherwise
		}
		buf.WriteString("id: ")
		buf.WriteString(strconv.FormatInt(it.Seq, 10))
		buf.WriteString("\nevent: notification\ndata: ")
		buf.Write(data)
		buf.WriteString("\n\n")
	}
	for _, e := range b.Enriched {
		data, err := json.Marshal(ViewEnriched(e))
		if err != nil {
			continue
		}
		buf.WriteString("event: enriched\ndata: ")
		buf.Write(data)
		buf.WriteString("\n\n")
	}
}

// write sends buf within the write timeout and flushes it.
func (st *Stream) write(w http.ResponseWriter, rc *http.ResponseController, buf *bytes.Buffer) bool {
	defer buf.Reset()
	// A deadline is for the network, in real time, whatever the clock.
	_ = rc.SetWriteDeadline(time.Now().Add(st.o.WriteTimeout))
	if _, err := w.Write(buf.Bytes()); err != nil {
		return false
	}
	return rc.Flush() == nil
}
