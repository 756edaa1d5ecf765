// Package incidents is the console's incident pages. Today that is an
// incident's page (/incidents/{id}), which the alert pages link to: its
// properties, its alerts and its comments. The incident queue and
// incident management come here next.
package incidents

import (
	"cmp"
	"embed"
	"net/http"
	"strconv"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's pages for the page kit
// ("incidents/incident").
func Templates() page.Templates { return page.Embedded("incidents", templateFS) }

// Pages serves the incident pages; its methods are page.Handlers.
type Pages struct{}

// New returns the incident pages.
func New() *Pages { return &Pages{} }

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

// alertRow is a line of the incident's alerts table.
type alertRow struct {
	ID, Href, Title                      string
	Sev, Status, Class, Source, Category i18n.EnumLabel
	AssignedTo                           string
	Created, Updated                     time.Time
}

// incidentView is the page's data.
type incidentView struct {
	I                          *graph.Incident
	Sev, Status, Class, Determ i18n.EnumLabel
	WebURL, RedirectHref       string
	Priority                   string
	Tags                       []string
	Comments                   []page.Comment
	Alerts                     []alertRow
	MoreAlerts                 bool
	MaxShown                   int
	Requests                   []*page.RequestView
}

// Incident is GET /incidents/{id}.
func (*Pages) Incident(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("kind.incident")
	if err := page.CheckID(page.T("kind.incident"), id, page.MaxID); err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessReadIncidents)
	if err != nil {
		return err
	}
	notFound := func(err error) error {
		return page.Reword(err, graph.ErrNotFound, page.T("incident.notFound.heading"), page.T("incident.notFound.message", "id", id))
	}
	ctx, sent := page.Record(p.R.Context())
	inc, _, err := c.Incidents.Get(ctx, id)
	if err != nil {
		return notFound(err)
	}
	L := p.L
	v := incidentView{
		I: inc, Sev: L.Enum(inc.Severity), Status: L.Enum(inc.Status), Class: L.Enum(inc.Classification), Determ: L.Enum(inc.Determination),
		WebURL: p.PortalURL(inc.IncidentWebURL), Comments: page.Comments(inc.Comments),
		MaxShown: alertsShownMax,
	}
	if inc.RedirectIncidentID != "" {
		v.RedirectHref = page.IncidentHref(inc.RedirectIncidentID)
	}
	if inc.PriorityScore != nil {
		v.Priority = strconv.Itoa(int(*inc.PriorityScore))
	}
	v.Tags = append(append(v.Tags, inc.CustomTags...), inc.SystemTags...)

	pg, _, err := c.Incidents.ListAlerts(ctx, inc.ID, graph.Query{Top: alertsTop})
	for n := 1; err == nil; n++ {
		for _, a := range pg.Value {
			r := alertRow{
				ID: a.ID, Href: page.AlertHref(a.ID), Title: a.Title, Sev: L.Enum(a.Severity), Status: L.Enum(a.Status),
				Class: L.Enum(a.Classification), Source: L.Enum(a.ServiceSource), AssignedTo: a.AssignedTo,
				Created: a.CreatedDateTime, Updated: a.LastUpdateDateTime,
			}
			if a.Category != "" {
				r.Category = L.Category(a.Category)
			}
			v.Alerts = append(v.Alerts, r)
		}
		if !pg.HasNext() {
			break
		}
		if n >= maxAlertPages {
			v.MoreAlerts = true
			break
		}
		pg, _, err = pg.Next(ctx)
	}
	if err != nil {
		return notFound(err)
	}
	for i, req := range sent.All() {
		v.Requests = append(v.Requests, page.Shown("req"+strconv.Itoa(i), req))
	}
	p.Title = cmp.Or(inc.DisplayName, L.T("alert.incident", "id", inc.ID))
	return p.Render(http.StatusOK, "incidents/incident", v)
}
