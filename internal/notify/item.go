// Package notify is graphsec's live side: what arrives from Graph's change
// notifications (the receiver), what graphsec keeps alive on Graph
// (subscription upkeep), what it polls where Graph has no webhooks (the
// alerts_v2 and incidents watcher), and how items reach the live page
// (the broker). Everything it produces is an Item, stored durably through
// a Sink before anything else happens to it.
package notify

import (
	"context"
	"time"
)

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

// Item is one change notification as graphsec keeps it. Webhook and watch
// items have the same shape, so the live page, the stream and the store
// treat them alike.
type Item struct {
	// Seq orders every item graphsec ever stored: assigned by the store
	// (a database sequence), increasing, never reused. It is the live
	// stream's event id.
	Seq int64
	// ID identifies the notification: Graph's notification id for webhook
	// items (receivers de-duplicate on it), or for watch items the
	// resource and version, "security/alerts_v2/{id}@{lastUpdateDateTime}",
	// so that each version is stored exactly once. Unique in the store.
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

// Sink stores items durably. Append returns once the items are on disk
// (a receiver acknowledges Graph only after that), with the ones it
// stored, Seq assigned, in order; items whose ID is already stored are
// duplicates: left out of the result, not an error.
type Sink interface {
	Append(ctx context.Context, items []Item) ([]Item, error)
}
