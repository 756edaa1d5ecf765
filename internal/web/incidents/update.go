package incidents

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// Changing an incident: PATCH status, classification, determination,
// assignedTo and customTags (what Graph lets clients change), and POST a
// comment, from the manage pane's one form (POST /incidents/{id}, and
// /incidents/{id}/comments for a comment alone). Every change is read
// before, sent with only what differs, recorded in graphsec's activity log
// before it is sent, and shown in place: the post redirects to the
// incident's page, which shows what changed, before and after
// (post/redirect/get). A change Graph refuses is shown in the manage pane
// with everything the user typed still in the form.

// change is what a manage form asks for.
type change struct {
	page.TriageChange
	Tags tagChange
}

func readChange(form map[string][]string) change {
	return change{TriageChange: page.ReadTriageChange(form), Tags: readTags(form)}
}

// check refuses what graphsec does not offer before Graph sees it: a
// status a client cannot set, an unknown classification or determination,
// an assignee that is not one line, a new tag too long or unreadable.
func (c choices) check(ch change) error {
	if err := ch.Check(c.settable); err != nil {
		return err
	}
	_, err := parseNewTags(ch.Tags.New)
	return err
}

// manageForm is the manage pane's form: the triage fields, and the
// incident's custom tags (a box each, ticked to keep) with a field for
// new ones.
type manageForm struct {
	page.TriageForm
	Tags    []tagChoice
	Shown   []string
	NewTags string
	MaxTags int
	MaxLen  int
}

// newManageForm preselects the incident's current values, or those of a
// submitted change. A value graphsec does not offer (a member Graph added
// later, awaitingAction) is kept by the empty "keep" choice, so saving
// never changes it by accident.
func (c choices) newManageForm(L *i18n.Printer, inc *graph.Incident, ch *change) manageForm {
	status, triage, who := string(inc.Status), page.TriageValue(inc.Classification, inc.Determination), inc.AssignedTo
	f := manageForm{MaxTags: maxTags, MaxLen: maxTagLen, Shown: inc.CustomTags}
	for _, t := range inc.CustomTags {
		f.Tags = append(f.Tags, tagChoice{Text: t, Keep: true})
	}
	if ch != nil {
		status, who, f.Comment, f.NewTags = cmp.Or(ch.Status, status), ch.AssignedTo, ch.Comment, ch.Tags.New
		if ch.Classification != "" || ch.Determination != "" {
			triage = cmp.Or(ch.Classification, string(inc.Classification)) + page.TriageSep + cmp.Or(ch.Determination, string(inc.Determination))
		}
		if ch.Tags.Given {
			for i := range f.Tags {
				f.Tags[i].Keep = !slices.Contains(ch.Tags.Shown, f.Tags[i].Text) || slices.Contains(ch.Tags.Keep, f.Tags[i].Text)
			}
		}
	}
	f.Action, f.AssignedTo, f.CommentMax = page.IncidentHref(inc.ID), who, page.MaxComment
	f.Status = page.EnumChoicesOf[graph.IncidentStatus](L, c.settable, status)
	f.Triage = page.TriageOptions(L, triage)
	if !page.Has(f.Status, status) {
		f.KeepStatus = L.Label(graph.IncidentStatus(status))
	}
	if !page.GroupsHave(f.Triage, triage) {
		f.KeepTriage = L.Label(inc.Classification) + " · " + L.Label(inc.Determination)
	}
	return f
}

// update returns the PATCH body: only the fields whose new value differs
// from before.
func (c choices) update(ch change, before *graph.Incident, me string) (graph.IncidentUpdate, error) {
	var u graph.IncidentUpdate
	if ch.Status != "" && ch.Status != string(before.Status) {
		u.Status = graph.Some(graph.IncidentStatus(ch.Status))
	}
	var err error
	if u.AssignedTo, err = ch.Assignment(before.AssignedTo, me, page.T("incidents.noUPN")); err != nil {
		return u, err
	}
	if u.Classification, u.Determination, err = ch.Triage(before.Classification, before.Determination); err != nil {
		return u, err
	}
	if ch.Tags.Given {
		tags, err := ch.Tags.apply(before.CustomTags)
		if err != nil {
			return u, err
		}
		if !slices.Equal(tags, before.CustomTags) {
			u.CustomTags = graph.Some(tags)
		}
	}
	return u, nil
}

// noUpdate reports a PATCH body that changes nothing.
func noUpdate(u graph.IncidentUpdate) bool {
	return u.Status.IsZero() && u.AssignedTo.IsZero() && u.Classification.IsZero() && u.Determination.IsZero() && u.CustomTags.IsZero()
}

// compareFields are the fields the before/after comparison shows, by
// Graph's property names (the activity log records them by these names):
// raw values compared and recorded, labels shown.
func compareFields(L *i18n.Printer, inc *graph.Incident) []page.Field {
	enum := func(prop string, v any) page.Field {
		l := L.Enum(v)
		return page.Field{Prop: prop, Raw: l.Raw, Text: l.Text}
	}
	f := append([]page.Field{{Prop: "displayName", Raw: inc.DisplayName}, enum("severity", inc.Severity)}, updateFields(inc)...)
	for i := range f {
		switch f[i].Prop {
		case "status":
			f[i] = enum("status", inc.Status)
		case "classification":
			f[i] = enum("classification", inc.Classification)
		case "determination":
			f[i] = enum("determination", inc.Determination)
		case "customTags":
			if f[i].Raw == "" {
				f[i].Text = L.T("empty.none")
			}
		}
	}
	up := page.Field{Prop: "lastUpdateDateTime"}
	if t := inc.LastUpdateDateTime; !t.IsZero() {
		// Graph's precision: two changes within a second differ.
		up.Raw, up.Text = t.UTC().Format(time.RFC3339Nano), L.TimeLong(t)
	}
	return append(f, up)
}

// updateFields are the fields an update can change, named after Graph's
// properties: an intent records them, and the reconciliation compares
// them. Custom tags are one value, the tags joined.
func updateFields(inc *graph.Incident) []page.Field {
	return []page.Field{
		{Prop: "status", Raw: string(inc.Status)},
		{Prop: "classification", Raw: string(inc.Classification)},
		{Prop: "determination", Raw: string(inc.Determination)},
		{Prop: "assignedTo", Raw: inc.AssignedTo},
		{Prop: "customTags", Raw: strings.Join(inc.CustomTags, tagSep)},
	}
}

// tagSep joins tags in one recorded value.
const tagSep = ", "

// updated is before with u applied: what the update asks for.
func updated(before *graph.Incident, u graph.IncidentUpdate) *graph.Incident {
	inc := *before
	if v, ok := u.Status.Get(); ok {
		inc.Status = v
	}
	if v, ok := u.Classification.Get(); ok {
		inc.Classification = v
	}
	if v, ok := u.Determination.Get(); ok {
		inc.Determination = v
	}
	if u.AssignedTo.IsNull() {
		inc.AssignedTo = ""
	} else if v, ok := u.AssignedTo.Get(); ok {
		inc.AssignedTo = v
	}
	if v, ok := u.CustomTags.Get(); ok {
		inc.CustomTags = v
	}
	return &inc
}

// changedRows leaves lastUpdateDateTime out of what the activity log
// records and the flash shows: every change moves it.
func changedRows(rows []page.CompareRow) []page.CompareRow {
	return slices.DeleteFunc(page.ChangedRows(rows), func(r page.CompareRow) bool { return r.Prop == "lastUpdateDateTime" })
}

// patch records the intent, sends u and records the outcome.
func (ps *Pages) patch(ctx context.Context, L *i18n.Printer, c *graph.Client, sess *auth.Session, before *graph.Incident, u graph.IncidentUpdate) ([]page.CompareRow, page.Sent, error) {
	intent := ps.activity.Begin(ctx, sess, activityResource, before.ID, "update",
		page.Changes(page.CompareFields(updateFields(before), updateFields(updated(before, u)))))
	octx, rec := page.Record(ctx)
	after, resp, err := c.Incidents.Update(octx, before.ID, u)
	if err != nil {
		intent.Fail(ctx, err)
		return nil, page.Sent{}, notFound(err, before.ID)
	}
	rows := changedRows(page.CompareFields(compareFields(L, before), compareFields(L, after)))
	intent.Done(ctx, resp.RequestID, page.Changes(rows))
	return rows, page.Sent{What: "update", Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("patch", rec.First(http.MethodPatch))}, nil
}

// comment records the intent, posts a comment and records the outcome.
func (ps *Pages) comment(ctx context.Context, c *graph.Client, sess *auth.Session, id, text string) (page.Sent, error) {
	changes, _ := json.Marshal(map[string]string{"comment": text})
	intent := ps.activity.Begin(ctx, sess, activityResource, id, "comment", changes)
	octx, rec := page.Record(ctx)
	_, resp, err := c.Incidents.AddComment(octx, id, text)
	if err != nil {
		intent.Fail(ctx, err)
		return page.Sent{}, notFound(err, id)
	}
	intent.Done(ctx, resp.RequestID, nil)
	return page.Sent{What: "comment", Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("comment", rec.First(http.MethodPost))}, nil
}

// changed is what a change of an incident did, shown in its manage pane.
func changed() *page.Changed {
	return &page.Changed{Heading: "incidents.updated", NothingKey: "incidents.nothingChanged"}
}

// Update is POST /incidents/{id} (and /incidents/{id}/comments): the
// manage pane's form. It changes what differs, adds the comment, and
// redirects to the incident's page, which shows what changed. A refusal
// (the user's mistake, a missing role or permission, throttling that did
// not end, Graph failing, a merged incident) is the incident's page with
// the error in the manage pane and the user's values, comment and new tags
// included, still in the form.
func (ps *Pages) Update(p *page.Page) error {
	id := p.R.PathValue("id")
	p.Title = p.L.T("kind.incident")
	if err := checkID(id); err != nil {
		return err
	}
	form := p.R.PostForm
	ch := readChange(form)
	r := ps.queueFrom(p, form.Get("queue"), form.Get("i"), form.Get("n"))
	href := page.IncidentHref(id)
	var c *graph.Client
	return p.ApplyTriage(page.TriagePost{
		Href: href, Back: r.Link(href), Comment: ch.Comment, CommentOnly: page.CommentOnly(form), Result: changed(),
		Check: func() error { return ps.choices.check(ch) },
		Update: func() ([]page.CompareRow, *page.Sent, error) {
			var err error
			if c, err = p.GraphFor(graph.AccessWriteIncidents); err != nil {
				c = nil
				return nil, nil, err
			}
			before, err := fetch(p.R.Context(), c, id, false)
			if err != nil {
				return nil, nil, err
			}
			if before.I.Status == graph.IncidentStatusRedirected {
				// Graph keeps a merged incident as it was: its work goes on
				// in the incident it was merged into.
				return nil, nil, page.BadInput(page.T("incidents.merged.cannotChange", "id", before.I.RedirectIncidentID))
			}
			u, err := ps.choices.update(ch, before.I, p.Me())
			if err != nil || noUpdate(u) {
				return nil, nil, err
			}
			rows, sent, err := ps.patch(p.R.Context(), p.L, c, p.Session, before.I, u)
			return rows, &sent, err
		},
		AddComment: func(text string) (page.Sent, error) { return ps.comment(p.R.Context(), c, p.Session, id, text) },
		Refuse:     func(err error, fl *page.Changed) error { return ps.refuse(p, c, id, ch, r, err, fl) },
		Show: func(fl *page.Changed) error {
			f, err := fetch(p.R.Context(), c, id, true)
			if err != nil {
				return err
			}
			v := ps.incidentView(p, f, r)
			v.Flash = fl
			return ps.render(p, http.StatusOK, v)
		},
	})
}

// refuse shows the incident's page with err in the manage pane and what
// the user submitted (ch, comment and new tags included) still in the
// form, at the status err calls for. fl, when not nil, is what the same
// submission did before it failed. When the incident cannot be read
// either, the page holds the manage pane alone.
func (ps *Pages) refuse(p *page.Page, c *graph.Client, id string, ch change, r queueRef, err error, fl *page.Changed) error {
	status, ev := p.Explain(err)
	if c == nil {
		c, _ = p.GraphFor(graph.AccessReadIncidents)
	}
	var v incidentView
	var f *fetched
	if c != nil {
		f, _ = fetch(p.R.Context(), c, id, true)
	}
	if f != nil {
		v = ps.incidentView(p, f, r)
	} else {
		v = incidentView{I: &graph.Incident{ID: id}, Partial: true, Nav: ps.nav.Nav(p, id, r)}
	}
	v.ReadOnly = false // the form comes back with what was typed
	v.Manage = ps.choices.newManageForm(p.L, v.I, &ch)
	v.Manage.Me = p.Me()
	v.Manage.From, v.Manage.I, v.Manage.N = r.Carry()
	v.Error, v.Flash = &ev, fl
	return ps.render(p, status, v)
}
