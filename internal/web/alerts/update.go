package alerts

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

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

// change is what a triage form (or the manage page) asks for. Empty
// fields leave the property as it is. Comment is kept as typed.
type change struct {
	Status, Classification, Determination, AssignedTo, Comment string
	AssignToMe, Unassign                                       bool
}

func (ch change) empty() bool {
	return ch.Status == "" && ch.Classification == "" && ch.Determination == "" && ch.AssignedTo == "" && !ch.AssignToMe && !ch.Unassign
}

// readChange reads the update fields, named after the properties, as
// typed. The triage pane sends classification and determination as one
// value ("truePositive:malware"), and its assignee field as it stands
// (assign=exact: an emptied field unassigns).
func readChange(form url.Values) change {
	ch := change{
		Status:         strings.TrimSpace(form.Get("status")),
		Classification: strings.TrimSpace(form.Get("classification")),
		Determination:  strings.TrimSpace(form.Get("determination")),
		AssignedTo:     strings.TrimSpace(form.Get("assignedTo")),
		Comment:        form.Get("comment"),
		AssignToMe:     form.Get("assignToMe") != "",
		Unassign:       form.Get("unassign") != "",
	}
	if t := strings.TrimSpace(form.Get("triage")); t != "" {
		ch.Classification, ch.Determination, _ = strings.Cut(t, triageSep)
	}
	if form.Get("assign") == "exact" && form.Has("assignedTo") && ch.AssignedTo == "" && !ch.AssignToMe {
		ch.Unassign = true
	}
	return ch
}

// check refuses enum values graphsec does not offer (so unknownFutureValue
// and typos are refused before Graph sees them), and an assignee that is
// not one line of text.
func (c choices) check(ch change) error {
	for _, e := range []struct {
		field   page.Msg
		v       string
		allowed []string
	}{{page.T("field.status"), ch.Status, c.status}, {page.T("field.classification"), ch.Classification, c.class},
		{page.T("field.determination"), ch.Determination, c.determ}} {
		if e.v == "" || slices.Contains(e.allowed, e.v) {
			continue
		}
		return page.BadInput(page.T("triage.badValue", "value", page.Shorten(e.v, 64), "field", e.field, "allowed", strings.Join(e.allowed, ", ")))
	}
	if _, err := page.Text(page.T("field.assignedTo"), ch.AssignedTo, page.MaxText); err != nil {
		return err
	}
	if ch.AssignToMe && ch.Unassign {
		return page.BadInput(page.T("triage.assignAndUnassign"))
	}
	return nil
}

// update returns the PATCH body: only the fields whose new value differs
// from before. "Assign to me" wins over the typed assignee (the button is
// what was pressed), and "Unassign" over the text field.
func (c choices) update(ch change, before *graph.Alert, me string) (graph.AlertUpdate, error) {
	var u graph.AlertUpdate
	if ch.Status != "" && ch.Status != string(before.Status) {
		u.Status = graph.Some(graph.AlertStatus(ch.Status))
	}
	if ch.Classification != "" && ch.Classification != string(before.Classification) {
		u.Classification = graph.Some(graph.AlertClassification(ch.Classification))
	}
	if ch.Determination != "" && ch.Determination != string(before.Determination) {
		u.Determination = graph.Some(graph.AlertDetermination(ch.Determination))
	}
	switch {
	case ch.Unassign:
		if before.AssignedTo != "" {
			u.AssignedTo = graph.Clear[string]()
		}
	case ch.AssignToMe:
		if me == "" {
			return u, page.BadInput(page.T("triage.noUPN"))
		}
		if me != before.AssignedTo {
			u.AssignedTo = graph.Some(me)
		}
	case ch.AssignedTo != "" && ch.AssignedTo != before.AssignedTo:
		u.AssignedTo = graph.Some(ch.AssignedTo)
	}
	if !u.Classification.IsZero() || !u.Determination.IsZero() {
		cl, d := before.Classification, before.Determination
		if v, ok := u.Classification.Get(); ok {
			cl = v
		}
		if v, ok := u.Determination.Get(); ok {
			d = v
		}
		if !c.determinationFits(string(cl), string(d)) {
			return u, page.BadInput(page.T("triage.doesNotFit", "determination", d, "classification", cl,
				"fitting", labelList(c.fittingDeterminations(string(cl)))))
		}
	}
	return u, nil
}

// labelList is a list of enum members as a message argument: each
// labelled in the page's language when the message is rendered.
type labelList []graph.AlertDetermination

func (l labelList) In(L *i18n.Printer) string { return L.Labels([]graph.AlertDetermination(l)) }

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

// sent is one request a change sent, with Graph's answer: What names it
// ("update", "comment").
type sent struct {
	What      string
	Request   *page.RequestView
	Status    int
	RequestID string
}

// patched is the result of one PATCH.
type patched struct {
	Before, After *graph.Alert
	Sent          sent
	Rows          []page.CompareRow
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
	res := &patched{Before: before, After: after, Rows: page.CompareFields(compareFields(L, before), compareFields(L, after)),
		Sent: sent{What: "update", Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("patch", rec.First(http.MethodPatch))}}
	intent.Done(ctx, resp.RequestID, page.Changes(activityRows(res.Rows)))
	return res, nil
}

// maxComment bounds a comment, in characters after trimming. Graph
// documents no limit; 10,000 characters is far beyond any note an analyst
// writes and keeps the alert readable. (The graph client's own limit is
// 32 KiB, checked too, so long non-ASCII text gets the same clear refusal.)
const maxComment = 10000

// parseComment trims a comment, normalises browser line ends and checks
// its length.
func parseComment(raw string) (string, error) {
	text := strings.TrimSpace(strings.ReplaceAll(raw, "\r\n", "\n"))
	if err := page.CheckText(page.T("prop.comment"), text, true); err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return "", page.BadInput(page.T("triage.emptyComment"))
	case n > maxComment || len(text) > 32<<10:
		return "", page.BadInput(page.T("triage.longComment", "chars", n, "max", maxComment))
	}
	return text, nil
}

// commented is the result of one comment POST.
type commented struct {
	Comments []graph.AlertComment
	Sent     sent
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
	res := &commented{Comments: comments, Sent: sent{What: "comment", Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("comment", rec.First(http.MethodPost))}}
	intent.Done(ctx, resp.RequestID, nil)
	return res, nil
}

// flash is what a change did, shown once in the triage pane of the page
// it redirects to: the fields that changed (before and after), the
// comment added, the requests sent; or that nothing needed changing.
type flash struct {
	Rows    []page.CompareRow
	Comment string
	Sent    []sent
	Nothing bool
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
	refuse := func(err error, fl *flash) error { return a.refuse(p, c, id, ch, r, err, fl) }
	if err := a.choices.check(ch); err != nil {
		return refuse(err, nil)
	}
	var comment string
	if strings.TrimSpace(ch.Comment) != "" || (form.Has("comment") && !form.Has("status") && !form.Has("triage")) {
		var err error
		if comment, err = parseComment(ch.Comment); err != nil {
			return refuse(err, nil)
		}
	}
	c, err := p.GraphFor(graph.AccessWriteAlerts)
	if err != nil {
		c = nil
		return refuse(err, nil)
	}
	before, err := fetch(p.R.Context(), c, id)
	if err != nil {
		return refuse(err, nil)
	}
	u, err := a.choices.update(ch, before.A, p.Me())
	if err != nil {
		return refuse(err, nil)
	}
	fl := &flash{}
	if u == (graph.AlertUpdate{}) && comment == "" {
		fl.Nothing = true
	}
	if u != (graph.AlertUpdate{}) {
		res, err := a.patch(p.R.Context(), p.L, c, p.Session, before.A, u)
		if err != nil {
			return refuse(err, nil)
		}
		// What the analyst changed (and what followed, resolvedDateTime);
		// not lastUpdateDateTime, which every change moves.
		fl.Rows, fl.Sent = page.ChangedRows(activityRows(res.Rows)), append(fl.Sent, res.Sent)
	}
	if comment != "" {
		cr, err := a.comment(p.R.Context(), c, p.Session, id, comment)
		if err != nil {
			// The update (if any) went through; the page says so, and why
			// the comment did not, keeping it for another try.
			return refuse(err, fl)
		}
		fl.Comment, fl.Sent = comment, append(fl.Sent, cr.Sent)
	}
	if p.Started() {
		// Graph throttled and the page has begun (with the retry notice): a
		// redirect can no longer be sent, so show the alert here.
		f, err := fetch(p.R.Context(), c, id)
		if err != nil {
			return err
		}
		v := a.alertView(p, f, r)
		v.Flash = fl
		return a.renderAlert(p, http.StatusOK, v)
	}
	to := page.AlertHref(id)
	if r.OK {
		to = alertLink(id, r.Pager.Values(), r.I, r.Total)
	}
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	return p.Redirect(to+sep+"done="+p.SetFlash(page.AlertHref(id), fl), http.StatusSeeOther)
}

// refuse shows the alert's page with err in the triage pane and what the
// user submitted (ch, comment included) still in the form, at the status
// err calls for. fl, when not nil, is what the same submission did before
// it failed. When the alert cannot be read either, the page holds the
// triage pane alone.
func (a *Pages) refuse(p *page.Page, c *graph.Client, id string, ch change, r queueRef, err error, fl *flash) error {
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
		v = alertView{A: &graph.Alert{ID: id}, Partial: true, Nav: a.newQueueNav(p, id, r)}
	}
	v.ReadOnly = false // the form comes back with what was typed
	v.Triage = a.choices.newTriageForm(p.L, v.A, &ch)
	v.Triage.Me = p.Me()
	v.Triage.carry(r)
	v.Error, v.Flash = &ev, fl
	return a.renderAlert(p, status, v)
}
