package graph

import (
	"encoding/json"
	"strings"
	"testing"
)

// checkEnum decodes every member of an enum type in upper case (samples
// show PascalCase for camelCase members) and a made-up member, through the
// type's own UnmarshalJSON.
func checkEnum[T ~string, P interface {
	*T
	json.Unmarshaler
}](t *testing.T, members []T) {
	t.Helper()
	seen := map[T]bool{}
	for _, m := range members {
		if seen[m] {
			t.Errorf("member %q listed twice", m)
		}
		seen[m] = true
		var v T
		if err := P(&v).UnmarshalJSON([]byte(`"` + strings.ToUpper(string(m)) + `"`)); err != nil || v != m {
			t.Errorf("%q decoded as %q (%v)", strings.ToUpper(string(m)), v, err)
		}
		if !any(v).(interface{ IsKnown() bool }).IsKnown() {
			t.Errorf("%q not known", m)
		}
	}
	var v T
	if err := P(&v).UnmarshalJSON([]byte(`"zzNotAMember"`)); err != nil || v != "zzNotAMember" {
		t.Errorf("unknown member decoded as %q (%v)", v, err)
	}
	if any(v).(interface{ IsKnown() bool }).IsKnown() {
		t.Error("unknown member reported as known")
	}
}

func TestEnums(t *testing.T) {
	t.Run("legacyAlertStatus", func(t *testing.T) { checkEnum(t, legacyAlertStatusValues[:]) })
	t.Run("legacyAlertFeedback", func(t *testing.T) { checkEnum(t, legacyAlertFeedbackValues[:]) })
	t.Run("legacyAlertSeverity", func(t *testing.T) { checkEnum(t, legacyAlertSeverityValues[:]) })
	t.Run("emailRole", func(t *testing.T) { checkEnum(t, emailRoleValues[:]) })
	t.Run("logonType", func(t *testing.T) { checkEnum(t, logonTypeValues[:]) })
	t.Run("userAccountSecurityType", func(t *testing.T) { checkEnum(t, userAccountSecurityTypeValues[:]) })
	t.Run("connectionDirection", func(t *testing.T) { checkEnum(t, connectionDirectionValues[:]) })
	t.Run("connectionStatus", func(t *testing.T) { checkEnum(t, connectionStatusValues[:]) })
	t.Run("processIntegrityLevel", func(t *testing.T) { checkEnum(t, processIntegrityLevelValues[:]) })
	t.Run("fileHashType", func(t *testing.T) { checkEnum(t, fileHashTypeValues[:]) })
	t.Run("registryHive", func(t *testing.T) { checkEnum(t, registryHiveValues[:]) })
	t.Run("registryOperation", func(t *testing.T) { checkEnum(t, registryOperationValues[:]) })
	t.Run("registryValueType", func(t *testing.T) { checkEnum(t, registryValueTypeValues[:]) })
	t.Run("securityResourceType", func(t *testing.T) { checkEnum(t, securityResourceTypeValues[:]) })
	t.Run("securityNetworkProtocol", func(t *testing.T) { checkEnum(t, securityNetworkProtocolValues[:]) })
	t.Run("alertStatus", func(t *testing.T) { checkEnum(t, alertStatusValues[:]) })
	t.Run("alertSeverity", func(t *testing.T) { checkEnum(t, alertSeverityValues[:]) })
	t.Run("alertClassification", func(t *testing.T) { checkEnum(t, alertClassificationValues[:]) })
	t.Run("alertDetermination", func(t *testing.T) { checkEnum(t, alertDeterminationValues[:]) })
	t.Run("serviceSource", func(t *testing.T) { checkEnum(t, serviceSourceValues[:]) })
	t.Run("detectionSource", func(t *testing.T) { checkEnum(t, detectionSourceValues[:]) })
	t.Run("investigationState", func(t *testing.T) { checkEnum(t, investigationStateValues[:]) })
	t.Run("evidenceVerdict", func(t *testing.T) { checkEnum(t, evidenceVerdictValues[:]) })
	t.Run("evidenceRemediationStatus", func(t *testing.T) { checkEnum(t, evidenceRemediationStatusValues[:]) })
	t.Run("evidenceRole", func(t *testing.T) { checkEnum(t, evidenceRoleValues[:]) })
	t.Run("detectionStatus", func(t *testing.T) { checkEnum(t, detectionStatusValues[:]) })
	t.Run("deviceHealthStatus", func(t *testing.T) { checkEnum(t, deviceHealthStatusValues[:]) })
	t.Run("onboardingStatus", func(t *testing.T) { checkEnum(t, onboardingStatusValues[:]) })
	t.Run("defenderAvStatus", func(t *testing.T) { checkEnum(t, defenderAvStatusValues[:]) })
	t.Run("deviceRiskScore", func(t *testing.T) { checkEnum(t, deviceRiskScoreValues[:]) })
	t.Run("vMCloudProvider", func(t *testing.T) { checkEnum(t, vMCloudProviderValues[:]) })
	t.Run("protocolType", func(t *testing.T) { checkEnum(t, protocolTypeValues[:]) })
	t.Run("fileHashAlgorithm", func(t *testing.T) { checkEnum(t, fileHashAlgorithmValues[:]) })
	t.Run("incidentStatus", func(t *testing.T) { checkEnum(t, incidentStatusValues[:]) })
	t.Run("operationStatus", func(t *testing.T) { checkEnum(t, operationStatusValues[:]) })
	t.Run("controlState", func(t *testing.T) { checkEnum(t, controlStateValues[:]) })
	t.Run("bodyType", func(t *testing.T) { checkEnum(t, bodyTypeValues[:]) })
	t.Run("importance", func(t *testing.T) { checkEnum(t, importanceValues[:]) })
	t.Run("changeType", func(t *testing.T) { checkEnum(t, changeTypeValues[:]) })
	t.Run("lifecycleEvent", func(t *testing.T) { checkEnum(t, lifecycleEventValues[:]) })
}
