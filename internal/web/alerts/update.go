package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Changing an alerts_v2 alert: PATCH status, classification, determination
// and assignedTo (the only fields Graph lets clients change), and POST a
// comment, from the triage pane's one form. Every change is read before,
// sent with only what differs, recorded in graphsec's activity log, and
// shown in place: the post redirects to the alert's page, which shows what
// changed, before and after (post/redirect/get). A change Graph refuses is
// shown next to the triage pane with everything the user typed still in
// the form.

// change is what a triage form (or the manage page) asks for (the page
// kit's, which incidents share).
type change = page.TriageChange

// readChange reads the update fields, named after the properties, as
// typed.
func readChange(form url.Values) change { return page.ReadTriageChange(form) }

// check refuses what graphsec does not offer before Graph sees it.
func (c choices) check(ch change) error { return ch.Check(c.status) }

// update returns the PATCH body: only the fields whose new value differs
// from before. "Assign to me" wins over the typed assignee (the button is
// what was pressed), and "Unassign" over the text field.
func (c choices) update(ch change, before *graph.Alert, me string) (graph.AlertUpdate, error) {
	var u graph.AlertUpdate
	if ch.Status != "" && ch.Status != string(before.Status) {
		u.Status = graph.Some(graph.AlertStatus(ch.Status))
	}
	var err error
	if u.AssignedTo, err = ch.Assignment(before.AssignedTo, me, page.T("triage.noUPN")); err != nil {
		return u, err
	}
	u.Classification, u.Determination, err = ch.Triage(before.Classification, before.Determination)
	return u, err
}

// compareFields are the fields the before/after comparison shows, by
// Graph's property names (the activity log records them by these names):
// raw values compared and recorded, labels shown.
func compareFields(L *i18n.Printer, a *graph.Alert) []page.Field {
	enum := func(prop string, v any) page.Field {
		l := L.Enum(v)
		return page.Field{Prop: prop, Raw: l.Raw, Text: l.Text}
	}
	when := func(prop string, t time.Time) page.Field {
		f := page.Field{Prop: prop}
		if !t.IsZero() {
			// Graph's precision: two changes within a second differ.
			f.Raw, f.Text = t.UTC().Format(time.RFC3339Nano), L.TimeLong(t)
		}
		return f
	}
	return []page.Field{
		{Prop: "title", Raw: a.Title},
		enum("severity", a.Severity),
		enum("status", a.Status),
		enum("classification", a.Classification),
		enum("determination", a.Determination),
		{Prop: "assignedTo", Raw: a.AssignedTo},
		when("lastUpdateDateTime", a.LastUpdateDateTime),
		when("resolvedDateTime", a.ResolvedDateTime),
	}
}

// activityRows leaves lastUpdateDateTime out of what the activity log
// records: every change moves it, and the log entry has its own time.
func activityRows(rows []page.CompareRow) []page.CompareRow {
	return slices.DeleteFunc(slices.Clone(rows), func(r page.CompareRow) bool { return r.Prop == "lastUpdateDateTime" })
}

// patched is the result of one PATCH.
type patched struct {
	After *graph.Alert
	Sent  page.Sent
	Rows  []page.CompareRow
}

// patch records the intent, sends u and records the outcome. The request
// is shown as the client sent it (method, URL, JSON body), not rebuilt.
func (a *Pages) patch(ctx context.Context, L *i18n.Printer, c *graph.Client, sess *auth.Session, before *graph.Alert, u graph.AlertUpdate) (*patched, error) {
	intent := a.activity.Begin(ctx, sess, activityResource, before.ID, "update",
		page.Changes(page.CompareFields(updateFields(before), updateFields(updated(before, u)))))
	octx, rec := page.Record(ctx)
	after, resp, err := c.Alerts.Update(octx, before.ID, u)
	if err != nil {
		intent.Fail(ctx, err)
		return nil, notFound(err, before.ID)
	}
	res := &patched{After: after, Rows: page.CompareFields(compareFields(L, before), compareFields(L, after)),
		Sent: page.Sent{What: "update", Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("patch", rec.First(http.MethodPatch))}}
	intent.Done(ctx, resp.RequestID, page.Changes(activityRows(res.Rows)))
	return res, nil
}

// commented is the result of one comment POST.
type commented struct {
	Comments []graph.AlertComment
	Sent     page.Sent
}

// comment records the intent, posts a comment and records the outcome.
func (a *Pages) comment(ctx context.Context, c *graph.Client, sess *auth.Session, id, text string) (*commented, error) {
	changes, _ := json.Marshal(map[string]string{"comment": text})
	intent := a.activity.Begin(ctx, sess, activityResource, id, "comment", changes)
	octx, rec := page.Record(ctx)
	comments, resp, err := c.Alerts.AddComment(octx, id, text)
	if err != nil {
		intent.Fail(ctx, err)
		return nil, notFound(err, id)
	}
	res := &commented{Comments: comments, Sent: page.Sent{What: "comment", Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("comment", rec.First(http.MethodPost))}}
	intent.Done(ctx, resp.RequestID, nil)
	return res, nil
}

// changed is what a change of an alert did, shown in its triage pane.
func changed() *page.Changed {
	return &page.Changed{Heading: "triage.updated", NothingKey: "triage.nothingChanged"}
}

// Update is POST /alerts/{id} (and /alerts/{id}/comments): the triage
// pane's form. It changes what differs, adds the comment, and redirects to
// the alert's page, which shows what changed. A refusal (the user's
// mistake, a missing role or permission, throttling that did not end,
// Graph failing) is the alert's page with the error in the triage pane and
// the user's values, comment included, still in the form.
func (a *Pages) Update(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("kind.alert")
	if err := checkAlertID(id); err != nil {
		return err
	}
	form := p.R.PostForm
	ch := readChange(form)
	r := a.queueFrom(p, form.Get("queue"), form.Get("i"), form.Get("n"))
	var c *graph.Client
	return p.ApplyTriage(page.TriagePost{
		Href: page.AlertHref(id), Back: r.Link(page.AlertHref(id)), Comment: ch.Comment, CommentOnly: page.CommentOnly(form), Result: changed(),
		Check: func() error { return a.choices.check(ch) },
		Update: func() ([]page.CompareRow, *page.Sent, error) {
			var err error
			if c, err = p.GraphFor(graph.AccessWriteAlerts); err != nil {
				c = nil
				return nil, nil, err
			}
			before, err := fetch(p.R.Context(), c, id)
			if err != nil {
				return nil, nil, err
			}
			u, err := a.choices.update(ch, before.A, p.Me())
			if err != nil || u == (graph.AlertUpdate{}) {
				return nil, nil, err
			}
			res, err := a.patch(p.R.Context(), p.L, c, p.Session, before.A, u)
			if err != nil {
				return nil, nil, err
			}
			// What the analyst changed (and what followed, resolvedDateTime);
			// not lastUpdateDateTime, which every change moves.
			return page.ChangedRows(activityRows(res.Rows)), &res.Sent, nil
		},
		AddComment: func(text string) (page.Sent, error) {
			cr, err := a.comment(p.R.Context(), c, p.Session, id, text)
			if err != nil {
				return page.Sent{}, err
			}
			return cr.Sent, nil
		},
		Refuse: func(err error, fl *page.Changed) error { return a.refuse(p, c, id, ch, r, err, fl) },
		Show: func(fl *page.Changed) error {
			f, err := fetch(p.R.Context(), c, id)
			if err != nil {
				return err
			}
			v := a.alertView(p, f, r)
			v.Flash = fl
			return a.renderAlert(p, http.StatusOK, v)
		},
	})
}

// refuse shows the alert's page with err in the triage pane and what the
// user submitted (ch, comment included) still in the form, at the status
// err calls for. fl, when not nil, is what the same submission did before
// it failed. When the alert cannot be read either, the page holds the
// triage pane alone.
func (a *Pages) refuse(p *page.Page, c *graph.Client, id string, ch change, r queueRef, err error, fl *page.Changed) error {
	status, ev := p.Explain(err)
	if c == nil {
		c, _ = p.GraphFor(graph.AccessReadAlerts)
	}
	var v alertView
	var f *fetched
	if c != nil {
		f, _ = fetch(p.R.Context(), c, id)
	}
	if f != nil {
		v = a.alertView(p, f, r)
	} else {
		v = alertView{A: &graph.Alert{ID: id}, Partial: true, Nav: a.nav.Nav(p, id, r)}
	}
	v.ReadOnly = false // the form comes back with what was typed
	v.Triage = a.choices.newTriageForm(p.L, v.A, &ch)
	v.Triage.Me = p.Me()
	v.Triage.From, v.Triage.I, v.Triage.N = r.Carry()
	v.Error, v.Flash = &ev, fl
	return a.renderAlert(p, status, v)
}
