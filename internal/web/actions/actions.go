// Package actions is the console's security actions page (/actions): the
// original sample's form (allow or block, a property's name and value,
// the provider, a reason: POST /actions), the list of actions with their
// status, and cancelling one (POST /actions/{id}/cancel).
//
// Microsoft's security actions API (beta) accepts application
// permissions only, so this page calls Graph with the console's own
// app-only token (client credentials), not with the signed-in user's,
// and says so. Because the app's permission then acts for whoever uses
// the page, graphsec lets only users whose directory roles are known to
// allow changes (Security Operator, Security Administrator, Global
// Administrator) create or cancel actions; it records who asked in the
// action's clientContext and in graphsec's activity log. Without the
// application permission, the page says which one an administrator must
// grant (the graph package names them).
package actions

import (
	"cmp"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/i18n"
	"github.com/graphsec/graphsec/internal/web/page"
)

//go:embed templates/*.html
var templateFS embed.FS

// Templates returns the feature's page for the page kit ("actions/actions").
func Templates() page.Templates { return page.Embedded("actions", templateFS) }

// Deps are what the security actions page needs besides the page kit.
type Deps struct {
	// Activity is graphsec's activity log: who created or cancelled which
	// action through graphsec.
	Activity *page.ActivityLog
	// App returns a Graph client acting as the console's own application
	// (an app-only token) for the page's request.
	App func(ctx context.Context) (*graph.Client, error)
	// AppRoles returns the application permissions the console's app
	// holds (the roles claim of its token), to say what is missing when
	// Graph refuses.
	AppRoles func(ctx context.Context) ([]string, error)
}

// Pages serves the security actions page; its methods are page.Handlers.
type Pages struct {
	d Deps
}

// New returns the security actions page.
func New(d Deps) *Pages { return &Pages{d: d} }

// activityResource is a security action's kind in the activity log.
const activityResource = "securityAction"

// Limits of the form's fields. Graph takes a name of 256 characters and a
// reason of 4,096; a property's name is a word ("IP", "url", "fileHash")
// and its value an address, a URL or a hash.
const (
	maxParamName = 128
	maxValue     = 2048
	maxProvider  = 256
	maxReason    = 4000
	// listed is how many actions the page lists, newest first.
	listed = 200
)

// defaultProvider prefills the provider field: the provider of Microsoft's
// own security actions.
const defaultProvider = "Windows Defender ATP"

// vendor is the vendor of the providers this page offers.
const vendor = "Microsoft"

// actionNames are the actions the form offers (form value → Graph's
// action name), as the original sample offered them.
var actionNames = map[string]string{"allow": "Allow", "block": "Block"}

// form is the create form's values and mistakes.
type form struct {
	Action, Name, Value, Provider, Reason string
	Errors                                page.FieldErrors
}

// readForm reads and checks the create form.
func readForm(v url.Values) form {
	get := v.Get
	var f form
	f.Action = strings.TrimSpace(get("action"))
	switch {
	case f.Action == "":
		f.Errors.Add("action", page.T("actions.error.action"))
	case actionNames[f.Action] == "":
		f.Errors.Add("action", page.T("actions.error.actionUnknown", "value", page.Shorten(f.Action, 40)))
	}
	text := func(field, raw string, max int, required bool) string {
		s, err := page.Text(page.T("actions.field."+field), raw, max)
		if f.Errors.Check(field, err) && required && s == "" {
			f.Errors.Add(field, page.T("actions.error.required", "field", page.T("actions.field."+field)))
		}
		return s
	}
	f.Name = text("name", get("name"), maxParamName, true)
	f.Value = text("value", get("value"), maxValue, true)
	f.Provider = text("provider", get("provider"), maxProvider, true)
	var err error
	f.Reason, err = page.Multiline(page.T("actions.field.reason"), get("reason"), maxReason)
	f.Errors.Check("reason", err)
	return f
}

// row is one action of the list.
type row struct {
	ID, Name, Reason, By, Provider   string
	Params                           []graph.KeyValuePair
	Status                           i18n.EnumLabel
	Created, CreatedISO, CreatedLong string
	Last, LastLong                   string
	Error                            string
	Cancellable                      bool
}

// done is what a create or a cancel did, shown once after its redirect.
type done struct {
	Created   bool
	ID        string
	Name      string
	Status    int
	RequestID string
	Request   *page.RequestView
}

// changed is the result kept for the page after the redirect (flashes
// live in the store as page.Changed).
func (d *done) changed() *page.Changed {
	c := &page.Changed{Heading: "actions.cancelled", Rows: []page.CompareRow{{Prop: "id", After: page.Field{Prop: "id", Raw: d.ID}}},
		Sent: []page.Sent{{What: "action", Request: d.Request, Status: d.Status, RequestID: d.RequestID}}}
	if d.Created {
		c.Heading = "actions.created"
		c.Rows = append(c.Rows, page.CompareRow{Prop: "name", After: page.Field{Prop: "name", Raw: d.Name}})
	}
	return c
}

// doneFrom reads back what changed made.
func doneFrom(c *page.Changed) *done {
	d := &done{Created: c.Heading == "actions.created"}
	for _, r := range c.Rows {
		switch r.Prop {
		case "id":
			d.ID = r.After.Raw
		case "name":
			d.Name = r.After.Raw
		}
	}
	if len(c.Sent) > 0 {
		d.Status, d.RequestID, d.Request = c.Sent[0].Status, c.Sent[0].RequestID, c.Sent[0].Request
	}
	return d
}

// permissionHelp is what the page says when the app lacks the permission.
type permissionHelp struct {
	Needed []string
	Held   []string
	// HeldKnown is false when the app's permissions could not be read.
	HeldKnown bool
}

// view is the page's data.
type view struct {
	Form       form
	Choices    []page.Choice
	Rows       []row
	ListError  *page.ErrorView
	Error      *page.ErrorView
	Permission *permissionHelp
	CanWrite   bool
	RolesKnown bool
	Done       *done
	Requests   []*page.RequestView
	MaxReason  int
}

// Actions is GET /actions.
func (ps *Pages) Actions(p *page.Page) error {
	p.Title, p.Nav = p.L.T("actions.title"), "actions"
	if p.Role().NoAccess() {
		return p.NoAccess(http.StatusOK, nil)
	}
	v := ps.newView(p, form{Action: "block", Provider: defaultProvider})
	if c := p.TakeFlash("/actions", p.R.URL.Query().Get("done")); c != nil {
		v.Done = doneFrom(c)
	}
	ps.list(p, &v)
	return p.Render(http.StatusOK, "actions/actions", v)
}

func (ps *Pages) newView(p *page.Page, f form) view {
	role := p.Role()
	v := view{Form: f, CanWrite: role.Known && role.CanWrite, RolesKnown: role.Known, MaxReason: maxReason}
	v.Form.Name = p.KeepOr(v.Form.Name, "name")
	v.Form.Value = p.KeepOr(v.Form.Value, "value")
	v.Form.Reason = p.KeepOr(v.Form.Reason, "reason")
	v.Form.Provider = p.KeepOr(v.Form.Provider, "provider")
	for _, k := range []string{"allow", "block"} {
		v.Choices = append(v.Choices, page.Choice{Value: k, Label: p.L.T("securityAction." + k), Selected: k == v.Form.Action})
	}
	return v
}

// list reads the actions with the app's token into v (an error is the
// list's, shown in its place).
func (ps *Pages) list(p *page.Page, v *view) {
	ctx, sent := page.Record(p.R.Context())
	var list []graph.SecurityAction
	err := func() error {
		c, err := ps.d.App(ctx)
		if err != nil {
			return err
		}
		for a, err := range c.SecurityActions.All(ctx, graph.Query{}, listed) {
			if err != nil {
				return err
			}
			list = append(list, *a)
		}
		return nil
	}()
	if r := sent.First(""); r != nil {
		v.Requests = append(v.Requests, page.Shown("list", r))
	}
	if err != nil {
		ev := ps.explain(p, err, graph.AppAccessReadSecurityActions, &v.Permission)
		v.ListError = &ev
		return
	}
	slices.SortStableFunc(list, func(a, b graph.SecurityAction) int { return b.CreatedDateTime.Compare(a.CreatedDateTime) })
	L := p.L
	for _, a := range list {
		r := row{
			ID: a.ID, Name: a.Name, Reason: a.ActionReason, Params: a.Parameters, Status: L.Enum(a.Status),
			By: cmp.Or(requester(a.ClientContext), a.User), Created: L.Rel(a.CreatedDateTime), CreatedISO: L.ISO(a.CreatedDateTime),
			CreatedLong: L.TimeLong(a.CreatedDateTime), Cancellable: cancellable(a.Status),
		}
		if a.VendorInformation != nil {
			r.Provider = a.VendorInformation.Provider
		}
		if !a.LastActionDateTime.IsZero() {
			r.Last, r.LastLong = L.Rel(a.LastActionDateTime), L.TimeLong(a.LastActionDateTime)
		}
		if a.ErrorInfo != nil {
			r.Error = a.ErrorInfo.Message
		}
		v.Rows = append(v.Rows, r)
	}
}

// cancellable reports a status an action can still be cancelled in.
func cancellable(s graph.OperationStatus) bool {
	return strings.EqualFold(string(s), string(graph.OperationStatusNotStarted)) || strings.EqualFold(string(s), string(graph.OperationStatusRunning))
}

// contextPrefix marks the clientContext graphsec writes: who asked.
const contextPrefix = "graphsec:"

// clientContext is what graphsec records in an action it creates: the
// signed-in user who asked (at most Graph's 256 characters).
func clientContext(upn string) string {
	s := contextPrefix + upn
	if len(s) > 256 {
		s = page.Shorten(s, 250)
	}
	return s
}

// requester reads back who asked, from a clientContext graphsec wrote.
func requester(ctx string) string {
	s, ok := strings.CutPrefix(ctx, contextPrefix)
	if !ok {
		return ""
	}
	return s
}

// explain words an error of the app-only calls: a missing application
// permission (Graph's 403) says which one an administrator must grant and
// which ones the app holds; an app-only token that could not be obtained
// says so (the client id or secret, not the user's sign-in).
func (ps *Pages) explain(p *page.Page, err error, need graph.AppAccess, help **permissionHelp) page.ErrorView {
	var te *graph.TokenError
	if errors.As(err, &te) {
		_, ev := p.Explain(&page.Error{Status: http.StatusBadGateway, Heading: page.T("actions.noAppToken.heading"), Message: page.T("actions.noAppToken.message"), Cause: err})
		ev.SignInLink, ev.ConsentLink, ev.AdminConsentLink = false, false, false
		*help = &permissionHelp{Needed: graph.AppRoleFor(need)}
		return ev
	}
	status, ev := p.Explain(err)
	if status == http.StatusForbidden || errors.Is(err, graph.ErrForbidden) {
		h := &permissionHelp{Needed: graph.AppRoleFor(need)}
		if ps.d.AppRoles != nil {
			if held, err := ps.d.AppRoles(p.R.Context()); err == nil {
				h.Held, h.HeldKnown = held, true
			}
		}
		*help = h
		ev.Heading = p.L.T("actions.missingPermission.heading")
		ev.Message = p.L.T("actions.missingPermission.message")
		ev.ConsentLink, ev.Forbidden = false, false
	}
	return ev
}

// Create is POST /actions: it asks the provider to act, with the app's
// token, and redirects to /actions, which lists the new action. A mistake
// or a refusal shows the page with the form as it was typed.
func (ps *Pages) Create(p *page.Page) error {
	p.Title, p.Nav = p.L.T("actions.title"), "actions"
	f := readForm(p.R.PostForm)
	v := ps.newView(p, f)
	if !v.CanWrite {
		return ps.refuse(p, v, &page.Error{Status: http.StatusForbidden, Heading: page.T("actions.readOnly.heading"), Message: page.T("actions.readOnly.message")}, graph.AppAccessWriteSecurityActions)
	}
	if f.Errors.Any() {
		ps.list(p, &v)
		return p.Render(http.StatusBadRequest, "actions/actions", v)
	}
	ctx := p.R.Context()
	c, err := ps.d.App(ctx)
	if err != nil {
		return ps.refuse(p, v, err, graph.AppAccessWriteSecurityActions)
	}
	octx, rec := page.Record(ctx)
	a, resp, err := c.SecurityActions.Create(octx, graph.NewSecurityAction{
		Name: actionNames[f.Action], ActionReason: f.Reason, ClientContext: clientContext(p.Me()),
		Parameters:        []graph.KeyValuePair{{Name: f.Name, Value: f.Value}},
		VendorInformation: graph.SecurityVendorInformation{Provider: f.Provider, Vendor: vendor},
	})
	if err != nil {
		return ps.refuse(p, v, err, graph.AppAccessWriteSecurityActions)
	}
	changes, _ := json.Marshal(map[string]string{"name": a.Name, "parameter": f.Name + "=" + f.Value, "provider": f.Provider, "reason": f.Reason})
	ps.d.Activity.Record(ctx, p.Session, activityResource, a.ID, "create", resp.RequestID, changes)
	d := &done{Created: true, ID: a.ID, Name: a.Name, Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("create", rec.First(http.MethodPost))}
	return p.Redirect("/actions?done="+p.SetFlash("/actions", d.changed()), http.StatusSeeOther)
}

// Cancel is POST /actions/{id}/cancel.
func (ps *Pages) Cancel(p *page.Page) error {
	p.Title, p.Nav = p.L.T("actions.title"), "actions"
	id := p.R.PathValue("id")
	if err := page.CheckID(page.T("actions.kind"), id, page.MaxID); err != nil {
		return err
	}
	v := ps.newView(p, form{Action: "block", Provider: defaultProvider})
	if !v.CanWrite {
		return ps.refuse(p, v, &page.Error{Status: http.StatusForbidden, Heading: page.T("actions.readOnly.heading"), Message: page.T("actions.readOnly.message")}, graph.AppAccessWriteSecurityActions)
	}
	ctx := p.R.Context()
	c, err := ps.d.App(ctx)
	if err != nil {
		return ps.refuse(p, v, err, graph.AppAccessWriteSecurityActions)
	}
	octx, rec := page.Record(ctx)
	resp, err := c.SecurityActions.Cancel(octx, id)
	if err != nil {
		err = page.Reword(err, graph.ErrNotFound, page.T("actions.notFound.heading"), page.T("actions.notFound.message", "id", id))
		return ps.refuse(p, v, err, graph.AppAccessWriteSecurityActions)
	}
	ps.d.Activity.Record(ctx, p.Session, activityResource, id, "cancel", resp.RequestID, nil)
	d := &done{ID: id, Status: resp.StatusCode, RequestID: resp.RequestID, Request: page.Shown("cancel", rec.First(http.MethodPost))}
	return p.Redirect("/actions?done="+p.SetFlash("/actions", d.changed()), http.StatusSeeOther)
}

// refuse shows the page with err above the form, the form as typed, at
// the status err calls for.
func (ps *Pages) refuse(p *page.Page, v view, err error, need graph.AppAccess) error {
	ev := ps.explain(p, err, need, &v.Permission)
	v.Error = &ev
	ps.list(p, &v)
	return p.Render(cmp.Or(ev.Status, http.StatusBadGateway), "actions/actions", v)
}
