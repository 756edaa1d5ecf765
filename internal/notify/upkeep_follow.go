package notify

import (
	"context"
	"errors"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// LifecycleLookback is how far back a new leader looks for
// reauthorizationRequired events that its predecessor may not have
// handled.
const LifecycleLookback = 10 * time.Minute

// FollowLifecycle hands to HandleLifecycle every lifecycle notification
// stored from now on by any replica (they reach it through b, the
// stream's broker), until ctx ends. It is the leader's half of lifecycle
// handling when several replicas share a database: Graph may deliver to
// any replica, whose receiver only stores the notification (its lifecycle
// hook left unset); the replica that leads acts on it. A console on its
// own runs it too, on its Hub.
//
// A new leader also looks at the last LifecycleLookback: a
// reauthorizationRequired received after its feed was last updated (the
// previous leader may have died before acting) is handled again.
// Reauthorizing twice does no harm; subscriptionRemoved and missed need
// no look back, since Run's Start asks Graph about every subscription and
// catches each up.
func (u *Upkeep) FollowLifecycle(ctx context.Context, b Broker, st store.Notifications) error {
	newest, err := st.ListNotifications(ctx, store.NotificationFilter{Limit: 1})
	if err != nil {
		return err
	}
	var from int64
	if len(newest) > 0 {
		from = newest[0].Seq
	}
	sub, err := b.Subscribe(from, "")
	if err != nil {
		return err
	}
	defer sub.Close()
	recent, err := st.ListNotifications(ctx, store.NotificationFilter{Source: SourceLifecycle, BeforeSeq: from + 1, Limit: 200})
	if err != nil {
		return err
	}
	since := u.w.o.Clock.Now().Add(-LifecycleLookback)
	for i := len(recent) - 1; i >= 0; i-- {
		it := recent[i]
		if it.LifecycleEvent != EventReauthorizationRequired || it.ReceivedAt.Before(since) {
			continue
		}
		f, err := u.w.o.Feeds.Feed(ctx, it.Feed)
		if err == nil && it.ReceivedAt.After(f.UpdatedAt) {
			u.HandleLifecycle(ctx, f, it)
		}
	}
	for {
		batch, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, ErrClosed) {
				return nil
			}
			// The store failed during a catch-up: the subscription keeps
			// its place; try again shortly.
			u.w.o.Logger.Warn("subscription: following lifecycle notifications", "err", err)
			if u.w.o.Sleep(ctx, time.Second) != nil {
				return nil
			}
			continue
		}
		for _, it := range batch.Items {
			if it.Source != SourceLifecycle {
				continue
			}
			f, err := u.w.o.Feeds.Feed(ctx, it.Feed)
			if err != nil {
				u.w.o.Logger.Warn("subscription: lifecycle notification for an unknown feed", "feed", it.Feed, "err", err)
				continue
			}
			u.HandleLifecycle(ctx, f, it)
		}
	}
}
