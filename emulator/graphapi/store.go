package graphapi

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
)

// collection keeps one resource's objects in the order the service lists
// them (newest first) with an index by id. New objects are only ever
// prepended, so an id's distance from the end of the slice never changes
// and the index needs no rewriting.
//
// A collection with a layout also keeps, in step with items, a dense
// column of codes for each indexed enum property and a count of the
// places where items break its natural order. Both exist for speed: a
// query over 100,000 alerts is bound by reading 100,000 separately
// allocated maps, and the columns let it skip most of them, while a known
// order lets a newest-first page stop after its last item. Every change
// goes through prepend and replace, which keep both exact.
type collection struct {
	items   []odata.Object
	fromEnd map[string]int // lower-cased id -> len(items)-1-index
	columns []*enumColumn
	order   *orderCheck // nil without a declared natural order
}

// layout says what a collection keeps beside its objects.
type layout struct {
	// enums are top-level enum properties (filterable ones) to keep as
	// columns.
	enums []string
	// order is the natural order as an $orderby value; it must be
	// sortable on the type.
	order string
	t     *odata.Type
}

func newCollection(docs []odata.Object, l *layout) *collection {
	c := &collection{items: slices.Clone(docs), fromEnd: make(map[string]int, len(docs))}
	for i, d := range c.items {
		c.fromEnd[strings.ToLower(idOf(d))] = len(c.items) - 1 - i
	}
	if l == nil {
		return c
	}
	for _, name := range l.enums {
		p, ok := l.t.Property(name)
		if !ok || p.Kind != odata.KindEnum || p.Collection || p.Enum == nil || len(p.Enum.Members) > maxColumnMembers {
			continue // not indexable: queries simply read the objects
		}
		col := &enumColumn{prop: p.Name, enum: p.Enum, code: make(map[string]uint8, len(p.Enum.Members)), codes: make([]uint8, len(c.items))}
		for i, m := range p.Enum.Members {
			if _, dup := col.code[m]; !dup {
				col.code[m] = uint8(i)
			}
		}
		for i, d := range c.items {
			col.codes[i] = col.codeOf(d)
		}
		c.columns = append(c.columns, col)
	}
	if l.order != "" {
		q, err := odata.ParseQuery("$orderby="+l.order, odata.Spec{Type: l.t, Allow: odata.OptOrderBy})
		if err == nil {
			c.order = &orderCheck{keys: q.OrderBy, cmp: q.Comparer(), bad: make([]int, len(q.OrderBy))}
			for i := 0; i+1 < len(c.items); i++ {
				c.order.pair(c.items[i], c.items[i+1], 1)
			}
		}
	}
	return c
}

// Codes in an enumColumn: a member's declaration index, or one of these.
const (
	codeNull  = 254 // null or absent
	codeOther = 255 // anything else: another spelling, a non-member, another type
	// maxColumnMembers is the largest enum a column can hold.
	maxColumnMembers = 254
)

// enumColumn holds one enum property of every item, as small codes in
// item order: scanning it touches 1 byte per item instead of a map.
type enumColumn struct {
	prop  string
	enum  *odata.Enum
	code  map[string]uint8 // member as declared -> its code
	codes []uint8
}

func (col *enumColumn) codeOf(d odata.Object) uint8 {
	switch v := d[col.prop].(type) {
	case nil:
		return codeNull
	case string:
		if c, ok := col.code[v]; ok {
			return c
		}
	}
	return codeOther
}

// orderCheck knows how far a collection is still in its natural order.
// The generator and AddAlert keep it newest first, but the control plane
// can raise or change an alert with any createdDateTime, so it counts the
// adjacent pairs that are out of order, by the first key on which they
// are: the items are in order by keys[:k] exactly when no pair is out of
// order on a key before k.
type orderCheck struct {
	keys []odata.OrderKey
	cmp  func(a, b odata.Object) (c, key int) // not safe for concurrent use: writers only
	bad  []int                                // bad[k]: adjacent pairs out of order first on key k
}

// pair counts (delta 1) or uncounts (delta -1) the adjacent pair a, b.
func (o *orderCheck) pair(a, b odata.Object, delta int) {
	if c, k := o.cmp(a, b); c > 0 {
		o.bad[k] += delta
	}
}

// holds returns the longest prefix of the natural order the items are in
// (none without an orderCheck).
func (o *orderCheck) holds() []odata.OrderKey {
	if o == nil {
		return nil
	}
	for k, n := range o.bad {
		if n > 0 {
			return o.keys[:k]
		}
	}
	return o.keys
}

func lower(s string) string { return strings.ToLower(s) }

func idOf(d odata.Object) string {
	s, _ := d["id"].(string)
	return s
}

// get finds an object by id, without regard to case.
func (c *collection) get(id string) (odata.Object, int, bool) {
	k, ok := c.fromEnd[strings.ToLower(id)]
	if !ok {
		return nil, 0, false
	}
	i := len(c.items) - 1 - k
	return c.items[i], i, true
}

// replace swaps in a new version of the object at index i. Objects are
// immutable once stored: readers holding the old one keep a consistent view.
func (c *collection) replace(i int, d odata.Object) {
	if o := c.order; o != nil {
		if i > 0 {
			o.pair(c.items[i-1], c.items[i], -1)
			o.pair(c.items[i-1], d, 1)
		}
		if i+1 < len(c.items) {
			o.pair(c.items[i], c.items[i+1], -1)
			o.pair(d, c.items[i+1], 1)
		}
	}
	c.items[i] = d
	for _, col := range c.columns {
		col.codes[i] = col.codeOf(d)
	}
}

// prepend adds a newer object in front.
func (c *collection) prepend(d odata.Object) {
	c.items = slices.Insert(c.items, 0, d)
	c.fromEnd[strings.ToLower(idOf(d))] = len(c.items) - 1
	for _, col := range c.columns {
		col.codes = slices.Insert(col.codes, 0, col.codeOf(d))
	}
	if c.order != nil && len(c.items) > 1 {
		c.order.pair(c.items[0], c.items[1], 1)
	}
}

// run answers a list query with the collection's columns and order; the
// caller holds the read lock. The page is always Query.Run's. Without
// $count the scan may stop once a next page is known to exist, and the
// count returned is then only a lower bound above the page's end: all
// listOf uses it for, besides @odata.count, is deciding on a next link.
//
// The run stops when ctx ends (the client went away) or the query exceeds
// its work budget, with an error (odata.ErrWorkLimit for the budget).
func (c *collection) run(ctx context.Context, q *odata.Query) ([]odata.Object, int, error) {
	r, err := q.RunWith(ctx, c.items, odata.RunOptions{Order: c.order.holds(), Candidates: c.candidates(q.Filter)})
	return r.Page, r.Matched, err
}

// candidates turns the filter's enum terms on indexed properties into a
// test of positions over the columns, or nil when there is nothing to
// test. It only ever rejects documents the filter rejects: a code the
// terms say nothing about (codeOther) is always accepted.
func (c *collection) candidates(f *odata.Filter) func(int) bool {
	if f == nil || len(c.columns) == 0 {
		return nil
	}
	type test struct {
		codes []uint8
		allow *[256]bool
	}
	var tests []test
	at := make(map[*enumColumn]int) // the test of each column, once
	for _, t := range f.EnumTerms() {
		ci := slices.IndexFunc(c.columns, func(col *enumColumn) bool { return col.prop == t.Property })
		if ci < 0 {
			continue
		}
		col := c.columns[ci]
		j, seen := at[col]
		if !seen {
			allow := new([256]bool)
			for k := range allow {
				allow[k] = true
			}
			j = len(tests)
			at[col] = j
			tests = append(tests, test{codes: col.codes, allow: allow})
		}
		// Terms on the same property (severity ne 'low' and severity
		// ne 'high') combine into one table.
		allow := tests[j].allow
		for m, code := range col.code {
			allow[code] = allow[code] && t.Allows(m)
		}
		allow[codeNull] = allow[codeNull] && t.Allows(nil)
	}
	// A table that refuses nothing is no test.
	tests = slices.DeleteFunc(tests, func(t test) bool { return !slices.Contains(t.allow[:], false) })
	switch len(tests) {
	case 0:
		return nil
	case 1:
		codes, allow := tests[0].codes, tests[0].allow
		return func(i int) bool { return allow[codes[i]] }
	case 2:
		c0, a0, c1, a1 := tests[0].codes, tests[0].allow, tests[1].codes, tests[1].allow
		return func(i int) bool { return a0[c0[i]] && a1[c1[i]] }
	}
	return func(i int) bool {
		for _, t := range tests {
			if !t.allow[t.codes[i]] {
				return false
			}
		}
		return true
	}
}

// Store is the emulator's data. One RWMutex guards it: queries run under
// the read lock (they are fast and never block on I/O) and every change,
// including the cross-resource bookkeeping between alerts and incidents,
// happens atomically under the write lock.
type Store struct {
	mu     sync.RWMutex
	schema *model.Schema
	gen    *gen.Generator
	// genMu serialises use of gen, which is not safe for concurrent use;
	// it is taken before mu when both are held.
	genMu           sync.Mutex
	legacy          *collection
	alerts          *collection
	incidents       *collection
	secureScores    *collection
	controlProfiles *collection
	actions         *collection
	// incidentAlerts maps an incident id to its alerts' ids, newest first.
	incidentAlerts map[string][]string
	// nextIncident is the next numeric incident id to hand out.
	nextIncident int64

	// sinks receive every committed change, in commit order; seq numbers
	// them; journal keeps the last journalSize.
	sinks   []change.Sink
	seq     uint64
	journal []change.Event
}

// AddSink registers a consumer of change events. Sinks are called with the
// write lock held and must not block (see change.Sink).
func (s *Store) AddSink(k change.Sink) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sinks = append(s.sinks, k)
}

// NewStore builds the store from a generator's dataset.
func NewStore(g *gen.Generator) *Store {
	s := &Store{schema: model.Graph()}
	s.Load(g)
	return s
}

// Load replaces all data with the generator's dataset (reset and reseed).
func (s *Store) Load(g *gen.Generator) {
	ds := g.Dataset()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen = g
	s.journal = nil
	s.legacy = newCollection(ds.LegacyAlerts, s.legacyLayout())
	s.alerts = newCollection(ds.Alerts, s.alertLayout())
	s.incidents = newCollection(ds.Incidents, s.incidentLayout())
	s.secureScores = newCollection(ds.SecureScores, nil)
	s.controlProfiles = newCollection(ds.ControlProfiles, nil)
	s.actions = newCollection(ds.SecurityActions, nil)
	s.incidentAlerts = map[string][]string{}
	for _, a := range s.alerts.items {
		inc, _ := a["incidentId"].(string)
		s.incidentAlerts[inc] = append(s.incidentAlerts[inc], idOf(a))
	}
	s.nextIncident = 1
	for _, inc := range s.incidents.items {
		if n := parseInt(idOf(inc)); n >= s.nextIncident {
			s.nextIncident = n + 1
		}
	}
}

// naturalOrder is how the generator and AddAlert order alerts_v2 and
// incidents: newest first, ties by id (descending).
const naturalOrder = "createdDateTime desc,id desc"

// The layouts index the enum properties clients filter on (the ones the
// docs list as filterable); the others are rarely filtered on.
func (s *Store) alertLayout() *layout {
	return &layout{t: s.schema.Alert, order: naturalOrder,
		enums: []string{"severity", "status", "serviceSource", "classification", "determination"}}
}

func (s *Store) incidentLayout() *layout {
	return &layout{t: s.schema.Incident, order: naturalOrder,
		enums: []string{"severity", "status", "classification", "determination"}}
}

// legacyLayout has no columns: the legacy API runs its query once per
// provider, over subsets whose positions the columns would not match. Its
// natural order (newest first) still holds within each provider.
func (s *Store) legacyLayout() *layout {
	return &layout{t: s.schema.LegacyAlert, order: "createdDateTime desc"}
}

func parseInt(s string) int64 {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' || n > 1<<56 {
			return 0
		}
		n = n*10 + int64(r-'0')
	}
	return n
}

// Counts reports how many objects each collection holds (for the control
// plane and start-up banner).
func (s *Store) Counts() map[string]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return map[string]int{
		"legacyAlerts":    len(s.legacy.items),
		"alerts":          len(s.alerts.items),
		"incidents":       len(s.incidents.items),
		"secureScores":    len(s.secureScores.items),
		"controlProfiles": len(s.controlProfiles.items),
		"securityActions": len(s.actions.items),
	}
}
