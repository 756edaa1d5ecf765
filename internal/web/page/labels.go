package page

import "github.com/graphsec/graphsec/graph"

// Labels of enum members, as people read them (the Defender portal's
// wording). This file is the one place that names enum members for people:
// the i18n package takes it over later. A member without a label here (one
// Graph added after this was written) is shown as Graph spells it.

// SeverityLabel labels an alert's or incident's severity.
func SeverityLabel(v graph.AlertSeverity) string {
	switch v {
	case graph.AlertSeverityHigh:
		return "High"
	case graph.AlertSeverityMedium:
		return "Medium"
	case graph.AlertSeverityLow:
		return "Low"
	case graph.AlertSeverityInformational:
		return "Informational"
	case graph.AlertSeverityUnknown:
		return "Unknown"
	}
	return string(v)
}

// AlertStatusLabel labels an alert's status.
func AlertStatusLabel(v graph.AlertStatus) string {
	switch v {
	case graph.AlertStatusNew:
		return "New"
	case graph.AlertStatusInProgress:
		return "In progress"
	case graph.AlertStatusResolved:
		return "Resolved"
	case graph.AlertStatusUnknown:
		return "Unknown"
	}
	return string(v)
}

// IncidentStatusLabel labels an incident's status.
func IncidentStatusLabel(v graph.IncidentStatus) string {
	switch v {
	case graph.IncidentStatusActive:
		return "Active"
	case graph.IncidentStatusInProgress:
		return "In progress"
	case graph.IncidentStatusResolved:
		return "Resolved"
	case graph.IncidentStatusRedirected:
		return "Redirected (merged)"
	case graph.IncidentStatusAwaitingAction:
		return "Awaiting action"
	}
	return string(v)
}

// ClassificationLabel labels a classification; unknown is "Not set".
func ClassificationLabel(v graph.AlertClassification) string {
	switch v {
	case graph.AlertClassificationUnknown:
		return "Not set"
	case graph.AlertClassificationTruePositive:
		return "True positive"
	case graph.AlertClassificationInformationalExpectedActivity:
		return "Informational, expected activity"
	case graph.AlertClassificationFalsePositive:
		return "False positive"
	}
	return string(v)
}

// DeterminationLabel labels a determination; unknown is "Not set".
func DeterminationLabel(v graph.AlertDetermination) string {
	switch v {
	case graph.AlertDeterminationUnknown:
		return "Not set"
	case graph.AlertDeterminationApt:
		return "Advanced persistent threat"
	case graph.AlertDeterminationMalware:
		return "Malware"
	case graph.AlertDeterminationSecurityPersonnel:
		return "Security personnel"
	case graph.AlertDeterminationSecurityTesting:
		return "Security testing"
	case graph.AlertDeterminationUnwantedSoftware:
		return "Unwanted software"
	case graph.AlertDeterminationOther:
		return "Other"
	case graph.AlertDeterminationMultiStagedAttack:
		return "Multi-staged attack"
	case graph.AlertDeterminationCompromisedAccount:
		return "Compromised account"
	case graph.AlertDeterminationPhishing:
		return "Phishing"
	case graph.AlertDeterminationMaliciousUserActivity:
		return "Malicious user activity"
	case graph.AlertDeterminationNotMalicious:
		return "Not malicious"
	case graph.AlertDeterminationNotEnoughDataToValidate:
		return "Not enough data to validate"
	case graph.AlertDeterminationConfirmedActivity:
		return "Confirmed activity"
	case graph.AlertDeterminationLineOfBusinessApplication:
		return "Line-of-business application"
	}
	return string(v)
}

// ServiceSourceLabel labels the product that raised an alert.
func ServiceSourceLabel(v graph.ServiceSource) string {
	switch v {
	case graph.ServiceSourceUnknown:
		return "Unknown"
	case graph.ServiceSourceMicrosoftDefenderForEndpoint:
		return "Defender for Endpoint"
	case graph.ServiceSourceMicrosoftDefenderForIdentity:
		return "Defender for Identity"
	case graph.ServiceSourceMicrosoftDefenderForCloudApps:
		return "Defender for Cloud Apps"
	case graph.ServiceSourceMicrosoftDefenderForOffice365:
		return "Defender for Office 365"
	case graph.ServiceSourceMicrosoft365Defender:
		return "Microsoft Defender XDR"
	case graph.ServiceSourceAzureAdIdentityProtection:
		return "Entra ID Protection"
	case graph.ServiceSourceMicrosoftAppGovernance:
		return "App governance"
	case graph.ServiceSourceDataLossPrevention:
		return "Data loss prevention"
	case graph.ServiceSourceMicrosoftDefenderForCloud:
		return "Defender for Cloud"
	case graph.ServiceSourceMicrosoftSentinel:
		return "Microsoft Sentinel"
	case graph.ServiceSourceMicrosoftInsiderRiskManagement:
		return "Insider Risk Management"
	case graph.ServiceSourceMicrosoftThreatIntelligence:
		return "Threat Intelligence"
	case graph.ServiceSourceMicrosoftSecurityForAI:
		return "Security for AI"
	}
	return string(v)
}

// LegacyStatusLabel labels a legacy alert's status.
func LegacyStatusLabel(v graph.LegacyAlertStatus) string {
	switch v {
	case graph.LegacyAlertStatusNewAlert:
		return "New alert"
	case graph.LegacyAlertStatusInProgress:
		return "In progress"
	case graph.LegacyAlertStatusResolved:
		return "Resolved"
	case graph.LegacyAlertStatusDismissed:
		return "Dismissed"
	case graph.LegacyAlertStatusUnknown:
		return "Unknown"
	}
	return string(v)
}

// LegacySeverityLabel labels a legacy alert's severity.
func LegacySeverityLabel(v graph.LegacyAlertSeverity) string {
	switch v {
	case graph.LegacyAlertSeverityHigh:
		return "High"
	case graph.LegacyAlertSeverityMedium:
		return "Medium"
	case graph.LegacyAlertSeverityLow:
		return "Low"
	case graph.LegacyAlertSeverityInformational:
		return "Informational"
	case graph.LegacyAlertSeverityUnknown:
		return "Unknown"
	}
	return string(v)
}

// LegacyFeedbackLabel labels an analyst's feedback on a legacy alert.
func LegacyFeedbackLabel(v graph.LegacyAlertFeedback) string {
	switch v {
	case graph.LegacyAlertFeedbackUnknown:
		return "Unknown"
	case graph.LegacyAlertFeedbackTruePositive:
		return "True positive"
	case graph.LegacyAlertFeedbackFalsePositive:
		return "False positive"
	case graph.LegacyAlertFeedbackBenignPositive:
		return "Benign positive"
	}
	return string(v)
}
