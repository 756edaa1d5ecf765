package graphapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// Page sizes for alerts_v2 (and an incident's alerts). The docs publish
// neither a default page size nor a maximum $top; the emulator pages 100 at
// a time and accepts $top up to 2000 (integrations use 100-1000 and one
// moved down from 2000). Incidents have their own, smaller limit
// (incidentMaxTop).
const (
	v2DefaultTop = 100
	v2MaxTop     = 2000
)

func (a *API) alertSpec() odata.Spec {
	return odata.Spec{
		Type:       a.schema.Alert,
		Allow:      odata.OptFilter | odata.OptOrderBy | odata.OptSelect | odata.OptTop | odata.OptSkip | odata.OptCount | odata.OptSkipToken,
		DefaultTop: v2DefaultTop, MaxTop: v2MaxTop, Limits: odata.DefaultLimits(),
		DollarOptional: false,
	}
}

func (a *API) listAlerts(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"); err != nil {
		return err
	}
	return c.listOf("security/alerts_v2", a.alertSpec(), func(q *odata.Query) ([]odata.Object, int, error) {
		a.store.mu.RLock()
		defer a.store.mu.RUnlock()
		return a.store.alerts.run(c.r.Context(), q)
	})
}

func (a *API) getAlert(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"); err != nil {
		return err
	}
	q, err := c.entitySelect(a.schema.Alert)
	if err != nil {
		return err
	}
	doc, ok := a.store.Alert(c.r.PathValue("id"))
	if !ok {
		return notFound("alert", c.r.PathValue("id"))
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/alerts_v2", q.Select)), doc, a.schema.Alert, q.Select)
	return nil
}

// Alert returns the alerts_v2 alert with the given id.
func (s *Store) Alert(id string) (odata.Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	d, _, ok := s.alerts.get(id)
	return d, ok
}

// readPatch reads a PATCH body and converts the allowed properties into
// stored form. Graph rejects properties a resource does not let clients
// change, so the emulator does too, naming them.
func (c *call) readPatch(t *odata.Type, allowed []string) (odata.Object, error) {
	var raw map[string]any
	if err := c.readJSON(&raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return nil, badRequest("The request body must be a JSON object.")
	}
	for k := range raw {
		if strings.HasPrefix(k, "@odata.") {
			delete(raw, k)
			continue
		}
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.EqualFold(a, k) }) {
			if _, declared := t.Property(k); declared || !t.Open {
				return nil, badRequest("Property '%s' cannot be updated. Updatable properties: %s.", k, strings.Join(allowed, ", "))
			}
		}
	}
	return odata.DecodeObject(raw, t, odata.DecodeOptions{KeepNulls: true})
}

func (a *API) updateAlert(c *call) error {
	if err := c.requireSecurity(writeAccess, "SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"); err != nil {
		return err
	}
	changes, err := c.readPatch(a.schema.Alert, []string{"assignedTo", "classification", "determination", "status"})
	if err != nil {
		return err
	}
	doc, err := a.store.UpdateAlert(c.r.PathValue("id"), changes, odata.At(c.now))
	if err != nil {
		return err
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/alerts_v2", nil)), doc, a.schema.Alert, nil)
	return nil
}

// UpdateAlert applies a client's changes to an alert (its incident follows)
// and returns the new version.
func (s *Store) UpdateAlert(id string, changes odata.Object, now odata.Time) (odata.Object, error) {
	var doc odata.Object
	err := s.write(change.OriginClient, now, func(t *tx) (err error) {
		doc, err = t.update(t.origin, change.Alerts, id, changes, stampResolved)
		return err
	})
	return doc, err
}

// stampResolved does the bookkeeping the service does when an alert's
// status changes: resolvedDateTime is set when the alert becomes resolved
// and cleared when it is reopened.
func stampResolved(doc, old odata.Object) error {
	switch {
	case doc["status"] == "resolved" && old["status"] != "resolved":
		doc["resolvedDateTime"] = doc["lastUpdateDateTime"]
	case doc["status"] != "resolved":
		delete(doc, "resolvedDateTime")
	}
	return nil
}

// readComment reads the body of POST .../comments: one alertComment
// object, or a one-element array of them (Microsoft's SDKs send an array).
func (c *call) readComment() (string, error) {
	var raw json.RawMessage
	if err := c.readJSON(&raw); err != nil {
		return "", err
	}
	type commentBody struct {
		ODataType string  `json:"@odata.type"`
		Comment   *string `json:"comment"`
	}
	var one commentBody
	trimmed := strings.TrimSpace(string(raw))
	if strings.HasPrefix(trimmed, "[") {
		var many []commentBody
		if err := json.Unmarshal(raw, &many); err != nil {
			return "", badRequest("The comment must be an alertComment object.")
		}
		if len(many) != 1 {
			return "", badRequest("Exactly one comment can be added per request; got %d.", len(many))
		}
		one = many[0]
	} else if err := json.Unmarshal(raw, &one); err != nil {
		return "", badRequest("The comment must be an alertComment object.")
	}
	if t := strings.TrimPrefix(one.ODataType, "#"); t != "" && !strings.EqualFold(t, "microsoft.graph.security.alertComment") {
		return "", badRequest("A resource of type '%s' cannot be used as an alertComment.", one.ODataType)
	}
	if one.Comment == nil || strings.TrimSpace(*one.Comment) == "" {
		return "", badRequest("The 'comment' property is required and must not be empty.")
	}
	if len(*one.Comment) > maxCommentLen {
		return "", badRequest("The comment is %d bytes long; the maximum is %d.", len(*one.Comment), maxCommentLen)
	}
	return *one.Comment, nil
}

// maxCommentLen bounds one comment (the docs give no limit; the emulator
// chooses 32 KiB).
const maxCommentLen = 32 << 10

func (a *API) commentAlert(c *call) error {
	if err := c.requireSecurity(writeAccess, "SecurityAlert.Read.All", "SecurityAlert.ReadWrite.All"); err != nil {
		return err
	}
	text, err := c.readComment()
	if err != nil {
		return err
	}
	id := c.r.PathValue("id")
	comments, realID, err := a.store.CommentAlert(id, newComment(text, c.who.displayName(), c.now))
	if err != nil {
		return err
	}
	c.writeComments("security/alerts_v2('"+realID+"')/comments", comments)
	return nil
}

// newComment is an alertComment as the service records it.
func newComment(text, by string, now time.Time) odata.Object {
	return odata.Object{"comment": text, "createdByDisplayName": by, "createdDateTime": odata.At(now)}
}

// CommentAlert appends a client's comment to an alert and returns every
// comment and the alert's id as stored.
func (s *Store) CommentAlert(id string, comment odata.Object) ([]any, string, error) {
	return s.Comment(change.OriginClient, change.Alerts, id, comment)
}

// Comment appends a comment (an alertComment in stored form) to an alert
// or incident, moving its lastUpdateDateTime on to the comment's time,
// and returns every comment and the stored id.
func (s *Store) Comment(origin change.Origin, res change.Resource, id string, comment odata.Object) ([]any, string, error) {
	if res != change.Alerts && res != change.Incidents {
		return nil, "", badRequest("only alerts and incidents take comments")
	}
	at, _ := comment["createdDateTime"].(odata.Time)
	var doc odata.Object
	err := s.write(origin, at, func(t *tx) (err error) {
		doc, err = t.update(t.origin, res, id, nil, func(doc, old odata.Object) error {
			doc["comments"] = appendComment(old["comments"], comment)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return doc["comments"].([]any), idOf(doc), nil
}

// appendComment returns a new comment list: the old one plus c. The old
// slice is shared with readers and is never written to.
func appendComment(old any, c odata.Object) []any {
	prev, _ := old.([]any)
	out := make([]any, 0, len(prev)+1)
	return append(append(out, prev...), c)
}

// writeComments answers a comments POST: 200 with every comment.
func (c *call) writeComments(context string, comments []any) {
	items := make([]odata.Object, 0, len(comments))
	for _, x := range comments {
		if o, ok := x.(odata.Object); ok {
			items = append(items, o)
		}
	}
	c.writeCollection(http.StatusOK, page{context: c.contextURL(context), items: items, t: c.api.schema.AlertComment})
}
