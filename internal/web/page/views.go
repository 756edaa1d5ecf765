package page

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
)

// The console's links between features, in one place: an id is always
// escaped as one path segment (ids can hold any character).

// AlertHref links an alerts_v2 alert's page.
func AlertHref(id string) string { return "/alerts/" + url.PathEscape(id) }

// IncidentHref links an incident's page.
func IncidentHref(id string) string { return "/incidents/" + url.PathEscape(id) }

// LegacyAlertHref links a legacy alert's page.
func LegacyAlertHref(id string) string { return "/legacy/alerts/" + url.PathEscape(id) }

// PortalURL returns u when it is an absolute https URL without
// credentials, and "" otherwise: alertWebUrl and incidentWebUrl come from
// the service, and only a plain https link to the Defender portal is worth
// a click (a javascript: or http: value is shown as nothing).
func PortalURL(u string) string {
	if u == "" || len(u) > 2048 {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil || p.Scheme != "https" || p.Host == "" || p.User != nil || p.Opaque != "" {
		return ""
	}
	return p.String()
}

// Comment is one comment of an alert or incident, as pages show it
// (the "comments" partial).
type Comment struct {
	Text, By string
	At       time.Time
}

// Comments orders comments oldest first, newest last (the order Graph
// appends them in; sorted again in case a service returns them otherwise).
func Comments(list []graph.AlertComment) []Comment {
	out := make([]Comment, len(list))
	for i, c := range list {
		out[i] = Comment{Text: c.Comment, By: c.CreatedByDisplayName, At: c.CreatedDateTime}
	}
	slices.SortStableFunc(out, func(a, b Comment) int { return a.At.Compare(b.At) })
	return out
}

// Recorder collects the requests a page sends to Graph, exactly as sent
// (method, URL, body), so that the page can show them.
type Recorder struct {
	mu   sync.Mutex
	reqs []*graph.Request
}

// Record returns a context whose Graph calls are recorded by the returned
// Recorder.
func Record(ctx context.Context) (context.Context, *Recorder) {
	r := &Recorder{}
	return graph.WithRequestObserver(ctx, func(req *graph.Request) {
		r.mu.Lock()
		r.reqs = append(r.reqs, req)
		r.mu.Unlock()
	}), r
}

// All returns every request recorded, in order.
func (r *Recorder) All() []*graph.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// First returns the first request with method ("" for any), or nil.
func (r *Recorder) First(method string) *graph.Request {
	for _, req := range r.All() {
		if method == "" || req.Method == method {
			return req
		}
	}
	return nil
}

// LocalPath returns s when it is a path on this site (it starts with one
// slash, names no scheme or host, and is at most 2,048 bytes), and def
// otherwise: where a link may send the browser back to.
func LocalPath(s, def string) string {
	if s == "" || len(s) > 2048 || s[0] != '/' || strings.HasPrefix(s, "//") || strings.HasPrefix(s, `/\`) || strings.ContainsAny(s, "\r\n\t\\") {
		return def
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return def
	}
	return s
}
