package emulator

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The control plane can reset the emulator, read its mailbox and mint a
// Global Administrator's token, so it must answer only its owner. Two
// things stand between it and anyone else:
//
//   - The Host rule. A web page can point a name it controls at 127.0.0.1
//     (DNS rebinding) and then read and post to the emulator as if it
//     were its own origin; the only trace is the Host header, which then
//     carries the attacker's name. So the control plane, the emulator's
//     own pages and the identity platform's sign-in pages (which sign
//     anyone in without a password) answer only requests addressed to the
//     emulator by one of its own names: localhost or a name under
//     .localhost (RFC 6761 reserves them for loopback, so no one can
//     point them elsewhere), an IP address (a rebinding page is reached by
//     a name, never by an address), or the public URL's host, on the
//     listening port or the public URL's. Others get 421 Misdirected
//     Request. Graph and the token, discovery and key endpoints apply the
//     rule only to requests from a browser (Origin or Sec-Fetch-*
//     headers): the demo client secret is public, so a rebinding page
//     could otherwise mint an app token and read Graph, while non-browser
//     clients may reach the emulator by whatever name their network gives
//     (a container's service name).
//
//   - The listening address. On loopback only local processes reach the
//     emulator, and they need no token. Beyond loopback New refuses to
//     start unless Options.ControlToken is set; with a token, every
//     control-plane request must carry it.

// minControlToken is the shortest control-plane token accepted.
const minControlToken = 16

// hostPolicy tells the emulator's own Host header values from others.
type hostPolicy struct {
	names    map[string]bool // the public URL's host name, lower case
	ports    map[string]bool // the listening port and the public URL's
	portless bool            // a Host without a port names a default port we answer on
}

func newHostPolicy(ln net.Addr, publicURL string) hostPolicy {
	h := hostPolicy{names: map[string]bool{}, ports: map[string]bool{}}
	if _, port, err := net.SplitHostPort(ln.String()); err == nil {
		h.ports[port] = true
		h.portless = port == "80"
	}
	if u, err := url.Parse(publicURL); err == nil && u.Host != "" {
		h.names[normalHost(u.Hostname())] = true
		if p := u.Port(); p != "" {
			h.ports[p] = true
		} else {
			h.portless = true
		}
	}
	return h
}

// normalHost lower-cases a host name and drops a final dot.
func normalHost(s string) string {
	return strings.TrimSuffix(strings.ToLower(s), ".")
}

// allows reports whether a request's Host names this emulator.
func (h hostPolicy) allows(host string) bool {
	if host == "" {
		return true // HTTP/1.0 without Host: not a browser
	}
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), ""
	}
	if port == "" && !h.portless || port != "" && !h.ports[port] {
		return false
	}
	name = normalHost(name)
	if net.ParseIP(name) != nil {
		return true
	}
	return name == "localhost" || strings.HasSuffix(name, ".localhost") || h.names[name]
}

// refuseHost answers a request addressed to a foreign Host.
func (e *Emulator) refuseHost(w http.ResponseWriter, r *http.Request) {
	e.log.Warn("emulator: refused a request for a foreign host (DNS rebinding?)", "host", truncateHost(r.Host), "path", r.URL.Path)
	ctlError(w, http.StatusMisdirectedRequest,
		"this emulator answers its control plane and pages only for its own names (localhost, an IP address, or the --public-url host, on its port), not for Host %q: a web page may be trying to reach it through DNS rebinding. Use %s, or set --public-url to the name you use.",
		truncateHost(r.Host), e.url)
}

func truncateHost(s string) string {
	if len(s) > 100 {
		return s[:100] + "..."
	}
	return s
}

// fromBrowser reports whether a request comes from a web browser: browsers
// send Origin on cross-origin and state-changing requests and Sec-Fetch-*
// metadata on all of them; other HTTP clients send neither.
func fromBrowser(r *http.Request) bool {
	return r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Sec-Fetch-Mode") != ""
}

// guardControl wraps the control plane: the Host rule, then the control
// token when one is configured.
func (e *Emulator) guardControl(next http.Handler) http.Handler {
	var want [sha256.Size]byte
	if e.opts.ControlToken != "" {
		want = sha256.Sum256([]byte(e.opts.ControlToken))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !e.hosts.allows(r.Host) {
			e.refuseHost(w, r)
			return
		}
		if e.opts.ControlToken != "" {
			got := sha256.Sum256([]byte(presentedToken(r)))
			if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				h := w.Header()
				h.Add("WWW-Authenticate", `Bearer realm="graphsec emulator control plane"`)
				h.Add("WWW-Authenticate", `Basic realm="graphsec emulator control plane", charset="UTF-8"`)
				ctlError(w, http.StatusUnauthorized, "the control plane needs the emulator's control token: send \"Authorization: Bearer <token>\" (in a browser, sign in with any user name and the token as password)")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// presentedToken is the token a request carries: a Bearer token, or the
// password of Basic credentials (what a browser can send for the pages).
func presentedToken(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if scheme, tok, ok := strings.Cut(auth, " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
	}
	if _, pass, ok := r.BasicAuth(); ok {
		return pass
	}
	return ""
}

// loopbackOnly reports whether a listener accepts only local connections:
// a TCP address on a loopback IP, or a non-TCP listener (a Unix socket, an
// in-memory listener in tests).
func loopbackOnly(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return true
	}
	return tcp.IP.IsLoopback()
}

// checkExposure refuses to serve beyond loopback without a control token,
// and a token too short to be one.
func checkExposure(opts Options, addr string, loopback bool) error {
	if t := opts.ControlToken; t != "" && len(t) < minControlToken {
		return fmt.Errorf("emulator: the control-plane token must be at least %d characters long", minControlToken)
	}
	if !loopback && opts.ControlToken == "" {
		return fmt.Errorf("emulator: refusing to listen on %s without a control-plane token: beyond loopback, anyone who can reach this port could use the control plane "+
			"(reset the data, read the mailbox, mint a Global Administrator's token). Listen on 127.0.0.1 (the default), or set a token of at least %d characters "+
			"with --control-token or GRAPHSEC_EMULATOR_CONTROL_TOKEN (Options.ControlToken); control-plane requests must then send \"Authorization: Bearer <token>\"", addr, minControlToken)
	}
	return nil
}

// addrIsLoopback tells, before listening, whether addr binds only
// loopback; known is false when it names a host that must be resolved
// (then the bound address is checked after listening).
func addrIsLoopback(addr string) (loopback, known bool) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, false
	}
	if host == "" {
		return false, true // every interface
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback(), true
	}
	return false, false
}
