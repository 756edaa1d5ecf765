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
		got     []string
		members []string
		omitted []string
	}{
		{"severity", c.severity, page.Strings(graph.AlertSeverities()), []string{"unknown"}},
		{"status", c.status, page.Strings(graph.AlertStatuses()), []string{"unknown"}},
		{"source", c.source, page.Strings(graph.ServiceSources()), []string{"unknown"}},
		{"classification", c.class, page.Strings(graph.AlertClassifications()), nil},
		{"determination", c.determ, page.Strings(graph.AlertDeterminations()), nil},
	} {
		want := slices.DeleteFunc(tt.members, func(m string) bool { return slices.Contains(tt.omitted, m) })
		got := slices.Clone(tt.got)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s choices %v, want the client's members %v", tt.name, got, want)
		}
	}
	if c.severity[0] != "high" {
		t.Errorf("severity is not most severe first: %v", c.severity)
	}
	// Every determination is in a group, once.
	var grouped []string
	for _, g := range c.determGroups {
		grouped = append(grouped, page.Strings(g.values)...)
	}
	slices.Sort(grouped)
	want := page.Strings(graph.AlertDeterminations())
	slices.Sort(want)
	if !slices.Equal(grouped, want) {
		t.Errorf("grouped determinations %v, want %v", grouped, want)
	}
}
