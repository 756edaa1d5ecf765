package cli

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/lease"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/notify/pgbroker"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web"
)

// replication is what several replicas on one database need: the leader
// election that picks the one replica doing background work, and the
// live stream's broker. On SQLite (one console) the console always leads
// and the in-process Hub is the broker.
func replication(ctx context.Context, cfg config.Config, st store.Notifications, clk clock.Clock, log *slog.Logger) (lease.Elector, func(*notify.Hub) (notify.Broker, error), error) {
	id := lease.NewID()
	if !config.IsPostgres(cfg.DB) {
		return lease.NewAlways(id), nil, nil
	}
	// The broker's listening connection and the lease's connection are
	// each a dedicated one, outside the store's pool.
	// pgxpool's parser, so that the URL's pool_* settings (the store's
	// pool) are not sent to the server as parameters.
	pc, err := pgxpool.ParseConfig(cfg.DB)
	if err != nil {
		return nil, nil, errors.New("GRAPHSEC_DB: cannot parse the PostgreSQL URL")
	}
	if pc.ConnConfig.ConnectTimeout == 0 {
		pc.ConnConfig.ConnectTimeout = 10 * time.Second // as the store's own
	}
	connect := func(ctx context.Context) (*pgx.Conn, error) { return pgx.ConnectConfig(ctx, pc.ConnConfig.Copy()) }
	el, err := lease.NewPG(lease.Options{Connect: connect, ID: id, Clock: clk, Logger: log.With("component", "lease")})
	if err != nil {
		return nil, nil, err
	}
	newBroker := func(hub *notify.Hub) (notify.Broker, error) {
		return pgbroker.New(ctx, pgbroker.Options{Connect: connect, Hub: hub, Store: st, Logger: log.With("component", "broker")})
	}
	return el, newBroker, nil
}

// registerLease adds the lease's gauges to /metrics.
func registerLease(reg *prometheus.Registry, el lease.Elector, clk clock.Clock) {
	// Every gauge names the replica (its lease holder id: host name and
	// a random suffix).
	replica := prometheus.Labels{"replica": el.State().ID}
	gauge := func(name, help string, value func(lease.State) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help, ConstLabels: replica},
			func() float64 { return value(el.State()) })
	}
	reg.MustRegister(
		gauge("graphsec_lease_leader", "1 while this replica leads (runs subscription upkeep, the watcher, retention and reconciliation), else 0.",
			func(s lease.State) float64 {
				if s.Leader {
					return 1
				}
				return 0
			}),
		gauge("graphsec_lease_epoch", "The leader lease's term as this replica last saw it (each new leader increments it).",
			func(s lease.State) float64 { return float64(s.Epoch) }),
		gauge("graphsec_lease_terms", "How many terms this replica has led since it started.",
			func(s lease.State) float64 { return float64(s.Terms) }),
		gauge("graphsec_lease_expires_in_seconds", "Seconds until this replica's lease expires unless renewed (0 when not leading).",
			func(s lease.State) float64 {
				if !s.Leader || s.Expires.IsZero() {
					return 0
				}
				return max(0, s.Expires.Sub(clk.Now()).Seconds())
			}),
	)
}

// lead is the background work of the replica that leads, until ctx ends
// (leadership lost, or shutdown): subscription upkeep and lifecycle
// handling, the watcher and its audit, the enrichment of webhook items,
// retention, expired-record cleanup and reconciliation of changes left
// pending. Each starts from what is stored: checkpoints, feed records,
// pending changes and enrichments.
func (c *Console) lead(ctx context.Context, srv *web.Server, st storeForLeader) {
	c.Watcher.Reload()
	var wg sync.WaitGroup
	wg.Go(func() { _ = c.Watcher.Run(ctx) })
	wg.Go(func() { _ = c.Upkeep.Run(ctx) })
	wg.Go(func() { _ = c.Enricher.Run(ctx) })
	wg.Go(func() {
		for ctx.Err() == nil {
			err := c.Upkeep.FollowLifecycle(ctx, c.live.Broker, st)
			if err == nil || ctx.Err() != nil {
				return
			}
			c.log.Warn("following lifecycle notifications", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	})
	wg.Go(func() { c.live.RunRetention(ctx) })
	wg.Go(func() { c.cleanup(ctx, st) })
	// Changes a previous run left pending (killed while Graph answered)
	// are settled now, then every minute.
	wg.Go(func() { srv.ReconcileLoop(ctx, time.Minute) })
	wg.Wait()
}

type storeForLeader interface {
	store.Notifications
	DeleteExpired(context.Context, time.Time) (int64, error)
}

// registerBroker adds the PostgreSQL broker's gauges to /metrics.
func registerBroker(reg *prometheus.Registry, b *pgbroker.Broker, replica string) {
	labels := prometheus.Labels{"replica": replica}
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "graphsec_stream_listening", ConstLabels: labels,
			Help: "1 while this replica's LISTEN connection for the live stream is up (else it reads the database every 5 s)."},
			func() float64 {
				if b.Listening() {
					return 1
				}
				return 0
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "graphsec_stream_last_seq", ConstLabels: labels,
			Help: "The event id (notification Seq) of the last item this replica handed to its live streams."},
			func() float64 { return float64(b.Cursor()) }),
	)
}
