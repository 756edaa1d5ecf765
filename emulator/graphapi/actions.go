package graphapi

import (
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// Security actions exist only on beta, and only for application
// permissions, as on the real service.
func (c *call) requireActions(access securityAccess) error {
	if c.version != "beta" {
		return badRequest("Resource not found for the segment 'securityActions'.")
	}
	if !c.who.appOnly() {
		return errorf(http.StatusForbidden, "Forbidden", "Security actions support application permissions only; this request used delegated permissions.")
	}
	return c.requireSecurity(access, "SecurityActions.Read.All", "SecurityActions.ReadWrite.All")
}

// How an action progresses once created. The service runs actions
// asynchronously; the emulator moves them on by the (injectable) clock so
// that tests can watch each state.
const (
	actionStartAfter    = 2 * time.Second
	actionCompleteAfter = 10 * time.Second
)

// advanceActionsLocked moves actions through NotStarted → Running →
// Completed according to the clock, recording each state.
func (s *Store) advanceActionsLocked(now time.Time) {
	for i, d := range s.actions.items {
		st, _ := d["status"].(string)
		if st != "NotStarted" && st != "Running" {
			continue
		}
		created, _ := d["createdDateTime"].(odata.Time)
		next := st
		switch {
		case now.Sub(created.Time) >= actionCompleteAfter:
			next = "Completed"
		case now.Sub(created.Time) >= actionStartAfter:
			next = "Running"
		}
		if next == st {
			continue
		}
		doc := maps.Clone(d)
		at := odata.At(now)
		doc["status"] = next
		doc["lastActionDateTime"] = at
		if next == "Completed" {
			doc["completedDateTime"] = at
		}
		state := odata.Object{"status": next, "updatedDateTime": at}
		if v, ok := d["appId"]; ok {
			state["appId"] = v
		}
		doc["states"] = appendComment(d["states"], state)
		s.actions.items[i] = doc
	}
}

func (a *API) listActions(c *call) error {
	if err := c.requireActions(readAccess); err != nil {
		return err
	}
	spec := odata.Spec{
		Type:  a.schema.SecurityAction,
		Allow: odata.OptFilter | odata.OptSelect | odata.OptTop | odata.OptSkip | odata.OptCount | odata.OptOrderBy,
		// beta accepts system query options without the $ prefix.
		DefaultTop: 100, MaxTop: 1000, Limits: odata.DefaultLimits(), DollarOptional: true,
	}
	a.store.mu.Lock()
	a.store.advanceActionsLocked(c.now)
	a.store.mu.Unlock()
	return c.listOf("security/securityActions", spec, func(q *odata.Query) ([]odata.Object, int, error) {
		a.store.mu.RLock()
		defer a.store.mu.RUnlock()
		return q.Run(c.r.Context(), a.store.actions.items)
	})
}

func (a *API) getAction(c *call) error {
	if err := c.requireActions(readAccess); err != nil {
		return err
	}
	a.store.mu.Lock()
	a.store.advanceActionsLocked(c.now)
	a.store.mu.Unlock()
	return a.getFrom(c, a.store.actions, "security/securityActions", "securityAction", a.schema.SecurityAction)
}

// securityActionBody is what a client may send when creating an action.
type securityActionBody struct {
	Name         string `json:"name"`
	ActionReason string `json:"actionReason"`
	Parameters   []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"parameters"`
	VendorInformation *struct {
		Provider        string  `json:"provider"`
		Vendor          string  `json:"vendor"`
		ProviderVersion *string `json:"providerVersion"`
		SubProvider     *string `json:"subProvider"`
	} `json:"vendorInformation"`
	ClientContext string `json:"clientContext"`
}

func (a *API) createAction(c *call) error {
	if err := c.requireActions(writeAccess); err != nil {
		return err
	}
	var raw map[string]any
	if err := c.readJSON(&raw); err != nil {
		return err
	}
	for k := range raw {
		switch strings.ToLower(k) {
		case "name", "actionreason", "parameters", "vendorinformation", "clientcontext", "@odata.type":
		default:
			return badRequest("Property '%s' cannot be set when creating a securityAction; it is set by the service.", k)
		}
	}
	var b securityActionBody
	if err := remarshal(raw, &b); err != nil {
		return badRequest("The request body does not match securityAction: %v", err)
	}
	switch {
	case strings.TrimSpace(b.Name) == "":
		return badRequest("The 'name' property is required.")
	case len(b.Parameters) == 0:
		return badRequest("The 'parameters' property is required and must not be empty.")
	case b.VendorInformation == nil || b.VendorInformation.Provider == "" || b.VendorInformation.Vendor == "":
		return badRequest("The request body must include vendorInformation with provider and vendor.")
	case len(b.ClientContext) > 256:
		return badRequest("clientContext may be at most 256 characters long.")
	case len(b.Parameters) > 100 || len(b.Name) > 256 || len(b.ActionReason) > 4096:
		return badRequest("The securityAction is too large.")
	}
	now := odata.At(c.now)
	params := make([]any, 0, len(b.Parameters))
	for _, p := range b.Parameters {
		if p.Name == "" {
			return badRequest("Every parameter needs a name.")
		}
		params = append(params, odata.Object{"name": p.Name, "value": p.Value})
	}
	vi := odata.Object{"provider": b.VendorInformation.Provider, "vendor": b.VendorInformation.Vendor}
	if v := b.VendorInformation.ProviderVersion; v != nil {
		vi["providerVersion"] = *v
	}
	if v := b.VendorInformation.SubProvider; v != nil {
		vi["subProvider"] = *v
	}
	doc := odata.Object{
		"id": newGUID(), "name": b.Name, "parameters": params, "vendorInformation": vi,
		"status": "NotStarted", "createdDateTime": now, "lastActionDateTime": now,
		"appId": c.who.claims.AppID, "azureTenantId": c.who.claims.TenantID,
		"states": []any{odata.Object{"appId": c.who.claims.AppID, "status": "NotStarted", "updatedDateTime": now}},
	}
	if b.ActionReason != "" {
		doc["actionReason"] = b.ActionReason
	}
	if b.ClientContext != "" {
		doc["clientContext"] = b.ClientContext
	}
	a.store.mu.Lock()
	a.store.actions.prepend(doc)
	a.store.mu.Unlock()
	c.w.Header().Set("Location", a.baseURL+"/beta/security/securityActions('"+idOf(doc)+"')")
	c.writeEntity(http.StatusCreated, c.contextURL("security/securityActions/$entity"), doc, a.schema.SecurityAction, nil)
	return nil
}

// cancelAction stops an action that has not completed. operationStatus
// has no "canceled" member, so a cancelled action ends Failed with an
// errorInfo saying why (an emulator choice).
func (a *API) cancelAction(c *call) error {
	if err := c.requireActions(writeAccess); err != nil {
		return err
	}
	s := a.store
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceActionsLocked(c.now)
	id := c.r.PathValue("id")
	old, i, ok := s.actions.get(id)
	if !ok {
		return notFound("securityAction", id)
	}
	if st := old["status"]; st == "Completed" || st == "Failed" {
		return badRequest("The security action is already %v and cannot be canceled.", st)
	}
	at := odata.At(c.now)
	doc := maps.Clone(old)
	doc["status"] = "Failed"
	doc["lastActionDateTime"] = at
	doc["completedDateTime"] = at
	doc["errorInfo"] = odata.Object{"code": int64(499), "message": "Canceled by the client.", "subcode": int64(0)}
	doc["states"] = appendComment(old["states"], odata.Object{"appId": c.who.claims.AppID, "status": "Failed", "updatedDateTime": at})
	s.actions.replace(i, doc)
	c.writeEmpty(http.StatusOK)
	return nil
}
