package alerts

import (
	"cmp"
	"context"
	"net/http"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The alert page (/alerts/{id}) shows one alerts_v2 alert the way an
// analyst works it: the triage pane first (status, classification with its
// determination, assignment, a comment: one form, saved in place), then
// what happened (description, MITRE techniques, evidence), what was said
// (comments, graphsec's activity log), and Graph's JSON for anything the
// structured view leaves out. It knows the queue view it was opened from
// (see nav.go).

// activityResource is the alert's kind in the activity log.
const activityResource = "alert"

// checkAlertID refuses an id that cannot name an alert, before any call.
func checkAlertID(id string) error { return page.CheckID(page.T("kind.alert"), id, page.MaxID) }

// notFound words Graph's 404 for an alert ("Alert not found" rather than
// a generic "Not found"), keeping Graph's code, message and request-id.
func notFound(err error, id string) error {
	return page.Reword(err, graph.ErrNotFound, page.T("alert.notFound.heading"), page.T("alert.notFound.message", "id", id))
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

// newTriageForm preselects the alert's current values, or those of a
// submitted change. A value graphsec does not offer (a member Graph added
// later) is kept by the empty "keep" choice, so saving never changes it
// by accident.
func (c choices) newTriageForm(L *i18n.Printer, a *graph.Alert, ch *change) page.TriageForm {
	status, triage, who := string(a.Status), page.TriageValue(a.Classification, a.Determination), a.AssignedTo
	var comment string
	if ch != nil {
		status, who, comment = cmp.Or(ch.Status, status), ch.AssignedTo, ch.Comment
		if ch.Classification != "" || ch.Determination != "" {
			triage = cmp.Or(ch.Classification, string(a.Classification)) + page.TriageSep + cmp.Or(ch.Determination, string(a.Determination))
		}
	}
	f := page.TriageForm{
		Action: page.AlertHref(a.ID), Status: page.EnumChoicesOf[graph.AlertStatus](L, c.status, status),
		Triage: page.TriageOptions(L, triage), AssignedTo: who, Comment: comment, CommentMax: page.MaxComment,
	}
	if !page.Has(f.Status, status) {
		f.KeepStatus = L.Label(graph.AlertStatus(status))
	}
	if !page.GroupsHave(f.Triage, triage) {
		f.KeepTriage = L.Label(a.Classification) + " · " + L.Label(a.Determination)
	}
	return f
}

// alertView is the alert page's data.
type alertView struct {
	A                                         *graph.Alert
	Sev, Status, Class, Determ                i18n.EnumLabel
	Source, Detection, Investigation          i18n.EnumLabel
	Categories                                []i18n.EnumLabel
	Techniques                                []technique
	AlertWebURL, IncidentWebURL, IncidentHref string
	Evidence                                  []evidencePanel
	Comments                                  []page.Comment
	Activity                                  []page.ActivityEntry
	ActivityFailed                            bool
	Request                                   *page.RequestView
	RawJSON                                   string
	Triage                                    page.TriageForm
	// ReadOnly is set for a user whose roles let them read, not change:
	// the triage pane shows the values and the role that could.
	ReadOnly bool
	// Flash is what the last change did (after its redirect); Error a
	// change Graph (or graphsec) refused, shown in the triage pane with
	// the user's values still in the form.
	Flash *page.Changed
	Error *page.ErrorView
	// Partial is set when the alert could not be read: only the triage
	// pane (with the user's values) and the error are shown.
	Partial bool
	Nav     page.ListNav
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
		return nil, notFound(err, id)
	}
	return &fetched{A: a, Raw: raw, Req: sent.First(http.MethodGet)}, nil
}

// Alert is GET /alerts/{id}.
func (a *Pages) Alert(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("kind.alert")
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
	q := p.R.URL.Query()
	r := a.queueFrom(p, q.Get("from"), q.Get("i"), q.Get("n"))
	v := a.alertView(p, f, r)
	v.Flash = p.TakeFlash(page.AlertHref(f.A.ID), q.Get("done"))
	return a.renderAlert(p, http.StatusOK, v)
}

// alertView builds the page of an alert read from Graph, opened from the
// queue view r.
func (a *Pages) alertView(p *page.Page, f *fetched, r queueRef) alertView {
	al, L := f.A, p.L
	v := alertView{
		A: al, Sev: L.Enum(al.Severity), Status: L.Enum(al.Status), Class: L.Enum(al.Classification), Determ: L.Enum(al.Determination),
		Source: L.Enum(al.ServiceSource), Detection: L.Enum(al.DetectionSource),
		AlertWebURL: p.PortalURL(al.AlertWebURL), IncidentWebURL: p.PortalURL(al.IncidentWebURL),
		Evidence: evidencePanels(L, al.Evidence), Comments: page.Comments(al.Comments),
		RawJSON: page.PrettyJSON(f.Raw), Request: page.Shown("get", f.Req),
		Triage: a.choices.newTriageForm(L, al, nil), ReadOnly: p.Role().ReadOnly(),
		Nav: a.nav.Nav(p, al.ID, r),
	}
	if al.InvestigationState != "" {
		v.Investigation = L.Enum(al.InvestigationState)
	}
	if al.IncidentID != "" {
		v.IncidentHref = page.IncidentHref(al.IncidentID)
	}
	cats := al.Categories
	if len(cats) == 0 && al.Category != "" {
		cats = []string{al.Category}
	}
	for _, c := range cats {
		v.Categories = append(v.Categories, L.Category(c))
	}
	for _, t := range al.MITRETechniques {
		v.Techniques = append(v.Techniques, technique{ID: t, URL: techniqueURL(t)})
	}
	v.Triage.From, v.Triage.I, v.Triage.N = r.Carry()
	v.Triage.Me = p.Me()
	v.Triage.Comment = p.KeepOr(v.Triage.Comment, "comment")
	var err error
	v.Activity, err = a.activity.List(p.R.Context(), activityResource, al.ID, page.DescribeTriage[graph.AlertStatus](L))
	v.ActivityFailed = err != nil
	return v
}

func (a *Pages) renderAlert(p *page.Page, status int, v alertView) error {
	p.Title, p.Nav = cmp.Or(v.A.Title, p.L.T("alert.titleFallback", "id", v.A.ID)), "alerts"
	return p.Render(status, "alerts/alert", v)
}
