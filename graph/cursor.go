package graph

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// CursorState is where an [AlertCursor] stands. It is plain JSON: save it
// after each batch and pass it to NewCursor after a restart to resume
// without gaps.
type CursorState struct {
	// Since is the highest lastUpdateDateTime delivered so far.
	Since time.Time `json:"since,omitzero"`
	// Seen lists the alerts already delivered whose lastUpdateDateTime is
	// at or after Since minus the overlap window, so that re-reading the
	// boundary neither repeats nor drops them.
	Seen []CursorKey `json:"seen,omitempty"`
}

// CursorKey identifies one version of an alert.
type CursorKey struct {
	ID                 string    `json:"id"`
	LastUpdateDateTime time.Time `json:"lastUpdateDateTime"`
}

// CursorOptions tunes an AlertCursor.
type CursorOptions struct {
	// PageSize is the $top of each query. Default 500 (the docs give no
	// maximum for alerts_v2; integrations use 100 to 1000).
	PageSize int
	// Filter narrows the feed (e.g. severity); it is ANDed with the
	// cursor's own condition.
	Filter Expr
	// Overlap re-reads this much time before Since on every poll, for
	// services that make an update visible a little after its
	// lastUpdateDateTime. Re-read alerts are de-duplicated. Default 0.
	Overlap time.Duration
	// MaxSeen bounds the de-duplication set. If more alerts than this
	// fall inside the overlap window (or share one timestamp), the oldest
	// entries are forgotten, which can only cause repeats, never gaps.
	// Default 100,000.
	MaxSeen int
}

// AlertCursor is an alerts_v2 feed that never loses an alert: it asks for
// lastUpdateDateTime ge <cursor>, ordered ascending, and pages by time
// boundary: when more results exist it queries again from the last
// delivered item's lastUpdateDateTime instead of growing $skip (which
// stalls and loses data under volume). Alerts sharing the boundary
// timestamp come back in the next query and are recognised by (id,
// lastUpdateDateTime). An update to an alert already delivered has a new
// lastUpdateDateTime and is delivered again, as the update it is.
//
// Throttling is handled by the client's retry layer; when retries run out
// Poll yields the error and the cursor keeps its place, so the next Poll
// resumes exactly there.
type AlertCursor struct {
	s       *AlertsService
	opts    CursorOptions
	polling atomic.Bool

	mu    sync.Mutex
	since time.Time
	seen  map[string]time.Time // id → lastUpdateDateTime delivered
}

// ErrCursorBusy is yielded when Poll is called while another Poll of the
// same cursor is running.
var ErrCursorBusy = errors.New("graph: alert cursor is already polling")

// NewCursor returns a cursor at st (the zero state starts from the oldest
// alert the service returns).
func (s *AlertsService) NewCursor(st CursorState, opts CursorOptions) (*AlertCursor, error) {
	if opts.PageSize <= 0 {
		opts.PageSize = 500
	}
	if opts.MaxSeen <= 0 {
		opts.MaxSeen = 100_000
	}
	if opts.Overlap < 0 {
		return nil, fmt.Errorf("%w: negative cursor overlap", ErrInvalidArgument)
	}
	if err := opts.Filter.Err(); err != nil {
		return nil, err
	}
	if len(st.Seen) > opts.MaxSeen {
		return nil, fmt.Errorf("%w: cursor state holds %d entries, more than MaxSeen %d", ErrInvalidArgument, len(st.Seen), opts.MaxSeen)
	}
	c := &AlertCursor{s: s, opts: opts, since: st.Since.UTC(), seen: make(map[string]time.Time, len(st.Seen))}
	for _, k := range st.Seen {
		if k.ID == "" {
			return nil, fmt.Errorf("%w: cursor state has an entry without id", ErrInvalidArgument)
		}
		if prev, ok := c.seen[k.ID]; !ok || k.LastUpdateDateTime.After(prev) {
			c.seen[k.ID] = k.LastUpdateDateTime.UTC()
		}
	}
	return c, nil
}

// State returns the cursor's position. It is safe to call from inside a
// Poll loop, for instance to save the state every n alerts.
func (c *AlertCursor) State() CursorState {
	c.mu.Lock()
	defer c.mu.Unlock()
	st := CursorState{Since: c.since}
	for id, t := range c.seen {
		st.Seen = append(st.Seen, CursorKey{ID: id, LastUpdateDateTime: t})
	}
	slices.SortFunc(st.Seen, func(a, b CursorKey) int {
		if c := a.LastUpdateDateTime.Compare(b.LastUpdateDateTime); c != 0 {
			return c
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return st
}

// request builds the query from a lower bound (zero: none).
func (c *AlertCursor) request(from time.Time) (*Request, error) {
	f := c.opts.Filter
	if !from.IsZero() {
		f = And(Ge("lastUpdateDateTime", DateTime(from)), c.opts.Filter)
	}
	return c.s.ListRequest(Query{Filter: f, OrderBy: []string{"lastUpdateDateTime asc"}, Top: c.opts.PageSize})
}

// PollRequest returns the first request the next Poll will send, for
// display.
func (c *AlertCursor) PollRequest() (*Request, error) {
	return c.request(c.start())
}

func (c *AlertCursor) start() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.since.IsZero() {
		return time.Time{}
	}
	return c.since.Add(-c.opts.Overlap)
}

// Poll yields every alert created or updated since the cursor's position,
// oldest change first, until the service has nothing newer. An alert is
// committed to the cursor's state when the loop body returns for the next
// one; breaking out of the loop leaves the current alert uncommitted, and
// the next Poll delivers it again (delivery is at least once, never less).
// An error is yielded once and ends the poll.
func (c *AlertCursor) Poll(ctx context.Context) iter.Seq2[*Alert, error] {
	return func(yield func(*Alert, error) bool) {
		if !c.polling.CompareAndSwap(false, true) {
			yield(nil, ErrCursorBusy)
			return
		}
		defer c.polling.Store(false)

		from := c.start()
		r, err := c.request(from)
		if err != nil {
			yield(nil, err)
			return
		}
		page, _, err := getPage[Alert](ctx, c.s.c, r, nil)
		for {
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Value {
				a := &page.Value[i]
				if c.delivered(a) {
					continue
				}
				if !yield(a, nil) {
					return
				}
				c.commit(a)
			}
			c.prune()
			if page.NextLink == "" {
				return
			}
			last := from
			if n := len(page.Value); n > 0 {
				last = page.Value[n-1].LastUpdateDateTime
			}
			if last.After(from) {
				// Time-boundary paging: start again at the last item's
				// timestamp; items sharing it are filtered as delivered.
				from = last
				if r, err = c.request(from); err != nil {
					yield(nil, err)
					return
				}
				page, _, err = getPage[Alert](ctx, c.s.c, r, nil)
				continue
			}
			// A whole page at one timestamp (or an empty page): only the
			// service's own paging can move past it.
			page, _, err = page.Next(ctx)
		}
	}
}

// delivered reports whether this version of a (or a newer one) was already
// delivered.
func (c *AlertCursor) delivered(a *Alert) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, ok := c.seen[a.ID]
	return ok && !a.LastUpdateDateTime.After(prev)
}

func (c *AlertCursor) commit(a *Alert) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := a.LastUpdateDateTime.UTC()
	c.seen[a.ID] = t
	if t.After(c.since) {
		c.since = t
	}
}

// prune forgets alerts that can no longer come back from a query (older
// than since minus the overlap), then enforces MaxSeen.
func (c *AlertCursor) prune() {
	c.mu.Lock()
	defer c.mu.Unlock()
	floor := c.since.Add(-c.opts.Overlap)
	for id, t := range c.seen {
		if t.Before(floor) {
			delete(c.seen, id)
		}
	}
	if len(c.seen) <= c.opts.MaxSeen {
		return
	}
	keys := make([]CursorKey, 0, len(c.seen))
	for id, t := range c.seen {
		keys = append(keys, CursorKey{ID: id, LastUpdateDateTime: t})
	}
	slices.SortFunc(keys, func(a, b CursorKey) int { return a.LastUpdateDateTime.Compare(b.LastUpdateDateTime) })
	for _, k := range keys[:len(keys)-c.opts.MaxSeen] {
		delete(c.seen, k.ID)
	}
}
