package store

import (
	"context"
	"time"
)

// This file is the storage side of live alerts (the notify package):
// notifications received or produced, the feeds they come through
// (graphsec's records of its Graph subscriptions and of its watches) and
// the watchers' checkpoints. The interfaces are per aggregate, so each
// consumer takes only what it uses; both implementations satisfy all of
// them, held to one behaviour by storetest.

// Source says where an item came from.
type Source string

// The sources of items.
const (
	// SourceWebhook is a change notification Graph delivered to /listen
	// (legacy alerts: the only security resource with webhooks).
	SourceWebhook Source = "webhook"
	// SourceLifecycle is a lifecycle notification delivered to
	// /listen/lifecycle (reauthorizationRequired, subscriptionRemoved,
	// missed).
	SourceLifecycle Source = "lifecycle"
	// SourceWatch is a change the watcher saw by polling alerts_v2 or
	// incidents.
	SourceWatch Source = "watch"
)

// Notification is one change notification as graphsec keeps it. Webhook and watch
// items have the same shape, so the live page, the stream and the store
// treat them alike.
type Notification struct {
	// Seq orders every item graphsec ever stored: assigned by the store
	// (a database sequence), increasing, never reused. It is the live
	// stream's event id.
	Seq int64
	// ID identifies the notification: Graph's notification id for webhook
	// items (receivers de-duplicate on it), or for watch items (and a
	// subscription's catch-up items) the feed, resource and version,
	// "{feed}:security/alerts_v2/{id}@{lastUpdateDateTime}", so that each
	// version is stored exactly once per feed, and two watches matching
	// the same alert each get their item. Unique in the store.
	ID     string
	Source Source
	// Feed is graphsec's record the item came through: a subscription
	// record's id or a watch's id.
	Feed string
	// Owner is the user id (oid) of the feed's owner; Shared feeds are
	// visible to every signed-in user.
	Owner  string
	Shared bool
	// ChangeType is created, updated or deleted (empty for lifecycle
	// items); LifecycleEvent is set for lifecycle items.
	ChangeType     string
	LifecycleEvent string
	// Resource is Graph's resource path without the version:
	// security/alerts/{id}, security/alerts_v2/{id},
	// security/incidents/{id}; ResourceID the id alone.
	Resource   string
	ResourceID string
	// Version is the object's lastUpdateDateTime when known (watch
	// items), zero otherwise.
	Version time.Time
	// Title is the alert's or incident's title when known, for the live
	// page and its search.
	Title string
	// Changes is a JSON object {"property": {"from": x, "to": y}} of what
	// changed since the previous version graphsec saw, when known.
	Changes []byte
	// Raw is the notification as Graph sent it (webhook) or as graphsec
	// built it (watch): the same changeNotification shape either way.
	Raw []byte
	// ReceivedAt is when graphsec stored it.
	ReceivedAt time.Time
}

// NotificationFilter selects notifications for the live page.
type NotificationFilter struct {
	// Viewer is the user id whose feeds (and shared ones) are visible;
	// empty means every feed (background work, tests).
	Viewer string
	// AfterSeq and BeforeSeq bound Seq (exclusive; 0 means no bound).
	// A negative AfterSeq (FromStart) bounds nothing but, being set,
	// lists oldest first.
	AfterSeq, BeforeSeq int64
	// Q matches ResourceID, ID or Title, without regard to case.
	Q string
	// Source and Feed, when set, must match.
	Source Source
	Feed   string
	// Limit bounds the result (the store may cap it further).
	Limit int
}

// Notifications stores and reads notifications.
type Notifications interface {
	// AppendNotifications stores items durably and returns once they are
	// on disk, with the ones it stored, Seq assigned, in order; items
	// whose ID is already stored are duplicates: left out, not an error.
	AppendNotifications(ctx context.Context, items []Notification) ([]Notification, error)
	// ListNotifications returns the items the filter selects, oldest
	// first when AfterSeq is set, otherwise newest first.
	ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, error)
	// DeleteNotificationsBefore removes items received before t (retention),
	// those still waiting in the Journal included, and reports how many
	// went.
	DeleteNotificationsBefore(ctx context.Context, t time.Time) (int64, error)
}

// FeedKind tells subscriptions from watches.
type FeedKind string

// The kinds of feeds.
const (
	// FeedSubscription is a Graph subscription (webhook) graphsec created.
	FeedSubscription FeedKind = "subscription"
	// FeedWatch is a saved query graphsec polls (alerts_v2, incidents, or
	// a legacy filter where webhooks cannot reach graphsec).
	FeedWatch FeedKind = "watch"
)

// Feed is graphsec's record of a subscription or a watch.
type Feed struct {
	ID        string // graphsec's id, random
	Kind      FeedKind
	Owner     string // the creator's user id (oid)
	OwnerName string
	Shared    bool
	// Target is what the feed follows: "legacyAlerts", "alerts", "incidents".
	Target string
	// Query is the feed's filter as the console writes it (a subscription's
	// form fields or a queue's query string), for display and re-creation.
	Query string
	// Resource is the Graph resource: a subscription's resource
	// (security/alerts?$filter=...), a watch's collection.
	Resource string
	// Subscriptions: Graph's subscription id, the SHA-256 of its
	// clientState (the secret itself is never stored), the change types,
	// its expiry, and how it is kept alive: "app" (the console's own
	// app-only token) or "delegated" (Tokens holds the creator's sealed
	// refresh token).
	GraphID         string
	ClientStateHash []byte
	ChangeType      string
	ExpiresAt       time.Time
	Auth            string
	Tokens          []byte
	// State is active, paused, failed or removed; LastError says why.
	State     string
	LastError string
	// LastItemAt is when the feed last produced an item.
	LastItemAt time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// FeedFilter selects feeds.
type FeedFilter struct {
	// Viewer, when set, selects that user's feeds and shared ones.
	Viewer string
	Kind   FeedKind
}

// Feeds stores subscription and watch records.
type Feeds interface {
	// CreateFeed stores a new feed; ErrConflict if the id exists.
	CreateFeed(ctx context.Context, f Feed) error
	// UpdateFeed replaces a feed's record; ErrNotFound if absent.
	UpdateFeed(ctx context.Context, f Feed) error
	// Feed returns a feed by graphsec's id; FeedByGraphID by Graph's
	// subscription id (the receiver's lookup).
	Feed(ctx context.Context, id string) (Feed, error)
	FeedByGraphID(ctx context.Context, graphID string) (Feed, error)
	ListFeeds(ctx context.Context, f FeedFilter) ([]Feed, error)
	// DeleteFeed removes a feed and its checkpoint; absent is not an error.
	DeleteFeed(ctx context.Context, id string) error
}

// Checkpoint is how far a watch has read: the lastUpdateDateTime it has
// read up to, and the ids it has already stored at exactly that time (so
// that items sharing the boundary are neither lost nor repeated).
type Checkpoint struct {
	Feed      string
	At        time.Time
	IDs       []string
	UpdatedAt time.Time
}

// Checkpoints stores watches' positions.
type Checkpoints interface {
	// Checkpoint returns a feed's checkpoint; ErrNotFound before the first.
	Checkpoint(ctx context.Context, feed string) (Checkpoint, error)
	// SaveCheckpoint stores it (the caller saves only after the items up
	// to it are appended).
	SaveCheckpoint(ctx context.Context, c Checkpoint) error
}

// EnrichState says whether background work has completed a stored
// webhook item: Graph's legacy-alert webhooks carry only the alert's id,
// and the receiver calls nothing on Graph before it answers, so the title
// and what changed are looked up afterwards (notify.Enricher) and kept
// here. The state is stored so that the work survives restarts and
// nothing is looked up forever.
type EnrichState string

// The enrichment states.
const (
	// EnrichPending: a webhook item not looked up yet (every item is
	// stored so; only webhook items are ever looked up).
	EnrichPending EnrichState = ""
	// EnrichDone: the title (and changes, where known) are stored.
	EnrichDone EnrichState = "done"
	// EnrichGone: Graph answered 404; the item keeps showing the id.
	EnrichGone EnrichState = "gone"
	// EnrichFailed: given up after repeated failures.
	EnrichFailed EnrichState = "failed"
	// EnrichSkipped: not something graphsec looks up (not a legacy
	// alert).
	EnrichSkipped EnrichState = "skipped"
)

// Enrichment is what was learned about a stored item after it was
// stored.
type Enrichment struct {
	Seq   int64
	State EnrichState
	// Title and Changes replace the item's when State is EnrichDone (and
	// the search text follows the title); other states leave them.
	Title   string
	Changes []byte
	// Fields is the alert's key properties as seen, a JSON object: the
	// previous version the next item's Changes are computed from.
	Fields []byte
}

// Enrichments is the store side of that work.
type Enrichments interface {
	// PendingEnrichments returns webhook items still EnrichPending with
	// Seq after after, oldest first, at most limit (capped like
	// ListNotifications), without Raw.
	PendingEnrichments(ctx context.Context, after int64, limit int) ([]Notification, error)
	// Enrich stores enrichments by Seq in one transaction; a Seq no
	// longer stored (retention) is skipped, not an error.
	Enrich(ctx context.Context, es []Enrichment) error
	// EnrichedFields returns the Fields of feed's newest EnrichDone item
	// about resourceID with a Seq below before; nil when there is none.
	EnrichedFields(ctx context.Context, feed, resourceID string, before int64) ([]byte, error)
}
