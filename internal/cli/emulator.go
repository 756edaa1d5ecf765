package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/graphsec/graphsec/emulator"
	"github.com/graphsec/graphsec/emulator/tlsca"
)

// emulatorFlags binds the emulator's options to flags. Every flag can also
// come from the environment (GRAPHSEC_EMULATOR_<NAME>), flags winning.
func emulatorFlags(fs *flag.FlagSet, o *emulator.Options, getenv func(string) string) *stringList {
	env := func(name, def string) string {
		if v := getenv("GRAPHSEC_EMULATOR_" + name); v != "" {
			return v
		}
		return def
	}
	envInt := func(name string, def int) int {
		if v, err := strconv.Atoi(env(name, "")); err == nil {
			return v
		}
		return def
	}
	fs.StringVar(&o.Addr, "addr", env("ADDR", emulator.DefaultAddr), "listen address")
	fs.StringVar(&o.PublicURL, "public-url", env("PUBLIC_URL", ""), "base URL written into tokens and links (default http://{addr}, https with --tls)")
	fs.StringVar(&o.ControlToken, "control-token", env("CONTROL_TOKEN", ""), "token every control-plane request must carry as \"Authorization: Bearer <token>\" (at least 16 characters; required to listen beyond loopback; prefer the environment variable)")
	fs.StringVar(&o.TenantID, "tenant-id", env("TENANT_ID", emulator.DefaultTenantID), "tenant id (GUID)")
	fs.StringVar(&o.TenantDomain, "tenant-domain", env("TENANT_DOMAIN", emulator.DefaultTenantDomain), "tenant domain")
	fs.StringVar(&o.ClientID, "client-id", env("CLIENT_ID", emulator.DefaultClientID), "demo app's client id")
	fs.StringVar(&o.ClientSecret, "client-secret", env("CLIENT_SECRET", emulator.DefaultClientSecret), "demo app's client secret")
	redirects := &stringList{}
	fs.Var(redirects, "redirect-uri", "registered redirect URI (repeatable; default "+emulator.DefaultRedirectURI+")")
	fs.BoolVar(&o.Unconsented, "unconsented", env("UNCONSENTED", "") == "true", "start without admin consent, to demonstrate the consent flow")
	fs.Int64Var(&o.Seed, "seed", int64(envInt("SEED", 1)), "seed for the generated data (same seed, same data)")
	fs.IntVar(&o.Users, "users", envInt("USERS", 0), "number of users (0: default, at least 8)")
	fs.IntVar(&o.Alerts, "alerts", envInt("ALERTS", 0), "number of alerts_v2 alerts (0: default; e.g. 100000 for load tests)")
	fs.IntVar(&o.LegacyAlerts, "legacy-alerts", envInt("LEGACY_ALERTS", 0), "number of legacy alerts (0: default)")
	fs.BoolVar(&o.LegacyRetired, "legacy-retired", env("LEGACY_RETIRED", "") == "true", "answer /security/alerts as after Microsoft retired it (no data)")
	fs.Var(&o.Activity, "activity", "the living tenant's pace, e.g. 12/min, 1/s (off: a still tenant)")
	fs.DurationVar(&o.VisibilityDelay, "visibility-delay", 0, "let the activity's updates become visible up to this long after their lastUpdateDateTime, e.g. 2m")
	fs.IntVar(&o.ThrottlePerMinute, "throttle", envInt("THROTTLE", 0), "security API requests per minute per app before 429 (Graph: 150; 0: off)")
	tlsDefault, _ := strconv.ParseBool(env("TLS", "false"))
	fs.BoolVar(&o.TLS, "tls", tlsDefault, "serve https with a certificate from a local CA (created on first start; trust its ca.pem, printed at start)")
	dirHelp := "{user cache dir}/graphsec/emulator-tls"
	if d, err := tlsca.DefaultDir(); err == nil {
		dirHelp = d
	}
	fs.StringVar(&o.TLSDir, "tls-dir", env("TLS_DIR", ""), "where --tls keeps its CA and server certificate (default "+dirHelp+")")
	deliveryFlags(fs, o)
	return redirects
}

func runEmulator(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("graphsec emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o emulator.Options
	redirects := emulatorFlags(fs, &o, getenv)
	// Values from the environment go through the flags' own parsers, so a
	// bad one is refused with the variable's name (rather than silently
	// replaced by the default).
	fromEnv := []struct{ env, flag string }{
		{"GRAPHSEC_EMULATOR_ACTIVITY", "activity"}, {"GRAPHSEC_EMULATOR_VISIBILITY_DELAY", "visibility-delay"},
		{"GRAPHSEC_EMULATOR_SEED", "seed"}, {"GRAPHSEC_EMULATOR_USERS", "users"}, {"GRAPHSEC_EMULATOR_ALERTS", "alerts"},
		{"GRAPHSEC_EMULATOR_LEGACY_ALERTS", "legacy-alerts"}, {"GRAPHSEC_EMULATOR_THROTTLE", "throttle"},
		{"GRAPHSEC_EMULATOR_UNCONSENTED", "unconsented"}, {"GRAPHSEC_EMULATOR_LEGACY_RETIRED", "legacy-retired"}, {"GRAPHSEC_EMULATOR_TLS", "tls"},
	}
	for _, v := range append(fromEnv, deliveryEnv()...) {
		if val := getenv(v.env); val != "" {
			if err := fs.Set(v.flag, val); err != nil {
				return usagef("%s=%q: %v", v.env, val, err)
			}
		}
	}
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn, error")
	logFormat := fs.String("log-format", "text", "log format: text or json")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected arguments: %v", fs.Args())
	}
	for _, r := range *redirects {
		if u, err := url.Parse(r); err != nil || u.Scheme == "" || u.Host == "" {
			return usagef("--redirect-uri %q is not an absolute URL", r)
		}
	}
	if o.VisibilityDelay < 0 {
		return usagef("--visibility-delay %v is negative", o.VisibilityDelay)
	}
	o.RedirectURIs = *redirects
	log, err := newLogger(stderr, *logLevel, *logFormat)
	if err != nil {
		return err
	}
	o.Logger = log
	emu, err := emulator.New(o)
	if err != nil {
		return addrInUse(err, o.Addr, "--addr", "GRAPHSEC_EMULATOR_ADDR")
	}
	defer emu.Close()
	printEmulatorBanner(stdout, emu)
	<-ctx.Done()
	log.Info("shutting down")
	return emu.Close()
}

func printEmulatorBanner(w io.Writer, emu *emulator.Emulator) {
	fmt.Fprintf(w, `graphsec emulator listening on %[1]s

  Overview and mailbox   %[1]s/_emulator/
  Authority (tenant)     %[2]s
  OpenID configuration   %[2]s/v2.0/.well-known/openid-configuration
  Token endpoint         %[2]s/oauth2/v2.0/token
  Graph                  %[1]s/v1.0   %[1]s/beta

  Tenant id              %[3]s (%[4]s)
  Client id              %[5]s
  Client secret          %[6]s
  Redirect URIs          %[7]v
  Living tenant          %[8]s
  Control plane          %[9]s
%[10]s
Press Ctrl+C to stop.
`, emu.URL(), emu.AuthorityURL(), emu.TenantID(), emu.TenantDomain(), emu.ClientID(), emu.ClientSecret(), emu.Info().RedirectURIs, emu.Activity().Stats().Rate, controlPlaneMode(emu), tlsBanner(emu.CAFile()))
}

// controlPlaneMode says how the control plane is protected.
func controlPlaneMode(emu *emulator.Emulator) string {
	if emu.ControlTokenRequired() {
		return "token required (Authorization: Bearer <token>; in a browser, the token as password)"
	}
	return "loopback only, no token"
}

// tlsBanner tells how to trust the emulator's CA, when it serves TLS.
func tlsBanner(caFile string) string {
	if caFile == "" {
		return ""
	}
	return fmt.Sprintf(`  TLS CA certificate     %[1]s
                         trust it: SSL_CERT_FILE=%[1]s (Go, Python, OpenSSL),
                         NODE_EXTRA_CA_CERTS=%[1]s (Node), curl --cacert %[1]s
`, caFile)
}
