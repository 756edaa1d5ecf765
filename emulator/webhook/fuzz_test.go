package webhook

import (
	"net/netip"
	"strings"
	"testing"
)

// FuzzCheck: any address is judged without panicking, an IPv4-mapped
// address exactly as its IPv4 form, and nothing the fixed rules refuse is
// let through without an allowed range.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "169.254.169.254", "10.1.2.3", "::ffff:10.1.2.3", "fd00:ec2::254", "8.8.8.8", "2606:4700::1", "64:ff9b::a00:1"} {
		a := netip.MustParseAddr(s).As16()
		f.Add(a[:], uint16(80))
	}
	g := New(Config{Self: []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:5001")}})
	f.Fuzz(func(t *testing.T, raw []byte, port uint16) {
		var b [16]byte
		copy(b[:], raw)
		a := netip.AddrFrom16(b)
		err := g.Check(netip.AddrPortFrom(a, port))
		if a.Is4In6() {
			if err4 := g.Check(netip.AddrPortFrom(a.Unmap(), port)); (err == nil) != (err4 == nil) {
				t.Fatalf("%s and %s judged differently: %v / %v", a, a.Unmap(), err, err4)
			}
		}
		if err != nil {
			return
		}
		u := a.Unmap()
		if u.IsLoopback() {
			return // allowed before any range is looked at
		}
		if !u.IsGlobalUnicast() {
			t.Fatalf("%s allowed, neither loopback nor global unicast", a)
		}
		for _, r := range blocked {
			if r.prefix.Contains(u) {
				t.Fatalf("%s allowed inside %s", a, r.prefix)
			}
		}
		for _, m := range metadata {
			if u == m {
				t.Fatalf("metadata %s allowed", a)
			}
		}
	})
}

// FuzzParseAllow: --webhook-allow values never panic; what is accepted is
// a masked prefix, and the plain-http rule holds for every host string.
func FuzzParseAllow(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "192.168.1.7", "fd00::/8", "::ffff:10.0.0.0/104", "10.0.0.0/33", "x", ""} {
		f.Add(s, "10.0.0.1")
	}
	f.Fuzz(func(t *testing.T, v, host string) {
		list, err := ParseAllow(strings.Split(v, ","))
		if err != nil {
			return
		}
		for _, p := range list {
			if p != p.Masked() || !p.IsValid() {
				t.Fatalf("%q gave %s", v, p)
			}
		}
		g := New(Config{Allow: list})
		_ = g.AllowsPlainHTTP(host)
	})
}
