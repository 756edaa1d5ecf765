// Package notify is graphsec's live side: what arrives from Graph's change
// notifications (the receiver), what graphsec keeps alive on Graph
// (subscription upkeep), what it polls where Graph has no webhooks (the
// alerts_v2 and incidents watcher), and how items reach the live page
// (the broker). Everything it produces is an Item, stored durably through
// a Sink before anything else happens to it: the watcher and lifecycle
// notifications through GroupSink.Append (straight into notifications),
// the receiver's change notifications through GroupSink.Journal (one
// journal entry per POST, which the same writer indexes into
// notifications right after; see GroupSink). Legacy webhook items, which
// Graph sends with the alert's id alone, are completed afterwards by the
// Enricher, within the same request budget as the watcher.
package notify

import (
	"context"

	"github.com/graphsec/graphsec/internal/store"
)

// Item is one change notification as graphsec keeps it (the store's
// record; see store.Notification).
type Item = store.Notification

// Sources of items, as the store records them.
const (
	SourceWebhook   = store.SourceWebhook
	SourceLifecycle = store.SourceLifecycle
	SourceWatch     = store.SourceWatch
)

// Sink stores items durably. Append returns once the items are on disk
// (a receiver acknowledges Graph only after that), with the ones it
// stored, Seq assigned, in order; items whose ID is already stored are
// duplicates: left out of the result, not an error.
type Sink interface {
	Append(ctx context.Context, items []Item) ([]Item, error)
}
