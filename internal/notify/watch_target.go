package notify

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/queuefilter"
)

// What a watch follows (store.Feed.Target).
const (
	TargetAlerts       = "alerts"       // /security/alerts_v2
	TargetIncidents    = "incidents"    // /security/incidents
	TargetLegacyAlerts = "legacyAlerts" // /security/alerts (legacy), on lastModifiedDateTime
)

// version is one version of an alert or incident as a page returned it:
// what the watcher needs to order, de-duplicate, describe and diff it.
type version struct {
	id       string
	updated  time.Time // lastUpdateDateTime (legacy: lastModifiedDateTime)
	created  time.Time
	title    string
	category string // alerts: graphsec filters category itself
	provider string // legacy: the federation pages per provider
	redirect string // incidents: redirectIncidentId
	fields   keyFields
}

// keyFields are the properties whose change an item reports, in the
// order of the target's keyNames.
type keyFields [7]string

// page is one page of a window, in ascending version order.
type page struct {
	items []version
	// next fetches the service's next page; nil on the last page.
	next func(context.Context) (*page, error)
	// top is the $top that produced the page (per provider for legacy).
	top int
	// partial names legacy providers whose part is missing (206).
	partial []string
}

// target is how a watch reads one collection.
type target struct {
	name       string
	resource   string // Graph's resource path without the version
	odataType  string
	timeName   string // the version property
	access     graph.Access
	defaultTop int
	keyNames   []string
	// compile reads a watch's saved query; me is the owner's UPN.
	compile func(query, me string) (compiled, error)
	// list fetches the first page of versions at or after from (zero:
	// none) matching c's filter, ascending, top at a time. open limits it
	// to open items (the audit) before the bound before.
	list func(ctx context.Context, t *target, cl *graph.Client, c compiled, q window) (*page, error)
}

// window is one query of a poll.
type window struct {
	from   time.Time // lower bound, ge; zero for none
	before time.Time // upper bound, lt; zero for none (the audit's)
	open   bool      // open items only (the audit's)
	top    int
}

// compiled is a watch's query as the poller uses it.
type compiled struct {
	filter graph.Expr
	// keeps applies what Graph cannot filter (alerts' category and the
	// search in titles).
	keeps func(version) bool
	// query is the normalised query string saved in the feed.
	query string
}

// QueryError is a watch's or subscription's query with mistakes, by
// field, as the form shows them.
type QueryError struct{ Fields queuefilter.Errors }

func (e *QueryError) Error() string {
	for _, k := range []string{"form", "severity", "status"} {
		if m := e.Fields[k]; m != "" {
			return "notify: the query has mistakes: " + m
		}
	}
	for k, m := range e.Fields {
		return "notify: the query has mistakes: " + k + ": " + m
	}
	return "notify: the query has mistakes"
}

func parseQuery(query string) (url.Values, error) {
	if len(query) > 4096 {
		return nil, &QueryError{Fields: queuefilter.Errors{"form": "The query is longer than 4,096 characters."}}
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, &QueryError{Fields: queuefilter.Errors{"form": "The query is not a valid query string."}}
	}
	return q, nil
}

// asc orders a collection by its version property.
func (t *target) asc() []string { return []string{t.timeName + " asc"} }

// bounds is the window's time condition ANDed with the watch's filter.
func (t *target) bounds(c compiled, w window) graph.Expr {
	terms := []graph.Expr{c.filter}
	if !w.from.IsZero() {
		terms = append(terms, graph.Ge(t.timeName, graph.DateTime(w.from)))
	}
	if !w.before.IsZero() {
		terms = append(terms, graph.Lt(t.timeName, graph.DateTime(w.before)))
	}
	return graph.And(terms...)
}

// lookupTarget returns a target by name (built afresh: no package state).
func lookupTarget(name string) (*target, error) {
	switch name {
	case TargetAlerts:
		return alertsTarget(), nil
	case TargetIncidents:
		return incidentsTarget(), nil
	case TargetLegacyAlerts:
		return legacyTarget(), nil
	}
	return nil, &QueryError{Fields: queuefilter.Errors{"target": fmt.Sprintf("%q is not something graphsec watches: choose alerts, incidents or legacyAlerts.", name)}}
}

func alertsTarget() *target {
	return &target{
		name: TargetAlerts, resource: "security/alerts_v2", odataType: "#microsoft.graph.security.alert",
		timeName: "lastUpdateDateTime", access: graph.AccessReadAlerts, defaultTop: 1000,
		keyNames: []string{"title", "severity", "status", "classification", "determination", "assignedTo", "incidentId"},
		compile: func(query, me string) (compiled, error) {
			q, err := parseQuery(query)
			if err != nil {
				return compiled{}, err
			}
			f, errs := queuefilter.ParseAlerts(q)
			if len(errs) > 0 {
				return compiled{}, &QueryError{Fields: errs}
			}
			if f.AssignedToMe {
				f.AssignedToMe, f.AssignedTo = false, me
			}
			f.Top, f.Sort = queuefilter.DefaultTop, "" // the watch pages and orders itself
			return compiled{filter: f.Filter(me), keeps: func(v version) bool { return f.Keeps(v.id, v.title, v.category) }, query: f.Values().Encode()}, nil
		},
		list: func(ctx context.Context, t *target, cl *graph.Client, c compiled, w window) (*page, error) {
			f := t.bounds(c, w)
			if w.open {
				f = graph.And(f, graph.Ne("status", graph.Enum(graph.AlertStatusResolved)))
			}
			pg, resp, err := cl.Alerts.ListSummaries(ctx, graph.Query{Filter: f, OrderBy: t.asc(), Top: w.top})
			return pageFrom(pg, resp, err, w.top, alertVersion)
		},
	}
}

func incidentsTarget() *target {
	return &target{
		name: TargetIncidents, resource: "security/incidents", odataType: "#microsoft.graph.security.incident",
		timeName: "lastUpdateDateTime", access: graph.AccessReadIncidents, defaultTop: graph.MaxIncidentTop,
		keyNames: []string{"displayName", "severity", "status", "classification", "determination", "assignedTo", "redirectIncidentId"},
		compile: func(query, me string) (compiled, error) {
			q, err := parseQuery(query)
			if err != nil {
				return compiled{}, err
			}
			f, errs := queuefilter.ParseIncidents(q)
			if len(errs) > 0 {
				return compiled{}, &QueryError{Fields: errs}
			}
			if f.AssignedToMe {
				f.AssignedToMe, f.AssignedTo = false, me
			}
			return compiled{filter: f.Filter(me), keeps: keepAll, query: f.Values().Encode()}, nil
		},
		list: func(ctx context.Context, t *target, cl *graph.Client, c compiled, w window) (*page, error) {
			f := t.bounds(c, w)
			if w.open {
				f = graph.And(f, graph.Ne("status", graph.Enum(graph.IncidentStatusResolved)), graph.Ne("status", graph.Enum(graph.IncidentStatusRedirected)))
			}
			pg, resp, err := cl.Incidents.List(ctx, graph.IncidentQuery{Query: graph.Query{Filter: f, OrderBy: t.asc(), Top: w.top}})
			return pageFrom(pg, resp, err, min(w.top, graph.MaxIncidentTop), incidentVersion)
		},
	}
}

func legacyTarget() *target {
	return &target{
		name: TargetLegacyAlerts, resource: "security/alerts", odataType: "#microsoft.graph.alert",
		timeName: "lastModifiedDateTime", access: graph.AccessReadSecurityEvents, defaultTop: 500,
		keyNames: []string{"title", "severity", "status", "category", "assignedTo", "provider"},
		compile: func(query, _ string) (compiled, error) {
			q, err := parseQuery(query)
			if err != nil {
				return compiled{}, err
			}
			f, errs := queuefilter.ParseLegacy(q)
			if len(errs) > 0 {
				return compiled{}, &QueryError{Fields: errs}
			}
			return compiled{filter: f.Filter(), keeps: keepAll, query: f.Values().Encode()}, nil
		},
		list: func(ctx context.Context, t *target, cl *graph.Client, c compiled, w window) (*page, error) {
			f := t.bounds(c, w)
			if w.open {
				f = graph.And(f, graph.Ne("status", graph.Enum(graph.LegacyAlertStatusResolved)))
			}
			top := min(w.top, graph.LegacyMaxTop)
			pg, resp, err := cl.LegacyAlerts.ListSummaries(ctx, graph.LegacyAlertQuery{TopPerProvider: top, Filter: f, OrderBy: t.asc()})
			return pageFrom(pg, resp, err, top, legacyVersion)
		},
	}
}

func keepAll(version) bool { return true }

// pageFrom turns a page of Graph's into versions with conv; its next
// page comes the same way. A legacy answer's provider warnings (206) make
// the page partial.
func pageFrom[T any](pg *graph.Page[T], resp *graph.Response, err error, top int, conv func(*T) version) (*page, error) {
	if err != nil {
		return nil, err
	}
	out := &page{top: top, items: make([]version, 0, len(pg.Value))}
	for i := range pg.Value {
		out.items = append(out.items, conv(&pg.Value[i]))
	}
	if resp != nil {
		for _, w := range resp.Warnings {
			out.partial = append(out.partial, w.Provider)
		}
	}
	if pg.HasNext() {
		out.next = func(ctx context.Context) (*page, error) {
			next, resp, err := pg.Next(ctx)
			return pageFrom(next, resp, err, top, conv)
		}
	}
	return out, nil
}

func alertVersion(a *graph.AlertSummary) version {
	return version{id: a.ID, updated: a.LastUpdateDateTime.UTC(), created: a.CreatedDateTime.UTC(), title: a.Title, category: a.Category,
		fields: keyFields{a.Title, string(a.Severity), string(a.Status), string(a.Classification), string(a.Determination), a.AssignedTo, a.IncidentID}}
}

func incidentVersion(i *graph.Incident) version {
	return version{id: i.ID, updated: i.LastUpdateDateTime.UTC(), created: i.CreatedDateTime.UTC(), title: i.DisplayName, redirect: i.RedirectIncidentID,
		fields: keyFields{i.DisplayName, string(i.Severity), string(i.Status), string(i.Classification), string(i.Determination), i.AssignedTo, i.RedirectIncidentID}}
}

func legacyVersion(a *graph.LegacyAlertSummary) version {
	p := a.Provider()
	return version{id: a.ID, updated: a.LastModifiedDateTime.UTC(), created: a.CreatedDateTime.UTC(), title: a.Title, category: a.Category, provider: p,
		fields: keyFields{a.Title, string(a.Severity), string(a.Status), a.Category, a.AssignedTo, p}}
}
