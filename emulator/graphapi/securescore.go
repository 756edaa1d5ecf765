package graphapi

import (
	"maps"
	"net/http"
	"strings"

	"github.com/graphsec/graphsec/emulator/odata"
)

func (a *API) listSecureScores(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	spec := odata.Spec{
		Type:  a.schema.SecureScore,
		Allow: odata.OptFilter | odata.OptSelect | odata.OptTop | odata.OptSkip | odata.OptCount | odata.OptOrderBy,
		// One entry a day for 90 days, newest first: $top=n is "the last n days".
		DefaultTop: 90, MaxTop: 1000, Limits: odata.DefaultLimits(),
	}
	return c.listOf("security/secureScores", spec, func(q *odata.Query) ([]odata.Object, int, error) {
		a.store.mu.RLock()
		defer a.store.mu.RUnlock()
		return q.Run(c.r.Context(), a.store.secureScores.items)
	})
}

func (a *API) getSecureScore(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	return a.getFrom(c, a.store.secureScores, "security/secureScores", "secureScore", a.schema.SecureScore)
}

// getFrom answers a GET by id from one collection.
func (a *API) getFrom(c *call, col *collection, set, kind string, t *odata.Type) error {
	q, err := c.entitySelect(t)
	if err != nil {
		return err
	}
	a.store.mu.RLock()
	doc, _, ok := col.get(c.r.PathValue("id"))
	a.store.mu.RUnlock()
	if !ok {
		return notFound(kind, c.r.PathValue("id"))
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext(set, q.Select)), doc, t, q.Select)
	return nil
}

func (a *API) listControlProfiles(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	spec := odata.Spec{
		Type:       a.schema.ControlProfile,
		Allow:      odata.OptFilter | odata.OptSelect | odata.OptTop | odata.OptSkip | odata.OptCount | odata.OptOrderBy,
		DefaultTop: 1000, MaxTop: 1000, Limits: odata.DefaultLimits(),
	}
	return c.listOf("security/secureScoreControlProfiles", spec, func(q *odata.Query) ([]odata.Object, int, error) {
		a.store.mu.RLock()
		defer a.store.mu.RUnlock()
		return q.Run(c.r.Context(), a.store.controlProfiles.items)
	})
}

func (a *API) getControlProfile(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	return a.getFrom(c, a.store.controlProfiles, "security/secureScoreControlProfiles", "secureScoreControlProfile", a.schema.ControlProfile)
}

// controlStates are the values of secureScoreControlStateUpdate.state.
var controlStates = []string{"Default", "Ignored", "ThirdParty", "Reviewed"}

func (a *API) updateControlProfile(c *call) error {
	if err := c.requireSecurity(writeAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	var body struct {
		AssignedTo        *string `json:"assignedTo"`
		Comment           *string `json:"comment"`
		State             *string `json:"state"`
		VendorInformation *struct {
			Provider string `json:"provider"`
			Vendor   string `json:"vendor"`
		} `json:"vendorInformation"`
	}
	var raw map[string]any
	if err := c.readJSON(&raw); err != nil {
		return err
	}
	for k := range raw {
		switch strings.ToLower(k) {
		case "assignedto", "comment", "state", "vendorinformation", "@odata.type":
		default:
			return badRequest("Property '%s' cannot be updated. Updatable properties: assignedTo, comment, state, vendorInformation.", k)
		}
	}
	if err := remarshal(raw, &body); err != nil {
		return badRequest("The request body does not match secureScoreControlProfile: %v", err)
	}
	if body.VendorInformation == nil || body.VendorInformation.Provider == "" || body.VendorInformation.Vendor == "" {
		return badRequest("The request body must include vendorInformation with provider and vendor.")
	}
	upd := odata.Object{"updatedBy": c.who.displayName(), "updatedDateTime": odata.At(c.now)}
	if body.State != nil {
		st, ok := canonicalString(controlStates, *body.State)
		if !ok {
			return badRequest("Invalid state '%s'. Allowed: %s.", *body.State, strings.Join(controlStates, ", "))
		}
		upd["state"] = st
	}
	if body.AssignedTo != nil {
		upd["assignedTo"] = *body.AssignedTo
	}
	if body.Comment != nil {
		if len(*body.Comment) > maxCommentLen {
			return badRequest("The comment is too long (maximum %d bytes).", maxCommentLen)
		}
		upd["comment"] = *body.Comment
	}
	doc, err := a.store.UpdateControlProfile(c.r.PathValue("id"), upd, body.VendorInformation.Provider, body.VendorInformation.Vendor)
	if err != nil {
		return err
	}
	if c.returnRepresentation {
		c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/secureScoreControlProfiles", nil)), doc, a.schema.ControlProfile, nil)
		return nil
	}
	c.writeEmpty(http.StatusNoContent)
	return nil
}

func canonicalString(allowed []string, s string) (string, bool) {
	for _, a := range allowed {
		if strings.EqualFold(a, s) {
			return a, true
		}
	}
	return "", false
}

// UpdateControlProfile appends a controlStateUpdates entry, carrying over
// whatever the update leaves unsaid from the previous entry.
func (s *Store) UpdateControlProfile(id string, upd odata.Object, provider, vendor string) (odata.Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, i, ok := s.controlProfiles.get(id)
	if !ok {
		return nil, notFound("secureScoreControlProfile", id)
	}
	vi, _ := old["vendorInformation"].(odata.Object)
	if p, _ := vi["provider"].(string); !strings.EqualFold(p, provider) {
		return nil, badRequest("vendorInformation provider '%s' does not match the control profile's provider '%s'.", provider, p)
	}
	if v, _ := vi["vendor"].(string); !strings.EqualFold(v, vendor) {
		return nil, badRequest("vendorInformation vendor '%s' does not match the control profile's vendor '%s'.", vendor, v)
	}
	prevList, _ := old["controlStateUpdates"].([]any)
	entry := maps.Clone(upd)
	var prev odata.Object
	if len(prevList) > 0 {
		prev, _ = prevList[len(prevList)-1].(odata.Object)
	}
	for _, k := range []string{"state", "assignedTo", "comment"} {
		if _, ok := entry[k]; !ok {
			if v, ok := prev[k]; ok {
				entry[k] = v
			}
		}
	}
	if _, ok := entry["state"]; !ok {
		entry["state"] = "Default"
	}
	doc := maps.Clone(old)
	doc["controlStateUpdates"] = appendComment(old["controlStateUpdates"], entry)
	doc["lastModifiedDateTime"] = upd["updatedDateTime"]
	s.controlProfiles.replace(i, doc)
	return doc, nil
}
