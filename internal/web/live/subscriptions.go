package live

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/queuefilter"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// /subscriptions: Graph subscriptions to legacy alert changes (the only
// security resource Graph sends webhooks for), created with the original
// sample's form: provider, category, severity, status, hostFqdn, upn
// (values as the sample sent them, High or NewAlert, read without regard
// to case; at least one), or one alert by its id. The list joins
// graphsec's records with Graph's own view of each subscription.

const subsPath = "/subscriptions"

// subForm is what the user typed, kept on every answer.
type subForm struct {
	Provider, Category, Severity, Status, HostFqdn, UPN, AlertID string
	Shared                                                       bool
}

// values is the form as the query Upkeep.Create reads.
func (f subForm) values() url.Values {
	v := url.Values{}
	for k, x := range map[string]string{"provider": f.Provider, "category": f.Category, "severity": f.Severity,
		"status": f.Status, "hostFqdn": f.HostFqdn, "upn": f.UPN, "alertId": f.AlertID} {
		if x != "" {
			v.Set(k, x)
		}
	}
	return v
}

// subRow is one subscription as the list shows it.
type subRow struct {
	ID, Filter, Resource, GraphID   string
	Owner                           string
	Mine, Shared                    bool
	State, StateClass, LastError    string
	Auth                            string
	Expires, RenewAt, LastItem      time.Time
	Expired                         bool
	OnGraph                         bool
	GraphError                      string
	NotificationURL, Lifecycle      string
	CatchUpItems, CatchUpErrors     int64
	CatchUpLastError                string
	LastItemKnown, GraphOnly, CanDo bool
}

// noPublicView explains that Graph cannot reach graphsec, and offers the
// same filter as a polled watch.
type noPublicView struct {
	URL, Reason, Query string
}

// subsView is the page's data.
type subsView struct {
	Form                 subForm
	Errors               page.FieldErrors
	Error                *page.ErrorView
	NoPublic             *noPublicView
	Auth                 authView
	AuthErr              string
	Rows                 []subRow
	ListError            *page.ErrorView
	Flash                string
	Categories           []page.Choice
	Severities, Statuses []page.Choice
	MaxText              int
	HasErrors            bool
}

// sampleSpelling writes a Graph enum member as the original sample's form
// sent it: newAlert → NewAlert, high → High.
func sampleSpelling(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// legacyChoices are a legacy enum's members for a select, labelled in
// the reader's language, valued as the sample's form sends them.
func legacyChoices[T ~string](L *i18n.Printer, members []T, selected string) []page.Choice {
	out := make([]page.Choice, 0, len(members))
	for _, m := range members {
		if m == "unknown" {
			continue
		}
		out = append(out, page.Choice{Value: sampleSpelling(string(m)), Label: L.Enum(m).Text, Selected: strings.EqualFold(string(m), selected)})
	}
	return out
}

func (a *Pages) newSubsView(p *page.Page, f subForm) subsView {
	L := p.L
	v := subsView{Form: f, MaxText: queuefilter.MaxText,
		Severities: legacyChoices(L, graph.LegacyAlertSeverities(), f.Severity),
		Statuses:   legacyChoices(L, graph.LegacyAlertStatuses(), f.Status)}
	for _, c := range queuefilter.LegacyCategories() {
		v.Categories = append(v.Categories, page.Choice{Value: c, Label: L.LegacyCategory(c).Text, Selected: strings.EqualFold(c, f.Category)})
	}
	return v
}

// fill adds what the page shows around the form: whether Graph can reach
// graphsec, how a new subscription would keep working, and the list.
func (a *Pages) fill(p *page.Page, v *subsView) {
	ctx := p.R.Context()
	var np *notify.NoPublicURLError
	if err := a.subs.CheckPublicURL(); errors.As(err, &np) && v.NoPublic == nil {
		v.NoPublic = &noPublicView{URL: np.URL, Reason: np.Reason}
		if !v.HasErrors {
			// The form as typed (a GET's restored draft): Create would
			// normalise it, and CreateWatch reads it the same way.
			v.NoPublic.Query = v.Form.values().Encode()
		}
	}
	if c, err := a.subs.AuthFor(ctx, owner(p)); err != nil {
		v.AuthErr = p.L.T("live.auth.unknown")
	} else {
		v.Auth = authView{Mode: c.Mode, Reason: c.Reason}
	}
	list, err := a.subs.List(ctx, p.Session.UserID)
	if err != nil {
		_, ev := p.Explain(err)
		v.ListError = &ev
		return
	}
	now := a.clock.Now()
	for _, s := range list {
		v.Rows = append(v.Rows, a.subRow(ctx, p, s, now))
	}
}

func (a *Pages) subRow(ctx context.Context, p *page.Page, s notify.SubscriptionView, now time.Time) subRow {
	f := s.Feed
	r := subRow{ID: f.ID, Filter: f.Query, Resource: f.Resource, GraphID: f.GraphID, Owner: f.OwnerName,
		Mine: f.Owner == p.Session.UserID, Shared: f.Shared, State: f.State, StateClass: stateClass(f.State),
		LastError: f.LastError, Auth: f.Auth, Expires: f.ExpiresAt, RenewAt: s.RenewAt, GraphError: s.GraphError,
		CatchUpItems: s.CatchUp.Items, CatchUpErrors: s.CatchUp.Errors, CatchUpLastError: s.CatchUp.LastError}
	r.CanDo = r.Mine || r.Shared
	if f.ID == "" && s.Graph != nil {
		r.GraphOnly, r.GraphID, r.Resource = true, s.Graph.ID, s.Graph.Resource
	}
	if g := s.Graph; g != nil {
		r.OnGraph = true
		r.NotificationURL, r.Lifecycle = g.NotificationURL, g.LifecycleNotificationURL
		if !g.ExpirationDateTime.IsZero() {
			r.Expires = g.ExpirationDateTime
		}
	}
	r.Expired = !r.Expires.IsZero() && !r.Expires.After(now)
	if f.ID != "" {
		if last, err := a.notes.ListNotifications(ctx, store.NotificationFilter{Feed: f.ID, Limit: 1}); err == nil && len(last) > 0 {
			r.LastItem, r.LastItemKnown = last[0].ReceivedAt, true
		}
	}
	return r
}

// Subscriptions is GET /subscriptions.
func (a *Pages) Subscriptions(p *page.Page) error {
	p.Title = p.L.T("subs.title")
	f := subForm{Provider: p.KeepOr("", "provider"), Category: p.KeepOr("", "category"), Severity: p.KeepOr("", "severity"),
		Status: p.KeepOr("", "status"), HostFqdn: p.KeepOr("", "hostFqdn"), UPN: p.KeepOr("", "upn"), AlertID: p.KeepOr("", "alertId"),
		Shared: p.KeepOr("", "shared") != ""}
	v := a.newSubsView(p, f)
	v.Flash = takeFlash(p, subsPath)
	a.fill(p, &v)
	return p.Render(http.StatusOK, "live/subscriptions", v)
}

// readSubForm reads the form and checks it as Graph and the sample would:
// every mistake next to its field, in the reader's language.
func readSubForm(form url.Values) (subForm, page.FieldErrors) {
	f := subForm{Provider: strings.TrimSpace(form.Get("provider")), Category: strings.TrimSpace(form.Get("category")),
		Severity: strings.TrimSpace(form.Get("severity")), Status: strings.TrimSpace(form.Get("status")),
		HostFqdn: strings.TrimSpace(form.Get("hostFqdn")), UPN: strings.TrimSpace(form.Get("upn")),
		AlertID: strings.TrimSpace(form.Get("alertId")), Shared: form.Get("shared") != ""}
	var errs page.FieldErrors
	for _, t := range []struct {
		name, label string
		v           string
	}{{"provider", "field.provider", f.Provider}, {"hostFqdn", "legacy.hostFqdn", f.HostFqdn}, {"upn", "filter.user", f.UPN}} {
		_, err := page.Text(page.T(t.label), t.v, queuefilter.MaxText)
		errs.Check(t.name, err)
	}
	if f.AlertID != "" {
		errs.Check("alertId", page.CheckID(page.T("kind.alert"), f.AlertID, page.MaxID))
	}
	if f.Category != "" && !slices.ContainsFunc(queuefilter.LegacyCategories(), func(c string) bool { return strings.EqualFold(c, f.Category) }) {
		errs.Add("category", page.T("subs.error.category", "value", page.Shorten(f.Category, 64)))
	}
	if f.Severity != "" && !member(graph.LegacyAlertSeverities(), f.Severity) {
		errs.Add("severity", page.T("subs.error.severity", "value", page.Shorten(f.Severity, 64), "choices", sampleList(graph.LegacyAlertSeverities())))
	}
	if f.Status != "" && !member(graph.LegacyAlertStatuses(), f.Status) {
		errs.Add("status", page.T("subs.error.status", "value", page.Shorten(f.Status, 64), "choices", sampleList(graph.LegacyAlertStatuses())))
	}
	if errs.Any() {
		return f, errs
	}
	filter := f
	filter.AlertID, filter.Shared = "", false
	switch {
	case f.AlertID != "" && filter != (subForm{}):
		errs.Add("form", page.T("subs.error.idAndFilter"))
	case f.AlertID == "" && filter == (subForm{}):
		errs.Add("form", page.T("subs.error.none"))
	}
	return f, errs
}

// member reports whether v names a member of known (not "unknown"),
// without regard to case.
func member[T ~string](known []T, v string) bool {
	return slices.ContainsFunc(known, func(k T) bool { return k != "unknown" && strings.EqualFold(string(k), v) })
}

// sampleList lists an enum's members as the sample's form spells them.
func sampleList[T ~string](known []T) string {
	var out []string
	for _, k := range known {
		if k != "unknown" {
			out = append(out, sampleSpelling(string(k)))
		}
	}
	return strings.Join(out, ", ")
}

// Subscribe is POST /subscriptions. Whatever goes wrong comes back on
// the form, with what was typed.
func (a *Pages) Subscribe(p *page.Page) error {
	p.Title = p.L.T("subs.title")
	f, errs := readSubForm(p.R.PostForm)
	v := a.newSubsView(p, f)
	status := http.StatusBadRequest
	if !errs.Any() {
		feed, err := a.create(p, f)
		var qe *notify.QueryError
		var np *notify.NoPublicURLError
		switch {
		case err == nil:
			return done(p, subsPath, "subs.created", "resource", feed.Resource)
		case errors.As(err, &qe):
			for name := range qe.Fields {
				errs.Add(name, page.T("subs.error.refused", "field", name))
			}
		case errors.As(err, &np):
			v.NoPublic = &noPublicView{URL: np.URL, Reason: np.Reason, Query: np.Query}
			status = http.StatusConflict
		default:
			var ev page.ErrorView
			status, ev = p.Explain(err)
			v.Error = &ev
		}
	}
	v.Errors, v.HasErrors = errs, errs.Any() || v.NoPublic != nil
	a.fill(p, &v)
	return p.Render(status, "live/subscriptions", v)
}

// create subscribes. A subscription that will act with the user's
// sign-in needs the user's delegated permission: without it, the page
// names the permission (and offers admin consent) before Graph is asked.
func (a *Pages) create(p *page.Page, f subForm) (store.Feed, error) {
	me := owner(p)
	if c, err := a.subs.AuthFor(p.R.Context(), me); err == nil && c.Mode == notify.AuthDelegated {
		if err := p.Require(graph.AccessWriteSecurityEvents); err != nil {
			return store.Feed{}, err
		}
	}
	return a.subs.Create(p.R.Context(), me, f.values().Encode(), f.Shared)
}

// visibleSub finds the subscription the path names among those the user
// may change (their own and shared ones).
func (a *Pages) visibleSub(p *page.Page) (store.Feed, error) {
	return visible(p, page.T("kind.subscription"), page.T("subs.notFound.heading"), page.T("subs.notFound.message"),
		func(ctx context.Context, viewer string) ([]store.Feed, error) {
			list, err := a.subs.List(ctx, viewer)
			feeds := make([]store.Feed, 0, len(list))
			for _, s := range list {
				feeds = append(feeds, s.Feed)
			}
			return feeds, err
		})
}

// Renew is POST /subscriptions/{id}/renew: renewed now (which also
// reauthorizes it), or recreated when Graph no longer has it. The owner's
// renewal also refreshes the sign-in a delegated subscription acts with.
func (a *Pages) Renew(p *page.Page) error {
	f, err := a.visibleSub(p)
	if err != nil {
		return err
	}
	var creator notify.Creator
	if f.Auth == notify.AuthDelegated && f.Owner == p.Session.UserID {
		creator = p.Session
	}
	if f, err = a.subs.Renew(p.R.Context(), f.ID, creator); err != nil {
		return err
	}
	return done(p, subsPath, "subs.renewed", "when", p.L.TimeLong(f.ExpiresAt))
}

// Unsubscribe is POST /subscriptions/{id}/delete.
func (a *Pages) Unsubscribe(p *page.Page) error {
	f, err := a.visibleSub(p)
	if err != nil {
		return err
	}
	if err := a.subs.Delete(p.R.Context(), f.ID); err != nil {
		// The record is gone all the same; Graph's subscription expires
		// by itself.
		p.Log().Warn("delete subscription on Graph", "feed", f.ID, "err", err)
		return done(p, subsPath, "subs.deletedLocally")
	}
	return done(p, subsPath, "subs.deleted")
}
