// Package config reads graphsec's configuration from flags and the
// environment, checks it, and can show it with secrets redacted. Only
// package main hands it the real environment; everything else receives a
// Config.
package config

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/activity"
)

// Config is the console's configuration.
type Config struct {
	// Addr is where the console listens (GRAPHSEC_ADDR, default :5000 on
	// loopback).
	Addr string
	// ClientID, ClientSecret and Tenant identify the app registration.
	// With ClientID empty, graphsec runs its embedded emulator and fills
	// these in from it.
	ClientID     string
	ClientSecret string
	// Tenant is the tenant id or domain (or "organizations").
	Tenant string
	// RedirectURL is the registered redirect URI; it must end in
	// /login/authorized (the original sample's path).
	RedirectURL string
	// PublicURL is the console's externally reachable base URL, used to
	// build notification URLs and absolute links.
	PublicURL string
	// AuthorityURL is the identity platform's base URL.
	AuthorityURL string
	// GraphURL is Microsoft Graph's base URL.
	GraphURL string
	// DB is the database: a SQLite file path (default graphsec.db), or a
	// postgres:// or postgresql:// URL for PostgreSQL (several replicas
	// on one database). It may hold a password: log RedactDB(DB).
	DB string

	// EmulatorAddr is where the embedded emulator listens when no tenant is
	// configured (default 127.0.0.1:5001).
	EmulatorAddr string
	// EmulatorUnconsented starts the embedded emulator without admin
	// consent, to walk through the consent flow.
	EmulatorUnconsented bool
	// EmulatorSeed seeds the embedded emulator's data.
	EmulatorSeed int64
	// EmulatorTLS makes the embedded emulator serve https with a
	// certificate from its local CA (kept in EmulatorTLSDir, default the
	// user's cache directory); the console then trusts that CA itself.
	EmulatorTLS    bool
	EmulatorTLSDir string

	// CAFile names a PEM file of extra root certificates the console
	// trusts, besides the system's, when it talks to the identity
	// platform and Graph: a corporate TLS-inspecting proxy's CA, or an
	// emulator's CA when the emulator runs on its own.
	CAFile string
	// CAPEM is CAFile's content, read and checked by Load.
	CAPEM []byte

	// EmulatorControlToken is the embedded emulator's control-plane token,
	// needed when it listens beyond loopback (emulator.Options.ControlToken).
	EmulatorControlToken string
	// EmulatorActivity is the embedded emulator's living-tenant pace: a
	// gentle one by default, so the demo moves.
	EmulatorActivity activity.Rate

	// SessionLifetime is how long a sign-in lasts without activity.
	SessionLifetime time.Duration
	// SessionKey seals users' tokens in the database (32 bytes, given
	// base64-encoded). Without it graphsec makes a new key at each start,
	// so sessions end when it restarts; several replicas must share one.
	SessionKey []byte
	// LogLevel and LogFormat configure the process log.
	LogLevel, LogFormat string

	// NotificationRetention is how long received notifications are kept
	// (GRAPHSEC_NOTIFICATION_RETENTION, default 30 days).
	NotificationRetention time.Duration
	// MetricsToken, when set, is required (as a bearer token) to read
	// /metrics; without it only loopback may read it.
	MetricsToken string
	// TrustedProxies are the load balancers in front of the console
	// (GRAPHSEC_TRUSTED_PROXIES: addresses or CIDR prefixes, comma
	// separated): requests from them count, for the bounds on sign-ins in
	// progress per client, by the address they forward in
	// X-Forwarded-For.
	TrustedProxies []netip.Prefix
	// Live alerts' background work (internal/notify): how often each
	// watch polls Graph (WatchInterval), how far before its checkpoint it
	// reads again (WatchOverlap), how often its open items are audited
	// (WatchAudit), and the requests a minute all of it may send to
	// Graph's security API together (WatchBudget, of Graph's 150).
	WatchInterval, WatchOverlap, WatchAudit time.Duration
	WatchBudget                             int
}

// Embedded reports whether graphsec should run its own emulator: no app
// registration was configured.
func (c Config) Embedded() bool { return c.ClientID == "" }

// Defaults.
const (
	DefaultAddr         = "localhost:5000"
	DefaultAuthorityURL = "https://login.microsoftonline.com"
	DefaultGraphURL     = "https://graph.microsoft.com"
	DefaultDB           = "graphsec.db"
	DefaultEmulatorAddr = "127.0.0.1:5001"
	// DefaultEmulatorActivity is gentle: a new alert or a triage step
	// every 15 seconds or so.
	DefaultEmulatorActivity = "4/min"
	RedirectPath            = "/login/authorized"
	// DefaultNotificationRetention keeps a month of notifications.
	DefaultNotificationRetention = "720h"
)

// variable describes one setting: its flag, its environment variable and
// where it goes.
type variable struct {
	flag, env, usage string
	def              string
	secret           bool
	dst              *string
}

// Load reads flags from args and the environment through getenv (flags win)
// and validates the result. Errors name the setting to fix: the flag when
// it was given on the command line, the environment variable otherwise,
// each with the other spelling alongside. -h prints every flag with its
// variable.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	var seed, lifetime, unconsented, sessionKey, act, emuTLS, retention string
	var watchInterval, watchOverlap, watchAudit, watchBudget, proxies string
	vars := []variable{
		{"addr", "GRAPHSEC_ADDR", "listen address of the console", DefaultAddr, false, &c.Addr},
		{"client-id", "GRAPHSEC_CLIENT_ID", "app registration's client id (empty: run the embedded emulator)", "", false, &c.ClientID},
		{"client-secret", "GRAPHSEC_CLIENT_SECRET", "app registration's client secret", "", true, &c.ClientSecret},
		{"tenant", "GRAPHSEC_TENANT", "tenant id or domain (or organizations)", "", false, &c.Tenant},
		{"redirect-url", "GRAPHSEC_REDIRECT_URL", "registered redirect URI (default {public-url}/login/authorized)", "", false, &c.RedirectURL},
		{"public-url", "GRAPHSEC_PUBLIC_URL", "externally reachable base URL of the console (default http://{addr})", "", false, &c.PublicURL},
		{"authority-url", "GRAPHSEC_AUTHORITY_URL", "identity platform base URL", DefaultAuthorityURL, false, &c.AuthorityURL},
		{"graph-url", "GRAPHSEC_GRAPH_URL", "Microsoft Graph base URL", DefaultGraphURL, false, &c.GraphURL},
		{"db", "GRAPHSEC_DB", "database: a SQLite file, or a postgres:// URL (several replicas share one PostgreSQL database)", DefaultDB, false, &c.DB},
		{"emulator-addr", "GRAPHSEC_EMULATOR_ADDR", "listen address of the embedded emulator", DefaultEmulatorAddr, false, &c.EmulatorAddr},
		{"emulator-unconsented", "GRAPHSEC_EMULATOR_UNCONSENTED", "start the embedded emulator without admin consent (true/false)", "false", false, &unconsented},
		{"emulator-seed", "GRAPHSEC_EMULATOR_SEED", "seed of the embedded emulator's data", "1", false, &seed},
		{"emulator-tls", "GRAPHSEC_EMULATOR_TLS", "serve the embedded emulator over https with a local CA the console trusts (true/false)", "false", false, &emuTLS},
		{"emulator-tls-dir", "GRAPHSEC_EMULATOR_TLS_DIR", "where the embedded emulator keeps its CA (default {user cache dir}/graphsec/emulator-tls)", "", false, &c.EmulatorTLSDir},
		{"ca-file", "GRAPHSEC_CA_FILE", "PEM file of extra root CAs trusted for the identity platform and Graph", "", false, &c.CAFile},
		{"emulator-control-token", "GRAPHSEC_EMULATOR_CONTROL_TOKEN", "control-plane token of the embedded emulator (required when it listens beyond loopback)", "", true, &c.EmulatorControlToken},
		{"emulator-activity", "GRAPHSEC_EMULATOR_ACTIVITY", "pace of the embedded emulator's living tenant, e.g. 12/min (off: still)", DefaultEmulatorActivity, false, &act},
		{"session-lifetime", "GRAPHSEC_SESSION_LIFETIME", "how long a sign-in lasts without activity", "12h", false, &lifetime},
		{"session-key", "GRAPHSEC_SESSION_KEY", "base64 of 32 random bytes sealing stored tokens (default: a new key each start)", "", true, &sessionKey},
		{"watch-interval", "GRAPHSEC_WATCH_INTERVAL", "pause between two polls of a live-alerts watch (5s to 10m)", "15s", false, &watchInterval},
		{"watch-overlap", "GRAPHSEC_WATCH_OVERLAP", "how far before its checkpoint a watch reads again, for updates Graph shows late (10m to 24h)", "10m", false, &watchOverlap},
		{"watch-audit", "GRAPHSEC_WATCH_AUDIT", "how often a watch's open items are checked against what it delivered (5m to 24h)", "1h", false, &watchAudit},
		{"watch-budget", "GRAPHSEC_WATCH_BUDGET", "requests a minute background work may send to Graph's security API, of the 150 Graph allows (1 to 150)", "120", false, &watchBudget},
		{"log-level", "GRAPHSEC_LOG_LEVEL", "debug, info, warn or error", "info", false, &c.LogLevel},
		{"log-format", "GRAPHSEC_LOG_FORMAT", "text or json", "text", false, &c.LogFormat},
		{"notification-retention", "GRAPHSEC_NOTIFICATION_RETENTION", "how long received notifications are kept", DefaultNotificationRetention, false, &retention},
		{"trusted-proxies", "GRAPHSEC_TRUSTED_PROXIES", "load balancers in front of the console whose X-Forwarded-For is believed: addresses or CIDR prefixes, comma separated", "", false, &proxies},
		{"metrics-token", "GRAPHSEC_METRICS_TOKEN", "bearer token required to read /metrics (default: loopback only)", "", true, &c.MetricsToken},
	}
	fs := flag.NewFlagSet("graphsec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Console flags (each can also be set by the environment variable named with it; a flag wins):")
		fs.PrintDefaults()
	}
	for _, v := range vars {
		def := v.def
		if e := getenv(v.env); e != "" {
			def = e
		}
		shown := def
		if v.secret && shown != "" {
			shown = "(set)"
		}
		if v.dst == &c.DB {
			shown = RedactDB(shown)
		}
		fs.StringVar(v.dst, v.flag, def, fmt.Sprintf("%s (env %s)", v.usage, v.env))
		if f := fs.Lookup(v.flag); f != nil {
			f.DefValue = shown
		}
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, &settingError{env: env, msg: fmt.Sprintf(format, a...)})
	}
	if _, err := fmt.Sscan(seed, &c.EmulatorSeed); err != nil {
		bad("GRAPHSEC_EMULATOR_SEED", "%q is not an integer", seed)
	}
	if r, err := activity.ParseRate(act); err != nil {
		bad("GRAPHSEC_EMULATOR_ACTIVITY", "%v", err)
	} else {
		c.EmulatorActivity = r
	}
	for _, b := range []struct {
		env, v string
		dst    *bool
	}{{"GRAPHSEC_EMULATOR_UNCONSENTED", unconsented, &c.EmulatorUnconsented}, {"GRAPHSEC_EMULATOR_TLS", emuTLS, &c.EmulatorTLS}} {
		switch strings.ToLower(b.v) {
		case "true", "1", "yes":
			*b.dst = true
		case "false", "0", "no", "":
		default:
			bad(b.env, "%q is not true or false", b.v)
		}
	}
	d, err := time.ParseDuration(lifetime)
	if err != nil || d < time.Minute || d > 30*24*time.Hour {
		bad("GRAPHSEC_SESSION_LIFETIME", "%q must be a duration between 1m and 720h", lifetime)
	}
	c.SessionLifetime = d
	if r, err := time.ParseDuration(retention); err != nil || r < time.Hour || r > 10*365*24*time.Hour {
		bad("GRAPHSEC_NOTIFICATION_RETENTION", "%q must be a duration between 1h and 87600h (ten years)", retention)
	} else {
		c.NotificationRetention = r
	}
	if ps, err := parsePrefixes(proxies); err != nil {
		bad("GRAPHSEC_TRUSTED_PROXIES", "%v", err)
	} else {
		c.TrustedProxies = ps
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		bad("GRAPHSEC_METRICS_TOKEN", "must be at least 16 characters (e.g. openssl rand -hex 16)")
	}
	for _, w := range []struct {
		env, v   string
		min, max time.Duration
		dst      *time.Duration
	}{
		{"GRAPHSEC_WATCH_INTERVAL", watchInterval, 5 * time.Second, 10 * time.Minute, &c.WatchInterval},
		{"GRAPHSEC_WATCH_OVERLAP", watchOverlap, 10 * time.Minute, 24 * time.Hour, &c.WatchOverlap},
		{"GRAPHSEC_WATCH_AUDIT", watchAudit, 5 * time.Minute, 24 * time.Hour, &c.WatchAudit},
	} {
		d, err := time.ParseDuration(w.v)
		if err != nil || d < w.min || d > w.max {
			bad(w.env, "%q must be a duration between %v and %v", w.v, w.min, w.max)
		}
		*w.dst = d
	}
	if _, err := fmt.Sscan(watchBudget, &c.WatchBudget); err != nil || c.WatchBudget < 1 || c.WatchBudget > 150 {
		bad("GRAPHSEC_WATCH_BUDGET", "%q must be a number of requests a minute from 1 to 150 (Graph's limit)", watchBudget)
	}
	if sessionKey != "" {
		k, err := decodeKey(sessionKey)
		if err != nil {
			bad("GRAPHSEC_SESSION_KEY", "must be 32 bytes, base64-encoded (e.g. openssl rand -base64 32)")
		}
		c.SessionKey = k
	}
	if c.CAFile != "" {
		pem, err := readCAFile(c.CAFile)
		if err != nil {
			bad("GRAPHSEC_CA_FILE", "%v", err)
		}
		c.CAPEM = pem
	}
	errs = append(errs, c.validate()...)
	if len(errs) > 0 {
		// Name the setting as the user gave it: the flag when it was on
		// the command line, the environment variable otherwise, with the
		// other spelling alongside.
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		for _, err := range errs {
			var se *settingError
			if !errors.As(err, &se) {
				continue
			}
			for _, v := range vars {
				if v.env != se.env {
					continue
				}
				if given[v.flag] {
					se.label = "--" + v.flag + " (" + v.env + ")"
				} else {
					se.label = v.env + " (--" + v.flag + ")"
				}
			}
		}
		return Config{}, errors.Join(errs...)
	}
	c.fillDerived()
	return c, nil
}

var guidRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// domainRe accepts a DNS name such as contoso.onmicrosoft.com.
var domainRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$`)

// settingError is an invalid setting, named by its environment variable
// (label, when set, names it as the user gave it).
type settingError struct{ env, label, msg string }

func (e *settingError) Error() string {
	if e.label != "" {
		return e.label + ": " + e.msg
	}
	return e.env + ": " + e.msg
}

func (c *Config) validate() []error {
	var errs []error
	bad := func(env, format string, a ...any) {
		errs = append(errs, &settingError{env: env, msg: fmt.Sprintf(format, a...)})
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		bad("GRAPHSEC_ADDR", "%q is not host:port", c.Addr)
	}
	if _, _, err := net.SplitHostPort(c.EmulatorAddr); err != nil {
		bad("GRAPHSEC_EMULATOR_ADDR", "%q is not host:port", c.EmulatorAddr)
	}
	checkURL := func(env, v string, required bool) {
		if v == "" {
			if required {
				bad(env, "is required")
			}
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			bad(env, "%q is not an absolute http(s) URL without query", v)
			return
		}
		if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			bad(env, "%q uses plain http on a host that is not loopback; use https", v)
		}
	}
	checkURL("GRAPHSEC_PUBLIC_URL", c.PublicURL, false)
	checkURL("GRAPHSEC_AUTHORITY_URL", c.AuthorityURL, true)
	checkURL("GRAPHSEC_GRAPH_URL", c.GraphURL, true)
	checkURL("GRAPHSEC_REDIRECT_URL", c.RedirectURL, false)
	if c.RedirectURL != "" {
		if u, err := url.Parse(c.RedirectURL); err == nil && u.Path != RedirectPath {
			bad("GRAPHSEC_REDIRECT_URL", "%q must end in %s, the path graphsec serves the sign-in callback on", c.RedirectURL, RedirectPath)
		}
	}
	if c.DB == "" {
		bad("GRAPHSEC_DB", "is required")
	} else if IsPostgres(c.DB) {
		if _, err := url.Parse(c.DB); err != nil {
			bad("GRAPHSEC_DB", "%s is not a PostgreSQL URL (postgres://user@host:5432/database?sslmode=verify-full)", RedactDB(c.DB))
		}
	}
	if c.ClientID != "" {
		if !guidRe.MatchString(c.ClientID) {
			bad("GRAPHSEC_CLIENT_ID", "%q is not a GUID (the app registration's Application (client) ID)", c.ClientID)
		}
		if c.ClientSecret == "" {
			bad("GRAPHSEC_CLIENT_SECRET", "is required with GRAPHSEC_CLIENT_ID")
		}
		switch {
		case c.Tenant == "":
			bad("GRAPHSEC_TENANT", "is required with GRAPHSEC_CLIENT_ID (the tenant id, its domain, or organizations)")
		case strings.EqualFold(c.Tenant, "organizations"), guidRe.MatchString(c.Tenant), domainRe.MatchString(c.Tenant):
		case strings.EqualFold(c.Tenant, "common"), strings.EqualFold(c.Tenant, "consumers"):
			bad("GRAPHSEC_TENANT", "%q cannot be used: the security API needs a work or school tenant (use its id, its domain, or organizations)", c.Tenant)
		default:
			bad("GRAPHSEC_TENANT", "%q is not a tenant id, a domain or organizations", c.Tenant)
		}
	} else if c.ClientSecret != "" || c.Tenant != "" {
		bad("GRAPHSEC_CLIENT_ID", "is required when GRAPHSEC_CLIENT_SECRET or GRAPHSEC_TENANT is set")
	}
	return errs
}

// readCAFile reads a PEM file of root certificates, refusing one that
// holds none (a path to the wrong file would otherwise pass silently and
// fail later as an unknown authority).
func readCAFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return b, nil
}

func decodeKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(strings.TrimSpace(s)); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	return nil, errors.New("invalid key")
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// fillDerived fills the public and redirect URLs from the listen address
// when they were not given.
func (c *Config) fillDerived() {
	c.AuthorityURL = strings.TrimRight(c.AuthorityURL, "/")
	c.GraphURL = strings.TrimRight(c.GraphURL, "/")
	if c.PublicURL == "" {
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" {
			host = "localhost"
		}
		c.PublicURL = "http://" + net.JoinHostPort(host, port)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.RedirectURL == "" {
		c.RedirectURL = c.PublicURL + RedirectPath
	}
}

// Redacted lists the configuration for the start-up log, secrets hidden.
func (c Config) Redacted() []any {
	secret := "(not set)"
	if c.ClientSecret != "" {
		secret = "(set)"
	}
	mode := "tenant"
	if c.Embedded() {
		mode = "embedded emulator"
	}
	return []any{
		"mode", mode, "addr", c.Addr, "public_url", c.PublicURL, "client_id", c.ClientID, "client_secret", secret,
		"tenant", c.Tenant, "redirect_url", c.RedirectURL, "authority_url", c.AuthorityURL, "graph_url", c.GraphURL,
		"db", RedactDB(c.DB), "session_lifetime", c.SessionLifetime.String(), "ca_file", c.CAFile, "emulator_tls", c.EmulatorTLS,
		"notification_retention", c.NotificationRetention.String(), "metrics_token", setOrNot(c.MetricsToken),
		"trusted_proxies", fmt.Sprint(c.TrustedProxies),
	}
}

func setOrNot(secret string) string {
	if secret == "" {
		return "(not set)"
	}
	return "(set)"
}

// IsPostgres reports whether db names a PostgreSQL database: a
// postgres:// or postgresql:// URL.
func IsPostgres(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// RedactDB is db as logs, help and error messages may show it: a
// PostgreSQL URL's password (in its user part or a password parameter)
// replaced by "xxxxx". A SQLite path is shown as it is.
func RedactDB(db string) string {
	if !IsPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		// The parse error may quote the URL: show nothing of it.
		return "(a postgres:// URL that does not parse)"
	}
	q := u.Query()
	for k := range q {
		if strings.EqualFold(k, "password") {
			q.Set(k, "xxxxx")
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// parsePrefixes reads a comma-separated list of addresses (a /32 or
// /128) and CIDR prefixes.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR prefix (10.0.0.0/8, 2001:db8::/32, 192.0.2.10)", f)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR prefix (10.0.0.0/8, 2001:db8::/32, 192.0.2.10)", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
