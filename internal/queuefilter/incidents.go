package queuefilter

import (
	"net/url"

	"github.com/graphsec/graphsec/graph"
)

// Incidents is an incident filter of the queue's shape
// (severity=high&status=active&assignedToMe=1): the properties Graph
// filters incidents on. An incident queue and an incident watch read it
// alike.
type Incidents struct {
	Severity       []string
	Status         []string
	Classification []string
	Determination  []string
	AssignedTo     string
	AssignedToMe   bool
}

// ParseIncidents reads an incident filter; as [ParseAlerts], every
// mistake is reported for its field and unknown parameters are ignored.
func ParseIncidents(q url.Values) (Incidents, Errors) {
	var f Incidents
	var errs Errors
	choices := AlertChoices()
	f.Severity = members(&errs, q, "severity", "severity", choices["severity"])
	f.Status = members(&errs, q, "status", "status of incidents", without(graph.IncidentStatuses(), ""))
	f.Classification = members(&errs, q, "classification", "classification", choices["classification"])
	f.Determination = members(&errs, q, "determination", "determination", choices["determination"])
	f.AssignedTo = text(&errs, "assignedTo", q.Get("assignedTo"))
	f.AssignedToMe = q.Get("assignedToMe") != ""
	return f, errs
}

// Filter is the $filter Graph receives for f; me is the user's UPN, for
// "assigned to me".
func (f Incidents) Filter(me string) graph.Expr {
	return f.alerts().Filter(me)
}

// Values re-encodes the filter as a query string.
func (f Incidents) Values() url.Values {
	v := f.alerts().Values()
	if len(f.Status) == 0 {
		v.Del("status") // an incident filter has no default status
	}
	return v
}

// alerts is f as the alert filter of the same conditions, whose Graph
// filter and query string it shares.
func (f Incidents) alerts() Alerts {
	return Alerts{Severity: f.Severity, Status: f.Status, Classification: f.Classification, Determination: f.Determination,
		AssignedTo: f.AssignedTo, AssignedToMe: f.AssignedToMe, Top: DefaultTop}
}
