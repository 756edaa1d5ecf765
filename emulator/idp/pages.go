package idp

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/graphsec/graphsec/emulator/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

// formPostScript is the only script the provider serves; its hash goes in
// the form_post page's Content-Security-Policy. It must match the
// <script> element of templates/formpost.html byte for byte (a test
// checks it).
const formPostScript = "document.forms[0].submit();"

// pages are the provider's HTML pages, parsed and checked once at start-up.
type pages struct {
	t           *template.Template
	formPostCSP string
}

var pageNames = []string{"signin", "consent", "adminconsent", "needadmin", "error", "formpost", "signedout"}

func loadPages() (*pages, error) {
	t, err := template.New("idp").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("idp: templates: %w", err)
	}
	for _, n := range pageNames {
		if t.Lookup(n) == nil {
			return nil, fmt.Errorf("idp: template %q is missing", n)
		}
	}
	h := sha256.Sum256([]byte(formPostScript))
	return &pages{
		t:           t,
		formPostCSP: "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'; frame-ancestors 'none'; base-uri 'none'",
	}, nil
}

// pageCSP allows the inline style block and nothing else. form-action is
// deliberately absent: browsers apply it to the redirect that follows a
// form post, which here goes to the application.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'"

// render executes a page into a buffer first, so a template failure never
// leaves half a page on the wire.
func (p *Provider) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := p.pages.t.ExecuteTemplate(&buf, name, data); err != nil {
		p.log.Error("idp: render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	if name == "formpost" {
		h.Set("Content-Security-Policy", p.pages.formPostCSP)
	} else {
		h.Set("Content-Security-Policy", pageCSP)
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

type signinPage struct {
	Title, Purpose, AppName, TenantName, Action, Flow, Message string
	Users                                                      []accountView
}

type accountView struct {
	ID, DisplayName, UPN, Roles string
	Hinted                      bool
}

type permView struct {
	Name, Description string
	AdminOnly         bool
}

type consentPage struct {
	Title, AppName, Action, Flow, UserName, UPN string
	Permissions, NotGranted                     []permView
	CanConsentForOrg                            bool
}

type adminConsentPage struct {
	Title, AppName, TenantName, Action, Flow, UserName, UPN string
	Delegated, Application                                  []permView
}

type needAdminPage struct {
	Title, AppName, Action, Flow, UserName, UPN string
}

type errorPage struct {
	Title, Code, Message, TraceID, CorrelationID, Timestamp string
}

type formField struct{ Name, Value string }

type formPostPage struct {
	Action string
	Fields []formField
}

type signedOutPage struct{ Title, Message string }

// errorPageFor shows e on a page: the browser endpoints' answer when the
// redirect URI is not (yet) trusted.
func (p *Provider) errorPageFor(w http.ResponseWriter, r *http.Request, e *aadError, logAttrs ...any) {
	t := p.newTrace(r)
	p.log.Info("idp: request failed", append([]any{"path", r.URL.Path, "error", e.err, "aadsts", e.code, "trace_id", t.traceID}, logAttrs...)...)
	p.render(w, e.status, "error", errorPage{
		Title:         "Sign in to your account",
		Code:          fmt.Sprintf("AADSTS%d", e.code),
		Message:       e.Error(),
		TraceID:       t.traceID,
		CorrelationID: t.correlationID,
		Timestamp:     t.timestamp(),
	})
}

// permissionDescriptions is fixed reference text for the consent pages.
var permissionDescriptions = map[string]string{
	"openid":                         "Sign you in",
	"profile":                        "View your basic profile",
	"email":                          "View your email address",
	"offline_access":                 "Maintain access to data you have given it access to",
	"User.Read":                      "Sign you in and read your profile",
	"User.ReadBasic.All":             "Read all users' basic profiles",
	"User.Read.All":                  "Read all users' full profiles",
	"Mail.Send":                      "Send mail as you",
	"SecurityEvents.Read.All":        "Read your organization's security events",
	"SecurityEvents.ReadWrite.All":   "Read and update your organization's security events",
	"SecurityAlert.Read.All":         "Read all security alerts",
	"SecurityAlert.ReadWrite.All":    "Read and write to all security alerts",
	"SecurityIncident.Read.All":      "Read all security incidents",
	"SecurityIncident.ReadWrite.All": "Read and write to all security incidents",
	"SecurityActions.Read.All":       "Read your organization's security actions",
	"SecurityActions.ReadWrite.All":  "Read and update your organization's security actions",
}

func permViews(names []string) []permView {
	out := make([]permView, 0, len(names))
	for _, n := range names {
		v := permView{Name: n, Description: permissionDescriptions[n]}
		if p, ok := tenant.LookupPermission(n); ok {
			v.AdminOnly = p.AdminOnly
		}
		out = append(out, v)
	}
	return out
}

func accountViews(users []tenant.User, hint string) []accountView {
	out := make([]accountView, 0, len(users))
	for _, u := range users {
		out = append(out, accountView{
			ID:          u.ID,
			DisplayName: u.DisplayName,
			UPN:         u.UserPrincipalName,
			Roles:       strings.Join(u.Roles, ", "),
			Hinted:      hint != "" && (strings.EqualFold(hint, u.UserPrincipalName) || strings.EqualFold(hint, u.ID)),
		})
	}
	return out
}
