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
	f.Severity = members(&errs, q, "severity", "a severity", graph.AlertSeverities())
	f.Status = members(&errs, q, "status", "an incident status", graph.IncidentStatuses())
	f.Classification = members(&errs, q, "classification", "a classification", graph.AlertClassifications())
	f.Determination = members(&errs, q, "determination", "a determination", graph.AlertDeterminations())
	f.AssignedTo = text(&errs, "assignedTo", q.Get("assignedTo"))
	f.AssignedToMe = q.Get("assignedToMe") != ""
	return f, errs
}

// Filter is the $filter Graph receives for f; me is the user's UPN, for
// "assigned to me".
func (f Incidents) Filter(me string) graph.Expr {
	a := Alerts{Severity: f.Severity, Status: f.Status, Classification: f.Classification, Determination: f.Determination,
		AssignedTo: f.AssignedTo, AssignedToMe: f.AssignedToMe}
	return a.Filter(me)
}

// Values re-encodes the filter as a query string.
func (f Incidents) Values() url.Values {
	v := Alerts{Severity: f.Severity, Status: f.Status, Classification: f.Classification, Determination: f.Determination,
		AssignedTo: f.AssignedTo, AssignedToMe: f.AssignedToMe, Top: DefaultTop}.Values()
	return v
}
