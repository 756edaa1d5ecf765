package gen

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// incidentCore derives what an incident states about its alerts. The
// same rules hold for generated incidents and for NewIncident, and the
// emulator can reapply them whenever an alert changes:
//   - severity: the highest of the alerts' severities;
//   - status: active while any alert is not resolved, else resolved;
//   - createdDateTime: the earliest alert's; lastUpdateDateTime: the
//     latest alert update (fallback when there are no alerts);
//   - assignedTo: the assignee of the most recently updated assigned
//     alert, absent when no alert is assigned;
//   - classification: the alerts' common value, else unknown;
//   - determination: the alerts' common value; else multiStagedAttack for
//     a true positive, unknown otherwise;
//   - displayName: as the Defender portal words it (see incidentName).
func incidentCore(alerts []odata.Object, fallback time.Time) odata.Object {
	o := make(odata.Object, 24)
	o["@odata.type"] = "#microsoft.graph.security.incident"
	sev, status := "informational", "resolved"
	if len(alerts) == 0 {
		status = "active"
	}
	var created, updated, assignedAt time.Time
	assignee := ""
	class, det := "", ""
	classSame, detSame := true, true
	for i, a := range alerts {
		if s, _ := a["severity"].(string); severityRank[s] > severityRank[sev] {
			sev = s
		}
		if s, _ := a["status"].(string); s != "resolved" {
			status = "active"
		}
		if t, ok := a["createdDateTime"].(odata.Time); ok && (created.IsZero() || t.Before(created)) {
			created = t.Time
		}
		up, _ := a["lastUpdateDateTime"].(odata.Time)
		if up.After(updated) {
			updated = up.Time
		}
		if who, _ := a["assignedTo"].(string); who != "" && (assignee == "" || up.After(assignedAt)) {
			assignee, assignedAt = who, up.Time
		}
		c, _ := a["classification"].(string)
		d, _ := a["determination"].(string)
		c, d = orUnknown(c), orUnknown(d)
		if i == 0 {
			class, det = c, d
		}
		classSame = classSame && c == class
		detSame = detSame && d == det
	}
	if created.IsZero() {
		created = fallback
	}
	if updated.IsZero() || updated.Before(created) {
		updated = created
	}
	if !classSame || class == "" {
		class = "unknown"
	}
	if !detSame || det == "" {
		det = "unknown"
		if class == "truePositive" {
			det = "multiStagedAttack"
		}
	}
	o["severity"] = sev
	o["status"] = status
	o["createdDateTime"] = at(created)
	o["lastUpdateDateTime"] = at(updated)
	o["classification"] = class
	o["determination"] = det
	if assignee != "" {
		o["assignedTo"] = assignee
	}
	o["displayName"] = incidentName(alerts)
	return o
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// incidentName words an incident as the Defender portal does:
// "Multi-stage incident involving Initial access & Execution on one
// endpoint", "'Wacatac' malware was prevented on multiple endpoints",
// "Impossible travel activity involving one user", with "reported by
// multiple sources" when several services contributed.
func incidentName(alerts []odata.Object) string {
	if len(alerts) == 0 {
		return "Incident"
	}
	var cats, hosts, users, sources, titles []string
	add := func(list *[]string, s string) {
		if s != "" && !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	chrono := slices.Clone(alerts)
	slices.SortStableFunc(chrono, func(a, b odata.Object) int {
		ta, _ := a["createdDateTime"].(odata.Time)
		tb, _ := b["createdDateTime"].(odata.Time)
		return ta.Compare(tb.Time)
	})
	for _, a := range chrono {
		c, _ := a["category"].(string)
		add(&cats, categoryName(c))
		s, _ := a["serviceSource"].(string)
		add(&sources, s)
		t, _ := a["title"].(string)
		add(&titles, t)
		evs, _ := a["evidence"].([]any)
		for _, e := range evs {
			o, _ := e.(odata.Object)
			switch o["@odata.type"] {
			case "#microsoft.graph.security.deviceEvidence":
				h, _ := o["hostName"].(string)
				add(&hosts, h)
			case "#microsoft.graph.security.userEvidence":
				if ua, ok := o["userAccount"].(odata.Object); ok {
					u, _ := ua["userPrincipalName"].(string)
					add(&users, u)
				}
			}
		}
	}
	var scope string
	switch {
	case len(hosts) == 1:
		scope = " on one endpoint"
	case len(hosts) > 1:
		scope = " on multiple endpoints"
	case len(users) == 1:
		scope = " involving one user"
	case len(users) > 1:
		scope = " involving multiple users"
	}
	var name string
	switch {
	case len(titles) == 1:
		name = titles[0] + scope
	case len(cats) >= 2:
		name = "Multi-stage incident involving " + cats[0] + " & " + cats[len(cats)-1] + scope
	case len(cats) == 1:
		name = "Multi-stage incident involving " + cats[0] + scope
	default:
		name = "Multi-stage incident" + scope
	}
	if len(sources) > 1 {
		name += " reported by multiple sources"
	}
	return name
}

func categoryName(c string) string {
	if n, ok := categoryNames[c]; ok {
		return n
	}
	if c == "" {
		return ""
	}
	// Unknown PascalCase category: "SomeThing" -> "Some thing".
	var b strings.Builder
	for i, r := range c {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte(' ')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var customTagChoices = []string{"VIP", "Finance", "Escalated", "Tier 2", "東京オフィス", "Board <exec> mailbox"}

// incidentObject completes a generated incident: the derived core plus
// tags, comments, priority and closing notes. id and incidentWebUrl are
// set by the caller.
func (g *Generator) incidentObject(alerts []odata.Object, chainTags []string) odata.Object {
	o := incidentCore(alerts, g.now)
	o["tenantId"] = g.env.tenantID
	var tags []string
	for _, t := range chainTags {
		if !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	for _, a := range alerts {
		st, _ := a["systemTags"].([]any)
		for _, t := range st {
			if s, _ := t.(string); s != "" && !slices.Contains(tags, s) {
				tags = append(tags, s)
			}
		}
	}
	o["systemTags"] = toAny(tags)
	custom := g.cat.empty
	switch {
	case o["determination"] == "securityTesting":
		custom = []any{"Red team exercise"}
	case g.r.chance(0.12):
		custom = []any{pick(g.r, customTagChoices)}
	}
	o["customTags"] = custom
	sev := o["severity"].(string)
	base := map[string]int{"high": 70, "medium": 45, "low": 20}[sev]
	o["priorityScore"] = int64(min(100, base+g.r.between(0, 25)+3*(len(alerts)-1)))

	created := o["createdDateTime"].(odata.Time).Time
	updated := o["lastUpdateDateTime"].(odata.Time).Time
	assignee, _ := o["assignedTo"].(string)
	comments := g.cat.empty
	if assignee != "" && g.r.chance(0.25) {
		n := g.r.between(1, 2)
		comments = make([]any, n)
		span := max(updated.Sub(created), time.Second)
		times := make([]time.Time, n)
		for i := range times {
			times[i] = created.Add(g.r.dur(0, span))
		}
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		for i := range comments {
			pool := commentPool(o["status"].(string), o["classification"].(string))
			comments[i] = odata.Object{"comment": pick(g.r, pool), "createdByDisplayName": assignee, "createdDateTime": at(times[i])}
		}
	}
	o["comments"] = comments
	if assignee != "" {
		o["lastModifiedBy"] = assignee
	}
	if o["status"] == "resolved" {
		o["resolvingComment"] = pick(g.r, resolvingComments[o["classification"].(string)])
	}
	return o
}

// NewAlert returns a fresh alerts_v2 alert as its provider would raise it
// at now: status new, unclassified, about one of the tenant's users and
// devices. It belongs to incidentID; when that is empty the generator
// allocates the next incident id (the caller then creates the incident,
// e.g. with NewIncident).
func (g *Generator) NewAlert(now time.Time, incidentID string) odata.Object {
	now = now.UTC()
	if incidentID == "" {
		incidentID = g.allocIncident()
	}
	c := g.catalog()
	di := g.r.weighted(c.weights)
	st := g.newStory(detections[di].platform)
	t := triage{status: "new", classification: "unknown", determination: "unknown", created: now, updated: now}
	t.last = now.Add(-g.r.dur(10*time.Second, 10*time.Minute))
	t.first = t.last.Add(-g.r.dur(0, 30*time.Minute))
	t.investigation = g.investigationState(&detections[di], &t)
	t.comments = c.empty
	a := g.buildAlert(di, st, &t)
	a["incidentId"] = incidentID
	a["incidentWebUrl"] = "https://security.microsoft.com/incidents/" + incidentID + "?tid=" + g.env.tenantID
	return a
}

// NewIncident returns an incident consistent with alerts (see
// incidentCore for the rules). Its id is the alerts' incidentId when they
// carry one, otherwise the next free incident id. With no alerts it is an
// active, informational incident created at now.
func (g *Generator) NewIncident(now time.Time, alerts []odata.Object) odata.Object {
	o := incidentCore(alerts, now.UTC())
	id := ""
	if len(alerts) > 0 {
		id, _ = alerts[0]["incidentId"].(string)
	}
	if id == "" {
		id = g.allocIncident()
	}
	o["id"] = id
	o["incidentWebUrl"] = "https://security.microsoft.com/incidents/" + id + "?tid=" + g.env.tenantID
	o["tenantId"] = g.env.tenantID
	var tags []any
	for _, a := range alerts {
		st, _ := a["systemTags"].([]any)
		for _, t := range st {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	if tags == nil {
		tags = []any{}
	}
	o["systemTags"] = tags
	o["customTags"] = []any{}
	o["comments"] = []any{}
	base := map[string]int{"high": 70, "medium": 45, "low": 20}[o["severity"].(string)]
	o["priorityScore"] = int64(min(100, base+g.r.between(0, 25)+3*max(0, len(alerts)-1)))
	return o
}

func (g *Generator) allocIncident() string {
	for {
		id := strconv.FormatInt(g.nextIncident, 10)
		g.nextIncident++
		if !g.seen["incident/"+id] {
			g.seen["incident/"+id] = true
			return id
		}
	}
}
