package graphapi

import (
	"fmt"
	"maps"
	"strconv"

	"github.com/graphsec/graphsec/emulator/odata"
)

// This file holds what the emulator's control plane does to the data "as
// the provider would": raise new alerts and change existing ones outside
// any client's request.

// AddAlert raises a new alerts_v2 alert. With incidentID it joins that
// incident; otherwise a new incident is opened for it. overrides (already
// in stored form) replace generated properties.
func (s *Store) AddAlert(incidentID string, overrides odata.Object, now odata.Time) (odata.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	newIncident := incidentID == ""
	if newIncident {
		incidentID = strconv.FormatInt(s.nextIncident, 10)
	} else if inc, _, ok := s.incidents.get(incidentID); ok {
		incidentID = idOf(inc)
	} else {
		return nil, notFound("incident", incidentID)
	}
	alert := s.gen.NewAlert(now.Time, incidentID)
	for k, v := range overrides {
		switch k {
		case "id", "incidentId", "incidentWebUrl":
			continue
		}
		if v == nil {
			delete(alert, k)
		} else {
			alert[k] = v
		}
	}
	if _, exists := s.alerts.fromEnd[lower(idOf(alert))]; exists {
		return nil, badRequest("an alert with id '%s' already exists", idOf(alert))
	}
	if err := odata.Validate(alert, s.schema.Alert); err != nil {
		return nil, badRequest("the alert would not be valid: %v", err)
	}
	s.alerts.prepend(alert)
	s.incidentAlerts[incidentID] = append([]string{idOf(alert)}, s.incidentAlerts[incidentID]...)
	if newIncident {
		inc := s.gen.NewIncident(now.Time, []odata.Object{alert})
		inc = maps.Clone(inc)
		inc["id"] = incidentID
		s.nextIncident++
		s.incidents.prepend(inc)
	}
	s.syncIncidentLocked(incidentID, now)
	return alert, nil
}

// ChangeAlert changes any properties of an alert as its detection source
// would (severity, title, evidence...), advancing lastUpdateDateTime.
func (s *Store) ChangeAlert(id string, changes odata.Object, now odata.Time) (odata.Object, error) {
	for _, k := range []string{"id", "incidentId"} {
		if _, ok := changes[k]; ok {
			return nil, badRequest("'%s' cannot be changed", k)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, _, ok := s.alerts.get(id)
	if !ok {
		return nil, notFound("alert", id)
	}
	if err := odata.Validate(applyAlertChanges(old, changes, now), s.schema.Alert); err != nil {
		return nil, badRequest("the alert would not be valid: %v", err)
	}
	return s.updateAlertLocked(id, changes, now)
}

// AddLegacyAlert raises a new legacy alert.
func (s *Store) AddLegacyAlert(overrides odata.Object, now odata.Time) (odata.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	alert := s.gen.NewLegacyAlert(now.Time)
	for k, v := range overrides {
		if k == "id" {
			continue
		}
		if v == nil {
			delete(alert, k)
		} else {
			alert[k] = v
		}
	}
	if err := odata.Validate(alert, s.schema.LegacyAlert); err != nil {
		return nil, badRequest("the alert would not be valid: %v", err)
	}
	if _, exists := s.legacy.fromEnd[lower(idOf(alert))]; exists {
		return nil, badRequest("an alert with id '%s' already exists", idOf(alert))
	}
	s.legacy.prepend(alert)
	return alert, nil
}

// ChangeLegacyAlert changes any properties of a legacy alert as its
// provider would, advancing lastModifiedDateTime.
func (s *Store) ChangeLegacyAlert(id string, changes odata.Object, now odata.Time) (odata.Object, error) {
	if _, ok := changes["id"]; ok {
		return nil, badRequest("'id' cannot be changed")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, i, ok := s.legacy.get(id)
	if !ok {
		return nil, notFound("alert", id)
	}
	doc := maps.Clone(old)
	for k, v := range changes {
		if v == nil {
			delete(doc, k)
		} else {
			doc[k] = v
		}
	}
	doc["lastModifiedDateTime"] = now
	if err := odata.Validate(doc, s.schema.LegacyAlert); err != nil {
		return nil, fmt.Errorf("%w", badRequest("the alert would not be valid: %v", err))
	}
	s.legacy.replace(i, doc)
	return doc, nil
}
