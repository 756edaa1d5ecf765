package alerts

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The alert page (/alerts/{id}) shows one alerts_v2 alert the way an
// analyst reads it: triage state first, then what happened (description,
// MITRE techniques, evidence), what was said (comments, graphsec's activity
// log), and Graph's JSON for anything the structured view leaves out.

// activityResource is the alert's kind in the activity log.
const activityResource = "alert"

// checkAlertID refuses an id that cannot name an alert, before any call.
func checkAlertID(id string) error { return page.CheckID("alert", id, page.MaxID) }

// notFound words Graph's 404 for the resource a page is about ("Alert not
// found" rather than a generic "Not found"), keeping Graph's code, message
// and request-id.
func notFound(err error, kind, id string) error {
	return page.Reword(err, graph.ErrNotFound, strings.ToUpper(kind[:1])+kind[1:]+" not found",
		fmt.Sprintf("Microsoft Graph has no %s with the id %q. Check the id (it may have been mistyped, or the %s belongs to another tenant), or go back to the list.", kind, id, kind))
}

// technique is one MITRE ATT&CK technique of an alert.
type technique struct {
	ID  string
	URL string // empty when ID is not a valid technique id
}

// techniqueURL builds the ATT&CK page of a technique from a validated id
// only (T1234 or T1234.001): the value comes from the alert, and a link
// built from anything else could point anywhere on the site or off it.
func techniqueURL(id string) string {
	digits := func(s string, n int) bool {
		if len(s) != n {
			return false
		}
		for i := 0; i < n; i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if len(id) < 5 || id[0] != 'T' {
		return ""
	}
	base, sub, hasSub := strings.Cut(id[1:], ".")
	if !digits(base, 4) || (hasSub && !digits(sub, 3)) {
		return ""
	}
	path := "T" + base
	if hasSub {
		path += "/" + sub
	}
	return "https://attack.mitre.org/techniques/" + path + "/"
}

// updateForm is the update form of an alert, preselected.
type updateForm struct {
	Action                                     string
	Status, Classification                     []page.Choice
	Determination                              []page.ChoiceGroup
	AssignedTo                                 string
	KeepStatus, KeepClassification, KeepDeterm string // current values the form does not offer
}

// newUpdateForm preselects the alert's current values. A value graphsec
// does not offer (a member Graph added later) is kept by the empty "leave
// as is" choice, so submitting the form never changes it by accident.
func (c choices) newUpdateForm(a *graph.Alert) updateForm {
	f := updateForm{
		Action:         page.AlertHref(a.ID),
		Status:         page.Select(c.status, string(a.Status)),
		Classification: page.Select(c.class, string(a.Classification)),
		Determination:  c.determinationOptions(string(a.Determination)),
		AssignedTo:     a.AssignedTo,
	}
	if !page.Has(c.status, string(a.Status)) {
		f.KeepStatus = string(a.Status)
	}
	if !page.Has(c.class, string(a.Classification)) {
		f.KeepClassification = string(a.Classification)
	}
	if !page.Has(c.determ, string(a.Determination)) {
		f.KeepDeterm = string(a.Determination)
	}
	return f
}

// alertView is the alert page's data.
type alertView struct {
	A                                                          *graph.Alert
	SeverityLabel, StatusLabel, ClassLabel, DetermLabel        string
	SourceLabel                                                string
	Categories                                                 []string
	Techniques                                                 []technique
	AlertWebURL, IncidentWebURL, IncidentHref                  string
	Evidence                                                   []evidencePanel
	Comments                                                   []page.Comment
	Activity                                                   []page.ActivityEntry
	ActivityFailed                                             bool
	Request                                                    *page.RequestView
	RawJSON                                                    string
	Form                                                       updateForm
	CommentAction                                              string
	CommentMax                                                 int
	Me                                                         string
	Notice                                                     string
	ServiceSource, DetectionSource, ProductName, AlertPolicyID string
}

// prettyJSON indents Graph's JSON for reading, keeping its member order
// and its escapes exactly; html/template escapes it for the page.
func prettyJSON(raw []byte) string {
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

// fetched is an alert as Graph sent it, with the request that read it.
type fetched struct {
	A   *graph.Alert
	Raw []byte
	Req *graph.Request
}

// fetch reads one alert, keeping Graph's JSON for the raw view.
func fetch(ctx context.Context, c *graph.Client, id string) (*fetched, error) {
	ctx, sent := page.Record(ctx)
	a, raw, _, err := c.Alerts.GetRaw(ctx, id)
	if err != nil {
		return nil, notFound(err, "alert", id)
	}
	return &fetched{A: a, Raw: raw, Req: sent.First(http.MethodGet)}, nil
}

// Alert is GET /alerts/{id}.
func (a *Pages) Alert(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = "Alert"
	if err := checkAlertID(id); err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessReadAlerts)
	if err != nil {
		return err
	}
	f, err := fetch(p.R.Context(), c, id)
	if err != nil {
		return err
	}
	return a.renderAlert(p, f, "")
}

// renderAlert renders the alert page with an optional notice.
func (a *Pages) renderAlert(p *page.Page, f *fetched, notice string) error {
	al := f.A
	var err error
	v := alertView{
		A:             al,
		SeverityLabel: page.SeverityLabel(al.Severity), StatusLabel: page.AlertStatusLabel(al.Status),
		ClassLabel: page.ClassificationLabel(al.Classification), DetermLabel: page.DeterminationLabel(al.Determination),
		SourceLabel: page.ServiceSourceLabel(al.ServiceSource), ServiceSource: string(al.ServiceSource),
		DetectionSource: string(al.DetectionSource), ProductName: al.ProductName, AlertPolicyID: al.AlertPolicyID,
		AlertWebURL: p.PortalURL(al.AlertWebURL), IncidentWebURL: p.PortalURL(al.IncidentWebURL),
		Evidence: evidencePanels(al.Evidence, p.Times()), Comments: page.Comments(al.Comments),
		RawJSON: prettyJSON(f.Raw), Form: a.choices.newUpdateForm(al), CommentAction: page.AlertHref(al.ID) + "/comments",
		CommentMax: maxComment, Me: p.Me(), Notice: notice, Request: page.Shown("get", f.Req),
	}
	if al.IncidentID != "" {
		v.IncidentHref = page.IncidentHref(al.IncidentID)
	}
	v.Categories = al.Categories
	if len(v.Categories) == 0 && al.Category != "" {
		v.Categories = []string{al.Category}
	}
	for _, t := range al.MITRETechniques {
		v.Techniques = append(v.Techniques, technique{ID: t, URL: techniqueURL(t)})
	}
	v.Activity, err = a.activity.List(p.R.Context(), activityResource, al.ID)
	v.ActivityFailed = err != nil
	p.Title, p.Nav = cmp.Or(al.Title, "Alert "+al.ID), "alerts"
	return p.Render(http.StatusOK, "alerts/alert", v)
}
