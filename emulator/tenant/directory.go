// Package tenant holds the emulated Entra ID tenant: its users, the app
// registrations, and the consent each app has been granted. The identity
// provider and the Graph API both read it; the control plane changes it.
package tenant

import (
	"errors"
	"slices"
	"strings"
	"sync"
)

// User is a member of the tenant, with the profile fields Graph returns
// for /me and the directory roles that decide what the user may do in the
// security APIs.
type User struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	DisplayName       string   `json:"displayName"`
	GivenName         string   `json:"givenName"`
	Surname           string   `json:"surname"`
	JobTitle          string   `json:"jobTitle"`
	Mail              string   `json:"mail"`
	MobilePhone       string   `json:"mobilePhone"`
	OfficeLocation    string   `json:"officeLocation"`
	PreferredLanguage string   `json:"preferredLanguage"`
	BusinessPhones    []string `json:"businessPhones"`
	Roles             []string `json:"roles"`
}

// HasRole reports whether u holds the directory role.
func (u User) HasRole(role string) bool { return slices.Contains(u.Roles, role) }

// CanGrantTenantConsent reports whether u may grant admin consent for the
// whole tenant. Only a Global Administrator can, for Graph permissions.
func (u User) CanGrantTenantConsent() bool { return u.HasRole(RoleGlobalAdministrator) }

// CanReadSecurity reports whether u holds a role that lets delegated calls
// read the security APIs (Microsoft requires one on top of the permission).
func (u User) CanReadSecurity() bool {
	return u.CanWriteSecurity() || u.HasRole(RoleSecurityReader) || u.HasRole(RoleGlobalReader)
}

// CanWriteSecurity reports whether u holds a role that lets delegated
// calls change alerts, incidents and control profiles.
func (u User) CanWriteSecurity() bool {
	return u.HasRole(RoleGlobalAdministrator) || u.HasRole(RoleSecurityAdministrator) || u.HasRole(RoleSecurityOperator)
}

// RoleTemplateIDs lists the template ids of u's roles, for the wids claim.
func (u User) RoleTemplateIDs() []string {
	var ids []string
	for _, r := range u.Roles {
		if id := RoleTemplateID(r); id != "" {
			ids = append(ids, id)
		}
	}
	return ids
}

// App is an app registration with its service principal in the tenant.
type App struct {
	ClientID    string
	DisplayName string
	// ServicePrincipalID is the object id app-only tokens carry as oid.
	ServicePrincipalID string
	// Secret is empty for a public client.
	Secret       string
	RedirectURIs []string
	// Delegated and Application are the permissions the registration
	// requests; consent decides which of them reach tokens.
	Delegated   []string
	Application []string
}

// Grant is the consent an app holds.
type Grant struct {
	Delegated   []string
	Application []string
}

// Errors returned by Directory.
var (
	ErrNoSuchUser = errors.New("tenant: no such user")
	ErrNoSuchApp  = errors.New("tenant: no such app")
)

// Directory is the tenant. It is safe for concurrent use.
type Directory struct {
	tenantID string
	domain   string
	name     string

	mu         sync.RWMutex
	users      []User
	byID       map[string]int
	byUPN      map[string]int
	apps       map[string]App
	adminGrant map[string]Grant               // client id -> tenant-wide grant
	userGrant  map[string]map[string][]string // client id -> user id -> scopes
}

// NewDirectory creates an empty tenant.
func NewDirectory(tenantID, domain, displayName string) *Directory {
	d := &Directory{
		tenantID:   tenantID,
		domain:     domain,
		name:       displayName,
		apps:       map[string]App{},
		adminGrant: map[string]Grant{},
		userGrant:  map[string]map[string][]string{},
	}
	d.SetUsers(nil)
	return d
}

// TenantID is the tenant's GUID.
func (d *Directory) TenantID() string { return d.tenantID }

// Domain is the tenant's primary domain, e.g. contoso.onmicrosoft.com.
func (d *Directory) Domain() string { return d.domain }

// DisplayName is the organisation's name.
func (d *Directory) DisplayName() string { return d.name }

// Matches reports whether s names this tenant: its id or its domain,
// without regard to case. "common" and "organizations" are handled by the
// identity provider, not here.
func (d *Directory) Matches(s string) bool {
	return strings.EqualFold(s, d.tenantID) || strings.EqualFold(s, d.domain)
}

// SetUsers replaces every user (reseeding). User consent is kept only for
// users that still exist.
func (d *Directory) SetUsers(users []User) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.users = slices.Clone(users)
	d.byID = make(map[string]int, len(users))
	d.byUPN = make(map[string]int, len(users))
	for i, u := range d.users {
		d.byID[strings.ToLower(u.ID)] = i
		d.byUPN[strings.ToLower(u.UserPrincipalName)] = i
	}
	for _, m := range d.userGrant {
		for id := range m {
			if _, ok := d.byID[strings.ToLower(id)]; !ok {
				delete(m, id)
			}
		}
	}
}

// Users lists the users in a stable order.
func (d *Directory) Users() []User {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.users)
}

// User finds a user by object id or user principal name, without regard
// to case, as /users/{id | userPrincipalName} does.
func (d *Directory) User(idOrUPN string) (User, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	k := strings.ToLower(idOrUPN)
	if i, ok := d.byID[k]; ok {
		return d.users[i], nil
	}
	if i, ok := d.byUPN[k]; ok {
		return d.users[i], nil
	}
	return User{}, ErrNoSuchUser
}

// PutApp adds or replaces an app registration.
func (d *Directory) PutApp(a App) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.apps[a.ClientID] = a
}

// App finds an app registration by client id (case-insensitive, as GUIDs are).
func (d *Directory) App(clientID string) (App, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if a, ok := d.apps[clientID]; ok {
		return a, nil
	}
	for id, a := range d.apps {
		if strings.EqualFold(id, clientID) {
			return a, nil
		}
	}
	return App{}, ErrNoSuchApp
}

// AdminGrant returns the tenant-wide consent held by the app.
func (d *Directory) AdminGrant(clientID string) Grant {
	d.mu.RLock()
	defer d.mu.RUnlock()
	g := d.adminGrant[clientID]
	return Grant{Delegated: slices.Clone(g.Delegated), Application: slices.Clone(g.Application)}
}

// GrantAdminConsent adds tenant-wide consent for the given delegated and
// application permissions (added to what the app already holds).
func (d *Directory) GrantAdminConsent(clientID string, delegated, application []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	g := d.adminGrant[clientID]
	g.Delegated = union(g.Delegated, delegated)
	g.Application = union(g.Application, application)
	d.adminGrant[clientID] = g
}

// RevokeAdminConsent removes every tenant-wide grant of the app and every
// user's consent to it, as deleting the grants in Entra ID does.
func (d *Directory) RevokeAdminConsent(clientID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.adminGrant, clientID)
	delete(d.userGrant, clientID)
}

// UserConsent returns the delegated scopes the user consented to for the app.
func (d *Directory) UserConsent(clientID, userID string) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return slices.Clone(d.userGrant[clientID][userID])
}

// GrantUserConsent records the user's consent to more delegated scopes.
func (d *Directory) GrantUserConsent(clientID, userID string, scopes []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m := d.userGrant[clientID]
	if m == nil {
		m = map[string][]string{}
		d.userGrant[clientID] = m
	}
	m[userID] = union(m[userID], scopes)
}

// ConsentedScopes is every delegated permission the user may get in a
// token for the app: the tenant-wide grant plus the user's own consent.
func (d *Directory) ConsentedScopes(clientID, userID string) []string {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return union(d.adminGrant[clientID].Delegated, d.userGrant[clientID][userID])
}

// union adds the names in b that a lacks (case-insensitively), keeping order.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, s := range b {
		if !slices.ContainsFunc(out, func(x string) bool { return strings.EqualFold(x, s) }) {
			out = append(out, s)
		}
	}
	return out
}
