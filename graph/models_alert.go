package graph

import "time"

// Alert is microsoft.graph.security.alert, served by /security/alerts_v2.
type Alert struct {
	ODataType             string              `json:"@odata.type,omitzero"`
	ID                    string              `json:"id"`
	ActorDisplayName      string              `json:"actorDisplayName,omitzero"`
	AdditionalData        map[string]any      `json:"additionalData,omitzero"`
	AlertPolicyID         string              `json:"alertPolicyId,omitzero"`
	AlertWebURL           string              `json:"alertWebUrl,omitzero"`
	AssignedTo            string              `json:"assignedTo,omitzero"` // empty: unassigned
	Categories            []string            `json:"categories,omitzero"`
	Category              string              `json:"category,omitzero"`
	Classification        AlertClassification `json:"classification,omitzero"`
	Comments              []AlertComment      `json:"comments"`
	CreatedDateTime       time.Time           `json:"createdDateTime,omitzero"`
	CustomDetails         map[string]any      `json:"customDetails,omitzero"`
	Description           string              `json:"description,omitzero"`
	DetectionSource       DetectionSource     `json:"detectionSource,omitzero"`
	DetectorID            string              `json:"detectorId,omitzero"`
	Determination         AlertDetermination  `json:"determination,omitzero"`
	Evidence              EvidenceList        `json:"evidence"`
	FirstActivityDateTime time.Time           `json:"firstActivityDateTime,omitzero"`
	IncidentID            string              `json:"incidentId,omitzero"`
	IncidentWebURL        string              `json:"incidentWebUrl,omitzero"`
	InvestigationState    InvestigationState  `json:"investigationState,omitzero"`
	LastActivityDateTime  time.Time           `json:"lastActivityDateTime,omitzero"`
	LastUpdateDateTime    time.Time           `json:"lastUpdateDateTime,omitzero"`
	MITRETechniques       []string            `json:"mitreTechniques,omitzero"`
	ProductName           string              `json:"productName,omitzero"`
	ProviderAlertID       string              `json:"providerAlertId,omitzero"`
	RecommendedActions    string              `json:"recommendedActions,omitzero"` // one string, not a list
	ResolvedDateTime      time.Time           `json:"resolvedDateTime,omitzero"`
	ServiceSource         ServiceSource       `json:"serviceSource"`
	Severity              AlertSeverity       `json:"severity"`
	Status                AlertStatus         `json:"status"`
	SystemTags            []string            `json:"systemTags,omitzero"`
	TenantID              string              `json:"tenantId,omitzero"`
	ThreatDisplayName     string              `json:"threatDisplayName,omitzero"`
	ThreatFamilyName      string              `json:"threatFamilyName,omitzero"`
	Title                 string              `json:"title,omitzero"`
}

// AlertSummary is the part of an alerts_v2 alert a queue shows, one line
// per alert. [AlertsService.ListSummaries] decodes a page into it: the
// decoder then skips each alert's evidence, comments and descriptions
// instead of building them, which is most of the cost of a page.
type AlertSummary struct {
	ID                 string              `json:"id"`
	Title              string              `json:"title,omitzero"`
	Severity           AlertSeverity       `json:"severity"`
	Status             AlertStatus         `json:"status"`
	Classification     AlertClassification `json:"classification,omitzero"`
	Determination      AlertDetermination  `json:"determination,omitzero"`
	ServiceSource      ServiceSource       `json:"serviceSource"`
	Category           string              `json:"category,omitzero"`
	AssignedTo         string              `json:"assignedTo,omitzero"`
	IncidentID         string              `json:"incidentId,omitzero"`
	CreatedDateTime    time.Time           `json:"createdDateTime,omitzero"`
	LastUpdateDateTime time.Time           `json:"lastUpdateDateTime,omitzero"`
}

// AlertComment is one comment on an alert or incident (the CSDL names;
// some incident samples show createdBy/createdTime instead).
type AlertComment struct {
	Comment              string    `json:"comment"`
	CreatedByDisplayName string    `json:"createdByDisplayName,omitzero"`
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
	ODataType          string              `json:"@odata.type,omitzero"`
	ID                 string              `json:"id"`
	AssignedTo         string              `json:"assignedTo,omitzero"`
	Classification     AlertClassification `json:"classification,omitzero"`
	Comments           []AlertComment      `json:"comments"`
	CreatedDateTime    time.Time           `json:"createdDateTime,omitzero"`
	CustomTags         []string            `json:"customTags"`
	Description        string              `json:"description,omitzero"`
	Determination      AlertDetermination  `json:"determination,omitzero"`
	DisplayName        string              `json:"displayName,omitzero"`
	IncidentWebURL     string              `json:"incidentWebUrl,omitzero"`
	LastModifiedBy     string              `json:"lastModifiedBy,omitzero"`
	LastUpdateDateTime time.Time           `json:"lastUpdateDateTime,omitzero"`
	PriorityScore      *int32              `json:"priorityScore,omitzero"`
	RedirectIncidentID string              `json:"redirectIncidentId,omitzero"`
	ResolvingComment   string              `json:"resolvingComment,omitzero"`
	Severity           AlertSeverity       `json:"severity"`
	Status             IncidentStatus      `json:"status"`
	Summary            string              `json:"summary,omitzero"`
	SystemTags         []string            `json:"systemTags,omitzero"`
	TenantID           string              `json:"tenantId,omitzero"`
	// Alerts is filled only with $expand=alerts.
	Alerts []Alert `json:"alerts,omitzero"`
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
