package page

import (
	"slices"
	"testing"

	"github.com/graphsec/graphsec/graph"
)

// Every determination the client knows is in one group, once: the triage
// select offers each of them under the classification it explains.
func TestDeterminationGroupsCoverTheClient(t *testing.T) {
	var grouped []string
	for _, g := range DeterminationGroups() {
		grouped = append(grouped, Strings(g.Values)...)
	}
	slices.Sort(grouped)
	want := Strings(graph.AlertDeterminations())
	slices.Sort(want)
	if !slices.Equal(grouped, want) {
		t.Errorf("grouped determinations %v, want %v", grouped, want)
	}
}

func TestDeterminationFits(t *testing.T) {
	for _, tt := range []struct {
		cl, d string
		fits  bool
	}{
		{"truePositive", "malware", true},
		{"truePositive", "securityTesting", false},
		{"falsePositive", "notMalicious", true},
		{"falsePositive", "malware", false},
		{"informationalExpectedActivity", "other", true},
		{"unknown", "malware", false},
		{"unknown", "unknown", true},
		{"truePositive", "", true},
		{"someNewClassification", "malware", true},
	} {
		if got := DeterminationFits(tt.cl, tt.d); got != tt.fits {
			t.Errorf("DeterminationFits(%s, %s) = %v, want %v", tt.cl, tt.d, got, tt.fits)
		}
	}
	if err := CheckTriage(graph.AlertClassificationFalsePositive, graph.AlertDeterminationMalware); err == nil {
		t.Error("false positive: malware passes")
	}
}
