package graphapi

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/idp"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/internal/clock"
)

var testNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func testStore(t *testing.T, alerts int) *Store {
	t.Helper()
	g, err := gen.New(gen.Config{Seed: 5, Now: testNow, Alerts: alerts, LegacyAlerts: 150})
	if err != nil {
		t.Fatal(err)
	}
	return NewStore(g)
}

// checkInSync fails unless the collection's columns and order check are
// exactly what building them afresh from its items gives.
func checkInSync(t *testing.T, what string, c *collection, l *layout) {
	t.Helper()
	fresh := newCollection(c.items, l)
	if len(c.columns) != len(l.enums) {
		t.Fatalf("%s: %d columns for %d indexed properties", what, len(c.columns), len(l.enums))
	}
	for i, col := range c.columns {
		if !slices.Equal(col.codes, fresh.columns[i].codes) {
			t.Fatalf("%s: column %s out of sync", what, col.prop)
		}
	}
	if c.order == nil || !slices.Equal(c.order.bad, fresh.order.bad) {
		t.Fatalf("%s: order check %v, want %v", what, c.order, fresh.order)
	}
	for id, k := range c.fromEnd {
		if i := len(c.items) - 1 - k; i < 0 || lower(idOf(c.items[i])) != id {
			t.Fatalf("%s: id index out of sync for %s", what, id)
		}
	}
}

func members(t *testing.T, typ *odata.Type, prop string) []string {
	t.Helper()
	p, ok := typ.Property(prop)
	if !ok || p.Enum == nil {
		t.Fatalf("no enum property %s", prop)
	}
	return p.Enum.Members
}

// randomTime is a creation time in the generated month, or (sometimes)
// exactly the time of an existing alert, so ties and disorder both occur.
func randomTime(r *rand.Rand, s *Store) odata.Time {
	if r.IntN(3) == 0 && len(s.alerts.items) > 0 {
		t, _ := s.alerts.items[r.IntN(len(s.alerts.items))]["createdDateTime"].(odata.Time)
		return t
	}
	return odata.At(testNow.Add(-time.Duration(r.IntN(30*24*60)) * time.Minute))
}

// mutate changes the store the ways clients and the control plane do:
// PATCHes that cascade between alerts and incidents, alerts raised with
// any creation time, detection-source changes to severity and time.
func mutate(t *testing.T, r *rand.Rand, s *Store) {
	t.Helper()
	alert := func() string { return idOf(s.alerts.items[r.IntN(len(s.alerts.items))]) }
	pick := func(prop string) any {
		ms := members(t, s.schema.Alert, prop)
		if r.IntN(6) == 0 {
			return nil // cleared
		}
		m := ms[r.IntN(len(ms))]
		if m == odata.UnknownFutureValue {
			return ms[0]
		}
		return m
	}
	now := odata.At(testNow)
	var err error
	switch r.IntN(8) {
	case 0:
		_, err = s.UpdateAlert(alert(), odata.Object{"status": []string{"new", "inProgress", "resolved"}[r.IntN(3)]}, now)
	case 1:
		_, err = s.UpdateAlert(alert(), odata.Object{"classification": pick("classification"), "determination": pick("determination")}, now)
	case 2:
		ch := odata.Object{"severity": []string{"low", "medium", "high", "informational"}[r.IntN(4)]}
		if r.IntN(2) == 0 {
			ch["createdDateTime"] = randomTime(r, s)
		}
		_, err = s.ChangeAlert(change.OriginControl, alert(), ch, now)
	case 3:
		over := odata.Object{"createdDateTime": randomTime(r, s), "severity": []string{"low", "high"}[r.IntN(2)]}
		inc := ""
		if r.IntN(2) == 0 {
			inc = liveIncident(r, s)
		}
		_, err = s.AddAlert(change.OriginControl, inc, over, now)
	case 4:
		id := liveIncident(r, s)
		_, err = s.UpdateIncident(id, odata.Object{"status": []string{"active", "inProgress", "resolved"}[r.IntN(3)], "classification": pick("classification")}, "tester", now)
	case 5:
		_, _, err = s.CommentAlert(alert(), newComment("x", "tester", testNow))
	case 6:
		_, err = s.AddLegacyAlert(change.OriginControl, odata.Object{"createdDateTime": randomTime(r, s)}, now)
	case 7:
		id := idOf(s.legacy.items[r.IntN(len(s.legacy.items))])
		_, err = s.ChangeLegacyAlert(change.OriginControl, id, odata.Object{"createdDateTime": randomTime(r, s)}, now)
	}
	if err != nil {
		t.Fatalf("mutation: %v", err)
	}
}

// liveIncident picks an incident that was not merged into another.
func liveIncident(r *rand.Rand, s *Store) string {
	for {
		if inc := s.incidents.items[r.IntN(len(s.incidents.items))]; inc["status"] != "redirected" {
			return idOf(inc)
		}
	}
}

// randomQuery builds alerts_v2 or incidents query options from enum
// conditions an index can use and conditions it cannot.
func randomQuery(r *rand.Rand, incidents bool) string {
	atoms := []string{
		"severity eq 'high'", "severity ne 'low'", "severity in ('medium','high')", "severity ge 'medium'",
		"status ne 'resolved'", "classification eq null", "classification ne null", "determination in ('malware', null)",
		"assignedTo ne null", "not (severity eq 'informational')", "createdDateTime ge 2026-11-05T00:00:00Z",
	}
	if incidents {
		atoms = append(atoms, "status eq 'active'", "status in ('resolved','inProgress')", "severity eq 'high' or status eq 'active'")
	} else {
		atoms = append(atoms, "status eq 'new'", "severity eq 'high' or status eq 'new'", "serviceSource eq 'microsoftDefenderForEndpoint'", "serviceSource ne 'microsoftSentinel'",
			"evidence/any(e: e/microsoft.graph.security.deviceEvidence/osPlatform eq 'Windows11')")
	}
	orders := []string{"", "", "createdDateTime desc", "createdDateTime desc,id desc", "lastUpdateDateTime asc", "severity desc", "createdDateTime"}
	var v []string
	var f []string
	for range r.IntN(4) {
		f = append(f, atoms[r.IntN(len(atoms))])
	}
	if len(f) > 0 {
		v = append(v, "$filter="+url.QueryEscape(strings.Join(f, " and ")))
	}
	if o := orders[r.IntN(len(orders))]; o != "" {
		v = append(v, "$orderby="+url.QueryEscape(o))
	}
	if r.IntN(4) > 0 {
		v = append(v, fmt.Sprint("$top=", r.IntN(40)))
	}
	if r.IntN(3) == 0 {
		v = append(v, fmt.Sprint("$skip=", r.IntN(60)))
	}
	if r.IntN(4) == 0 {
		v = append(v, "$count=true")
	}
	return strings.Join(v, "&")
}

func pageIDs(docs []odata.Object) string {
	var s []string
	for _, d := range docs {
		s = append(s, idOf(d))
	}
	return strings.Join(s, " ")
}

// compareRun fails unless the collection's indexed, early-exiting run
// gives Query.Run's page, the same next-link decision and, with $count,
// the same count.
func compareRun(t *testing.T, c *collection, raw string, spec odata.Spec) {
	t.Helper()
	q, err := odata.ParseQuery(raw, spec)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	page, n, err := c.run(t.Context(), q)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	want, wantN, err := q.Run(t.Context(), c.items)
	if err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	next := len(page) > 0 && q.Skip+len(page) < n
	wantNext := len(want) > 0 && q.Skip+len(want) < wantN
	if pageIDs(page) != pageIDs(want) || next != wantNext || q.Count && n != wantN {
		t.Fatalf("%s:\npage %s (matched %d, next %v)\nwant %s (matched %d, next %v)", raw, pageIDs(page), n, next, pageIDs(want), wantN, wantNext)
	}
}

// The columns and order check follow every change exactly, and queries
// through them answer as the plain engine does, also once changes have
// put the list out of order.
func TestCollectionIndexesFollowChanges(t *testing.T) {
	s := testStore(t, 300)
	var api API
	api.schema = s.schema
	alertSpec, incidentSpec := api.alertSpec(), api.incidentSpec()
	r := rand.New(rand.NewPCG(1, 2))
	checkAll := func() {
		checkInSync(t, "alerts", s.alerts, s.alertLayout())
		checkInSync(t, "incidents", s.incidents, s.incidentLayout())
		checkInSync(t, "legacy", s.legacy, s.legacyLayout())
	}
	checkAll()
	if len(s.alerts.order.holds()) != 2 || len(s.incidents.order.holds()) != 2 || len(s.legacy.order.holds()) != 1 {
		t.Fatal("generated data is not in its natural order")
	}
	disordered := false
	for step := range 400 {
		mutate(t, r, s)
		checkAll()
		disordered = disordered || len(s.alerts.order.holds()) < 2
		if step%4 == 0 {
			for range 10 {
				compareRun(t, s.alerts, randomQuery(r, false), alertSpec)
				compareRun(t, s.incidents, randomQuery(r, true), incidentSpec)
			}
		}
	}
	if !disordered {
		t.Fatal("no change put alerts out of order: the test misses that case")
	}
}

func TestCandidates(t *testing.T) {
	s := testStore(t, 200)
	c := s.alerts
	// One alert of each interesting kind, in front.
	odd := []odata.Object{
		{"id": "odd-null"},
		{"id": "odd-case", "severity": "HIGH", "status": "New"},
		{"id": "odd-type", "severity": int64(4), "status": true},
		{"id": "odd-member", "severity": "high", "status": "resolved"},
	}
	for _, d := range odd {
		c.prepend(d)
	}
	tests := []struct {
		filter string
		want   string // the odd alerts accepted as candidates
		none   bool   // no test: nil candidates
	}{
		{"severity eq 'high'", "odd-case odd-type odd-member", false},
		{"severity ne 'high'", "odd-null odd-case odd-type", false},
		{"severity eq null", "odd-null odd-case odd-type", false},
		{"severity eq 'high' and status ne 'resolved'", "odd-case odd-type", false},
		{"severity ne 'low' and severity ne 'high'", "odd-null odd-case odd-type", false},
		{"severity eq 'high' or status eq 'new'", "", true},
		{"assignedTo eq 'x'", "", true},
		{"severity ne null or severity eq null", "", true},
		{"not (severity eq 'nonexistent')", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			f, err := odata.Compile(tt.filter, s.schema.Alert)
			if err != nil {
				if tt.filter == "not (severity eq 'nonexistent')" {
					return // an unknown member does not compile
				}
				t.Fatal(err)
			}
			cand := c.candidates(f)
			if (cand == nil) != tt.none {
				t.Fatalf("candidates nil = %v", cand == nil)
			}
			if cand == nil {
				return
			}
			var got []string
			for i := range odd {
				if cand(i) {
					got = append(got, idOf(c.items[i]))
				}
			}
			slices.Reverse(got) // prepended: newest (last added) first
			if strings.Join(got, " ") != tt.want {
				t.Fatalf("odd candidates %q, want %q", strings.Join(got, " "), tt.want)
			}
			for i, d := range c.items {
				if f.Match(d) && !cand(i) {
					t.Fatalf("%s matches but is no candidate", idOf(d))
				}
			}
		})
	}
}

// appVerifier accepts any token as an app-only token holding every read
// permission the security lists need.
type appVerifier struct{}

func (appVerifier) VerifyAccessToken(string) (*idp.Claims, error) {
	return &idp.Claims{AppOnly: true, AppID: "test-app", TenantID: "test-tenant",
		Roles: []string{"SecurityAlert.Read.All", "SecurityIncident.Read.All", "SecurityEvents.Read.All"}}, nil
}

type listBody struct {
	Count    *int             `json:"@odata.count"`
	NextLink string           `json:"@odata.nextLink"`
	Value    []map[string]any `json:"value"`
}

// Over HTTP, following next links from the first page to the last gives
// exactly the pages, counts and links the plain engine gives.
func TestListPagesOverHTTP(t *testing.T) {
	s := testStore(t, 400)
	var api *API
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api.ServeHTTP(w, r) }))
	defer srv.Close()
	api = New(Options{BaseURL: srv.URL, Verifier: appVerifier{}, Store: s, Clock: clock.NewFake(testNow)})
	r := rand.New(rand.NewPCG(5, 6))
	get := func(u string) listBody {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Authorization", "Bearer x")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", u, res.StatusCode, raw)
		}
		var b listBody
		if err := json.Unmarshal(raw, &b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	lists := []struct {
		set       string
		items     func() []odata.Object
		spec      odata.Spec
		incidents bool
	}{
		{"security/alerts_v2", func() []odata.Object { return s.alerts.items }, api.alertSpec(), false},
		{"security/incidents", func() []odata.Object { return s.incidents.items }, api.incidentSpec(), true},
	}
	ended, linked := 0, 0
	for round := range 50 {
		if round%3 == 0 {
			mutate(t, r, s) // sometimes out of order
		}
		for _, l := range lists {
			raw := randomQuery(r, l.incidents)
			q, err := odata.ParseQuery(raw, l.spec)
			if err != nil {
				t.Fatal(err)
			}
			u := srv.URL + "/v1.0/" + l.set + "?" + raw
			// Eight pages at most: enough to reach the end of most
			// filtered lists, and to check the links of the others.
			for pageNo := 0; u != "" && pageNo < 8; pageNo++ {
				b := get(u)
				want, wantN, err := q.Run(t.Context(), l.items())
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, v := range b.Value {
					got = append(got, fmt.Sprint(v["id"]))
				}
				wantNext := len(want) > 0 && q.Skip+len(want) < wantN
				if strings.Join(got, " ") != pageIDs(want) || (b.NextLink != "") != wantNext {
					t.Fatalf("%s page %d:\ngot  %v next %q\nwant %s next %v", raw, pageNo, got, b.NextLink, pageIDs(want), wantNext)
				}
				if q.Count != (b.Count != nil) || b.Count != nil && *b.Count != wantN {
					t.Fatalf("%s page %d: count %v, want %d", raw, pageNo, b.Count, wantN)
				}
				u = b.NextLink
				if u == "" {
					ended++
				} else {
					linked++
				}
				if u != "" {
					nu, err := url.Parse(u)
					if err != nil {
						t.Fatal(err)
					}
					if q, err = odata.ParseQuery(nu.RawQuery, l.spec); err != nil {
						t.Fatalf("next link %s: %v", u, err)
					}
				}
			}
		}
	}
	if ended < 10 || linked < 10 {
		t.Fatalf("%d lists ended and %d pages had a next link: too few to test either", ended, linked)
	}
}

// The legacy list runs its query per provider with the store's order
// claim; its bodies (pages, counts, next links) are those of the same
// store without the claim, where ordered queries take the plain path.
func TestLegacyListWithOrderClaim(t *testing.T) {
	s := testStore(t, 50)
	var api *API
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { api.ServeHTTP(w, r) }))
	defer srv.Close()
	api = New(Options{BaseURL: srv.URL, Verifier: appVerifier{}, Store: s, Clock: clock.NewFake(testNow)})
	body := func(raw string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1.0/security/alerts?"+raw, nil)
		req.Header.Set("Authorization", "Bearer x")
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", raw, res.StatusCode, b)
		}
		return string(b)
	}
	r := rand.New(rand.NewPCG(8, 9))
	claimed := 0
	for range 40 {
		mutate(t, r, s)
		v := []string{"$orderby=" + url.QueryEscape([]string{"createdDateTime desc", "createdDateTime desc,id", "eventDateTime desc", "createdDateTime"}[r.IntN(4)])}
		if r.IntN(2) == 0 {
			v = append(v, "$filter="+url.QueryEscape("severity ne 'low'"))
		}
		v = append(v, fmt.Sprint("$top=", 1+r.IntN(5)), fmt.Sprint("$skip=", r.IntN(6)))
		raw := strings.Join(v, "&")
		with := body(raw)
		if len(s.legacy.order.holds()) > 0 {
			claimed++
		}
		saved := s.legacy.order
		s.legacy.order = nil
		without := body(raw)
		s.legacy.order = saved
		if with != without {
			t.Fatalf("%s:\nwith the order claim %s\nwithout             %s", raw, with, without)
		}
	}
	if claimed == 0 {
		t.Fatal("the legacy list was never in order: nothing tested")
	}
}
