package notify

import (
	"context"
	"fmt"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// Audit checks a watch against Graph: it lists the watch's open items
// (alerts not resolved; incidents neither resolved nor merged; legacy
// alerts not resolved) changed since the watch was created and before
// the part its polls still re-read (the checkpoint minus the overlap),
// and compares each one's version with what the watch delivered. A newer
// version that is missing is delivered now and counted as a gap
// (WatchStats.Gaps, and a warning in the log): the polls should never
// leave one. It returns the number of gaps found. Run audits every watch
// every AuditEvery.
func (w *Watcher) Audit(ctx context.Context, id string) (int, error) {
	f, err := w.o.Feeds.Feed(ctx, id)
	if err != nil {
		return 0, err
	}
	t, err := lookupTarget(f.Target)
	if err != nil {
		return 0, err
	}
	c, err := t.compile(f.Query, "")
	if err != nil {
		return 0, err
	}
	fs := w.state(f.ID)
	fs.poll.Lock()
	defer fs.poll.Unlock()
	p := &poller{w: w, f: f, t: t, c: c, fs: fs}
	if err := p.load(ctx); err != nil {
		return 0, err
	}
	now := w.o.Clock.Now()
	fs.nextAudit = now.Add(w.o.AuditEvery)
	gaps, err := p.audit(ctx)
	fs.update(func(s *WatchStats) {
		s.Requests += p.requests
		s.Gaps += int64(gaps)
		s.LastAudit = now
	})
	if gaps > 0 {
		w.o.Logger.Warn("watch: the audit found versions the polls missed, and delivered them", "feed", f.ID, "target", f.Target, "gaps", gaps)
	}
	return gaps, err
}

func (p *poller) audit(ctx context.Context) (int, error) {
	before := p.fs.cp.At.Add(-p.w.o.Overlap)
	if !before.After(p.f.CreatedAt) {
		return 0, nil
	}
	cl, err := p.w.clients.forFeed(p.f)
	if err != nil {
		return 0, err
	}
	p.cl = cl
	top := p.w.pageSize(p.t)
	pg, err := p.t.list(ctx, p.t, cl, p.c, window{from: p.f.CreatedAt, before: before, open: true, top: top})
	p.requests++
	gaps := 0
	for {
		if err != nil {
			if n, ok := graph.TopLimit(err); ok && n < top {
				p.w.learn(p.t, n)
				return gaps, fmt.Errorf("notify: audit: page size lowered to %d, next audit uses it: %w", n, err)
			}
			return gaps, err
		}
		var items []store.Notification
		now := p.w.o.Clock.Now()
		for _, v := range pg.items {
			if v.updated.IsZero() || v.id == "" || p.known(v) || !p.c.keeps(v) {
				continue
			}
			prev, _ := p.fs.seen.get(v.id)
			items = append(items, itemFor(p.f, p.t, v, prev, prev == nil && v.created.Equal(v.updated), p.redirectTarget(ctx, v, nil), now))
		}
		if len(items) > 0 {
			stored, err := p.w.o.Sink.Append(ctx, items)
			if err != nil {
				return gaps, fmt.Errorf("notify: audit: storing %d items: %w", len(items), err)
			}
			gaps += len(stored)
			p.fs.update(func(s *WatchStats) {
				s.Items += int64(len(stored))
				s.Duplicates += int64(len(items) - len(stored))
			})
		}
		for _, v := range pg.items {
			p.fs.seen.put(v)
		}
		if pg.next == nil {
			return gaps, nil
		}
		pg, err = pg.next(ctx)
		p.requests++
	}
}
