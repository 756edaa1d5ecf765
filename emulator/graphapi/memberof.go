package graphapi

import (
	"crypto/sha256"
	"fmt"

	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
)

// GET /me/memberOf/microsoft.graph.directoryRole: the signed-in user's
// directory roles, as Graph answers the memberOf relationship cast to
// directoryRole. The emulated directory has no groups or administrative
// units, so the user's memberships are their roles.
//
// Graph's behaviour reproduced: delegated only (an app-only token has no
// "me"); User.Read is enough for one's own memberships; $select, $top
// (1 to 999, 100 by default) and $count; every item carries @odata.type;
// the context names the directoryRoles set; an activated role object has a
// tenant-specific id and the tenant-independent roleTemplateId.

// directoryRoleType is microsoft.graph.directoryRole (the properties Graph
// declares on it; members and scopedMembers are navigation properties,
// not written). It is built per request: four properties cost nothing,
// and the schema package is not changed for one endpoint.
func directoryRoleType() *odata.Type {
	return odata.NewType("microsoft.graph.directoryRole", nil,
		odata.Property{Name: "id", Kind: odata.KindString, NotNull: true},
		odata.Property{Name: "deletedDateTime", Kind: odata.KindDateTime},
		odata.Property{Name: "description", Kind: odata.KindString},
		odata.Property{Name: "displayName", Kind: odata.KindString},
		odata.Property{Name: "roleTemplateId", Kind: odata.KindString},
	)
}

// roleDescription is Entra's description of a built-in role.
func roleDescription(role string) string {
	switch role {
	case tenant.RoleGlobalAdministrator:
		return "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."
	case tenant.RoleSecurityAdministrator:
		return "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365."
	case tenant.RoleSecurityOperator:
		return "Creates and manages security events."
	case tenant.RoleSecurityReader:
		return "Can read security information and reports in Microsoft Entra ID and Office 365."
	case tenant.RoleGlobalReader:
		return "Can read everything that a Global Administrator can, but not update anything."
	}
	return ""
}

// roleObjectID is the id of the role's activated object in this tenant:
// stable for the tenant, different between tenants, as in Entra.
func roleObjectID(tenantID, templateID string) string {
	h := sha256.Sum256([]byte("directoryRole\x00" + tenantID + "\x00" + templateID))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

func (a *API) listMyDirectoryRoles(c *call) error {
	if c.who.appOnly() {
		return badRequest("/me request is only valid with delegated authentication flow.")
	}
	if !c.who.has("User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All") {
		return c.requireDirectory()
	}
	t := directoryRoleType()
	spec := odata.Spec{Type: t, Allow: odata.OptSelect | odata.OptTop | odata.OptCount | odata.OptSkip | odata.OptSkipToken,
		DefaultTop: 100, MaxTop: 999, Limits: odata.DefaultLimits()}
	q, err := odata.ParseQuery(c.r.URL.RawQuery, spec)
	if err != nil {
		return err
	}
	var docs []odata.Object
	for _, role := range c.who.user.Roles {
		id := tenant.RoleTemplateID(role)
		if id == "" {
			continue
		}
		docs = append(docs, odata.Object{
			"@odata.type": t.ODataType(), "id": roleObjectID(a.dir.TenantID(), id),
			"displayName": role, "description": roleDescription(role), "roleTemplateId": id,
		})
	}
	items, matched, err := q.Run(c.r.Context(), docs)
	if err != nil {
		return err
	}
	p := page{context: c.contextURL(selectContext("directoryRoles", q.Select)), count: matched, hasCount: q.Count,
		items: items, t: t, sel: q.Select}
	if next := q.Skip + len(items); next < matched && len(items) > 0 {
		p.nextLink = c.nextLink("me/memberOf/microsoft.graph.directoryRole", q, next)
	}
	c.writeCollection(200, p)
	return nil
}
