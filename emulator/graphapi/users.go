package graphapi

import (
	"net/http"

	"github.com/graphsec/graphsec/emulator/gen"
	"github.com/graphsec/graphsec/emulator/model"
	"github.com/graphsec/graphsec/emulator/odata"
	"github.com/graphsec/graphsec/emulator/tenant"
)

func (a *API) getMe(c *call) error {
	if c.who.appOnly() {
		return badRequest("/me request is only valid with delegated authentication flow.")
	}
	if !c.who.has("User.Read", "User.ReadWrite", "User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All") {
		return c.requireDirectory()
	}
	return a.writeUser(c, *c.who.user)
}

func (a *API) getUser(c *call) error {
	id := c.r.PathValue("id")
	u, err := a.dir.User(id)
	self := err == nil && !c.who.appOnly() && c.who.user.ID == u.ID
	if !(self && c.who.has("User.Read")) {
		if err := c.requireDirectory("User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"); err != nil {
			return err
		}
	}
	if err != nil {
		return errorf(http.StatusNotFound, "Request_ResourceNotFound", "Resource '%s' does not exist or one of its queried reference-property objects are not present.", id)
	}
	return a.writeUser(c, u)
}

func (a *API) writeUser(c *call, u tenant.User) error {
	q, err := c.entitySelect(a.schema.User)
	if err != nil {
		return err
	}
	sel := q.Select
	ctxSel := sel
	if len(sel) == 0 {
		sel = model.UserDefaultProperties()
	}
	c.writeEntity(http.StatusOK, c.contextURL(entityContext("users", ctxSel)), gen.UserObject(u), a.schema.User, sel)
	return nil
}

func (a *API) listUsers(c *call) error {
	if err := c.requireDirectory("User.ReadBasic.All", "User.Read.All", "User.ReadWrite.All", "Directory.Read.All"); err != nil {
		return err
	}
	users := a.dir.Users()
	docs := make([]odata.Object, len(users))
	for i, u := range users {
		docs[i] = gen.UserObject(u)
	}
	spec := odata.Spec{
		Type:  a.schema.User,
		Allow: odata.OptFilter | odata.OptSelect | odata.OptTop | odata.OptCount | odata.OptOrderBy | odata.OptSkipToken | odata.OptSkip,
		// Graph pages users 100 at a time and accepts $top up to 999.
		DefaultTop: 100, MaxTop: 999, Limits: odata.DefaultLimits(),
	}
	return c.listSelecting("users", spec, model.UserDefaultProperties(), func(q *odata.Query) ([]odata.Object, int, error) {
		return q.Run(c.r.Context(), docs)
	})
}
