package page

import (
	"testing"

	"github.com/graphsec/graphsec/graph"
)

// Every member the graph package knows has a label: when the client
// learns a member, this fails until labels.go names it for people.
func TestLabelsCoverEveryMember(t *testing.T) {
	check := func(kind string, members []string, label func(string) string) {
		t.Helper()
		for _, m := range members {
			if l := label(m); l == "" || l == m {
				t.Errorf("%s %q has no label", kind, m)
			}
		}
		if label("someFutureMember") != "someFutureMember" {
			t.Errorf("%s: a member without a label is not shown as Graph spells it", kind)
		}
		if label("") != "" {
			t.Errorf("%s: no value has a label", kind)
		}
	}
	check("severity", strs(graph.AlertSeverities()), func(s string) string { return SeverityLabel(graph.AlertSeverity(s)) })
	check("alert status", strs(graph.AlertStatuses()), func(s string) string { return AlertStatusLabel(graph.AlertStatus(s)) })
	check("incident status", strs(graph.IncidentStatuses()), func(s string) string { return IncidentStatusLabel(graph.IncidentStatus(s)) })
	check("classification", strs(graph.AlertClassifications()), func(s string) string { return ClassificationLabel(graph.AlertClassification(s)) })
	check("determination", strs(graph.AlertDeterminations()), func(s string) string { return DeterminationLabel(graph.AlertDetermination(s)) })
	check("service source", strs(graph.ServiceSources()), func(s string) string { return ServiceSourceLabel(graph.ServiceSource(s)) })
	check("legacy status", strs(graph.LegacyAlertStatuses()), func(s string) string { return LegacyStatusLabel(graph.LegacyAlertStatus(s)) })
	check("legacy severity", strs(graph.LegacyAlertSeverities()), func(s string) string { return LegacySeverityLabel(graph.LegacyAlertSeverity(s)) })
	check("legacy feedback", strs(graph.LegacyAlertFeedbacks()), func(s string) string { return LegacyFeedbackLabel(graph.LegacyAlertFeedback(s)) })
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func TestEnumChoices(t *testing.T) {
	cs := EnumChoices(Without(graph.AlertStatuses(), graph.AlertStatusUnknown), AlertStatusLabel, graph.AlertStatusResolved)
	want := []Choice{{"new", "New", false}, {"inProgress", "In progress", false}, {"resolved", "Resolved", true}}
	if len(cs) != len(want) {
		t.Fatalf("choices %v", cs)
	}
	for i := range want {
		if cs[i] != want[i] {
			t.Errorf("choice %d = %+v, want %+v", i, cs[i], want[i])
		}
	}
	if !Has(cs, "new") || Has(cs, "unknown") || Has(cs, graph.UnknownFutureValue) {
		t.Error("Has")
	}
	sel := Select(cs, "new")
	if !sel[0].Selected || sel[2].Selected || !cs[2].Selected {
		t.Error("Select changed its argument or chose wrongly")
	}
}
