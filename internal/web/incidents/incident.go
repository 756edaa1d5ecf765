// Package incidents is the console's incident pages. Today that is an
// incident's page (/incidents/{id}), which the alert pages link to: its
// properties, its alerts and its comments. The incident queue and
// incident management come here next.
package incidents

import (
	"cmp"
	"embed"
	"fmt"
	"net/http"
	"strconv"

	"github.com/graphsec/graphsec/graph"
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
	ID, Href, Title, Severity, Status, Classification, Source, SourceLabel, Category, AssignedTo string
	Created, Updated                                                                             string
}

// incidentView is the page's data.
type incidentView struct {
	I                                                   *graph.Incident
	SeverityLabel, StatusLabel, ClassLabel, DetermLabel string
	WebURL, RedirectHref                                string
	Priority                                            string
	Tags                                                []string
	Comments                                            []page.Comment
	Alerts                                              []alertRow
	MoreAlerts                                          bool
	MaxShown                                            int
	Requests                                            []*page.RequestView
}

// Incident is GET /incidents/{id}.
func (*Pages) Incident(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = "Incident"
	if err := page.CheckID("incident", id, page.MaxID); err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessReadIncidents)
	if err != nil {
		return err
	}
	notFound := func(err error) error {
		return page.Reword(err, graph.ErrNotFound, "Incident not found",
			fmt.Sprintf("Microsoft Graph has no incident with the id %q. Check the id (it may have been mistyped, or the incident belongs to another tenant), or go back to the list.", id))
	}
	ctx, sent := page.Record(p.R.Context())
	inc, _, err := c.Incidents.Get(ctx, id)
	if err != nil {
		return notFound(err)
	}
	v := incidentView{
		I: inc, SeverityLabel: page.SeverityLabel(inc.Severity), StatusLabel: page.IncidentStatusLabel(inc.Status),
		ClassLabel: page.ClassificationLabel(inc.Classification), DetermLabel: page.DeterminationLabel(inc.Determination),
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

	tf := p.Times()
	pg, _, err := c.Incidents.ListAlerts(ctx, inc.ID, graph.Query{Top: alertsTop})
	for n := 1; err == nil; n++ {
		for _, a := range pg.Value {
			v.Alerts = append(v.Alerts, alertRow{
				ID: a.ID, Href: page.AlertHref(a.ID), Title: a.Title, Severity: string(a.Severity), Status: string(a.Status),
				Classification: string(a.Classification), Source: string(a.ServiceSource), SourceLabel: page.ServiceSourceLabel(a.ServiceSource),
				Category: a.Category, AssignedTo: a.AssignedTo,
				Created: tf.Time(a.CreatedDateTime, page.Minute), Updated: tf.Time(a.LastUpdateDateTime, page.Minute),
			})
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
	p.Title = cmp.Or(inc.DisplayName, "Incident "+inc.ID)
	return p.Render(http.StatusOK, "incidents/incident", v)
}
