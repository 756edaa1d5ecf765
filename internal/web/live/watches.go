package live

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// /watches: saved queries graphsec polls where Graph sends no webhooks
// (alerts_v2 and incidents; legacy alerts when Graph cannot reach
// graphsec). A watch's query is its queue's query string (the /alerts
// and /incidents filter names; the subscription form's for legacy
// alerts), so "Watch this view" on a queue saves exactly what it shows.

const watchesPath = "/watches"

// maxWatchQuery bounds a watch's query string: a queue's longest view
// (every filter, ten tags) is well under it.
const maxWatchQuery = 4096

// targets are what a watch can follow, in the form's order, with the
// queue whose filter names they take.
type target struct{ Target, Queue, Label string }

func targets() []target {
	return []target{
		{notify.TargetAlerts, "/alerts", "nav.alerts"},
		{notify.TargetIncidents, "/incidents", "nav.incidents"},
		{notify.TargetLegacyAlerts, "/legacy/alerts", "nav.legacyAlerts"},
	}
}

// queueOf is the queue a target's query is a view of.
func queueOf(target string) (path, label string) {
	for _, t := range targets() {
		if t.Target == target {
			return t.Queue, t.Label
		}
	}
	return "", ""
}

// watchForm is what the user typed.
type watchForm struct {
	Target, Query string
	Shared        bool
}

// watchRow is one watch as the list shows it.
type watchRow struct {
	ID, Target, TargetLabel, Query, QueueHref, Owner string
	Mine, Shared, CanDo                              bool
	Auth, LastError                                  string
	Created                                          time.Time
	Stats                                            notify.WatchStats
	Polled                                           bool
	LastItem                                         time.Time
}

// targetChoice is one target of the form's select.
type targetChoice struct {
	Value, Label string
	Selected     bool
}

// watchesView is the page's data.
type watchesView struct {
	Form      watchForm
	Targets   []targetChoice
	Errors    page.FieldErrors
	HasErrors bool
	// FixHref opens the query in its queue, which explains each mistake.
	FixHref   string
	Error     *page.ErrorView
	Auth      []targetAuth
	Rows      []watchRow
	ListError *page.ErrorView
	Flash     string
	MaxQuery  int
}

// targetAuth is how a new watch of a target would keep working.
type targetAuth struct {
	Label, Mode string
}

func (a *Pages) newWatchesView(p *page.Page, f watchForm) watchesView {
	v := watchesView{Form: f, MaxQuery: maxWatchQuery}
	for _, t := range targets() {
		v.Targets = append(v.Targets, targetChoice{Value: t.Target, Label: p.L.T(t.Label), Selected: t.Target == f.Target})
	}
	return v
}

func (a *Pages) fillWatches(p *page.Page, v *watchesView) {
	ctx := p.R.Context()
	me := owner(p)
	for _, t := range targets()[:2] {
		if c, err := a.watch.AuthFor(ctx, t.Target, me); err == nil {
			v.Auth = append(v.Auth, targetAuth{Label: p.L.T(t.Label), Mode: c.Mode})
		}
	}
	list, err := a.watch.ListWatches(ctx, p.Session.UserID)
	if err != nil {
		_, ev := p.Explain(err)
		v.ListError = &ev
		return
	}
	for _, f := range list {
		v.Rows = append(v.Rows, a.watchRow(ctx, p, f))
	}
}

func (a *Pages) watchRow(ctx context.Context, p *page.Page, f store.Feed) watchRow {
	queue, label := queueOf(f.Target)
	r := watchRow{ID: f.ID, Target: f.Target, TargetLabel: p.L.T(label), Query: f.Query, Owner: f.OwnerName,
		Mine: f.Owner == p.Session.UserID, Shared: f.Shared, Auth: f.Auth, LastError: f.LastError, Created: f.CreatedAt,
		Stats: a.watch.Stats(f.ID)}
	r.CanDo = r.Mine || r.Shared
	r.Polled = !r.Stats.LastPoll.IsZero()
	if queue != "" {
		r.QueueHref = queue
		if f.Query != "" {
			r.QueueHref += "?" + f.Query
		}
	}
	if last, err := a.notes.ListNotifications(ctx, store.NotificationFilter{Feed: f.ID, Limit: 1}); err == nil && len(last) > 0 {
		r.LastItem = last[0].ReceivedAt
	}
	return r
}

// Watches is GET /watches.
func (a *Pages) Watches(p *page.Page) error {
	p.Title = p.L.T("watches.title")
	f := watchForm{Target: p.KeepOr("", "target"), Query: p.KeepOr("", "query"), Shared: p.KeepOr("", "shared") != ""}
	if f.Target == "" {
		f.Target = notify.TargetAlerts
	}
	v := a.newWatchesView(p, f)
	v.Flash = takeFlash(p, watchesPath)
	a.fillWatches(p, &v)
	return p.Render(http.StatusOK, "live/watches", v)
}

// readWatchForm reads and checks the form.
func readWatchForm(form url.Values) (watchForm, page.FieldErrors) {
	f := watchForm{Target: strings.TrimSpace(form.Get("target")), Query: strings.TrimSpace(form.Get("query")), Shared: form.Get("shared") != ""}
	f.Query = strings.TrimPrefix(f.Query, "?")
	var errs page.FieldErrors
	if !slices.ContainsFunc(targets(), func(t target) bool { return t.Target == f.Target }) {
		errs.Add("target", page.T("watches.error.target"))
	}
	switch _, err := url.ParseQuery(f.Query); {
	case len(f.Query) > maxWatchQuery:
		errs.Add("query", page.T("watches.error.queryTooLong", "max", maxWatchQuery))
	case err != nil:
		errs.Add("query", page.T("watches.error.query"))
	default:
		errs.Check("query", page.CheckText(page.T("watches.query"), f.Query, false))
	}
	return f, errs
}

// Watch is POST /watches (the form on /watches, "Watch this view" on the
// queues, and the polling offered instead of a subscription). Whatever
// goes wrong comes back on the form, with what was typed.
func (a *Pages) Watch(p *page.Page) error {
	p.Title = p.L.T("watches.title")
	f, errs := readWatchForm(p.R.PostForm)
	v := a.newWatchesView(p, f)
	status := http.StatusBadRequest
	if !errs.Any() {
		feed, err := a.createWatch(p, f)
		var qe *notify.QueryError
		switch {
		case err == nil:
			_, label := queueOf(feed.Target)
			return done(p, watchesPath, "watches.created", "target", page.T(label))
		case errors.As(err, &qe):
			names := slices.Sorted(maps.Keys(qe.Fields))
			errs.Add("query", page.T("watches.error.fields", "fields", strings.Join(names, ", ")))
			if queue, _ := queueOf(f.Target); queue != "" {
				v.FixHref = queue + "?" + f.Query
			}
		default:
			var ev page.ErrorView
			status, ev = p.Explain(err)
			v.Error = &ev
		}
	}
	v.Errors, v.HasErrors = errs, errs.Any()
	a.fillWatches(p, &v)
	return p.Render(status, "live/watches", v)
}

// createWatch saves the watch. One that will act with the user's sign-in
// needs the user's delegated permission to read its target: without it,
// the page names the permission before Graph is asked.
func (a *Pages) createWatch(p *page.Page, f watchForm) (store.Feed, error) {
	me := owner(p)
	if c, err := a.watch.AuthFor(p.R.Context(), f.Target, me); err == nil && c.Mode == notify.AuthDelegated {
		if err := p.Require(readAccess(f.Target)); err != nil {
			return store.Feed{}, err
		}
	}
	return a.watch.CreateWatch(p.R.Context(), me, f.Target, f.Query, f.Shared)
}

// readAccess is the access a watch of target reads with.
func readAccess(target string) graph.Access {
	switch target {
	case notify.TargetIncidents:
		return graph.AccessReadIncidents
	case notify.TargetLegacyAlerts:
		return graph.AccessReadSecurityEvents
	}
	return graph.AccessReadAlerts
}

// visibleWatch finds the watch the path names among those the user may
// change.
func (a *Pages) visibleWatch(p *page.Page) (store.Feed, error) {
	return visible(p, page.T("kind.watch"), page.T("watches.notFound.heading"), page.T("watches.notFound.message"), a.watch.ListWatches)
}

// PollNow is POST /watches/{id}/poll: one poll now, whatever the
// interval.
func (a *Pages) PollNow(p *page.Page) error {
	f, err := a.visibleWatch(p)
	if err != nil {
		return err
	}
	if err := a.watch.PollNow(p.R.Context(), f.ID); err != nil {
		return err
	}
	return done(p, watchesPath, "watches.polled")
}

// Audit is POST /watches/{id}/audit: the hourly audit now (the watch's
// open items against what it delivered; anything missing is delivered and
// counted as a gap).
func (a *Pages) Audit(p *page.Page) error {
	f, err := a.visibleWatch(p)
	if err != nil {
		return err
	}
	gaps, err := a.watch.Audit(p.R.Context(), f.ID)
	if err != nil {
		return err
	}
	return done(p, watchesPath, "watches.audited", "n", gaps)
}

// Unwatch is POST /watches/{id}/delete.
func (a *Pages) Unwatch(p *page.Page) error {
	f, err := a.visibleWatch(p)
	if err != nil {
		return err
	}
	if err := a.watch.DeleteWatch(p.R.Context(), f.ID); err != nil {
		return err
	}
	return done(p, watchesPath, "watches.deleted")
}
