package graph

import (
	"encoding/json"
	"reflect"
	"time"
)

// SecureScore is one day of a tenant's secure score (microsoft.graph.secureScore,
// an OpenType: undeclared members are kept in AdditionalData).
type SecureScore struct {
	ID                       string                     `json:"id"`
	ActiveUserCount          *int32                     `json:"activeUserCount,omitempty"`
	AverageComparativeScores []AverageComparativeScore  `json:"averageComparativeScores"`
	AzureTenantID            string                     `json:"azureTenantId"`
	ControlScores            []ControlScore             `json:"controlScores"`
	CreatedDateTime          time.Time                  `json:"createdDateTime,omitzero"`
	CurrentScore             *float64                   `json:"currentScore,omitempty"`
	EnabledServices          []string                   `json:"enabledServices"`
	LicensedUserCount        *int32                     `json:"licensedUserCount,omitempty"`
	MaxScore                 *float64                   `json:"maxScore,omitempty"`
	VendorInformation        *SecurityVendorInformation `json:"vendorInformation,omitempty"`

	AdditionalData map[string]json.RawMessage `json:"-"`
}

type secureScoreWire SecureScore

var secureScoreDeclared = fieldNames(reflect.TypeFor[secureScoreWire]())

// UnmarshalJSON keeps undeclared members in AdditionalData.
func (s *SecureScore) UnmarshalJSON(b []byte) error {
	var w secureScoreWire
	extra, err := decodeOpen(b, &w, secureScoreDeclared)
	if err != nil {
		return err
	}
	w.AdditionalData = extra
	*s = SecureScore(w)
	return nil
}

// MarshalJSON writes the declared members, then AdditionalData.
func (s SecureScore) MarshalJSON() ([]byte, error) {
	return encodeOpen(secureScoreWire(s), s.AdditionalData, secureScoreDeclared)
}

// AverageComparativeScore compares the tenant with others (open type).
type AverageComparativeScore struct {
	AverageScore *float64 `json:"averageScore,omitempty"`
	Basis        string   `json:"basis,omitempty"` // AllTenants, TotalSeats, IndustryTypes

	AdditionalData map[string]json.RawMessage `json:"-"`
}

type averageComparativeScoreWire AverageComparativeScore

var averageComparativeScoreDeclared = fieldNames(reflect.TypeFor[averageComparativeScoreWire]())

// UnmarshalJSON keeps undeclared members in AdditionalData.
func (s *AverageComparativeScore) UnmarshalJSON(b []byte) error {
	var w averageComparativeScoreWire
	extra, err := decodeOpen(b, &w, averageComparativeScoreDeclared)
	if err != nil {
		return err
	}
	w.AdditionalData = extra
	*s = AverageComparativeScore(w)
	return nil
}

// MarshalJSON writes the declared members, then AdditionalData.
func (s AverageComparativeScore) MarshalJSON() ([]byte, error) {
	return encodeOpen(averageComparativeScoreWire(s), s.AdditionalData, averageComparativeScoreDeclared)
}

// ControlScore is one control's contribution to a secure score (open type:
// the service adds members such as count, total and scoreInPercentage).
type ControlScore struct {
	ControlCategory string   `json:"controlCategory,omitempty"` // Identity, Data, Device, Apps, Infrastructure
	ControlName     string   `json:"controlName,omitempty"`
	Description     string   `json:"description,omitempty"`
	Score           *float64 `json:"score,omitempty"`

	AdditionalData map[string]json.RawMessage `json:"-"`
}

type controlScoreWire ControlScore

var controlScoreDeclared = fieldNames(reflect.TypeFor[controlScoreWire]())

// UnmarshalJSON keeps undeclared members in AdditionalData.
func (s *ControlScore) UnmarshalJSON(b []byte) error {
	var w controlScoreWire
	extra, err := decodeOpen(b, &w, controlScoreDeclared)
	if err != nil {
		return err
	}
	w.AdditionalData = extra
	*s = ControlScore(w)
	return nil
}

// MarshalJSON writes the declared members, then AdditionalData.
func (s ControlScore) MarshalJSON() ([]byte, error) {
	return encodeOpen(controlScoreWire(s), s.AdditionalData, controlScoreDeclared)
}

// ControlProfile is microsoft.graph.secureScoreControlProfile. Several of its
// "enums" are plain strings in the schema (actionType, implementationCost,
// tier, userImpact, service); they are strings here too.
type ControlProfile struct {
	ID                    string                          `json:"id"`
	ActionType            string                          `json:"actionType,omitempty"` // Config, Review, Behavior
	ActionURL             string                          `json:"actionUrl,omitempty"`
	AzureTenantID         string                          `json:"azureTenantId"`
	ComplianceInformation []ComplianceInformation         `json:"complianceInformation"`
	ControlCategory       string                          `json:"controlCategory,omitempty"`
	ControlStateUpdates   []SecureScoreControlStateUpdate `json:"controlStateUpdates"`
	Deprecated            *bool                           `json:"deprecated,omitempty"`
	ImplementationCost    string                          `json:"implementationCost,omitempty"` // Low, Moderate, High
	LastModifiedDateTime  time.Time                       `json:"lastModifiedDateTime,omitzero"`
	MaxScore              *float64                        `json:"maxScore,omitempty"`
	Rank                  *int32                          `json:"rank,omitempty"`
	Remediation           string                          `json:"remediation,omitempty"` // HTML from the service: escape before display
	RemediationImpact     string                          `json:"remediationImpact,omitempty"`
	Service               string                          `json:"service,omitempty"`
	Threats               []string                        `json:"threats"`
	Tier                  string                          `json:"tier,omitempty"` // Core, Defense in Depth, Advanced
	Title                 string                          `json:"title,omitempty"`
	UserImpact            string                          `json:"userImpact,omitempty"`
	VendorInformation     *SecurityVendorInformation      `json:"vendorInformation,omitempty"`
}

// ComplianceInformation ties a control to a certification.
type ComplianceInformation struct {
	CertificationControls []CertificationControl `json:"certificationControls,omitempty"`
	CertificationName     string                 `json:"certificationName,omitempty"`
}

// CertificationControl is one control of a certification.
type CertificationControl struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// SecureScoreControlStateUpdate is one entry of a control's state history.
type SecureScoreControlStateUpdate struct {
	AssignedTo      string       `json:"assignedTo,omitempty"`
	Comment         string       `json:"comment,omitempty"`
	State           ControlState `json:"state,omitempty"`
	UpdatedBy       string       `json:"updatedBy,omitempty"`
	UpdatedDateTime time.Time    `json:"updatedDateTime,omitzero"`
}

// ControlProfileUpdate is the body of PATCH
// /security/secureScoreControlProfiles/{id}: assignedTo, comment and state,
// plus the required vendorInformation (provider "SecureScore", vendor
// "Microsoft" for Microsoft's controls). The service appends an entry to
// controlStateUpdates.
type ControlProfileUpdate struct {
	AssignedTo        Optional[string]          `json:"assignedTo,omitzero"`
	Comment           Optional[string]          `json:"comment,omitzero"`
	State             Optional[ControlState]    `json:"state,omitzero"`
	VendorInformation SecurityVendorInformation `json:"vendorInformation"`

	// ReturnRepresentation asks for the updated profile (200) instead of
	// 204 No Content.
	ReturnRepresentation bool `json:"-"`
}

// SecurityAction is microsoft.graph.securityAction (beta): a request to a
// provider to act, e.g. block an IP address.
type SecurityAction struct {
	ID                 string                     `json:"id,omitempty"`
	ActionReason       string                     `json:"actionReason,omitempty"`
	AppID              string                     `json:"appId,omitempty"`
	AzureTenantID      string                     `json:"azureTenantId,omitempty"`
	ClientContext      string                     `json:"clientContext,omitempty"`
	CompletedDateTime  time.Time                  `json:"completedDateTime,omitzero"`
	CreatedDateTime    time.Time                  `json:"createdDateTime,omitzero"`
	ErrorInfo          *ResultInfo                `json:"errorInfo,omitempty"`
	LastActionDateTime time.Time                  `json:"lastActionDateTime,omitzero"`
	Name               string                     `json:"name,omitempty"` // e.g. BlockIp
	Parameters         []KeyValuePair             `json:"parameters"`
	States             []SecurityActionState      `json:"states,omitempty"`
	Status             OperationStatus            `json:"status,omitempty"`
	User               string                     `json:"user,omitempty"`
	VendorInformation  *SecurityVendorInformation `json:"vendorInformation,omitempty"`
}

// KeyValuePair is a name and a value.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ResultInfo is an error reported by a security action.
type ResultInfo struct {
	Code    *int32 `json:"code,omitempty"`
	Message string `json:"message,omitempty"`
	Subcode *int32 `json:"subcode,omitempty"`
}

// SecurityActionState is one status change of a security action.
type SecurityActionState struct {
	AppID           string          `json:"appId,omitempty"`
	Status          OperationStatus `json:"status,omitempty"`
	UpdatedDateTime time.Time       `json:"updatedDateTime,omitzero"`
	User            string          `json:"user,omitempty"`
}

// NewSecurityAction is the body of POST /beta/security/securityActions. The
// service fills in id, status, times, appId, azureTenantId and user.
type NewSecurityAction struct {
	Name              string                    `json:"name"`
	ActionReason      string                    `json:"actionReason,omitempty"`
	ClientContext     string                    `json:"clientContext,omitempty"` // at most 256 characters
	Parameters        []KeyValuePair            `json:"parameters"`
	VendorInformation SecurityVendorInformation `json:"vendorInformation"`
}

// Subscription is microsoft.graph.subscription, a change-notification
// webhook. For security alerts the resource is the legacy
// "security/alerts?$filter=..." or "security/alerts/{id}" (there are no
// webhooks for alerts_v2 or incidents) and the lifetime is at most 43,200
// minutes. Read-only members are omitted when empty, so the same struct
// serves as the create body.
type Subscription struct {
	ID                        string    `json:"id,omitempty"`
	ApplicationID             string    `json:"applicationId,omitempty"`
	ChangeType                string    `json:"changeType"` // comma-separated: "created,updated"
	ClientState               string    `json:"clientState,omitempty"`
	CreatorID                 string    `json:"creatorId,omitempty"`
	EncryptionCertificate     string    `json:"encryptionCertificate,omitempty"`
	EncryptionCertificateID   string    `json:"encryptionCertificateId,omitempty"`
	ExpirationDateTime        time.Time `json:"expirationDateTime"`
	IncludeResourceData       *bool     `json:"includeResourceData,omitempty"`
	LatestSupportedTLSVersion string    `json:"latestSupportedTlsVersion,omitempty"`
	LifecycleNotificationURL  string    `json:"lifecycleNotificationUrl,omitempty"`
	NotificationContentType   string    `json:"notificationContentType,omitempty"`
	NotificationQueryOptions  string    `json:"notificationQueryOptions,omitempty"`
	NotificationURL           string    `json:"notificationUrl"`
	NotificationURLAppID      string    `json:"notificationUrlAppId,omitempty"`
	Resource                  string    `json:"resource"`
}

// ChangeNotificationCollection is what Graph POSTs to a notification URL.
type ChangeNotificationCollection struct {
	Value            []ChangeNotification `json:"value"`
	ValidationTokens []string             `json:"validationTokens,omitempty"`
}

// ChangeNotification is one change (or, with LifecycleEvent set, one
// lifecycle event) of a subscription. Verify ClientState against the value
// stored for SubscriptionID before trusting it.
type ChangeNotification struct {
	ID                             string            `json:"id,omitempty"`
	ChangeType                     ChangeType        `json:"changeType,omitempty"`
	ClientState                    string            `json:"clientState,omitempty"`
	EncryptedContent               *EncryptedContent `json:"encryptedContent,omitempty"`
	LifecycleEvent                 LifecycleEvent    `json:"lifecycleEvent,omitempty"`
	Resource                       string            `json:"resource,omitempty"`
	ResourceData                   map[string]any    `json:"resourceData,omitempty"`
	SubscriptionExpirationDateTime time.Time         `json:"subscriptionExpirationDateTime,omitzero"`
	SubscriptionID                 string            `json:"subscriptionId"`
	TenantID                       string            `json:"tenantId,omitempty"`
}

// EncryptedContent is the encrypted resource data of a rich notification.
type EncryptedContent struct {
	Data                            string `json:"data"`
	DataKey                         string `json:"dataKey"`
	DataSignature                   string `json:"dataSignature"`
	EncryptionCertificateID         string `json:"encryptionCertificateId"`
	EncryptionCertificateThumbprint string `json:"encryptionCertificateThumbprint"`
}

// User is microsoft.graph.user with the properties Graph returns without
// $select. Any of them may be null, which decodes as "".
type User struct {
	ID                string   `json:"id"`
	BusinessPhones    []string `json:"businessPhones"`
	DisplayName       string   `json:"displayName,omitempty"`
	GivenName         string   `json:"givenName,omitempty"`
	JobTitle          string   `json:"jobTitle,omitempty"`
	Mail              string   `json:"mail,omitempty"`
	MobilePhone       string   `json:"mobilePhone,omitempty"`
	OfficeLocation    string   `json:"officeLocation,omitempty"`
	PreferredLanguage string   `json:"preferredLanguage,omitempty"`
	Surname           string   `json:"surname,omitempty"`
	UserPrincipalName string   `json:"userPrincipalName,omitempty"`
}

// Message is the part of microsoft.graph.message that sendMail uses.
type Message struct {
	Subject                string                  `json:"subject,omitempty"`
	Body                   *ItemBody               `json:"body,omitempty"`
	From                   *Recipient              `json:"from,omitempty"`
	ToRecipients           []Recipient             `json:"toRecipients,omitempty"`
	CcRecipients           []Recipient             `json:"ccRecipients,omitempty"`
	BccRecipients          []Recipient             `json:"bccRecipients,omitempty"`
	ReplyTo                []Recipient             `json:"replyTo,omitempty"`
	Importance             Importance              `json:"importance,omitempty"`
	InternetMessageHeaders []InternetMessageHeader `json:"internetMessageHeaders,omitempty"`
	Attachments            []FileAttachment        `json:"attachments,omitempty"`
}

// ItemBody is a message body.
type ItemBody struct {
	ContentType BodyType `json:"contentType"`
	Content     string   `json:"content"`
}

// TextBody is a plain-text body.
func TextBody(s string) *ItemBody { return &ItemBody{ContentType: BodyTypeText, Content: s} }

// HTMLBody is an HTML body. The caller is responsible for escaping any data
// placed in it.
func HTMLBody(s string) *ItemBody { return &ItemBody{ContentType: BodyTypeHTML, Content: s} }

// Recipient is microsoft.graph.recipient.
type Recipient struct {
	EmailAddress EmailAddress `json:"emailAddress"`
}

// EmailAddress is an address with an optional display name.
type EmailAddress struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// Recipients turns addresses into recipients.
func Recipients(addresses ...string) []Recipient {
	out := make([]Recipient, len(addresses))
	for i, a := range addresses {
		out[i] = Recipient{EmailAddress: EmailAddress{Address: a}}
	}
	return out
}

// InternetMessageHeader is a custom header; names start with "x-".
type InternetMessageHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// FileAttachment is microsoft.graph.fileAttachment. ContentBytes is sent
// base64-encoded (encoding/json does that for []byte).
type FileAttachment struct {
	ODataType    string `json:"@odata.type"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType,omitempty"`
	ContentBytes []byte `json:"contentBytes"`
	ContentID    string `json:"contentId,omitempty"`
	IsInline     bool   `json:"isInline,omitempty"`
}

// NewFileAttachment returns an attachment with its @odata.type set.
func NewFileAttachment(name, contentType string, data []byte) FileAttachment {
	return FileAttachment{ODataType: "#microsoft.graph.fileAttachment", Name: name, ContentType: contentType, ContentBytes: data}
}

// SendMail is the body of POST /me/sendMail and /users/{id}/sendMail.
// SaveToSentItems defaults to true on the service when unset.
type SendMail struct {
	Message         Message        `json:"message"`
	SaveToSentItems Optional[bool] `json:"saveToSentItems,omitzero"`
}
