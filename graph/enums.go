// Enum types of the resources this package models, from the facts file's lists.

package graph

// LegacyAlertStatus is the triage state of a legacy alert. dismissed is in the CSDL though not in the docs.
// Graph type: microsoft.graph.alertStatus. A value the service adds later decodes as its own
// string; see [LegacyAlertStatus.IsKnown].
type LegacyAlertStatus string

// Members of LegacyAlertStatus.
const (
	LegacyAlertStatusUnknown            LegacyAlertStatus = "unknown"
	LegacyAlertStatusNewAlert           LegacyAlertStatus = "newAlert"
	LegacyAlertStatusInProgress         LegacyAlertStatus = "inProgress"
	LegacyAlertStatusResolved           LegacyAlertStatus = "resolved"
	LegacyAlertStatusDismissed          LegacyAlertStatus = "dismissed"
	LegacyAlertStatusUnknownFutureValue LegacyAlertStatus = "unknownFutureValue"
)

var legacyAlertStatusValues = [...]LegacyAlertStatus{LegacyAlertStatusUnknown, LegacyAlertStatusNewAlert, LegacyAlertStatusInProgress, LegacyAlertStatusResolved, LegacyAlertStatusDismissed, LegacyAlertStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *LegacyAlertStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, legacyAlertStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v LegacyAlertStatus) IsKnown() bool { return isKnownEnum(v, legacyAlertStatusValues[:]) }

// LegacyAlertFeedback is an analyst's verdict on a legacy alert.
// Graph type: microsoft.graph.alertFeedback. A value the service adds later decodes as its own
// string; see [LegacyAlertFeedback.IsKnown].
type LegacyAlertFeedback string

// Members of LegacyAlertFeedback.
const (
	LegacyAlertFeedbackUnknown            LegacyAlertFeedback = "unknown"
	LegacyAlertFeedbackTruePositive       LegacyAlertFeedback = "truePositive"
	LegacyAlertFeedbackFalsePositive      LegacyAlertFeedback = "falsePositive"
	LegacyAlertFeedbackBenignPositive     LegacyAlertFeedback = "benignPositive"
	LegacyAlertFeedbackUnknownFutureValue LegacyAlertFeedback = "unknownFutureValue"
)

var legacyAlertFeedbackValues = [...]LegacyAlertFeedback{LegacyAlertFeedbackUnknown, LegacyAlertFeedbackTruePositive, LegacyAlertFeedbackFalsePositive, LegacyAlertFeedbackBenignPositive, LegacyAlertFeedbackUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *LegacyAlertFeedback) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, legacyAlertFeedbackValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v LegacyAlertFeedback) IsKnown() bool { return isKnownEnum(v, legacyAlertFeedbackValues[:]) }

// LegacyAlertSeverity is the severity of a legacy alert.
// Graph type: microsoft.graph.alertSeverity. A value the service adds later decodes as its own
// string; see [LegacyAlertSeverity.IsKnown].
type LegacyAlertSeverity string

// Members of LegacyAlertSeverity.
const (
	LegacyAlertSeverityUnknown            LegacyAlertSeverity = "unknown"
	LegacyAlertSeverityInformational      LegacyAlertSeverity = "informational"
	LegacyAlertSeverityLow                LegacyAlertSeverity = "low"
	LegacyAlertSeverityMedium             LegacyAlertSeverity = "medium"
	LegacyAlertSeverityHigh               LegacyAlertSeverity = "high"
	LegacyAlertSeverityUnknownFutureValue LegacyAlertSeverity = "unknownFutureValue"
)

var legacyAlertSeverityValues = [...]LegacyAlertSeverity{LegacyAlertSeverityUnknown, LegacyAlertSeverityInformational, LegacyAlertSeverityLow, LegacyAlertSeverityMedium, LegacyAlertSeverityHigh, LegacyAlertSeverityUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *LegacyAlertSeverity) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, legacyAlertSeverityValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v LegacyAlertSeverity) IsKnown() bool { return isKnownEnum(v, legacyAlertSeverityValues[:]) }

// EmailRole says whether a user in a legacy alert sent or received the mail.
// Graph type: microsoft.graph.emailRole. A value the service adds later decodes as its own
// string; see [EmailRole.IsKnown].
type EmailRole string

// Members of EmailRole.
const (
	EmailRoleUnknown            EmailRole = "unknown"
	EmailRoleSender             EmailRole = "sender"
	EmailRoleRecipient          EmailRole = "recipient"
	EmailRoleUnknownFutureValue EmailRole = "unknownFutureValue"
)

var emailRoleValues = [...]EmailRole{EmailRoleUnknown, EmailRoleSender, EmailRoleRecipient, EmailRoleUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *EmailRole) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, emailRoleValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v EmailRole) IsKnown() bool { return isKnownEnum(v, emailRoleValues[:]) }

// LogonType is how a user in a legacy alert signed in.
// Graph type: microsoft.graph.logonType. A value the service adds later decodes as its own
// string; see [LogonType.IsKnown].
type LogonType string

// Members of LogonType.
const (
	LogonTypeUnknown            LogonType = "unknown"
	LogonTypeInteractive        LogonType = "interactive"
	LogonTypeRemoteInteractive  LogonType = "remoteInteractive"
	LogonTypeNetwork            LogonType = "network"
	LogonTypeBatch              LogonType = "batch"
	LogonTypeService            LogonType = "service"
	LogonTypeUnknownFutureValue LogonType = "unknownFutureValue"
)

var logonTypeValues = [...]LogonType{LogonTypeUnknown, LogonTypeInteractive, LogonTypeRemoteInteractive, LogonTypeNetwork, LogonTypeBatch, LogonTypeService, LogonTypeUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *LogonType) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, logonTypeValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v LogonType) IsKnown() bool { return isKnownEnum(v, logonTypeValues[:]) }

// UserAccountSecurityType is the privilege level of a user in a legacy alert.
// Graph type: microsoft.graph.userAccountSecurityType. A value the service adds later decodes as its own
// string; see [UserAccountSecurityType.IsKnown].
type UserAccountSecurityType string

// Members of UserAccountSecurityType.
const (
	UserAccountSecurityTypeUnknown            UserAccountSecurityType = "unknown"
	UserAccountSecurityTypeStandard           UserAccountSecurityType = "standard"
	UserAccountSecurityTypePower              UserAccountSecurityType = "power"
	UserAccountSecurityTypeAdministrator      UserAccountSecurityType = "administrator"
	UserAccountSecurityTypeUnknownFutureValue UserAccountSecurityType = "unknownFutureValue"
)

var userAccountSecurityTypeValues = [...]UserAccountSecurityType{UserAccountSecurityTypeUnknown, UserAccountSecurityTypeStandard, UserAccountSecurityTypePower, UserAccountSecurityTypeAdministrator, UserAccountSecurityTypeUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *UserAccountSecurityType) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, userAccountSecurityTypeValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v UserAccountSecurityType) IsKnown() bool {
	return isKnownEnum(v, userAccountSecurityTypeValues[:])
}

// ConnectionDirection is the direction of a legacy network connection.
// Graph type: microsoft.graph.connectionDirection. A value the service adds later decodes as its own
// string; see [ConnectionDirection.IsKnown].
type ConnectionDirection string

// Members of ConnectionDirection.
const (
	ConnectionDirectionUnknown            ConnectionDirection = "unknown"
	ConnectionDirectionInbound            ConnectionDirection = "inbound"
	ConnectionDirectionOutbound           ConnectionDirection = "outbound"
	ConnectionDirectionUnknownFutureValue ConnectionDirection = "unknownFutureValue"
)

var connectionDirectionValues = [...]ConnectionDirection{ConnectionDirectionUnknown, ConnectionDirectionInbound, ConnectionDirectionOutbound, ConnectionDirectionUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ConnectionDirection) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, connectionDirectionValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v ConnectionDirection) IsKnown() bool { return isKnownEnum(v, connectionDirectionValues[:]) }

// ConnectionStatus is the outcome of a legacy network connection.
// Graph type: microsoft.graph.connectionStatus. A value the service adds later decodes as its own
// string; see [ConnectionStatus.IsKnown].
type ConnectionStatus string

// Members of ConnectionStatus.
const (
	ConnectionStatusUnknown            ConnectionStatus = "unknown"
	ConnectionStatusAttempted          ConnectionStatus = "attempted"
	ConnectionStatusSucceeded          ConnectionStatus = "succeeded"
	ConnectionStatusBlocked            ConnectionStatus = "blocked"
	ConnectionStatusFailed             ConnectionStatus = "failed"
	ConnectionStatusUnknownFutureValue ConnectionStatus = "unknownFutureValue"
)

var connectionStatusValues = [...]ConnectionStatus{ConnectionStatusUnknown, ConnectionStatusAttempted, ConnectionStatusSucceeded, ConnectionStatusBlocked, ConnectionStatusFailed, ConnectionStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ConnectionStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, connectionStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v ConnectionStatus) IsKnown() bool { return isKnownEnum(v, connectionStatusValues[:]) }

// ProcessIntegrityLevel is the Windows integrity level of a legacy process.
// Graph type: microsoft.graph.processIntegrityLevel. A value the service adds later decodes as its own
// string; see [ProcessIntegrityLevel.IsKnown].
type ProcessIntegrityLevel string

// Members of ProcessIntegrityLevel.
const (
	ProcessIntegrityLevelUnknown            ProcessIntegrityLevel = "unknown"
	ProcessIntegrityLevelUntrusted          ProcessIntegrityLevel = "untrusted"
	ProcessIntegrityLevelLow                ProcessIntegrityLevel = "low"
	ProcessIntegrityLevelMedium             ProcessIntegrityLevel = "medium"
	ProcessIntegrityLevelHigh               ProcessIntegrityLevel = "high"
	ProcessIntegrityLevelSystem             ProcessIntegrityLevel = "system"
	ProcessIntegrityLevelUnknownFutureValue ProcessIntegrityLevel = "unknownFutureValue"
)

var processIntegrityLevelValues = [...]ProcessIntegrityLevel{ProcessIntegrityLevelUnknown, ProcessIntegrityLevelUntrusted, ProcessIntegrityLevelLow, ProcessIntegrityLevelMedium, ProcessIntegrityLevelHigh, ProcessIntegrityLevelSystem, ProcessIntegrityLevelUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ProcessIntegrityLevel) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, processIntegrityLevelValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v ProcessIntegrityLevel) IsKnown() bool { return isKnownEnum(v, processIntegrityLevelValues[:]) }

// FileHashType is the algorithm of a legacy file hash. peSha1 and peSha256 are in the docs but not the v1 CSDL; both are accepted.
// Graph type: microsoft.graph.fileHashType. A value the service adds later decodes as its own
// string; see [FileHashType.IsKnown].
type FileHashType string

// Members of FileHashType.
const (
	FileHashTypeUnknown             FileHashType = "unknown"
	FileHashTypeSha1                FileHashType = "sha1"
	FileHashTypeSha256              FileHashType = "sha256"
	FileHashTypeMd5                 FileHashType = "md5"
	FileHashTypeAuthenticodeHash256 FileHashType = "authenticodeHash256"
	FileHashTypeLsHash              FileHashType = "lsHash"
	FileHashTypeCtph                FileHashType = "ctph"
	FileHashTypePeSha1              FileHashType = "peSha1"
	FileHashTypePeSha256            FileHashType = "peSha256"
	FileHashTypeUnknownFutureValue  FileHashType = "unknownFutureValue"
)

var fileHashTypeValues = [...]FileHashType{FileHashTypeUnknown, FileHashTypeSha1, FileHashTypeSha256, FileHashTypeMd5, FileHashTypeAuthenticodeHash256, FileHashTypeLsHash, FileHashTypeCtph, FileHashTypePeSha1, FileHashTypePeSha256, FileHashTypeUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *FileHashType) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, fileHashTypeValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v FileHashType) IsKnown() bool { return isKnownEnum(v, fileHashTypeValues[:]) }

// RegistryHive is the hive of a legacy registry key state.
// Graph type: microsoft.graph.registryHive. A value the service adds later decodes as its own
// string; see [RegistryHive.IsKnown].
type RegistryHive string

// Members of RegistryHive.
const (
	RegistryHiveUnknown              RegistryHive = "unknown"
	RegistryHiveCurrentConfig        RegistryHive = "currentConfig"
	RegistryHiveCurrentUser          RegistryHive = "currentUser"
	RegistryHiveLocalMachineSam      RegistryHive = "localMachineSam"
	RegistryHiveLocalMachineSecurity RegistryHive = "localMachineSecurity"
	RegistryHiveLocalMachineSoftware RegistryHive = "localMachineSoftware"
	RegistryHiveLocalMachineSystem   RegistryHive = "localMachineSystem"
	RegistryHiveUsersDefault         RegistryHive = "usersDefault"
	RegistryHiveUnknownFutureValue   RegistryHive = "unknownFutureValue"
)

var registryHiveValues = [...]RegistryHive{RegistryHiveUnknown, RegistryHiveCurrentConfig, RegistryHiveCurrentUser, RegistryHiveLocalMachineSam, RegistryHiveLocalMachineSecurity, RegistryHiveLocalMachineSoftware, RegistryHiveLocalMachineSystem, RegistryHiveUsersDefault, RegistryHiveUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *RegistryHive) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, registryHiveValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v RegistryHive) IsKnown() bool { return isKnownEnum(v, registryHiveValues[:]) }

// RegistryOperation is what a process did to a registry key.
// Graph type: microsoft.graph.registryOperation. A value the service adds later decodes as its own
// string; see [RegistryOperation.IsKnown].
type RegistryOperation string

// Members of RegistryOperation.
const (
	RegistryOperationUnknown            RegistryOperation = "unknown"
	RegistryOperationCreate             RegistryOperation = "create"
	RegistryOperationModify             RegistryOperation = "modify"
	RegistryOperationDelete             RegistryOperation = "delete"
	RegistryOperationUnknownFutureValue RegistryOperation = "unknownFutureValue"
)

var registryOperationValues = [...]RegistryOperation{RegistryOperationUnknown, RegistryOperationCreate, RegistryOperationModify, RegistryOperationDelete, RegistryOperationUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *RegistryOperation) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, registryOperationValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v RegistryOperation) IsKnown() bool { return isKnownEnum(v, registryOperationValues[:]) }

// RegistryValueType is the type of a registry value; qwordlittleEndian is spelled as in the CSDL.
// Graph type: microsoft.graph.registryValueType. A value the service adds later decodes as its own
// string; see [RegistryValueType.IsKnown].
type RegistryValueType string

// Members of RegistryValueType.
const (
	RegistryValueTypeUnknown            RegistryValueType = "unknown"
	RegistryValueTypeBinary             RegistryValueType = "binary"
	RegistryValueTypeDword              RegistryValueType = "dword"
	RegistryValueTypeDwordLittleEndian  RegistryValueType = "dwordLittleEndian"
	RegistryValueTypeDwordBigEndian     RegistryValueType = "dwordBigEndian"
	RegistryValueTypeExpandSz           RegistryValueType = "expandSz"
	RegistryValueTypeLink               RegistryValueType = "link"
	RegistryValueTypeMultiSz            RegistryValueType = "multiSz"
	RegistryValueTypeNone               RegistryValueType = "none"
	RegistryValueTypeQword              RegistryValueType = "qword"
	RegistryValueTypeQwordlittleEndian  RegistryValueType = "qwordlittleEndian"
	RegistryValueTypeSz                 RegistryValueType = "sz"
	RegistryValueTypeUnknownFutureValue RegistryValueType = "unknownFutureValue"
)

var registryValueTypeValues = [...]RegistryValueType{RegistryValueTypeUnknown, RegistryValueTypeBinary, RegistryValueTypeDword, RegistryValueTypeDwordLittleEndian, RegistryValueTypeDwordBigEndian, RegistryValueTypeExpandSz, RegistryValueTypeLink, RegistryValueTypeMultiSz, RegistryValueTypeNone, RegistryValueTypeQword, RegistryValueTypeQwordlittleEndian, RegistryValueTypeSz, RegistryValueTypeUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *RegistryValueType) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, registryValueTypeValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v RegistryValueType) IsKnown() bool { return isKnownEnum(v, registryValueTypeValues[:]) }

// SecurityResourceType says whether a resource was attacked or merely related.
// Graph type: microsoft.graph.securityResourceType. A value the service adds later decodes as its own
// string; see [SecurityResourceType.IsKnown].
type SecurityResourceType string

// Members of SecurityResourceType.
const (
	SecurityResourceTypeUnknown            SecurityResourceType = "unknown"
	SecurityResourceTypeAttacked           SecurityResourceType = "attacked"
	SecurityResourceTypeRelated            SecurityResourceType = "related"
	SecurityResourceTypeUnknownFutureValue SecurityResourceType = "unknownFutureValue"
)

var securityResourceTypeValues = [...]SecurityResourceType{SecurityResourceTypeUnknown, SecurityResourceTypeAttacked, SecurityResourceTypeRelated, SecurityResourceTypeUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *SecurityResourceType) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, securityResourceTypeValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v SecurityResourceType) IsKnown() bool { return isKnownEnum(v, securityResourceTypeValues[:]) }

// SecurityNetworkProtocol is the protocol of a legacy network connection.
// Graph type: microsoft.graph.securityNetworkProtocol. A value the service adds later decodes as its own
// string; see [SecurityNetworkProtocol.IsKnown].
type SecurityNetworkProtocol string

// Members of SecurityNetworkProtocol.
const (
	SecurityNetworkProtocolUnknown                           SecurityNetworkProtocol = "unknown"
	SecurityNetworkProtocolIp                                SecurityNetworkProtocol = "ip"
	SecurityNetworkProtocolIcmp                              SecurityNetworkProtocol = "icmp"
	SecurityNetworkProtocolIgmp                              SecurityNetworkProtocol = "igmp"
	SecurityNetworkProtocolGgp                               SecurityNetworkProtocol = "ggp"
	SecurityNetworkProtocolIpv4                              SecurityNetworkProtocol = "ipv4"
	SecurityNetworkProtocolTcp                               SecurityNetworkProtocol = "tcp"
	SecurityNetworkProtocolPup                               SecurityNetworkProtocol = "pup"
	SecurityNetworkProtocolUdp                               SecurityNetworkProtocol = "udp"
	SecurityNetworkProtocolIdp                               SecurityNetworkProtocol = "idp"
	SecurityNetworkProtocolIpv6                              SecurityNetworkProtocol = "ipv6"
	SecurityNetworkProtocolIpv6RoutingHeader                 SecurityNetworkProtocol = "ipv6RoutingHeader"
	SecurityNetworkProtocolIpv6FragmentHeader                SecurityNetworkProtocol = "ipv6FragmentHeader"
	SecurityNetworkProtocolIpSecEncapsulatingSecurityPayload SecurityNetworkProtocol = "ipSecEncapsulatingSecurityPayload"
	SecurityNetworkProtocolIpSecAuthenticationHeader         SecurityNetworkProtocol = "ipSecAuthenticationHeader"
	SecurityNetworkProtocolIcmpV6                            SecurityNetworkProtocol = "icmpV6"
	SecurityNetworkProtocolIpv6NoNextHeader                  SecurityNetworkProtocol = "ipv6NoNextHeader"
	SecurityNetworkProtocolIpv6DestinationOptions            SecurityNetworkProtocol = "ipv6DestinationOptions"
	SecurityNetworkProtocolNd                                SecurityNetworkProtocol = "nd"
	SecurityNetworkProtocolRaw                               SecurityNetworkProtocol = "raw"
	SecurityNetworkProtocolIpx                               SecurityNetworkProtocol = "ipx"
	SecurityNetworkProtocolSpx                               SecurityNetworkProtocol = "spx"
	SecurityNetworkProtocolSpxII                             SecurityNetworkProtocol = "spxII"
	SecurityNetworkProtocolUnknownFutureValue                SecurityNetworkProtocol = "unknownFutureValue"
)

var securityNetworkProtocolValues = [...]SecurityNetworkProtocol{SecurityNetworkProtocolUnknown, SecurityNetworkProtocolIp, SecurityNetworkProtocolIcmp, SecurityNetworkProtocolIgmp, SecurityNetworkProtocolGgp, SecurityNetworkProtocolIpv4, SecurityNetworkProtocolTcp, SecurityNetworkProtocolPup, SecurityNetworkProtocolUdp, SecurityNetworkProtocolIdp, SecurityNetworkProtocolIpv6, SecurityNetworkProtocolIpv6RoutingHeader, SecurityNetworkProtocolIpv6FragmentHeader, SecurityNetworkProtocolIpSecEncapsulatingSecurityPayload, SecurityNetworkProtocolIpSecAuthenticationHeader, SecurityNetworkProtocolIcmpV6, SecurityNetworkProtocolIpv6NoNextHeader, SecurityNetworkProtocolIpv6DestinationOptions, SecurityNetworkProtocolNd, SecurityNetworkProtocolRaw, SecurityNetworkProtocolIpx, SecurityNetworkProtocolSpx, SecurityNetworkProtocolSpxII, SecurityNetworkProtocolUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *SecurityNetworkProtocol) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, securityNetworkProtocolValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v SecurityNetworkProtocol) IsKnown() bool {
	return isKnownEnum(v, securityNetworkProtocolValues[:])
}

// AlertStatus is the triage state of an alerts_v2 alert.
// Graph type: microsoft.graph.security.alertStatus. A value the service adds later decodes as its own
// string; see [AlertStatus.IsKnown].
type AlertStatus string

// Members of AlertStatus.
const (
	AlertStatusUnknown            AlertStatus = "unknown"
	AlertStatusNew                AlertStatus = "new"
	AlertStatusInProgress         AlertStatus = "inProgress"
	AlertStatusResolved           AlertStatus = "resolved"
	AlertStatusUnknownFutureValue AlertStatus = "unknownFutureValue"
)

var alertStatusValues = [...]AlertStatus{AlertStatusUnknown, AlertStatusNew, AlertStatusInProgress, AlertStatusResolved, AlertStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *AlertStatus) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, alertStatusValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v AlertStatus) IsKnown() bool { return isKnownEnum(v, alertStatusValues[:]) }

// AlertSeverity is the severity of an alerts_v2 alert or an incident.
// Graph type: microsoft.graph.security.alertSeverity. A value the service adds later decodes as its own
// string; see [AlertSeverity.IsKnown].
type AlertSeverity string

// Members of AlertSeverity.
const (
	AlertSeverityUnknown            AlertSeverity = "unknown"
	AlertSeverityInformational      AlertSeverity = "informational"
	AlertSeverityLow                AlertSeverity = "low"
	AlertSeverityMedium             AlertSeverity = "medium"
	AlertSeverityHigh               AlertSeverity = "high"
	AlertSeverityUnknownFutureValue AlertSeverity = "unknownFutureValue"
)

var alertSeverityValues = [...]AlertSeverity{AlertSeverityUnknown, AlertSeverityInformational, AlertSeverityLow, AlertSeverityMedium, AlertSeverityHigh, AlertSeverityUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *AlertSeverity) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, alertSeverityValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v AlertSeverity) IsKnown() bool { return isKnownEnum(v, alertSeverityValues[:]) }

// AlertClassification is an analyst's classification of an alert or incident. benignPositive appears in one doc version but not the CSDL; it still decodes, as an unknown value.
// Graph type: microsoft.graph.security.alertClassification. A value the service adds later decodes as its own
// string; see [AlertClassification.IsKnown].
type AlertClassification string

// Members of AlertClassification.
const (
	AlertClassificationUnknown                       AlertClassification = "unknown"
	AlertClassificationFalsePositive                 AlertClassification = "falsePositive"
	AlertClassificationTruePositive                  AlertClassification = "truePositive"
	AlertClassificationInformationalExpectedActivity AlertClassification = "informationalExpectedActivity"
	AlertClassificationUnknownFutureValue            AlertClassification = "unknownFutureValue"
)

var alertClassificationValues = [...]AlertClassification{AlertClassificationUnknown, AlertClassificationFalsePositive, AlertClassificationTruePositive, AlertClassificationInformationalExpectedActivity, AlertClassificationUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *AlertClassification) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, alertClassificationValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v AlertClassification) IsKnown() bool { return isKnownEnum(v, alertClassificationValues[:]) }

// AlertDetermination explains a classification. The members are the CSDL's; the docs' prose names (compromisedUser, clean, ...) decode as unknown values.
// Graph type: microsoft.graph.security.alertDetermination. A value the service adds later decodes as its own
// string; see [AlertDetermination.IsKnown].
type AlertDetermination string

// Members of AlertDetermination.
const (
	AlertDeterminationUnknown                   AlertDetermination = "unknown"
	AlertDeterminationApt                       AlertDetermination = "apt"
	AlertDeterminationMalware                   AlertDetermination = "malware"
	AlertDeterminationSecurityPersonnel         AlertDetermination = "securityPersonnel"
	AlertDeterminationSecurityTesting           AlertDetermination = "securityTesting"
	AlertDeterminationUnwantedSoftware          AlertDetermination = "unwantedSoftware"
	AlertDeterminationOther                     AlertDetermination = "other"
	AlertDeterminationMultiStagedAttack         AlertDetermination = "multiStagedAttack"
	AlertDeterminationCompromisedAccount        AlertDetermination = "compromisedAccount"
	AlertDeterminationPhishing                  AlertDetermination = "phishing"
	AlertDeterminationMaliciousUserActivity     AlertDetermination = "maliciousUserActivity"
	AlertDeterminationNotMalicious              AlertDetermination = "notMalicious"
	AlertDeterminationNotEnoughDataToValidate   AlertDetermination = "notEnoughDataToValidate"
	AlertDeterminationConfirmedActivity         AlertDetermination = "confirmedActivity"
	AlertDeterminationLineOfBusinessApplication AlertDetermination = "lineOfBusinessApplication"
	AlertDeterminationUnknownFutureValue        AlertDetermination = "unknownFutureValue"
)

var alertDeterminationValues = [...]AlertDetermination{AlertDeterminationUnknown, AlertDeterminationApt, AlertDeterminationMalware, AlertDeterminationSecurityPersonnel, AlertDeterminationSecurityTesting, AlertDeterminationUnwantedSoftware, AlertDeterminationOther, AlertDeterminationMultiStagedAttack, AlertDeterminationCompromisedAccount, AlertDeterminationPhishing, AlertDeterminationMaliciousUserActivity, AlertDeterminationNotMalicious, AlertDeterminationNotEnoughDataToValidate, AlertDeterminationConfirmedActivity, AlertDeterminationLineOfBusinessApplication, AlertDeterminationUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *AlertDetermination) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, alertDeterminationValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v AlertDetermination) IsKnown() bool { return isKnownEnum(v, alertDeterminationValues[:]) }

// ServiceSource is the product that raised an alert.
// Graph type: microsoft.graph.security.serviceSource. A value the service adds later decodes as its own
// string; see [ServiceSource.IsKnown].
type ServiceSource string

// Members of ServiceSource.
const (
	ServiceSourceUnknown                        ServiceSource = "unknown"
	ServiceSourceMicrosoftDefenderForEndpoint   ServiceSource = "microsoftDefenderForEndpoint"
	ServiceSourceMicrosoftDefenderForIdentity   ServiceSource = "microsoftDefenderForIdentity"
	ServiceSourceMicrosoftDefenderForCloudApps  ServiceSource = "microsoftDefenderForCloudApps"
	ServiceSourceMicrosoftDefenderForOffice365  ServiceSource = "microsoftDefenderForOffice365"
	ServiceSourceMicrosoft365Defender           ServiceSource = "microsoft365Defender"
	ServiceSourceAzureAdIdentityProtection      ServiceSource = "azureAdIdentityProtection"
	ServiceSourceMicrosoftAppGovernance         ServiceSource = "microsoftAppGovernance"
	ServiceSourceDataLossPrevention             ServiceSource = "dataLossPrevention"
	ServiceSourceUnknownFutureValue             ServiceSource = "unknownFutureValue"
	ServiceSourceMicrosoftDefenderForCloud      ServiceSource = "microsoftDefenderForCloud"
	ServiceSourceMicrosoftSentinel              ServiceSource = "microsoftSentinel"
	ServiceSourceMicrosoftInsiderRiskManagement ServiceSource = "microsoftInsiderRiskManagement"
	ServiceSourceMicrosoftThreatIntelligence    ServiceSource = "microsoftThreatIntelligence"
	ServiceSourceMicrosoftSecurityForAI         ServiceSource = "microsoftSecurityForAI"
)

var serviceSourceValues = [...]ServiceSource{ServiceSourceUnknown, ServiceSourceMicrosoftDefenderForEndpoint, ServiceSourceMicrosoftDefenderForIdentity, ServiceSourceMicrosoftDefenderForCloudApps, ServiceSourceMicrosoftDefenderForOffice365, ServiceSourceMicrosoft365Defender, ServiceSourceAzureAdIdentityProtection, ServiceSourceMicrosoftAppGovernance, ServiceSourceDataLossPrevention, ServiceSourceUnknownFutureValue, ServiceSourceMicrosoftDefenderForCloud, ServiceSourceMicrosoftSentinel, ServiceSourceMicrosoftInsiderRiskManagement, ServiceSourceMicrosoftThreatIntelligence, ServiceSourceMicrosoftSecurityForAI}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ServiceSource) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, serviceSourceValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v ServiceSource) IsKnown() bool { return isKnownEnum(v, serviceSourceValues[:]) }

// DetectionSource is the detection technology that raised an alert.
// Graph type: microsoft.graph.security.detectionSource. A value the service adds later decodes as its own
// string; see [DetectionSource.IsKnown].
type DetectionSource string

// Members of DetectionSource.
const (
	DetectionSourceUnknown                                      DetectionSource = "unknown"
	DetectionSourceMicrosoftDefenderForEndpoint                 DetectionSource = "microsoftDefenderForEndpoint"
	DetectionSourceAntivirus                                    DetectionSource = "antivirus"
	DetectionSourceSmartScreen                                  DetectionSource = "smartScreen"
	DetectionSourceCustomTi                                     DetectionSource = "customTi"
	DetectionSourceMicrosoftDefenderForOffice365                DetectionSource = "microsoftDefenderForOffice365"
	DetectionSourceAutomatedInvestigation                       DetectionSource = "automatedInvestigation"
	DetectionSourceMicrosoftThreatExperts                       DetectionSource = "microsoftThreatExperts"
	DetectionSourceCustomDetection                              DetectionSource = "customDetection"
	DetectionSourceMicrosoftDefenderForIdentity                 DetectionSource = "microsoftDefenderForIdentity"
	DetectionSourceCloudAppSecurity                             DetectionSource = "cloudAppSecurity"
	DetectionSourceMicrosoft365Defender                         DetectionSource = "microsoft365Defender"
	DetectionSourceAzureAdIdentityProtection                    DetectionSource = "azureAdIdentityProtection"
	DetectionSourceManual                                       DetectionSource = "manual"
	DetectionSourceMicrosoftDataLossPrevention                  DetectionSource = "microsoftDataLossPrevention"
	DetectionSourceAppGovernancePolicy                          DetectionSource = "appGovernancePolicy"
	DetectionSourceAppGovernanceDetection                       DetectionSource = "appGovernanceDetection"
	DetectionSourceUnknownFutureValue                           DetectionSource = "unknownFutureValue"
	DetectionSourceMicrosoftDefenderForCloud                    DetectionSource = "microsoftDefenderForCloud"
	DetectionSourceMicrosoftDefenderForIoT                      DetectionSource = "microsoftDefenderForIoT"
	DetectionSourceMicrosoftDefenderForServers                  DetectionSource = "microsoftDefenderForServers"
	DetectionSourceMicrosoftDefenderForStorage                  DetectionSource = "microsoftDefenderForStorage"
	DetectionSourceMicrosoftDefenderForDNS                      DetectionSource = "microsoftDefenderForDNS"
	DetectionSourceMicrosoftDefenderForDatabases                DetectionSource = "microsoftDefenderForDatabases"
	DetectionSourceMicrosoftDefenderForContainers               DetectionSource = "microsoftDefenderForContainers"
	DetectionSourceMicrosoftDefenderForNetwork                  DetectionSource = "microsoftDefenderForNetwork"
	DetectionSourceMicrosoftDefenderForAppService               DetectionSource = "microsoftDefenderForAppService"
	DetectionSourceMicrosoftDefenderForKeyVault                 DetectionSource = "microsoftDefenderForKeyVault"
	DetectionSourceMicrosoftDefenderForResourceManager          DetectionSource = "microsoftDefenderForResourceManager"
	DetectionSourceMicrosoftDefenderForApiManagement            DetectionSource = "microsoftDefenderForApiManagement"
	DetectionSourceNrtAlerts                                    DetectionSource = "nrtAlerts"
	DetectionSourceScheduledAlerts                              DetectionSource = "scheduledAlerts"
	DetectionSourceMicrosoftDefenderThreatIntelligenceAnalytics DetectionSource = "microsoftDefenderThreatIntelligenceAnalytics"
	DetectionSourceBuiltInMl                                    DetectionSource = "builtInMl"
	DetectionSourceMicrosoftInsiderRiskManagement               DetectionSource = "microsoftInsiderRiskManagement"
	DetectionSourceMicrosoftThreatIntelligence                  DetectionSource = "microsoftThreatIntelligence"
	DetectionSourceMicrosoftDefenderForAIServices               DetectionSource = "microsoftDefenderForAIServices"
	DetectionSourceSecurityCopilot                              DetectionSource = "securityCopilot"
	DetectionSourceMicrosoftSentinel                            DetectionSource = "microsoftSentinel"
)

var detectionSourceValues = [...]DetectionSource{DetectionSourceUnknown, DetectionSourceMicrosoftDefenderForEndpoint, DetectionSourceAntivirus, DetectionSourceSmartScreen, DetectionSourceCustomTi, DetectionSourceMicrosoftDefenderForOffice365, DetectionSourceAutomatedInvestigation, DetectionSourceMicrosoftThreatExperts, DetectionSourceCustomDetection, DetectionSourceMicrosoftDefenderForIdentity, DetectionSourceCloudAppSecurity, DetectionSourceMicrosoft365Defender, DetectionSourceAzureAdIdentityProtection, DetectionSourceManual, DetectionSourceMicrosoftDataLossPrevention, DetectionSourceAppGovernancePolicy, DetectionSourceAppGovernanceDetection, DetectionSourceUnknownFutureValue, DetectionSourceMicrosoftDefenderForCloud, DetectionSourceMicrosoftDefenderForIoT, DetectionSourceMicrosoftDefenderForServers, DetectionSourceMicrosoftDefenderForStorage, DetectionSourceMicrosoftDefenderForDNS, DetectionSourceMicrosoftDefenderForDatabases, DetectionSourceMicrosoftDefenderForContainers, DetectionSourceMicrosoftDefenderForNetwork, DetectionSourceMicrosoftDefenderForAppService, DetectionSourceMicrosoftDefenderForKeyVault, DetectionSourceMicrosoftDefenderForResourceManager, DetectionSourceMicrosoftDefenderForApiManagement, DetectionSourceNrtAlerts, DetectionSourceScheduledAlerts, DetectionSourceMicrosoftDefenderThreatIntelligenceAnalytics, DetectionSourceBuiltInMl, DetectionSourceMicrosoftInsiderRiskManagement, DetectionSourceMicrosoftThreatIntelligence, DetectionSourceMicrosoftDefenderForAIServices, DetectionSourceSecurityCopilot, DetectionSourceMicrosoftSentinel}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *DetectionSource) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, detectionSourceValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v DetectionSource) IsKnown() bool { return isKnownEnum(v, detectionSourceValues[:]) }

// InvestigationState is the state of the automated investigation of an alert.
// Graph type: microsoft.graph.security.investigationState. A value the service adds later decodes as its own
// string; see [InvestigationState.IsKnown].
type InvestigationState string

// Members of InvestigationState.
const (
	InvestigationStateUnknown                InvestigationState = "unknown"
	InvestigationStateTerminated             InvestigationState = "terminated"
	InvestigationStateSuccessfullyRemediated InvestigationState = "successfullyRemediated"
	InvestigationStateBenign                 InvestigationState = "benign"
	InvestigationStateFailed                 InvestigationState = "failed"
	InvestigationStatePartiallyRemediated    InvestigationState = "partiallyRemediated"
	InvestigationStateRunning                InvestigationState = "running"
	InvestigationStatePendingApproval        InvestigationState = "pendingApproval"
	InvestigationStatePendingResource        InvestigationState = "pendingResource"
	InvestigationStateQueued                 InvestigationState = "queued"
	InvestigationStateInnerFailure           InvestigationState = "innerFailure"
	InvestigationStatePreexistingAlert       InvestigationState = "preexistingAlert"
	InvestigationStateUnsupportedOs          InvestigationState = "unsupportedOs"
	InvestigationStateUnsupportedAlertType   InvestigationState = "unsupportedAlertType"
	InvestigationStateSuppressedAlert        InvestigationState = "suppressedAlert"
	InvestigationStatePartiallyInvestigated  InvestigationState = "partiallyInvestigated"
	InvestigationStateTerminatedByUser       InvestigationState = "terminatedByUser"
	InvestigationStateTerminatedBySystem     InvestigationState = "terminatedBySystem"
	InvestigationStateUnknownFutureValue     InvestigationState = "unknownFutureValue"
)

var investigationStateValues = [...]InvestigationState{InvestigationStateUnknown, InvestigationStateTerminated, InvestigationStateSuccessfullyRemediated, InvestigationStateBenign, InvestigationStateFailed, InvestigationStatePartiallyRemediated, InvestigationStateRunning, InvestigationStatePendingApproval, InvestigationStatePendingResource, InvestigationStateQueued, InvestigationStateInnerFailure, InvestigationStatePreexistingAlert, InvestigationStateUnsupportedOs, InvestigationStateUnsupportedAlertType, InvestigationStateSuppressedAlert, InvestigationStatePartiallyInvestigated, InvestigationStateTerminatedByUser, InvestigationStateTerminatedBySystem, InvestigationStateUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *InvestigationState) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, investigationStateValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v InvestigationState) IsKnown() bool { return isKnownEnum(v, investigationStateValues[:]) }

// EvidenceVerdict is the automated verdict on a piece of evidence.
// Graph type: microsoft.graph.security.evidenceVerdict. A value the service adds later decodes as its own
// string; see [EvidenceVerdict.IsKnown].
type EvidenceVerdict string

// Members of EvidenceVerdict.
const (
	EvidenceVerdictUnknown            EvidenceVerdict = "unknown"
	EvidenceVerdictSuspicious         EvidenceVerdict = "suspicious"
	EvidenceVerdictMalicious          EvidenceVerdict = "malicious"
	EvidenceVerdictNoThreatsFound     EvidenceVerdict = "noThreatsFound"
	EvidenceVerdictUnknownFutureValue EvidenceVerdict = "unknownFutureValue"
)

var evidenceVerdictValues = [...]EvidenceVerdict{EvidenceVerdictUnknown, EvidenceVerdictSuspicious, EvidenceVerdictMalicious, EvidenceVerdictNoThreatsFound, EvidenceVerdictUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *EvidenceVerdict) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, evidenceVerdictValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v EvidenceVerdict) IsKnown() bool { return isKnownEnum(v, evidenceVerdictValues[:]) }

// EvidenceRemediationStatus is what was done about a piece of evidence.
// Graph type: microsoft.graph.security.evidenceRemediationStatus. A value the service adds later decodes as its own
// string; see [EvidenceRemediationStatus.IsKnown].
type EvidenceRemediationStatus string

// Members of EvidenceRemediationStatus.
const (
	EvidenceRemediationStatusNone                EvidenceRemediationStatus = "none"
	EvidenceRemediationStatusRemediated          EvidenceRemediationStatus = "remediated"
	EvidenceRemediationStatusPrevented           EvidenceRemediationStatus = "prevented"
	EvidenceRemediationStatusBlocked             EvidenceRemediationStatus = "blocked"
	EvidenceRemediationStatusNotFound            EvidenceRemediationStatus = "notFound"
	EvidenceRemediationStatusUnknownFutureValue  EvidenceRemediationStatus = "unknownFutureValue"
	EvidenceRemediationStatusActive              EvidenceRemediationStatus = "active"
	EvidenceRemediationStatusPendingApproval     EvidenceRemediationStatus = "pendingApproval"
	EvidenceRemediationStatusDeclined            EvidenceRemediationStatus = "declined"
	EvidenceRemediationStatusUnremediated        EvidenceRemediationStatus = "unremediated"
	EvidenceRemediationStatusRunning             EvidenceRemediationStatus = "running"
	EvidenceRemediationStatusPartiallyRemediated EvidenceRemediationStatus = "partiallyRemediated"
)

var evidenceRemediationStatusValues = [...]EvidenceRemediationStatus{EvidenceRemediationStatusNone, EvidenceRemediationStatusRemediated, EvidenceRemediationStatusPrevented, EvidenceRemediationStatusBlocked, EvidenceRemediationStatusNotFound, EvidenceRemediationStatusUnknownFutureValue, EvidenceRemediationStatusActive, EvidenceRemediationStatusPendingApproval, EvidenceRemediationStatusDeclined, EvidenceRemediationStatusUnremediated, EvidenceRemediationStatusRunning, EvidenceRemediationStatusPartiallyRemediated}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *EvidenceRemediationStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, evidenceRemediationStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v EvidenceRemediationStatus) IsKnown() bool {
	return isKnownEnum(v, evidenceRemediationStatusValues[:])
}

// EvidenceRole is the part a piece of evidence played in an alert.
// Graph type: microsoft.graph.security.evidenceRole. A value the service adds later decodes as its own
// string; see [EvidenceRole.IsKnown].
type EvidenceRole string

// Members of EvidenceRole.
const (
	EvidenceRoleUnknown            EvidenceRole = "unknown"
	EvidenceRoleContextual         EvidenceRole = "contextual"
	EvidenceRoleScanned            EvidenceRole = "scanned"
	EvidenceRoleSource             EvidenceRole = "source"
	EvidenceRoleDestination        EvidenceRole = "destination"
	EvidenceRoleCreated            EvidenceRole = "created"
	EvidenceRoleAdded              EvidenceRole = "added"
	EvidenceRoleCompromised        EvidenceRole = "compromised"
	EvidenceRoleEdited             EvidenceRole = "edited"
	EvidenceRoleAttacked           EvidenceRole = "attacked"
	EvidenceRoleAttacker           EvidenceRole = "attacker"
	EvidenceRoleCommandAndControl  EvidenceRole = "commandAndControl"
	EvidenceRoleLoaded             EvidenceRole = "loaded"
	EvidenceRoleSuspicious         EvidenceRole = "suspicious"
	EvidenceRolePolicyViolator     EvidenceRole = "policyViolator"
	EvidenceRoleUnknownFutureValue EvidenceRole = "unknownFutureValue"
)

var evidenceRoleValues = [...]EvidenceRole{EvidenceRoleUnknown, EvidenceRoleContextual, EvidenceRoleScanned, EvidenceRoleSource, EvidenceRoleDestination, EvidenceRoleCreated, EvidenceRoleAdded, EvidenceRoleCompromised, EvidenceRoleEdited, EvidenceRoleAttacked, EvidenceRoleAttacker, EvidenceRoleCommandAndControl, EvidenceRoleLoaded, EvidenceRoleSuspicious, EvidenceRolePolicyViolator, EvidenceRoleUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *EvidenceRole) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, evidenceRoleValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v EvidenceRole) IsKnown() bool { return isKnownEnum(v, evidenceRoleValues[:]) }

// DetectionStatus is what happened to a detected file or process.
// Graph type: microsoft.graph.security.detectionStatus. A value the service adds later decodes as its own
// string; see [DetectionStatus.IsKnown].
type DetectionStatus string

// Members of DetectionStatus.
const (
	DetectionStatusDetected           DetectionStatus = "detected"
	DetectionStatusBlocked            DetectionStatus = "blocked"
	DetectionStatusPrevented          DetectionStatus = "prevented"
	DetectionStatusUnknownFutureValue DetectionStatus = "unknownFutureValue"
)

var detectionStatusValues = [...]DetectionStatus{DetectionStatusDetected, DetectionStatusBlocked, DetectionStatusPrevented, DetectionStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *DetectionStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, detectionStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v DetectionStatus) IsKnown() bool { return isKnownEnum(v, detectionStatusValues[:]) }

// DeviceHealthStatus is the sensor health of a device.
// Graph type: microsoft.graph.security.deviceHealthStatus. A value the service adds later decodes as its own
// string; see [DeviceHealthStatus.IsKnown].
type DeviceHealthStatus string

// Members of DeviceHealthStatus.
const (
	DeviceHealthStatusActive                            DeviceHealthStatus = "active"
	DeviceHealthStatusInactive                          DeviceHealthStatus = "inactive"
	DeviceHealthStatusImpairedCommunication             DeviceHealthStatus = "impairedCommunication"
	DeviceHealthStatusNoSensorData                      DeviceHealthStatus = "noSensorData"
	DeviceHealthStatusNoSensorDataImpairedCommunication DeviceHealthStatus = "noSensorDataImpairedCommunication"
	DeviceHealthStatusUnknown                           DeviceHealthStatus = "unknown"
	DeviceHealthStatusUnknownFutureValue                DeviceHealthStatus = "unknownFutureValue"
)

var deviceHealthStatusValues = [...]DeviceHealthStatus{DeviceHealthStatusActive, DeviceHealthStatusInactive, DeviceHealthStatusImpairedCommunication, DeviceHealthStatusNoSensorData, DeviceHealthStatusNoSensorDataImpairedCommunication, DeviceHealthStatusUnknown, DeviceHealthStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *DeviceHealthStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, deviceHealthStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v DeviceHealthStatus) IsKnown() bool { return isKnownEnum(v, deviceHealthStatusValues[:]) }

// OnboardingStatus is whether a device is onboarded to Defender for Endpoint.
// Graph type: microsoft.graph.security.onboardingStatus. A value the service adds later decodes as its own
// string; see [OnboardingStatus.IsKnown].
type OnboardingStatus string

// Members of OnboardingStatus.
const (
	OnboardingStatusInsufficientInfo   OnboardingStatus = "insufficientInfo"
	OnboardingStatusOnboarded          OnboardingStatus = "onboarded"
	OnboardingStatusCanBeOnboarded     OnboardingStatus = "canBeOnboarded"
	OnboardingStatusUnsupported        OnboardingStatus = "unsupported"
	OnboardingStatusUnknownFutureValue OnboardingStatus = "unknownFutureValue"
)

var onboardingStatusValues = [...]OnboardingStatus{OnboardingStatusInsufficientInfo, OnboardingStatusOnboarded, OnboardingStatusCanBeOnboarded, OnboardingStatusUnsupported, OnboardingStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *OnboardingStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, onboardingStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v OnboardingStatus) IsKnown() bool { return isKnownEnum(v, onboardingStatusValues[:]) }

// DefenderAvStatus is the state of Defender Antivirus on a device.
// Graph type: microsoft.graph.security.defenderAvStatus. A value the service adds later decodes as its own
// string; see [DefenderAvStatus.IsKnown].
type DefenderAvStatus string

// Members of DefenderAvStatus.
const (
	DefenderAvStatusNotReporting       DefenderAvStatus = "notReporting"
	DefenderAvStatusDisabled           DefenderAvStatus = "disabled"
	DefenderAvStatusNotUpdated         DefenderAvStatus = "notUpdated"
	DefenderAvStatusUpdated            DefenderAvStatus = "updated"
	DefenderAvStatusUnknown            DefenderAvStatus = "unknown"
	DefenderAvStatusNotSupported       DefenderAvStatus = "notSupported"
	DefenderAvStatusUnknownFutureValue DefenderAvStatus = "unknownFutureValue"
)

var defenderAvStatusValues = [...]DefenderAvStatus{DefenderAvStatusNotReporting, DefenderAvStatusDisabled, DefenderAvStatusNotUpdated, DefenderAvStatusUpdated, DefenderAvStatusUnknown, DefenderAvStatusNotSupported, DefenderAvStatusUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *DefenderAvStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, defenderAvStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v DefenderAvStatus) IsKnown() bool { return isKnownEnum(v, defenderAvStatusValues[:]) }

// DeviceRiskScore is the risk level of a device.
// Graph type: microsoft.graph.security.deviceRiskScore. A value the service adds later decodes as its own
// string; see [DeviceRiskScore.IsKnown].
type DeviceRiskScore string

// Members of DeviceRiskScore.
const (
	DeviceRiskScoreNone               DeviceRiskScore = "none"
	DeviceRiskScoreInformational      DeviceRiskScore = "informational"
	DeviceRiskScoreLow                DeviceRiskScore = "low"
	DeviceRiskScoreMedium             DeviceRiskScore = "medium"
	DeviceRiskScoreHigh               DeviceRiskScore = "high"
	DeviceRiskScoreUnknownFutureValue DeviceRiskScore = "unknownFutureValue"
)

var deviceRiskScoreValues = [...]DeviceRiskScore{DeviceRiskScoreNone, DeviceRiskScoreInformational, DeviceRiskScoreLow, DeviceRiskScoreMedium, DeviceRiskScoreHigh, DeviceRiskScoreUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *DeviceRiskScore) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, deviceRiskScoreValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v DeviceRiskScore) IsKnown() bool { return isKnownEnum(v, deviceRiskScoreValues[:]) }

// VMCloudProvider is the cloud hosting a virtual machine.
// Graph type: microsoft.graph.security.vmCloudProvider. A value the service adds later decodes as its own
// string; see [VMCloudProvider.IsKnown].
type VMCloudProvider string

// Members of VMCloudProvider.
const (
	VMCloudProviderUnknown            VMCloudProvider = "unknown"
	VMCloudProviderAzure              VMCloudProvider = "azure"
	VMCloudProviderUnknownFutureValue VMCloudProvider = "unknownFutureValue"
)

var vMCloudProviderValues = [...]VMCloudProvider{VMCloudProviderUnknown, VMCloudProviderAzure, VMCloudProviderUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *VMCloudProvider) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, vMCloudProviderValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v VMCloudProvider) IsKnown() bool { return isKnownEnum(v, vMCloudProviderValues[:]) }

// ProtocolType is the transport protocol of a network connection evidence.
// Graph type: microsoft.graph.security.protocolType. A value the service adds later decodes as its own
// string; see [ProtocolType.IsKnown].
type ProtocolType string

// Members of ProtocolType.
const (
	ProtocolTypeTcp                ProtocolType = "tcp"
	ProtocolTypeUdp                ProtocolType = "udp"
	ProtocolTypeUnknownFutureValue ProtocolType = "unknownFutureValue"
)

var protocolTypeValues = [...]ProtocolType{ProtocolTypeTcp, ProtocolTypeUdp, ProtocolTypeUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ProtocolType) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, protocolTypeValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v ProtocolType) IsKnown() bool { return isKnownEnum(v, protocolTypeValues[:]) }

// FileHashAlgorithm is the algorithm of a file hash evidence.
// Graph type: microsoft.graph.security.fileHashAlgorithm. A value the service adds later decodes as its own
// string; see [FileHashAlgorithm.IsKnown].
type FileHashAlgorithm string

// Members of FileHashAlgorithm.
const (
	FileHashAlgorithmUnknown            FileHashAlgorithm = "unknown"
	FileHashAlgorithmMd5                FileHashAlgorithm = "md5"
	FileHashAlgorithmSha1               FileHashAlgorithm = "sha1"
	FileHashAlgorithmSha256             FileHashAlgorithm = "sha256"
	FileHashAlgorithmSha256ac           FileHashAlgorithm = "sha256ac"
	FileHashAlgorithmUnknownFutureValue FileHashAlgorithm = "unknownFutureValue"
)

var fileHashAlgorithmValues = [...]FileHashAlgorithm{FileHashAlgorithmUnknown, FileHashAlgorithmMd5, FileHashAlgorithmSha1, FileHashAlgorithmSha256, FileHashAlgorithmSha256ac, FileHashAlgorithmUnknownFutureValue}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *FileHashAlgorithm) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, fileHashAlgorithmValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v FileHashAlgorithm) IsKnown() bool { return isKnownEnum(v, fileHashAlgorithmValues[:]) }

// IncidentStatus is the state of an incident. awaitingAction is evolvable and set only by Defender Experts.
// Graph type: microsoft.graph.security.incidentStatus. A value the service adds later decodes as its own
// string; see [IncidentStatus.IsKnown].
type IncidentStatus string

// Members of IncidentStatus.
const (
	IncidentStatusActive             IncidentStatus = "active"
	IncidentStatusResolved           IncidentStatus = "resolved"
	IncidentStatusInProgress         IncidentStatus = "inProgress"
	IncidentStatusRedirected         IncidentStatus = "redirected"
	IncidentStatusUnknownFutureValue IncidentStatus = "unknownFutureValue"
	IncidentStatusAwaitingAction     IncidentStatus = "awaitingAction"
)

var incidentStatusValues = [...]IncidentStatus{IncidentStatusActive, IncidentStatusResolved, IncidentStatusInProgress, IncidentStatusRedirected, IncidentStatusUnknownFutureValue, IncidentStatusAwaitingAction}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *IncidentStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, incidentStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v IncidentStatus) IsKnown() bool { return isKnownEnum(v, incidentStatusValues[:]) }

// OperationStatus is the progress of a security action. The beta SDKs write PascalCase and the docs' sample camelCase; both decode to these constants.
// Graph type: microsoft.graph.operationStatus. A value the service adds later decodes as its own
// string; see [OperationStatus.IsKnown].
type OperationStatus string

// Members of OperationStatus.
const (
	OperationStatusNotStarted OperationStatus = "NotStarted"
	OperationStatusRunning    OperationStatus = "Running"
	OperationStatusCompleted  OperationStatus = "Completed"
	OperationStatusFailed     OperationStatus = "Failed"
)

var operationStatusValues = [...]OperationStatus{OperationStatusNotStarted, OperationStatusRunning, OperationStatusCompleted, OperationStatusFailed}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *OperationStatus) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, operationStatusValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v OperationStatus) IsKnown() bool { return isKnownEnum(v, operationStatusValues[:]) }

// ControlState is the state a tenant set on a secure score control (a string in the schema, with these documented values).
// Graph type: secureScoreControlStateUpdate.state. A value the service adds later decodes as its own
// string; see [ControlState.IsKnown].
type ControlState string

// Members of ControlState.
const (
	ControlStateDefault    ControlState = "Default"
	ControlStateIgnored    ControlState = "Ignored"
	ControlStateThirdParty ControlState = "ThirdParty"
	ControlStateReviewed   ControlState = "Reviewed"
)

var controlStateValues = [...]ControlState{ControlStateDefault, ControlStateIgnored, ControlStateThirdParty, ControlStateReviewed}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ControlState) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, controlStateValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v ControlState) IsKnown() bool { return isKnownEnum(v, controlStateValues[:]) }

// BodyType is the format of a message body.
// Graph type: microsoft.graph.bodyType. A value the service adds later decodes as its own
// string; see [BodyType.IsKnown].
type BodyType string

// Members of BodyType.
const (
	BodyTypeText BodyType = "text"
	BodyTypeHTML BodyType = "html"
)

var bodyTypeValues = [...]BodyType{BodyTypeText, BodyTypeHTML}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *BodyType) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, bodyTypeValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v BodyType) IsKnown() bool { return isKnownEnum(v, bodyTypeValues[:]) }

// Importance is the importance of a message.
// Graph type: microsoft.graph.importance. A value the service adds later decodes as its own
// string; see [Importance.IsKnown].
type Importance string

// Members of Importance.
const (
	ImportanceLow    Importance = "low"
	ImportanceNormal Importance = "normal"
	ImportanceHigh   Importance = "high"
)

var importanceValues = [...]Importance{ImportanceLow, ImportanceNormal, ImportanceHigh}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *Importance) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, importanceValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v Importance) IsKnown() bool { return isKnownEnum(v, importanceValues[:]) }

// ChangeType is the kind of change a notification reports.
// Graph type: changeNotification.changeType. A value the service adds later decodes as its own
// string; see [ChangeType.IsKnown].
type ChangeType string

// Members of ChangeType.
const (
	ChangeTypeCreated ChangeType = "created"
	ChangeTypeUpdated ChangeType = "updated"
	ChangeTypeDeleted ChangeType = "deleted"
)

var changeTypeValues = [...]ChangeType{ChangeTypeCreated, ChangeTypeUpdated, ChangeTypeDeleted}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *ChangeType) UnmarshalJSON(b []byte) error { return decodeEnum(b, v, changeTypeValues[:]) }

// IsKnown reports whether v is one of the members this package knows.
func (v ChangeType) IsKnown() bool { return isKnownEnum(v, changeTypeValues[:]) }

// LifecycleEvent is the kind of lifecycle notification Graph sent about a subscription.
// Graph type: microsoft.graph.lifecycleEventType. A value the service adds later decodes as its own
// string; see [LifecycleEvent.IsKnown].
type LifecycleEvent string

// Members of LifecycleEvent.
const (
	LifecycleEventMissed                  LifecycleEvent = "missed"
	LifecycleEventSubscriptionRemoved     LifecycleEvent = "subscriptionRemoved"
	LifecycleEventReauthorizationRequired LifecycleEvent = "reauthorizationRequired"
)

var lifecycleEventValues = [...]LifecycleEvent{LifecycleEventMissed, LifecycleEventSubscriptionRemoved, LifecycleEventReauthorizationRequired}

// UnmarshalJSON keeps unknown members as their string and maps known ones
// case-insensitively onto the constants, so one new member never fails a page.
func (v *LifecycleEvent) UnmarshalJSON(b []byte) error {
	return decodeEnum(b, v, lifecycleEventValues[:])
}

// IsKnown reports whether v is one of the members this package knows.
func (v LifecycleEvent) IsKnown() bool { return isKnownEnum(v, lifecycleEventValues[:]) }
