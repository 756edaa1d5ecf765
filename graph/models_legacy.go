package graph

import (
	"encoding/json"
	"reflect"
	"time"
)

// LegacyAlertSummary is the part of a legacy alert a list shows, one line
// per alert. [LegacyAlertsService.ListSummaries] decodes a page into it: a
// legacy alert carries a dozen state collections, and building them all
// is most of the cost of a page that shows none of them.
type LegacyAlertSummary struct {
	ID                string                     `json:"id"`
	Title             string                     `json:"title,omitzero"`
	Category          string                     `json:"category,omitzero"`
	Severity          LegacyAlertSeverity        `json:"severity,omitzero"`
	Status            LegacyAlertStatus          `json:"status,omitzero"`
	AssignedTo        string                     `json:"assignedTo,omitzero"`
	VendorInformation *SecurityVendorInformation `json:"vendorInformation,omitzero"`
	// The alert's times: a poller of legacy alerts orders and resumes on
	// lastModifiedDateTime.
	CreatedDateTime      time.Time `json:"createdDateTime,omitzero"`
	LastModifiedDateTime time.Time `json:"lastModifiedDateTime,omitzero"`
}

// Provider returns the alert's vendorInformation/provider ("" without one).
func (a *LegacyAlertSummary) Provider() string {
	if a.VendorInformation == nil {
		return ""
	}
	return a.VendorInformation.Provider
}

// LegacyAlert is microsoft.graph.alert, served by /security/alerts. It is an
// OpenType: members this struct does not declare are kept in AdditionalData
// and written back by MarshalJSON.
type LegacyAlert struct {
	ID                          string                       `json:"id"`
	ActivityGroupName           string                       `json:"activityGroupName,omitzero"`
	AlertDetections             []AlertDetection             `json:"alertDetections,omitzero"`
	AssignedTo                  string                       `json:"assignedTo,omitzero"`
	AzureSubscriptionID         string                       `json:"azureSubscriptionId,omitzero"`
	AzureTenantID               string                       `json:"azureTenantId"`
	Category                    string                       `json:"category,omitzero"`
	ClosedDateTime              time.Time                    `json:"closedDateTime,omitzero"`
	CloudAppStates              []CloudAppSecurityState      `json:"cloudAppStates,omitzero"`
	Comments                    []string                     `json:"comments,omitzero"`
	Confidence                  *int32                       `json:"confidence,omitzero"`
	CreatedDateTime             time.Time                    `json:"createdDateTime,omitzero"`
	Description                 string                       `json:"description,omitzero"`
	DetectionIDs                []string                     `json:"detectionIds,omitzero"`
	EventDateTime               time.Time                    `json:"eventDateTime,omitzero"`
	Feedback                    LegacyAlertFeedback          `json:"feedback,omitzero"`
	FileStates                  []FileSecurityState          `json:"fileStates,omitzero"`
	HistoryStates               []AlertHistoryState          `json:"historyStates,omitzero"`
	HostStates                  []HostSecurityState          `json:"hostStates,omitzero"`
	IncidentIDs                 []string                     `json:"incidentIds,omitzero"`
	InvestigationSecurityStates []InvestigationSecurityState `json:"investigationSecurityStates,omitzero"`
	LastEventDateTime           time.Time                    `json:"lastEventDateTime,omitzero"`
	LastModifiedDateTime        time.Time                    `json:"lastModifiedDateTime,omitzero"`
	MalwareStates               []MalwareState               `json:"malwareStates,omitzero"`
	MessageSecurityStates       []MessageSecurityState       `json:"messageSecurityStates,omitzero"`
	NetworkConnections          []NetworkConnection          `json:"networkConnections,omitzero"`
	Processes                   []Process                    `json:"processes,omitzero"`
	RecommendedActions          []string                     `json:"recommendedActions,omitzero"`
	RegistryKeyStates           []RegistryKeyState           `json:"registryKeyStates,omitzero"`
	SecurityResources           []SecurityResource           `json:"securityResources,omitzero"`
	Severity                    LegacyAlertSeverity          `json:"severity"`
	SourceMaterials             []string                     `json:"sourceMaterials,omitzero"`
	Status                      LegacyAlertStatus            `json:"status"`
	Tags                        []string                     `json:"tags,omitzero"`
	Title                       string                       `json:"title"`
	Triggers                    []AlertTrigger               `json:"triggers,omitzero"`
	URIClickSecurityStates      []URIClickSecurityState      `json:"uriClickSecurityStates,omitzero"`
	UserStates                  []UserSecurityState          `json:"userStates,omitzero"`
	VendorInformation           *SecurityVendorInformation   `json:"vendorInformation,omitzero"`
	VulnerabilityStates         []VulnerabilityState         `json:"vulnerabilityStates,omitzero"`

	// AdditionalData holds members the schema does not declare (OData
	// annotations included), verbatim.
	AdditionalData map[string]json.RawMessage `json:"-"`
}

type legacyAlertWire LegacyAlert

var legacyAlertDeclared = fieldNames(reflect.TypeFor[legacyAlertWire]())

// UnmarshalJSON keeps undeclared members in AdditionalData.
// Provider returns the alert's vendorInformation/provider ("" without one).
func (a *LegacyAlert) Provider() string {
	if a.VendorInformation == nil {
		return ""
	}
	return a.VendorInformation.Provider
}

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
	AADUserID                    string                  `json:"aadUserId,omitzero"`
	AccountName                  string                  `json:"accountName,omitzero"`
	DomainName                   string                  `json:"domainName,omitzero"`
	EmailRole                    EmailRole               `json:"emailRole,omitzero"`
	IsVPN                        *bool                   `json:"isVpn,omitzero"`
	LogonDateTime                time.Time               `json:"logonDateTime,omitzero"`
	LogonID                      string                  `json:"logonId,omitzero"`
	LogonIP                      string                  `json:"logonIp,omitzero"`
	LogonLocation                string                  `json:"logonLocation,omitzero"`
	LogonType                    LogonType               `json:"logonType,omitzero"`
	OnPremisesSecurityIdentifier string                  `json:"onPremisesSecurityIdentifier,omitzero"`
	RiskScore                    string                  `json:"riskScore,omitzero"`
	UserAccountType              UserAccountSecurityType `json:"userAccountType,omitzero"`
	UserPrincipalName            string                  `json:"userPrincipalName,omitzero"`
}

// HostSecurityState is a host involved in a legacy alert. The join flags
// are named isAzureAdJoined and isAzureAdRegistered in Graph's metadata
// (and in Microsoft's SDKs generated from it); older docs samples spell
// them isAzureAadJoined and isAzureAadRegistered, which are read too.
type HostSecurityState struct {
	FQDN                      string `json:"fqdn,omitzero"`
	IsAzureADJoined           *bool  `json:"isAzureAdJoined,omitzero"`
	IsAzureADRegistered       *bool  `json:"isAzureAdRegistered,omitzero"`
	IsHybridAzureDomainJoined *bool  `json:"isHybridAzureDomainJoined,omitzero"`
	NetBIOSName               string `json:"netBiosName,omitzero"`
	OS                        string `json:"os,omitzero"`
	PrivateIPAddress          string `json:"privateIpAddress,omitzero"`
	PublicIPAddress           string `json:"publicIpAddress,omitzero"`
	RiskScore                 string `json:"riskScore,omitzero"`
}

// UnmarshalJSON reads the metadata's names, falling back to the older
// docs' spelling.
func (h *HostSecurityState) UnmarshalJSON(b []byte) error {
	type plain HostSecurityState
	var v struct {
		plain
		OldJoined     *bool `json:"isAzureAadJoined"`
		OldRegistered *bool `json:"isAzureAadRegistered"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*h = HostSecurityState(v.plain)
	if h.IsAzureADJoined == nil {
		h.IsAzureADJoined = v.OldJoined
	}
	if h.IsAzureADRegistered == nil {
		h.IsAzureADRegistered = v.OldRegistered
	}
	return nil
}

// FileSecurityState is a file involved in a legacy alert.
type FileSecurityState struct {
	FileHash  *FileHash `json:"fileHash,omitzero"`
	Name      string    `json:"name,omitzero"`
	Path      string    `json:"path,omitzero"`
	RiskScore string    `json:"riskScore,omitzero"`
}

// FileHash is a hash of a file in a legacy alert.
type FileHash struct {
	HashType  FileHashType `json:"hashType,omitzero"`
	HashValue string       `json:"hashValue,omitzero"`
}

// NetworkConnection is a connection in a legacy alert. Ports are strings in
// the schema.
type NetworkConnection struct {
	ApplicationName          string                  `json:"applicationName,omitzero"`
	DestinationAddress       string                  `json:"destinationAddress,omitzero"`
	DestinationDomain        string                  `json:"destinationDomain,omitzero"`
	DestinationLocation      string                  `json:"destinationLocation,omitzero"`
	DestinationPort          string                  `json:"destinationPort,omitzero"`
	DestinationURL           string                  `json:"destinationUrl,omitzero"`
	Direction                ConnectionDirection     `json:"direction,omitzero"`
	DomainRegisteredDateTime time.Time               `json:"domainRegisteredDateTime,omitzero"`
	LocalDNSName             string                  `json:"localDnsName,omitzero"`
	NATDestinationAddress    string                  `json:"natDestinationAddress,omitzero"`
	NATDestinationPort       string                  `json:"natDestinationPort,omitzero"`
	NATSourceAddress         string                  `json:"natSourceAddress,omitzero"`
	NATSourcePort            string                  `json:"natSourcePort,omitzero"`
	Protocol                 SecurityNetworkProtocol `json:"protocol,omitzero"`
	RiskScore                string                  `json:"riskScore,omitzero"`
	SourceAddress            string                  `json:"sourceAddress,omitzero"`
	SourceLocation           string                  `json:"sourceLocation,omitzero"`
	SourcePort               string                  `json:"sourcePort,omitzero"`
	Status                   ConnectionStatus        `json:"status,omitzero"`
	URLParameters            string                  `json:"urlParameters,omitzero"`
}

// Process is a process in a legacy alert (the type is "process", not
// "processSecurityState").
type Process struct {
	AccountName                  string                `json:"accountName,omitzero"`
	CommandLine                  string                `json:"commandLine,omitzero"`
	CreatedDateTime              time.Time             `json:"createdDateTime,omitzero"`
	FileHash                     *FileHash             `json:"fileHash,omitzero"`
	IntegrityLevel               ProcessIntegrityLevel `json:"integrityLevel,omitzero"`
	IsElevated                   *bool                 `json:"isElevated,omitzero"`
	Name                         string                `json:"name,omitzero"`
	ParentProcessCreatedDateTime time.Time             `json:"parentProcessCreatedDateTime,omitzero"`
	ParentProcessID              *int32                `json:"parentProcessId,omitzero"`
	ParentProcessName            string                `json:"parentProcessName,omitzero"`
	Path                         string                `json:"path,omitzero"`
	ProcessID                    *int32                `json:"processId,omitzero"`
}

// CloudAppSecurityState is a cloud application in a legacy alert.
type CloudAppSecurityState struct {
	DestinationServiceIP   string `json:"destinationServiceIp,omitzero"`
	DestinationServiceName string `json:"destinationServiceName,omitzero"`
	RiskScore              string `json:"riskScore,omitzero"`
}

// MalwareState is malware named in a legacy alert.
type MalwareState struct {
	Category   string `json:"category,omitzero"`
	Family     string `json:"family,omitzero"`
	Name       string `json:"name,omitzero"`
	Severity   string `json:"severity,omitzero"`
	WasRunning *bool  `json:"wasRunning,omitzero"`
}

// RegistryKeyState is a registry change in a legacy alert.
type RegistryKeyState struct {
	Hive         RegistryHive      `json:"hive,omitzero"`
	Key          string            `json:"key,omitzero"`
	OldKey       string            `json:"oldKey,omitzero"`
	OldValueData string            `json:"oldValueData,omitzero"`
	OldValueName string            `json:"oldValueName,omitzero"`
	Operation    RegistryOperation `json:"operation,omitzero"`
	ProcessID    *int32            `json:"processId,omitzero"`
	ValueData    string            `json:"valueData,omitzero"`
	ValueName    string            `json:"valueName,omitzero"`
	ValueType    RegistryValueType `json:"valueType,omitzero"`
}

// VulnerabilityState is a vulnerability named in a legacy alert.
type VulnerabilityState struct {
	CVE        string `json:"cve,omitzero"`
	Severity   string `json:"severity,omitzero"`
	WasRunning *bool  `json:"wasRunning,omitzero"`
}

// SecurityResource is a resource a legacy alert concerns.
type SecurityResource struct {
	Resource     string               `json:"resource"`
	ResourceType SecurityResourceType `json:"resourceType,omitzero"`
}

// AlertTrigger is a property that triggered a legacy alert, e.g. name
// "hostState.privateIpAddress", type "String", value "10.154.9.40".
type AlertTrigger struct {
	Name  string `json:"name,omitzero"`
	Type  string `json:"type,omitzero"`
	Value string `json:"value,omitzero"`
}

// AlertDetection describes a detection (CSDL only).
type AlertDetection struct {
	DetectionType string `json:"detectionType,omitzero"`
	Method        string `json:"method,omitzero"`
	Name          string `json:"name,omitzero"`
}

// AlertHistoryState is one past change of a legacy alert (CSDL only).
type AlertHistoryState struct {
	AppID           string              `json:"appId,omitzero"`
	AssignedTo      string              `json:"assignedTo,omitzero"`
	Comments        []string            `json:"comments,omitzero"`
	Feedback        LegacyAlertFeedback `json:"feedback,omitzero"`
	Status          LegacyAlertStatus   `json:"status,omitzero"`
	UpdatedDateTime time.Time           `json:"updatedDateTime,omitzero"`
	User            string              `json:"user,omitzero"`
}

// InvestigationSecurityState is an investigation of a legacy alert (CSDL
// only).
type InvestigationSecurityState struct {
	Name   string `json:"name,omitzero"`
	Status string `json:"status,omitzero"`
}

// MessageSecurityState is a mail message in a legacy alert (CSDL only).
type MessageSecurityState struct {
	ConnectingIP            string    `json:"connectingIP,omitzero"`
	DeliveryAction          string    `json:"deliveryAction,omitzero"`
	DeliveryLocation        string    `json:"deliveryLocation,omitzero"`
	Directionality          string    `json:"directionality,omitzero"`
	InternetMessageID       string    `json:"internetMessageId,omitzero"`
	MessageFingerprint      string    `json:"messageFingerprint,omitzero"`
	MessageReceivedDateTime time.Time `json:"messageReceivedDateTime,omitzero"`
	MessageSubject          string    `json:"messageSubject,omitzero"`
	NetworkMessageID        string    `json:"networkMessageId,omitzero"`
}

// URIClickSecurityState is a URL click in a legacy alert (CSDL only).
type URIClickSecurityState struct {
	ClickAction   string    `json:"clickAction,omitzero"`
	ClickDateTime time.Time `json:"clickDateTime,omitzero"`
	ID            string    `json:"id,omitzero"`
	SourceID      string    `json:"sourceId,omitzero"`
	URIDomain     string    `json:"uriDomain,omitzero"`
	Verdict       string    `json:"verdict,omitzero"`
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
