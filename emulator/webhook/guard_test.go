package webhook

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func mustAllow(t *testing.T, values ...string) []netip.Prefix {
	t.Helper()
	p, err := ParseAllow(values)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheck(t *testing.T) {
	self := netip.MustParseAddrPort("127.0.0.1:5001")
	for _, tt := range []struct {
		name   string
		allow  []string
		addr   string
		reason string // "" allowed; else a substring of the reason
	}{
		{"loopback", nil, "127.0.0.1:8080", ""},
		{"loopback elsewhere in 127/8", nil, "127.5.6.7:5001", ""},
		{"IPv6 loopback", nil, "[::1]:8080", ""},
		{"mapped loopback", nil, "[::ffff:127.0.0.1]:8080", ""},
		{"the emulator's own listener", nil, "127.0.0.1:5001", ReasonSelf},
		{"own listener, mapped", nil, "[::ffff:127.0.0.1]:5001", ReasonSelf},
		{"own listener cannot be allowed", []string{"127.0.0.0/8"}, "127.0.0.1:5001", ReasonSelf},
		{"public IPv4", nil, "93.184.216.34:443", ""},
		{"public IPv6", nil, "[2606:4700::6810:85e5]:443", ""},
		{"AWS/Azure/GCP metadata", nil, "169.254.169.254:80", ReasonMetadata},
		{"AWS metadata over IPv6", nil, "[fd00:ec2::254]:80", ReasonMetadata},
		{"Azure WireServer", nil, "168.63.129.16:80", ReasonMetadata},
		{"Alibaba metadata", nil, "100.100.100.200:80", ReasonMetadata},
		{"metadata, mapped", nil, "[::ffff:169.254.169.254]:80", ReasonMetadata},
		{"metadata inside an allowed range stays refused", []string{"169.254.0.0/16"}, "169.254.169.254:80", ReasonMetadata},
		{"metadata allowed by its exact address", []string{"169.254.169.254"}, "169.254.169.254:80", ""},
		{"link-local allowed by range", []string{"169.254.0.0/16"}, "169.254.10.1:80", ""},
		{"private 10/8", nil, "10.0.0.5:80", "private"},
		{"private 172.16/12", nil, "172.31.255.1:80", "private"},
		{"private 192.168/16", nil, "192.168.1.1:80", "private"},
		{"private, mapped", nil, "[::ffff:10.0.0.5]:80", "private"},
		{"private allowed by range", []string{"10.1.0.0/16"}, "10.1.2.3:80", ""},
		{"private outside the allowed range", []string{"10.1.0.0/16"}, "10.2.0.1:80", "private"},
		{"allowed range given as mapped IPv6", []string{"::ffff:10.1.0.0/112"}, "10.1.2.3:80", ""},
		{"unique local", nil, "[fd12:3456::1]:80", "private"},
		{"link-local IPv4", nil, "169.254.1.1:80", "link-local"},
		{"link-local IPv6", nil, "[fe80::1]:80", "link-local"},
		{"link-local IPv6 with zone", nil, "[fe80::1%eth0]:80", "link-local"},
		{"CGNAT", nil, "100.64.0.1:80", "CGNAT"},
		{"multicast IPv4", nil, "224.0.0.1:80", "multicast"},
		{"multicast IPv6", nil, "[ff02::1]:80", "multicast"},
		{"unspecified IPv4", nil, "0.0.0.0:80", "unspecified"},
		{"this network", nil, "0.1.2.3:80", "unspecified"},
		{"unspecified IPv6", nil, "[::]:80", "unspecified"},
		{"broadcast", nil, "255.255.255.255:80", "broadcast"},
		{"reserved", nil, "240.0.0.1:80", "reserved"},
		{"documentation", nil, "192.0.2.1:80", "documentation"},
		{"benchmarking", nil, "198.18.0.1:80", "benchmarking"},
		{"NAT64 to a private address", nil, "[64:ff9b::a00:5]:80", "NAT64"},
		{"6to4", nil, "[2002:a00:5::1]:80", "6to4"},
		{"Teredo", nil, "[2001:0:4136:e378::1]:80", "Teredo"},
		{"IPv4-compatible", nil, "[::10.0.0.5]:80", "IPv4-compatible"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := New(Config{Allow: mustAllow(t, tt.allow...), Self: []netip.AddrPort{self}})
			err := g.Check(netip.MustParseAddrPort(tt.addr))
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Check(%s) = %v, want allowed", tt.addr, err)
				}
				return
			}
			var re *RefusedError
			if !errors.As(err, &re) || !strings.Contains(re.Reason, tt.reason) {
				t.Fatalf("Check(%s) = %v, want refused for %q", tt.addr, err, tt.reason)
			}
		})
	}
}

func TestCheckUnspecifiedListener(t *testing.T) {
	lan := netip.MustParseAddr("192.0.2.10") // stands for a LAN interface address
	g := New(Config{
		Self:       []netip.AddrPort{netip.MustParseAddrPort("[::]:5001")},
		Allow:      mustAllow(t, "192.0.2.0/24"),
		LocalAddrs: func() []netip.Addr { return []netip.Addr{netip.MustParseAddr("127.0.0.1"), lan} },
	})
	for addr, refused := range map[string]bool{
		"127.0.0.1:5001": true, "127.9.9.9:5001": true, "[::1]:5001": true, "192.0.2.10:5001": true,
		"0.0.0.0:5001": true, "127.0.0.1:5002": false, "192.0.2.11:5001": false,
	} {
		err := g.Check(netip.MustParseAddrPort(addr))
		if (err != nil) != refused {
			t.Errorf("Check(%s) = %v, want refused %v", addr, err, refused)
		}
	}
}

func TestParseAllow(t *testing.T) {
	got, err := ParseAllow([]string{"10.0.0.0/8", " 192.168.1.7 ", "fd00::/8", "10.1.2.3/16"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.7/32", "fd00::/8", "10.1.0.0/16"}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, p, want[i])
		}
	}
	for _, bad := range []string{"", "10.0.0.0/33", "example.com", "10.0.0"} {
		if _, err := ParseAllow([]string{bad}); err == nil {
			t.Errorf("ParseAllow(%q) accepted", bad)
		}
	}
}

func TestAllowsPlainHTTP(t *testing.T) {
	g := New(Config{Allow: mustAllow(t, "10.1.0.0/16")})
	for host, want := range map[string]bool{
		"localhost": true, "LOCALHOST.": true, "hooks.localhost": true, "127.0.0.1": true, "::1": true, "[::1]": true,
		"10.1.2.3": true, "10.2.0.1": false, "example.com": false, "localhost.example.com": false, "8.8.8.8": false,
	} {
		if got := g.AllowsPlainHTTP(host); got != want {
			t.Errorf("AllowsPlainHTTP(%q) = %v, want %v", host, got, want)
		}
	}
}

// fakeDNS resolves names from a table and counts lookups.
type fakeDNS struct {
	names map[string][]string
	calls atomic.Int32
}

func (f *fakeDNS) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	f.calls.Add(1)
	list, ok := f.names[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	var out []netip.Addr
	for _, s := range list {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func hits(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestClientResolution(t *testing.T) {
	srv, n := hits(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	dns := &fakeDNS{names: map[string][]string{
		"receiver.test": {"127.0.0.1"},
		"metadata.test": {"169.254.169.254"},
		"private.test":  {"10.0.0.7"},
		"mixed.test":    {"127.0.0.1", "10.0.0.7"},
		"empty.test":    {},
	}}
	g := New(Config{Lookup: dns.lookup, Self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:1")}})
	client := g.Client(0)
	for _, tt := range []struct {
		name, host string
		ok         bool
		dnsCalls   int32
	}{
		{"a name resolving to loopback", "receiver.test", true, 1},
		{"a name resolving to metadata", "metadata.test", false, 1},
		{"a name resolving to a private address", "private.test", false, 1},
		{"one refused address refuses the name", "mixed.test", false, 1},
		{"no addresses", "empty.test", false, 1},
		{"localhost without DNS", "localhost", true, 0},
		{"*.localhost without DNS", "hooks.app.localhost", true, 0},
		{"an IP literal without DNS", "127.0.0.1", true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dns.calls.Store(0)
			before := n.Load()
			u := "http://" + net.JoinHostPort(tt.host, itoa(port)) + "/hook"
			res, err := client.Get(u)
			if res != nil {
				res.Body.Close()
			}
			client.CloseIdleConnections()
			if (err == nil) != tt.ok {
				t.Fatalf("GET %s: %v, want ok=%v", u, err, tt.ok)
			}
			if !tt.ok && n.Load() != before {
				t.Fatalf("a refused request reached the server")
			}
			if got := dns.calls.Load(); got != tt.dnsCalls {
				t.Fatalf("%d DNS lookups, want %d", got, tt.dnsCalls)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The Control hook checks the address a socket connects to, whoever
// resolved it: the last line of defence against rebinding.
func TestControlHook(t *testing.T) {
	g := New(Config{Self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:5001")}})
	for addr, refused := range map[string]bool{
		"169.254.169.254:80": true, "10.0.0.1:80": true, "127.0.0.1:5001": true, "[fd00:ec2::254]:80": true,
		"127.0.0.1:8080": false, "not-an-address": true,
	} {
		if err := g.control("tcp", addr, nil); (err != nil) != refused {
			t.Errorf("control(%s) = %v, want refused %v", addr, err, refused)
		}
	}
	// The dialer itself refuses, even when handed a refused literal
	// directly rather than through DialContext's own check.
	_, err := g.dialer.DialContext(context.Background(), "tcp", "169.254.169.254:80")
	var re *RefusedError
	if !errors.As(err, &re) || re.Reason != ReasonMetadata {
		t.Fatalf("dialer: %v, want the metadata refusal", err)
	}
}

// A name is resolved once per connection and the connection goes to the
// address that was checked: a resolver that answers differently the second
// time (rebinding) cannot redirect a checked dial.
func TestResolvedAddressIsPinned(t *testing.T) {
	srv, n := hits(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	var calls atomic.Int32
	lookup := func(context.Context, string) ([]netip.Addr, error) {
		if calls.Add(1) == 1 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
		}
		return []netip.Addr{netip.MustParseAddr("169.254.169.254")}, nil
	}
	g := New(Config{Lookup: lookup})
	conn, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort("rebind.test", itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	if got := conn.RemoteAddr().(*net.TCPAddr).AddrPort(); got.Addr().Unmap() != netip.MustParseAddr("127.0.0.1") {
		t.Fatalf("connected to %s", got)
	}
	conn.Close()
	if _, err := g.DialContext(context.Background(), "tcp", net.JoinHostPort("rebind.test", itoa(port))); err == nil {
		t.Fatal("the rebound name was dialled")
	}
	if n.Load() != 0 {
		t.Fatalf("server saw %d requests", n.Load())
	}
}

func TestClientNeverFollowsRedirects(t *testing.T) {
	srv, n := hits(t)
	res, err := New(Config{}).Client(0).Get(srv.URL + "/redirect")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound || n.Load() != 1 {
		t.Fatalf("status %d after %d requests, want the 302 itself", res.StatusCode, n.Load())
	}
}

func TestClientIgnoresProxyEnvironment(t *testing.T) {
	srv, n := hits(t)
	var proxied atomic.Int32
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxy.Close()
	for _, k := range []string{"HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"} {
		t.Setenv(k, proxy.URL)
	}
	t.Setenv("NO_PROXY", "")
	t.Setenv("no_proxy", "")
	dns := &fakeDNS{names: map[string][]string{"receiver.test": {"127.0.0.1"}}}
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	res, err := New(Config{Lookup: dns.lookup}).Client(0).Get("http://receiver.test:" + itoa(port) + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || proxied.Load() != 0 || n.Load() != 1 {
		t.Fatalf("status %d, proxy saw %d, server %d", res.StatusCode, proxied.Load(), n.Load())
	}
}

func TestClientRefusesSchemesAndSelfHost(t *testing.T) {
	srv, n := hits(t)
	self, ok := SelfHost(srv.URL)
	if !ok {
		t.Fatal("SelfHost")
	}
	g := New(Config{SelfHosts: []string{self}})
	for _, u := range []string{srv.URL + "/_emulator/reset", "ftp://" + strings.TrimPrefix(srv.URL, "http://") + "/x"} {
		res, err := g.Client(0).Post(u, "application/json", strings.NewReader("{}"))
		if res != nil {
			res.Body.Close()
		}
		var re *RefusedError
		if !errors.As(err, &re) {
			t.Errorf("POST %s: %v, want a refusal", u, err)
		}
	}
	if n.Load() != 0 {
		t.Fatalf("server saw %d requests", n.Load())
	}
	if h, _ := SelfHost("https://Emu.Example"); h != "emu.example:443" {
		t.Errorf("SelfHost default port: %q", h)
	}
	if _, ok := SelfHost("::"); ok {
		t.Error("SelfHost accepted a non-URL")
	}
	u, _ := url.Parse("http://[::1]/x")
	if hostPort(u) != "[::1]:80" {
		t.Errorf("hostPort %q", hostPort(u))
	}
}
