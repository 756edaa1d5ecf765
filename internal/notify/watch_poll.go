package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// ErrPartial: the legacy federation answered without some providers
// (206); what came is stored, the checkpoint stays, the window is read
// again at the next poll.
var ErrPartial = errors.New("notify: some legacy alert providers did not answer")

// maxRedirectHops bounds how far a chain of merged incidents is followed.
const maxRedirectHops = 5

// PollNow polls watch id once: every change since its checkpoint (and
// the overlap before it), until Graph has nothing newer. Polls of one
// feed never run at once in a process; a second caller waits for the
// first. It starts from the checkpoint stored, not the one this process
// remembers: a user may ask any replica, while another leads and moves
// the checkpoint.
func (w *Watcher) PollNow(ctx context.Context, id string) error {
	return w.poll(ctx, id, true)
}

// poll is PollNow; the watcher's own loop, on the replica that leads,
// trusts the checkpoint it saved last (fresh false).
func (w *Watcher) poll(ctx context.Context, id string, fresh bool) error {
	f, err := w.o.Feeds.Feed(ctx, id)
	if err != nil {
		return err
	}
	if f.Kind != store.FeedWatch {
		return fmt.Errorf("notify: feed %s is a %s, not a watch", id, f.Kind)
	}
	return w.pollFeed(ctx, f, pollOptions{fresh: fresh})
}

// pollOptions adapt a poll to a subscription's catch-up.
type pollOptions struct {
	// skip leaves out versions the feed's webhooks delivered.
	skip func(version) bool
	// floor: the poll starts no earlier than this (less the overlap),
	// when later than the checkpoint: the feed's last item.
	floor time.Time
	// until, when set, defers versions newer than it: neither stored nor
	// remembered, so a later poll reads them again (the overlap reaches
	// back past them). A catch-up leaves them to their webhooks.
	until time.Time
	// late, when set, counts the versions deferred.
	late *int
	// fresh reads the stored checkpoint even when one is remembered.
	fresh bool
}

// pollFeed runs one poll of f: a watch, or a subscription's catch-up.
func (w *Watcher) pollFeed(ctx context.Context, f store.Feed, po pollOptions) error {
	t, err := lookupTarget(f.Target)
	if err != nil {
		return err
	}
	c, err := t.compile(f.Query, "")
	if err != nil {
		return err
	}
	fs := w.state(f.ID)
	fs.poll.Lock()
	defer fs.poll.Unlock()
	start := w.o.Clock.Now()
	fs.update(func(s *WatchStats) { s.LastPoll = start })
	if po.fresh {
		fs.cpLoaded = false
	}
	p := &poller{w: w, f: f, t: t, c: c, fs: fs, skip: po.skip, floor: po.floor, until: po.until, late: po.late}
	err = p.load(ctx)
	if err == nil {
		if p.cl, err = w.clients.forFeed(f); err == nil {
			err = p.run(ctx)
		}
	}
	fs.update(func(s *WatchStats) {
		s.Requests += p.requests
		s.Checkpoint = fs.cp.At
		s.PageSize = w.pageSize(t)
		if err != nil {
			s.Errors++
			s.LastError = err.Error()
			return
		}
		s.LastSuccess, s.LastError = start, ""
	})
	w.observePoll(t.name, f.ID, start, p.requests, err)
	if err != nil && ctx.Err() == nil {
		if errors.Is(err, graph.ErrForbidden) {
			w.clients.reset(f) // a fresh token next time (consent may be back)
		}
		w.o.Logger.Warn("watch: poll failed; the window is read again next time", "feed", f.ID, "target", f.Target, "err", err)
	}
	return err
}

// observePoll counts a poll's requests for /metrics (the failed one, if
// any, as an error) and sets its target's lag: how long ago the last
// successful poll of the target's least fresh watch began. (The time since
// a checkpoint is not a lag: a quiet watch's checkpoint stays where the
// last change was while the watch is up to date.)
func (w *Watcher) observePoll(target, feed string, start time.Time, requests int64, err error) {
	m := w.o.Metrics
	if m == nil {
		return
	}
	failed := int64(0)
	if err != nil && requests > 0 {
		failed = 1
		m.WatcherRequests.WithLabelValues(target, "error").Inc()
	}
	if ok := requests - failed; ok > 0 {
		m.WatcherRequests.WithLabelValues(target, "ok").Add(float64(ok))
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		if w.fresh[target] == nil {
			w.fresh[target] = map[string]time.Time{}
		}
		w.fresh[target][feed] = start
	}
	oldest := time.Time{}
	for id, at := range w.fresh[target] {
		if w.feeds[id] == nil {
			delete(w.fresh[target], id) // deleted
			continue
		}
		if oldest.IsZero() || at.Before(oldest) {
			oldest = at
		}
	}
	if !oldest.IsZero() {
		m.WatcherLag.WithLabelValues(target).Set(w.o.Clock.Now().Sub(oldest).Seconds())
	}
}

// lasting reports whether a poll error will not go away within an
// interval (permissions, sign-in), so the watch backs off.
func lasting(err error) bool {
	var te *graph.TokenError
	return errors.Is(err, graph.ErrForbidden) || errors.Is(err, graph.ErrUnauthorized) || errors.As(err, &te) ||
		errors.Is(err, ErrNoCredentials)
}

// poller is one poll of one feed.
type poller struct {
	w     *Watcher
	f     store.Feed
	t     *target
	c     compiled
	fs    *feedState
	cl    *graph.Client
	skip  func(version) bool
	floor time.Time
	until time.Time
	late  *int

	startAt  time.Time // the checkpoint when the poll began
	cpIDs    map[string]bool
	requests int64
}

// load reads the feed's checkpoint once per process (it is kept in
// memory after each save), and again after Reload or for PollNow.
func (p *poller) load(ctx context.Context) error {
	fs := p.fs
	if !fs.cpLoaded {
		cp, err := p.w.o.Checkpoints.Checkpoint(ctx, p.f.ID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			cp = store.Checkpoint{Feed: p.f.ID, At: p.f.CreatedAt.UTC()}
		case err != nil:
			return err
		}
		cp.At = cp.At.UTC()
		fs.cp, fs.cpLoaded = cp, true
		if fs.nextAudit.IsZero() {
			fs.nextAudit = p.w.o.Clock.Now().Add(p.w.o.AuditEvery)
		}
	}
	p.startAt = fs.cp.At
	p.cpIDs = make(map[string]bool, len(fs.cp.IDs))
	for _, id := range fs.cp.IDs {
		p.cpIDs[id] = true
	}
	return nil
}

// run reads windows until Graph has nothing newer. A window is one
// query from a lower bound, ascending by version; its next links are
// followed only while they stay at the window's bound (a page whose items
// all share one version, such as 2,500 alerts resolved at one instant),
// so the query is never changed while Graph pages through it. Otherwise
// the next window starts at the last page's boundary: Graph's next links
// page by $skip, and an item already read that changes meanwhile moves
// to the end of the order, shifting the rest: a long walk by next link
// would silently step over one item per such change. Items read twice
// at a boundary are recognised by (id, version).
func (p *poller) run(ctx context.Context) error {
	top := p.w.pageSize(p.t)
	// The overlap before the checkpoint, but nothing from before the
	// feed existed: a watch shows the changes made since it was created.
	from := p.fs.cp.At.Add(-p.w.o.Overlap)
	if f := p.floor.Add(-p.w.o.Overlap); !p.floor.IsZero() && f.After(from) {
		from = f
	}
	if from.Before(p.f.CreatedAt) {
		from = p.f.CreatedAt.UTC()
	}
window:
	for {
		pg, err := p.t.list(ctx, p.t, p.cl, p.c, window{from: from, top: top})
		p.requests++
		for {
			if err != nil {
				if n, ok := graph.TopLimit(err); ok && n < top {
					p.w.learn(p.t, n)
					top = n
					continue window // the same window, smaller pages
				}
				return err
			}
			if err := p.take(ctx, pg); err != nil {
				return err
			}
			if pg.next == nil {
				return nil
			}
			b, single := p.boundary(pg)
			if single || !b.After(from) {
				pg, err = pg.next(ctx)
				p.requests++
				continue
			}
			from = b
			continue window
		}
	}
}

// boundary is where the next window starts after a page with more to
// come, and whether the page sits at one version (follow its next link).
// alerts_v2 and incidents: the last item's version. Legacy alerts: the
// federation pages each provider, so the earliest last version among the
// providers that filled their share.
func (p *poller) boundary(pg *page) (time.Time, bool) {
	if len(pg.items) == 0 {
		return time.Time{}, true
	}
	first, last := pg.items[0].updated, pg.items[len(pg.items)-1].updated
	if p.t.name != TargetLegacyAlerts {
		return last, first.Equal(last)
	}
	count, latest := map[string]int{}, map[string]time.Time{}
	for _, v := range pg.items {
		count[v.provider]++
		if v.updated.After(latest[v.provider]) {
			latest[v.provider] = v.updated
		}
	}
	var b time.Time
	for prov, n := range count {
		if n >= pg.top && (b.IsZero() || latest[prov].Before(b)) {
			b = latest[prov]
		}
	}
	if b.IsZero() {
		b = last
	}
	return b, false
}

// known reports whether this version of v's object was already
// delivered: remembered, or at the checkpoint.
func (p *poller) known(v version) bool {
	if prev, ok := p.fs.seen.get(v.id); ok && prev.has(v.updated) {
		return true
	}
	return v.updated.Equal(p.fs.cp.At) && p.cpIDs[v.id]
}

// take stores a page's new versions, then remembers them and moves the
// checkpoint (only after the store has them).
func (p *poller) take(ctx context.Context, pg *page) error {
	now := p.w.o.Clock.Now()
	var items []store.Notification
	var read []version
	inPage := map[string]string{}
	for _, v := range pg.items {
		if v.redirect != "" {
			inPage[v.id] = v.redirect
		}
	}
	for _, v := range pg.items {
		if v.updated.IsZero() || v.id == "" {
			continue // no version to order or name it by
		}
		if !p.until.IsZero() && v.updated.After(p.until) {
			if p.late != nil {
				*p.late++
			}
			continue
		}
		read = append(read, v)
		if p.known(v) || (p.skip != nil && p.skip(v)) || !p.c.keeps(v) {
			continue
		}
		prev, _ := p.fs.seen.get(v.id)
		created := prev == nil && (v.created.Equal(v.updated) || !v.created.Before(p.startAt))
		items = append(items, itemFor(p.f, p.t, v, prev, created, p.redirectTarget(ctx, v, inPage), now))
	}
	if len(items) > 0 {
		stored, err := p.w.o.Sink.Append(ctx, items)
		if err != nil {
			return fmt.Errorf("notify: storing %d items: %w", len(items), err)
		}
		p.fs.update(func(s *WatchStats) {
			s.Items += int64(len(stored))
			s.Duplicates += int64(len(items) - len(stored))
			for _, it := range stored {
				lag := now.Sub(it.Version)
				s.LastItemLag = lag
				s.MaxItemLag = max(s.MaxItemLag, lag)
			}
		})
	}
	for _, v := range read {
		p.fs.seen.put(v)
	}
	if len(pg.partial) > 0 {
		return fmt.Errorf("%w: %s", ErrPartial, strings.Join(pg.partial, ", "))
	}
	return p.advance(ctx, read)
}

// advance moves the checkpoint to the latest version read, with the ids
// read at exactly that version, and saves it.
func (p *poller) advance(ctx context.Context, read []version) error {
	cp := p.fs.cp
	var at time.Time
	for _, v := range read {
		if v.updated.After(at) {
			at = v.updated
		}
	}
	switch {
	case at.IsZero() || at.Before(cp.At):
		return nil
	case at.After(cp.At):
		cp.At, cp.IDs = at, nil
		clear(p.cpIDs)
	}
	changed := false
	for _, v := range read {
		if v.updated.Equal(at) && !p.cpIDs[v.id] {
			p.cpIDs[v.id] = true
			cp.IDs = append(slices.Clip(cp.IDs), v.id)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	cp.UpdatedAt = p.w.o.Clock.Now()
	if err := p.w.o.Checkpoints.SaveCheckpoint(ctx, cp); err != nil {
		return fmt.Errorf("notify: saving the checkpoint: %w", err)
	}
	p.fs.cp = cp
	return nil
}

// redirectTarget is where a merged incident's item points: the end of
// its redirectIncidentId chain, read from the page, the watcher's memory
// or Graph (one GET per hop, at most maxRedirectHops).
func (p *poller) redirectTarget(ctx context.Context, v version, inPage map[string]string) string {
	if v.redirect == "" || p.t.name != TargetIncidents {
		return ""
	}
	cur := v.redirect
	for range maxRedirectHops {
		next, ok := inPage[cur]
		if !ok {
			inc, _, err := p.cl.Incidents.Get(ctx, cur)
			p.requests++
			if err != nil || inc.RedirectIncidentID == "" {
				break
			}
			next = inc.RedirectIncidentID
		}
		if next == "" || next == v.id {
			break
		}
		cur = next
	}
	return cur
}
