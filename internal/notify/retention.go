package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
)

// DefaultRetention is how long notifications are kept by default
// (GRAPHSEC_NOTIFICATION_RETENTION).
const DefaultRetention = 30 * 24 * time.Hour

// Retention deletes notifications older than Keep, at start and then
// every Every.
type Retention struct {
	Store interface {
		DeleteNotificationsBefore(ctx context.Context, t time.Time) (int64, error)
	}
	// Keep is how long an item stays (default DefaultRetention); Every is
	// how often it looks (default an hour).
	Keep, Every time.Duration
	Clock       clock.Clock
	Logger      *slog.Logger
	Metrics     *Metrics
}

// Run deletes until ctx ends.
func (r Retention) Run(ctx context.Context) {
	if r.Keep <= 0 {
		r.Keep = DefaultRetention
	}
	if r.Every <= 0 {
		r.Every = time.Hour
	}
	if r.Clock == nil {
		r.Clock = clock.System{}
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(r.Every)
	defer t.Stop()
	for {
		r.Once(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once deletes what is older than Keep now, and reports how many went.
func (r Retention) Once(ctx context.Context) int64 {
	keep := r.Keep
	if keep <= 0 {
		keep = DefaultRetention
	}
	now := time.Now()
	if r.Clock != nil {
		now = r.Clock.Now()
	}
	n, err := r.Store.DeleteNotificationsBefore(ctx, now.Add(-keep))
	if r.Metrics != nil && n > 0 {
		r.Metrics.RetentionDeleted.Add(float64(n))
	}
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		if r.Logger != nil {
			r.Logger.Warn("deleting old notifications", "deleted", n, "err", err)
		}
	case n > 0 && r.Logger != nil:
		r.Logger.Info("deleted old notifications", "count", n, "older_than", keep.String())
	}
	return n
}
