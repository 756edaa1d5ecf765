package gen

import (
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// securityActions builds beta security actions: indicators an automation
// pushed to Defender while handling incidents. Status is PascalCase, as
// the beta service serialises operationStatus. Newest first.
func (g *Generator) securityActions(n int) []odata.Object {
	e := g.env
	out := make([]odata.Object, 0, n)
	for i := 0; i < n; i++ {
		created := g.now.Add(-g.r.dur(2*time.Minute, 30*24*time.Hour))
		user := pick(g.r, e.analysts)
		kind := g.r.weighted([]int{5, 1, 3, 1, 2})
		if i < 5 {
			kind = i // every kind at least once
		}
		var name, reason string
		var params []any
		switch kind {
		case 0:
			ip := pick(g.r, e.attackers)
			name, reason = "BlockIp", "Block command-and-control address seen in "+g.incidentRef()
			params = []any{odata.Object{"name": "IP", "value": ip.ip}}
		case 1:
			name, reason = "AllowIp", "Allow the external vulnerability scanner (change CHG-1204)"
			params = []any{odata.Object{"name": "IP", "value": "192.0.2.200"}}
		case 2:
			f := e.file(g.r, pick(g.r, []string{"invoice", "dll", "persist", "wacatac"}), pick(g.r, e.people))
			name, reason = "BlockFile", "Block dropper found in "+g.incidentRef()
			params = []any{odata.Object{"name": "FileHash", "value": f.sha256}, odata.Object{"name": "HashType", "value": "sha256"}}
		case 3:
			name, reason = "AllowFile", "Line-of-business tool flagged as PUA & quarantined by mistake"
			params = []any{odata.Object{"name": "FileHash", "value": g.r.hex(64)}, odata.Object{"name": "HashType", "value": "sha256"}}
		default:
			name, reason = "BlockUrl", "Block phishing site reported by users"
			params = []any{odata.Object{"name": "Url", "value": pick(g.r, urlSets["phish"])}}
		}
		age := g.now.Sub(created)
		status := "Completed"
		switch {
		case age < 5*time.Minute:
			status = pick(g.r, []string{"NotStarted", "Running"})
		case g.r.chance(0.1):
			status = "Failed"
		case age < 2*time.Hour && g.r.chance(0.3):
			status = "Running"
		}
		a := odata.Object{
			"id":                g.uniqueID(g.r.guid),
			"name":              name,
			"actionReason":      reason,
			"appId":             e.soarApp,
			"azureTenantId":     e.tenantID,
			"user":              user.u.UserPrincipalName,
			"parameters":        params,
			"status":            status,
			"createdDateTime":   at(created),
			"vendorInformation": odata.Object{"provider": "Windows Defender ATP", "vendor": "Microsoft"},
		}
		if g.r.chance(0.5) {
			a["clientContext"] = "playbook-run-" + g.r.hex(8)
		}
		// The state history: NotStarted at creation, then Running, then
		// the outcome.
		state := func(s string, t time.Time) odata.Object {
			return odata.Object{"appId": e.soarApp, "status": s, "updatedDateTime": at(t), "user": user.u.UserPrincipalName}
		}
		states := []any{state("NotStarted", created)}
		last := created
		if status != "NotStarted" {
			last = created.Add(g.r.dur(5*time.Second, 90*time.Second))
			states = append(states, state("Running", last))
		}
		if status == "Completed" || status == "Failed" {
			last = minTime(last.Add(g.r.dur(30*time.Second, 4*time.Minute)), g.now)
			states = append(states, state(status, last))
			a["completedDateTime"] = at(last)
		}
		if status == "Failed" {
			a["errorInfo"] = odata.Object{"code": int64(409), "message": "An indicator with the same value already exists.", "subcode": int64(2)}
		}
		a["states"] = states
		a["lastActionDateTime"] = at(last)
		out = append(out, a)
	}
	sortNewestFirst(out, "createdDateTime")
	return out
}

// incidentRef names a generated incident for an action's reason, so the
// two can be cross-checked in the console.
func (g *Generator) incidentRef() string {
	if len(g.ds.Incidents) == 0 {
		return "an incident"
	}
	id, _ := pick(g.r, g.ds.Incidents)["id"].(string)
	return "incident " + id
}
