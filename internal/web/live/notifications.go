package live

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

// /notifications: what the user's feeds (and the shared ones) delivered,
// newest first, with search (?q= matches ids and titles) and filters
// (source, feed); the first page follows /notifications/stream and adds
// what arrives, as text, without a reload (static/app.js). Older pages
// are ?before={seq}.

// pageSize is how many items a page of the history shows.
const pageSize = 50

// changedProps are the properties whose changes items carry
// (notify's key fields), in the order the page lists them.
func changedProps() []string {
	return []string{"title", "displayName", "severity", "status", "classification", "determination", "feedback", "assignedTo", "incidentId", "redirectIncidentId", "category", "provider"}
}

// itemView is one item as the page shows it.
type itemView struct {
	Seq                     int64
	Received                time.Time
	Source, SourceLabel     string
	Event                   string // the change or lifecycle event, labelled
	Change                  string // the change type or lifecycle event, raw
	Kind                    string // alert, incident, legacy alert
	KindShort               string // alert, incident, legacyAlert (app.js labels changes by it)
	ResourceID, Title, Href string
	Feed, FeedLabel         string
	Changes                 []changeView
}

// changeView is one property's change.
type changeView struct {
	Prop, Label, From, To string
}

// feedOption is one feed of the filter's select.
type feedOption struct {
	ID, Label string
	Selected  bool
}

// notesView is the page's data.
type notesView struct {
	Q, Source, Feed string
	Sources         []page.Choice
	Feeds           []feedOption
	Errors          page.FieldErrors
	Items           []itemView
	// Older pages back from the last item shown ("" on the last page);
	// Newer returns to the first page (set on older pages).
	Older, Newer string
	Filtered     bool
	// Stream is the live stream's address (first page only), after the
	// newest item the user may see; Labels the texts app.js writes, as
	// JSON.
	Stream, Labels, FeedLabels string
	HasFeeds                   bool
	// Waiting is whether the receiver acknowledged notifications it has
	// not indexed yet, the oldest received Behind ago (first page only):
	// during a burst the list lags the acknowledgements. The page tells
	// the lag, not the count, which would count other users' feeds too.
	Waiting bool
	Behind  time.Duration
}

// sources are the sources an item can come from.
func sources() []store.Source {
	return []store.Source{store.SourceWebhook, store.SourceWatch, store.SourceLifecycle}
}

// Href is the console's page of a notification's resource:
// security/alerts/{id} (legacy) → /legacy/alerts/{id},
// security/alerts_v2/{id} → /alerts/{id}, security/incidents/{id} →
// /incidents/{id}; "" for anything else.
func Href(resource, id string) (href, kind string) {
	r := strings.TrimPrefix(resource, "/")
	col, rest, _ := strings.Cut(r, "/")
	if !strings.EqualFold(col, "security") {
		return "", ""
	}
	col, rid, _ := strings.Cut(rest, "/")
	if id == "" {
		id = rid
	}
	if id == "" {
		return "", ""
	}
	switch strings.ToLower(col) {
	case "alerts":
		return "/legacy/alerts/" + url.PathEscape(id), "kind.legacyAlert"
	case "alerts_v2":
		return "/alerts/" + url.PathEscape(id), "kind.alert"
	case "incidents":
		return "/incidents/" + url.PathEscape(id), "kind.incident"
	}
	return "", ""
}

// changes reads an item's Changes ({"property": {"from": x, "to": y}}).
func changes(L *i18n.Printer, kind string, raw []byte) []changeView {
	if len(raw) == 0 {
		return nil
	}
	var m map[string]struct {
		From json.RawMessage `json:"from"`
		To   json.RawMessage `json:"to"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	props := changedProps()
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(props, a), slices.Index(props, b)
		if ia < 0 {
			ia = len(props)
		}
		if ib < 0 {
			ib = len(props)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	out := make([]changeView, 0, len(names))
	for _, k := range names {
		c := m[k]
		ns := enumOf(kind, k)
		out = append(out, changeView{Prop: k, Label: propLabel(L, k), From: jsonText(L, ns, c.From), To: jsonText(L, ns, c.To)})
	}
	return out
}

// enumOf is the catalog namespace of a changed property's values, by the
// kind of resource ("" for values shown as they are).
func enumOf(kind, prop string) string {
	switch kind + "." + prop {
	case "alert.severity", "incident.severity":
		return "enum.AlertSeverity"
	case "alert.status":
		return "enum.AlertStatus"
	case "incident.status":
		return "enum.IncidentStatus"
	case "alert.classification", "incident.classification":
		return "enum.AlertClassification"
	case "alert.determination", "incident.determination":
		return "enum.AlertDetermination"
	case "legacyAlert.severity":
		return "enum.LegacyAlertSeverity"
	case "legacyAlert.status":
		return "enum.LegacyAlertStatus"
	case "legacyAlert.feedback":
		return "enum.LegacyAlertFeedback"
	}
	return ""
}

// enumMembers are the members app.js labels, by namespace.
func enumMembers() map[string][]string {
	return map[string][]string{
		"enum.AlertSeverity":       page.Strings(graph.AlertSeverities()),
		"enum.AlertStatus":         page.Strings(graph.AlertStatuses()),
		"enum.IncidentStatus":      page.Strings(graph.IncidentStatuses()),
		"enum.AlertClassification": page.Strings(graph.AlertClassifications()),
		"enum.AlertDetermination":  page.Strings(graph.AlertDeterminations()),
		"enum.LegacyAlertSeverity": page.Strings(graph.LegacyAlertSeverities()),
		"enum.LegacyAlertStatus":   page.Strings(graph.LegacyAlertStatuses()),
		"enum.LegacyAlertFeedback": page.Strings(graph.LegacyAlertFeedbacks()),
	}
}

// propLabel labels a changed property in the reader's language.
func propLabel(L *i18n.Printer, prop string) string {
	if slices.Contains(changedProps(), prop) {
		return L.T("notes.prop." + prop)
	}
	return prop
}

// jsonText is a JSON value as text: a string as it is, null as a dash.
func jsonText(L *i18n.Printer, ns string, raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return L.T("empty.noValue")
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch {
		case s == "":
			return L.T("empty.noValue")
		case ns != "":
			return L.EnumOf(ns, s).Text
		}
		return s
	}
	return string(raw)
}

// feedLabels names every feed the user may see ("Subscription ·
// severity=high", "Alerts · severity=high"), from the store.
func (a *Pages) feedLabels(ctx context.Context, p *page.Page) (map[string]string, []string, error) {
	feeds, err := a.notes.ListFeeds(ctx, store.FeedFilter{Viewer: p.Session.UserID})
	if err != nil {
		return nil, nil, err
	}
	labels := map[string]string{}
	order := make([]string, 0, len(feeds))
	for _, f := range feeds {
		q := f.Query
		if q == "" {
			q = p.L.T("notes.everything")
		}
		if f.Kind == store.FeedSubscription {
			labels[f.ID] = p.L.T("notes.feedSub", "filter", q)
		} else {
			_, label := queueOf(f.Target)
			labels[f.ID] = p.L.T("notes.feedWatch", "target", p.L.T(label), "filter", q)
		}
		order = append(order, f.ID)
	}
	return labels, order, nil
}

// view is an item as the page shows it.
func view(L *i18n.Printer, it store.Notification, feeds map[string]string) itemView {
	v := itemView{Seq: it.Seq, Received: it.ReceivedAt, Source: string(it.Source), SourceLabel: L.T("notes.source." + string(it.Source)),
		ResourceID: it.ResourceID, Title: it.Title, Feed: it.Feed, FeedLabel: feeds[it.Feed]}
	href, kind := Href(it.Resource, it.ResourceID)
	v.Href = href
	if kind != "" {
		v.Kind = L.T(kind)
	}
	short := strings.TrimPrefix(kind, "kind.")
	v.KindShort = short
	v.Change = it.ChangeType + it.LifecycleEvent
	switch {
	case it.LifecycleEvent != "":
		v.Event = L.EnumOf("enum.LifecycleEvent", it.LifecycleEvent).Text
	case it.ChangeType != "":
		v.Event = L.EnumOf("enum.ChangeType", it.ChangeType).Text
	}
	v.Changes = changes(L, short, it.Changes)
	return v
}

// Notifications is GET /notifications.
func (a *Pages) Notifications(p *page.Page) error {
	L := p.L
	p.Title = L.T("notes.title")
	ctx := p.R.Context()
	q := p.R.URL.Query()
	v := notesView{Source: q.Get("source"), Feed: q.Get("feed")}
	var errs page.FieldErrors
	var err error
	v.Q, err = page.Text(page.T("notes.search"), q.Get("q"), page.MaxText)
	errs.Check("q", err)
	if v.Source != "" && !slices.Contains(sources(), store.Source(v.Source)) {
		errs.Add("source", page.T("notes.error.source"))
	}
	for _, s := range sources() {
		v.Sources = append(v.Sources, page.Choice{Value: string(s), Label: L.T("notes.source." + string(s)), Selected: string(s) == v.Source})
	}
	labels, order, err := a.feedLabels(ctx, p)
	if err != nil {
		return err
	}
	v.HasFeeds = len(order) > 0
	if v.Feed != "" && labels[v.Feed] == "" {
		errs.Add("feed", page.T("notes.error.feed"))
	}
	for _, id := range order {
		v.Feeds = append(v.Feeds, feedOption{ID: id, Label: labels[id], Selected: id == v.Feed})
	}
	var before int64
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			errs.Add("before", page.T("notes.error.before"))
		}
		before = n
	}
	v.Filtered = v.Q != "" || v.Source != "" || v.Feed != ""
	if errs.Any() {
		v.Errors = errs
		return p.Render(http.StatusBadRequest, "live/notifications", v)
	}
	f := store.NotificationFilter{Viewer: p.Session.UserID, Q: v.Q, Source: store.Source(v.Source), Feed: v.Feed, BeforeSeq: before, Limit: pageSize + 1}
	items, err := a.notes.ListNotifications(ctx, f)
	if err != nil {
		return err
	}
	filters := url.Values{}
	for k, x := range map[string]string{"q": v.Q, "source": v.Source, "feed": v.Feed} {
		if x != "" {
			filters.Set(k, x)
		}
	}
	if len(items) > pageSize {
		items = items[:pageSize]
		older := url.Values{}
		for k, x := range filters {
			older[k] = x
		}
		older.Set("before", strconv.FormatInt(items[len(items)-1].Seq, 10))
		v.Older = "/notifications?" + older.Encode()
	}
	for _, it := range items {
		v.Items = append(v.Items, view(L, it, labels))
	}
	if before > 0 {
		v.Newer = "/notifications"
		if len(filters) > 0 {
			v.Newer += "?" + filters.Encode()
		}
		return p.Render(http.StatusOK, "live/notifications", v)
	}
	// The first page follows the stream from the newest item the user may
	// see (whatever the filters: app.js applies them to what arrives).
	var last int64
	newest, err := a.notes.ListNotifications(ctx, store.NotificationFilter{Viewer: p.Session.UserID, Limit: 1})
	if err != nil {
		return err
	}
	if len(newest) > 0 {
		last = newest[0].Seq
	}
	v.Stream = "/notifications/stream?lastEventId=" + strconv.FormatInt(last, 10)
	v.Waiting, v.Behind = a.behind(ctx)
	v.Labels = jsLabels(L)
	fl, _ := json.Marshal(labels)
	v.FeedLabels = string(fl)
	return p.Render(http.StatusOK, "live/notifications", v)
}

// behind reports whether the journal holds entries and the age of its
// oldest, for the page to say how far the list lags what the receiver
// acknowledged. A backlog that is a moment old is the ordinary pace of
// indexing, not worth a word: only one older than behindShown is told.
// It is a hint; the store failing to say leaves it out, not the page.
func (a *Pages) behind(ctx context.Context) (bool, time.Duration) {
	oldest, err := a.jrnl.JournalOldest(ctx)
	if err != nil || oldest.IsZero() {
		return false, 0
	}
	age := a.clock.Now().Sub(oldest)
	return age >= behindShown, age
}

// behindShown is the lag the live page starts telling: below it, items
// arrive within a few seconds anyway.
const behindShown = 5 * time.Second

// jsLabels are the texts app.js writes for items that arrive live, as
// JSON (an attribute of the list, so that the script holds no text).
func jsLabels(L *i18n.Printer) string {
	m := map[string]any{
		"kind.legacyAlert": L.T("kind.legacyAlert"), "kind.alert": L.T("kind.alert"), "kind.incident": L.T("kind.incident"),
		"untitled": L.T("notes.untitled"), "noValue": L.T("empty.noValue"), "new": L.T("notes.new"),
	}
	for _, s := range sources() {
		m["source."+string(s)] = L.T("notes.source." + string(s))
	}
	for _, c := range []string{"created", "updated", "deleted"} {
		m["change."+c] = L.EnumOf("enum.ChangeType", c).Text
	}
	for _, e := range []string{notify.EventMissed, notify.EventSubscriptionRemoved, notify.EventReauthorizationRequired} {
		m["event."+e] = L.EnumOf("enum.LifecycleEvent", e).Text
	}
	props := map[string]string{}
	for _, p := range changedProps() {
		props[p] = L.T("notes.prop." + p)
	}
	m["props"] = props
	enums := map[string]map[string]string{}
	for ns, members := range enumMembers() {
		enums[ns] = map[string]string{}
		for _, v := range members {
			enums[ns][v] = L.EnumOf(ns, v).Text
		}
	}
	m["enums"] = enums
	b, _ := json.Marshal(m)
	return string(b)
}
