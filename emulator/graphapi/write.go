package graphapi

import (
	"fmt"
	"maps"
	"slices"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// This file is the store's one write path for the security resources that
// emit change events (legacy alerts, alerts_v2, incidents). Every change,
// whoever makes it (a client's PATCH or comment, the control plane, the
// living tenant's activity, the service's own bookkeeping), is made inside
// Store.write: there it is stored, the derived state (incident membership,
// an incident following its alerts) is kept in line, it is recorded in
// the journal and published to the sinks, all under one lock and in one
// order.

// journalSize bounds the journal of recent changes the control plane
// shows.
const journalSize = 1024

// tx is one atomic change to the store, made under the write lock.
//
// A write function validates first and changes second: once it has put a
// new version it must not fail, because versions are stored as they are
// put (readers are blocked by the lock meanwhile, so they never see half
// of a change). Store.write enforces that.
type tx struct {
	s      *Store
	at     odata.Time
	origin change.Origin
	events []change.Event
	// touched are incidents whose alerts changed, in first-touch order;
	// they are brought in line with their alerts before the commit.
	touched []string
}

// write runs fn as one transaction at emulator time at, made by origin,
// then keeps incidents in line with their alerts and publishes every
// change, in order, to the journal and the sinks.
func (s *Store) write(origin change.Origin, at odata.Time, fn func(*tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &tx{s: s, at: at, origin: origin}
	if err := fn(t); err != nil {
		if len(t.events) > 0 {
			panic(fmt.Sprintf("graphapi: a write failed after changing the store: %v", err))
		}
		return err
	}
	for i := 0; i < len(t.touched); i++ {
		t.syncIncident(t.touched[i])
	}
	for _, ev := range t.events {
		s.seq++
		ev.Seq = s.seq
		s.journal = append(s.journal, ev)
		if len(s.journal) > journalSize {
			s.journal = slices.Delete(s.journal, 0, len(s.journal)-journalSize)
		}
		for _, k := range s.sinks {
			k.Publish(ev)
		}
	}
	return nil
}

// Changes returns the journaled changes after seq (oldest first, at most
// the last journalSize), for the control plane and tests.
func (s *Store) Changes(after uint64) []change.Event {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, _ := slices.BinarySearchFunc(s.journal, after+1, func(e change.Event, seq uint64) int {
		switch {
		case e.Seq < seq:
			return -1
		case e.Seq > seq:
			return 1
		}
		return 0
	})
	return slices.Clone(s.journal[i:])
}

// LastSeq is the sequence number of the last committed change (0 before
// the first).
func (s *Store) LastSeq() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.seq
}

// Nth returns the object at position i of a resource's collection (0 is
// the newest) and how many there are; ok is false past the end. The
// living tenant samples the data with it.
func (s *Store) Nth(res change.Resource, i int) (doc odata.Object, n int, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	col := s.collectionOf(res)
	n = len(col.items)
	if i < 0 || i >= n {
		return nil, n, false
	}
	return col.items[i], n, true
}

func (s *Store) collectionOf(res change.Resource) *collection {
	switch res {
	case change.LegacyAlerts:
		return s.legacy
	case change.Alerts:
		return s.alerts
	case change.Incidents:
		return s.incidents
	}
	panic("graphapi: no collection for resource " + string(res))
}

func kindOf(res change.Resource) string {
	if res == change.Incidents {
		return "incident"
	}
	return "alert"
}

// get returns the current version of an object (including this
// transaction's changes).
func (t *tx) get(res change.Resource, id string) (odata.Object, bool) {
	d, _, ok := t.s.collectionOf(res).get(id)
	return d, ok
}

// mustGet is get with Graph's 404 for a missing object.
func (t *tx) mustGet(res change.Resource, id string) (odata.Object, error) {
	d, ok := t.get(res, id)
	if !ok {
		return nil, notFound(kindOf(res), id)
	}
	return d, nil
}

// put stores doc as the new version of the object with its id, or as a
// new object (prepended: the newest) when there is none, and records the
// event. origin overrides the transaction's for changes it causes (the
// service's bookkeeping). An object changed twice in one transaction
// yields one event, from its first old version to its last new one, with
// the first change's origin: subscribers see one change per commit.
func (t *tx) put(res change.Resource, doc odata.Object, origin change.Origin) {
	col := t.s.collectionOf(res)
	id := idOf(doc)
	old, i, exists := col.get(id)
	if exists {
		col.replace(i, doc)
	} else {
		col.prepend(doc)
	}
	if res == change.Alerts {
		from, to := incidentOf(old), incidentOf(doc)
		t.s.moveAlert(id, from, to)
		for _, inc := range []string{to, from} {
			if inc != "" {
				t.touch(inc)
			}
		}
	}
	for j := range t.events {
		if ev := &t.events[j]; ev.Resource == res && ev.ID == id {
			ev.Doc = doc
			return
		}
	}
	ev := change.Event{Resource: res, ID: id, Type: change.Created, Doc: doc, At: t.at.Time, Origin: origin}
	if exists {
		ev.Type, ev.Old = change.Updated, old
	}
	t.events = append(t.events, ev)
}

// update merges changes into the current version of an object, stamps the
// time property (lastUpdateDateTime or lastModifiedDateTime) and stores
// the result, made by origin. finish, when set, adjusts the merged version
// before it is stored (it also receives the old one) and may still refuse
// the change: nothing is stored when it returns an error.
func (t *tx) update(origin change.Origin, res change.Resource, id string, changes odata.Object, finish func(doc, old odata.Object) error) (odata.Object, error) {
	old, err := t.mustGet(res, id)
	if err != nil {
		return nil, err
	}
	doc := merge(old, changes)
	doc[stampOf(res)] = t.at
	if finish != nil {
		if err := finish(doc, old); err != nil {
			return nil, err
		}
	}
	t.put(res, doc, origin)
	return doc, nil
}

// stampOf names the property that says when an object last changed.
func stampOf(res change.Resource) string {
	if res == change.LegacyAlerts {
		return "lastModifiedDateTime"
	}
	return "lastUpdateDateTime"
}

// merge returns a new version of old with changes applied: a nil value
// removes the property. old is never modified (stored objects are shared
// with readers).
func merge(old, changes odata.Object) odata.Object {
	doc := maps.Clone(old)
	for k, v := range changes {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	return doc
}

func incidentOf(alert odata.Object) string {
	s, _ := alert["incidentId"].(string)
	return s
}

// touch marks an incident to be brought in line with its alerts before
// the commit.
func (t *tx) touch(incidentID string) {
	if !slices.Contains(t.touched, incidentID) {
		t.touched = append(t.touched, incidentID)
	}
}

// moveAlert keeps incidentAlerts (an incident's alert ids, newest first)
// in step with an alert's incidentId.
func (s *Store) moveAlert(id, from, to string) {
	if from == to && (to == "" || slices.Contains(s.incidentAlerts[to], id)) {
		return
	}
	if from != "" {
		s.incidentAlerts[from] = slices.DeleteFunc(slices.Clone(s.incidentAlerts[from]), func(x string) bool { return x == id })
	}
	if to != "" {
		s.incidentAlerts[to] = s.insertNewestFirst(s.incidentAlerts[to], id)
	}
}

// insertNewestFirst adds an alert id to an incident's list at its place in
// the alerts' natural order (newest first).
func (s *Store) insertNewestFirst(ids []string, id string) []string {
	_, pos, _ := s.alerts.get(id)
	i := slices.IndexFunc(ids, func(x string) bool {
		_, p, ok := s.alerts.get(x)
		return ok && p > pos
	})
	out := slices.Clone(ids)
	if i < 0 {
		return append(out, id)
	}
	return slices.Insert(out, i, id)
}

// syncIncident keeps an incident consistent with its alerts after one of
// them changed: severity is the highest of its alerts', it is resolved
// exactly when every alert is, and its lastUpdateDateTime moves on. A
// redirected (merged) incident keeps its state.
func (t *tx) syncIncident(incidentID string) {
	s := t.s
	old, _, ok := s.incidents.get(incidentID)
	if !ok || old["status"] == "redirected" {
		return
	}
	sevEnum := s.severityEnum()
	allResolved, any := true, false
	best := -1
	for _, aid := range s.incidentAlerts[idOf(old)] {
		a, _, ok := s.alerts.get(aid)
		if !ok {
			continue
		}
		any = true
		if a["status"] != "resolved" {
			allResolved = false
		}
		if sev, _ := a["severity"].(string); sevEnum != nil {
			if r := rank(sevEnum, sev); r > best {
				best = r
			}
		}
	}
	if !any {
		return
	}
	doc := maps.Clone(old)
	switch {
	case allResolved:
		doc["status"] = "resolved"
	case old["status"] == "resolved":
		doc["status"] = "active"
	}
	if best >= 0 && best < len(sevEnum.Members) {
		doc["severity"] = sevEnum.Members[best]
	}
	doc["lastUpdateDateTime"] = t.at
	t.put(change.Incidents, doc, change.OriginService)
}
