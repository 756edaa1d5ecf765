package graphapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/graphsec/graphsec/emulator/change"
	"github.com/graphsec/graphsec/emulator/odata"
)

// The legacy API is federated: $top applies per provider (max 1000) and
// $skip may not exceed 500. Without $top the emulator returns up to 1000
// alerts per provider, the documented maximum (the docs give no default).
const (
	legacyMaxTop  = 1000
	legacyMaxSkip = 500
)

func (a *API) legacySpec() odata.Spec {
	return odata.Spec{
		Type:       a.schema.LegacyAlert,
		Allow:      odata.OptFilter | odata.OptOrderBy | odata.OptSelect | odata.OptTop | odata.OptSkip | odata.OptCount,
		DefaultTop: legacyMaxTop, MaxTop: legacyMaxTop, MaxSkip: legacyMaxSkip, Limits: odata.DefaultLimits(),
	}
}

func providerOf(d odata.Object) string {
	vi, _ := d["vendorInformation"].(odata.Object)
	p, _ := vi["provider"].(string)
	return p
}

func (a *API) listLegacyAlerts(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	spec := a.legacySpec()
	q, err := odata.ParseQuery(c.r.URL.RawQuery, spec)
	if err != nil {
		return err
	}
	failing := a.faults.providerFailures("/security/alerts")

	a.store.mu.RLock()
	groups := map[string][]odata.Object{}
	var order []string
	for _, d := range a.store.legacy.items {
		p := providerOf(d)
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], d)
	}
	sort.Strings(order)
	var merged []odata.Object
	matched, more := 0, false
	// Each provider's alerts keep the store's order, so they are newest
	// first whenever the whole list is; without $count a provider's scan
	// may then stop early, and n is only a lower bound, which is enough
	// to decide on a next link.
	opt := odata.RunOptions{Order: a.store.legacy.order.holds()}
	for _, p := range order {
		if _, down := failing[strings.ToLower(p)]; down {
			continue
		}
		r, err := q.RunWith(c.r.Context(), groups[p], opt)
		if err != nil {
			a.store.mu.RUnlock()
			return err
		}
		items, n := r.Page, r.Matched
		merged = append(merged, items...)
		matched += n
		if q.Skip+len(items) < n && len(items) > 0 {
			more = true
		}
	}
	a.store.mu.RUnlock()

	// The federation merges the providers' answers; the emulator presents
	// them in the requested order, or newest first.
	if len(q.OrderBy) > 0 {
		if merged, err = sortLike(c.r.Context(), q, merged); err != nil {
			return err
		}
	} else {
		sort.SliceStable(merged, func(i, j int) bool {
			return odata.Compare(merged[i]["createdDateTime"], merged[j]["createdDateTime"]) > 0
		})
	}
	status := http.StatusOK
	if len(failing) > 0 {
		status = http.StatusPartialContent
		names := slices.Sorted(maps.Keys(failing))
		for _, p := range names {
			c.w.Header().Add("Warning", fmt.Sprintf(`199 - "Microsoft/%s/%d/%d"`, providerName(order, p), failing[p], 10000))
		}
	}
	pg := page{
		context: c.contextURL(selectContext("security/alerts", q.Select)),
		count:   matched, hasCount: q.Count, items: merged, t: spec.Type, sel: q.Select,
	}
	if more {
		top, _ := q.PageSize()
		pg.nextLink = c.nextLink("security/alerts", q, q.Skip+top)
	}
	c.writeCollection(status, pg)
	return nil
}

// providerName returns the provider's spelling as stored, for a lower-cased
// name from a fault.
func providerName(known []string, lower string) string {
	for _, k := range known {
		if strings.ToLower(k) == lower {
			return k
		}
	}
	return lower
}

func (a *API) getLegacyAlert(c *call) error {
	if err := c.requireSecurity(readAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	q, err := c.entitySelect(a.schema.LegacyAlert)
	if err != nil {
		return err
	}
	a.store.mu.RLock()
	doc, _, ok := a.store.legacy.get(c.r.PathValue("id"))
	a.store.mu.RUnlock()
	if !ok {
		return notFound("alert", c.r.PathValue("id"))
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/alerts", q.Select)), doc, a.schema.LegacyAlert, q.Select)
	return nil
}

// legacyUpdatable are the only properties PATCH may change (alert-update.md).
var legacyUpdatable = []string{"assignedTo", "closedDateTime", "comments", "feedback", "status", "tags", "vendorInformation"}

// closingComments are the only comment values the docs allow. The emulator
// enforces them for alerts from the two providers they name (IPC and
// MCAS), where they record that the alert was closed in that portal, and
// accepts free-text comments for other providers, which the original
// sample relies on. This is a documented choice: the docs are not explicit.
var closingComments = map[string]string{"ipc": "Closed in IPC", "mcas": "Closed in MCAS"}

const (
	maxLegacyComments   = 100
	maxLegacyCommentLen = 1000
)

func (a *API) updateLegacyAlert(c *call) error {
	if err := c.requireSecurity(writeAccess, "SecurityEvents.Read.All", "SecurityEvents.ReadWrite.All"); err != nil {
		return err
	}
	changes, err := c.readPatch(a.schema.LegacyAlert, legacyUpdatable)
	if err != nil {
		return err
	}
	vi, _ := changes["vendorInformation"].(odata.Object)
	prov, _ := vi["provider"].(string)
	vendor, _ := vi["vendor"].(string)
	if prov == "" || vendor == "" {
		return badRequest("The request body must include vendorInformation with provider and vendor.")
	}
	doc, err := a.store.UpdateLegacyAlert(c.r.PathValue("id"), changes, c.who, odata.At(c.now))
	if err != nil {
		return err
	}
	if c.returnRepresentation {
		c.writeEntity(http.StatusOK, c.contextURL(entityContext("security/alerts", nil)), doc, a.schema.LegacyAlert, nil)
		return nil
	}
	c.writeEmpty(http.StatusNoContent)
	return nil
}

// UpdateLegacyAlert applies a client's PATCH to a legacy alert.
func (s *Store) UpdateLegacyAlert(id string, changes odata.Object, who *principal, now odata.Time) (odata.Object, error) {
	var doc odata.Object
	err := s.write(change.OriginClient, now, func(t *tx) error {
		old, err := t.mustGet(change.LegacyAlerts, id)
		if err != nil {
			return err
		}
		vi, _ := changes["vendorInformation"].(odata.Object)
		oldVI, _ := old["vendorInformation"].(odata.Object)
		if !strings.EqualFold(fmt.Sprint(vi["provider"]), fmt.Sprint(oldVI["provider"])) || !strings.EqualFold(fmt.Sprint(vi["vendor"]), fmt.Sprint(oldVI["vendor"])) {
			return badRequest("vendorInformation (provider '%v', vendor '%v') does not match the alert's provider '%v' and vendor '%v'.", vi["provider"], vi["vendor"], oldVI["provider"], oldVI["vendor"])
		}
		if raw, ok := changes["comments"]; ok {
			if err := checkLegacyComments(old["comments"], raw, strings.ToLower(providerOf(old))); err != nil {
				return err
			}
		}
		// vendorInformation identifies the provider; the alert's own is kept.
		ch := maps.Clone(changes)
		delete(ch, "vendorInformation")
		doc, err = t.update(t.origin, change.LegacyAlerts, id, ch, func(doc, old odata.Object) error {
			if doc["status"] == "resolved" && old["status"] != "resolved" && doc["closedDateTime"] == nil {
				doc["closedDateTime"] = now
			}
			hist := odata.Object{"updatedDateTime": now, "appId": who.claims.AppID, "user": who.displayName()}
			for _, k := range []string{"assignedTo", "comments", "feedback", "status"} {
				if v, ok := doc[k]; ok {
					hist[k] = v
				}
			}
			doc["historyStates"] = appendComment(old["historyStates"], hist)
			return nil
		})
		return err
	})
	return doc, err
}

func checkLegacyComments(old, next any, provider string) error {
	prev, _ := old.([]any)
	list, ok := next.([]any)
	if next != nil && !ok {
		return badRequest("comments must be a collection of strings.")
	}
	if len(list) > maxLegacyComments {
		return badRequest("An alert can hold at most %d comments.", maxLegacyComments)
	}
	for _, v := range list {
		s, _ := v.(string)
		if len(s) > maxLegacyCommentLen {
			return badRequest("A comment may be at most %d characters long.", maxLegacyCommentLen)
		}
		if slices.Contains(prev, v) {
			continue
		}
		if want, restricted := closingComments[provider]; restricted && s != want {
			return badRequest("comments can only be updated with the value '%s' for alerts from this provider.", want)
		}
	}
	return nil
}

// sortLike orders docs by q's $orderby keys, and nothing else.
func sortLike(ctx context.Context, q *odata.Query, docs []odata.Object) ([]odata.Object, error) {
	s := *q
	s.Filter, s.Skip, s.HasTop, s.Top = nil, 0, true, len(docs)
	out, _, err := s.Run(ctx, docs)
	return out, err
}
