package graph

// Delegated permissions (OAuth scopes) of the endpoints this package calls,
// so that programs using it never spell a permission themselves: they ask
// which scopes an [Access] needs, and which to request at sign-in.
//
// Microsoft's permission reference:
// https://learn.microsoft.com/graph/permissions-reference

// Access is a kind of access to Microsoft Graph a program needs on a
// signed-in user's behalf.
type Access int

// The kinds of access this package's services need.
const (
	// AccessReadProfile: the signed-in user's profile (/me).
	AccessReadProfile Access = iota + 1
	// AccessReadAlerts: list and read alerts_v2 alerts.
	AccessReadAlerts
	// AccessWriteAlerts: update alerts_v2 alerts and comment on them.
	AccessWriteAlerts
	// AccessReadIncidents: list and read incidents and their alerts.
	AccessReadIncidents
	// AccessWriteIncidents: update incidents and comment on them.
	AccessWriteIncidents
	// AccessReadSecurityEvents: the legacy /security/alerts API, secure scores,
	// control profiles and change-notification subscriptions.
	AccessReadSecurityEvents
	// AccessWriteSecurityEvents: update legacy alerts and control profiles.
	AccessWriteSecurityEvents
	// AccessSendMail: send mail as the signed-in user.
	AccessSendMail
)

// The delegated permissions, as Microsoft Entra spells them.
const (
	scopeUserRead                = "User.Read"
	scopeMailSend                = "Mail.Send"
	scopeAlertRead               = "SecurityAlert.Read.All"
	scopeAlertReadWrite          = "SecurityAlert.ReadWrite.All"
	scopeIncidentRead            = "SecurityIncident.Read.All"
	scopeIncidentReadWrite       = "SecurityIncident.ReadWrite.All"
	scopeSecurityEventsRead      = "SecurityEvents.Read.All"
	scopeSecurityEventsReadWrite = "SecurityEvents.ReadWrite.All"
)

// ScopeFor returns the delegated permissions that each grant a: any one of
// them is enough. The least privileged comes first (the Read form before
// the ReadWrite form that includes it). An unknown Access has none.
func ScopeFor(a Access) []string {
	switch a {
	case AccessReadProfile:
		return []string{scopeUserRead}
	case AccessReadAlerts:
		return []string{scopeAlertRead, scopeAlertReadWrite}
	case AccessWriteAlerts:
		return []string{scopeAlertReadWrite}
	case AccessReadIncidents:
		return []string{scopeIncidentRead, scopeIncidentReadWrite}
	case AccessWriteIncidents:
		return []string{scopeIncidentReadWrite}
	case AccessReadSecurityEvents:
		return []string{scopeSecurityEventsRead, scopeSecurityEventsReadWrite}
	case AccessWriteSecurityEvents:
		return []string{scopeSecurityEventsReadWrite}
	case AccessSendMail:
		return []string{scopeMailSend}
	}
	return nil
}

// DelegatedScopes returns the Graph permissions a console built on this
// package requests at sign-in (a fresh slice): the profile, mail, and the
// ReadWrite form of every security area, which includes its Read form.
// The security permissions need tenant-wide admin consent. OpenID Connect
// scopes (openid, profile, email, offline_access) are the identity
// platform's, not Graph's, and are not included.
func DelegatedScopes() []string {
	return []string{
		scopeUserRead, scopeMailSend,
		scopeAlertReadWrite, scopeIncidentReadWrite, scopeSecurityEventsReadWrite,
	}
}

// AppAccess is a kind of access the console's own application identity
// (an app-only token, the client credentials grant) needs: the APIs that
// accept application permissions only.
type AppAccess int

// The kinds of app-only access this package's services need.
const (
	// AppAccessReadSecurityActions: list and read security actions (beta).
	AppAccessReadSecurityActions AppAccess = iota + 1
	// AppAccessWriteSecurityActions: create and cancel security actions.
	AppAccessWriteSecurityActions
)

// Application permissions (app roles), as Microsoft Entra spells them.
const (
	appRoleSecurityActionsRead      = "SecurityActions.Read.All"
	appRoleSecurityActionsReadWrite = "SecurityActions.ReadWrite.All"
)

// AppRoleFor returns the application permissions that each grant a: any
// one of them is enough, the least privileged first. An administrator
// grants them to the app registration (API permissions, Application
// permissions, then Grant admin consent); they appear in the roles claim
// of the app's tokens. An unknown AppAccess has none.
func AppRoleFor(a AppAccess) []string {
	switch a {
	case AppAccessReadSecurityActions:
		return []string{appRoleSecurityActionsRead, appRoleSecurityActionsReadWrite}
	case AppAccessWriteSecurityActions:
		return []string{appRoleSecurityActionsReadWrite}
	}
	return nil
}

// AppScopes returns the scope an app-only client (the client credentials
// grant) requests (a fresh slice): Graph's ".default", which stands for
// every application permission an administrator has granted the app.
func AppScopes() []string { return []string{"https://graph.microsoft.com/.default"} }
