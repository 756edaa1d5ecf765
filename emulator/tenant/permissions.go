package tenant

import "strings"

// Permission describes one Microsoft Graph permission as the identity
// platform treats it. The table is fixed reference data, not state.
type Permission struct {
	Name string
	// AdminOnly permissions need tenant-wide admin consent before they can
	// appear in a delegated token.
	AdminOnly bool
	// Delegated and Application say in which kinds of token it can appear.
	Delegated   bool
	Application bool
	// OIDC marks the OpenID Connect scopes, which are not Graph
	// permissions and never appear in an access token's scp.
	OIDC bool
}

// GraphResource is the application ID URI of Microsoft Graph.
const GraphResource = "https://graph.microsoft.com"

// GraphAppID is the well-known application id of Microsoft Graph, also
// accepted as an access token audience.
const GraphAppID = "00000003-0000-0000-c000-000000000000"

var permissionTable = []Permission{
	{Name: "openid", Delegated: true, OIDC: true},
	{Name: "profile", Delegated: true, OIDC: true},
	{Name: "email", Delegated: true, OIDC: true},
	{Name: "offline_access", Delegated: true, OIDC: true},
	{Name: "User.Read", Delegated: true},
	{Name: "User.ReadBasic.All", Delegated: true},
	{Name: "User.Read.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "Mail.Send", Delegated: true, Application: true},
	{Name: "SecurityEvents.Read.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityEvents.ReadWrite.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityAlert.Read.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityAlert.ReadWrite.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityIncident.Read.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityIncident.ReadWrite.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityActions.Read.All", AdminOnly: true, Delegated: true, Application: true},
	{Name: "SecurityActions.ReadWrite.All", AdminOnly: true, Delegated: true, Application: true},
}

// LookupPermission finds a permission by name without regard to case, and
// also accepts the long form "https://graph.microsoft.com/User.Read".
// Application permissions for an app-only token are requested with the
// special scope "https://graph.microsoft.com/.default", which is not in
// this table.
func LookupPermission(name string) (Permission, bool) {
	short := ShortScope(name)
	for _, p := range permissionTable {
		if strings.EqualFold(p.Name, short) {
			return p, true
		}
	}
	return Permission{}, false
}

// ShortScope strips the Graph resource prefix: the identity platform
// writes Graph permissions in short form in token responses.
func ShortScope(s string) string {
	if len(s) > len(GraphResource)+1 && strings.EqualFold(s[:len(GraphResource)+1], GraphResource+"/") {
		return s[len(GraphResource)+1:]
	}
	if len(s) > len(GraphAppID)+1 && strings.EqualFold(s[:len(GraphAppID)+1], GraphAppID+"/") {
		return s[len(GraphAppID)+1:]
	}
	return s
}

// Directory roles that matter to the security APIs, with the role template
// ids Entra ID puts in the wids claim.
const (
	RoleGlobalAdministrator   = "Global Administrator"
	RoleSecurityAdministrator = "Security Administrator"
	RoleSecurityOperator      = "Security Operator"
	RoleSecurityReader        = "Security Reader"
	RoleGlobalReader          = "Global Reader"
)

var roleTemplateIDs = map[string]string{
	RoleGlobalAdministrator:   "62e90394-69f5-4237-9190-012177145e10",
	RoleSecurityAdministrator: "194ae4cb-b126-40b2-bd5b-6091b380977d",
	RoleSecurityOperator:      "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f",
	RoleSecurityReader:        "5d6b6bb7-de71-4623-b4af-96380a352509",
	RoleGlobalReader:          "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
}

// RoleTemplateID returns the template id of a directory role, or "".
func RoleTemplateID(role string) string { return roleTemplateIDs[role] }
