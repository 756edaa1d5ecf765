package odata

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func ids(docs []Object) string {
	var s []string
	for _, d := range docs {
		s = append(s, fmt.Sprint(d["id"]))
	}
	return strings.Join(s, " ")
}

func TestRun(t *testing.T) {
	s := newTestSchema()
	day := func(d int) Time { return At(time.Date(2021, 1, d, 0, 0, 0, 0, time.UTC)) }
	// In default order (the input order breaks ties).
	docs := []Object{
		{"id": "a", "severity": "high", "createdDateTime": day(5), "assignedTo": "bob"},
		{"id": "b", "severity": "low", "createdDateTime": day(3)},
		{"id": "c", "severity": "high", "createdDateTime": day(3), "assignedTo": "Alice"},
		{"id": "d", "severity": "medium", "createdDateTime": "2021-01-04T00:00:00Z", "assignedTo": "alice"},
		{"id": "e", "severity": "informational", "assignedTo": "carol"},
		{"id": "f", "severity": "high", "createdDateTime": day(1), "vendorInformation": Object{"provider": "ASC"}},
	}
	spec := Spec{Type: s.alert, Allow: OptAll, MaxTop: 1000}
	tests := []struct {
		raw     string
		want    string
		matched int
	}{
		{"", "a b c d e f", 6},
		{"$top=2", "a b", 6},
		{"$top=2&$skip=5", "f", 6},
		{"$skip=10", "", 6},
		{"$top=0", "", 6},
		{"$top=0&$filter=severity eq 'high'", "", 3},
		{"$filter=severity eq 'high'", "a c f", 3},
		{"$filter=severity eq 'high'&$skip=1&$top=1", "c", 3},
		{"$orderby=severity", "e b d a c f", 6},
		{"$orderby=severity desc", "a c f d b e", 6},
		{"$orderby=createdDateTime", "e f b c d a", 6},
		{"$orderby=createdDateTime desc", "a d b c f e", 6},
		{"$orderby=severity desc,createdDateTime", "f c a d b e", 6},
		{"$orderby=assignedTo", "b f c d a e", 6},
		{"$orderby=assignedTo desc", "e a c d b f", 6},
		{"$orderby=vendorInformation/provider desc", "f a b c d e", 6},
		{"$orderby=createdDateTime desc&$top=2&$skip=1", "d b", 6},
		{"$orderby=id desc&$filter=severity ne 'high'&$top=2", "e d", 3},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := ParseQuery(tt.raw, spec)
			if err != nil {
				t.Fatal(err)
			}
			for _, mode := range []runMode{runAuto, runHeap, runSort} {
				for _, workers := range []int{1, 2, 4, 100} {
					page, matched := q.run(docs, mode, workers)
					if got := ids(page); got != tt.want || matched != tt.matched {
						t.Errorf("mode %d, %d workers: page %q matched %d, want %q %d", mode, workers, got, matched, tt.want, tt.matched)
					}
					if page == nil {
						t.Errorf("mode %d: nil page", mode)
					}
				}
			}
			if page, matched := mustRun(t, q, docs); ids(page) != tt.want || matched != tt.matched {
				t.Errorf("Run: page %q matched %d", ids(page), matched)
			}
		})
	}
	if ids(docs) != "a b c d e f" {
		t.Fatal("Run reordered its input")
	}
}

func TestRunDefaultTop(t *testing.T) {
	s := newTestSchema()
	docs := s.genAlerts(30, 3)
	q, err := ParseQuery("$orderby=createdDateTime", Spec{Type: s.alert, Allow: OptAll, DefaultTop: 7})
	if err != nil {
		t.Fatal(err)
	}
	page, matched := mustRun(t, q, docs)
	if len(page) != 7 || matched != 30 {
		t.Fatalf("len %d matched %d", len(page), matched)
	}
	// Oldest first: the input is newest first.
	if page[0]["id"] != docs[29]["id"] {
		t.Fatalf("first = %v", page[0]["id"])
	}
}

// The heap path must give exactly what a full stable sort gives, for any
// data, keys, page and offset.
func TestRunHeapEqualsSort(t *testing.T) {
	s := newTestSchema()
	r := rand.New(rand.NewPCG(7, 7))
	orders := []string{
		"severity", "severity desc", "createdDateTime desc", "assignedTo,priorityScore desc",
		"status desc,severity,createdDateTime", "priorityScore", "confidence desc", "serviceSource desc,id",
	}
	base := s.genAlerts(300, 1)
	for round := 0; round < 200; round++ {
		n := r.IntN(300)
		docs := make([]Object, n)
		for i := range docs {
			docs[i] = Clone(base[r.IntN(len(base))])
			docs[i]["id"] = fmt.Sprint("d", i) // distinct, so that the order is checked exactly
		}
		// Make ties and nulls frequent.
		for _, d := range docs {
			if r.IntN(4) == 0 {
				delete(d, "priorityScore")
			}
			if r.IntN(3) == 0 {
				d["createdDateTime"] = docs[0]["createdDateTime"]
			}
		}
		raw := fmt.Sprintf("$orderby=%s&$top=%d&$skip=%d", orders[r.IntN(len(orders))], r.IntN(40), r.IntN(20))
		if r.IntN(2) == 0 {
			raw += "&$filter=severity ne 'low'"
		}
		q, err := ParseQuery(raw, Spec{Type: s.alert, Allow: OptAll})
		if err != nil {
			t.Fatal(err)
		}
		sp, sm := q.run(docs, runSort, 1)
		for _, workers := range []int{1, 3} {
			hp, hm := q.run(docs, runHeap, workers)
			pp, pm := q.run(docs, runSort, workers)
			if ids(hp) != ids(sp) || hm != sm || ids(pp) != ids(sp) || pm != sm {
				t.Fatalf("%s over %d docs, %d workers:\nheap %s (%d)\nsort %s (%d)\none  %s (%d)", raw, n, workers, ids(hp), hm, ids(pp), pm, ids(sp), sm)
			}
		}
		// And the sort path is a stable sort by the keys.
		want := reference(t, s, q, docs)
		if ids(sp) != want {
			t.Fatalf("%s: sort %s\nwant %s", raw, ids(sp), want)
		}
	}
}

// reference computes the page with slices.SortStableFunc and a
// straightforward key reader, independently of sorter.
func reference(t *testing.T, s *testSchema, q *Query, docs []Object) string {
	t.Helper()
	var ms []Object
	for _, d := range docs {
		if q.Filter == nil || q.Filter.Match(d) {
			ms = append(ms, d)
		}
	}
	key := func(d Object, path string) any {
		v := d[path]
		p, _ := s.alert.Property(path)
		if p.Kind == KindEnum && v != nil {
			return int64(slices.Index(p.Enum.Members, v.(string)))
		}
		return v
	}
	slices.SortStableFunc(ms, func(a, b Object) int {
		for _, k := range q.OrderBy {
			c := Compare(key(a, k.Path), key(b, k.Path))
			if k.Desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	lo := min(q.Skip, len(ms))
	hi := min(q.Skip+q.Top, len(ms))
	return ids(ms[lo:hi])
}

// Without $orderby the page is the first matches in input order, also
// when the input is scanned in parallel.
func TestRunUnorderedParallel(t *testing.T) {
	s := newTestSchema()
	docs := s.genAlerts(5000, 8)
	for _, raw := range []string{"$filter=severity eq 'high'&$top=7&$skip=900", "$top=3", "$filter=severity eq 'low'", "$skip=4990", "$top=0&$filter=severity eq 'low'"} {
		q, err := ParseQuery(raw, Spec{Type: s.alert, Allow: OptAll})
		if err != nil {
			t.Fatal(err)
		}
		p1, m1 := q.run(docs, runAuto, 1)
		for _, w := range []int{2, 3, 7} {
			if p, m := q.run(docs, runAuto, w); ids(p) != ids(p1) || m != m1 {
				t.Fatalf("%s with %d workers: %s (%d), want %s (%d)", raw, w, ids(p), m, ids(p1), m1)
			}
		}
	}
}

func TestRunConcurrentUse(t *testing.T) {
	// A compiled query (and its filter) may be shared: Run keeps its
	// state on the stack. Run under -race to make this test meaningful.
	s := newTestSchema()
	docs := s.genAlerts(2000, 5)
	q, err := ParseQuery("$filter=evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')&$orderby=createdDateTime desc&$top=10", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		t.Fatal(err)
	}
	want, wantN := mustRun(t, q, docs)
	done := make(chan string, 4)
	for range 4 {
		go func() {
			p, n := mustRun(t, q, docs)
			done <- fmt.Sprint(ids(p), n)
		}()
	}
	for range 4 {
		if got := <-done; got != fmt.Sprint(ids(want), wantN) {
			t.Fatalf("concurrent run = %s", got)
		}
	}
}

// naturalOrder is the order alerts_v2 lists in: newest first, ties by id.
const naturalOrder = "createdDateTime desc,id desc"

// sortNatural sorts docs into naturalOrder with Comparer and returns the
// keys RunWith may be told.
func sortNatural(t *testing.T, spec Spec, docs []Object) []OrderKey {
	t.Helper()
	nq, err := ParseQuery("$orderby="+naturalOrder, spec)
	if err != nil {
		t.Fatal(err)
	}
	cmpf := nq.Comparer()
	slices.SortStableFunc(docs, func(a, b Object) int { c, _ := cmpf(a, b); return c })
	return nq.OrderBy
}

// randomDocs returns n alerts with frequent ties in createdDateTime, some
// times stored as strings, missing and odd enum values.
func randomDocs(s *testSchema, r *rand.Rand, base []Object, n int) []Object {
	times := []any{nil, At(time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)), At(time.Date(2021, 1, 2, 0, 0, 0, 0, time.UTC)),
		"2021-01-02T00:00:00Z", At(time.Date(2021, 1, 3, 0, 0, 0, 0, time.UTC)), "2021-01-04T00:00:00Z"}
	odd := []any{nil, "HIGH", "bogus", int64(2)}
	docs := make([]Object, n)
	for i := range docs {
		d := Clone(base[r.IntN(len(base))])
		d["id"] = fmt.Sprintf("d%03d", r.IntN(400)) // duplicates make full ties
		if v := times[r.IntN(len(times))]; v == nil {
			delete(d, "createdDateTime")
		} else {
			d["createdDateTime"] = v
		}
		for _, p := range []string{"severity", "status", "serviceSource"} {
			if r.IntN(10) == 0 {
				if v := odd[r.IntN(len(odd))]; v == nil {
					delete(d, p)
				} else {
					d[p] = v
				}
			}
		}
		docs[i] = d
	}
	return docs
}

// randomFilter builds a filter of enum terms (which an index can use) and
// other conditions, sometimes empty.
func randomFilter(r *rand.Rand) string {
	atoms := []string{
		"severity eq 'high'", "severity ne 'low'", "severity in ('medium','high',null)", "severity ge 'low'",
		"status ne 'resolved'", "status eq 'new'", "status eq null", "serviceSource ne 'microsoftSentinel'",
		"not (severity eq 'informational')", "assignedTo ne null", "priorityScore gt 30",
		"evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')",
		"severity eq 'high' or status eq 'new'",
	}
	var parts []string
	for range r.IntN(4) {
		parts = append(parts, atoms[r.IntN(len(atoms))])
	}
	return strings.Join(parts, " and ")
}

// termCandidates evaluates the filter's EnumTerms over docs as an index
// would, and adds some positions at random: any superset must do.
func termCandidates(r *rand.Rand, f *Filter, docs []Object) func(int) bool {
	if f == nil && r.IntN(2) == 0 {
		return nil
	}
	ok := make([]bool, len(docs))
	for i, d := range docs {
		ok[i] = f == nil || r.IntN(8) == 0
		if f == nil {
			continue
		}
		all := true
		for _, t := range f.EnumTerms() {
			all = all && t.Allows(d[t.Property])
		}
		ok[i] = ok[i] || all
	}
	return func(i int) bool { return ok[i] }
}

// RunWith must return exactly Run's page, and a Matched that gives the
// same answer to "is there a next page?" (and the same count when it is
// exact), whatever the data, filter, order, page and scan plan.
func TestRunWithEqualsRun(t *testing.T) {
	s := newTestSchema()
	spec := Spec{Type: s.alert, Allow: OptAll, DefaultTop: 9}
	r := rand.New(rand.NewPCG(11, 12))
	base := s.genAlerts(200, 2)
	orders := []string{"", "", "createdDateTime desc", naturalOrder, "createdDateTime", "id desc", "severity desc,createdDateTime desc", "createdDateTime desc,severity"}
	plans := []plan{
		{mode: runAuto, workers: 1, early: true, serial: 2048, block: 2048},
		{mode: runAuto, workers: 2, early: true, serial: 0, block: 1},
		{mode: runAuto, workers: 3, early: true, serial: 3, block: 5},
		{mode: runHeap, workers: 2, early: true, serial: 1, block: 2},
		{mode: runSort, workers: 4, early: false, serial: 1, block: 2},
	}
	early := 0
	for round := range 600 {
		docs := randomDocs(s, r, base, r.IntN(250))
		order := sortNatural(t, spec, docs)
		raw := "$filter=" + randomFilter(r)
		if o := orders[r.IntN(len(orders))]; o != "" {
			raw += "&$orderby=" + o
		}
		if r.IntN(5) > 0 {
			raw += fmt.Sprintf("&$top=%d", r.IntN(20))
		}
		if r.IntN(2) == 0 {
			raw += fmt.Sprintf("&$skip=%d", r.IntN(30))
		}
		if r.IntN(4) == 0 {
			raw += "&$count=true"
		}
		q, err := ParseQuery(raw, spec)
		if err != nil {
			t.Fatal(err)
		}
		wantPage, wantN := mustRun(t, q, docs)
		cand := termCandidates(r, q.Filter, docs)
		for _, p := range plans {
			p.early = p.early && !q.Count
			got := mustExec(t, q, docs, RunOptions{Order: order, Candidates: cand}, p)
			if ids(got.Page) != ids(wantPage) {
				t.Fatalf("round %d %s, plan %+v:\npage %s\nwant %s", round, raw, p, ids(got.Page), ids(wantPage))
			}
			more, wantMore := q.Skip+len(got.Page) < got.Matched, q.Skip+len(wantPage) < wantN
			switch {
			case got.Exact && got.Matched != wantN:
				t.Fatalf("round %d %s, plan %+v: exact count %d, want %d", round, raw, p, got.Matched, wantN)
			case !got.Exact && (q.Count || got.Matched > wantN || more != wantMore):
				t.Fatalf("round %d %s, plan %+v: inexact count %d (more %v), want %d (more %v)", round, raw, p, got.Matched, more, wantN, wantMore)
			}
			if !got.Exact {
				early++
			}
		}
		// The public method agrees too.
		if got := mustRunWith(t, q, docs, RunOptions{Order: order, Candidates: cand}); ids(got.Page) != ids(wantPage) || got.Exact && got.Matched != wantN {
			t.Fatalf("RunWith %s: %s (%d)", raw, ids(got.Page), got.Matched)
		}
	}
	if early == 0 {
		t.Fatal("no run stopped early: the test does not exercise early exit")
	}
}

// An early exit reads only what the page needs: with $top=5 and no
// filter, six positions (the sixth proves a next page).
func TestRunWithStopsEarly(t *testing.T) {
	s := newTestSchema()
	spec := Spec{Type: s.alert, Allow: OptAll}
	docs := s.genAlerts(20000, 4)
	order := sortNatural(t, spec, docs)
	tests := []struct {
		raw       string
		maxReads  int64
		exact     bool
		wantPageN int
	}{
		{"$top=5", 6, false, 5},
		{"$top=5&$skip=10&$orderby=createdDateTime desc", 16, false, 5},
		{"$top=5&$orderby=createdDateTime desc,id desc", 6, false, 5},
		{"$top=5&$count=true", 20000, true, 5},
		{"$top=5&$orderby=createdDateTime", 20000, true, 5},
		{"$top=5&$skip=19998", 20000, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := ParseQuery(tt.raw, spec)
			if err != nil {
				t.Fatal(err)
			}
			var reads atomic.Int64
			res := mustRunWith(t, q, docs, RunOptions{Order: order, Candidates: func(int) bool { reads.Add(1); return true }})
			if n := reads.Load(); n > tt.maxReads || tt.exact && n != 20000 {
				t.Errorf("read %d documents, want at most %d", n, tt.maxReads)
			}
			if res.Exact != tt.exact || len(res.Page) != tt.wantPageN {
				t.Errorf("exact %v, page %d; want %v, %d", res.Exact, len(res.Page), tt.exact, tt.wantPageN)
			}
			if res.Exact && res.Matched != 20000 {
				t.Errorf("matched %d", res.Matched)
			}
		})
	}
}

// With sparse matches, the block part of an early-exit scan stops at the
// match that completes the page, also inside a block. With one worker
// that is exact; with more, how far the others get before they notice
// depends on scheduling, so only the answer is checked.
func TestRunWithStopsEarlyInBlocks(t *testing.T) {
	s := newTestSchema()
	docs := s.genAlerts(20000, 4)
	q, err := ParseQuery("$top=20", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		t.Fatal(err)
	}
	for _, workers := range []int{1, 2, 3} {
		var reads atomic.Int64
		// Every 100th position is a candidate: the 21st is at 2000.
		cand := func(i int) bool { reads.Add(1); return i%100 == 0 }
		// A short serial part, so that the blocks find the answer.
		p := plan{mode: runAuto, workers: workers, early: true, serial: 512, block: 256}
		res := mustExec(t, q, docs, RunOptions{Candidates: cand}, p)
		if len(res.Page) != 20 || res.Exact || res.Matched != 21 || idOf(res.Page[19]) != idOf(docs[1900]) {
			t.Fatalf("%d workers: page %d, matched %d, exact %v", workers, len(res.Page), res.Matched, res.Exact)
		}
		if n := reads.Load(); workers == 1 && n != 2001 {
			t.Errorf("one worker read %d positions, want 2001", n)
		}
	}
}

func idOf(d Object) string { s, _ := d["id"].(string); return s }

func TestComparer(t *testing.T) {
	s := newTestSchema()
	day := func(d int) Time { return At(time.Date(2021, 1, d, 0, 0, 0, 0, time.UTC)) }
	q, err := ParseQuery("$orderby=createdDateTime desc,severity,id desc", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		t.Fatal(err)
	}
	cmpf := q.Comparer()
	tests := []struct {
		a, b       Object
		wantC, key int
	}{
		{Object{"createdDateTime": day(2)}, Object{"createdDateTime": day(1)}, -1, 0},
		{Object{"createdDateTime": "2021-01-01T00:00:00Z"}, Object{"createdDateTime": day(2)}, 1, 0},
		{Object{}, Object{"createdDateTime": day(1)}, 1, 0}, // null last when descending
		{Object{"createdDateTime": day(1), "severity": "high"}, Object{"createdDateTime": day(1), "severity": "low"}, 1, 1},
		{Object{"createdDateTime": day(1), "severity": "low", "id": "b"}, Object{"createdDateTime": day(1), "severity": "low", "id": "A"}, -1, 2},
		{Object{"createdDateTime": day(1), "id": "a"}, Object{"createdDateTime": day(1), "id": "A"}, 0, 3},
	}
	for i, tt := range tests {
		c, key := cmpf(tt.a, tt.b)
		if sign(c) != tt.wantC || key != tt.key {
			t.Errorf("%d: got %d at key %d, want %d at key %d", i, c, key, tt.wantC, tt.key)
		}
	}
}

func sign(c int) int {
	switch {
	case c < 0:
		return -1
	case c > 0:
		return 1
	}
	return 0
}

// mustRun is Run with the test's context; an error fails the test.
func mustRun(t testing.TB, q *Query, docs []Object) ([]Object, int) {
	t.Helper()
	page, n, err := q.Run(context.Background(), docs)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return page, n
}

// mustRunWith is RunWith with the test's context; an error fails the test.
func mustRunWith(t testing.TB, q *Query, docs []Object, opt RunOptions) Result {
	t.Helper()
	r, err := q.RunWith(context.Background(), docs, opt)
	if err != nil {
		t.Fatalf("RunWith: %v", err)
	}
	return r
}

// mustExec is exec with the test's context; an error fails the test.
func mustExec(t testing.TB, q *Query, docs []Object, opt RunOptions, p plan) Result {
	t.Helper()
	r, err := q.exec(context.Background(), docs, opt, p)
	if err != nil {
		t.Fatalf("exec: %v", err)
	}
	return r
}
