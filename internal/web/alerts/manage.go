package alerts

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// /manage is the original sample's "Manage alerts" for alerts_v2: an alert
// id and the changes to make, for an analyst who has the id from an email,
// a ticket or another tool. It does exactly what the alert page's forms
// do, and shows every request it sent with the alert before and after.
// Every refusal comes back on the form, with what the user typed.

// manageForm is what the user typed, kept on every answer so a mistake
// costs no retyping.
type manageForm struct {
	ID, Status, Classification, Determination, AssignedTo, Comment string
	AssignToMe, Unassign                                           bool
}

// manageSent is one request the page sent, with Graph's answer.
type manageSent struct {
	What      string
	Request   *page.RequestView
	Status    int
	RequestID string
}

// manageResult is what a POST did.
type manageResult struct {
	ID, Title, Href string
	Sent            []manageSent
	Rows            []page.CompareRow
}

// manageView is the page's data.
type manageView struct {
	Form                  manageForm
	Status, Class         []page.Choice
	Determination         []page.ChoiceGroup
	Result                *manageResult
	Notice                string
	Error                 *page.ErrorView
	Me                    string
	CommentMax, MaxIDSize int
}

func (a *Pages) newManageView(p *page.Page, f manageForm) manageView {
	return manageView{
		Form: f, Status: page.Select(a.choices.status, f.Status), Class: page.Select(a.choices.class, f.Classification),
		Determination: a.choices.determinationOptions(f.Determination), Me: p.Me(),
		CommentMax: maxComment, MaxIDSize: page.MaxID,
	}
}

// ManageForm is GET /manage; ?id= prefills the alert id (links from other
// tools).
func (a *Pages) ManageForm(p *page.Page) error {
	p.Title = "Manage alerts"
	id := strings.TrimSpace(p.R.URL.Query().Get("id"))
	if id != "" {
		if err := checkAlertID(id); err != nil {
			return err
		}
	}
	return p.Render(http.StatusOK, "alerts/manage", a.newManageView(p, manageForm{ID: id}))
}

// refuse shows err on the manage page with the user's input, at the status
// the error deserves (Graph's code and request-id included).
func (a *Pages) refuse(p *page.Page, v manageView, err error) error {
	err = page.Reword(err, graph.ErrNotFound, "Alert not found",
		"Microsoft Graph has no alert with the id "+strconv.Quote(v.Form.ID)+". Check the id (copy it from the alert's page in graphsec or from the Defender portal); this page manages alerts_v2 alerts, legacy alerts are managed at /legacy/manage.")
	status, ev := p.Explain(err)
	v.Error = &ev
	return p.Render(status, "alerts/manage", v)
}

// Manage is POST /manage.
func (a *Pages) Manage(p *page.Page) error {
	p.Title = "Manage alerts"
	form := p.R.PostForm
	f := manageForm{
		ID: strings.TrimSpace(form.Get("id")), Status: strings.TrimSpace(form.Get("status")),
		Classification: strings.TrimSpace(form.Get("classification")), Determination: strings.TrimSpace(form.Get("determination")),
		AssignedTo: strings.TrimSpace(form.Get("assignedTo")), Comment: form.Get("comment"),
		AssignToMe: form.Get("assignToMe") != "", Unassign: form.Get("unassign") != "",
	}
	v := a.newManageView(p, f)
	if err := checkAlertID(f.ID); err != nil {
		return a.refuse(p, v, err)
	}
	ch, err := a.choices.parseChange(form)
	if err != nil {
		return a.refuse(p, v, err)
	}
	var comment string
	if strings.TrimSpace(f.Comment) != "" {
		if comment, err = parseComment(f.Comment); err != nil {
			return a.refuse(p, v, err)
		}
	}
	if ch.empty() && comment == "" {
		return a.refuse(p, v, page.BadInput("Choose at least one change (status, classification, determination, assignment) or write a comment."))
	}
	c, err := p.GraphFor(graph.AccessWriteAlerts)
	if err != nil {
		return a.refuse(p, v, err)
	}
	before, _, err := c.Alerts.Get(p.R.Context(), f.ID)
	if err != nil {
		return a.refuse(p, v, err)
	}
	u, err := a.choices.update(ch, before, p.Me())
	if err != nil {
		return a.refuse(p, v, err)
	}
	if u == (graph.AlertUpdate{}) && comment == "" {
		v.Notice = "Nothing changed: alert " + strconv.Quote(before.ID) + " already has these values, so graphsec sent no request to Graph."
		return p.Render(http.StatusOK, "alerts/manage", v)
	}

	tf := p.Times()
	res := &manageResult{ID: before.ID, Title: before.Title, Href: page.AlertHref(before.ID)}
	after := before
	if u != (graph.AlertUpdate{}) {
		pr, err := a.patch(p.R.Context(), c, p.Session, tf, before, u)
		if err != nil {
			return a.refuse(p, v, err)
		}
		after = pr.After
		res.Sent = append(res.Sent, manageSent{What: "Update", Request: pr.Request, Status: pr.Status, RequestID: pr.RequestID})
	}
	beforeFields, afterFields := compareFields(before, tf), compareFields(after, tf)
	var commentErr error
	if comment != "" {
		cr, err := a.comment(p.R.Context(), c, p.Session, before.ID, comment)
		if err != nil {
			commentErr = err
		} else {
			res.Sent = append(res.Sent, manageSent{What: "Comment", Request: cr.Request, Status: cr.Status, RequestID: cr.RequestID})
			beforeFields = append(beforeFields, commentFields(before.Comments)...)
			afterFields = append(afterFields, commentFields(cr.Comments)...)
		}
	}
	res.Rows = page.CompareFields(beforeFields, afterFields)
	if commentErr != nil {
		// The update went through; say so, and why the comment did not,
		// keeping the comment for another try.
		v.Result = res
		return a.refuse(p, v, commentErr)
	}
	// The next alert is a fresh start: keep the id, drop the changes, so a
	// second submit cannot post the same comment again.
	next := a.newManageView(p, manageForm{ID: before.ID})
	next.Result = res
	p.Title = "Alert updated"
	return p.Render(http.StatusOK, "alerts/manage", next)
}

// commentFields summarises comments for the comparison: how many, and the
// newest.
func commentFields(list []graph.AlertComment) []page.Field {
	last := ""
	if cs := page.Comments(list); len(cs) > 0 {
		last = cs[len(cs)-1].Text
	}
	return []page.Field{{Name: "comments", Value: strconv.Itoa(len(list))}, {Name: "newest comment", Value: last}}
}
