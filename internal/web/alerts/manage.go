package alerts

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// /manage is the original sample's "Manage alerts" for alerts_v2: an alert
// id and the changes to make, for an analyst who has the id from an email,
// a ticket or another tool. It does exactly what the alert page's triage
// pane does, and shows every request it sent with the alert before and
// after. Every refusal comes back on the form, with what the user typed.

// manageForm is what the user typed, kept on every answer so a mistake
// costs no retyping.
type manageForm struct {
	ID, Status, Classification, Determination, AssignedTo, Comment string
	AssignToMe, Unassign                                           bool
}

// manageResult is what a POST did.
type manageResult struct {
	ID, Title, Href string
	Sent            []sent
	Rows            []page.CompareRow
}

// manageView is the page's data.
type manageView struct {
	Form                  manageForm
	Status, Class         []page.Choice
	Determination         []page.ChoiceGroup
	Result                *manageResult
	Nothing               bool
	Error                 *page.ErrorView
	Me                    string
	CommentMax, MaxIDSize int
	ReadOnly              bool
}

func (a *Pages) newManageView(p *page.Page, f manageForm) manageView {
	L := p.L
	return manageView{
		Form:          f,
		Status:        page.EnumChoices(L, typed[graph.AlertStatus](a.choices.status), f.Status),
		Class:         page.EnumChoices(L, typed[graph.AlertClassification](a.choices.class), f.Classification),
		Determination: a.choices.determinationOptions(L, f.Determination), Me: p.Me(),
		CommentMax: maxComment, MaxIDSize: page.MaxID, ReadOnly: p.Role().ReadOnly(),
	}
}

// ManageForm is GET /manage; ?id= prefills the alert id (links from other
// tools).
func (a *Pages) ManageForm(p *page.Page) error {
	p.Title = p.L.T("manage.title")
	id := strings.TrimSpace(p.R.URL.Query().Get("id"))
	if id != "" {
		if err := checkAlertID(id); err != nil {
			return err
		}
	}
	return p.Render(http.StatusOK, "alerts/manage", a.newManageView(p, manageForm{ID: id}))
}

// refuseManage shows err on the manage page with the user's input, at the
// status the error deserves (Graph's code and request-id included).
func (a *Pages) refuseManage(p *page.Page, v manageView, err error) error {
	err = page.Reword(err, graph.ErrNotFound, page.T("alert.notFound.heading"), page.T("manage.notFound", "id", v.Form.ID))
	status, ev := p.Explain(err)
	v.Error = &ev
	v.ReadOnly = false // the form comes back with what was typed
	return p.Render(status, "alerts/manage", v)
}

// Manage is POST /manage.
func (a *Pages) Manage(p *page.Page) error {
	p.Title = p.L.T("manage.title")
	form := p.R.PostForm
	ch := readChange(form)
	f := manageForm{
		ID: strings.TrimSpace(form.Get("id")), Status: ch.Status, Classification: ch.Classification, Determination: ch.Determination,
		AssignedTo: ch.AssignedTo, Comment: ch.Comment, AssignToMe: ch.AssignToMe, Unassign: ch.Unassign,
	}
	v := a.newManageView(p, f)
	if err := checkAlertID(f.ID); err != nil {
		return a.refuseManage(p, v, err)
	}
	if err := a.choices.check(ch); err != nil {
		return a.refuseManage(p, v, err)
	}
	var comment string
	if strings.TrimSpace(f.Comment) != "" {
		var err error
		if comment, err = parseComment(f.Comment); err != nil {
			return a.refuseManage(p, v, err)
		}
	}
	if ch.empty() && comment == "" {
		return a.refuseManage(p, v, page.BadInput(page.T("manage.chooseSomething")))
	}
	c, err := p.GraphFor(graph.AccessWriteAlerts)
	if err != nil {
		return a.refuseManage(p, v, err)
	}
	before, _, err := c.Alerts.Get(p.R.Context(), f.ID)
	if err != nil {
		return a.refuseManage(p, v, err)
	}
	u, err := a.choices.update(ch, before, p.Me())
	if err != nil {
		return a.refuseManage(p, v, err)
	}
	if u == (graph.AlertUpdate{}) && comment == "" {
		v.Nothing = true
		return p.Render(http.StatusOK, "alerts/manage", v)
	}

	L := p.L
	res := &manageResult{ID: before.ID, Title: before.Title, Href: page.AlertHref(before.ID)}
	after := before
	if u != (graph.AlertUpdate{}) {
		pr, err := a.patch(p.R.Context(), L, c, p.Session, before, u)
		if err != nil {
			return a.refuseManage(p, v, err)
		}
		after = pr.After
		res.Sent = append(res.Sent, pr.Sent)
	}
	beforeFields, afterFields := compareFields(L, before), compareFields(L, after)
	var commentErr error
	if comment != "" {
		cr, err := a.comment(p.R.Context(), c, p.Session, before.ID, comment)
		if err != nil {
			commentErr = err
		} else {
			res.Sent = append(res.Sent, cr.Sent)
			beforeFields = append(beforeFields, commentFields(L, before.Comments)...)
			afterFields = append(afterFields, commentFields(L, cr.Comments)...)
		}
	}
	res.Rows = page.CompareFields(beforeFields, afterFields)
	if commentErr != nil {
		// The update went through; say so, and why the comment did not,
		// keeping the comment for another try.
		v.Result = res
		return a.refuseManage(p, v, commentErr)
	}
	// The next alert is a fresh start: keep the id, drop the changes, so a
	// second submit cannot post the same comment again.
	next := a.newManageView(p, manageForm{ID: before.ID})
	next.Result = res
	p.Title = p.L.T("triage.updated")
	return p.Render(http.StatusOK, "alerts/manage", next)
}

// commentFields summarise comments for the comparison: how many, and the
// newest.
func commentFields(L *i18n.Printer, list []graph.AlertComment) []page.Field {
	last := ""
	if cs := page.Comments(list); len(cs) > 0 {
		last = cs[len(cs)-1].Text
	}
	return []page.Field{{Prop: "comments", Raw: strconv.Itoa(len(list)), Text: L.N(len(list))}, {Prop: "newestComment", Raw: last}}
}
