package alerts

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Changing an alerts_v2 alert: PATCH status, classification, determination
// and assignedTo (the only fields Graph lets clients change), and POST a
// comment. Every change is read before, sent with only what differs, shown
// as the exact request with the alert before and after, and recorded in
// graphsec's activity log.

// change is what an update form asks for. Empty fields leave the property
// as it is.
type change struct {
	Status, Classification, Determination, AssignedTo string
	AssignToMe, Unassign                              bool
}

func (ch change) empty() bool {
	return ch.Status == "" && ch.Classification == "" && ch.Determination == "" && ch.AssignedTo == "" && !ch.AssignToMe && !ch.Unassign
}

// parseChange reads the update fields, named after the properties. Enum
// values must be members graphsec offers (so unknownFutureValue and typos
// are refused before Graph sees them).
func (c choices) parseChange(form url.Values) (change, error) {
	ch := change{
		Status:         strings.TrimSpace(form.Get("status")),
		Classification: strings.TrimSpace(form.Get("classification")),
		Determination:  strings.TrimSpace(form.Get("determination")),
		AssignedTo:     strings.TrimSpace(form.Get("assignedTo")),
		AssignToMe:     form.Get("assignToMe") != "",
		Unassign:       form.Get("unassign") != "",
	}
	for _, e := range []struct {
		name, v string
		cs      []page.Choice
	}{{"status", ch.Status, c.status}, {"classification", ch.Classification, c.class}, {"determination", ch.Determination, c.determ}} {
		if e.v == "" || page.Has(e.cs, e.v) {
			continue
		}
		return ch, page.BadInput("%q is not a valid %s. Choose one of: %s.", page.Shorten(e.v, 64), e.name, strings.Join(page.Values(e.cs), ", "))
	}
	if _, err := page.Text("assignedTo", ch.AssignedTo, page.MaxText); err != nil {
		return ch, err
	}
	if ch.AssignToMe && ch.Unassign {
		return ch, page.BadInput("Choose either \"Assign to me\" or \"Unassign\", not both.")
	}
	return ch, nil
}

// update returns the PATCH body: only the fields whose new value differs
// from before. "Assign to me" wins over the typed assignee (the button is
// what was pressed), and "Unassign" over the text field (which the alert
// page prefills with the current assignee).
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
			return u, page.BadInput("graphsec does not know your user principal name, so it cannot assign the alert to you. Type it in \"Assigned to\".")
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
			return u, page.BadInput("The determination %q does not explain the classification %q. For %s choose one of: %s.",
				page.DeterminationLabel(d), page.ClassificationLabel(cl), page.ClassificationLabel(cl), strings.Join(c.fittingDeterminations(string(cl)), ", "))
		}
	}
	return u, nil
}

// compareFields are the fields the before/after comparison shows, named
// after Graph's properties (the activity log records them by these names).
func compareFields(a *graph.Alert, tf page.TimeFormatter) []page.Field {
	return []page.Field{
		{Name: "title", Value: a.Title},
		{Name: "severity", Value: string(a.Severity)},
		{Name: "status", Value: string(a.Status)},
		{Name: "classification", Value: string(a.Classification)},
		{Name: "determination", Value: string(a.Determination)},
		{Name: "assignedTo", Value: a.AssignedTo},
		{Name: "lastUpdateDateTime", Value: tf.Time(a.LastUpdateDateTime, page.Exact)},
		{Name: "resolvedDateTime", Value: tf.Time(a.ResolvedDateTime, page.Exact)},
	}
}

// activityRows leaves lastUpdateDateTime out of what the activity log
// records: every change moves it, and the log entry has its own time.
func activityRows(rows []page.CompareRow) []page.CompareRow {
	return slices.DeleteFunc(slices.Clone(rows), func(r page.CompareRow) bool { return r.Name == "lastUpdateDateTime" })
}

// patched is the result of one PATCH.
type patched struct {
	Before, After *graph.Alert
	Request       *page.RequestView
	Status        int
	RequestID     string
	Rows          []page.CompareRow
}

// patch records the intent, sends u and records the outcome. The request
// is shown as the client sent it (method, URL, JSON body), not rebuilt.
func (a *Pages) patch(ctx context.Context, c *graph.Client, sess *auth.Session, tf page.TimeFormatter, before *graph.Alert, u graph.AlertUpdate) (*patched, error) {
	intent := a.activity.Begin(ctx, sess, activityResource, before.ID, "update",
		page.Changes(page.CompareFields(updateFields(before), updateFields(updated(before, u)))))
	octx, sent := page.Record(ctx)
	after, resp, err := c.Alerts.Update(octx, before.ID, u)
	if err != nil {
		intent.Fail(ctx, err)
		return nil, notFound(err, "alert", before.ID)
	}
	res := &patched{Before: before, After: after, Status: resp.StatusCode, RequestID: resp.RequestID,
		Rows: page.CompareFields(compareFields(before, tf), compareFields(after, tf)), Request: page.Shown("patch", sent.First(http.MethodPatch))}
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
	if err := page.CheckText("The comment", text, true); err != nil {
		return "", err
	}
	n := utf8.RuneCountInString(text)
	switch {
	case n == 0:
		return "", page.BadInput("Write a comment first: it cannot be empty.")
	case n > maxComment || len(text) > 32<<10:
		return "", page.BadInput("The comment is too long: %d characters, at most %d.", n, maxComment)
	}
	return text, nil
}

// commented is the result of one comment POST.
type commented struct {
	Comments  []graph.AlertComment
	Request   *page.RequestView
	Status    int
	RequestID string
}

// comment records the intent, posts a comment and records the outcome.
func (a *Pages) comment(ctx context.Context, c *graph.Client, sess *auth.Session, id, text string) (*commented, error) {
	changes, _ := json.Marshal(map[string]string{"comment": text})
	intent := a.activity.Begin(ctx, sess, activityResource, id, "comment", changes)
	octx, sent := page.Record(ctx)
	comments, resp, err := c.Alerts.AddComment(octx, id, text)
	if err != nil {
		intent.Fail(ctx, err)
		return nil, notFound(err, "alert", id)
	}
	res := &commented{Comments: comments, Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("comment", sent.First(http.MethodPost))}
	intent.Done(ctx, resp.RequestID, nil)
	return res, nil
}

// Update is POST /alerts/{id}, the alert page's update form.
func (a *Pages) Update(p *page.Page) error {
	id := p.R.PathValue("id")
	// The page is the comparison; its title is set before any Graph call
	// so that a "retrying" notice and the result are one page.
	p.Title = "Alert updated"
	if err := checkAlertID(id); err != nil {
		return err
	}
	ch, err := a.choices.parseChange(p.R.PostForm)
	if err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessWriteAlerts)
	if err != nil {
		return err
	}
	before, err := fetch(p.R.Context(), c, id)
	if err != nil {
		return err
	}
	u, err := a.choices.update(ch, before.A, p.Me())
	if err != nil {
		return err
	}
	if u == (graph.AlertUpdate{}) {
		return a.renderAlert(p, before, "Nothing changed: the values you submitted are the alert's current values, so graphsec sent no request to Graph.")
	}
	res, err := a.patch(p.R.Context(), c, p.Session, p.Times(), before.A, u)
	if err != nil {
		return err
	}
	return p.Render(http.StatusOK, page.ComparePage, page.CompareView{
		Heading: "Alert updated: " + cmp.Or(before.A.Title, before.A.ID), Request: res.Request, Status: res.Status, RequestID: res.RequestID,
		Rows: res.Rows, Back: backToAlert(before.A.ID), BackLabel: "Back to the alert",
	})
}

// Comment is POST /alerts/{id}/comments. On success it sends the browser
// back to the alert's comments (303, so a reload does not post the comment
// twice).
func (a *Pages) Comment(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = "Alert"
	if err := checkAlertID(id); err != nil {
		return err
	}
	text, err := parseComment(p.R.PostForm.Get("comment"))
	if err != nil {
		return err
	}
	c, err := p.GraphFor(graph.AccessWriteAlerts)
	if err != nil {
		return err
	}
	if _, err := a.comment(p.R.Context(), c, p.Session, id, text); err != nil {
		return err
	}
	if !p.Started() {
		return p.Redirect(page.AlertHref(id)+"#comments", http.StatusSeeOther)
	}
	// Graph throttled and the page has begun (with the retry notice): a
	// redirect can no longer be sent, so show the alert here.
	f, err := fetch(p.R.Context(), c, id)
	if err != nil {
		return err
	}
	return a.renderAlert(p, f, "Your comment was added.")
}

// backToAlert links from a result page back to the alert. The result page
// is served at the alert's own URL (the form posted there), so a link that
// differs only by its fragment would not reload the page: the query makes
// it a URL of its own.
func backToAlert(id string) string { return page.AlertHref(id) + "?updated=1#activity" }
