package page

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/graphsec/graphsec/graph"
	"github.com/graphsec/graphsec/internal/auth"
	"github.com/graphsec/graphsec/internal/i18n"
)

// Page is one page being served: the request, the signed-in user (nil on
// public pages), and the response, which it writes once. Handlers set
// Title and Nav before they call Graph, since a "retrying" notice sends
// the top of the page with them.
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

	mu      sync.Mutex
	started bool // the top of the page (and the status) went out
	done    bool // the whole answer went out
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
	// Role says what the signed-in user's directory roles let them do, so
	// pages can show a read-only view rather than forms that can only
	// fail.
	Role RoleView
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
	if p.R.Method == http.MethodGet {
		back = p.R.URL.RequestURI()
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
	d := layoutData{Title: p.Title, Nav: p.Nav, RequestID: p.requestID, Emulator: p.k.o.Emulator, Page: data, L: p.L, Langs: p.langLinks()}
	if s := p.Session; s != nil {
		d.User = &userView{Name: s.DisplayName, UPN: s.UserPrincipalName}
		d.CSRF = s.CSRFToken
		d.Role = roleView(s)
	}
	return d
}

// Entra's role template ids for the roles that matter to the security API
// (they are the same in every tenant).
const (
	RoleGlobalAdministrator   = "62e90394-69f5-4237-9190-012177145e10"
	RoleSecurityAdministrator = "194ae4cb-b126-40b2-bd5b-6091b380977d"
	RoleSecurityOperator      = "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"
	RoleSecurityReader        = "5d6b6bb7-de71-4623-b4af-96380a352509"
	RoleGlobalReader          = "f2ef992c-3afb-46b9-b7cf-a126ee74c451"
)

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
		case RoleGlobalAdministrator:
			out = append(out, "globalAdministrator")
		case RoleSecurityAdministrator:
			out = append(out, "securityAdministrator")
		case RoleSecurityOperator:
			out = append(out, "securityOperator")
		case RoleSecurityReader:
			out = append(out, "securityReader")
		case RoleGlobalReader:
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

func roleView(s *auth.Session) RoleView {
	v := RoleView{Known: s.RolesKnown}
	for _, id := range s.DirectoryRoles {
		switch id {
		case RoleGlobalAdministrator, RoleSecurityAdministrator, RoleSecurityOperator:
			v.CanWrite, v.CanRead = true, true
		case RoleSecurityReader, RoleGlobalReader:
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

// Started reports whether the page has begun (a "retrying" notice went
// out with its top), after which no status or redirect can be sent.
func (p *Page) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.started
}

// Redirect answers with a redirect, unless the page has started (then it
// is an error: the handler should render instead).
func (p *Page) Redirect(url string, code int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		return fmt.Errorf("page: redirect to %s after the page started", url)
	}
	p.started, p.done = true, true
	http.Redirect(p.w, p.R, url, code)
	return nil
}

// retrying is a graph.RetryPolicy.OnRetry hook: it sends the top of the
// page at once, with a notice that graphsec is waiting for Graph, and
// flushes it so the browser shows it while the request goes on.
func (p *Page) retrying(ri graph.RetryInfo) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	t := p.k.pages[errorPage] // every page has the layout's top
	if !p.started {
		p.started = true
		p.header(http.StatusOK)
		if err := t.ExecuteTemplate(p.w, "top", p.layout(nil)); err != nil {
			p.k.log.Error("render page top", "request_id", p.requestID, "err", err)
		}
	}
	_ = t.ExecuteTemplate(p.w, "retrying", retryView{
		L: p.L, Throttled: ri.StatusCode == http.StatusTooManyRequests, Wait: ri.Wait, Attempt: ri.Attempt, Status: ri.StatusCode, RequestID: ri.RequestID,
	})
	_ = http.NewResponseController(p.w).Flush()
}

// retryView is the "retrying" notice: Graph throttled (429) or was busy,
// and graphsec waits Wait before its attempt Attempt.
type retryView struct {
	L         *i18n.Printer
	Throttled bool
	Wait      time.Duration
	Attempt   int
	Status    int
	RequestID string
}

func (p *Page) header(status int) {
	h := p.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	p.w.WriteHeader(status)
}

// Render writes the page name ("alerts/queue") with its data and status.
// After a "retrying" notice the top and the status have gone out: Render
// finishes the page. An error means nothing was written (the template
// failed); the handler returns it and the kit shows an error page.
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
	var err error
	if !p.started {
		err = t.ExecuteTemplate(&buf, "top", d)
	}
	if err == nil {
		err = t.ExecuteTemplate(&buf, "content", d)
	}
	if err == nil {
		err = t.ExecuteTemplate(&buf, "bottom", d)
	}
	if err != nil {
		err = fmt.Errorf("page: render %s: %w", name, err)
		if p.started {
			// The top is out: finish as well as possible.
			p.k.log.Error("render page", "page", name, "request_id", p.requestID, "err", err)
			_ = p.k.pages[errorPage].ExecuteTemplate(p.w, "bottom", d)
			p.done = true
			return nil
		}
		return err
	}
	if !p.started {
		p.header(status)
	}
	p.started, p.done = true, true
	_, _ = buf.WriteTo(p.w)
	return nil
}

type ctxKey int

const requestIDKey ctxKey = iota

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
