package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/store"
)

// field is one named value shown in a before/after comparison.
type field struct {
	Name  string
	Value string
}

// compareRow is one line of a before/after table.
type compareRow struct {
	Name, Before, After string
	Changed             bool
}

// compareView shows what a change did: the request that was sent and the
// resource before and after it, side by side, changed fields highlighted.
type compareView struct {
	Heading string
	Request *restView
	// Status and RequestID are Graph's answer to the change.
	Status    int
	RequestID string
	Rows      []compareRow
	// Back links to the resource's page.
	Back, BackLabel string
}

// compareFields lines up two lists of fields by name (the order of before,
// then fields only after has).
func compareFields(before, after []field) []compareRow {
	var rows []compareRow
	seen := map[string]bool{}
	find := func(list []field, name string) string {
		for _, f := range list {
			if f.Name == name {
				return f.Value
			}
		}
		return ""
	}
	for _, f := range before {
		seen[f.Name] = true
		a := find(after, f.Name)
		rows = append(rows, compareRow{Name: f.Name, Before: f.Value, After: a, Changed: f.Value != a})
	}
	for _, f := range after {
		if !seen[f.Name] {
			rows = append(rows, compareRow{Name: f.Name, After: f.Value, Changed: f.Value != ""})
		}
	}
	return rows
}

// joinList formats a list value for a comparison.
func joinList(vs []string) string { return strings.Join(vs, "; ") }

// fmtTime formats an optional time for a comparison.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// activityChanges records, as JSON, the fields a change touched:
// {"status":{"from":"new","to":"resolved"}}.
func activityChanges(rows []compareRow) []byte {
	m := map[string]map[string]string{}
	for _, r := range rows {
		if r.Changed {
			m[r.Name] = map[string]string{"from": r.Before, "to": r.After}
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// record writes one change to the activity log. A failure is logged, not
// shown: the change itself has been made in Graph.
func (s *Server) record(ctx context.Context, sess *auth.Session, resource, id, action, requestID string, changes []byte) {
	_, err := s.o.Store.AddActivity(context.WithoutCancel(ctx), store.Activity{
		Resource: resource, ResourceID: id, Action: action, ActorID: sess.UserID, ActorName: sess.UserPrincipalName,
		At: s.o.Clock.Now(), RequestID: requestID, Changes: changes,
	})
	if err != nil {
		s.log.Error("record activity", "resource", resource, "id", id, "err", err)
	}
}

// activityEntry is one line of a resource's activity, as pages show it.
type activityEntry struct {
	At        time.Time
	Actor     string
	Action    string
	Summary   []string
	RequestID string
}

// activity lists what analysts did to a resource through graphsec, newest
// first.
func (s *Server) activity(ctx context.Context, resource, id string) ([]activityEntry, error) {
	list, err := s.o.Store.ListActivity(ctx, resource, id, 50)
	if err != nil {
		return nil, err
	}
	out := make([]activityEntry, 0, len(list))
	for _, a := range list {
		e := activityEntry{At: a.At, Actor: a.ActorName, Action: a.Action, RequestID: a.RequestID}
		var m map[string]any
		if json.Unmarshal(a.Changes, &m) == nil {
			keys := make([]string, 0, len(m))
			for k := range m {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				switch v := m[k].(type) {
				case map[string]any:
					e.Summary = append(e.Summary, fmt.Sprintf("%s: %v → %v", k, orNone(v["from"]), orNone(v["to"])))
				default:
					e.Summary = append(e.Summary, fmt.Sprintf("%s: %v", k, v))
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

func orNone(v any) any {
	if s, ok := v.(string); ok && s == "" {
		return "(none)"
	}
	return v
}

// renderCompare shows the result of a change.
func (s *Server) renderCompare(w http.ResponseWriter, r *http.Request, sess *auth.Session, nav string, v compareView) {
	p := s.newPage(w, r, sess, "compare", v.Heading, nav)
	p.render(http.StatusOK, v)
}
