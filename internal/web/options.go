package web

// choice is one option of a select: the value Graph uses and the label
// people read.
type choice struct{ Value, Label string }

// The choices of the alerts_v2 filters and update forms, in the order the
// Defender portal shows them. Values are Graph's enum members.
var (
	severityChoices = []choice{{"high", "High"}, {"medium", "Medium"}, {"low", "Low"}, {"informational", "Informational"}, {"unknown", "Unknown"}}
	statusChoices   = []choice{{"new", "New"}, {"inProgress", "In progress"}, {"resolved", "Resolved"}}
	classChoices    = []choice{{"unknown", "Not set"}, {"truePositive", "True positive"}, {"informationalExpectedActivity", "Informational, expected activity"}, {"falsePositive", "False positive"}}
	determChoices   = []choice{
		{"unknown", "Not set"}, {"apt", "Advanced persistent threat"}, {"malware", "Malware"}, {"securityPersonnel", "Security personnel"},
		{"securityTesting", "Security testing"}, {"unwantedSoftware", "Unwanted software"}, {"multiStagedAttack", "Multi-staged attack"},
		{"compromisedAccount", "Compromised account"}, {"phishing", "Phishing"}, {"maliciousUserActivity", "Malicious user activity"},
		{"notMalicious", "Not malicious"}, {"notEnoughDataToValidate", "Not enough data to validate"}, {"confirmedActivity", "Confirmed activity"},
		{"lineOfBusinessApplication", "Line-of-business application"}, {"other", "Other"},
	}
	sourceChoices = []choice{
		{"microsoftDefenderForEndpoint", "Defender for Endpoint"}, {"microsoftDefenderForIdentity", "Defender for Identity"},
		{"microsoftDefenderForCloudApps", "Defender for Cloud Apps"}, {"microsoftDefenderForOffice365", "Defender for Office 365"},
		{"microsoft365Defender", "Microsoft Defender XDR"}, {"azureAdIdentityProtection", "Entra ID Protection"},
		{"microsoftAppGovernance", "App governance"}, {"dataLossPrevention", "Data loss prevention"},
		{"microsoftDefenderForCloud", "Defender for Cloud"}, {"microsoftSentinel", "Microsoft Sentinel"},
		{"microsoftInsiderRiskManagement", "Insider Risk Management"}, {"microsoftThreatIntelligence", "Threat Intelligence"},
		{"microsoftSecurityForAI", "Security for AI"},
	}
	// categoryChoices are the MITRE ATT&CK tactics alerts_v2 uses as
	// category, plus the portal's own.
	categoryChoices = []choice{
		{"InitialAccess", "Initial access"}, {"Execution", "Execution"}, {"Persistence", "Persistence"},
		{"PrivilegeEscalation", "Privilege escalation"}, {"DefenseEvasion", "Defense evasion"}, {"CredentialAccess", "Credential access"},
		{"Discovery", "Discovery"}, {"LateralMovement", "Lateral movement"}, {"Collection", "Collection"},
		{"CommandAndControl", "Command and control"}, {"Exfiltration", "Exfiltration"}, {"Impact", "Impact"},
		{"Malware", "Malware"}, {"SuspiciousActivity", "Suspicious activity"}, {"UnwantedSoftware", "Unwanted software"},
		{"Ransomware", "Ransomware"}, {"Exploit", "Exploit"},
	}
	topChoices  = []int{10, 25, 50, 100, 200}
	sortChoices = []choice{
		{"", "Newest first (service default)"}, {"createdDateTime desc", "Created, newest first"}, {"createdDateTime asc", "Created, oldest first"},
		{"lastUpdateDateTime desc", "Updated, newest first"}, {"lastUpdateDateTime asc", "Updated, oldest first"},
		{"severity desc", "Severity, highest first"},
	}
)

// has reports whether v is one of the choices' values.
func has(cs []choice, v string) bool {
	for _, c := range cs {
		if c.Value == v {
			return true
		}
	}
	return false
}

// label returns the label of v, or v itself for a value graphsec does not
// know (Graph adds enum members over time; they are shown as they come).
func label(cs []choice, v string) string {
	for _, c := range cs {
		if c.Value == v {
			return c.Label
		}
	}
	return v
}
