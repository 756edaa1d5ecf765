package alerts

import (
	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/web/page"
)

// choices are the values the alerts pages' selects and checkboxes offer,
// built once from the graph package's enum members: a member the graph
// package learns appears here without a change. Their labels are the
// page's, in its language. Classifications and determinations are grouped
// as the Defender portal groups them by the page kit (page.TriageOptions),
// which the incident pages share.
type choices struct {
	severity, status, source, class, determ, category []string
	tops                                              []int
}

func newChoices() choices {
	return choices{
		severity: page.Severities(),
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
		tops: []int{10, 25, 50, 100, 200},
	}
}
