package web

import (
	"cmp"
	"net/http"
	"strconv"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
)

// /incidents/{id} is what the alert pages link to: an incident's
// properties, its alerts and its comments. (The incident queue and
// incident management come later.)

// incidentReadScopes are /security/incidents' read permissions
// (graph-api-facts §3).
var incidentReadScopes = []string{"SecurityIncident.Read.All", "SecurityIncident.ReadWrite.All"}

// incidentStatusLabels are incidentStatus's members as people read them.
var incidentStatusLabels = []choice{
	{"active", "Active"}, {"inProgress", "In progress"}, {"resolved", "Resolved"}, {"redirected", "Redirected (merged)"},
	{"awaitingAction", "Awaiting action"},
}

// Paging of an incident's alerts: Graph's page, and how many pages one view
// reads. Incidents hold a handful of alerts; a merged one can hold
// hundreds, and the page says when it shows only the first ones. The page
// is the incidents API's largest $top (graph.MaxIncidentTop, 50), which the
// Graph client would lower a larger value to anyway.
const (
	incidentAlertsTop      = graph.MaxIncidentTop
	incidentMaxAlertPages  = 10
	incidentAlertsShownMax = incidentAlertsTop * incidentMaxAlertPages
)

// incidentAlertRow is a line of the incident's alerts table, with its
// link built from the escaped id.
type incidentAlertRow struct {
	alertRow
	Href string
}

// incidentView is the page's data.
type incidentView struct {
	I                                                   *graph.Incident
	SeverityLabel, StatusLabel, ClassLabel, DetermLabel string
	WebURL, RedirectHref                                string
	Priority                                            string
	Tags                                                []string
	Comments                                            []v2Comment
	Alerts                                              []incidentAlertRow
	MoreAlerts                                          bool
	MaxShown                                            int
	Requests                                            []*restView
}

// incidentPage is GET /incidents/{id}.
func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request, sess *auth.Session) {
	id := r.PathValue("id")
	p := s.newPage(w, r, sess, "incident", "Incident", "alerts")
	if err := v2CheckID("incident", id); err != nil {
		p.fail(err)
		return
	}
	if !s.requireScope(w, r, sess, incidentReadScopes...) {
		return
	}
	c, ok := p.graph()
	if !ok {
		return
	}
	var sent []*graph.Request
	ctx := graph.WithRequestObserver(r.Context(), func(req *graph.Request) { sent = append(sent, req) })
	inc, _, err := c.Incidents.Get(ctx, id)
	if err != nil {
		s.v2Fail(p, err, "incident", id)
		return
	}
	v := incidentView{
		I: inc, SeverityLabel: label(severityChoices, string(inc.Severity)), StatusLabel: label(incidentStatusLabels, string(inc.Status)),
		ClassLabel: label(classChoices, string(inc.Classification)), DetermLabel: label(determChoices, string(inc.Determination)),
		WebURL: v2PortalURL(inc.IncidentWebURL), Comments: v2Comments(inc.Comments),
		MaxShown: incidentAlertsShownMax,
	}
	if inc.Classification == "" {
		v.ClassLabel = ""
	}
	if inc.Determination == "" {
		v.DetermLabel = ""
	}
	if inc.RedirectIncidentID != "" {
		v.RedirectHref = v2IncidentHref(inc.RedirectIncidentID)
	}
	if inc.PriorityScore != nil {
		v.Priority = strconv.Itoa(int(*inc.PriorityScore))
	}
	v.Tags = append(append(v.Tags, inc.CustomTags...), inc.SystemTags...)

	page, _, err := c.Incidents.ListAlerts(ctx, inc.ID, graph.Query{Top: incidentAlertsTop})
	for n := 1; err == nil; n++ {
		for _, a := range page.Value {
			v.Alerts = append(v.Alerts, incidentAlertRow{Href: v2AlertHref(a.ID), alertRow: alertRow{
				ID: a.ID, Title: a.Title, Severity: string(a.Severity), Status: string(a.Status),
				Classification: string(a.Classification), Source: string(a.ServiceSource), SourceLabel: label(sourceChoices, string(a.ServiceSource)),
				Category: a.Category, AssignedTo: a.AssignedTo, Created: displayTime(a.CreatedDateTime), Updated: displayTime(a.LastUpdateDateTime),
			}})
		}
		if !page.HasNext() {
			break
		}
		if n >= incidentMaxAlertPages {
			v.MoreAlerts = true
			break
		}
		page, _, err = page.Next(ctx)
	}
	if err != nil {
		s.v2Fail(p, err, "incident", id)
		return
	}
	for i, req := range sent {
		v.Requests = append(v.Requests, &restView{ID: "req" + strconv.Itoa(i), Method: req.Method, URL: req.URL})
	}
	p.data.Title = cmp.Or(inc.DisplayName, "Incident "+inc.ID)
	p.render(http.StatusOK, v)
}
