package idp

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFlowStoreBounds(t *testing.T) {
	now := testStart
	exp := now.Add(time.Hour)
	type op struct {
		id, group, client string
		groupMax          int
		wantErr           bool
	}
	tests := []struct {
		name      string
		total     int
		perClient int
		ops       []op
		want      []string // ids kept
	}{
		{"group bound evicts the group's oldest", 100, 100, []op{
			{"a1", "A", "c", 2, false}, {"b1", "B", "c", 2, false}, {"a2", "A", "c", 2, false}, {"a3", "A", "c", 2, false},
		}, []string{"b1", "a2", "a3"}},
		{"client bound evicts the requester's oldest", 100, 3, []op{
			{"a1", "A", "c", 10, false}, {"b1", "B", "c", 10, false}, {"a2", "A", "c", 10, false}, {"a3", "A", "c", 10, false},
		}, []string{"b1", "a2", "a3"}},
		{"client bound refuses a group with nothing to give up", 100, 2, []op{
			{"a1", "A", "c", 10, false}, {"a2", "A", "c", 10, false}, {"b1", "B", "c", 10, true},
		}, []string{"a1", "a2"}},
		{"another client is not affected", 100, 2, []op{
			{"a1", "A", "c", 10, false}, {"a2", "A", "c", 10, false}, {"x1", "X", "d", 10, false},
		}, []string{"a1", "a2", "x1"}},
		{"global bound evicts the requester's oldest", 3, 100, []op{
			{"a1", "A", "c", 10, false}, {"b1", "B", "d", 10, false}, {"a2", "A", "c", 10, false}, {"a3", "A", "c", 10, false},
		}, []string{"b1", "a2", "a3"}},
		{"global bound refuses a newcomer", 2, 100, []op{
			{"a1", "A", "c", 10, false}, {"b1", "B", "d", 10, false}, {"n1", "N", "e", 10, true},
		}, []string{"a1", "b1"}},
		{"group of one", 100, 1, []op{
			{"a1", "A", "c", 1, false}, {"a2", "A", "c", 1, false}, {"a3", "A", "c", 1, false},
		}, []string{"a3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newFlowStore(tt.total, tt.perClient)
			for _, o := range tt.ops {
				err := s.save(flow{id: o.id, group: o.group}, o.client, o.groupMax, exp, now)
				if (err != nil) != o.wantErr {
					t.Fatalf("save %s: err %v, want error %v", o.id, err, o.wantErr)
				}
			}
			for _, id := range tt.want {
				if _, ok := s.get(id, now); !ok {
					t.Errorf("%s was evicted", id)
				}
			}
			if s.len() != len(tt.want) {
				t.Errorf("%d flows kept, want %d", s.len(), len(tt.want))
			}
			checkFlowStore(t, s)
		})
	}
}

// checkFlowStore checks that the groups and client counts match the flows.
func checkFlowStore(t *testing.T, s *flowStore) {
	t.Helper()
	n := 0
	clients := map[string]int{}
	for key, g := range s.groups {
		if g.ids.Len() == 0 || g.ids.Len() != len(g.at) || g.ids.Len() > g.max {
			t.Fatalf("group %q: %d ids, %d indexed, bound %d", key, g.ids.Len(), len(g.at), g.max)
		}
		for id := range g.at {
			fl, ok := s.ttl.m[id]
			if !ok || fl.Value.(*ttlEntry[flow]).val.group != key {
				t.Fatalf("group %q lists %s, which is not stored in it", key, id)
			}
		}
		n += g.ids.Len()
		clients[g.client] += g.ids.Len()
	}
	if n != s.len() || len(clients) != len(s.clients) {
		t.Fatalf("groups hold %d flows of %d clients; store %d flows, %d clients", n, len(clients), s.len(), len(s.clients))
	}
	for c, k := range clients {
		if s.clients[c] != k {
			t.Fatalf("client %s counted %d, holds %d", c, s.clients[c], k)
		}
	}
}

func TestFlowStoreForgets(t *testing.T) {
	now := testStart
	s := newFlowStore(100, 100)
	for i := range 5 {
		if err := s.save(flow{id: fmt.Sprint(i), group: "G"}, "c", 10, now.Add(time.Duration(i+1)*time.Minute), now); err != nil {
			t.Fatal(err)
		}
	}
	s.delete("0")                                                                              // completed
	s.get("1", now.Add(2*time.Minute))                                                         // expired on read
	_ = s.save(flow{id: "x", group: "H"}, "c", 10, now.Add(time.Hour), now.Add(3*time.Minute)) // purges 2
	checkFlowStore(t, s)
	if s.len() != 3 || s.clients["c"] != 3 {
		t.Fatalf("len %d, client count %d; want 3, 3", s.len(), s.clients["c"])
	}
	s.clear()
	checkFlowStore(t, s)
}

func TestBrowserIDs(t *testing.T) {
	e := newEnv(t)
	other := newEnv(t)
	id := e.p.newBrowserID()
	if len(id) != 43 || !e.p.validBrowserID(id) {
		t.Fatalf("issued id %q does not verify", id)
	}
	tampered := []byte(id)
	tampered[5] ^= 1
	for name, v := range map[string]string{
		"empty":            "",
		"random":           randomToken(32),
		"tampered":         string(tampered),
		"another provider": other.p.newBrowserID(),
		"not base64":       strings.Repeat("!", 43),
	} {
		if e.p.validBrowserID(v) {
			t.Errorf("%s id %q verifies", name, v)
		}
	}
}

// flood sends n authorize requests for client straight to the provider,
// from addr, each with the cookie cookie(i) (none when it returns ""). It
// returns how many were refused.
func (e *env) flood(n int, client, addr string, cookie func(i int) string) (refused int) {
	e.t.Helper()
	q := baseQuery("openid User.Read")
	q.Set("client_id", client)
	u := e.authorizeURL("common", q)
	for i := range n {
		req := httptest.NewRequest("GET", u, nil)
		req.RemoteAddr = addr
		if c := cookie(i); c != "" {
			req.AddCookie(&http.Cookie{Name: browserCookie, Value: c})
		}
		rec := httptest.NewRecorder()
		e.p.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
		case http.StatusTooManyRequests:
			refused++
		default:
			e.t.Fatalf("flood request %d: status %d", i, rec.Code)
		}
	}
	return refused
}

// issuedBrowserID asks for a sign-in page without a cookie from addr and
// returns the browser id the provider issues.
func (e *env) issuedBrowserID(addr string) string {
	e.t.Helper()
	req := httptest.NewRequest("GET", e.authorizeURL("common", baseQuery("openid User.Read")), nil)
	req.RemoteAddr = addr
	rec := httptest.NewRecorder()
	e.p.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == browserCookie {
			return c.Value
		}
	}
	e.t.Fatalf("no browser cookie issued (status %d)", rec.Code)
	return ""
}

func noCookie(int) string { return "" }

// TestFloodKeepsOthersSignIns is the attack review's case: a flood of
// unauthenticated authorize requests (more than the old global bound of
// 10,000) must not evict a sign-in someone else started before it.
func TestFloodKeepsOthersSignIns(t *testing.T) {
	if testing.Short() {
		t.Skip("tens of thousands of requests")
	}
	tests := []struct {
		name string
		// returning: the legitimate browser has signed in before, so it
		// carries the provider's cookie.
		returning bool
		flood     func(e *env)
	}{
		{"cookieless flood from another address", false, func(e *env) {
			e.flood(maxFlows+500, testClientID, "10.9.8.7:40000", noCookie)
		}},
		{"cookieless flood from the same address", true, func(e *env) {
			e.flood(maxFlows+500, testClientID, "127.0.0.1:40000", noCookie)
		}},
		{"flood with made-up cookies from the same address", true, func(e *env) {
			e.flood(maxFlows+500, testClientID, "127.0.0.1:40000", func(int) string { return randomToken(32) })
		}},
		{"flood for another client from the same address", false, func(e *env) {
			e.flood(maxFlows+500, otherClientID, "127.0.0.1:40000", noCookie)
		}},
		{"flood from many addresses with issued cookies", false, func(e *env) {
			// Each source gets a cookie, then fills its browser's
			// share: more than the client's bound in all.
			sources := maxFlowsPerClient/(maxFlowsPerBrowser+1) + 40
			for i := range sources {
				addr := fmt.Sprintf("10.7.%d.%d:5000", i/250, i%250)
				id := e.issuedBrowserID(addr)
				e.flood(maxFlowsPerBrowser+5, testClientID, addr, func(int) string { return id })
			}
			// Full: a newcomer is refused rather than evicting anyone.
			if refused := e.flood(1, testClientID, "192.0.2.1:1", noCookie); refused != 1 {
				t.Error("a new sign-in was accepted while the client's flows are at their bound")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.dir.GrantAdminConsent(testClientID, []string{"openid", "User.Read"}, nil)
			b := e.newBrowser()
			authURL := e.authorizeURL("common", baseQuery("openid User.Read"))
			if tt.returning {
				e.signIn(b, authURL, readerID, false)
				q := baseQuery("openid User.Read")
				q.Set("prompt", "select_account")
				authURL = e.authorizeURL("common", q)
			}
			pg := b.navigate(authURL)
			if !strings.Contains(pg.body, `name="login"`) {
				t.Fatalf("no sign-in page: %d\n%s", pg.status, pg.body)
			}

			tt.flood(e)

			e.p.mu.Lock()
			n, perClient := e.p.flows.len(), e.p.flows.clients[testClientID]
			checkFlowStore(t, e.p.flows)
			e.p.mu.Unlock()
			if n > maxFlows || perClient > maxFlowsPerClient {
				t.Fatalf("%d flows, %d for the client: over the bounds", n, perClient)
			}
			out := b.submit(pg, "login", plainID)
			if out.status != http.StatusFound || redirectParams(t, out.location).Get("code") == "" {
				t.Fatalf("the sign-in started before the flood did not complete: %d %s\n%.500s", out.status, out.location, out.body)
			}
		})
	}
}

// TestTooManyFlowsPage: a refused sign-in gets a page saying so, with 429
// and Retry-After, not a broken form.
func TestTooManyFlowsPage(t *testing.T) {
	e := newEnv(t)
	e.p.flows = newFlowStore(1, 1)
	if refused := e.flood(1, testClientID, "10.0.0.1:1", noCookie); refused != 0 {
		t.Fatal("first sign-in refused")
	}
	req := httptest.NewRequest("GET", e.authorizeURL("common", baseQuery("openid User.Read")), nil)
	req.RemoteAddr = "10.0.0.2:1"
	rec := httptest.NewRecorder()
	e.p.ServeHTTP(rec, req)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") == "" || !strings.Contains(rec.Body.String(), "Too many sign-ins are in progress") {
		t.Fatalf("status %d, Retry-After %q:\n%s", rec.Code, rec.Header().Get("Retry-After"), rec.Body)
	}
	if strings.Contains(rec.Body.String(), `name="flow"`) {
		t.Fatal("the refusal carries a sign-in form")
	}
}
