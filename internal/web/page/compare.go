package page

import (
	"encoding/json"
	"strings"

	"github.com/graphsec/graphsec/graph"
)

// Field is one property of a resource as a comparison, a panel or the
// activity log sees it: Graph's property name (Prop, which names its label,
// "prop."+Prop), the value as Graph sent it (Raw: compared, recorded, shown
// on hover) and as people read it in the page's language (Text; "" shows
// Raw).
type Field struct {
	Prop, Raw, Text string
}

// Shown is what a page shows of the value: Text, or Raw when it has none.
func (f Field) Shown() string {
	if f.Text != "" {
		return f.Text
	}
	return f.Raw
}

// Hover is the raw value for a title attribute when the page shows a label
// for it, and nothing when the raw value is what is shown.
func (f Field) Hover() string {
	if f.Text == "" || f.Text == f.Raw {
		return ""
	}
	return f.Raw
}

// CompareRow is one line of a before/after table.
type CompareRow struct {
	Prop          string
	Before, After Field
	Changed       bool
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

// CompareFields lines up two lists of fields by property (the order of
// before, then the fields only after has). A row has changed when the raw
// values differ: two changes within one second differ even where the page
// shows times to the second.
func CompareFields(before, after []Field) []CompareRow {
	var rows []CompareRow
	seen := map[string]bool{}
	find := func(list []Field, prop string) Field {
		for _, f := range list {
			if f.Prop == prop {
				return f
			}
		}
		return Field{Prop: prop}
	}
	for _, f := range before {
		seen[f.Prop] = true
		a := find(after, f.Prop)
		rows = append(rows, CompareRow{Prop: f.Prop, Before: f, After: a, Changed: f.Raw != a.Raw})
	}
	for _, f := range after {
		if !seen[f.Prop] {
			rows = append(rows, CompareRow{Prop: f.Prop, Before: Field{Prop: f.Prop}, After: f, Changed: f.Raw != ""})
		}
	}
	return rows
}

// ChangedRows keeps the rows that changed.
func ChangedRows(rows []CompareRow) []CompareRow {
	var out []CompareRow
	for _, r := range rows {
		if r.Changed {
			out = append(out, r)
		}
	}
	return out
}

// JoinList formats a list value in one field.
func JoinList(vs []string) string { return strings.Join(vs, "; ") }

// Changes records, as JSON for the activity log, the raw values of the
// fields a change touched: {"status":{"from":"new","to":"resolved"}}.
func Changes(rows []CompareRow) []byte {
	m := map[string]map[string]string{}
	for _, r := range rows {
		if r.Changed {
			m[r.Prop] = map[string]string{"from": r.Before.Raw, "to": r.After.Raw}
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
