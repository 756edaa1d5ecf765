package queuefilter

import (
	"cmp"
	"net/url"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
)

// Incidents is an incident filter of the queue's shape
// (severity=high&status=active&assignedToMe=1): the properties Graph
// filters incidents on. An incident queue and an incident watch read it
// alike.
//
// The incident queue (internal/web/incidents) adds what a watch does not
// use: a search, tags, creation and update dates, a page size and a sort.
// Graph cannot filter incidents by their tags (customTags and systemTags
// are not filterable) nor search their names, so those are applied by
// graphsec to the pages Graph returns ([Incidents.Keeps]).
type Incidents struct {
	Severity       []string
	Status         []string
	Classification []string
	Determination  []string
	AssignedTo     string
	AssignedToMe   bool

	// The queue's own: Q is an incident's id or words of its name;
	// CustomTags and SystemTags keep the incidents with one of them each
	// (without regard to case); the dates are YYYY-MM-DD, UTC; Top is the
	// page size (0: DefaultTop) and Sort "prop dir" ("": the queue's
	// default, DefaultIncidentSort).
	Q                      string
	CustomTags, SystemTags []string
	CreatedFrom, CreatedTo string
	UpdatedFrom, UpdatedTo string
	Top                    int
	Sort                   string
}

// DefaultIncidentStatuses is the incident queue's status filter when the
// query names none: the incidents still to work on, as the Defender
// portal's queue opens (its New is Graph's active).
func DefaultIncidentStatuses() []string {
	return []string{string(graph.IncidentStatusActive), string(graph.IncidentStatusInProgress)}
}

// DefaultIncidentSort is the incident queue's order when the query names
// none: the latest update first, as the Defender portal's queue opens.
const DefaultIncidentSort = "lastUpdateDateTime desc"

// IncidentSortProps are the properties Graph orders incidents by.
func IncidentSortProps() []string {
	return []string{"id", "displayName", "severity", "status", "priorityScore", "createdDateTime", "lastUpdateDateTime"}
}

// ValidIncidentSort reports a sort the incident queue offers: a sortable
// property and a direction.
func ValidIncidentSort(s string) bool {
	prop, dir, ok := strings.Cut(s, " ")
	return ok && slices.Contains(IncidentSortProps(), prop) && (dir == "asc" || dir == "desc")
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
// "assigned to me". The search and the tags are not in it (see Keeps).
func (f Incidents) Filter(me string) graph.Expr {
	return f.alerts().Filter(me)
}

// Local reports whether graphsec filters the pages Graph returns itself:
// Graph can filter incidents neither by tag nor by name.
func (f Incidents) Local() bool {
	return f.Q != "" || len(f.CustomTags) > 0 || len(f.SystemTags) > 0
}

// Keeps is the local part of the filter, for an incident Graph returned:
// one of the custom tags asked for, one of the system tags, and the
// search's words in its name (or the search as its id).
func (f Incidents) Keeps(id, name string, customTags, systemTags []string) bool {
	if !anyFold(f.CustomTags, customTags) || !anyFold(f.SystemTags, systemTags) {
		return false
	}
	if f.Q == "" || id == f.Q {
		return true
	}
	name = strings.ToLower(name)
	for w := range strings.FieldsSeq(strings.ToLower(f.Q)) {
		if !strings.Contains(name, w) {
			return false
		}
	}
	return true
}

// anyFold reports whether have holds one of want (without regard to
// case); an empty want asks for nothing.
func anyFold(want, have []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, w := range want {
		for _, h := range have {
			if strings.EqualFold(w, h) {
				return true
			}
		}
	}
	return false
}

// Query is the incident list's first page: the filter, the page size (at
// most Graph's 50), the sort (the queue's default when f names none), and
// $count when Graph's count is the queue's (not when graphsec filters
// locally).
func (f Incidents) Query(me string) graph.IncidentQuery {
	return graph.IncidentQuery{Query: graph.Query{
		Filter: f.Filter(me), Top: min(cmp.Or(f.Top, DefaultTop), graph.MaxIncidentTop), Count: !f.Local(),
		OrderBy: []string{cmp.Or(f.Sort, DefaultIncidentSort)},
	}}
}

// Values re-encodes the filter as a query string.
func (f Incidents) Values() url.Values {
	v := f.alerts().Values()
	if len(f.Status) == 0 {
		v.Del("status") // an incident filter has no default status
	}
	for _, t := range []struct {
		name string
		list []string
	}{{"customTags", f.CustomTags}, {"systemTags", f.SystemTags}} {
		for _, x := range t.list {
			v.Add(t.name, x)
		}
	}
	return v
}

// alerts is f as the alert filter of the same conditions, whose Graph
// filter and query string it shares.
func (f Incidents) alerts() Alerts {
	return Alerts{Severity: f.Severity, Status: f.Status, Classification: f.Classification, Determination: f.Determination,
		AssignedTo: f.AssignedTo, AssignedToMe: f.AssignedToMe, Q: f.Q,
		CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo, UpdatedFrom: f.UpdatedFrom, UpdatedTo: f.UpdatedTo,
		Top: cmp.Or(f.Top, DefaultTop), Sort: f.Sort}
}
