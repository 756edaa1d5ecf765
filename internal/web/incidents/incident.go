package incidents

import (
	"cmp"
	"context"
	"net/http"
	"strconv"
	"sync"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// An incident's page (/incidents/{id}) as an analyst works it: the manage
// pane first (status, classification with its determination, assignment,
// custom tags, a comment: one form, saved in place), a merged incident's
// way to the one it now lives in, then what it is made of (its alerts,
// read with /incidents/{id}/alerts, and the users and devices their
// evidence names), what was said (comments, graphsec's activity log), and
// Graph's JSON. It knows the queue view it was opened from (nav.go).

// activityResource is the incident's kind in the activity log.
const activityResource = "incident"

// Paging of an incident's alerts: Graph's page, and how many pages one view
// reads. Incidents hold a handful of alerts; a merged one can hold
// hundreds, and the page says when it shows only the first ones. The page
// is the incidents API's largest $top (graph.MaxIncidentTop, 50), which the
// Graph client would lower a larger value to anyway.
const (
	alertsTop      = graph.MaxIncidentTop
	maxAlertPages  = 10
	alertsShownMax = alertsTop * maxAlertPages
)

// checkID refuses an id that cannot name an incident, before any call.
func checkID(id string) error { return page.CheckID(page.T("kind.incident"), id, page.MaxID) }

// notFound words Graph's 404 for an incident, keeping Graph's code,
// message and request-id.
func notFound(err error, id string) error {
	return page.Reword(err, graph.ErrNotFound, page.T("incident.notFound.heading"), page.T("incident.notFound.message", "id", id))
}

// alertRow is a line of the incident's alerts table.
type alertRow struct {
	ID, Href, Title                      string
	Sev, Status, Class, Source, Category i18n.EnumLabel
	AssignedTo                           string
	Created, Updated                     string
	CreatedISO, CreatedLong, UpdatedLong string
}

// incidentView is the page's data.
type incidentView struct {
	I                          *graph.Incident
	Sev, Status, Class, Determ i18n.EnumLabel
	// WebURL is the Defender portal's page (not in demo mode);
	// RedirectHref the incident a merged one now lives in.
	WebURL, RedirectHref string
	Priority             string
	CustomTags           []tagView
	SystemTags           []tagView
	Comments             []page.Comment
	Alerts               []alertRow
	// AlertsError is why the alerts could not be read (the rest of the
	// page stands).
	AlertsError     *page.ErrorView
	MoreAlerts      bool
	MaxShown        int
	Assets          []assetList
	Requests        []*page.RequestView
	RawJSON         string
	Activity        []page.ActivityEntry
	ActivityFailed  bool
	Manage          manageForm
	ReadOnly        bool
	Flash           *page.Changed
	Error           *page.ErrorView
	Partial, Closed bool
	Nav             page.ListNav
}

// fetched is an incident as Graph sent it (and, for its page, its alerts),
// with the requests that read it.
type fetched struct {
	I         *graph.Incident
	Raw       []byte
	Alerts    []graph.Alert
	More      bool
	AlertsErr error
	Requests  []*graph.Request
}

// fetch reads one incident, keeping Graph's JSON for the raw view; with
// alerts, its alerts too, at the same time (/incidents/{id}/alerts, 50 at
// a time, never $expand, which fails on large tenants). An incident that
// cannot be read is an error; alerts that cannot be read are the page's
// AlertsErr.
func fetch(ctx context.Context, c *graph.Client, id string, alerts bool) (*fetched, error) {
	f := &fetched{}
	var wg sync.WaitGroup
	var alertReqs []*graph.Request
	if alerts {
		wg.Go(func() {
			actx, sent := page.Record(ctx)
			f.Alerts, f.More, f.AlertsErr = listAlerts(actx, c, id)
			alertReqs = sent.All()
		})
	}
	gctx, sent := page.Record(ctx)
	inc, raw, _, err := c.Incidents.GetRaw(gctx, id)
	wg.Wait()
	if err != nil {
		return nil, notFound(err, id)
	}
	f.I, f.Raw = inc, raw
	f.Requests = append(sent.All(), alertReqs...)
	return f, nil
}

// listAlerts reads an incident's alerts, at most alertsShownMax; more
// reports that there are others.
func listAlerts(ctx context.Context, c *graph.Client, id string) (list []graph.Alert, more bool, err error) {
	pg, _, err := c.Incidents.ListAlerts(ctx, id, graph.Query{Top: alertsTop})
	for n := 1; err == nil; n++ {
		list = append(list, pg.Value...)
		if !pg.HasNext() {
			return list, false, nil
		}
		if n >= maxAlertPages {
			return list, true, nil
		}
		pg, _, err = pg.Next(ctx)
	}
	return list, false, err
}

// Incident is GET /incidents/{id}.
func (ps *Pages) Incident(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("kind.incident")
	if err := checkID(id); err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessReadIncidents)
	if err != nil {
		return err
	}
	f, err := fetch(p.R.Context(), c, id, true)
	if err != nil {
		return err
	}
	q := p.R.URL.Query()
	r := ps.queueFrom(p, q.Get("from"), q.Get("i"), q.Get("n"))
	v := ps.incidentView(p, f, r)
	v.Flash = p.TakeFlash(page.IncidentHref(f.I.ID), q.Get("done"))
	return ps.render(p, http.StatusOK, v)
}

// incidentView builds the page of an incident read from Graph, opened from
// the queue view r.
func (ps *Pages) incidentView(p *page.Page, f *fetched, r queueRef) incidentView {
	inc, L := f.I, p.L
	v := incidentView{
		I: inc, Sev: L.Enum(inc.Severity), Status: L.Enum(inc.Status), Class: L.Enum(inc.Classification), Determ: L.Enum(inc.Determination),
		WebURL: p.PortalURL(inc.IncidentWebURL), Comments: page.Comments(inc.Comments), MaxShown: alertsShownMax,
		RawJSON: page.PrettyJSON(f.Raw), ReadOnly: p.Role().ReadOnly(), Nav: ps.nav.Nav(p, inc.ID, r),
		Closed: inc.Status == graph.IncidentStatusRedirected,
	}
	v.MoreAlerts = f.More
	if inc.RedirectIncidentID != "" {
		v.RedirectHref = page.IncidentHref(inc.RedirectIncidentID)
	}
	if inc.PriorityScore != nil {
		v.Priority = strconv.Itoa(int(*inc.PriorityScore))
	}
	v.CustomTags, v.SystemTags = tagViews(inc.CustomTags, nil), tagViews(nil, inc.SystemTags)
	for i := range f.Alerts {
		v.Alerts = append(v.Alerts, newAlertRow(L, &f.Alerts[i]))
	}
	if f.AlertsErr != nil {
		_, ev := p.Explain(f.AlertsErr)
		v.AlertsError = &ev
	}
	users, devices := affected(f.Alerts)
	v.Assets = []assetList{{ID: "users", Key: "incidents.users", List: users}, {ID: "devices", Key: "incidents.devices", List: devices}}
	for i, req := range f.Requests {
		v.Requests = append(v.Requests, page.Shown("req"+strconv.Itoa(i), req))
	}
	v.Manage = ps.choices.newManageForm(L, inc, nil)
	v.Manage.From, v.Manage.I, v.Manage.N = r.Carry()
	v.Manage.Me = p.Me()
	v.Manage.Comment = p.KeepOr(v.Manage.Comment, "comment")
	v.Manage.NewTags = p.KeepOr(v.Manage.NewTags, "newCustomTags")
	var err error
	v.Activity, err = ps.activity.List(p.R.Context(), activityResource, inc.ID, page.DescribeTriage[graph.IncidentStatus](L))
	v.ActivityFailed = err != nil
	return v
}

// newAlertRow is one of the incident's alerts as a line of its table.
func newAlertRow(L *i18n.Printer, a *graph.Alert) alertRow {
	r := alertRow{
		ID: a.ID, Href: page.AlertHref(a.ID), Title: a.Title, Sev: L.Enum(a.Severity), Status: L.Enum(a.Status),
		Class: L.Enum(a.Classification), Source: L.Enum(a.ServiceSource), AssignedTo: a.AssignedTo,
		Created: L.Rel(a.CreatedDateTime), CreatedISO: L.ISO(a.CreatedDateTime), CreatedLong: L.TimeLong(a.CreatedDateTime),
		Updated: L.Rel(a.LastUpdateDateTime), UpdatedLong: L.TimeLong(a.LastUpdateDateTime),
	}
	if a.Category != "" {
		r.Category = L.Category(a.Category)
	}
	if r.Title == "" {
		r.Title = L.T("alert.untitled")
	}
	return r
}

func (ps *Pages) render(p *page.Page, status int, v incidentView) error {
	p.Title, p.Nav = cmp.Or(v.I.DisplayName, p.L.T("alert.incident", "id", v.I.ID)), "incidents"
	return p.Render(status, "incidents/incident", v)
}
