package page

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"time"

	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// ActivityStore is the part of the store the activity log uses.
type ActivityStore interface {
	AddActivity(ctx context.Context, a store.Activity) (store.Activity, error)
	ListActivity(ctx context.Context, resource, resourceID string, limit int) ([]store.Activity, error)
}

// ActivityLog is graphsec's own record of what analysts changed through
// it, shown on each resource's page (Graph does not audit every field).
type ActivityLog struct {
	store ActivityStore
	clock clock.Clock
	log   *slog.Logger
}

// NewActivityLog returns the log kept in st.
func NewActivityLog(st ActivityStore, clk clock.Clock, log *slog.Logger) *ActivityLog {
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ActivityLog{store: st, clock: clk, log: log}
}

// Record writes one change. A failure is logged, not shown: the change
// itself has been made in Graph.
func (l *ActivityLog) Record(ctx context.Context, sess *auth.Session, resource, id, action, requestID string, changes []byte) {
	_, err := l.store.AddActivity(context.WithoutCancel(ctx), store.Activity{
		Resource: resource, ResourceID: id, Action: action, ActorID: sess.UserID, ActorName: sess.UserPrincipalName,
		At: l.clock.Now(), RequestID: requestID, Changes: changes,
	})
	if err != nil {
		l.log.Error("record activity", "resource", resource, "id", id, "err", err)
	}
}

// ActivityEntry is one line of a resource's activity, as pages show it.
// Action names its label ("activity."+Action: update, comment).
type ActivityEntry struct {
	At        time.Time
	Actor     string
	Action    string
	Changes   []ActivityChange
	RequestID string
}

// ActivityChange is one property an entry changed: from and to as
// recorded (raw) and as the page shows them. A comment has only To.
type ActivityChange struct {
	Prop     string
	From, To Field
}

// Describe is how a page shows a recorded value of a property in its
// language (an enum member as its label); it returns "" to show the raw
// value.
type Describe func(prop, raw string) string

// List returns what analysts did to a resource through graphsec, newest
// first (at most 50 entries), values described by describe. A failure is
// logged; the page says the log could not be read and shows the rest.
func (l *ActivityLog) List(ctx context.Context, resource, id string, describe Describe) ([]ActivityEntry, error) {
	list, err := l.store.ListActivity(ctx, resource, id, 50)
	if err != nil {
		l.log.Error("read activity", "resource", resource, "id", id, "request_id", RequestID(ctx), "err", err)
		return nil, err
	}
	field := func(prop, raw string) Field {
		f := Field{Prop: prop, Raw: raw}
		if describe != nil && raw != "" {
			f.Text = describe(prop, raw)
		}
		return f
	}
	out := make([]ActivityEntry, 0, len(list))
	for _, a := range list {
		e := ActivityEntry{At: a.At, Actor: a.ActorName, Action: a.Action, RequestID: a.RequestID}
		var m map[string]json.RawMessage
		if json.Unmarshal(a.Changes, &m) == nil {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				var ft struct{ From, To string }
				var s string
				switch {
				case json.Unmarshal(m[k], &ft) == nil:
					e.Changes = append(e.Changes, ActivityChange{Prop: k, From: field(k, ft.From), To: field(k, ft.To)})
				case json.Unmarshal(m[k], &s) == nil:
					e.Changes = append(e.Changes, ActivityChange{Prop: k, To: field(k, s)})
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}
