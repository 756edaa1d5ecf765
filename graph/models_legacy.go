package graph

import (
	"encoding/json"
	"reflect"
	"time"
)

// LegacyAlert is microsoft.graph.alert, served by /security/alerts. It is an
// OpenType: members this struct does not declare are kept in AdditionalData
// and written back by MarshalJSON.
type LegacyAlert struct {
	ID                          string                       `json:"id"`
	ActivityGroupName           string                       `json:"activityGroupName,omitempty"`
	AlertDetections             []AlertDetection             `json:"alertDetections,omitempty"`
	AssignedTo                  string                       `json:"assignedTo,omitempty"`
	AzureSubscriptionID         string                       `json:"azureSubscriptionId,omitempty"`
	AzureTenantID               string                       `json:"azureTenantId"`
	Category                    string                       `json:"category,omitempty"`
	ClosedDateTime              time.Time                    `json:"closedDateTime,omitzero"`
	CloudAppStates              []CloudAppSecurityState      `json:"cloudAppStates,omitempty"`
	Comments                    []string                     `json:"comments,omitempty"`
	Confidence                  *int32                       `json:"confidence,omitempty"`
	CreatedDateTime             time.Time                    `json:"createdDateTime,omitzero"`
	Description                 string                       `json:"description,omitempty"`
	DetectionIDs                []string                     `json:"detectionIds,omitempty"`
	EventDateTime               time.Time                    `json:"eventDateTime,omitzero"`
	Feedback                    LegacyAlertFeedback          `json:"feedback,omitempty"`
	FileStates                  []FileSecurityState          `json:"fileStates,omitempty"`
	HistoryStates               []AlertHistoryState          `json:"historyStates,omitempty"`
	HostStates                  []HostSecurityState          `json:"hostStates,omitempty"`
	IncidentIDs                 []string                     `json:"incidentIds,omitempty"`
	InvestigationSecurityStates []InvestigationSecurityState `json:"investigationSecurityStates,omitempty"`
	LastEventDateTime           time.Time                    `json:"lastEventDateTime,omitzero"`
	LastModifiedDateTime        time.Time                    `json:"lastModifiedDateTime,omitzero"`
	MalwareStates               []MalwareState               `json:"malwareStates,omitempty"`
	MessageSecurityStates       []MessageSecurityState       `json:"messageSecurityStates,omitempty"`
	NetworkConnections          []NetworkConnection          `json:"networkConnections,omitempty"`
	Processes                   []Process                    `json:"processes,omitempty"`
	RecommendedActions          []string                     `json:"recommendedActions,omitempty"`
	RegistryKeyStates           []RegistryKeyState           `json:"registryKeyStates,omitempty"`
	SecurityResources           []SecurityResource           `json:"securityResources,omitempty"`
	Severity                    LegacyAlertSeverity          `json:"severity"`
	SourceMaterials             []string                     `json:"sourceMaterials,omitempty"`
	Status                      LegacyAlertStatus            `json:"status"`
	Tags                        []string                     `json:"tags,omitempty"`
	Title                       string                       `json:"title"`
	Triggers                    []AlertTrigger               `json:"triggers,omitempty"`
	URIClickSecurityStates      []URIClickSecurityState      `json:"uriClickSecurityStates,omitempty"`
	UserStates                  []UserSecurityState          `json:"userStates,omitempty"`
	VendorInformation           *SecurityVendorInformation   `json:"vendorInformation,omitempty"`
	VulnerabilityStates         []VulnerabilityState         `json:"vulnerabilityStates,omitempty"`

	// AdditionalData holds members the schema does not declare (OData
	// annotations included), verbatim.
	AdditionalData map[string]json.RawMessage `json:"-"`
}

type legacyAlertWire LegacyAlert

var legacyAlertDeclared = fieldNames(reflect.TypeFor[legacyAlertWire]())

// UnmarshalJSON keeps undeclared members in AdditionalData.
func (a *LegacyAlert) UnmarshalJSON(b []byte) error {
	var w legacyAlertWire
	extra, err := decodeOpen(b, &w, legacyAlertDeclared)
	if err != nil {
		return err
	}
	w.AdditionalData = extra
	*a = LegacyAlert(w)
	return nil
}

// MarshalJSON writes the declared members, then AdditionalData.
func (a LegacyAlert) MarshalJSON() ([]byte, error) {
	return encodeOpen(legacyAlertWire(a), a.AdditionalData, legacyAlertDeclared)
}

// SecurityVendorInformation names the product behind a legacy alert, secure
// score or security action. Provider and Vendor are required in every
// legacy alert and control profile PATCH; the SDKs send the other two as
// null, and so does this struct when they are empty.
type SecurityVendorInformation struct {
	Provider        string  `json:"provider"`
	ProviderVersion *string `json:"providerVersion"`
	SubProvider     *string `json:"subProvider"`
	Vendor          string  `json:"vendor"`
}

// UserSecurityState is a user involved in a legacy alert.
type UserSecurityState struct {
	AADUserID                    string                  `json:"aadUserId,omitempty"`
	AccountName                  string                  `json:"accountName,omitempty"`
	DomainName                   string                  `json:"domainName,omitempty"`
	EmailRole                    EmailRole               `json:"emailRole,omitempty"`
	IsVPN                        *bool                   `json:"isVpn,omitempty"`
	LogonDateTime                time.Time               `json:"logonDateTime,omitzero"`
	LogonID                      string                  `json:"logonId,omitempty"`
	LogonIP                      string                  `json:"logonIp,omitempty"`
	LogonLocation                string                  `json:"logonLocation,omitempty"`
	LogonType                    LogonType               `json:"logonType,omitempty"`
	OnPremisesSecurityIdentifier string                  `json:"onPremisesSecurityIdentifier,omitempty"`
	RiskScore                    string                  `json:"riskScore,omitempty"`
	UserAccountType              UserAccountSecurityType `json:"userAccountType,omitempty"`
	UserPrincipalName            string                  `json:"userPrincipalName,omitempty"`
}

// HostSecurityState is a host involved in a legacy alert.
type HostSecurityState struct {
	FQDN                      string `json:"fqdn,omitempty"`
	IsAzureADJoined           *bool  `json:"isAzureAadJoined,omitempty"`
	IsAzureADRegistered       *bool  `json:"isAzureAadRegistered,omitempty"`
	IsHybridAzureDomainJoined *bool  `json:"isHybridAzureDomainJoined,omitempty"`
	NetBIOSName               string `json:"netBiosName,omitempty"`
	OS                        string `json:"os,omitempty"`
	PrivateIPAddress          string `json:"privateIpAddress,omitempty"`
	PublicIPAddress           string `json:"publicIpAddress,omitempty"`
	RiskScore                 string `json:"riskScore,omitempty"`
}

// FileSecurityState is a file involved in a legacy alert.
type FileSecurityState struct {
	FileHash  *FileHash `json:"fileHash,omitempty"`
	Name      string    `json:"name,omitempty"`
	Path      string    `json:"path,omitempty"`
	RiskScore string    `json:"riskScore,omitempty"`
}

// FileHash is a hash of a file in a legacy alert.
type FileHash struct {
	HashType  FileHashType `json:"hashType,omitempty"`
	HashValue string       `json:"hashValue,omitempty"`
}

// NetworkConnection is a connection in a legacy alert. Ports are strings in
// the schema.
type NetworkConnection struct {
	ApplicationName          string                  `json:"applicationName,omitempty"`
	DestinationAddress       string                  `json:"destinationAddress,omitempty"`
	DestinationDomain        string                  `json:"destinationDomain,omitempty"`
	DestinationLocation      string                  `json:"destinationLocation,omitempty"`
	DestinationPort          string                  `json:"destinationPort,omitempty"`
	DestinationURL           string                  `json:"destinationUrl,omitempty"`
	Direction                ConnectionDirection     `json:"direction,omitempty"`
	DomainRegisteredDateTime time.Time               `json:"domainRegisteredDateTime,omitzero"`
	LocalDNSName             string                  `json:"localDnsName,omitempty"`
	NATDestinationAddress    string                  `json:"natDestinationAddress,omitempty"`
	NATDestinationPort       string                  `json:"natDestinationPort,omitempty"`
	NATSourceAddress         string                  `json:"natSourceAddress,omitempty"`
	NATSourcePort            string                  `json:"natSourcePort,omitempty"`
	Protocol                 SecurityNetworkProtocol `json:"protocol,omitempty"`
	RiskScore                string                  `json:"riskScore,omitempty"`
	SourceAddress            string                  `json:"sourceAddress,omitempty"`
	SourceLocation           string                  `json:"sourceLocation,omitempty"`
	SourcePort               string                  `json:"sourcePort,omitempty"`
	Status                   ConnectionStatus        `json:"status,omitempty"`
	URLParameters            string                  `json:"urlParameters,omitempty"`
}

// Process is a process in a legacy alert (the type is "process", not
// "processSecurityState").
type Process struct {
	AccountName                  string                `json:"accountName,omitempty"`
	CommandLine                  string                `json:"commandLine,omitempty"`
	CreatedDateTime              time.Time             `json:"createdDateTime,omitzero"`
	FileHash                     *FileHash             `json:"fileHash,omitempty"`
	IntegrityLevel               ProcessIntegrityLevel `json:"integrityLevel,omitempty"`
	IsElevated                   *bool                 `json:"isElevated,omitempty"`
	Name                         string                `json:"name,omitempty"`
	ParentProcessCreatedDateTime time.Time             `json:"parentProcessCreatedDateTime,omitzero"`
	ParentProcessID              *int32                `json:"parentProcessId,omitempty"`
	ParentProcessName            string                `json:"parentProcessName,omitempty"`
	Path                         string                `json:"path,omitempty"`
	ProcessID                    *int32                `json:"processId,omitempty"`
}

// CloudAppSecurityState is a cloud application in a legacy alert.
type CloudAppSecurityState struct {
	DestinationServiceIP   string `json:"destinationServiceIp,omitempty"`
	DestinationServiceName string `json:"destinationServiceName,omitempty"`
	RiskScore              string `json:"riskScore,omitempty"`
}

// MalwareState is malware named in a legacy alert.
type MalwareState struct {
	Category   string `json:"category,omitempty"`
	Family     string `json:"family,omitempty"`
	Name       string `json:"name,omitempty"`
	Severity   string `json:"severity,omitempty"`
	WasRunning *bool  `json:"wasRunning,omitempty"`
}

// RegistryKeyState is a registry change in a legacy alert.
type RegistryKeyState struct {
	Hive         RegistryHive      `json:"hive,omitempty"`
	Key          string            `json:"key,omitempty"`
	OldKey       string            `json:"oldKey,omitempty"`
	OldValueData string            `json:"oldValueData,omitempty"`
	OldValueName string            `json:"oldValueName,omitempty"`
	Operation    RegistryOperation `json:"operation,omitempty"`
	ProcessID    *int32            `json:"processId,omitempty"`
	ValueData    string            `json:"valueData,omitempty"`
	ValueName    string            `json:"valueName,omitempty"`
	ValueType    RegistryValueType `json:"valueType,omitempty"`
}

// VulnerabilityState is a vulnerability named in a legacy alert.
type VulnerabilityState struct {
	CVE        string `json:"cve,omitempty"`
	Severity   string `json:"severity,omitempty"`
	WasRunning *bool  `json:"wasRunning,omitempty"`
}

// SecurityResource is a resource a legacy alert concerns.
type SecurityResource struct {
	Resource     string               `json:"resource"`
	ResourceType SecurityResourceType `json:"resourceType,omitempty"`
}

// AlertTrigger is a property that triggered a legacy alert, e.g. name
// "hostState.privateIpAddress", type "String", value "10.154.9.40".
type AlertTrigger struct {
	Name  string `json:"name,omitempty"`
	Type  string `json:"type,omitempty"`
	Value string `json:"value,omitempty"`
}

// AlertDetection describes a detection (CSDL only).
type AlertDetection struct {
	DetectionType string `json:"detectionType,omitempty"`
	Method        string `json:"method,omitempty"`
	Name          string `json:"name,omitempty"`
}

// AlertHistoryState is one past change of a legacy alert (CSDL only).
type AlertHistoryState struct {
	AppID           string              `json:"appId,omitempty"`
	AssignedTo      string              `json:"assignedTo,omitempty"`
	Comments        []string            `json:"comments,omitempty"`
	Feedback        LegacyAlertFeedback `json:"feedback,omitempty"`
	Status          LegacyAlertStatus   `json:"status,omitempty"`
	UpdatedDateTime time.Time           `json:"updatedDateTime,omitzero"`
	User            string              `json:"user,omitempty"`
}

// InvestigationSecurityState is an investigation of a legacy alert (CSDL
// only).
type InvestigationSecurityState struct {
	Name   string `json:"name,omitempty"`
	Status string `json:"status,omitempty"`
}

// MessageSecurityState is a mail message in a legacy alert (CSDL only).
type MessageSecurityState struct {
	ConnectingIP            string    `json:"connectingIP,omitempty"`
	DeliveryAction          string    `json:"deliveryAction,omitempty"`
	DeliveryLocation        string    `json:"deliveryLocation,omitempty"`
	Directionality          string    `json:"directionality,omitempty"`
	InternetMessageID       string    `json:"internetMessageId,omitempty"`
	MessageFingerprint      string    `json:"messageFingerprint,omitempty"`
	MessageReceivedDateTime time.Time `json:"messageReceivedDateTime,omitzero"`
	MessageSubject          string    `json:"messageSubject,omitempty"`
	NetworkMessageID        string    `json:"networkMessageId,omitempty"`
}

// URIClickSecurityState is a URL click in a legacy alert (CSDL only).
type URIClickSecurityState struct {
	ClickAction   string    `json:"clickAction,omitempty"`
	ClickDateTime time.Time `json:"clickDateTime,omitzero"`
	ID            string    `json:"id,omitempty"`
	SourceID      string    `json:"sourceId,omitempty"`
	URIDomain     string    `json:"uriDomain,omitempty"`
	Verdict       string    `json:"verdict,omitempty"`
}

// LegacyAlertUpdate is the body of PATCH /security/alerts/{id}. Only the
// set fields are sent. VendorInformation is required by the service (with
// provider and vendor, usually copied from the alert being updated).
// Comments accepts only the literal values "Closed in IPC" and "Closed in
// MCAS".
type LegacyAlertUpdate struct {
	AssignedTo        Optional[string]              `json:"assignedTo,omitzero"`
	ClosedDateTime    Optional[time.Time]           `json:"closedDateTime,omitzero"`
	Comments          Optional[[]string]            `json:"comments,omitzero"`
	Feedback          Optional[LegacyAlertFeedback] `json:"feedback,omitzero"`
	Status            Optional[LegacyAlertStatus]   `json:"status,omitzero"`
	Tags              Optional[[]string]            `json:"tags,omitzero"`
	VendorInformation SecurityVendorInformation     `json:"vendorInformation"`

	// ReturnRepresentation asks for the updated alert (Prefer:
	// return=representation, answered 200) instead of 204 No Content.
	ReturnRepresentation bool `json:"-"`
}
