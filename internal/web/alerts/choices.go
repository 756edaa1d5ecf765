package alerts

import (
	"slices"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// choices are the alerts pages' selects and checkboxes, built once from
// the graph package's enum members (values) and the kit's labels. A
// member the graph package learns appears here without a change.
type choices struct {
	severity, status, source, class, determ, category, sort []page.Choice
	// determGroups lists the determinations under the classification
	// they explain (see determinationGroups).
	determGroups []determGroup
	tops         []int
}

func newChoices() choices {
	sev := graph.AlertSeverities()
	slices.Reverse(sev) // most severe first
	return choices{
		severity: page.EnumChoices(sev, page.SeverityLabel),
		// Nobody sets or looks for the "unknown" status or source.
		status: page.EnumChoices(page.Without(graph.AlertStatuses(), graph.AlertStatusUnknown), page.AlertStatusLabel),
		source: page.EnumChoices(page.Without(graph.ServiceSources(), graph.ServiceSourceUnknown), page.ServiceSourceLabel),
		class:  page.EnumChoices(graph.AlertClassifications(), page.ClassificationLabel),
		determ: page.EnumChoices(graph.AlertDeterminations(), page.DeterminationLabel),
		// category is a string, not an enum: alerts_v2 uses the MITRE
		// ATT&CK tactics and a few of the portal's own.
		category: []page.Choice{
			{Value: "InitialAccess", Label: "Initial access"}, {Value: "Execution", Label: "Execution"}, {Value: "Persistence", Label: "Persistence"},
			{Value: "PrivilegeEscalation", Label: "Privilege escalation"}, {Value: "DefenseEvasion", Label: "Defense evasion"},
			{Value: "CredentialAccess", Label: "Credential access"}, {Value: "Discovery", Label: "Discovery"},
			{Value: "LateralMovement", Label: "Lateral movement"}, {Value: "Collection", Label: "Collection"},
			{Value: "CommandAndControl", Label: "Command and control"}, {Value: "Exfiltration", Label: "Exfiltration"},
			{Value: "Impact", Label: "Impact"}, {Value: "Malware", Label: "Malware"}, {Value: "SuspiciousActivity", Label: "Suspicious activity"},
			{Value: "UnwantedSoftware", Label: "Unwanted software"}, {Value: "Ransomware", Label: "Ransomware"}, {Value: "Exploit", Label: "Exploit"},
		},
		sort: []page.Choice{
			{Value: "", Label: "Newest first (service default)"}, {Value: "createdDateTime desc", Label: "Created, newest first"},
			{Value: "createdDateTime asc", Label: "Created, oldest first"}, {Value: "lastUpdateDateTime desc", Label: "Updated, newest first"},
			{Value: "lastUpdateDateTime asc", Label: "Updated, oldest first"}, {Value: "severity desc", Label: "Severity, highest first"},
		},
		determGroups: determinationGroups(),
		tops:         []int{10, 25, 50, 100, 200},
	}
}

// determGroup is the determinations that explain one classification.
type determGroup struct {
	class  graph.AlertClassification // "" for the group that fits any
	label  string
	values []graph.AlertDetermination
}

// determinationGroups pairs determinations with the classification they
// explain, as the Defender portal offers them (Graph gives the members;
// the pairing is the portal's). "other" and "unknown" fit any
// classification.
func determinationGroups() []determGroup {
	return []determGroup{
		{graph.AlertClassificationTruePositive, page.ClassificationLabel(graph.AlertClassificationTruePositive), []graph.AlertDetermination{
			graph.AlertDeterminationMultiStagedAttack, graph.AlertDeterminationMaliciousUserActivity, graph.AlertDeterminationCompromisedAccount,
			graph.AlertDeterminationMalware, graph.AlertDeterminationPhishing, graph.AlertDeterminationUnwantedSoftware, graph.AlertDeterminationApt}},
		{graph.AlertClassificationInformationalExpectedActivity, page.ClassificationLabel(graph.AlertClassificationInformationalExpectedActivity), []graph.AlertDetermination{
			graph.AlertDeterminationSecurityTesting, graph.AlertDeterminationLineOfBusinessApplication, graph.AlertDeterminationConfirmedActivity,
			graph.AlertDeterminationSecurityPersonnel}},
		{graph.AlertClassificationFalsePositive, page.ClassificationLabel(graph.AlertClassificationFalsePositive), []graph.AlertDetermination{
			graph.AlertDeterminationNotMalicious, graph.AlertDeterminationNotEnoughDataToValidate}},
		{"", "Any classification", []graph.AlertDetermination{graph.AlertDeterminationOther, graph.AlertDeterminationUnknown}},
	}
}

// determinationOptions lists the determinations grouped under the
// classification they explain, so the choice fits the classification even
// without script.
func (c choices) determinationOptions(selected string) []page.ChoiceGroup {
	groups := make([]page.ChoiceGroup, 0, len(c.determGroups))
	for _, g := range c.determGroups {
		groups = append(groups, page.ChoiceGroup{Label: g.label,
			Choices: page.EnumChoices(g.values, page.DeterminationLabel, graph.AlertDetermination(selected))})
	}
	return groups
}

// determinationFits reports whether determination d explains
// classification cl. A classification graphsec does not know (a member
// Graph added later) is not second-guessed.
func (c choices) determinationFits(cl, d string) bool {
	if d == "" || d == string(graph.AlertDeterminationUnknown) || !page.Has(c.class, cl) {
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

// fittingDeterminations names the determinations that fit cl, for the
// message that explains a mismatch.
func (c choices) fittingDeterminations(cl string) []string {
	var names []string
	for _, g := range c.determGroups {
		if string(g.class) != cl && g.class != "" {
			continue
		}
		for _, d := range g.values {
			if cl == string(graph.AlertClassificationUnknown) && d != graph.AlertDeterminationUnknown {
				continue
			}
			names = append(names, page.DeterminationLabel(d)+" ("+string(d)+")")
		}
	}
	return names
}
