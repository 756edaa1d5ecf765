package alerts

import (
	"slices"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

// choices are the values the alerts pages' selects and checkboxes offer,
// built once from the graph package's enum members: a member the graph
// package learns appears here without a change. Their labels are the
// page's, in its language (the options methods).
type choices struct {
	severity, status, source, class, determ, category []string
	// determGroups lists the determinations under the classification
	// they explain (see determinationGroups).
	determGroups []determGroup
	tops         []int
}

func newChoices() choices {
	sev := graph.AlertSeverities()
	slices.Reverse(sev) // most severe first
	return choices{
		// Nobody looks for the "unknown" severity either.
		severity: page.Strings(page.Without(sev, graph.AlertSeverityUnknown)),
		// Nobody sets or looks for the "unknown" status or source.
		status: page.Strings(page.Without(graph.AlertStatuses(), graph.AlertStatusUnknown)),
		source: page.Strings(page.Without(graph.ServiceSources(), graph.ServiceSourceUnknown)),
		class:  page.Strings(graph.AlertClassifications()),
		determ: page.Strings(graph.AlertDeterminations()),
		// category is a string, not an enum: alerts_v2 uses the MITRE
		// ATT&CK tactics and a few of the portal's own.
		category: []string{"InitialAccess", "Execution", "Persistence", "PrivilegeEscalation", "DefenseEvasion", "CredentialAccess",
			"Discovery", "LateralMovement", "Collection", "CommandAndControl", "Exfiltration", "Impact", "Malware",
			"SuspiciousActivity", "UnwantedSoftware", "Ransomware", "Exploit"},
		determGroups: determinationGroups(),
		tops:         []int{10, 25, 50, 100, 200},
	}
}

// determGroup is the determinations that explain one classification.
type determGroup struct {
	class  graph.AlertClassification // "" for the group that fits any
	values []graph.AlertDetermination
}

// determinationGroups pairs determinations with the classification they
// explain, as the Defender portal offers them (Graph gives the members;
// the pairing is the portal's). "other" and "unknown" fit any
// classification.
func determinationGroups() []determGroup {
	return []determGroup{
		{graph.AlertClassificationTruePositive, []graph.AlertDetermination{
			graph.AlertDeterminationMultiStagedAttack, graph.AlertDeterminationMaliciousUserActivity, graph.AlertDeterminationCompromisedAccount,
			graph.AlertDeterminationMalware, graph.AlertDeterminationPhishing, graph.AlertDeterminationUnwantedSoftware, graph.AlertDeterminationApt}},
		{graph.AlertClassificationInformationalExpectedActivity, []graph.AlertDetermination{
			graph.AlertDeterminationSecurityTesting, graph.AlertDeterminationLineOfBusinessApplication, graph.AlertDeterminationConfirmedActivity,
			graph.AlertDeterminationSecurityPersonnel}},
		{graph.AlertClassificationFalsePositive, []graph.AlertDetermination{
			graph.AlertDeterminationNotMalicious, graph.AlertDeterminationNotEnoughDataToValidate}},
		{"", []graph.AlertDetermination{graph.AlertDeterminationOther, graph.AlertDeterminationUnknown}},
	}
}

// determinationOptions lists the determinations grouped under the
// classification they explain, so the choice fits the classification even
// without script (the manage page's select).
func (c choices) determinationOptions(L *i18n.Printer, selected string) []page.ChoiceGroup {
	groups := make([]page.ChoiceGroup, 0, len(c.determGroups))
	for _, g := range c.determGroups {
		label := L.T("triage.anyClassification")
		if g.class != "" {
			label = L.Label(g.class)
		}
		groups = append(groups, page.ChoiceGroup{Label: label, Choices: page.EnumChoices(L, g.values, selected)})
	}
	return groups
}

// triageSep joins a classification and a determination in the value of
// the triage pane's one select ("truePositive:malware").
const triageSep = ":"

// triageOptions is the triage pane's classification select as the
// Defender portal's: "Not set", then each classification with the
// determinations that explain it (and "Other"), one choice each.
func (c choices) triageOptions(L *i18n.Printer, selected string) []page.ChoiceGroup {
	unknown := string(graph.AlertClassificationUnknown) + triageSep + string(graph.AlertDeterminationUnknown)
	groups := []page.ChoiceGroup{{Choices: []page.Choice{{Value: unknown, Label: L.Label(graph.AlertClassificationUnknown), Selected: selected == unknown}}}}
	for _, g := range c.determGroups {
		if g.class == "" {
			continue
		}
		dets := append(slices.Clone(g.values), graph.AlertDeterminationOther)
		cs := make([]page.Choice, len(dets))
		for i, d := range dets {
			v := string(g.class) + triageSep + string(d)
			// The closed select shows the option alone: it names both.
			cs[i] = page.Choice{Value: v, Label: L.T("triage.pair", "classification", g.class, "determination", d), Selected: v == selected}
		}
		groups = append(groups, page.ChoiceGroup{Label: L.Label(g.class), Choices: cs})
	}
	return groups
}

// determinationFits reports whether determination d explains
// classification cl. A classification graphsec does not know (a member
// Graph added later) is not second-guessed.
func (c choices) determinationFits(cl, d string) bool {
	if d == "" || d == string(graph.AlertDeterminationUnknown) || !slices.Contains(c.class, cl) {
		return true
	}
	if cl == string(graph.AlertClassificationUnknown) {
		return false
	}
	if d == string(graph.AlertDeterminationOther) {
		return true
	}
	for _, g := range c.determGroups {
		if string(g.class) == cl {
			return slices.Contains(g.values, graph.AlertDetermination(d))
		}
	}
	return false
}

// fittingDeterminations lists the determinations that fit cl, for the
// message that explains a mismatch.
func (c choices) fittingDeterminations(cl string) []graph.AlertDetermination {
	var out []graph.AlertDetermination
	for _, g := range c.determGroups {
		if string(g.class) != cl && g.class != "" {
			continue
		}
		for _, d := range g.values {
			if cl == string(graph.AlertClassificationUnknown) && d != graph.AlertDeterminationUnknown {
				continue
			}
			out = append(out, d)
		}
	}
	return out
}
