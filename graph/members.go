package graph

import "slices"

// UnknownFutureValue is the sentinel member of Graph's evolvable enums.
// Members added after it are sent only to clients that ask for them
// (Prefer: include-unknown-enum-members, which this package sends on every
// alerts_v2 and incidents request); other clients get this value instead.
// It is never a value to choose or to send.
const UnknownFutureValue = "unknownFutureValue"

// members returns a fresh copy of known without the sentinel.
func members[T ~string](known []T) []T {
	return slices.DeleteFunc(slices.Clone(known), func(v T) bool { return string(v) == UnknownFutureValue })
}

// The functions below list an enum's members in the order of Microsoft's
// schema, without [UnknownFutureValue] (a fresh slice each time), so that a
// program builds its choices from the members this package knows instead
// of spelling them again.

// AlertSeverities lists the members of [AlertSeverity], least severe first.
func AlertSeverities() []AlertSeverity { return members(alertSeverityValues[:]) }

// AlertStatuses lists the members of [AlertStatus].
func AlertStatuses() []AlertStatus { return members(alertStatusValues[:]) }

// AlertClassifications lists the members of [AlertClassification].
func AlertClassifications() []AlertClassification { return members(alertClassificationValues[:]) }

// AlertDeterminations lists the members of [AlertDetermination].
func AlertDeterminations() []AlertDetermination { return members(alertDeterminationValues[:]) }

// ServiceSources lists the members of [ServiceSource].
func ServiceSources() []ServiceSource { return members(serviceSourceValues[:]) }

// IncidentStatuses lists the members of [IncidentStatus].
func IncidentStatuses() []IncidentStatus { return members(incidentStatusValues[:]) }

// LegacyAlertStatuses lists the members of [LegacyAlertStatus].
func LegacyAlertStatuses() []LegacyAlertStatus { return members(legacyAlertStatusValues[:]) }

// LegacyAlertSeverities lists the members of [LegacyAlertSeverity], least
// severe first.
func LegacyAlertSeverities() []LegacyAlertSeverity { return members(legacyAlertSeverityValues[:]) }

// LegacyAlertFeedbacks lists the members of [LegacyAlertFeedback].
func LegacyAlertFeedbacks() []LegacyAlertFeedback { return members(legacyAlertFeedbackValues[:]) }

// ControlStates lists the members of [ControlState]: the states a tenant
// sets on a secure score control.
func ControlStates() []ControlState { return members(controlStateValues[:]) }

// OperationStatuses lists the members of [OperationStatus]: a security
// action's progress.
func OperationStatuses() []OperationStatus { return members(operationStatusValues[:]) }
