package notify

import (
	"container/list"
	"encoding/json"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/store"
)

// versions remembers, per alert or incident of one feed, the versions
// last delivered and the key fields of the latest: the recent-seen set
// that keeps overlap re-reads away from the store, and the previous
// version an item's Changes are computed from. It is bounded: past max
// objects the least recently seen is forgotten, which can only cost a
// store de-duplication (the store drops a version it holds) or an item
// without Changes, never a lost or repeated item. Not safe for
// concurrent use (a feed polls one window at a time).
//
// A version is an (id, lastUpdateDateTime) pair, and an older one can
// follow a newer: an update made visible late overwrites with its own
// (earlier) stamp a change made meanwhile. Such a version is a change
// the feed has not shown, so it is delivered too, once.
type versions struct {
	max   int
	byID  map[string]*list.Element
	order *list.List // front: most recently seen
}

// recentVersions is how many versions of one object are remembered.
const recentVersions = 4

type seenEntry struct {
	id string
	// updated and fields are the version delivered last.
	updated time.Time
	fields  keyFields
	recent  [recentVersions]time.Time
	next    int
}

func (e *seenEntry) has(t time.Time) bool {
	for _, r := range e.recent {
		if r.Equal(t) && !r.IsZero() {
			return true
		}
	}
	return false
}

func newVersions(max int) *versions {
	return &versions{max: max, byID: map[string]*list.Element{}, order: list.New()}
}

// get returns what is remembered of id.
func (s *versions) get(id string) (*seenEntry, bool) {
	e, ok := s.byID[id]
	if !ok {
		return nil, false
	}
	return e.Value.(*seenEntry), true
}

// put records v as delivered (or known to be stored).
func (s *versions) put(v version) {
	var se *seenEntry
	if e, ok := s.byID[v.id]; ok {
		se = e.Value.(*seenEntry)
		s.order.MoveToFront(e)
		if se.has(v.updated) {
			return
		}
	} else {
		se = &seenEntry{id: v.id}
		s.byID[v.id] = s.order.PushFront(se)
		for s.order.Len() > s.max {
			old := s.order.Back()
			s.order.Remove(old)
			delete(s.byID, old.Value.(*seenEntry).id)
		}
	}
	se.updated, se.fields = v.updated, v.fields
	se.recent[se.next] = v.updated
	se.next = (se.next + 1) % recentVersions
}

// versionText is how a version appears in an item id: RFC 3339 in UTC
// with Graph's fractional digits (trailing zeros dropped).
func versionText(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// watchItemID is a watch item's store.Notification.ID:
// {feed}:{resource}@{version}. Store de-duplication on it makes each
// version of each object appear once per feed (also across restarts),
// while two watches that both match it each get their item.
func watchItemID(feed, resource string, v time.Time) string {
	return feed + ":" + resource + "@" + versionText(v)
}

// itemFor builds the item for version v of feed f. prev is the previous
// version delivered (nil if unknown); created says whether this is the
// object's first version for the feed. pointer, when set, is where the
// item points instead of v itself (a merged incident's target).
func itemFor(f store.Feed, t *target, v version, prev *seenEntry, created bool, pointer string, now time.Time) store.Notification {
	resource := t.resource + "/" + v.id
	it := store.Notification{
		ID: watchItemID(f.ID, resource, v.updated), Source: store.SourceWatch, Feed: f.ID, Owner: f.Owner, Shared: f.Shared,
		ChangeType: "updated", Resource: resource, ResourceID: v.id, Version: v.updated, Title: v.title, ReceivedAt: now,
	}
	if created {
		it.ChangeType = "created"
	}
	if pointer != "" && pointer != v.id {
		it.Resource, it.ResourceID = t.resource+"/"+pointer, pointer
		it.Title = "Merged into incident " + pointer + ": " + v.title
	}
	if prev != nil && !prev.updated.Equal(v.updated) {
		it.Changes = changes(t.keyNames, prev.fields, v.fields)
	}
	it.Raw = rawNotification(it, t, v, resource)
	return it
}

// changes is {"property": {"from": x, "to": y}} for the key fields that
// differ, in the target's order; nil when none does.
func changes(names []string, from, to keyFields) []byte {
	var b []byte
	for i, n := range names {
		if from[i] == to[i] {
			continue
		}
		if b == nil {
			b = append(b, '{')
		} else {
			b = append(b, ',')
		}
		b = appendJSONString(b, n)
		b = append(b, `:{"from":`...)
		b = appendNullableString(b, from[i])
		b = append(b, `,"to":`...)
		b = appendNullableString(b, to[i])
		b = append(b, '}')
	}
	if b != nil {
		b = append(b, '}')
	}
	return b
}

// rawNotification is the item as a changeNotification, the shape Graph
// gives webhook items, so that the live page and the stream treat both
// alike: subscriptionId is the feed, resourceData carries the object's id
// and type, its version and key fields (Graph's own resourceData carries
// only id and type). A merged incident's resourceData says where it went.
func rawNotification(it store.Notification, t *target, v version, resource string) []byte {
	b := make([]byte, 0, 512)
	b = append(b, `{"id":`...)
	b = appendJSONString(b, it.ID)
	b = append(b, `,"subscriptionId":`...)
	b = appendJSONString(b, it.Feed)
	b = append(b, `,"changeType":`...)
	b = appendJSONString(b, it.ChangeType)
	b = append(b, `,"resource":`...)
	b = appendJSONString(b, resource)
	b = append(b, `,"resourceData":{"@odata.type":`...)
	b = appendJSONString(b, t.odataType)
	b = append(b, `,"@odata.id":`...)
	b = appendJSONString(b, resource)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, v.id)
	b = append(b, ',')
	b = appendJSONString(b, t.timeName)
	b = append(b, ':')
	b = appendJSONString(b, versionText(v.updated))
	if !v.created.IsZero() {
		b = append(b, `,"createdDateTime":`...)
		b = appendJSONString(b, versionText(v.created))
	}
	for i, n := range t.keyNames {
		if v.fields[i] == "" {
			continue
		}
		b = append(b, ',')
		b = appendJSONString(b, n)
		b = append(b, ':')
		b = appendJSONString(b, v.fields[i])
	}
	if it.ResourceID != v.id {
		b = append(b, `,"target":`...)
		b = appendJSONString(b, it.Resource)
	}
	b = append(b, `}}`...)
	return b
}

func appendJSONString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

func appendNullableString(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// resourceOfItem returns the object id a webhook item names
// (security/alerts/{id}), lower-cased for comparison.
func resourceOfItem(n store.Notification) string {
	if n.ResourceID != "" {
		return strings.ToLower(n.ResourceID)
	}
	_, id, _ := strings.Cut(n.Resource, "security/alerts/")
	return strings.ToLower(id)
}
