package idp

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/graphsec/graphsec/emulator/tenant"
)

// Cookies. The SSO cookie borrows Entra's name; the browser cookie binds
// a pending sign-in to the browser that started it, so that a form post
// from another site (which SameSite=Lax keeps the cookie from) cannot
// complete someone else's sign-in or consent.
const (
	sessionCookie = "ESTSAUTH"
	browserCookie = "graphsec_idp_browser"
	maxFlowID     = 64
)

type flowKind int

const (
	flowAuthorize flowKind = iota + 1
	flowAdminV1
	flowAdminV2
)

// prompt is the parsed prompt parameter.
type prompt struct{ none, login, consent, selectAccount bool }

// authRequest is a validated authorize request, kept while the user goes
// through the pages.
type authRequest struct {
	clientID, redirectURI, responseMode, state, nonce string
	scopes                                            scopeRequest
	challenge, challengeMethod                        string
	prompt                                            prompt
	loginHint                                         string
}

// adminRequest is a validated admin consent request.
type adminRequest struct {
	clientID, redirectURI, state string
	delegated, application       []string
}

// flow is a pending browser interaction, stored server-side under a random
// id (the only thing the pages' forms carry) with a TTL and size bounds
// (flows.go).
type flow struct {
	id           string
	group        string // flowStore group: client and browser or source
	kind         flowKind
	tenantSeg    string
	browser      string
	auth         authRequest
	admin        adminRequest
	userID       string
	forceAccount bool
	consentDone  bool
}

// session is an SSO session: the signed-in user of one browser.
type session struct {
	userID string
}

// authCode is an issued authorization code.
type authCode struct {
	clientID, redirectURI, userID string
	scopes                        scopeRequest
	nonce                         string
	challenge, challengeMethod    string
	issued                        time.Time
	redeemed                      bool
}

// knownAuthorizeParams may not be repeated (RFC 6749 §3.1).
var knownAuthorizeParams = []string{"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce", "prompt", "login_hint", "domain_hint", "code_challenge", "code_challenge_method"}

func (p *Provider) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	tref, aerr := p.resolveTenant(r.PathValue("tenant"))
	if aerr != nil {
		p.errorPageFor(w, r, aerr)
		return
	}
	v, aerr := readParams(w, r)
	if aerr != nil {
		p.errorPageFor(w, r, aerr)
		return
	}
	if r.Method == http.MethodPost && v.has("flow") {
		p.continueFlow(w, r, tref, flowAuthorize, v)
		return
	}
	p.startAuthorize(w, r, tref, v)
}

// startAuthorize validates a new request. Until the client and its
// redirect URI are known, errors are shown as a page; after, they go back
// to the application.
func (p *Provider) startAuthorize(w http.ResponseWriter, r *http.Request, tref tenantRef, v params) {
	if n := v.repeated("client_id", "redirect_uri"); n != "" {
		p.errorPageFor(w, r, errMalformed(fmt.Sprintf("The parameter '%s' was sent more than once.", n)))
		return
	}
	app, aerr := p.clientAndRedirect(v)
	if aerr != nil {
		p.errorPageFor(w, r, aerr, "client_id", truncate(v.get("client_id")))
		return
	}
	req := authRequest{clientID: app.ClientID, redirectURI: v.get("redirect_uri"), state: v.get("state"), responseMode: "query"}
	switch m := v.get("response_mode"); m {
	case "", "query":
	case "fragment", "form_post":
		req.responseMode = m
	default:
		p.redirectError(w, r, req, errMalformed(fmt.Sprintf("The response_mode '%s' is not supported.", truncate(m))))
		return
	}
	if n := v.repeated(knownAuthorizeParams...); n != "" {
		p.redirectError(w, r, req, errMalformed(fmt.Sprintf("The parameter '%s' was sent more than once.", n)))
		return
	}
	switch rt := v.get("response_type"); {
	case rt == "":
		p.redirectError(w, r, req, errMissingParam("response_type"))
		return
	case rt != "code":
		p.redirectError(w, r, req, errUnsupportedResponseType(truncate(rt)))
		return
	}
	scopes, err := parseScopes(v.get("scope"))
	if err != nil {
		if se, ok := err.(*ScopeError); ok {
			p.redirectError(w, r, req, se.aad())
		} else {
			p.redirectError(w, r, req, errMissingParam("scope"))
		}
		return
	}
	req.scopes = scopes
	var aerr2 *aadError
	if req.challenge, req.challengeMethod, aerr2 = parsePKCE(v.get("code_challenge"), v.get("code_challenge_method")); aerr2 != nil {
		p.redirectError(w, r, req, aerr2)
		return
	}
	if req.prompt, aerr2 = parsePrompt(v.get("prompt")); aerr2 != nil {
		p.redirectError(w, r, req, aerr2)
		return
	}
	req.nonce, req.loginHint = v.get("nonce"), v.get("login_hint")
	p.advanceAuthorize(w, r, flow{
		kind:         flowAuthorize,
		tenantSeg:    tref.segment,
		auth:         req,
		forceAccount: req.prompt.login || req.prompt.selectAccount,
	})
}

// clientAndRedirect checks client_id and redirect_uri, the two things
// that decide whether errors may be redirected.
func (p *Provider) clientAndRedirect(v params) (tenant.App, *aadError) {
	clientID := v.get("client_id")
	if clientID == "" {
		return tenant.App{}, errMissingParam("client_id")
	}
	app, err := p.dir.App(clientID)
	if err != nil {
		return tenant.App{}, errAppNotFound(truncate(clientID), p.tenantName())
	}
	redirect := v.get("redirect_uri")
	if redirect == "" {
		return tenant.App{}, errMissingParam("redirect_uri")
	}
	if !slices.Contains(app.RedirectURIs, redirect) {
		return tenant.App{}, errRedirectMismatch(truncate(redirect), app.ClientID)
	}
	if u, err := url.Parse(redirect); err != nil || !u.IsAbs() {
		return tenant.App{}, errRedirectMismatch(truncate(redirect), app.ClientID)
	}
	return app, nil
}

func (p *Provider) tenantName() string {
	if n := p.dir.DisplayName(); n != "" {
		return n
	}
	return p.dir.Domain()
}

// truncate keeps echoed request values short in messages and logs.
func truncate(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}

// parsePKCE applies RFC 7636: a method needs a challenge, the method is
// S256 or plain (plain when omitted), and the challenge has the verifier's
// alphabet and length.
func parsePKCE(challenge, method string) (string, string, *aadError) {
	switch {
	case challenge == "" && method != "":
		return "", "", errMalformed("The code_challenge_method parameter was sent without a code_challenge.")
	case challenge == "":
		return "", "", nil
	case method == "":
		method = "plain"
	case method != "S256" && method != "plain":
		return "", "", errMalformed(fmt.Sprintf("The code_challenge_method '%s' is not supported. Use S256 or plain.", truncate(method)))
	}
	if !validPKCEString(challenge) {
		return "", "", newAADError(http.StatusBadRequest, "invalid_request", 501491, "Invalid size of Code_Challenge parameter.")
	}
	return challenge, method, nil
}

// validPKCEString checks RFC 7636's code-verifier (and plain challenge)
// syntax: 43 to 128 characters of [A-Za-z0-9-._~].
func validPKCEString(s string) bool {
	if len(s) < 43 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
			return false
		}
	}
	return true
}

// parsePrompt accepts Entra's prompt values (admin_consent is read as
// consent); none cannot be combined with anything.
func parsePrompt(s string) (prompt, *aadError) {
	var pr prompt
	fields := strings.Fields(s)
	for _, f := range fields {
		switch f {
		case "none":
			pr.none = true
		case "login":
			pr.login = true
		case "consent", "admin_consent":
			pr.consent = true
		case "select_account":
			pr.selectAccount = true
		default:
			return pr, errMalformed(fmt.Sprintf("Invalid value '%s' for the prompt parameter.", truncate(f)))
		}
	}
	if pr.none && len(fields) > 1 {
		return pr, errMalformed("The prompt value 'none' cannot be combined with other values.")
	}
	return pr, nil
}

// advanceAuthorize moves a sign-in to its next step: the account page,
// the consent page, or the code.
func (p *Provider) advanceAuthorize(w http.ResponseWriter, r *http.Request, fl flow) {
	app, err := p.dir.App(fl.auth.clientID)
	if err != nil {
		p.errorPageFor(w, r, errAppNotFound(fl.auth.clientID, p.tenantName()))
		return
	}
	if fl.userID == "" {
		su, ok := p.sessionUser(r)
		hint := fl.auth.loginHint
		switch {
		case ok && !fl.forceAccount && (hint == "" || strings.EqualFold(hint, su.UserPrincipalName) || strings.EqualFold(hint, su.ID)):
			fl.userID = su.ID
		case fl.auth.prompt.none:
			p.finishWithError(w, r, fl, errLoginRequired())
			return
		default:
			p.showSignin(w, r, fl, app, "")
			return
		}
	}
	u, err := p.dir.User(fl.userID)
	if err != nil {
		if fl.auth.prompt.none {
			p.finishWithError(w, r, fl, errLoginRequired())
			return
		}
		fl.userID = ""
		p.showSignin(w, r, fl, app, "That account no longer exists. Pick another one.")
		return
	}
	need := p.consentNeeds(app, u, fl.auth.scopes)
	if !fl.consentDone && (fl.auth.prompt.consent || need.show(u)) {
		if fl.auth.prompt.none {
			p.finishWithError(w, r, fl, errConsentRequired(app.ClientID, app.DisplayName).withErr("consent_required"))
			return
		}
		p.showConsent(w, r, fl, app, u, need)
		return
	}
	p.completeAuthorize(w, r, fl, app, u)
}

// consentNeed is what a sign-in asks for against what the user already has.
type consentNeed struct {
	requested    []string // every delegated permission and OIDC scope asked for
	missing      []string // user-consentable, not consented yet
	adminMissing []string // admin-only, not consented yet
}

// show says whether the consent page has anything to offer: a normal user
// can only consent to the user-consentable permissions, so admin-only ones
// alone do not stop a sign-in (the token simply lacks them), while a
// Global Administrator is offered them.
func (n consentNeed) show(u tenant.User) bool {
	return len(n.missing) > 0 || (u.CanGrantTenantConsent() && len(n.adminMissing) > 0)
}

func (p *Provider) consentNeeds(app tenant.App, u tenant.User, req scopeRequest) consentNeed {
	n := consentNeed{requested: requestedDelegated(app, req)}
	consented := p.dir.ConsentedScopes(app.ClientID, u.ID)
	for _, s := range n.requested {
		if containsFold(consented, s) {
			continue
		}
		if perm, _ := tenant.LookupPermission(s); perm.AdminOnly {
			n.adminMissing = append(n.adminMissing, s)
		} else {
			n.missing = append(n.missing, s)
		}
	}
	return n
}

// requestedDelegated expands a request into permission names; "/.default"
// at authorize means the app's registered delegated permissions.
func requestedDelegated(app tenant.App, req scopeRequest) []string {
	out := slices.Clone(req.OIDC)
	if req.GraphDefault {
		return append(out, canonicalPermissions(app.Delegated, isGraphDelegated)...)
	}
	return append(out, req.Graph...)
}

func userConsentable(names []string) []string {
	var out []string
	for _, n := range names {
		if perm, _ := tenant.LookupPermission(n); !perm.AdminOnly {
			out = append(out, n)
		}
	}
	return out
}

func (p *Provider) showSignin(w http.ResponseWriter, r *http.Request, fl flow, app tenant.App, msg string) {
	if !p.saveFlow(w, r, &fl) {
		return
	}
	purpose := "to continue to"
	if fl.kind != flowAuthorize {
		purpose = "to review the permissions requested by"
	}
	p.render(w, http.StatusOK, "signin", signinPage{
		Title:      "Sign in to your account",
		Purpose:    purpose,
		AppName:    app.DisplayName,
		TenantName: p.tenantName(),
		Action:     p.flowAction(fl),
		Flow:       fl.id,
		Message:    msg,
		Users:      accountViews(p.dir.Users(), fl.auth.loginHint),
	})
}

func (p *Provider) showConsent(w http.ResponseWriter, r *http.Request, fl flow, app tenant.App, u tenant.User, need consentNeed) {
	if !p.saveFlow(w, r, &fl) {
		return
	}
	admin := u.CanGrantTenantConsent()
	shown := slices.Concat(need.missing, need.adminMissing)
	if fl.auth.prompt.consent {
		shown = need.requested
	}
	var notGranted []string
	if !admin {
		shown = userConsentable(shown)
		notGranted = need.adminMissing
	}
	p.render(w, http.StatusOK, "consent", consentPage{
		Title:            "Permissions requested",
		AppName:          app.DisplayName,
		Action:           p.flowAction(fl),
		Flow:             fl.id,
		UserName:         u.DisplayName,
		UPN:              u.UserPrincipalName,
		Permissions:      permViews(shown),
		NotGranted:       permViews(notGranted),
		CanConsentForOrg: admin,
	})
}

// acceptConsent records the consent given on the consent page. A Global
// Administrator may consent for the whole organization; otherwise the
// consent is the user's own, and a normal user's never includes admin-only
// permissions.
func (p *Provider) acceptConsent(app tenant.App, u tenant.User, req scopeRequest, forOrg bool) {
	requested := requestedDelegated(app, req)
	switch {
	case u.CanGrantTenantConsent() && forOrg:
		p.dir.GrantAdminConsent(app.ClientID, requested, nil)
		p.log.Info("idp: admin consent granted", "client_id", app.ClientID, "user_id", u.ID, "via", "authorize")
	case u.CanGrantTenantConsent():
		p.dir.GrantUserConsent(app.ClientID, u.ID, requested)
		p.log.Info("idp: user consent granted", "client_id", app.ClientID, "user_id", u.ID)
	default:
		p.dir.GrantUserConsent(app.ClientID, u.ID, userConsentable(requested))
		p.log.Info("idp: user consent granted", "client_id", app.ClientID, "user_id", u.ID)
	}
}

func (p *Provider) completeAuthorize(w http.ResponseWriter, r *http.Request, fl flow, app tenant.App, u tenant.User) {
	now := p.clock.Now()
	code := randomToken(48)
	p.mu.Lock()
	p.codes.put(code, &authCode{
		clientID:        app.ClientID,
		redirectURI:     fl.auth.redirectURI,
		userID:          u.ID,
		scopes:          fl.auth.scopes,
		nonce:           fl.auth.nonce,
		challenge:       fl.auth.challenge,
		challengeMethod: fl.auth.challengeMethod,
		issued:          now,
	}, now.Add(codeLifetime+codeRetention), now)
	if fl.id != "" {
		p.flows.delete(fl.id)
	}
	p.mu.Unlock()
	p.log.Info("idp: authorization code issued", "client_id", app.ClientID, "user_id", u.ID)
	out := []formField{{"code", code}}
	if fl.auth.state != "" {
		out = append(out, formField{"state", fl.auth.state})
	}
	p.deliver(w, r, fl.auth.redirectURI, fl.auth.responseMode, out)
}

// finishWithError ends a flow by sending the error back to the app.
func (p *Provider) finishWithError(w http.ResponseWriter, r *http.Request, fl flow, e *aadError) {
	p.dropFlow(fl.id)
	p.redirectError(w, r, fl.auth, e)
}

// redirectError sends an error to a redirect URI already known to be
// registered, with Entra's parameters.
func (p *Provider) redirectError(w http.ResponseWriter, r *http.Request, req authRequest, e *aadError) {
	t := p.newTrace(r)
	p.log.Info("idp: authorize error", "client_id", req.clientID, "error", e.err, "aadsts", e.code, "trace_id", t.traceID)
	out := []formField{{"error", e.err}, {"error_description", t.description(e)}, {"error_uri", errorURI(e.code)}}
	if req.state != "" {
		out = append(out, formField{"state", req.state})
	}
	p.deliver(w, r, req.redirectURI, req.responseMode, out)
}

// deliver returns parameters to the application in the response mode it
// asked for. form_post is an auto-submitting form that also works without
// JavaScript (its submit button stays visible).
func (p *Provider) deliver(w http.ResponseWriter, r *http.Request, redirectURI, mode string, fields []formField) {
	if mode == "form_post" {
		p.render(w, http.StatusOK, "formpost", formPostPage{Action: redirectURI, Fields: fields})
		return
	}
	u, err := url.Parse(redirectURI)
	if err != nil {
		p.errorPageFor(w, r, errMalformed("The redirect URI cannot be parsed."))
		return
	}
	var enc strings.Builder
	for i, f := range fields {
		if i > 0 {
			enc.WriteByte('&')
		}
		enc.WriteString(url.QueryEscape(f.Name))
		enc.WriteByte('=')
		enc.WriteString(url.QueryEscape(f.Value))
	}
	if mode == "fragment" {
		u.Fragment, u.RawFragment = "", ""
		redirectTo(w, u.String()+"#"+enc.String())
		return
	}
	if u.RawQuery != "" {
		u.RawQuery += "&" + enc.String()
	} else {
		u.RawQuery = enc.String()
	}
	redirectTo(w, u.String())
}

// redirectTo answers 302 with no body: the Location is absolute, and a
// body echoing it would only be one more place for codes to leak.
func redirectTo(w http.ResponseWriter, location string) {
	h := w.Header()
	h.Set("Location", location)
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(http.StatusFound)
}

// flowAction is where a flow's forms post: the endpoint that started it.
func (p *Provider) flowAction(fl flow) string {
	switch fl.kind {
	case flowAdminV1:
		return "/" + fl.tenantSeg + "/adminconsent"
	case flowAdminV2:
		return "/" + fl.tenantSeg + "/v2.0/adminconsent"
	}
	return "/" + fl.tenantSeg + "/oauth2/v2.0/authorize"
}

// continueFlow handles a form post from one of the pages.
func (p *Provider) continueFlow(w http.ResponseWriter, r *http.Request, tref tenantRef, kind flowKind, v params) {
	if n := v.repeated("flow", "login", "action", "consent_org"); n != "" {
		p.errorPageFor(w, r, errMalformed(fmt.Sprintf("The parameter '%s' was sent more than once.", n)))
		return
	}
	fl, ok := p.loadFlow(v.get("flow"))
	if !ok || fl.kind != kind || fl.tenantSeg != tref.segment {
		p.errorPageFor(w, r, errFlowExpired())
		return
	}
	if !p.sameBrowser(r, fl.browser) {
		p.errorPageFor(w, r, errMalformed("The form was not sent by the browser that started this sign-in. Enable cookies for this site and start again."))
		return
	}
	advance := p.advanceAuthorize
	if kind != flowAuthorize {
		advance = p.advanceAdmin
	}
	if v.has("login") {
		u, err := p.dir.User(v.get("login"))
		if err != nil {
			fl.userID = ""
			app, aerr := p.flowApp(fl)
			if aerr != nil {
				p.errorPageFor(w, r, aerr)
				return
			}
			p.showSignin(w, r, fl, app, "That account does not exist. Pick another one.")
			return
		}
		p.startSession(w, r, u.ID)
		fl.userID, fl.forceAccount, fl.consentDone = u.ID, false, false
		p.log.Info("idp: signed in", "user_id", u.ID)
		advance(w, r, fl)
		return
	}
	action := v.get("action")
	if action == "switch" || fl.userID == "" {
		fl.userID, fl.forceAccount, fl.consentDone = "", true, false
		advance(w, r, fl)
		return
	}
	if kind == flowAuthorize {
		p.authorizeAction(w, r, fl, action, v)
	} else {
		p.adminAction(w, r, fl, action)
	}
}

func (p *Provider) authorizeAction(w http.ResponseWriter, r *http.Request, fl flow, action string, v params) {
	switch action {
	case "cancel":
		p.finishWithError(w, r, fl, errUserDeclined())
	case "accept":
		app, aerr := p.flowApp(fl)
		if aerr != nil {
			p.errorPageFor(w, r, aerr)
			return
		}
		u, err := p.dir.User(fl.userID)
		if err != nil {
			fl.userID = ""
			p.showSignin(w, r, fl, app, "That account no longer exists. Pick another one.")
			return
		}
		p.acceptConsent(app, u, fl.auth.scopes, v.get("consent_org") != "")
		fl.consentDone = true
		p.advanceAuthorize(w, r, fl)
	default:
		p.errorPageFor(w, r, errMalformed("The form action is not recognised."))
	}
}

func (p *Provider) flowApp(fl flow) (tenant.App, *aadError) {
	id := fl.auth.clientID
	if fl.kind != flowAuthorize {
		id = fl.admin.clientID
	}
	app, err := p.dir.App(id)
	if err != nil {
		return tenant.App{}, errAppNotFound(id, p.tenantName())
	}
	return app, nil
}

// saveFlow stores fl (giving it an id and a group the first time) and
// binds it to the browser. When the flow store refuses a new flow (too
// many sign-ins in progress, flows.go), it answers with an error page and
// reports false.
func (p *Provider) saveFlow(w http.ResponseWriter, r *http.Request, fl *flow) bool {
	client := fl.auth.clientID
	if fl.kind != flowAuthorize {
		client = fl.admin.clientID
	}
	groupMax := 0
	if fl.group == "" {
		// Before browserID, which may issue the cookie: the group is
		// the browser's only if the request already carried one.
		fl.group, groupMax = p.flowGroupOf(r, client)
	}
	if fl.browser == "" {
		fl.browser = p.browserID(w, r)
	}
	if fl.id == "" {
		fl.id = randomToken(24)
	}
	now := p.clock.Now()
	p.mu.Lock()
	err := p.flows.save(*fl, client, groupMax, now.Add(flowLifetime), now)
	p.mu.Unlock()
	if err != nil {
		p.log.Warn("idp: sign-in refused: too many in progress", "client_id", client, "source", sourceAddr(r))
		w.Header().Set("Retry-After", "60")
		p.errorPageFor(w, r, errTooManyFlows())
		return false
	}
	return true
}

func (p *Provider) loadFlow(id string) (flow, bool) {
	if id == "" || len(id) > maxFlowID {
		return flow{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flows.get(id, p.clock.Now())
}

func (p *Provider) dropFlow(id string) {
	if id == "" {
		return
	}
	p.mu.Lock()
	p.flows.delete(id)
	p.mu.Unlock()
}

// cookieValue reads a cookie of bounded size.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil || len(c.Value) > maxCookieBytes {
		return ""
	}
	return c.Value
}

func (p *Provider) setCookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		HttpOnly: true,
		Secure:   p.secure,
		SameSite: http.SameSiteLaxMode,
	})
}

// browserID returns the browser's binding cookie, issuing one if the
// request has none this provider issued.
func (p *Provider) browserID(w http.ResponseWriter, r *http.Request) string {
	if v := cookieValue(r, browserCookie); p.validBrowserID(v) {
		return v
	}
	v := p.newBrowserID()
	p.setCookie(w, browserCookie, v, 0)
	return v
}

func (p *Provider) sameBrowser(r *http.Request, want string) bool {
	got := cookieValue(r, browserCookie)
	return got != "" && secretEqual(got, want)
}

// sessionUser returns the SSO session's user, if the browser has one.
func (p *Provider) sessionUser(r *http.Request) (tenant.User, bool) {
	id := cookieValue(r, sessionCookie)
	if id == "" {
		return tenant.User{}, false
	}
	p.mu.Lock()
	s, ok := p.sessions.get(id, p.clock.Now())
	p.mu.Unlock()
	if !ok {
		return tenant.User{}, false
	}
	u, err := p.dir.User(s.userID)
	return u, err == nil
}

// startSession replaces the browser's SSO session with one for userID.
func (p *Provider) startSession(w http.ResponseWriter, r *http.Request, userID string) {
	now := p.clock.Now()
	id := randomToken(32)
	p.mu.Lock()
	if old := cookieValue(r, sessionCookie); old != "" {
		p.sessions.delete(old)
	}
	p.sessions.put(id, session{userID: userID}, now.Add(sessionLifetime), now)
	p.mu.Unlock()
	p.setCookie(w, sessionCookie, id, 0)
}

// endSession forgets the browser's SSO session.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	if old := cookieValue(r, sessionCookie); old != "" {
		p.mu.Lock()
		p.sessions.delete(old)
		p.mu.Unlock()
	}
	p.setCookie(w, sessionCookie, "", -1)
}
