package cli

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/config"
	"github.com/graphsec/graphsec/internal/lease"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/notify/pgbroker"
	"github.com/graphsec/graphsec/internal/store/open"
	"github.com/graphsec/graphsec/internal/web"
)

// runConsole runs the console. Without an app registration configured it
// also runs the emulator on its own listener and wires the two together,
// so that `go run ./cmd/graphsec` works offline.
func runConsole(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := config.Load(args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("configuration: %v", err)
	}
	log, err := newLogger(stderr, cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	app, err := startConsole(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer app.Close()
	fmt.Fprintf(stdout, "graphsec console   %s\n", app.ConsoleURL)
	fmt.Fprintf(stdout, "identity platform  %s\n", app.AuthorityURL)
	fmt.Fprintf(stdout, "Microsoft Graph    %s\n", app.GraphURL)
	if app.Emulator != nil {
		fmt.Fprintf(stdout, "embedded emulator  %s  (overview and mailbox at %s/_emulator/)\n", app.Emulator.URL(), app.Emulator.URL())
		if ca := app.Emulator.CAFile(); ca != "" {
			fmt.Fprintf(stdout, "emulator TLS CA    %s  (the console trusts it; other clients: SSL_CERT_FILE or NODE_EXTRA_CA_CERTS)\n", ca)
		}
		fmt.Fprintf(stdout, "\nOpen %s and sign in as one of the demo users. Press Ctrl+C to stop.\n", app.ConsoleURL)
	} else {
		fmt.Fprintf(stdout, "tenant             %s\n\nPress Ctrl+C to stop.\n", cfg.Tenant)
	}
	select {
	case <-ctx.Done():
	case err := <-app.served:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("console: %w", err)
		}
	}
	log.Info("shutting down")
	return app.Close()
}

// Console is a running console (and its emulator, when embedded).
type Console struct {
	ConsoleURL string
	// AuthorityURL (with the tenant) and GraphURL are the identity
	// platform and Graph the console uses: the embedded emulator's, or
	// Microsoft's.
	AuthorityURL, GraphURL string
	Emulator               *emulator.Emulator
	Handler                http.Handler
	// Watcher and Upkeep are live alerts' sources: saved watches polled
	// on Graph, and Graph subscriptions kept alive (internal/notify).
	Watcher *notify.Watcher
	Upkeep  *notify.Upkeep
	// Enricher completes legacy webhook items (the alert's title) after
	// they are stored, through the watcher's clients and budget.
	Enricher *notify.Enricher
	// Lease elects the replica that runs the background work.
	Lease lease.Elector

	log     *slog.Logger
	srv     *http.Server
	store   interface{ Close() error }
	live    *notify.Live
	served  chan error
	closing bool

	// stopFeeds ends the leader's background work (feedsBG: the lease,
	// and under it the watcher, the upkeep, retention, cleanup and
	// reconciliation), before the sink they write through closes.
	stopFeeds context.CancelFunc
	feedsBG   sync.WaitGroup
}

// startConsole builds and starts everything for cfg. Tests use it too.
func startConsole(ctx context.Context, cfg config.Config, log *slog.Logger) (*Console, error) {
	c := &Console{log: log, served: make(chan error, 1)}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, addrInUse(fmt.Errorf("console: listen on %s: %w", cfg.Addr, err), cfg.Addr, "--addr", "GRAPHSEC_ADDR")
	}
	fail := func(err error) (*Console, error) {
		ln.Close()
		c.Close()
		return nil, err
	}
	if cfg.Embedded() {
		// The browser reaches the emulator as localhost, like the console,
		// so the URLs printed and those in tokens and links agree.
		_, port, _ := net.SplitHostPort(cfg.EmulatorAddr)
		scheme := "http"
		if cfg.EmulatorTLS {
			scheme = "https"
		}
		c.Emulator, err = emulator.New(emulator.Options{
			Addr: cfg.EmulatorAddr, PublicURL: scheme + "://localhost:" + port, Seed: cfg.EmulatorSeed, Unconsented: cfg.EmulatorUnconsented,
			ControlToken: cfg.EmulatorControlToken,
			Activity:     cfg.EmulatorActivity,
			RedirectURIs: []string{cfg.RedirectURL, cfg.PublicURL + "/signed-out"},
			Logger:       log.With("component", "emulator"),
			TLS:          cfg.EmulatorTLS, TLSDir: cfg.EmulatorTLSDir,
		})
		if err != nil {
			return fail(addrInUse(err, cfg.EmulatorAddr, "--emulator-addr", "GRAPHSEC_EMULATOR_ADDR"))
		}
		cfg.ClientID, cfg.ClientSecret, cfg.Tenant = c.Emulator.ClientID(), c.Emulator.ClientSecret(), c.Emulator.TenantID()
		cfg.AuthorityURL, cfg.GraphURL = c.Emulator.URL(), c.Emulator.URL()
		log.Info("embedded emulator started", "url", c.Emulator.URL(), "tenant", cfg.Tenant, "client_id", cfg.ClientID)
	}
	// Logged once the URLs are the ones in use: against the embedded
	// emulator, its authority and Graph, not Microsoft's defaults.
	log.Info("starting graphsec", cfg.Redacted()...)
	c.AuthorityURL, c.GraphURL = cfg.AuthorityURL+"/"+cfg.Tenant, cfg.GraphURL

	// SQLite, or PostgreSQL for a postgres:// URL: nothing below knows
	// which.
	st, err := open.Open(ctx, cfg.DB, open.Options{})
	if err != nil {
		return fail(fmt.Errorf("database %s: %w", config.RedactDB(cfg.DB), err))
	}
	c.store = st
	key := cfg.SessionKey
	if key == nil {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
		log.Info("GRAPHSEC_SESSION_KEY is not set: sessions end when graphsec restarts")
	}
	// One client for Graph and the identity platform: a pooled transport
	// with bounded dials and handshakes. Per-request timeouts are set by
	// the Graph client and by auth. It trusts the system's roots plus
	// GRAPHSEC_CA_FILE and, embedded, the emulator's CA.
	var emuCA []byte
	if c.Emulator != nil {
		emuCA = c.Emulator.CACertPEM()
	}
	roots, err := rootCAs(cfg.CAPEM, emuCA)
	if err != nil {
		return fail(err)
	}
	httpc := &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 60 * time.Second,
			MaxIdleConns: 100, MaxIdleConnsPerHost: 32, IdleConnTimeout: 90 * time.Second, ForceAttemptHTTP2: true,
			TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12},
		},
	}
	// Live alerts: the receiver, the group-commit writer, the broker, the
	// stream, retention and the metrics (with Graph's requests counted on
	// the shared transport, and its retries).
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Replicas on PostgreSQL: one of them leads (runs the background
	// work), and the live stream is shared through the database.
	elector, newBroker, err := replication(ctx, cfg, st, clock.System{}, log)
	if err != nil {
		return fail(err)
	}
	c.Lease = elector
	registerLease(reg, elector, clock.System{})
	c.live, err = notify.NewLive(notify.LiveOptions{
		Store: st, Registry: reg, MetricsToken: cfg.MetricsToken, Retention: cfg.NotificationRetention,
		Logger: log.With("component", "live"), NewBroker: newBroker, RetentionByCaller: true,
	})
	if err != nil {
		return fail(err)
	}
	if pb, ok := c.live.Broker.(*pgbroker.Broker); ok {
		registerBroker(reg, pb, elector.State().ID)
	}
	httpc.Transport = c.live.Metrics.InstrumentGraph(httpc.Transport, cfg.GraphURL)
	secure := strings.HasPrefix(cfg.PublicURL, "https://")
	am, err := auth.New(auth.Options{
		AuthorityURL: cfg.AuthorityURL, Tenant: cfg.Tenant, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		RedirectURL: cfg.RedirectURL, Store: st, Key: key, HTTPClient: httpc, Logger: log.With("component", "auth"),
		SessionLifetime: cfg.SessionLifetime, SecureCookies: secure, GraphURL: cfg.GraphURL,
		TrustedProxies: cfg.TrustedProxies,
	})
	if err != nil {
		return fail(err)
	}
	// Live alerts' sources: the watcher (alerts_v2, incidents and legacy
	// alerts, polled) and the upkeep of Graph subscriptions, writing
	// through the receiver's feed cache and the group-commit sink, sharing
	// one request budget; the upkeep hears lifecycle events from the
	// receiver.
	c.Watcher, err = notify.NewWatcher(notify.Options{
		Feeds: c.live.Feeds, Checkpoints: st, Notifications: st, Sink: c.live.Sink, Credentials: am,
		GraphURL: cfg.GraphURL, HTTPClient: httpc, Budget: notify.NewBudget(cfg.WatchBudget, nil, nil),
		Logger: log.With("component", "watch"), Interval: cfg.WatchInterval, Overlap: cfg.WatchOverlap,
		AuditEvery: cfg.WatchAudit, Metrics: c.live.Metrics,
	})
	if err != nil {
		return fail(err)
	}
	c.Upkeep, err = notify.NewUpkeep(c.Watcher, notify.UpkeepOptions{PublicURL: cfg.PublicURL, Emulator: c.Emulator != nil})
	if err != nil {
		return fail(err)
	}
	c.Enricher, err = c.Watcher.NewEnricher(notify.EnricherOptions{Store: st, Broker: c.live.Broker})
	if err != nil {
		return fail(err)
	}
	// The receiver only stores lifecycle notifications: the leader acts
	// on them, whichever replica Graph delivered them to
	// (Upkeep.FollowLifecycle, in lead).
	c.live.Receiver.SetLifecycle(nil)
	wo := web.Options{
		Auth: am, Store: st, GraphURL: cfg.GraphURL, AuthorityURL: cfg.AuthorityURL, PublicURL: cfg.PublicURL,
		GraphHTTP: httpc, Logger: log.With("component", "web"), Secure: secure,
		Retry: graph.RetryPolicy{OnRetry: c.live.Metrics.ObserveRetry}, Live: c.live, Lease: elector,
		Watcher: c.Watcher, Upkeep: c.Upkeep,
	}
	if c.Emulator != nil {
		wo.Emulator = &web.EmulatorInfo{URL: c.Emulator.URL()}
	}
	srv, err := web.New(wo)
	if err != nil {
		return fail(err)
	}
	c.Handler = srv.Handler()
	c.ConsoleURL = cfg.PublicURL
	c.srv = &http.Server{
		Handler:           c.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A page waits for Graph at most 10 seconds of retries, but a
		// form's work may run up to page.FormTimeout (2 minutes): the
		// write timeout leaves room for it.
		WriteTimeout:   4 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Streams never go idle: end them as soon as shutdown begins, or
	// Shutdown would wait for them until its deadline.
	c.srv.RegisterOnShutdown(c.live.CloseStreams)
	go func() { c.served <- c.srv.Serve(ln) }()
	// The background work runs on the replica that leads (always, on
	// SQLite); it stops before the sink it writes through closes.
	feeds, stopFeeds := context.WithCancel(context.WithoutCancel(ctx))
	c.stopFeeds = stopFeeds
	c.feedsBG.Go(func() { elector.Run(feeds, func(ctx context.Context) { c.lead(ctx, srv, st) }) })
	return c, nil
}

// cleanup removes expired sessions, sign-ins, form records and kept form
// text every minute (and SQLite gives their space back).
func (c *Console) cleanup(ctx context.Context, st interface {
	DeleteExpired(context.Context, time.Time) (int64, error)
}) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if n, err := st.DeleteExpired(ctx, now); err != nil {
				c.log.Warn("delete expired sessions", "err", err)
			} else if n > 0 {
				c.log.Info("deleted expired sessions", "count", n)
			}
		}
	}
}

// Close stops serving (letting requests in flight finish, up to 20 s),
// then the emulator and the database.
func (c *Console) Close() error {
	if c.closing {
		return nil
	}
	c.closing = true
	var errs []error
	if c.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		errs = append(errs, c.srv.Shutdown(ctx))
		cancel()
	}
	if c.stopFeeds != nil {
		// The watcher and the upkeep write through the sink: they stop
		// before it closes.
		c.stopFeeds()
		c.feedsBG.Wait()
	}
	if c.live != nil {
		// After the server: requests in flight have had their items
		// committed; what is still queued is committed now.
		c.live.Close()
	}
	if c.Emulator != nil {
		errs = append(errs, c.Emulator.Close())
	}
	if c.store != nil {
		errs = append(errs, c.store.Close())
	}
	return errors.Join(errs...)
}
