package graphapi

import (
	"slices"
	"strings"
	"sync"

	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
)

// collection keeps one resource's objects in the order the service lists
// them (newest first) with an index by id. New objects are only ever
// prepended, so an id's distance from the end of the slice never changes
// and the index needs no rewriting.
type collection struct {
	items   []odata.Object
	fromEnd map[string]int // lower-cased id -> len(items)-1-index
}

func newCollection(docs []odata.Object) *collection {
	c := &collection{items: slices.Clone(docs), fromEnd: make(map[string]int, len(docs))}
	for i, d := range c.items {
		c.fromEnd[strings.ToLower(idOf(d))] = len(c.items) - 1 - i
	}
	return c
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
func (c *collection) replace(i int, d odata.Object) { c.items[i] = d }

// prepend adds a newer object in front.
func (c *collection) prepend(d odata.Object) {
	c.items = slices.Insert(c.items, 0, d)
	c.fromEnd[strings.ToLower(idOf(d))] = len(c.items) - 1
}

// Store is the emulator's data. One RWMutex guards it: queries run under
// the read lock (they are fast and never block on I/O) and every change,
// including the cross-resource bookkeeping between alerts and incidents,
// happens atomically under the write lock.
type Store struct {
	mu              sync.RWMutex
	schema          *model.Schema
	gen             *gen.Generator
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
	s.legacy = newCollection(ds.LegacyAlerts)
	s.alerts = newCollection(ds.Alerts)
	s.incidents = newCollection(ds.Incidents)
	s.secureScores = newCollection(ds.SecureScores)
	s.controlProfiles = newCollection(ds.ControlProfiles)
	s.actions = newCollection(ds.SecurityActions)
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
