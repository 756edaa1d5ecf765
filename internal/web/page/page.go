package page

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/i18n"
)

// Page is one page being served: the request, the signed-in user (nil on
// public pages), and the response, which it writes once, whole, when the
// outcome is known (see retrying).
type Page struct {
	R       *http.Request
	Session *auth.Session
	// L writes the page's text in the reader's language (negotiated from
	// the language cookie and Accept-Language): messages, labels, numbers
	// and times. Templates reach it as $.L.
	L *i18n.Printer
	// Title is the document's title (already in the page's language); Nav
	// the navigation entry to mark.
	Title, Nav string

	k         *Kit
	w         http.ResponseWriter
	requestID string
	// draft is form text restored after a sign-in (see Kit.Form).
	draft url.Values
	// claim is the key of the form submission this request applies
	// (formtoken.go); result is where its result can be seen again.
	claim, result string
	// changes is what the page's changes to Graph came to (see
	// changeFlags).
	changes changeFlags

	mu       sync.Mutex
	started  bool // the status went out
	done     bool // the whole answer went out
	status   int  // the status sent
	location string
	retries  int // Graph retries so far (logged)
}

// layoutData is what every page template receives.
type layoutData struct {
	Title     string
	Nav       string
	User      *userView
	CSRF      string
	RequestID string
	Emulator  *EmulatorInfo
	// L is the page's printer; Langs the language switch's links (each
	// comes back to this page).
	L     *i18n.Printer
	Langs []LangLink
	// Demo is set when graphsec runs against its embedded emulator: links
	// to Microsoft's portals (alertWebUrl, incidentWebUrl) lead nowhere
	// there, so pages hide them ({{if not $.Demo}}); Page.PortalURL already
	// returns "" for them.
	Demo bool
	// Here is the page's own address (a local path with query), which
	// every form sends back ("formguard") so that, when the session has
	// ended, the text typed can be shown again on this page after sign-in.
	Here string
	// Draft holds the fields of a form this browser sent after its session
	// had ended, restored once on the page the form was on after sign-in
	// ({{$.Draft.Get "comment"}}; see "draftnotice"). Nil otherwise.
	Draft url.Values
	// Role says what the signed-in user's directory roles let them do, so
	// pages can show a read-only view rather than forms that can only
	// fail.
	Role RoleView
	// Live is set when the live-alerts pages are mounted (the navigation
	// lists them; queues offer "Watch this view").
	Live bool
	// Page is the page's own data.
	Page any
}

// RoleView is what the user's Entra directory roles allow in the security
// API. When the roles could not be read (Known false), pages offer every
// action and Graph's answer decides.
type RoleView struct {
	Known bool
	// CanRead and CanWrite: read security data (Security Reader and up),
	// change it (Security Operator, Security Administrator, Global
	// Administrator).
	CanRead, CanWrite bool
	// Roles are the security-relevant roles the user holds, as role
	// template ids.
	Roles []string
}

// LangLink is one entry of the language switch: the language's own name,
// and a link that chooses it and comes back to the page.
type LangLink struct {
	Tag, Name, Href string
	Current         bool
}

// LangPath is the shell's language switch (GET, ?to=ja&back=/alerts).
const LangPath = "/lang"

// langLinks lists the languages, each linking back to the page (its
// address for a GET, its path after a form post).
func (p *Page) langLinks() []LangLink {
	back := p.R.URL.Path
	if uri := p.R.URL.RequestURI(); p.R.Method == http.MethodGet && len(uri) <= auth.MaxReturnPath {
		back = uri
	}
	out := make([]LangLink, 0, 2)
	for _, l := range i18n.Langs() {
		q := url.Values{"to": {l.Tag()}, "back": {back}}
		out = append(out, LangLink{Tag: l.Tag(), Name: l.Name(), Href: LangPath + "?" + q.Encode(), Current: l == p.L.Lang()})
	}
	return out
}

// userView is the signed-in user as the header shows them.
type userView struct {
	Name, UPN string
}

// newPage starts a page in the reader's language. Every answer says which
// language it is in and that it depends on the language cookie and
// Accept-Language, so that no cache serves one reader's language to
// another.
func (k *Kit) newPage(w http.ResponseWriter, r *http.Request, nav string) *Page {
	L := k.o.I18n.ForRequest(r, nil)
	h := w.Header()
	h.Set("Content-Language", L.HTMLLang())
	h.Add("Vary", "Accept-Language, Cookie")
	return &Page{R: r, Nav: nav, L: L, k: k, w: w, requestID: RequestID(r.Context())}
}

func (p *Page) layout(data any) layoutData {
	d := layoutData{Title: p.Title, Nav: p.Nav, RequestID: p.requestID, Emulator: p.k.o.Emulator, Demo: p.k.o.Emulator != nil,
		Here: p.here(), Draft: p.draft, Page: data, L: p.L, Langs: p.langLinks(), Live: p.k.o.Live}
	if s := p.Session; s != nil {
		d.User = &userView{Name: s.DisplayName, UPN: s.UserPrincipalName}
		d.CSRF = s.CSRFToken
		d.Role = roleView(s)
	}
	return d
}

// ReadOnly reports a user whose roles are known to let them read security
// data but not change it: pages show what is, not forms that can only fail.
func (v RoleView) ReadOnly() bool { return v.Known && v.CanRead && !v.CanWrite }

// NoAccess reports a user whose roles are known to give no access to
// security data at all.
func (v RoleView) NoAccess() bool { return v.Known && !v.CanRead }

// Names are the user's security roles by the camelCase names the i18n
// catalogs label ({{$.L.Role .}}).
func (v RoleView) Names() []string {
	out := make([]string, 0, len(v.Roles))
	for _, id := range v.Roles {
		switch id {
		case graph.RoleGlobalAdministrator:
			out = append(out, "globalAdministrator")
		case graph.RoleSecurityAdministrator:
			out = append(out, "securityAdministrator")
		case graph.RoleSecurityOperator:
			out = append(out, "securityOperator")
		case graph.RoleSecurityReader:
			out = append(out, "securityReader")
		case graph.RoleGlobalReader:
			out = append(out, "globalReader")
		}
	}
	return out
}

// Role is what the signed-in user's directory roles allow (everything,
// unknown, on a page without a session).
func (p *Page) Role() RoleView {
	if p.Session == nil {
		return RoleView{CanRead: true, CanWrite: true}
	}
	return roleView(p.Session)
}

// roleView says what the user's roles (role template ids, the graph
// package's Role* constants: the same in every tenant) allow.
func roleView(s *auth.Session) RoleView {
	v := RoleView{Known: s.RolesKnown}
	for _, id := range s.DirectoryRoles {
		switch {
		case slices.Contains(graph.SecurityWriterRoles(), id):
			v.CanWrite, v.CanRead = true, true
		case slices.Contains(graph.SecurityReaderRoles(), id):
			v.CanRead = true
		default:
			continue
		}
		v.Roles = append(v.Roles, id)
	}
	if !v.Known {
		v.CanRead, v.CanWrite = true, true
	}
	return v
}

// here is the page's own address for the "formguard": the request's URI
// for a GET; for a form post, the address the form says it was on (a form
// re-rendered after a mistake keeps pointing at its page).
func (p *Page) here() string {
	if p.R.Method == http.MethodGet || p.R.Method == http.MethodHead {
		return auth.SafeReturnPath(p.R.URL.RequestURI())
	}
	if from := p.R.PostForm.Get("from"); from != "" {
		return auth.SafeReturnPath(from)
	}
	return auth.SafeReturnPath(p.R.URL.Path)
}

// PortalURL is the package's PortalURL, and "" when graphsec runs against
// its embedded emulator, whose alerts carry links to Microsoft's portal
// that lead nowhere.
func (p *Page) PortalURL(u string) string {
	if p.k.o.Emulator != nil {
		return ""
	}
	return PortalURL(u)
}

// Writer is the response, for the few handlers that set cookies before
// they redirect (sign-in); pages write with Render.
func (p *Page) Writer() http.ResponseWriter { return p.w }

// RequestID is the request's id, shown at the foot of every page.
func (p *Page) RequestID() string { return p.requestID }

// Log is the kit's logger, with the request's id.
func (p *Page) Log() *slog.Logger { return p.k.log.With("request_id", p.requestID) }

// Me is the signed-in user's principal name ("" on public pages).
func (p *Page) Me() string {
	if p.Session == nil {
		return ""
	}
	return p.Session.UserPrincipalName
}

// Require reports a [MissingPermission] unless the signed-in user's grant
// gives access a. Checking before calling Graph turns a certain 403 into a
// page that names the permission and offers admin consent.
func (p *Page) Require(a graph.Access) error {
	if p.Session != nil && p.Session.Can(a) {
		return nil
	}
	return &MissingPermission{Scopes: graph.ScopeFor(a)}
}

// GraphFor is Require(a) and then Graph: the Graph client of a page that
// needs access a.
func (p *Page) GraphFor(a graph.Access) (*graph.Client, error) {
	if err := p.Require(a); err != nil {
		return nil, err
	}
	return p.Graph()
}

// Graph returns a Graph client acting for the page's user, whose retries
// show on the page as they happen.
func (p *Page) Graph() (*graph.Client, error) {
	if p.Session == nil || p.k.o.Graph == nil {
		return nil, fmt.Errorf("page: no Graph client for a page without a session")
	}
	return p.k.o.Graph(p.R.Context(), p.Session, p.retrying)
}

// Started reports whether the answer has gone out (after which no status
// or redirect can be sent).
func (p *Page) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

// Redirect answers with a redirect, unless the answer has gone out
// already (then it is an error).
func (p *Page) Redirect(url string, code int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return fmt.Errorf("page: redirect to %s after the page started", url)
	}
	p.started, p.done, p.status, p.location = true, true, code, url
	http.Redirect(p.w, p.R, url, code)
	return nil
}

// retrying is a graph.RetryPolicy.OnRetry hook. It writes nothing: a page
// holds its first byte until its outcome is known, so that the status it
// sends is the outcome's (an error after a wait is an error status, not
// a 200 whose body says otherwise). The wait is bounded by the shell's
// retry budget (a few seconds); when Graph asks to wait longer, the call
// returns the 429 at once and the page is an honest 429 with Retry-After
// that reloads itself (a GET) or offers to send the form again (a POST).
// See Kit.Explain and fail.
func (p *Page) retrying(ri graph.RetryInfo) {
	p.mu.Lock()
	p.retries++
	n := p.retries
	p.mu.Unlock()
	p.k.log.Info("waiting for Microsoft Graph", "request_id", p.requestID, "status", ri.StatusCode, "wait", ri.Wait, "attempt", ri.Attempt, "retries", n)
}

func (p *Page) header(status int) {
	h := p.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	p.status = status
	p.w.WriteHeader(status)
}

// Render writes the page name ("alerts/queue") with its data and status.
// An error means nothing was written (the template failed); the handler
// returns it and the kit shows an error page.
func (p *Page) Render(status int, name string, data any) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return nil
	}
	t := p.k.pages[name]
	if t == nil {
		return fmt.Errorf("page: no template %q", name)
	}
	d := p.layout(data)
	var buf bytes.Buffer
	err := t.ExecuteTemplate(&buf, "top", d)
	if err == nil {
		err = t.ExecuteTemplate(&buf, "content", d)
	}
	if err == nil {
		err = t.ExecuteTemplate(&buf, "bottom", d)
	}
	if err != nil {
		return fmt.Errorf("page: render %s: %w", name, err)
	}
	if cv, ok := data.(CompareView); ok && p.result == "" {
		p.result = cv.Back
	}
	p.header(status)
	p.started, p.done = true, true
	_, _ = buf.WriteTo(p.w)
	return nil
}

// ResultAt says where the result of this page's form can be seen again
// (a local path): a form sent twice sends its second submission there.
// Without it, a form whose answer is a page goes to the comparison's Back
// link, or to the page the form was on.
func (p *Page) ResultAt(path string) { p.result = path }

type ctxKey int

const (
	requestIDKey ctxKey = iota
	// changesKey holds the page's *changeFlags, which the activity log's
	// intents set (formtoken.go).
	changesKey
)

// WithRequestID returns ctx carrying the request's id (the shell's
// request-id middleware sets it).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request's id (also sent as X-Request-Id and shown
// at the foot of every page, so a user's report can be matched to the
// log).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
