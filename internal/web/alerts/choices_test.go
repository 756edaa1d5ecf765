package alerts

import (
	"slices"
	"testing"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// The forms offer the graph package's members: a member the client learns
// appears without a change here.
func TestChoicesComeFromTheClient(t *testing.T) {
	c := newChoices()
	for _, tt := range []struct {
		name    string
		got     []page.Choice
		members []string
		omitted []string
	}{
		{"severity", c.severity, stringsOf(graph.AlertSeverities()), nil},
		{"status", c.status, stringsOf(graph.AlertStatuses()), []string{"unknown"}},
		{"source", c.source, stringsOf(graph.ServiceSources()), []string{"unknown"}},
		{"classification", c.class, stringsOf(graph.AlertClassifications()), nil},
		{"determination", c.determ, stringsOf(graph.AlertDeterminations()), nil},
	} {
		want := slices.DeleteFunc(tt.members, func(m string) bool { return slices.Contains(tt.omitted, m) })
		got := page.Values(tt.got)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s choices %v, want the client's members %v", tt.name, got, want)
		}
	}
	if page.Values(c.severity)[0] != "high" {
		t.Errorf("severity is not most severe first: %v", page.Values(c.severity))
	}
	// Every determination is in a group, once.
	var grouped []string
	for _, g := range c.determGroups {
		grouped = append(grouped, stringsOf(g.values)...)
	}
	slices.Sort(grouped)
	want := stringsOf(graph.AlertDeterminations())
	slices.Sort(want)
	if !slices.Equal(grouped, want) {
		t.Errorf("grouped determinations %v, want %v", grouped, want)
	}
}
