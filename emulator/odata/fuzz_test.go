package odata

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// seedFilters are the example filters of the facts file (Graph docs and
// samples), plus the shapes this package supports.
var seedFilters = []string{
	"severity eq 'high'",
	"Severity eq 'High'",
	"Category eq 'ransomware'",
	"Status eq 'NewAlert'",
	"vendorInformation/provider eq 'ASC'",
	"networkConnections/any(d:d/destinationAddress eq '10.0.0.1')",
	"hostStates/any(h: h/fqdn eq 'pc123.contoso.com')",
	"serviceSource eq 'microsoftDefenderForEndpoint'",
	"status eq 'active' and severity eq 'high'",
	"evidence/any(e: e/microsoft.graph.security.userEvidence/userAccount/userPrincipalName eq 'alice@contoso.com')",
	"evidence/any(e: e/microsoft.graph.security.deviceEvidence/deviceDnsName eq 'pc123.contoso.com')",
	"eventDateTime gt 2018-11-11T00:00:00.000Z",
	"createdDateTime ge 2021-01-02T12:00:00Z and createdDateTime lt 2021-01-03",
	"appOwnerOrganizationId eq 72f988bf-86f1-41af-91ab-2d7cd011db47",
	"ReceivedDateTime ge 2017-04-01",
	"department in ('Retail','Sales')",
	"assignedLicenses/$count eq 0",
	"startswith(title,'x') or endswith(assignedTo, '@contoso.com') or contains(title, 'let''s')",
	"lastUpdateDateTime ge 2021-01-02T12:00:00.1234567+02:00",
	"not (severity eq 'low') and tags/any(t: t eq 'x')",
	"evidence/all(e: e/roles/any(r: r eq 'attacker'))",
	"priorityScore gt -1.5e3 and isTest eq false and tenantId ne null",
	"severity has microsoft.graph.security.alertSeverity'high'",
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range seedFilters {
		f.Add(s)
	}
	f.Add("((((")
	f.Add("a/any(x:x/b/all(y:y eq x))")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseFilter(s, Limits{})
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Code != CodeBadRequest || oe.Message == "" {
				t.Fatalf("error %v (%T) is not a BadRequest *Error", err, err)
			}
			return
		}
		// The canonical form reads back to itself (it adds parentheses,
		// so it is reparsed with room for the extra nesting).
		roomy := Limits{MaxDepth: 1 << 20, MaxFilterLength: 1 << 24}
		text := n.String()
		n2, err := ParseFilter(text, roomy)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", text, s, err)
		}
		if n2.String() != text {
			t.Fatalf("canonical form not stable:\n%s\n%s", text, n2.String())
		}
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range seedFilters {
		f.Add("$filter=" + escapeValue(s) + "&$top=5&$orderby=createdDateTime desc")
	}
	f.Add("%24filter=severity%20eq%20%27high%27&%24top=5&api-version=1")
	f.Add("$select=id,severity&$count=true&$skip=10&$skiptoken=x")
	f.Add("top=3&filter=severity+eq+'low'&$orderby=severity,vendorInformation/provider desc")
	f.Add("$Top=-1&$top=1")
	f.Add("$filter=100%")
	s := newTestSchema()
	specs := []Spec{
		{Type: s.alert, Allow: OptAll, DefaultTop: 50, MaxTop: 1000, MaxSkip: 500, DollarOptional: true},
		{Type: s.legacy, Allow: OptAll, MaxTop: 1000},
		{Type: s.incident, Allow: OptFilter | OptExpand | OptTop, Expand: []string{"alerts"}},
	}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, spec := range specs {
			q, err := ParseQuery(raw, spec)
			if err != nil {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != CodeBadRequest {
					t.Fatalf("error %v (%T) is not a BadRequest *Error", err, err)
				}
				continue
			}
			// The canonical re-encoding (used for nextLink) parses back
			// to the same options.
			again := q.RawQuery(q.Skip, q.SkipToken)
			q2, err := ParseQuery(again, spec)
			if err != nil {
				t.Fatalf("RawQuery %q of %q does not parse: %v", again, raw, err)
			}
			if q2.FilterText != q.FilterText || q2.Top != q.Top || q2.HasTop != q.HasTop || q2.Skip != q.Skip ||
				q2.Count != q.Count || q2.SkipToken != q.SkipToken || strings.Join(q2.Select, ",") != strings.Join(q.Select, ",") ||
				strings.Join(q2.Expand, ",") != strings.Join(q.Expand, ",") || len(q2.OrderBy) != len(q.OrderBy) {
				t.Fatalf("round trip of %q via %q changed the query", raw, again)
			}
		}
	})
}

func FuzzCompileAndRun(f *testing.F) {
	for _, s := range seedFilters {
		f.Add(s, "createdDateTime desc", uint8(5))
	}
	f.Add("evidence/any(e: e/microsoft.graph.security.deviceEvidence/loggedOnUsers/any(u: u/accountName eq 'bob'))", "severity,assignedTo desc", uint8(2))
	f.Add("systemTags/$count eq 0 or assignedTo in ('alice@contoso.com', null)", "vendorInformation/provider", uint8(0))
	f.Add("evidence/any(a: evidence/any(b: a/verdict eq 'malicious' and b/microsoft.graph.security.deviceEvidence/loggedOnUsers/$count gt 5))", "", uint8(3))
	f.Add("evidence/any(a: evidence/any(b: evidence/any(c: c/verdict eq 'malicious')))", "id", uint8(1))
	s := newTestSchema()
	docs := append(s.genAlerts(40, 99), evalDocs()...)
	longest := longestCollection(docs)
	lim := DefaultLimits()
	// The most any accepted filter may charge per document: one unit per
	// node, each visiting at most longest^(MaxAnyAllDepth+1) items (a
	// $count over a cast inside the innermost lambda).
	perDocMax := int64(lim.MaxNodeCount)
	for range lim.MaxAnyAllDepth + 1 {
		perDocMax *= longest
	}
	// In natural order, so that RunWith may be told so.
	nq, err := ParseQuery("$orderby="+naturalOrder, Spec{Type: s.alert, Allow: OptAll})
	if err != nil {
		f.Fatal(err)
	}
	cmpf := nq.Comparer()
	slices.SortStableFunc(docs, func(a, b Object) int { c, _ := cmpf(a, b); return c })
	f.Fuzz(func(t *testing.T, filter, orderby string, top uint8) {
		c, err := Compile(filter, s.alert)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || oe.Code != CodeBadRequest {
				t.Fatalf("error %v (%T) is not a BadRequest *Error", err, err)
			}
			return
		}
		want := 0
		for _, d := range docs {
			if c.Match(d) {
				want++
			}
		}
		raw := "$filter=" + escapeValue(filter) + "&$top=" + string(rune('0'+top%10))
		if orderby != "" {
			raw += "&$orderby=" + escapeValue(orderby)
		}
		q, err := ParseQuery(raw, Spec{Type: s.alert, Allow: OptAll})
		if err != nil {
			return // an invalid $orderby
		}
		page, matched := mustRun(t, q, docs)
		if matched != want || len(page) > int(top%10) {
			t.Fatalf("Run matched %d (page %d), Match counted %d", matched, len(page), want)
		}
		// Work is bounded by what the filter's shape allows, and that by
		// the static limits: polynomial in the longest collection, of a
		// degree MaxAnyAllDepth fixes.
		bound := lambdaWork(c.Expr(), longest)
		if bound > perDocMax {
			t.Fatalf("filter %q may charge %d per document, more than the limits allow (%d)", filter, bound, perDocMax)
		}
		full, err := q.RunWith(t.Context(), docs, RunOptions{Budget: -1})
		if err != nil {
			t.Fatal(err)
		}
		if full.Work > int64(len(docs))*(1+bound) {
			t.Fatalf("filter %q charged %d over %d documents, more than %d per document", filter, full.Work, len(docs), 1+bound)
		}
		hp, _ := q.run(docs, runHeap, 3)
		if ids(hp) != ids(page) {
			t.Fatalf("heap path %s != %s", ids(hp), ids(page))
		}
		// RunWith, told the order and given the filter's enum terms as
		// candidates, answers the same.
		terms := c.EnumTerms()
		cand := func(i int) bool {
			for _, term := range terms {
				if !term.Allows(docs[i][term.Property]) {
					return false
				}
			}
			return true
		}
		r := mustRunWith(t, q, docs, RunOptions{Order: nq.OrderBy, Candidates: cand})
		if ids(r.Page) != ids(page) || r.Exact && r.Matched != want || !r.Exact && (r.Matched > want || len(r.Page)+q.Skip >= r.Matched) {
			t.Fatalf("RunWith page %s (matched %d, exact %v), Run %s (%d)", ids(r.Page), r.Matched, r.Exact, ids(page), want)
		}
	})
}

func FuzzDecodeObject(f *testing.F) {
	f.Add([]byte(`{"severity":"High","status":"new","createdDateTime":"2021-01-01T00:00:00Z","evidence":[{"@odata.type":"#microsoft.graph.security.userEvidence","userAccount":{"userPrincipalName":"a"}}]}`))
	f.Add([]byte(`{"priorityScore":1e3,"confidence":"NaN","isTest":"TRUE","tenantId":"72f988bf-86f1-41af-91ab-2d7cd011db47","additionalData":{"a":[1,2,{"b":null}]}}`))
	f.Add([]byte(`{"Severity":"high","severity":"low","x":1}`))
	f.Add([]byte(`{"comments":[{"comment":"\u2028<>&","createdDateTime":"2021-01-01"}],"systemTags":["a",null]}`))
	s := newTestSchema()
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber()
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			return
		}
		for _, typ := range []*Type{s.alert, s.legacy} {
			for _, opt := range []DecodeOptions{{}, {KeepNulls: true, CaseInsensitive: true, MaxDepth: 4}} {
				o, err := DecodeObject(raw, typ, opt)
				if err != nil {
					var oe *Error
					if !errors.As(err, &oe) || oe.Code != CodeBadRequest {
						t.Fatalf("error %v (%T) is not a BadRequest *Error", err, err)
					}
					continue
				}
				if !opt.KeepNulls {
					if err := Validate(o, typ); err != nil {
						t.Fatalf("decoded object invalid: %v\n%s", err, data)
					}
				}
				if out := Encode(o, typ, EncodeOptions{}); !json.Valid(out) {
					t.Fatalf("encoded object is not JSON: %s", out)
				}
			}
		}
	})
}

// FuzzEnumTerms checks term extraction on any filter that compiles: it
// never panics, and every document the filter matches is allowed by every
// term (an index may only narrow the search to a superset of matches).
func FuzzEnumTerms(f *testing.F) {
	for _, s := range seedFilters {
		f.Add(s)
	}
	f.Add("severity in ('low', 'HIGH', null) and not (status ne 'new') and serviceSource ge 'microsoftDefenderForCloud'")
	f.Add("not (severity eq null and status in (null)) and severity lt 'medium'")
	f.Add("(severity eq 'high' and (status ne 'resolved' and assignedTo ne null)) and evidence/any(e: severity eq 'low')")
	f.Add("null eq severity and 'resolved' ne status and microsoft.graph.security.alertSeverity'low' lt severity")
	s := newTestSchema()
	docs := termDocs(s)
	f.Fuzz(func(t *testing.T, filter string) {
		for _, typ := range []*Type{s.alert, s.legacy} {
			c, err := Compile(filter, typ)
			if err != nil {
				var oe *Error
				if !errors.As(err, &oe) || oe.Code != CodeBadRequest {
					t.Fatalf("error %v (%T) is not a BadRequest *Error", err, err)
				}
				continue
			}
			for _, term := range c.EnumTerms() {
				p, ok := typ.Property(term.Property)
				if !ok || p.Kind != KindEnum || p.Collection || p.Name != term.Property {
					t.Fatalf("term on %q, which is not a declared top-level enum property", term.Property)
				}
				for _, m := range term.Members {
					if !slices.Contains(p.Enum.Members, m) {
						t.Fatalf("term member %q is not a canonical member of %s", m, p.Enum.Name)
					}
				}
			}
			checkTermsImplied(t, c, docs)
		}
	})
}
