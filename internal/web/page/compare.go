package page

import (
	"encoding/json"
	"strings"

	"github.com/graphsec/graphsec/graph"
)

// Field is one named value of a resource, as a comparison or a panel
// shows it.
type Field struct {
	Name  string
	Value string
}

// CompareRow is one line of a before/after table.
type CompareRow struct {
	Name, Before, After string
	Changed             bool
}

// CompareView shows what a change did ([ComparePage]): the request that
// was sent and the resource before and after it, side by side, changed
// fields highlighted.
type CompareView struct {
	Heading string
	Request *RequestView
	// Status and RequestID are Graph's answer to the change.
	Status    int
	RequestID string
	Rows      []CompareRow
	// Back links to the resource's page.
	Back, BackLabel string
}

// CompareFields lines up two lists of fields by name (the order of before,
// then the fields only after has).
func CompareFields(before, after []Field) []CompareRow {
	var rows []CompareRow
	seen := map[string]bool{}
	find := func(list []Field, name string) string {
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
		rows = append(rows, CompareRow{Name: f.Name, Before: f.Value, After: a, Changed: f.Value != a})
	}
	for _, f := range after {
		if !seen[f.Name] {
			rows = append(rows, CompareRow{Name: f.Name, After: f.Value, Changed: f.Value != ""})
		}
	}
	return rows
}

// JoinList formats a list value in one field.
func JoinList(vs []string) string { return strings.Join(vs, "; ") }

// Changes records, as JSON for the activity log, the fields a change
// touched: {"status":{"from":"new","to":"resolved"}}.
func Changes(rows []CompareRow) []byte {
	m := map[string]map[string]string{}
	for _, r := range rows {
		if r.Changed {
			m[r.Name] = map[string]string{"from": r.Before, "to": r.After}
		}
	}
	b, _ := json.Marshal(m)
	return b
}

// RequestView is a Graph request as a page shows it (the "REST request"
// panel, with a copy button): ID names its elements on the page.
type RequestView struct {
	ID     string
	Method string
	URL    string
	Body   string
}

// Shown is the view of r under id ("list", "patch"), nil for no request.
func Shown(id string, r *graph.Request) *RequestView {
	if r == nil {
		return nil
	}
	return &RequestView{ID: id, Method: r.Method, URL: r.URL, Body: string(r.Body)}
}
