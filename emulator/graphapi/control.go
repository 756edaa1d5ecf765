package graphapi

import (
	"strconv"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// This file holds what happens to the data "as the provider would": new
// alerts raised and existing ones changed outside any client's request,
// by the control plane or the living tenant's activity (origin says
// which).

// AddAlert raises a new alerts_v2 alert. With incidentID it joins that
// incident; otherwise a new incident is opened for it. overrides (already
// in stored form) replace generated properties.
func (s *Store) AddAlert(origin change.Origin, incidentID string, overrides odata.Object, now odata.Time) (odata.Object, error) {
	var alert odata.Object
	err := s.write(origin, now, func(t *tx) error {
		newIncident := incidentID == ""
		if newIncident {
			incidentID = strconv.FormatInt(s.nextIncident, 10)
		} else if inc, ok := t.get(change.Incidents, incidentID); ok {
			if inc["status"] == "redirected" {
				return badRequest("incident '%s' was merged into incident '%v'; raise the alert there", idOf(inc), inc["redirectIncidentId"])
			}
			incidentID = idOf(inc)
		} else {
			return notFound("incident", incidentID)
		}
		alert = s.gen.NewAlert(now.Time, incidentID)
		for _, k := range []string{"id", "incidentId", "incidentWebUrl"} {
			delete(overrides, k)
		}
		alert = merge(alert, overrides)
		if _, exists := t.get(change.Alerts, idOf(alert)); exists {
			return badRequest("an alert with id '%s' already exists", idOf(alert))
		}
		if err := odata.Validate(alert, s.schema.Alert); err != nil {
			return badRequest("the alert would not be valid: %v", err)
		}
		t.put(change.Alerts, alert, origin)
		if newIncident {
			inc := merge(s.gen.NewIncident(now.Time, []odata.Object{alert}), odata.Object{"id": incidentID})
			s.nextIncident++
			t.put(change.Incidents, inc, origin)
		}
		return nil
	})
	return alert, err
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

// valid checks a new version against its type before it is stored.
func (s *Store) valid(doc odata.Object, t *odata.Type) error {
	if err := odata.Validate(doc, t); err != nil {
		return badRequest("the alert would not be valid: %v", err)
	}
	return nil
}

// AddLegacyAlert raises a new legacy alert.
func (s *Store) AddLegacyAlert(origin change.Origin, overrides odata.Object, now odata.Time) (odata.Object, error) {
	var alert odata.Object
	err := s.write(origin, now, func(t *tx) error {
		delete(overrides, "id")
		alert = merge(s.gen.NewLegacyAlert(now.Time), overrides)
		if err := s.valid(alert, s.schema.LegacyAlert); err != nil {
			return err
		}
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
