package graphapi

import (
	"maps"
	"strconv"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/odata"
)

// This file holds what happens to the data "as the provider would": new
// alerts raised and existing ones changed outside any client's request,
// by the control plane or the living tenant's activity (origin says
// which).

// AddAlert raises a new alerts_v2 alert. With incidentID it joins that
// incident; otherwise a new incident is opened for it. overrides (already
// in stored form) replace generated properties.
//
// The alert (and its incident) are generated and validated before the
// write lock is taken: building an alert with its evidence is the
// slowest write there is, and readers should not wait for it. A new
// incident's id is reserved first; a refused alert leaves a gap in the
// ids, as the real service's ids have.
func (s *Store) AddAlert(origin change.Origin, incidentID string, overrides odata.Object, now odata.Time) (odata.Object, error) {
	newIncident := incidentID == ""
	if newIncident {
		s.mu.Lock()
		incidentID = strconv.FormatInt(s.nextIncident, 10)
		s.nextIncident++
		s.mu.Unlock()
	} else if inc, ok := s.Incident(incidentID); ok {
		incidentID = idOf(inc)
	} else {
		return nil, notFound("incident", incidentID)
	}
	overrides = maps.Clone(overrides)
	for _, k := range []string{"id", "incidentId", "incidentWebUrl"} {
		delete(overrides, k)
	}
	var alert, inc odata.Object
	s.generated(func(g *gen.Generator) {
		alert = merge(g.NewAlert(now.Time, incidentID), overrides)
		if newIncident {
			inc = merge(g.NewIncident(now.Time, []odata.Object{alert}), odata.Object{"id": incidentID})
		}
	})
	if err := s.valid(alert, s.schema.Alert); err != nil {
		return nil, err
	}
	err := s.write(origin, now, func(t *tx) error {
		if !newIncident {
			cur, ok := t.get(change.Incidents, incidentID)
			switch {
			case !ok:
				return notFound("incident", incidentID)
			case cur["status"] == "redirected":
				return badRequest("incident '%s' was merged into incident '%v'; raise the alert there", incidentID, cur["redirectIncidentId"])
			}
		}
		if _, exists := t.get(change.Alerts, idOf(alert)); exists {
			return badRequest("an alert with id '%s' already exists", idOf(alert))
		}
		t.put(change.Alerts, alert, origin)
		if newIncident {
			t.put(change.Incidents, inc, origin)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return alert, nil
}

// ChangeAlert changes any properties of an alert as its detection source
// would (severity, title, evidence...), advancing lastUpdateDateTime.
func (s *Store) ChangeAlert(origin change.Origin, id string, changes odata.Object, now odata.Time) (odata.Object, error) {
	for _, k := range []string{"id", "incidentId"} {
		if _, ok := changes[k]; ok {
			return nil, badRequest("'%s' cannot be changed", k)
		}
	}
	var doc odata.Object
	err := s.write(origin, now, func(t *tx) (err error) {
		doc, err = t.update(origin, change.Alerts, id, changes, func(doc, old odata.Object) error {
			_ = stampResolved(doc, old)
			return s.valid(doc, s.schema.Alert)
		})
		return err
	})
	return doc, err
}

// generated runs fn with the store's data generator, which has a lock of
// its own so that generating happens outside the data lock.
func (s *Store) generated(fn func(*gen.Generator)) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	s.mu.RLock()
	g := s.gen
	s.mu.RUnlock()
	fn(g)
}

// valid checks a new version against its type before it is stored.
func (s *Store) valid(doc odata.Object, t *odata.Type) error {
	if err := odata.Validate(doc, t); err != nil {
		return badRequest("the alert would not be valid: %v", err)
	}
	return nil
}

// AddLegacyAlert raises a new legacy alert.
func (s *Store) AddLegacyAlert(origin change.Origin, overrides odata.Object, now odata.Time) (odata.Object, error) {
	overrides = maps.Clone(overrides)
	delete(overrides, "id")
	var alert odata.Object
	s.generated(func(g *gen.Generator) { alert = merge(g.NewLegacyAlert(now.Time), overrides) })
	if err := s.valid(alert, s.schema.LegacyAlert); err != nil {
		return nil, err
	}
	err := s.write(origin, now, func(t *tx) error {
		if _, exists := t.get(change.LegacyAlerts, idOf(alert)); exists {
			return badRequest("an alert with id '%s' already exists", idOf(alert))
		}
		t.put(change.LegacyAlerts, alert, origin)
		return nil
	})
	return alert, err
}

// ChangeLegacyAlert changes any properties of a legacy alert as its
// provider would, advancing lastModifiedDateTime.
func (s *Store) ChangeLegacyAlert(origin change.Origin, id string, changes odata.Object, now odata.Time) (odata.Object, error) {
	if _, ok := changes["id"]; ok {
		return nil, badRequest("'id' cannot be changed")
	}
	var doc odata.Object
	err := s.write(origin, now, func(t *tx) (err error) {
		doc, err = t.update(origin, change.LegacyAlerts, id, changes, func(doc, _ odata.Object) error {
			return s.valid(doc, s.schema.LegacyAlert)
		})
		return err
	})
	return doc, err
}
