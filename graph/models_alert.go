package graph

import "time"

// Alert is microsoft.graph.security.alert, served by /security/alerts_v2.
type Alert struct {
	ODataType             string              `json:"@odata.type,omitempty"`
	ID                    string              `json:"id"`
	ActorDisplayName      string              `json:"actorDisplayName,omitempty"`
	AdditionalData        map[string]any      `json:"additionalData,omitempty"`
	AlertPolicyID         string              `json:"alertPolicyId,omitempty"`
	AlertWebURL           string              `json:"alertWebUrl,omitempty"`
	AssignedTo            string              `json:"assignedTo,omitempty"` // empty: unassigned
	Categories            []string            `json:"categories,omitempty"`
	Category              string              `json:"category,omitempty"`
	Classification        AlertClassification `json:"classification,omitempty"`
	Comments              []AlertComment      `json:"comments"`
	CreatedDateTime       time.Time           `json:"createdDateTime,omitzero"`
	CustomDetails         map[string]any      `json:"customDetails,omitempty"`
	Description           string              `json:"description,omitempty"`
	DetectionSource       DetectionSource     `json:"detectionSource,omitempty"`
	DetectorID            string              `json:"detectorId,omitempty"`
	Determination         AlertDetermination  `json:"determination,omitempty"`
	Evidence              EvidenceList        `json:"evidence"`
	FirstActivityDateTime time.Time           `json:"firstActivityDateTime,omitzero"`
	IncidentID            string              `json:"incidentId,omitempty"`
	IncidentWebURL        string              `json:"incidentWebUrl,omitempty"`
	InvestigationState    InvestigationState  `json:"investigationState,omitempty"`
	LastActivityDateTime  time.Time           `json:"lastActivityDateTime,omitzero"`
	LastUpdateDateTime    time.Time           `json:"lastUpdateDateTime,omitzero"`
	MITRETechniques       []string            `json:"mitreTechniques,omitempty"`
	ProductName           string              `json:"productName,omitempty"`
	ProviderAlertID       string              `json:"providerAlertId,omitempty"`
	RecommendedActions    string              `json:"recommendedActions,omitempty"` // one string, not a list
	ResolvedDateTime      time.Time           `json:"resolvedDateTime,omitzero"`
	ServiceSource         ServiceSource       `json:"serviceSource"`
	Severity              AlertSeverity       `json:"severity"`
	Status                AlertStatus         `json:"status"`
	SystemTags            []string            `json:"systemTags,omitempty"`
	TenantID              string              `json:"tenantId,omitempty"`
	ThreatDisplayName     string              `json:"threatDisplayName,omitempty"`
	ThreatFamilyName      string              `json:"threatFamilyName,omitempty"`
	Title                 string              `json:"title,omitempty"`
}

// AlertComment is one comment on an alert or incident (the CSDL names;
// some incident samples show createdBy/createdTime instead).
type AlertComment struct {
	Comment              string    `json:"comment"`
	CreatedByDisplayName string    `json:"createdByDisplayName,omitempty"`
	CreatedDateTime      time.Time `json:"createdDateTime,omitzero"`
}

// AlertUpdate is the body of PATCH /security/alerts_v2/{id}: only status,
// classification, determination and assignedTo can change, and only the set
// fields are sent. AssignedTo: Clear[string]() unassigns.
type AlertUpdate struct {
	AssignedTo     Optional[string]              `json:"assignedTo,omitzero"`
	Classification Optional[AlertClassification] `json:"classification,omitzero"`
	Determination  Optional[AlertDetermination]  `json:"determination,omitzero"`
	Status         Optional[AlertStatus]         `json:"status,omitzero"`
}

// Incident is microsoft.graph.security.incident.
type Incident struct {
	ODataType          string              `json:"@odata.type,omitempty"`
	ID                 string              `json:"id"`
	AssignedTo         string              `json:"assignedTo,omitempty"`
	Classification     AlertClassification `json:"classification,omitempty"`
	Comments           []AlertComment      `json:"comments"`
	CreatedDateTime    time.Time           `json:"createdDateTime,omitzero"`
	CustomTags         []string            `json:"customTags"`
	Description        string              `json:"description,omitempty"`
	Determination      AlertDetermination  `json:"determination,omitempty"`
	DisplayName        string              `json:"displayName,omitempty"`
	IncidentWebURL     string              `json:"incidentWebUrl,omitempty"`
	LastModifiedBy     string              `json:"lastModifiedBy,omitempty"`
	LastUpdateDateTime time.Time           `json:"lastUpdateDateTime,omitzero"`
	PriorityScore      *int32              `json:"priorityScore,omitempty"`
	RedirectIncidentID string              `json:"redirectIncidentId,omitempty"`
	ResolvingComment   string              `json:"resolvingComment,omitempty"`
	Severity           AlertSeverity       `json:"severity"`
	Status             IncidentStatus      `json:"status"`
	Summary            string              `json:"summary,omitempty"`
	SystemTags         []string            `json:"systemTags,omitempty"`
	TenantID           string              `json:"tenantId,omitempty"`
	// Alerts is filled only with $expand=alerts.
	Alerts []Alert `json:"alerts,omitempty"`
}

// IncidentUpdate is the body of PATCH /security/incidents/{id}. The update
// doc lists assignedTo, classification, determination, status (active,
// resolved, redirected) and customTags. Description, ResolvingComment and
// Summary are in the CSDL but not in that doc: the service may refuse them.
type IncidentUpdate struct {
	AssignedTo       Optional[string]              `json:"assignedTo,omitzero"`
	Classification   Optional[AlertClassification] `json:"classification,omitzero"`
	CustomTags       Optional[[]string]            `json:"customTags,omitzero"`
	Description      Optional[string]              `json:"description,omitzero"`
	Determination    Optional[AlertDetermination]  `json:"determination,omitzero"`
	ResolvingComment Optional[string]              `json:"resolvingComment,omitzero"`
	Status           Optional[IncidentStatus]      `json:"status,omitzero"`
	Summary          Optional[string]              `json:"summary,omitzero"`
}

// commentBody is the documented POST .../comments body.
type commentBody struct {
	ODataType string `json:"@odata.type"`
	Comment   string `json:"comment"`
}
