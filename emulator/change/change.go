// Package change describes what the emulator's store emits after every
// committed change to a security resource. It is the seam between the one
// write path (graphapi.Store) and everything that reacts to changes:
// change-notification delivery, the control plane's journal, tests.
//
// It has no dependencies on the rest of the emulator so that consumers
// (emulator/delivery) and the producer (emulator/graphapi) can both import
// it without importing each other.
package change

import (
	"time"

	"github.com/graphsec/graphsec/emulator/odata"
)

// Resource is the collection a change happened in, spelled as Graph's
// resource paths spell it (relative to the version).
type Resource string

// The resources whose changes the store emits.
const (
	LegacyAlerts Resource = "security/alerts"
	Alerts       Resource = "security/alerts_v2"
	Incidents    Resource = "security/incidents"
)

// Type is a change notification's changeType.
type Type string

// The change types Graph knows.
const (
	Created Type = "created"
	Updated Type = "updated"
	Deleted Type = "deleted"
)

// Origin says who made a change: useful in the journal and for tests, and
// what lets a consumer tell a client's own write from the service's.
type Origin string

// The origins of changes.
const (
	// OriginClient is a Graph request from a client (PATCH, comment).
	OriginClient Origin = "client"
	// OriginControl is the control plane acting as a provider would.
	OriginControl Origin = "control"
	// OriginActivity is the living tenant's simulated activity.
	OriginActivity Origin = "activity"
	// OriginService is the service's own bookkeeping caused by another
	// change (an incident following its alerts, alerts following their
	// incident, a merge).
	OriginService Origin = "service"
)

// Event is one committed change to one object.
//
// Doc and Old are the stored versions after and before the change. Stored
// objects are immutable once committed, so both may be read freely, but
// must never be modified.
type Event struct {
	// Seq orders events: it increases by one per event across the whole
	// store, in commit order, and keeps increasing when the data is
	// reloaded (reset, reseed), so a consumer's position stays valid.
	Seq      uint64
	Resource Resource
	// ID is the object's id as stored.
	ID   string
	Type Type
	// Doc is the new version (nil for Deleted); Old the previous one (nil
	// for Created).
	Doc, Old odata.Object
	// At is the emulator time of the commit.
	At     time.Time
	Origin Origin
}

// Sink receives events. Publish is called in commit order with the store's
// write lock held, so it must return at once and never call back into the
// store: a consumer queues the event and does its work elsewhere.
type Sink interface {
	Publish(Event)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Event)

// Publish calls f.
func (f SinkFunc) Publish(e Event) { f(e) }
