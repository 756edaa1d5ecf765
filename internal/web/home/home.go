// Package home is the console's home page (/): what an analyst looks at
// first. Open incidents by severity, the alerts and incidents assigned to
// the user, and the newest high-severity alerts, each number and item
// linking to the queue view it comes from.
//
// The page asks Graph a fixed number of questions (seven), all at once:
// an incident count per severity ($top=1 with $count=true, the count the
// incident queue's view shows), the user's incidents and alerts (five
// each, with their counts), and the newest high-severity alerts. Each
// panel stands alone: an error in one (a missing permission, throttling)
// shows in that panel, and the others are shown. A user whose roles give
// no access to security data gets the page that says which role to ask
// for.
package home

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"net/url"
	"sync"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's page for the page kit ("home/home").
func Templates() page.Templates { return page.Embedded("home", templateFS) }

// Page serves the home page; Home is a page.Handler.
type Page struct{}

// New returns the home page.
func New() *Page { return &Page{} }

// listed is how many items a panel lists.
const listed = 5

// sevCount is one severity's open incidents: the count and the queue view
// it links to.
type sevCount struct {
	Severity, Label string
	Count           *int64
	Href            string
}

// item is one incident or alert of a panel.
type item struct {
	ID, Href, Name          string
	Severity, SeverityLabel string
	Status, StatusLabel     string
	When, WhenISO, WhenLong string
}

// panel is one list of the page: its items, its count and the queue view
// both come from, or the error that kept it empty.
type panel struct {
	// ID names its element; Heading and Empty are the catalog keys of its
	// heading and of what it says when it lists nothing.
	ID, Heading, Empty string
	Items              []item
	Count              *int64
	Href               string
	Error              *page.ErrorView
	// More is set when the view holds more than the panel lists.
	More bool
}

// view is the page's data.
type view struct {
	Severities []sevCount
	// Open is every open incident: the sum of the severities (nil when one
	// is unknown); OpenHref the queue of them.
	Open        *int64
	OpenHref    string
	CountsError *page.ErrorView
	// Panels: the user's incidents, the user's alerts, the newest
	// high-severity alerts.
	Panels []panel
}

// Home is GET /.
func (*Page) Home(p *page.Page) error {
	p.Title = p.L.T("home.title")
	if p.Role().NoAccess() {
		return p.NoAccess(http.StatusOK, nil)
	}
	c, err := p.Graph()
	if err != nil {
		return err
	}
	ctx, me := p.R.Context(), p.Me()
	sevs := []graph.AlertSeverity{graph.AlertSeverityHigh, graph.AlertSeverityMedium, graph.AlertSeverityLow, graph.AlertSeverityInformational}
	counts := make([]*int64, len(sevs))
	errs := make([]error, len(sevs)+3)
	var incidents []graph.Incident
	var mine, high []graph.AlertSummary
	var mineN, myIncN, highN *int64

	incidentView := func(f queuefilter.Incidents) queuefilter.Incidents {
		f.Status = queuefilter.DefaultIncidentStatuses()
		return f
	}
	alertView := func(f queuefilter.Alerts) queuefilter.Alerts {
		f.Status, f.Top = queuefilter.DefaultStatuses(), queuefilter.DefaultTop
		return f
	}
	mineView := alertView(queuefilter.Alerts{AssignedToMe: true})
	highView := alertView(queuefilter.Alerts{Severity: []string{string(graph.AlertSeverityHigh)}})
	myIncView := incidentView(queuefilter.Incidents{AssignedToMe: true})

	var wg sync.WaitGroup
	for i, s := range sevs {
		wg.Go(func() {
			f := incidentView(queuefilter.Incidents{Severity: []string{string(s)}, Top: 1})
			counts[i], errs[i] = countIncidents(ctx, p, c, f)
		})
	}
	wg.Go(func() {
		f := myIncView
		f.Top = listed
		incidents, myIncN, errs[len(sevs)] = listIncidents(ctx, p, c, f.Query(me))
	})
	wg.Go(func() {
		q := mineView.Query(me)
		q.Top = listed
		mine, mineN, errs[len(sevs)+1] = listAlerts(ctx, p, c, q)
	})
	wg.Go(func() {
		q := highView.Query(me)
		q.Top = listed
		high, highN, errs[len(sevs)+2] = listAlerts(ctx, p, c, q)
	})
	wg.Wait()

	if allForbidden(errs) {
		// Graph refuses this user the security API: say what to ask for.
		_, ev := p.Explain(errs[0])
		return p.NoAccess(http.StatusForbidden, &ev)
	}
	L := p.L
	explain := func(err error) *page.ErrorView {
		if err == nil {
			return nil
		}
		_, ev := p.Explain(err)
		return &ev
	}
	v := view{OpenHref: "/incidents"}
	var open int64
	known := true
	for i, s := range sevs {
		l := L.Enum(s)
		f := queuefilter.Incidents{Severity: []string{string(s)}}
		v.Severities = append(v.Severities, sevCount{Severity: l.Raw, Label: l.Text, Count: counts[i], Href: incidentsLink(f.Values())})
		if counts[i] == nil {
			known = false
		} else {
			open += *counts[i]
		}
		if v.CountsError == nil {
			v.CountsError = explain(errs[i])
		}
	}
	if known {
		v.Open = &open
	}
	myIncValues := queuefilter.Incidents{AssignedToMe: true}.Values()
	myInc := panel{ID: "my-incidents", Heading: "home.myIncidents", Empty: "home.noMyIncidents", Count: myIncN, Href: incidentsLink(myIncValues), Error: explain(errs[len(sevs)])}
	for i := range incidents {
		inc := &incidents[i]
		it := newItem(L, inc.ID, page.IncidentHref(inc.ID), inc.DisplayName, L.Enum(inc.Severity), L.Enum(inc.Status), inc.LastUpdateDateTime)
		it.Href = page.ItemLink(it.Href, withStatus(myIncValues, myIncView.Status), i, myIncN)
		if it.Name == "" {
			it.Name = L.T("alert.incident", "id", inc.ID)
		}
		myInc.Items = append(myInc.Items, it)
	}
	myAlerts := alertPanel(L, mine, mineN, mineView, explain(errs[len(sevs)+1]))
	myAlerts.ID, myAlerts.Heading, myAlerts.Empty = "my-alerts", "home.myAlerts", "home.noMyAlerts"
	highAlerts := alertPanel(L, high, highN, highView, explain(errs[len(sevs)+2]))
	highAlerts.ID, highAlerts.Heading, highAlerts.Empty = "high-alerts", "home.highAlerts", "home.noHighAlerts"
	v.Panels = []panel{myInc, myAlerts, highAlerts}
	for i := range v.Panels {
		pn := &v.Panels[i]
		pn.More = pn.Count != nil && *pn.Count > int64(len(pn.Items))
	}
	return p.Render(http.StatusOK, "home/home", v)
}

// allForbidden reports that Graph refused every question: the user has no
// access to security data at all.
func allForbidden(errs []error) bool {
	for _, err := range errs {
		if !errors.Is(err, graph.ErrForbidden) {
			return false
		}
	}
	return true
}

// countIncidents is the count of the incidents f lists ($top=1,
// $count=true).
func countIncidents(ctx context.Context, p *page.Page, c *graph.Client, f queuefilter.Incidents) (*int64, error) {
	if err := p.Require(graph.AccessReadIncidents); err != nil {
		return nil, err
	}
	pg, _, err := c.Incidents.List(ctx, f.Query(""))
	if err != nil {
		return nil, err
	}
	return pg.Count, nil
}

func listIncidents(ctx context.Context, p *page.Page, c *graph.Client, q graph.IncidentQuery) ([]graph.Incident, *int64, error) {
	if err := p.Require(graph.AccessReadIncidents); err != nil {
		return nil, nil, err
	}
	pg, _, err := c.Incidents.List(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	return pg.Value, pg.Count, nil
}

func listAlerts(ctx context.Context, p *page.Page, c *graph.Client, q graph.Query) ([]graph.AlertSummary, *int64, error) {
	if err := p.Require(graph.AccessReadAlerts); err != nil {
		return nil, nil, err
	}
	pg, _, err := c.Alerts.ListSummaries(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	return pg.Value, pg.Count, nil
}

func incidentsLink(v url.Values) string {
	return (&url.URL{Path: "/incidents", RawQuery: v.Encode()}).String()
}

func alertsLink(v url.Values) string {
	return (&url.URL{Path: "/alerts", RawQuery: v.Encode()}).String()
}

// withStatus is a view's query with its statuses written out, as the
// queue writes them in its links (an item's way back names the view).
func withStatus(v url.Values, status []string) url.Values {
	v = page.CloneValues(v)
	v["status"] = status
	return v
}
