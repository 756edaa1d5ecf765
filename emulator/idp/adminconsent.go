package idp

import (
	"fmt"
	"net/http"
	"strings"
)

// handleAdminConsent serves /{tenant}/adminconsent (v1: every registered
// permission) and /{tenant}/v2.0/adminconsent (v2: the scope parameter,
// where Graph's "/.default" means every registered permission, application
// permissions included).
func (p *Provider) handleAdminConsent(kind flowKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tref, aerr := p.resolveTenant(r.PathValue("tenant"))
		if aerr != nil {
			p.errorPageFor(w, r, aerr)
			return
		}
		if kind == flowAdminV2 && tref.segment == "common" {
			p.errorPageFor(w, r, errMalformed("The v2.0 admin consent endpoint does not accept the 'common' tenant. Use 'organizations', or the tenant's id or domain."))
			return
		}
		v, aerr := readParams(w, r)
		if aerr != nil {
			p.errorPageFor(w, r, aerr)
			return
		}
		if r.Method == http.MethodPost && v.has("flow") {
			p.continueFlow(w, r, tref, kind, v)
			return
		}
		if n := v.repeated("client_id", "redirect_uri", "state", "scope"); n != "" {
			p.errorPageFor(w, r, errMalformed(fmt.Sprintf("The parameter '%s' was sent more than once.", n)))
			return
		}
		app, aerr := p.clientAndRedirect(v)
		if aerr != nil {
			p.errorPageFor(w, r, aerr, "client_id", truncate(v.get("client_id")))
			return
		}
		req := adminRequest{clientID: app.ClientID, redirectURI: v.get("redirect_uri"), state: v.get("state")}
		if kind == flowAdminV1 {
			req.delegated = canonicalPermissions(app.Delegated, isDelegated)
			req.application = canonicalPermissions(app.Application, isApplication)
		} else {
			scopes, err := parseScopes(v.get("scope"))
			if err != nil {
				e := errMissingParam("scope")
				if se, ok := err.(*ScopeError); ok {
					e = se.aad()
				}
				p.adminRedirectError(w, r, req, e, false)
				return
			}
			req.delegated = scopes.OIDC
			if scopes.GraphDefault {
				req.delegated = append(req.delegated, canonicalPermissions(app.Delegated, isDelegated)...)
				req.application = canonicalPermissions(app.Application, isApplication)
			} else {
				req.delegated = append(req.delegated, scopes.Graph...)
			}
			req.delegated = canonicalPermissions(req.delegated, isDelegated)
		}
		p.advanceAdmin(w, r, flow{kind: kind, tenantSeg: tref.segment, admin: req})
	}
}

// advanceAdmin shows the next admin consent page: the account page, the
// permissions to accept, or "needs an administrator".
func (p *Provider) advanceAdmin(w http.ResponseWriter, r *http.Request, fl flow) {
	app, aerr := p.flowApp(fl)
	if aerr != nil {
		p.errorPageFor(w, r, aerr)
		return
	}
	if fl.userID == "" {
		su, ok := p.sessionUser(r)
		if !ok || fl.forceAccount {
			p.showSignin(w, r, fl, app, "")
			return
		}
		fl.userID = su.ID
	}
	u, err := p.dir.User(fl.userID)
	if err != nil {
		fl.userID = ""
		p.showSignin(w, r, fl, app, "That account no longer exists. Pick another one.")
		return
	}
	if !p.saveFlow(w, r, &fl) {
		return
	}
	if !u.CanGrantTenantConsent() {
		p.render(w, http.StatusForbidden, "needadmin", needAdminPage{
			Title: "Need admin approval", AppName: app.DisplayName, Action: p.flowAction(fl), Flow: fl.id,
			UserName: u.DisplayName, UPN: u.UserPrincipalName,
		})
		return
	}
	p.render(w, http.StatusOK, "adminconsent", adminConsentPage{
		Title: "Permissions requested", AppName: app.DisplayName, TenantName: p.tenantName(),
		Action: p.flowAction(fl), Flow: fl.id, UserName: u.DisplayName, UPN: u.UserPrincipalName,
		Delegated: permViews(fl.admin.delegated), Application: permViews(fl.admin.application),
	})
}

// adminAction handles Accept, Cancel and "Return to the application".
func (p *Provider) adminAction(w http.ResponseWriter, r *http.Request, fl flow, action string) {
	switch action {
	case "accept":
		u, err := p.dir.User(fl.userID)
		if err != nil || !u.CanGrantTenantConsent() {
			// Only an administrator can accept, whatever the form says.
			p.advanceAdmin(w, r, fl)
			return
		}
		p.dir.GrantAdminConsent(fl.admin.clientID, fl.admin.delegated, fl.admin.application)
		p.dropFlow(fl.id)
		p.log.Info("idp: admin consent granted", "client_id", fl.admin.clientID, "user_id", u.ID, "via", "adminconsent")
		out := []formField{{"admin_consent", "True"}, {"tenant", p.tenantID}}
		if fl.kind == flowAdminV2 {
			granted := make([]string, 0, len(fl.admin.delegated)+len(fl.admin.application))
			for _, s := range fl.admin.delegated {
				granted = append(granted, fullScope(s))
			}
			for _, s := range fl.admin.application {
				if !containsFold(fl.admin.delegated, s) {
					granted = append(granted, fullScope(s))
				}
			}
			out = append(out, formField{"scope", strings.Join(granted, " ")})
		}
		if fl.admin.state != "" {
			out = append(out, formField{"state", fl.admin.state})
		}
		p.deliver(w, r, fl.admin.redirectURI, "query", out)
	case "cancel":
		p.dropFlow(fl.id)
		if fl.kind == flowAdminV1 {
			p.adminRedirectV1(w, r, fl.admin, "The admin canceled the request")
			return
		}
		p.adminRedirectError(w, r, fl.admin, newAADError(http.StatusBadRequest, "consent_required", 65004,
			"The resource owner or authorization server denied the request."), true)
	case "return":
		p.dropFlow(fl.id)
		if fl.kind == flowAdminV1 {
			p.adminRedirectV1(w, r, fl.admin, errNeedsAdmin().Error())
			return
		}
		p.adminRedirectError(w, r, fl.admin, errNeedsAdmin(), false)
	default:
		p.errorPageFor(w, r, errMalformed("The form action is not recognised."))
	}
}

// adminRedirectError returns a v2-style error; Entra's cancel redirect
// also carries admin_consent=True, which is why callers must not read that
// parameter as success on its own.
func (p *Provider) adminRedirectError(w http.ResponseWriter, r *http.Request, req adminRequest, e *aadError, withAdminConsent bool) {
	t := p.newTrace(r)
	p.log.Info("idp: admin consent error", "client_id", req.clientID, "error", e.err, "aadsts", e.code, "trace_id", t.traceID)
	var out []formField
	if withAdminConsent {
		out = append(out, formField{"admin_consent", "True"})
	}
	out = append(out, formField{"error", e.err}, formField{"error_description", t.description(e)})
	if req.state != "" {
		out = append(out, formField{"state", req.state})
	}
	p.deliver(w, r, req.redirectURI, "query", out)
}

// adminRedirectV1 returns the v1 endpoint's error shape.
func (p *Provider) adminRedirectV1(w http.ResponseWriter, r *http.Request, req adminRequest, desc string) {
	p.log.Info("idp: admin consent error", "client_id", req.clientID, "error", "permission_denied")
	out := []formField{{"error", "permission_denied"}, {"error_description", desc}}
	if req.state != "" {
		out = append(out, formField{"state", req.state})
	}
	p.deliver(w, r, req.redirectURI, "query", out)
}
