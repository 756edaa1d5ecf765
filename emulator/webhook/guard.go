// Package webhook is the emulator's network guard for requests it sends to
// subscribers: the validation handshake and change-notification delivery.
// Both go through one Guard, because both send requests to a URL a client
// chose, and a client that may choose any URL could otherwise make the
// emulator reach what only the emulator's machine can reach: its own
// control plane, other local services, the private network, a cloud
// metadata service.
//
// # Rules
//
// Every request is checked twice. Before dialling, the URL's host is
// resolved (an IP literal as itself; localhost and *.localhost to 127.0.0.1
// and ::1 locally, never through DNS, as RFC 6761 asks) and every
// resulting address is checked: a name with one refused address is
// refused as a whole. Then the connection is made to those checked
// addresses only, and a net.Dialer Control hook checks the address the
// socket actually connects to, so that no later resolution (DNS
// rebinding) can swap a checked address for another.
//
// An address is, in this order:
//   - refused when it is the emulator's own listener (its control plane
//     is reachable there); for a listener on an unspecified address (0.0.0.0,
//     ::) that is its port on every loopback and local interface address;
//   - refused when it is a cloud metadata service (169.254.169.254,
//     fd00:ec2::254, Azure's 168.63.129.16, 100.100.100.200), unless an
//     allowed range names exactly that one address: a wider allowed range
//     (169.254.0.0/16 for link-local test receivers) never exposes it;
//   - allowed when it is loopback (127.0.0.0/8, ::1). This is a deliberate
//     deviation from Graph, which reaches only public https endpoints: a
//     receiver on the developer's machine is what the emulator is for;
//   - allowed when it is in a range given with --webhook-allow (Config.Allow);
//   - refused when it is unspecified, private (RFC 1918, unique local
//     fc00::/7), shared (CGNAT 100.64.0.0/10), link-local, multicast,
//     broadcast or reserved, documentation or benchmarking space, or a
//     transition prefix that embeds an IPv4 address (NAT64, 6to4, Teredo),
//     through which a private IPv4 address could still be reached;
//   - otherwise (a public unicast address) allowed.
//
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are checked as the IPv4
// address they are. Requests never use proxy environment variables (a
// proxy would dial on the emulator's behalf, unchecked), never follow
// redirects (a 3xx is the answer), carry no cookies, and must be http or
// https. A request to the emulator's own public URL (Config.SelfHosts) is
// refused by name before any resolution, for an emulator behind a proxy.
package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Config says what a Guard allows beyond its fixed rules.
type Config struct {
	// Allow lists ranges that may be reached although the rules refuse
	// them (private networks, link-local test receivers): --webhook-allow.
	Allow []netip.Prefix
	// Self lists the emulator's listening addresses, never reachable.
	Self []netip.AddrPort
	// SelfHosts lists host:port pairs that name the emulator (its public
	// URL behind a proxy), refused before resolution. Ports are required.
	SelfHosts []string
	// Lookup resolves a host name to addresses (default: the system
	// resolver). Tests inject names that resolve to refused addresses.
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	// LocalAddrs lists the machine's interface addresses, consulted when
	// a Self address is unspecified (default: net.InterfaceAddrs).
	LocalAddrs func() []netip.Addr
	// DialTimeout bounds connecting (default 10 s).
	DialTimeout time.Duration
}

// Guard checks and makes connections to subscribers' endpoints. It is
// safe for concurrent use.
type Guard struct {
	allow     []netip.Prefix
	self      []netip.AddrPort
	selfPorts map[uint16]bool // ports of unspecified Self addresses
	local     []netip.Addr    // local interface addresses (for selfPorts)
	selfHosts map[string]bool
	lookup    func(ctx context.Context, host string) ([]netip.Addr, error)
	dialer    *net.Dialer
	transport *http.Transport
}

// RefusedError is a request the guard would not let through.
type RefusedError struct {
	// Addr is the refused address, or Host the refused name.
	Addr   netip.AddrPort
	Host   string
	Reason string
}

func (e *RefusedError) Error() string {
	if e.Host != "" {
		return fmt.Sprintf("webhook: %s is refused: %s", e.Host, e.Reason)
	}
	return fmt.Sprintf("webhook: %s is refused: %s", e.Addr, e.Reason)
}

// Target is the refused address or name, for messages.
func (e *RefusedError) Target() string {
	if e.Host != "" {
		return e.Host
	}
	return e.Addr.String()
}

// Reasons an address is refused.
const (
	ReasonSelf     = "the emulator's own listener (its control plane)"
	ReasonMetadata = "a cloud metadata service"
)

type blockedRange struct {
	prefix netip.Prefix
	reason string
}

// blocked are the ranges refused unless allowed, checked after loopback
// and the allow list. The order only matters for the reason given.
var blocked = func() []blockedRange {
	list := []struct{ cidr, reason string }{
		{"0.0.0.0/8", "an unspecified (this-network) address"},
		{"10.0.0.0/8", "a private address"},
		{"100.64.0.0/10", "a shared (CGNAT) address"},
		{"169.254.0.0/16", "a link-local address"},
		{"172.16.0.0/12", "a private address"},
		{"192.0.0.0/24", "an IETF protocol address"},
		{"192.0.2.0/24", "a documentation address"},
		{"192.88.99.0/24", "a 6to4 relay address"},
		{"192.168.0.0/16", "a private address"},
		{"198.18.0.0/15", "a benchmarking address"},
		{"198.51.100.0/24", "a documentation address"},
		{"203.0.113.0/24", "a documentation address"},
		{"224.0.0.0/4", "a multicast address"},
		{"240.0.0.0/4", "a reserved or broadcast address"},
		{"::/128", "an unspecified address"},
		{"::/96", "an IPv4-compatible address"},
		{"64:ff9b::/96", "a NAT64 address"},
		{"64:ff9b:1::/48", "a NAT64 address"},
		{"100::/64", "a discard-only address"},
		{"2001::/23", "an IETF protocol address (Teredo, benchmarking)"},
		{"2001:db8::/32", "a documentation address"},
		{"2002::/16", "a 6to4 address"},
		{"fc00::/7", "a private (unique local) address"},
		{"fe80::/10", "a link-local address"},
		{"fec0::/10", "a site-local address"},
		{"ff00::/8", "a multicast address"},
	}
	out := make([]blockedRange, len(list))
	for i, b := range list {
		out[i] = blockedRange{netip.MustParsePrefix(b.cidr), b.reason}
	}
	return out
}()

// metadata are the cloud instance metadata endpoints.
var metadata = []netip.Addr{
	netip.MustParseAddr("169.254.169.254"), // AWS, Azure, GCP, OpenStack...
	netip.MustParseAddr("fd00:ec2::254"),   // AWS over IPv6
	netip.MustParseAddr("168.63.129.16"),   // Azure WireServer (a public address)
	netip.MustParseAddr("100.100.100.200"), // Alibaba Cloud
}

// ParseAllow reads --webhook-allow values: CIDR prefixes or single
// addresses.
func ParseAllow(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("webhook: %q is neither a CIDR range nor an address", v)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// New builds a Guard.
func New(cfg Config) *Guard {
	g := &Guard{
		lookup:    cfg.Lookup,
		selfPorts: map[uint16]bool{},
		selfHosts: map[string]bool{},
	}
	for _, p := range cfg.Allow {
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), max(p.Bits()-96, 0))
		}
		g.allow = append(g.allow, p.Masked())
	}
	for _, ap := range cfg.Self {
		a := ap.Addr().Unmap().WithZone("")
		if a.IsUnspecified() {
			g.selfPorts[ap.Port()] = true
			continue
		}
		g.self = append(g.self, netip.AddrPortFrom(a, ap.Port()))
	}
	if len(g.selfPorts) > 0 {
		local := cfg.LocalAddrs
		if local == nil {
			local = interfaceAddrs
		}
		for _, a := range local() {
			g.local = append(g.local, a.Unmap().WithZone(""))
		}
	}
	for _, h := range cfg.SelfHosts {
		g.selfHosts[strings.ToLower(h)] = true
	}
	if g.lookup == nil {
		g.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	timeout := cfg.DialTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	g.dialer = &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: g.control}
	g.transport = &http.Transport{
		Proxy:                  nil, // never HTTP(S)_PROXY: a proxy would dial unchecked
		DialContext:            g.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
	}
	return g
}

func interfaceAddrs() []netip.Addr {
	list, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range list {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out
}

// Check decides whether the guard lets a connection to ap through; the
// error is a *RefusedError.
func (g *Guard) Check(ap netip.AddrPort) error {
	a := ap.Addr().Unmap().WithZone("")
	ap = netip.AddrPortFrom(a, ap.Port())
	refuse := func(reason string) error { return &RefusedError{Addr: ap, Reason: reason} }
	if !a.IsValid() {
		return refuse("not an IP address")
	}
	if slices.Contains(g.self, ap) {
		return refuse(ReasonSelf)
	}
	if g.selfPorts[ap.Port()] && (a.IsLoopback() || a.IsUnspecified() || slices.Contains(g.local, a)) {
		return refuse(ReasonSelf)
	}
	if slices.Contains(metadata, a) {
		for _, p := range g.allow {
			if p.IsSingleIP() && p.Addr() == a {
				return nil
			}
		}
		return refuse(ReasonMetadata)
	}
	if a.IsLoopback() {
		return nil
	}
	for _, p := range g.allow {
		if p.Contains(a) {
			return nil
		}
	}
	for _, b := range blocked {
		if b.prefix.Contains(a) {
			return refuse(b.reason + " (allow a range with --webhook-allow)")
		}
	}
	if !a.IsGlobalUnicast() {
		return refuse("not a global unicast address")
	}
	return nil
}

// control is the dialer's hook: it checks the address the socket is
// about to connect to, whatever resolved it.
func (g *Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Host: address, Reason: "not an IP address and port"}
	}
	return g.Check(ap)
}

// IsLoopbackName reports whether host is localhost or a name under
// .localhost, which the guard resolves to loopback itself.
func IsLoopbackName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost")
}

var loopbacks = []netip.Addr{netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()}

// Resolve returns the addresses a host stands for, as the guard dials
// them: an IP literal itself, localhost names loopback (never asking
// DNS), other names what the resolver says.
func (g *Guard) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); err == nil {
		return []netip.Addr{a}, nil
	}
	if IsLoopbackName(host) {
		return slices.Clone(loopbacks), nil
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	return addrs, nil
}

// DialContext resolves address, refuses it unless every address it
// stands for passes Check, and connects to those addresses only (the
// Control hook checks each again as it connects).
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, &RefusedError{Host: address, Reason: "not a valid port"}
	}
	addrs, err := g.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var targets []netip.AddrPort
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a, uint16(p))
		if err := g.Check(ap); err != nil {
			var re *RefusedError
			if errors.As(err, &re) && !IsLoopbackName(host) && net.ParseIP(host) == nil {
				re.Host = host + " (" + ap.String() + ")"
			}
			return nil, err
		}
		a = a.Unmap()
		if (network == "tcp4" && !a.Is4()) || (network == "tcp6" && !a.Is6()) {
			continue
		}
		targets = append(targets, netip.AddrPortFrom(a, uint16(p)))
	}
	if len(targets) == 0 {
		return nil, &net.AddrError{Err: "no address of the requested family", Addr: host}
	}
	var first error
	for _, ap := range targets {
		c, err := g.dialer.DialContext(ctx, network, ap.String())
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// AllowsPlainHTTP reports whether http (rather than https) is acceptable
// for host: loopback names and addresses, and IP literals inside an
// allowed range. Graph itself requires https everywhere.
func (g *Guard) AllowsPlainHTTP(host string) bool {
	if IsLoopbackName(host) {
		return true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if err != nil {
		return false
	}
	a = a.Unmap().WithZone("")
	if a.IsLoopback() {
		return true
	}
	for _, p := range g.allow {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Transport is the guarded transport: no proxy, checked dials, http and
// https only, the emulator's own public host refused.
func (g *Guard) Transport() http.RoundTripper { return guarded{g} }

type guarded struct{ g *Guard }

func (t guarded) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil {
		return nil, errors.New("webhook: request without a URL")
	}
	switch req.URL.Scheme {
	case "http", "https":
	default:
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &RefusedError{Host: req.URL.Scheme + "://" + req.URL.Host, Reason: "only http and https are sent"}
	}
	if k := hostPort(req.URL); t.g.selfHosts[k] {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &RefusedError{Host: k, Reason: ReasonSelf}
	}
	return t.g.transport.RoundTrip(req)
}

// hostPort is u's host and port, lower-cased, with the scheme's default
// port when none is given.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return strings.ToLower(net.JoinHostPort(u.Hostname(), port))
}

// SelfHost returns the host:port form of a base URL, for Config.SelfHosts.
func SelfHost(base string) (string, bool) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return "", false
	}
	return hostPort(u), true
}

// Client returns a client that sends through the guard, never follows
// redirects and keeps no cookies. timeout 0 leaves the request's context
// as the only limit.
func (g *Guard) Client(timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     g.Transport(),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// CloseIdleConnections closes kept-alive connections (Close of the
// emulator).
func (g *Guard) CloseIdleConnections() { g.transport.CloseIdleConnections() }
