package page

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/clock"
	"github.com/graphsec/graphsec/internal/store"
)

// ActivityStore is the part of the store the activity log uses.
type ActivityStore interface {
	AddActivity(ctx context.Context, a store.Activity) (store.Activity, error)
	UpdateActivity(ctx context.Context, id int64, state, requestID string, changes []byte) error
	ListActivity(ctx context.Context, resource, resourceID string, limit int) ([]store.Activity, error)
}

// ActivityLog is graphsec's own record of what analysts changed through
// it, shown on each resource's page (Graph does not audit every field).
//
// A change is recorded before it is sent (Begin: a pending intent) and
// settled when Graph answers (Intent.Done, Intent.Fail). A change whose
// answer never came — the request timed out, or graphsec was killed while
// it waited — stays pending, and the Reconciler reads its resource from
// Graph later and marks it applied or not: the log never misses a change
// Graph applied after graphsec gave up on it.
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

// Record writes one change after the fact. A failure is logged, not
// shown: the change itself has been made in Graph. Prefer Begin, which
// records the change before it is sent.
func (l *ActivityLog) Record(ctx context.Context, sess *auth.Session, resource, id, action, requestID string, changes []byte) {
	_, err := l.store.AddActivity(context.WithoutCancel(ctx), store.Activity{
		Resource: resource, ResourceID: id, Action: action, ActorID: sess.UserID, ActorName: sess.UserPrincipalName,
		At: l.clock.Now(), RequestID: requestID, Changes: changes, State: store.ActivityDone,
	})
	if err != nil {
		l.log.Error("record activity", "resource", resource, "id", id, "err", err)
	}
}

// Intent is a change recorded before it was sent.
type Intent struct {
	l                    *ActivityLog
	a                    store.Activity
	resource, id, action string
	flags                *changeFlags
}

// Begin records that sess is about to send a change (pending), with what
// it asks for (asked: the Changes JSON, which the Reconciler reads). Call
// Done or Fail with Graph's answer; they also tell the page serving ctx
// what became of its change (so that a form that changed something is
// never offered or released to be sent again).
func (l *ActivityLog) Begin(ctx context.Context, sess *auth.Session, resource, id, action string, asked []byte) *Intent {
	in := &Intent{l: l, resource: resource, id: id, action: action, flags: pageChanges(ctx)}
	a, err := l.store.AddActivity(context.WithoutCancel(ctx), store.Activity{
		Resource: resource, ResourceID: id, Action: action, ActorID: sess.UserID, ActorName: sess.UserPrincipalName,
		At: l.clock.Now(), Changes: asked, State: store.ActivityPending,
	})
	if err != nil {
		// The change goes ahead (Graph is the record of truth); Done then
		// writes the entry after the fact.
		l.log.Error("record the intent of a change", "resource", resource, "id", id, "request_id", RequestID(ctx), "err", err)
		a = store.Activity{Resource: resource, ResourceID: id, Action: action, ActorID: sess.UserID, ActorName: sess.UserPrincipalName,
			At: l.clock.Now(), Changes: asked}
	}
	in.a = a
	return in
}

// Done records that Graph applied the change, with its request-id and
// what changed (nil keeps what was asked for).
func (in *Intent) Done(ctx context.Context, requestID string, changes []byte) {
	if in.flags != nil {
		in.flags.applied.Store(true)
	}
	in.settle(ctx, store.ActivityDone, requestID, changes)
}

// Fail records Graph's answer to a change that failed: when Graph refused
// it (an answer 400–499, or the client refused to send it), the change
// was not applied and the entry says so; otherwise (no answer: a timeout,
// a lost connection; or a 5xx, after which the change may have been made)
// the entry stays pending for the Reconciler.
func (in *Intent) Fail(ctx context.Context, err error) {
	if refused(err) {
		in.settle(ctx, store.ActivityFailed, "", nil)
		return
	}
	if in.flags != nil {
		in.flags.uncertain.Store(true)
	}
	in.l.log.Warn("a change's outcome is unknown; it stays pending until reconciled", "resource", in.resource, "id", in.id,
		"action", in.action, "activity_id", in.a.ID, "request_id", RequestID(ctx), "err", err)
}

func (in *Intent) settle(ctx context.Context, state, requestID string, changes []byte) {
	ctx = context.WithoutCancel(ctx)
	if in.a.ID == 0 {
		// Begin could not record the intent: record the outcome now.
		a := in.a
		a.State, a.RequestID = state, requestID
		if changes != nil {
			a.Changes = changes
		}
		if _, err := in.l.store.AddActivity(ctx, a); err != nil {
			in.l.log.Error("record activity", "resource", in.resource, "id", in.id, "err", err)
		}
		return
	}
	if err := in.l.store.UpdateActivity(ctx, in.a.ID, state, requestID, changes); err != nil {
		in.l.log.Error("record a change's outcome", "resource", in.resource, "id", in.id, "activity_id", in.a.ID, "err", err)
	}
}

// refused reports an error after which a change was certainly not
// applied: Graph answered 400–499 (not 408), or the request was never
// sent (graphsec refused the input, or had no token to send it with).
func refused(err error) bool {
	var ge *graph.Error
	if errors.As(err, &ge) {
		return ge.StatusCode >= 400 && ge.StatusCode < 500 && ge.StatusCode != http.StatusRequestTimeout
	}
	var te *graph.TokenError
	return errors.Is(err, graph.ErrInvalidArgument) || errors.As(err, &te)
}

// ActivityEntry is one line of a resource's activity, as pages show it.
// Action names its label ("activity."+Action: update, comment).
type ActivityEntry struct {
	At        time.Time
	Actor     string
	Action    string
	Changes   []ActivityChange
	RequestID string
	// State is store.ActivityDone, or ActivityPending (not confirmed
	// yet), ActivityFailed (not applied) or ActivityUnknown (could not be
	// confirmed).
	State string
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
		e := ActivityEntry{At: a.At, Actor: a.ActorName, Action: a.Action, RequestID: a.RequestID, State: store.ActivityState(a.State)}
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
