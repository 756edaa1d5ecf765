package legacy

import (
	"cmp"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Managing a legacy alert works as in the original sample's "Manage
// alerts": read the alert, PATCH it assigned to the signed-in analyst with
// the chosen status and feedback, its comments plus the new one, and the
// vendorInformation the service requires; read it again and show the
// request and the alert before and after. graphsec also records the change
// in its activity log, which the legacy API itself does not keep for
// analysts.

// maxComment bounds a new comment. Microsoft documents no length; the
// providers that take free text keep short notes, and those that do not
// accept only "Closed in IPC" / "Closed in MCAS".
const maxComment = 1000

// manageForm is what the analyst entered, kept to refill the form after a
// refusal.
type manageForm struct {
	ID, Status, Feedback, Comment string
}

// manageView is the manage form, on its own page (/legacy/manage) or on an
// alert's page.
type manageView struct {
	Form manageForm
	// Action is where the form posts; FixedID hides the id field on an
	// alert's own page.
	Action   string
	FixedID  bool
	Statuses []page.Choice
	Feedback []page.Choice
	Me       string
	// CommentHint tells what this alert's provider accepts as a comment.
	CommentHint page.Msg
	// ReadOnly is set for a user whose roles let them read, not change.
	ReadOnly bool
	// Error is Graph's or graphsec's refusal of the last submission.
	Error *page.ErrorView
	// Request is the refused PATCH, when one was sent.
	Request *page.RequestView
}

func (l *Pages) newManageView(p *page.Page, f manageForm, a *graph.LegacyAlert) manageView {
	v := manageView{Form: f, Action: "/legacy/manage", Me: p.Me(), ReadOnly: p.Role().ReadOnly(),
		Statuses: labelled[graph.LegacyAlertStatus](p.L, l.choices.updateStatuses, f.Status),
		Feedback: labelled[graph.LegacyAlertFeedback](p.L, l.choices.feedbacks, f.Feedback)}
	if a != nil {
		v.Action, v.FixedID = page.LegacyAlertHref(a.ID), true
		v.CommentHint = commentHint(a.Provider())
	}
	return v
}

// commentHint explains the documented restriction on comments, exactly
// for the two providers it names.
func commentHint(provider string) page.Msg {
	switch strings.ToLower(provider) {
	case "ipc":
		return page.T("legacy.onlyComment", "provider", "IPC", "comment", "Closed in IPC")
	case "mcas":
		return page.T("legacy.onlyComment", "provider", "MCAS", "comment", "Closed in MCAS")
	}
	return page.Msg{}
}

// ManageForm is GET /legacy/manage: the original's "Manage alerts" form,
// by alert id (?id= fills it in).
func (l *Pages) ManageForm(p *page.Page) error {
	p.Title = p.L.T("legacy.manage.title")
	id := strings.TrimSpace(p.R.URL.Query().Get("id"))
	if id != "" {
		if err := checkID(id); err != nil {
			return err
		}
	}
	if err := p.Require(graph.AccessWriteSecurityEvents); err != nil {
		return err
	}
	return p.Render(http.StatusOK, "legacy/manage", l.newManageView(p, manageForm{ID: id}, nil))
}

// Update is POST /legacy/alerts/{id}, the form on an alert's page.
func (l *Pages) Update(p *page.Page) error {
	id := p.R.PathValue("id")
	return l.manage(p, id, page.LegacyAlertHref(id), true)
}

// Manage is POST /legacy/manage, the form by alert id.
func (l *Pages) Manage(p *page.Page) error {
	return l.manage(p, strings.TrimSpace(p.R.PostForm.Get("id")), "/legacy/manage", false)
}

// parseManage reads the form's choices: empty keeps the alert's value;
// enum members are matched without regard to case and sent in Graph's
// spelling.
func (c choices) parseManage(f *manageForm) error {
	if err := checkID(f.ID); err != nil {
		return err
	}
	norm := func(name page.Msg, v string, values []string) (string, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return "", nil
		}
		i := slices.IndexFunc(values, func(x string) bool { return strings.EqualFold(x, v) })
		if i < 0 {
			return "", page.BadInput(page.T("legacy.cannotSet", "value", page.Shorten(v, 64), "field", name, "allowed", strings.Join(values, ", ")))
		}
		return values[i], nil
	}
	var err error
	if f.Status, err = norm(page.T("field.status"), f.Status, c.updateStatuses); err != nil {
		return err
	}
	if f.Feedback, err = norm(page.T("prop.feedback"), f.Feedback, c.feedbacks); err != nil {
		return err
	}
	f.Comment = strings.TrimSpace(f.Comment)
	if utf8.RuneCountInString(f.Comment) > maxComment {
		return page.BadInput(page.T("legacy.longComment", "max", maxComment))
	}
	if !utf8.ValidString(f.Comment) {
		return page.BadInput(page.T("error.text.notUTF8", "field", page.T("prop.comment")))
	}
	return nil
}

// manage reads, patches and re-reads one legacy alert and shows the
// request and the alert before and after. Every refusal (bad input,
// unknown id, Graph's 400 for a comment a provider does not take, 403)
// comes back as the form, filled in as submitted, with the reason.
func (l *Pages) manage(p *page.Page, id, action string, fixedID bool) error {
	form := p.R.PostForm
	f := manageForm{ID: id, Status: form.Get("status"), Feedback: form.Get("feedback"), Comment: form.Get("comment")}
	p.Title = p.L.T("legacy.updated")
	mv := l.newManageView(p, f, nil)
	mv.Action, mv.FixedID = action, fixedID
	refuse := func(err error, req *graph.Request) error {
		err = page.Reword(err, graph.ErrNotFound, page.T("legacy.notFound.heading"), page.T("legacy.notFound.entered"))
		status, ev := p.Explain(err)
		mv.Error, mv.Request = &ev, page.Shown("patch", req)
		p.Title = ev.Heading
		return p.Render(status, "legacy/manage", mv)
	}
	if err := l.choices.parseManage(&f); err != nil {
		return refuse(err, nil)
	}
	mv.Form = f
	if p.Me() == "" {
		return refuse(page.BadInput(page.T("legacy.noUPN")), nil)
	}
	c, err := p.GraphFor(graph.AccessWriteSecurityEvents)
	if err != nil {
		return refuse(err, nil)
	}
	before, _, err := c.LegacyAlerts.Get(p.R.Context(), f.ID)
	if err != nil {
		return refuse(err, nil)
	}
	mv.CommentHint = commentHint(before.Provider())
	vi := before.VendorInformation
	if vi == nil || vi.Provider == "" || vi.Vendor == "" {
		return refuse(page.BadAnswer(page.T("legacy.noVendor"), nil), nil)
	}
	u := graph.LegacyAlertUpdate{AssignedTo: graph.Some(p.Me()), VendorInformation: *vi}
	if f.Status != "" {
		u.Status = graph.Some(graph.LegacyAlertStatus(f.Status))
	}
	if f.Feedback != "" {
		u.Feedback = graph.Some(graph.LegacyAlertFeedback(f.Feedback))
	}
	if f.Comment != "" {
		u.Comments = graph.Some(append(slices.Clone(before.Comments), f.Comment))
	}
	id = cmp.Or(before.ID, f.ID)
	intent := l.activity.Begin(p.R.Context(), p.Session, activityResource, id, "update", askedChanges(before, u, f.Comment))
	ctx, sent := page.Record(p.R.Context())
	_, resp, err := c.LegacyAlerts.Update(ctx, id, u)
	if err != nil {
		intent.Fail(p.R.Context(), err)
		return refuse(err, sent.First(http.MethodPatch))
	}
	L := p.L
	after, _, err := c.LegacyAlerts.Get(p.R.Context(), id)
	if err != nil {
		// The change is made; record what was asked for, then say that the
		// alert could not be shown afterwards.
		intent.Done(p.R.Context(), resp.RequestID, page.Changes(page.CompareFields(compareFields(L, before), compareFields(L, applied(before, u)))))
		return &page.Error{Heading: page.T("legacy.notReadAgain.heading"),
			Message: page.T("legacy.notReadAgain.message", "status", resp.StatusCode, "requestId", resp.RequestID), Cause: err}
	}
	rows := page.CompareFields(compareFields(L, before), compareFields(L, after))
	intent.Done(p.R.Context(), resp.RequestID, page.Changes(rows))
	return p.Render(http.StatusOK, page.ComparePage, page.CompareView{Heading: L.T("legacy.updated"), Status: resp.StatusCode, RequestID: resp.RequestID,
		Rows: rows, Back: page.LegacyAlertHref(id), BackLabel: L.T("legacy.backToAlert"), Request: page.Shown("patch", sent.First(http.MethodPatch))})
}

// compareFields are the fields the original showed side by side: raw
// values compared and recorded, labels shown.
func compareFields(L *i18n.Printer, a *graph.LegacyAlert) []page.Field {
	return fieldsOf(
		"title", a.Title, "category", page.Field{Raw: a.Category, Text: L.LegacyCategory(a.Category).Text},
		"severity", enum(L, a.Severity), "status", enum(L, a.Status), "feedback", enum(L, a.Feedback),
		"provider", a.Provider(), "assignedTo", a.AssignedTo, "comments", page.JoinList(a.Comments),
		"closedDateTime", when(L, a.ClosedDateTime),
	)
}

// applied is the alert as the update asked it to become, for the activity
// log when the alert cannot be read back.
func applied(a *graph.LegacyAlert, u graph.LegacyAlertUpdate) *graph.LegacyAlert {
	b := *a
	if v, ok := u.AssignedTo.Get(); ok {
		b.AssignedTo = v
	}
	if v, ok := u.Status.Get(); ok {
		b.Status = v
	}
	if v, ok := u.Feedback.Get(); ok {
		b.Feedback = v
	}
	if v, ok := u.Comments.Get(); ok {
		b.Comments = v
	}
	return &b
}
