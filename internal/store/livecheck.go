package store

import (
	"errors"
	"strings"
)

// Limits and helpers for the live-alerts aggregates (live.go), shared by
// both implementations so that they accept and refuse the same values.
const (
	// DefaultNotificationLimit is what ListNotifications uses for a limit
	// of zero or less; MaxNotificationLimit caps a larger one.
	DefaultNotificationLimit = 100
	MaxNotificationLimit     = 1000
	// MaxAppendBatch bounds the items of one AppendNotifications call
	// (a Graph POST holds at most 100; a group commit merges a few).
	MaxAppendBatch = 10000
	// DeleteChunk is how many notifications one transaction of
	// DeleteNotificationsBefore removes: retention deletes in chunks so
	// that it never holds the writer (SQLite) or many row locks
	// (PostgreSQL) long enough to delay a receiver's acknowledgement.
	DeleteChunk = 2000
)

// FromStart, as NotificationFilter.AfterSeq, selects from the oldest item
// retained, oldest first: AfterSeq 0 means no bound, newest first, and
// every Seq is positive, so any negative AfterSeq bounds nothing but still
// orders oldest first. (The stream's "Last-Event-ID: 0" reads this way.)
const FromStart int64 = -1

// NotificationLimit applies DefaultNotificationLimit and
// MaxNotificationLimit.
func NotificationLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultNotificationLimit
	case n > MaxNotificationLimit:
		return MaxNotificationLimit
	}
	return n
}

// CheckNotification reports why n cannot be stored, or nil. ID, Source
// and Feed are required; Seq is ignored (the store assigns it).
func CheckNotification(n Notification) error {
	return errors.Join(
		checkText("notification id", n.ID, MaxKeyBytes, true),
		checkText("notification source", string(n.Source), MaxTextBytes, true),
		checkText("notification feed", n.Feed, MaxKeyBytes, true),
		checkText("notification owner", n.Owner, MaxTextBytes, false),
		checkText("notification change type", n.ChangeType, MaxTextBytes, false),
		checkText("notification lifecycle event", n.LifecycleEvent, MaxTextBytes, false),
		checkText("notification resource", n.Resource, MaxTextBytes, false),
		checkText("notification resource id", n.ResourceID, MaxTextBytes, false),
		checkText("notification title", n.Title, MaxTextBytes, false),
		checkBlob("notification changes", n.Changes),
		checkBlob("notification raw", n.Raw),
		checkTime("notification version", n.Version),
		checkTime("notification received at", n.ReceivedAt),
	)
}

// CheckFeed reports why f cannot be stored, or nil.
func CheckFeed(f Feed) error {
	return errors.Join(
		checkText("feed id", f.ID, MaxKeyBytes, true),
		checkText("feed kind", string(f.Kind), MaxTextBytes, true),
		checkText("feed owner", f.Owner, MaxTextBytes, false),
		checkText("feed owner name", f.OwnerName, MaxTextBytes, false),
		checkText("feed target", f.Target, MaxTextBytes, false),
		checkText("feed query", f.Query, MaxTextBytes, false),
		checkText("feed resource", f.Resource, MaxTextBytes, false),
		checkText("feed graph id", f.GraphID, MaxKeyBytes, false),
		checkBlob("feed client state hash", f.ClientStateHash),
		checkText("feed change type", f.ChangeType, MaxTextBytes, false),
		checkText("feed auth", f.Auth, MaxTextBytes, false),
		checkBlob("feed tokens", f.Tokens),
		checkText("feed state", f.State, MaxTextBytes, false),
		checkText("feed last error", f.LastError, MaxTextBytes, false),
		checkTime("feed expires at", f.ExpiresAt),
		checkTime("feed last item at", f.LastItemAt),
		checkTime("feed created at", f.CreatedAt),
		checkTime("feed updated at", f.UpdatedAt),
	)
}

// CheckCheckpoint reports why c cannot be stored, or nil.
func CheckCheckpoint(c Checkpoint) error {
	errs := []error{
		checkText("checkpoint feed", c.Feed, MaxKeyBytes, true),
		checkTime("checkpoint at", c.At),
		checkTime("checkpoint updated at", c.UpdatedAt),
	}
	size := 0
	for _, id := range c.IDs {
		errs = append(errs, checkText("checkpoint id", id, MaxKeyBytes, true))
		size += len(id) + 4
	}
	if size > MaxBlobBytes {
		errs = append(errs, invalid("checkpoint ids", "%d bytes, over the limit of %d", size, MaxBlobBytes))
	}
	return errors.Join(errs...)
}

// SearchText is what NotificationFilter.Q is matched against: the
// item's ID, ResourceID and Title, folded to lower case by Go (so that
// both stores fold every script alike, which SQLite's lower() does not),
// separated by a character Q may not hold. Both stores keep it in a
// column of its own, written with the item.
func SearchText(n Notification) string {
	return strings.ToLower(n.ID) + searchSep + strings.ToLower(n.ResourceID) + searchSep + strings.ToLower(n.Title)
}

// searchSep separates SearchText's fields: a control character (the
// information separator one), which no id or title holds.
const searchSep = "\x1f"

// SearchQuery is Q as the stores match it against SearchText: folded
// to lower case. ok is false when Q cannot match anything (it holds the
// separator, NUL or invalid UTF-8, or is too long): the result is empty.
func SearchQuery(q string) (folded string, ok bool) {
	if q == "" {
		return "", true
	}
	if strings.Contains(q, searchSep) || !UsableText(q) {
		return "", false
	}
	return strings.ToLower(q), true
}

// UsableNotificationFilter reports whether f's keys could match stored
// records; a filter naming a viewer, source or feed no store could hold
// selects nothing (not an error), as lookups by such keys find nothing.
func UsableNotificationFilter(f NotificationFilter) bool {
	return (f.Viewer == "" || UsableText(f.Viewer)) &&
		(f.Source == "" || UsableText(string(f.Source))) &&
		(f.Feed == "" || UsableKey(f.Feed))
}

// CheckAppend reports why a batch cannot be appended, or nil: too many
// items, or one item CheckNotification refuses (the whole batch is then
// refused).
func CheckAppend(items []Notification) error {
	if len(items) > MaxAppendBatch {
		return invalid("notifications", "%d in one append, over the limit of %d", len(items), MaxAppendBatch)
	}
	for i := range items {
		if err := CheckNotification(items[i]); err != nil {
			return err
		}
	}
	return nil
}

// SQLDialect is how one database spells what NotificationQuery needs.
type SQLDialect struct {
	// Param returns the placeholder of the n-th argument (from 1).
	Param func(n int) string
	// True is a boolean column's true value; Contains(column, param) is a
	// substring test.
	True     string
	Contains func(column, param string) string
}

// The notifications table's columns as both stores select and scan them,
// in this order: NotificationColumns for ListNotifications,
// NotificationColumnsWithoutRaw for background work on stored items,
// which does not need the raw JSON.
const (
	notificationLead              = `seq, id, source, feed, owner, shared, change_type, lifecycle_event, resource, resource_id, version, title, changes`
	NotificationColumns           = notificationLead + `, raw, received_at`
	NotificationColumnsWithoutRaw = notificationLead + `, received_at`
)

// NotificationQuery is the SELECT both stores run for ListNotifications:
// NotificationColumns from the notifications table, the conditions f
// sets, the order (oldest first when AfterSeq is set, newest first
// otherwise) and the limit. ok is false when f selects nothing for
// certain.
func NotificationQuery(f NotificationFilter, d SQLDialect) (query string, args []any, ok bool) {
	if !UsableNotificationFilter(f) {
		return "", nil, false
	}
	q, ok := SearchQuery(f.Q)
	if !ok {
		return "", nil, false
	}
	var where []string
	param := func(v any) string {
		args = append(args, v)
		return d.Param(len(args))
	}
	if f.AfterSeq > 0 {
		where = append(where, "seq > "+param(f.AfterSeq))
	}
	if f.BeforeSeq > 0 {
		where = append(where, "seq < "+param(f.BeforeSeq))
	}
	if f.Viewer != "" {
		where = append(where, "(owner = "+param(f.Viewer)+" OR shared = "+d.True+")")
	}
	if f.Source != "" {
		where = append(where, "source = "+param(string(f.Source)))
	}
	if f.Feed != "" {
		where = append(where, "feed = "+param(f.Feed))
	}
	if q != "" {
		where = append(where, d.Contains("search", param(q)))
	}
	query = "SELECT " + NotificationColumns + " FROM notifications"
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	if f.AfterSeq != 0 {
		query += " ORDER BY seq ASC"
	} else {
		query += " ORDER BY seq DESC"
	}
	query += " LIMIT " + param(NotificationLimit(f.Limit))
	return query, args, true
}

// CheckEnrichment reports why e cannot be stored, or nil.
func CheckEnrichment(e Enrichment) error {
	var state error
	switch e.State {
	case EnrichDone, EnrichGone, EnrichFailed, EnrichSkipped:
	default:
		state = invalid("enrichment state", "%q is not a final state", e.State)
	}
	var seq error
	if e.Seq <= 0 {
		seq = invalid("enrichment seq", "%d is not a stored item's", e.Seq)
	}
	return errors.Join(state, seq,
		checkText("enrichment title", e.Title, MaxTextBytes, false),
		checkBlob("enrichment changes", e.Changes),
		checkBlob("enrichment fields", e.Fields),
	)
}

// EnrichedSearchText is SearchText with the title an enrichment brings.
func EnrichedSearchText(id, resourceID, title string) string {
	return SearchText(Notification{ID: id, ResourceID: resourceID, Title: title})
}
