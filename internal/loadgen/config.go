// Package loadgen drives HTTP load at one URL with a fixed number of
// concurrent workers for a fixed time, and prints throughput and latency
// percentiles: `graphsec loadgen`. Two modes:
//
//   - notify (the default) POSTs Graph-shaped changeNotificationCollection
//     batches, each notification with a unique id, to a receiver
//     (graphsec's /listen, or anything else). Given the receiver's
//     database (--db), it sets up a subscription record of its own there
//     and checks that every notification the receiver acknowledged was
//     stored: after each measured round it waits until all of them are in
//     the notifications table (graphsec journals them before answering and
//     indexes them afterwards), so the next round starts on a quiet
//     receiver, and it prints the sustained rate (notifications stored
//     over the rounds' time plus those waits). --compare-bare runs the same
//     load, in the same process, against a bare Go handler (decode the
//     JSON, answer 202), alternating with the receiver, and prints both
//     rates and their ratio.
//   - get GETs a URL, optionally with a bearer token minted by an
//     emulator's control plane (what the README's emulator figures use).
package loadgen

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
)

// Modes.
const (
	ModeNotify = "notify"
	ModeGet    = "get"
)

// Config is a load run.
type Config struct {
	Mode string
	// URL is where requests go.
	URL string
	// Concurrency workers for Duration, after Warmup (not counted).
	Concurrency      int
	Duration, Warmup time.Duration

	// Notify mode: notifications per POST; the subscription id and
	// clientState to send (set up in DB when empty); the receiver's
	// database (a SQLite file or a postgres:// DSN) to set up in and
	// verify against; whether to compare with a bare handler.
	Batch          int
	SubscriptionID string
	ClientState    string
	DB             string
	CompareBare    bool
	// DrainTimeout is how long verification waits for the receiver to
	// store more (a receiver with a journal indexes after answering)
	// before counting what is missing as lost.
	DrainTimeout time.Duration
	// Rounds splits the run: target and bare alternate Rounds times, so
	// that both see the same machine (other processes come and go).
	Rounds int

	// Get mode: a bearer token, or an emulator's control-plane tokens URL
	// to mint one from (for User, or an app token); ControlToken
	// authorizes that request.
	Token, TokenFrom, User, ControlToken string
}

// Limits of the flags.
const (
	MaxConcurrency = 4096
	MaxBatch       = 1000
)

// ParseFlags reads a Config from the command line (and
// GRAPHSEC_EMULATOR_CONTROL_TOKEN through getenv). Usage goes to stderr.
func ParseFlags(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Config{ControlToken: getenv("GRAPHSEC_EMULATOR_CONTROL_TOKEN")}
	fs := flag.NewFlagSet("graphsec loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Mode, "mode", ModeNotify, "notify (POST change notifications) or get (GET the URL)")
	fs.StringVar(&c.URL, "url", "", "target URL, e.g. http://localhost:5000/listen (required)")
	fs.IntVar(&c.Concurrency, "c", 32, "concurrent workers")
	fs.DurationVar(&c.Duration, "d", 10*time.Second, "how long to measure")
	fs.DurationVar(&c.Warmup, "warmup", 2*time.Second, "warm-up before measuring (not counted)")
	fs.IntVar(&c.Batch, "batch", 10, "notify: notifications per POST (Graph sends up to 100)")
	fs.StringVar(&c.SubscriptionID, "subscription-id", "", "notify: subscriptionId to send (default: set one up in --db)")
	fs.StringVar(&c.ClientState, "client-state", "", "notify: clientState to send with --subscription-id")
	fs.StringVar(&c.DB, "db", "", "notify: the receiver's database (SQLite file or postgres:// DSN) to set up a subscription record in and to verify that every acknowledged notification was stored")
	fs.BoolVar(&c.CompareBare, "compare-bare", false, "notify: also measure a bare Go handler (decode JSON, 202) in this process with the same load")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", 30*time.Second, "notify with --db: how long verification waits for the receiver to store more before counting what is missing as lost")
	fs.IntVar(&c.Rounds, "rounds", 5, "notify with --compare-bare: alternate target and bare this many times (each -d/rounds)")
	fs.StringVar(&c.Token, "token", "", "get: bearer token to send")
	fs.StringVar(&c.TokenFrom, "token-from", "", "get: emulator control-plane tokens URL to mint a token from")
	fs.StringVar(&c.User, "user", "", "get: with -token-from, mint a delegated token for this user instead of an app token")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	return c, c.validate()
}

func (c Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Mode {
	case ModeNotify, ModeGet:
	default:
		bad("--mode %q: want notify or get", c.Mode)
	}
	if u, err := url.Parse(c.URL); c.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("--url %q: want an absolute http(s) URL", c.URL)
	}
	if c.Concurrency < 1 || c.Concurrency > MaxConcurrency {
		bad("-c %d: want 1 to %d", c.Concurrency, MaxConcurrency)
	}
	if c.Duration <= 0 || c.Duration > 24*time.Hour {
		bad("-d %v: want more than 0 and at most 24h", c.Duration)
	}
	if c.Warmup < 0 || c.Warmup > time.Hour {
		bad("-warmup %v: want 0 to 1h", c.Warmup)
	}
	if c.Mode == ModeNotify {
		if c.Batch < 1 || c.Batch > MaxBatch {
			bad("--batch %d: want 1 to %d", c.Batch, MaxBatch)
		}
		if c.Rounds < 1 || c.Rounds > 1000 || (c.Rounds > 1 && c.Duration/time.Duration(c.Rounds) < 10*time.Millisecond) {
			bad("--rounds %d: want 1 to 1000, each round at least 10ms of -d", c.Rounds)
		}
		if c.DB != "" && (c.DrainTimeout <= 0 || c.DrainTimeout > time.Hour) {
			bad("--drain-timeout %v: want more than 0 and at most 1h", c.DrainTimeout)
		}
		if c.SubscriptionID == "" && c.DB == "" {
			bad("give --db (to set up a subscription record) or --subscription-id and --client-state")
		}
		if c.SubscriptionID != "" && c.ClientState == "" {
			bad("--subscription-id needs --client-state")
		}
		if strings.ContainsAny(c.SubscriptionID+c.ClientState, "\"\\\x00") {
			bad("--subscription-id and --client-state may not hold quotes, backslashes or NUL")
		}
	}
	if c.Mode == ModeGet && (c.DB != "" || c.CompareBare || c.SubscriptionID != "") {
		bad("--db, --compare-bare and --subscription-id are for --mode notify")
	}
	return errors.Join(errs...)
}
