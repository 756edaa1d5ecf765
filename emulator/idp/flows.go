package idp

import (
	"container/list"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"time"
)

// Pending sign-ins and consents (flows) are made by unauthenticated
// requests: anyone who can reach authorize with a registered client id and
// redirect URI makes one. A single least-recently-used bound let a flood
// evict everyone else's (49,000 requests in 6 s evicted a real user's
// pending sign-in). So each flow belongs to a group, the client it is for
// and who started it:
//
//   - the browser, when the request carried a browser cookie the provider
//     issued (an HMAC under a per-provider key proves it, so one cannot be
//     made up), or else
//   - the address it came from (an IPv6 address by its /64).
//
// A group keeps at most maxFlowsPerBrowser or maxFlowsPerSource flows: a
// new one over that evicts the group's own oldest. A client keeps at most
// maxFlowsPerClient and the provider maxFlows (the backstop): a new flow
// over either evicts its own group's oldest, or, when its group has none,
// is refused (429, try later). A flow is never evicted to make room for
// another group's, so a flood only ever displaces its own sign-ins; under
// a flood from many groups at once, sign-ins already in progress complete
// and new ones are refused until flows expire (30 minutes) or complete.
const (
	maxFlowsPerBrowser = 32
	maxFlowsPerSource  = 1000
	maxFlowsPerClient  = 5000
)

// errFlowsFull is flowStore.save's refusal.
var errFlowsFull = errors.New("idp: too many sign-ins in progress")

// flowGroup is the flows of one client started by one browser or source,
// least recently saved first.
type flowGroup struct {
	client string
	max    int
	ids    *list.List
	at     map[string]*list.Element
}

// flowStore keeps flows with per-group, per-client and global bounds. It
// is not safe for concurrent use; the provider's lock guards it.
type flowStore struct {
	ttl       *ttlStore[flow]
	groups    map[string]*flowGroup
	clients   map[string]int
	perClient int
	total     int
}

func newFlowStore(total, perClient int) *flowStore {
	s := &flowStore{groups: map[string]*flowGroup{}, clients: map[string]int{}, perClient: perClient, total: total}
	s.ttl = newTTLStore[flow](total)
	s.ttl.onRemove = s.forget
	return s
}

func (s *flowStore) get(id string, now time.Time) (flow, bool) { return s.ttl.get(id, now) }

func (s *flowStore) delete(id string) { s.ttl.delete(id) }

func (s *flowStore) len() int { return s.ttl.len() }

func (s *flowStore) clear() {
	s.ttl.clear()
	clear(s.groups)
	clear(s.clients)
}

// save stores fl until exp. A flow already stored is refreshed; a new one
// joins fl.group (created with room for groupMax flows) of client, within
// the bounds described above, or errFlowsFull is returned.
func (s *flowStore) save(fl flow, client string, groupMax int, exp, now time.Time) error {
	if _, ok := s.ttl.m[fl.id]; ok {
		s.ttl.put(fl.id, fl, exp, now)
		if g := s.groups[fl.group]; g != nil {
			if e := g.at[fl.id]; e != nil {
				g.ids.MoveToBack(e)
			}
		}
		return nil
	}
	s.ttl.purge(now)
	g := s.groups[fl.group]
	if g == nil {
		g = &flowGroup{client: client, max: max(1, groupMax), ids: list.New(), at: map[string]*list.Element{}}
	}
	for g.ids.Len() >= g.max {
		s.evictOldest(g)
	}
	if s.clients[client] >= s.perClient || s.ttl.len() >= s.total {
		if g.ids.Len() == 0 {
			return errFlowsFull
		}
		s.evictOldest(g)
	}
	s.groups[fl.group] = g // again: evicting its last flow dropped it
	s.ttl.put(fl.id, fl, exp, now)
	g.at[fl.id] = g.ids.PushBack(fl.id)
	s.clients[client]++
	return nil
}

func (s *flowStore) evictOldest(g *flowGroup) {
	s.ttl.delete(g.ids.Front().Value.(string))
}

// forget updates the groups when a flow leaves the store, however it
// leaves (the ttlStore's onRemove).
func (s *flowStore) forget(id string, fl flow) {
	g := s.groups[fl.group]
	if g == nil {
		return
	}
	if e := g.at[id]; e != nil {
		g.ids.Remove(e)
		delete(g.at, id)
		if s.clients[g.client]--; s.clients[g.client] <= 0 {
			delete(s.clients, g.client)
		}
	}
	if g.ids.Len() == 0 {
		delete(s.groups, fl.group)
	}
}

// flowGroupOf returns the group a new flow of client joins, and the
// group's bound: the browser's, when the request carries a browser cookie
// this provider issued, or else the source address's.
func (p *Provider) flowGroupOf(r *http.Request, client string) (string, int) {
	if v := cookieValue(r, browserCookie); p.validBrowserID(v) {
		return client + "\x00browser:" + v, maxFlowsPerBrowser
	}
	return client + "\x00source:" + sourceAddr(r), maxFlowsPerSource
}

// sourceAddr is the address a request came from: an IPv4 address, or an
// IPv6 address's /64 (one host commonly holds a whole /64).
func sourceAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return host
	case ip.To4() != nil:
		return ip.To4().String()
	}
	return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// Browser ids are 16 random bytes and the first 16 bytes of their
// HMAC-SHA256 under the provider's browser key, base64url-encoded (43
// characters): the provider can tell the ones it issued without keeping
// them.
const browserNonce = 16

func (p *Provider) newBrowserID() string {
	n := randomBytes(browserNonce)
	return base64.RawURLEncoding.EncodeToString(append(n, p.browserTag(n)...))
}

func (p *Provider) browserTag(nonce []byte) []byte {
	m := hmac.New(sha256.New, p.browserKey)
	m.Write(nonce)
	return m.Sum(nil)[:browserNonce]
}

func (p *Provider) validBrowserID(v string) bool {
	if v == "" {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) != 2*browserNonce {
		return false
	}
	return hmac.Equal(b[browserNonce:], p.browserTag(b[:browserNonce]))
}
