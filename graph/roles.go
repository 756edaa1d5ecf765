package graph

import (
	"context"
	"slices"
)

// Role template ids of the Entra directory roles that decide what a
// signed-in user may do in the security API. A role's template id is the
// same in every tenant (the role object's own id is not); Microsoft
// requires one of these roles on top of the delegated permission.
//
// Reference: https://learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference
const (
	RoleGlobalAdministrator   = "62e90394-69f5-4237-9190-012177145e10"
	RoleSecurityAdministrator = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleSecurityOperator      = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"
	RoleSecurityReader        = "5d6b6bb7-de71-4623-b4af-96380a352509"
	RoleGlobalReader          = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
)

// SecurityWriterRoles lists the roles whose members may change alerts,
// incidents and control profiles (a fresh slice).
func SecurityWriterRoles() []string {
	return []string{RoleGlobalAdministrator, RoleSecurityAdministrator, RoleSecurityOperator}
}

// SecurityReaderRoles lists the roles whose members may read the security
// API without changing anything (a fresh slice); the writer roles read too.
func SecurityReaderRoles() []string {
	return []string{RoleSecurityReader, RoleGlobalReader}
}

// DirectoryRole is an activated Entra directory role (microsoft.graph.directoryRole).
type DirectoryRole struct {
	ODataType   string `json:"@odata.type,omitzero"`
	ID          string `json:"id,omitzero"`
	DisplayName string `json:"displayName,omitzero"`
	Description string `json:"description,omitzero"`
	// RoleTemplateID is the tenant-independent id (Role* constants).
	RoleTemplateID string `json:"roleTemplateId,omitzero"`
}

// maxDirectoryRoles bounds MyDirectoryRoles: Entra has about a hundred
// built-in roles, so more than this means an answer that pages forever.
const maxDirectoryRoles = 1000

// MyDirectoryRolesRequest builds the first request of [UsersService.MyDirectoryRoles].
func (s *UsersService) MyDirectoryRolesRequest() (*Request, error) {
	return s.c.listRequest(v1+"/me/memberOf/microsoft.graph.directoryRole", Query{Select: []string{"roleTemplateId", "displayName"}})
}

// MyDirectoryRoles lists the directory roles the signed-in user is a
// direct member of, following next links (at most 1,000 roles): the
// memberOf relationship cast to directoryRole, with only roleTemplateId and
// displayName selected. A delegated token with User.Read
// ([AccessReadProfile]) suffices for the user's own memberships; an
// app-only token gets 400, as for /me. Roles granted through a group or
// only eligible through Privileged Identity Management are not direct
// memberships and are not listed.
//
// Docs: https://learn.microsoft.com/graph/api/user-list-memberof
func (s *UsersService) MyDirectoryRoles(ctx context.Context) ([]DirectoryRole, error) {
	r, err := s.MyDirectoryRolesRequest()
	if err != nil {
		return nil, err
	}
	var out []DirectoryRole
	for role, err := range iterate[DirectoryRole](ctx, s.c, r, maxDirectoryRoles) {
		if err != nil {
			return nil, err
		}
		out = append(out, *role)
	}
	return out, nil
}

// RoleTemplateIDs returns the distinct template ids of roles, in order.
func RoleTemplateIDs(roles []DirectoryRole) []string {
	var ids []string
	for _, r := range roles {
		if r.RoleTemplateID != "" && !slices.Contains(ids, r.RoleTemplateID) {
			ids = append(ids, r.RoleTemplateID)
		}
	}
	return ids
}
