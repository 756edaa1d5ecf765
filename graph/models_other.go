package graph

import (
	"bytes"
	"encoding/json"
	"reflect"
	"time"
)

// SecureScore is one day of a tenant's secure score (microsoft.graph.secureScore,
// an OpenType: undeclared members are kept in AdditionalData).
type SecureScore struct {
	ID                       string                     `json:"id"`
	ActiveUserCount          *int32                     `json:"activeUserCount,omitzero"`
	AverageComparativeScores []AverageComparativeScore  `json:"averageComparativeScores"`
	AzureTenantID            string                     `json:"azureTenantId"`
	ControlScores            []ControlScore             `json:"controlScores"`
	CreatedDateTime          time.Time                  `json:"createdDateTime,omitzero"`
	CurrentScore             *float64                   `json:"currentScore,omitzero"`
	EnabledServices          []string                   `json:"enabledServices"`
	LicensedUserCount        *int32                     `json:"licensedUserCount,omitzero"`
	MaxScore                 *float64                   `json:"maxScore,omitzero"`
	VendorInformation        *SecurityVendorInformation `json:"vendorInformation,omitzero"`

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

// SecureScoreDay is one day of a secure score as a trend reads it (see
// [SecureScoresService.ListDays]): the day and its numbers; Full decodes
// the whole entity.
type SecureScoreDay struct {
	ID              string
	CreatedDateTime time.Time
	CurrentScore    *float64
	MaxScore        *float64

	raw []byte
}

// UnmarshalJSON decodes the day's numbers and keeps the entity's JSON.
func (d *SecureScoreDay) UnmarshalJSON(b []byte) error {
	var w struct {
		ID              string    `json:"id"`
		CreatedDateTime time.Time `json:"createdDateTime"`
		CurrentScore    *float64  `json:"currentScore"`
		MaxScore        *float64  `json:"maxScore"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = SecureScoreDay{ID: w.ID, CreatedDateTime: w.CreatedDateTime, CurrentScore: w.CurrentScore, MaxScore: w.MaxScore, raw: bytes.Clone(b)}
	return nil
}

// MarshalJSON writes the entity as Graph sent it.
func (d SecureScoreDay) MarshalJSON() ([]byte, error) {
	if d.raw == nil {
		return json.Marshal(SecureScore{ID: d.ID, CreatedDateTime: d.CreatedDateTime, CurrentScore: d.CurrentScore, MaxScore: d.MaxScore})
	}
	return d.raw, nil
}

// Full decodes the whole day: control scores, comparisons, services,
// users.
func (d *SecureScoreDay) Full() (*SecureScore, error) {
	var s SecureScore
	if d.raw == nil {
		return &SecureScore{ID: d.ID, CreatedDateTime: d.CreatedDateTime, CurrentScore: d.CurrentScore, MaxScore: d.MaxScore}, nil
	}
	if err := json.Unmarshal(d.raw, &s); err != nil {
		return nil, &DecodeError{Err: err}
	}
	return &s, nil
}

// AverageComparativeScore compares the tenant with others (open type).
type AverageComparativeScore struct {
	AverageScore *float64 `json:"averageScore,omitzero"`
	Basis        string   `json:"basis,omitzero"` // AllTenants, TotalSeats, IndustryTypes

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
	ControlCategory string   `json:"controlCategory,omitzero"` // Identity, Data, Device, Apps, Infrastructure
	ControlName     string   `json:"controlName,omitzero"`
	Description     string   `json:"description,omitzero"`
	Score           *float64 `json:"score,omitzero"`

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
	ActionType            string                          `json:"actionType,omitzero"` // Config, Review, Behavior
	ActionURL             string                          `json:"actionUrl,omitzero"`
	AzureTenantID         string                          `json:"azureTenantId"`
	ComplianceInformation []ComplianceInformation         `json:"complianceInformation"`
	ControlCategory       string                          `json:"controlCategory,omitzero"`
	ControlStateUpdates   []SecureScoreControlStateUpdate `json:"controlStateUpdates"`
	Deprecated            *bool                           `json:"deprecated,omitzero"`
	ImplementationCost    string                          `json:"implementationCost,omitzero"` // Low, Moderate, High
	LastModifiedDateTime  time.Time                       `json:"lastModifiedDateTime,omitzero"`
	MaxScore              *float64                        `json:"maxScore,omitzero"`
	Rank                  *int32                          `json:"rank,omitzero"`
	Remediation           string                          `json:"remediation,omitzero"` // HTML from the service: escape before display
	RemediationImpact     string                          `json:"remediationImpact,omitzero"`
	Service               string                          `json:"service,omitzero"`
	Threats               []string                        `json:"threats"`
	Tier                  string                          `json:"tier,omitzero"` // Core, Defense in Depth, Advanced
	Title                 string                          `json:"title,omitzero"`
	UserImpact            string                          `json:"userImpact,omitzero"`
	VendorInformation     *SecurityVendorInformation      `json:"vendorInformation,omitzero"`
}

// ComplianceInformation ties a control to a certification.
type ComplianceInformation struct {
	CertificationControls []CertificationControl `json:"certificationControls,omitzero"`
	CertificationName     string                 `json:"certificationName,omitzero"`
}

// CertificationControl is one control of a certification.
type CertificationControl struct {
	Name string `json:"name,omitzero"`
	URL  string `json:"url,omitzero"`
}

// SecureScoreControlStateUpdate is one entry of a control's state history.
type SecureScoreControlStateUpdate struct {
	AssignedTo      string       `json:"assignedTo,omitzero"`
	Comment         string       `json:"comment,omitzero"`
	State           ControlState `json:"state,omitzero"`
	UpdatedBy       string       `json:"updatedBy,omitzero"`
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
	ID                 string                     `json:"id,omitzero"`
	ActionReason       string                     `json:"actionReason,omitzero"`
	AppID              string                     `json:"appId,omitzero"`
	AzureTenantID      string                     `json:"azureTenantId,omitzero"`
	ClientContext      string                     `json:"clientContext,omitzero"`
	CompletedDateTime  time.Time                  `json:"completedDateTime,omitzero"`
	CreatedDateTime    time.Time                  `json:"createdDateTime,omitzero"`
	ErrorInfo          *ResultInfo                `json:"errorInfo,omitzero"`
	LastActionDateTime time.Time                  `json:"lastActionDateTime,omitzero"`
	Name               string                     `json:"name,omitzero"` // e.g. BlockIp
	Parameters         []KeyValuePair             `json:"parameters"`
	States             []SecurityActionState      `json:"states,omitzero"`
	Status             OperationStatus            `json:"status,omitzero"`
	User               string                     `json:"user,omitzero"`
	VendorInformation  *SecurityVendorInformation `json:"vendorInformation,omitzero"`
}

// KeyValuePair is a name and a value.
type KeyValuePair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ResultInfo is an error reported by a security action.
type ResultInfo struct {
	Code    *int32 `json:"code,omitzero"`
	Message string `json:"message,omitzero"`
	Subcode *int32 `json:"subcode,omitzero"`
}

// SecurityActionState is one status change of a security action.
type SecurityActionState struct {
	AppID           string          `json:"appId,omitzero"`
	Status          OperationStatus `json:"status,omitzero"`
	UpdatedDateTime time.Time       `json:"updatedDateTime,omitzero"`
	User            string          `json:"user,omitzero"`
}

// NewSecurityAction is the body of POST /beta/security/securityActions. The
// service fills in id, status, times, appId, azureTenantId and user.
type NewSecurityAction struct {
	Name              string                    `json:"name"`
	ActionReason      string                    `json:"actionReason,omitzero"`
	ClientContext     string                    `json:"clientContext,omitzero"` // at most 256 characters
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
	ID                        string    `json:"id,omitzero"`
	ApplicationID             string    `json:"applicationId,omitzero"`
	ChangeType                string    `json:"changeType"` // comma-separated: "created,updated"
	ClientState               string    `json:"clientState,omitzero"`
	CreatorID                 string    `json:"creatorId,omitzero"`
	EncryptionCertificate     string    `json:"encryptionCertificate,omitzero"`
	EncryptionCertificateID   string    `json:"encryptionCertificateId,omitzero"`
	ExpirationDateTime        time.Time `json:"expirationDateTime"`
	IncludeResourceData       *bool     `json:"includeResourceData,omitzero"`
	LatestSupportedTLSVersion string    `json:"latestSupportedTlsVersion,omitzero"`
	LifecycleNotificationURL  string    `json:"lifecycleNotificationUrl,omitzero"`
	NotificationContentType   string    `json:"notificationContentType,omitzero"`
	NotificationQueryOptions  string    `json:"notificationQueryOptions,omitzero"`
	NotificationURL           string    `json:"notificationUrl"`
	NotificationURLAppID      string    `json:"notificationUrlAppId,omitzero"`
	Resource                  string    `json:"resource"`
}

// ChangeNotificationCollection is what Graph POSTs to a notification URL.
type ChangeNotificationCollection struct {
	Value            []ChangeNotification `json:"value"`
	ValidationTokens []string             `json:"validationTokens,omitzero"`
}

// ChangeNotification is one change (or, with LifecycleEvent set, one
// lifecycle event) of a subscription. Verify ClientState against the value
// stored for SubscriptionID before trusting it.
type ChangeNotification struct {
	ID                             string            `json:"id,omitzero"`
	ChangeType                     ChangeType        `json:"changeType,omitzero"`
	ClientState                    string            `json:"clientState,omitzero"`
	EncryptedContent               *EncryptedContent `json:"encryptedContent,omitzero"`
	LifecycleEvent                 LifecycleEvent    `json:"lifecycleEvent,omitzero"`
	Resource                       string            `json:"resource,omitzero"`
	ResourceData                   map[string]any    `json:"resourceData,omitzero"`
	SubscriptionExpirationDateTime time.Time         `json:"subscriptionExpirationDateTime,omitzero"`
	SubscriptionID                 string            `json:"subscriptionId"`
	TenantID                       string            `json:"tenantId,omitzero"`
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
	DisplayName       string   `json:"displayName,omitzero"`
	GivenName         string   `json:"givenName,omitzero"`
	JobTitle          string   `json:"jobTitle,omitzero"`
	Mail              string   `json:"mail,omitzero"`
	MobilePhone       string   `json:"mobilePhone,omitzero"`
	OfficeLocation    string   `json:"officeLocation,omitzero"`
	PreferredLanguage string   `json:"preferredLanguage,omitzero"`
	Surname           string   `json:"surname,omitzero"`
	UserPrincipalName string   `json:"userPrincipalName,omitzero"`
}

// Message is the part of microsoft.graph.message that sendMail uses.
type Message struct {
	Subject                string                  `json:"subject,omitzero"`
	Body                   *ItemBody               `json:"body,omitzero"`
	From                   *Recipient              `json:"from,omitzero"`
	ToRecipients           []Recipient             `json:"toRecipients,omitzero"`
	CcRecipients           []Recipient             `json:"ccRecipients,omitzero"`
	BccRecipients          []Recipient             `json:"bccRecipients,omitzero"`
	ReplyTo                []Recipient             `json:"replyTo,omitzero"`
	Importance             Importance              `json:"importance,omitzero"`
	InternetMessageHeaders []InternetMessageHeader `json:"internetMessageHeaders,omitzero"`
	Attachments            []FileAttachment        `json:"attachments,omitzero"`
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
	Name    string `json:"name,omitzero"`
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
	ContentType  string `json:"contentType,omitzero"`
	ContentBytes []byte `json:"contentBytes"`
	ContentID    string `json:"contentId,omitzero"`
	IsInline     bool   `json:"isInline,omitzero"`
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
