package model

import "github.com/graphsec/graphsec/emulator/odata"

// enumDef is one row of the enum table: the key under which Schema.Enums
// holds it, its qualified CSDL name, and its members in CSDL order.
type enumDef struct {
	key     string
	name    string
	members []string
}

const ufv = odata.UnknownFutureValue

// enumTable lists every enum the emulator serves, copied member by member
// from graph-api-facts.md (the v1.0 CSDL, which wins where the docs
// disagree). Keys of legacy (microsoft.graph) enums are their CSDL names;
// keys of microsoft.graph.security enums carry a "security." prefix so
// that the two alertStatus and alertSeverity enums cannot be confused.
//
// Every legacy enum ends with unknownFutureValue, as the CSDL declares it.
// Members after unknownFutureValue are evolvable and kept exactly as the
// facts list them, so include-unknown-enum-members can be emulated.
var enumTable = []enumDef{
	// §1, legacy alerts (microsoft.graph).
	{"alertStatus", "microsoft.graph.alertStatus", []string{"unknown", "newAlert", "inProgress", "resolved", "dismissed", ufv}},
	{"alertFeedback", "microsoft.graph.alertFeedback", []string{"unknown", "truePositive", "falsePositive", "benignPositive", ufv}},
	{"alertSeverity", "microsoft.graph.alertSeverity", []string{"unknown", "informational", "low", "medium", "high", ufv}},
	{"emailRole", "microsoft.graph.emailRole", []string{"unknown", "sender", "recipient", ufv}},
	{"logonType", "microsoft.graph.logonType", []string{"unknown", "interactive", "remoteInteractive", "network", "batch", "service", ufv}},
	{"userAccountSecurityType", "microsoft.graph.userAccountSecurityType", []string{"unknown", "standard", "power", "administrator", ufv}},
	{"connectionDirection", "microsoft.graph.connectionDirection", []string{"unknown", "inbound", "outbound", ufv}},
	{"connectionStatus", "microsoft.graph.connectionStatus", []string{"unknown", "attempted", "succeeded", "blocked", "failed", ufv}},
	{"processIntegrityLevel", "microsoft.graph.processIntegrityLevel", []string{"unknown", "untrusted", "low", "medium", "high", "system", ufv}},
	{"fileHashType", "microsoft.graph.fileHashType", []string{"unknown", "sha1", "sha256", "md5", "authenticodeHash256", "lsHash", "ctph", ufv}},
	{"registryHive", "microsoft.graph.registryHive", []string{"unknown", "currentConfig", "currentUser", "localMachineSam", "localMachineSecurity", "localMachineSoftware", "localMachineSystem", "usersDefault", ufv}},
	{"registryOperation", "microsoft.graph.registryOperation", []string{"unknown", "create", "modify", "delete", ufv}},
	{"registryValueType", "microsoft.graph.registryValueType", []string{"unknown", "binary", "dword", "dwordLittleEndian", "dwordBigEndian", "expandSz", "link", "multiSz", "none", "qword", "qwordlittleEndian", "sz", ufv}},
	{"securityResourceType", "microsoft.graph.securityResourceType", []string{"unknown", "attacked", "related", ufv}},
	{"securityNetworkProtocol", "microsoft.graph.securityNetworkProtocol", []string{"unknown", "ip", "icmp", "igmp", "ggp", "ipv4", "tcp", "pup", "udp", "idp", "ipv6", "ipv6RoutingHeader", "ipv6FragmentHeader", "ipSecEncapsulatingSecurityPayload", "ipSecAuthenticationHeader", "icmpV6", "ipv6NoNextHeader", "ipv6DestinationOptions", "nd", "raw", "ipx", "spx", "spxII", ufv}},

	// §2 and §3, alerts_v2, evidence and incidents (microsoft.graph.security).
	{"security.alertStatus", "microsoft.graph.security.alertStatus", []string{"unknown", "new", "inProgress", "resolved", ufv}},
	{"security.alertSeverity", "microsoft.graph.security.alertSeverity", []string{"unknown", "informational", "low", "medium", "high", ufv}},
	{"security.alertClassification", "microsoft.graph.security.alertClassification", []string{"unknown", "falsePositive", "truePositive", "informationalExpectedActivity", ufv}},
	{"security.alertDetermination", "microsoft.graph.security.alertDetermination", []string{"unknown", "apt", "malware", "securityPersonnel", "securityTesting", "unwantedSoftware", "other", "multiStagedAttack", "compromisedAccount", "phishing", "maliciousUserActivity", "notMalicious", "notEnoughDataToValidate", "confirmedActivity", "lineOfBusinessApplication", ufv}},
	{"security.serviceSource", "microsoft.graph.security.serviceSource", []string{"unknown", "microsoftDefenderForEndpoint", "microsoftDefenderForIdentity", "microsoftDefenderForCloudApps", "microsoftDefenderForOffice365", "microsoft365Defender", "azureAdIdentityProtection", "microsoftAppGovernance", "dataLossPrevention", ufv,
		"microsoftDefenderForCloud", "microsoftSentinel", "microsoftInsiderRiskManagement", "microsoftThreatIntelligence", "microsoftSecurityForAI"}},
	{"security.detectionSource", "microsoft.graph.security.detectionSource", []string{"unknown", "microsoftDefenderForEndpoint", "antivirus", "smartScreen", "customTi", "microsoftDefenderForOffice365", "automatedInvestigation", "microsoftThreatExperts", "customDetection", "microsoftDefenderForIdentity", "cloudAppSecurity", "microsoft365Defender", "azureAdIdentityProtection", "manual", "microsoftDataLossPrevention", "appGovernancePolicy", "appGovernanceDetection", ufv,
		"microsoftDefenderForCloud", "microsoftDefenderForIoT", "microsoftDefenderForServers", "microsoftDefenderForStorage", "microsoftDefenderForDNS", "microsoftDefenderForDatabases", "microsoftDefenderForContainers", "microsoftDefenderForNetwork", "microsoftDefenderForAppService", "microsoftDefenderForKeyVault", "microsoftDefenderForResourceManager", "microsoftDefenderForApiManagement", "nrtAlerts", "scheduledAlerts", "microsoftDefenderThreatIntelligenceAnalytics", "builtInMl", "microsoftInsiderRiskManagement", "microsoftThreatIntelligence", "microsoftDefenderForAIServices", "securityCopilot", "microsoftSentinel"}},
	{"security.investigationState", "microsoft.graph.security.investigationState", []string{"unknown", "terminated", "successfullyRemediated", "benign", "failed", "partiallyRemediated", "running", "pendingApproval", "pendingResource", "queued", "innerFailure", "preexistingAlert", "unsupportedOs", "unsupportedAlertType", "suppressedAlert", "partiallyInvestigated", "terminatedByUser", "terminatedBySystem", ufv}},
	{"security.evidenceVerdict", "microsoft.graph.security.evidenceVerdict", []string{"unknown", "suspicious", "malicious", "noThreatsFound", ufv}},
	{"security.evidenceRemediationStatus", "microsoft.graph.security.evidenceRemediationStatus", []string{"none", "remediated", "prevented", "blocked", "notFound", ufv,
		"active", "pendingApproval", "declined", "unremediated", "running", "partiallyRemediated"}},
	{"security.evidenceRole", "microsoft.graph.security.evidenceRole", []string{"unknown", "contextual", "scanned", "source", "destination", "created", "added", "compromised", "edited", "attacked", "attacker", "commandAndControl", "loaded", "suspicious", "policyViolator", ufv}},
	{"security.detectionStatus", "microsoft.graph.security.detectionStatus", []string{"detected", "blocked", "prevented", ufv}},
	{"security.deviceHealthStatus", "microsoft.graph.security.deviceHealthStatus", []string{"active", "inactive", "impairedCommunication", "noSensorData", "noSensorDataImpairedCommunication", "unknown", ufv}},
	{"security.onboardingStatus", "microsoft.graph.security.onboardingStatus", []string{"insufficientInfo", "onboarded", "canBeOnboarded", "unsupported", ufv}},
	{"security.defenderAvStatus", "microsoft.graph.security.defenderAvStatus", []string{"notReporting", "disabled", "notUpdated", "updated", "unknown", "notSupported", ufv}},
	{"security.deviceRiskScore", "microsoft.graph.security.deviceRiskScore", []string{"none", "informational", "low", "medium", "high", ufv}},
	{"security.vmCloudProvider", "microsoft.graph.security.vmCloudProvider", []string{"unknown", "azure", ufv}},
	{"security.protocolType", "microsoft.graph.security.protocolType", []string{"tcp", "udp", ufv}},
	{"security.fileHashAlgorithm", "microsoft.graph.security.fileHashAlgorithm", []string{"unknown", "md5", "sha1", "sha256", "sha256ac", ufv}},
	{"security.incidentStatus", "microsoft.graph.security.incidentStatus", []string{"active", "resolved", "inProgress", "redirected", ufv, "awaitingAction"}},

	// §4.3, beta securityAction. The beta service serialises these in
	// PascalCase; the facts list no unknownFutureValue for it.
	{"operationStatus", "microsoft.graph.operationStatus", []string{"NotStarted", "Running", "Completed", "Failed"}},

	// §6, mail. bodyType and importance are as the facts give them;
	// followupFlagStatus is the CSDL's flag state for message.flag
	// (not in the facts; members chosen from the v1.0 CSDL).
	{"bodyType", "microsoft.graph.bodyType", []string{"text", "html"}},
	{"importance", "microsoft.graph.importance", []string{"low", "normal", "high"}},
	{"followupFlagStatus", "microsoft.graph.followupFlagStatus", []string{"notFlagged", "complete", "flagged"}},
}
