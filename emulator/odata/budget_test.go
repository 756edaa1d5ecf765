package odata

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
)

// nestedLambdas is the attack review's filter: k any() lambdas over the
// alert's own evidence, each nested in the previous one, which multiplies
// the work per alert by the evidence count k times.
func nestedLambdas(k int) string {
	var b strings.Builder
	for i := range k {
		fmt.Fprintf(&b, "evidence/any(v%d: ", i)
	}
	fmt.Fprintf(&b, "v%d/verdict eq 'malicious' and v0/verdict eq 'noThreatsFound'", k-1)
	b.WriteString(strings.Repeat(")", k))
	return b.String()
}

func TestNestedLambdasRefusedBeforeRunning(t *testing.T) {
	s := newTestSchema()
	spec := Spec{Type: s.alert, Allow: OptAll}
	for _, k := range []int{3, 9, 11} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			filter := nestedLambdas(k)
			_, err := ParseQuery("$filter="+escapeValue(filter), spec)
			assertError(t, err, "The Any/All nesting limit of '2' has been exceeded.")
		})
	}
}

// TestRealisticFiltersWithinLimits: the filters Graph's documentation and
// clients use, and the largest shapes the limits are meant to allow, pass
// the static limits.
func TestRealisticFiltersWithinLimits(t *testing.T) {
	s := newTestSchema()
	var filters []string
	for _, f := range seedFilters {
		if !strings.Contains(f, " has ") { // refused on purpose
			filters = append(filters, f)
		}
	}
	filters = append(filters,
		nestedLambdas(2),
		"evidence/any(e: e/microsoft.graph.security.deviceEvidence/ipInterfaces/any(i: i eq '10.0.0.1'))",
		"evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/accountName eq 'bob' and u/domainName eq 'CONTOSO'))",
		"severity eq 'high' and status ne 'resolved' and evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'pc1.contoso.com') and createdDateTime ge 2026-01-01T00:00:00Z",
		"status in ('new', 'inProgress') and serviceSource in ('microsoftDefenderForEndpoint', 'microsoftDefenderForIdentity', 'microsoftDefenderForOffice365', 'microsoftDefenderForCloud', 'microsoftSentinel') and lastUpdateDateTime gt 2026-01-01T00:00:00Z and lastUpdateDateTime le 2026-02-01T00:00:00Z",
		"evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com') or evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'bob@contoso.com') or evidence/any(e: e/microsoft.graph.security.fileEvidence/fileDetails/sha256 eq 'abc')",
	)
	for _, f := range filters {
		typ := s.alert
		if strings.Contains(strings.ToLower(f), "category") || strings.Contains(f, "hostStates") || strings.Contains(f, "networkConnections") ||
			strings.Contains(f, "eventDateTime") || strings.Contains(f, "vendorInformation") {
			typ = s.legacy
		}
		if _, err := ParseFilter(f, Limits{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		if _, err := Compile(f, typ); err != nil && strings.Contains(err.Error(), "limit") {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// bigEvidenceDocs returns n alerts of the test schema whose evidence has
// items items, none of them malicious, so that nestedLambdas(2) visits
// every pair.
func bigEvidenceDocs(n, items int) []Object {
	docs := make([]Object, n)
	for i := range docs {
		ev := make([]any, items)
		for j := range ev {
			ev[j] = Object{"verdict": "suspicious"}
		}
		docs[i] = Object{"id": fmt.Sprint(i), "severity": "low", "evidence": ev}
	}
	return docs
}

func TestRunWorkLimit(t *testing.T) {
	s := newTestSchema()
	q, err := ParseQuery("$filter="+escapeValue(nestedLambdas(2))+"&$count=true&$orderby=id", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		docs  []Object
		limit int64
	}{
		// One document whose evidence alone is over the budget: the run
		// stops inside it.
		{"one huge document", bigEvidenceDocs(1, 3000), 0},
		{"many documents", bigEvidenceDocs(5000, 30), 200000},
	}
	for _, tt := range tests {
		for _, mode := range []runMode{runAuto, runHeap, runSort} {
			for _, workers := range []int{1, 3} {
				t.Run(fmt.Sprintf("%s/mode %d/%d workers", tt.name, mode, workers), func(t *testing.T) {
					p := defaultPlan(len(tt.docs), false)
					p.mode, p.workers = mode, workers
					r, err := q.exec(t.Context(), tt.docs, RunOptions{Budget: tt.limit}, p)
					if !errors.Is(err, ErrWorkLimit) {
						t.Fatalf("err = %v, want ErrWorkLimit", err)
					}
					var oe *Error
					if !errors.As(err, &oe) || oe.Code != CodeBadRequest || !strings.Contains(oe.Message, "work limit") {
						t.Fatalf("err = %#v, want a BadRequest *Error about the work limit", err)
					}
					limit := tt.limit
					if limit == 0 {
						limit = DefaultBudget(len(tt.docs))
					}
					// Each goroutine may overshoot by one settling period
					// and one lambda's charge.
					longest := int64(len(tt.docs[0]["evidence"].([]any)))
					if max := limit + int64(workers)*(meterPeriod+longest); r.Work > max {
						t.Errorf("work %d, want at most %d", r.Work, max)
					}
					if len(r.Page) != 0 || r.Page == nil {
						t.Errorf("page %v, want empty", r.Page)
					}
				})
			}
		}
	}
}

// TestRunStopsWhenContextEnds cancels the context when the scan reaches a
// position, and counts the positions examined after that: at most one
// settling period per goroutine. No timing is involved.
func TestRunStopsWhenContextEnds(t *testing.T) {
	s := newTestSchema()
	docs := s.genAlerts(20000, 11)
	never := escapeValue("evidence/any(e: e/verdict eq 'malicious' and e/verdict eq 'unknown')")
	tests := []struct {
		name, raw string
		early     bool
		mode      runMode
	}{
		{"early exit", "$filter=" + never + "&$top=10", true, runAuto},
		{"unordered", "$filter=" + never + "&$top=10&$count=true", false, runAuto},
		{"heap", "$filter=" + never + "&$top=10&$orderby=lastUpdateDateTime", false, runHeap},
		{"sort", "$filter=" + never + "&$top=10&$orderby=lastUpdateDateTime", false, runSort},
	}
	const at = 5000
	for _, tt := range tests {
		for _, workers := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/%d workers", tt.name, workers), func(t *testing.T) {
				q, err := ParseQuery(tt.raw, Spec{Type: s.alert, Allow: OptAll})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				var after atomic.Int64
				cand := func(i int) bool {
					if i == at {
						cancel()
					}
					if ctx.Err() != nil {
						after.Add(1)
					}
					return true
				}
				p := defaultPlan(len(docs), tt.early)
				p.mode, p.workers = tt.mode, workers
				r, err := q.exec(ctx, docs, RunOptions{Candidates: cand, Budget: -1}, p)
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v, want context.Canceled", err)
				}
				if n := after.Load(); n > int64(workers)*meterPeriod {
					t.Errorf("%d positions examined after the context ended, want at most %d", n, workers*meterPeriod)
				}
				if len(r.Page) != 0 {
					t.Errorf("page of %d after cancellation", len(r.Page))
				}
			})
		}
	}
}

func TestRunContextAlreadyDone(t *testing.T) {
	s := newTestSchema()
	q, err := ParseQuery("$top=5", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	page, n, err := q.Run(ctx, s.genAlerts(10, 1))
	if !errors.Is(err, context.Canceled) || len(page) != 0 || n != 0 {
		t.Fatalf("Run = %d items, %d, %v; want nothing and context.Canceled", len(page), n, err)
	}
}

// TestRunStopsInsideOneDocument: the context is checked while lambdas run,
// so a single document with huge collections does not hold a cancelled
// run (3000 × 3000 pairs would be 9,000,000 units).
func TestRunStopsInsideOneDocument(t *testing.T) {
	s := newTestSchema()
	docs := append(s.genAlerts(3, 2), bigEvidenceDocs(1, 3000)...)
	q, err := ParseQuery("$filter="+escapeValue(nestedLambdas(2))+"&$count=true", Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cand := func(i int) bool {
		if i == len(docs)-1 {
			cancel()
		}
		return true
	}
	r, err := q.RunWith(ctx, docs, RunOptions{Candidates: cand, Budget: -1})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if r.Work > 10*3000 {
		t.Errorf("work %d after cancelling, want the run to stop within the document", r.Work)
	}
}

// TestDefaultBudgetRoom: realistic queries, nested lambdas included, use a
// small part of the default budget; so does the heaviest filter the static
// limits allow in one lambda pair over alerts' own evidence.
func TestDefaultBudgetRoom(t *testing.T) {
	s := newTestSchema()
	docs := s.genAlerts(20000, 3)
	tests := []struct {
		raw     string
		maxFrac float64 // of DefaultBudget(len(docs))
	}{
		{benchQuery, 0.1},
		{"$filter=" + escapeValue("evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/accountName eq 'bob'))") + "&$count=true&$orderby=lastUpdateDateTime", 0.1},
		{"$filter=" + escapeValue(nestedLambdas(2)) + "&$count=true", 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			q, err := ParseQuery(tt.raw, Spec{Type: s.alert, Allow: OptAll})
			if err != nil {
				t.Fatal(err)
			}
			r := mustRunWith(t, q, docs, RunOptions{})
			if budget := DefaultBudget(len(docs)); float64(r.Work) > tt.maxFrac*float64(budget) {
				t.Errorf("work %d, more than %.0f%% of the default budget %d", r.Work, 100*tt.maxFrac, budget)
			}
		})
	}
}

// TestMatchHasNoMeter: Filter.Match (subscriptions use it per alert) runs
// without a budget, and gives the same answers as a run.
func TestMatchHasNoMeter(t *testing.T) {
	s := newTestSchema()
	f, err := Compile(nestedLambdas(2), s.alert)
	if err != nil {
		t.Fatal(err)
	}
	if f.Match(bigEvidenceDocs(1, 300)[0]) {
		t.Fatal("matched")
	}
	doc := Object{"evidence": []any{Object{"verdict": "malicious"}, Object{"verdict": "noThreatsFound"}}}
	if !f.Match(doc) {
		t.Fatal("did not match")
	}
}

// lambdaWork bounds the units one document may charge for the filter n
// when no collection holds more than l items: a lambda, or a $count over a
// cast, inside d lambdas is evaluated at most l^d times and charges at
// most l each time.
func lambdaWork(n Node, l int64) int64 {
	var walk func(n Node, d int) int64
	walk = func(n Node, d int) int64 {
		pow := func(e int) int64 {
			r := int64(1)
			for range e {
				r *= l
			}
			return r
		}
		switch n := n.(type) {
		case *Binary:
			return walk(n.Left, d) + walk(n.Right, d)
		case *Not:
			return walk(n.X, d)
		case *In:
			return walk(n.X, d)
		case *Call:
			var w int64
			for _, a := range n.Args {
				w += walk(a, d)
			}
			return w
		case *Count:
			return pow(d + 1)
		case *Lambda:
			w := pow(d + 1)
			if n.Body != nil {
				w += walk(n.Body, d+1)
			}
			return w
		}
		return 0
	}
	return walk(n, 0)
}

// longestCollection is the most items any collection in docs holds.
func longestCollection(docs []Object) int64 {
	var most int64
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			most = max(most, int64(len(x)))
			for _, it := range x {
				walk(it)
			}
		case Object:
			for _, it := range x {
				walk(it)
			}
		}
	}
	for _, d := range docs {
		walk(d)
	}
	return most
}
