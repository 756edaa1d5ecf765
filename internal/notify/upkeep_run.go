package notify

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/store"
)

// HandleLifecycle is the receiver's hook (LifecycleHandler) for a stored
// lifecycle notification (POST /listen/lifecycle) whose clientState
// matched feed: it queues the event and returns at once (the receiver
// answers Graph within its 3 seconds; Run does the work).
// reauthorizationRequired reauthorizes the subscription (or renews it
// when renewal is due); subscriptionRemoved recreates it (same feed, new
// subscription and clientState); missed catches up. Other events are
// ignored.
func (u *Upkeep) HandleLifecycle(_ context.Context, feed store.Feed, item Item) {
	event := item.LifecycleEvent
	switch event {
	case EventReauthorizationRequired, EventSubscriptionRemoved, EventMissed:
	default:
		u.w.o.Logger.Info("subscription: lifecycle event ignored", "feed", feed.ID, "event", event)
		return
	}
	u.queue(feed.ID, event)
}

// queue records an event for Run to handle, and wakes it.
func (u *Upkeep) queue(id, event string) {
	u.pend(id, event)
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// pend records an event for the next Check, without waking Run.
func (u *Upkeep) pend(id, event string) {
	u.mu.Lock()
	if !slices.Contains(u.pending[id], event) {
		u.pending[id] = append(u.pending[id], event)
	}
	u.mu.Unlock()
}

// Run keeps subscriptions alive until ctx ends: Start, then Check every
// CheckEvery and whenever a lifecycle event arrives.
func (u *Upkeep) Run(ctx context.Context) error {
	u.Start(ctx)
	for {
		u.Check(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-u.kick:
		case <-u.w.after(ctx, u.o.CheckEvery):
		}
	}
}

// subscriptions lists every subscription feed.
func (u *Upkeep) subscriptions(ctx context.Context) []store.Feed {
	feeds, err := u.w.o.Feeds.ListFeeds(ctx, store.FeedFilter{Kind: store.FeedSubscription})
	if err != nil {
		if ctx.Err() == nil {
			u.w.o.Logger.Warn("subscription upkeep: list feeds", "err", err)
		}
		return nil
	}
	return feeds
}

// Start is what a console does on start-up, for every subscription: ask
// Graph whether it still has it (recreating it if not, renewing it if
// due), then catch up on what changed while the console was down.
func (u *Upkeep) Start(ctx context.Context) {
	for _, f := range u.subscriptions(ctx) {
		if ctx.Err() != nil {
			return
		}
		lock := u.lock(f.ID)
		u.startOne(ctx, f)
		lock.Unlock()
	}
}

func (u *Upkeep) startOne(ctx context.Context, f store.Feed) {
	f, err := u.w.o.Feeds.Feed(ctx, f.ID)
	if err != nil {
		return
	}
	now := u.w.o.Clock.Now()
	switch {
	case f.GraphID == "" || !now.Before(f.ExpiresAt):
		_, err = u.recreate(ctx, f, "the subscription was never created or has expired")
	case !now.Before(u.renewAt(f)) || f.State != StateActive:
		_, err = u.renew(ctx, f, true)
	default:
		var cl *graph.Client
		if cl, err = u.w.clients.forFeed(f); err == nil {
			_, _, err = cl.Subscriptions.Get(ctx, f.GraphID)
		}
		switch {
		case err == nil:
			err = u.catchUp(ctx, f)
		case isNotFound(err):
			_, err = u.recreate(ctx, f, "Graph no longer has the subscription")
		default:
			_, err = u.failed(ctx, f, f.State, err)
		}
	}
	if err != nil && ctx.Err() == nil {
		u.w.o.Logger.Warn("subscription: start-up check failed", "feed", f.ID, "err", err)
	}
}

func isNotFound(err error) bool { return errors.Is(err, graph.ErrNotFound) }

// Check does the upkeep's work now: lifecycle events received, renewals
// due (three quarters into the lifetime), and new attempts for paused or
// failed subscriptions (every RetryEvery).
func (u *Upkeep) Check(ctx context.Context) {
	for _, f := range u.subscriptions(ctx) {
		if ctx.Err() != nil {
			return
		}
		lock := u.lock(f.ID)
		u.checkOne(ctx, f.ID)
		lock.Unlock()
	}
}

func (u *Upkeep) checkOne(ctx context.Context, id string) {
	u.mu.Lock()
	events := u.pending[id]
	delete(u.pending, id)
	retry, hasRetry := u.retryAt[id]
	u.mu.Unlock()
	f, err := u.w.o.Feeds.Feed(ctx, id)
	if err != nil {
		return
	}
	now := u.w.o.Clock.Now()
	// A removal makes the other events moot; a reauthorization does what
	// a missed catch-up would after a pause.
	switch {
	case slices.Contains(events, EventSubscriptionRemoved):
		_, err = u.recreate(ctx, f, "Graph removed the subscription (subscriptionRemoved)")
	case slices.Contains(events, EventReauthorizationRequired):
		_, err = u.reauthorize(ctx, f)
		if err == nil && slices.Contains(events, EventMissed) && f.State == StateActive {
			err = u.catchUp(ctx, f)
		}
	case slices.Contains(events, EventMissed):
		err = u.catchUp(ctx, f)
	case f.State == StateCreating && now.Sub(f.CreatedAt) > time.Minute:
		// A console stopped between the record and Graph's answer.
		_, err = u.recreate(ctx, f, "its creation was interrupted")
	case f.State == StateFailed && (!hasRetry || !now.Before(retry)):
		_, err = u.recreate(ctx, f, "trying again")
	case f.State == StatePaused && (!hasRetry || !now.Before(retry)):
		_, err = u.renew(ctx, f, true)
	case f.State == StateActive && !now.Before(f.ExpiresAt):
		_, err = u.recreate(ctx, f, "the subscription expired before it was renewed")
	case f.State == StateActive && !now.Before(u.renewAt(f)):
		_, err = u.renew(ctx, f, false)
	}
	if err != nil && ctx.Err() == nil {
		u.w.o.Logger.Warn("subscription upkeep", "feed", id, "err", err)
	}
}
