package graph

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Evidence is one entry of an alert's polymorphic evidence list. The
// concrete type is chosen by @odata.type: *UserEvidence, *DeviceEvidence,
// *FileEvidence, ... and *UnknownEvidence for a type this package does not
// model, which keeps the raw JSON so nothing is lost.
type Evidence interface {
	// Common returns the members every evidence type shares.
	Common() *EvidenceBase
	// TypeName is the @odata.type, e.g. "#microsoft.graph.security.userEvidence".
	TypeName() string
}

// EvidenceBase is microsoft.graph.security.alertEvidence, the members all
// evidence types share.
type EvidenceBase struct {
	ODataType                string                    `json:"@odata.type,omitempty"`
	CreatedDateTime          time.Time                 `json:"createdDateTime,omitzero"`
	DetailedRoles            []string                  `json:"detailedRoles,omitempty"`
	RemediationStatus        EvidenceRemediationStatus `json:"remediationStatus,omitempty"`
	RemediationStatusDetails string                    `json:"remediationStatusDetails,omitempty"`
	Roles                    []EvidenceRole            `json:"roles,omitempty"`
	Tags                     []string                  `json:"tags,omitempty"`
	Verdict                  EvidenceVerdict           `json:"verdict,omitempty"`
}

// Common returns b.
func (b *EvidenceBase) Common() *EvidenceBase { return b }

const evidenceNS = "#microsoft.graph.security."

// UserEvidence is a user account.
type UserEvidence struct {
	EvidenceBase
	Stream      *Stream      `json:"stream,omitempty"`
	UserAccount *UserAccount `json:"userAccount,omitempty"`
}

// DeviceEvidence is a device.
type DeviceEvidence struct {
	EvidenceBase
	AzureADDeviceID       string                `json:"azureAdDeviceId,omitempty"`
	DefenderAvStatus      DefenderAvStatus      `json:"defenderAvStatus,omitempty"`
	DeviceDNSName         string                `json:"deviceDnsName,omitempty"`
	DNSDomain             string                `json:"dnsDomain,omitempty"`
	FirstSeenDateTime     time.Time             `json:"firstSeenDateTime,omitzero"`
	HealthStatus          DeviceHealthStatus    `json:"healthStatus,omitempty"`
	HostName              string                `json:"hostName,omitempty"`
	IPInterfaces          []string              `json:"ipInterfaces,omitempty"`
	LastExternalIPAddress string                `json:"lastExternalIpAddress,omitempty"`
	LastIPAddress         string                `json:"lastIpAddress,omitempty"`
	LoggedOnUsers         []LoggedOnUser        `json:"loggedOnUsers,omitempty"`
	MDEDeviceID           string                `json:"mdeDeviceId,omitempty"`
	NTDomain              string                `json:"ntDomain,omitempty"`
	OnboardingStatus      OnboardingStatus      `json:"onboardingStatus,omitempty"`
	OSBuild               *int64                `json:"osBuild,omitempty"`
	OSPlatform            string                `json:"osPlatform,omitempty"`
	RBACGroupID           *int32                `json:"rbacGroupId,omitempty"`
	RBACGroupName         string                `json:"rbacGroupName,omitempty"`
	ResourceAccessEvents  []ResourceAccessEvent `json:"resourceAccessEvents,omitempty"`
	RiskScore             DeviceRiskScore       `json:"riskScore,omitempty"`
	Version               string                `json:"version,omitempty"`
	VMMetadata            *VMMetadata           `json:"vmMetadata,omitempty"`
}

// FileEvidence is a file.
type FileEvidence struct {
	EvidenceBase
	DetectionStatus DetectionStatus `json:"detectionStatus,omitempty"`
	FileDetails     *FileDetails    `json:"fileDetails,omitempty"`
	MDEDeviceID     string          `json:"mdeDeviceId,omitempty"`
}

// IPEvidence is an IP address.
type IPEvidence struct {
	EvidenceBase
	CountryLetterCode string       `json:"countryLetterCode,omitempty"`
	IPAddress         string       `json:"ipAddress,omitempty"`
	Location          *GeoLocation `json:"location,omitempty"`
	Stream            *Stream      `json:"stream,omitempty"`
}

// URLEvidence is a URL.
type URLEvidence struct {
	EvidenceBase
	URL string `json:"url,omitempty"`
}

// ProcessEvidence is a process.
type ProcessEvidence struct {
	EvidenceBase
	DetectionStatus               DetectionStatus `json:"detectionStatus,omitempty"`
	ImageFile                     *FileDetails    `json:"imageFile,omitempty"`
	MDEDeviceID                   string          `json:"mdeDeviceId,omitempty"`
	ParentProcessCreationDateTime time.Time       `json:"parentProcessCreationDateTime,omitzero"`
	ParentProcessID               *int64          `json:"parentProcessId,omitempty"`
	ParentProcessImageFile        *FileDetails    `json:"parentProcessImageFile,omitempty"`
	ProcessCommandLine            string          `json:"processCommandLine,omitempty"`
	ProcessCreationDateTime       time.Time       `json:"processCreationDateTime,omitzero"`
	ProcessID                     *int64          `json:"processId,omitempty"`
	UserAccount                   *UserAccount    `json:"userAccount,omitempty"`
}

// MailboxEvidence is a mailbox.
type MailboxEvidence struct {
	EvidenceBase
	DisplayName    string       `json:"displayName,omitempty"`
	PrimaryAddress string       `json:"primaryAddress,omitempty"`
	UPN            string       `json:"upn,omitempty"`
	UserAccount    *UserAccount `json:"userAccount,omitempty"`
}

// AnalyzedMessageEvidence is an email message.
type AnalyzedMessageEvidence struct {
	EvidenceBase
	AntiSpamDirection      string       `json:"antiSpamDirection,omitempty"`
	AttachmentsCount       *int64       `json:"attachmentsCount,omitempty"`
	DeliveryAction         string       `json:"deliveryAction,omitempty"`
	DeliveryLocation       string       `json:"deliveryLocation,omitempty"`
	InternetMessageID      string       `json:"internetMessageId,omitempty"`
	Language               string       `json:"language,omitempty"`
	NetworkMessageID       string       `json:"networkMessageId,omitempty"`
	P1Sender               *EmailSender `json:"p1Sender,omitempty"`
	P2Sender               *EmailSender `json:"p2Sender,omitempty"`
	ReceivedDateTime       time.Time    `json:"receivedDateTime,omitzero"`
	RecipientEmailAddress  string       `json:"recipientEmailAddress,omitempty"`
	SenderIP               string       `json:"senderIp,omitempty"`
	Subject                string       `json:"subject,omitempty"`
	ThreatDetectionMethods []string     `json:"threatDetectionMethods,omitempty"`
	Threats                []string     `json:"threats,omitempty"`
	URLCount               *int64       `json:"urlCount,omitempty"`
	URLs                   []string     `json:"urls,omitempty"`
	URN                    string       `json:"urn,omitempty"`
}

// RegistryKeyEvidence is a registry key.
type RegistryKeyEvidence struct {
	EvidenceBase
	RegistryHive string `json:"registryHive,omitempty"` // e.g. HKEY_LOCAL_MACHINE
	RegistryKey  string `json:"registryKey,omitempty"`
}

// RegistryValueEvidence is a registry value.
type RegistryValueEvidence struct {
	EvidenceBase
	MDEDeviceID       string `json:"mdeDeviceId,omitempty"`
	RegistryHive      string `json:"registryHive,omitempty"`
	RegistryKey       string `json:"registryKey,omitempty"`
	RegistryValue     string `json:"registryValue,omitempty"`
	RegistryValueName string `json:"registryValueName,omitempty"`
	RegistryValueType string `json:"registryValueType,omitempty"`
}

// MailClusterEvidence is a cluster of similar messages.
type MailClusterEvidence struct {
	EvidenceBase
	ClusterBy         string   `json:"clusterBy,omitempty"`
	ClusterByValue    string   `json:"clusterByValue,omitempty"`
	EmailCount        *int64   `json:"emailCount,omitempty"`
	NetworkMessageIDs []string `json:"networkMessageIds,omitempty"`
	Query             string   `json:"query,omitempty"`
	URN               string   `json:"urn,omitempty"`
}

// CloudApplicationEvidence is a cloud (SaaS) application.
type CloudApplicationEvidence struct {
	EvidenceBase
	AppID        *int64  `json:"appId,omitempty"`
	DisplayName  string  `json:"displayName,omitempty"`
	InstanceID   *int64  `json:"instanceId,omitempty"`
	InstanceName string  `json:"instanceName,omitempty"`
	SaaSAppID    *int64  `json:"saasAppId,omitempty"`
	Stream       *Stream `json:"stream,omitempty"`
}

// OAuthApplicationEvidence is an OAuth application.
type OAuthApplicationEvidence struct {
	EvidenceBase
	AppID       string `json:"appId,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
	ObjectID    string `json:"objectId,omitempty"`
	Publisher   string `json:"publisher,omitempty"`
}

// SecurityGroupEvidence is a security group.
type SecurityGroupEvidence struct {
	EvidenceBase
	ActiveDirectoryObjectGUID string `json:"activeDirectoryObjectGuid,omitempty"`
	DisplayName               string `json:"displayName,omitempty"`
	DistinguishedName         string `json:"distinguishedName,omitempty"`
	FriendlyName              string `json:"friendlyName,omitempty"`
	SecurityGroupID           string `json:"securityGroupId,omitempty"`
	SID                       string `json:"sid,omitempty"`
}

// MalwareEvidence is malware, with the files and processes it involves.
type MalwareEvidence struct {
	EvidenceBase
	Category  string            `json:"category,omitempty"`
	Files     []FileEvidence    `json:"files,omitempty"`
	Name      string            `json:"name,omitempty"`
	Processes []ProcessEvidence `json:"processes,omitempty"`
}

// NetworkConnectionEvidence is a network connection.
type NetworkConnectionEvidence struct {
	EvidenceBase
	DestinationAddress *IPEvidence  `json:"destinationAddress,omitempty"`
	DestinationPort    *int32       `json:"destinationPort,omitempty"`
	Protocol           ProtocolType `json:"protocol,omitempty"`
	SourceAddress      *IPEvidence  `json:"sourceAddress,omitempty"`
	SourcePort         *int32       `json:"sourcePort,omitempty"`
}

// DNSEvidence is a DNS resolution.
type DNSEvidence struct {
	EvidenceBase
	DNSServerIP   *IPEvidence  `json:"dnsServerIp,omitempty"`
	DomainName    string       `json:"domainName,omitempty"`
	HostIPAddress *IPEvidence  `json:"hostIpAddress,omitempty"`
	IPAddresses   []IPEvidence `json:"ipAddresses,omitempty"`
}

// FileHashEvidence is a file hash.
type FileHashEvidence struct {
	EvidenceBase
	Algorithm FileHashAlgorithm `json:"algorithm,omitempty"`
	Value     string            `json:"value,omitempty"`
}

// TypeName implementations.

func (*UserEvidence) TypeName() string              { return evidenceNS + "userEvidence" }
func (*DeviceEvidence) TypeName() string            { return evidenceNS + "deviceEvidence" }
func (*FileEvidence) TypeName() string              { return evidenceNS + "fileEvidence" }
func (*IPEvidence) TypeName() string                { return evidenceNS + "ipEvidence" }
func (*URLEvidence) TypeName() string               { return evidenceNS + "urlEvidence" }
func (*ProcessEvidence) TypeName() string           { return evidenceNS + "processEvidence" }
func (*MailboxEvidence) TypeName() string           { return evidenceNS + "mailboxEvidence" }
func (*AnalyzedMessageEvidence) TypeName() string   { return evidenceNS + "analyzedMessageEvidence" }
func (*RegistryKeyEvidence) TypeName() string       { return evidenceNS + "registryKeyEvidence" }
func (*RegistryValueEvidence) TypeName() string     { return evidenceNS + "registryValueEvidence" }
func (*MailClusterEvidence) TypeName() string       { return evidenceNS + "mailClusterEvidence" }
func (*CloudApplicationEvidence) TypeName() string  { return evidenceNS + "cloudApplicationEvidence" }
func (*OAuthApplicationEvidence) TypeName() string  { return evidenceNS + "oauthApplicationEvidence" }
func (*SecurityGroupEvidence) TypeName() string     { return evidenceNS + "securityGroupEvidence" }
func (*MalwareEvidence) TypeName() string           { return evidenceNS + "malwareEvidence" }
func (*NetworkConnectionEvidence) TypeName() string { return evidenceNS + "networkConnectionEvidence" }
func (*DNSEvidence) TypeName() string               { return evidenceNS + "dnsEvidence" }
func (*FileHashEvidence) TypeName() string          { return evidenceNS + "fileHashEvidence" }

// newEvidence returns an empty value of the modelled type named by t (the
// part after "microsoft.graph.security.", any case), or nil.
func newEvidence(t string) Evidence {
	switch strings.ToLower(t) {
	case "userevidence":
		return new(UserEvidence)
	case "deviceevidence":
		return new(DeviceEvidence)
	case "fileevidence":
		return new(FileEvidence)
	case "ipevidence":
		return new(IPEvidence)
	case "urlevidence":
		return new(URLEvidence)
	case "processevidence":
		return new(ProcessEvidence)
	case "mailboxevidence":
		return new(MailboxEvidence)
	case "analyzedmessageevidence":
		return new(AnalyzedMessageEvidence)
	case "registrykeyevidence":
		return new(RegistryKeyEvidence)
	case "registryvalueevidence":
		return new(RegistryValueEvidence)
	case "mailclusterevidence":
		return new(MailClusterEvidence)
	case "cloudapplicationevidence":
		return new(CloudApplicationEvidence)
	case "oauthapplicationevidence":
		return new(OAuthApplicationEvidence)
	case "securitygroupevidence":
		return new(SecurityGroupEvidence)
	case "malwareevidence":
		return new(MalwareEvidence)
	case "networkconnectionevidence":
		return new(NetworkConnectionEvidence)
	case "dnsevidence":
		return new(DNSEvidence)
	case "filehashevidence":
		return new(FileHashEvidence)
	}
	return nil
}

// UnknownEvidence is an evidence entry of a type this package does not model
// (Graph keeps adding them: kubernetesPodEvidence, aiAgentEvidence, ...),
// or one whose members did not decode as its type says. Raw holds the entry
// exactly as received and is what MarshalJSON writes back; the shared
// members are decoded best-effort into EvidenceBase.
type UnknownEvidence struct {
	EvidenceBase
	Raw json.RawMessage
	// Err says why a modelled type fell back to UnknownEvidence; nil for a
	// type this package does not model.
	Err error
}

// TypeName returns the @odata.type as received.
func (u *UnknownEvidence) TypeName() string { return u.ODataType }

// MarshalJSON writes Raw unchanged.
func (u *UnknownEvidence) MarshalJSON() ([]byte, error) {
	if len(u.Raw) == 0 {
		return json.Marshal(u.EvidenceBase)
	}
	return u.Raw, nil
}

// DecodeEvidence decodes one evidence entry. It never fails: an entry that
// does not decode as a modelled type comes back as *UnknownEvidence with
// Err set, so one odd entry cannot cost the whole alert list.
func DecodeEvidence(raw []byte) Evidence {
	t := peekODataType(raw)
	name := strings.TrimPrefix(t, "#")
	if len(name) > len(evidenceNS)-1 && strings.EqualFold(name[:len(evidenceNS)-1], evidenceNS[1:]) {
		name = name[len(evidenceNS)-1:]
	}
	if ev := newEvidence(name); ev != nil {
		if err := json.Unmarshal(raw, ev); err == nil {
			return ev
		} else {
			return unknownEvidence(t, raw, err)
		}
	}
	return unknownEvidence(t, raw, nil)
}

func unknownEvidence(t string, raw []byte, err error) *UnknownEvidence {
	u := &UnknownEvidence{Raw: bytes.Clone(raw), Err: err}
	var base EvidenceBase
	if json.Unmarshal(raw, &base) == nil {
		u.EvidenceBase = base
	}
	u.ODataType = t
	return u
}

// peekODataType returns the top-level @odata.type of a JSON object. Graph
// writes it first, so the common case is read straight off the front; any
// other layout takes a full decode (a nested object's @odata.type must not
// be mistaken for the entry's own).
func peekODataType(raw []byte) string {
	const key = `"@odata.type"`
	s := bytes.TrimLeft(raw, " \t\r\n")
	if len(s) > 0 && s[0] == '{' {
		s = bytes.TrimLeft(s[1:], " \t\r\n")
		if rest, ok := bytes.CutPrefix(s, []byte(key)); ok {
			rest = bytes.TrimLeft(rest, " \t\r\n")
			if rest, ok = bytes.CutPrefix(rest, []byte(":")); ok {
				rest = bytes.TrimLeft(rest, " \t\r\n")
				if len(rest) > 0 && rest[0] == '"' {
					if end := bytes.IndexByte(rest[1:], '"'); end >= 0 {
						v := rest[1 : 1+end]
						if bytes.IndexByte(v, '\\') < 0 {
							return string(v)
						}
					}
				}
			}
		}
	}
	var p struct {
		T string `json:"@odata.type"`
	}
	_ = json.Unmarshal(raw, &p)
	return p.T
}

// EvidenceList is an alert's evidence, decoded element by element with
// [DecodeEvidence].
type EvidenceList []Evidence

// UnmarshalJSON decodes each entry by its @odata.type. Only a value that is
// not an array at all is an error.
func (l *EvidenceList) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		*l = nil
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		return err
	}
	out := make(EvidenceList, len(raws))
	for i, r := range raws {
		out[i] = DecodeEvidence(r)
	}
	*l = out
	return nil
}

// MarshalJSON writes each entry with its @odata.type (filled in from the Go
// type when empty) and unknown entries verbatim.
func (l EvidenceList) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, ev := range l {
		if i > 0 {
			buf.WriteByte(',')
		}
		if ev == nil {
			buf.WriteString("null")
			continue
		}
		b, err := json.Marshal(ev)
		if err != nil {
			return nil, err
		}
		if _, unknown := ev.(*UnknownEvidence); !unknown && ev.Common().ODataType == "" && len(b) >= 2 && b[0] == '{' {
			tn, _ := json.Marshal(ev.TypeName())
			buf.WriteString(`{"@odata.type":`)
			buf.Write(tn)
			if len(b) > 2 {
				buf.WriteByte(',')
			}
			buf.Write(b[1:])
			continue
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return buf.Bytes(), nil
}

// Helper complex types of the evidence.

// UserAccount is a user account named in evidence.
type UserAccount struct {
	AccountName               string                `json:"accountName,omitempty"`
	ActiveDirectoryObjectGUID string                `json:"activeDirectoryObjectGuid,omitempty"`
	AzureADUserID             string                `json:"azureAdUserId,omitempty"`
	DisplayName               string                `json:"displayName,omitempty"`
	DomainName                string                `json:"domainName,omitempty"`
	ResourceAccessEvents      []ResourceAccessEvent `json:"resourceAccessEvents,omitempty"`
	TenantID                  string                `json:"tenantId,omitempty"`
	UserPrincipalName         string                `json:"userPrincipalName,omitempty"`
	UserSID                   string                `json:"userSid,omitempty"`
}

// FileDetails describes a file in evidence.
type FileDetails struct {
	FileName      string `json:"fileName,omitempty"`
	FilePath      string `json:"filePath,omitempty"`
	FilePublisher string `json:"filePublisher,omitempty"`
	FileSize      *int64 `json:"fileSize,omitempty"`
	Issuer        string `json:"issuer,omitempty"`
	MD5           string `json:"md5,omitempty"`
	SHA1          string `json:"sha1,omitempty"`
	SHA256        string `json:"sha256,omitempty"`
	SHA256Ac      string `json:"sha256Ac,omitempty"`
	Signer        string `json:"signer,omitempty"`
}

// EmailSender is a sender of an analysed message.
type EmailSender struct {
	DisplayName  string `json:"displayName,omitempty"`
	DomainName   string `json:"domainName,omitempty"`
	EmailAddress string `json:"emailAddress,omitempty"`
}

// LoggedOnUser is a user signed in on a device.
type LoggedOnUser struct {
	AccountName string `json:"accountName,omitempty"`
	DomainName  string `json:"domainName,omitempty"`
}

// VMMetadata describes a virtual machine.
type VMMetadata struct {
	CloudProvider  VMCloudProvider `json:"cloudProvider,omitempty"`
	ResourceID     string          `json:"resourceId,omitempty"`
	SubscriptionID string          `json:"subscriptionId,omitempty"`
	VMID           string          `json:"vmId,omitempty"`
}

// GeoLocation is where an IP address is.
type GeoLocation struct {
	City        string   `json:"city,omitempty"`
	CountryName string   `json:"countryName,omitempty"`
	Latitude    *float64 `json:"latitude,omitempty"`
	Longitude   *float64 `json:"longitude,omitempty"`
	State       string   `json:"state,omitempty"`
}

// Stream names a data stream.
type Stream struct {
	Name string `json:"name,omitempty"`
}

// ResourceAccessEvent is an access to a resource.
type ResourceAccessEvent struct {
	AccessDateTime     time.Time `json:"accessDateTime,omitzero"`
	AccountID          string    `json:"accountId,omitempty"`
	IPAddress          string    `json:"ipAddress,omitempty"`
	ResourceIdentifier string    `json:"resourceIdentifier,omitempty"`
}
