package graphapi

import (
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// incidentMaxTop is the largest $top /security/incidents accepts. Graph
// refuses more with 400 and "The limit of '50' for Top query has been
// exceeded. The value from the incoming request is '100'." (reported by
// integrations that sent 100; the code is not reported, BadRequest is the
// emulator's choice). Without $top the emulator pages at the same 50, the
// most a client may ask for, so that the default never exceeds what a
// client could request itself.
const incidentMaxTop = 50

func (a *API) incidentSpec() odata.Spec {
	return odata.Spec{
		Type:       a.schema.Incident,
		Allow:      odata.OptFilter | odata.OptOrderBy | odata.OptSelect | odata.OptTop | odata.OptSkip | odata.OptCount | odata.OptExpand | odata.OptSkipToken,
		DefaultTop: incidentMaxTop, MaxTop: incidentMaxTop, Expand: []string{"alerts"}, Limits: odata.DefaultLimits(),
	}
}

func (a *API) listIncidents(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"); err != nil {
		return err
	}
	return c.listOf("security/incidents", a.incidentSpec(), func(q *odata.Query) ([]odata.Object, int, error) {
		a.store.mu.RLock()
		defer a.store.mu.RUnlock()
		items, n, err := a.store.incidents.run(c.r.Context(), q)
		if err == nil && expandsAlerts(q) {
			items = a.store.expandLocked(items)
		}
		return items, n, err
	})
}

func expandsAlerts(q *odata.Query) bool {
	for _, e := range q.Expand {
		if strings.EqualFold(e, "alerts") {
			return true
		}
	}
	return false
}

// expandLocked returns copies of the incidents with their alerts embedded,
// newest first, as $expand=alerts does.
func (s *Store) expandLocked(incidents []odata.Object) []odata.Object {
	out := make([]odata.Object, len(incidents))
	for i, inc := range incidents {
		doc := maps.Clone(inc)
		ids := s.incidentAlerts[idOf(inc)]
		alerts := make([]any, 0, len(ids))
		for _, id := range ids {
			if a, _, ok := s.alerts.get(id); ok {
				alerts = append(alerts, a)
			}
		}
		doc["alerts"] = alerts
		out[i] = doc
	}
	return out
}

func (a *API) getIncident(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"); err != nil {
		return err
	}
	q, err := c.entitySelect(a.schema.Incident, "alerts")
	if err != nil {
		return err
	}
	a.store.mu.RLock()
	doc, _, ok := a.store.incidents.get(c.r.PathValue("id"))
	if ok && expandsAlerts(q) {
		doc = a.store.expandLocked([]odata.Object{doc})[0]
	}
	a.store.mu.RUnlock()
	if !ok {
		return notFound("incident", c.r.PathValue("id"))
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/incidents", q.Select)), doc, a.schema.Incident, q.Select)
	return nil
}

func (a *API) listIncidentAlerts(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"); err != nil {
		return err
	}
	id := c.r.PathValue("id")
	a.store.mu.RLock()
	inc, _, ok := a.store.incidents.get(id)
	var alerts []odata.Object
	if ok {
		for _, aid := range a.store.incidentAlerts[idOf(inc)] {
			if d, _, ok := a.store.alerts.get(aid); ok {
				alerts = append(alerts, d)
			}
		}
	}
	a.store.mu.RUnlock()
	if !ok {
		return notFound("incident", id)
	}
	return c.listOf("security/incidents('"+idOf(inc)+"')/alerts", a.alertSpec(), func(q *odata.Query) ([]odata.Object, int, error) {
		return q.Run(c.r.Context(), alerts)
	})
}

// incidentStatuses are the statuses a client may set. redirected is set by
// the service when it merges incidents, and awaitingAction only by
// Defender Experts, so the emulator refuses both.
var incidentStatuses = map[string]bool{"active": true, "inProgress": true, "resolved": true}

func (a *API) updateIncident(c *call) error {
	if err := c.requireSecurity(writeAccess, "SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"); err != nil {
		return err
	}
	changes, err := c.readPatch(a.schema.Incident, []string{"assignedTo", "classification", "determination", "status", "customTags", "resolvingComment"})
	if err != nil {
		return err
	}
	if st, ok := changes["status"].(string); ok && !incidentStatuses[st] {
		return badRequest("The incident status '%s' cannot be set by a client. Allowed: active, inProgress, resolved.", st)
	}
	if _, ok := changes["status"]; ok && changes["status"] == nil {
		return badRequest("The incident status cannot be null.")
	}
	doc, err := a.store.UpdateIncident(c.r.PathValue("id"), changes, c.who.displayName(), odata.At(c.now))
	if err != nil {
		return err
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/incidents", nil)), doc, a.schema.Incident, nil)
	return nil
}

// UpdateIncident applies a client's changes to an incident and carries
// them to its alerts as the Defender portal does: resolving an incident
// resolves its alerts, reactivating it reopens them (as new), and
// assignment, classification and determination apply to every alert.
func (s *Store) UpdateIncident(id string, changes odata.Object, by string, now odata.Time) (odata.Object, error) {
	return s.UpdateIncidentAs(change.OriginClient, id, changes, by, now)
}

// UpdateIncidentAs is UpdateIncident made by origin (the living tenant's
// analysts use it).
func (s *Store) UpdateIncidentAs(origin change.Origin, id string, changes odata.Object, by string, now odata.Time) (odata.Object, error) {
	var doc odata.Object
	err := s.write(origin, now, func(t *tx) error {
		old, err := t.mustGet(change.Incidents, id)
		if err != nil {
			return err
		}
		if old["status"] == "redirected" {
			return badRequest("The incident '%s' was merged into incident '%v' and can no longer be changed.", idOf(old), old["redirectIncidentId"])
		}
		doc, _ = t.update(t.origin, change.Incidents, id, changes, func(doc, _ odata.Object) error {
			doc["lastModifiedBy"] = by
			return nil
		})
		alertChanges := odata.Object{}
		for _, k := range []string{"assignedTo", "classification", "determination"} {
			if v, ok := changes[k]; ok {
				alertChanges[k] = v
			}
		}
		newStatus, statusChanged := changes["status"].(string)
		for _, aid := range slices.Clone(s.incidentAlerts[idOf(doc)]) {
			a, ok := t.get(change.Alerts, aid)
			if !ok {
				continue
			}
			ch := maps.Clone(alertChanges)
			if statusChanged {
				switch {
				case newStatus == "resolved" && a["status"] != "resolved":
					ch["status"] = "resolved"
				case newStatus != "resolved" && old["status"] == "resolved" && a["status"] == "resolved":
					ch["status"] = "new"
				}
			}
			if len(ch) > 0 {
				_, _ = t.update(change.OriginService, change.Alerts, aid, ch, stampResolved)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	doc, _ = s.Incident(idOf(doc))
	return doc, nil
}

// Incident returns the incident with the given id.
func (s *Store) Incident(id string) (odata.Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, _, ok := s.incidents.get(id)
	return d, ok
}

// MergeIncident merges incident from into incident into, as the service
// does when it correlates two incidents: from's alerts move to into, from
// becomes redirected with redirectIncidentId, and into follows its new
// alerts.
func (s *Store) MergeIncident(origin change.Origin, from, into string, now odata.Time) (odata.Object, error) {
	var doc odata.Object
	err := s.write(origin, now, func(t *tx) error {
		src, err := t.mustGet(change.Incidents, from)
		if err != nil {
			return err
		}
		dst, err := t.mustGet(change.Incidents, into)
		if err != nil {
			return err
		}
		switch {
		case idOf(src) == idOf(dst):
			return badRequest("An incident cannot be merged into itself.")
		case src["status"] == "redirected" || dst["status"] == "redirected":
			return badRequest("A redirected incident cannot be merged again.")
		}
		url, _ := dst["incidentWebUrl"].(string)
		for _, aid := range slices.Clone(s.incidentAlerts[idOf(src)]) {
			ch := odata.Object{"incidentId": idOf(dst)}
			if url != "" {
				ch["incidentWebUrl"] = url
			}
			if _, ok := t.get(change.Alerts, aid); ok {
				_, _ = t.update(change.OriginService, change.Alerts, aid, ch, nil)
			}
		}
		doc, err = t.update(t.origin, change.Incidents, idOf(src), odata.Object{"status": "redirected", "redirectIncidentId": idOf(dst)}, nil)
		return err
	})
	return doc, err
}

func (s *Store) severityEnum() *odata.Enum {
	if p, ok := s.schema.Alert.Property("severity"); ok {
		return p.Enum
	}
	return nil
}

// rank is a member's position in its enum: severities compare by it.
func rank(e *odata.Enum, m string) int {
	for i, x := range e.Members {
		if x == m && x != odata.UnknownFutureValue {
			return i
		}
	}
	return -1
}

func (a *API) commentIncident(c *call) error {
	if err := c.requireSecurity(writeAccess, "SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"); err != nil {
		return err
	}
	text, err := c.readComment()
	if err != nil {
		return err
	}
	comments, realID, err := a.store.CommentIncident(c.r.PathValue("id"), newComment(text, c.who.displayName(), c.now))
	if err != nil {
		return err
	}
	c.writeComments("security/incidents('"+realID+"')/comments", comments)
	return nil
}

// CommentIncident appends a comment to an incident.
func (s *Store) CommentIncident(id string, comment odata.Object) ([]any, string, error) {
	return s.Comment(change.OriginClient, change.Incidents, id, comment)
}
