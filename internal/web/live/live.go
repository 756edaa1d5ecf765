// Package live is the console's live-alerts pages: subscriptions to
// legacy alert webhooks (/subscriptions), saved watches polled on
// alerts_v2, incidents and legacy alerts (/watches, and "Watch this view"
// on the queues), and the live page (/notifications), which lists what
// they delivered and follows /notifications/stream.
//
// The work is internal/notify's (Upkeep for subscriptions, Watcher for
// watches, the store's notifications); this package reads the forms,
// says what went wrong in the reader's language, keeps what was typed,
// and shows each user their own feeds and the shared ones.
//
// Files: subscriptions.go (/subscriptions: the original sample's filter
// form, the list from Graph and graphsec's records, renew, delete, the
// polling fallback without a public URL), watches.go (/watches: list,
// create, poll now, delete, with each watch's lag, polls, gaps and
// audit), notifications.go (/notifications: history, search, filters; the
// live updates are static/app.js's). Routes are in the shell's live.go.
package live

import (
	"context"
	"embed"
	"net/http"
	"time"

	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/notify"
	"github.com/graphsec/graphsec/internal/store"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's pages for the page kit
// ("live/subscriptions", "live/watches", "live/notifications").
func Templates() page.Templates { return page.Embedded("live", templateFS) }

// Subscriptions are Graph subscriptions kept alive (notify.Upkeep).
type Subscriptions interface {
	Create(ctx context.Context, owner notify.Owner, query string, shared bool) (store.Feed, error)
	Renew(ctx context.Context, id string, creator notify.Creator) (store.Feed, error)
	Delete(ctx context.Context, id string) error
	List(ctx context.Context, viewer string) ([]notify.SubscriptionView, error)
	CheckPublicURL() error
	AuthFor(ctx context.Context, owner notify.Owner) (notify.AuthChoice, error)
}

// Watches are saved queries polled on Graph (notify.Watcher).
type Watches interface {
	CreateWatch(ctx context.Context, owner notify.Owner, target, query string, shared bool) (store.Feed, error)
	ListWatches(ctx context.Context, viewer string) ([]store.Feed, error)
	DeleteWatch(ctx context.Context, id string) error
	PollNow(ctx context.Context, id string) error
	Audit(ctx context.Context, id string) (int, error)
	Stats(id string) notify.WatchStats
	AuthFor(ctx context.Context, target string, owner notify.Owner) (notify.AuthChoice, error)
}

// Notifications lists what the feeds delivered, and the feeds
// (store.Notifications, store.Feeds): the live page reads the store
// alone, never Graph.
type Notifications interface {
	ListNotifications(ctx context.Context, f store.NotificationFilter) ([]store.Notification, error)
	ListFeeds(ctx context.Context, f store.FeedFilter) ([]store.Feed, error)
}

// Journal is what the receiver acknowledged and has not indexed yet
// (store.Journal): under a burst the live page says how far behind it is.
type Journal interface {
	JournalOldest(ctx context.Context) (time.Time, error)
}

// Deps are what the live pages need besides the page kit.
type Deps struct {
	Subscriptions Subscriptions
	Watches       Watches
	Notifications Notifications
	Journal       Journal
	Clock         clock.Clock
}

// Pages serves the live pages; its methods are page.Handlers.
type Pages struct {
	subs  Subscriptions
	watch Watches
	notes Notifications
	jrnl  Journal
	clock clock.Clock
}

// New returns the live pages.
func New(d Deps) *Pages {
	if d.Clock == nil {
		d.Clock = clock.System{}
	}
	return &Pages{subs: d.Subscriptions, watch: d.Watches, notes: d.Notifications, jrnl: d.Journal, clock: d.Clock}
}

// owner is the signed-in user as the creator of a feed: their sign-in is
// sealed for it when graphsec's app cannot act alone.
func owner(p *page.Page) notify.Owner {
	s := p.Session
	return notify.Owner{ID: s.UserID, Name: s.DisplayName, UPN: s.UserPrincipalName, Creator: s}
}

// done redirects to path with a one-time flash: the message key's text,
// in the reader's language, shown once on that page (the page kit's
// flash, Changed's heading).
func done(p *page.Page, path, key string, args ...any) error {
	tok := p.SetFlash(path, &page.Changed{Heading: p.L.T(key, args...)})
	return p.Redirect(page.WithParam(path, "done", tok), http.StatusSeeOther)
}

// takeFlash is the message a change left for this page ("" if none).
func takeFlash(p *page.Page, path string) string {
	if c := p.TakeFlash(path, p.R.URL.Query().Get("done")); c != nil {
		return c.Heading
	}
	return ""
}

// visible finds the feed the path's {id} names among those list gives
// the user, if it is theirs or shared (a feed they may renew, poll or
// delete); otherwise a 404 that says so.
func visible(p *page.Page, kind, heading, message page.Msg, list func(ctx context.Context, viewer string) ([]store.Feed, error)) (store.Feed, error) {
	id := p.R.PathValue("id")
	if err := page.CheckID(kind, id, page.MaxID); err != nil {
		return store.Feed{}, err
	}
	feeds, err := list(p.R.Context(), p.Session.UserID)
	if err != nil {
		return store.Feed{}, err
	}
	for _, f := range feeds {
		if f.ID == id && (f.Owner == p.Session.UserID || f.Shared) {
			return f, nil
		}
	}
	return store.Feed{}, &page.Error{Status: http.StatusNotFound, Heading: heading, Message: message}
}

// authView says how a feed keeps working while its creator is signed out.
type authView struct {
	Mode   string // notify.AuthApp or notify.AuthDelegated
	Reason string
}

// stateClass is a feed state's badge class.
func stateClass(state string) string {
	switch state {
	case notify.StateActive:
		return "st-resolved"
	case notify.StateCreating:
		return "st-inProgress"
	case notify.StatePaused, notify.StateFailed:
		return "st-new"
	}
	return ""
}
