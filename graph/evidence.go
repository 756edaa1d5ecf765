package graph

import (
	"bytes"
	"encoding/json"
	"iter"
	"reflect"
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
	ODataType                string                    `json:"@odata.type,omitzero"`
	CreatedDateTime          time.Time                 `json:"createdDateTime,omitzero"`
	DetailedRoles            []string                  `json:"detailedRoles,omitzero"`
	RemediationStatus        EvidenceRemediationStatus `json:"remediationStatus,omitzero"`
	RemediationStatusDetails string                    `json:"remediationStatusDetails,omitzero"`
	Roles                    []EvidenceRole            `json:"roles,omitzero"`
	Tags                     []string                  `json:"tags,omitzero"`
	Verdict                  EvidenceVerdict           `json:"verdict,omitzero"`
}

// Common returns b.
func (b *EvidenceBase) Common() *EvidenceBase { return b }

const evidenceNS = "#microsoft.graph.security."

// UserEvidence is a user account.
type UserEvidence struct {
	EvidenceBase
	Stream      *Stream      `json:"stream,omitzero"`
	UserAccount *UserAccount `json:"userAccount,omitzero"`
}

// DeviceEvidence is a device.
type DeviceEvidence struct {
	EvidenceBase
	AzureADDeviceID       string                `json:"azureAdDeviceId,omitzero"`
	DefenderAvStatus      DefenderAvStatus      `json:"defenderAvStatus,omitzero"`
	DeviceDNSName         string                `json:"deviceDnsName,omitzero"`
	DNSDomain             string                `json:"dnsDomain,omitzero"`
	FirstSeenDateTime     time.Time             `json:"firstSeenDateTime,omitzero"`
	HealthStatus          DeviceHealthStatus    `json:"healthStatus,omitzero"`
	HostName              string                `json:"hostName,omitzero"`
	IPInterfaces          []string              `json:"ipInterfaces,omitzero"`
	LastExternalIPAddress string                `json:"lastExternalIpAddress,omitzero"`
	LastIPAddress         string                `json:"lastIpAddress,omitzero"`
	LoggedOnUsers         []LoggedOnUser        `json:"loggedOnUsers,omitzero"`
	MDEDeviceID           string                `json:"mdeDeviceId,omitzero"`
	NTDomain              string                `json:"ntDomain,omitzero"`
	OnboardingStatus      OnboardingStatus      `json:"onboardingStatus,omitzero"`
	OSBuild               *int64                `json:"osBuild,omitzero"`
	OSPlatform            string                `json:"osPlatform,omitzero"`
	RBACGroupID           *int32                `json:"rbacGroupId,omitzero"`
	RBACGroupName         string                `json:"rbacGroupName,omitzero"`
	ResourceAccessEvents  []ResourceAccessEvent `json:"resourceAccessEvents,omitzero"`
	RiskScore             DeviceRiskScore       `json:"riskScore,omitzero"`
	Version               string                `json:"version,omitzero"`
	VMMetadata            *VMMetadata           `json:"vmMetadata,omitzero"`
}

// FileEvidence is a file.
type FileEvidence struct {
	EvidenceBase
	DetectionStatus DetectionStatus `json:"detectionStatus,omitzero"`
	FileDetails     *FileDetails    `json:"fileDetails,omitzero"`
	MDEDeviceID     string          `json:"mdeDeviceId,omitzero"`
}

// IPEvidence is an IP address.
type IPEvidence struct {
	EvidenceBase
	CountryLetterCode string       `json:"countryLetterCode,omitzero"`
	IPAddress         string       `json:"ipAddress,omitzero"`
	Location          *GeoLocation `json:"location,omitzero"`
	Stream            *Stream      `json:"stream,omitzero"`
}

// URLEvidence is a URL.
type URLEvidence struct {
	EvidenceBase
	URL string `json:"url,omitzero"`
}

// ProcessEvidence is a process.
type ProcessEvidence struct {
	EvidenceBase
	DetectionStatus               DetectionStatus `json:"detectionStatus,omitzero"`
	ImageFile                     *FileDetails    `json:"imageFile,omitzero"`
	MDEDeviceID                   string          `json:"mdeDeviceId,omitzero"`
	ParentProcessCreationDateTime time.Time       `json:"parentProcessCreationDateTime,omitzero"`
	ParentProcessID               *int64          `json:"parentProcessId,omitzero"`
	ParentProcessImageFile        *FileDetails    `json:"parentProcessImageFile,omitzero"`
	ProcessCommandLine            string          `json:"processCommandLine,omitzero"`
	ProcessCreationDateTime       time.Time       `json:"processCreationDateTime,omitzero"`
	ProcessID                     *int64          `json:"processId,omitzero"`
	UserAccount                   *UserAccount    `json:"userAccount,omitzero"`
}

// MailboxEvidence is a mailbox.
type MailboxEvidence struct {
	EvidenceBase
	DisplayName    string       `json:"displayName,omitzero"`
	PrimaryAddress string       `json:"primaryAddress,omitzero"`
	UPN            string       `json:"upn,omitzero"`
	UserAccount    *UserAccount `json:"userAccount,omitzero"`
}

// AnalyzedMessageEvidence is an email message.
type AnalyzedMessageEvidence struct {
	EvidenceBase
	AntiSpamDirection      string       `json:"antiSpamDirection,omitzero"`
	AttachmentsCount       *int64       `json:"attachmentsCount,omitzero"`
	DeliveryAction         string       `json:"deliveryAction,omitzero"`
	DeliveryLocation       string       `json:"deliveryLocation,omitzero"`
	InternetMessageID      string       `json:"internetMessageId,omitzero"`
	Language               string       `json:"language,omitzero"`
	NetworkMessageID       string       `json:"networkMessageId,omitzero"`
	P1Sender               *EmailSender `json:"p1Sender,omitzero"`
	P2Sender               *EmailSender `json:"p2Sender,omitzero"`
	ReceivedDateTime       time.Time    `json:"receivedDateTime,omitzero"`
	RecipientEmailAddress  string       `json:"recipientEmailAddress,omitzero"`
	SenderIP               string       `json:"senderIp,omitzero"`
	Subject                string       `json:"subject,omitzero"`
	ThreatDetectionMethods []string     `json:"threatDetectionMethods,omitzero"`
	Threats                []string     `json:"threats,omitzero"`
	URLCount               *int64       `json:"urlCount,omitzero"`
	URLs                   []string     `json:"urls,omitzero"`
	URN                    string       `json:"urn,omitzero"`
}

// RegistryKeyEvidence is a registry key.
type RegistryKeyEvidence struct {
	EvidenceBase
	RegistryHive string `json:"registryHive,omitzero"` // e.g. HKEY_LOCAL_MACHINE
	RegistryKey  string `json:"registryKey,omitzero"`
}

// RegistryValueEvidence is a registry value.
type RegistryValueEvidence struct {
	EvidenceBase
	MDEDeviceID       string `json:"mdeDeviceId,omitzero"`
	RegistryHive      string `json:"registryHive,omitzero"`
	RegistryKey       string `json:"registryKey,omitzero"`
	RegistryValue     string `json:"registryValue,omitzero"`
	RegistryValueName string `json:"registryValueName,omitzero"`
	RegistryValueType string `json:"registryValueType,omitzero"`
}

// MailClusterEvidence is a cluster of similar messages.
type MailClusterEvidence struct {
	EvidenceBase
	ClusterBy         string   `json:"clusterBy,omitzero"`
	ClusterByValue    string   `json:"clusterByValue,omitzero"`
	EmailCount        *int64   `json:"emailCount,omitzero"`
	NetworkMessageIDs []string `json:"networkMessageIds,omitzero"`
	Query             string   `json:"query,omitzero"`
	URN               string   `json:"urn,omitzero"`
}

// CloudApplicationEvidence is a cloud (SaaS) application.
type CloudApplicationEvidence struct {
	EvidenceBase
	AppID        *int64  `json:"appId,omitzero"`
	DisplayName  string  `json:"displayName,omitzero"`
	InstanceID   *int64  `json:"instanceId,omitzero"`
	InstanceName string  `json:"instanceName,omitzero"`
	SaaSAppID    *int64  `json:"saasAppId,omitzero"`
	Stream       *Stream `json:"stream,omitzero"`
}

// OAuthApplicationEvidence is an OAuth application.
type OAuthApplicationEvidence struct {
	EvidenceBase
	AppID       string `json:"appId,omitzero"`
	DisplayName string `json:"displayName,omitzero"`
	ObjectID    string `json:"objectId,omitzero"`
	Publisher   string `json:"publisher,omitzero"`
}

// SecurityGroupEvidence is a security group.
type SecurityGroupEvidence struct {
	EvidenceBase
	ActiveDirectoryObjectGUID string `json:"activeDirectoryObjectGuid,omitzero"`
	DisplayName               string `json:"displayName,omitzero"`
	DistinguishedName         string `json:"distinguishedName,omitzero"`
	FriendlyName              string `json:"friendlyName,omitzero"`
	SecurityGroupID           string `json:"securityGroupId,omitzero"`
	SID                       string `json:"sid,omitzero"`
}

// MalwareEvidence is malware, with the files and processes it involves.
type MalwareEvidence struct {
	EvidenceBase
	Category  string            `json:"category,omitzero"`
	Files     []FileEvidence    `json:"files,omitzero"`
	Name      string            `json:"name,omitzero"`
	Processes []ProcessEvidence `json:"processes,omitzero"`
}

// NetworkConnectionEvidence is a network connection.
type NetworkConnectionEvidence struct {
	EvidenceBase
	DestinationAddress *IPEvidence  `json:"destinationAddress,omitzero"`
	DestinationPort    *int32       `json:"destinationPort,omitzero"`
	Protocol           ProtocolType `json:"protocol,omitzero"`
	SourceAddress      *IPEvidence  `json:"sourceAddress,omitzero"`
	SourcePort         *int32       `json:"sourcePort,omitzero"`
}

// DNSEvidence is a DNS resolution.
type DNSEvidence struct {
	EvidenceBase
	DNSServerIP   *IPEvidence  `json:"dnsServerIp,omitzero"`
	DomainName    string       `json:"domainName,omitzero"`
	HostIPAddress *IPEvidence  `json:"hostIpAddress,omitzero"`
	IPAddresses   []IPEvidence `json:"ipAddresses,omitzero"`
}

// FileHashEvidence is a file hash.
type FileHashEvidence struct {
	EvidenceBase
	Algorithm FileHashAlgorithm `json:"algorithm,omitzero"`
	Value     string            `json:"value,omitzero"`
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
// members are decoded best-effort into EvidenceBase. (When the enclosing
// document is re-encoded, encoding/json drops insignificant whitespace from
// Raw; Graph sends compact JSON, so its bytes come back unchanged.)
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
	if ev := newEvidence(evidenceName(t)); ev != nil {
		if err := json.Unmarshal(raw, ev); err == nil {
			return ev
		} else {
			return unknownEvidence(t, raw, err)
		}
	}
	return unknownEvidence(t, raw, nil)
}

// evidenceName is the part of an @odata.type after
// "#microsoft.graph.security." (matched without regard to case), or the
// whole value without its '#'.
func evidenceName(t string) string {
	name := strings.TrimPrefix(t, "#")
	if len(name) > len(evidenceNS)-1 && strings.EqualFold(name[:len(evidenceNS)-1], evidenceNS[1:]) {
		name = name[len(evidenceNS)-1:]
	}
	return name
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
// not an array at all is an error. Entries are split by hand (rather than
// through []json.RawMessage, which would scan and copy every entry twice
// more) and decoded one by one, so one odd entry cannot cost the others.
func (l *EvidenceList) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*l = nil
		return nil
	}
	if !json.Valid(b) {
		var v any
		return json.Unmarshal(b, &v) // the precise *json.SyntaxError
	}
	if len(b) == 0 || b[0] != '[' {
		return &json.UnmarshalTypeError{Value: jsonKind(b[0]), Type: reflect.TypeFor[EvidenceList]()}
	}
	out := EvidenceList{}
	for elem := range splitArray(b) {
		out = append(out, DecodeEvidence(elem))
	}
	*l = out
	return nil
}

func jsonKind(c byte) string {
	switch c {
	case '{':
		return "object"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	default:
		return "number"
	}
}

// splitArray yields the elements of a valid JSON array.
func splitArray(b []byte) iter.Seq[[]byte] {
	return func(yield func([]byte) bool) {
		depth, start, inString, escaped := 0, -1, false, false
		for i := 1; i < len(b)-1; i++ {
			c := b[i]
			if inString {
				switch {
				case escaped:
					escaped = false
				case c == '\\':
					escaped = true
				case c == '"':
					inString = false
				}
				continue
			}
			switch c {
			case ' ', '\t', '\r', '\n':
				continue
			case '"':
				inString = true
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			case ',':
				if depth == 0 {
					if !yield(bytes.TrimSpace(b[start:i])) {
						return
					}
					start = -1
					continue
				}
			}
			if start < 0 {
				start = i
			}
		}
		if start >= 0 {
			yield(bytes.TrimSpace(b[start : len(b)-1]))
		}
	}
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
	AccountName               string                `json:"accountName,omitzero"`
	ActiveDirectoryObjectGUID string                `json:"activeDirectoryObjectGuid,omitzero"`
	AzureADUserID             string                `json:"azureAdUserId,omitzero"`
	DisplayName               string                `json:"displayName,omitzero"`
	DomainName                string                `json:"domainName,omitzero"`
	ResourceAccessEvents      []ResourceAccessEvent `json:"resourceAccessEvents,omitzero"`
	TenantID                  string                `json:"tenantId,omitzero"`
	UserPrincipalName         string                `json:"userPrincipalName,omitzero"`
	UserSID                   string                `json:"userSid,omitzero"`
}

// FileDetails describes a file in evidence.
type FileDetails struct {
	FileName      string `json:"fileName,omitzero"`
	FilePath      string `json:"filePath,omitzero"`
	FilePublisher string `json:"filePublisher,omitzero"`
	FileSize      *int64 `json:"fileSize,omitzero"`
	Issuer        string `json:"issuer,omitzero"`
	MD5           string `json:"md5,omitzero"`
	SHA1          string `json:"sha1,omitzero"`
	SHA256        string `json:"sha256,omitzero"`
	SHA256Ac      string `json:"sha256Ac,omitzero"`
	Signer        string `json:"signer,omitzero"`
}

// EmailSender is a sender of an analysed message.
type EmailSender struct {
	DisplayName  string `json:"displayName,omitzero"`
	DomainName   string `json:"domainName,omitzero"`
	EmailAddress string `json:"emailAddress,omitzero"`
}

// LoggedOnUser is a user signed in on a device.
type LoggedOnUser struct {
	AccountName string `json:"accountName,omitzero"`
	DomainName  string `json:"domainName,omitzero"`
}

// VMMetadata describes a virtual machine.
type VMMetadata struct {
	CloudProvider  VMCloudProvider `json:"cloudProvider,omitzero"`
	ResourceID     string          `json:"resourceId,omitzero"`
	SubscriptionID string          `json:"subscriptionId,omitzero"`
	VMID           string          `json:"vmId,omitzero"`
}

// GeoLocation is where an IP address is.
type GeoLocation struct {
	City        string   `json:"city,omitzero"`
	CountryName string   `json:"countryName,omitzero"`
	Latitude    *float64 `json:"latitude,omitzero"`
	Longitude   *float64 `json:"longitude,omitzero"`
	State       string   `json:"state,omitzero"`
}

// Stream names a data stream.
type Stream struct {
	Name string `json:"name,omitzero"`
}

// ResourceAccessEvent is an access to a resource.
type ResourceAccessEvent struct {
	AccessDateTime     time.Time `json:"accessDateTime,omitzero"`
	AccountID          string    `json:"accountId,omitzero"`
	IPAddress          string    `json:"ipAddress,omitzero"`
	ResourceIdentifier string    `json:"resourceIdentifier,omitzero"`
}
